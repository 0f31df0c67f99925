//! Post-visit surveys: the watcher's decision for each done visit (sent,
//! or skipped for an opt-out or a survey within 30 days; one row per visit,
//! so each visit is decided once however many servers try), the answer with
//! what a low one opens (the recovery promise, the complaint), and opt-outs.
//! Only hashes of link tokens and of addresses are kept.

use super::visits::{self, subject};
use super::{AuditRow, at, ms, one, opt_at, parse_name, record, time_text};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::Timestamp;
use frontdesk_domain::survey::{SurveyAnswer, once_per};
use frontdesk_domain::timeline::EventKind;
use serde_json::json;

fn frequency(r: &Row, name: &str) -> Result<Option<Frequency>> {
    Ok(match r.opt_text(name)? {
        None => None,
        Some(t) => Some(
            Frequency::ALL
                .into_iter()
                .find(|f| f.as_str() == t)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown answer {t:?}")))?,
        ),
    })
}

/// The answer a survey row holds (its answer columns), `None` before it is
/// answered. The scorecard reads answers with the same columns.
pub(crate) fn answer_of(r: &Row) -> Result<Option<SurveyAnswer>> {
    Ok(
        match (
            frequency(r, "helpful")?,
            frequency(r, "courteous")?,
            frequency(r, "listened")?,
            r.opt_int("wait_as_promised")?,
            r.opt_int("overall")?,
        ) {
            (Some(helpful), Some(courteous), Some(listened), Some(wait), Some(overall)) => {
                Some(SurveyAnswer {
                    helpful,
                    courteous,
                    listened,
                    wait_as_promised: wait != 0,
                    overall: u8::try_from(overall)
                        .map_err(|_| StoreError::Corrupt(format!("overall {overall}")))?,
                    comment: r.opt_text("comment")?,
                    contact_me: r.opt_int("contact_me")?.unwrap_or(0) != 0,
                })
            }
            _ => None,
        },
    )
}

fn survey_from_row(r: &Row) -> Result<Survey> {
    let answer = answer_of(r)?;
    Ok(Survey {
        id: r.int("id")?,
        visit_id: r.int("visit_id")?,
        location: r.text("location_id")?,
        status: parse_name(&r.text("status")?)?,
        created_at: at(r.int("created_at")?)?,
        expires_at: opt_at(r.opt_int("expires_at")?)?,
        answered_at: opt_at(r.opt_int("answered_at")?)?,
        answer,
        recovery_promise_id: r.opt_int("recovery_promise_id")?,
        complaint_id: r.opt_int("complaint_id")?,
    })
}

/// Done visits at a location, done in `(done_after, done_until]`, not
/// decided yet, whose patient gave an address on a channel that can be sent;
/// oldest first, at most `limit`.
pub async fn due<C: Conn>(
    c: &mut C,
    location: &str,
    done_after: Timestamp,
    done_until: Timestamp,
    email: bool,
    sms: bool,
    limit: i64,
) -> Result<Vec<SurveyDue>> {
    if !email && !sms {
        return Ok(Vec::new());
    }
    let rows = c
        .query(
            "SELECT v.id AS id FROM visit v JOIN patient p ON p.id = v.patient_id \
             WHERE v.location_id = $1 AND v.state = 'done' \
               AND v.state_changed_at > $2 AND v.state_changed_at <= $3 \
               AND NOT EXISTS (SELECT 1 FROM survey s WHERE s.visit_id = v.id) \
               AND (($4 = 1 AND TRIM(COALESCE(p.email, '')) <> '') OR ($5 = 1 AND TRIM(COALESCE(p.phone, '')) <> '')) \
             ORDER BY v.state_changed_at, v.id LIMIT $6",
            params![
                location,
                ms(done_after),
                ms(done_until),
                i64::from(email),
                i64::from(sms),
                limit.max(0)
            ],
        )
        .await?;
    let mut due = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.int("id")?;
        due.push(SurveyDue {
            visit: visits::by_id(c, id).await?,
            contacts: super::arrivals::contacts(c, id).await?,
        });
    }
    Ok(due)
}

