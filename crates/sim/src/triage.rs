//! An emergency department (or a busy urgent care) open around the clock:
//! triage priorities 1–5 (1 most urgent) seen strictly by priority, then in
//! arrival order, by a pool of clinicians whose number follows the shifts.
//!
//! - arrivals: a Poisson stream whose rate falls to ~2 an hour before dawn,
//!   rises through the morning and peaks in the early evening (~14 an hour),
//!   Mondays 15% busier; queues build in the evening and clear overnight;
//! - priorities in the proportions of a five-level triage: 1% / 12% / 40% /
//!   35% / 12%;
//! - time with a clinician lognormal (median ≈ 25 min; 1.8× for priorities 1–2,
//!   0.7× for 5);
//! - clinicians: 2 overnight, 3 from 07:00, 5 from 11:00 to 23:00;
//! - patients of priority 3–5 leave without being seen when their patience
//!   runs out (exponential: mean 8 h for 3, 5 h for 4 and 5); 1–2 never leave.
//!
//! The queue carries over midnight: days are simulated as one stream.

use crate::normal;
use crate::simulate::{HistoryRow, SimConfig};
use chrono::{Datelike, Duration};
use rand::Rng;
use rand::rngs::StdRng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Arrivals per hour at a local hour of the day (fractional).
pub fn arrival_rate(hour: f64) -> f64 {
    let bump = |centre: f64, width: f64| (-((hour - centre) / width).powi(2)).exp();
    2.0 + 8.0 * bump(11.0, 2.5) + 12.0 * bump(19.0, 2.5)
}

/// Clinicians on duty at a local hour of the day.
pub fn clinicians(hour: f64) -> usize {
    match hour {
        h if h < 7.0 => 2,
        h if h < 11.0 => 3,
        h if h < 23.0 => 5,
        _ => 2,
    }
}

fn priority(rng: &mut StdRng) -> u32 {
    match rng.gen_range(0.0..1.0) {
        x if x < 0.01 => 1,
        x if x < 0.13 => 2,
        x if x < 0.53 => 3,
        x if x < 0.88 => 4,
        _ => 5,
    }
}

fn exponential(rng: &mut StdRng, mean: f64) -> f64 {
    -mean * rng.gen_range(f64::EPSILON..1.0f64).ln()
}

/// Minutes with a clinician for a patient of this priority.
fn treatment_minutes(rng: &mut StdRng, priority: u32) -> f64 {
    let base = (3.2 + 0.6 * normal(rng)).exp().clamp(4.0, 180.0);
    base * match priority {
        1 | 2 => 1.8,
        5 => 0.7,
        _ => 1.0,
    }
}

struct Arrival {
    at: f64,
    priority: u32,
    patience: f64,
}

