//! Promises: the wait promise re-quoted before it breaks (by the watcher),
//! and the ledger of everything else staff promise, with a due time
//! suggested from the location's own history and a warning when a promise
//! is bigger than history supports.

use super::caller::Caller;
use super::quotes::{queue_of, reason, wait_promise};
use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::state::AppState;
use crate::text::time;
use frontdesk_domain::promise::{
    DueState, PromiseKind, WaitCheck, big_promise_warning, check_wait, due_state, suggest_due,
};
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{FieldErrors, Timestamp, fields};
use frontdesk_store::{Actor, NewPromise, Promise, StaffUser, StoreError, WatchAlert};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PromiseInput {
    pub kind: String,
    pub visit_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub due_at: Option<String>,
    pub owner: Option<String>,
    pub note: Option<String>,
    pub location: Option<String>,
}

/// A validated promise, ready to record, with its suggestion and any warning.
pub struct Prepared {
    pub promise: NewPromise,
    pub from_priors: bool,
    pub warning: Option<String>,
}

/// Validate and record a promise, with its suggestion and any warning.
/// Shared by the API and the promises page. `once`: the request's retry
/// key, claimed with the promise.
pub async fn record(
    state: &AppState,
    user: &StaffUser,
    input: PromiseInput,
    once: Option<&super::retries::Once>,
) -> Result<(Promise, Prepared), ApiError> {
    let prepared = prepare(state, user, input).await?;
    let actor = Actor::staff(&user.username);
    let promise = match super::retries::claim(once) {
        Some(key) => {
            state
                .store
                .create_promise_once(key, &prepared.promise, &actor, state.now())
                .await?
        }
        None => {
            state
                .store
                .create_promise(&prepared.promise, &actor, state.now())
                .await?
        }
    };
    Ok((promise, prepared))
}

/// Check a promise's fields and work out its suggested due time (from the
/// location's history of that kind) and any "big promise" warning.
pub async fn prepare(
    state: &AppState,
    user: &StaffUser,
    input: PromiseInput,
) -> Result<Prepared, ApiError> {
    let now = state.now();
    let mut errors = FieldErrors::new();
    let kind = match input.kind.trim() {
        "" => {
            errors.add("kind", fields::REQUIRED);
            None
        }
        text => match text.parse::<PromiseKind>() {
            Ok(k) => Some(k),
            Err(_) => {
                errors.add(
                    "kind",
                    "Use seen_by, callback, refill, results, form, referral or other",
                );
                None
            }
        },
    };
    let mut location = input
        .location
        .clone()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| frontdesk_domain::MAIN_LOCATION.into());
    let mut patient_id = input.patient_id;
    let caller = Caller::Staff(user);
    match input.visit_id {
        // Another location's visit is, to them, no visit at all.
        Some(visit_id) => match super::visits::read(state, &caller, visit_id).await {
            Ok((v, _)) => {
                location = v.location.clone();
                patient_id = Some(v.patient_id);
            }
            Err(ApiError::NotFound) => errors.add("visit_id", "No visit with this id"),
            Err(e) => return Err(e),
        },
        // A patient is named through their visit: an id alone could be
        // anyone's, at any location.
        None if patient_id.is_some() => {
            errors.add(
                "patient_id",
                "Give the visit_id instead: a promise finds its patient through the visit",
            );
            patient_id = None;
        }
        None => match state.location(&location).await {
            Ok(l) if caller.may_see(&l.id) => {}
            Ok(_) | Err(StoreError::NotFound) => errors.add("location", "Unknown location"),
            Err(e) => return Err(e.into()),
        },
    }
    let due_at = match input
        .due_at
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(t) if t.with_timezone(&chrono::Utc) > now => Some(t.with_timezone(&chrono::Utc)),
            Ok(_) => {
                errors.add("due_at", "Due time is in the past");
                None
            }
            Err(_) => {
                errors.add(
                    "due_at",
                    "Time not understood; write it like 2026-03-05T16:30:00Z",
                );
                None
            }
        },
    };
    let owner = match input
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        Some(o) => errors.check("owner", fields::username(o)),
        None => None,
    };
    let note = match input.note.as_deref() {
        Some(n) => errors
            .check("note", fields::optional_text(n))
            .flatten()
            .unwrap_or_default(),
        None => String::new(),
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Err(ApiError::InvalidFields(errors));
    };
    let history = state.store.fulfilment_history(&location, kind).await?;
    let quantile = state.quotes().quantile_for(&queue_of(&location, &None));
    let suggestion = suggest_due(kind, &history.minutes, quantile, now);
    let due_at = due_at.unwrap_or(suggestion.suggested_due_at);
    let warning = big_promise_warning(kind, &history.minutes, now, due_at);
    Ok(Prepared {
        promise: NewPromise {
            location,
            visit_id: input.visit_id,
            patient_id,
            kind,
            owner: owner.or_else(|| Some(user.username.clone())),
            note,
            due_at,
            likely_at: None,
            suggested_due_at: Some(suggestion.suggested_due_at),
            reason: String::new(),
        },
        from_priors: suggestion.from_priors,
        warning,
    })
}

