//! Big-lobby benchmark: what one server costs with 10,000 patients waiting
//! across 20 locations, beside the same figures with 50 waiting at one.
//!
//! Each case runs in its own process (this program started again with
//! `--case WAITING LOCATIONS`), so its memory and CPU figures are its own:
//! an in-process server on a fresh database, real HTTP on loopback.
//!
//! 1. Fill: first 30 patients per location checked in and seen (history,
//!    so the quote engine calibrates as it does in a clinic that has been
//!    open a while), then WAITING walk-ins checked in over the API by 32
//!    clients, spread evenly over the locations (no provider: one queue per
//!    location, the quote engine's worst case).
//! 2. Check-in: 5,000 more check-ins by 8 clients, each patient then marked
//!    as having left, so the lobby stays at WAITING; the check-in's latency
//!    (visit, wait promise, status link, timeline and audit rows) is timed.
//!    The phase lasts a few seconds, so it spans several watcher ticks and
//!    WAL checkpoints: the tail they cause is in the p99.
//! 3. Board: one location's board rows (`GET /board/rows`, the HTML the
//!    board swaps in) and lobby JSON (`GET /api/v1/lobby`), 100 reads each.
//! 4. Watcher: the process's CPU time over 10 quiet seconds while the
//!    watcher ticks every second (no request runs; the SQLite checkpointer
//!    may cut a big WAL file back in that window), as a share of one
//!    core; and one timed pass of the clock check and of the re-quote check
//!    over every waiting patient (the watcher re-quotes a share of them a tick).
//! 5. Memory: VmRSS and VmHWM from `/proc/self/status`.
//!
//! The acknowledgement clocks are set to an hour (first within 60 min) so no
//! alert storm lands inside the timed window: the watcher still looks at
//! every running clock each tick, as a quiet big lobby makes it.
//!
//! Run: `cargo bench -p frontdesk-server --bench scale`
//! (`-- --case 10000 20` for one case; `-- --postgres URL` on PostgreSQL,
//! each case in a fresh schema, dropped afterwards with `psql` when it is
//! installed).

use frontdesk_server::clock::SystemClock;
use frontdesk_server::{AckOverride, AppState, ServerConfig};
use frontdesk_store::{SqliteStore, Store};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg_after(name: &str) -> Option<Vec<String>> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .map(|i| args[i + 1..].to_vec())
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// (user + system) CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces: fields are counted after its ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports these in USER_HZ, 100 on every platform it runs on.
    (ticks(11) + ticks(12)) / 100.0
}

/// A `/proc/self/status` figure in MB (`VmRSS`, `VmHWM`).
fn memory_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn location_id(i: usize) -> String {
    format!("loc-{:02}", i + 1)
}

async fn open_store(postgres: Option<&str>) -> (Arc<dyn Store>, Option<tempfile::TempDir>) {
    match postgres {
        Some(url) => {
            let schema = format!("bench_scale_{}", std::process::id());
            let store = frontdesk_store::PostgresStore::connect_in_schema(url, &schema)
                .await
                .expect("PostgreSQL");
            (Arc::new(store), None)
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = SqliteStore::open(&dir.path().join("bench.db"))
                .await
                .expect("open");
            (Arc::new(store), Some(dir))
        }
    }
}

