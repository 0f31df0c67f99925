//! Backtest: replay a visit history in time order, quote every arrival with
//! only what was known at that moment, and measure how honest the quotes were
//! beside plain baselines computed in the same run.
//!
//! What is known when: scheduled times of appointments (always); arrivals,
//! `seen_at` and `done_at` once they have happened. A visit that left without
//! a `done_at` is known to have left at the end of its day. Events at the same
//! instant as a quote are not used by it, so nothing that happens at or after
//! `quoted_at` can change the quote.
//!
//! The engine's figure is judged against the best baseline: the one with the
//! smallest median slack among those that keep at least `quantile − 0.02` of
//! their promises (a tighter promise that breaks more often is no promise).

use crate::Timestamp;
use crate::baseline::{BucketQuantile, RollingMean, queue_bucket};
use crate::history::{HistoryVisit, Outcome};
use crate::quote::{Arrival, QueueKey, QuoteConfig, QuoteEngine, quantile};
use chrono::{Duration, Timelike};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};

/// How many recent waits the rolling mean averages.
pub const ROLLING_MEAN_WAITS: usize = 5;
/// A baseline counts as a promise when it keeps at least the quantile minus this.
pub const BASELINE_KEPT_TOLERANCE: f64 = 0.02;
/// Groups smaller than this are shown but not judged.
pub const GROUP_MIN_SEEN: usize = 100;

/// The baselines, in the order they are stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Baseline {
    /// The appointment time (walk-ins: the arrival time).
    Scheduled,
    /// Arrival + mean of the last five waits in the queue.
    RollingMean,
    /// The rolling mean shifted by the whole number of minutes that keeps as
    /// many promises as the engine did (chosen with hindsight: the fair comparison
    /// for slack).
    RollingMeanPadded,
    /// The quantile of recent waits in the same queue, priority and
    /// queue-length bucket ([`BucketQuantile`]).
    BucketQuantile,
    /// The bucket quantile shifted by the whole number of minutes (either
    /// way) that keeps as many promises as the engine did, with hindsight.
    BucketQuantilePadded,
}

impl Baseline {
    pub const ALL: [Baseline; 5] = [
        Baseline::Scheduled,
        Baseline::RollingMean,
        Baseline::RollingMeanPadded,
        Baseline::BucketQuantile,
        Baseline::BucketQuantilePadded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Baseline::Scheduled => "scheduled",
            Baseline::RollingMean => "rolling_mean",
            Baseline::RollingMeanPadded => "rolling_mean_padded",
            Baseline::BucketQuantile => "bucket_quantile",
            Baseline::BucketQuantilePadded => "bucket_quantile_padded",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Baseline::Scheduled => 0,
            Baseline::RollingMean => 1,
            Baseline::RollingMeanPadded => 2,
            Baseline::BucketQuantile => 3,
            Baseline::BucketQuantilePadded => 4,
        }
    }
}

/// One quote made during the replay, with the baselines' promises beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteRow {
    /// Index into the visits given.
    pub visit: usize,
    pub quoted_at: Timestamp,
    pub promised_by: Timestamp,
    /// Patients waiting in the same queue when this one arrived.
    pub waiting: usize,
    /// Each baseline's promise, in [`Baseline::ALL`] order.
    pub baselines: [Timestamp; 5],
}

/// How a set of promises fared against what happened.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Visits seen (the kept rate's population).
    pub seen: usize,
    pub kept_rate: f64,
    /// Promise minus actual time seen, in minutes.
    pub slack_median_min: f64,
    pub slack_p90_min: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub quotes: Vec<QuoteRow>,
    pub engine: Scores,
    /// In [`Baseline::ALL`] order.
    pub baselines: [Scores; 5],
    pub rolling_mean_pad_min: i64,
    pub bucket_quantile_pad_min: i64,
    /// The baseline the engine is judged against (see the module's doc).
    pub best_baseline: Option<Baseline>,
    /// Quotes made while the engine still used its priors.
    pub cold_start_quotes: usize,
    /// Only visits that arrived at or after this were scored.
    pub scored_from: Option<Timestamp>,
}

