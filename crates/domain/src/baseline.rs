//! Plain methods a wait quote must beat, fed in time order like the engine.
//!
//! A figure for the quote engine means something only beside the best simple
//! alternative measured on the same visits, so the backtest runs these
//! alongside it:
//!
//! - [`RollingMean`]: the mean of the last few waits in the queue, as
//!   waiting rooms post it (a median guess, not a promise);
//! - [`BucketQuantile`]: the chosen quantile of the waits completed in the
//!   last 28 days by patients of the same queue and priority who found about
//!   as many patients waiting (queue length in threes, capped at 24), when
//!   there are at least 20 of them; otherwise the same with a coarser bucket.
//!
//! Both are causal: a wait counts from the moment the patient is seen.

use crate::Timestamp;
use crate::quote::QueueKey;
use chrono::Duration;
use std::collections::{HashMap, VecDeque};

/// Waits (minutes) used before a queue has any: one median visit length.
pub const COLD_WAIT_MIN: f64 = 15.0;

/// The mean of the last `n` waits of each queue.
#[derive(Debug, Clone)]
pub struct RollingMean {
    n: usize,
    waits: HashMap<QueueKey, VecDeque<f64>>,
}

impl RollingMean {
    pub fn new(n: usize) -> RollingMean {
        RollingMean {
            n: n.max(1),
            waits: HashMap::new(),
        }
    }

    /// The predicted wait in minutes ([`COLD_WAIT_MIN`] with no history).
    pub fn predict(&self, queue: &QueueKey) -> f64 {
        self.waits
            .get(queue)
            .filter(|w| !w.is_empty())
            .map_or(COLD_WAIT_MIN, |w| w.iter().sum::<f64>() / w.len() as f64)
    }

    /// A patient of `queue` was seen after waiting `wait_min`.
    pub fn seen(&mut self, queue: &QueueKey, wait_min: f64) {
        let w = self.waits.entry(queue.clone()).or_default();
        w.push_back(wait_min);
        if w.len() > self.n {
            w.pop_front();
        }
    }
}

/// Queue lengths are bucketed in threes, the last bucket 24 and more.
pub fn queue_bucket(waiting: usize) -> usize {
    (waiting / 3).min(8)
}

/// How many completed waits a bucket needs before it is quoted from.
pub const BUCKET_MIN_WAITS: usize = 20;
/// How far back completed waits count.
pub const BUCKET_WINDOW_DAYS: i64 = 28;

/// The bucket a wait is counted in: `None` parts are coarser buckets.
type BucketKey = (QueueKey, Option<Option<u32>>, Option<usize>);

/// Completed waits of one bucket: in completion order (to drop the old ones)
/// and sorted (to read a quantile).
#[derive(Debug, Clone, Default)]
struct Window {
    by_time: VecDeque<(Timestamp, f64)>,
    sorted: Vec<f64>,
}

impl Window {
    fn push(&mut self, at: Timestamp, wait: f64) {
        self.by_time.push_back((at, wait));
        let i = self.sorted.partition_point(|w| *w < wait);
        self.sorted.insert(i, wait);
    }

    fn drop_before(&mut self, since: Timestamp) {
        while let Some(&(at, wait)) = self.by_time.front() {
            if at >= since {
                break;
            }
            self.by_time.pop_front();
            let i = self.sorted.partition_point(|w| *w < wait);
            self.sorted.remove(i);
        }
    }

    /// The `q` quantile (nearest rank, rounding up).
    fn quantile(&self, q: f64) -> Option<f64> {
        if self.sorted.is_empty() {
            return None;
        }
        let rank = ((self.sorted.len() as f64) * q).ceil() as usize;
        Some(self.sorted[rank.clamp(1, self.sorted.len()) - 1])
    }
}

/// The quantile of recent completed waits in the patient's bucket (queue,
/// priority, queue length), falling back to (queue, priority), then the queue.
#[derive(Debug, Clone, Default)]
pub struct BucketQuantile {
    windows: HashMap<BucketKey, Window>,
}

