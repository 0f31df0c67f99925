//! The SQL both backends share, written once. `store_impl!` stamps out the
//! [`Store`](crate::Store) implementation for a backend whose pool type
//! provides `writer()` and `reader()`.

use crate::{Result, StoreError};
use frontdesk_domain::Timestamp;

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn at(ms: i64) -> Result<Timestamp> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("time {ms} out of range")))
}

pub(crate) fn opt_at(ms: Option<i64>) -> Result<Option<Timestamp>> {
    ms.map(at).transpose()
}

pub(crate) fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// `SELECT` of a visit joined with its patient, followed by the given clause.
macro_rules! visit_select {
    ($rest:literal) => {
        concat!(
            "SELECT v.id, v.location_id, v.patient_id, p.given_name, p.family_name, p.preferred_name, ",
            "p.date_of_birth, v.provider_id, v.visit_type, v.appointment_id, v.scheduled_at, v.duration_min, ",
            "v.state, v.arrived_at, v.last_acknowledged_at, v.acknowledged_by, v.state_changed_at, v.created_at ",
            "FROM visit v JOIN patient p ON p.id = v.patient_id ",
            $rest
        )
    };
}
pub(crate) use visit_select;

macro_rules! store_impl {
    ($Store:ident, $Row:ty, $backend:literal) => {
        use crate::sql::{at, ms, opt_at, unique_violation, visit_select};
        use crate::*;
        use frontdesk_domain::appointment::Appointment;
        use frontdesk_domain::{AckPolicy, FieldErrors, Role, Timestamp, VisitState};
        use sqlx::Row;

        impl $Store {
            fn visit_from_row(row: &$Row) -> Result<Visit> {
                let state: String = row.try_get("state")?;
                let dob: Option<String> = row.try_get("date_of_birth")?;
                Ok(Visit {
                    id: row.try_get("id")?,
                    location: row.try_get("location_id")?,
                    patient_id: row.try_get("patient_id")?,
                    given_name: row.try_get("given_name")?,
                    family_name: row.try_get("family_name")?,
                    preferred_name: row.try_get("preferred_name")?,
                    date_of_birth: dob.and_then(|d| d.parse().ok()),
                    provider: row.try_get("provider_id")?,
                    visit_type: row.try_get("visit_type")?,
                    appointment_id: row.try_get("appointment_id")?,
                    scheduled_at: opt_at(row.try_get("scheduled_at")?)?,
                    duration_min: row.try_get("duration_min")?,
                    state: state.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                    arrived_at: opt_at(row.try_get("arrived_at")?)?,
                    last_acknowledged_at: opt_at(row.try_get("last_acknowledged_at")?)?,
                    acknowledged_by: row.try_get("acknowledged_by")?,
                    state_changed_at: at(row.try_get("state_changed_at")?)?,
                    created_at: at(row.try_get("created_at")?)?,
                })
            }

            fn location_from_row(row: &$Row) -> Result<Location> {
                Ok(Location {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    time_zone: row.try_get("time_zone")?,
                    ack_policy: AckPolicy {
                        first_within: chrono::Duration::seconds(row.try_get("ack_first_within_s")?),
                        recheck_every: chrono::Duration::seconds(row.try_get("ack_recheck_every_s")?),
                        escalate_after: chrono::Duration::seconds(row.try_get("ack_escalate_after_s")?),
                    },
                })
            }

            fn user_from_row(row: &$Row) -> Result<StaffUser> {
                let role: String = row.try_get("role")?;
                let disabled: i64 = row.try_get("disabled")?;
                Ok(StaffUser {
                    id: row.try_get("user_id")?,
                    username: row.try_get("username")?,
                    role: role.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                    disabled: disabled != 0,
                })
            }
        }

        /// Statements that run inside a caller's transaction.
        mod tx_steps {
            use super::*;
            pub(super) type Tx<'a> = sqlx::Transaction<'a, <$Store as crate::sql::Backend>::Db>;

            pub(super) async fn event(
                tx: &mut Tx<'_>,
                visit_id: i64,
                kind: &str,
                actor: Option<&str>,
                detail: &str,
                now: Timestamp,
            ) -> Result<()> {
                sqlx::query("INSERT INTO visit_event (visit_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)")
                    .bind(visit_id)
                    .bind(ms(now))
                    .bind(kind)
                    .bind(actor)
                    .bind(detail)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            pub(super) async fn audit(
                tx: &mut Tx<'_>,
                actor: &Actor,
                action: &str,
                subject: &str,
                detail: &str,
                now: Timestamp,
            ) -> Result<()> {
                sqlx::query("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
                    .bind(ms(now))
                    .bind(actor.as_str())
                    .bind(action)
                    .bind(subject)
                    .bind(detail)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            pub(super) async fn visit(tx: &mut Tx<'_>, id: i64) -> Result<Visit> {
                let row = sqlx::query(visit_select!("WHERE v.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                $Store::visit_from_row(&row)
            }

            pub(super) async fn insert_patient(
                tx: &mut Tx<'_>,
                p: &frontdesk_domain::patient::NewPatient,
                now: Timestamp,
            ) -> Result<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO patient (given_name, family_name, preferred_name, date_of_birth, phone, email, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&p.given_name)
                .bind(&p.family_name)
                .bind(&p.preferred_name)
                .bind(p.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()))
                .bind(&p.phone)
                .bind(&p.email)
                .bind(ms(now))
                .fetch_one(&mut **tx)
                .await?;
                Ok(id)
            }

            pub(super) async fn exists(tx: &mut Tx<'_>, sql: &'static str, id: &str) -> Result<bool> {
                Ok(sqlx::query(sql).bind(id).fetch_optional(&mut **tx).await?.is_some())
            }
        }

        #[async_trait::async_trait]
        impl Store for $Store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ensure_location(&self, id: &str, name: &str, time_zone: &str) -> Result<Location> {
                sqlx::query("INSERT INTO location (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                    .bind(id)
                    .bind(name)
                    .bind(time_zone)
                    .execute(self.writer())
                    .await?;
                self.location(id).await
            }

            async fn location(&self, id: &str) -> Result<Location> {
                let row = sqlx::query("SELECT * FROM location WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Self::location_from_row(&row)
            }

            async fn locations(&self) -> Result<Vec<Location>> {
                let rows = sqlx::query("SELECT * FROM location ORDER BY id").fetch_all(self.reader()).await?;
                rows.iter().map(Self::location_from_row).collect()
            }

            async fn save_ack_policy(&self, location: &str, policy: AckPolicy, actor: &Actor, now: Timestamp) -> Result<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query(
                    "UPDATE location SET ack_first_within_s = $1, ack_recheck_every_s = $2, ack_escalate_after_s = $3 WHERE id = $4",
                )
                .bind(policy.first_within.num_seconds())
                .bind(policy.recheck_every.num_seconds())
                .bind(policy.escalate_after.num_seconds())
                .bind(location)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx_steps::audit(&mut tx, actor, "settings.ack_policy", &format!("location:{location}"), &policy.describe(), now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn upsert_provider(&self, provider: &Provider) -> Result<()> {
                let mut tx = self.writer().begin().await?;
                if !tx_steps::exists(&mut tx, "SELECT id FROM location WHERE id = $1", &provider.location).await? {
                    let mut e = FieldErrors::new();
                    e.add("location", "Unknown location");
                    return Err(StoreError::Invalid(e));
                }
                sqlx::query(
                    "INSERT INTO provider (id, name, location_id) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, location_id = excluded.location_id",
                )
                .bind(&provider.id)
                .bind(&provider.name)
                .bind(&provider.location)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn providers(&self) -> Result<Vec<Provider>> {
                let rows = sqlx::query("SELECT id, name, location_id FROM provider ORDER BY name, id")
                    .fetch_all(self.reader())
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Provider {
                            id: r.try_get("id")?,
                            name: r.try_get("name")?,
                            location: r.try_get("location_id")?,
                        })
                    })
                    .collect()
            }

            async fn create_user(&self, username: &str, role: Role, password_hash: &str, now: Timestamp) -> Result<StaffUser> {
                let result = sqlx::query_scalar(
                    "INSERT INTO staff_user (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(username)
                .bind(role.as_str())
                .bind(password_hash)
                .bind(ms(now))
                .fetch_one(self.writer())
                .await;
                match result {
                    Ok(id) => Ok(StaffUser { id, username: username.to_string(), role, disabled: false }),
                    Err(e) if unique_violation(&e) => Err(StoreError::Conflict(format!("a user named {username} already exists"))),
                    Err(e) => Err(e.into()),
                }
            }

            async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>> {
                let row = sqlx::query(
                    "SELECT id AS user_id, username, role, disabled, password_hash FROM staff_user WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(self.reader())
                .await?;
                match row {
                    None => Ok(None),
                    Some(row) => Ok(Some(Credentials { user: Self::user_from_row(&row)?, password_hash: row.try_get("password_hash")? })),
                }
            }

            async fn users(&self) -> Result<Vec<StaffUser>> {
                let rows = sqlx::query("SELECT id AS user_id, username, role, disabled FROM staff_user ORDER BY username")
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(Self::user_from_row).collect()
            }

            async fn create_session(&self, s: &NewSession) -> Result<()> {
                sqlx::query(
                    "INSERT INTO staff_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $4, $5)",
                )
                .bind(&s.token_hash)
                .bind(s.user_id)
                .bind(&s.csrf_token)
                .bind(ms(s.created_at))
                .bind(ms(s.expires_at))
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn live_session(&self, token_hash: &str, now: Timestamp, idle_cutoff: Timestamp) -> Result<Option<Session>> {
                let row = sqlx::query(
                    "SELECT s.token_hash, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, \
                            u.id AS user_id, u.username, u.role, u.disabled \
                     FROM staff_session s JOIN staff_user u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.disabled = 0",
                )
                .bind(token_hash)
                .bind(ms(now))
                .bind(ms(idle_cutoff))
                .fetch_optional(self.reader())
                .await?;
                match row {
                    None => Ok(None),
                    Some(row) => Ok(Some(Session {
                        token_hash: row.try_get("token_hash")?,
                        user: Self::user_from_row(&row)?,
                        csrf_token: row.try_get("csrf_token")?,
                        created_at: at(row.try_get("created_at")?)?,
                        last_seen_at: at(row.try_get("last_seen_at")?)?,
                        expires_at: at(row.try_get("expires_at")?)?,
                    })),
                }
            }

            async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()> {
                sqlx::query("UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(ms(now))
                    .bind(token_hash)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM staff_session WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn check_in(&self, visit: &NewVisit, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let mut tx = self.writer().begin().await?;
                let mut invalid = FieldErrors::new();
                if !tx_steps::exists(&mut tx, "SELECT id FROM location WHERE id = $1", &visit.location).await? {
                    invalid.add("location", "Unknown location");
                }
                if let Some(provider) = &visit.provider
                    && !tx_steps::exists(&mut tx, "SELECT id FROM provider WHERE id = $1", provider).await?
                {
                    invalid.add("provider", "Unknown provider");
                }
                if !invalid.is_empty() {
                    return Err(StoreError::Invalid(invalid));
                }
                let patient_id = tx_steps::insert_patient(&mut tx, &visit.patient, now).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO visit (location_id, patient_id, provider_id, visit_type, state, arrived_at, state_changed_at, created_at) \
                     VALUES ($1, $2, $3, $4, 'waiting', $5, $5, $5) RETURNING id",
                )
                .bind(&visit.location)
                .bind(patient_id)
                .bind(&visit.provider)
                .bind(&visit.visit_type)
                .bind(ms(now))
                .fetch_one(&mut *tx)
                .await?;
                tx_steps::event(&mut tx, id, "arrived", Some(actor.as_str()), "{}", now).await?;
                tx_steps::audit(&mut tx, actor, "visit.check_in", &format!("visit:{id}"), "", now).await?;
                let v = tx_steps::visit(&mut tx, id).await?;
                tx.commit().await?;
                Ok(v)
            }

            async fn check_in_appointment(&self, location: &str, appointment_id: &str, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let mut tx = self.writer().begin().await?;
                let row = sqlx::query("SELECT id, state FROM visit WHERE location_id = $1 AND appointment_id = $2")
                    .bind(location)
                    .bind(appointment_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let id: i64 = row.try_get("id")?;
                let state: String = row.try_get("state")?;
                let from: VisitState = state.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?;
                from.transition(VisitState::Waiting)?;
                let done = sqlx::query(
                    "UPDATE visit SET state = 'waiting', arrived_at = $1, state_changed_at = $1 WHERE id = $2 AND state = 'expected'",
                )
                .bind(ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("the visit changed meanwhile; try again".into()));
                }
                tx_steps::event(&mut tx, id, "arrived", Some(actor.as_str()), r#"{"with_appointment":true}"#, now).await?;
                tx_steps::audit(&mut tx, actor, "visit.check_in", &format!("visit:{id}"), "appointment", now).await?;
                let v = tx_steps::visit(&mut tx, id).await?;
                tx.commit().await?;
                Ok(v)
            }

            async fn acknowledge(&self, visit_id: i64, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let mut tx = self.writer().begin().await?;
                let v = tx_steps::visit(&mut tx, visit_id).await?;
                if !v.state.is_present() {
                    return Err(StoreError::Refused(format!(
                        "only a patient who is here can be acknowledged; this visit is {}",
                        v.state.label().to_lowercase()
                    )));
                }
                sqlx::query("UPDATE visit SET last_acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3")
                    .bind(ms(now))
                    .bind(actor.as_str())
                    .bind(visit_id)
                    .execute(&mut *tx)
                    .await?;
                tx_steps::event(&mut tx, visit_id, "acknowledged", Some(actor.as_str()), "{}", now).await?;
                tx_steps::audit(&mut tx, actor, "visit.acknowledge", &format!("visit:{visit_id}"), "", now).await?;
                let v = tx_steps::visit(&mut tx, visit_id).await?;
                tx.commit().await?;
                Ok(v)
            }

            async fn transition(&self, visit_id: i64, to: VisitState, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let mut tx = self.writer().begin().await?;
                let v = tx_steps::visit(&mut tx, visit_id).await?;
                v.state.transition(to)?;
                let sql = if v.state == VisitState::Expected && to == VisitState::Waiting {
                    "UPDATE visit SET state = $1, state_changed_at = $2, arrived_at = $2 WHERE id = $3 AND state = $4"
                } else {
                    "UPDATE visit SET state = $1, state_changed_at = $2 WHERE id = $3 AND state = $4"
                };
                let done = sqlx::query(sql)
                    .bind(to.as_str())
                    .bind(ms(now))
                    .bind(visit_id)
                    .bind(v.state.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("the visit changed meanwhile; try again".into()));
                }
                let detail = format!(r#"{{"from":"{}","to":"{}"}}"#, v.state, to);
                tx_steps::event(&mut tx, visit_id, "transitioned", Some(actor.as_str()), &detail, now).await?;
                tx_steps::audit(&mut tx, actor, "visit.transition", &format!("visit:{visit_id}"), &detail, now).await?;
                let v = tx_steps::visit(&mut tx, visit_id).await?;
                tx.commit().await?;
                Ok(v)
            }

            async fn lobby(&self, location: &str, audit: Option<&Actor>, now: Timestamp) -> Result<Vec<Visit>> {
                let rows = sqlx::query(visit_select!(
                    "WHERE v.location_id = $1 AND v.state IN ('waiting', 'roomed', 'with_provider', 'checkout') \
                     ORDER BY v.arrived_at, v.id"
                ))
                .bind(location)
                .fetch_all(self.reader())
                .await?;
                let visits = rows.iter().map(Self::visit_from_row).collect::<Result<Vec<_>>>()?;
                if let Some(reader) = audit {
                    self.audit(reader, "lobby.read", &format!("location:{location}"), now).await?;
                }
                Ok(visits)
            }

            async fn expected_visits(&self, location: &str, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
                let rows = sqlx::query(visit_select!(
                    "WHERE v.location_id = $1 AND v.state = 'expected' AND v.scheduled_at >= $2 AND v.scheduled_at < $3 \
                     ORDER BY v.scheduled_at, v.id"
                ))
                .bind(location)
                .bind(ms(from))
                .bind(ms(to))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(Self::visit_from_row).collect()
            }

            async fn visit(&self, visit_id: i64, reader: &Actor, now: Timestamp) -> Result<(Visit, Vec<TimelineEvent>)> {
                let row = sqlx::query(visit_select!("WHERE v.id = $1"))
                    .bind(visit_id)
                    .fetch_optional(self.reader())
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let visit = Self::visit_from_row(&row)?;
                let rows = sqlx::query("SELECT id, visit_id, at, kind, actor, detail FROM visit_event WHERE visit_id = $1 ORDER BY id")
                    .bind(visit_id)
                    .fetch_all(self.reader())
                    .await?;
                let events = rows
                    .iter()
                    .map(|r| {
                        Ok(TimelineEvent {
                            id: r.try_get("id")?,
                            visit_id: r.try_get("visit_id")?,
                            at: at(r.try_get("at")?)?,
                            kind: r.try_get("kind")?,
                            actor: r.try_get("actor")?,
                            detail: r.try_get("detail")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.audit(reader, "visit.read", &format!("visit:{visit_id}"), now).await?;
                Ok((visit, events))
            }

            async fn running_clocks(&self) -> Result<Vec<Visit>> {
                let rows = sqlx::query(visit_select!("WHERE v.state IN ('waiting', 'roomed') ORDER BY v.id"))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(Self::visit_from_row).collect()
            }

            async fn record_event(&self, visit_id: i64, kind: &str, detail: &str, now: Timestamp) -> Result<()> {
                let mut tx = self.writer().begin().await?;
                tx_steps::event(&mut tx, visit_id, kind, None, detail, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn import_appointments(&self, appointments: &[Appointment], actor: &Actor, now: Timestamp) -> Result<ImportSummary> {
                let mut tx = self.writer().begin().await?;
                let mut summary = ImportSummary::default();
                for a in appointments {
                    if !tx_steps::exists(&mut tx, "SELECT id FROM location WHERE id = $1", &a.location).await? {
                        let mut e = FieldErrors::new();
                        e.add("location", format!("Unknown location {:?} (appointment {})", a.location, a.appointment_id));
                        return Err(StoreError::Invalid(e));
                    }
                    // Providers arrive with the schedule; a manager can give them a display name later.
                    sqlx::query("INSERT INTO provider (id, name, location_id) VALUES ($1, $1, $2) ON CONFLICT (id) DO NOTHING")
                        .bind(&a.provider)
                        .bind(&a.location)
                        .execute(&mut *tx)
                        .await?;
                    let existing = sqlx::query("SELECT id FROM visit WHERE location_id = $1 AND appointment_id = $2")
                        .bind(&a.location)
                        .bind(&a.appointment_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if existing.is_some() {
                        summary.already_present += 1;
                        continue;
                    }
                    let patient_id = tx_steps::insert_patient(&mut tx, &a.patient, now).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO visit (location_id, patient_id, provider_id, visit_type, appointment_id, scheduled_at, duration_min, \
                                            state, state_changed_at, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'expected', $8, $8) RETURNING id",
                    )
                    .bind(&a.location)
                    .bind(patient_id)
                    .bind(&a.provider)
                    .bind(&a.visit_type)
                    .bind(&a.appointment_id)
                    .bind(ms(a.scheduled_at))
                    .bind(a.duration_min.map(i64::from))
                    .bind(ms(now))
                    .fetch_one(&mut *tx)
                    .await?;
                    tx_steps::event(&mut tx, id, "scheduled", Some(actor.as_str()), "{}", now).await?;
                    summary.created += 1;
                }
                let detail = format!("{} created, {} already present", summary.created, summary.already_present);
                tx_steps::audit(&mut tx, actor, "appointments.import", "schedule", &detail, now).await?;
                tx.commit().await?;
                Ok(summary)
            }

            async fn audit(&self, actor: &Actor, action: &str, subject: &str, now: Timestamp) -> Result<()> {
                sqlx::query("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, '')")
                    .bind(ms(now))
                    .bind(actor.as_str())
                    .bind(action)
                    .bind(subject)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
                let rows = sqlx::query("SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(AuditEntry {
                            id: r.try_get("id")?,
                            at: at(r.try_get("at")?)?,
                            actor: r.try_get("actor")?,
                            action: r.try_get("action")?,
                            subject: r.try_get("subject")?,
                            detail: r.try_get("detail")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use store_impl;

/// Ties a store type to its sqlx database type.
pub(crate) trait Backend {
    type Db: sqlx::Database;
}
