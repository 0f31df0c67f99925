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
    /// Proxies whose `X-Forwarded-For` is believed (none by default: the
    /// caller is the address that connected).
    pub trusted_proxies: TrustedProxies,
    /// Password checks (argon2, ~19 MiB and tens of ms each) run at once at
    /// most; a sign-in that finds none free within two seconds is told the
    /// server is busy (503).
    pub password_hash_slots: usize,
    /// How long an outbox message keeps its full address after it was sent
    /// or given up on; then the daily purge masks it (`a***@example.org`).
    pub outbox_keep_recipients: chrono::Duration,
    /// When the reminder with a booked patient's arrival link goes out
    /// (default: 2 hours before the appointment). Needs the outbox.
    pub arrival_reminder: frontdesk_domain::arrival::ReminderTiming,
    /// The bearer token `GET /metrics` wants; `None`: no `/metrics` (404).
    pub metrics_token: Option<String>,
    /// The post-visit survey's delay for every location, set by
    /// `FRONTDESK_SURVEY_DELAY`: wins over the stored per-location setting
    /// (`Some(None)`: no surveys anywhere). `None`: each location's own.
    pub survey_delay_override: Option<Option<chrono::Duration>>,
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
            trusted_proxies: TrustedProxies::default(),
            password_hash_slots: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .max(2),
            outbox_keep_recipients: chrono::Duration::days(30),
            arrival_reminder: Default::default(),
            metrics_token: None,
            survey_delay_override: None,
        }
    }
}

/// Addresses and networks (`10.0.0.0/8`, `::1`) of reverse proxies in front
/// of the server. Only when the connecting address is one of them is the
/// client read from `X-Forwarded-For`: the nearest address in it that is not
/// a trusted proxy. Anyone else's header is ignored, since a caller can send
/// any header it likes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(std::net::IpAddr, u8)>);

impl TrustedProxies {
    /// Parse a comma- or space-separated list; the error names the bad entry.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (ip, bits) = match entry.split_once('/') {
                Some((ip, bits)) => (ip, Some(bits)),
                None => (entry, None),
            };
            let ip: std::net::IpAddr = ip
                .parse()
                .map_err(|_| format!("{entry:?} is not an IP address or network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits =
                match bits {
                    None => max,
                    Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| {
                        format!("{entry:?}: the prefix length must be 0 to {max}")
                    })?,
                };
            nets.push((ip, bits));
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for TrustedProxies {
    /// As the setting is written: `10.0.0.0/8, ::1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = |ip: &std::net::IpAddr| if ip.is_ipv4() { 32 } else { 128 };
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(ip, bits)| {
                if *bits == max(ip) {
                    ip.to_string()
                } else {
                    format!("{ip}/{bits}")
                }
            })
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl TrustedProxies {
    fn trusts(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*bits)).unwrap_or(0);
                u32::from(*n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*bits)).unwrap_or(0);
                u128::from(*n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }

    /// Who is calling: `peer` (the address that connected), or when that is
    /// a trusted proxy, the nearest untrusted address in `X-Forwarded-For`
    /// (all its values, in order). A malformed entry ends the walk there.
    pub fn client<'a>(
        &self,
        peer: std::net::IpAddr,
        forwarded: impl DoubleEndedIterator<Item = &'a str>,
    ) -> std::net::IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).collect();
        for hop in hops.into_iter().rev() {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
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
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.5"), ["198.51.100.1"].into_iter()),
            ip("203.0.113.5")
        );
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        // A stranger's header is ignored.
        assert_eq!(
            proxies.client(ip("203.0.113.5"), ["198.51.100.1"].into_iter()),
            ip("203.0.113.5")
        );
        // Through the proxy: the nearest address it did not add itself.
        assert_eq!(
            proxies.client(
                ip("10.1.2.3"),
                ["1.2.3.4, 198.51.100.1, 10.9.9.9"].into_iter()
            ),
            ip("198.51.100.1")
        );
        assert_eq!(
            proxies.client(ip("::1"), ["1.2.3.4", "198.51.100.7"].into_iter()),
            ip("198.51.100.7")
        );
        // No header, or rubbish in it: the proxy itself (or the last good hop).
        assert_eq!(
            proxies.client(ip("10.1.2.3"), [].into_iter()),
            ip("10.1.2.3")
        );
        assert_eq!(
            proxies.client(ip("10.1.2.3"), ["junk, 10.0.0.7"].into_iter()),
            ip("10.0.0.7")
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .unwrap()
                .trusts(ip("8.8.8.8"))
        );
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
