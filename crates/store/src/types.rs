//! Records as the store hands them out.

use frontdesk_domain::ack::AckFacts;
use frontdesk_domain::patient::{NewPatient, public_name};
use frontdesk_domain::timeline::{ComplaintEventKind, EventKind};
use frontdesk_domain::{AckPolicy, Role, Timestamp, VisitState};

pub use frontdesk_domain::complaint::{
    Category, Channel, ComplaintPolicy, ComplaintStatus, Level, NewComplaint, Pause, Resolution,
    Severity,
};
pub use frontdesk_domain::concern::{ConcernStatus, Source as ConcernSource};
pub use frontdesk_domain::promise::{PromiseKind, PromiseStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub id: String,
    pub name: String,
    /// IANA zone name, such as `America/Chicago`.
    pub time_zone: String,
    pub ack_policy: AckPolicy,
    /// The percentile this location quotes at, when it has its own (50–99).
    pub quote_percent: Option<i64>,
    /// How long after a visit is done its survey goes (`None`: no surveys
    /// at this location). Default 2 hours.
    pub survey_delay: Option<chrono::Duration>,
}

impl Location {
    /// The quantile this location quotes at, when it has its own (0.5–0.99).
    pub fn quote_quantile(&self) -> Option<f64> {
        self.quote_percent.map(|p| p as f64 / 100.0)
    }

    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }
}

/// A location's kiosk: a tablet paired by a one-time link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    pub id: i64,
    pub location: String,
    pub name: String,
    pub created_at: Timestamp,
    /// When its pairing link (if one is open) stops working.
    pub pairing_expires_at: Option<Timestamp>,
    pub paired_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl Kiosk {
    /// Paired, and not revoked: it may check patients in.
    pub fn in_service(&self) -> bool {
        self.paired_at.is_some() && self.revoked_at.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// A short id such as `dr-lee`.
    pub id: String,
    pub name: String,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    /// The locations they work at; empty means every location.
    pub locations: Vec<String>,
}

impl StaffUser {
    /// Whether they may see and act at `location` (the domain's rule).
    pub fn works_at(&self, location: &str) -> bool {
        frontdesk_domain::role::works_at(&self.locations, location)
    }
}

/// A staff account about to be added.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    /// Empty: every location.
    pub locations: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: StaffUser,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user: StaffUser,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// The user's second factor is on (so this session was started with a
    /// code, or is the one that turned it on: see `confirm_second_factor`).
    pub second_factor: bool,
}

/// Where a staff member's second factor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorState {
    Off,
    /// A secret was offered (base32) and no code has confirmed it yet.
    Enrolling {
        secret: String,
    },
    On {
        since: Timestamp,
        recovery_codes_left: i64,
    },
}

/// What was typed where a sign-in asks for a code, as the domain read it
/// (`second_factor::parse_attempt`); a recovery code only by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeAttempt {
    Code(u32),
    RecoveryCodeHash(String),
}

/// What a sign-in's code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeOutcome {
    /// The user has no second factor on: no code is needed.
    NotOn,
    Accepted,
    /// A recovery code was right and is now spent.
    RecoveryCodeUsed {
        left: i64,
    },
    /// The code of a step already used.
    Reused,
    Wrong,
    /// Too many wrong codes in a row: none is checked for a while.
    Locked,
}

/// A new arrival, already validated by the domain.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub location: String,
    pub provider: Option<String>,
    pub visit_type: Option<String>,
    pub patient: NewPatient,
}

/// Who is arriving.
#[derive(Debug, Clone)]
pub enum Arrival {
    /// Someone not on the schedule: a new patient and visit.
    WalkIn(NewVisit),
    /// A visit the schedule expected (imported from an appointment). Refused
    /// as a conflict when it is no longer expected.
    Expected { visit_id: i64 },
}

/// A private status link to record, by the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatusLink {
    pub token_hash: String,
    pub expires_at: Timestamp,
}

