//! Messages to patients (their private status link, replies to their
//! complaints) by e-mail or text message: the words, which way a reply goes,
//! when to try again after a failed delivery, and how an address is shown to
//! staff. Delivery itself is the server's job.

use crate::Timestamp;
use crate::fields;
use chrono::Duration;

/// How a message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageChannel {
    Email,
    Sms,
}

impl MessageChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageChannel::Email => "email",
            MessageChannel::Sms => "sms",
        }
    }

    /// In words, for staff pages.
    pub fn label(self) -> &'static str {
        match self {
            MessageChannel::Email => "Email",
            MessageChannel::Sms => "Text message",
        }
    }
}

impl std::str::FromStr for MessageChannel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "email" => Ok(MessageChannel::Email),
            "sms" => Ok(MessageChannel::Sms),
            other => Err(format!("unknown message channel {other:?}")),
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    /// Waiting for its (next) delivery attempt.
    Pending,
    Sent,
    /// Given up on.
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Sent => "sent",
            MessageStatus::Failed => "failed",
        }
    }
}

impl std::str::FromStr for MessageStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(MessageStatus::Pending),
            "sent" => Ok(MessageStatus::Sent),
            "failed" => Ok(MessageStatus::Failed),
            other => Err(format!("unknown message status {other:?}")),
        }
    }
}

/// A message is tried at most this many times.
pub const MAX_ATTEMPTS: i64 = 4;

/// What a delivered message's body becomes: the body held the patient's
/// private link, which works like a key, so it is not kept once sent.
pub const BODY_AFTER_DELIVERY: &str = "[delivered; link removed]";
/// What the body of a message given up on becomes, for the same reason.
pub const BODY_AFTER_FAILURE: &str = "[not delivered; link removed]";

/// A "you're checked in" message is pointless (and confusing) this long
/// after the check-in: it is given up on rather than sent late.
pub fn stale_after() -> Duration {
    Duration::hours(2)
}

/// After `attempts` failed tries (counting the one that just failed), how
/// long to wait before the next: 1, 5, then 30 minutes; `None` means give up.
/// A permanent failure (the relay refused the address) is not retried.
pub fn retry_delay(attempts: i64, permanent: bool) -> Option<Duration> {
    if permanent {
        return None;
    }
    match attempts {
        ..=1 => Some(Duration::minutes(1)),
        2 => Some(Duration::minutes(5)),
        3 => Some(Duration::minutes(30)),
        _ => None,
    }
}

/// Whether a message made at `created_at` is too old to send at `now`.
pub fn is_stale(created_at: Timestamp, now: Timestamp) -> bool {
    now - created_at > stale_after()
}

/// "Text or email me my link": an e-mail address when it has an `@`,
/// otherwise a phone number. Errors are the usual field messages.
pub fn parse_contact(input: &str) -> Result<(MessageChannel, String), &'static str> {
    let text = input.trim();
    if text.contains('@') {
        fields::email(text).map(|e| (MessageChannel::Email, e))
    } else {
        fields::phone(text).map(|p| (MessageChannel::Sms, p))
    }
}

/// How a reply to a complaint reaches the patient: by e-mail when they gave
/// an address and e-mail can go out, else by text message when they gave a
/// number and texts can go out; `None` when there is no way to them (the
/// reply is then recorded only, and staff contact the patient themselves).
/// `can_send` lists the channels the practice has a way out for; a blank
/// address counts as none given. The address comes back trimmed.
pub fn reply_route(
    email: Option<&str>,
    phone: Option<&str>,
    can_send: &[MessageChannel],
) -> Option<(MessageChannel, String)> {
    [(MessageChannel::Email, email), (MessageChannel::Sms, phone)]
        .into_iter()
        .filter(|(channel, _)| can_send.contains(channel))
        .find_map(|(channel, to)| {
            let to = to?.trim();
            (!to.is_empty()).then(|| (channel, to.to_string()))
        })
}

/// An address as staff see it in lists: `a***@example.org`, `***1234`.
pub fn mask_recipient(channel: MessageChannel, recipient: &str) -> String {
    match channel {
        MessageChannel::Email => match recipient.rsplit_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_string(),
        },
        MessageChannel::Sms => {
            let digits: Vec<char> = recipient.chars().filter(char::is_ascii_digit).collect();
            let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
            format!("***{last}")
        }
    }
}

