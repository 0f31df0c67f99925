//! Visits: check-in (walk-ins and the expected visits of the schedule),
//! acknowledgement, moves, the lobby, the timeline, patients' status links
//! and the schedule import.

use super::{
    AuditRow, at, event, exists, insert_id, ms, one, opt_at, parse_name, promises, record,
};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::appointment::Appointment;
use frontdesk_domain::patient::NewPatient;
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{AckPolicy, FieldErrors, Timestamp, VisitState};
use serde_json::json;

/// `SELECT` of a visit joined with its patient, followed by the given clause.
macro_rules! visit_select {
    ($rest:literal) => {
        concat!(
            "SELECT v.id, v.location_id, v.patient_id, p.given_name, p.family_name, p.preferred_name, ",
            "p.date_of_birth, v.provider_id, v.visit_type, v.appointment_id, v.scheduled_at, v.duration_min, ",
            "v.state, v.arrived_at, v.seen_at, v.last_acknowledged_at, v.acknowledged_by, v.state_changed_at, v.created_at ",
            "FROM visit v JOIN patient p ON p.id = v.patient_id ",
            $rest
        )
    };
}

fn visit_from_row(row: &Row) -> Result<Visit> {
    Ok(Visit {
        id: row.int("id")?,
        location: row.text("location_id")?,
        patient_id: row.int("patient_id")?,
        given_name: row.text("given_name")?,
        family_name: row.text("family_name")?,
        preferred_name: row.opt_text("preferred_name")?,
        date_of_birth: row.opt_text("date_of_birth")?.and_then(|d| d.parse().ok()),
        provider: row.opt_text("provider_id")?,
        visit_type: row.opt_text("visit_type")?,
        appointment_id: row.opt_text("appointment_id")?,
        scheduled_at: opt_at(row.opt_int("scheduled_at")?)?,
        duration_min: row.opt_int("duration_min")?,
        state: parse_name(&row.text("state")?)?,
        arrived_at: opt_at(row.opt_int("arrived_at")?)?,
        seen_at: opt_at(row.opt_int("seen_at")?)?,
        last_acknowledged_at: opt_at(row.opt_int("last_acknowledged_at")?)?,
        acknowledged_by: row.opt_text("acknowledged_by")?,
        state_changed_at: at(row.int("state_changed_at")?)?,
        created_at: at(row.int("created_at")?)?,
    })
}

fn visits(rows: &[Row]) -> Result<Vec<Visit>> {
    rows.iter().map(visit_from_row).collect()
}

/// `visit:ID`, as the audit log names a visit.
pub(crate) fn subject(visit_id: i64) -> String {
    format!("visit:{visit_id}")
}

/// A time as stored: milliseconds, so what is handed back equals what a
/// later read returns.
fn stored(t: Timestamp) -> Result<Timestamp> {
    at(ms(t))
}