/// A check-in and everything that comes with it, written in one transaction:
/// if any part fails, none of it is kept (and a retry does not double it).
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub arrival: Arrival,
    /// The wait promise; its visit and patient are filled in here.
    pub promise: Option<NewPromise>,
    pub status_link: Option<NewStatusLink>,
    /// The status link by e-mail or text; their visit is filled in here.
    pub messages: Vec<NewOutboxMessage>,
    /// The patient's question at check-in, in their words (its visit is
    /// filled in here).
    pub concern: Option<NewConcern>,
    /// "I'm here" on an arrival link: the link (by the hash of its token),
    /// marked used with the check-in. Refused as a conflict when the link
    /// was used already, does not work now, or belongs to another visit.
    pub arrival_link: Option<String>,
}

/// What a check-in recorded: the visit, and the question asked with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrived {
    pub visit: Visit,
    pub concern: Option<Concern>,
}

impl CheckIn {
    /// Just the arrival, with nothing else.
    pub fn of(arrival: Arrival) -> CheckIn {
        CheckIn {
            arrival,
            promise: None,
            status_link: None,
            messages: Vec::new(),
            concern: None,
            arrival_link: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub id: i64,
    pub location: String,
    pub patient_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub provider: Option<String>,
    pub visit_type: Option<String>,
    pub appointment_id: Option<String>,
    pub scheduled_at: Option<Timestamp>,
    pub duration_min: Option<i64>,
    pub state: VisitState,
    pub arrived_at: Option<Timestamp>,
    /// When the patient was first with the provider.
    pub seen_at: Option<Timestamp>,
    pub last_acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    pub state_changed_at: Timestamp,
    pub created_at: Timestamp,
}

impl Visit {
    pub fn ack_facts(&self) -> AckFacts {
        AckFacts {
            state: self.state,
            arrived_at: self.arrived_at,
            last_acknowledged_at: self.last_acknowledged_at,
        }
    }

    /// First name (preferred if given) and last initial: what the lobby TV shows.
    pub fn public_name(&self) -> String {
        public_name(
            self.preferred_name.as_deref().unwrap_or(&self.given_name),
            &self.family_name,
        )
    }

    /// The name staff see on the board.
    pub fn full_name(&self) -> String {
        match &self.preferred_name {
            Some(p) if p != &self.given_name => {
                format!("{} ({p}) {}", self.given_name, self.family_name)
            }
            _ => format!("{} {}", self.given_name, self.family_name),
        }
    }

    /// A short code the lobby TV can show instead of a name.
    pub fn ticket(&self) -> String {
        format!("A{:03}", self.id % 1000)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub id: i64,
    pub visit_id: i64,
    pub at: Timestamp,
    pub kind: EventKind,
    pub actor: Option<String>,
    /// Kind-specific, such as `{"from":"waiting","to":"roomed"}`.
    pub detail: serde_json::Value,
}

impl TimelineEvent {
    /// One line for a person reading the visit page.
    pub fn describe(&self) -> String {
        let by = self
            .actor
            .as_deref()
            .map(|a| format!(" by {a}"))
            .unwrap_or_default();
        let detail = &self.detail;
        let state = |key: &str| {
            detail[key]
                .as_str()
                .and_then(|s| s.parse::<VisitState>().ok())
                .map(|s| s.label().to_lowercase())
                .unwrap_or_else(|| "?".into())
        };
        match self.kind {
            EventKind::Arrived if self.actor.as_deref() == Some(ARRIVAL_LINK_ACTOR) => {
                "Arrived (checked in on their arrival link: \u{201c}I'm here\u{201d})".to_string()
            }
            EventKind::Arrived => format!("Arrived (checked in{by})"),
            EventKind::Scheduled => format!("Appointment imported{by}"),
            EventKind::Acknowledged => format!("Acknowledged{by}"),
            EventKind::Transitioned => {
                format!("Moved from {} to {}{by}", state("from"), state("to"))
            }
            EventKind::AckOverdue => "Acknowledgement overdue".to_string(),
            EventKind::AckEscalated => "Acknowledgement escalated to managers".to_string(),
            EventKind::Promised => format!(
                "Promised{}: {}",
                detail["kind"]
                    .as_str()
                    .map(|k| format!(" ({})", k.replace('_', " ")))
                    .unwrap_or_default(),
                detail["due_at"].as_str().unwrap_or("?")
            ),
            EventKind::Requoted => format!(
                "Re-quoted before the promise broke: {} (was {}){by}",
                detail["due_at"].as_str().unwrap_or("?"),
                detail["was"].as_str().unwrap_or("?")
            ),
            EventKind::PromiseSettled => {
                format!("Promise {}", detail["status"].as_str().unwrap_or("settled"))
            }
            EventKind::SteppedOut => "The patient said they stepped out (status page)".to_string(),
            EventKind::Back => "The patient said they are back (status page)".to_string(),
            EventKind::Question => format!(
                "The patient asked: \u{201c}{}\u{201d}",
                detail["text"].as_str().unwrap_or("")
            ),
            EventKind::ConcernRaised => format!(
                "Concern raised {}: \u{201c}{}\u{201d}",
                detail["source"]
                    .as_str()
                    .and_then(|s| s.parse::<ConcernSource>().ok())
                    .map(|s| s.label())
                    .unwrap_or("by staff"),
                detail["text"].as_str().unwrap_or("")
            ),
            EventKind::ConcernAnswered => format!(
                "Concern answered{by}: \u{201c}{}\u{201d}{}",
                detail["text"].as_str().unwrap_or(""),
                match detail["sent_anyway"].as_array() {
                    Some(flags) if !flags.is_empty() => format!(
                        " (sent anyway; the tone coach flagged: {})",
                        flags
                            .iter()
                            .filter_map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => String::new(),
                }
            ),
            EventKind::ConcernConfirmed => {
                "The patient confirmed the answer covered their concern".to_string()
            }
            EventKind::ConcernReopened => format!(
                "The patient said the answer did not cover it{}",
                detail["note"]
                    .as_str()
                    .filter(|n| !n.is_empty())
                    .map(|n| format!(": \u{201c}{n}\u{201d}"))
                    .unwrap_or_default()
            ),
            EventKind::ConcernFollowUp => format!(
                "Concern turned into a follow-up promise due {}{by}",
                detail["due_at"].as_str().unwrap_or("?")
            ),
            EventKind::PromiseReminder => format!(
                "Reminder sent to {}: {} promise due {}",
                detail["owner"].as_str().unwrap_or("the team"),
                detail["kind"].as_str().unwrap_or("a").replace('_', " "),
                detail["due_at"].as_str().unwrap_or("?")
            ),
            EventKind::ComplaintReceived => format!(
                "Complaint {} received ({}){by}",
                detail["complaint_id"],
                detail["channel"].as_str().unwrap_or("?").replace('_', " ")
            ),
            EventKind::ComplaintUpdated => format!(
                "Complaint {} {}{by}",
                detail["complaint_id"],
                detail["what"].as_str().unwrap_or("updated")
            ),
            EventKind::ArrivalLink => {
                let channels: Vec<&str> = detail["sent_by"]
                    .as_array()
                    .map(|c| {
                        c.iter()
                            .filter_map(|x| x.as_str())
                            .filter_map(|x| x.parse::<MessageChannel>().ok())
                            .map(|x| x.label())
                            .collect()
                    })
                    .unwrap_or_default();
                let how = if channels.is_empty() {
                    "shown to staff to hand over".to_string()
                } else {
                    format!("sent by {}", channels.join(" and ").to_lowercase())
                };
                if detail["reminder"].as_bool() == Some(true) {
                    format!("Arrival link {how} with the appointment reminder")
                } else {
                    format!("Arrival link made{by}, {how}")
                }
            }
            EventKind::RunningLate => format!(
                "The patient said they are running about {} minutes late (arrival link); expected by {}",
                detail["minutes"],
                detail["expected_at"].as_str().unwrap_or("?")
            ),
            EventKind::CantCome => {
                "The patient said they can't come (arrival link): appointment cancelled".to_string()
            }
            EventKind::Rescheduled => format!(
                "Appointment changed by the EHR ({}){by}: {}",
                detail["source"]
                    .as_str()
                    .unwrap_or("schedule")
                    .to_uppercase(),
                detail["changed"]
                    .as_array()
                    .map(|w| w
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", "))
                    .filter(|w| !w.is_empty())
                    .unwrap_or_else(|| "nothing new".to_string())
            ),
            EventKind::Upset => format!(
                "The patient seems upset ({}){}",
                detail["why"]
                    .as_array()
                    .map(|w| w
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join("; "))
                    .unwrap_or_default(),
                if detail["alerted"].as_bool() == Some(false) {
                    ": boards were already alerted within the hour"
                } else {
                    ": every board and the managers were alerted"
                }
            ),
            EventKind::SurveySent => match detail["because"].as_str() {
                Some("opted_out") => {
                    "Survey not sent: the patient asked for no more surveys".to_string()
                }
                Some("asked_recently") => {
                    "Survey not sent: the patient was asked within 30 days".to_string()
                }
                _ => "Survey sent to the patient".to_string(),
            },
            EventKind::SurveyAnswered => {
                let f = |k: &str| detail[k].as_str().unwrap_or("?").to_string();
                let wait = match detail["wait_as_promised"].as_bool() {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "?",
                };
                format!(
                    "Survey answered: overall {} of 10; helpful {}, courteous {}, listened {}; seen by the time promised: {wait}{}{}",
                    detail["overall"],
                    f("helpful"),
                    f("courteous"),
                    f("listened"),
                    detail["comment"]
                        .as_str()
                        .map(|c| format!("; \u{201c}{c}\u{201d}"))
                        .unwrap_or_default(),
                    if detail["recovery"].as_bool() == Some(true) {
                        " (a low answer: service recovery opened)"
                    } else {
                        ""
                    }
                )
            }
            EventKind::ReplyHeld => format!(
                "The tone coach held a reply by {} for revision ({})",
                detail["by"].as_str().unwrap_or("staff"),
                detail["flags"]
                    .as_array()
                    .map(|f| f
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
            EventKind::SurveyOptOut => "The patient asked for no more surveys".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// What the daily purge removes (see `Retention::purge_expired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgePlan {
    /// Sessions last used at or before this are deleted (idle timeout), as
    /// are sessions past their lifetime.
    pub idle_cutoff: Timestamp,
    /// Outbox messages sent or given up on at or before this lose their
    /// full address (it becomes the masked form staff see).
    pub recipients_settled_by: Timestamp,
}

/// What the daily purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub status_links: u64,
    /// Patients' arrival links past their day.
    pub arrival_links: u64,
    pub recipients: u64,
    /// Idempotency keys past their 24 hours.
    pub idempotency_keys: u64,
}

/// What checking the audit log's hash chain found (`Audit::verify_audit_chain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChainReport {
    /// Rows checked, oldest first, up to the first fault.
    pub rows: u64,
    /// The chain's head as stored: the last row's id and hash (`0` and 64
    /// zeros for an empty log). Noting it somewhere else (a backup log, a
    /// ticket) lets a later check see that the log was not rewritten since.
    pub head_id: i64,
    pub head_hash: String,
    /// The first row that does not match, if any.
    pub fault: Option<AuditChainFault>,
}

impl AuditChainReport {
    pub fn intact(&self) -> bool {
        self.fault.is_none()
    }
}

/// The first place the audit log's chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditChainFault {
    /// The row's content no longer matches its hash: it was changed.
    Changed { row: i64 },
    /// The row does not follow the row before it (`after`, `None` when it is
    /// the first): rows between them were deleted.
    Unlinked { row: i64, after: Option<i64> },
    /// The row carries no hash: it was added outside Frontdesk.
    Unsealed { row: i64 },
    /// The chain's head names this row, but the log ends at `last`: the last
    /// rows were deleted.
    TailMissing { row: i64, last: Option<i64> },
    /// The last row does not match the chain's head (either was changed).
    HeadMismatch { row: i64 },
    /// A row after the chain's head, not linked into it: added outside Frontdesk.
    AfterHead { row: i64 },
    /// The chain's head itself is gone.
    HeadMissing,
}

impl AuditChainFault {
    /// The audit row (its id) where the chain first fails.
    pub fn row(&self) -> Option<i64> {
        match self {
            AuditChainFault::Changed { row }
            | AuditChainFault::Unlinked { row, .. }
            | AuditChainFault::Unsealed { row }
            | AuditChainFault::TailMissing { row, .. }
            | AuditChainFault::HeadMismatch { row }
            | AuditChainFault::AfterHead { row } => Some(*row),
            AuditChainFault::HeadMissing => None,
        }
    }
}

impl std::fmt::Display for AuditChainFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditChainFault::Changed { row } => write!(
                f,
                "row {row} does not match its hash: it was changed after it was written"
            ),
            AuditChainFault::Unlinked {
                row,
                after: Some(after),
            } => write!(
                f,
                "row {row} does not follow row {after}: the row(s) between them were deleted, \
                 or row {after} was rewritten with a new hash"
            ),
            AuditChainFault::Unlinked { row, after: None } => write!(
                f,
                "row {row} does not follow the start of the log: the row(s) before it were deleted"
            ),
            AuditChainFault::Unsealed { row } => {
                write!(f, "row {row} has no hash: it was added outside Frontdesk")
            }
            AuditChainFault::TailMissing {
                row,
                last: Some(last),
            } => write!(
                f,
                "row {row} is missing: the log ends at row {last} but the chain's head is row {row} \
                 (the last row(s) were deleted)"
            ),
            AuditChainFault::TailMissing { row, last: None } => write!(
                f,
                "row {row} is missing: the log is empty but the chain's head is row {row} \
                 (the rows were deleted)"
            ),
            AuditChainFault::HeadMismatch { row } => write!(
                f,
                "row {row} does not match the chain's head: the row or the head was changed"
            ),
            AuditChainFault::AfterHead { row } => write!(
                f,
                "row {row} comes after the chain's head: it was added outside Frontdesk"
            ),
            AuditChainFault::HeadMissing => {
                write!(f, "the chain's head (table audit_chain) is gone")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub already_present: usize,
}

/// Counts for the metrics: outbox messages by status, and wait (`seen_by`)
/// promises by location and status, since the database began.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub outbox: Vec<(String, i64)>,
    pub wait_promises: Vec<(String, String, i64)>,
}

/// What one appointment from an EHR did (see `frontdesk_domain::schedule`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleOutcome {
    pub visit_id: i64,
    pub result: ScheduleResult,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleResult {
    /// A new visit.
    Created,
    /// The expected visit took the change.
    Updated,
    /// Left as it was, and why.
    Unchanged(String),
}

/// A visit with the identifier its appointment came with (none for a
/// walk-in) and its wait promise, as an EHR reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledVisit {
    pub visit: Visit,
    /// The identifier's system or namespace, when it had one.
    pub appointment_system: Option<String>,
    /// Which door the appointment came by.
    pub appointment_source: Option<frontdesk_domain::schedule::ScheduleSource>,
    /// The latest `seen_by` promise.
    pub wait: Option<Promise>,
}

/// A promise to a patient, with a due time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    pub id: i64,
    pub location: String,
    pub visit_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub kind: PromiseKind,
    pub made_by: String,
    pub owner: Option<String>,
    pub note: String,
    pub made_at: Timestamp,
    pub due_at: Timestamp,
    /// For a wait: the likely time, the start of the range shown.
    pub likely_at: Option<Timestamp>,
    pub suggested_due_at: Option<Timestamp>,
    /// Why it was made or changed, in words for the patient.
    pub reason: String,
    pub status: PromiseStatus,
    pub fulfilled_at: Option<Timestamp>,
    pub fulfilled_by: Option<String>,
    pub replaced_by: Option<i64>,
}

/// A promise about to be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPromise {
    pub location: String,
    pub visit_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub kind: PromiseKind,
    pub owner: Option<String>,
    pub note: String,
    pub due_at: Timestamp,
    pub likely_at: Option<Timestamp>,
    pub suggested_due_at: Option<Timestamp>,
    pub reason: String,
}

