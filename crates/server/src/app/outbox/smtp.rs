//! Delivery by SMTP: a plain-TCP conversation with a relay (no TLS, no
//! login), with the message's text built here (headers on one line each and
//! encoded, every line ended CRLF, dots stuffed). Text typed by staff or
//! patients (a complaint reply) may hold a lone CR or LF; none reaches the
//! relay as such: a bare CR or LF in the data is how SMTP smuggling starts,
//! and a line break in a header value would add a header.

use super::{CONNECT_TIMEOUT, REPLY_TIMEOUT, SendError};
use crate::config::OutboxConfig;
use base64::Engine;
use frontdesk_domain::Timestamp;
use frontdesk_store::OutboxMessage;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

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

/// Split text into lines at CRLF, a lone CR or a lone LF alike.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['\r', '\n']) {
        out.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    out.push(rest);
    out
}

/// Text with every line break (CRLF, lone CR, lone LF) written CRLF.
fn crlf(text: &str) -> String {
    lines(text).join("\r\n")
}

/// A header value on one line: control characters (CR and LF among them)
/// become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A header value on one line, non-ASCII as RFC 2047 encoded words.
fn header_text(text: &str) -> String {
    let clean = one_line(text);
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
    // Text ends its lines CRLF before any encoding (RFC 2045's canonical form).
    let body = crlf(body.trim_end_matches(['\r', '\n']));
    let short_lines = lines(&body).iter().all(|l| l.len() <= 998);
    let (encoding, text, eight_bit) = if body.is_ascii() && short_lines {
        ("7bit", body, false)
    } else if relay_takes_8bit && short_lines {
        ("8bit", body, true)
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
        let wrapped: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        ("base64", wrapped.join("\r\n"), false)
    };
    let (from, to, message_id) = (one_line(from), one_line(to), one_line(message_id));
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
/// and the end-of-data mark follows. Every line break, whatever it was,
/// goes out as CRLF: no bare CR or LF reaches the relay.
pub fn dot_stuff(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let message = message.strip_suffix("\r\n").unwrap_or(message);
    for line in lines(message) {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
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

pub(super) async fn send_smtp(
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
        &crate::secrets::random_token()[..16]
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

    /// Every CR is followed by LF and every LF follows a CR.
    fn only_crlf(text: &str) -> bool {
        let b = text.as_bytes();
        b.iter().enumerate().all(|(i, c)| match c {
            b'\r' => b.get(i + 1) == Some(&b'\n'),
            b'\n' => i > 0 && b[i - 1] == b'\r',
            _ => true,
        })
    }

    fn t() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, 5, 14, 0, 0).unwrap()
    }

    /// What goes after DATA for a message.
    fn data(subject: &str, body: &str, eight_bit: bool) -> String {
        let (text, _) = email_text("a@x.org", "b@y.org", subject, body, t(), "<m@x>", eight_bit);
        dot_stuff(&text)
    }

    #[test]
    fn a_bare_cr_in_the_body_becomes_a_line_break() {
        let sent = data("Hi", "one\rtwo\r.three", false);
        assert!(only_crlf(&sent), "{sent:?}");
        assert!(
            sent.ends_with("\r\n\r\none\r\ntwo\r\n..three\r\n.\r\n"),
            "{sent:?}"
        );
        // The end-of-data mark cannot be smuggled in with bare CRs either.
        let sent = data("Hi", "a\r.\rMAIL FROM:<x@evil.example>", false);
        assert!(only_crlf(&sent), "{sent:?}");
        assert!(!sent.contains("\r\n.\r\nMAIL"), "{sent:?}");
    }

    #[test]
    fn a_lone_lf_becomes_crlf() {
        let sent = data("Hi", "one\ntwo\n\nthree\n", false);
        assert!(only_crlf(&sent), "{sent:?}");
        assert!(
            sent.ends_with("\r\n\r\none\r\ntwo\r\n\r\nthree\r\n.\r\n"),
            "{sent:?}"
        );
        assert_eq!(dot_stuff("a\nb\rc\r\n"), "a\r\nb\r\nc\r\n.\r\n");
    }

    #[test]
    fn a_crlf_in_the_subject_adds_no_header() {
        for subject in [
            "Re: your visit\r\nBcc: all@x.org",
            "Re\rBcc: all@x.org",
            "Re\nBcc: all@x.org",
        ] {
            let sent = data(subject, "Hello", false);
            assert!(only_crlf(&sent), "{sent:?}");
            assert!(!sent.contains("\r\nBcc:"), "{sent:?}");
            let line = sent.lines().find(|l| l.starts_with("Subject:")).unwrap();
            assert!(
                line.contains("Bcc: all@x.org"),
                "kept on the subject line: {line:?}"
            );
        }
        // Non-ASCII subjects are encoded words, on header lines of their own.
        let sent = data("Queja — respuesta\r\nBcc: x@y.org", "Hola", true);
        assert!(only_crlf(&sent));
        assert!(!sent.contains("\r\nBcc:"), "{sent:?}");
        // Addresses too, though the caller already refuses control characters.
        let (text, _) = email_text(
            "a@x.org",
            "b@y.org\r\nBcc: c@z.org",
            "Hi",
            "x",
            t(),
            "<m@x>",
            false,
        );
        assert!(!text.contains("\r\nBcc:"), "{text:?}");
    }

    #[test]
    fn a_complaint_reply_with_carriage_returns_goes_out_clean() {
        // As a reply typed in one program and pasted into another may arrive.
        let reply =
            "Dear Ana,\r\rThank you for telling us.\rWe have spoken to the team.\r\n\rMaria\r";
        for eight_bit in [false, true] {
            let sent = data("Your complaint", reply, eight_bit);
            assert!(only_crlf(&sent), "{sent:?}");
            assert!(sent.contains("Dear Ana,\r\n\r\nThank you for telling us.\r\nWe have spoken"));
        }
        // Sent as base64 (non-ASCII, no 8BITMIME): the decoded text is CRLF too.
        let (text, _) = email_text(
            "a@x.org",
            "b@y.org",
            "Hi",
            "Señora,\rgracias\n",
            t(),
            "<m@x>",
            false,
        );
        let encoded: String = text.split("\r\n\r\n").nth(1).unwrap().replace("\r\n", "");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "Señora,\r\ngracias");
    }

    #[test]
    fn header_text_has_no_line_breaks_of_its_own() {
        assert_eq!(header_text("a\r\nBcc: x"), "a  Bcc: x");
        let long = "é".repeat(60);
        let encoded = header_text(&long);
        assert!(encoded.split("\r\n ").all(|w| w.len() <= 75));
    }
}
