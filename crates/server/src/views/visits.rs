//! Visits as the API sends them (with the acknowledgement clock evaluated
//! now) and as the board, the visit page and the lobby show them.

use crate::text::time;
use crate::views::concerns::ConcernView;
use crate::views::page::Nav;
use crate::views::promises::PromiseJson;
use askama::Template;
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{AckPolicy, FieldErrors, Timestamp, VisitState};
use frontdesk_store::{LobbyMarks, Promise, PromiseStatus, TimelineEvent, Visit};
use serde::{Deserialize, Serialize};

/// A visit in the API, with its acknowledgement clock evaluated now.
#[derive(Serialize)]
pub struct VisitJson {
    pub id: i64,
    pub location: String,
    pub state: VisitState,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub public_name: String,
    pub date_of_birth: Option<String>,
    pub provider: Option<String>,
    pub visit_type: Option<String>,
    pub appointment_id: Option<String>,
    pub scheduled_at: Option<String>,
    pub arrived_at: Option<String>,
    pub last_acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub ack_due_at: Option<String>,
    pub ack_status: Option<&'static str>,
    pub ack_escalates_at: Option<String>,
    pub state_changed_at: String,
    pub allowed_transitions: Vec<VisitState>,
    /// Only at check-in: the patient's private status link, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_url: Option<String>,
}

impl VisitJson {
    pub fn of(v: &Visit, policy: &AckPolicy, now: Timestamp) -> VisitJson {
        let clock = policy.clock(v.ack_facts(), now);
        VisitJson {
            id: v.id,
            location: v.location.clone(),
            state: v.state,
            given_name: v.given_name.clone(),
            family_name: v.family_name.clone(),
            preferred_name: v.preferred_name.clone(),
            public_name: v.public_name(),
            date_of_birth: v.date_of_birth.map(|d| d.to_string()),
            provider: v.provider.clone(),
            visit_type: v.visit_type.clone(),
            appointment_id: v.appointment_id.clone(),
            scheduled_at: v.scheduled_at.map(time),
            arrived_at: v.arrived_at.map(time),
            last_acknowledged_at: v.last_acknowledged_at.map(time),
            acknowledged_by: v.acknowledged_by.clone(),
            ack_due_at: clock.map(|c| time(c.due_at)),
            ack_status: clock.map(|c| c.status.as_str()),
            ack_escalates_at: clock.map(|c| time(c.escalates_at)),
            state_changed_at: time(v.state_changed_at),
            allowed_transitions: v.state.allowed_next().to_vec(),
            status_url: None,
        }
    }
}

/// A visit with its wait promise (the lobby) and its timeline (one visit).
#[derive(Serialize)]
pub struct VisitDetail {
    #[serde(flatten)]
    pub visit: VisitJson,
    pub promise: Option<PromiseJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineJson>>,
}

/// One entry of a visit's timeline.
#[derive(Serialize)]
pub struct TimelineJson {
    pub at: String,
    pub kind: EventKind,
    pub actor: Option<String>,
    pub detail: serde_json::Value,
    pub description: String,
}

impl TimelineJson {
    pub fn of(e: &TimelineEvent) -> TimelineJson {
        TimelineJson {
            at: time(e.at),
            kind: e.kind,
            actor: e.actor.clone(),
            detail: e.detail.clone(),
            description: e.describe(),
        }
    }
}

/// `GET /api/v1/lobby`.
#[derive(Serialize)]
pub struct LobbyJson {
    pub location: String,
    pub now: String,
    pub visits: Vec<VisitDetail>,
}

/// One row of the board, everything already in words.
pub struct RowView {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub state_label: &'static str,
    pub arrived: String,
    pub waited: String,
    pub acknowledged: String,
    /// `on_time`, `due_soon`, `overdue`, `escalated` or `none`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub clock_text: String,
    pub can_ack: bool,
    pub moves: Vec<(&'static str, &'static str)>,
    /// The open wait promise in words: "10:25–10:40".
    pub promise: String,
    /// The promise was re-quoted because it was about to break: someone
    /// should go and speak to the patient.
    pub at_risk: bool,
    /// Questions or concerns still needing an answer.
    pub open_concerns: usize,
    /// The patient sent an upset message today.
    pub upset: bool,
    /// The patient said on their page that they stepped out.
    pub stepped_out: bool,
}

/// Add the visit's open wait promise to its row.
pub fn with_promise(mut row: RowView, promise: Option<&Promise>, zone: chrono_tz::Tz) -> RowView {
    if let Some(p) = promise.filter(|p| p.status == PromiseStatus::Open) {
        let hm = |t: Timestamp| t.with_timezone(&zone).format("%H:%M").to_string();
        row.promise = match p.likely_at {
            Some(l) if hm(l) != hm(p.due_at) => format!("{}–{}", hm(l), hm(p.due_at)),
            _ => format!("by {}", hm(p.due_at)),
        };
        row.at_risk = p.made_by == "system";
    }
    row
}

