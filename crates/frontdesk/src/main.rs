//! `frontdesk`: the patient service desk.
//!
//! `serve` runs the server; `demo` runs it on a throw-away database with a
//! simulated clinic day; `user`, `import`, `audit` and `config` manage an installation;
//! `simulate`, `backtest` and `tone` work on files and standard input alone.
//! Each command takes only the options it uses: the server's ([`ServerArgs`]),
//! the database's ([`StoreArgs`]), the time zone ([`ZoneArgs`]) or none.

mod backtest_cmd;
mod config;
mod demo;
mod tone_cmd;

use clap::{Parser, Subcommand};
use config::{Config, ServerArgs, StoreArgs, ZoneArgs};
use frontdesk_domain::{MAIN_LOCATION, Role, fields};
use frontdesk_server::AppState;
use frontdesk_server::clock::SystemClock;
use frontdesk_store::{Actor, NewUser, Store};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "frontdesk", version, about = "Frontdesk: a self-hosted patient service desk.", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (SQLite in the data directory unless --database is given). Several servers
    /// may share one PostgreSQL database behind a proxy: one of them runs the watcher (docs/scaling.md).
    Serve {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Run a live demo clinic on a fresh temporary database, in accelerated time.
    #[command(
        mut_arg("database_url", |a| a.hide(true)),
        mut_arg("data_dir", |a| a.help("Directory of the optional frontdesk.toml"))
    )]
    Demo {
        #[command(flatten)]
        server: ServerArgs,
        /// Simulated seconds per real second.
        #[arg(long, default_value_t = 20.0)]
        speed: f64,
        /// Seed of the simulated day (same seed, same day).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage kiosks: the tablets patients check themselves in at.
    Kiosk {
        #[command(subcommand)]
        command: KioskCommand,
    },
    /// Manage locations (sites of a group practice; `main` exists from the first start).
    Location {
        #[command(subcommand)]
        command: LocationCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Back up the SQLite database to FILE while the server keeps running: one
    /// consistent snapshot (SQLite's online backup), written beside FILE and
    /// renamed into place once complete and its integrity checked. An existing
    /// FILE is refused unless --force. For PostgreSQL it explains pg_dump.
    Backup {
        /// Where to write the backup (a single SQLite file).
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Replace the configured SQLite database with the backup FILE. FILE must
    /// pass SQLite's integrity check and be a Frontdesk database no newer than
    /// this version. Refused while a server (or any program) has the database
    /// open: stop every server first. The database replaced is kept beside it
    /// as NAME.before-restore-TIME. For PostgreSQL it explains pg_restore.
    Restore {
        /// The backup to restore (made by `frontdesk backup`).
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Simulate clinic days and write them as visit history CSV.
    Simulate {
        /// `clinic` (appointments with three providers), `walk-in` (pooled urgent-care queue with
        /// triage, 08:00-20:00) or `triage` (an emergency department open around the clock: priorities
        /// 1-5 seen most urgent first by pooled clinicians on shifts, arrivals rising and falling).
        #[arg(long, default_value = "clinic")]
        scenario: String,
        /// Number of days to simulate (weekdays; every day for `triage`).
        #[arg(long, default_value_t = 20)]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First day (YYYY-MM-DD); weekends are skipped.
        #[arg(long, default_value = "2026-01-05")]
        start: String,
        /// Where to write the CSV (default: standard output; text that would start a
        /// spreadsheet formula gets a leading ').
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replay a visit history CSV, quoting every arrival with only what was
    /// known then, and report how many promises would have been kept and with how
    /// much slack, beside plain baselines computed in the same run (appointment time,
    /// mean of the last five waits, plain and padded to the same kept rate, and the
    /// quoted quantile of the last 28 days' waits by queue, priority and queue length).
    #[command(mut_arg("time_zone", |a| a.help("Time zone of the times written without an offset (IANA name; default: this machine's)")))]
    Backtest {
        /// Visit history CSV (visit_id,location,provider,visit_type,priority,scheduled_at,arrived_at,seen_at,done_at,outcome).
        #[arg(long)]
        visits: PathBuf,
        /// The quantile quoted: 0.9 means nine in ten should be seen by their promise.
        #[arg(long, default_value_t = 0.9)]
        quantile: f64,
        /// Write every quote here: visit_id,quoted_at,promised_by (an id that would start a
        /// spreadsheet formula gets a leading ').
        #[arg(long)]
        quotes_out: Option<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Replay the good rows even when some are bad (they are still reported).
        #[arg(long)]
        skip_bad_rows: bool,
        /// Also show kept rate and median slack per group: priority, provider, queue
        /// (patients waiting on arrival, in threes), hour (of arrival) or visit_type;
        /// repeat or separate with commas.
        #[arg(long, value_name = "GROUP")]
        by: Vec<String>,
        /// Score only visits that arrived on or after this date (YYYY-MM-DD); earlier
        /// ones are still replayed, as history the quotes learn from.
        #[arg(long, value_name = "DATE")]
        score_from: Option<String>,
        #[command(flatten)]
        zone: ZoneArgs,
    },
    /// Check staff replies with the tone coach (or, with --incoming, whether patient
    /// messages sound upset): JSON lines {"id","text"} in, one JSON line out per line in.
    Tone {
        /// Read and write JSON lines (the only format so far; required).
        #[arg(long)]
        jsonl: bool,
        /// Check patient messages instead of staff replies.
        #[arg(long)]
        incoming: bool,
    },
    /// Print the configuration `serve` would run with, given the same options (secrets masked).
    Config {
        /// Print the commented default configuration file instead.
        #[arg(long)]
        default: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account. The password (at least 12 characters) is read from standard input.
    Add {
        /// Letters a to z, digits, dots, dashes and underscores (at most 64); kept
        /// in lowercase, so `Maria` and `maria` are one account.
        name: String,
        /// front_desk, clinician, manager, admin, or integration (an EHR's interface engine: FHIR only).
        #[arg(long)]
        role: String,
        /// Read the password from standard input (required; a trailing newline is ignored).
        #[arg(long)]
        password_stdin: bool,
        /// A location they work at (repeat for several); none means every location.
        #[arg(long = "location", value_name = "ID")]
        locations: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List staff accounts.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove a staff member's second factor (a lost phone) and sign them out
    /// everywhere. A manager or admin sets up a new one at their next sign-in;
    /// their old recovery codes stop working.
    #[command(name = "reset-2fa")]
    Reset2fa {
        /// The staff member's username.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum KioskCommand {
    /// Add a kiosk and print its one-time pairing link (15 minutes): open it on the tablet.
    Add {
        /// The location it stands at.
        #[arg(long, default_value = "main")]
        location: String,
        /// A name staff recognise, such as "Lobby tablet".
        #[arg(long)]
        name: String,
        /// The address the tablet reaches the server at, for the link (default:
        /// public_url from the configuration, else http://ADDR).
        #[arg(long)]
        base_url: Option<String>,
        #[command(flatten)]
        server: Box<ServerArgs>,
    },
    /// List a location's kiosks.
    List {
        #[arg(long, default_value = "main")]
        location: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum LocationCommand {
    /// Add a location: its id (letters, digits, dashes), its name, and its time
    /// zone with --time-zone (an IANA name such as `America/Chicago`; default:
    /// FRONTDESK_TIME_ZONE, else this machine's).
    #[command(mut_arg("time_zone", |a| a.help("The new location's IANA time zone")))]
    Add {
        id: String,
        /// The name patients and staff see.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List locations.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check that no audit row was changed, deleted or added since it was written
    /// (each row carries a SHA-256 of its content and of the row before it).
    /// Exits 0 when the log is intact, 3 naming the first row that does not
    /// match, 1 when the database cannot be read, 2 on a configuration error.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import the day's schedule from an appointment CSV (see README for the columns).
    /// By default nothing is imported if any row is bad.
    Appointments {
        file: PathBuf,
        /// Import the good rows and report the bad ones.
        #[arg(long)]
        skip_bad_rows: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Why a command failed: its configuration (exit code 2) or anything else (1).
enum Failure {
    Configuration(String),
    Other(String),
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure::Other(e)
    }
}

/// The effective configuration from defaults, the file and these options.
fn configure(args: &ServerArgs) -> Result<Config, Failure> {
    Config::load(args).map_err(Failure::Configuration)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("frontdesk: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        Ok(match cli.command {
            Command::Serve { server } => serve(configure(&server)?).await?,
            Command::Demo {
                server,
                speed,
                seed,
            } => demo::run(configure(&server)?, speed, seed).await?,
            Command::User { command } => user(command).await?,
            Command::Location { command } => location(command).await?,
            Command::Kiosk { command } => kiosk(command).await?,
            Command::Audit {
                command: AuditCommand::Verify { store },
            } => verify_audit(configure(&store.into())?).await?,
            Command::Backup { file, force, store } => {
                backup(&configure(&store.into())?, &file, force)?
            }
            Command::Restore { file, store } => restore(&configure(&store.into())?, &file)?,
            Command::Import {
                command:
                    ImportCommand::Appointments {
                        file,
                        skip_bad_rows,
                        store,
                    },
            } => import_appointments(configure(&store.into())?, file, skip_bad_rows).await?,
            Command::Simulate {
                scenario,
                days,
                seed,
                start,
                out,
            } => simulate(&scenario, days, seed, &start, out.as_deref())?,
            Command::Backtest {
                visits,
                quantile,
                quotes_out,
                json,
                skip_bad_rows,
                by,
                score_from,
                zone,
            } => backtest_cmd::run(backtest_cmd::Options {
                visits: &visits,
                quantile,
                quotes_out: quotes_out.as_deref(),
                json,
                skip_bad_rows,
                by,
                score_from,
                zone: zone.zone().map_err(Failure::Configuration)?,
            })?,
            Command::Tone { jsonl, incoming } => {
                if !jsonl {
                    return Err(Failure::Other(
                        "tone: give --jsonl (JSON lines {\"id\",\"text\"} on standard input)"
                            .into(),
                    ));
                }
                tone_cmd::run(incoming)
            }
            Command::Config { default, server } => {
                let config = configure(&server)?;
                print!(
                    "{}",
                    if default {
                        config::DEFAULT_TOML.to_string()
                    } else {
                        config.to_toml()
                    }
                );
                ExitCode::SUCCESS
            }
        })
    });
    match result {
        Ok(code) => code,
        Err(Failure::Configuration(e)) => {
            eprintln!("frontdesk: configuration: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Other(e)) => {
            eprintln!("frontdesk: {e}");
            ExitCode::FAILURE
        }
    }
}

fn simulate(
    scenario: &str,
    days: u32,
    seed: u64,
    start: &str,
    out: Option<&std::path::Path>,
) -> Result<ExitCode, String> {
    use frontdesk_sim::simulate::{Scenario, SimConfig, simulate};
    let scenario = match scenario {
        "clinic" => Scenario::Clinic,
        "walk-in" | "walkin" => Scenario::WalkIn,
        "triage" | "ed" => Scenario::Triage,
        other => {
            return Err(format!(
                "--scenario: unknown scenario {other:?}; use clinic, walk-in or triage"
            ));
        }
    };
    if !(1..=3650).contains(&days) {
        return Err("--days must be between 1 and 3650".into());
    }
    let first_day = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d")
        .map_err(|_| format!("--start: not a date: {start:?} (YYYY-MM-DD)"))?;
    let rows = simulate(&SimConfig {
        scenario,
        days,
        seed,
        first_day,
    });
    let sink: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(sink);
    let write = |w: &mut csv::Writer<Box<dyn std::io::Write>>| -> Result<(), csv::Error> {
        w.write_record(frontdesk_domain::history::HISTORY_CSV_HEADER)?;
        for r in &rows {
            w.write_record(r.csv_fields())?;
        }
        w.flush()?;
        Ok(())
    };
    write(&mut w).map_err(|e| format!("cannot write the history: {e}"))?;
    if let Some(path) = out {
        eprintln!(
            "Wrote {} visits over {days} days to {}",
            rows.len(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FRONTDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Open the configured database and make sure the `main` location exists.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, String> {
    let store = frontdesk_store::open(&config.database_url)
        .await
        .map_err(|e| {
            format!(
                "cannot open database {}: {e}",
                frontdesk_store::mask_url(&config.database_url)
            )
        })?;
    store
        .ensure_location(MAIN_LOCATION, "Main clinic", &config.time_zone)
        .await
        .map_err(|e| format!("cannot prepare the main location: {e}"))?;
    Ok(store)
}

async fn serve(config: Config) -> Result<ExitCode, String> {
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, backend = store.backend(), "Frontdesk is ready");
    println!("Frontdesk listening on http://{addr}");
    let state = AppState::new(store, Arc::new(SystemClock), config.server_config());
    if let Some(hl7) = &config.hl7_addr {
        let mllp = tokio::net::TcpListener::bind(hl7)
            .await
            .map_err(|e| format!("cannot listen for HL7 on {hl7}: {e}"))?;
        let at = mllp.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(addr = %at, "HL7 v2 (MLLP) listening");
        println!("Frontdesk taking HL7 v2 SIU over MLLP on {at}");
        tokio::spawn(frontdesk_server::serve_hl7(mllp, state.clone()));
    }
    frontdesk_server::serve(listener, state)
        .await
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

async fn user(command: UserCommand) -> Result<ExitCode, Failure> {
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            locations,
            store,
        } => {
            let config = configure(&store.into())?;
            let name =
                fields::username(&name).map_err(|e| format!("username: {e} (got {name:?})"))?;
            let role: Role = role.parse().map_err(|e| format!("{e}"))?;
            if !password_stdin {
                return Err(Failure::Other(
                    "give the password on standard input with --password-stdin".into(),
                ));
            }
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("cannot read the password: {e}"))?;
            let password = password
                .strip_suffix('\n')
                .map(|p| p.strip_suffix('\r').unwrap_or(p))
                .unwrap_or(&password);
            fields::new_password(password).map_err(|e| format!("password: {e}"))?;
            let hash = frontdesk_server::secrets::hash_password(password)?;
            let store = open_store(&config).await?;
            let user = store
                .create_user(
                    &NewUser {
                        username: name,
                        role,
                        password_hash: hash,
                        locations,
                    },
                    &Actor::system(),
                    chrono::Utc::now(),
                )
                .await
                .map_err(|e| e.to_string())?;
            println!("Added {} ({})", user.username, user.role.label());
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Reset2fa { name, store } => {
            let config = configure(&store.into())?;
            let name =
                fields::username(&name).map_err(|e| format!("username: {e} (got {name:?})"))?;
            let store = open_store(&config).await?;
            let had_one = match store
                .reset_second_factor(&name, &Actor::system(), chrono::Utc::now())
                .await
            {
                Ok(had_one) => had_one,
                Err(frontdesk_store::StoreError::NotFound) => {
                    return Err(Failure::Other(format!("no staff account named {name}")));
                }
                Err(e) => return Err(Failure::Other(e.to_string())),
            };
            if had_one {
                println!(
                    "Removed the second factor of {name} and signed them out everywhere; they set up a new one at their next sign-in."
                );
            } else {
                println!("{name} had no second factor; signed them out everywhere.");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { store } => {
            let config = configure(&store.into())?;
            let store = open_store(&config).await?;
            for u in store.users().await.map_err(|e| e.to_string())? {
                let at = if u.locations.is_empty() {
                    String::new()
                } else {
                    format!("\tat {}", u.locations.join(", "))
                };
                println!(
                    "{}\t{}{at}{}",
                    u.username,
                    u.role,
                    if u.disabled { "\t(disabled)" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn kiosk(command: KioskCommand) -> Result<ExitCode, Failure> {
    use frontdesk_server::app::kiosk::{pairing_code, pairing_lifetime};
    match command {
        KioskCommand::Add {
            location,
            name,
            base_url,
            server,
        } => {
            let config = configure(&server)?;
            let name = fields::required_text(&name).map_err(|e| format!("name: {e}"))?;
            let store = open_store(&config).await?;
            let (code, hash) = pairing_code();
            let now = chrono::Utc::now();
            let expires_at = now + pairing_lifetime();
            let k = store
                .add_kiosk(&location, &name, &hash, expires_at, &Actor::system(), now)
                .await
                .map_err(|e| match e {
                    frontdesk_store::StoreError::Invalid(_) => {
                        format!("unknown location {location:?}")
                    }
                    other => other.to_string(),
                })?;
            let base = base_url
                .or(config.public_url.clone())
                .unwrap_or_else(|| format!("http://{}", config.addr));
            println!(
                "Added kiosk {} ({}) at {}. Open this link on the tablet within 15 minutes (it works once):",
                k.id, k.name, k.location
            );
            println!("{}/kiosk/pair/{code}", base.trim_end_matches('/'));
            Ok(ExitCode::SUCCESS)
        }
        KioskCommand::List { location, store } => {
            let config = configure(&store.into())?;
            let store = open_store(&config).await?;
            for k in store.kiosks(&location).await.map_err(|e| e.to_string())? {
                let state = match (k.revoked_at, k.paired_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(_)) => "paired",
                    (None, None) => "waiting to be paired",
                };
                println!("{}\t{}\t{state}", k.id, k.name);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn location(command: LocationCommand) -> Result<ExitCode, Failure> {
    match command {
        LocationCommand::Add {
            id,
            name,
            mut store,
        } => {
            // --time-zone is the new location's, not `main`'s.
            let zone = match store.zone.time_zone.take() {
                Some(z) => z,
                None => store.zone.zone()?.name().to_string(),
            };
            let config = configure(&store.into())?;
            let id = fields::short_id(&id).map_err(|e| format!("location id: {e} (got {id:?})"))?;
            let name = fields::required_text(&name).map_err(|e| format!("name: {e}"))?;
            if zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(Failure::Other(format!(
                    "time zone: {zone:?} is not an IANA zone such as America/Chicago"
                )));
            }
            let store = open_store(&config).await?;
            let added = store
                .add_location(&id, &name, &zone, &Actor::system(), chrono::Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            println!("Added {} ({}, {})", added.id, added.name, added.time_zone);
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::List { store } => {
            let config = configure(&store.into())?;
            let store = open_store(&config).await?;
            for l in store.locations().await.map_err(|e| e.to_string())? {
                println!("{}\t{}\t{}", l.id, l.name, l.time_zone);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What `backup` and `restore` say for a PostgreSQL database.
const POSTGRES_BACKUPS: &str = "the database is PostgreSQL: back it up with PostgreSQL's own tools, which take a consistent snapshot while Frontdesk keeps running:
    pg_dump --format=custom --file=frontdesk.dump 'postgres://USER@HOST/DB'
and restore into an empty database (stop every Frontdesk server first):
    pg_restore --clean --if-exists --no-owner --dbname='postgres://USER@HOST/DB' frontdesk.dump
See docs/scaling.md, section Backups.";

/// `frontdesk backup FILE`.
fn backup(config: &Config, file: &std::path::Path, force: bool) -> Result<ExitCode, String> {
    let Some(source) = frontdesk_store::sqlite_path(&config.database_url) else {
        eprintln!("frontdesk backup: {POSTGRES_BACKUPS}");
        return Ok(ExitCode::from(2));
    };
    let started = std::time::Instant::now();
    match frontdesk_store::backup::backup(&source, file, force) {
        Ok(copied) => {
            println!(
                "Backed up {} to {}: {} bytes, schema version {}, integrity ok, in {:.1} s.",
                source.display(),
                file.display(),
                copied.bytes,
                copied.schema_version,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(frontdesk_store::StoreError::NotFound) => {
            Err(format!("no database at {}", source.display()))
        }
        Err(e) => Err(format!("backup failed, nothing written: {e}")),
    }
}

/// `frontdesk restore FILE`.
fn restore(config: &Config, file: &std::path::Path) -> Result<ExitCode, String> {
    let Some(target) = frontdesk_store::sqlite_path(&config.database_url) else {
        eprintln!("frontdesk restore: {POSTGRES_BACKUPS}");
        return Ok(ExitCode::from(2));
    };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    match frontdesk_store::backup::restore(file, &target, &stamp) {
        Ok(done) => {
            if let Some(kept) = &done.kept {
                println!("The database it replaced is kept as {}.", kept.display());
            }
            println!(
                "Restored {} from {}: schema version {}, integrity ok. Start the server to use it.",
                target.display(),
                file.display(),
                done.copied.schema_version
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(format!("restore failed: {e}")),
    }
}

/// `frontdesk audit verify`: check the whole chain; print its head when intact.
async fn verify_audit(config: Config) -> Result<ExitCode, String> {
    let url = &config.database_url;
    if let Some(path) = frontdesk_store::sqlite_path(url)
        && !path.exists()
    {
        return Err(format!("no database at {}", path.display()));
    }
    // Opened without `open_store`: checking writes nothing to the log.
    let store = frontdesk_store::open(url).await.map_err(|e| {
        format!(
            "cannot open database {}: {e}",
            frontdesk_store::mask_url(url)
        )
    })?;
    let report = store
        .verify_audit_chain()
        .await
        .map_err(|e| format!("cannot read the audit log: {e}"))?;
    match &report.fault {
        None => {
            println!(
                "Audit log intact: {} row(s) checked. Chain head: row {}, hash {}",
                report.rows, report.head_id, report.head_hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(fault) => {
            eprintln!(
                "frontdesk: audit log broken: {fault}. {} row(s) before it verified.",
                report.rows
            );
            Ok(ExitCode::from(3))
        }
    }
}

async fn import_appointments(
    config: Config,
    file: PathBuf,
    skip_bad_rows: bool,
) -> Result<ExitCode, String> {
    let text = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let store = open_store(&config).await?;
    let locations = store.locations().await.map_err(|e| e.to_string())?;
    let zone_of = |id: &str| locations.iter().find(|l| l.id == id).map(|l| l.zone());
    let main_zone = zone_of(MAIN_LOCATION).unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&main_zone).date_naive();
    // Count lines for the progress bar; it only shows on a terminal.
    let total = text
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1) as u64;
    let bar = indicatif::ProgressBar::new(total);
    if total < 2000 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let parsed =
        frontdesk_domain::appointment::parse_appointments_csv(&text, &zone_of, today, &mut |n| {
            if n % 256 == 0 {
                bar.set_position(n)
            }
        })
        .map_err(|e| format!("{}: {e}", file.display()))?;
    bar.finish_and_clear();
    for bad in &parsed.bad_rows {
        eprintln!("{}: {bad}", file.display());
    }
    if !parsed.bad_rows.is_empty() && !skip_bad_rows {
        eprintln!(
            "Nothing imported: {} bad row(s). Fix them, or pass --skip-bad-rows to import the {} good row(s).",
            parsed.bad_rows.len(),
            parsed.appointments.len()
        );
        return Ok(ExitCode::from(2));
    }
    let summary = store
        .import_appointments(&parsed.appointments, &Actor::system(), chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Imported {} appointment(s); {} already present; {} bad row(s) skipped.",
        summary.created,
        summary.already_present,
        parsed.bad_rows.len()
    );
    Ok(ExitCode::SUCCESS)
}
