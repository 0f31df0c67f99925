//! The quote engine: an honest expected time to be seen.
//!
//! For each queue (a provider's patients, or a pooled walk-in queue at a
//! location) the engine keeps the live state of the day — who is waiting and at
//! what priority, how fast patients have been seen lately, how late the
//! provider runs against appointments — and a rolling record of how its own
//! past predictions compared with what happened.
//!
//! A quote is made in two steps:
//! 1. a **point prediction** of the wait, from five signals: the queue ahead
//!    (patients at the same or more urgent priority, divided by the recent
//!    service rate), the whole queue over the same rate (for a queue that is
//!    not, or not only, seen by priority), the waits of the last patients
//!    seen, the usual wait at this hour, and the time until the appointment
//!    plus the provider's current lateness. They are combined on a log scale
//!    by weights learned online from this queue's own history (recursive
//!    least squares with forgetting), starting from "trust the queue ahead";
//! 2. a **calibrated quantile**, conditional on the patient: each group of a
//!    queue — a priority, and within it a visit type when one is given —
//!    keeps its own window of recent (prediction, actual wait) pairs, and the
//!    quote reads the chosen quantile of the residuals of the 50 patients of
//!    the group who stood nearest: nearest prediction and nearest time of day
//!    (grouped, or Mondrian, conformal calibration, local in the prediction
//!    and the hour: see `calibrate.rs`). The residuals are read three ways —
//!    as a ratio to the prediction, as minutes over it, and as the wait
//!    itself — and the quote is a weighted mean of the three: each is a noisy
//!    estimate of the same quantile, and their mean is steadier than any one;
//!    the weights follow how well each has promised for the group so far
//!    (pinball loss), so that a reading that has gone wrong (a point
//!    prediction far off for some patients) counts little. A group that sees
//!    more than 100 patients a day reads proportionally more neighbours (up to
//!    twice as many), so that its neighbourhood spans about as much of the
//!    day as a quieter group's. A group with too few finished waits borrows
//!    its priority's, then the whole queue's. Patients still waiting count too, as "at least this much" (a
//!    Kaplan–Meier estimate), because recently finished waits alone are biased
//!    short. Each group's quantile is then nudged after every promise kept
//!    (down a little) or broken (up a little, the moment it breaks), so that
//!    the share kept in each group tracks the quantile asked for whatever the
//!    rounding or a drift in the flow (adaptive conformal inference). A broken
//!    promise of a patient who then leaves unseen stops counting: like the
//!    kept rate, the quantile is judged on the patients who were seen. With no history yet it falls back to a lognormal spread
//!    (σ 0.67, RESEARCH.md) and a service rate of one patient per 15 minutes
//!    per queue, and says so (`cold_start`).
//!
//! On a cold start more patients ahead never shorten a quote, nor is a more
//! urgent patient quoted later; once calibrated, each priority's quote
//! follows its own patients' history, which is the point.
//!
//! The promised clock time is rounded up to the next 5 minutes, and a booked
//! patient is never promised a time before their appointment. Only what has
//! happened up to the moment of the quote is used: callers feed events in time
//! order.

use crate::Timestamp;
use crate::calibrate::{Neighbours, Place, Residual, pinball};
use chrono::{Duration, Timelike};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Which queue a patient waits in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueKey {
    pub location: String,
    /// `None`: a pooled queue served by whoever is free.
    pub provider: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuoteConfig {
    /// The quantile quoted (0.9: nine in ten are seen by the promised time).
    pub quantile: f64,
    /// How many recent prediction errors each group (priority, visit type) keeps.
    pub residual_window: usize,
    /// How many of a group's errors, those of the patients who stood nearest
    /// (prediction and time of day), calibrate a quote.
    pub neighbours: usize,
    /// How fast a group's quantile moves after each promise kept or broken
    /// (0: never); a group with more than 100 finished waits a day moves in
    /// proportionally smaller steps.
    pub adapt_rate: f64,
    /// How many hours apart in the day count as much as predictions a factor
    /// of e apart, when choosing the patients a quote is calibrated on
    /// (0: the time of day does not matter).
    pub hours_per_unit: f64,

    /// How many recent "seen" events estimate the service rate.
    pub rate_window: usize,
    /// Promised times are rounded up to this many minutes.
    pub round_to_min: i64,
}

impl Default for QuoteConfig {
    fn default() -> Self {
        QuoteConfig {
            quantile: 0.9,
            residual_window: 5000,
            neighbours: 50,
            adapt_rate: 0.02,
            hours_per_unit: 3.0,

            rate_window: 20,
            round_to_min: 5,
        }
    }
}

/// What the engine says about one patient at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    pub quoted_at: Timestamp,
    /// Patients ahead in the queue (same or more urgent priority, arrived earlier).
    pub ahead: usize,
    /// The point prediction of the wait, in minutes.
    pub predicted_min: f64,
    /// The median wait, in minutes: the likely time.
    pub median_min: f64,
    /// The wait at the configured quantile, in minutes.
    pub quantile_min: f64,
    /// Likely time to be seen (start of the range shown to the patient).
    pub likely_by: Timestamp,
    /// The promise: the quantile, rounded up to the next 5 minutes.
    pub promised_by: Timestamp,
    /// True when there was too little history and priors were used.
    pub cold_start: bool,
}

/// Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// The quantiles a location may quote at: below the median a quote is not a
/// promise, and at 1.0 no finite time would do.
pub const LOCATION_QUANTILES: std::ops::RangeInclusive<f64> = 0.5..=0.99;

/// The `q` quantile of a sample (nearest rank, rounding up: conservative).
pub fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let rank = ((values.len() as f64) * q).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

/// Round a time up to the next multiple of `minutes` (unchanged when on one).
pub fn round_up(t: Timestamp, minutes: i64) -> Timestamp {
    let step = minutes.max(1) * 60_000;
    let ms = t.timestamp_millis();
    let rounded = ms.div_euclid(step) * step + if ms.rem_euclid(step) == 0 { 0 } else { step };
    chrono::DateTime::from_timestamp_millis(rounded).unwrap_or(t)
}

/// Below this many errors in the queue, the lognormal prior is used.
const MIN_POOLED: usize = 20;
/// A group with more finished waits a day than this adapts its quantile in
/// proportionally smaller steps.
const ADAPT_DAILY: f64 = 100.0;
/// The most a group's accumulated shift may run either way: beyond what can
/// be read, so that a run of broken promises at the top is not forgotten.
const MAX_SHIFT: f64 = 0.5;
/// How much of a group's past pinball loss is kept at each new patient.
const LOSS_MEMORY: f64 = 0.999;
/// A reading's weight in the quote is (best loss / its loss) to this power.
const BLEND_POWER: f64 = 2.0;
/// A group with more finished waits a day than this reads proportionally
/// more neighbours, up to [`MAX_NEIGHBOUR_FACTOR`] times as many.
const NEIGHBOUR_DAILY: f64 = 100.0;
const MAX_NEIGHBOUR_FACTOR: f64 = 2.0;
/// The highest quantile a quote is read at, however often promises broke:
/// beyond it the few longest waits of the neighbours would set the promise.
const MAX_LEVEL: f64 = 0.97;
/// Below this many errors of its own, a priority is calibrated with the
/// whole queue's.
const MIN_GROUP: usize = 50;
/// A gap this long between patients seen starts a new session (day).
const SESSION_GAP_H: i64 = 4;
/// Cold-start service rate: one patient per 15 minutes (median visit length).
const PRIOR_RATE_PER_MIN: f64 = 1.0 / 15.0;
const PRIOR_SIGMA: f64 = 0.67;

#[derive(Debug, Clone)]
struct Waiting {
    priority: u32,
    /// The visit type, as a number ([`ANY_KIND`] when not given).
    kind: u32,
    arrived_at: Timestamp,
    predicted_min: f64,
    features: [f64; SIGNALS],
    scheduled_at: Option<Timestamp>,
    /// The promise made on arrival, and the quantile it was made at.
    promised_by: Timestamp,
    quantile: f64,
    /// The promise broke while they were still waiting, and the quantile
    /// moved up by this much.
    broken: Option<f64>,
    /// The quantile wait (minutes) each [`Residual`] gave them, to score
    /// the three when they are seen.
    candidates: Option<[f64; 3]>,
}

impl Waiting {
    fn place(&self) -> Place {
        Place {
            predicted: self.predicted_min,
            minute: minute_of_day(self.arrived_at),
        }
    }
}

/// Minutes since midnight (UTC: the same clock for every patient of a site).
fn minute_of_day(t: Timestamp) -> f64 {
    f64::from(t.num_seconds_from_midnight()) / 60.0
}

/// How many signals the point prediction weighs (see [`QuoteEngine::features`]).
const SIGNALS: usize = 6;

/// Online least squares with forgetting: learns how to weigh the signals.
#[derive(Debug, Clone)]
struct Weights {
    theta: [f64; SIGNALS],
    p: [[f64; SIGNALS]; SIGNALS],
}

impl Default for Weights {
    fn default() -> Self {
        // Start by trusting the queue ahead alone.
        let mut p = [[0.0; SIGNALS]; SIGNALS];
        for (i, row) in p.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        let mut theta = [0.0; SIGNALS];
        theta[1] = 1.0;
        Weights { theta, p }
    }
}