/// A survey row decided without sending, on the timeline.
async fn skip<C: Conn>(
    c: &mut C,
    visit: &Visit,
    status: SurveyStatus,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO survey (visit_id, location_id, status, created_at) VALUES ($1, $2, $3, $4)",
        params![visit.id, visit.location.as_str(), status.as_str(), ms(now)],
    )
    .await?;
    super::event(
        c,
        visit.id,
        EventKind::SurveySent,
        Some(&Actor::system()),
        &json!({"sent": false, "because": status.as_str()}),
        now,
    )
    .await
}

/// Decide one done visit's survey, once: skipped when an address opted out
/// or was asked within 30 days, else sent (the row, the addresses' hashes,
/// the messages, the timeline entry and the audit row).
pub async fn send<C: Conn>(c: &mut C, s: &SendSurvey, now: Timestamp) -> Result<SurveySent> {
    if one(
        c,
        "SELECT id FROM survey WHERE visit_id = $1",
        params![s.visit_id],
    )
    .await?
    .is_some()
    {
        return Ok(SurveySent::AlreadyDecided);
    }
    let visit = visits::by_id(c, s.visit_id).await?;
    if visit.state != frontdesk_domain::VisitState::Done {
        return Ok(SurveySent::AlreadyDecided);
    }
    for hash in &s.address_hashes {
        if one(
            c,
            "SELECT address_hash FROM survey_opt_out WHERE address_hash = $1",
            params![hash.as_str()],
        )
        .await?
        .is_some()
        {
            skip(c, &visit, SurveyStatus::OptedOut, now).await?;
            return Ok(SurveySent::OptedOut);
        }
    }
    for hash in &s.address_hashes {
        if one(
            c,
            "SELECT survey_id FROM survey_address WHERE address_hash = $1 AND sent_at > $2",
            params![hash.as_str(), ms(now - once_per())],
        )
        .await?
        .is_some()
        {
            skip(c, &visit, SurveyStatus::AskedRecently, now).await?;
            return Ok(SurveySent::AskedRecently);
        }
    }
    let id = super::insert_id(
        c,
        "INSERT INTO survey (visit_id, location_id, status, token_hash, created_at, expires_at) \
         VALUES ($1, $2, 'sent', $3, $4, $5) RETURNING id",
        params![
            visit.id,
            visit.location.as_str(),
            s.token_hash.as_str(),
            ms(now),
            ms(s.expires_at)
        ],
    )
    .await?;
    for hash in &s.address_hashes {
        c.exec(
            "INSERT INTO survey_address (address_hash, survey_id, sent_at) VALUES ($1, $2, $3)",
            params![hash.as_str(), id, ms(now)],
        )
        .await?;
    }
    let actor = Actor::system();
    let mut channels = Vec::new();
    for m in &s.messages {
        let m = NewOutboxMessage {
            visit_id: Some(visit.id),
            location: visit.location.clone(),
            ..m.clone()
        };
        super::outbox::enqueue(c, &m, &actor, now).await?;
        channels.push(m.channel.as_str());
    }
    record(
        c,
        visit.id,
        EventKind::SurveySent,
        &actor,
        &json!({"sent": true, "sent_by": channels, "expires_at": time_text(s.expires_at)}),
        AuditRow {
            action: "survey.send",
            subject: subject(visit.id),
            detail: channels.join(", "),
        },
        now,
    )
    .await?;
    Ok(SurveySent::Sent)
}

/// The survey a link's token hash names (whatever its state).
pub async fn by_token<C: Conn>(c: &mut C, token_hash: &str) -> Result<Option<Survey>> {
    one(
        c,
        "SELECT * FROM survey WHERE token_hash = $1",
        params![token_hash],
    )
    .await?
    .map(|r| survey_from_row(&r))
    .transpose()
}

/// A visit's survey, if one was decided.
pub async fn of_visit<C: Conn>(c: &mut C, visit_id: i64) -> Result<Option<Survey>> {
    one(
        c,
        "SELECT * FROM survey WHERE visit_id = $1",
        params![visit_id],
    )
    .await?
    .map(|r| survey_from_row(&r))
    .transpose()
}

