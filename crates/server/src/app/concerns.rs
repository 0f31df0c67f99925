//! Concerns: a patient's questions, in their own words, tracked until the
//! patient confirms the answer. Every staff answer passes through the tone
//! coach first: a flagged answer is held unless staff send it anyway, and
//! sending anyway is recorded with the flags.

use super::caller::Caller;
use super::tone::Gate;
use crate::app::promises::{self, Prepared, PromiseInput};
use crate::app::upset::upset_mark;
use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::state::AppState;
use frontdesk_domain::concern::{self, Source};
use frontdesk_domain::promise::PromiseKind;
use frontdesk_domain::{FieldErrors, Timestamp, fields};
use frontdesk_store::{Actor, Concern, ConcernAnswer, NewConcern, Promise, StaffUser, Visit};
use frontdesk_tone::ReplyCheck;
use serde_json::json;

/// Raise a concern on a visit for a patient, by staff or an API client:
/// validated, recorded with its timeline event, and announced to every
/// board. `once`: the request's retry key, claimed with the concern.
pub async fn raise(
    state: &AppState,
    visit_id: i64,
    text: &str,
    source: Source,
    owner: Option<&str>,
    caller: &Caller<'_>,
    once: Option<&super::retries::Once>,
) -> Result<Concern, ApiError> {
    let mut errors = FieldErrors::new();
    let text = errors.check("text", concern::words(text));
    let owner = match owner.map(str::trim).filter(|o| !o.is_empty()) {
        Some(o) => errors.check("owner", fields::username(o)),
        None => None,
    };
    let Some(text) = text.filter(|_| errors.is_empty()) else {
        return Err(ApiError::InvalidFields(errors));
    };
    caller.check(&state.store.visit_record(visit_id).await?.location)?;
    let now = state.now();
    let new = NewConcern {
        visit_id,
        text,
        source,
        owner,
        upset: None,
    };
    let actor = caller.actor();
    let concern = match super::retries::claim(once) {
        Some(key) => {
            state
                .store
                .raise_concern_once(key, &new, &actor, now)
                .await?
        }
        None => state.store.raise_concern(&new, &actor, now).await?,
    };
    raised(state, &concern, now);
    Ok(concern)
}

/// A question in the patient's own words (at the kiosk, on their status
/// page): recorded with an upset mark when it reads upset, in one
/// transaction, and every board told.
pub async fn raise_for_patient(
    state: &AppState,
    visit: &Visit,
    text: &str,
    source: Source,
    actor: &Actor,
) -> Result<Concern, ApiError> {
    let now = state.now();
    let text = concern::words(text).map_err(|m| ApiError::field("text", m))?;
    let mark = upset_mark(state, Some(visit.id), &text, now);
    let new = NewConcern {
        visit_id: visit.id,
        text,
        source,
        owner: None,
        upset: mark.as_ref().map(|m| m.detail()),
    };
    let concern = state.store.raise_concern(&new, actor, now).await?;
    raised(state, &concern, now);
    if let Some(m) = mark {
        m.announce(state, visit, now);
    }
    Ok(concern)
}

/// Every board hears of a new concern.
pub fn raised(state: &AppState, concern: &Concern, now: Timestamp) {
    state.publish(LiveEvent {
        name: "concern_raised",
        visit_id: concern.visit_id,
        location: concern.location.clone(),
        at: now,
        extra: json!({"concern_id": concern.id}),
    });
}

/// What happened to an answer.
pub enum Answered {
    /// Recorded; the patient is asked to confirm it.
    Sent(Box<Concern>, ReplyCheck),
    /// The coach flagged it and staff have not chosen to send it anyway.
    Held(ReplyCheck),
}

/// Check an answer with the tone coach and record it, unless `hold_if_flagged`
/// and the coach says revise. An empty answer is refused field by field.
pub async fn answer(
    state: &AppState,
    id: i64,
    text: &str,
    hold_if_flagged: bool,
    caller: &Caller<'_>,
) -> Result<Answered, ApiError> {
    let before = state.store.concern(id).await?;
    caller.check(&before.location)?;
    let text = concern::answer_text(text).map_err(|m| ApiError::field("text", m))?;
    let (check, flags) = match super::tone::gate(&text, hold_if_flagged) {
        Gate::Held(check) => {
            let about = json!({"concern_id": id});
            let by = caller.actor();
            super::tone::record_held(state, Some(before.visit_id), about, by.as_str(), &check)
                .await;
            return Ok(Answered::Held(check));
        }
        Gate::Send(check, flags) => (check, flags),
    };
    let now = state.now();
    let concern = state
        .store
        .answer_concern(
            id,
            &ConcernAnswer {
                text,
                sent_anyway_flags: flags,
            },
            &caller.actor(),
            now,
        )
        .await?;
    state.publish(LiveEvent {
        name: "concern_answered",
        visit_id: concern.visit_id,
        location: concern.location.clone(),
        at: now,
        extra: json!({"concern_id": concern.id}),
    });
    Ok(Answered::Sent(Box::new(concern), check))
}

/// Turn a concern into a follow-up promise (kind and due time as for any
/// promise: the due time is suggested from history when not given).
pub async fn follow_up(
    state: &AppState,
    user: &StaffUser,
    id: i64,
    mut input: PromiseInput,
) -> Result<(Concern, Promise, Prepared), ApiError> {
    let c = state.store.concern(id).await?;
    Caller::Staff(user).check(&c.location)?;
    c.status
        .can_follow_up()
        .map_err(|e| ApiError::InvalidTransition(e.to_string()))?;
    if input.kind.trim().is_empty() {
        input.kind = "callback".into();
    }
    if input.kind.trim() == PromiseKind::SeenBy.as_str() {
        return Err(ApiError::field(
            "kind",
            "Use callback, refill, results, form, referral or other",
        ));
    }
    input.visit_id = Some(c.visit_id);
    input.patient_id = None;
    if input.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        input.note = Some(c.text.chars().take(100).collect());
    }
    let prepared = promises::prepare(state, user, input).await?;
    let (concern, promise) = state
        .store
        .follow_up_concern(
            id,
            &prepared.promise,
            &Actor::staff(&user.username),
            state.now(),
        )
        .await?;
    Ok((concern, promise, prepared))
}

/// How quickly the listed concerns got a first answer (the rule is the
/// domain's: [`concern::time_to_first_answer`]).
pub fn time_to_first_answer(list: &[Concern]) -> concern::TimeToFirstAnswer {
    concern::time_to_first_answer(
        list.iter()
            .filter_map(|c| {
                c.first_answered_at
                    .map(|t| concern::minutes_to_first_answer(c.raised_at, t))
            })
            .collect(),
    )
}
