//! One typed configuration, layered: defaults in code, then an optional TOML
//! file, then environment variables and flags (clap reads both, flags win).

use chrono::Duration;
use frontdesk_domain::arrival::ReminderTiming;
use frontdesk_domain::duration::{format_duration, parse_duration};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The commented default file, printed by `frontdesk config --default`.
pub const DEFAULT_TOML: &str = include_str!("../frontdesk.example.toml");

/// Settings as they may appear in the TOML file; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub database_url: Option<String>,
    pub time_zone: Option<String>,
    pub idle_timeout: Option<String>,
    pub session_lifetime: Option<String>,
    pub secure_cookies: Option<bool>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<String>,
    pub ack_first_within: Option<String>,
    pub ack_recheck_every: Option<String>,
    pub ack_escalate_after: Option<String>,
    pub outbox_smtp_addr: Option<String>,
    pub outbox_smtp_from: Option<String>,
    pub outbox_webhook_url: Option<String>,
    pub outbox_webhook_token: Option<String>,
    pub outbox_keep_recipients: Option<String>,
    pub arrival_reminder: Option<String>,
    pub hl7_addr: Option<String>,
    pub metrics_token: Option<String>,
    pub survey_delay: Option<String>,
}

/// `--time-zone`, for the commands that create the `main` location or read
/// local times.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ZoneArgs {
    /// Time zone of the `main` location when it is first created (IANA name; default: this machine's).
    #[arg(long, env = "FRONTDESK_TIME_ZONE")]
    pub time_zone: Option<String>,
}

impl ZoneArgs {
    /// The zone given, or this machine's.
    pub fn zone(&self) -> Result<chrono_tz::Tz, String> {
        known_zone(&self.time_zone.clone().unwrap_or_else(local_time_zone))
    }
}

/// Where an installation keeps its data, for every command that opens the
/// database (clap fills these from flags and environment variables).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct StoreArgs {
    /// Directory for the SQLite database and the optional frontdesk.toml.
    #[arg(long, env = "FRONTDESK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL (one database for any number of servers); default
    /// is SQLite in the data directory (one server).
    #[arg(long = "database", env = "FRONTDESK_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Configuration file (default: DATA_DIR/frontdesk.toml when it exists).
    #[arg(long, env = "FRONTDESK_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub zone: ZoneArgs,
}

