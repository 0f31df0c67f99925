//! What a patient does through their private status link (256 random bits,
//! only its hash stored, expiring at the end of the location's day): read
//! where they stand, say "I stepped out" / "I'm back", ask a question,
//! complain, and say whether an answer covered their question. The link
//! sees only its own visit.

use crate::app::complaints::{self, ComplaintInput, ContactInput, Taker};
use crate::app::upset::upset_mark;
use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::secrets::token_hash;
use crate::state::AppState;
use frontdesk_domain::concern::Source;
use frontdesk_domain::quote::Quote;
use frontdesk_domain::timeline::EventKind;
use frontdesk_store::{Actor, Concern, Promise, StoreError, Visit};
use serde_json::json;

/// What a live link leads to.
pub struct Linked {
    pub visit: Visit,
    pub promise: Option<Promise>,
    pub zone: chrono_tz::Tz,
    pub location_name: String,
    /// The patient said they stepped out and has not said they are back.
    pub stepped_out: bool,
    pub concerns: Vec<Concern>,
    /// The patient's place in the live queue, re-quoted now.
    pub live: Option<Quote>,
}

impl Linked {
    /// The name the page greets them by.
    pub fn first_name(&self) -> &str {
        self.visit
            .preferred_name
            .as_deref()
            .unwrap_or(&self.visit.given_name)
    }
}

/// What a link leads to, or `None` for a wrong, expired or malformed link
/// (all the same to the caller: nothing to learn). The read is audited
/// under the link's name.
pub async fn load(state: &AppState, token: &str) -> Result<Option<Linked>, ApiError> {
    load_as(state, token, false).await
}

/// [`load`] for the status page's own poll (`status.json`, every few
/// seconds while it is open): a live refresh, audited at most once a
/// minute per link (per server), as the board's refresh is per session.
pub async fn poll(state: &AppState, token: &str) -> Result<Option<Linked>, ApiError> {
    load_as(state, token, true).await
}

async fn load_as(state: &AppState, token: &str, live: bool) -> Result<Option<Linked>, ApiError> {
    if token.len() < 40 || token.len() > 64 {
        return Ok(None);
    }
    let now = state.now();
    let Some(visit_id) = state
        .store
        .status_link_visit(&token_hash(token), now)
        .await?
    else {
        return Ok(None);
    };
    let audited = !live || state.live_audit_due(&format!("link:{}", token_hash(token)));
    let (visit, timeline) = if audited {
        state
            .store
            .visit(visit_id, &Actor::patient_link(), now)
            .await?
    } else {
        state.store.visit_unaudited(visit_id).await?
    };
    let promise = state.store.visit_promise(visit_id).await?;
    let concerns = state.store.visit_concerns(visit_id).await?;
    let location = state.location(&visit.location).await?;
    let stepped_out = timeline
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::SteppedOut | EventKind::Back))
        .is_some_and(|e| e.kind == EventKind::SteppedOut);
    Ok(Some(Linked {
        visit,
        promise,
        zone: location.zone(),
        location_name: location.name,
        stepped_out,
        concerns,
        live: state.quotes().requote_by_id(&visit_id.to_string(), now),
    }))
}

/// "I stepped out" or "I'm back": on the timeline, and every board told.
pub async fn said(state: &AppState, linked: &Linked, kind: EventKind) -> Result<(), ApiError> {
    let now = state.now();
    state
        .store
        .patient_said(linked.visit.id, kind, &json!({}), now)
        .await?;
    let mut event = LiveEvent::for_visit("patient_update", &linked.visit, now);
    event.extra["what"] = json!(kind);
    state.publish(event);
    Ok(())
}

/// A question from the status page, in the patient's words.
pub async fn ask(state: &AppState, linked: &Linked, text: &str) -> Result<Concern, ApiError> {
    super::concerns::raise_for_patient(
        state,
        &linked.visit,
        text,
        Source::StatusPage,
        &Actor::patient_link(),
    )
    .await
}

/// A complaint from the status page: linked to the visit, with the patient's
/// name as the contact, owned by nobody until a manager assigns it.
pub async fn complain(state: &AppState, linked: &Linked, text: &str) -> Result<(), ApiError> {
    let now = state.now();
    let input = ComplaintInput {
        text: text.to_string(),
        channel: "status_page".into(),
        visit_id: Some(linked.visit.id),
        location: Some(linked.visit.location.clone()),
        contact: Some(ContactInput {
            name: Some(format!(
                "{} {}",
                linked.visit.given_name, linked.visit.family_name
            )),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mark = upset_mark(state, Some(linked.visit.id), text, now);
    complaints::take_marked(
        state,
        Taker::Public("patient-link"),
        &input,
        mark.as_ref().map(|m| m.detail()),
    )
    .await?;
    if let Some(m) = mark {
        m.announce(state, &linked.visit, now);
    }
    Ok(())
}

/// The patient says an answer covered their question, or did not (with an
/// optional note, read for upset). `Ok(false)` when there was nothing to
/// change: already confirmed, or answered again meanwhile.
pub async fn reply(
    state: &AppState,
    linked: &Linked,
    concern_id: i64,
    confirmed: bool,
    note: &str,
) -> Result<bool, ApiError> {
    let now = state.now();
    let note: String = note.trim().chars().take(1000).collect();
    let mark = (!confirmed && !note.is_empty())
        .then(|| upset_mark(state, Some(linked.visit.id), &note, now))
        .flatten();
    let detail = mark.as_ref().map(|m| m.detail());
    match state
        .store
        .respond_to_concern(concern_id, confirmed, &note, detail.as_ref(), now)
        .await
    {
        Ok(c) => {
            let name = if confirmed {
                "concern_confirmed"
            } else {
                "concern_reopened"
            };
            let mut event = LiveEvent::for_visit(name, &linked.visit, now);
            event.extra["concern_id"] = json!(c.id);
            state.publish(event);
            if let Some(m) = mark {
                m.announce(state, &linked.visit, now);
            }
            Ok(true)
        }
        Err(StoreError::Refused(_) | StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
