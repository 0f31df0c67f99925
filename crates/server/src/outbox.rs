//! The outbox: messages to patients (their private status link) are written
//! to the `outbox` table at check-in and delivered in the background by SMTP
//! (plain TCP to a relay such as a local Postfix; no TLS) or by a webhook
//! (an HTTP POST of JSON; `http://` only, no TLS). Text messages go to the
//! webhook; e-mail goes by SMTP when a relay is configured, else the webhook.
//!
//! Failed deliveries are tried again after the domain's back-off and given up
//! after the last attempt. Once a message is delivered or given up on, its
//! body (which holds the private link) is replaced in the table. Logs name
//! message ids, channels and counts only: never addresses, names or links.

use crate::AppState;
use crate::auth::{PageStaff, Staff};
use crate::error::ApiError;
use crate::pages::{Nav, error_page, render};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use frontdesk_domain::outbox::{MessageChannel, check_in_message, is_stale, mask_recipient};
use frontdesk_domain::patient::NewPatient;
use frontdesk_domain::{Role, Timestamp};
use frontdesk_store::{Location, NewOutboxMessage, OutboxMessage, StoreError};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How messages leave the server. Everything off by default.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OutboxConfig {
    /// An SMTP relay as `host:port` (plain TCP, no TLS, no login), such as a
    /// local Postfix at `127.0.0.1:25`.
    pub smtp_addr: Option<String>,
    /// The sender address of e-mail (`From:` and `MAIL FROM`).
    pub smtp_from: String,
    /// A URL that receives `{"channel","to","subject","body"}` by POST (`http://` only).
    pub webhook_url: Option<String>,
    /// Sent as `Authorization: Bearer TOKEN` to the webhook, when set.
    pub webhook_token: Option<String>,
}

impl std::fmt::Debug for OutboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxConfig")
            .field("smtp_addr", &self.smtp_addr)
            .field("smtp_from", &self.smtp_from)
            .field("webhook_url", &self.webhook_url.as_ref().map(|_| "(set)"))
            .field(
                "webhook_token",
                &self.webhook_token.as_ref().map(|_| "****"),
            )
            .finish()
    }
}

/// Which way a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Smtp,
    Webhook,
}

impl OutboxConfig {
    /// How a message by `channel` would go, if it can go at all.
    pub fn route(&self, channel: MessageChannel) -> Option<Route> {
        match channel {
            MessageChannel::Email if self.smtp_addr.is_some() => Some(Route::Smtp),
            _ if self.webhook_url.is_some() => Some(Route::Webhook),
            _ => None,
        }
    }

    /// Whether any way out is configured.
    pub fn is_on(&self) -> bool {
        self.smtp_addr.is_some() || self.webhook_url.is_some()
    }
}

/// Whether a link can be sent by `channel`: a way out for it, and a public
/// address for the link itself (a link made from a request's `Host` header
/// could be pointed anywhere by whoever sent the request).
pub fn can_send(state: &AppState, channel: MessageChannel) -> bool {
    state.config.public_url.is_some() && state.config.outbox.route(channel).is_some()
}

/// The e-mail address and phone number an arrival gave, in that order.
pub fn contacts_of(patient: &NewPatient) -> Vec<(MessageChannel, String)> {
    let mut out = Vec::new();
    if let Some(e) = &patient.email {
        out.push((MessageChannel::Email, e.clone()));
    }
    if let Some(p) = &patient.phone {
        out.push((MessageChannel::Sms, p.clone()));
    }
    out
}

