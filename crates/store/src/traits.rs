//! The store's operations, one trait per aggregate. [`Store`](crate::Store)
//! is all of them together; handlers hold an `Arc<dyn Store>` and call any
//! of these methods on it without naming the trait.
//!
//! Every write is one transaction: what a method's comment lists is written
//! together or not at all.

use crate::*;
use async_trait::async_trait;
use frontdesk_domain::appointment::Appointment;
use frontdesk_domain::schedule::ScheduleChange;
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{AckPolicy, Timestamp, VisitState};

/// Locations and their settings, and providers.
#[async_trait]
pub trait Locations: Send + Sync {
    /// Create the location if it does not exist yet; leave it alone if it does.
    async fn ensure_location(&self, id: &str, name: &str, time_zone: &str) -> Result<Location>;
    /// Add a new location, with its audit row; an id already taken is a `Conflict`.
    async fn add_location(
        &self,
        id: &str,
        name: &str,
        time_zone: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Location>;
    async fn location(&self, id: &str) -> Result<Location>;
    async fn locations(&self) -> Result<Vec<Location>>;
    async fn save_ack_policy(
        &self,
        location: &str,
        policy: AckPolicy,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    /// Quote at this percentile at a location (50–99), or `None` for the server's default.
    async fn save_quote_quantile(
        &self,
        location: &str,
        percent: Option<i64>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    /// How long after a visit is done its survey goes (`None`: no surveys).
    async fn save_survey_delay(
        &self,
        location: &str,
        delay: Option<chrono::Duration>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    async fn complaint_settings(&self, location: &str) -> Result<ComplaintSettings>;
    async fn save_complaint_settings(
        &self,
        location: &str,
        settings: &ComplaintSettings,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    /// Add a provider or change one, with its audit row.
    async fn upsert_provider(
        &self,
        provider: &Provider,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    async fn providers(&self) -> Result<Vec<Provider>>;
}

/// A location's kiosks: paired by a one-time link, each with a device token.
#[async_trait]
pub trait Kiosks: Send + Sync {
    /// A new kiosk at a location with an open pairing link, audited.
    async fn add_kiosk(
        &self,
        location: &str,
        name: &str,
        pairing_hash: &str,
        expires_at: Timestamp,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Kiosk>;
    async fn kiosk(&self, id: i64) -> Result<Kiosk>;
    /// A fresh pairing link for a kiosk not revoked, audited.
    async fn new_kiosk_pairing(
        &self,
        id: i64,
        pairing_hash: &str,
        expires_at: Timestamp,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Kiosk>;
    /// Pair the device that opened a live link; `None` for a wrong, used or expired one.
    async fn pair_kiosk(
        &self,
        pairing_hash: &str,
        device_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Kiosk>>;
    /// The kiosk a live pairing link would pair (nothing is changed).
    async fn kiosk_by_pairing(&self, pairing_hash: &str, now: Timestamp) -> Result<Option<Kiosk>>;
    /// The kiosk of a device token, when it is paired and not revoked.
    async fn kiosk_by_device(&self, device_hash: &str) -> Result<Option<Kiosk>>;
    /// Note that a kiosk was used (at most once a minute).
    async fn kiosk_seen(&self, id: i64, now: Timestamp) -> Result<()>;
    async fn kiosks(&self, location: &str) -> Result<Vec<Kiosk>>;
    async fn rename_kiosk(
        &self,
        id: i64,
        name: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Kiosk>;
    async fn revoke_kiosk(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<Kiosk>;
}

/// Staff accounts, their sessions and second factors.
#[async_trait]
pub trait StaffAccounts: Send + Sync {
    /// Add a staff account with the locations it works at, and its audit row;
    /// an existing username is a `Conflict`, an unknown location a field error.
    async fn create_user(&self, user: &NewUser, actor: &Actor, now: Timestamp)
    -> Result<StaffUser>;
    async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>>;
    async fn users(&self) -> Result<Vec<StaffUser>>;
    /// Disable (signing the user out everywhere) or re-enable an account.
    async fn set_user_disabled(
        &self,
        username: &str,
        disabled: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    async fn create_session(&self, session: &NewSession) -> Result<()>;
    /// A session that is neither expired nor idle past `idle_cutoff`.
    async fn live_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle_cutoff: Timestamp,
    ) -> Result<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Where a user's second factor stands (while enrolling, with its secret).
    async fn second_factor(&self, user_id: i64) -> Result<SecondFactorState>;
    /// Offer a new second-factor secret (base32), replacing one offered and
    /// not confirmed; a factor already on is a `Conflict`. Audited
    /// `second_factor.enroll`, without the secret.
    async fn begin_second_factor(
        &self,
        user: &StaffUser,
        secret: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// Turn the offered secret on when `code` is one of its codes at
    /// `code_time` (else `Invalid` on `code`): the step counts as used, the
    /// recovery codes (by hash) replace any before, and every session of the
    /// user but `keep_session` ends. Audited `second_factor.confirm`.
    async fn confirm_second_factor(
        &self,
        user: &StaffUser,
        code: u32,
        code_time: Timestamp,
        recovery_code_hashes: &[String],
        keep_session: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// Check a sign-in's code (typed at `code_time`) or recovery code. The
    /// attempt is counted as wrong first and cleared when right, so guesses
    /// meet the limit however they are sent; a spent recovery code is audited
    /// `second_factor.recovery_code_used`.
    async fn check_second_factor(
        &self,
        user: &StaffUser,
        attempt: &CodeAttempt,
        code_time: Timestamp,
        now: Timestamp,
    ) -> Result<CodeOutcome>;
    /// Remove a user's second factor and recovery codes and end their
    /// sessions (an admin's answer to a lost phone); `true` when there was
    /// one. Audited `second_factor.reset`.
    async fn reset_second_factor(
        &self,
        username: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool>;
}

/// Visits, their timelines and patients' status links.
#[async_trait]
pub trait Visits: Send + Sync {
    /// A check-in with its wait promise, status link, messages, question and
    /// upset mark (see [`CheckIn`]); the `arrived` event and audit row.
    async fn check_in(&self, check_in: &CheckIn, actor: &Actor, now: Timestamp) -> Result<Arrived>;
    async fn acknowledge(&self, visit_id: i64, actor: &Actor, now: Timestamp) -> Result<Visit>;
    /// Move a visit; an expected patient marked as arrived gets
    /// `arrival_promise` as their wait promise, in the same transaction.
    async fn transition(
        &self,
        visit_id: i64,
        to: VisitState,
        arrival_promise: Option<&NewPromise>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Visit>;
    /// Patients present at a location (arrived, not gone), oldest arrival
    /// first. Writes one audit row for the read when `audit` names a reader.
    async fn lobby(
        &self,
        location: &str,
        audit: Option<&Actor>,
        now: Timestamp,
    ) -> Result<Vec<Visit>>;
    /// Visits still expected between `from` and `to` (today's schedule).
    async fn expected_visits(
        &self,
        location: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Visit>>;
    /// The visit made from an imported appointment. Not audited: for the
    /// server's own use before a check-in, never shown as it is.
    async fn appointment_visit(&self, location: &str, appointment_id: &str) -> Result<Visit>;
    /// One visit without its timeline, not audited: for the server's own
    /// checks before a change (the change itself is audited).
    async fn visit_record(&self, visit_id: i64) -> Result<Visit>;
    /// One visit and its timeline, not audited: for a live refresh of a page
    /// whose reader was audited within the last minute.
    async fn visit_unaudited(&self, visit_id: i64) -> Result<(Visit, Vec<TimelineEvent>)>;
    /// One visit and its timeline, audited as a read.
    async fn visit(
        &self,
        visit_id: i64,
        reader: &Actor,
        now: Timestamp,
    ) -> Result<(Visit, Vec<TimelineEvent>)>;
    /// Every visit whose acknowledgement clock is running, at any location.
    /// For the server's clock watcher; not audited (no person reads it).
    async fn running_clocks(&self) -> Result<Vec<Visit>>;
    /// Visits at a location whose acknowledgement clock (under `policy`)
    /// passes its due or escalation time in (`after`, `until`]: the clocks
    /// the watcher looks at on a tick. Not audited.
    async fn clocks_due(
        &self,
        location: &str,
        policy: AckPolicy,
        after: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<Visit>>;
    /// Latest `ack_overdue`/`ack_escalated` event time per running visit and kind.
    async fn running_alerts(&self) -> Result<Vec<(i64, EventKind, Timestamp)>>;
    /// Append one of the server's own events (such as `ack_overdue`) to a visit's timeline.
    async fn record_event(
        &self,
        visit_id: i64,
        kind: EventKind,
        detail: &serde_json::Value,
        now: Timestamp,
    ) -> Result<()>;
    /// What the patient said on their status page, with its audit row.
    async fn patient_said(
        &self,
        visit_id: i64,
        kind: EventKind,
        detail: &serde_json::Value,
        now: Timestamp,
    ) -> Result<()>;
    /// Import a day's schedule as `expected` visits, all in one transaction.
    /// Appointments already imported (same location and id) are left alone.
    async fn import_appointments(
        &self,
        appointments: &[Appointment],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ImportSummary>;
    /// Visits that arrived since `since` (warming up the quote engine).
    async fn visits_since(&self, since: Timestamp) -> Result<Vec<Visit>>;
    /// Concern statuses and upset and stepped-out marks for a location's board, since `since`.
    async fn lobby_marks(&self, location: &str, since: Timestamp) -> Result<LobbyMarks>;
    /// Record a private status link (by the hash of its token) for a visit.
    async fn create_status_link(
        &self,
        visit_id: i64,
        link: &NewStatusLink,
        now: Timestamp,
    ) -> Result<()>;
    /// The visit an unexpired link belongs to.
    async fn status_link_visit(&self, token_hash: &str, now: Timestamp) -> Result<Option<i64>>;
}

/// The schedule from an EHR (FHIR, HL7 v2) and the day's visits read back.
#[async_trait]
pub trait Schedule: Send + Sync {
    /// Apply appointments from an EHR, all in one transaction: each makes,
    /// changes, cancels or marks as a no-show the visit of its
    /// (location, identifier), as `frontdesk_domain::schedule::plan` says.
    /// Each created or changed visit is audited (`appointment.create`,
    /// `appointment.update`, `appointment.unchanged`).
    async fn apply_schedule(
        &self,
        changes: &[ScheduleChange],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<ScheduleOutcome>>;
    /// A location's visits of a day (scheduled then, or walk-ins who arrived
    /// then), audited as one read under `action`.
    async fn schedule_day(
        &self,
        location: &str,
        from: Timestamp,
        to: Timestamp,
        reader: &Actor,
        action: &str,
        now: Timestamp,
    ) -> Result<Vec<ScheduledVisit>>;
    /// One visit as [`Schedule::schedule_day`] gives it, not audited (for
    /// answering the change that was just audited).
    async fn scheduled_visit(&self, visit_id: i64) -> Result<ScheduledVisit>;
    /// Counts for the Prometheus metrics (no patient data, not audited).
    async fn figures(&self) -> Result<Figures>;
}

/// Arrival links: a private link for one appointment ("I'm here", "I'm
/// running late", "I can't come"), by the hash of its token, working on the
/// appointment's local day; the reminder that carries it, once per
/// appointment. "I'm here" is a check-in ([`CheckIn::arrival_link`]).
#[async_trait]
pub trait Arrivals: Send + Sync {
    /// Expected appointments at a location scheduled in `(after, until]`
    /// that were not reminded yet and whose patient has an address on a
    /// channel that can be sent; soonest first, at most `limit`. For the
    /// server's watcher; not audited (no person reads it).
    async fn reminders_due(
        &self,
        location: &str,
        after: Timestamp,
        until: Timestamp,
        email: bool,
        sms: bool,
        limit: i64,
    ) -> Result<Vec<ReminderDue>>;
    /// The reminder: the link, its messages, the timeline entry and audit
    /// rows, and `reminded_at`, written together only if the appointment is
    /// still expected, still ahead and not reminded yet; `false` when not
    /// (so each appointment is reminded once, however many servers try).
    async fn remind_arrival(&self, reminder: &IssueArrivalLink, now: Timestamp) -> Result<bool>;
    /// A link staff made, with the messages sending it (none: shown to hand
    /// over), its timeline entry and audit row. Refused unless the visit is
    /// expected. Sending it counts as the reminder.
    async fn issue_arrival_link(
        &self,
        issue: &IssueArrivalLink,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ArrivalLink>;
    /// The link a token's hash names, when it works at `now`.
    async fn arrival_link(&self, token_hash: &str, now: Timestamp) -> Result<Option<ArrivalLink>>;
    /// A visit's arrival links, newest first.
    async fn arrival_links(&self, visit_id: i64) -> Result<Vec<ArrivalLink>>;
    /// The e-mail address and phone number on a visit's patient record. Not
    /// audited: for the server's own use (sending), never shown as they are.
    async fn patient_contacts(&self, visit_id: i64) -> Result<PatientContacts>;
    /// What the patient tells the desk on a working link, with its timeline
    /// entry and audit row (`NotFound` for a link that does not work now).
    async fn arrival_notice(
        &self,
        token_hash: &str,
        notice: &ArrivalNotice,
        now: Timestamp,
    ) -> Result<NoticeOutcome>;
    /// The status link a working arrival link leads to once its visit has
    /// arrived, recorded if not there yet; the visit, or `None` when the
    /// link does not work or its patient has not arrived.
    async fn arrival_status_link(
        &self,
        token_hash: &str,
        status_link: &NewStatusLink,
        now: Timestamp,
    ) -> Result<Option<i64>>;
}

/// Promises: waits and everything staff promise.
#[async_trait]
pub trait Promises: Send + Sync {
    /// A promise made by hand, with its timeline event and audit row.
    async fn create_promise(
        &self,
        promise: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Promise>;
    async fn promise(&self, id: i64) -> Result<Promise>;
    /// The visit's current wait promise (newest `seen_by`), if any.
    async fn visit_promise(&self, visit_id: i64) -> Result<Option<Promise>>;
    /// Mark an open promise done: kept when on time, broken when late.
    async fn fulfil_promise(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<Promise>;
    /// Replace an open promise before it breaks; the old one is kept as renegotiated.
    async fn renegotiate(
        &self,
        old_id: i64,
        new: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Promise>;
    /// A promise that broke: recorded broken, and `new` made in its place.
    async fn replace_broken_promise(
        &self,
        old_id: i64,
        new: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Promise>;
    /// Open wait promises of patients still waiting or roomed.
    async fn open_wait_promises(&self) -> Result<Vec<Promise>>;
    /// Open wait promises of patients still waiting or roomed at one location.
    async fn open_wait_promises_at(&self, location: &str) -> Result<Vec<Promise>>;
    /// The watcher's share of the open wait promises on a tick: those of
    /// visits whose id is `part` modulo `parts`, and every one due by `due_by`.
    async fn wait_promises_to_check(
        &self,
        parts: i64,
        part: i64,
        due_by: Timestamp,
    ) -> Result<Vec<Promise>>;
    /// Open promises other than waits at a location, soonest due first.
    async fn open_promises(&self, location: &str) -> Result<Vec<Promise>>;
    /// Promises other than waits kept or broken since `since`, newest first.
    async fn settled_promises(&self, location: &str, since: Timestamp) -> Result<Vec<Promise>>;
    /// Minutes recent promises of a kind took to fulfil.
    async fn fulfilment_history(
        &self,
        location: &str,
        kind: PromiseKind,
    ) -> Result<FulfilmentHistory>;
}

/// Patients' questions and concerns.
#[async_trait]
pub trait Concerns: Send + Sync {
    /// Raise a concern on a visit (timeline event and audit row with it).
    async fn raise_concern(
        &self,
        concern: &NewConcern,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Concern>;
    async fn concern(&self, id: i64) -> Result<Concern>;
    /// A visit's concerns, needing an answer first.
    async fn visit_concerns(&self, visit_id: i64) -> Result<Vec<Concern>>;
    /// Concerns raised at a location since `since`, needing an answer first.
    async fn location_concerns(&self, location: &str, since: Timestamp) -> Result<Vec<Concern>>;
    /// Answer (or improve the answer to) a concern; the patient is asked to confirm.
    async fn answer_concern(
        &self,
        id: i64,
        answer: &ConcernAnswer,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Concern>;
    /// The patient's reply on their status page: the answer covered it, or
    /// not (with the note's upset mark, when it reads upset).
    async fn respond_to_concern(
        &self,
        id: i64,
        confirmed: bool,
        note: &str,
        upset: Option<&serde_json::Value>,
        now: Timestamp,
    ) -> Result<Concern>;
    /// Turn a concern that still needs an answer into a follow-up promise.
    async fn follow_up_concern(
        &self,
        id: i64,
        promise: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(Concern, Promise)>;
}

/// Complaints and their record.
#[async_trait]
pub trait Complaints: Send + Sync {
    /// Record a complaint (its `received` event, the visit's timeline when
    /// linked, and an audit row).
    async fn create_complaint(
        &self,
        complaint: &NewComplaintRecord,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Complaint>;
    /// One complaint and everything that happened to it (not audited here:
    /// the caller checks the reader's role first, then audits).
    async fn complaint(&self, id: i64) -> Result<(Complaint, Vec<ComplaintEvent>)>;
    /// A location's complaints: every unresolved one and those resolved since `since`, newest first.
    async fn complaints(&self, location: &str, since: Timestamp) -> Result<Vec<Complaint>>;
    /// Up to `limit` unresolved complaints of every location with ids above
    /// `after`, by id (the escalation watcher walks them a batch at a time).
    async fn unresolved_complaints(&self, after: i64, limit: i64) -> Result<Vec<Complaint>>;
    /// Apply changes in order, all or none, each refused when the rules do
    /// not allow it or the complaint changed since it was read.
    async fn change_complaint(
        &self,
        id: i64,
        changes: &[ComplaintChange],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Complaint>;
}

/// Messages to patients on their way out.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Put a message in the outbox, due at once (with an `outbox.enqueue`
    /// audit row naming the channel, never the address).
    async fn enqueue_message(
        &self,
        message: &NewOutboxMessage,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<OutboxMessage>;
    /// Pending messages due by `now`, oldest first, at most `limit`; each is
    /// claimed for `lease` (not due again meanwhile), so two servers never
    /// send the same message at once.
    async fn claim_due_messages(
        &self,
        now: Timestamp,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
    /// A message was delivered: marked sent, its body (the private link) replaced.
    async fn message_sent(&self, id: i64, now: Timestamp) -> Result<OutboxMessage>;
    /// A delivery attempt failed: due again after the domain's back-off, or
    /// `failed` (body replaced) after the last attempt or a permanent failure.
    /// `error` must hold no addresses or names.
    async fn message_failed(
        &self,
        id: i64,
        error: &str,
        permanent: bool,
        now: Timestamp,
    ) -> Result<OutboxMessage>;
    /// The newest messages first, for the admins' outbox page.
    async fn outbox_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>>;
}

/// The audit log.
#[async_trait]
pub trait Audit: Send + Sync {
    /// One row for a read of patient data (changes write their own).
    async fn audit(&self, actor: &Actor, action: &str, subject: &str, now: Timestamp)
    -> Result<()>;
    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>>;
    /// Check the audit log's hash chain from its first row to its head and
    /// name the first row that does not match (changed, deleted, added).
    async fn verify_audit_chain(&self) -> Result<AuditChainReport>;
    /// The same check for the newest `n` rows only (cheap: for the audit page).
    async fn verify_newest_audit_rows(&self, n: i64) -> Result<AuditChainReport>;
}

/// Safe retries: a creating request sent again with the same
/// `Idempotency-Key` gets the first answer and creates nothing. The key is
/// claimed in the creation's own transaction (so a request that failed
/// leaves nothing behind), and the answer kept once it is made.
#[async_trait]
pub trait Idempotency: Send + Sync {
    /// What was kept for this caller's key on this route within the last
    /// [`IDEMPOTENCY_WINDOW`] before `now`, if anything.
    async fn idempotent_answer(
        &self,
        caller: &str,
        route: &str,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<IdempotentAnswer>>;
    /// Keep the first answer to a claimed key (once: a kept answer is never
    /// replaced).
    async fn keep_idempotent_answer(
        &self,
        claim: &IdempotencyClaim,
        status: u16,
        body: &str,
    ) -> Result<()>;
    /// `Visits::check_in`, with the key claimed in the same transaction: a
    /// key claimed already (by a request running at the same moment, on any
    /// server) is a `Conflict` and nothing is created.
    async fn check_in_once(
        &self,
        claim: &IdempotencyClaim,
        check_in: &CheckIn,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Arrived>;
    /// `Concerns::raise_concern`, with the key claimed in the same transaction.
    async fn raise_concern_once(
        &self,
        claim: &IdempotencyClaim,
        concern: &NewConcern,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Concern>;
    /// `Complaints::create_complaint`, with the key claimed in the same transaction.
    async fn create_complaint_once(
        &self,
        claim: &IdempotencyClaim,
        complaint: &NewComplaintRecord,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Complaint>;
    /// `Promises::create_promise`, with the key claimed in the same transaction.
    async fn create_promise_once(
        &self,
        claim: &IdempotencyClaim,
        promise: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Promise>;
}

/// What Frontdesk stops keeping on its own.
#[async_trait]
pub trait Retention: Send + Sync {
    /// The daily purge: delete expired staff sessions (past their lifetime or
    /// idle since `plan.idle_cutoff`) and expired status links, and mask the
    /// address of outbox messages settled by `plan.recipients_settled_by`;
    /// delete idempotency keys older than [`IDEMPOTENCY_WINDOW`];
    /// one `retention.purge` audit row with the counts. Once per UTC day of
    /// `now` across every server on the database: `None` when the day's purge
    /// has already run.
    async fn purge_expired(&self, plan: &PurgePlan, now: Timestamp) -> Result<Option<Purged>>;
}

/// Post-visit surveys: sent by the watcher after a visit is done (once per
/// visit, at most once per address in 30 days, never after an opt-out),
/// answered once on their link, and what a low answer opens.
#[async_trait]
pub trait Surveys: Send + Sync {
    /// Done visits at a location, done in `(done_after, done_until]`, not
    /// decided yet, with an address on a channel that can be sent; oldest
    /// first, at most `limit`. For the watcher; not audited.
    async fn surveys_due(
        &self,
        location: &str,
        done_after: Timestamp,
        done_until: Timestamp,
        email: bool,
        sms: bool,
        limit: i64,
    ) -> Result<Vec<SurveyDue>>;
    /// Decide one visit's survey, once: sent (link, addresses' hashes,
    /// messages, timeline entry, audit row) or skipped (opt-out, asked
    /// within 30 days; on the timeline).
    async fn send_survey(&self, survey: &SendSurvey, now: Timestamp) -> Result<SurveySent>;
    /// The survey a link's token hash names, whatever its state.
    async fn survey_by_token(&self, token_hash: &str) -> Result<Option<Survey>>;
    /// A visit's survey, if one was decided.
    async fn visit_survey(&self, visit_id: i64) -> Result<Option<Survey>>;
    /// The one answer, with the recovery promise and complaint a low answer
    /// opens, on the visit's timeline and audited: `NotFound` for an unknown
    /// or expired link, `Conflict` for one answered already.
    async fn answer_survey(&self, answer: &AnswerSurvey, now: Timestamp) -> Result<Survey>;
    /// No more surveys to the addresses a link's survey went to; `false`
    /// for an unknown link.
    async fn survey_opt_out(&self, token_hash: &str, now: Timestamp) -> Result<bool>;
}

/// The scorecard's facts: one location's record over a period.
#[async_trait]
pub trait Scorecards: Send + Sync {
    /// Visits that arrived at `location` in `[from, to)` with what their
    /// timelines say, their waits, concerns and surveys; the promises made
    /// and complaints received there in the period; replies to patients.
    /// Not audited here: the caller audits the read.
    async fn scorecard_facts(
        &self,
        location: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ScorecardData>;
}

/// What the server's watcher raises, each thing once across every server.
#[async_trait]
pub trait Watch: Send + Sync {
    /// Raise an alert unless its key was raised before: its mark, its
    /// timeline event (when it names a visit) and a `system` audit row, in one
    /// transaction. `true` when this call raised it; `false` when it had
    /// been raised already (by this server or another), writing nothing. A
    /// failed write leaves no mark, so the alert is raised on a later try.
    async fn raise_once(&self, alert: &WatchAlert, now: Timestamp) -> Result<bool>;
    /// Move a complaint whose clock ran out up to `level` (as
    /// [`ComplaintChange::Escalate`] by `system`) with its mark, in one
    /// transaction: the escalated complaint, or `None` when it was escalated
    /// to that level before (by this server or another), changing nothing.
    async fn escalate_complaint(
        &self,
        id: i64,
        level: Level,
        now: Timestamp,
    ) -> Result<Option<Complaint>>;
}
