//! The outbox: messages to patients (their private status link, the
//! reminder with their arrival link, a reply to their complaint) are
//! written to the `outbox` table in the transaction that makes them, and
//! delivered in the background by SMTP (plain TCP to a
//! relay such as a local Postfix; no TLS) or by a webhook (an HTTP POST of
//! JSON; `http://` only, no TLS). Text messages go to the webhook; e-mail
//! goes by SMTP when a relay is configured, else the webhook.
//!
//! Failed deliveries are tried again after the domain's back-off and given up
//! after the last attempt. Once a message is delivered or given up on, its
//! body (which holds the private link) is replaced in the table. Logs name
//! message ids, channels and counts only: never addresses, names or links.

mod smtp;

use crate::config::{OutboxConfig, Route};
use crate::error::ApiError;
use crate::state::AppState;
use frontdesk_domain::arrival::reminder_message;
use frontdesk_domain::outbox::{MessageChannel, check_in_message, is_stale};
use frontdesk_domain::patient::NewPatient;
use frontdesk_store::{Actor, Location, NewOutboxMessage, OutboxMessage, StaffUser, StoreError};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub use smtp::{dot_stuff, email_text};

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
    if contacts.is_empty() {
        return Vec::new();
    }
    let Some(link) = public_link(state, status_path) else {
        return Vec::new();
    };
    let (subject, body) = check_in_message(first_name, &location.name, &link);
    to_contacts(state, location, contacts, &subject, &body)
}

/// The reminder with an arrival link (see `domain::arrival`), one message to
/// each contact whose channel is configured; none without a public address.
pub fn arrival_messages(
    state: &AppState,
    location: &Location,
    first_name: &str,
    when: &str,
    arrival_path: &str,
    contacts: &[(MessageChannel, String)],
) -> Vec<NewOutboxMessage> {
    if contacts.is_empty() {
        return Vec::new();
    }
    let Some(link) = public_link(state, arrival_path) else {
        return Vec::new();
    };
    let (subject, body) = reminder_message(first_name, &location.name, when, &link);
    to_contacts(state, location, contacts, &subject, &body)
}

/// The survey with its link and the opt-out link, one message to each
/// contact whose channel is configured; none without a public address.
pub fn survey_messages(
    state: &AppState,
    location: &Location,
    first_name: &str,
    survey_path: &str,
    contacts: &[(MessageChannel, String)],
) -> Vec<NewOutboxMessage> {
    if contacts.is_empty() {
        return Vec::new();
    }
    let (Some(link), Some(stop)) = (
        public_link(state, survey_path),
        public_link(state, &format!("{survey_path}/stop")),
    ) else {
        return Vec::new();
    };
    let (subject, body) =
        frontdesk_domain::survey::survey_message(first_name, &location.name, &link, &stop);
    to_contacts(state, location, contacts, &subject, &body)
}

/// The full address of a link in a message, on the configured public
/// address; `None` (logged) without one.
fn public_link(state: &AppState, path: &str) -> Option<String> {
    let Some(base) = &state.config.public_url else {
        if state.config.outbox.is_on() {
            tracing::warn!("link not sent: set public_url so links in messages work");
        }
        return None;
    };
    Some(format!("{}{path}", base.trim_end_matches('/')))
}

/// One message to each contact whose channel can go out (the first address
/// per channel); the subject only for e-mail.
fn to_contacts(
    state: &AppState,
    location: &Location,
    contacts: &[(MessageChannel, String)],
    subject: &str,
    body: &str,
) -> Vec<NewOutboxMessage> {
    let mut out: Vec<NewOutboxMessage> = Vec::new();
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
                MessageChannel::Email => subject.to_string(),
                MessageChannel::Sms => String::new(),
            },
            body: body.to_string(),
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
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub(super) const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a delivery failed, in words without addresses or names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// Trying again will not help (the relay refused this recipient).
    pub permanent: bool,
}

impl SendError {
    pub(super) fn transient(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: false,
        }
    }
    pub(super) fn permanent(message: impl Into<String>) -> SendError {
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
        Some(Route::Smtp) => smtp::send_smtp(config, m, state.now()).await,
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

/// How each channel goes out, in words (no URLs: they may carry secrets).
pub fn routes_text(state: &AppState) -> Vec<(&'static str, String)> {
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

/// The newest messages (admins only), audited as a read.
pub async fn recent(state: &AppState, user: &StaffUser) -> Result<Vec<OutboxMessage>, ApiError> {
    if !user.role.can_manage_users() {
        return Err(ApiError::Forbidden);
    }
    let messages = state
        .store
        .outbox_messages(200)
        .await?
        .into_iter()
        .filter(|m| user.works_at(&m.location))
        .collect();
    state
        .store
        .audit(
            &Actor::staff(&user.username),
            "outbox.read",
            "outbox",
            state.now(),
        )
        .await?;
    Ok(messages)
}