/// The check-in messages with the patient's private link, one to each
/// contact whose channel is configured (recorded with the check-in, in its
/// transaction). None without a public address for the link: a link made
/// from a request's `Host` header could point anywhere.
pub fn link_messages(
    state: &AppState,
    location: &Location,
    first_name: &str,
    status_path: &str,
    contacts: &[(MessageChannel, String)],
) -> Vec<NewOutboxMessage> {
    let mut out: Vec<NewOutboxMessage> = Vec::new();
    if contacts.is_empty() {
        return out;
    }
    let Some(base) = &state.config.public_url else {
        if state.config.outbox.is_on() {
            tracing::warn!("status link not sent: set public_url so links in messages work");
        }
        return out;
    };
    let link = format!("{}{status_path}", base.trim_end_matches('/'));
    let (subject, body) = check_in_message(first_name, &location.name, &link);
    for (channel, recipient) in contacts {
        if state.config.outbox.route(*channel).is_none()
            || out.iter().any(|m| m.channel == *channel)
        {
            continue;
        }
        out.push(NewOutboxMessage {
            location: location.id.clone(),
            visit_id: None,
            channel: *channel,
            recipient: recipient.clone(),
            subject: match channel {
                MessageChannel::Email => subject.clone(),
                MessageChannel::Sms => String::new(),
            },
            body: body.clone(),
        });
    }
    out
}

// --- delivery ---

/// Messages claimed per run.
const BATCH: i64 = 20;
/// A claimed message is not handed out again for this long (a run that dies
/// half-way leaves its messages to the next one after this).
fn lease() -> chrono::Duration {
    chrono::Duration::minutes(10)
}
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a delivery failed, in words without addresses or names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// Trying again will not help (the relay refused this recipient).
    pub permanent: bool,
}

impl SendError {
    fn transient(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: false,
        }
    }
    fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Deliver every message that is due now; the number delivered. The server's
/// watcher runs this every tick (see [`start_delivery`]); tests call it directly.
pub async fn deliver_due(state: &AppState) -> Result<usize, StoreError> {
    let due = state
        .store
        .claim_due_messages(state.now(), lease(), BATCH)
        .await?;
    let mut sent = 0;
    for m in &due {
        let result = if is_stale(m.created_at, state.now()) {
            Err(SendError::permanent(
                "too late to send: the check-in was hours ago",
            ))
        } else {
            send(state, m).await
        };
        let channel = m.channel.as_str();
        match result {
            Ok(()) => match state.store.message_sent(m.id, state.now()).await {
                Ok(_) => {
                    sent += 1;
                    tracing::info!(message_id = m.id, channel, "outbox message delivered");
                }
                Err(e) => {
                    tracing::error!(message_id = m.id, error = %e, "delivered, but not marked sent")
                }
            },
            Err(failure) => {
                match state
                    .store
                    .message_failed(m.id, &failure.message, failure.permanent, state.now())
                    .await
                {
                    Ok(after) => tracing::warn!(
                        message_id = m.id,
                        channel,
                        attempts = after.attempts,
                        status = after.status.as_str(),
                        error = %failure.message,
                        "outbox delivery failed"
                    ),
                    Err(e) => {
                        tracing::error!(message_id = m.id, error = %e, "delivery failure not recorded")
                    }
                }
            }
        }
    }
    if !due.is_empty() {
        tracing::debug!(claimed = due.len(), sent, "outbox run");
    }
    Ok(sent)
}

/// Start a delivery run in the background unless one is still going (a slow
/// relay must never hold up the acknowledgement clocks).
pub fn start_delivery(state: &AppState) {
    if !state.config.outbox.is_on() || state.outbox_busy.swap(true, Ordering::AcqRel) {
        return;
    }
    /// Clears the busy flag however the run ends.
    struct Done(AppState);
    impl Drop for Done {
        fn drop(&mut self) {
            self.0.outbox_busy.store(false, Ordering::Release);
        }
    }
    let done = Done(state.clone());
    tokio::spawn(async move {
        if let Err(e) = deliver_due(&done.0).await {
            tracing::error!(error = %e, "outbox run failed");
        }
        drop(done);
    });
}

async fn send(state: &AppState, m: &OutboxMessage) -> Result<(), SendError> {
    let config = &state.config.outbox;
    match config.route(m.channel) {
        Some(Route::Smtp) => send_smtp(config, m, state.now()).await,
        Some(Route::Webhook) => send_webhook(config, m).await,
        None => Err(SendError::transient(format!(
            "no way out is configured for {}",
            m.channel.as_str()
        ))),
    }
}

