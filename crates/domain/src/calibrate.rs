//! Conditional calibration for the quote engine.
//!
//! A quote's spread should come from patients like this one, not from the
//! whole lobby: a priority-2 patient whose prediction is five minutes should
//! not be padded by what priority-4 patients with an hour's prediction need.
//! So each group of patients (a triage priority within a queue) keeps a
//! window of its own recent (prediction, actual wait) pairs, sorted by
//! prediction, and a quote reads the ratios `(actual + 1) / (predicted + 1)`
//! of the patients of its group whose predictions were nearest its own —
//! grouped (Mondrian) conformal calibration, local in the prediction. Patients
//! of the group still waiting count as "at least this much" (Kaplan–Meier).

use crate::Timestamp;
use std::collections::VecDeque;

/// One group's recent predictions and what happened.
#[derive(Debug, Clone, Default)]
pub(crate) struct Neighbours {
    /// (predicted, ratio, arrived at), oldest first.
    by_time: VecDeque<(f64, f64, Timestamp)>,
    /// (predicted, ratio, arrived at), by prediction.
    sorted: Vec<(f64, f64, Timestamp)>,
}

/// The ratio of an actual (or elapsed) wait to its prediction.
pub(crate) fn ratio(predicted: f64, actual: f64) -> f64 {
    (actual.max(0.0) + 1.0) / (predicted.max(0.0) + 1.0)
}

/// What the nearest neighbours say: their ratios, the predictions they span
/// and the earliest arrival among them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Nearest {
    pub ratios: Vec<f64>,
    pub low: f64,
    pub high: f64,
    pub since: Timestamp,
}

impl Neighbours {
    pub fn len(&self) -> usize {
        self.by_time.len()
    }

    /// Add a finished wait; the oldest goes once there are `capacity`.
    pub fn push(&mut self, predicted: f64, actual: f64, arrived_at: Timestamp, capacity: usize) {
        let entry = (predicted, ratio(predicted, actual), arrived_at);
        self.by_time.push_back(entry);
        let i = self.sorted.partition_point(|e| e.0 < predicted);
        self.sorted.insert(i, entry);
        while self.by_time.len() > capacity.max(1) {
            let Some(old) = self.by_time.pop_front() else {
                break;
            };
            let from = self.sorted.partition_point(|e| e.0 < old.0);
            if let Some(k) = self.sorted[from..].iter().position(|e| *e == old) {
                self.sorted.remove(from + k);
            }
        }
    }

    /// The `k` entries whose predictions are nearest `predicted` on a log
    /// scale (all of them when there are fewer).
    pub fn nearest(&self, predicted: f64, k: usize) -> Option<Nearest> {
        let n = self.sorted.len();
        if n == 0 {
            return None;
        }
        let key = |p: f64| (p.max(0.0) + 1.0).ln();
        let target = key(predicted);
        let k = k.clamp(1, n);
        let mut right = self.sorted.partition_point(|e| e.0 < predicted);
        let mut left = right;
        while right - left < k {
            let take_left = match (left > 0, right < n) {
                (true, true) => {
                    target - key(self.sorted[left - 1].0) <= key(self.sorted[right].0) - target
                }
                (true, false) => true,
                _ => false,
            };
            if take_left {
                left -= 1;
            } else {
                right += 1;
            }
        }
        let chosen = &self.sorted[left..right];
        Some(Nearest {
            ratios: chosen.iter().map(|e| e.1).collect(),
            low: chosen[0].0,
            high: chosen[chosen.len() - 1].0,
            since: chosen.iter().map(|e| e.2).min().unwrap_or(chosen[0].2),
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

    #[test]
    fn the_nearest_predictions_answer_on_a_log_scale() {
        let mut n = Neighbours::default();
        for p in [1.0, 5.0, 10.0, 20.0, 40.0, 80.0] {
            n.push(p, p * 2.0, t(0), 100);
        }
        let near = n.nearest(18.0, 2).unwrap();
        assert_eq!((near.low, near.high), (10.0, 20.0));
        // 40 is nearer 25 than 10 is in minutes, but not on a log scale... both
        // are about as far: ln 41/26 = 0.46, ln 26/11 = 0.86.
        let near = n.nearest(25.0, 2).unwrap();
        assert_eq!((near.low, near.high), (20.0, 40.0));
        assert_eq!(n.nearest(1000.0, 3).unwrap().low, 20.0);
        assert_eq!(n.nearest(0.0, 10).unwrap().ratios.len(), 6);
    }

    #[test]
    fn the_window_keeps_only_the_newest() {
        let mut n = Neighbours::default();
        for i in 0..10 {
            n.push(f64::from(i), 100.0, t(i64::from(i)), 4);
        }
        assert_eq!(n.len(), 4);
        let all = n.nearest(0.0, 10).unwrap();
        assert_eq!((all.low, all.high), (6.0, 9.0));
        assert_eq!(all.since, t(6));
    }
}
