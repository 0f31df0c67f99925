//! Every storage operation, written once against [`Conn`]. A write runs
//! inside one transaction opened by the backend: the change, its timeline
//! event and its audit row commit together or not at all. The rules of the
//! practice (may this visit move there?) are asked of the domain crate.

use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::appointment::Appointment;
use frontdesk_domain::patient::NewPatient;
use frontdesk_domain::{AckPolicy, FieldErrors, Role, Timestamp, VisitState};

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

fn at(ms: i64) -> Result<Timestamp> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("time {ms} out of range")))
}

fn opt_at(ms: Option<i64>) -> Result<Option<Timestamp>> {
    ms.map(at).transpose()
}

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
    let state = row.text("state")?;
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
        state: state
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
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

fn location_from_row(row: &Row) -> Result<Location> {
    Ok(Location {
        id: row.text("id")?,
        name: row.text("name")?,
        time_zone: row.text("time_zone")?,
        ack_policy: AckPolicy {
            first_within: chrono::Duration::seconds(row.int("ack_first_within_s")?),
            recheck_every: chrono::Duration::seconds(row.int("ack_recheck_every_s")?),
            escalate_after: chrono::Duration::seconds(row.int("ack_escalate_after_s")?),
        },
        quote_percent: row.opt_int("quote_quantile_pct")?,
    })
}

fn user_from_row(row: &Row) -> Result<StaffUser> {
    Ok(StaffUser {
        id: row.int("user_id")?,
        username: row.text("username")?,
        role: row
            .text("role")?
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        disabled: row.int("disabled")? != 0,
    })
}

async fn one<C: Conn>(c: &mut C, sql: &'static str, params: &[db::Value]) -> Result<Option<Row>> {
    Ok(c.query(sql, params).await?.into_iter().next())
}

async fn insert_id<C: Conn>(c: &mut C, sql: &'static str, params: &[db::Value]) -> Result<i64> {
    let row = one(c, sql, params)
        .await?
        .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))?;
    Ok(row.int("id")?)
}

async fn exists<C: Conn>(c: &mut C, sql: &'static str, id: &str) -> Result<bool> {
    Ok(one(c, sql, params![id]).await?.is_some())
}

async fn event<C: Conn>(
    c: &mut C,
    visit_id: i64,
    kind: &str,
    actor: Option<&str>,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO visit_event (visit_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)",
        params![visit_id, ms(now), kind, actor, detail],
    )
    .await?;
    Ok(())
}

pub async fn audit<C: Conn>(
    c: &mut C,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        params![ms(now), actor.as_str(), action, subject, detail],
    )
    .await?;
    Ok(())
}

pub async fn visit_by_id<C: Conn>(c: &mut C, id: i64) -> Result<Visit> {
    let row = one(c, visit_select!("WHERE v.id = $1"), params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    visit_from_row(&row)
}

async fn insert_patient<C: Conn>(c: &mut C, p: &NewPatient, now: Timestamp) -> Result<i64> {
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

// --- locations and providers ---

pub async fn ensure_location<C: Conn>(
    c: &mut C,
    id: &str,
    name: &str,
    time_zone: &str,
) -> Result<Location> {
    c.exec(
        "INSERT INTO location (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        params![id, name, time_zone],
    )
    .await?;
    location(c, id).await
}

pub async fn location<C: Conn>(c: &mut C, id: &str) -> Result<Location> {
    let row = one(c, "SELECT * FROM location WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    location_from_row(&row)
}

pub async fn locations<C: Conn>(c: &mut C) -> Result<Vec<Location>> {
    c.query("SELECT * FROM location ORDER BY id", &[])
        .await?
        .iter()
        .map(location_from_row)
        .collect()
}

pub async fn save_ack_policy<C: Conn>(
    c: &mut C,
    location: &str,
    policy: AckPolicy,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE location SET ack_first_within_s = $1, ack_recheck_every_s = $2, ack_escalate_after_s = $3 WHERE id = $4",
            params![
                policy.first_within.num_seconds(),
                policy.recheck_every.num_seconds(),
                policy.escalate_after.num_seconds(),
                location
            ],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    audit(
        c,
        actor,
        "settings.ack_policy",
        &format!("location:{location}"),
        &policy.describe(),
        now,
    )
    .await
}

pub async fn save_quote_quantile<C: Conn>(
    c: &mut C,
    location: &str,
    percent: Option<i64>,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE location SET quote_quantile_pct = $1 WHERE id = $2",
            params![percent, location],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::NotFound);
    }
    let detail = percent.map_or_else(|| "default".to_string(), |p| format!("{p}%"));
    audit(
        c,
        actor,
        "settings.quotes",
        &format!("location:{location}"),
        &detail,
        now,
    )
    .await
}

pub async fn upsert_provider<C: Conn>(c: &mut C, provider: &Provider) -> Result<()> {
    if !exists(
        c,
        "SELECT id FROM location WHERE id = $1",
        &provider.location,
    )
    .await?
    {
        let mut e = FieldErrors::new();
        e.add("location", "Unknown location");
        return Err(StoreError::Invalid(e));
    }
    c.exec(
        "INSERT INTO provider (id, name, location_id) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, location_id = excluded.location_id",
        params![
            provider.id.as_str(),
            provider.name.as_str(),
            provider.location.as_str()
        ],
    )
    .await?;
    Ok(())
}

pub async fn providers<C: Conn>(c: &mut C) -> Result<Vec<Provider>> {
    c.query(
        "SELECT id, name, location_id FROM provider ORDER BY name, id",
        &[],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Provider {
            id: r.text("id")?,
            name: r.text("name")?,
            location: r.text("location_id")?,
        })
    })
    .collect()
}

// --- staff and sessions ---

pub async fn create_user<C: Conn>(
    c: &mut C,
    username: &str,
    role: Role,
    password_hash: &str,
    now: Timestamp,
) -> Result<StaffUser> {
    let inserted = insert_id(
        c,
        "INSERT INTO staff_user (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        params![username, role.as_str(), password_hash, ms(now)],
    )
    .await;
    match inserted {
        Ok(id) => Ok(StaffUser {
            id,
            username: username.to_string(),
            role,
            disabled: false,
        }),
        Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
            "a user named {username} already exists"
        ))),
        Err(e) => Err(e),
    }
}