/// How long earlier promises of one kind took to fulfil, in minutes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FulfilmentHistory {
    pub minutes: Vec<f64>,
}

/// A patient's question or concern, with its answer and the patient's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concern {
    pub id: i64,
    pub location: String,
    pub visit_id: i64,
    /// The patient's display name (from the visit), for staff lists.
    pub patient_name: String,
    /// The patient's words, as given.
    pub text: String,
    pub source: ConcernSource,
    pub raised_by: String,
    pub raised_at: Timestamp,
    pub owner: Option<String>,
    pub status: ConcernStatus,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<Timestamp>,
    pub first_answered_at: Option<Timestamp>,
    /// Tone coach flag kinds on an answer staff chose to send anyway.
    pub tone_flags: String,
    pub responded_at: Option<Timestamp>,
    /// What the patient said when reopening.
    pub patient_note: Option<String>,
    pub promise_id: Option<i64>,
}

/// A concern about to be raised on a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConcern {
    pub visit_id: i64,
    pub text: String,
    pub source: ConcernSource,
    pub owner: Option<String>,
    /// The words read as upset: the `upset` timeline entry's detail, written
    /// with the concern.
    pub upset: Option<serde_json::Value>,
}

/// An answer to a concern, with what the tone coach said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcernAnswer {
    pub text: String,
    /// Flag kinds the coach raised that staff chose to send anyway (empty when it read fine).
    pub sent_anyway_flags: Vec<String>,
}