// --- webhook ---

fn http_client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(WEBHOOK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

async fn send_webhook(config: &OutboxConfig, m: &OutboxMessage) -> Result<(), SendError> {
    let url = config.webhook_url.as_deref().unwrap_or_default();
    if !url.starts_with("http://") {
        return Err(SendError::transient(
            "webhook: only http:// addresses work (this build has no TLS)",
        ));
    }
    let mut request = http_client().post(url).json(&json!({
        "channel": m.channel.as_str(),
        "to": m.recipient,
        "subject": m.subject,
        "body": m.body,
    }));
    if let Some(token) = &config.webhook_token {
        request = request.bearer_auth(token);
    }
    // Errors are described by kind only: reqwest's own text names the URL,
    // which may carry a secret.
    match request.send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => {
            let code = response.status().as_u16();
            // The receiver refused this message itself; anything else may pass later.
            let permanent = matches!(code, 400 | 410 | 413 | 422);
            Err(SendError {
                message: format!("webhook answered {code}"),
                permanent,
            })
        }
        Err(e) if e.is_timeout() => Err(SendError::transient("webhook: timed out")),
        Err(e) if e.is_connect() => Err(SendError::transient("webhook: could not connect")),
        Err(_) => Err(SendError::transient("webhook: request failed")),
    }
}

// --- SMTP ---

/// An address we put in an SMTP command: no angle brackets or control characters.
fn smtp_safe(address: &str) -> bool {
    !address.is_empty()
        && !address
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>')
}

/// The name we greet the relay with: the sender's domain when it is a plain host name.
fn helo_name(from: &str) -> String {
    from.rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .unwrap_or("localhost")
        .to_string()
}

