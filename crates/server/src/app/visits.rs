//! Checking patients in (walk-ins, today's appointments, the kiosk, "I'm
//! here" on an arrival link: all through [`check_in`]), acknowledging them
//! and moving them through the day.

use super::caller::Caller;
use super::upset::upset_mark;
use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::state::AppState;
use frontdesk_domain::VisitState;
use frontdesk_domain::concern::Source;
use frontdesk_domain::outbox::MessageChannel;
use frontdesk_domain::patient::{Arrival as Typed, ArrivalInput};
use frontdesk_store::{
    Actor, Arrival, CheckIn, Concern, IdempotencyClaim, Location, NewConcern, NewVisit, StoreError,
    Visit,
};
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
    /// "I'm here" on an arrival link (an expected visit only).
    pub by_link: Option<ByArrivalLink>,
    /// The request's retry key, claimed with the check-in (see `retries`).
    pub once: Option<IdempotencyClaim>,
}

/// A check-in by "I'm here" on an arrival link: the link is marked used in
/// the check-in's transaction (refused if used already, another visit's, or
/// not working now), and the status page gets the token derived from the
/// link's, so the arrival link leads to it from then on.
pub struct ByArrivalLink {
    pub link_hash: String,
    pub status_token: String,
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
        super::quotes::draft_wait_promise(state, &location.id, &provider, scheduled_at, now);
    let (status_path, link) = match &arriving.by_link {
        Some(by) => super::links::status_link_with_token(state, location, &by.status_token),
        None => super::links::new_link(state, location),
    };
    let messages = super::outbox::link_messages(
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
        concern: arriving.question.map(|text| NewConcern {
            visit_id: 0,
            text,
            source: Source::Kiosk,
            owner: None,
            upset: upset.as_ref().map(|u| u.detail()),
        }),
        arrival_link: arriving.by_link.map(|by| by.link_hash),
    };
    let checked_in = match &arriving.once {
        Some(key) => {
            state
                .store
                .check_in_once(key, &check_in, actor, now)
                .await?
        }
        None => state.store.check_in(&check_in, actor, now).await?,
    };
    let visit = checked_in.visit;
    super::quotes::arrived(state, &visit, now);
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

/// Check a patient in from what staff or an API client typed: a walk-in, or
/// today's appointment when `appointment_id` is given.
pub async fn check_in_as_asked(
    state: &AppState,
    input: &ArrivalInput,
    caller: &Caller<'_>,
    once: Option<&super::retries::Once>,
) -> Result<CheckedIn, ApiError> {
    let now = state.now();
    let location_id = input
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or(frontdesk_domain::MAIN_LOCATION)
        .to_string();
    // A location they do not work at is, to them, no location at all.
    let location = match state.location(&location_id).await {
        Ok(l) if caller.may_see(&l.id) => Some(l),
        Ok(_) | Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let today = now
        .with_timezone(
            &location
                .as_ref()
                .map(|l| l.zone())
                .unwrap_or(chrono_tz::UTC),
        )
        .date_naive();
    let arrival = Typed::parse(input, today);
    let (arrival, location) = match (arrival, location) {
        (Ok(a), Some(l)) => (a, l),
        (result, location) => {
            let mut errors = result.err().unwrap_or_default();
            if location.is_none() {
                errors.add("location", "Unknown location");
            }
            return Err(errors.into());
        }
    };
    let contacts = super::outbox::contacts_of(&arrival.patient);
    let who = match &arrival.appointment_id {
        Some(appointment) => match state
            .store
            .appointment_visit(&location.id, appointment)
            .await
        {
            Err(StoreError::NotFound) => {
                return Err(ApiError::field(
                    "appointment_id",
                    "No appointment with this id at this location",
                ));
            }
            other => Who::Expected(Box::new(other?)),
        },
        None => Who::WalkIn(NewVisit {
            location: location.id.clone(),
            provider: arrival.provider,
            visit_type: arrival.visit_type,
            patient: arrival.patient,
        }),
    };
    check_in(
        state,
        &location,
        Arriving {
            who,
            contacts,
            question: None,
            by_link: None,
            once: super::retries::claim(once).cloned(),
        },
        &caller.actor(),
    )
    .await
}

/// A named staff member acknowledged the patient: the clock restarts.
pub async fn acknowledge(
    state: &AppState,
    id: i64,
    caller: &Caller<'_>,
) -> Result<Visit, ApiError> {
    let now = state.now();
    caller.check(&state.store.visit_record(id).await?.location)?;
    let actor = caller.actor();
    let visit = state.store.acknowledge(id, &actor, now).await?;
    let mut event = LiveEvent::for_visit("acknowledged", &visit, now);
    event.extra["by"] = json!(actor.as_str());
    state.publish(event);
    Ok(visit)
}

/// Move a visit to the state named `to`. An expected patient marked as
/// arrived gets their wait promise with the move; every board hears of it.
pub async fn transition(
    state: &AppState,
    id: i64,
    to: &str,
    caller: &Caller<'_>,
) -> Result<Visit, ApiError> {
    let to: VisitState = to.trim().parse().map_err(|_| {
        let names: Vec<&str> = VisitState::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::field(
            "to",
            &format!("Unknown state; use one of {}", names.join(", ")),
        )
    })?;
    let now = state.now();
    let before = state.store.visit_record(id).await?;
    caller.check(&before.location)?;
    let actor = &caller.actor();
    // An expected patient marked as arrived from the board: their wait
    // promise is made with the move.
    let arriving = before.state == VisitState::Expected && to == VisitState::Waiting;
    let promise = arriving.then(|| {
        super::quotes::draft_wait_promise(
            state,
            &before.location,
            &before.provider,
            before.scheduled_at,
            now,
        )
    });
    let after = state
        .store
        .transition(id, to, promise.as_ref(), actor, now)
        .await?;
    if arriving {
        super::quotes::arrived(state, &after, now);
    } else {
        super::quotes::moved(state, &after, now);
    }
    let mut event = LiveEvent::for_visit("transitioned", &after, now);
    event.extra["by"] = json!(actor.as_str());
    state.publish(event);
    Ok(after)
}

/// One visit and its timeline, as the caller may read it (audited).
pub async fn read(
    state: &AppState,
    caller: &Caller<'_>,
    id: i64,
) -> Result<(Visit, Vec<frontdesk_store::TimelineEvent>), ApiError> {
    // Where it is, before the audited read: another location's visit is not found.
    caller.check(&state.store.visit_record(id).await?.location)?;
    Ok(state.store.visit(id, &caller.actor(), state.now()).await?)
}

/// Open wait promises at a location, by visit id.
pub async fn open_waits_by_visit(
    state: &AppState,
    location: &str,
) -> Result<std::collections::HashMap<i64, frontdesk_store::Promise>, ApiError> {
    Ok(state
        .store
        .open_wait_promises_at(location)
        .await?
        .into_iter()
        .filter_map(|p| p.visit_id.map(|id| (id, p)))
        .collect())
}

/// Make and record a new private status link for a visit ("Make a patient
/// link"); returns its path, shown once.
pub async fn issue_link(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
) -> Result<String, ApiError> {
    let location = state.location(&visit.location).await?;
    let (path, link) = super::links::new_link(state, &location);
    state
        .store
        .create_status_link(visit.id, &link, state.now())
        .await?;
    state
        .store
        .audit(
            actor,
            "status_link.create",
            &format!("visit:{}", visit.id),
            state.now(),
        )
        .await?;
    Ok(path)
}