/// What the lobby board marks beside each patient: concerns and upset messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LobbyMarks {
    /// `(visit_id, status)` of every concern raised since the cut-off.
    pub concerns: Vec<(i64, ConcernStatus)>,
    /// Visits with an upset message since the cut-off.
    pub upset: Vec<i64>,
    /// Visits whose patient said "I stepped out" and not yet "I'm back".
    pub stepped_out: Vec<i64>,
    /// `(visit_id, minutes)`: patients who said on their arrival link that
    /// they are running late (their latest word).
    pub running_late: Vec<(i64, i64)>,
}

/// A complaint as kept: the patient's words verbatim, who owns it, where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: i64,
    pub location: String,
    pub visit_id: Option<i64>,
    pub text: String,
    pub channel: Channel,
    pub category: Category,
    pub severity: Severity,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub owner: Option<String>,
    pub owner_role: Option<Role>,
    pub status: ComplaintStatus,
    pub received_by: String,
    pub received_at: Timestamp,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<Timestamp>,
    /// Paused since (the clocks are stopped), if paused now.
    pub paused_since: Option<Timestamp>,
    /// Every pause, from the complaint's events.
    pub pauses: Vec<Pause>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<Resolution>,
    /// The highest escalation already announced.
    pub escalation_level: Level,
    /// Bumped by every change; a change is written only on the revision it read.
    pub revision: i64,
}

