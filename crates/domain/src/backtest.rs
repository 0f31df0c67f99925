//! Backtest: replay a visit history in time order, quote every arrival with
//! only what was known at that moment, and measure how honest the quotes were
//! beside simple baselines.
//!
//! What is known when: scheduled times of appointments (always); arrivals,
//! `seen_at` and `done_at` once they have happened. A visit that left without
//! a `done_at` is known to have left at the end of its day. Events at the same
//! instant as a quote are not used by it, so nothing that happens at or after
//! `quoted_at` can change the quote.

use crate::Timestamp;
use crate::history::{HistoryVisit, Outcome};
use crate::quote::{QueueKey, QuoteConfig, QuoteEngine, quantile};
use chrono::Duration;
use chrono_tz::Tz;
use std::collections::VecDeque;

/// One quote made during the replay.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteRow {
    /// Index into the visits given.
    pub visit: usize,
    pub quoted_at: Timestamp,
    pub promised_by: Timestamp,
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
    /// Promise = arrival + mean of the last 20 waits known at the time.
    pub rolling_mean: Scores,
    /// The rolling mean plus the smallest whole-minute pad that keeps as many
    /// promises as the engine did: the fair comparison for slack.
    pub rolling_mean_padded: Scores,
    pub rolling_mean_pad_min: i64,
    /// Promise = the appointment time (walk-ins: the arrival time).
    pub scheduled: Scores,
    /// Quotes made while the engine still used its priors.
    pub cold_start_quotes: usize,
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

/// Replay `visits` (any order) and quote every arrival.
pub fn backtest(
    visits: &[HistoryVisit],
    config: QuoteConfig,
    zone: Tz,
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
    let mut rolling: std::collections::HashMap<QueueKey, VecDeque<f64>> = Default::default();
    let mut rolling_promises = Vec::new();
    let mut scheduled_promises = Vec::new();
    let mut rolling_base = Vec::new();
    for (n, (at, kind, i)) in events.iter().enumerate() {
        if n % 4096 == 0 {
            progress(n);
        }
        let v = &visits[*i];
        let queue = queue_of(v);
        let id = i.to_string();
        match kind {
            Kind::Arrive => {
                let q = engine.arrive(&id, &queue, v.priority, v.scheduled_at, *at);
                if q.cold_start {
                    cold += 1;
                }
                quotes.push(QuoteRow {
                    visit: *i,
                    quoted_at: *at,
                    promised_by: q.promised_by,
                });
                let recent = rolling.get(&queue);
                let mean = recent
                    .filter(|r| !r.is_empty())
                    .map_or(15.0, |r| r.iter().sum::<f64>() / r.len() as f64);
                let base = *at + Duration::milliseconds((mean * 60_000.0) as i64);
                rolling_base.push((*i, base));
                rolling_promises.push((*i, base));
                scheduled_promises.push((*i, v.scheduled_at.unwrap_or(*at)));
            }
            Kind::Seen => {
                engine.seen(&id, &queue, *at);
                if let Some(arrived) = v.arrived_at {
                    let waits = rolling.entry(queue).or_default();
                    waits.push_back((*at - arrived).num_seconds() as f64 / 60.0);
                    if waits.len() > 20 {
                        waits.pop_front();
                    }
                }
            }
            Kind::Left => engine.left(&id, &queue),
        }
    }
    progress(events.len());
    let promised: Vec<(usize, Timestamp)> =
        quotes.iter().map(|q| (q.visit, q.promised_by)).collect();
    let engine_scores = score(visits, &promised);
    // The smallest pad (whole minutes) that lets the rolling mean keep as many promises.
    let mut pad = 0i64;
    let mut padded = score(visits, &rolling_base);
    while padded.kept_rate + 1e-12 < engine_scores.kept_rate && pad < 24 * 60 {
        pad += 1;
        let shifted: Vec<(usize, Timestamp)> = rolling_base
            .iter()
            .map(|(i, t)| (*i, *t + Duration::minutes(pad)))
            .collect();
        padded = score(visits, &shifted);
    }
    Report {
        quotes,
        engine: engine_scores,
        rolling_mean: score(visits, &rolling_promises),
        rolling_mean_padded: padded,
        rolling_mean_pad_min: pad,
        scheduled: score(visits, &scheduled_promises),
        cold_start_quotes: cold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{HistoryVisit, parse_history_csv};

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
}
