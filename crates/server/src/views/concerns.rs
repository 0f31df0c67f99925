//! A patient's questions as the API sends them and as the visit page shows
//! them, with the tone coach's flags on a held answer.

use crate::text::time;
use frontdesk_domain::Timestamp;
use frontdesk_domain::concern::minutes_to_first_answer;
use frontdesk_store::Concern;
use frontdesk_tone::ReplyCheck;
use serde::Serialize;

/// A concern in the API.
#[derive(Serialize)]
pub struct ConcernJson {
    pub id: i64,
    pub visit_id: i64,
    pub text: String,
    pub source: &'static str,
    pub raised_by: String,
    pub raised_at: String,
    pub owner: Option<String>,
    pub status: &'static str,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub first_answered_at: Option<String>,
    pub minutes_to_first_answer: Option<f64>,
    pub sent_despite_tone_flags: Vec<String>,
    pub patient_note: Option<String>,
    pub promise_id: Option<i64>,
}

impl ConcernJson {
    pub fn of(c: &Concern) -> ConcernJson {
        ConcernJson {
            id: c.id,
            visit_id: c.visit_id,
            text: c.text.clone(),
            source: c.source.as_str(),
            raised_by: c.raised_by.clone(),
            raised_at: time(c.raised_at),
            owner: c.owner.clone(),
            status: c.status.as_str(),
            answer: c.answer.clone(),
            answered_by: c.answered_by.clone(),
            answered_at: c.answered_at.map(time),
            first_answered_at: c.first_answered_at.map(time),
            minutes_to_first_answer: c
                .first_answered_at
                .map(|t| minutes_to_first_answer(c.raised_at, t)),
            sent_despite_tone_flags: c
                .tone_flags
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
            patient_note: c.patient_note.clone(),
            promise_id: c.promise_id,
        }
    }

    pub fn list(list: &[Concern]) -> Vec<ConcernJson> {
        list.iter().map(ConcernJson::of).collect()
    }
}

/// One concern as the visit page shows it.
pub struct ConcernView {
    pub id: i64,
    pub text: String,
    pub source: &'static str,
    pub raised: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub needs_answer: bool,
    pub can_answer: bool,
    pub answer: String,
    pub answered_by: String,
    pub owner: String,
    pub patient_note: String,
    pub sent_anyway: String,
    /// A held draft answer and the coach's flags on it.
    pub draft: String,
    pub flags: Vec<FlagView>,
}

/// One of the tone coach's flags on a held reply, quoting the words it read.
pub struct FlagView {
    pub kind: String,
    pub quote: String,
    pub why: String,
    pub suggestion: String,
}

pub fn flag_views(text: &str, check: &ReplyCheck) -> Vec<FlagView> {
    check
        .flags
        .iter()
        .map(|f| FlagView {
            kind: f.kind.as_str().replace('_', " "),
            quote: text
                .chars()
                .skip(f.start)
                .take(f.end.saturating_sub(f.start))
                .collect(),
            why: f.why.to_string(),
            suggestion: f.suggestion.to_string(),
        })
        .collect()
}

/// An answer held by the tone coach: the concern, the words, the coach's reading.
pub type HeldAnswer = (i64, String, ReplyCheck);

impl ConcernView {
    pub fn of(c: &Concern, zone: chrono_tz::Tz, held: Option<&HeldAnswer>) -> ConcernView {
        let local = |t: Timestamp| t.with_timezone(&zone).format("%H:%M").to_string();
        let (draft, flags) = match held {
            Some((id, text, check)) if *id == c.id => (text.clone(), flag_views(text, check)),
            _ => (String::new(), Vec::new()),
        };
        ConcernView {
            id: c.id,
            text: c.text.clone(),
            source: c.source.label(),
            raised: local(c.raised_at),
            status: c.status.as_str(),
            status_label: c.status.label(),
            needs_answer: c.status.needs_answer(),
            can_answer: c.status.can_answer().is_ok(),
            answer: c.answer.clone().unwrap_or_default(),
            answered_by: c
                .answered_by
                .clone()
                .map(|b| format!("{b} at {}", c.answered_at.map(local).unwrap_or_default()))
                .unwrap_or_default(),
            owner: c.owner.clone().unwrap_or_else(|| "not assigned".into()),
            patient_note: c.patient_note.clone().unwrap_or_default(),
            sent_anyway: c.tone_flags.replace('_', " ").replace(',', ", "),
            draft,
            flags,
        }
    }
}
