//! Complaints as the API sends them and as the complaints pages, the
//! resolution letter and the public feedback form show them.

use crate::text::time;
use crate::views::concerns::FlagView;
use crate::views::page::Nav;
use askama::Template;
use frontdesk_domain::complaint::{self, ClockView, ComplaintClocks, Level};
use frontdesk_domain::timeline::ComplaintEventKind;
use frontdesk_domain::{FieldErrors, Timestamp};
use frontdesk_store::{Complaint, ComplaintEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One of a complaint's clocks in the API.
#[derive(Serialize)]
pub struct ClockJson {
    pub due_at: String,
    pub status: &'static str,
}

impl ClockJson {
    fn of(c: &ClockView) -> ClockJson {
        ClockJson {
            due_at: time(c.due_at),
            status: c.status.as_str(),
        }
    }
}

#[derive(Serialize)]
pub struct ClocksJson {
    pub acknowledge: ClockJson,
    pub resolve: ClockJson,
}

#[derive(Serialize)]
pub struct ContactJson {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Serialize)]
pub struct ResolutionJson {
    pub contact_person: String,
    pub steps: String,
    pub result: String,
}

/// A complaint in the API, with its clocks now.
#[derive(Serialize)]
pub struct ComplaintJson {
    pub id: i64,
    pub location: String,
    pub visit_id: Option<i64>,
    pub status: &'static str,
    pub text: String,
    pub channel: &'static str,
    pub category: &'static str,
    pub severity: &'static str,
    pub contact: ContactJson,
    pub owner: Option<String>,
    pub owner_role: Option<&'static str>,
    pub received_by: String,
    pub received_at: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub paused: bool,
    pub clocks: ClocksJson,
    pub level: &'static str,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub resolution: Option<ResolutionJson>,
    /// Only for one complaint: everything that happened to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<ComplaintEventJson>>,
    /// Only after a reply: the reply as recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Value>,
}

impl ComplaintJson {
    pub fn of(k: &Complaint, clocks: &ComplaintClocks) -> ComplaintJson {
        ComplaintJson {
            id: k.id,
            location: k.location.clone(),
            visit_id: k.visit_id,
            status: k.status.as_str(),
            text: k.text.clone(),
            channel: k.channel.as_str(),
            category: k.category.as_str(),
            severity: k.severity.as_str(),
            contact: ContactJson {
                name: k.contact_name.clone(),
                email: k.contact_email.clone(),
                phone: k.contact_phone.clone(),
            },
            owner: k.owner.clone(),
            owner_role: k.owner_role.map(|r| r.as_str()),
            received_by: k.received_by.clone(),
            received_at: time(k.received_at),
            acknowledged_by: k.acknowledged_by.clone(),
            acknowledged_at: k.acknowledged_at.map(time),
            paused: k.paused_since.is_some(),
            clocks: ClocksJson {
                acknowledge: ClockJson::of(&clocks.acknowledge),
                resolve: ClockJson::of(&clocks.resolve),
            },
            level: clocks.level.as_str(),
            resolved_by: k.resolved_by.clone(),
            resolved_at: k.resolved_at.map(time),
            resolution: k.resolution.as_ref().map(|r| ResolutionJson {
                contact_person: r.contact_person.clone(),
                steps: r.steps.clone(),
                result: r.result.clone(),
            }),
            events: None,
            reply: None,
        }
    }
}

/// One thing that happened to a complaint, in the API.
#[derive(Serialize)]
pub struct ComplaintEventJson {
    pub at: String,
    pub kind: ComplaintEventKind,
    pub actor: String,
    pub detail: String,
}