impl Report {
    pub fn baseline(&self, b: Baseline) -> Scores {
        self.baselines[b.index()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    // At the same instant the quote comes first: it may not use what
    // happens then.
    Arrive,
    Seen,
    Left,
}

fn queue_of(v: &HistoryVisit) -> QueueKey {
    QueueKey {
        location: v.location.clone(),
        provider: v.provider.clone(),
    }
}

/// End of the local day on which `t` falls.
fn end_of_day(t: Timestamp, zone: Tz) -> Timestamp {
    let local = t.with_timezone(&zone).date_naive();
    local
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| d.and_local_timezone(zone).earliest())
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or(t + Duration::days(1))
}

fn minutes(m: f64) -> Duration {
    Duration::milliseconds((m * 60_000.0).round() as i64)
}

/// Score promises (by visit index) against the visits that were seen.
pub fn score(visits: &[HistoryVisit], promised: &[(usize, Timestamp)]) -> Scores {
    let mut slack = Vec::new();
    let mut kept = 0usize;
    for (i, by) in promised {
        let v = &visits[*i];
        if v.outcome != Outcome::Seen {
            continue;
        }
        let Some(seen) = v.seen_at else { continue };
        if seen <= *by {
            kept += 1;
        }
        slack.push((*by - seen).num_seconds() as f64 / 60.0);
    }
    let n = slack.len();
    Scores {
        seen: n,
        kept_rate: if n == 0 { 0.0 } else { kept as f64 / n as f64 },
        slack_median_min: quantile(&mut slack, 0.5).unwrap_or(0.0),
        slack_p90_min: quantile(&mut slack, 0.9).unwrap_or(0.0),
    }
}

/// The engine's and every baseline's scores over some of the quotes.
fn score_rows(visits: &[HistoryVisit], rows: &[&QuoteRow]) -> (Scores, [Scores; 5]) {
    let engine: Vec<(usize, Timestamp)> = rows.iter().map(|q| (q.visit, q.promised_by)).collect();
    let baselines = Baseline::ALL.map(|b| {
        let promised: Vec<(usize, Timestamp)> = rows
            .iter()
            .map(|q| (q.visit, q.baselines[b.index()]))
            .collect();
        score(visits, &promised)
    });
    (score(visits, &engine), baselines)
}

/// The smallest whole number of minutes (possibly negative) to add to a
/// baseline's promises so that at least `kept_rate` of the scored visits
/// seen would have been kept: the pad chosen with hindsight.
fn pad_to_keep(visits: &[HistoryVisit], rows: &[&QuoteRow], b: Baseline, kept_rate: f64) -> i64 {
    // Seconds each promise would have had to move to be kept.
    let mut late: Vec<i64> = rows
        .iter()
        .filter(|q| visits[q.visit].outcome == Outcome::Seen)
        .filter_map(|q| Some((visits[q.visit].seen_at? - q.baselines[b.index()]).num_seconds()))
        .collect();
    if late.is_empty() {
        return 0;
    }
    late.sort_unstable();
    let need = ((kept_rate * late.len() as f64) - 1e-9).ceil().max(0.0) as usize;
    if need == 0 {
        return 0;
    }
    let at = late[need.min(late.len()) - 1];
    // Whole minutes, rounding up so that the promise is kept.
    at.div_euclid(60) + i64::from(at.rem_euclid(60) != 0)
}

/// The baseline with the smallest median slack among those that keep at
/// least `quantile − BASELINE_KEPT_TOLERANCE`.
pub fn best_baseline(baselines: &[Scores; 5], quantile: f64) -> Option<Baseline> {
    Baseline::ALL
        .into_iter()
        .filter(|b| {
            let s = baselines[b.index()];
            s.seen > 0 && s.kept_rate + 1e-12 >= quantile - BASELINE_KEPT_TOLERANCE
        })
        .min_by(|a, b| {
            baselines[a.index()]
                .slack_median_min
                .total_cmp(&baselines[b.index()].slack_median_min)
        })
}

/// Replay `visits` (any order) and quote every arrival; score them all.
pub fn backtest(
    visits: &[HistoryVisit],
    config: QuoteConfig,
    zone: Tz,
    progress: &mut dyn FnMut(usize),
) -> Report {
    backtest_from(visits, config, zone, None, progress)
}

/// Replay `visits` (any order) and quote every arrival; score only the
/// visits that arrived at or after `score_from` (the earlier ones still
/// teach the engine and the baselines, as history would).
pub fn backtest_from(
    visits: &[HistoryVisit],
    config: QuoteConfig,
    zone: Tz,
    score_from: Option<Timestamp>,
    progress: &mut dyn FnMut(usize),
) -> Report {
    let mut events: Vec<(Timestamp, Kind, usize)> = Vec::with_capacity(visits.len() * 2);
    for (i, v) in visits.iter().enumerate() {
        let Some(arrived) = v.arrived_at else {
            continue;
        };
        events.push((arrived, Kind::Arrive, i));
        match (v.outcome, v.seen_at) {
            (Outcome::Seen, Some(seen)) => events.push((seen, Kind::Seen, i)),
            (Outcome::Left, _) => events.push((
                v.done_at.unwrap_or_else(|| end_of_day(arrived, zone)),
                Kind::Left,
                i,
            )),
            // A visit that arrived but is marked no-show or cancelled left the
            // queue when its day ended, as far as anyone could tell.
            (Outcome::NoShow | Outcome::Cancelled, _) => {
                events.push((end_of_day(arrived, zone), Kind::Left, i))
            }
            (Outcome::Seen, None) => {}
        }
    }
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

    let mut engine = QuoteEngine::new(config);
    let mut quotes = Vec::new();
    let mut cold = 0usize;
    let mut rolling = RollingMean::new(ROLLING_MEAN_WAITS);
    let mut buckets = BucketQuantile::default();
    // Patients waiting per queue, and how many each found on arrival.
    let mut waiting: HashMap<QueueKey, usize> = HashMap::new();
    let mut found: HashMap<usize, usize> = HashMap::new();
    for (n, (at, kind, i)) in events.iter().enumerate() {
        if n % 4096 == 0 {
            progress(n);
        }
        let v = &visits[*i];
        let queue = queue_of(v);
        let id = i.to_string();
        match kind {
            Kind::Arrive => {
                let arrival = Arrival {
                    priority: v.priority,
                    scheduled_at: v.scheduled_at,
                    visit_type: v.visit_type.as_deref(),
                };
                let q = engine.arrive_with(&id, &queue, &arrival, *at);
                if q.cold_start {
                    cold += 1;
                }
                let here = waiting.entry(queue.clone()).or_default();
                let ahead = *here;
                *here += 1;
                found.insert(*i, ahead);
                let rolling_by = *at + minutes(rolling.predict(&queue));
                let bucket_by =
                    *at + minutes(buckets.predict(&queue, v.priority, ahead, config.quantile, *at));
                quotes.push(QuoteRow {
                    visit: *i,
                    quoted_at: *at,
                    promised_by: q.promised_by,
                    waiting: ahead,
                    baselines: [
                        v.scheduled_at.unwrap_or(*at),
                        rolling_by,
                        rolling_by,
                        bucket_by,
                        bucket_by,
                    ],
                });
            }
            Kind::Seen | Kind::Left => {
                if *kind == Kind::Seen {
                    engine.seen(&id, &queue, *at);
                } else {
                    engine.left(&id, &queue);
                }
                if let Some(ahead) = found.remove(i) {
                    if let Some(here) = waiting.get_mut(&queue) {
                        *here = here.saturating_sub(1);
                    }
                    if let (Kind::Seen, Some(arrived)) = (kind, v.arrived_at) {
                        let wait = (*at - arrived).num_seconds() as f64 / 60.0;
                        rolling.seen(&queue, wait);
                        buckets.seen(&queue, v.priority, ahead, wait, *at);
                    }
                }
            }
        }
    }
    progress(events.len());
    let scored: Vec<&QuoteRow> = quotes
        .iter()
        .filter(|q| score_from.is_none_or(|from| q.quoted_at >= from))
        .collect();
    let (engine_scores, _) = score_rows(visits, &scored);
    let rolling_pad = pad_to_keep(
        visits,
        &scored,
        Baseline::RollingMean,
        engine_scores.kept_rate,
    );
    let bucket_pad = pad_to_keep(
        visits,
        &scored,
        Baseline::BucketQuantile,
        engine_scores.kept_rate,
    );
    for q in &mut quotes {
        q.baselines[Baseline::RollingMeanPadded.index()] =
            q.baselines[Baseline::RollingMean.index()] + Duration::minutes(rolling_pad);
        q.baselines[Baseline::BucketQuantilePadded.index()] =
            q.baselines[Baseline::BucketQuantile.index()] + Duration::minutes(bucket_pad);
    }
    let scored: Vec<&QuoteRow> = quotes
        .iter()
        .filter(|q| score_from.is_none_or(|from| q.quoted_at >= from))
        .collect();
    let (engine_scores, baselines) = score_rows(visits, &scored);
    Report {
        engine: engine_scores,
        best_baseline: best_baseline(&baselines, config.quantile),
        baselines,
        rolling_mean_pad_min: rolling_pad,
        bucket_quantile_pad_min: bucket_pad,
        cold_start_quotes: cold,
        scored_from: score_from,
        quotes,
    }
}

/// How `--by` groups the visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Priority,
    Provider,
    /// Patients waiting on arrival, in threes (24 and more together).
    Queue,
    /// Local hour of arrival.
    Hour,
    VisitType,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        GroupBy::Priority,
        GroupBy::Provider,
        GroupBy::Queue,
        GroupBy::Hour,
        GroupBy::VisitType,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Priority => "priority",
            GroupBy::Provider => "provider",
            GroupBy::Queue => "queue",
            GroupBy::Hour => "hour",
            GroupBy::VisitType => "visit_type",
        }
    }

    pub fn parse(text: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// Scores of one group of visits.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScores {
    pub group: String,
    pub engine: Scores,
    /// In [`Baseline::ALL`] order.
    pub baselines: [Scores; 5],
}

