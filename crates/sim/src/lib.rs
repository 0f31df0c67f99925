//! A first, simple generator of a clinic day for `frontdesk demo`.
//!
//! It plans a day as a list of timed steps (arrive, acknowledge, move) that a
//! driver replays against the real server. Parameters follow
//! `shared/RESEARCH.md`: visit lengths lognormal (μ 2.67, σ 0.67 → median
//! ≈ 15 min), patients arriving 10–15 minutes early with a skewed spread, about
//! 10% no-shows for same-week bookings, and walk-ins served by whichever provider
//! frees up first. Staff acknowledge most arrivals within a minute, but a share
//! are left too long, so the board shows overdue and escalated patients.
//!
//! Times are seconds from the start of the day; the driver maps them to clock
//! time. Everything is seeded, so a seed always gives the same day.

pub mod simulate;
pub mod triage;

use frontdesk_domain::VisitState;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone)]
pub struct DayConfig {
    pub seed: u64,
    /// Provider ids; each has a schedule of back-to-back slots.
    pub providers: Vec<String>,
    /// Length of the day in minutes (appointments are booked within it).
    pub day_minutes: u32,
    pub slot_minutes: u32,
    /// Share of booked slots actually filled.
    pub booked_share: f64,
    pub no_show_rate: f64,
    pub walk_ins_per_hour: f64,
    /// Share of arrivals whose first acknowledgement comes late.
    pub late_ack_share: f64,
}