const FORGET: f64 = 0.9995;
/// The uncertainty of the weights is kept below this (signals that never
/// vary, or always move together, would otherwise let it grow without end).
const MAX_TRACE: f64 = 1e4;

impl Weights {
    fn predict(&self, x: &[f64; SIGNALS]) -> f64 {
        // The queue signals may not count against the wait: more patients
        // ahead never shorten the prediction.
        self.theta
            .iter()
            .zip(x)
            .enumerate()
            .map(|(i, (t, v))| if i == 1 { t.max(0.0) * v } else { t * v })
            .sum()
    }

    fn learn(&mut self, x: &[f64; SIGNALS], y: f64) {
        let mut px = [0.0; SIGNALS];
        for (i, row) in self.p.iter().enumerate() {
            px[i] = row.iter().zip(x).map(|(a, b)| a * b).sum();
        }
        let denom = FORGET + x.iter().zip(&px).map(|(a, b)| a * b).sum::<f64>();
        if !denom.is_finite() || denom <= 0.0 {
            return;
        }
        let k: Vec<f64> = px.iter().map(|v| v / denom).collect();
        let err = y - self.theta.iter().zip(x).map(|(a, b)| a * b).sum::<f64>();
        for (theta, gain) in self.theta.iter_mut().zip(&k) {
            *theta += gain * err;
        }
        let mut next = [[0.0; SIGNALS]; SIGNALS];
        for (i, row) in next.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (self.p[i][j] - k[i] * px[j]) / FORGET;
            }
        }
        let trace: f64 = (0..SIGNALS).map(|i| next[i][i]).sum();
        if !trace.is_finite() || self.theta.iter().any(|t| !t.is_finite()) {
            *self = Weights::default();
            return;
        }
        if trace > MAX_TRACE {
            for cell in next.iter_mut().flatten() {
                *cell *= MAX_TRACE / trace;
            }
        }
        self.p = next;
    }
}

#[derive(Debug, Clone, Default)]
struct QueueState {
    waiting: HashMap<String, Waiting>,
    by_priority: BTreeMap<u32, usize>,
    /// Times patients were seen in the current session, newest last.
    seen: VecDeque<Timestamp>,
    session_start: Option<Timestamp>,
    /// Rates of finished sessions (patients per minute), for a new session.
    past_rates: VecDeque<f64>,
    session_count: usize,
    /// Recent (predicted, actual) waits of every patient of the queue, and of
    /// each priority apart: what calibrates the quotes.
    pooled: Neighbours,
    /// By (priority, visit type), and by (priority, [`ANY_KIND`]).
    groups: HashMap<(u32, u32), Neighbours>,
    /// How far each group's quantile has been moved so that its promises
    /// are kept as often as asked (see [`QueueState::learn_kept`]).
    shifts: HashMap<(u32, u32), f64>,
    /// Per group, the recent pinball loss of the promises each [`Residual`]
    /// would have made (exponentially weighted).
    losses: HashMap<(u32, u32), [f64; 3]>,
    /// Promises of patients waiting, soonest first, to learn the moment one breaks.
    deadlines: std::collections::BinaryHeap<std::cmp::Reverse<(Timestamp, String)>>,
    /// Waits (minutes) of the last patients seen this session.
    recent_waits: VecDeque<f64>,
    weights: Weights,
    /// Minutes between appointment time and being seen, this session.
    lateness: VecDeque<f64>,
    /// Sum and count of waits by hour of arrival (UTC), over all sessions:
    /// the site's daily rhythm.
    by_hour: [(f64, u32); 24],
}

impl QueueState {
    fn ahead(&self, priority: u32) -> usize {
        self.by_priority.range(..=priority).map(|(_, n)| *n).sum()
    }

    fn rate_per_min(&self, cfg: &QuoteConfig, now: Timestamp) -> (f64, bool) {
        let n = self.seen.len().min(cfg.rate_window);
        // Before the first patient of a new session is seen, the last
        // session's pace says nothing about how fast this one will go: the
        // rate of past sessions does.
        let new_session = self
            .seen
            .back()
            .is_some_and(|&last| now - last > Duration::hours(SESSION_GAP_H));
        if n >= 3 && !new_session {
            let first = self.seen[self.seen.len() - n];
            // Measured up to now, so a stall (nobody seen lately) slows the rate.
            let span = (now - first).num_seconds().max(60) as f64 / 60.0;
            return ((n as f64) / span, false);
        }
        if !self.past_rates.is_empty() {
            let mean = self.past_rates.iter().sum::<f64>() / self.past_rates.len() as f64;
            return (mean, false);
        }
        (PRIOR_RATE_PER_MIN, true)
    }

    fn lateness_min(&self) -> f64 {
        let mut v: Vec<f64> = self.lateness.iter().copied().collect();
        quantile(&mut v, 0.5).unwrap_or(0.0).max(-30.0)
    }

