//! The schedule from an EHR (FHIR, HL7 v2): appointments that make, change,
//! cancel or mark as no-shows the expected visits the CSV import makes, in one
//! transaction per message or Bundle; and a day's visits with the identifier
//! each appointment came with, for the EHR to read back. What a change does to
//! the visit already there is `frontdesk_domain::schedule::plan`.

use super::visits::{by_id, insert_patient, subject};
use super::{AuditRow, exists, insert_id, ms, one, parse_name, promises, record};
use crate::db::{Conn, params};
use crate::*;
use frontdesk_domain::schedule::{Plan, ScheduleChange, ScheduleSource, plan};
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{FieldErrors, Timestamp, VisitState};
use serde_json::json;

/// Apply each change in order (a later one sees what an earlier one made).
/// An unknown location fails the whole call, naming the change by its index.
pub async fn apply<C: Conn>(
    c: &mut C,
    changes: &[ScheduleChange],
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<ScheduleOutcome>> {
    let mut out = Vec::with_capacity(changes.len());
    for (i, change) in changes.iter().enumerate() {
        out.push(apply_one(c, i, change, actor, now).await?);
    }
    Ok(out)
}

async fn apply_one<C: Conn>(
    c: &mut C,
    index: usize,
    change: &ScheduleChange,
    actor: &Actor,
    now: Timestamp,
) -> Result<ScheduleOutcome> {
    let a = &change.appointment;
    if !exists(c, "SELECT id FROM location WHERE id = $1", &a.location).await? {
        let mut e = FieldErrors::new();
        e.add(
            "location",
            format!("Unknown location {:?} (entry {index})", a.location),
        );
        return Err(StoreError::Invalid(e));
    }
    // Providers arrive with the schedule, as with the CSV import.
    c.exec(
        "INSERT INTO provider (id, name, location_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        params![
            a.provider.as_str(),
            change.provider_name.as_deref().unwrap_or(a.provider.as_str()),
            a.location.as_str()
        ],
    )
    .await?;
    let existing = one(
        c,
        "SELECT id, state FROM visit WHERE location_id = $1 AND appointment_id = $2",
        params![a.location.as_str(), a.appointment_id.as_str()],
    )
    .await?;
    let existing = match existing {
        Some(r) => Some((r.int("id")?, parse_name::<VisitState>(&r.text("state")?)?)),
        None => None,
    };
    let source = change.source.as_str();
    match plan(existing.map(|(_, s)| s), change.status) {
        Plan::Create(state) => {
            let patient_id = insert_patient(c, &a.patient, now).await?;
            let id = insert_id(
                c,
                "INSERT INTO visit (location_id, patient_id, provider_id, visit_type, appointment_id, scheduled_at, duration_min, \
                                    state, state_changed_at, created_at, appointment_system, appointment_source) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'expected', $8, $9, $10, $11) RETURNING id",
                params![
                    a.location.as_str(),
                    patient_id,
                    a.provider.as_str(),
                    &a.visit_type,
                    a.appointment_id.as_str(),
                    ms(a.scheduled_at),
                    a.duration_min.map(i64::from),
                    ms(now),
                    ms(now),
                    &change.system,
                    source
                ],
            )
            .await?;
            let detail = json!({"source": source});
            record(
                c,
                id,
                EventKind::Scheduled,
                actor,
                &detail,
                AuditRow {
                    action: "appointment.create",
                    subject: subject(id),
                    detail: detail.to_string(),
                },
                now,
            )
            .await?;
            if state != VisitState::Expected {
                super::visits::transition(c, id, state, None, actor, now).await?;
            }
            Ok(ScheduleOutcome {
                visit_id: id,
                result: ScheduleResult::Created,
            })
        }
        Plan::Update(state) => {
            let (id, _) = existing.ok_or(StoreError::NotFound)?;
            let v = by_id(c, id).await?;
            let p = &a.patient;
            let mut changed = Vec::new();
            let duration = a.duration_min.map(i64::from);
            for (name, differs) in [
                ("time", v.scheduled_at != Some(a.scheduled_at)),
                ("length", duration.is_some() && v.duration_min != duration),
                (
                    "provider",
                    v.provider.as_deref() != Some(a.provider.as_str()),
                ),
                (
                    "visit type",
                    a.visit_type.is_some() && v.visit_type != a.visit_type,
                ),
                (
                    "name",
                    v.given_name != p.given_name || v.family_name != p.family_name,
                ),
                (
                    "date of birth",
                    p.date_of_birth.is_some() && v.date_of_birth != p.date_of_birth,
                ),
            ] {
                if differs {
                    changed.push(name);
                }
            }
            // Guarded: only while the visit is still expected.
            let n = c
                .exec(
                    "UPDATE visit SET scheduled_at = $1, duration_min = COALESCE($2, duration_min), provider_id = $3, \
                     visit_type = COALESCE($4, visit_type), appointment_system = COALESCE($5, appointment_system) \
                     WHERE id = $6 AND state = 'expected'",
                    params![
                        ms(a.scheduled_at),
                        duration,
                        a.provider.as_str(),
                        &a.visit_type,
                        &change.system,
                        id
                    ],
                )
                .await?;
            super::guarded(n, "visit")?;
            c.exec(
                "UPDATE patient SET given_name = $1, family_name = $2, \
                 date_of_birth = COALESCE($3, date_of_birth), phone = COALESCE($4, phone), email = COALESCE($5, email) \
                 WHERE id = $6",
                params![
                    p.given_name.as_str(),
                    p.family_name.as_str(),
                    p.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
                    &p.phone,
                    &p.email,
                    v.patient_id
                ],
            )
            .await?;
            let detail = json!({"source": source, "changed": changed});
            if !changed.is_empty() {
                record(
                    c,
                    id,
                    EventKind::Rescheduled,
                    actor,
                    &detail,
                    AuditRow {
                        action: "appointment.update",
                        subject: subject(id),
                        detail: detail.to_string(),
                    },
                    now,
                )
                .await?;
            } else {
                super::audit::write(
                    c,
                    actor,
                    "appointment.update",
                    &subject(id),
                    &detail.to_string(),
                    now,
                )
                .await?;
            }
            if state != VisitState::Expected {
                super::visits::transition(c, id, state, None, actor, now).await?;
            }
            Ok(ScheduleOutcome {
                visit_id: id,
                result: ScheduleResult::Updated,
            })
        }
        Plan::Unchanged(why) => {
            let (id, _) = existing.ok_or(StoreError::NotFound)?;
            super::audit::write(
                c,
                actor,
                "appointment.unchanged",
                &subject(id),
                &json!({"source": source, "why": why}).to_string(),
                now,
            )
            .await?;
            Ok(ScheduleOutcome {
                visit_id: id,
                result: ScheduleResult::Unchanged(why.to_string()),
            })
        }
    }
}