/// The server's settings from flags and environment variables, for `serve`,
/// `demo` and `config` (which shows what `serve` would run with).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "FRONTDESK_ADDR")]
    pub addr: Option<String>,
    /// Sign staff out after this long idle (e.g. 15m).
    #[arg(long, env = "FRONTDESK_IDLE_TIMEOUT")]
    pub idle_timeout: Option<String>,
    /// Mark cookies Secure (serve behind TLS): `--secure-cookies`, or true/false, 1/0, yes/no.
    #[arg(long, env = "FRONTDESK_SECURE_COOKIES", num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub secure_cookies: Option<bool>,
    /// The address patients' phones reach the server at, for QR codes (e.g. https://desk.example.org).
    #[arg(long, env = "FRONTDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Reverse proxies (addresses or networks, comma-separated, e.g. 127.0.0.1,10.0.0.0/8) whose
    /// X-Forwarded-For names the caller, for the sign-in and form throttles; default none.
    #[arg(long, env = "FRONTDESK_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// First acknowledgement due within (wins over stored settings), e.g. 2m.
    #[arg(long, env = "FRONTDESK_ACK_FIRST_WITHIN", hide = true)]
    pub ack_first_within: Option<String>,
    /// Recheck every (wins over stored settings), e.g. 15m.
    #[arg(long, env = "FRONTDESK_ACK_RECHECK_EVERY", hide = true)]
    pub ack_recheck_every: Option<String>,
    /// Escalate to managers this long after overdue (wins over stored settings), e.g. 5m.
    #[arg(long, env = "FRONTDESK_ACK_ESCALATE_AFTER", hide = true)]
    pub ack_escalate_after: Option<String>,
    /// SMTP relay (host:port, plain TCP, no TLS) for e-mailing patients their status link.
    #[arg(long, env = "FRONTDESK_OUTBOX_SMTP_ADDR")]
    pub outbox_smtp_addr: Option<String>,
    /// Sender address of those e-mails.
    #[arg(long, env = "FRONTDESK_OUTBOX_SMTP_FROM")]
    pub outbox_smtp_from: Option<String>,
    /// Webhook (http:// only) that receives text messages, and e-mail when no SMTP relay is set.
    #[arg(long, env = "FRONTDESK_OUTBOX_WEBHOOK_URL")]
    pub outbox_webhook_url: Option<String>,
    /// Bearer token sent to the webhook (prefer the environment variable or the file to a flag).
    #[arg(long, env = "FRONTDESK_OUTBOX_WEBHOOK_TOKEN", hide_env_values = true)]
    pub outbox_webhook_token: Option<String>,
    /// Days a sent (or given up) message keeps its full address before the daily purge masks it, e.g. 30d.
    #[arg(long, env = "FRONTDESK_OUTBOX_KEEP_RECIPIENTS")]
    pub outbox_keep_recipients: Option<String>,
    /// When booked patients get the reminder with their arrival link (needs the outbox): a lead
    /// time such as 2h (the default), a time on the appointment's day such as 07:30, or off.
    #[arg(long, env = "FRONTDESK_ARRIVAL_REMINDER")]
    pub arrival_reminder: Option<String>,
    /// Listen for HL7 v2 SIU messages over MLLP at HOST:PORT (a port alone means 127.0.0.1:PORT);
    /// default off. No sign-in on MLLP: keep it on loopback or a trusted network.
    #[arg(long, env = "FRONTDESK_HL7_ADDR")]
    pub hl7_addr: Option<String>,
    /// Bearer token for GET /metrics (Prometheus); unset: no /metrics (404).
    #[arg(
        long,
        env = "FRONTDESK_METRICS_TOKEN",
        hide_env_values = true,
        hide = true
    )]
    pub metrics_token: Option<String>,
    /// The post-visit survey's delay after a visit is done, for every location (wins over each
    /// location's setting, default 2h), e.g. 2h, 30m, or off (no surveys). Needs the outbox.
    #[arg(long, env = "FRONTDESK_SURVEY_DELAY")]
    pub survey_delay: Option<String>,
}

impl From<StoreArgs> for ServerArgs {
    /// A command that only opens the database: the server's settings come
    /// from the file alone, if there is one.
    fn from(store: StoreArgs) -> Self {
        ServerArgs {
            store,
            ..Default::default()
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub config_file: Option<PathBuf>,
    pub time_zone: String,
    pub idle_timeout: Duration,
    pub session_lifetime: Duration,
    pub secure_cookies: bool,
    pub public_url: Option<String>,
    pub trusted_proxies: frontdesk_server::TrustedProxies,
    pub ack_first_within: Option<Duration>,
    pub ack_recheck_every: Option<Duration>,
    pub ack_escalate_after: Option<Duration>,
    pub outbox: frontdesk_server::OutboxConfig,
    pub outbox_keep_recipients: Duration,
    pub arrival_reminder: ReminderTiming,
    /// Where the HL7 MLLP listener binds; `None`: off.
    pub hl7_addr: Option<String>,
    /// The token `/metrics` wants; `None`: no `/metrics`.
    pub metrics_token: Option<String>,
    /// Overrides every location's survey delay (`Some(None)`: surveys off).
    pub survey_delay: Option<Option<Duration>>,
}

/// Where the MLLP listener binds: `HOST:PORT`, or a port alone on loopback.
fn hl7_address(text: &str) -> Result<String, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(format!("127.0.0.1:{port}"));
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "hl7_addr: use HOST:PORT such as 127.0.0.1:2575, or a port (got {text:?})"
        )),
    }
}

fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("frontdesk");
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => PathBuf::from(home).join(".local/share/frontdesk"),
        None => PathBuf::from("frontdesk-data"),
    }
}

/// The server's own zone, as an IANA name, from `TZ` or `/etc/localtime`.
pub fn local_time_zone() -> String {
    let valid = |name: &str| name.parse::<chrono_tz::Tz>().is_ok();
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':');
        if valid(tz) {
            return tz.to_string();
        }
    }
    if let Ok(name) = std::fs::read_to_string("/etc/timezone")
        && valid(name.trim())
    {
        return name.trim().to_string();
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let target = target.to_string_lossy();
        if let Some((_, name)) = target.split_once("zoneinfo/")
            && valid(name)
        {
            return name.to_string();
        }
    }
    "UTC".to_string()
}

/// The outbox settings, checked: a relay as `host:port` with a sender
/// address, a webhook at an `http://` address, a token without spaces, and a
/// public address for the links the messages carry.
fn outbox_config(
    smtp_addr: Option<String>,
    smtp_from: Option<String>,
    webhook_url: Option<String>,
    webhook_token: Option<String>,
    public_url: &Option<String>,
) -> Result<frontdesk_server::OutboxConfig, String> {
    let set = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let (smtp_addr, smtp_from) = (set(smtp_addr), set(smtp_from));
    let (webhook_url, webhook_token) = (set(webhook_url), set(webhook_token));
    if let Some(addr) = &smtp_addr {
        let ok = addr.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !ok {
            return Err(format!(
                "outbox_smtp_addr: use host:port, such as 127.0.0.1:25 (got {addr:?})"
            ));
        }
        match &smtp_from {
            None => {
                return Err(
                    "outbox_smtp_from: required with outbox_smtp_addr (the sender address)".into(),
                );
            }
            Some(from) => {
                frontdesk_domain::fields::email(from)
                    .map_err(|e| format!("outbox_smtp_from: {e} (got {from:?})"))?;
            }
        }
    }
    if let Some(url) = &webhook_url {
        if url.starts_with("https://") {
            return Err(
                "outbox_webhook_url: https is not supported (this build has no TLS); use http:// to a relay on this machine or a trusted network"
                    .into(),
            );
        }
        if !url.starts_with("http://") || frontdesk_domain::fields::website(url).is_err() {
            return Err(format!(
                "outbox_webhook_url: use an http:// address, such as http://127.0.0.1:9000/sms (got {:?})",
                mask_webhook_url(url)
            ));
        }
    }
    if let Some(token) = &webhook_token
        && token.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("outbox_webhook_token: must not contain spaces or control characters".into());
    }
    let outbox = frontdesk_server::OutboxConfig {
        smtp_addr,
        smtp_from: smtp_from.unwrap_or_default(),
        webhook_url,
        webhook_token,
    };
    if outbox.is_on() && public_url.is_none() {
        return Err(
            "public_url: required when the outbox is on (the links sent must point at \
                    the address patients' phones reach, such as https://desk.example-clinic.org)"
                .into(),
        );
    }
    Ok(outbox)
}

/// A webhook address for showing: its query (which may carry a secret) and
/// any password hidden.
fn mask_webhook_url(url: &str) -> String {
    let masked = frontdesk_store::mask_url(url);
    match masked.split_once('?') {
        Some((base, _)) => format!("{base}?****"),
        None => masked,
    }
}

/// Whole days: `30d`, `30 days` or `30`, from 0 (mask at the next daily
/// purge) to 3650.
fn days(field: &str, text: &str) -> Result<Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    let number = ["days", "day", "d"]
        .iter()
        .find_map(|unit| t.strip_suffix(unit))
        .unwrap_or(&t)
        .trim();
    match number.parse::<i64>() {
        Ok(n) if (0..=3650).contains(&n) => Ok(Duration::days(n)),
        _ => Err(format!(
            "{field}: write a number of days from 0 to 3650, like 30d (got {text:?})"
        )),
    }
}

