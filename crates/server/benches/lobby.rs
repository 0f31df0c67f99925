//! Lobby benchmark, over real HTTP on loopback against an in-process server on
//! a fresh SQLite database (WAL, synchronous=NORMAL: durable across a killed
//! process).
//!
//! 1. Write throughput: `--clients` concurrent staff clients each loop
//!    check-in → acknowledge → move to the provider. Every one of these writes
//!    its visit row, a timeline event and an audit row in one transaction.
//! 2. Event latency: `--streams` open event streams; check-ins are made one at a
//!    time and the delay from sending each check-in to its `arrived` event on
//!    every stream is recorded.
//!
//! Run: `cargo bench -p frontdesk-server --bench lobby [-- --seconds 10 --clients 64 --streams 500]`

use frontdesk_server::clock::SystemClock;
use frontdesk_server::{AppState, ServerConfig};
use frontdesk_store::{Provider, SqliteStore, Store};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}

async fn start() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("bench.db"))
        .await
        .expect("open");
    let store: Arc<dyn Store> = Arc::new(store);
    store
        .ensure_location("main", "Main", "UTC")
        .await
        .expect("location");
    store
        .upsert_provider(
            &Provider {
                id: "dr-lee".into(),
                name: "Dr. Lee".into(),
                location: "main".into(),
            },
            &frontdesk_store::Actor::system(),
            chrono::Utc::now(),
        )
        .await
        .expect("provider");
    let hash = frontdesk_server::secrets::hash_password("bench password 1").expect("hash");
    store
        .create_user(
            &frontdesk_store::NewUser {
                username: "bench".into(),
                role: frontdesk_domain::Role::FrontDesk,
                password_hash: hash,
                locations: Vec::new(),
            },
            &frontdesk_store::Actor::system(),
            chrono::Utc::now(),
        )
        .await
        .expect("user");
    let state = AppState::new(store, Arc::new(SystemClock), ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(frontdesk_server::serve(listener, state));
    (url, dir)
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

async fn throughput(seconds: u64, clients: u64) {
    let (url, _dir) = start().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients as usize)
        .build()
        .expect("client");
    let token = token(&client, &url).await;
    let writes = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, url, token, writes, failures) = (
            client.clone(),
            url.clone(),
            token.clone(),
            writes.clone(),
            failures.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let t = Instant::now();
                let resp = client
                    .post(format!("{url}/api/v1/visits"))
                    .bearer_auth(&token)
                    .json(&json!({"given_name": format!("P{c}x{n}"), "family_name": "Bench", "provider": "dr-lee"}))
                    .send()
                    .await;
                let Ok(resp) = resp else {
                    failures.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                if resp.status() != 201 {
                    failures.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                writes.fetch_add(1, Ordering::Relaxed);
                let id = resp.json::<Value>().await.ok().and_then(|v| v["id"].as_i64()).unwrap_or(0);
                for (path, body) in [
                    (format!("{url}/api/v1/visits/{id}/acknowledgements"), json!({})),
                    (format!("{url}/api/v1/visits/{id}/transitions"), json!({"to": "with_provider"})),
                ] {
                    let t = Instant::now();
                    match client.post(path).bearer_auth(&token).json(&body).send().await {
                        Ok(r) if r.status().is_success() => {
                            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                            writes.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            latencies
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let n = writes.load(Ordering::Relaxed);
    println!(
        "writes: {n} in {elapsed:.1} s = {:.0} writes/s (check-in, acknowledge, move; each with timeline event and audit row), \
         {clients} clients, latency p50 {:.1} ms p99 {:.1} ms, failures {}",
        n as f64 / elapsed,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        failures.load(Ordering::Relaxed)
    );
}

async fn event_latency(streams: u64, check_ins: u64) {
    let (url, _dir) = start().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let token = token(&client, &url).await;
    let ready = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..streams {
        let (client, url, token, ready) =
            (client.clone(), url.clone(), token.clone(), ready.clone());
        readers.push(tokio::spawn(async move {
            let resp = client
                .get(format!("{url}/api/v1/events"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("stream");
            let mut body = resp.bytes_stream();
            let mut buf = String::new();
            let mut arrivals = Vec::new();
            while (arrivals.len() as u64) < check_ins {
                let Ok(Some(Ok(chunk))) =
                    tokio::time::timeout(Duration::from_secs(30), body.next()).await
                else {
                    break;
                };
                let now = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    if block.contains("event: ready") {
                        ready.fetch_add(1, Ordering::Relaxed);
                    } else if block.contains("event: arrived") {
                        arrivals.push(now);
                    }
                }
            }
            arrivals
        }));
    }
    while ready.load(Ordering::Relaxed) < streams {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut sent = Vec::new();
    for k in 0..check_ins {
        let t = Instant::now();
        sent.push(t);
        let resp = client
            .post(format!("{url}/api/v1/visits"))
            .bearer_auth(&token)
            .json(&json!({"given_name": format!("S{k}"), "family_name": "Stream"}))
            .send()
            .await
            .expect("check in");
        assert_eq!(resp.status(), 201);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut latencies = Vec::new();
    let mut missing = 0;
    for r in readers {
        let arrivals = r.await.unwrap_or_default();
        missing += check_ins as usize - arrivals.len();
        for (k, at) in arrivals.iter().enumerate() {
            latencies.push(at.duration_since(sent[k]).as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "events: {check_ins} check-ins to {streams} open streams: latency from sending the check-in to its event p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {missing} missed",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
}

/// The store alone, no HTTP: how fast can one writer go?
async fn store_only(seconds: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("bench.db"))
            .await
            .expect("open"),
    );
    store
        .ensure_location("main", "Main", "UTC")
        .await
        .expect("location");
    let actor = frontdesk_store::Actor::staff("bench");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut n = 0u64;
    while Instant::now() < deadline {
        let visit = frontdesk_store::NewVisit {
            location: "main".into(),
            provider: None,
            visit_type: None,
            patient: frontdesk_domain::patient::NewPatient {
                given_name: "P".into(),
                family_name: "Q".into(),
                preferred_name: None,
                date_of_birth: None,
                phone: None,
                email: None,
            },
        };
        let now = chrono::Utc::now();
        let v = store
            .check_in(
                &frontdesk_store::CheckIn::of(frontdesk_store::Arrival::WalkIn(visit)),
                &actor,
                now,
            )
            .await
            .expect("check in")
            .visit;
        store.acknowledge(v.id, &actor, now).await.expect("ack");
        store
            .transition(
                v.id,
                frontdesk_domain::VisitState::WithProvider,
                None,
                &actor,
                now,
            )
            .await
            .expect("move");
        n += 3;
    }
    println!(
        "store only: {:.0} writes/s from one sequential writer",
        n as f64 / started.elapsed().as_secs_f64()
    );
}

fn main() {
    let seconds = arg("--seconds", 10);
    let clients = arg("--clients", 64);
    let streams = arg("--streams", 500);
    let check_ins = arg("--check-ins", 200);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        if std::env::args().any(|a| a == "--store-only") {
            store_only(seconds).await;
            return;
        }
        throughput(seconds, clients).await;
        event_latency(streams, check_ins).await;
    });
}