pub async fn by_id<C: Conn>(c: &mut C, id: i64) -> Result<Visit> {
    let row = one(c, visit_select!("WHERE v.id = $1"), params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    visit_from_row(&row)
}

/// The visit made from an imported appointment, by the appointment's id.
pub async fn by_appointment<C: Conn>(
    c: &mut C,
    location: &str,
    appointment_id: &str,
) -> Result<Visit> {
    let row = one(
        c,
        visit_select!("WHERE v.location_id = $1 AND v.appointment_id = $2"),
        params![location, appointment_id],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    visit_from_row(&row)
}

pub(crate) async fn insert_patient<C: Conn>(
    c: &mut C,
    p: &NewPatient,
    now: Timestamp,
) -> Result<i64> {
    insert_id(
        c,
        "INSERT INTO patient (given_name, family_name, preferred_name, date_of_birth, phone, email, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        params![
            p.given_name.as_str(),
            p.family_name.as_str(),
            &p.preferred_name,
            p.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
            &p.phone,
            &p.email,
            ms(now)
        ],
    )
    .await
}

/// A new patient and their `waiting` visit.
async fn walk_in<C: Conn>(c: &mut C, visit: &NewVisit, now: Timestamp) -> Result<Visit> {
    let mut invalid = FieldErrors::new();
    if !exists(c, "SELECT id FROM location WHERE id = $1", &visit.location).await? {
        invalid.add("location", "Unknown location");
    }
    if let Some(provider) = &visit.provider
        && !exists(c, "SELECT id FROM provider WHERE id = $1", provider).await?
    {
        invalid.add("provider", "Unknown provider");
    }
    if !invalid.is_empty() {
        return Err(StoreError::Invalid(invalid));
    }
    let patient_id = insert_patient(c, &visit.patient, now).await?;
    let id = insert_id(
        c,
        "INSERT INTO visit (location_id, patient_id, provider_id, visit_type, state, arrived_at, state_changed_at, created_at) \
         VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $7) RETURNING id",
        params![visit.location.as_str(), patient_id, &visit.provider, &visit.visit_type, ms(now), ms(now), ms(now)],
    )
    .await?;
    // The new visit, without reading it back.
    Ok(Visit {
        id,
        location: visit.location.clone(),
        patient_id,
        given_name: visit.patient.given_name.clone(),
        family_name: visit.patient.family_name.clone(),
        preferred_name: visit.patient.preferred_name.clone(),
        date_of_birth: visit.patient.date_of_birth,
        provider: visit.provider.clone(),
        visit_type: visit.visit_type.clone(),
        appointment_id: None,
        scheduled_at: None,
        duration_min: None,
        state: VisitState::Waiting,
        arrived_at: Some(stored(now)?),
        seen_at: None,
        last_acknowledged_at: None,
        acknowledged_by: None,
        state_changed_at: stored(now)?,
        created_at: stored(now)?,
    })
}

/// An expected visit, now `waiting`.
async fn expected_arrives<C: Conn>(c: &mut C, visit_id: i64, now: Timestamp) -> Result<Visit> {
    let mut v = by_id(c, visit_id).await?;
    v.state.transition(VisitState::Waiting)?;
    let changed = c
        .exec(
            "UPDATE visit SET state = 'waiting', arrived_at = $1, state_changed_at = $2 WHERE id = $3 AND state = 'expected'",
            params![ms(now), ms(now), visit_id],
        )
        .await?;
    super::guarded(changed, "visit")?;
    v.state = VisitState::Waiting;
    v.arrived_at = Some(stored(now)?);
    v.state_changed_at = stored(now)?;
    Ok(v)
}

/// A check-in and everything that comes with it (see [`CheckIn`]).
pub async fn check_in<C: Conn>(
    c: &mut C,
    check_in: &CheckIn,
    actor: &Actor,
    now: Timestamp,
) -> Result<Arrived> {
    if matches!(check_in.arrival, Arrival::WalkIn(_)) && check_in.arrival_link.is_some() {
        return Err(StoreError::Refused(
            "an arrival link checks in its own appointment only".into(),
        ));
    }
    let (visit, detail, audit_detail) = match &check_in.arrival {
        Arrival::WalkIn(new) => (walk_in(c, new, now).await?, json!({}), ""),
        Arrival::Expected { visit_id } => {
            let visit = expected_arrives(c, *visit_id, now).await?;
            match &check_in.arrival_link {
                Some(link) => {
                    super::arrivals::mark_used(c, link, visit.id, now).await?;
                    (
                        visit,
                        json!({"with_appointment": true, "arrival_link": true}),
                        "appointment; arrival link",
                    )
                }
                None => (visit, json!({"with_appointment": true}), "appointment"),
            }
        }
    };
    let id = visit.id;
    record(
        c,
        id,
        EventKind::Arrived,
        actor,
        &detail,
        AuditRow {
            action: "visit.check_in",
            subject: subject(id),
            detail: audit_detail.into(),
        },
        now,
    )
    .await?;
    if let Some(p) = &check_in.promise {
        let p = NewPromise {
            visit_id: Some(id),
            patient_id: Some(visit.patient_id),
            ..p.clone()
        };
        promises::insert(c, &p, actor, now).await?;
    }
    if let Some(link) = &check_in.status_link {
        create_status_link(c, id, link, now).await?;
    }
    for m in &check_in.messages {
        let m = NewOutboxMessage {
            visit_id: Some(id),
            ..m.clone()
        };
        super::outbox::enqueue(c, &m, actor, now).await?;
    }
    let mut concern = None;
    if let Some(new) = &check_in.concern {
        let new = NewConcern {
            visit_id: id,
            ..new.clone()
        };
        concern = Some(super::concerns::raise(c, &new, actor, now).await?);
    }
    Ok(Arrived { visit, concern })
}

pub async fn acknowledge<C: Conn>(
    c: &mut C,
    visit_id: i64,
    actor: &Actor,
    now: Timestamp,
) -> Result<Visit> {
    let mut v = by_id(c, visit_id).await?;
    if !v.state.is_present() {
        return Err(StoreError::Refused(format!(
            "only a patient who is here can be acknowledged; this visit is {}",
            v.state.label().to_lowercase()
        )));
    }
    let changed = c
        .exec(
            "UPDATE visit SET last_acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND state = $4",
            params![ms(now), actor.as_str(), visit_id, v.state.as_str()],
        )
        .await?;
    super::guarded(changed, "visit")?;
    record(
        c,
        visit_id,
        EventKind::Acknowledged,
        actor,
        &json!({}),
        AuditRow {
            action: "visit.acknowledge",
            subject: subject(visit_id),
            detail: String::new(),
        },
        now,
    )
    .await?;
    v.last_acknowledged_at = Some(stored(now)?);
    v.acknowledged_by = Some(actor.as_str().to_string());
    Ok(v)
}

/// Move a visit. An expected patient marked as arrived (`expected` →
/// `waiting`) gets `arrival_promise`, their wait promise, in the same
/// transaction; on any other move it is not used.
pub async fn transition<C: Conn>(
    c: &mut C,
    visit_id: i64,
    to: VisitState,
    arrival_promise: Option<&NewPromise>,
    actor: &Actor,
    now: Timestamp,
) -> Result<Visit> {
    let mut v = by_id(c, visit_id).await?;
    let from = v.state;
    from.transition(to)?;
    // No silent checkout: concerns that still need an answer stop it.
    if frontdesk_domain::concern::checkout_needs_answers(to) {
        let waiting: Vec<Concern> = super::concerns::of_visit(c, visit_id)
            .await?
            .into_iter()
            .filter(|k| k.status.needs_answer())
            .collect();
        if !waiting.is_empty() {
            return Err(StoreError::OpenConcerns(waiting));
        }
    }
    let arriving = from == VisitState::Expected && to == VisitState::Waiting;
    let sql = if arriving {
        "UPDATE visit SET state = $1, state_changed_at = $2, arrived_at = $2 WHERE id = $3 AND state = $4"
    } else if to == VisitState::WithProvider {
        // First time with the provider: the moment the wait ended.
        "UPDATE visit SET state = $1, state_changed_at = $2, seen_at = COALESCE(seen_at, $2) WHERE id = $3 AND state = $4"
    } else {
        "UPDATE visit SET state = $1, state_changed_at = $2 WHERE id = $3 AND state = $4"
    };
    let changed = c
        .exec(sql, params![to.as_str(), ms(now), visit_id, from.as_str()])
        .await?;
    super::guarded(changed, "visit")?;
    let detail = json!({"from": from.as_str(), "to": to.as_str()});
    record(
        c,
        visit_id,
        EventKind::Transitioned,
        actor,
        &detail,
        AuditRow {
            action: "visit.transition",
            subject: subject(visit_id),
            detail: detail.to_string(),
        },
        now,
    )
    .await?;
    if to == VisitState::WithProvider && v.seen_at.is_none() {
        v.seen_at = Some(stored(now)?);
    }
    // The wait promise is settled when the wait ends (the rule is the domain's).
    if frontdesk_domain::promise::wait_ends(to)
        && let Some(p) = promises::of_visit(c, visit_id).await?
        && p.status == PromiseStatus::Open
        && let Some(status) = frontdesk_domain::promise::wait_settlement(to, p.due_at, now)
    {
        promises::settle(c, &p, status, actor, now).await?;
    }
    if arriving && let Some(p) = arrival_promise {
        let p = NewPromise {
            visit_id: Some(visit_id),
            patient_id: Some(v.patient_id),
            ..p.clone()
        };
        promises::insert(c, &p, actor, now).await?;
    }
    v.state = to;
    v.state_changed_at = stored(now)?;
    if arriving {
        v.arrived_at = Some(stored(now)?);
    }
    Ok(v)
}

pub async fn lobby<C: Conn>(c: &mut C, location: &str) -> Result<Vec<Visit>> {
    let rows = c
        .query(
            visit_select!(
                "WHERE v.location_id = $1 AND v.state IN ('waiting', 'roomed', 'with_provider', 'checkout') \
                 ORDER BY v.arrived_at, v.id"
            ),
            params![location],
        )
        .await?;
    visits(&rows)
}

pub async fn expected<C: Conn>(
    c: &mut C,
    location: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Visit>> {
    let rows = c
        .query(
            visit_select!(
                "WHERE v.location_id = $1 AND v.state = 'expected' AND v.scheduled_at >= $2 AND v.scheduled_at < $3 \
                 ORDER BY v.scheduled_at, v.id"
            ),
            params![location, ms(from), ms(to)],
        )
        .await?;
    visits(&rows)
}

pub async fn timeline<C: Conn>(c: &mut C, visit_id: i64) -> Result<Vec<TimelineEvent>> {
    c.query(
        "SELECT id, visit_id, at, kind, actor, detail FROM visit_event WHERE visit_id = $1 ORDER BY id",
        params![visit_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(TimelineEvent {
            id: r.int("id")?,
            visit_id: r.int("visit_id")?,
            at: at(r.int("at")?)?,
            kind: parse_name(&r.text("kind")?)?,
            actor: r.opt_text("actor")?,
            detail: serde_json::from_str(&r.text("detail")?)
                .map_err(|e| StoreError::Corrupt(format!("timeline detail: {e}")))?,
        })
    })
    .collect()
}

pub async fn running_clocks<C: Conn>(c: &mut C) -> Result<Vec<Visit>> {
    let rows = c
        .query(
            visit_select!("WHERE v.state IN ('waiting', 'roomed') ORDER BY v.id"),
            &[],
        )
        .await?;
    visits(&rows)
}

/// Visits at a location whose acknowledgement clock passes its due time or
/// its escalation time in (`after`, `until`]: what the watcher evaluates on a
/// tick. The due time is worked out as `AckPolicy::clock` does (from the later
/// of arrival and the last acknowledgement); the index `visit_clock` holds
/// every column the inner query reads.
pub async fn clocks_due<C: Conn>(
    c: &mut C,
    location: &str,
    policy: AckPolicy,
    after: Timestamp,
    until: Timestamp,
) -> Result<Vec<Visit>> {
    let first = policy.first_within.num_milliseconds();
    let recheck = policy.recheck_every.num_milliseconds();
    let escalate = policy.escalate_after.num_milliseconds();
    let rows = c
        .query(
            visit_select!(
                "WHERE v.id IN (SELECT d.id FROM (SELECT id, CASE WHEN last_acknowledged_at IS NULL THEN arrived_at + $2 \
                 WHEN last_acknowledged_at > arrived_at THEN last_acknowledged_at + $3 ELSE arrived_at + $3 END AS due \
                 FROM visit WHERE location_id = $1 AND state IN ('waiting', 'roomed') AND arrived_at IS NOT NULL) d \
                 WHERE (d.due > $4 AND d.due <= $5) OR (d.due > $6 AND d.due <= $7)) ORDER BY v.id"
            ),
            params![
                location,
                first,
                recheck,
                ms(after),
                ms(until),
                ms(after) - escalate,
                ms(until) - escalate
            ],
        )
        .await?;
    visits(&rows)
}

/// The latest overdue and escalation alerts of visits whose clock is running,
/// so a restarted server does not raise them again.
pub async fn running_alerts<C: Conn>(c: &mut C) -> Result<Vec<(i64, EventKind, Timestamp)>> {
    let rows = c
        .query(
            "SELECT e.visit_id AS visit_id, e.kind AS kind, MAX(e.at) AS at FROM visit_event e \
             JOIN visit v ON v.id = e.visit_id \
             WHERE v.state IN ('waiting', 'roomed') AND e.kind IN ('ack_overdue', 'ack_escalated') \
             GROUP BY e.visit_id, e.kind",
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.int("visit_id")?,
                parse_name(&r.text("kind")?)?,
                at(r.int("at")?)?,
            ))
        })
        .collect()
}