/// Mark a promise done: kept when on time, broken when late.
pub async fn fulfil(state: &AppState, id: i64, caller: &Caller<'_>) -> Result<Promise, ApiError> {
    caller.check(&state.store.promise(id).await?.location)?;
    Ok(state
        .store
        .fulfil_promise(id, &caller.actor(), state.now())
        .await?)
}

/// Open promises at a location, of one owner when given (`me`: the reader),
/// audited as a read.
pub async fn open(
    state: &AppState,
    location: &str,
    owner: Option<&str>,
    reader: &StaffUser,
) -> Result<Vec<Promise>, ApiError> {
    Caller::Staff(reader).check(location)?;
    let now = state.now();
    let open = state.store.open_promises(location).await?;
    state
        .store
        .audit(
            &Actor::staff(&reader.username),
            "promises.read",
            &format!("location:{location}"),
            now,
        )
        .await?;
    Ok(open
        .into_iter()
        .filter(|p| match owner {
            None | Some("") => true,
            Some("me") => {
                p.owner.as_deref() == Some(reader.username.as_str())
                    || (p.owner.is_none()
                        && p.kind == PromiseKind::ServiceRecovery
                        && reader.role.receives_escalations())
            }
            Some(o) => p.owner.as_deref() == Some(o),
        })
        .collect())
}

/// The "big promise" warning of a recorded promise, from its own times and
/// the location's history of its kind.
pub async fn warning_for(state: &AppState, id: i64) -> Option<String> {
    let p = state.store.promise(id).await.ok()?;
    let history = state
        .store
        .fulfilment_history(&p.location, p.kind)
        .await
        .ok()?;
    big_promise_warning(p.kind, &history.minutes, p.made_at, p.due_at)
}

/// Remind owners of promises (other than waits) whose reminder time has come:
/// once per promise, on every board, and on the visit's timeline when linked.
async fn remind_owners(state: &AppState, now: Timestamp) -> Result<Vec<LiveEvent>, StoreError> {
    let mut raised = Vec::new();
    for loc in state.store.locations().await? {
        for p in state.store.open_promises(&loc.id).await? {
            if due_state(p.made_at, p.due_at, now) == DueState::Later {
                continue;
            }
            let known = state
                .promise_reminders
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&p.id);
            if known {
                continue;
            }
            let due = time(p.due_at);
            // The reminder with its mark, in one transaction: once per
            // promise whichever server watches; a failed write is tried again.
            let alert = WatchAlert {
                key: format!("promise_reminder:promise:{}", p.id),
                visit_id: p.visit_id,
                kind: EventKind::PromiseReminder,
                detail: json!({"promise_id": p.id, "kind": p.kind, "owner": p.owner, "due_at": due}),
                action: "watch.promise_reminder".into(),
                subject: format!("promise:{}", p.id),
            };
            let first = state.store.raise_once(&alert, now).await?;
            {
                let mut seen = state
                    .promise_reminders
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if seen.len() > 100_000 {
                    seen.clear();
                }
                seen.insert(p.id);
            }
            if !first {
                continue;
            }
            let event = LiveEvent {
                name: "promise_due_soon",
                visit_id: p.visit_id.unwrap_or(0),
                location: p.location.clone(),
                at: now,
                extra: json!({
                    "promise_id": p.id,
                    "kind": p.kind,
                    "owner": p.owner,
                    "due_at": due,
                    "due_local": p.due_at.with_timezone(&loc.zone()).format("%H:%M").to_string(),
                    "overdue": now > p.due_at,
                }),
            };
            state.publish(event.clone());
            raised.push(event);
        }
    }
    Ok(raised)
}