/// A sortable name of the group a quote falls in.
fn group_of(by: GroupBy, v: &HistoryVisit, q: &QuoteRow, zone: Tz) -> (u64, String) {
    match by {
        GroupBy::Priority => match v.priority {
            Some(p) => (u64::from(p), p.to_string()),
            None => (u64::MAX, "none".into()),
        },
        GroupBy::Provider => (
            0,
            v.provider.clone().unwrap_or_else(|| "(pooled)".to_string()),
        ),
        GroupBy::Queue => {
            let b = queue_bucket(q.waiting);
            let name = if b == 8 {
                "24+".to_string()
            } else {
                format!("{}-{}", b * 3, b * 3 + 2)
            };
            (b as u64, name)
        }
        GroupBy::Hour => {
            let h = q.quoted_at.with_timezone(&zone).hour();
            (u64::from(h), format!("{h:02}"))
        }
        GroupBy::VisitType => (0, v.visit_type.clone().unwrap_or_else(|| "(none)".into())),
    }
}

/// Kept rate and slack of the engine and the baselines within each group of
/// the scored visits, in the group's natural order.
pub fn by_group(
    visits: &[HistoryVisit],
    report: &Report,
    by: GroupBy,
    zone: Tz,
) -> Vec<GroupScores> {
    let mut groups: BTreeMap<(u64, String), Vec<&QuoteRow>> = BTreeMap::new();
    for q in &report.quotes {
        if report.scored_from.is_some_and(|from| q.quoted_at < from) {
            continue;
        }
        groups
            .entry(group_of(by, &visits[q.visit], q, zone))
            .or_default()
            .push(q);
    }
    groups
        .into_iter()
        .map(|((_, group), rows)| {
            let (engine, baselines) = score_rows(visits, &rows);
            GroupScores {
                group,
                engine,
                baselines,
            }
        })
        .collect()
}