impl ComplaintEventJson {
    pub fn of(e: &ComplaintEvent) -> ComplaintEventJson {
        ComplaintEventJson {
            at: time(e.at),
            kind: e.kind,
            actor: e.actor.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// `GET /api/v1/complaints`.
#[derive(Serialize)]
pub struct ComplaintList {
    pub complaints: Vec<ComplaintJson>,
}

/// `GET /api/v1/complaints/{id}/letter`.
#[derive(Serialize)]
pub struct LetterJson {
    pub greeting: String,
    pub paragraphs: Vec<String>,
    pub contact_person: String,
    pub completed_on: String,
}

pub struct ComplaintRow {
    pub id: i64,
    pub received: String,
    pub channel: &'static str,
    pub category: &'static str,
    pub severity: &'static str,
    pub severity_key: &'static str,
    pub status: &'static str,
    pub owner: String,
    pub excerpt: String,
    pub ack_due: String,
    pub ack_status: &'static str,
    pub ack_label: String,
    pub resolve_due: String,
    pub resolve_status: &'static str,
    pub resolve_label: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub paused: bool,
}

pub fn local(t: Timestamp, zone: chrono_tz::Tz) -> String {
    t.with_timezone(&zone).format("%a %d %b %H:%M").to_string()
}

pub fn row(k: &Complaint, c: &ComplaintClocks, zone: chrono_tz::Tz) -> ComplaintRow {
    let excerpt: String = k.text.chars().take(90).collect();
    ComplaintRow {
        id: k.id,
        received: local(k.received_at, zone),
        channel: k.channel.label(),
        category: k.category.label(),
        severity: k.severity.label(),
        severity_key: k.severity.as_str(),
        status: k.status.label(),
        owner: k.owner.clone().unwrap_or_else(|| "not assigned".into()),
        excerpt: if k.text.chars().count() > 90 {
            format!("{excerpt}…")
        } else {
            excerpt
        },
        ack_due: local(c.acknowledge.due_at, zone),
        ack_status: c.acknowledge.status.as_str(),
        ack_label: c.acknowledge.status.as_str().replace('_', " "),
        resolve_due: local(c.resolve.due_at, zone),
        resolve_status: c.resolve.status.as_str(),
        resolve_label: c.resolve.status.as_str().replace('_', " "),
        level: c.level.as_str(),
        level_label: level_label(c.level),
        paused: k.paused_since.is_some(),
    }
}

#[derive(Template)]
#[template(path = "complaints.html")]
pub struct ComplaintsPage {
    pub nav: Nav,
    pub location: String,
    pub location_name: String,
    pub rows: Vec<ComplaintRow>,
    pub hidden: usize,
    pub policy: String,
    pub channels: Vec<(&'static str, &'static str)>,
    pub categories: Vec<(&'static str, &'static str)>,
    pub severities: Vec<(&'static str, &'static str)>,
    pub form: ComplaintForm,
    pub errors: FieldErrors,
    /// The form's one-time id: sent twice, it records one complaint.
    pub once: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComplaintForm {
    pub location: String,
    pub text: String,
    pub channel: String,
    pub category: String,
    pub severity: String,
    pub visit_id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
}

pub struct EventRow {
    pub at: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "complaint.html")]
pub struct ComplaintPage {
    pub nav: Nav,
    pub k: ComplaintRow,
    pub text: String,
    pub contact: String,
    pub visit_id: Option<i64>,
    pub can_work: bool,
    pub received: bool,
    pub resolved: bool,
    pub paused: bool,
    pub events: Vec<EventRow>,
    pub error: Option<String>,
    pub draft: String,
    pub flags: Vec<FlagView>,
    pub staff_names: Vec<String>,
    /// Where a reply goes, in words.
    pub reply_to: String,
    /// A refused resolve or pause form, as typed, with its field errors.
    pub typed: Draft,
}

/// One line for a person reading the complaint page.
pub fn describe(e: &ComplaintEvent) -> String {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
    use ComplaintEventKind as K;
    match e.kind {
        K::Received => format!("Received by {}", e.actor),
        K::Acknowledged => format!("Acknowledged by {}", e.actor),
        K::Paused if e.detail.is_empty() => format!("Clocks paused by {}", e.actor),
        K::Paused => format!("Clocks paused by {}: {}", e.actor, e.detail),
        K::Resumed => format!("Clocks resumed by {}", e.actor),
        K::Assigned => format!("Assigned to {} by {}", e.detail, e.actor),
        K::Reply => {
            let flags: Vec<&str> = detail["sent_anyway"]
                .as_array()
                .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
                .unwrap_or_default();
            format!(
                "Reply by {}: \u{201c}{}\u{201d}{}",
                e.actor,
                detail["text"].as_str().unwrap_or(""),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (sent anyway; the tone coach flagged: {})",
                        flags.join(", ")
                    )
                }
            ) + match detail["sent_by"].as_str() {
                Some("email") => " · sent by e-mail",
                Some("sms") => " · sent by text message",
                _ => " · recorded, not sent by the system",
            }
        }
        K::Escalated => format!("A clock ran out: escalated to {}", e.detail),
        K::Resolved => format!("Resolved by {}", e.actor),
    }
}

/// What was typed into a form that was refused, with the errors per field.
#[derive(Default)]
pub struct Draft {
    pub contact_person: String,
    pub steps: String,
    pub result: String,
    pub reason: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "letter.html")]
pub struct LetterPage {
    pub practice: String,
    pub website: String,
    pub letter: complaint::Letter,
    pub id: i64,
}

#[derive(Template)]
#[template(path = "feedback.html")]
pub struct FeedbackPage {
    pub location: String,
    pub location_name: String,
    pub form: FeedbackForm,
    pub errors: FieldErrors,
    pub sent: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FeedbackForm {
    pub location: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub message: String,
    /// Left empty by people; filled by bots that fill every field.
    pub website: String,
}

/// Levels in words for the page.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Owner => "With its owner",
        Level::Manager => "Escalated to managers",
        Level::Admin => "Escalated to admins",
    }
}