/// A header value on one line, non-ASCII as RFC 2047 encoded words.
fn header_text(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.is_ascii() {
        return clean;
    }
    // Encoded words of at most 45 bytes of text each (60 characters of base64).
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in clean.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// The message as sent after `DATA`, before dot-stuffing: headers, a blank
/// line and the body, every line ending in CRLF. Returns the text and whether
/// it needs `BODY=8BITMIME`. Plain ASCII goes as is; other text goes as 8-bit
/// when the relay offers 8BITMIME, else as base64.
pub fn email_text(
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    date: Timestamp,
    message_id: &str,
    relay_takes_8bit: bool,
) -> (String, bool) {
    let lines: Vec<&str> = body.lines().collect();
    let short_lines = lines.iter().all(|l| l.len() <= 998);
    let (encoding, text, eight_bit) = if body.is_ascii() && short_lines {
        ("7bit", lines.join("\r\n"), false)
    } else if relay_takes_8bit && short_lines {
        ("8bit", lines.join("\r\n"), true)
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
        let wrapped: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        ("base64", wrapped.join("\r\n"), false)
    };
    let message = format!(
        "From: <{from}>\r\n\
         To: <{to}>\r\n\
         Subject: {}\r\n\
         Date: {}\r\n\
         Message-ID: {message_id}\r\n\
         Auto-Submitted: auto-generated\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: {encoding}\r\n\
         \r\n\
         {text}\r\n",
        header_text(subject),
        date.to_rfc2822(),
    );
    (message, eight_bit)
}

/// Dot-stuffing (RFC 5321 4.5.2): a line that starts with `.` gets another,
/// and the end-of-data mark follows.
pub fn dot_stuff(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    for line in message.split_inclusive("\r\n") {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
    }
    if !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out
}

struct Smtp {
    io: BufReader<TcpStream>,
}

impl Smtp {
    /// One reply: its code and the text of each line.
    async fn reply(&mut self, stage: &str) -> Result<(u16, Vec<String>), SendError> {
        const MAX_LINE: u64 = 2048;
        const MAX_LINES: usize = 100;
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            let read = tokio::time::timeout(
                REPLY_TIMEOUT,
                (&mut self.io).take(MAX_LINE).read_until(b'\n', &mut buf),
            )
            .await
            .map_err(|_| SendError::transient(format!("SMTP: no answer to {stage} (timed out)")))?
            .map_err(|e| {
                SendError::transient(format!("SMTP: connection failed at {stage} ({})", e.kind()))
            })?;
            if read == 0 {
                return Err(SendError::transient(format!(
                    "SMTP: the relay hung up at {stage}"
                )));
            }
            let well_formed = buf.ends_with(b"\n")
                && buf.len() >= 4
                && buf[..3].iter().all(u8::is_ascii_digit)
                && matches!(buf[3], b' ' | b'-' | b'\r' | b'\n');
            if !well_formed || lines.len() >= MAX_LINES {
                return Err(SendError::transient(format!(
                    "SMTP: unreadable answer to {stage}"
                )));
            }
            let code = u16::from(buf[0] - b'0') * 100
                + u16::from(buf[1] - b'0') * 10
                + u16::from(buf[2] - b'0');
            let text = String::from_utf8_lossy(&buf[3..]);
            lines.push(text.trim_start_matches(['-', ' ']).trim_end().to_string());
            if buf[3] != b'-' {
                return Ok((code, lines));
            }
        }
    }

    async fn write(&mut self, text: &str, stage: &str) -> Result<(), SendError> {
        let io = self.io.get_mut();
        tokio::time::timeout(REPLY_TIMEOUT, async {
            io.write_all(text.as_bytes()).await?;
            io.flush().await
        })
        .await
        .map_err(|_| SendError::transient(format!("SMTP: timed out sending {stage}")))?
        .map_err(|e| {
            SendError::transient(format!("SMTP: connection failed at {stage} ({})", e.kind()))
        })
    }

    /// Send a command and expect one of `ok`. A refusal names the stage and
    /// the code only: relays often repeat the address in their text.
    async fn command(
        &mut self,
        line: &str,
        stage: &str,
        ok: &[u16],
    ) -> Result<Vec<String>, SendError> {
        self.write(&format!("{line}\r\n"), stage).await?;
        self.expect(stage, ok).await
    }

    async fn expect(&mut self, stage: &str, ok: &[u16]) -> Result<Vec<String>, SendError> {
        let (code, lines) = self.reply(stage).await?;
        if ok.contains(&code) {
            return Ok(lines);
        }
        // A refused recipient or message will be refused again; anything
        // else (a busy relay, a wrong setting) may pass later.
        let permanent = code >= 500 && matches!(stage, "RCPT TO" | "the message");
        Err(SendError {
            message: format!("SMTP: the relay refused {stage} ({code})"),
            permanent,
        })
    }
}

