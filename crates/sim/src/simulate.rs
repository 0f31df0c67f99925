//! `frontdesk simulate`: whole clinic days as visit history, with documented
//! defaults from published figures (see `shared/RESEARCH.md`):
//!
//! - visit length lognormal, μ 2.67, σ 0.67 (mean ≈ 18 min, median ≈ 15);
//! - patients arrive 10–15 minutes early on average, skewed, 15% late;
//! - ~10% no-shows for same-week bookings (23% is the world average; most
//!   practices that remind patients do better);
//! - providers start up to 15 minutes late and run behind as visits overrun;
//! - walk-in arrivals as a Poisson stream whose rate peaks mid-morning and
//!   early evening; priorities like a 5-level triage (1 most urgent);
//! - patients who wait too long leave without being seen (patience ~
//!   exponential, mean 2 h; the most urgent never leave).
//!
//! Everything is seeded: the same seed gives the same days.

use crate::{arrival_offset_minutes, visit_minutes};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use frontdesk_domain::csv_out::text_cell;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Appointment clinic: providers with schedules, a few walk-ins each.
    Clinic,
    /// Pooled walk-in queue with triage priorities (urgent care), 08:00–20:00.
    WalkIn,
    /// An emergency department open around the clock: triage 1–5 seen by
    /// priority, pooled clinicians by shift (see [`crate::triage`]).
    Triage,
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub scenario: Scenario,
    pub days: u32,
    pub seed: u64,
    pub first_day: NaiveDate,
}

/// One row of visit history (times are local, without an offset).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub visit_id: String,
    pub location: String,
    pub provider: Option<String>,
    pub visit_type: String,
    pub priority: Option<u32>,
    pub scheduled_at: Option<NaiveDateTime>,
    pub arrived_at: Option<NaiveDateTime>,
    pub seen_at: Option<NaiveDateTime>,
    pub done_at: Option<NaiveDateTime>,
    pub outcome: &'static str,
}

impl HistoryRow {
    /// The row's cells for the visit history CSV: text cells safe to open in
    /// a spreadsheet ([`text_cell`]), the priority and times as they are.
    pub fn csv_fields(&self) -> [String; 10] {
        let t = |x: &Option<NaiveDateTime>| {
            x.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
                .unwrap_or_default()
        };
        let text = |s: &str| text_cell(s).into_owned();
        [
            text(&self.visit_id),
            text(&self.location),
            text(self.provider.as_deref().unwrap_or_default()),
            text(&self.visit_type),
            self.priority.map(|p| p.to_string()).unwrap_or_default(),
            t(&self.scheduled_at),
            t(&self.arrived_at),
            t(&self.seen_at),
            t(&self.done_at),
            self.outcome.to_string(),
        ]
    }
}

fn minutes(m: f64) -> Duration {
    Duration::milliseconds((m * 60_000.0) as i64)
}

fn exponential(rng: &mut StdRng, mean: f64) -> f64 {
    -mean * rng.gen_range(f64::EPSILON..1.0f64).ln()
}

