//! Conditional calibration for the quote engine.
//!
//! A quote's spread should come from patients like this one, not from the
//! whole lobby: a priority-2 patient whose prediction is five minutes should
//! not be padded by what priority-4 patients with an hour's prediction need.
//! So each group of patients (a triage priority and visit type within a
//! queue) keeps a window of its own recent (prediction, actual wait) pairs,
//! and a quote reads the residuals of the patients of its group who stood
//! nearest: with the nearest predictions, at the nearest time of day —
//! grouped (Mondrian) conformal calibration, local in the prediction and the
//! hour. Patients of the group still waiting count as "at least this much"
//! (Kaplan–Meier). A residual is carried over from a neighbour to this
//! patient in three ways ([`Residual`]); the quote weighs the three by how
//! well each has promised for the group so far.

use crate::Timestamp;
use std::collections::VecDeque;

/// One group's recent predictions and what happened.
#[derive(Debug, Clone, Default)]
pub(crate) struct Neighbours {
    /// (where the patient stood, actual wait, arrived at), oldest first.
    entries: VecDeque<(Place, f64, Timestamp)>,
}

/// How a neighbour's wait says something about this patient's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Residual {
    /// Waits run a multiple of the prediction: `(actual + 1) / (predicted + 1)`.
    Ratio,
    /// Waits run some minutes over the prediction: `actual − predicted`.
    Added,
    /// The neighbours' waits themselves, whatever the prediction.
    Raw,
}

impl Residual {
    pub const ALL: [Residual; 3] = [Residual::Ratio, Residual::Added, Residual::Raw];

    /// The residual of an actual (or elapsed) wait against its prediction;
    /// it grows with the wait, so a lower bound on one bounds the other.
    pub fn of(self, predicted: f64, actual: f64) -> f64 {
        let (p, a) = (predicted.max(0.0), actual.max(0.0));
        match self {
            Residual::Ratio => (a + 1.0) / (p + 1.0),
            Residual::Added => a - p,
            Residual::Raw => a,
        }
    }

    /// The wait, in minutes, a residual gives for this prediction.
    pub fn apply(self, predicted: f64, residual: f64) -> f64 {
        let p = predicted.max(0.0);
        match self {
            Residual::Ratio => (p + 1.0) * residual - 1.0,
            Residual::Added => p + residual,
            Residual::Raw => residual,
        }
        .max(0.0)
    }
}

/// The pinball (quantile) loss of promising `promised` minutes at quantile
/// `q` when the wait was `actual`: the proper score of a quantile forecast.
pub(crate) fn pinball(q: f64, promised: f64, actual: f64) -> f64 {
    if actual > promised {
        q * (actual - promised)
    } else {
        (1.0 - q) * (promised - actual)
    }
}

/// Where a patient stood when quoted: the predicted wait and the time of day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Place {
    pub predicted: f64,
    /// Minutes since midnight.
    pub minute: f64,
}

impl Place {
    /// How unlike two patients were: predictions apart by a factor of e, or
    /// arrivals `hours_per_unit` hours apart in the day (either way round
    /// midnight), count the same.
    pub fn distance(&self, other: &Place, hours_per_unit: f64) -> f64 {
        let by_prediction = ((self.predicted.max(0.0) + 1.0) / (other.predicted.max(0.0) + 1.0))
            .ln()
            .abs();
        let apart = (self.minute - other.minute).abs();
        let by_time = apart.min(24.0 * 60.0 - apart) / 60.0;
        if hours_per_unit > 0.0 {
            by_prediction + by_time / hours_per_unit
        } else {
            by_prediction
        }
    }
}

/// The nearest neighbours: their (predicted, actual) waits, how far the
/// farthest was and the earliest arrival among them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Nearest {
    pub waits: Vec<(f64, f64)>,
    pub radius: f64,
    pub since: Timestamp,
}

impl Neighbours {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many of the group arrived in the day before the newest did.
    pub fn per_day(&self) -> usize {
        let Some(newest) = self.entries.back().map(|e| e.2) else {
            return 0;
        };
        let since = newest - chrono::Duration::days(1);
        self.entries
            .iter()
            .rev()
            .take_while(|e| e.2 > since)
            .count()
    }

    /// Add a finished wait; the oldest goes once there are `capacity`.
    pub fn push(&mut self, at: Place, actual: f64, arrived_at: Timestamp, capacity: usize) {
        self.entries.push_back((at, actual, arrived_at));
        while self.entries.len() > capacity.max(1) {
            self.entries.pop_front();
        }
    }

    /// The `k` patients nearest `at` (all of them when there are fewer).
    pub fn nearest(&self, at: &Place, k: usize, hours_per_unit: f64) -> Option<Nearest> {
        if self.entries.is_empty() {
            return None;
        }
        let mut by_distance: Vec<(f64, usize)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (at.distance(&e.0, hours_per_unit), i))
            .collect();
        let k = k.clamp(1, by_distance.len());
        by_distance.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        let chosen = &by_distance[..k];
        Some(Nearest {
            waits: chosen
                .iter()
                .map(|(_, i)| (self.entries[*i].0.predicted, self.entries[*i].1))
                .collect(),
            radius: chosen.iter().map(|(d, _)| *d).fold(0.0, f64::max),
            since: chosen
                .iter()
                .map(|(_, i)| self.entries[*i].2)
                .min()
                .unwrap_or(self.entries[0].2),
        })
    }
}