impl Default for DayConfig {
    fn default() -> Self {
        DayConfig {
            seed: 1,
            providers: vec!["dr-lee".into(), "dr-kim".into(), "dr-patel".into()],
            day_minutes: 9 * 60,
            slot_minutes: 20,
            booked_share: 0.85,
            no_show_rate: 0.1,
            walk_ins_per_hour: 2.0,
            late_ack_share: 0.2,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPatient {
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Set for a booked patient; walk-ins have none.
    pub provider: Option<String>,
    /// Appointment id and scheduled time (seconds from day start).
    pub appointment: Option<(String, i64)>,
    pub duration_min: u32,
    pub visit_type: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Arrive,
    Acknowledge,
    Move(VisitState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Seconds from the start of the day (may be negative: early arrivals).
    pub at: i64,
    pub patient: usize,
    pub action: Action,
}

#[derive(Debug, Clone, Default)]
pub struct DayPlan {
    pub patients: Vec<PlannedPatient>,
    /// Sorted by time.
    pub steps: Vec<Step>,
}

const GIVEN: [&str; 24] = [
    "Ana", "Ben", "Chen", "Dalia", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Marta", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Samir", "Tess", "Uma", "Victor",
    "Wen", "Yusuf",
];
const FAMILY: [&str; 20] = [
    "Moreno",
    "Okafor",
    "Nguyen",
    "Schmidt",
    "Haddad",
    "Kowalski",
    "Tanaka",
    "Silva",
    "Novak",
    "Johansson",
    "Mensah",
    "Rossi",
    "Patel",
    "Dubois",
    "Ivanova",
    "Garcia",
    "Murphy",
    "Cohen",
    "Ali",
    "Park",
];
const VISIT_TYPES: [&str; 4] = ["follow-up", "new patient", "annual physical", "sick visit"];

pub(crate) fn normal(rng: &mut StdRng) -> f64 {
    // Box–Muller: two uniforms to one standard normal.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Minutes with the provider: lognormal, μ 2.67, σ 0.67 (mean ≈ 18, median ≈ 15).
pub fn visit_minutes(rng: &mut StdRng) -> f64 {
    (2.67 + 0.67 * normal(rng)).exp().clamp(3.0, 90.0)
}

/// Minutes early (positive) or late (negative) relative to the appointment:
/// mostly 10–15 early, a long tail of late arrivals.
pub fn arrival_offset_minutes(rng: &mut StdRng) -> f64 {
    if rng.gen_bool(0.15) {
        -rng.gen_range(0.0..20.0)
    } else {
        (12.0 + 5.0 * normal(rng)).clamp(0.0, 35.0)
    }
}

fn exponential(rng: &mut StdRng, mean: f64) -> f64 {
    -mean * rng.gen_range(f64::EPSILON..1.0f64).ln()
}

/// Plan a whole day.
pub fn plan_day(cfg: &DayConfig) -> DayPlan {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut plan = DayPlan::default();
    // Every patient of the day gets a different name: a shuffled list of all
    // first/last name pairs, taken in order.
    let mut names: Vec<(usize, usize)> = (0..GIVEN.len())
        .flat_map(|g| (0..FAMILY.len()).map(move |f| (g, f)))
        .collect();
    for i in (1..names.len()).rev() {
        names.swap(i, rng.gen_range(0..=i));
    }
    let mut names = names.into_iter().cycle();
    // (patient, arrival second) for those who come.
    let mut arrivals: Vec<(usize, i64)> = Vec::new();
    let mut next_id = 1000;
    for provider in &cfg.providers {
        let mut slot = 0;
        while slot + cfg.slot_minutes <= cfg.day_minutes {
            let scheduled = i64::from(slot) * 60;
            slot += cfg.slot_minutes;
            if !rng.gen_bool(cfg.booked_share) {
                continue;
            }
            next_id += 1;
            let idx = plan.patients.len();
            let name = names.next().unwrap_or((0, 0));
            plan.patients.push(patient(
                &mut rng,
                name,
                Some(provider.clone()),
                Some((format!("A-{next_id}"), scheduled)),
                cfg.slot_minutes,
            ));
            if rng.gen_bool(cfg.no_show_rate) {
                continue;
            }
            let offset = arrival_offset_minutes(&mut rng);
            arrivals.push((idx, scheduled - (offset * 60.0) as i64));
        }
    }
    // Walk-ins: a Poisson stream over the day.
    if cfg.walk_ins_per_hour > 0.0 {
        let mut t = 0.0;
        loop {
            t += exponential(&mut rng, 60.0 / cfg.walk_ins_per_hour);
            if t >= f64::from(cfg.day_minutes) - 30.0 {
                break;
            }
            let idx = plan.patients.len();
            let name = names.next().unwrap_or((0, 0));
            plan.patients.push(patient(&mut rng, name, None, None, 15));
            arrivals.push((idx, (t * 60.0) as i64));
        }
    }
    arrivals.sort_by_key(|(_, at)| *at);

    // Serve in order of arrival; a booked patient is not seen before their time.
    let mut free_at: Vec<i64> = vec![0; cfg.providers.len()];
    for &(idx, arrived) in &arrivals {
        let p = &plan.patients[idx];
        let (k, earliest) = match &p.provider {
            Some(id) => {
                let k = cfg.providers.iter().position(|x| x == id).unwrap_or(0);
                (
                    k,
                    p.appointment
                        .as_ref()
                        .map_or(arrived, |(_, s)| *s)
                        .max(arrived),
                )
            }
            None => {
                let k = (0..free_at.len()).min_by_key(|&k| free_at[k]).unwrap_or(0);
                (k, arrived)
            }
        };
        let seen = earliest.max(free_at[k]) + rng.gen_range(60..240);
        let service = (visit_minutes(&mut rng) * 60.0) as i64;
        free_at[k] = seen + service;
        let roomed = (seen - rng.gen_range(180..480)).max(arrived + 60);
        let mut push = |at: i64, action: Action| {
            plan.steps.push(Step {
                at,
                patient: idx,
                action,
            })
        };
        push(arrived, Action::Arrive);
        // First acknowledgement: usually within a minute, sometimes far too late.
        let first_ack = if rng.gen_bool(cfg.late_ack_share) {
            arrived + rng.gen_range(150..600)
        } else {
            arrived + rng.gen_range(10..90)
        };
        // A few give up and leave before being seen.
        let leaves = seen - arrived > 50 * 60 && rng.gen_bool(0.3);
        let ack_until = if leaves { arrived + 45 * 60 } else { roomed };
        let mut ack = first_ack;
        while ack < ack_until {
            push(ack, Action::Acknowledge);
            ack += rng.gen_range(600..1100);
        }
        if leaves {
            push(ack_until, Action::Move(VisitState::LeftWithoutBeingSeen));
            continue;
        }
        if roomed < seen {
            push(roomed, Action::Move(VisitState::Roomed));
        }
        push(seen, Action::Move(VisitState::WithProvider));
        let out = seen + service;
        push(out, Action::Move(VisitState::Checkout));
        push(out + rng.gen_range(60..400), Action::Move(VisitState::Done));
    }
    plan.steps.sort_by_key(|s| (s.at, s.patient));
    plan
}

fn patient(
    rng: &mut StdRng,
    (given, family): (usize, usize),
    provider: Option<String>,
    appointment: Option<(String, i64)>,
    duration: u32,
) -> PlannedPatient {
    let year = rng.gen_range(1940..2020);
    PlannedPatient {
        given_name: GIVEN[given].to_string(),
        family_name: FAMILY[family].to_string(),
        date_of_birth: format!(
            "{year}-{:02}-{:02}",
            rng.gen_range(1..=12),
            rng.gen_range(1..=28)
        ),
        provider,
        appointment,
        duration_min: duration,
        visit_type: VISIT_TYPES[rng.gen_range(0..VISIT_TYPES.len())].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_day() {
        let a = plan_day(&DayConfig::default());
        let b = plan_day(&DayConfig::default());
        assert_eq!(a.steps, b.steps);
        assert_eq!(a.patients, b.patients);
        let c = plan_day(&DayConfig {
            seed: 2,
            ..DayConfig::default()
        });
        assert_ne!(a.steps, c.steps);
    }

    #[test]
    fn every_patient_who_comes_follows_allowed_moves() {
        let plan = plan_day(&DayConfig::default());
        let mut state: Vec<Option<VisitState>> = vec![None; plan.patients.len()];
        for s in &plan.steps {
            match s.action {
                Action::Arrive => {
                    assert!(state[s.patient].is_none());
                    state[s.patient] = Some(VisitState::Waiting);
                }
                Action::Acknowledge => assert!(state[s.patient].is_some_and(|st| st.is_present())),
                Action::Move(to) => {
                    let from = state[s.patient].expect("moved before arriving");
                    assert!(from.can_move_to(to), "{from} -> {to}");
                    state[s.patient] = Some(to);
                }
            }
        }
        assert!(
            state.iter().flatten().all(|s| s.is_final()),
            "everyone who came has left by the end"
        );
    }

    #[test]
    fn a_day_has_no_shows_walk_ins_and_late_acknowledgements() {
        let plan = plan_day(&DayConfig::default());
        let came: std::collections::HashSet<usize> = plan
            .steps
            .iter()
            .filter(|s| s.action == Action::Arrive)
            .map(|s| s.patient)
            .collect();
        let booked = plan
            .patients
            .iter()
            .filter(|p| p.appointment.is_some())
            .count();
        let no_shows = plan
            .patients
            .iter()
            .enumerate()
            .filter(|(i, p)| p.appointment.is_some() && !came.contains(i))
            .count();
        let walk_ins = plan
            .patients
            .iter()
            .filter(|p| p.appointment.is_none())
            .count();
        assert!(booked > 40, "{booked}");
        assert!(
            no_shows > 0 && no_shows < booked / 4,
            "{no_shows} of {booked}"
        );
        assert!(walk_ins > 5, "{walk_ins}");
        // Some first acknowledgements come after the two-minute window.
        let late = plan
            .patients
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let arrive = plan
                    .steps
                    .iter()
                    .find(|s| s.patient == *i && s.action == Action::Arrive);
                let ack = plan
                    .steps
                    .iter()
                    .find(|s| s.patient == *i && s.action == Action::Acknowledge);
                matches!((arrive, ack), (Some(a), Some(k)) if k.at - a.at > 120)
            })
            .count();
        assert!(late > 3, "{late}");
    }

    #[test]
    fn every_patient_of_the_day_has_a_different_name() {
        let plan = plan_day(&DayConfig::default());
        let names: std::collections::HashSet<(String, String)> = plan
            .patients
            .iter()
            .map(|p| (p.given_name.clone(), p.family_name.clone()))
            .collect();
        assert_eq!(names.len(), plan.patients.len());
    }

    #[test]
    fn visit_lengths_look_like_primary_care() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut v: Vec<f64> = (0..20_000).map(|_| visit_minutes(&mut rng)).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        let median = v[v.len() / 2];
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!((13.0..17.0).contains(&median), "median {median}");
        assert!((16.0..20.0).contains(&mean), "mean {mean}");
    }
}
