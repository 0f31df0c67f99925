//! Quote engine speed: one live quote with a busy lobby, and a backtest of
//! 30,000 visits. Run: `cargo bench -p frontdesk-domain --bench quotes
//! [-- FILE.csv]` (a visit history CSV to replay instead of the built-in one).

use chrono::{Duration, TimeZone, Utc};
use frontdesk_domain::backtest::backtest;
use frontdesk_domain::history::{HistoryVisit, Outcome, TimeForm, parse_history_csv};
use frontdesk_domain::quote::{QueueKey, QuoteConfig, QuoteEngine};
use std::time::Instant;

/// A steady synthetic history: 30,000 visits, one pooled queue, 4 servers.
fn synthetic(n: usize) -> Vec<HistoryVisit> {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    let mut seed = 11u64;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let mut free = [0.0f64; 4];
    let mut t = 0.0f64;
    (0..n)
        .map(|i| {
            t += -4.5 * (1.0 - uniform()).ln();
            let k = (0..4)
                .min_by(|a, b| free[*a].total_cmp(&free[*b]))
                .unwrap_or(0);
            let seen = free[k].max(t);
            free[k] = seen - 16.0 * (1.0 - uniform()).ln();
            let at = |m: f64| start + Duration::milliseconds((m * 60_000.0) as i64);
            HistoryVisit {
                visit_id: format!("v{i}"),
                location: "main".into(),
                provider: None,
                visit_type: None,
                priority: Some(1 + (uniform() * 5.0) as u32),
                scheduled_at: None,
                arrived_at: Some(at(t)),
                arrived_text: String::new(),
                time_form: TimeForm::Local(chrono_tz::UTC),
                seen_at: Some(at(seen)),
                done_at: None,
                outcome: Outcome::Seen,
                line: i as u64 + 2,
            }
        })
        .collect()
}

fn main() {
    let visits = match std::env::args().skip(1).find(|a| a.ends_with(".csv")) {
        Some(path) => {
            let text = std::fs::read(&path).expect("readable file");
            parse_history_csv(&text, chrono_tz::UTC, &mut |_| {})
                .expect("a history CSV")
                .visits
        }
        None => synthetic(30_000),
    };
    let started = Instant::now();
    let report = backtest(&visits, QuoteConfig::default(), chrono_tz::UTC, &mut |_| {});
    println!(
        "backtest: {} visits in {:.2} s (kept {:.1}%)",
        visits.len(),
        started.elapsed().as_secs_f64(),
        report.engine.kept_rate * 100.0
    );

    // A live quote with 200 patients waiting and a full calibration window.
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let queue = QueueKey {
        location: "main".into(),
        provider: None,
    };
    let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    for i in 0..600 {
        engine.arrive(
            &format!("old{i}"),
            &queue,
            Some(3),
            None,
            t0 + Duration::seconds(i * 30),
        );
        engine.seen(
            &format!("old{i}"),
            &queue,
            t0 + Duration::seconds(i * 30 + 900),
        );
    }
    let now = t0 + Duration::hours(6);
    for i in 0..200 {
        engine.arrive(
            &format!("w{i}"),
            &queue,
            Some(1 + (i % 5) as u32),
            None,
            now - Duration::seconds(200 - i),
        );
    }
    let mut times = Vec::with_capacity(10_000);
    for i in 0..10_000u32 {
        let t = Instant::now();
        // A new second each time, so the calibration is worked out afresh
        // (within one second it is reused): the worst case.
        let q = engine.quote(
            &queue,
            Some(1 + i % 5),
            None,
            now + Duration::seconds(i64::from(i)),
        );
        std::hint::black_box(q);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "live quote with 200 waiting (calibration worked out afresh): p50 {:.0} µs, p99 {:.0} µs",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}
