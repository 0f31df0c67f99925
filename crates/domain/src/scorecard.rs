//! The scorecard: how a location kept each rule over a period, computed from
//! what was recorded as it happened (the visits' timelines, promises,
//! concerns, complaints and survey answers), so every figure is exact and can
//! be checked by hand against the visits behind it.
//!
//! The store gathers the facts of one location and period ([`Facts`]); this
//! module counts them ([`rules`]), splits them into groups (by day, ISO week,
//! provider or staff member: [`split`]) and names the visits behind each
//! figure ([`visits_behind`]). Medians are the middle value (the mean of the
//! two middle ones for an even count); the 90th percentile is the nearest
//! rank (the ⌈0.9·n⌉-th smallest). A rate whose denominator is zero is `None`.

use crate::Timestamp;
use crate::promise::PromiseKind;
use crate::promise::PromiseStatus;
use crate::survey::SurveyAnswer;
use chrono::{Datelike, Duration};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One visit that arrived in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFacts {
    pub id: i64,
    pub provider: Option<String>,
    pub arrived_at: Timestamp,
    /// The first acknowledgement, and who gave it.
    pub first_ack: Option<(Timestamp, String)>,
    /// The clock escalated to managers at least once.
    pub escalated: bool,
    /// When the visit first moved to checkout (or straight to done).
    pub checkout_at: Option<Timestamp>,
}

/// A wait promise (`seen_by`) of one of those visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitFacts {
    pub visit_id: i64,
    pub status: PromiseStatus,
    pub due_at: Timestamp,
    pub fulfilled_at: Option<Timestamp>,
}

/// A promise other than a wait, made at the location in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerFacts {
    pub id: i64,
    pub visit_id: Option<i64>,
    pub kind: PromiseKind,
    pub status: PromiseStatus,
    /// The owner, else who made it.
    pub who: String,
    pub made_at: Timestamp,
}

/// A concern raised at one of the period's visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcernFacts {
    pub id: i64,
    pub visit_id: i64,
    pub raised_at: Timestamp,
    pub first_answered_at: Option<Timestamp>,
    pub answered_by: Option<String>,
    /// The patient said at least once that the answer did not cover it.
    pub reopened: bool,
}

/// How a complaint's clock stood, as its clocks read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockOutcome {
    /// Stopped by its due time.
    OnTime,
    /// Stopped late, or running past its due time.
    Late,
    /// Still running in time: not counted yet.
    Running,
}

impl From<crate::complaint::ClockStatus> for ClockOutcome {
    /// A complaint clock as the scorecard counts it: met is on time, missed
    /// or overdue is late, anything still running in time is not counted.
    fn from(status: crate::complaint::ClockStatus) -> ClockOutcome {
        use crate::complaint::ClockStatus as S;
        match status {
            S::Met => ClockOutcome::OnTime,
            S::Missed | S::Overdue => ClockOutcome::Late,
            S::OnTime | S::DueSoon | S::Paused => ClockOutcome::Running,
        }
    }
}

/// A complaint received at the location in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintFacts {
    pub id: i64,
    pub visit_id: Option<i64>,
    pub received_at: Timestamp,
    /// The owner, else who took it.
    pub who: String,
    pub acknowledge: ClockOutcome,
    pub resolve: ClockOutcome,
}

/// A reply to a patient (a concern's answer or a complaint's reply) in the
/// period, or one the tone coach held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyFacts {
    pub visit_id: Option<i64>,
    pub at: Timestamp,
    pub by: String,
    /// The tone coach flagged it (held, or sent anyway).
    pub flagged: bool,
    /// Sent despite the flags.
    pub sent_anyway: bool,
}

/// The survey of one of the period's visits (sent; skipped ones are not here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyFacts {
    pub visit_id: i64,
    pub answer: Option<SurveyAnswer>,
    /// The recovery promise a low answer opened, and where it stands.
    pub recovery: Option<PromiseStatus>,
}