    /// The median and `q`-quantile waits for a patient of `group` predicted
    /// `predicted` minutes, read from the residuals of the recent patients of
    /// the same group who stood nearest (the priority's, or the whole queue's,
    /// while the group has too few), once per [`Residual`] (see
    /// [`QueueState::blend`]). Finished waits
    /// are exact; patients of the group still waiting are "at least" their
    /// wait so far (censored), so a backlog of long waits counts before it
    /// finishes.
    fn calibration(
        &self,
        cfg: &QuoteConfig,
        q: f64,
        group: (u32, u32),
        predicted: f64,
        now: Timestamp,
    ) -> Option<[(f64, f64); 3]> {
        let (priority, kind) = group;
        let big_enough = |key: (u32, u32)| self.groups.get(&key).filter(|g| g.len() >= MIN_GROUP);
        // The patient's own group, else their priority, else the whole queue.
        let (source, kind, own_group) = match big_enough(group) {
            Some(g) => (g, kind, true),
            None => match big_enough((priority, ANY_KIND)) {
                Some(g) => (g, ANY_KIND, true),
                None if self.pooled.len() >= MIN_POOLED => (&self.pooled, ANY_KIND, false),
                None => return None,
            },
        };
        let here = Place {
            predicted,
            minute: minute_of_day(now),
        };
        let q = (q + self.shifts.get(&group).copied().unwrap_or(0.0)).clamp(0.5, MAX_LEVEL);
        // A busy group reads more neighbours, up to twice as many.
        let busy = (source.per_day() as f64 / NEIGHBOUR_DAILY).clamp(1.0, MAX_NEIGHBOUR_FACTOR);
        let k = (cfg.neighbours as f64 * busy).round() as usize;
        let near = source.nearest(&here, k, cfg.hours_per_unit)?;
        // Patients of the group still waiting, near this one: (prediction, elapsed).
        let censored: Vec<(f64, f64)> = self
            .waiting
            .values()
            .filter(|w| {
                (!own_group || (w.priority == priority && (kind == ANY_KIND || w.kind == kind)))
                    && w.arrived_at >= near.since
                    && here.distance(&w.place(), cfg.hours_per_unit) <= near.radius
            })
            .map(|w| {
                let elapsed = (now - w.arrived_at).num_seconds().max(0) as f64 / 60.0;
                (w.predicted_min, elapsed)
            })
            .collect();
        Some(Residual::ALL.map(|r| {
            let mut obs: Vec<(f64, bool)> = near
                .waits
                .iter()
                .map(|(p, a)| (r.of(*p, *a), true))
                .chain(censored.iter().map(|(p, e)| (r.of(*p, *e), false)))
                .collect();
            let median = r.apply(predicted, kaplan_meier_quantile(&mut obs, 0.5));
            let high = r.apply(predicted, kaplan_meier_quantile(&mut obs, q));
            (median, high.max(median))
        }))
    }

    /// The three readings of [`QueueState::calibration`] weighed into one
    /// (median, quantile): each by (lowest loss / its loss)^[`BLEND_POWER`],
    /// its recent pinball loss for the group; equally before any is known.
    fn blend(&self, group: (u32, u32), readings: &[(f64, f64); 3]) -> (f64, f64) {
        let weights = match self.losses.get(&group) {
            Some(losses) if losses.iter().all(|l| *l > 0.0) => {
                let best = losses.iter().copied().fold(f64::INFINITY, f64::min);
                losses.map(|l| (best / l).powf(BLEND_POWER))
            }
            _ => [1.0; 3],
        };
        let total: f64 = weights.iter().sum();
        let mut out = (0.0, 0.0);
        for (w, (median, high)) in weights.iter().zip(readings) {
            out.0 += w * median / total;
            out.1 += w * high / total;
        }
        out
    }

    /// A promise of this priority was kept or broken: move the quantile its
    /// next quotes are read at, up a little after a broken promise and down a
    /// little after a kept one, so that in the long run the share kept is the
    /// quantile asked for, whatever the rounding, the censoring or a drift in
    /// the flow (adaptive conformal inference, per priority).
    /// Returns the step taken. A busy group steps in smaller steps, so that
    /// its quantile moves about as fast per day as a quiet one's.
    fn learn_kept(&mut self, cfg: &QuoteConfig, w: &Waiting, kept: bool) -> f64 {
        let per_day = self
            .groups
            .get(&(w.priority, w.kind))
            .or_else(|| self.groups.get(&(w.priority, ANY_KIND)))
            .map_or(0, |g| g.per_day());
        let rate = cfg.adapt_rate * (ADAPT_DAILY / per_day.max(1) as f64).min(1.0);
        let target = if kept { 1.0 } else { 0.0 };
        let step = rate * (w.quantile - target);
        let shift = self.shifts.entry((w.priority, w.kind)).or_default();
        *shift = (*shift + step).clamp(-MAX_SHIFT, MAX_SHIFT);
        step
    }