fn duration(field: &str, text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| format!("{field}: {e} (got {text:?})"))
}

/// A time zone by its IANA name.
fn known_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse().map_err(|_| {
        format!("time_zone: unknown time zone {name:?}; use an IANA name such as America/Chicago")
    })
}

impl Config {
    pub fn load(o: &ServerArgs) -> Result<Config, String> {
        let data_dir = o.store.data_dir.clone().unwrap_or_else(default_data_dir);
        let (file, config_file) = match &o.store.config {
            Some(path) => (read_file(path)?, Some(path.clone())),
            None => {
                let path = data_dir.join("frontdesk.toml");
                if path.exists() {
                    (read_file(&path)?, Some(path))
                } else {
                    (FileConfig::default(), None)
                }
            }
        };
        let pick =
            |flag: &Option<String>, file: &Option<String>| flag.clone().or_else(|| file.clone());
        let database_url = pick(&o.store.database_url, &file.database_url)
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| data_dir.join("frontdesk.db").to_string_lossy().into_owned());
        let time_zone =
            pick(&o.store.zone.time_zone, &file.time_zone).unwrap_or_else(local_time_zone);
        known_zone(&time_zone)?;
        let opt = |field: &str,
                   flag: &Option<String>,
                   file: &Option<String>|
         -> Result<Option<Duration>, String> {
            pick(flag, file)
                .filter(|s| !s.trim().is_empty())
                .map(|t| duration(field, &t))
                .transpose()
        };
        let public_url =
            match pick(&o.public_url, &file.public_url).filter(|u| !u.trim().is_empty()) {
                Some(u) => Some(
                    frontdesk_domain::fields::website(&u)
                        .map_err(|e| format!("public_url: {e} (got {u:?})"))?
                        .trim_end_matches('/')
                        .to_string(),
                ),
                None => None,
            };
        let trusted_proxies_text =
            pick(&o.trusted_proxies, &file.trusted_proxies).unwrap_or_default();
        let trusted_proxies = frontdesk_server::TrustedProxies::parse(&trusted_proxies_text)
            .map_err(|e| format!("trusted_proxies: {e}"))?;
        let outbox = outbox_config(
            pick(&o.outbox_smtp_addr, &file.outbox_smtp_addr),
            pick(&o.outbox_smtp_from, &file.outbox_smtp_from),
            pick(&o.outbox_webhook_url, &file.outbox_webhook_url),
            pick(&o.outbox_webhook_token, &file.outbox_webhook_token),
            &public_url,
        )?;
        let arrival_reminder = match pick(&o.arrival_reminder, &file.arrival_reminder)
            .filter(|t| !t.trim().is_empty())
        {
            Some(t) => ReminderTiming::parse(&t).map_err(|e| format!("arrival_reminder: {e}"))?,
            None => ReminderTiming::default(),
        };
        let hl7_addr = match pick(&o.hl7_addr, &file.hl7_addr).filter(|t| !t.trim().is_empty()) {
            None => None,
            Some(t) => Some(hl7_address(&t)?),
        };
        let metrics_token = pick(&o.metrics_token, &file.metrics_token)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if let Some(t) = &metrics_token
            && (t.len() < 16 || t.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err("metrics_token: use at least 16 characters, no spaces".into());
        }
        let survey_delay =
            match pick(&o.survey_delay, &file.survey_delay).filter(|t| !t.trim().is_empty()) {
                Some(t) => Some(
                    frontdesk_domain::survey::parse_delay(&t)
                        .map_err(|e| format!("survey_delay: {e}"))?,
                ),
                None => None,
            };
        Ok(Config {
            hl7_addr,
            metrics_token,
            addr: pick(&o.addr, &file.addr).unwrap_or_else(|| "127.0.0.1:8080".into()),
            data_dir,
            database_url,
            config_file,
            time_zone,
            idle_timeout: opt("idle_timeout", &o.idle_timeout, &file.idle_timeout)?
                .unwrap_or(Duration::minutes(15)),
            session_lifetime: opt("session_lifetime", &None, &file.session_lifetime)?
                .unwrap_or(Duration::hours(12)),
            secure_cookies: o.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            public_url,
            trusted_proxies,
            ack_first_within: opt(
                "ack_first_within",
                &o.ack_first_within,
                &file.ack_first_within,
            )?,
            ack_recheck_every: opt(
                "ack_recheck_every",
                &o.ack_recheck_every,
                &file.ack_recheck_every,
            )?,
            ack_escalate_after: opt(
                "ack_escalate_after",
                &o.ack_escalate_after,
                &file.ack_escalate_after,
            )?,
            outbox,
            outbox_keep_recipients: match pick(
                &o.outbox_keep_recipients,
                &file.outbox_keep_recipients,
            )
            .filter(|s| !s.trim().is_empty())
            {
                Some(text) => days("outbox_keep_recipients", &text)?,
                None => Duration::days(30),
            },
            arrival_reminder,
            survey_delay,
        })
    }

    pub fn server_config(&self) -> frontdesk_server::ServerConfig {
        frontdesk_server::ServerConfig {
            idle_timeout: self.idle_timeout,
            session_lifetime: self.session_lifetime,
            secure_cookies: self.secure_cookies,
            ack_override: frontdesk_server::AckOverride {
                first_within: self.ack_first_within,
                recheck_every: self.ack_recheck_every,
                escalate_after: self.ack_escalate_after,
            },
            public_url: self.public_url.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            outbox: self.outbox.clone(),
            outbox_keep_recipients: self.outbox_keep_recipients,
            arrival_reminder: self.arrival_reminder,
            metrics_token: self.metrics_token.clone(),
            survey_delay_override: self.survey_delay,
            ..Default::default()
        }
    }

    /// The effective configuration as TOML, with secrets masked.
    pub fn to_toml(&self) -> String {
        let opt = |d: Option<Duration>| {
            d.map(|d| format!("{:?}", format_duration(d)))
                .unwrap_or_else(|| "\"\"  # not set: stored per-location settings apply".into())
        };
        format!(
            "# Effective Frontdesk configuration{}\n\
             addr = {:?}\n\
             data_dir = {:?}\n\
             database_url = {:?}\n\
             time_zone = {:?}\n\
             idle_timeout = {:?}\n\
             session_lifetime = {:?}\n\
             secure_cookies = {}\n\
             public_url = {:?}\n\
             trusted_proxies = {:?}\n\
             ack_first_within = {}\n\
             ack_recheck_every = {}\n\
             ack_escalate_after = {}\n\
             outbox_smtp_addr = {:?}\n\
             outbox_smtp_from = {:?}\n\
             outbox_webhook_url = {:?}\n\
             outbox_webhook_token = {:?}\n\
             outbox_keep_recipients = \"{}d\"\n\
             arrival_reminder = {:?}  # {}\n\
             hl7_addr = {:?}\n\
             metrics_token = {:?}\n\
             survey_delay = {}\n",
            self.config_file
                .as_ref()
                .map(|p| format!(" (file: {})", p.display()))
                .unwrap_or_default(),
            self.addr,
            self.data_dir.display().to_string(),
            frontdesk_store::mask_url(&self.database_url),
            self.time_zone,
            format_duration(self.idle_timeout),
            format_duration(self.session_lifetime),
            self.secure_cookies,
            self.public_url.clone().unwrap_or_default(),
            self.trusted_proxies.to_string(),
            opt(self.ack_first_within),
            opt(self.ack_recheck_every),
            opt(self.ack_escalate_after),
            self.outbox.smtp_addr.clone().unwrap_or_default(),
            self.outbox.smtp_from,
            self.outbox
                .webhook_url
                .as_deref()
                .map(mask_webhook_url)
                .unwrap_or_default(),
            if self.outbox.webhook_token.is_some() {
                "****"
            } else {
                ""
            },
            self.outbox_keep_recipients.num_days(),
            self.arrival_reminder.as_setting(),
            self.arrival_reminder.describe(),
            self.hl7_addr.clone().unwrap_or_default(),
            if self.metrics_token.is_some() {
                "****"
            } else {
                ""
            },
            match self.survey_delay {
                Some(d) => format!("{:?}", frontdesk_domain::survey::format_delay(d)),
                None => "\"\"  # not set: each location's own (default 2h)".to_string(),
            },
        )
    }
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flags for a data directory, in UTC.
    fn args(data_dir: &Path) -> ServerArgs {
        ServerArgs::from(StoreArgs {
            data_dir: Some(data_dir.into()),
            zone: ZoneArgs {
                time_zone: Some("UTC".into()),
            },
            ..Default::default()
        })
    }

    #[test]
    fn defaults_then_file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let o = args(dir.path());
        let c = Config::load(&o).unwrap();
        assert_eq!(c.addr, "127.0.0.1:8080");
        assert!(c.database_url.ends_with("frontdesk.db"));
        assert_eq!(c.idle_timeout, Duration::minutes(15));
        assert_eq!(c.ack_first_within, None);

        std::fs::write(
            dir.path().join("frontdesk.toml"),
            "addr = \"0.0.0.0:9000\"\nack_first_within = \"90s\"\n",
        )
        .unwrap();
        let c = Config::load(&o).unwrap();
        assert_eq!(c.addr, "0.0.0.0:9000");
        assert_eq!(c.ack_first_within, Some(Duration::seconds(90)));

        let o = ServerArgs {
            addr: Some("127.0.0.1:1".into()),
            ack_first_within: Some("1m".into()),
            ..o
        };
        let c = Config::load(&o).unwrap();
        assert_eq!(c.addr, "127.0.0.1:1");
        assert_eq!(c.ack_first_within, Some(Duration::minutes(1)));
    }

    #[test]
    fn outbox_addresses_are_kept_30_days_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let o = args(dir.path());
        let c = Config::load(&o).unwrap();
        assert_eq!(c.outbox_keep_recipients, Duration::days(30));
        assert_eq!(c.server_config().outbox_keep_recipients, Duration::days(30));
        assert!(c.to_toml().contains("outbox_keep_recipients = \"30d\"\n"));
        std::fs::write(
            dir.path().join("frontdesk.toml"),
            "outbox_keep_recipients = \"7 days\"\n",
        )
        .unwrap();
        assert_eq!(
            Config::load(&o).unwrap().outbox_keep_recipients,
            Duration::days(7)
        );
        for (flag, days) in [("90d", 90), ("0", 0), ("1 day", 1)] {
            let o = ServerArgs {
                outbox_keep_recipients: Some(flag.into()),
                ..o.clone()
            };
            let c = Config::load(&o).unwrap();
            assert_eq!(
                c.server_config().outbox_keep_recipients,
                Duration::days(days)
            );
        }
        for bad in ["forever", "-1d", "4000d", "2w"] {
            let o = ServerArgs {
                outbox_keep_recipients: Some(bad.into()),
                ..o.clone()
            };
            let e = Config::load(&o).unwrap_err();
            assert!(e.starts_with("outbox_keep_recipients:"), "{e}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        let o = ServerArgs {
            ack_recheck_every: Some("soon".into()),
            ..args(Path::new("/nonexistent"))
        };
        let e = Config::load(&o).unwrap_err();
        assert!(e.starts_with("ack_recheck_every:"), "{e}");
        let mut o = args(Path::new("/nonexistent"));
        o.store.zone.time_zone = Some("Mars/Olympus".into());
        assert!(Config::load(&o).unwrap_err().starts_with("time_zone"));
    }

    #[test]
    fn the_example_file_parses_and_secrets_are_masked() {
        let _: FileConfig = toml::from_str(DEFAULT_TOML).unwrap();
        let mut o = args(Path::new("/nonexistent"));
        o.store.database_url = Some("postgres://fd:hunter2@db/fd".into());
        let text = Config::load(&o).unwrap().to_toml();
        assert!(!text.contains("hunter2"));
        assert!(text.contains("postgres://fd:****@db/fd"));
    }

    #[test]
    fn the_arrival_reminder_is_a_lead_time_a_time_of_day_or_off() {
        let base = args(Path::new("/nonexistent"));
        let c = Config::load(&base).unwrap();
        assert_eq!(
            c.arrival_reminder,
            ReminderTiming::Before(Duration::hours(2))
        );
        assert!(
            c.to_toml()
                .contains("arrival_reminder = \"2h\"  # 2h before the appointment")
        );
        let with = |v: &str| {
            Config::load(&ServerArgs {
                arrival_reminder: Some(v.into()),
                ..base.clone()
            })
        };
        assert_eq!(
            with("07:30").unwrap().server_config().arrival_reminder,
            ReminderTiming::OnTheDayAt(chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap())
        );
        assert_eq!(with("off").unwrap().arrival_reminder, ReminderTiming::Off);
        let e = with("whenever").unwrap_err();
        assert!(e.starts_with("arrival_reminder:"), "{e}");
    }

    #[test]
    fn the_outbox_is_checked_and_its_token_masked() {
        let base = args(Path::new("/nonexistent"));
        let c = Config::load(&base).unwrap();
        assert!(!c.outbox.is_on());
        assert_eq!(
            c.server_config().outbox,
            frontdesk_server::OutboxConfig::default()
        );

        let o = ServerArgs {
            public_url: Some("https://desk.example.org".into()),
            outbox_smtp_addr: Some("127.0.0.1:25".into()),
            outbox_smtp_from: Some("desk@example.org".into()),
            outbox_webhook_url: Some("http://127.0.0.1:9000/sms?key=abc".into()),
            outbox_webhook_token: Some("s3cret-token".into()),
            ..base.clone()
        };
        let c = Config::load(&o).unwrap();
        let server = c.server_config().outbox;
        assert_eq!(server.smtp_addr.as_deref(), Some("127.0.0.1:25"));
        assert_eq!(server.smtp_from, "desk@example.org");
        assert_eq!(server.webhook_token.as_deref(), Some("s3cret-token"));
        let text = c.to_toml();
        assert!(!text.contains("s3cret-token"), "{text}");
        assert!(!text.contains("key=abc"), "{text}");
        assert!(text.contains("outbox_webhook_token = \"****\""), "{text}");
        assert!(!format!("{c:?}").contains("s3cret-token"));

        let err = |o: ServerArgs| Config::load(&o).unwrap_err();
        let e = err(ServerArgs {
            public_url: None,
            ..o.clone()
        });
        assert!(e.starts_with("public_url:"), "{e}");
        let e = err(ServerArgs {
            outbox_smtp_from: None,
            ..o.clone()
        });
        assert!(e.starts_with("outbox_smtp_from:"), "{e}");
        let e = err(ServerArgs {
            outbox_smtp_addr: Some("localhost".into()),
            ..o.clone()
        });
        assert!(e.starts_with("outbox_smtp_addr:"), "{e}");
        let e = err(ServerArgs {
            outbox_webhook_url: Some("https://sms.example.com/send".into()),
            ..o.clone()
        });
        assert!(e.contains("no TLS"), "{e}");
        let e = err(ServerArgs {
            outbox_webhook_token: Some("two words".into()),
            ..o
        });
        assert!(e.starts_with("outbox_webhook_token:"), "{e}");
    }
}