/// The `q` quantile of a distribution seen through exact values (`true`) and
/// lower bounds (`false`), by the Kaplan–Meier product-limit estimate. When
/// lower bounds leave the tail unknown, the largest value seen is used.
pub fn kaplan_meier_quantile(obs: &mut [(f64, bool)], q: f64) -> f64 {
    obs.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let n = obs.len();
    let mut survival = 1.0;
    let mut i = 0;
    while i < n {
        let value = obs[i].0;
        let at_risk = (n - i) as f64;
        let mut events = 0.0;
        let mut j = i;
        while j < n && obs[j].0 == value {
            if obs[j].1 {
                events += 1.0;
            }
            j += 1;
        }
        if events > 0.0 {
            survival *= 1.0 - events / at_risk;
            if survival <= 1.0 - q + 1e-12 {
                return value;
            }
        }
        i = j;
    }
    obs.last().map_or(1.0, |o| o.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(m: i64) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, 5, 8, 0, 0).unwrap() + chrono::Duration::minutes(m)
    }

    #[test]
    fn kaplan_meier_counts_patients_still_waiting() {
        let mut exact: Vec<(f64, bool)> = (1..=10).map(|v| (f64::from(v), true)).collect();
        assert_eq!(kaplan_meier_quantile(&mut exact, 0.5), 5.0);
        assert_eq!(kaplan_meier_quantile(&mut exact, 0.9), 9.0);
        // Ten more still waiting beyond 8: the upper tail moves out.
        let mut with_waiting = exact.clone();
        with_waiting.extend((0..10).map(|_| (8.5, false)));
        assert!(kaplan_meier_quantile(&mut with_waiting, 0.9) >= 10.0);
    }

    fn place(predicted: f64, hour: f64) -> Place {
        Place {
            predicted,
            minute: hour * 60.0,
        }
    }

    #[test]
    fn the_nearest_predictions_answer_on_a_log_scale() {
        let mut n = Neighbours::default();
        for p in [1.0, 5.0, 10.0, 20.0, 40.0, 80.0] {
            n.push(place(p, 9.0), p * 2.0, t(0), 100);
        }
        let near = n.nearest(&place(18.0, 9.0), 2, 0.0).unwrap();
        let mut r = near.waits.clone();
        r.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(r, [(10.0, 20.0), (20.0, 40.0)]);
        // 40 is nearer 25 than 10 is on a log scale (ln 41/26 < ln 26/11).
        let near = n.nearest(&place(25.0, 9.0), 2, 0.0).unwrap();
        assert!(near.waits.contains(&(40.0, 80.0)));
        assert_eq!(n.nearest(&place(0.0, 9.0), 10, 0.0).unwrap().waits.len(), 6);
    }

    #[test]
    fn the_time_of_day_counts_too_and_wraps_round_midnight() {
        let a = place(10.0, 23.5);
        assert!((a.distance(&place(10.0, 0.5), 3.0) - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(a.distance(&place(10.0, 0.5), 0.0), 0.0);
        let mut n = Neighbours::default();
        // Mornings ran long, afternoons short, with the same predictions.
        for i in 0..20u32 {
            let spread = f64::from(i % 3) * 0.2;
            n.push(place(20.0, 8.0 + spread), 60.0, t(i64::from(i)), 100);
            n.push(place(20.0, 15.0 + spread), 10.0, t(i64::from(i)), 100);
        }
        let morning = n.nearest(&place(20.0, 8.5), 20, 3.0).unwrap();
        assert!(morning.waits.iter().all(|w| w.1 == 60.0));
    }

    #[test]
    fn residuals_carry_a_wait_over_three_ways() {
        for r in Residual::ALL {
            // A residual applied to its own prediction gives the wait back.
            assert!(
                (r.apply(20.0, r.of(20.0, 35.0)) - 35.0).abs() < 1e-9,
                "{r:?}"
            );
        }
        // A neighbour predicted 10 who waited 21, for a patient predicted 32.
        assert_eq!(
            Residual::Ratio.apply(32.0, Residual::Ratio.of(10.0, 21.0)),
            65.0
        );
        assert_eq!(
            Residual::Added.apply(32.0, Residual::Added.of(10.0, 21.0)),
            43.0
        );
        assert_eq!(
            Residual::Raw.apply(32.0, Residual::Raw.of(10.0, 21.0)),
            21.0
        );
        assert_eq!(Residual::Added.apply(5.0, -20.0), 0.0, "never negative");
    }

    #[test]
    fn the_pinball_loss_charges_a_broken_promise_more_at_a_high_quantile() {
        assert!((pinball(0.9, 10.0, 20.0) - 9.0).abs() < 1e-9);
        assert!((pinball(0.9, 30.0, 20.0) - 1.0).abs() < 1e-9);
        assert_eq!(pinball(0.9, 20.0, 20.0), 0.0);
    }

    #[test]
    fn a_group_counts_its_patients_of_the_last_day() {
        let mut n = Neighbours::default();
        assert_eq!(n.per_day(), 0);
        for h in 0..30 {
            n.push(place(10.0, 9.0), 5.0, t(h * 60), 100);
        }
        // Arrivals at hours 6..=29 are within a day of the newest (hour 29).
        assert_eq!(n.per_day(), 24);
    }

    #[test]
    fn the_window_keeps_only_the_newest() {
        let mut n = Neighbours::default();
        for i in 0..10 {
            n.push(place(f64::from(i), 9.0), 100.0, t(i64::from(i)), 4);
        }
        assert_eq!(n.len(), 4);
        let all = n.nearest(&place(0.0, 9.0), 10, 0.0).unwrap();
        assert_eq!(all.waits.len(), 4);
        assert_eq!(all.since, t(6));
    }
}