    /// A patient left without being seen: a promise of theirs counted as
    /// broken no longer counts, so that each group's quantile is judged, like
    /// the kept rate, on the patients who were seen.
    fn unlearn_broken(&mut self, w: &Waiting) {
        if let Some(step) = w.broken
            && let Some(shift) = self.shifts.get_mut(&(w.priority, w.kind))
        {
            *shift = (*shift - step).clamp(-MAX_SHIFT, MAX_SHIFT);
        }
    }

    /// Count the promises that broke before `now` with the patient still
    /// waiting: a broken promise is known when it breaks, not when the patient
    /// is finally seen (kept ones are known when they are seen, so both are
    /// learned as early as they can be).
    fn expire(&mut self, cfg: &QuoteConfig, now: Timestamp) {
        while let Some(std::cmp::Reverse((due, _))) = self.deadlines.peek() {
            if *due >= now {
                break;
            }
            let Some(std::cmp::Reverse((due, id))) = self.deadlines.pop() else {
                break;
            };
            let Some(w) = self.waiting.get_mut(&id) else {
                continue;
            };
            if w.broken.is_some() || w.promised_by != due {
                continue;
            }
            let w = w.clone();
            let step = self.learn_kept(cfg, &w, false);
            if let Some(w) = self.waiting.get_mut(&id) {
                w.broken = Some(step);
            }
        }
    }

    fn recent_wait(&self) -> Option<f64> {
        if self.recent_waits.is_empty() {
            None
        } else {
            Some(self.recent_waits.iter().sum::<f64>() / self.recent_waits.len() as f64)
        }
    }
}

pub use crate::calibrate::kaplan_meier_quantile;

/// The engine for a whole location (or many): one state per queue.
#[derive(Debug, Clone, Default)]
pub struct QuoteEngine {
    config: QuoteConfig,
    queues: HashMap<QueueKey, QueueState>,
    /// Locations that quote at their own quantile instead of the config's.
    location_quantiles: HashMap<String, f64>,
    /// Visit types seen so far, numbered from 1.
    kinds: HashMap<String, u32>,
}

/// Priority of an untriaged patient: behind every triaged one.
pub const UNTRIAGED: u32 = u32::MAX;
/// The visit type of a patient whose type is not given (and of a group that
/// takes every type).
const ANY_KIND: u32 = 0;

/// What the engine is told about a patient when quoting them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Arrival<'a> {
    /// 1 is most urgent; `None` when not triaged.
    pub priority: Option<u32>,
    pub scheduled_at: Option<Timestamp>,
    /// The visit type (`follow-up`, `walk-in`, a kind of clinician...):
    /// patients of one type are calibrated on their own once there are enough.
    pub visit_type: Option<&'a str>,
}

impl QuoteEngine {
    pub fn new(config: QuoteConfig) -> QuoteEngine {
        QuoteEngine {
            config,
            queues: HashMap::new(),
            location_quantiles: HashMap::new(),
            kinds: HashMap::new(),
        }
    }

    pub fn config(&self) -> QuoteConfig {
        self.config
    }

    /// Quote a location's queues at their own quantile (`None`: the default).
    /// Values outside [`LOCATION_QUANTILES`] are clamped.
    pub fn set_location_quantile(&mut self, location: &str, quantile: Option<f64>) {
        match quantile {
            Some(q) if q.is_finite() => {
                self.location_quantiles.insert(
                    location.to_string(),
                    q.clamp(*LOCATION_QUANTILES.start(), *LOCATION_QUANTILES.end()),
                );
            }
            _ => {
                self.location_quantiles.remove(location);
            }
        }
    }

    /// The quantile a queue is quoted at.
    pub fn quantile_for(&self, queue: &QueueKey) -> f64 {
        self.location_quantiles
            .get(&queue.location)
            .copied()
            .unwrap_or(self.config.quantile)
    }

