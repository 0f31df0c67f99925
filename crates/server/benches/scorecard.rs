//! Scorecard benchmark: one location's scorecard for a year of 30,000 visits.
//!
//! A fresh SQLite database (or a fresh PostgreSQL schema with `--postgres
//! URL`) is filled through the store's own writes, as the server makes them:
//! every visit checked in with its wait promise over 365 days, acknowledged
//! (most within the 2-minute window), seen, checked out and done; one in ten
//! with a question answered, one in three surveyed (half of those answered,
//! one in five of the answers low, opening service recovery), one in a hundred
//! with a complaint. A second location gets a tenth as many visits, so the
//! queries must pick one location out. Then the scorecard of the year is read
//! as the page and the API read it (`app::scorecard::read`, by week, and its
//! JSON), `--runs` times; the median and the slowest are printed.
//!
//! Run: `cargo bench -p frontdesk-server --bench scorecard [-- --visits 30000 --runs 7 --postgres URL]`

use chrono::{Duration, TimeZone, Utc};
use frontdesk_domain::Role;
use frontdesk_domain::patient::NewPatient;
use frontdesk_domain::promise::PromiseKind;
use frontdesk_domain::survey::{Frequency, SurveyAnswer};
use frontdesk_domain::{Timestamp, VisitState};
use frontdesk_server::app::scorecard::{Ask, read};
use frontdesk_server::clock::ManualClock;
use frontdesk_server::views::scorecard::ScorecardJson;
use frontdesk_server::{AppState, ServerConfig};
use frontdesk_store::*;
use std::sync::Arc;
use std::time::Instant;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn num(name: &str, default: u64) -> u64 {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn start() -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// A small deterministic generator (no seed file, same data every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One visit's day, through the store's writes.
async fn one_visit(store: &Arc<dyn Store>, location: &str, n: u64, rng: &mut Lcg) {
    let staff = Actor::staff(["desk", "amy", "raj"][(n % 3) as usize]);
    let day = (n * 365) / 30_000 % 365;
    let arrived = start()
        + Duration::days(day as i64)
        + Duration::hours(8)
        + Duration::minutes(rng.below(9 * 60) as i64);
    let email = n.is_multiple_of(3).then(|| format!("p{n}@example.org"));
    let check_in = CheckIn {
        promise: Some(NewPromise {
            location: location.into(),
            visit_id: None,
            patient_id: None,
            kind: PromiseKind::SeenBy,
            owner: None,
            note: String::new(),
            due_at: arrived + Duration::minutes(30),
            likely_at: Some(arrived + Duration::minutes(15)),
            suggested_due_at: None,
            reason: String::new(),
        }),
        ..CheckIn::of(Arrival::WalkIn(NewVisit {
            location: location.into(),
            provider: Some("dr-lee".into()),
            visit_type: None,
            patient: NewPatient {
                given_name: format!("P{n}"),
                family_name: "Bench".into(),
                preferred_name: None,
                date_of_birth: None,
                phone: None,
                email: email.clone(),
            },
        }))
    };
    let visit = store
        .check_in(&check_in, &staff, arrived)
        .await
        .expect("check in")
        .visit;
    let ack_at = arrived + Duration::seconds(20 + rng.below(160) as i64);
    store
        .acknowledge(visit.id, &staff, ack_at)
        .await
        .expect("ack");
    if n.is_multiple_of(10) {
        let c = store
            .raise_concern(
                &NewConcern {
                    visit_id: visit.id,
                    text: "Will I need a sick note?".into(),
                    source: ConcernSource::Staff,
                    owner: None,
                    upset: None,
                },
                &staff,
                ack_at,
            )
            .await
            .expect("concern");
        store
            .answer_concern(
                c.id,
                &ConcernAnswer {
                    text: "Yes, the doctor will write one.".into(),
                    sent_anyway_flags: Vec::new(),
                },
                &staff,
                ack_at + Duration::minutes(3),
            )
            .await
            .expect("answer");
    }
    let seen = arrived + Duration::minutes(5 + rng.below(40) as i64);
    for (to, at) in [
        (VisitState::WithProvider, seen),
        (VisitState::Checkout, seen + Duration::minutes(20)),
        (VisitState::Done, seen + Duration::minutes(25)),
    ] {
        store
            .transition(visit.id, to, None, &staff, at)
            .await
            .expect("move");
    }
    let done = seen + Duration::minutes(25);
    if email.is_some() {
        let token = format!("bench-{location}-{n}");
        store
            .send_survey(
                &SendSurvey {
                    visit_id: visit.id,
                    token_hash: token.clone(),
                    expires_at: done + Duration::days(14),
                    address_hashes: vec![format!("addr-{location}-{n}")],
                    messages: Vec::new(),
                },
                done + Duration::hours(2),
            )
            .await
            .expect("survey");
        if n.is_multiple_of(2) {
            let low = n.is_multiple_of(5);
            let answer = SurveyAnswer {
                helpful: if low {
                    Frequency::Sometimes
                } else {
                    Frequency::Always
                },
                courteous: Frequency::Always,
                listened: Frequency::Usually,
                wait_as_promised: !low,
                overall: if low { 4 } else { 9 },
                comment: None,
                contact_me: false,
            };
            let at = done + Duration::hours(5);
            store
                .answer_survey(
                    &AnswerSurvey {
                        token_hash: token,
                        answer,
                        recovery: low.then(|| NewPromise {
                            location: location.into(),
                            visit_id: Some(visit.id),
                            patient_id: None,
                            kind: PromiseKind::ServiceRecovery,
                            owner: None,
                            note: "Call the patient back".into(),
                            due_at: at + Duration::days(1),
                            likely_at: None,
                            suggested_due_at: None,
                            reason: String::new(),
                        }),
                        complaint: None,
                        upset: None,
                    },
                    at,
                )
                .await
                .expect("answer survey");
        }
    }
    if n.is_multiple_of(100) {
        let k = frontdesk_domain::complaint::validate_new(
            "I waited an hour and nobody said why.",
            "desk",
            None,
            None,
            None,
            None,
            None,
        )
        .expect("complaint");
        store
            .create_complaint(
                &NewComplaintRecord {
                    location: location.into(),
                    visit_id: Some(visit.id),
                    complaint: k,
                    owner: None,
                    upset: None,
                },
                &staff,
                done,
            )
            .await
            .expect("complaint");
    }
}

async fn fill(store: &Arc<dyn Store>, location: &str, visits: u64) {
    const WORKERS: u64 = 32;
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let store = store.clone();
        let location = location.to_string();
        tasks.push(tokio::spawn(async move {
            let mut rng = Lcg(w + 1);
            let mut n = w;
            while n < visits {
                one_visit(&store, &location, n, &mut rng).await;
                n += WORKERS;
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let visits = num("--visits", 30_000);
    let runs = num("--runs", 7).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, backend): (Arc<dyn Store>, String) = match arg("--postgres") {
        Some(url) => {
            let schema = format!("bench_scorecard_{}", std::process::id());
            (
                Arc::new(
                    PostgresStore::connect_in_schema(&url, &schema)
                        .await
                        .expect("postgres"),
                ),
                format!("PostgreSQL (schema {schema})"),
            )
        }
        None => (
            Arc::new(
                SqliteStore::open(&dir.path().join("bench.db"))
                    .await
                    .expect("open"),
            ),
            "SQLite".to_string(),
        ),
    };
    for (id, name) in [("main", "Main"), ("north", "North")] {
        store
            .ensure_location(id, name, "America/Chicago")
            .await
            .expect("location");
    }
    store
        .upsert_provider(
            &Provider {
                id: "dr-lee".into(),
                name: "Dr. Lee".into(),
                location: "main".into(),
            },
            &Actor::system(),
            start(),
        )
        .await
        .expect("provider");
    let filling = Instant::now();
    fill(&store, "main", visits).await;
    fill(&store, "north", visits / 10).await;
    println!(
        "filled {backend}: {visits} visits at main and {} at north over 365 days in {:.1} s",
        visits / 10,
        filling.elapsed().as_secs_f64()
    );
    let boss = store
        .create_user(
            &NewUser {
                username: "boss".into(),
                role: Role::Manager,
                password_hash: "-".into(),
                locations: Vec::new(),
            },
            &Actor::system(),
            start(),
        )
        .await
        .expect("user");
    let clock = Arc::new(ManualClock::new(start() + Duration::days(366)));
    let state = AppState::new(store, clock, ServerConfig::default());
    let ask = Ask {
        location: Some("main".into()),
        from: Some("2025-01-01".into()),
        to: Some("2025-12-31".into()),
        by: Some("week".into()),
    };
    let mut times = Vec::new();
    let mut shown = None;
    for _ in 0..runs {
        let t = Instant::now();
        let card = read(&state, &boss, &ask).await.expect("scorecard");
        let body = serde_json::to_string(&ScorecardJson::of(&card)).expect("json");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        shown = Some((card.rules.acknowledge.visits, card.groups.len(), body.len()));
    }
    // Where the time goes: the store's read alone.
    let mut store_times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let from = Utc.with_ymd_and_hms(2025, 1, 1, 6, 0, 0).unwrap();
        state
            .store
            .scorecard_facts("main", from, from + Duration::days(365))
            .await
            .expect("facts");
        store_times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    store_times.sort_by(f64::total_cmp);
    if std::env::args().any(|a| a == "--parts") {
        let from = Utc.with_ymd_and_hms(2025, 1, 1, 6, 0, 0).unwrap();
        let data = state
            .store
            .scorecard_facts("main", from, from + Duration::days(365))
            .await
            .expect("facts");
        let t = Instant::now();
        let r = frontdesk_domain::scorecard::rules(&data.facts, Duration::minutes(2));
        println!(
            "  rules: {:.1} ms ({})",
            t.elapsed().as_secs_f64() * 1000.0,
            r.acknowledge.visits
        );
        let t = Instant::now();
        let g = frontdesk_domain::scorecard::split(
            &data.facts,
            frontdesk_domain::scorecard::By::Week,
            chrono_tz::America::Chicago,
        );
        println!(
            "  split: {:.1} ms ({})",
            t.elapsed().as_secs_f64() * 1000.0,
            g.len()
        );
        let settings = state
            .store
            .complaint_settings("main")
            .await
            .expect("settings");
        let t = Instant::now();
        for k in &data.complaints {
            frontdesk_server::app::complaints::clocks_of(
                k,
                &settings,
                chrono_tz::America::Chicago,
                start() + Duration::days(366),
            );
        }
        println!(
            "  {} complaint clocks: {:.1} ms",
            data.complaints.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    println!(
        "  of which the store's read of the facts: median {:.0} ms",
        store_times[store_times.len() / 2]
    );
    times.sort_by(f64::total_cmp);
    let (n, weeks, bytes) = shown.expect("one run");
    println!(
        "scorecard of main for 2025 by week ({n} visits, {weeks} weeks, {bytes} bytes of JSON) on {backend}: \
         median {:.0} ms, slowest {:.0} ms over {runs} runs (goal: under 500 ms)",
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