/// What the patient said on their status page ("I stepped out", "I'm back"),
/// on the timeline and in the audit log under the link's name.
pub async fn patient_said<C: Conn>(
    c: &mut C,
    visit_id: i64,
    kind: EventKind,
    detail: &serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    by_id(c, visit_id).await?;
    record(
        c,
        visit_id,
        kind,
        &Actor::patient_link(),
        detail,
        AuditRow {
            action: &format!("status.{kind}"),
            subject: subject(visit_id),
            detail: String::new(),
        },
        now,
    )
    .await
}

pub async fn import_appointments<C: Conn>(
    c: &mut C,
    appointments: &[Appointment],
    actor: &Actor,
    now: Timestamp,
) -> Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    for a in appointments {
        if !exists(c, "SELECT id FROM location WHERE id = $1", &a.location).await? {
            let mut e = FieldErrors::new();
            e.add(
                "location",
                format!(
                    "Unknown location {:?} (appointment {})",
                    a.location, a.appointment_id
                ),
            );
            return Err(StoreError::Invalid(e));
        }
        // Providers arrive with the schedule; a manager can give them a display name later.
        c.exec(
            "INSERT INTO provider (id, name, location_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            params![a.provider.as_str(), a.provider.as_str(), a.location.as_str()],
        )
        .await?;
        let existing = one(
            c,
            "SELECT id FROM visit WHERE location_id = $1 AND appointment_id = $2",
            params![a.location.as_str(), a.appointment_id.as_str()],
        )
        .await?;
        if existing.is_some() {
            summary.already_present += 1;
            continue;
        }
        let patient_id = insert_patient(c, &a.patient, now).await?;
        let id = insert_id(
            c,
            "INSERT INTO visit (location_id, patient_id, provider_id, visit_type, appointment_id, scheduled_at, duration_min, \
                                state, state_changed_at, created_at, appointment_source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'expected', $8, $9, 'csv') RETURNING id",
            params![
                a.location.as_str(),
                patient_id,
                a.provider.as_str(),
                &a.visit_type,
                a.appointment_id.as_str(),
                ms(a.scheduled_at),
                a.duration_min.map(i64::from),
                ms(now),
                ms(now)
            ],
        )
        .await?;
        event(c, id, EventKind::Scheduled, Some(actor), &json!({}), now).await?;
        summary.created += 1;
    }
    let detail = format!(
        "{} created, {} already present",
        summary.created, summary.already_present
    );
    super::audit::write(c, actor, "appointments.import", "schedule", &detail, now).await?;
    Ok(summary)
}