/// Record an answer, once, while the link works: `NotFound` for an unknown
/// or expired link, `Conflict` for one answered already. A low answer's
/// recovery promise and complaint are written with it; all of it is on the
/// visit's timeline.
pub async fn answer<C: Conn>(c: &mut C, a: &AnswerSurvey, now: Timestamp) -> Result<Survey> {
    let Some(found) = by_token(c, &a.token_hash).await? else {
        return Err(StoreError::NotFound);
    };
    if found.status == SurveyStatus::Answered {
        return Err(StoreError::Conflict(
            "this survey was answered already".into(),
        ));
    }
    if found.expires_at.is_none_or(|e| e <= now) {
        return Err(StoreError::NotFound);
    }
    let x = &a.answer;
    let changed = c
        .exec(
            "UPDATE survey SET status = 'answered', answered_at = $1, helpful = $2, courteous = $3, \
             listened = $4, wait_as_promised = $5, overall = $6, comment = $7, contact_me = $8, low = $9 \
             WHERE id = $10 AND status = 'sent' AND expires_at > $1",
            params![
                ms(now),
                x.helpful.as_str(),
                x.courteous.as_str(),
                x.listened.as_str(),
                i64::from(x.wait_as_promised),
                i64::from(x.overall),
                &x.comment,
                i64::from(x.contact_me),
                i64::from(x.is_low()),
                found.id
            ],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "this survey was answered already".into(),
        ));
    }
    let actor = Actor::survey_link();
    let visit_id = found.visit_id;
    record(
        c,
        visit_id,
        EventKind::SurveyAnswered,
        &actor,
        &json!({
            "survey_id": found.id,
            "helpful": x.helpful.as_str(),
            "courteous": x.courteous.as_str(),
            "listened": x.listened.as_str(),
            "wait_as_promised": x.wait_as_promised,
            "overall": x.overall,
            "comment": x.comment,
            "contact_me": x.contact_me,
            "low": x.is_low(),
            "recovery": a.recovery.is_some(),
        }),
        AuditRow {
            action: "survey.answer",
            subject: subject(visit_id),
            detail: if x.is_low() {
                "low".into()
            } else {
                String::new()
            },
        },
        now,
    )
    .await?;
    if let Some(p) = &a.recovery {
        let p = NewPromise {
            visit_id: Some(visit_id),
            location: found.location.clone(),
            ..p.clone()
        };
        let promise = super::promises::create(c, &p, &actor, now).await?;
        c.exec(
            "UPDATE survey SET recovery_promise_id = $1 WHERE id = $2",
            params![promise.id, found.id],
        )
        .await?;
    }
    if let Some(k) = &a.complaint {
        let complaint = super::complaints::create(
            c,
            &NewComplaintRecord {
                location: found.location.clone(),
                visit_id: Some(visit_id),
                complaint: k.clone(),
                owner: None,
                upset: a.upset.clone(),
            },
            &actor,
            now,
        )
        .await?;
        c.exec(
            "UPDATE survey SET complaint_id = $1 WHERE id = $2",
            params![complaint.id, found.id],
        )
        .await?;
    } else if let Some(detail) = &a.upset {
        super::event(c, visit_id, EventKind::Upset, None, detail, now).await?;
    }
    of_visit(c, visit_id).await?.ok_or(StoreError::NotFound)
}

/// No more surveys to the addresses a survey went to; `false` for an
/// unknown link. On the visit's timeline, audited.
pub async fn opt_out<C: Conn>(c: &mut C, token_hash: &str, now: Timestamp) -> Result<bool> {
    let Some(found) = by_token(c, token_hash).await? else {
        return Ok(false);
    };
    let hashes = c
        .query(
            "SELECT address_hash FROM survey_address WHERE survey_id = $1",
            params![found.id],
        )
        .await?;
    let mut added = 0;
    for r in &hashes {
        let hash = r.text("address_hash")?;
        if one(
            c,
            "SELECT address_hash FROM survey_opt_out WHERE address_hash = $1",
            params![hash.as_str()],
        )
        .await?
        .is_none()
        {
            c.exec(
                "INSERT INTO survey_opt_out (address_hash, opted_out_at) VALUES ($1, $2)",
                params![hash.as_str(), ms(now)],
            )
            .await?;
            added += 1;
        }
    }
    if added > 0 {
        record(
            c,
            found.visit_id,
            EventKind::SurveyOptOut,
            &Actor::survey_link(),
            &json!({"addresses": added}),
            AuditRow {
                action: "survey.opt_out",
                subject: subject(found.visit_id),
                detail: String::new(),
            },
            now,
        )
        .await?;
    }
    Ok(true)
}