/// Mark rows with their concerns needing an answer and upset messages.
pub fn with_marks(mut row: RowView, marks: &LobbyMarks) -> RowView {
    row.open_concerns = marks
        .concerns
        .iter()
        .filter(|(v, s)| *v == row.id && s.needs_answer())
        .count();
    row.upset = marks.upset.contains(&row.id);
    row.stepped_out = marks.stepped_out.contains(&row.id);
    row
}

fn move_label(to: VisitState) -> &'static str {
    match to {
        VisitState::Waiting => "Back to lobby",
        VisitState::Roomed => "Room",
        VisitState::WithProvider => "With provider",
        VisitState::Checkout => "Checkout",
        VisitState::Done => "Done",
        VisitState::LeftWithoutBeingSeen => "Left",
        VisitState::NoShow => "No-show",
        VisitState::Cancelled => "Cancel",
        VisitState::Expected => "Expected",
    }
}

fn minutes_text(d: chrono::Duration) -> String {
    let m = d.num_minutes();
    if m < 1 {
        format!("{} s", d.num_seconds().max(0))
    } else if m < 60 {
        format!("{m} min")
    } else {
        format!("{} h {} min", m / 60, m % 60)
    }
}

pub fn row_view(
    v: &Visit,
    policy: &AckPolicy,
    zone: chrono_tz::Tz,
    now: Timestamp,
    providers: &[(String, String)],
) -> RowView {
    let hm = |t: Timestamp| t.with_timezone(&zone).format("%H:%M").to_string();
    let clock = policy.clock(v.ack_facts(), now);
    let provider = match &v.provider {
        Some(id) => providers
            .iter()
            .find(|(p, _)| p == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.clone()),
        None => "Any".into(),
    };
    let acknowledged = match (v.last_acknowledged_at, &v.acknowledged_by) {
        (Some(t), Some(by)) => format!("{} by {by}", hm(t)),
        (Some(t), None) => hm(t),
        _ => "Not yet".into(),
    };
    let clock_text = match clock {
        Some(c) if now < c.due_at => format!("due in {}", minutes_text(c.due_at - now)),
        Some(c) => format!("{} overdue", minutes_text(now - c.due_at)),
        None => String::new(),
    };
    RowView {
        id: v.id,
        name: v.full_name(),
        provider,
        state_label: v.state.label(),
        arrived: v.arrived_at.map(hm).unwrap_or_default(),
        waited: v
            .arrived_at
            .map(|a| minutes_text(now - a))
            .unwrap_or_default(),
        acknowledged,
        status: clock.map(|c| c.status.as_str()).unwrap_or("none"),
        status_label: clock.map(|c| c.status.label()).unwrap_or(""),
        clock_text,
        can_ack: v.state.is_present(),
        promise: String::new(),
        at_risk: false,
        open_concerns: 0,
        upset: false,
        stepped_out: false,
        moves: v
            .state
            .allowed_next()
            .iter()
            .map(|s| (s.as_str(), move_label(*s)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "board_rows.html")]
pub struct BoardRows {
    pub rows: Vec<RowView>,
    pub csrf: String,
    /// The location's clock, for the page's "Clock time" line.
    pub now_text: String,
}

pub struct ExpectedView {
    pub id: i64,
    pub time: String,
    pub name: String,
    pub provider: String,
    /// "Running about 10 min late" (said on their arrival link), or empty.
    pub late: String,
}

/// An open service-recovery call-back on the board.
pub struct RecoveryView {
    pub visit_id: i64,
    pub name: String,
    pub due: String,
    pub overdue: bool,
    pub note: String,
}

#[derive(Template)]
#[template(path = "board.html")]
pub struct BoardPage {
    pub nav: Nav,
    pub location: String,
    pub location_name: String,
    pub policy_text: String,
    pub overridden: bool,
    pub now_text: String,
    pub refresh_ms: u64,
    pub rows: Vec<RowView>,
    pub csrf: String,
    pub providers: Vec<(String, String)>,
    pub expected: Vec<ExpectedView>,
    /// Open service-recovery call-backs at this location (managers own them).
    pub recoveries: Vec<RecoveryView>,
    pub form: ArrivalForm,
    pub errors: FieldErrors,
    /// The check-in form's one-time id: sent twice, it checks in once.
    pub once: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ArrivalForm {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub provider: String,
    pub location: String,
}

#[derive(Template)]
#[template(path = "visit.html")]
pub struct VisitPage {
    pub nav: Nav,
    pub row: RowView,
    pub dob: String,
    pub scheduled: String,
    pub error: Option<String>,
    pub needing_answer: usize,
    pub concerns: Vec<ConcernView>,
    pub follow_up_kinds: Vec<(&'static str, &'static str)>,
    pub timeline: Vec<(String, String)>,
    /// What was just done (an arrival link sent).
    pub notice: Option<String>,
    /// An expected appointment's arrival links, and the buttons for them.
    pub arrival: Option<super::arrival::PanelView>,
    /// The concern form's one-time id: sent twice, it raises one concern.
    pub once: String,
}

#[derive(Template)]
#[template(path = "status_link.html")]
pub struct StatusLinkPage {
    pub nav: Nav,
    pub id: i64,
    pub name: String,
    pub url: String,
    pub qr: Option<String>,
}