/// Visits that arrived since `since`, for warming up the quote engine.
pub async fn since<C: Conn>(c: &mut C, since: Timestamp) -> Result<Vec<Visit>> {
    let rows = c
        .query(
            visit_select!("WHERE v.arrived_at >= $1 ORDER BY v.arrived_at, v.id"),
            params![ms(since)],
        )
        .await?;
    visits(&rows)
}

/// What the lobby board marks beside each patient.
pub async fn lobby_marks<C: Conn>(
    c: &mut C,
    location: &str,
    since: Timestamp,
) -> Result<LobbyMarks> {
    let concerns = c
        .query(
            "SELECT visit_id, status FROM concern WHERE location_id = $1 AND raised_at >= $2",
            params![location, ms(since)],
        )
        .await?
        .iter()
        .map(|r| Ok((r.int("visit_id")?, parse_name(&r.text("status")?)?)))
        .collect::<Result<Vec<_>>>()?;
    let upset = c
        .query(
            "SELECT DISTINCT e.visit_id FROM visit_event e JOIN visit v ON v.id = e.visit_id \
             WHERE e.kind = 'upset' AND e.at >= $1 AND v.location_id = $2",
            params![ms(since), location],
        )
        .await?
        .iter()
        .map(|r| r.int("visit_id").map_err(StoreError::from))
        .collect::<Result<Vec<_>>>()?;
    // The last of "stepped out" / "back" per visit says where the patient is.
    let mut last: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
    for r in c
        .query(
            "SELECT e.visit_id, e.kind FROM visit_event e JOIN visit v ON v.id = e.visit_id \
             WHERE e.kind IN ('stepped_out', 'back') AND e.at >= $1 AND v.location_id = $2 ORDER BY e.id",
            params![ms(since), location],
        )
        .await?
    {
        let kind: EventKind = parse_name(&r.text("kind")?)?;
        last.insert(r.int("visit_id")?, kind == EventKind::SteppedOut);
    }
    let mut stepped_out: Vec<i64> = last
        .into_iter()
        .filter(|(_, out)| *out)
        .map(|(v, _)| v)
        .collect();
    stepped_out.sort_unstable();
    // "Running late" on the arrival link: the latest word per visit.
    let mut late: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for r in c
        .query(
            "SELECT e.visit_id, e.detail FROM visit_event e JOIN visit v ON v.id = e.visit_id \
             WHERE e.kind = 'running_late' AND e.at >= $1 AND v.location_id = $2 ORDER BY e.id",
            params![ms(since), location],
        )
        .await?
    {
        let detail: serde_json::Value = serde_json::from_str(&r.text("detail")?)
            .map_err(|e| StoreError::Corrupt(format!("timeline detail: {e}")))?;
        if let Some(minutes) = detail["minutes"].as_i64() {
            late.insert(r.int("visit_id")?, minutes);
        }
    }
    Ok(LobbyMarks {
        concerns,
        upset,
        stepped_out,
        running_late: late.into_iter().collect(),
    })
}

// --- patients' status links ---

pub async fn create_status_link<C: Conn>(
    c: &mut C,
    visit_id: i64,
    link: &NewStatusLink,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO status_link (token_hash, visit_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        params![link.token_hash.as_str(), visit_id, ms(now), ms(link.expires_at)],
    )
    .await?;
    Ok(())
}

/// The visit a live (unexpired) link belongs to.
pub async fn status_link_visit<C: Conn>(
    c: &mut C,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<i64>> {
    Ok(one(
        c,
        "SELECT visit_id FROM status_link WHERE token_hash = $1 AND expires_at > $2",
        params![token_hash, ms(now)],
    )
    .await?
    .map(|r| r.int("visit_id"))
    .transpose()?)
}

/// Delete the status links that have expired (they answer nothing any more). The count.
pub async fn delete_expired_status_links<C: Conn>(c: &mut C, now: Timestamp) -> Result<u64> {
    Ok(c.exec(
        "DELETE FROM status_link WHERE expires_at <= $1",
        params![ms(now)],
    )
    .await?)
}