/// A complaint about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaintRecord {
    pub location: String,
    pub visit_id: Option<i64>,
    pub complaint: NewComplaint,
    /// Owner username and role (whoever took it, unless assigned).
    pub owner: Option<(String, Role)>,
    /// On a visit, the words read as upset: the `upset` timeline entry's
    /// detail, written with the complaint.
    pub upset: Option<serde_json::Value>,
}

/// One thing that happened to a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintEvent {
    pub at: Timestamp,
    pub kind: ComplaintEventKind,
    pub actor: String,
    pub detail: String,
}

/// A change to a complaint; each is checked against the domain's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintChange {
    Acknowledge,
    Pause {
        reason: String,
    },
    Resume,
    Assign {
        owner: String,
        role: Role,
    },
    /// A written reply to the patient, with the tone coach's flags when
    /// staff sent it anyway, and the message that takes it to the patient
    /// (queued with the reply, in the same transaction), or `None` when it
    /// is recorded only.
    Reply {
        text: String,
        sent_anyway_flags: Vec<String>,
        message: Option<NewOutboxMessage>,
    },
    Resolve(Resolution),
    /// A clock ran out: the complaint moves up the ladder.
    Escalate(Level),
}

/// A location's complaint settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintSettings {
    /// Opening hours, as `Mon-Fri 08:00-18:00, Sat 09:00-12:00`.
    pub business_hours: String,
    /// Closed dates, one `YYYY-MM-DD` per line.
    pub closed_dates: String,
    pub policy: ComplaintPolicy,
    /// Front desk and clinicians may read every complaint, not only their own.
    pub staff_read_all: bool,
    /// The practice's website, printed on letters (may be empty).
    pub website: String,
}