/// Everything the scorecard counts, for one location and period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub visits: Vec<VisitFacts>,
    pub waits: Vec<WaitFacts>,
    pub ledger: Vec<LedgerFacts>,
    pub concerns: Vec<ConcernFacts>,
    pub complaints: Vec<ComplaintFacts>,
    pub replies: Vec<ReplyFacts>,
    pub surveys: Vec<SurveyFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acknowledge {
    pub visits: usize,
    pub on_time: usize,
    pub on_time_rate: Option<f64>,
    pub median_first_ack_s: Option<f64>,
    pub p90_first_ack_s: Option<f64>,
    pub escalated: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expectations {
    /// Wait promises settled kept or broken (the last one of each visit).
    pub wait_promises: usize,
    pub kept: usize,
    pub kept_rate: Option<f64>,
    /// Minutes between being seen and the promised time (positive: early).
    pub median_slack_min: Option<f64>,
    /// Waits re-quoted before they broke.
    pub requoted_before_break: usize,
    /// Kept share of the ledger's promises settled (call-backs, refills…).
    pub ledger_kept_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listen {
    pub concerns: usize,
    pub answered_before_checkout_rate: Option<f64>,
    pub median_first_answer_s: Option<f64>,
    pub reopened: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeepCool {
    pub complaints: usize,
    pub acknowledged_on_time_rate: Option<f64>,
    pub resolved_on_time_rate: Option<f64>,
    pub replies_flagged: usize,
    pub sent_anyway: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopBox {
    pub helpful: Option<f64>,
    pub courteous: Option<f64>,
    pub listened: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyFigures {
    pub sent: usize,
    pub responses: usize,
    pub response_rate: Option<f64>,
    pub top_box: TopBox,
    pub wait_as_promised_rate: Option<f64>,
    pub overall_median: Option<f64>,
    pub recoveries_open: usize,
    pub recoveries_kept: usize,
}

/// Every rule's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    pub acknowledge: Acknowledge,
    pub expectations: Expectations,
    pub listen: Listen,
    pub keep_cool: KeepCool,
    pub survey: SurveyFigures,
}

fn rate(n: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

/// The middle value (the mean of the two middle ones for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The nearest-rank percentile: the ⌈p·n⌉-th smallest value.
pub fn nearest_rank(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

fn seconds(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

/// Whether a visit's first acknowledgement came within the window.
pub fn acknowledged_on_time(v: &VisitFacts, first_within: Duration) -> bool {
    v.first_ack
        .as_ref()
        .is_some_and(|(at, _)| *at - v.arrived_at <= first_within)
}

/// A settled wait: kept or broken (renegotiated and withdrawn are neither).
fn settled(status: PromiseStatus) -> bool {
    matches!(status, PromiseStatus::Kept | PromiseStatus::Broken)
}

/// A concern answered before its visit's checkout (or, when the visit never
/// reached checkout, answered at all).
fn answered_before_checkout(c: &ConcernFacts, checkout: Option<Timestamp>) -> bool {
    match (c.first_answered_at, checkout) {
        (Some(a), Some(out)) => a <= out,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Count every figure. `first_within` is the location's first-acknowledgement
/// window.
pub fn rules(f: &Facts, first_within: Duration) -> Rules {
    let mut first_ack: Vec<f64> = f
        .visits
        .iter()
        .filter_map(|v| {
            v.first_ack
                .as_ref()
                .map(|(at, _)| seconds(*at - v.arrived_at))
        })
        .collect();
    let on_time = f
        .visits
        .iter()
        .filter(|v| acknowledged_on_time(v, first_within))
        .count();
    let acknowledge = Acknowledge {
        visits: f.visits.len(),
        on_time,
        on_time_rate: rate(on_time, f.visits.len()),
        median_first_ack_s: median(&mut first_ack.clone()),
        p90_first_ack_s: nearest_rank(&mut first_ack, 0.9),
        escalated: f.visits.iter().filter(|v| v.escalated).count(),
    };

    let settled_waits: Vec<&WaitFacts> = f.waits.iter().filter(|w| settled(w.status)).collect();
    let kept = settled_waits
        .iter()
        .filter(|w| w.status == PromiseStatus::Kept)
        .count();
    let mut slack: Vec<f64> = settled_waits
        .iter()
        .filter_map(|w| w.fulfilled_at.map(|at| seconds(w.due_at - at) / 60.0))
        .collect();
    let ledger: Vec<&LedgerFacts> = f
        .ledger
        .iter()
        .filter(|p| p.kind != PromiseKind::ServiceRecovery && settled(p.status))
        .collect();
    let expectations = Expectations {
        wait_promises: settled_waits.len(),
        kept,
        kept_rate: rate(kept, settled_waits.len()),
        median_slack_min: median(&mut slack),
        requoted_before_break: f
            .waits
            .iter()
            .filter(|w| w.status == PromiseStatus::Renegotiated)
            .count(),
        ledger_kept_rate: rate(
            ledger
                .iter()
                .filter(|p| p.status == PromiseStatus::Kept)
                .count(),
            ledger.len(),
        ),
    };

    let checkout: BTreeMap<i64, Option<Timestamp>> =
        f.visits.iter().map(|v| (v.id, v.checkout_at)).collect();
    let before = f
        .concerns
        .iter()
        .filter(|c| answered_before_checkout(c, checkout.get(&c.visit_id).copied().flatten()))
        .count();
    let mut first_answer: Vec<f64> = f
        .concerns
        .iter()
        .filter_map(|c| c.first_answered_at.map(|a| seconds(a - c.raised_at)))
        .collect();
    let listen = Listen {
        concerns: f.concerns.len(),
        answered_before_checkout_rate: rate(before, f.concerns.len()),
        median_first_answer_s: median(&mut first_answer),
        reopened: f.concerns.iter().filter(|c| c.reopened).count(),
    };

    let judged = |pick: fn(&ComplaintFacts) -> ClockOutcome| {
        let counted: Vec<ClockOutcome> = f
            .complaints
            .iter()
            .map(pick)
            .filter(|o| *o != ClockOutcome::Running)
            .collect();
        rate(
            counted
                .iter()
                .filter(|o| **o == ClockOutcome::OnTime)
                .count(),
            counted.len(),
        )
    };
    let keep_cool = KeepCool {
        complaints: f.complaints.len(),
        acknowledged_on_time_rate: judged(|k| k.acknowledge),
        resolved_on_time_rate: judged(|k| k.resolve),
        replies_flagged: f.replies.iter().filter(|r| r.flagged).count(),
        sent_anyway: f.replies.iter().filter(|r| r.sent_anyway).count(),
    };

    let answers: Vec<&SurveyAnswer> = f.surveys.iter().filter_map(|s| s.answer.as_ref()).collect();
    let top = |pick: fn(&SurveyAnswer) -> bool| {
        rate(answers.iter().filter(|a| pick(a)).count(), answers.len())
    };
    let mut overall: Vec<f64> = answers.iter().map(|a| f64::from(a.overall)).collect();
    let survey = SurveyFigures {
        sent: f.surveys.len(),
        responses: answers.len(),
        response_rate: rate(answers.len(), f.surveys.len()),
        top_box: TopBox {
            helpful: top(|a| a.helpful.is_top_box()),
            courteous: top(|a| a.courteous.is_top_box()),
            listened: top(|a| a.listened.is_top_box()),
        },
        wait_as_promised_rate: top(|a| a.wait_as_promised),
        overall_median: median(&mut overall),
        recoveries_open: f
            .surveys
            .iter()
            .filter(|s| s.recovery == Some(PromiseStatus::Open))
            .count(),
        recoveries_kept: f
            .surveys
            .iter()
            .filter(|s| s.recovery == Some(PromiseStatus::Kept))
            .count(),
    };
    Rules {
        acknowledge,
        expectations,
        listen,
        keep_cool,
        survey,
    }
}

/// How the scorecard is split into groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The local day (`2026-03-05`).
    Day,
    /// The ISO week of the local day (`2026-W10`).
    Week,
    /// The visit's provider (`none` for walk-ins without one).
    Provider,
    /// The staff member: a visit's first acknowledger (its wait and survey
    /// too), a concern's answerer, a complaint's or promise's owner.
    Staff,
}

impl By {
    pub fn parse(text: &str) -> Option<By> {
        match text.trim() {
            "day" => Some(By::Day),
            "week" => Some(By::Week),
            "provider" => Some(By::Provider),
            "staff" => Some(By::Staff),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            By::Day => "day",
            By::Week => "week",
            By::Provider => "provider",
            By::Staff => "staff",
        }
    }
}

/// The group a time falls in, by day or week, in the location's zone.
pub fn time_key(at: Timestamp, by: By, zone: Tz) -> String {
    let date = at.with_timezone(&zone).date_naive();
    match by {
        By::Week => {
            let w = date.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        _ => date.format("%Y-%m-%d").to_string(),
    }
}

/// The facts split into groups, each group's facts counted on their own.
/// Facts without a visit in the period (a ledger promise, a complaint) are
/// grouped by their own time, owner, or their visit's provider.
pub fn split(f: &Facts, by: By, zone: Tz) -> BTreeMap<String, Facts> {
    const NONE: &str = "none";
    let visit_key: BTreeMap<i64, String> = f
        .visits
        .iter()
        .map(|v| {
            let key = match by {
                By::Day | By::Week => time_key(v.arrived_at, by, zone),
                By::Provider => v.provider.clone().unwrap_or_else(|| NONE.into()),
                By::Staff => v
                    .first_ack
                    .as_ref()
                    .map_or_else(|| NONE.to_string(), |(_, who)| who.clone()),
            };
            (v.id, key)
        })
        .collect();
    let of_visit = |id: Option<i64>| id.and_then(|id| visit_key.get(&id).cloned());
    let mut out: BTreeMap<String, Facts> = BTreeMap::new();
    for v in &f.visits {
        out.entry(visit_key[&v.id].clone())
            .or_default()
            .visits
            .push(v.clone());
    }
    for w in &f.waits {
        if let Some(k) = of_visit(Some(w.visit_id)) {
            out.entry(k).or_default().waits.push(w.clone());
        }
    }
    for s in &f.surveys {
        if let Some(k) = of_visit(Some(s.visit_id)) {
            out.entry(k).or_default().surveys.push(s.clone());
        }
    }
    for c in &f.concerns {
        let k = match by {
            By::Staff => c.answered_by.clone().unwrap_or_else(|| NONE.into()),
            _ => of_visit(Some(c.visit_id)).unwrap_or_else(|| NONE.into()),
        };
        out.entry(k).or_default().concerns.push(c.clone());
    }
    for p in &f.ledger {
        let k = match by {
            By::Day | By::Week => time_key(p.made_at, by, zone),
            By::Staff => p.who.clone(),
            By::Provider => of_visit(p.visit_id).unwrap_or_else(|| NONE.into()),
        };
        out.entry(k).or_default().ledger.push(p.clone());
    }
    for k in &f.complaints {
        let key = match by {
            By::Day | By::Week => time_key(k.received_at, by, zone),
            By::Staff => k.who.clone(),
            By::Provider => of_visit(k.visit_id).unwrap_or_else(|| NONE.into()),
        };
        out.entry(key).or_default().complaints.push(k.clone());
    }
    for r in &f.replies {
        let key = match by {
            By::Day | By::Week => time_key(r.at, by, zone),
            By::Staff => r.by.clone(),
            By::Provider => of_visit(r.visit_id).unwrap_or_else(|| NONE.into()),
        };
        out.entry(key).or_default().replies.push(r.clone());
    }
    out
}

/// The figures a page links to the visits behind, by name.
pub const FIGURES: [&str; 12] = [
    "acknowledge.visits",
    "acknowledge.late",
    "acknowledge.escalated",
    "expectations.broken",
    "expectations.requoted",
    "listen.concerns",
    "listen.after_checkout",
    "listen.reopened",
    "keep_cool.complaints",
    "survey.responses",
    "survey.low",
    "survey.recoveries_open",
];

/// The visits behind a figure (ids, ascending); `None` for an unknown name.
pub fn visits_behind(f: &Facts, figure: &str, first_within: Duration) -> Option<Vec<i64>> {
    let checkout: BTreeMap<i64, Option<Timestamp>> =
        f.visits.iter().map(|v| (v.id, v.checkout_at)).collect();
    let ids: BTreeSet<i64> = match figure {
        "acknowledge.visits" => f.visits.iter().map(|v| v.id).collect(),
        "acknowledge.late" => f
            .visits
            .iter()
            .filter(|v| !acknowledged_on_time(v, first_within))
            .map(|v| v.id)
            .collect(),
        "acknowledge.escalated" => f
            .visits
            .iter()
            .filter(|v| v.escalated)
            .map(|v| v.id)
            .collect(),
        "expectations.broken" => f
            .waits
            .iter()
            .filter(|w| w.status == PromiseStatus::Broken)
            .map(|w| w.visit_id)
            .collect(),
        "expectations.requoted" => f
            .waits
            .iter()
            .filter(|w| w.status == PromiseStatus::Renegotiated)
            .map(|w| w.visit_id)
            .collect(),
        "listen.concerns" => f.concerns.iter().map(|c| c.visit_id).collect(),
        "listen.after_checkout" => f
            .concerns
            .iter()
            .filter(|c| !answered_before_checkout(c, checkout.get(&c.visit_id).copied().flatten()))
            .map(|c| c.visit_id)
            .collect(),
        "listen.reopened" => f
            .concerns
            .iter()
            .filter(|c| c.reopened)
            .map(|c| c.visit_id)
            .collect(),
        "keep_cool.complaints" => f.complaints.iter().filter_map(|k| k.visit_id).collect(),
        "survey.responses" => f
            .surveys
            .iter()
            .filter(|s| s.answer.is_some())
            .map(|s| s.visit_id)
            .collect(),
        "survey.low" => f
            .surveys
            .iter()
            .filter(|s| s.answer.as_ref().is_some_and(SurveyAnswer::is_low))
            .map(|s| s.visit_id)
            .collect(),
        "survey.recoveries_open" => f
            .surveys
            .iter()
            .filter(|s| s.recovery == Some(PromiseStatus::Open))
            .map(|s| s.visit_id)
            .collect(),
        _ => return None,
    };
    Some(ids.into_iter().collect())
}

/// The CSV's columns after the group: every figure, in the JSON's order.
pub const CSV_COLUMNS: [&str; 31] = [
    "acknowledge.visits",
    "acknowledge.on_time",
    "acknowledge.on_time_rate",
    "acknowledge.median_first_ack_s",
    "acknowledge.p90_first_ack_s",
    "acknowledge.escalated",
    "expectations.wait_promises",
    "expectations.kept",
    "expectations.kept_rate",
    "expectations.median_slack_min",
    "expectations.requoted_before_break",
    "expectations.ledger_kept_rate",
    "listen.concerns",
    "listen.answered_before_checkout_rate",
    "listen.median_first_answer_s",
    "listen.reopened",
    "keep_cool.complaints",
    "keep_cool.acknowledged_on_time_rate",
    "keep_cool.resolved_on_time_rate",
    "keep_cool.replies_flagged",
    "keep_cool.sent_anyway",
    "survey.sent",
    "survey.responses",
    "survey.response_rate",
    "survey.top_box.helpful",
    "survey.top_box.courteous",
    "survey.top_box.listened",
    "survey.wait_as_promised_rate",
    "survey.overall_median",
    "survey.recoveries_open",
    "survey.recoveries_kept",
];

/// The figures of [`CSV_COLUMNS`] written out (empty for none; rates to four
/// places).
pub fn csv_values(r: &Rules) -> Vec<String> {
    let n = |v: usize| v.to_string();
    let x = |v: Option<f64>| {
        v.map(|v| format!("{}", (v * 10000.0).round() / 10000.0))
            .unwrap_or_default()
    };
    let (a, e, l, k, s) = (
        &r.acknowledge,
        &r.expectations,
        &r.listen,
        &r.keep_cool,
        &r.survey,
    );
    vec![
        n(a.visits),
        n(a.on_time),
        x(a.on_time_rate),
        x(a.median_first_ack_s),
        x(a.p90_first_ack_s),
        n(a.escalated),
        n(e.wait_promises),
        n(e.kept),
        x(e.kept_rate),
        x(e.median_slack_min),
        n(e.requoted_before_break),
        x(e.ledger_kept_rate),
        n(l.concerns),
        x(l.answered_before_checkout_rate),
        x(l.median_first_answer_s),
        n(l.reopened),
        n(k.complaints),
        x(k.acknowledged_on_time_rate),
        x(k.resolved_on_time_rate),
        n(k.replies_flagged),
        n(k.sent_anyway),
        n(s.sent),
        n(s.responses),
        x(s.response_rate),
        x(s.top_box.helpful),
        x(s.top_box.courteous),
        x(s.top_box.listened),
        x(s.wait_as_promised_rate),
        x(s.overall_median),
        n(s.recoveries_open),
        n(s.recoveries_kept),
    ]
}

/// The CSV: a header (`group` and [`CSV_COLUMNS`]), then one row per group
/// (the group's name made safe for a spreadsheet).
pub fn to_csv(rows: &[(String, Rules)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = std::iter::once("group").chain(CSV_COLUMNS).collect();
    // Writing to memory cannot fail.
    let _ = w.write_record(&header);
    for (group, r) in rows {
        let mut row = vec![crate::csv_out::text_cell(group).into_owned()];
        row.extend(csv_values(r));
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complaint_clock_counts_on_time_late_or_not_yet() {
        use crate::complaint::ClockStatus as S;
        assert_eq!(ClockOutcome::from(S::Met), ClockOutcome::OnTime);
        for late in [S::Missed, S::Overdue] {
            assert_eq!(ClockOutcome::from(late), ClockOutcome::Late);
        }
        for running in [S::OnTime, S::DueSoon, S::Paused] {
            assert_eq!(ClockOutcome::from(running), ClockOutcome::Running);
        }
    }
    use crate::survey::Frequency;
    use chrono::{TimeZone, Utc};

    fn t(min: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn visit(id: i64, ack_after_s: Option<i64>, by: &str) -> VisitFacts {
        VisitFacts {
            id,
            provider: Some("dr-lee".into()),
            arrived_at: t(id),
            first_ack: ack_after_s.map(|s| (t(id) + Duration::seconds(s), by.to_string())),
            escalated: false,
            checkout_at: Some(t(id + 60)),
        }
    }

    #[test]
    fn four_visits_two_acknowledged_in_time_is_one_half() {
        let f = Facts {
            visits: vec![
                visit(1, Some(60), "desk"),
                visit(2, Some(120), "desk"),
                visit(3, Some(121), "amy"),
                visit(4, None, "-"),
            ],
            ..Default::default()
        };
        let r = rules(&f, Duration::minutes(2));
        assert_eq!(r.acknowledge.visits, 4);
        assert_eq!(r.acknowledge.on_time, 2);
        assert_eq!(r.acknowledge.on_time_rate, Some(0.5));
        assert_eq!(r.acknowledge.median_first_ack_s, Some(120.0));
        assert_eq!(r.acknowledge.p90_first_ack_s, Some(121.0));
        assert_eq!(
            visits_behind(&f, "acknowledge.late", Duration::minutes(2)),
            Some(vec![3, 4])
        );
        let by_staff = split(&f, By::Staff, chrono_tz::UTC);
        assert_eq!(by_staff.keys().collect::<Vec<_>>(), ["amy", "desk", "none"]);
        assert_eq!(
            rules(&by_staff["desk"], Duration::minutes(2))
                .acknowledge
                .on_time_rate,
            Some(1.0)
        );
    }

    #[test]
    fn medians_and_nearest_ranks_by_hand() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        let mut ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&mut ten, 0.9), Some(9.0));
        let mut eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(nearest_rank(&mut eleven, 0.9), Some(10.0));
    }

    #[test]
    fn waits_count_the_settled_and_requotes_apart() {
        let w = |visit_id, status, due, seen: Option<i64>| WaitFacts {
            visit_id,
            status,
            due_at: t(due),
            fulfilled_at: seen.map(t),
        };
        let f = Facts {
            waits: vec![
                w(1, PromiseStatus::Kept, 30, Some(20)),
                w(2, PromiseStatus::Renegotiated, 30, None),
                w(2, PromiseStatus::Broken, 45, Some(50)),
                w(3, PromiseStatus::Withdrawn, 30, None),
                w(4, PromiseStatus::Kept, 30, Some(30)),
            ],
            ..Default::default()
        };
        let e = rules(&f, Duration::minutes(2)).expectations;
        assert_eq!(e.wait_promises, 3);
        assert_eq!(e.kept, 2);
        assert_eq!(e.kept_rate, Some(2.0 / 3.0));
        assert_eq!(e.median_slack_min, Some(0.0), "10, -5 and 0 minutes");
        assert_eq!(e.requoted_before_break, 1);
        assert_eq!(e.ledger_kept_rate, None);
    }

    #[test]
    fn concerns_complaints_replies_and_surveys() {
        let answer = |overall, helpful| SurveyAnswer {
            helpful,
            courteous: Frequency::Always,
            listened: Frequency::Usually,
            wait_as_promised: overall > 5,
            overall,
            comment: None,
            contact_me: false,
        };
        let f = Facts {
            visits: vec![visit(1, Some(30), "desk"), visit(2, Some(30), "desk")],
            concerns: vec![
                ConcernFacts {
                    id: 1,
                    visit_id: 1,
                    raised_at: t(1),
                    first_answered_at: Some(t(11)),
                    answered_by: Some("doc".into()),
                    reopened: true,
                },
                ConcernFacts {
                    id: 2,
                    visit_id: 2,
                    raised_at: t(2),
                    first_answered_at: Some(t(90)),
                    answered_by: Some("doc".into()),
                    reopened: false,
                },
            ],
            complaints: vec![
                ComplaintFacts {
                    id: 1,
                    visit_id: None,
                    received_at: t(0),
                    who: "boss".into(),
                    acknowledge: ClockOutcome::OnTime,
                    resolve: ClockOutcome::Running,
                },
                ComplaintFacts {
                    id: 2,
                    visit_id: Some(2),
                    received_at: t(0),
                    who: "boss".into(),
                    acknowledge: ClockOutcome::Late,
                    resolve: ClockOutcome::OnTime,
                },
            ],
            replies: vec![
                ReplyFacts {
                    visit_id: Some(1),
                    at: t(11),
                    by: "doc".into(),
                    flagged: true,
                    sent_anyway: true,
                },
                ReplyFacts {
                    visit_id: None,
                    at: t(12),
                    by: "boss".into(),
                    flagged: true,
                    sent_anyway: false,
                },
            ],
            surveys: vec![
                SurveyFacts {
                    visit_id: 1,
                    answer: Some(answer(9, Frequency::Always)),
                    recovery: None,
                },
                SurveyFacts {
                    visit_id: 2,
                    answer: Some(answer(4, Frequency::Sometimes)),
                    recovery: Some(PromiseStatus::Open),
                },
                SurveyFacts {
                    visit_id: 2,
                    answer: None,
                    recovery: None,
                },
            ],
            ..Default::default()
        };
        let r = rules(&f, Duration::minutes(2));
        assert_eq!(r.listen.concerns, 2);
        assert_eq!(r.listen.answered_before_checkout_rate, Some(0.5));
        assert_eq!(
            r.listen.median_first_answer_s,
            Some((600.0 + 88.0 * 60.0) / 2.0)
        );
        assert_eq!(r.listen.reopened, 1);
        assert_eq!(r.keep_cool.complaints, 2);
        assert_eq!(r.keep_cool.acknowledged_on_time_rate, Some(0.5));
        assert_eq!(r.keep_cool.resolved_on_time_rate, Some(1.0));
        assert_eq!(r.keep_cool.replies_flagged, 2);
        assert_eq!(r.keep_cool.sent_anyway, 1);
        assert_eq!(r.survey.sent, 3);
        assert_eq!(r.survey.responses, 2);
        assert_eq!(r.survey.response_rate, Some(2.0 / 3.0));
        assert_eq!(r.survey.top_box.helpful, Some(0.5));
        assert_eq!(r.survey.top_box.courteous, Some(1.0));
        assert_eq!(r.survey.top_box.listened, Some(0.0));
        assert_eq!(r.survey.wait_as_promised_rate, Some(0.5));
        assert_eq!(r.survey.overall_median, Some(6.5));
        assert_eq!(r.survey.recoveries_open, 1);
        assert_eq!(
            visits_behind(&f, "survey.low", Duration::minutes(2)),
            Some(vec![2])
        );
        assert_eq!(
            visits_behind(&f, "listen.after_checkout", Duration::minutes(2)),
            Some(vec![2])
        );
        assert_eq!(visits_behind(&f, "nonsense", Duration::minutes(2)), None);
        assert_eq!(csv_values(&r).len(), CSV_COLUMNS.len());
        let csv = to_csv(&[("=evil".into(), r.clone()), ("desk".into(), r)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("group,acknowledge.visits,acknowledge.on_time,"));
        assert!(
            lines[1].starts_with("'=evil,2,2,1,30,30,0,"),
            "{}",
            lines[1]
        );
        assert!(lines[2].ends_with(",1,0"), "{}", lines[2]);
    }

    #[test]
    fn weeks_are_iso_weeks_in_the_location_zone() {
        // Monday 2026-03-02 01:00 UTC is still Sunday in Chicago.
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        assert_eq!(time_key(at, By::Week, chrono_tz::UTC), "2026-W10");
        assert_eq!(
            time_key(at, By::Week, chrono_tz::America::Chicago),
            "2026-W09"
        );
        assert_eq!(
            time_key(at, By::Day, chrono_tz::America::Chicago),
            "2026-03-01"
        );
        assert_eq!(By::parse("week"), Some(By::Week));
        assert_eq!(By::parse("month"), None);
    }
}