async fn start(
    locations: usize,
    postgres: Option<&str>,
) -> (String, AppState, Option<tempfile::TempDir>) {
    let (store, dir) = open_store(postgres).await;
    for i in 0..locations {
        let id = location_id(i);
        store
            .ensure_location(&id, &format!("Site {}", i + 1), "UTC")
            .await
            .expect("location");
    }
    let hash = frontdesk_server::secrets::hash_password("bench password 1").expect("hash");
    store
        .create_user(
            &frontdesk_store::NewUser {
                username: "bench".into(),
                role: frontdesk_domain::Role::FrontDesk,
                password_hash: hash,
                // Every location.
                locations: Vec::new(),
            },
            &frontdesk_store::Actor::system(),
            chrono::Utc::now(),
        )
        .await
        .expect("user");
    let config = ServerConfig {
        ack_override: AckOverride {
            first_within: Some(chrono::Duration::minutes(60)),
            ..AckOverride::default()
        },
        ..ServerConfig::default()
    };
    let state = AppState::new(store, Arc::new(SystemClock), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(frontdesk_server::serve(listener, state.clone()));
    (url, state, dir)
}

async fn token(client: &reqwest::Client, url: &str) -> String {
    let body: Value = client
        .post(format!("{url}/api/v1/sessions"))
        .json(&json!({"username": "bench", "password": "bench password 1"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("token").to_string()
}

/// `count` check-ins by `clients` clients, spread over the locations; each
/// patient is then moved to `then` when given. The check-ins' latencies (ms).
async fn check_ins(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    locations: usize,
    count: usize,
    clients: usize,
    then: Option<&'static str>,
) -> Vec<f64> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, token, next) = (
            client.clone(),
            url.to_string(),
            token.to_string(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= count {
                    break;
                }
                let location = location_id(n % locations);
                let t = Instant::now();
                let resp = client
                    .post(format!("{url}/api/v1/visits"))
                    .bearer_auth(&token)
                    .json(&json!({"given_name": format!("P{n}"), "family_name": "Bench", "location": location}))
                    .send()
                    .await
                    .expect("check in");
                assert_eq!(resp.status(), 201, "check-in refused");
                let id = resp.json::<Value>().await.expect("json")["id"]
                    .as_i64()
                    .expect("id");
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                if let Some(to) = then {
                    let resp = client
                        .post(format!("{url}/api/v1/visits/{id}/transitions"))
                        .bearer_auth(&token)
                        .json(&json!({ "to": to }))
                        .send()
                        .await
                        .expect("move");
                    assert!(resp.status().is_success(), "move refused");
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    all
}

/// `reads` reads of one path, one after another; latencies (ms) and the last body.
async fn reads(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    path: &str,
    n: usize,
) -> (Vec<f64>, String) {
    let mut latencies = Vec::new();
    let mut body = String::new();
    for _ in 0..n {
        let t = Instant::now();
        let resp = client
            .get(format!("{url}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("read");
        assert_eq!(resp.status(), 200, "{path}");
        body = resp.text().await.expect("body");
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (latencies, body)
}

/// One case, in this process; prints its figures as one JSON line.
async fn case(waiting: usize, locations: usize, postgres: Option<&str>) {
    let (url, state, _dir) = start(locations, postgres).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let token = token(&client, &url).await;

    // History: 30 patients per location seen, so quotes are calibrated on
    // each location's own waits, as in a clinic that has been open a while.
    check_ins(
        &client,
        &url,
        &token,
        locations,
        30 * locations,
        16,
        Some("with_provider"),
    )
    .await;

    let started = Instant::now();
    check_ins(&client, &url, &token, locations, waiting, 32, None).await;
    let fill_s = started.elapsed().as_secs_f64();
    eprintln!(
        "  filled {waiting} waiting at {locations} location(s) in {fill_s:.1} s ({:.0}/s)",
        waiting as f64 / fill_s
    );

    let started = Instant::now();
    let measured = sorted(
        check_ins(
            &client,
            &url,
            &token,
            locations,
            5000,
            8,
            Some("left_without_being_seen"),
        )
        .await,
    );
    let check_in_s = started.elapsed().as_secs_f64();

    let loc = location_id(0);
    let (rows, rows_body) = reads(
        &client,
        &url,
        &token,
        &format!("/board/rows?location={loc}"),
        100,
    )
    .await;
    let (lobby, lobby_body) = reads(
        &client,
        &url,
        &token,
        &format!("/api/v1/lobby?location={loc}"),
        100,
    )
    .await;
    let shown = serde_json::from_str::<Value>(&lobby_body)
        .ok()
        .and_then(|v| v["visits"].as_array().map(Vec::len))
        .unwrap_or(0);
    let expected = waiting / locations;
    assert!(
        shown >= expected,
        "the lobby shows {shown}, expected at least {expected}"
    );
    assert!(rows_body.contains("Bench"), "board rows without patients");

    // The watcher alone: nothing else runs for 10 s.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let watcher_core = (cpu_seconds() - cpu0) / wall0.elapsed().as_secs_f64();
    let mut clocks = Vec::new();
    let mut requotes = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        frontdesk_server::app::watch::check_clocks(&state)
            .await
            .expect("clocks");
        clocks.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        frontdesk_server::app::promises::check_promises(&state)
            .await
            .expect("promises");
        requotes.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (clocks, requotes) = (sorted(clocks), sorted(requotes));
    let (rows, lobby) = (sorted(rows), sorted(lobby));
    let line = json!({
        "waiting": waiting,
        "locations": locations,
        "backend": if postgres.is_some() { "postgres" } else { "sqlite" },
        "fill_per_s": waiting as f64 / fill_s,
        "check_in_p50": percentile(&measured, 0.5),
        "check_in_p99": percentile(&measured, 0.99),
        "check_in_max": measured.last().copied().unwrap_or(f64::NAN),
        "check_in_phase_s": check_in_s,
        "board_rows_p50": percentile(&rows, 0.5),
        "board_rows_p99": percentile(&rows, 0.99),
        "lobby_json_p50": percentile(&lobby, 0.5),
        "lobby_json_p99": percentile(&lobby, 0.99),
        "lobby_shown": shown,
        "watcher_core_pct": watcher_core * 100.0,
        "clock_pass_ms": percentile(&clocks, 0.5),
        "requote_pass_ms": percentile(&requotes, 0.5),
        "rss_mb": memory_mb("VmRSS:"),
        "hwm_mb": memory_mb("VmHWM:"),
    });
    println!("CASE {line}");
}

fn main() {
    let postgres = arg_after("--postgres").and_then(|a| a.first().cloned());
    if let Some(a) = arg_after("--case") {
        let waiting: usize = a
            .first()
            .and_then(|v| v.parse().ok())
            .expect("--case WAITING LOCATIONS");
        let locations: usize = a
            .get(1)
            .and_then(|v| v.parse().ok())
            .expect("--case WAITING LOCATIONS");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(case(waiting, locations, postgres.as_deref()));
        // The server and its watcher are still running: end here.
        std::process::exit(0);
    }
    let cases: Vec<(usize, usize)> = vec![(50, 1), (10_000, 20)];
    let mut results = Vec::new();
    for (waiting, locations) in cases {
        eprintln!("case: {waiting} waiting at {locations} location(s)");
        let mut cmd = std::process::Command::new(std::env::current_exe().expect("exe"));
        cmd.args(["--case", &waiting.to_string(), &locations.to_string()]);
        if let Some(url) = &postgres {
            cmd.args(["--postgres", url]);
        }
        let child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("run case");
        let pid = child.id();
        let out = child.wait_with_output().expect("run case");
        if let Some(url) = &postgres {
            // The case's schema (named by its process id), best effort.
            let _ = std::process::Command::new("psql")
                .args([
                    url.as_str(),
                    "-qc",
                    &format!("DROP SCHEMA bench_scale_{pid} CASCADE"),
                ])
                .output();
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("CASE ")) else {
            eprintln!("case failed: {stdout}");
            std::process::exit(1);
        };
        results.push(serde_json::from_str::<Value>(line).expect("case json"));
    }
    let backend = results[0]["backend"].as_str().unwrap_or("?").to_string();
    println!("big lobby on one server ({backend}), milliseconds unless named:");
    let header: Vec<String> = results
        .iter()
        .map(|r| format!("{} waiting / {} loc", r["waiting"], r["locations"]))
        .collect();
    println!("{:<34} {:>20} {:>20}", "", header[0], header[1]);
    let rows = [
        ("check-in p50", "check_in_p50"),
        ("check-in p99", "check_in_p99"),
        ("check-in slowest", "check_in_max"),
        ("timed check-in phase, s", "check_in_phase_s"),
        ("board rows (one location) p50", "board_rows_p50"),
        ("board rows (one location) p99", "board_rows_p99"),
        ("lobby JSON (one location) p50", "lobby_json_p50"),
        ("lobby JSON (one location) p99", "lobby_json_p99"),
        ("watcher, % of a core", "watcher_core_pct"),
        ("one clock pass", "clock_pass_ms"),
        ("one re-quote pass", "requote_pass_ms"),
        ("RSS MB (VmRSS)", "rss_mb"),
        ("peak RSS MB (VmHWM)", "hwm_mb"),
        ("fill, check-ins/s", "fill_per_s"),
    ];
    for (label, key) in rows {
        let cell = |r: &Value| format!("{:.1}", r[key].as_f64().unwrap_or(f64::NAN));
        println!(
            "{label:<34} {:>20} {:>20}",
            cell(&results[0]),
            cell(&results[1])
        );
    }
}