pub async fn user_credentials<C: Conn>(c: &mut C, username: &str) -> Result<Option<Credentials>> {
    let row = one(
        c,
        "SELECT id AS user_id, username, role, disabled, password_hash FROM staff_user WHERE username = $1",
        params![username],
    )
    .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some(Credentials {
            user: user_from_row(&row)?,
            password_hash: row.text("password_hash")?,
        })),
    }
}

pub async fn users<C: Conn>(c: &mut C) -> Result<Vec<StaffUser>> {
    c.query(
        "SELECT id AS user_id, username, role, disabled FROM staff_user ORDER BY username",
        &[],
    )
    .await?
    .iter()
    .map(user_from_row)
    .collect()
}

pub async fn set_user_disabled<C: Conn>(
    c: &mut C,
    username: &str,
    disabled: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE staff_user SET disabled = $1 WHERE username = $2",
            params![i64::from(disabled), username],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    if disabled {
        // A disabled account is signed out everywhere at once.
        c.exec(
            "DELETE FROM staff_session WHERE user_id IN (SELECT id FROM staff_user WHERE username = $1)",
            params![username],
        )
        .await?;
    }
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit(c, actor, action, &format!("user:{username}"), "", now).await
}

pub async fn create_session<C: Conn>(c: &mut C, s: &NewSession) -> Result<()> {
    c.exec(
        "INSERT INTO staff_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![s.token_hash.as_str(), s.user_id, s.csrf_token.as_str(), ms(s.created_at), ms(s.created_at), ms(s.expires_at)],
    )
    .await?;
    Ok(())
}

pub async fn live_session<C: Conn>(
    c: &mut C,
    token_hash: &str,
    now: Timestamp,
    idle_cutoff: Timestamp,
) -> Result<Option<Session>> {
    let row = one(
        c,
        "SELECT s.token_hash, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, \
                u.id AS user_id, u.username, u.role, u.disabled \
         FROM staff_session s JOIN staff_user u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.disabled = 0",
        params![token_hash, ms(now), ms(idle_cutoff)],
    )
    .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some(Session {
            token_hash: row.text("token_hash")?,
            user: user_from_row(&row)?,
            csrf_token: row.text("csrf_token")?,
            created_at: at(row.int("created_at")?)?,
            last_seen_at: at(row.int("last_seen_at")?)?,
            expires_at: at(row.int("expires_at")?)?,
        })),
    }
}

pub async fn touch_session<C: Conn>(c: &mut C, token_hash: &str, now: Timestamp) -> Result<()> {
    c.exec(
        "UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2",
        params![ms(now), token_hash],
    )
    .await?;
    Ok(())
}

pub async fn delete_session<C: Conn>(c: &mut C, token_hash: &str) -> Result<()> {
    c.exec(
        "DELETE FROM staff_session WHERE token_hash = $1",
        params![token_hash],
    )
    .await?;
    Ok(())
}

// --- visits ---

pub async fn check_in<C: Conn>(
    c: &mut C,
    visit: &NewVisit,
    promise: Option<&NewPromise>,
    actor: &Actor,
    now: Timestamp,
) -> Result<Visit> {
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
    event(c, id, "arrived", Some(actor.as_str()), "{}", now).await?;
    audit(c, actor, "visit.check_in", &format!("visit:{id}"), "", now).await?;
    if let Some(p) = promise {
        let p = NewPromise {
            visit_id: Some(id),
            patient_id: Some(patient_id),
            ..p.clone()
        };
        insert_promise(c, &p, actor, now).await?;
    }
    if let Some((hash, expires_at)) = &visit.status_link {
        create_status_link(c, id, hash, *expires_at, now).await?;
    }
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
        arrived_at: Some(at(ms(now))?),
        seen_at: None,
        last_acknowledged_at: None,
        acknowledged_by: None,
        state_changed_at: at(ms(now))?,
        created_at: at(ms(now))?,
    })
}

pub async fn check_in_appointment<C: Conn>(
    c: &mut C,
    location: &str,
    appointment_id: &str,
    promise: Option<&NewPromise>,
    actor: &Actor,
    now: Timestamp,
) -> Result<Visit> {
    let row = one(
        c,
        "SELECT id FROM visit WHERE location_id = $1 AND appointment_id = $2",
        params![location, appointment_id],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let id = row.int("id")?;
    let mut v = visit_by_id(c, id).await?;
    v.state.transition(VisitState::Waiting)?;
    let changed = c
        .exec(
            "UPDATE visit SET state = 'waiting', arrived_at = $1, state_changed_at = $2 WHERE id = $3 AND state = 'expected'",
            params![ms(now), ms(now), id],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "the visit changed meanwhile; try again".into(),
        ));
    }
    event(
        c,
        id,
        "arrived",
        Some(actor.as_str()),
        r#"{"with_appointment":true}"#,
        now,
    )
    .await?;
    audit(
        c,
        actor,
        "visit.check_in",
        &format!("visit:{id}"),
        "appointment",
        now,
    )
    .await?;
    if let Some(p) = promise {
        let p = NewPromise {
            visit_id: Some(id),
            patient_id: Some(v.patient_id),
            ..p.clone()
        };
        insert_promise(c, &p, actor, now).await?;
    }
    v.state = VisitState::Waiting;
    v.arrived_at = Some(at(ms(now))?);
    v.state_changed_at = at(ms(now))?;
    Ok(v)
}

pub async fn acknowledge<C: Conn>(
    c: &mut C,
    visit_id: i64,
    actor: &Actor,
    now: Timestamp,
) -> Result<Visit> {
    let mut v = visit_by_id(c, visit_id).await?;
    if !v.state.is_present() {
        return Err(StoreError::Refused(format!(
            "only a patient who is here can be acknowledged; this visit is {}",
            v.state.label().to_lowercase()
        )));
    }
    c.exec(
        "UPDATE visit SET last_acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3",
        params![ms(now), actor.as_str(), visit_id],
    )
    .await?;
    event(c, visit_id, "acknowledged", Some(actor.as_str()), "{}", now).await?;
    audit(
        c,
        actor,
        "visit.acknowledge",
        &format!("visit:{visit_id}"),
        "",
        now,
    )
    .await?;
    v.last_acknowledged_at = Some(at(ms(now))?);
    v.acknowledged_by = Some(actor.as_str().to_string());
    Ok(v)
}