/// The group with the lowest engine kept rate among those with at least
/// [`GROUP_MIN_SEEN`] scored visits.
pub fn worst_group(groups: &[GroupScores]) -> Option<&GroupScores> {
    groups
        .iter()
        .filter(|g| g.engine.seen >= GROUP_MIN_SEEN)
        .min_by(|a, b| a.engine.kept_rate.total_cmp(&b.engine.kept_rate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{HistoryVisit, parse_history_csv};
    use chrono::TimeZone;

    const HEADER: &str = "visit_id,location,provider,visit_type,priority,scheduled_at,arrived_at,seen_at,done_at,outcome\n";

    fn day(rows: &[(&str, &str, &str, &str)]) -> Vec<HistoryVisit> {
        let mut text = HEADER.to_string();
        for (id, arrived, seen, outcome) in rows {
            text.push_str(&format!("{id},main,,,,,{arrived},{seen},,{outcome}\n"));
        }
        let p = parse_history_csv(text.as_bytes(), chrono_tz::UTC, &mut |_| {}).unwrap();
        assert!(p.bad_rows.is_empty(), "{:?}", p.bad_rows);
        p.visits
    }

    #[test]
    fn every_arrival_is_quoted_at_its_arrival_never_earlier_than_it() {
        let visits = day(&[
            ("a", "2024-03-05T09:00:00", "2024-03-05T09:10:00", "seen"),
            ("b", "2024-03-05T09:05:00", "", "left"),
            ("c", "2024-03-05T09:06:00", "2024-03-05T09:30:00", "seen"),
        ]);
        let r = backtest(&visits, QuoteConfig::default(), chrono_tz::UTC, &mut |_| {});
        assert_eq!(r.quotes.len(), 3);
        for q in &r.quotes {
            assert_eq!(Some(q.quoted_at), visits[q.visit].arrived_at);
            assert!(q.promised_by >= q.quoted_at);
            assert_eq!(q.promised_by.timestamp() % 300, 0, "rounded to 5 minutes");
        }
        assert_eq!(r.engine.seen, 2, "those who left are outside the kept rate");
    }

    #[test]
    fn the_replay_is_causal() {
        // Changing what happens after a patient's arrival must not change their quote.
        let mut rows = vec![
            ("a", "2024-03-05T09:00:00", "2024-03-05T09:20:00", "seen"),
            ("b", "2024-03-05T09:05:00", "2024-03-05T09:40:00", "seen"),
            ("c", "2024-03-05T09:10:00", "2024-03-05T10:00:00", "seen"),
            ("d", "2024-03-05T09:15:00", "2024-03-05T10:30:00", "seen"),
        ];
        let first = backtest(
            &day(&rows),
            QuoteConfig::default(),
            chrono_tz::UTC,
            &mut |_| {},
        );
        // d is seen much later and c's visit is different, both after b arrived.
        rows[3].2 = "2024-03-05T13:00:00";
        rows[2] = ("c", "2024-03-05T09:10:00", "", "left");
        let second = backtest(
            &day(&rows),
            QuoteConfig::default(),
            chrono_tz::UTC,
            &mut |_| {},
        );
        let by_visit =
            |r: &Report, i: usize| r.quotes.iter().find(|q| q.visit == i).unwrap().promised_by;
        assert_eq!(by_visit(&first, 0), by_visit(&second, 0));
        assert_eq!(by_visit(&first, 1), by_visit(&second, 1));
        // And the input order does not matter.
        let mut reversed = day(&rows);
        reversed.reverse();
        let third = backtest(
            &reversed,
            QuoteConfig::default(),
            chrono_tz::UTC,
            &mut |_| {},
        );
        let find = |r: &Report, visits: &[HistoryVisit], id: &str| {
            r.quotes
                .iter()
                .find(|q| visits[q.visit].visit_id == id)
                .unwrap()
                .promised_by
        };
        for id in ["a", "b", "c", "d"] {
            assert_eq!(
                find(&second, &day(&rows), id),
                find(&third, &reversed, id),
                "{id}"
            );
        }
    }

    #[test]
    fn scores_count_kept_promises_and_slack() {
        let visits = day(&[
            ("a", "2024-03-05T09:00:00", "2024-03-05T09:10:00", "seen"),
            ("b", "2024-03-05T09:00:00", "2024-03-05T09:30:00", "seen"),
        ]);
        let t = |m| visits[0].arrived_at.unwrap() + Duration::minutes(m);
        let s = score(&visits, &[(0, t(15)), (1, t(20))]);
        assert_eq!(s.seen, 2);
        assert!((s.kept_rate - 0.5).abs() < 1e-9);
        assert!((s.slack_median_min - -10.0).abs() < 1e-9);
        assert!((s.slack_p90_min - 5.0).abs() < 1e-9);
    }

    #[test]
    fn the_best_baseline_is_the_tightest_that_keeps_its_promises() {
        let s = |kept: f64, slack: f64| Scores {
            seen: 100,
            kept_rate: kept,
            slack_median_min: slack,
            slack_p90_min: slack,
        };
        // Scheduled and the plain mean are tight but break too often.
        let all = [
            s(0.4, -2.0),
            s(0.6, 3.0),
            s(0.9, 30.0),
            s(0.885, 25.0),
            s(0.9, 28.0),
        ];
        assert_eq!(best_baseline(&all, 0.9), Some(Baseline::BucketQuantile));
        let all = [
            s(0.4, -2.0),
            s(0.6, 3.0),
            s(0.9, 30.0),
            s(0.85, 25.0),
            s(0.9, 31.0),
        ];
        assert_eq!(best_baseline(&all, 0.9), Some(Baseline::RollingMeanPadded));
        assert_eq!(best_baseline(&[s(0.1, 1.0); 5], 0.9), None);
    }

    fn triaged_days() -> Vec<HistoryVisit> {
        // Ten days: priority 2 seen after 10 minutes, priority 4 after 60.
        let mut text = HEADER.to_string();
        for d in 1..=10 {
            for i in 0..12 {
                let (p, wait) = if i % 2 == 0 { (2, 10) } else { (4, 60) };
                let arrived = format!("2024-03-{d:02}T{:02}:{:02}:00", 8 + i / 2, (i % 2) * 20);
                let seen = chrono::NaiveDateTime::parse_from_str(&arrived, "%Y-%m-%dT%H:%M:%S")
                    .unwrap()
                    + Duration::minutes(wait);
                text.push_str(&format!(
                    "v{d}-{i},main,,kind{},{p},,{arrived},{},,seen\n",
                    i % 3,
                    seen.format("%Y-%m-%dT%H:%M:%S")
                ));
            }
        }
        parse_history_csv(text.as_bytes(), chrono_tz::UTC, &mut |_| {})
            .unwrap()
            .visits
    }

    #[test]
    fn the_bucket_baseline_learns_each_priority_and_the_report_groups_them() {
        let visits = triaged_days();
        let r = backtest(&visits, QuoteConfig::default(), chrono_tz::UTC, &mut |_| {});
        let last = r.quotes.iter().max_by_key(|q| q.quoted_at).unwrap();
        let bucket = last.baselines[Baseline::BucketQuantile.index()];
        assert_eq!(visits[last.visit].priority, Some(4));
        assert_eq!(bucket, last.quoted_at + Duration::minutes(60));
        let groups = by_group(&visits, &r, GroupBy::Priority, chrono_tz::UTC);
        let names: Vec<&str> = groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["2", "4"]);
        assert_eq!(groups[0].engine.seen, 60);
        let types = by_group(&visits, &r, GroupBy::VisitType, chrono_tz::UTC);
        assert_eq!(types.len(), 3);
        let hours = by_group(&visits, &r, GroupBy::Hour, chrono_tz::UTC);
        assert_eq!(hours.first().map(|g| g.group.as_str()), Some("08"));
        // Groups of 60 are too small to judge.
        assert!(worst_group(&groups).is_none());
    }

    #[test]
    fn padded_baselines_keep_as_many_promises_as_the_engine() {
        let visits = triaged_days();
        let r = backtest(&visits, QuoteConfig::default(), chrono_tz::UTC, &mut |_| {});
        for b in [Baseline::RollingMeanPadded, Baseline::BucketQuantilePadded] {
            let s = r.baseline(b);
            assert!(s.kept_rate >= r.engine.kept_rate - 1e-9, "{b:?} {s:?}");
        }
        // One minute less would keep fewer: the pad is the smallest that does.
        let rows: Vec<&QuoteRow> = r.quotes.iter().collect();
        let pad = pad_to_keep(&visits, &rows, Baseline::BucketQuantile, 0.5);
        let promised = |pad: i64| -> Vec<(usize, Timestamp)> {
            r.quotes
                .iter()
                .map(|q| {
                    (
                        q.visit,
                        q.baselines[Baseline::BucketQuantile.index()] + Duration::minutes(pad),
                    )
                })
                .collect()
        };
        assert!(score(&visits, &promised(pad)).kept_rate >= 0.5);
        assert!(score(&visits, &promised(pad - 1)).kept_rate < 0.5);
    }

    #[test]
    fn only_visits_from_the_start_of_scoring_are_scored() {
        let visits = triaged_days();
        let from = chrono::Utc.with_ymd_and_hms(2024, 3, 6, 0, 0, 0).unwrap();
        let r = backtest_from(
            &visits,
            QuoteConfig::default(),
            chrono_tz::UTC,
            Some(from),
            &mut |_| {},
        );
        assert_eq!(r.quotes.len(), 120, "every arrival is still quoted");
        assert_eq!(r.engine.seen, 60);
        assert_eq!(r.baseline(Baseline::BucketQuantile).seen, 60);
        let groups = by_group(&visits, &r, GroupBy::Priority, chrono_tz::UTC);
        assert_eq!(groups.iter().map(|g| g.engine.seen).sum::<usize>(), 60);
    }
}