pub use frontdesk_domain::outbox::{MessageChannel, MessageStatus};

/// A message to a patient about to go into the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxMessage {
    pub location: String,
    pub visit_id: Option<i64>,
    pub channel: MessageChannel,
    /// An e-mail address or a phone number, as the patient gave it.
    pub recipient: String,
    /// Empty for a text message.
    pub subject: String,
    pub body: String,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub location: String,
    pub visit_id: Option<i64>,
    pub channel: MessageChannel,
    pub recipient: String,
    pub subject: String,
    /// The words sent; replaced once delivered or given up on (it held the private link).
    pub body: String,
    pub created_at: Timestamp,
    pub status: MessageStatus,
    /// Delivery attempts that have ended (in success or failure).
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    /// What went wrong last, without addresses or names.
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
}

/// The name under which a patient acts through their arrival link, on the
/// timeline and in the audit log.
pub const ARRIVAL_LINK_ACTOR: &str = "arrival-link";

/// An arrival link to record, by the hash of its token, with the day it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArrivalLink {
    pub token_hash: String,
    pub valid_from: Timestamp,
    pub expires_at: Timestamp,
}

/// An arrival link as kept (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrivalLink {
    pub visit_id: i64,
    pub location: String,
    pub created_at: Timestamp,
    /// A staff username, or `system` for the reminder.
    pub created_by: String,
    pub valid_from: Timestamp,
    pub expires_at: Timestamp,
    /// When "I'm here" checked the patient in through it.
    pub used_at: Option<Timestamp>,
}