/// The check-in message: (subject, body), in plain words. `link` is the full
/// address of the patient's private status page.
pub fn check_in_message(name: &str, location_name: &str, link: &str) -> (String, String) {
    let subject = format!("You're checked in at {location_name}");
    let body = format!(
        "Hi {name}, you're checked in at {location_name}. See your expected time and send us a \
         question: {link} — this link works until the end of today."
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retries_back_off_then_give_up_after_four_attempts() {
        assert_eq!(retry_delay(1, false), Some(Duration::minutes(1)));
        assert_eq!(retry_delay(2, false), Some(Duration::minutes(5)));
        assert_eq!(retry_delay(3, false), Some(Duration::minutes(30)));
        assert_eq!(retry_delay(MAX_ATTEMPTS, false), None);
        assert_eq!(retry_delay(9, false), None);
        assert_eq!(retry_delay(1, true), None);
    }

    #[test]
    fn a_contact_is_an_email_or_a_phone() {
        assert_eq!(
            parse_contact(" ana@example.org "),
            Ok((MessageChannel::Email, "ana@example.org".into()))
        );
        assert_eq!(
            parse_contact("+1 (555) 010-1234"),
            Ok((MessageChannel::Sms, "+1 (555) 010-1234".into()))
        );
        assert_eq!(parse_contact("ana@"), Err(fields::EMAIL_INVALID));
        assert_eq!(parse_contact("call me"), Err(fields::PHONE_INVALID));
        assert_eq!(parse_contact("123"), Err(fields::PHONE_INVALID));
    }

    const BOTH: &[MessageChannel] = &[MessageChannel::Email, MessageChannel::Sms];
    const EMAIL: &str = "ana@example.org";
    const PHONE: &str = "+1 555 010-1234";

    #[test]
    fn a_reply_goes_by_email_when_only_an_email_was_given() {
        assert_eq!(
            reply_route(Some(EMAIL), None, BOTH),
            Some((MessageChannel::Email, EMAIL.into()))
        );
    }

    #[test]
    fn a_reply_goes_by_text_when_only_a_phone_was_given() {
        assert_eq!(
            reply_route(None, Some(PHONE), BOTH),
            Some((MessageChannel::Sms, PHONE.into()))
        );
    }

    #[test]
    fn a_reply_goes_by_email_before_text_when_both_were_given() {
        assert_eq!(
            reply_route(Some(EMAIL), Some(PHONE), BOTH),
            Some((MessageChannel::Email, EMAIL.into()))
        );
    }

    #[test]
    fn no_contact_means_no_route() {
        assert_eq!(reply_route(None, None, BOTH), None);
    }

    #[test]
    fn blank_contact_fields_count_as_missing() {
        assert_eq!(reply_route(Some(""), Some("  \t "), BOTH), None);
        assert_eq!(
            reply_route(Some("   "), Some(PHONE), BOTH),
            Some((MessageChannel::Sms, PHONE.into())),
            "a blank e-mail falls through to the phone"
        );
        assert_eq!(
            reply_route(Some(&format!("  {EMAIL}\n")), None, BOTH),
            Some((MessageChannel::Email, EMAIL.into())),
            "the address is trimmed"
        );
    }

    #[test]
    fn a_reply_only_goes_by_a_channel_the_practice_can_send() {
        assert_eq!(
            reply_route(Some(EMAIL), Some(PHONE), &[MessageChannel::Sms]),
            Some((MessageChannel::Sms, PHONE.into())),
            "no e-mail route: by text instead"
        );
        assert_eq!(
            reply_route(None, Some(PHONE), &[MessageChannel::Email]),
            None
        );
        assert_eq!(reply_route(Some(EMAIL), Some(PHONE), &[]), None);
    }

    #[test]
    fn addresses_are_masked_for_lists() {
        assert_eq!(
            mask_recipient(MessageChannel::Email, "ana@example.org"),
            "a***@example.org"
        );
        assert_eq!(
            mask_recipient(MessageChannel::Sms, "+1 555 010-1234"),
            "***1234"
        );
        assert_eq!(mask_recipient(MessageChannel::Sms, "12"), "***12");
        assert_eq!(mask_recipient(MessageChannel::Email, "nobody"), "***");
    }

    #[test]
    fn the_message_names_the_place_and_the_link() {
        let (subject, body) =
            check_in_message("Ana", "Main clinic", "https://desk.example.org/s/abc");
        assert_eq!(subject, "You're checked in at Main clinic");
        assert!(body.starts_with("Hi Ana, you're checked in at Main clinic."));
        assert!(body.contains("https://desk.example.org/s/abc — this link works"));
    }

    #[test]
    fn old_messages_are_stale() {
        let t = chrono::Utc.with_ymd_and_hms(2026, 3, 5, 14, 0, 0).unwrap();
        assert!(!is_stale(t, t + Duration::minutes(40)));
        assert!(is_stale(t, t + Duration::hours(3)));
    }
}