/// Simulate `cfg.days` whole days (weekends included) of one department.
pub fn triage_days(rng: &mut StdRng, cfg: &SimConfig, rows: &mut Vec<HistoryRow>) {
    let start = cfg.first_day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = f64::from(cfg.days) * 24.0 * 60.0;
    let hour_of = |m: f64| (m / 60.0).rem_euclid(24.0);
    let busier = |m: f64| {
        let day = start + Duration::minutes(m as i64);
        if day.weekday().number_from_monday() == 1 {
            1.15
        } else {
            1.0
        }
    };
    // Arrivals by thinning a Poisson stream at the peak rate.
    let peak = 17.0;
    let mut arrivals = Vec::new();
    let mut t = 0.0;
    loop {
        t += exponential(rng, 60.0 / peak);
        if t >= end {
            break;
        }
        if rng.gen_bool((arrival_rate(hour_of(t)) * busier(t) / peak).min(1.0)) {
            let p = priority(rng);
            let patience = match p {
                1 | 2 => f64::INFINITY,
                3 => exponential(rng, 480.0),
                _ => exponential(rng, 300.0),
            };
            arrivals.push(Arrival {
                at: t,
                priority: p,
                patience,
            });
        }
    }
    // When clinician `k`, free at `t`, can next take a patient: now if on duty,
    // else at the next quarter hour when their shift has started.
    let on_duty_from = |k: usize, t: f64| {
        let mut at = t;
        while clinicians(hour_of(at)) <= k {
            at = (at / 15.0).floor() * 15.0 + 15.0;
        }
        at
    };
    let mut free_at = [0.0f64; 5];
    let mut seen: Vec<Option<(f64, f64)>> = vec![None; arrivals.len()];
    let mut queue: BinaryHeap<Reverse<(u32, usize)>> = BinaryHeap::new();
    let mut next = 0;
    loop {
        let (k, at) = (0..free_at.len())
            .map(|k| (k, on_duty_from(k, free_at[k])))
            .fold(
                (0, f64::INFINITY),
                |best, c| if c.1 < best.1 { c } else { best },
            );
        while next < arrivals.len() && arrivals[next].at <= at {
            queue.push(Reverse((arrivals[next].priority, next)));
            next += 1;
        }
        // The most urgent, longest waiting patient who is still here.
        let mut chosen = None;
        while let Some(Reverse((_, i))) = queue.pop() {
            if arrivals[i].at + arrivals[i].patience > at {
                chosen = Some(i);
                break;
            }
        }
        match chosen {
            Some(i) => {
                let start_at = at + rng.gen_range(0.5..3.0);
                let length = treatment_minutes(rng, arrivals[i].priority);
                seen[i] = Some((start_at, start_at + length));
                free_at[k] = start_at + length;
            }
            None => {
                let Some(a) = arrivals.get(next) else { break };
                // Nobody waiting: every clinician idles until the next arrival.
                for f in free_at.iter_mut() {
                    *f = f.max(a.at);
                }
            }
        }
    }
    let time = |m: f64| start + Duration::milliseconds((m * 60_000.0) as i64);
    for (i, a) in arrivals.iter().enumerate() {
        let (outcome, seen_at, done_at) = match seen[i] {
            Some((s, d)) => ("seen", Some(time(s)), Some(time(d))),
            None => ("left", None, Some(time(a.at + a.patience.min(end - a.at)))),
        };
        rows.push(HistoryRow {
            visit_id: format!("e{}-{i}", time(a.at).format("%Y%m%d")),
            location: "emergency".into(),
            provider: None,
            visit_type: "emergency".into(),
            priority: Some(a.priority),
            scheduled_at: None,
            arrived_at: Some(time(a.at)),
            seen_at,
            done_at,
            outcome,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{Scenario, simulate};
    use chrono::NaiveDate;

    fn week(seed: u64) -> Vec<HistoryRow> {
        simulate(&SimConfig {
            scenario: Scenario::Triage,
            days: 7,
            seed,
            first_day: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        })
    }

    fn wait(r: &HistoryRow) -> Option<f64> {
        Some((r.seen_at? - r.arrived_at?).num_seconds() as f64 / 60.0)
    }

    fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
        v.sort_by(|a, b| a.total_cmp(b));
        v[((v.len() as f64) * q) as usize]
    }

    #[test]
    fn the_most_urgent_are_seen_first_and_the_least_urgent_may_leave() {
        let rows = week(5);
        let by = |p: u32, q: f64| {
            quantile(
                rows.iter()
                    .filter(|r| r.priority == Some(p))
                    .filter_map(wait)
                    .collect(),
                q,
            )
        };
        assert!(by(2, 0.5) < 10.0, "priority 2 median wait {}", by(2, 0.5));
        assert!(by(2, 0.9) < by(3, 0.9) && by(3, 0.9) < by(4, 0.9));
        // The least urgent wait hours on a busy evening.
        assert!(by(4, 0.9) > 60.0, "priority 4: {}", by(4, 0.9));
        let left = |p: u32| {
            rows.iter()
                .filter(|r| r.priority == Some(p) && r.outcome == "left")
                .count()
        };
        assert_eq!(left(1) + left(2), 0, "the most urgent never leave");
        assert!(left(4) > 0);
        for r in &rows {
            if let (Some(a), Some(s)) = (r.arrived_at, r.seen_at) {
                assert!(s >= a);
            }
        }
    }

    #[test]
    fn arrivals_rise_and_fall_through_the_day_and_the_department_never_closes() {
        let rows = week(6);
        let per_hour = |h: u32| {
            rows.iter()
                .filter(|r| {
                    r.arrived_at
                        .is_some_and(|a| chrono::Timelike::hour(&a) == h)
                })
                .count()
        };
        assert!(per_hour(4) > 0, "open at night");
        assert!(
            per_hour(19) > 3 * per_hour(4),
            "{} vs {}",
            per_hour(19),
            per_hour(4)
        );
        assert!(per_hour(11) > 2 * per_hour(4));
        let per_day = rows.len() / 7;
        assert!((100..300).contains(&per_day), "{per_day} a day");
    }

    #[test]
    fn the_same_seed_gives_the_same_department() {
        assert_eq!(week(3), week(3));
        assert_ne!(week(3), week(4));
    }
}
