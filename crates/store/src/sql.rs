//! The store's traits implemented once for both backends. Each backend
//! module defines two macros before stamping this out:
//! `read_op!(self, c => body)` runs `body` on a connection, and
//! `write_op!(self, c => body)` runs it inside a transaction that commits
//! before the call returns. Arguments are cloned into the operation, because
//! SQLite runs it on its own thread.

macro_rules! store_impl {
    ($Store:ident, $backend:literal) => {
        use crate::ops::{self, audit, arrivals, complaints, concerns, idempotency, kiosks, locations, outbox, promises, retention, schedule, scorecard, staff, surveys, visits, watch};
        use crate::traits;
        use crate::*;
        use frontdesk_domain::appointment::Appointment;
        use frontdesk_domain::timeline::EventKind;
        use frontdesk_domain::{AckPolicy, Timestamp, VisitState};

        impl Store for $Store {
            fn backend(&self) -> &'static str {
                $backend
            }

            fn shared(&self) -> Option<&dyn crate::shared::Shared> {
                self.shared_part()
            }
        }

        #[async_trait::async_trait]
        impl traits::Locations for $Store {
            async fn ensure_location(&self, id: &str, name: &str, time_zone: &str) -> Result<Location> {
                let (id, name, time_zone) = (id.to_string(), name.to_string(), time_zone.to_string());
                write_op!(self, c => locations::ensure(c, &id, &name, &time_zone).await)
            }

            async fn add_location(&self, id: &str, name: &str, time_zone: &str, actor: &Actor, now: Timestamp) -> Result<Location> {
                let (id, name, time_zone, actor) = (id.to_string(), name.to_string(), time_zone.to_string(), actor.clone());
                write_op!(self, c => locations::add(c, &id, &name, &time_zone, &actor, now).await)
            }

            async fn location(&self, id: &str) -> Result<Location> {
                let id = id.to_string();
                read_op!(self, c => locations::location(c, &id).await)
            }

            async fn locations(&self) -> Result<Vec<Location>> {
                read_op!(self, c => locations::all(c).await)
            }

            async fn save_ack_policy(&self, location: &str, policy: AckPolicy, actor: &Actor, now: Timestamp) -> Result<()> {
                let (location, actor) = (location.to_string(), actor.clone());
                write_op!(self, c => locations::save_ack_policy(c, &location, policy, &actor, now).await)
            }

            async fn save_quote_quantile(&self, location: &str, percent: Option<i64>, actor: &Actor, now: Timestamp) -> Result<()> {
                let (location, actor) = (location.to_string(), actor.clone());
                write_op!(self, c => locations::save_quote_quantile(c, &location, percent, &actor, now).await)
            }

            async fn save_survey_delay(&self, location: &str, delay: Option<chrono::Duration>, actor: &Actor, now: Timestamp) -> Result<()> {
                let (location, actor) = (location.to_string(), actor.clone());
                write_op!(self, c => locations::save_survey_delay(c, &location, delay, &actor, now).await)
            }

            async fn complaint_settings(&self, location: &str) -> Result<ComplaintSettings> {
                let location = location.to_string();
                read_op!(self, c => locations::complaint_settings(c, &location).await)
            }

            async fn save_complaint_settings(&self, location: &str, settings: &ComplaintSettings, actor: &Actor, now: Timestamp) -> Result<()> {
                let (location, settings, actor) = (location.to_string(), settings.clone(), actor.clone());
                write_op!(self, c => locations::save_complaint_settings(c, &location, &settings, &actor, now).await)
            }

            async fn upsert_provider(&self, provider: &Provider, actor: &Actor, now: Timestamp) -> Result<()> {
                let (provider, actor) = (provider.clone(), actor.clone());
                write_op!(self, c => locations::upsert_provider(c, &provider, &actor, now).await)
            }

            async fn providers(&self) -> Result<Vec<Provider>> {
                read_op!(self, c => locations::providers(c).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Kiosks for $Store {
            async fn add_kiosk(&self, location: &str, name: &str, pairing_hash: &str, expires_at: Timestamp, actor: &Actor, now: Timestamp) -> Result<Kiosk> {
                let (location, name, hash, actor) = (location.to_string(), name.to_string(), pairing_hash.to_string(), actor.clone());
                write_op!(self, c => kiosks::add(c, &location, &name, &hash, expires_at, &actor, now).await)
            }

            async fn kiosk(&self, id: i64) -> Result<Kiosk> {
                read_op!(self, c => kiosks::kiosk(c, id).await)
            }

            async fn new_kiosk_pairing(&self, id: i64, pairing_hash: &str, expires_at: Timestamp, actor: &Actor, now: Timestamp) -> Result<Kiosk> {
                let (hash, actor) = (pairing_hash.to_string(), actor.clone());
                write_op!(self, c => kiosks::new_pairing(c, id, &hash, expires_at, &actor, now).await)
            }

            async fn pair_kiosk(&self, pairing_hash: &str, device_hash: &str, now: Timestamp) -> Result<Option<Kiosk>> {
                let (pairing, device) = (pairing_hash.to_string(), device_hash.to_string());
                write_op!(self, c => kiosks::pair(c, &pairing, &device, now).await)
            }

            async fn kiosk_by_pairing(&self, pairing_hash: &str, now: Timestamp) -> Result<Option<Kiosk>> {
                let pairing = pairing_hash.to_string();
                read_op!(self, c => kiosks::by_pairing(c, &pairing, now).await)
            }

            async fn kiosk_by_device(&self, device_hash: &str) -> Result<Option<Kiosk>> {
                let device = device_hash.to_string();
                read_op!(self, c => kiosks::by_device(c, &device).await)
            }

            async fn kiosk_seen(&self, id: i64, now: Timestamp) -> Result<()> {
                write_op!(self, c => kiosks::seen(c, id, now).await)
            }

            async fn kiosks(&self, location: &str) -> Result<Vec<Kiosk>> {
                let location = location.to_string();
                read_op!(self, c => kiosks::at_location(c, &location).await)
            }

            async fn rename_kiosk(&self, id: i64, name: &str, actor: &Actor, now: Timestamp) -> Result<Kiosk> {
                let (name, actor) = (name.to_string(), actor.clone());
                write_op!(self, c => kiosks::rename(c, id, &name, &actor, now).await)
            }

            async fn revoke_kiosk(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<Kiosk> {
                let actor = actor.clone();
                write_op!(self, c => kiosks::revoke(c, id, &actor, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::StaffAccounts for $Store {
            async fn create_user(&self, user: &NewUser, actor: &Actor, now: Timestamp) -> Result<StaffUser> {
                let (user, actor) = (user.clone(), actor.clone());
                write_op!(self, c => staff::create_user(c, &user, &actor, now).await)
            }

            async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>> {
                let username = username.to_string();
                read_op!(self, c => staff::credentials(c, &username).await)
            }

            async fn users(&self) -> Result<Vec<StaffUser>> {
                read_op!(self, c => staff::users(c).await)
            }

            async fn set_user_disabled(&self, username: &str, disabled: bool, actor: &Actor, now: Timestamp) -> Result<()> {
                let (username, actor) = (username.to_string(), actor.clone());
                write_op!(self, c => staff::set_disabled(c, &username, disabled, &actor, now).await)
            }

            async fn create_session(&self, session: &NewSession) -> Result<()> {
                let session = session.clone();
                write_op!(self, c => staff::create_session(c, &session).await)
            }

            async fn live_session(&self, token_hash: &str, now: Timestamp, idle_cutoff: Timestamp) -> Result<Option<Session>> {
                let token_hash = token_hash.to_string();
                read_op!(self, c => staff::live_session(c, &token_hash, now, idle_cutoff).await)
            }

            async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()> {
                let token_hash = token_hash.to_string();
                write_op!(self, c => staff::touch_session(c, &token_hash, now).await)
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                let token_hash = token_hash.to_string();
                write_op!(self, c => staff::delete_session(c, &token_hash).await)
            }

            async fn second_factor(&self, user_id: i64) -> Result<SecondFactorState> {
                read_op!(self, c => staff::second_factor(c, user_id).await)
            }

            async fn begin_second_factor(&self, user: &StaffUser, secret: &str, now: Timestamp) -> Result<()> {
                let (user, secret) = (user.clone(), secret.to_string());
                write_op!(self, c => staff::begin_second_factor(c, &user, &secret, now).await)
            }

            async fn confirm_second_factor(&self, user: &StaffUser, code: u32, code_time: Timestamp, recovery_code_hashes: &[String], keep_session: &str, now: Timestamp) -> Result<()> {
                let (user, hashes, keep) = (user.clone(), recovery_code_hashes.to_vec(), keep_session.to_string());
                write_op!(self, c => staff::confirm_second_factor(c, &user, code, code_time, &hashes, &keep, now).await)
            }

            async fn check_second_factor(&self, user: &StaffUser, attempt: &CodeAttempt, code_time: Timestamp, now: Timestamp) -> Result<CodeOutcome> {
                let (user, attempt) = (user.clone(), attempt.clone());
                write_op!(self, c => staff::check_second_factor(c, &user, &attempt, code_time, now).await)
            }

            async fn reset_second_factor(&self, username: &str, actor: &Actor, now: Timestamp) -> Result<bool> {
                let (username, actor) = (username.to_string(), actor.clone());
                write_op!(self, c => staff::reset_second_factor(c, &username, &actor, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Schedule for $Store {
            async fn apply_schedule(&self, changes: &[frontdesk_domain::schedule::ScheduleChange], actor: &Actor, now: Timestamp) -> Result<Vec<ScheduleOutcome>> {
                let (changes, actor) = (changes.to_vec(), actor.clone());
                write_op!(self, c => schedule::apply(c, &changes, &actor, now).await)
            }

            async fn schedule_day(&self, location: &str, from: Timestamp, to: Timestamp, reader: &Actor, action: &str, now: Timestamp) -> Result<Vec<ScheduledVisit>> {
                let location_id = location.to_string();
                let visits = read_op!(self, c => schedule::day(c, &location_id, from, to).await)?;
                let (reader, action, subject) = (reader.clone(), action.to_string(), format!("location:{location}"));
                let detail = format!("{} visits shown", visits.len());
                write_op!(self, c => audit::write(c, &reader, &action, &subject, &detail, now).await)?;
                Ok(visits)
            }

            async fn scheduled_visit(&self, visit_id: i64) -> Result<ScheduledVisit> {
                read_op!(self, c => schedule::one_visit(c, visit_id).await)
            }

            async fn figures(&self) -> Result<Figures> {
                read_op!(self, c => ops::figures::figures(c).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Visits for $Store {
            async fn check_in(&self, check_in: &CheckIn, actor: &Actor, now: Timestamp) -> Result<Arrived> {
                let (check_in, actor) = (check_in.clone(), actor.clone());
                write_op!(self, c => visits::check_in(c, &check_in, &actor, now).await)
            }

            async fn acknowledge(&self, visit_id: i64, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let actor = actor.clone();
                write_op!(self, c => visits::acknowledge(c, visit_id, &actor, now).await)
            }

            async fn transition(&self, visit_id: i64, to: VisitState, arrival_promise: Option<&NewPromise>, actor: &Actor, now: Timestamp) -> Result<Visit> {
                let (promise, actor) = (arrival_promise.cloned(), actor.clone());
                write_op!(self, c => visits::transition(c, visit_id, to, promise.as_ref(), &actor, now).await)
            }

            async fn lobby(&self, location: &str, audit: Option<&Actor>, now: Timestamp) -> Result<Vec<Visit>> {
                let location_id = location.to_string();
                let visits = read_op!(self, c => visits::lobby(c, &location_id).await)?;
                if let Some(reader) = audit {
                    let (reader, subject) = (reader.clone(), format!("location:{location}"));
                    let detail = format!("{} patients shown", visits.len());
                    write_op!(self, c => audit::write(c, &reader, "lobby.read", &subject, &detail, now).await)?;
                }
                Ok(visits)
            }

            async fn expected_visits(&self, location: &str, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
                let location = location.to_string();
                read_op!(self, c => visits::expected(c, &location, from, to).await)
            }

            async fn appointment_visit(&self, location: &str, appointment_id: &str) -> Result<Visit> {
                let (location, appointment_id) = (location.to_string(), appointment_id.to_string());
                read_op!(self, c => visits::by_appointment(c, &location, &appointment_id).await)
            }

            async fn visit_record(&self, visit_id: i64) -> Result<Visit> {
                read_op!(self, c => visits::by_id(c, visit_id).await)
            }

            async fn visit_unaudited(&self, visit_id: i64) -> Result<(Visit, Vec<TimelineEvent>)> {
                read_op!(self, c => {
                    match visits::by_id(c, visit_id).await {
                        Ok(v) => visits::timeline(c, visit_id).await.map(|t| (v, t)),
                        Err(e) => Err(e),
                    }
                })
            }

            async fn visit(&self, visit_id: i64, reader: &Actor, now: Timestamp) -> Result<(Visit, Vec<TimelineEvent>)> {
                let found = read_op!(self, c => {
                    match visits::by_id(c, visit_id).await {
                        Ok(v) => visits::timeline(c, visit_id).await.map(|t| (v, t)),
                        Err(e) => Err(e),
                    }
                })?;
                let (reader, subject) = (reader.clone(), visits::subject(visit_id));
                write_op!(self, c => audit::write(c, &reader, "visit.read", &subject, "", now).await)?;
                Ok(found)
            }

            async fn running_clocks(&self) -> Result<Vec<Visit>> {
                read_op!(self, c => visits::running_clocks(c).await)
            }

            async fn clocks_due(&self, location: &str, policy: AckPolicy, after: Timestamp, until: Timestamp) -> Result<Vec<Visit>> {
                let location = location.to_string();
                read_op!(self, c => visits::clocks_due(c, &location, policy, after, until).await)
            }

            async fn running_alerts(&self) -> Result<Vec<(i64, EventKind, Timestamp)>> {
                read_op!(self, c => visits::running_alerts(c).await)
            }

            async fn record_event(&self, visit_id: i64, kind: EventKind, detail: &serde_json::Value, now: Timestamp) -> Result<()> {
                let detail = detail.clone();
                write_op!(self, c => ops::event(c, visit_id, kind, None, &detail, now).await)
            }

            async fn patient_said(&self, visit_id: i64, kind: EventKind, detail: &serde_json::Value, now: Timestamp) -> Result<()> {
                let detail = detail.clone();
                write_op!(self, c => visits::patient_said(c, visit_id, kind, &detail, now).await)
            }

            async fn import_appointments(&self, appointments: &[Appointment], actor: &Actor, now: Timestamp) -> Result<ImportSummary> {
                let (appointments, actor) = (appointments.to_vec(), actor.clone());
                write_op!(self, c => visits::import_appointments(c, &appointments, &actor, now).await)
            }

            async fn visits_since(&self, since: Timestamp) -> Result<Vec<Visit>> {
                read_op!(self, c => visits::since(c, since).await)
            }

            async fn lobby_marks(&self, location: &str, since: Timestamp) -> Result<LobbyMarks> {
                let location = location.to_string();
                read_op!(self, c => visits::lobby_marks(c, &location, since).await)
            }

            async fn create_status_link(&self, visit_id: i64, link: &NewStatusLink, now: Timestamp) -> Result<()> {
                let link = link.clone();
                write_op!(self, c => visits::create_status_link(c, visit_id, &link, now).await)
            }

            async fn status_link_visit(&self, token_hash: &str, now: Timestamp) -> Result<Option<i64>> {
                let token_hash = token_hash.to_string();
                read_op!(self, c => visits::status_link_visit(c, &token_hash, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Scorecards for $Store {
            async fn scorecard_facts(&self, location: &str, from: Timestamp, to: Timestamp) -> Result<ScorecardData> {
                let location = location.to_string();
                read_op!(self, c => scorecard::facts(c, &location, from, to).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Surveys for $Store {
            async fn surveys_due(&self, location: &str, done_after: Timestamp, done_until: Timestamp, email: bool, sms: bool, limit: i64) -> Result<Vec<SurveyDue>> {
                let location = location.to_string();
                read_op!(self, c => surveys::due(c, &location, done_after, done_until, email, sms, limit).await)
            }

            async fn send_survey(&self, survey: &SendSurvey, now: Timestamp) -> Result<SurveySent> {
                let survey = survey.clone();
                write_op!(self, c => surveys::send(c, &survey, now).await)
            }

            async fn survey_by_token(&self, token_hash: &str) -> Result<Option<Survey>> {
                let token_hash = token_hash.to_string();
                read_op!(self, c => surveys::by_token(c, &token_hash).await)
            }

            async fn visit_survey(&self, visit_id: i64) -> Result<Option<Survey>> {
                read_op!(self, c => surveys::of_visit(c, visit_id).await)
            }

            async fn answer_survey(&self, answer: &AnswerSurvey, now: Timestamp) -> Result<Survey> {
                let answer = answer.clone();
                write_op!(self, c => surveys::answer(c, &answer, now).await)
            }

            async fn survey_opt_out(&self, token_hash: &str, now: Timestamp) -> Result<bool> {
                let token_hash = token_hash.to_string();
                write_op!(self, c => surveys::opt_out(c, &token_hash, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Arrivals for $Store {
            async fn reminders_due(&self, location: &str, after: Timestamp, until: Timestamp, email: bool, sms: bool, limit: i64) -> Result<Vec<ReminderDue>> {
                let location = location.to_string();
                read_op!(self, c => arrivals::reminders_due(c, &location, after, until, email, sms, limit).await)
            }

            async fn remind_arrival(&self, reminder: &IssueArrivalLink, now: Timestamp) -> Result<bool> {
                let reminder = reminder.clone();
                write_op!(self, c => arrivals::remind(c, &reminder, now).await)
            }

            async fn issue_arrival_link(&self, issue: &IssueArrivalLink, actor: &Actor, now: Timestamp) -> Result<ArrivalLink> {
                let (issue, actor) = (issue.clone(), actor.clone());
                write_op!(self, c => arrivals::issue(c, &issue, &actor, now).await)
            }

            async fn arrival_link(&self, token_hash: &str, now: Timestamp) -> Result<Option<ArrivalLink>> {
                let token_hash = token_hash.to_string();
                read_op!(self, c => arrivals::working(c, &token_hash, now).await)
            }

            async fn arrival_links(&self, visit_id: i64) -> Result<Vec<ArrivalLink>> {
                read_op!(self, c => arrivals::of_visit(c, visit_id).await)
            }

            async fn patient_contacts(&self, visit_id: i64) -> Result<PatientContacts> {
                read_op!(self, c => arrivals::contacts(c, visit_id).await)
            }

            async fn arrival_notice(&self, token_hash: &str, notice: &ArrivalNotice, now: Timestamp) -> Result<NoticeOutcome> {
                let (token_hash, notice) = (token_hash.to_string(), *notice);
                write_op!(self, c => arrivals::notice(c, &token_hash, &notice, now).await)
            }

            async fn arrival_status_link(&self, token_hash: &str, status_link: &NewStatusLink, now: Timestamp) -> Result<Option<i64>> {
                let (token_hash, status_link) = (token_hash.to_string(), status_link.clone());
                write_op!(self, c => arrivals::status_link(c, &token_hash, &status_link, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Promises for $Store {
            async fn create_promise(&self, promise: &NewPromise, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let (promise, actor) = (promise.clone(), actor.clone());
                write_op!(self, c => promises::create(c, &promise, &actor, now).await)
            }

            async fn promise(&self, id: i64) -> Result<Promise> {
                read_op!(self, c => promises::promise(c, id).await)
            }

            async fn visit_promise(&self, visit_id: i64) -> Result<Option<Promise>> {
                read_op!(self, c => promises::of_visit(c, visit_id).await)
            }

            async fn fulfil_promise(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let actor = actor.clone();
                write_op!(self, c => promises::fulfil(c, id, &actor, now).await)
            }

            async fn renegotiate(&self, old_id: i64, new: &NewPromise, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let (new, actor) = (new.clone(), actor.clone());
                write_op!(self, c => promises::renegotiate(c, old_id, &new, &actor, now).await)
            }

            async fn replace_broken_promise(&self, old_id: i64, new: &NewPromise, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let (new, actor) = (new.clone(), actor.clone());
                write_op!(self, c => promises::replace_broken(c, old_id, &new, &actor, now).await)
            }

            async fn open_wait_promises(&self) -> Result<Vec<Promise>> {
                read_op!(self, c => promises::open_waits(c).await)
            }

            async fn open_wait_promises_at(&self, location: &str) -> Result<Vec<Promise>> {
                let location = location.to_string();
                read_op!(self, c => promises::open_waits_at(c, &location).await)
            }

            async fn wait_promises_to_check(&self, parts: i64, part: i64, due_by: Timestamp) -> Result<Vec<Promise>> {
                read_op!(self, c => promises::waits_to_check(c, parts, part, due_by).await)
            }

            async fn open_promises(&self, location: &str) -> Result<Vec<Promise>> {
                let location = location.to_string();
                read_op!(self, c => promises::open(c, &location).await)
            }

            async fn settled_promises(&self, location: &str, since: Timestamp) -> Result<Vec<Promise>> {
                let location = location.to_string();
                read_op!(self, c => promises::settled(c, &location, since).await)
            }

            async fn fulfilment_history(&self, location: &str, kind: PromiseKind) -> Result<FulfilmentHistory> {
                let location = location.to_string();
                read_op!(self, c => promises::fulfilment_history(c, &location, kind).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Concerns for $Store {
            async fn raise_concern(&self, concern: &NewConcern, actor: &Actor, now: Timestamp) -> Result<Concern> {
                let (concern, actor) = (concern.clone(), actor.clone());
                write_op!(self, c => concerns::raise(c, &concern, &actor, now).await)
            }

            async fn concern(&self, id: i64) -> Result<Concern> {
                read_op!(self, c => concerns::concern(c, id).await)
            }

            async fn visit_concerns(&self, visit_id: i64) -> Result<Vec<Concern>> {
                read_op!(self, c => concerns::of_visit(c, visit_id).await)
            }

            async fn location_concerns(&self, location: &str, since: Timestamp) -> Result<Vec<Concern>> {
                let location = location.to_string();
                read_op!(self, c => concerns::at_location(c, &location, since).await)
            }

            async fn answer_concern(&self, id: i64, answer: &ConcernAnswer, actor: &Actor, now: Timestamp) -> Result<Concern> {
                let (answer, actor) = (answer.clone(), actor.clone());
                write_op!(self, c => concerns::answer(c, id, &answer, &actor, now).await)
            }

            async fn respond_to_concern(&self, id: i64, confirmed: bool, note: &str, upset: Option<&serde_json::Value>, now: Timestamp) -> Result<Concern> {
                let (note, upset) = (note.to_string(), upset.cloned());
                write_op!(self, c => concerns::respond(c, id, confirmed, &note, upset.as_ref(), now).await)
            }

            async fn follow_up_concern(&self, id: i64, promise: &NewPromise, actor: &Actor, now: Timestamp) -> Result<(Concern, Promise)> {
                let (promise, actor) = (promise.clone(), actor.clone());
                write_op!(self, c => concerns::follow_up(c, id, &promise, &actor, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Complaints for $Store {
            async fn create_complaint(&self, complaint: &NewComplaintRecord, actor: &Actor, now: Timestamp) -> Result<Complaint> {
                let (complaint, actor) = (complaint.clone(), actor.clone());
                write_op!(self, c => complaints::create(c, &complaint, &actor, now).await)
            }

            async fn complaint(&self, id: i64) -> Result<(Complaint, Vec<ComplaintEvent>)> {
                read_op!(self, c => complaints::with_events(c, id).await)
            }

            async fn complaints(&self, location: &str, since: Timestamp) -> Result<Vec<Complaint>> {
                let location = location.to_string();
                read_op!(self, c => complaints::list(c, &location, since).await)
            }

            async fn unresolved_complaints(&self, after: i64, limit: i64) -> Result<Vec<Complaint>> {
                read_op!(self, c => complaints::unresolved(c, after, limit).await)
            }

            async fn change_complaint(&self, id: i64, changes: &[ComplaintChange], actor: &Actor, now: Timestamp) -> Result<Complaint> {
                let (changes, actor) = (changes.to_vec(), actor.clone());
                write_op!(self, c => complaints::change(c, id, &changes, &actor, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Outbox for $Store {
            async fn enqueue_message(&self, message: &NewOutboxMessage, actor: &Actor, now: Timestamp) -> Result<OutboxMessage> {
                let (message, actor) = (message.clone(), actor.clone());
                write_op!(self, c => outbox::enqueue(c, &message, &actor, now).await)
            }

            async fn claim_due_messages(&self, now: Timestamp, lease: chrono::Duration, limit: i64) -> Result<Vec<OutboxMessage>> {
                write_op!(self, c => outbox::claim_due(c, now, lease, limit).await)
            }

            async fn message_sent(&self, id: i64, now: Timestamp) -> Result<OutboxMessage> {
                write_op!(self, c => outbox::message_sent(c, id, now).await)
            }

            async fn message_failed(&self, id: i64, error: &str, permanent: bool, now: Timestamp) -> Result<OutboxMessage> {
                let error = error.to_string();
                write_op!(self, c => outbox::message_failed(c, id, &error, permanent, now).await)
            }

            async fn outbox_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>> {
                read_op!(self, c => outbox::recent(c, limit).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Audit for $Store {
            async fn audit(&self, actor: &Actor, action: &str, subject: &str, now: Timestamp) -> Result<()> {
                let (actor, action, subject) = (actor.clone(), action.to_string(), subject.to_string());
                write_op!(self, c => audit::write(c, &actor, &action, &subject, "", now).await)
            }

            async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
                read_op!(self, c => audit::log(c, limit).await)
            }

            async fn verify_audit_chain(&self) -> Result<AuditChainReport> {
                read_op!(self, c => audit::verify(c, None).await)
            }

            async fn verify_newest_audit_rows(&self, n: i64) -> Result<AuditChainReport> {
                read_op!(self, c => audit::verify(c, Some(n)).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Watch for $Store {
            async fn raise_once(&self, alert: &WatchAlert, now: Timestamp) -> Result<bool> {
                let alert = alert.clone();
                write_op!(self, c => watch::raise_once(c, &alert, now).await)
            }

            async fn escalate_complaint(&self, id: i64, level: Level, now: Timestamp) -> Result<Option<Complaint>> {
                write_op!(self, c => watch::escalate_complaint(c, id, level, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Idempotency for $Store {
            async fn idempotent_answer(&self, caller: &str, route: &str, key: &str, now: Timestamp) -> Result<Option<IdempotentAnswer>> {
                let (caller, route, key) = (caller.to_string(), route.to_string(), key.to_string());
                read_op!(self, c => idempotency::answer(c, &caller, &route, &key, now).await)
            }

            async fn keep_idempotent_answer(&self, claim: &IdempotencyClaim, status: u16, body: &str) -> Result<()> {
                let (claim, body) = (claim.clone(), body.to_string());
                write_op!(self, c => idempotency::keep(c, &claim, status, &body).await)
            }

            async fn check_in_once(&self, claim: &IdempotencyClaim, check_in: &CheckIn, actor: &Actor, now: Timestamp) -> Result<Arrived> {
                let (claim, check_in, actor) = (claim.clone(), check_in.clone(), actor.clone());
                write_op!(self, c => idempotency::check_in(c, &claim, &check_in, &actor, now).await)
            }

            async fn raise_concern_once(&self, claim: &IdempotencyClaim, concern: &NewConcern, actor: &Actor, now: Timestamp) -> Result<Concern> {
                let (claim, concern, actor) = (claim.clone(), concern.clone(), actor.clone());
                write_op!(self, c => idempotency::raise_concern(c, &claim, &concern, &actor, now).await)
            }

            async fn create_complaint_once(&self, claim: &IdempotencyClaim, complaint: &NewComplaintRecord, actor: &Actor, now: Timestamp) -> Result<Complaint> {
                let (claim, complaint, actor) = (claim.clone(), complaint.clone(), actor.clone());
                write_op!(self, c => idempotency::create_complaint(c, &claim, &complaint, &actor, now).await)
            }

            async fn create_promise_once(&self, claim: &IdempotencyClaim, promise: &NewPromise, actor: &Actor, now: Timestamp) -> Result<Promise> {
                let (claim, promise, actor) = (claim.clone(), promise.clone(), actor.clone());
                write_op!(self, c => idempotency::create_promise(c, &claim, &promise, &actor, now).await)
            }
        }

        #[async_trait::async_trait]
        impl traits::Retention for $Store {
            async fn purge_expired(&self, plan: &PurgePlan, now: Timestamp) -> Result<Option<Purged>> {
                let plan = *plan;
                write_op!(self, c => retention::purge(c, &plan, now).await)
            }
        }
    };
}

pub(crate) use store_impl;
