//! The [`Store`](crate::Store) implementation both backends share. Each
//! backend module defines two macros before stamping this out:
//! `read_op!(self, c => body)` runs `body` on a connection, and
//! `write_op!(self, c => body)` runs it inside a transaction that commits
//! before the call returns. Arguments are cloned into the operation, because
//! SQLite runs it on its own thread.

macro_rules! store_impl {
    ($Store:ident, $backend:literal) => {
        use crate::ops;
        use crate::*;
        use frontdesk_domain::appointment::Appointment;
        use frontdesk_domain::{AckPolicy, Role, Timestamp, VisitState};

        #[async_trait::async_trait]
        impl Store for $Store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ensure_location(&self, id: &str, name: &str, time_zone: &str) -> Result<Location> {
                let (id, name, time_zone) = (id.to_string(), name.to_string(), time_zone.to_string());
                write_op!(self, c => ops::ensure_location(c, &id, &name, &time_zone).await)
            }

            async fn location(&self, id: &str) -> Result<Location> {
                let id = id.to_string();
                read_op!(self, c => ops::location(c, &id).await)
            }

            async fn locations(&self) -> Result<Vec<Location>> {
                read_op!(self, c => ops::locations(c).await)
            }

            async fn save_ack_policy(&self, location: &str, policy: AckPolicy, actor: &Actor, now: Timestamp) -> Result<()> {
                let (location, actor) = (location.to_string(), actor.clone());
                write_op!(self, c => ops::save_ack_policy(c, &location, policy, &actor, now).await)
            }

            async fn save_quote_quantile(&self, location: &str, percent: Option<i64>, actor: &Actor, now: Timestamp) -> Result<()> {
                let (location, actor) = (location.to_string(), actor.clone());
                write_op!(self, c => ops::save_quote_quantile(c, &location, percent, &actor, now).await)
            }

            async fn upsert_provider(&self, provider: &Provider) -> Result<()> {
                let provider = provider.clone();
                write_op!(self, c => ops::upsert_provider(c, &provider).await)
            }

            async fn providers(&self) -> Result<Vec<Provider>> {
                read_op!(self, c => ops::providers(c).await)
            }

            async fn create_user(&self, username: &str, role: Role, password_hash: &str, now: Timestamp) -> Result<StaffUser> {
                let (username, hash) = (username.to_string(), password_hash.to_string());
                write_op!(self, c => ops::create_user(c, &username, role, &hash, now).await)
            }

            async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>> {
                let username = username.to_string();
                read_op!(self, c => ops::user_credentials(c, &username).await)
            }

            async fn users(&self) -> Result<Vec<StaffUser>> {
                read_op!(self, c => ops::users(c).await)
            }

            async fn set_user_disabled(&self, username: &str, disabled: bool, actor: &Actor, now: Timestamp) -> Result<()> {
                let (username, actor) = (username.to_string(), actor.clone());
                write_op!(self, c => ops::set_user_disabled(c, &username, disabled, &actor, now).await)
            }

            async fn create_session(&self, session: &NewSession) -> Result<()> {
                let session = session.clone();
                write_op!(self, c => ops::create_session(c, &session).await)
            }

            async fn live_session(&self, token_hash: &str, now: Timestamp, idle_cutoff: Timestamp) -> Result<Option<Session>> {
                let token_hash = token_hash.to_string();
                read_op!(self, c => ops::live_session(c, &token_hash, now, idle_cutoff).await)
            }

            async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()> {
                let token_hash = token_hash.to_string();
                write_op!(self, c => ops::touch_session(c, &token_hash, now).await)
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                let token_hash = token_hash.to_string();
                write_op!(self, c => ops::delete_session(c, &token_hash).await)
            }

            async fn check_in(&self, visit: &NewVisit, promise: Option<&NewPromise>, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let (visit, promise, actor) = (visit.clone(), promise.cloned(), actor.clone());
                write_op!(self, c => ops::check_in(c, &visit, promise.as_ref(), &actor, now).await)
            }

            async fn check_in_appointment(
                &self,
                location: &str,
                appointment_id: &str,
                promise: Option<&NewPromise>,
                actor: &Actor,
                now: Timestamp,
            ) -> Result<Visit> {
                let (location, appointment_id, promise, actor) =
                    (location.to_string(), appointment_id.to_string(), promise.cloned(), actor.clone());
                write_op!(self, c => ops::check_in_appointment(c, &location, &appointment_id, promise.as_ref(), &actor, now).await)
            }

            async fn create_promise(&self, promise: &NewPromise, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let (promise, actor) = (promise.clone(), actor.clone());
                write_op!(self, c => {
                    match ops::insert_promise(c, &promise, &actor, now).await {
                        Ok(p) => ops::audit(c, &actor, "promise.create", &format!("promise:{}", p.id), &p.kind, now).await.map(|_| p),
                        Err(e) => Err(e),
                    }
                })
            }

            async fn promise(&self, id: i64) -> Result<Promise> {
                read_op!(self, c => ops::promise(c, id).await)
            }

            async fn visit_promise(&self, visit_id: i64) -> Result<Option<Promise>> {
                read_op!(self, c => ops::visit_promise(c, visit_id).await)
            }

            async fn fulfil_promise(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let actor = actor.clone();
                write_op!(self, c => ops::fulfil_promise(c, id, &actor, now).await)
            }

            async fn renegotiate(&self, old_id: i64, new: &NewPromise, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let (new, actor) = (new.clone(), actor.clone());
                write_op!(self, c => ops::renegotiate(c, old_id, &new, &actor, now).await)
            }

            async fn open_wait_promises(&self) -> Result<Vec<Promise>> {
                read_op!(self, c => ops::open_wait_promises(c).await)
            }

            async fn open_promises(&self, location: &str) -> Result<Vec<Promise>> {
                let location = location.to_string();
                read_op!(self, c => ops::open_promises(c, &location).await)
            }

            async fn settled_promises(&self, location: &str, since: Timestamp) -> Result<Vec<Promise>> {
                let location = location.to_string();
                read_op!(self, c => ops::settled_promises(c, &location, since).await)
            }

            async fn fulfilment_history(&self, location: &str, kind: &str) -> Result<FulfilmentHistory> {
                let (location, kind) = (location.to_string(), kind.to_string());
                read_op!(self, c => ops::fulfilment_history(c, &location, &kind).await)
            }

            async fn create_status_link(&self, visit_id: i64, token_hash: &str, expires_at: Timestamp, now: Timestamp) -> Result<()> {
                let token_hash = token_hash.to_string();
                write_op!(self, c => ops::create_status_link(c, visit_id, &token_hash, expires_at, now).await)
            }

            async fn status_link_visit(&self, token_hash: &str, now: Timestamp) -> Result<Option<i64>> {
                let token_hash = token_hash.to_string();
                read_op!(self, c => ops::status_link_visit(c, &token_hash, now).await)
            }

            async fn visits_since(&self, since: Timestamp) -> Result<Vec<Visit>> {
                read_op!(self, c => ops::visits_since(c, since).await)
            }

            async fn acknowledge(&self, visit_id: i64, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let actor = actor.clone();
                write_op!(self, c => ops::acknowledge(c, visit_id, &actor, now).await)
            }

            async fn transition(&self, visit_id: i64, to: VisitState, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let actor = actor.clone();
                write_op!(self, c => ops::transition(c, visit_id, to, &actor, now).await)
            }

            async fn lobby(&self, location: &str, audit: Option<&Actor>, now: Timestamp) -> Result<Vec<Visit>> {
                let location_id = location.to_string();
                let visits = read_op!(self, c => ops::lobby(c, &location_id).await)?;
                if let Some(reader) = audit {
                    let (reader, subject) = (reader.clone(), format!("location:{location}"));
                    let detail = format!("{} patients shown", visits.len());
                    write_op!(self, c => ops::audit(c, &reader, "lobby.read", &subject, &detail, now).await)?;
                }
                Ok(visits)
            }

            async fn expected_visits(&self, location: &str, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
                let location = location.to_string();
                read_op!(self, c => ops::expected_visits(c, &location, from, to).await)
            }

            async fn visit(&self, visit_id: i64, reader: &Actor, now: Timestamp) -> Result<(Visit, Vec<TimelineEvent>)> {
                let found = read_op!(self, c => {
                    match ops::visit_by_id(c, visit_id).await {
                        Ok(v) => ops::timeline(c, visit_id).await.map(|t| (v, t)),
                        Err(e) => Err(e),
                    }
                })?;
                let (reader, subject) = (reader.clone(), format!("visit:{visit_id}"));
                write_op!(self, c => ops::audit(c, &reader, "visit.read", &subject, "", now).await)?;
                Ok(found)
            }

            async fn running_alerts(&self) -> Result<Vec<(i64, String, Timestamp)>> {
                read_op!(self, c => ops::running_alerts(c).await)
            }

            async fn running_clocks(&self) -> Result<Vec<Visit>> {
                read_op!(self, c => ops::running_clocks(c).await)
            }

            async fn record_event(&self, visit_id: i64, kind: &str, detail: &str, now: Timestamp) -> Result<()> {
                let (kind, detail) = (kind.to_string(), detail.to_string());
                write_op!(self, c => ops::record_event(c, visit_id, &kind, &detail, now).await)
            }

            async fn import_appointments(&self, appointments: &[Appointment], actor: &Actor, now: Timestamp) -> Result<ImportSummary> {
                let (appointments, actor) = (appointments.to_vec(), actor.clone());
                write_op!(self, c => ops::import_appointments(c, &appointments, &actor, now).await)
            }

            async fn raise_concern(&self, concern: &NewConcern, actor: &Actor, now: Timestamp) -> Result<Concern> {
                let (concern, actor) = (concern.clone(), actor.clone());
                write_op!(self, c => ops::raise_concern(c, &concern, &actor, now).await)
            }

            async fn concern(&self, id: i64) -> Result<Concern> {
                read_op!(self, c => ops::concern(c, id).await)
            }

            async fn visit_concerns(&self, visit_id: i64) -> Result<Vec<Concern>> {
                read_op!(self, c => ops::visit_concerns(c, visit_id).await)
            }

            async fn location_concerns(&self, location: &str, since: Timestamp) -> Result<Vec<Concern>> {
                let location = location.to_string();
                read_op!(self, c => ops::location_concerns(c, &location, since).await)
            }

            async fn lobby_marks(&self, location: &str, since: Timestamp) -> Result<LobbyMarks> {
                let location = location.to_string();
                read_op!(self, c => ops::lobby_marks(c, &location, since).await)
            }

            async fn answer_concern(&self, id: i64, answer: &ConcernAnswer, actor: &Actor, now: Timestamp) -> Result<Concern> {
                let (answer, actor) = (answer.clone(), actor.clone());
                write_op!(self, c => ops::answer_concern(c, id, &answer, &actor, now).await)
            }

            async fn respond_to_concern(&self, id: i64, confirmed: bool, note: &str, now: Timestamp) -> Result<Concern> {
                let note = note.to_string();
                write_op!(self, c => ops::respond_to_concern(c, id, confirmed, &note, now).await)
            }

            async fn follow_up_concern(&self, id: i64, promise: &NewPromise, actor: &Actor, now: Timestamp) -> Result<(Concern, Promise)> {
                let (promise, actor) = (promise.clone(), actor.clone());
                write_op!(self, c => ops::follow_up_concern(c, id, &promise, &actor, now).await)
            }

            async fn create_complaint(&self, complaint: &NewComplaintRecord, actor: &Actor, now: Timestamp) -> Result<Complaint> {
                let (complaint, actor) = (complaint.clone(), actor.clone());
                write_op!(self, c => ops::create_complaint(c, &complaint, &actor, now).await)
            }

            async fn complaint(&self, id: i64) -> Result<(Complaint, Vec<ComplaintEvent>)> {
                read_op!(self, c => ops::complaint_with_events(c, id).await)
            }

            async fn complaints(&self, location: &str, since: Timestamp) -> Result<Vec<Complaint>> {
                let location = location.to_string();
                read_op!(self, c => ops::complaints(c, Some(&location), since).await)
            }

            async fn unresolved_complaints(&self) -> Result<Vec<Complaint>> {
                read_op!(self, c => ops::complaints(c, None, Timestamp::MAX_UTC).await)
            }

            async fn change_complaint(&self, id: i64, change: &ComplaintChange, actor: &Actor, now: Timestamp) -> Result<Complaint> {
                let (change, actor) = (change.clone(), actor.clone());
                write_op!(self, c => ops::change_complaint(c, id, &change, &actor, now).await)
            }

            async fn complaint_settings(&self, location: &str) -> Result<ComplaintSettings> {
                let location = location.to_string();
                read_op!(self, c => ops::complaint_settings(c, &location).await)
            }

            async fn save_complaint_settings(&self, location: &str, settings: &ComplaintSettings, actor: &Actor, now: Timestamp) -> Result<()> {
                let (location, settings, actor) = (location.to_string(), settings.clone(), actor.clone());
                write_op!(self, c => ops::save_complaint_settings(c, &location, &settings, &actor, now).await)
            }

            async fn enqueue_message(&self, message: &NewOutboxMessage, actor: &Actor, now: Timestamp) -> Result<OutboxMessage> {
                let (message, actor) = (message.clone(), actor.clone());
                write_op!(self, c => ops::enqueue_message(c, &message, &actor, now).await)
            }

            async fn claim_due_messages(&self, now: Timestamp, lease: chrono::Duration, limit: i64) -> Result<Vec<OutboxMessage>> {
                write_op!(self, c => ops::claim_due_messages(c, now, lease, limit).await)
            }

            async fn message_sent(&self, id: i64, now: Timestamp) -> Result<OutboxMessage> {
                write_op!(self, c => ops::message_sent(c, id, now).await)
            }

            async fn message_failed(&self, id: i64, error: &str, permanent: bool, now: Timestamp) -> Result<OutboxMessage> {
                let error = error.to_string();
                write_op!(self, c => ops::message_failed(c, id, &error, permanent, now).await)
            }

            async fn outbox_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>> {
                read_op!(self, c => ops::outbox_messages(c, limit).await)
            }

            async fn audit(&self, actor: &Actor, action: &str, subject: &str, now: Timestamp) -> Result<()> {
                let (actor, action, subject) = (actor.clone(), action.to_string(), subject.to_string());
                write_op!(self, c => ops::audit(c, &actor, &action, &subject, "", now).await)
            }

            async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
                read_op!(self, c => ops::audit_log(c, limit).await)
            }
        }
    };
}
pub(crate) use store_impl;
