//! One typed configuration, layered: defaults in code, then an optional TOML
//! file, then environment variables and flags (clap reads both, flags win).

use chrono::Duration;
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
    pub ack_first_within: Option<String>,
    pub ack_recheck_every: Option<String>,
    pub ack_escalate_after: Option<String>,
}

/// What flags and environment variables said (clap fills these).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Address to listen on.
    #[arg(long, env = "FRONTDESK_ADDR", global = true)]
    pub addr: Option<String>,
    /// Directory for the SQLite database and the optional frontdesk.toml.
    #[arg(long, env = "FRONTDESK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL; default is SQLite in the data directory.
    #[arg(long = "database", env = "FRONTDESK_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Configuration file (default: DATA_DIR/frontdesk.toml when it exists).
    #[arg(long, env = "FRONTDESK_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Time zone of the `main` location when it is first created (IANA name).
    #[arg(long, env = "FRONTDESK_TIME_ZONE", global = true)]
    pub time_zone: Option<String>,
    /// Sign staff out after this long idle (e.g. 15m).
    #[arg(long, env = "FRONTDESK_IDLE_TIMEOUT", global = true)]
    pub idle_timeout: Option<String>,
    /// Mark cookies Secure (serve behind TLS): `--secure-cookies`, or true/false, 1/0, yes/no.
    #[arg(long, env = "FRONTDESK_SECURE_COOKIES", global = true, num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub secure_cookies: Option<bool>,
    /// The address patients' phones reach the server at, for QR codes (e.g. https://desk.example.org).
    #[arg(long, env = "FRONTDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// First acknowledgement due within (wins over stored settings), e.g. 2m.
    #[arg(long, env = "FRONTDESK_ACK_FIRST_WITHIN", global = true, hide = true)]
    pub ack_first_within: Option<String>,
    /// Recheck every (wins over stored settings), e.g. 15m.
    #[arg(long, env = "FRONTDESK_ACK_RECHECK_EVERY", global = true, hide = true)]
    pub ack_recheck_every: Option<String>,
    /// Escalate to managers this long after overdue (wins over stored settings), e.g. 5m.
    #[arg(long, env = "FRONTDESK_ACK_ESCALATE_AFTER", global = true, hide = true)]
    pub ack_escalate_after: Option<String>,
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
    pub ack_first_within: Option<Duration>,
    pub ack_recheck_every: Option<Duration>,
    pub ack_escalate_after: Option<Duration>,
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

fn duration(field: &str, text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| format!("{field}: {e} (got {text:?})"))
}

impl Config {
    pub fn load(o: &Overrides) -> Result<Config, String> {
        let data_dir = o.data_dir.clone().unwrap_or_else(default_data_dir);
        let (file, config_file) = match &o.config {
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
        let database_url = pick(&o.database_url, &file.database_url)
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| data_dir.join("frontdesk.db").to_string_lossy().into_owned());
        let time_zone = pick(&o.time_zone, &file.time_zone).unwrap_or_else(local_time_zone);
        if time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(format!(
                "time_zone: unknown time zone {time_zone:?}; use an IANA name such as America/Chicago"
            ));
        }
        let opt = |field: &str,
                   flag: &Option<String>,
                   file: &Option<String>|
         -> Result<Option<Duration>, String> {
            pick(flag, file)
                .filter(|s| !s.trim().is_empty())
                .map(|t| duration(field, &t))
                .transpose()
        };
        Ok(Config {
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
            public_url: match pick(&o.public_url, &file.public_url).filter(|u| !u.trim().is_empty())
            {
                Some(u) => Some(
                    frontdesk_domain::fields::website(&u)
                        .map_err(|e| format!("public_url: {e} (got {u:?})"))?
                        .trim_end_matches('/')
                        .to_string(),
                ),
                None => None,
            },
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
             ack_first_within = {}\n\
             ack_recheck_every = {}\n\
             ack_escalate_after = {}\n",
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
            opt(self.ack_first_within),
            opt(self.ack_recheck_every),
            opt(self.ack_escalate_after),
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

    #[test]
    fn defaults_then_file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let o = Overrides {
            data_dir: Some(dir.path().into()),
            time_zone: Some("UTC".into()),
            ..Default::default()
        };
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

        let o = Overrides {
            addr: Some("127.0.0.1:1".into()),
            ack_first_within: Some("1m".into()),
            ..o
        };
        let c = Config::load(&o).unwrap();
        assert_eq!(c.addr, "127.0.0.1:1");
        assert_eq!(c.ack_first_within, Some(Duration::minutes(1)));
    }

    #[test]
    fn bad_values_are_named() {
        let o = Overrides {
            ack_recheck_every: Some("soon".into()),
            time_zone: Some("UTC".into()),
            data_dir: Some("/nonexistent".into()),
            ..Default::default()
        };
        let e = Config::load(&o).unwrap_err();
        assert!(e.starts_with("ack_recheck_every:"), "{e}");
        let o = Overrides {
            time_zone: Some("Mars/Olympus".into()),
            data_dir: Some("/nonexistent".into()),
            ..Default::default()
        };
        assert!(Config::load(&o).unwrap_err().starts_with("time_zone"));
    }

    #[test]
    fn the_example_file_parses_and_secrets_are_masked() {
        let _: FileConfig = toml::from_str(DEFAULT_TOML).unwrap();
        let o = Overrides {
            database_url: Some("postgres://fd:hunter2@db/fd".into()),
            time_zone: Some("UTC".into()),
            data_dir: Some("/nonexistent".into()),
            ..Default::default()
        };
        let text = Config::load(&o).unwrap().to_toml();
        assert!(!text.contains("hunter2"));
        assert!(text.contains("postgres://fd:****@db/fd"));
    }
}