/// Simulate `days` days (weekends skipped, except in an emergency
/// department, which never closes) and return every visit.
pub fn simulate(cfg: &SimConfig) -> Vec<HistoryRow> {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut rows = Vec::new();
    if cfg.scenario == Scenario::Triage {
        crate::triage::triage_days(&mut rng, cfg, &mut rows);
        return rows;
    }
    let mut day = cfg.first_day;
    let mut done = 0;
    while done < cfg.days {
        use chrono::Datelike;
        if day.weekday().number_from_monday() <= 5 {
            match cfg.scenario {
                Scenario::Clinic => clinic_day(&mut rng, day, &mut rows),
                Scenario::WalkIn => walk_in_day(&mut rng, day, &mut rows),
                Scenario::Triage => {}
            }
            done += 1;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    rows
}

struct Patient {
    scheduled: Option<f64>,
    arrival: Option<f64>,
    patience: f64,
    priority: Option<u32>,
}

/// One provider's day in minutes from opening; returns (seen, done) per patient.
fn serve_provider(
    rng: &mut StdRng,
    patients: &[Patient],
    start_late: f64,
) -> Vec<Option<(f64, f64)>> {
    let mut out = vec![None; patients.len()];
    let mut left = vec![false; patients.len()];
    let mut t = start_late;
    loop {
        // Patients who gave up by now leave.
        for (i, p) in patients.iter().enumerate() {
            if let Some(a) = p.arrival
                && out[i].is_none()
                && a + p.patience <= t
            {
                left[i] = true;
            }
        }
        let waiting =
            |i: usize| out[i].is_none() && !left[i] && patients[i].arrival.is_some_and(|a| a <= t);
        // Booked patients whose time has (nearly) come, earliest appointment first;
        // then walk-ins in arrival order.
        let booked = (0..patients.len())
            .filter(|&i| waiting(i) && patients[i].scheduled.is_some_and(|s| s <= t + 10.0))
            .min_by(|&a, &b| {
                patients[a]
                    .scheduled
                    .unwrap_or(0.0)
                    .total_cmp(&patients[b].scheduled.unwrap_or(0.0))
            });
        let walk_in = || {
            (0..patients.len())
                .filter(|&i| waiting(i) && patients[i].scheduled.is_none())
                .min_by(|&a, &b| {
                    patients[a]
                        .arrival
                        .unwrap_or(0.0)
                        .total_cmp(&patients[b].arrival.unwrap_or(0.0))
                })
        };
        match booked.or_else(walk_in) {
            Some(i) => {
                let seen = t + rng.gen_range(0.5..2.0);
                let length = visit_minutes(rng);
                out[i] = Some((seen, seen + length));
                t = seen + length;
            }
            None => {
                // Nobody ready: wait for the next arrival or appointment time.
                let next = (0..patients.len())
                    .filter(|&i| out[i].is_none() && !left[i])
                    .filter_map(|i| {
                        let p = &patients[i];
                        let a = p.arrival?;
                        Some(if a > t {
                            a
                        } else {
                            p.scheduled.map_or(a, |s| (s - 10.0).max(t + 0.5))
                        })
                    })
                    .fold(f64::INFINITY, f64::min);
                if !next.is_finite() {
                    break;
                }
                t = next.max(t);
            }
        }
    }
    out
}

fn clinic_day(rng: &mut StdRng, day: NaiveDate, rows: &mut Vec<HistoryRow>) {
    let open = day.and_hms_opt(8, 0, 0).unwrap_or_default();
    for (k, provider) in ["dr-lee", "dr-kim", "dr-patel"].iter().enumerate() {
        let slot = [15.0, 20.0, 30.0][k];
        let mut patients = Vec::new();
        let mut s = 0.0;
        while s + slot <= 9.0 * 60.0 {
            if rng.gen_bool(0.9) {
                let arrival = if rng.gen_bool(0.1) {
                    None
                } else {
                    Some(s - arrival_offset_minutes(rng))
                };
                patients.push(Patient {
                    scheduled: Some(s),
                    arrival,
                    patience: exponential(rng, 120.0),
                    priority: None,
                });
            }
            s += slot;
        }
        // A couple of walk-ins per provider and day.
        let mut t = 0.0;
        loop {
            t += exponential(rng, 240.0);
            if t > 8.0 * 60.0 {
                break;
            }
            patients.push(Patient {
                scheduled: None,
                arrival: Some(t),
                patience: exponential(rng, 120.0),
                priority: None,
            });
        }
        let start_late = if rng.gen_bool(0.4) {
            rng.gen_range(0.0..15.0)
        } else {
            0.0
        };
        let served = serve_provider(rng, &patients, start_late);
        for (i, p) in patients.iter().enumerate() {
            let (outcome, seen, done) = match (p.arrival, served[i]) {
                (None, _) => ("no_show", None, None),
                (Some(_), Some((s, d))) => ("seen", Some(s), Some(d)),
                (Some(a), None) => ("left", None, Some(a + p.patience)),
            };
            rows.push(HistoryRow {
                visit_id: format!("c{}-{k}-{i}", day.format("%Y%m%d")),
                location: "clinic".into(),
                provider: Some(provider.to_string()),
                visit_type: if p.scheduled.is_some() {
                    "follow-up".into()
                } else {
                    "walk-in".into()
                },
                priority: p.priority,
                scheduled_at: p.scheduled.map(|m| open + minutes(m)),
                arrived_at: p.arrival.map(|m| open + minutes(m)),
                seen_at: seen.map(|m| open + minutes(m)),
                done_at: done.map(|m| open + minutes(m)),
                outcome,
            });
        }
    }
}

/// Arrivals per hour in a walk-in clinic open 08:00–20:00: a mid-morning
/// and an early-evening peak.
fn walk_in_rate(minute: f64) -> f64 {
    let h = minute / 60.0 + 8.0;
    let bump = |centre: f64, width: f64| (-((h - centre) / width).powi(2)).exp();
    4.0 + 6.0 * bump(10.5, 1.5) + 4.0 * bump(18.0, 1.2)
}

fn walk_in_day(rng: &mut StdRng, day: NaiveDate, rows: &mut Vec<HistoryRow>) {
    let open = day.and_hms_opt(8, 0, 0).unwrap_or_default();
    let close = 12.0 * 60.0;
    // Arrivals by thinning a Poisson process at the peak rate.
    let peak = 11.0;
    let mut arrivals = Vec::new();
    let mut t = 0.0;
    loop {
        t += exponential(rng, 60.0 / peak);
        if t >= close {
            break;
        }
        if rng.gen_bool((walk_in_rate(t) / peak).min(1.0)) {
            let priority = match rng.gen_range(0.0..1.0) {
                x if x < 0.01 => 1,
                x if x < 0.11 => 2,
                x if x < 0.51 => 3,
                x if x < 0.86 => 4,
                _ => 5,
            };
            let patience = if priority <= 2 {
                f64::INFINITY
            } else {
                exponential(rng, 120.0)
            };
            arrivals.push((t, priority, patience));
        }
    }
    // Three clinicians, a fourth during the evening peak.
    let servers = |t: f64| {
        if (9.0 * 60.0..11.5 * 60.0).contains(&t) {
            4
        } else {
            3
        }
    };
    let mut free_at = [0.0f64; 4];
    let mut outcome: Vec<Option<(f64, f64)>> = vec![None; arrivals.len()];
    let mut left = vec![false; arrivals.len()];
    let mut clock = 0.0f64;
    loop {
        let n = servers(clock);
        let (k, free) = free_at[..n]
            .iter()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |best, (k, f)| if *f < best.1 { (k, *f) } else { best },
            );
        clock = clock.max(free);
        for (i, a) in arrivals.iter().enumerate() {
            if outcome[i].is_none() && !left[i] && a.0 + a.2 <= clock {
                left[i] = true;
            }
        }
        let next = (0..arrivals.len())
            .filter(|&i| outcome[i].is_none() && !left[i] && arrivals[i].0 <= clock)
            .min_by(|&a, &b| {
                arrivals[a]
                    .1
                    .cmp(&arrivals[b].1)
                    .then(arrivals[a].0.total_cmp(&arrivals[b].0))
            });
        match next {
            Some(i) => {
                let seen = clock + rng.gen_range(0.5..2.0);
                let length = visit_minutes(rng) * if arrivals[i].1 <= 2 { 1.8 } else { 1.0 };
                outcome[i] = Some((seen, seen + length));
                free_at[k] = seen + length;
            }
            None => {
                let upcoming = arrivals
                    .iter()
                    .enumerate()
                    .filter(|(i, a)| outcome[*i].is_none() && !left[*i] && a.0 > clock)
                    .map(|(_, a)| a.0)
                    .fold(f64::INFINITY, f64::min);
                if !upcoming.is_finite() {
                    break;
                }
                clock = upcoming;
                for f in free_at.iter_mut() {
                    *f = f.max(clock);
                }
            }
        }
    }
    for (i, (a, priority, patience)) in arrivals.iter().enumerate() {
        let (o, seen, done) = match outcome[i] {
            Some((s, d)) => ("seen", Some(s), Some(d)),
            None => (
                "left",
                None,
                Some(if patience.is_finite() {
                    a + patience
                } else {
                    close
                }),
            ),
        };
        rows.push(HistoryRow {
            visit_id: format!("w{}-{i}", day.format("%Y%m%d")),
            location: "urgent-care".into(),
            provider: None,
            visit_type: "walk-in".into(),
            priority: Some(*priority),
            scheduled_at: None,
            arrived_at: Some(open + minutes(*a)),
            seen_at: seen.map(|m| open + minutes(m)),
            done_at: done.map(|m| open + minutes(m)),
            outcome: o,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(scenario: Scenario) -> SimConfig {
        SimConfig {
            scenario,
            days: 5,
            seed: 3,
            first_day: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        }
    }

    #[test]
    fn csv_cells_keep_times_and_numbers_and_neutralise_formulas() {
        let mut row = simulate(&cfg(Scenario::WalkIn))
            .into_iter()
            .find(|r| r.priority.is_some() && r.arrived_at.is_some())
            .unwrap();
        let plain = row.csv_fields();
        assert_eq!(plain[0], row.visit_id, "generated text needs nothing");
        assert_eq!(plain[4], row.priority.unwrap().to_string());
        use chrono::Timelike;
        assert_eq!(
            plain[6].parse::<NaiveDateTime>().ok(),
            row.arrived_at.and_then(|t| t.with_nanosecond(0)),
            "times round-trip (to the second)"
        );
        row.visit_id = "=HYPERLINK(\"https://evil.example\",\"Open\")".into();
        row.visit_type = "@SUM(A1)".into();
        let fields = row.csv_fields();
        assert_eq!(fields[0], format!("'{}", row.visit_id));
        assert_eq!(fields[3], "'@SUM(A1)");
        assert_eq!(fields[4..], plain[4..], "numbers and times unchanged");
    }

    #[test]
    fn a_clinic_week_has_appointments_no_shows_and_lateness() {
        let rows = simulate(&cfg(Scenario::Clinic));
        let booked = rows.iter().filter(|r| r.scheduled_at.is_some()).count();
        let no_shows = rows.iter().filter(|r| r.outcome == "no_show").count();
        assert!(booked > 300, "{booked}");
        let share = no_shows as f64 / booked as f64;
        assert!((0.05..0.16).contains(&share), "{share}");
        for r in &rows {
            if let (Some(a), Some(s)) = (r.arrived_at, r.seen_at) {
                assert!(s >= a, "seen before arriving: {r:?}");
            }
            if let (Some(s), Some(d)) = (r.seen_at, r.done_at) {
                assert!(d >= s);
            }
        }
    }

    #[test]
    fn a_walk_in_week_serves_urgent_patients_first() {
        let rows = simulate(&cfg(Scenario::WalkIn));
        let wait = |p: u32| {
            let w: Vec<f64> = rows
                .iter()
                .filter(|r| r.priority == Some(p) && r.seen_at.is_some())
                .map(|r| (r.seen_at.unwrap() - r.arrived_at.unwrap()).num_seconds() as f64 / 60.0)
                .collect();
            w.iter().sum::<f64>() / w.len().max(1) as f64
        };
        assert!(wait(2) < wait(4), "{} vs {}", wait(2), wait(4));
        assert!(rows.iter().all(|r| r.provider.is_none()));
        assert!(rows.len() > 300);
    }

    #[test]
    fn the_same_seed_gives_the_same_history() {
        assert_eq!(
            simulate(&cfg(Scenario::WalkIn)),
            simulate(&cfg(Scenario::WalkIn))
        );
    }
}