/// A new arrival link for an expected appointment, and the messages that
/// take it to the patient (their visit is filled in here), written together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueArrivalLink {
    pub visit_id: i64,
    pub link: NewArrivalLink,
    pub messages: Vec<NewOutboxMessage>,
}

/// The addresses a patient gave (with the schedule, or at a check-in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientContacts {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// An expected appointment whose reminder is due, with where to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderDue {
    pub visit: Visit,
    pub contacts: PatientContacts,
}

/// What a patient tells the desk on their arrival link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalNotice {
    /// "I'm running late": by how many minutes, and so when they expect to arrive.
    RunningLate {
        minutes: u32,
        expected_at: Timestamp,
    },
    /// "I can't come": the appointment is cancelled (`arrival::CANT_COME`).
    CantCome,
}

/// What became of a patient's notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeOutcome {
    /// On the timeline (and, for "can't come", the visit cancelled).
    Recorded(Visit),
    /// They have said "running late" as often as one visit may.
    TooMany(Visit),
    /// The visit is no longer expected (checked in, or cancelled meanwhile).
    NotExpected(Visit),
}

// --- surveys ---

pub use frontdesk_domain::survey::{Frequency, SurveyAnswer};

/// A done visit whose survey is due, with where to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyDue {
    pub visit: Visit,
    pub contacts: PatientContacts,
}