pub async fn transition<C: Conn>(
    c: &mut C,
    visit_id: i64,
    to: VisitState,
    actor: &Actor,
    now: Timestamp,
) -> Result<Visit> {
    let mut v = visit_by_id(c, visit_id).await?;
    let from = v.state;
    from.transition(to)?;
    // No silent checkout: concerns that still need an answer stop it.
    if frontdesk_domain::concern::checkout_needs_answers(to) {
        let waiting: Vec<Concern> = visit_concerns(c, visit_id)
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
    if changed != 1 {
        return Err(StoreError::Conflict(
            "the visit changed meanwhile; try again".into(),
        ));
    }
    let detail = format!(r#"{{"from":"{from}","to":"{to}"}}"#);
    event(
        c,
        visit_id,
        "transitioned",
        Some(actor.as_str()),
        &detail,
        now,
    )
    .await?;
    audit(
        c,
        actor,
        "visit.transition",
        &format!("visit:{visit_id}"),
        &detail,
        now,
    )
    .await?;
    if to == VisitState::WithProvider && v.seen_at.is_none() {
        v.seen_at = Some(at(ms(now))?);
    }
    // The wait promise is settled when the wait ends (the rule is the domain's).
    if frontdesk_domain::promise::wait_ends(to)
        && let Some(p) = visit_promise(c, visit_id).await?
        && p.status == "open"
        && let Some(status) = frontdesk_domain::promise::wait_settlement(to, p.due_at, now)
    {
        settle_promise(c, &p, status, actor, now).await?;
    }
    v.state = to;
    v.state_changed_at = at(ms(now))?;
    if arriving {
        v.arrived_at = Some(at(ms(now))?);
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

pub async fn expected_visits<C: Conn>(
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
    c.query("SELECT id, visit_id, at, kind, actor, detail FROM visit_event WHERE visit_id = $1 ORDER BY id", params![visit_id])
        .await?
        .iter()
        .map(|r| {
            Ok(TimelineEvent {
                id: r.int("id")?,
                visit_id: r.int("visit_id")?,
                at: at(r.int("at")?)?,
                kind: r.text("kind")?,
                actor: r.opt_text("actor")?,
                detail: r.text("detail")?,
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

pub async fn record_event<C: Conn>(
    c: &mut C,
    visit_id: i64,
    kind: &str,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    event(c, visit_id, kind, None, detail, now).await
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
                                state, state_changed_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'expected', $8, $9) RETURNING id",
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
        event(c, id, "scheduled", Some(actor.as_str()), "{}", now).await?;
        summary.created += 1;
    }
    let detail = format!(
        "{} created, {} already present",
        summary.created, summary.already_present
    );
    audit(c, actor, "appointments.import", "schedule", &detail, now).await?;
    Ok(summary)
}

pub async fn audit_log<C: Conn>(c: &mut C, limit: i64) -> Result<Vec<AuditEntry>> {
    c.query(
        "SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT $1",
        params![limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            id: r.int("id")?,
            at: at(r.int("at")?)?,
            actor: r.text("actor")?,
            action: r.text("action")?,
            subject: r.text("subject")?,
            detail: r.text("detail")?,
        })
    })
    .collect()
}

// --- promises ---

fn promise_from_row(r: &Row) -> Result<Promise> {
    Ok(Promise {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.opt_int("visit_id")?,
        patient_id: r.opt_int("patient_id")?,
        kind: r.text("kind")?,
        made_by: r.text("made_by")?,
        owner: r.opt_text("owner")?,
        note: r.text("note")?,
        made_at: at(r.int("made_at")?)?,
        due_at: at(r.int("due_at")?)?,
        likely_at: opt_at(r.opt_int("likely_at")?)?,
        suggested_due_at: opt_at(r.opt_int("suggested_due_at")?)?,
        reason: r.text("reason")?,
        status: r.text("status")?,
        fulfilled_at: opt_at(r.opt_int("fulfilled_at")?)?,
        fulfilled_by: r.opt_text("fulfilled_by")?,
        replaced_by: r.opt_int("replaced_by")?,
    })
}

fn time_text(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The promise row alone, open; its id.
async fn insert_promise_row<C: Conn>(
    c: &mut C,
    p: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<i64> {
    insert_id(
        c,
        "INSERT INTO promise (location_id, visit_id, patient_id, kind, made_by, owner, note, made_at, due_at, likely_at, \
                              suggested_due_at, reason, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open') RETURNING id",
        params![
            p.location.as_str(),
            p.visit_id,
            p.patient_id,
            p.kind.as_str(),
            actor.as_str(),
            &p.owner,
            p.note.as_str(),
            ms(now),
            ms(p.due_at),
            p.likely_at.map(ms),
            p.suggested_due_at.map(ms),
            p.reason.as_str()
        ],
    )
    .await
}

/// Insert a promise; on a visit, its timeline says so.
pub async fn insert_promise<C: Conn>(
    c: &mut C,
    p: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    let id = insert_promise_row(c, p, actor, now).await?;
    if let Some(visit_id) = p.visit_id {
        let detail = format!(
            r#"{{"kind":"{}","due_at":"{}","promise_id":{id}}}"#,
            p.kind,
            time_text(p.due_at)
        );
        event(c, visit_id, "promised", Some(actor.as_str()), &detail, now).await?;
    }
    Ok(Promise {
        id,
        location: p.location.clone(),
        visit_id: p.visit_id,
        patient_id: p.patient_id,
        kind: p.kind.clone(),
        made_by: actor.as_str().to_string(),
        owner: p.owner.clone(),
        note: p.note.clone(),
        made_at: at(ms(now))?,
        due_at: at(ms(p.due_at))?,
        likely_at: p.likely_at.map(|t| at(ms(t))).transpose()?,
        suggested_due_at: p.suggested_due_at.map(|t| at(ms(t))).transpose()?,
        reason: p.reason.clone(),
        status: "open".into(),
        fulfilled_at: None,
        fulfilled_by: None,
        replaced_by: None,
    })
}

pub async fn promise<C: Conn>(c: &mut C, id: i64) -> Result<Promise> {
    let row = one(c, "SELECT * FROM promise WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    promise_from_row(&row)
}

/// The visit's current wait promise (the newest `seen_by`).
pub async fn visit_promise<C: Conn>(c: &mut C, visit_id: i64) -> Result<Option<Promise>> {
    one(
        c,
        "SELECT * FROM promise WHERE visit_id = $1 AND kind = 'seen_by' ORDER BY id DESC LIMIT 1",
        params![visit_id],
    )
    .await?
    .map(|r| promise_from_row(&r))
    .transpose()
}

async fn settle_promise<C: Conn>(
    c: &mut C,
    p: &Promise,
    status: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "UPDATE promise SET status = $1, fulfilled_at = $2, fulfilled_by = $3 WHERE id = $4 AND status = 'open'",
        params![status, ms(now), actor.as_str(), p.id],
    )
    .await?;
    if let Some(visit_id) = p.visit_id {
        let detail = format!(r#"{{"promise_id":{},"status":"{status}"}}"#, p.id);
        event(
            c,
            visit_id,
            "promise_settled",
            Some(actor.as_str()),
            &detail,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Staff mark a promise done: kept if on time, broken if late.
pub async fn fulfil_promise<C: Conn>(
    c: &mut C,
    id: i64,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    let p = promise(c, id).await?;
    if p.status != "open" {
        return Err(StoreError::Refused(format!(
            "this promise is already {}",
            p.status
        )));
    }
    let status = frontdesk_domain::promise::settled_status(p.due_at, now);
    settle_promise(c, &p, status, actor, now).await?;
    audit(
        c,
        actor,
        "promise.fulfil",
        &format!("promise:{id}"),
        status,
        now,
    )
    .await?;
    promise(c, id).await
}

/// Replace an open promise with a new one before it breaks; the old one stays
/// on record as renegotiated.
pub async fn renegotiate<C: Conn>(
    c: &mut C,
    old_id: i64,
    new: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    let old = promise(c, old_id).await?;
    if old.status != "open" {
        return Err(StoreError::Refused(format!(
            "this promise is already {}",
            old.status
        )));
    }
    // The same promise (to whom, about what) with the new time and reason.
    let replacement = NewPromise {
        location: old.location.clone(),
        visit_id: old.visit_id,
        patient_id: old.patient_id,
        kind: old.kind.clone(),
        owner: old.owner.clone(),
        note: old.note.clone(),
        due_at: new.due_at,
        likely_at: new.likely_at,
        suggested_due_at: new.suggested_due_at,
        reason: new.reason.clone(),
    };
    let id = insert_promise_row(c, &replacement, actor, now).await?;
    c.exec(
        "UPDATE promise SET status = 'renegotiated', replaced_by = $1 WHERE id = $2",
        params![id, old_id],
    )
    .await?;
    if let Some(visit_id) = old.visit_id {
        let detail = format!(
            r#"{{"promise_id":{id},"due_at":"{}","was":"{}"}}"#,
            time_text(new.due_at),
            time_text(old.due_at)
        );
        event(c, visit_id, "requoted", Some(actor.as_str()), &detail, now).await?;
    }
    audit(
        c,
        actor,
        "promise.renegotiate",
        &format!("promise:{old_id}"),
        &format!("replaced by {id}"),
        now,
    )
    .await?;
    promise(c, id).await
}

/// Open wait promises of patients still waiting (for the watcher).
pub async fn open_wait_promises<C: Conn>(c: &mut C) -> Result<Vec<Promise>> {
    c.query(
        "SELECT p.* FROM promise p JOIN visit v ON v.id = p.visit_id \
         WHERE p.kind = 'seen_by' AND p.status = 'open' AND v.state IN ('waiting', 'roomed') ORDER BY p.id",
        &[],
    )
    .await?
    .iter()
    .map(promise_from_row)
    .collect()
}

/// Open promises at a location, soonest due first.
pub async fn open_promises<C: Conn>(c: &mut C, location: &str) -> Result<Vec<Promise>> {
    c.query(
        "SELECT * FROM promise WHERE location_id = $1 AND status = 'open' AND kind <> 'seen_by' ORDER BY due_at, id",
        params![location],
    )
    .await?
    .iter()
    .map(promise_from_row)
    .collect()
}

/// Promises other than waits settled (kept or broken) since `since`, newest first.
pub async fn settled_promises<C: Conn>(
    c: &mut C,
    location: &str,
    since: Timestamp,
) -> Result<Vec<Promise>> {
    c.query(
        "SELECT * FROM promise WHERE location_id = $1 AND kind <> 'seen_by' AND fulfilled_at >= $2 \
         AND status IN ('kept', 'broken') ORDER BY fulfilled_at DESC, id DESC LIMIT 200",
        params![location, ms(since)],
    )
    .await?
    .iter()
    .map(promise_from_row)
    .collect()
}

/// How long recent promises of a kind took to fulfil, in minutes.
pub async fn fulfilment_history<C: Conn>(
    c: &mut C,
    location: &str,
    kind: &str,
) -> Result<FulfilmentHistory> {
    let rows = c
        .query(
            "SELECT made_at, fulfilled_at FROM promise \
             WHERE location_id = $1 AND kind = $2 AND status IN ('kept', 'broken') AND fulfilled_at IS NOT NULL \
             ORDER BY id DESC LIMIT 500",
            params![location, kind],
        )
        .await?;
    let mut minutes = Vec::with_capacity(rows.len());
    for r in &rows {
        minutes.push((r.int("fulfilled_at")? - r.int("made_at")?) as f64 / 60_000.0);
    }
    Ok(FulfilmentHistory { minutes })
}

/// Visits that arrived since `since`, for warming up the quote engine.
pub async fn visits_since<C: Conn>(c: &mut C, since: Timestamp) -> Result<Vec<Visit>> {
    let rows = c
        .query(
            visit_select!("WHERE v.arrived_at >= $1 ORDER BY v.arrived_at, v.id"),
            params![ms(since)],
        )
        .await?;
    visits(&rows)
}

// --- patient status links ---

pub async fn create_status_link<C: Conn>(
    c: &mut C,
    visit_id: i64,
    token_hash: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO status_link (token_hash, visit_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        params![token_hash, visit_id, ms(now), ms(expires_at)],
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

/// The latest overdue and escalation alerts of visits whose clock is running,
/// so a restarted server does not raise them again.
pub async fn running_alerts<C: Conn>(c: &mut C) -> Result<Vec<(i64, String, Timestamp)>> {
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
        .map(|r| Ok((r.int("visit_id")?, r.text("kind")?, at(r.int("at")?)?)))
        .collect()
}

// --- concerns ---

/// `SELECT` of a concern with its patient's name, followed by the given clause.
macro_rules! concern_select {
    ($rest:literal) => {
        concat!(
            "SELECT c.*, p.given_name || ' ' || p.family_name AS patient_name ",
            "FROM concern c JOIN visit v ON v.id = c.visit_id JOIN patient p ON p.id = v.patient_id ",
            $rest
        )
    };
}

fn concern_from_row(r: &Row) -> Result<Concern> {
    let corrupt = |e: frontdesk_domain::concern::UnknownStatus| StoreError::Corrupt(e.to_string());
    Ok(Concern {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.int("visit_id")?,
        patient_name: r.text("patient_name")?,
        text: r.text("text")?,
        source: r.text("source")?.parse().map_err(corrupt)?,
        raised_by: r.text("raised_by")?,
        raised_at: at(r.int("raised_at")?)?,
        owner: r.opt_text("owner")?,
        status: r.text("status")?.parse().map_err(corrupt)?,
        answer: r.opt_text("answer")?,
        answered_by: r.opt_text("answered_by")?,
        answered_at: opt_at(r.opt_int("answered_at")?)?,
        first_answered_at: opt_at(r.opt_int("first_answered_at")?)?,
        tone_flags: r.text("tone_flags")?,
        responded_at: opt_at(r.opt_int("responded_at")?)?,
        patient_note: r.opt_text("patient_note")?,
        promise_id: r.opt_int("promise_id")?,
    })
}

/// Needing an answer first (reopened before open), then oldest first.
fn concern_order(mut list: Vec<Concern>) -> Vec<Concern> {
    list.sort_by_key(|c| {
        (
            frontdesk_domain::concern::display_rank(c.status),
            c.raised_at,
            c.id,
        )
    });
    list
}

pub async fn concern<C: Conn>(c: &mut C, id: i64) -> Result<Concern> {
    let row = one(c, concern_select!("WHERE c.id = $1"), params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    concern_from_row(&row)
}

pub async fn visit_concerns<C: Conn>(c: &mut C, visit_id: i64) -> Result<Vec<Concern>> {
    let rows = c
        .query(concern_select!("WHERE c.visit_id = $1"), params![visit_id])
        .await?;
    Ok(concern_order(
        rows.iter().map(concern_from_row).collect::<Result<_>>()?,
    ))
}

pub async fn location_concerns<C: Conn>(
    c: &mut C,
    location: &str,
    since: Timestamp,
) -> Result<Vec<Concern>> {
    let rows = c
        .query(
            concern_select!("WHERE c.location_id = $1 AND c.raised_at >= $2"),
            params![location, ms(since)],
        )
        .await?;
    Ok(concern_order(
        rows.iter().map(concern_from_row).collect::<Result<_>>()?,
    ))
}

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
        .map(|r| {
            Ok((
                r.int("visit_id")?,
                r.text("status")?.parse().map_err(
                    |e: frontdesk_domain::concern::UnknownStatus| {
                        StoreError::Corrupt(e.to_string())
                    },
                )?,
            ))
        })
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
        last.insert(r.int("visit_id")?, r.text("kind")? == "stepped_out");
    }
    let mut stepped_out: Vec<i64> = last
        .into_iter()
        .filter(|(_, out)| *out)
        .map(|(v, _)| v)
        .collect();
    stepped_out.sort_unstable();
    Ok(LobbyMarks {
        concerns,
        upset,
        stepped_out,
    })
}

pub async fn raise_concern<C: Conn>(
    c: &mut C,
    new: &NewConcern,
    actor: &Actor,
    now: Timestamp,
) -> Result<Concern> {
    let visit = visit_by_id(c, new.visit_id).await?;
    let id = insert_id(
        c,
        "INSERT INTO concern (location_id, visit_id, text, source, raised_by, raised_at, owner, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') RETURNING id",
        params![
            visit.location.as_str(),
            new.visit_id,
            new.text.as_str(),
            new.source.as_str(),
            actor.as_str(),
            ms(now),
            &new.owner
        ],
    )
    .await?;
    let detail =
        serde_json::json!({"concern_id": id, "text": new.text, "source": new.source.as_str()});
    event(
        c,
        new.visit_id,
        "concern_raised",
        Some(actor.as_str()),
        &detail.to_string(),
        now,
    )
    .await?;
    audit(
        c,
        actor,
        "concern.raise",
        &format!("visit:{}", new.visit_id),
        &format!("concern:{id}"),
        now,
    )
    .await?;
    concern(c, id).await
}

pub async fn answer_concern<C: Conn>(
    c: &mut C,
    id: i64,
    answer: &ConcernAnswer,
    actor: &Actor,
    now: Timestamp,
) -> Result<Concern> {
    let before = concern(c, id).await?;
    before
        .status
        .can_answer()
        .map_err(|e| StoreError::Refused(e.to_string()))?;
    let changed = c
        .exec(
            "UPDATE concern SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3, \
             first_answered_at = COALESCE(first_answered_at, $3), tone_flags = $4 \
             WHERE id = $5 AND status = $6",
            params![
                answer.text.as_str(),
                actor.as_str(),
                ms(now),
                answer.sent_anyway_flags.join(","),
                id,
                before.status.as_str()
            ],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "the concern changed meanwhile; try again".into(),
        ));
    }
    let detail = serde_json::json!({"concern_id": id, "text": answer.text, "sent_anyway": answer.sent_anyway_flags});
    event(
        c,
        before.visit_id,
        "concern_answered",
        Some(actor.as_str()),
        &detail.to_string(),
        now,
    )
    .await?;
    let audit_detail = if answer.sent_anyway_flags.is_empty() {
        String::new()
    } else {
        format!("sent anyway: {}", answer.sent_anyway_flags.join(","))
    };
    audit(
        c,
        actor,
        "concern.answer",
        &format!("concern:{id}"),
        &audit_detail,
        now,
    )
    .await?;
    concern(c, id).await
}

pub async fn respond_to_concern<C: Conn>(
    c: &mut C,
    id: i64,
    confirmed: bool,
    note: &str,
    now: Timestamp,
) -> Result<Concern> {
    let before = concern(c, id).await?;
    before
        .status
        .can_respond()
        .map_err(|e| StoreError::Refused(e.to_string()))?;
    let (status, kind) = if confirmed {
        (ConcernStatus::Confirmed, "concern_confirmed")
    } else {
        (ConcernStatus::Reopened, "concern_reopened")
    };
    let note = Some(note.trim()).filter(|n| !n.is_empty());
    let changed = c
        .exec(
            "UPDATE concern SET status = $1, responded_at = $2, patient_note = $3 WHERE id = $4 AND status = 'answered'",
            params![status.as_str(), ms(now), note, id],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "the concern changed meanwhile; try again".into(),
        ));
    }
    let patient = Actor("patient-link".into());
    let detail = serde_json::json!({"concern_id": id, "note": note.unwrap_or("")});
    event(
        c,
        before.visit_id,
        kind,
        Some(patient.as_str()),
        &detail.to_string(),
        now,
    )
    .await?;
    audit(
        c,
        &patient,
        &format!("concern.{}", if confirmed { "confirm" } else { "reopen" }),
        &format!("concern:{id}"),
        "",
        now,
    )
    .await?;
    concern(c, id).await
}

pub async fn follow_up_concern<C: Conn>(
    c: &mut C,
    id: i64,
    promise: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<(Concern, Promise)> {
    let before = concern(c, id).await?;
    before
        .status
        .can_follow_up()
        .map_err(|e| StoreError::Refused(e.to_string()))?;
    let p = insert_promise(c, promise, actor, now).await?;
    let changed = c
        .exec(
            "UPDATE concern SET status = 'follow_up', promise_id = $1 WHERE id = $2 AND status = $3",
            params![p.id, id, before.status.as_str()],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "the concern changed meanwhile; try again".into(),
        ));
    }
    let detail =
        serde_json::json!({"concern_id": id, "promise_id": p.id, "due_at": time_text(p.due_at)});
    event(
        c,
        before.visit_id,
        "concern_follow_up",
        Some(actor.as_str()),
        &detail.to_string(),
        now,
    )
    .await?;
    audit(
        c,
        actor,
        "concern.follow_up",
        &format!("concern:{id}"),
        &format!("promise:{}", p.id),
        now,
    )
    .await?;
    Ok((concern(c, id).await?, p))
}

// --- complaints ---

fn parse_name<T: std::str::FromStr>(text: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e: T::Err| StoreError::Corrupt(e.to_string()))
}

fn complaint_from_row(r: &Row, pauses: Vec<Pause>) -> Result<Complaint> {
    let resolution = match (
        r.opt_text("contact_person")?,
        r.opt_text("steps")?,
        r.opt_text("result")?,
    ) {
        (Some(contact_person), Some(steps), Some(result)) => Some(Resolution {
            contact_person,
            steps,
            result,
        }),
        _ => None,
    };
    Ok(Complaint {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.opt_int("visit_id")?,
        text: r.text("text")?,
        channel: parse_name(&r.text("channel")?)?,
        category: parse_name(&r.text("category")?)?,
        severity: parse_name(&r.text("severity")?)?,
        contact_name: r.opt_text("contact_name")?,
        contact_email: r.opt_text("contact_email")?,
        contact_phone: r.opt_text("contact_phone")?,
        owner: r.opt_text("owner")?,
        owner_role: r
            .opt_text("owner_role")?
            .map(|t| parse_name(&t))
            .transpose()?,
        status: parse_name(&r.text("status")?)?,
        received_by: r.text("received_by")?,
        received_at: at(r.int("received_at")?)?,
        acknowledged_by: r.opt_text("acknowledged_by")?,
        acknowledged_at: opt_at(r.opt_int("acknowledged_at")?)?,
        paused_since: opt_at(r.opt_int("paused_since")?)?,
        pauses,
        resolved_by: r.opt_text("resolved_by")?,
        resolved_at: opt_at(r.opt_int("resolved_at")?)?,
        resolution,
        escalation_level: parse_name(&r.text("escalation_level")?)?,
    })
}

/// Pauses from `(complaint_id, kind, at)` rows of paused/resumed events, in order.
fn pauses_by_complaint(rows: &[Row]) -> Result<std::collections::HashMap<i64, Vec<Pause>>> {
    let mut out: std::collections::HashMap<i64, Vec<Pause>> = std::collections::HashMap::new();
    for r in rows {
        let list = out.entry(r.int("complaint_id")?).or_default();
        let when = at(r.int("at")?)?;
        if r.text("kind")? == "paused" {
            list.push(Pause {
                from: when,
                until: None,
            });
        } else if let Some(open) = list.last_mut().filter(|p| p.until.is_none()) {
            open.until = Some(when);
        }
    }
    Ok(out)
}

async fn complaint_event<C: Conn>(
    c: &mut C,
    id: i64,
    kind: &str,
    actor: &Actor,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO complaint_event (complaint_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)",
        params![id, ms(now), kind, actor.as_str(), detail],
    )
    .await?;
    Ok(())
}

pub async fn complaint<C: Conn>(c: &mut C, id: i64) -> Result<Complaint> {
    let row = one(c, "SELECT * FROM complaint WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    let rows = c
        .query(
            "SELECT complaint_id, kind, at FROM complaint_event \
             WHERE complaint_id = $1 AND kind IN ('paused', 'resumed') ORDER BY id",
            params![id],
        )
        .await?;
    let pauses = pauses_by_complaint(&rows)?.remove(&id).unwrap_or_default();
    complaint_from_row(&row, pauses)
}

pub async fn complaint_with_events<C: Conn>(
    c: &mut C,
    id: i64,
) -> Result<(Complaint, Vec<ComplaintEvent>)> {
    let found = complaint(c, id).await?;
    let events = c
        .query(
            "SELECT at, kind, actor, detail FROM complaint_event WHERE complaint_id = $1 ORDER BY id",
            params![id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(ComplaintEvent {
                at: at(r.int("at")?)?,
                kind: r.text("kind")?,
                actor: r.text("actor")?,
                detail: r.text("detail")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((found, events))
}

/// A location's complaints (unresolved, or resolved since `since`), or with
/// no location every unresolved complaint; newest first.
pub async fn complaints<C: Conn>(
    c: &mut C,
    location: Option<&str>,
    since: Timestamp,
) -> Result<Vec<Complaint>> {
    let (rows, pause_rows) = match location {
        Some(l) => (
            c.query(
                "SELECT * FROM complaint WHERE location_id = $1 AND (status <> 'resolved' OR resolved_at >= $2) \
                 ORDER BY received_at DESC, id DESC LIMIT 1000",
                params![l, ms(since)],
            )
            .await?,
            c.query(
                "SELECT e.complaint_id, e.kind, e.at FROM complaint_event e JOIN complaint k ON k.id = e.complaint_id \
                 WHERE k.location_id = $1 AND (k.status <> 'resolved' OR k.resolved_at >= $2) \
                 AND e.kind IN ('paused', 'resumed') ORDER BY e.id",
                params![l, ms(since)],
            )
            .await?,
        ),
        None => (
            c.query(
                "SELECT * FROM complaint WHERE status <> 'resolved' ORDER BY received_at DESC, id DESC",
                params![],
            )
            .await?,
            c.query(
                "SELECT e.complaint_id, e.kind, e.at FROM complaint_event e JOIN complaint k ON k.id = e.complaint_id \
                 WHERE k.status <> 'resolved' AND e.kind IN ('paused', 'resumed') ORDER BY e.id",
                params![],
            )
            .await?,
        ),
    };
    let mut pauses = pauses_by_complaint(&pause_rows)?;
    rows.iter()
        .map(|r| {
            let id = r.int("id")?;
            complaint_from_row(r, pauses.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub async fn create_complaint<C: Conn>(
    c: &mut C,
    new: &NewComplaintRecord,
    actor: &Actor,
    now: Timestamp,
) -> Result<Complaint> {
    if let Some(visit_id) = new.visit_id
        && one(c, "SELECT id FROM visit WHERE id = $1", params![visit_id])
            .await?
            .is_none()
    {
        let mut e = FieldErrors::new();
        e.add("visit_id", "No visit with this id");
        return Err(StoreError::Invalid(e));
    }
    let k = &new.complaint;
    let id = insert_id(
        c,
        "INSERT INTO complaint (location_id, visit_id, text, channel, category, severity, contact_name, contact_email, \
                                contact_phone, owner, owner_role, status, received_by, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $13) RETURNING id",
        params![
            new.location.as_str(),
            new.visit_id,
            k.text.as_str(),
            k.channel.as_str(),
            k.category.as_str(),
            k.severity.as_str(),
            &k.contact_name,
            &k.contact_email,
            &k.contact_phone,
            new.owner.as_ref().map(|(o, _)| o.clone()),
            new.owner.as_ref().map(|(_, r)| r.as_str().to_string()),
            actor.as_str(),
            ms(now)
        ],
    )
    .await?;
    let detail = serde_json::json!({"channel": k.channel.as_str()}).to_string();
    complaint_event(c, id, "received", actor, &detail, now).await?;
    if let Some(visit_id) = new.visit_id {
        let detail = serde_json::json!({"complaint_id": id, "channel": k.channel.as_str()});
        event(
            c,
            visit_id,
            "complaint_received",
            Some(actor.as_str()),
            &detail.to_string(),
            now,
        )
        .await?;
    }
    audit(
        c,
        actor,
        "complaint.create",
        &format!("complaint:{id}"),
        k.channel.as_str(),
        now,
    )
    .await?;
    complaint(c, id).await
}

pub async fn change_complaint<C: Conn>(
    c: &mut C,
    id: i64,
    change: &ComplaintChange,
    actor: &Actor,
    now: Timestamp,
) -> Result<Complaint> {
    use frontdesk_domain::complaint::{ComplaintAction as A, check_acknowledge, check_action};
    let k = complaint(c, id).await?;
    let paused = k.paused_since.is_some();
    let refuse =
        |e: frontdesk_domain::complaint::ComplaintError| StoreError::Refused(e.to_string());
    let (kind, detail) = match change {
        ComplaintChange::Acknowledge => {
            check_acknowledge(k.status, paused, actor.as_str()).map_err(refuse)?;
            c.exec(
                "UPDATE complaint SET status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2 WHERE id = $3",
                params![actor.as_str(), ms(now), id],
            )
            .await?;
            ("acknowledged", String::new())
        }
        ComplaintChange::Pause { reason } => {
            check_action(k.status, paused, A::Pause).map_err(refuse)?;
            c.exec(
                "UPDATE complaint SET paused_since = $1 WHERE id = $2",
                params![ms(now), id],
            )
            .await?;
            ("paused", reason.clone())
        }
        ComplaintChange::Resume => {
            check_action(k.status, paused, A::Resume).map_err(refuse)?;
            c.exec(
                "UPDATE complaint SET paused_since = NULL WHERE id = $1",
                params![id],
            )
            .await?;
            ("resumed", String::new())
        }
        ComplaintChange::Assign { owner, role } => {
            check_action(k.status, paused, A::Assign).map_err(refuse)?;
            c.exec(
                "UPDATE complaint SET owner = $1, owner_role = $2 WHERE id = $3",
                params![owner.as_str(), role.as_str(), id],
            )
            .await?;
            ("assigned", owner.clone())
        }
        ComplaintChange::Reply {
            text,
            sent_anyway_flags,
            sent_by,
        } => {
            check_action(k.status, paused, A::Reply).map_err(refuse)?;
            let detail = serde_json::json!({"text": text, "sent_anyway": sent_anyway_flags, "sent_by": sent_by});
            ("reply", detail.to_string())
        }
        ComplaintChange::Resolve(r) => {
            check_action(k.status, paused, A::Resolve).map_err(refuse)?;
            // A pause ends when the complaint is resolved.
            if paused {
                complaint_event(c, id, "resumed", actor, "resolved", now).await?;
            }
            c.exec(
                "UPDATE complaint SET status = 'resolved', resolved_by = $1, resolved_at = $2, contact_person = $3, \
                 steps = $4, result = $5, paused_since = NULL WHERE id = $6",
                params![
                    actor.as_str(),
                    ms(now),
                    r.contact_person.as_str(),
                    r.steps.as_str(),
                    r.result.as_str(),
                    id
                ],
            )
            .await?;
            ("resolved", String::new())
        }
        ComplaintChange::Escalate(level) => {
            if *level <= k.escalation_level {
                return Ok(k);
            }
            c.exec(
                "UPDATE complaint SET escalation_level = $1 WHERE id = $2",
                params![level.as_str(), id],
            )
            .await?;
            ("escalated", level.as_str().to_string())
        }
    };
    complaint_event(c, id, kind, actor, &detail, now).await?;
    if let Some(visit_id) = k.visit_id
        && matches!(kind, "acknowledged" | "resolved" | "escalated")
    {
        let detail = serde_json::json!({"complaint_id": id, "what": kind});
        event(
            c,
            visit_id,
            "complaint_updated",
            Some(actor.as_str()),
            &detail.to_string(),
            now,
        )
        .await?;
    }
    audit(
        c,
        actor,
        &format!("complaint.{kind}"),
        &format!("complaint:{id}"),
        "",
        now,
    )
    .await?;
    complaint(c, id).await
}

pub async fn complaint_settings<C: Conn>(c: &mut C, location: &str) -> Result<ComplaintSettings> {
    let r = one(
        c,
        "SELECT business_hours, closed_dates, complaint_ack_days, complaint_resolve_days, \
         staff_read_all_complaints, website FROM location WHERE id = $1",
        params![location],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(ComplaintSettings {
        business_hours: r.text("business_hours")?,
        closed_dates: r.text("closed_dates")?,
        policy: ComplaintPolicy {
            acknowledge_business_days: r.int("complaint_ack_days")?.clamp(1, 3660) as u32,
            resolve_calendar_days: r.int("complaint_resolve_days")?.clamp(1, 3660) as u32,
        },
        staff_read_all: r.int("staff_read_all_complaints")? != 0,
        website: r.text("website")?,
    })
}

pub async fn save_complaint_settings<C: Conn>(
    c: &mut C,
    location: &str,
    s: &ComplaintSettings,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE location SET business_hours = $1, closed_dates = $2, complaint_ack_days = $3, \
             complaint_resolve_days = $4, staff_read_all_complaints = $5, website = $6 WHERE id = $7",
            params![
                s.business_hours.as_str(),
                s.closed_dates.as_str(),
                i64::from(s.policy.acknowledge_business_days),
                i64::from(s.policy.resolve_calendar_days),
                i64::from(s.staff_read_all),
                s.website.as_str(),
                location
            ],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::NotFound);
    }
    audit(
        c,
        actor,
        "settings.complaints",
        &format!("location:{location}"),
        "",
        now,
    )
    .await
}

// --- outbox ---

fn message_from_row(r: &Row) -> Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.opt_int("visit_id")?,
        channel: parse_name(&r.text("channel")?)?,
        recipient: r.text("recipient")?,
        subject: r.text("subject")?,
        body: r.text("body")?,
        created_at: at(r.int("created_at")?)?,
        status: parse_name(&r.text("status")?)?,
        attempts: r.int("attempts")?,
        next_attempt_at: at(r.int("next_attempt_at")?)?,
        last_error: r.opt_text("last_error")?,
        sent_at: opt_at(r.opt_int("sent_at")?)?,
    })
}

async fn message<C: Conn>(c: &mut C, id: i64) -> Result<OutboxMessage> {
    let row = one(c, "SELECT * FROM outbox WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    message_from_row(&row)
}

/// What the audit log names a message by: its visit when it has one.
fn message_subject(m: &OutboxMessage) -> String {
    match m.visit_id {
        Some(v) => format!("visit:{v}"),
        None => format!("outbox:{}", m.id),
    }
}

pub async fn enqueue_message<C: Conn>(
    c: &mut C,
    m: &NewOutboxMessage,
    actor: &Actor,
    now: Timestamp,
) -> Result<OutboxMessage> {
    let id = insert_id(
        c,
        "INSERT INTO outbox (location_id, visit_id, channel, recipient, subject, body, created_at, status, \
                             attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $7) RETURNING id",
        params![
            m.location.as_str(),
            m.visit_id,
            m.channel.as_str(),
            m.recipient.as_str(),
            m.subject.as_str(),
            m.body.as_str(),
            ms(now)
        ],
    )
    .await?;
    let saved = message(c, id).await?;
    // The channel only: the address is personal data and stays in its table.
    audit(
        c,
        actor,
        "outbox.enqueue",
        &message_subject(&saved),
        m.channel.as_str(),
        now,
    )
    .await?;
    Ok(saved)
}

pub async fn claim_due_messages<C: Conn>(
    c: &mut C,
    now: Timestamp,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let rows = c
        .query(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY created_at, id LIMIT $2",
            params![ms(now), limit.max(0)],
        )
        .await?;
    let until = now + lease;
    let mut claimed = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut m = message_from_row(r)?;
        // Another server may have claimed it since the read; then it is theirs.
        let changed = c
            .exec(
                "UPDATE outbox SET next_attempt_at = $1 \
                 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3",
                params![ms(until), m.id, ms(now)],
            )
            .await?;
        if changed == 1 {
            m.next_attempt_at = until;
            claimed.push(m);
        }
    }
    Ok(claimed)
}

pub async fn message_sent<C: Conn>(c: &mut C, id: i64, now: Timestamp) -> Result<OutboxMessage> {
    let changed = c
        .exec(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, body = $2 \
             WHERE id = $3 AND status = 'pending'",
            params![ms(now), frontdesk_domain::outbox::BODY_AFTER_DELIVERY, id],
        )
        .await?;
    let m = message(c, id).await?;
    if changed != 1 {
        return Err(StoreError::Refused(format!(
            "message {id} is {}, not pending",
            m.status.as_str()
        )));
    }
    audit(
        c,
        &Actor::system(),
        "outbox.sent",
        &message_subject(&m),
        m.channel.as_str(),
        now,
    )
    .await?;
    Ok(m)
}

pub async fn message_failed<C: Conn>(
    c: &mut C,
    id: i64,
    error: &str,
    permanent: bool,
    now: Timestamp,
) -> Result<OutboxMessage> {
    use frontdesk_domain::outbox::{BODY_AFTER_FAILURE, retry_delay};
    let m = message(c, id).await?;
    if m.status != MessageStatus::Pending {
        return Err(StoreError::Refused(format!(
            "message {id} is {}, not pending",
            m.status.as_str()
        )));
    }
    let attempts = m.attempts + 1;
    let error: String = error.chars().take(300).collect();
    match retry_delay(attempts, permanent) {
        Some(wait) => {
            c.exec(
                "UPDATE outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
                params![attempts, ms(now + wait), error.as_str(), id],
            )
            .await?;
        }
        None => {
            c.exec(
                "UPDATE outbox SET status = 'failed', attempts = $1, last_error = $2, body = $3 WHERE id = $4",
                params![attempts, error.as_str(), BODY_AFTER_FAILURE, id],
            )
            .await?;
            audit(
                c,
                &Actor::system(),
                "outbox.failed",
                &message_subject(&m),
                m.channel.as_str(),
                now,
            )
            .await?;
        }
    }
    message(c, id).await
}

pub async fn outbox_messages<C: Conn>(c: &mut C, limit: i64) -> Result<Vec<OutboxMessage>> {
    c.query(
        "SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1",
        params![limit.max(0)],
    )
    .await?
    .iter()
    .map(message_from_row)
    .collect()
}