/// A location's visits of one day (`from`..`to`): those scheduled then, and
/// walk-ins who arrived then, in order of time. Each with the identifier its
/// appointment came with and its wait promise.
pub async fn day<C: Conn>(
    c: &mut C,
    location: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ScheduledVisit>> {
    let rows = c
        .query(
            "SELECT id, appointment_system, appointment_source FROM visit \
             WHERE location_id = $1 AND ((scheduled_at >= $2 AND scheduled_at < $3) \
                OR (scheduled_at IS NULL AND arrived_at >= $2 AND arrived_at < $3)) \
             ORDER BY COALESCE(scheduled_at, arrived_at), id",
            params![location, ms(from), ms(to)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.int("id")?;
        let source = r
            .opt_text("appointment_source")?
            .map(|s| parse_name::<ScheduleSource>(&s))
            .transpose()?;
        out.push(ScheduledVisit {
            visit: by_id(c, id).await?,
            appointment_system: r.opt_text("appointment_system")?,
            appointment_source: source,
            wait: promises::of_visit(c, id).await?,
        });
    }
    Ok(out)
}

/// One visit by id with what [`day`] gives (for answering a change).
pub async fn one_visit<C: Conn>(c: &mut C, id: i64) -> Result<ScheduledVisit> {
    let r = one(
        c,
        "SELECT appointment_system, appointment_source FROM visit WHERE id = $1",
        params![id],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let source = r
        .opt_text("appointment_source")?
        .map(|s| parse_name::<ScheduleSource>(&s))
        .transpose()?;
    Ok(ScheduledVisit {
        visit: by_id(c, id).await?,
        appointment_system: r.opt_text("appointment_system")?,
        appointment_source: source,
        wait: promises::of_visit(c, id).await?,
    })
}
