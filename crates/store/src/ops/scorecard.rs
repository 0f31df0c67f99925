//! The scorecard's facts for one location and period, read from what was
//! recorded as it happened: the visits that arrived in `[from, to)` with
//! their first acknowledgement, escalation and checkout (from their
//! timelines), their wait promises, concerns and surveys; the location's
//! other promises made and complaints received in the period, and the
//! replies to patients. Every query names the location and a time range and
//! runs on an index (`visit_by_arrival`, `visit_event_by_visit`,
//! `promise_by_visit`, `promise_by_made`, `concern_by_visit`,
//! `complaint_by_received`, `survey.visit_id`).

use super::{at, ms, opt_at, parse_name};
use crate::db::{Conn, params};
use crate::*;
use frontdesk_domain::Timestamp;
use frontdesk_domain::scorecard::{
    ConcernFacts, Facts, LedgerFacts, ReplyFacts, SurveyFacts, VisitFacts, WaitFacts,
};
use std::collections::{HashMap, HashSet};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// Timeline entries are looked up by kind and time (`visit_event_by_kind`)
/// up to this long after the period's end: a visit's acknowledgements,
/// moves, escalations and held replies come within its day.
const LATE_EVENTS_MS: i64 = 2 * 24 * 3600 * 1000;

pub async fn facts<C: Conn>(
    c: &mut C,
    location: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<ScorecardData> {
    let (from, to) = (ms(from), ms(to));
    let mut visits: Vec<VisitFacts> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for r in c
        .query(
            "SELECT id, provider_id, arrived_at FROM visit \
             WHERE location_id = $1 AND arrived_at >= $2 AND arrived_at < $3 ORDER BY arrived_at, id",
            params![location, from, to],
        )
        .await?
    {
        let id = r.int("id")?;
        index.insert(id, visits.len());
        visits.push(VisitFacts {
            id,
            provider: r.opt_text("provider_id")?,
            arrived_at: at(r.int("arrived_at")?)?,
            first_ack: None,
            escalated: false,
            checkout_at: None,
        });
    }
    // What the timelines say, in three small reads: each visit's first
    // acknowledgement, its first move to checkout (or done), and the rare
    // entries (escalations, reopened concerns, held replies).
    for r in c
        .query(
            "SELECT e.visit_id, e.at, e.actor FROM visit_event e WHERE e.id IN ( \
               SELECT MIN(x.id) FROM visit_event x JOIN visit v ON v.id = x.visit_id \
               WHERE x.kind = 'acknowledged' AND x.at >= $2 AND x.at < $4 \
                 AND v.location_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3 GROUP BY x.visit_id)",
            params![location, from, to, to + LATE_EVENTS_MS],
        )
        .await?
    {
        if let Some(&i) = index.get(&r.int("visit_id")?) {
            visits[i].first_ack = Some((
                at(r.int("at")?)?,
                r.opt_text("actor")?.unwrap_or_default(),
            ));
        }
    }
    for r in c
        .query(
            "SELECT x.visit_id, MIN(x.at) AS at FROM visit_event x JOIN visit v ON v.id = x.visit_id \
             WHERE x.kind = 'transitioned' AND x.at >= $2 AND x.at < $4 \
               AND v.location_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3 \
               AND (x.detail LIKE '%\"to\":\"checkout\"%' OR x.detail LIKE '%\"to\":\"done\"%') \
             GROUP BY x.visit_id",
            params![location, from, to, to + LATE_EVENTS_MS],
        )
        .await?
    {
        if let Some(&i) = index.get(&r.int("visit_id")?) {
            visits[i].checkout_at = Some(at(r.int("at")?)?);
        }
    }
    let mut reopened: HashSet<i64> = HashSet::new();
    let mut replies: Vec<ReplyFacts> = Vec::new();
    let mut rare = Vec::new();
    // One kind at a time, so each read is a range on `visit_event_by_kind`.
    for kind in ["ack_escalated", "concern_reopened", "reply_held"] {
        rare.extend(
            c.query(
                "SELECT e.visit_id, e.kind, e.at, e.detail FROM visit_event e JOIN visit v ON v.id = e.visit_id \
                 WHERE e.kind = $5 AND e.at >= $2 AND e.at < $4 \
                   AND v.location_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3 ORDER BY e.id",
                params![location, from, to, to + LATE_EVENTS_MS, kind],
            )
            .await?,
        );
    }
    for r in rare {
        let visit_id = r.int("visit_id")?;
        let Some(&i) = index.get(&visit_id) else {
            continue;
        };
        match r.text("kind")?.as_str() {
            "ack_escalated" => visits[i].escalated = true,
            "concern_reopened" => {
                if let Some(id) = json(&r.text("detail")?)["concern_id"].as_i64() {
                    reopened.insert(id);
                }
            }
            "reply_held" => replies.push(ReplyFacts {
                visit_id: Some(visit_id),
                at: at(r.int("at")?)?,
                by: json(&r.text("detail")?)["by"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                flagged: true,
                sent_anyway: false,
            }),
            _ => {}
        }
    }
    let mut waits = Vec::new();
    for r in c
        .query(
            "SELECT p.visit_id, p.status, p.due_at, p.fulfilled_at FROM promise p JOIN visit v ON v.id = p.visit_id \
             WHERE v.location_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3 AND p.kind = 'seen_by' \
             ORDER BY p.visit_id, p.id",
            params![location, from, to],
        )
        .await?
    {
        waits.push(WaitFacts {
            visit_id: r.int("visit_id")?,
            status: parse_name(&r.text("status")?)?,
            due_at: at(r.int("due_at")?)?,
            fulfilled_at: opt_at(r.opt_int("fulfilled_at")?)?,
        });
    }
    let mut ledger = Vec::new();
    for r in c
        .query(
            "SELECT id, visit_id, kind, status, made_by, owner, made_at FROM promise \
             WHERE location_id = $1 AND made_at >= $2 AND made_at < $3 AND kind <> 'seen_by' ORDER BY id",
            params![location, from, to],
        )
        .await?
    {
        ledger.push(LedgerFacts {
            id: r.int("id")?,
            visit_id: r.opt_int("visit_id")?,
            kind: parse_name(&r.text("kind")?)?,
            status: parse_name(&r.text("status")?)?,
            who: r.opt_text("owner")?.unwrap_or(r.text("made_by")?),
            made_at: at(r.int("made_at")?)?,
        });
    }
    let mut concerns = Vec::new();
    for r in c
        .query(
            "SELECT c.id, c.visit_id, c.raised_at, c.first_answered_at, c.answered_by, c.answered_at, c.tone_flags \
             FROM concern c JOIN visit v ON v.id = c.visit_id \
             WHERE v.location_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3 ORDER BY c.id",
            params![location, from, to],
        )
        .await?
    {
        let id = r.int("id")?;
        let visit_id = r.int("visit_id")?;
        let answered_by = r.opt_text("answered_by")?;
        if let (Some(by), Some(when)) = (&answered_by, r.opt_int("answered_at")?) {
            let flags = r.text("tone_flags")?;
            replies.push(ReplyFacts {
                visit_id: Some(visit_id),
                at: at(when)?,
                by: by.clone(),
                flagged: !flags.is_empty(),
                sent_anyway: !flags.is_empty(),
            });
        }
        concerns.push(ConcernFacts {
            id,
            visit_id,
            raised_at: at(r.int("raised_at")?)?,
            first_answered_at: opt_at(r.opt_int("first_answered_at")?)?,
            answered_by,
            reopened: reopened.contains(&id),
        });
    }
    let complaint_rows = c
        .query(
            "SELECT * FROM complaint WHERE location_id = $1 AND received_at >= $2 AND received_at < $3 ORDER BY id",
            params![location, from, to],
        )
        .await?;
    let event_rows = c
        .query(
            "SELECT e.complaint_id, e.kind, e.at, e.actor, e.detail FROM complaint_event e \
             JOIN complaint k ON k.id = e.complaint_id \
             WHERE k.location_id = $1 AND k.received_at >= $2 AND k.received_at < $3 \
               AND e.kind IN ('paused', 'resumed', 'reply') ORDER BY e.id",
            params![location, from, to],
        )
        .await?;
    let pause_rows: Vec<_> = event_rows
        .iter()
        .filter(|r| matches!(r.text("kind").as_deref(), Ok("paused" | "resumed")))
        .cloned()
        .collect();
    let complaints = super::complaints::with_pauses(&complaint_rows, &pause_rows)?;
    let visit_of: HashMap<i64, Option<i64>> =
        complaints.iter().map(|k| (k.id, k.visit_id)).collect();
    for r in &event_rows {
        let kind = r.text("kind")?;
        if kind != "reply" {
            continue;
        }
        let anyway = json(&r.text("detail")?)["sent_anyway"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        replies.push(ReplyFacts {
            visit_id: visit_of.get(&r.int("complaint_id")?).copied().flatten(),
            at: at(r.int("at")?)?,
            by: r.text("actor")?,
            flagged: anyway,
            sent_anyway: anyway,
        });
    }
    let mut surveys = Vec::new();
    for r in c
        .query(
            "SELECT s.visit_id, s.status, s.helpful, s.courteous, s.listened, s.wait_as_promised, s.overall, \
                    s.comment, s.contact_me, p.status AS recovery_status \
             FROM survey s JOIN visit v ON v.id = s.visit_id LEFT JOIN promise p ON p.id = s.recovery_promise_id \
             WHERE v.location_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3 \
               AND s.status IN ('sent', 'answered') ORDER BY s.visit_id",
            params![location, from, to],
        )
        .await?
    {
        let answer = super::surveys::answer_of(&r)?;
        surveys.push(SurveyFacts {
            visit_id: r.int("visit_id")?,
            answer,
            recovery: r
                .opt_text("recovery_status")?
                .map(|s| parse_name(&s))
                .transpose()?,
        });
    }
    Ok(ScorecardData {
        facts: Facts {
            visits,
            waits,
            ledger,
            concerns,
            complaints: Vec::new(),
            replies,
            surveys,
        },
        complaints,
    })
}