async fn send_smtp(
    config: &OutboxConfig,
    m: &OutboxMessage,
    now: Timestamp,
) -> Result<(), SendError> {
    let addr = config.smtp_addr.as_deref().unwrap_or_default();
    let from = config.smtp_from.trim();
    if !smtp_safe(from) {
        return Err(SendError::transient(
            "SMTP: no usable sender address is configured (outbox_smtp_from)",
        ));
    }
    if !smtp_safe(&m.recipient) {
        return Err(SendError::permanent("SMTP: the address cannot be sent to"));
    }
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| SendError::transient("SMTP: could not connect to the relay (timed out)"))?
        .map_err(|e| {
            SendError::transient(format!(
                "SMTP: could not connect to the relay ({})",
                e.kind()
            ))
        })?;
    let mut smtp = Smtp {
        io: BufReader::new(stream),
    };
    smtp.expect("the greeting", &[220]).await?;
    let helo = helo_name(from);
    smtp.write(&format!("EHLO {helo}\r\n"), "EHLO").await?;
    let (code, lines) = smtp.reply("EHLO").await?;
    let extensions: Vec<String> = if code == 250 {
        lines
            .iter()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_ascii_uppercase)
            .collect()
    } else {
        // An old relay without ESMTP.
        smtp.command(&format!("HELO {helo}"), "HELO", &[250])
            .await?;
        Vec::new()
    };
    let offers = |name: &str| extensions.iter().any(|e| e == name);
    let needs_utf8 = !from.is_ascii() || !m.recipient.is_ascii();
    if needs_utf8 && !offers("SMTPUTF8") {
        return Err(SendError::permanent(
            "SMTP: the address is not plain ASCII and the relay does not offer SMTPUTF8",
        ));
    }
    let message_id = format!(
        "<frontdesk.{}.{}@{helo}>",
        m.id,
        &crate::auth::random_token()[..16]
    );
    let (text, eight_bit) = email_text(
        from,
        &m.recipient,
        &m.subject,
        &m.body,
        now,
        &message_id,
        offers("8BITMIME"),
    );
    let mut mail = format!("MAIL FROM:<{from}>");
    if eight_bit {
        mail.push_str(" BODY=8BITMIME");
    }
    if needs_utf8 {
        mail.push_str(" SMTPUTF8");
    }
    smtp.command(&mail, "MAIL FROM", &[250]).await?;
    smtp.command(
        &format!("RCPT TO:<{}>", m.recipient),
        "RCPT TO",
        &[250, 251],
    )
    .await?;
    smtp.command("DATA", "DATA", &[354]).await?;
    smtp.write(&dot_stuff(&text), "the message").await?;
    smtp.expect("the message", &[250]).await?;
    // The message is accepted; a relay that hangs up without a goodbye is fine.
    let _ = smtp.command("QUIT", "QUIT", &[221]).await;
    Ok(())
}

// --- the admins' view ---

fn message_json(m: &OutboxMessage) -> Value {
    json!({
        "id": m.id,
        "created_at": crate::api::time(m.created_at),
        "location": m.location,
        "visit_id": m.visit_id,
        "channel": m.channel.as_str(),
        "to": mask_recipient(m.channel, &m.recipient),
        "status": m.status.as_str(),
        "attempts": m.attempts,
        "next_attempt_at": (m.status == frontdesk_store::MessageStatus::Pending)
            .then(|| crate::api::time(m.next_attempt_at)),
        "last_error": m.last_error,
        "sent_at": m.sent_at.map(crate::api::time),
    })
}

/// How each channel goes out, in words (no URLs: they may carry secrets).
fn routes_text(state: &AppState) -> Vec<(&'static str, String)> {
    let config = &state.config.outbox;
    let no_link = state.config.public_url.is_none();
    [MessageChannel::Email, MessageChannel::Sms]
        .into_iter()
        .map(|channel| {
            let how = match config.route(channel) {
                _ if no_link && config.is_on() => {
                    "not sent: public_url is not set, so links would not work".to_string()
                }
                Some(Route::Smtp) => format!(
                    "by SMTP through {}",
                    config.smtp_addr.as_deref().unwrap_or_default()
                ),
                Some(Route::Webhook) => "by the webhook".to_string(),
                None => "not configured".to_string(),
            };
            (channel.label(), how)
        })
        .collect()
}

async fn recent(state: &AppState, staff: &Staff) -> Result<Vec<OutboxMessage>, ApiError> {
    staff.require(Role::can_manage_users)?;
    let messages = state.store.outbox_messages(200).await?;
    state
        .store
        .audit(&staff.actor(), "outbox.read", "outbox", state.now())
        .await?;
    Ok(messages)
}

/// `GET /api/v1/outbox` (admins): recent messages, addresses masked.
pub async fn list_api(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    let messages = recent(&state, &staff).await?;
    let routes: serde_json::Map<String, Value> = [MessageChannel::Email, MessageChannel::Sms]
        .into_iter()
        .map(|c| {
            let route = if can_send(&state, c) {
                match state.config.outbox.route(c) {
                    Some(Route::Smtp) => json!("smtp"),
                    Some(Route::Webhook) => json!("webhook"),
                    None => Value::Null,
                }
            } else {
                Value::Null
            };
            (c.as_str().to_string(), route)
        })
        .collect();
    Ok(Json(json!({
        "routes": routes,
        "messages": messages.iter().map(message_json).collect::<Vec<_>>(),
    })))
}

