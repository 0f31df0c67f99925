//! Checking patients in (walk-ins, today's appointments, the kiosk: all
//! through [`check_in`]), acknowledging them and moving them through the day.

use crate::AppState;
use crate::error::ApiError;
use crate::events::LiveEvent;
use frontdesk_domain::Timestamp;
use frontdesk_domain::concern::Source;
use frontdesk_domain::outbox::MessageChannel;
use frontdesk_domain::timeline::EventKind;
use frontdesk_store::{Actor, Arrival, CheckIn, Concern, Location, NewVisit, Visit};
use serde_json::json;

/// Who is arriving.
pub enum Who {
    /// Someone not on today's schedule.
    WalkIn(NewVisit),
    /// A visit the schedule expects (found by its appointment, or matched at
    /// the kiosk).
    Expected(Box<Visit>),
}

/// A check-in as asked for, already validated.
pub struct Arriving {
    pub who: Who,
    /// Where to send the status link (e-mail, mobile), as the patient gave them.
    pub contacts: Vec<(MessageChannel, String)>,
    /// The patient's question at the kiosk, in their words.
    pub question: Option<String>,
}

/// A patient checked in, with the path of their private status page.
pub struct CheckedIn {
    pub visit: Visit,
    /// `/s/TOKEN`: shown only now.
    pub status_path: String,
    /// The status link's messages, queued with the check-in: (channel, address).
    pub sent_to: Vec<(MessageChannel, String)>,
    /// The question asked at check-in, as recorded.
    pub concern: Option<Concern>,
}

/// Check a patient in: the visit, their wait promise, their private status
/// link, the link by e-mail or text, and their question (with an upset
/// mark when it reads upset), all in one transaction. Then the quote engine
/// counts them and every board hears of it.
pub async fn check_in(
    state: &AppState,
    location: &Location,
    arriving: Arriving,
    actor: &Actor,
) -> Result<CheckedIn, ApiError> {
    let now = state.now();
    let (arrival, provider, scheduled_at, first_name, known_visit) = match arriving.who {
        Who::WalkIn(v) => {
            let first = v
                .patient
                .preferred_name
                .as_ref()
                .unwrap_or(&v.patient.given_name)
                .clone();
            let provider = v.provider.clone();
            (Arrival::WalkIn(v), provider, None, first, None)
        }
        Who::Expected(v) => (
            Arrival::Expected { visit_id: v.id },
            v.provider.clone(),
            v.scheduled_at,
            v.preferred_name.as_ref().unwrap_or(&v.given_name).clone(),
            Some(v.id),
        ),
    };
    let promise =
        crate::promises::draft_wait_promise(state, &location.id, &provider, scheduled_at, now);
    let (status_path, link) = crate::status::new_link(state, location);
    let messages = crate::outbox::link_messages(
        state,
        location,
        &first_name,
        &status_path,
        &arriving.contacts,
    );
    let upset = arriving
        .question
        .as_deref()
        .and_then(|text| upset_mark(state, known_visit, text, now));
    let check_in = CheckIn {
        arrival,
        promise: Some(promise),
        status_link: Some(link),
        messages: messages.clone(),
        concern: arriving.question.map(|text| (text, Source::Kiosk)),
        upset: upset.as_ref().map(|u| u.detail()),
    };
    let checked_in = state.store.check_in(&check_in, actor, now).await?;
    let visit = checked_in.visit;
    crate::promises::arrived(state, &visit, now);
    state.publish(LiveEvent::for_visit("arrived", &visit, now));
    if let Some(c) = &checked_in.concern {
        state.publish(LiveEvent {
            name: "concern_raised",
            visit_id: visit.id,
            location: c.location.clone(),
            at: now,
            extra: json!({"concern_id": c.id}),
        });
    }
    if let Some(u) = upset {
        u.announce(state, &visit, now);
    }
    for m in &messages {
        tracing::info!(
            visit_id = visit.id,
            channel = m.channel.as_str(),
            "status link queued"
        );
    }
    Ok(CheckedIn {
        visit,
        status_path,
        sent_to: messages
            .into_iter()
            .map(|m| (m.channel, m.recipient))
            .collect(),
        concern: checked_in.concern,
    })
}

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
    let check = frontdesk_domain::tone::check_incoming(text);
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

/// An upset message from a patient already here (their status page): on
/// the timeline, and every board told when due.
pub async fn flag_if_upset(state: &AppState, visit: &Visit, text: &str) -> Result<(), ApiError> {
    let now = state.now();
    let Some(mark) = upset_mark(state, Some(visit.id), text, now) else {
        return Ok(());
    };
    state
        .store
        .record_event(visit.id, EventKind::Upset, &mark.detail(), now)
        .await?;
    mark.announce(state, visit, now);
    Ok(())
}