    /// Quote a patient arriving now, without recording them.
    pub fn quote(
        &self,
        queue: &QueueKey,
        priority: Option<u32>,
        scheduled_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Quote {
        let arrival = Arrival {
            priority,
            scheduled_at,
            visit_type: None,
        };
        self.quote_arrival(queue, &arrival, now)
    }

    fn kind_of(&self, visit_type: Option<&str>) -> u32 {
        visit_type
            .and_then(|t| self.kinds.get(t).copied())
            .unwrap_or(ANY_KIND)
    }

    /// Quote a patient arriving now, told their priority, appointment and
    /// visit type, without recording them.
    pub fn quote_arrival(&self, queue: &QueueKey, arrival: &Arrival<'_>, now: Timestamp) -> Quote {
        self.quote_arrival_with_candidates(queue, arrival, now).0
    }

    fn quote_arrival_with_candidates(
        &self,
        queue: &QueueKey,
        arrival: &Arrival<'_>,
        now: Timestamp,
    ) -> (Quote, Option<[f64; 3]>) {
        let empty = QueueState::default();
        let state = self.queues.get(queue).unwrap_or(&empty);
        let priority = arrival.priority.unwrap_or(UNTRIAGED);
        let ahead = state.ahead(priority);
        self.quote_with_candidates(
            state,
            self.quantile_for(queue),
            (priority, self.kind_of(arrival.visit_type)),
            ahead,
            arrival.scheduled_at,
            now,
        )
    }

    fn quote_with_ahead(
        &self,
        state: &QueueState,
        q: f64,
        group: (u32, u32),
        ahead: usize,
        scheduled_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Quote {
        self.quote_with_candidates(state, q, group, ahead, scheduled_at, now)
            .0
    }

    /// The quote, and the quantile wait each [`Residual`] would have given.
    fn quote_with_candidates(
        &self,
        state: &QueueState,
        q: f64,
        group: (u32, u32),
        ahead: usize,
        scheduled_at: Option<Timestamp>,
        now: Timestamp,
    ) -> (Quote, Option<[f64; 3]>) {
        let cfg = &self.config;
        let (features, cold_rate) = Self::features(state, cfg, ahead, scheduled_at, now);
        let predicted = (state.weights.predict(&features).exp() - 1.0).clamp(0.0, 24.0 * 60.0);
        let calibrated = state.calibration(cfg, q, group, predicted, now);
        let (predicted, median, high) = match &calibrated {
            Some(readings) => {
                let (median, high) = state.blend(group, readings);
                (predicted, median, high)
            }
            // The lognormal prior around the prediction, which is then never
            // before the appointment time plus the provider's lateness.
            None => {
                let predicted = predicted.max(features[5].exp() - 1.0);
                let high = (predicted + 1.0) * (normal_quantile(q) * PRIOR_SIGMA).exp() - 1.0;
                (predicted, predicted, high)
            }
        };
        let cold_errors = calibrated.is_none();
        let candidates = calibrated.map(|c| c.map(|(_, high)| high));
        let minutes = |m: f64| Duration::milliseconds((m * 60_000.0).round() as i64);
        let quote = Quote {
            quoted_at: now,
            ahead,
            predicted_min: predicted,
            median_min: median,
            quantile_min: high,
            likely_by: now + minutes(median),
            // A booked patient is never promised a time before their appointment.
            promised_by: round_up(
                (now + minutes(high)).max(scheduled_at.unwrap_or(now)),
                cfg.round_to_min,
            ),
            cold_start: cold_rate || cold_errors,
        };
        (quote, candidates)
    }

    /// The signals, on a log scale: a constant, the queue ahead (patients as
    /// urgent or more, over the service rate), the recent waits, the usual
    /// wait at this hour of the day, the whole queue over the service rate
    /// (for a queue that is not, or not only, seen by priority), and the time
    /// until the appointment plus the provider's current lateness (0 for a
    /// walk-in; the lateness is negative when the provider runs early).
    fn features(
        state: &QueueState,
        cfg: &QuoteConfig,
        ahead: usize,
        scheduled_at: Option<Timestamp>,
        now: Timestamp,
    ) -> ([f64; SIGNALS], bool) {
        let (rate, cold) = state.rate_per_min(cfg, now);
        let everyone = ((state.waiting.len() as f64 + 1.0) / rate.max(1e-3)).min(24.0 * 60.0);
        let queue = ((ahead as f64 + 1.0) / rate.max(1e-3)).clamp(0.0, 24.0 * 60.0);
        // Minutes until the appointment, with the provider's lateness (0 for a walk-in).
        let appointment = scheduled_at.map_or(0.0, |at| {
            ((at - now).num_seconds() as f64 / 60.0 + state.lateness_min()).clamp(0.0, 24.0 * 60.0)
        });
        let recent = state.recent_wait().unwrap_or(queue.max(appointment));
        let (sum, n) = state.by_hour[now.hour() as usize];
        let usual = if n >= 5 { sum / f64::from(n) } else { recent };
        (
            [
                1.0,
                (queue + 1.0).ln(),
                (recent + 1.0).ln(),
                (usual + 1.0).ln(),
                (everyone + 1.0).ln(),
                (appointment + 1.0).ln(),
            ],
            cold,
        )
    }

    /// A patient arrives: quote them and count them as waiting.
    pub fn arrive(
        &mut self,
        id: &str,
        queue: &QueueKey,
        priority: Option<u32>,
        scheduled_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Quote {
        let arrival = Arrival {
            priority,
            scheduled_at,
            visit_type: None,
        };
        self.arrive_with(id, queue, &arrival, now)
    }

    /// A patient arrives, with their priority, appointment and visit type:
    /// quote them and count them as waiting.
    pub fn arrive_with(
        &mut self,
        id: &str,
        queue: &QueueKey,
        arrival: &Arrival<'_>,
        now: Timestamp,
    ) -> Quote {
        if let Some(t) = arrival.visit_type
            && !self.kinds.contains_key(t)
        {
            let next = self.kinds.len() as u32 + 1;
            self.kinds.insert(t.to_string(), next);
        }
        let cfg = self.config;
        // Promises that broke before now are learned before quoting.
        self.queues
            .entry(queue.clone())
            .or_default()
            .expire(&cfg, now);
        let (quote, candidates) = self.quote_arrival_with_candidates(queue, arrival, now);
        let quantile = self.quantile_for(queue);
        let kind = self.kind_of(arrival.visit_type);
        let state = self.queues.entry(queue.clone()).or_default();
        let priority = arrival.priority.unwrap_or(UNTRIAGED);
        let (features, _) = Self::features(state, &cfg, quote.ahead, arrival.scheduled_at, now);
        let waiting = Waiting {
            priority,
            kind,
            arrived_at: now,
            predicted_min: quote.predicted_min,
            features,
            scheduled_at: arrival.scheduled_at,
            promised_by: quote.promised_by,
            quantile,
            broken: None,
            candidates,
        };
        state
            .deadlines
            .push(std::cmp::Reverse((quote.promised_by, id.to_string())));
        if state.waiting.insert(id.to_string(), waiting).is_none() {
            *state.by_priority.entry(priority).or_default() += 1;
        }
        quote
    }

    fn remove(state: &mut QueueState, id: &str) -> Option<Waiting> {
        let w = state.waiting.remove(id)?;
        if let Some(n) = state.by_priority.get_mut(&w.priority) {
            *n -= 1;
            if *n == 0 {
                state.by_priority.remove(&w.priority);
            }
        }
        Some(w)
    }

    /// A patient is seen: they leave the queue, the service rate and the
    /// calibration learn from them.
    pub fn seen(&mut self, id: &str, queue: &QueueKey, now: Timestamp) {
        let cfg = self.config;
        let state = self.queues.entry(queue.clone()).or_default();
        state.expire(&cfg, now);
        // A long quiet gap closes the session: remember its rate, start afresh.
        if let Some(&last) = state.seen.back()
            && now - last > Duration::hours(SESSION_GAP_H)
        {
            if let Some(start) = state.session_start
                && state.session_count >= 3
            {
                let span = (last - start).num_seconds().max(60) as f64 / 60.0;
                state
                    .past_rates
                    .push_back(state.session_count as f64 / span);
                if state.past_rates.len() > 14 {
                    state.past_rates.pop_front();
                }
            }
            state.seen.clear();
            state.lateness.clear();
            state.recent_waits.clear();
            state.session_start = None;
            state.session_count = 0;
        }
        state.session_start.get_or_insert(now);
        state.session_count += 1;
        state.seen.push_back(now);
        if state.seen.len() > cfg.rate_window {
            state.seen.pop_front();
        }
        if let Some(w) = Self::remove(state, id) {
            let actual = (now - w.arrived_at).num_seconds().max(0) as f64 / 60.0;
            if w.broken.is_none() {
                state.learn_kept(&cfg, &w, now <= w.promised_by);
            }
            if let Some(candidates) = w.candidates {
                let losses = state.losses.entry((w.priority, w.kind)).or_default();
                for (loss, promised) in losses.iter_mut().zip(candidates) {
                    *loss = LOSS_MEMORY * *loss + pinball(w.quantile, promised, actual);
                }
            }
            state
                .pooled
                .push(w.place(), actual, w.arrived_at, cfg.residual_window);
            let mut groups = vec![(w.priority, ANY_KIND)];
            if w.kind != ANY_KIND {
                groups.push((w.priority, w.kind));
            }
            for group in groups {
                state.groups.entry(group).or_default().push(
                    w.place(),
                    actual,
                    w.arrived_at,
                    cfg.residual_window,
                );
            }
            state.weights.learn(&w.features, (actual + 1.0).ln());
            state.recent_waits.push_back(actual);
            let hour = &mut state.by_hour[w.arrived_at.hour() as usize];
            hour.0 += actual;
            hour.1 += 1;
            if state.recent_waits.len() > 20 {
                state.recent_waits.pop_front();
            }
            if let Some(at) = w.scheduled_at {
                state
                    .lateness
                    .push_back((now - at).num_seconds() as f64 / 60.0);
                if state.lateness.len() > 10 {
                    state.lateness.pop_front();
                }
            }
        }
    }

    /// A patient leaves without being seen (or is known to have left).
    pub fn left(&mut self, id: &str, queue: &QueueKey) {
        if let Some(state) = self.queues.get_mut(queue)
            && let Some(w) = Self::remove(state, id)
        {
            state.unlearn_broken(&w);
        }
    }

    /// Re-quote a patient already waiting: only those more urgent, or as
    /// urgent and earlier, are ahead of them. `None` if they are not waiting.
    pub fn requote(&self, id: &str, queue: &QueueKey, now: Timestamp) -> Option<Quote> {
        let state = self.queues.get(queue)?;
        let me = state.waiting.get(id)?;
        let ahead = state
            .waiting
            .iter()
            .filter(|(other, w)| {
                other.as_str() != id
                    && (w.priority < me.priority
                        || (w.priority == me.priority && w.arrived_at < me.arrived_at))
            })
            .count();
        let mut quote = self.quote_with_ahead(
            state,
            self.quantile_for(queue),
            (me.priority, me.kind),
            ahead,
            me.scheduled_at,
            now,
        );
        quote.ahead = ahead;
        Some(quote)
    }

    /// The queues someone is waiting in.
    pub fn queues(&self) -> Vec<QueueKey> {
        self.queues
            .iter()
            .filter(|(_, s)| !s.waiting.is_empty())
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// A copy of the engine with one queue only (and the settings every
    /// queue shares): the same quotes for that queue's patients, worked out
    /// without holding the engine the server shares (a big lobby's re-quotes
    /// take tens of milliseconds; arrivals must not wait for them).
    pub fn queue_copy(&self, queue: &QueueKey) -> QuoteEngine {
        QuoteEngine {
            config: self.config,
            queues: self
                .queues
                .get(queue)
                .map(|s| (queue.clone(), s.clone()))
                .into_iter()
                .collect(),
            location_quantiles: self.location_quantiles.clone(),
            kinds: self.kinds.clone(),
        }
    }

    /// Re-quote the patients of a queue that `wanted` names, in one pass:
    /// who is ahead of whom comes from one sort of the queue, not a walk of
    /// it for each patient. Each quote equals [`QuoteEngine::requote`]'s.
    pub fn requote_queue(
        &self,
        queue: &QueueKey,
        wanted: impl Fn(&str) -> bool,
        now: Timestamp,
    ) -> Vec<(String, Quote)> {
        let Some(state) = self.queues.get(queue) else {
            return Vec::new();
        };
        let mut order: Vec<(&String, &Waiting)> = state.waiting.iter().collect();
        order.sort_by_key(|(_, w)| (w.priority, w.arrived_at));
        let q = self.quantile_for(queue);
        let mut quotes = Vec::new();
        // Ahead of a patient: everyone more urgent, or as urgent and earlier,
        // so the first of a run of equals has as many ahead as the rest.
        let mut ahead = 0;
        for (i, (id, me)) in order.iter().enumerate() {
            if i > 0
                && (order[i - 1].1.priority, order[i - 1].1.arrived_at)
                    != (me.priority, me.arrived_at)
            {
                ahead = i;
            }
            if !wanted(id) {
                continue;
            }
            let mut quote = self.quote_with_ahead(
                state,
                q,
                (me.priority, me.kind),
                ahead,
                me.scheduled_at,
                now,
            );
            quote.ahead = ahead;
            quotes.push(((*id).clone(), quote));
        }
        quotes
    }

    /// Re-quote a waiting patient by id, whichever queue they are in.
    pub fn requote_by_id(&self, id: &str, now: Timestamp) -> Option<Quote> {
        self.queues
            .iter()
            .find(|(_, s)| s.waiting.contains_key(id))
            .and_then(|(k, _)| self.requote(id, k, now))
    }

    /// Forget a patient wherever they wait (they left, or were seen elsewhere).
    pub fn forget(&mut self, id: &str) {
        for state in self.queues.values_mut() {
            if let Some(w) = Self::remove(state, id) {
                state.unlearn_broken(&w);
            }
        }
    }

    /// Whether any patient `wanted` names waits in a queue.
    pub fn waits_any(&self, queue: &QueueKey, wanted: impl Fn(&str) -> bool) -> bool {
        self.queues
            .get(queue)
            .is_some_and(|s| s.waiting.keys().any(|id| wanted(id)))
    }

    /// Patients waiting in a queue.
    pub fn waiting(&self, queue: &QueueKey) -> usize {
        self.queues.get(queue).map_or(0, |s| s.waiting.len())
    }
}

#[cfg(test)]
mod tests;
