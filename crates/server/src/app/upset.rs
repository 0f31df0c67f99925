//! Patients' words that read upset (the tone coach's incoming check): an
//! `upset` entry on the visit's timeline, written with the words, and every
//! board (and so the managers) alerted, at most once an hour per patient.

use crate::live::LiveEvent;
use crate::state::AppState;
use frontdesk_domain::Timestamp;
use frontdesk_store::Visit;
use serde_json::json;

/// A message from a patient that reads upset: why, and whether every board
/// is to be alerted (at most once an hour per patient).
pub struct UpsetMark {
    pub why: Vec<String>,
    pub alert: bool,
}

impl UpsetMark {
    /// The `upset` timeline entry's detail.
    pub fn detail(&self) -> serde_json::Value {
        json!({"why": self.why, "alerted": self.alert})
    }

    /// Alert every board (and so the managers), when due.
    pub fn announce(&self, state: &AppState, visit: &Visit, now: Timestamp) {
        if !self.alert {
            return;
        }
        state
            .upset_alerts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(visit.id, now);
        let mut event = LiveEvent::for_visit("upset", visit, now);
        event.extra["name"] = json!(visit.public_name());
        event.extra["why"] = json!(self.why);
        state.publish(event);
    }
}

/// How the tone coach reads a patient's words: `None` when they are not upset.
pub fn upset_mark(
    state: &AppState,
    visit_id: Option<i64>,
    text: &str,
    now: Timestamp,
) -> Option<UpsetMark> {
    let check = frontdesk_tone::check_incoming(text);
    if !check.upset {
        return None;
    }
    let mut last = state.upset_alerts.lock().unwrap_or_else(|p| p.into_inner());
    if last.len() > 10_000 {
        last.clear();
    }
    let alert = visit_id
        .and_then(|id| last.get(&id))
        .is_none_or(|t| now - *t >= chrono::Duration::hours(1));
    Some(UpsetMark {
        why: check.why.iter().map(|w| w.to_string()).collect(),
        alert,
    })
}
