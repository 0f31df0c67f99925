//! What the server is told at start: timeouts, cookies, clock overrides,
//! where patients' phones reach it, and how messages leave it.

use frontdesk_domain::AckPolicy;
use frontdesk_domain::outbox::MessageChannel;

/// Acknowledgement durations set by environment variables; when set they win
/// over the stored per-location settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AckOverride {
    pub first_within: Option<chrono::Duration>,
    pub recheck_every: Option<chrono::Duration>,
    pub escalate_after: Option<chrono::Duration>,
}

impl AckOverride {
    pub fn apply(&self, mut policy: AckPolicy) -> AckPolicy {
        if let Some(d) = self.first_within {
            policy.first_within = d;
        }
        if let Some(d) = self.recheck_every {
            policy.recheck_every = d;
        }
        if let Some(d) = self.escalate_after {
            policy.escalate_after = d;
        }
        policy
    }

    pub fn is_set(&self) -> bool {
        self.first_within.is_some() || self.recheck_every.is_some() || self.escalate_after.is_some()
    }
}

/// What the server needs to know beyond its store and clock.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Sign staff out after this long without activity.
    pub idle_timeout: chrono::Duration,
    /// Sign staff out after this long regardless of activity.
    pub session_lifetime: chrono::Duration,
    /// Mark cookies `Secure` (set when serving behind TLS).
    pub secure_cookies: bool,
    pub ack_override: AckOverride,
    /// How often the server evaluates acknowledgement clocks (real time).
    pub clock_tick: std::time::Duration,
    /// Logins shown on the login page (the demo only).
    pub demo_logins: Vec<(String, String)>,
    /// Demo accounts whose second factor has a known secret (name, base32
    /// secret): the login page shows their current code (the demo only).
    pub demo_second_factors: Vec<(String, String)>,
    /// The quantile wait quotes and promise suggestions are made at.
    pub quote_quantile: f64,
    /// How often an open event stream checks that its session is still live.
    pub stream_recheck: std::time::Duration,
    /// How often the patient's status page refreshes itself.
    pub status_refresh: std::time::Duration,
    /// The address patients' phones reach the server at (for QR codes), such
    /// as `https://desk.example-clinic.org`; default: how the kiosk reached it.
    pub public_url: Option<String>,
    /// How messages to patients (their status link) leave: SMTP relay,
    /// webhook, or neither (the default). See `outbox`.
    pub outbox: OutboxConfig,
    /// When the reminder with a booked patient's arrival link goes out
    /// (default: 2 hours before the appointment). Needs the outbox.
    pub arrival_reminder: frontdesk_domain::arrival::ReminderTiming,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            idle_timeout: chrono::Duration::minutes(15),
            session_lifetime: chrono::Duration::hours(12),
            secure_cookies: false,
            ack_override: AckOverride::default(),
            clock_tick: std::time::Duration::from_secs(1),
            demo_logins: Vec::new(),
            demo_second_factors: Vec::new(),
            quote_quantile: 0.9,
            stream_recheck: std::time::Duration::from_secs(15),
            status_refresh: std::time::Duration::from_secs(15),
            public_url: None,
            outbox: OutboxConfig::default(),
            arrival_reminder: Default::default(),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