/// One row of the outbox page.
struct Row {
    at: String,
    channel: &'static str,
    to: String,
    status: &'static str,
    attempts: i64,
    next: String,
    last_error: String,
    visit_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    nav: Nav,
    routes: Vec<(&'static str, String)>,
    rows: Vec<Row>,
}

/// `GET /outbox` (admins): recent messages, addresses masked.
pub async fn page(State(state): State<AppState>, PageStaff(staff): PageStaff) -> Response {
    let messages = match recent(&state, &staff).await {
        Ok(m) => m,
        Err(e) => return error_page(e),
    };
    let zone = state
        .location("main")
        .await
        .map(|l| l.zone())
        .unwrap_or(chrono_tz::UTC);
    let when = |t: Timestamp| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
    let rows = messages
        .iter()
        .map(|m| Row {
            at: when(m.created_at),
            channel: m.channel.label(),
            to: mask_recipient(m.channel, &m.recipient),
            status: m.status.as_str(),
            attempts: m.attempts,
            next: match (m.status, m.sent_at) {
                (frontdesk_store::MessageStatus::Pending, _) => {
                    format!("next try {}", when(m.next_attempt_at))
                }
                (_, Some(t)) => format!("sent {}", when(t)),
                _ => String::new(),
            },
            last_error: m.last_error.clone().unwrap_or_default(),
            visit_id: m.visit_id,
        })
        .collect();
    render(&OutboxPage {
        nav: Nav::of(&staff),
        routes: routes_text(&state),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dot_stuffing_doubles_leading_dots_and_ends_the_data() {
        assert_eq!(dot_stuff("a\r\n.b\r\n..\r\n"), "a\r\n..b\r\n...\r\n.\r\n");
        assert_eq!(dot_stuff("no newline"), "no newline\r\n.\r\n");
    }

    #[test]
    fn plain_text_goes_as_is_and_other_text_as_8bit_or_base64() {
        let t = chrono::Utc.with_ymd_and_hms(2026, 3, 5, 14, 0, 0).unwrap();
        let (text, eight) = email_text("a@x.org", "b@y.org", "Hi", "one\ntwo", t, "<m@x>", false);
        assert!(!eight);
        assert!(text.contains("Content-Transfer-Encoding: 7bit\r\n"));
        assert!(text.ends_with("\r\n\r\none\r\ntwo\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "CRLF only");
        let (text, eight) = email_text("a@x.org", "b@y.org", "Clínica", "— ok", t, "<m@x>", true);
        assert!(eight);
        assert!(text.contains("Subject: =?UTF-8?B?"));
        assert!(text.contains("— ok"));
        let (text, eight) = email_text("a@x.org", "b@y.org", "Hi", "— ok", t, "<m@x>", false);
        assert!(!eight);
        assert!(text.contains("Content-Transfer-Encoding: base64"));
        assert!(text.is_ascii());
    }

    #[test]
    fn header_text_has_no_line_breaks_of_its_own() {
        assert_eq!(header_text("a\r\nBcc: x"), "a  Bcc: x");
        let long = "é".repeat(60);
        let encoded = header_text(&long);
        assert!(encoded.split("\r\n ").all(|w| w.len() <= 75));
    }

    #[test]
    fn routes_follow_the_configuration() {
        let mut c = OutboxConfig::default();
        assert!(!c.is_on());
        assert_eq!(c.route(MessageChannel::Email), None);
        c.webhook_url = Some("http://127.0.0.1:9/hook".into());
        assert_eq!(c.route(MessageChannel::Email), Some(Route::Webhook));
        assert_eq!(c.route(MessageChannel::Sms), Some(Route::Webhook));
        c.smtp_addr = Some("127.0.0.1:25".into());
        assert_eq!(c.route(MessageChannel::Email), Some(Route::Smtp));
        c.webhook_url = None;
        assert_eq!(c.route(MessageChannel::Sms), None);
        c.webhook_token = Some("s3cret".into());
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