impl BucketQuantile {
    fn keys(queue: &QueueKey, priority: Option<u32>, waiting: usize) -> [BucketKey; 3] {
        [
            (queue.clone(), Some(priority), Some(queue_bucket(waiting))),
            (queue.clone(), Some(priority), None),
            (queue.clone(), None, None),
        ]
    }

    /// The wait in minutes at quantile `q` for a patient arriving `now` who
    /// finds `waiting` patients in the queue ([`COLD_WAIT_MIN`] with no history).
    pub fn predict(
        &mut self,
        queue: &QueueKey,
        priority: Option<u32>,
        waiting: usize,
        q: f64,
        now: Timestamp,
    ) -> f64 {
        let since = now - Duration::days(BUCKET_WINDOW_DAYS);
        let keys = Self::keys(queue, priority, waiting);
        let mut any = None;
        for key in &keys {
            if let Some(w) = self.windows.get_mut(key) {
                w.drop_before(since);
                if w.sorted.len() >= BUCKET_MIN_WAITS {
                    return w.quantile(q).unwrap_or(COLD_WAIT_MIN);
                }
                if any.is_none() {
                    any = w.quantile(q);
                }
            }
        }
        any.unwrap_or(COLD_WAIT_MIN)
    }

    /// A patient who found `waiting` patients on arrival was seen at `at`
    /// after `wait_min` minutes.
    pub fn seen(
        &mut self,
        queue: &QueueKey,
        priority: Option<u32>,
        waiting: usize,
        wait_min: f64,
        at: Timestamp,
    ) {
        for key in Self::keys(queue, priority, waiting) {
            self.windows.entry(key).or_default().push(at, wait_min);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, h: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, day, h, 0, 0).unwrap()
    }

    fn pooled() -> QueueKey {
        QueueKey {
            location: "main".into(),
            provider: None,
        }
    }

    #[test]
    fn the_rolling_mean_uses_the_last_waits_of_the_queue() {
        let mut r = RollingMean::new(5);
        assert_eq!(r.predict(&pooled()), COLD_WAIT_MIN);
        for w in [100.0, 10.0, 20.0, 30.0, 40.0, 50.0] {
            r.seen(&pooled(), w);
        }
        assert_eq!(r.predict(&pooled()), 30.0);
    }

    #[test]
    fn queue_lengths_are_bucketed_in_threes_up_to_24() {
        assert_eq!(queue_bucket(0), 0);
        assert_eq!(queue_bucket(2), 0);
        assert_eq!(queue_bucket(3), 1);
        assert_eq!(queue_bucket(23), 7);
        assert_eq!(queue_bucket(24), 8);
        assert_eq!(queue_bucket(90), 8);
    }

    #[test]
    fn a_full_bucket_quotes_its_own_quantile_else_falls_back() {
        let mut b = BucketQuantile::default();
        // 20 short waits with an empty queue, 10 long ones with a full queue.
        for i in 0..20 {
            b.seen(&pooled(), Some(3), 1, f64::from(i + 1), t(2, 9));
        }
        for _ in 0..10 {
            b.seen(&pooled(), Some(3), 30, 120.0, t(2, 10));
        }
        assert_eq!(b.predict(&pooled(), Some(3), 0, 0.9, t(3, 9)), 18.0);
        // The full-queue bucket has only 10: the priority's 30 waits answer.
        assert_eq!(b.predict(&pooled(), Some(3), 27, 0.9, t(3, 9)), 120.0);
        // Another priority has none of its own: the whole queue answers.
        assert_eq!(b.predict(&pooled(), Some(5), 0, 0.5, t(3, 9)), 15.0);
    }

    #[test]
    fn waits_older_than_28_days_no_longer_count() {
        let mut b = BucketQuantile::default();
        for _ in 0..20 {
            b.seen(&pooled(), None, 0, 90.0, t(1, 9));
        }
        for _ in 0..20 {
            b.seen(&pooled(), None, 0, 10.0, t(20, 9));
        }
        assert_eq!(b.predict(&pooled(), None, 0, 0.9, t(21, 9)), 90.0);
        assert_eq!(b.predict(&pooled(), None, 0, 0.9, t(30, 9)), 10.0);
    }
}