/// The survey of one done visit, as the watcher decided it: the link (by
/// its token's hash), the hashes of the addresses it goes to, its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendSurvey {
    pub visit_id: i64,
    pub token_hash: String,
    pub expires_at: Timestamp,
    /// SHA-256 of each normalised address (see `survey::address_key`).
    pub address_hashes: Vec<String>,
    pub messages: Vec<NewOutboxMessage>,
}

/// What became of a survey the watcher tried to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveySent {
    Sent,
    /// An address asked for no more surveys: nothing sent.
    OptedOut,
    /// An address was asked within 30 days: nothing sent.
    AskedRecently,
    /// Decided already (another server, or an earlier run).
    AlreadyDecided,
}

/// Where a survey stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurveyStatus {
    Sent,
    Answered,
    OptedOut,
    AskedRecently,
}

impl SurveyStatus {
    pub const ALL: [SurveyStatus; 4] = [
        SurveyStatus::Sent,
        SurveyStatus::Answered,
        SurveyStatus::OptedOut,
        SurveyStatus::AskedRecently,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Sent => "sent",
            SurveyStatus::Answered => "answered",
            SurveyStatus::OptedOut => "opted_out",
            SurveyStatus::AskedRecently => "asked_recently",
        }
    }
}

impl std::str::FromStr for SurveyStatus {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown survey status {s:?}"))
    }
}

/// One visit's survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub id: i64,
    pub visit_id: i64,
    pub location: String,
    pub status: SurveyStatus,
    /// When it was sent (or skipped).
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub answered_at: Option<Timestamp>,
    pub answer: Option<SurveyAnswer>,
    pub recovery_promise_id: Option<i64>,
    pub complaint_id: Option<i64>,
}

/// An answer to record: the link's hash, the checked answer, and what a low
/// answer opens with it (the call-back promise, the complaint in the
/// patient's words, the `upset` mark of the comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerSurvey {
    pub token_hash: String,
    pub answer: SurveyAnswer,
    pub recovery: Option<NewPromise>,
    pub complaint: Option<frontdesk_domain::complaint::NewComplaint>,
    pub upset: Option<serde_json::Value>,
}

/// What the scorecard counts for one location and period: the facts, and
/// the period's complaints as recorded (their clocks are read by the
/// caller, who knows the location's hours; `facts.complaints` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScorecardData {
    pub facts: frontdesk_domain::scorecard::Facts,
    pub complaints: Vec<Complaint>,
}

/// Something the server's watcher raises once (an overdue acknowledgement, a
/// reminder to a promise's owner): written with its mark by
/// [`Watch::raise_once`](crate::traits::Watch::raise_once).
#[derive(Debug, Clone, PartialEq)]
pub struct WatchAlert {
    /// What makes the alert one alert, e.g.
    /// `ack_overdue:visit:12:1741183200000` (the clock's start in ms) or
    /// `promise_reminder:promise:7`. Raised once per key, ever.
    pub key: String,
    /// The visit whose timeline gets the event, if any.
    pub visit_id: Option<i64>,
    pub kind: frontdesk_domain::timeline::EventKind,
    pub detail: serde_json::Value,
    /// The audit row's action (`watch.ack_overdue`) and subject (`visit:12`).
    pub action: String,
    pub subject: String,
}

/// How long the first answer to an `Idempotency-Key` is kept and replayed.
pub const IDEMPOTENCY_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A request sent with an `Idempotency-Key`: whose key, on which route, and
/// a hash of what was asked (see `traits::Idempotency`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// Who sent it (a staff username): keys are each caller's own.
    pub caller: String,
    /// `POST /api/v1/visits`, or a page form's route.
    pub route: String,
    pub key: String,
    /// A hash of the request body.
    pub request_hash: String,
}

/// What the store holds for a key sent before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentAnswer {
    pub request_hash: String,
    /// What the first request created (`visit:12`, `concern:3`).
    pub made: String,
    /// The first answer's status and body; `None` while the first request is
    /// still making it (or if its server stopped before it could be kept).
    pub answer: Option<(u16, String)>,
    pub created_at: Timestamp,
}
