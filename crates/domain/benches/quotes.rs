//! Quote engine speed: one live quote with a busy lobby, and a backtest of
//! 30,000 visits. Run: `cargo bench -p frontdesk-domain --bench quotes
//! [-- FILE.csv ...]` (visit history CSVs, times in UTC, to replay instead of
//! the built-in one: each prints the engine beside the best baseline and the
//! worst priority and provider with at least 100 seen). For experiments,
//! `FD_WINDOW`, `FD_K`, `FD_ADAPT`, `FD_HOURS` and `FD_ROUND` override the
//! engine's residual window, neighbours, adapt rate, hours per unit of
//! distance and the minutes promises are rounded up to;
//! `FD_BY=priority|provider|queue|hour|visit_type` prints the groups, and
//! `FD_FROM=YYYY-MM-DD` scores only the visits from that day (UTC) on, the
//! earlier ones still replayed as history. "engine at 0.89" is the engine's
//! median slack with all its promises moved, with hindsight, by the minutes
//! that make them keep exactly 0.89: a way to compare two variants of the
//! engine whose kept rates differ a little.

use chrono::{Duration, TimeZone, Utc};
use frontdesk_domain::backtest::{Baseline, GroupBy, backtest_from, by_group, worst_group};
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
    let files: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a.ends_with(".csv"))
        .collect();
    let sets: Vec<(String, Vec<HistoryVisit>)> = if files.is_empty() {
        vec![("synthetic".into(), synthetic(30_000))]
    } else {
        files
            .iter()
            .map(|path| {
                let text = std::fs::read(path).expect("readable file");
                let visits = parse_history_csv(&text, chrono_tz::UTC, &mut |_| {})
                    .expect("a history CSV")
                    .visits;
                (path.clone(), visits)
            })
            .collect()
    };
    for (name, visits) in &sets {
        let started = Instant::now();
        let env = |k: &str, d: usize| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let config = QuoteConfig {
            residual_window: env("FD_WINDOW", QuoteConfig::default().residual_window),
            neighbours: env("FD_K", QuoteConfig::default().neighbours),
            adapt_rate: std::env::var("FD_ADAPT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(QuoteConfig::default().adapt_rate),
            hours_per_unit: std::env::var("FD_HOURS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(QuoteConfig::default().hours_per_unit),
            round_to_min: env("FD_ROUND", QuoteConfig::default().round_to_min as usize) as i64,
            ..QuoteConfig::default()
        };
        // FD_FROM=YYYY-MM-DD: score only visits arriving from that day (UTC) on.
        let from = std::env::var("FD_FROM").ok().map(|d| {
            let day =
                chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").expect("FD_FROM: YYYY-MM-DD");
            day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
        });
        let report = backtest_from(visits, config, chrono_tz::UTC, from, &mut |_| {});
        let elapsed = started.elapsed().as_secs_f64();
        let best = report.best_baseline.map(|b| (b, report.baseline(b)));
        let bucket = report.baseline(Baseline::BucketQuantile);
        let worst = |g: GroupBy| {
            worst_group(&by_group(visits, &report, g, chrono_tz::UTC))
                .map_or("-".to_string(), |w| {
                    format!("{} {:.3}", w.group, w.engine.kept_rate)
                })
        };
        // Diagnostic: the engine's median slack shifted with hindsight to keep exactly 0.89.
        let mut slack: Vec<f64> = report
            .quotes
            .iter()
            .filter(|q| from.is_none_or(|f| q.quoted_at >= f))
            .filter(|q| visits[q.visit].outcome == Outcome::Seen)
            .filter_map(|q| {
                Some((q.promised_by - visits[q.visit].seen_at?).num_seconds() as f64 / 60.0)
            })
            .collect();
        slack.sort_by(|a, b| a.total_cmp(b));
        let at89 = if slack.is_empty() {
            f64::NAN
        } else {
            let pad = -slack[((0.11 * slack.len() as f64) as usize).min(slack.len() - 1)];
            slack[slack.len() / 2] + pad
        };
        println!(
            "backtest: {name}: {} visits in {elapsed:.2} s: engine at 0.89 {at89:.1} | engine kept {:.3} slack {:.1} p90 {:.0} | bucket kept {:.3} slack {:.1} p90 {:.0} | best {} slack {:.1} → ratio {} | worst priority {} provider {}",
            visits.len(),
            report.engine.kept_rate,
            report.engine.slack_median_min,
            report.engine.slack_p90_min,
            bucket.kept_rate,
            bucket.slack_median_min,
            bucket.slack_p90_min,
            best.map_or("none", |b| b.0.as_str()),
            best.map_or(f64::NAN, |b| b.1.slack_median_min),
            best.map_or("-".to_string(), |b| format!(
                "{:.3}",
                report.engine.slack_median_min / b.1.slack_median_min
            )),
            worst(GroupBy::Priority),
            worst(GroupBy::Provider),
        );
        if let Some(g) = std::env::var("FD_BY").ok().and_then(|g| GroupBy::parse(&g)) {
            for r in by_group(visits, &report, g, chrono_tz::UTC) {
                let b = r.baselines[Baseline::BucketQuantile.index()];
                println!(
                    "backtest:   {:<10} {:>6}  engine {:.3} {:>6.1}  bucket {:.3} {:>6.1}",
                    r.group,
                    r.engine.seen,
                    r.engine.kept_rate,
                    r.engine.slack_median_min,
                    b.kept_rate,
                    b.slack_median_min
                );
            }
        }
    }

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