/// Each waiting patient is re-quoted on one tick in this many (a second
/// each, so every 30 s): a thirtieth of the lobby per tick, and every
/// promise that has just broken on the tick it breaks (see
/// [`check_promises_share`]). Promises are rounded to the same few minutes,
/// so "every promise about to fall due" would be most of a big lobby at
/// once: they are re-quoted on their own turn instead.
pub const REQUOTE_PARTS: i64 = 30;

/// Re-quote waiting patients whose promise will likely break, before it does.
/// The old promise stays on record as renegotiated; the patient's page and
/// every staff board hear about it.
pub async fn check_promises(state: &AppState) -> Result<Vec<LiveEvent>, StoreError> {
    check_promises_share(state, 1, 0).await
}

/// [`check_promises`] for the visits whose id is `part` modulo `parts`, and
/// every promise past its due time: the watcher's share of a tick, so
/// a lobby of thousands is re-quoted a slice at a time. The quotes of one
/// queue are worked out together ([`QuoteEngine::requote_queue`]), one queue
/// at a time, so a check-in never waits long for the engine.
///
/// [`QuoteEngine::requote_queue`]: frontdesk_domain::quote::QuoteEngine::requote_queue
pub async fn check_promises_share(
    state: &AppState,
    parts: i64,
    part: i64,
) -> Result<Vec<LiveEvent>, StoreError> {
    let now = state.now();
    let mut raised = remind_owners(state, now).await?;
    let open = state
        .store
        .wait_promises_to_check(parts.max(1), part, now)
        .await?;
    let wanted: std::collections::HashSet<String> = open
        .iter()
        .filter_map(|p| p.visit_id.map(|id| id.to_string()))
        .collect();
    let mut quotes = if wanted.is_empty() {
        std::collections::HashMap::new()
    } else {
        // Tens of milliseconds of arithmetic in a lobby of thousands: on a
        // blocking thread, not on one of the few threads that answer
        // requests, and on a copy of one queue at a time, so the engine is
        // held only while a queue is copied and a check-in never waits for
        // the re-quotes.
        let state = state.clone();
        tokio::task::spawn_blocking(move || {
            let mut quotes = std::collections::HashMap::new();
            let queues = state.quotes().queues();
            for queue in queues {
                let copy = {
                    let engine = state.quotes();
                    if !engine.waits_any(&queue, |id| wanted.contains(id)) {
                        continue;
                    }
                    engine.queue_copy(&queue)
                };
                quotes.extend(copy.requote_queue(&queue, |id| wanted.contains(id), now));
            }
            quotes
        })
        .await
        .map_err(|e| StoreError::Database(format!("re-quoting stopped: {e}")))?
    };
    for p in open {
        let Some(visit_id) = p.visit_id else { continue };
        let Some(q) = quotes.remove(&visit_id.to_string()) else {
            continue;
        };
        let check = check_wait(p.due_at, q.likely_by, now);
        if check == WaitCheck::Holds {
            continue;
        }
        let system = Actor::system();
        let new = NewPromise {
            visit_id: p.visit_id,
            patient_id: p.patient_id,
            ..wait_promise(
                &p.location,
                &q,
                format!("We are running behind, sorry. {}", reason(&q)),
            )
        };
        let replaced = if check == WaitCheck::Renegotiate {
            state.store.renegotiate(p.id, &new, &system, now).await
        } else {
            // Missed: the promise broke. Record it and promise again honestly.
            state
                .store
                .replace_broken_promise(p.id, &new, &system, now)
                .await
        };
        match replaced {
            Ok(new) => raised.push(LiveEvent {
                name: "promise_at_risk",
                visit_id,
                location: p.location.clone(),
                at: now,
                extra: json!({"due_at": time(new.due_at), "was": time(p.due_at)}),
            }),
            // Someone else settled it meanwhile (the patient was seen): fine.
            Err(StoreError::Refused(_) | StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for e in &raised {
        state.publish(e.clone());
    }
    Ok(raised)
}
