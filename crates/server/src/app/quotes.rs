//! The live quote engine, fed with every arrival and move, and the wait
//! promise it gives a patient arriving now. Every server warms its engine up
//! on the last two weeks of visits when it starts; after that, servers
//! sharing a PostgreSQL database tell each other's engines every arrival and
//! move (see `app::shared`).

use crate::live::{QuoteNote, Shared};
use crate::state::AppState;
use frontdesk_domain::promise::PromiseKind;
use frontdesk_domain::quote::{Arrival, QueueKey, Quote};
use frontdesk_domain::{Timestamp, VisitState};
use frontdesk_store::{NewPromise, StoreError, Visit};

pub fn queue_of(location: &str, provider: &Option<String>) -> QueueKey {
    QueueKey {
        location: location.to_string(),
        provider: provider.clone(),
    }
}

/// Words for the patient about where a quote comes from.
pub fn reason(q: &Quote) -> String {
    if q.cold_start {
        "Based on typical visit lengths; we are still learning this clinic's pace.".into()
    } else if q.ahead == 0 {
        "You are next.".into()
    } else if q.ahead == 1 {
        "There is 1 patient ahead of you.".into()
    } else {
        format!("There are {} patients ahead of you.", q.ahead)
    }
}

/// The wait promise for a patient arriving now (not yet recorded).
pub fn draft_wait_promise(
    state: &AppState,
    location: &str,
    provider: &Option<String>,
    scheduled_at: Option<Timestamp>,
    now: Timestamp,
) -> NewPromise {
    let q = state
        .quotes()
        .quote(&queue_of(location, provider), None, scheduled_at, now);
    wait_promise(location, &q, reason(&q))
}

/// A `seen_by` promise at a quote's time, with the likely time it shows as
/// the start of the range.
pub fn wait_promise(location: &str, q: &Quote, reason: String) -> NewPromise {
    NewPromise {
        location: location.to_string(),
        visit_id: None,
        patient_id: None,
        kind: PromiseKind::SeenBy,
        owner: None,
        note: String::new(),
        due_at: q.promised_by,
        likely_at: Some(q.likely_by),
        suggested_due_at: Some(q.promised_by),
        reason,
    }
}

/// What the engine is told of an arrival: its appointment time and visit
/// type (patients of one type are calibrated on their own once there are
/// enough), as the backtest tells it. The clinic does not triage.
fn arrival_of(visit: &Visit) -> Arrival<'_> {
    Arrival {
        priority: None,
        scheduled_at: visit.scheduled_at,
        visit_type: visit.visit_type.as_deref(),
    }
}

/// What every server's engine is told of an arrival (`arrived`) or a move.
pub fn note_of(visit: &Visit, arrived: bool, now: Timestamp) -> QuoteNote {
    QuoteNote {
        arrived,
        visit_id: visit.id,
        location: visit.location.clone(),
        provider: visit.provider.clone(),
        scheduled_at: visit.scheduled_at.map(|t| t.timestamp_millis()),
        visit_type: visit.visit_type.clone(),
        state: visit.state.as_str().to_string(),
        at: now.timestamp_millis(),
    }
}

/// Count a checked-in patient as waiting in the engine, here and (through
/// the shared channel) on every server sharing the database.
pub fn arrived(state: &AppState, visit: &Visit, now: Timestamp) {
    let note = note_of(visit, true, now);
    apply(state, &note);
    state.share(Shared::Quote(note));
}

/// Tell the engine about a move (seen by the provider, or gone), here and
/// on every server sharing the database.
pub fn moved(state: &AppState, visit: &Visit, now: Timestamp) {
    let note = note_of(visit, false, now);
    apply(state, &note);
    state.share(Shared::Quote(note));
}

/// Feed this server's engine one arrival or move, its own or another
/// server's: every engine hears the same things at the same times, so
/// every server quotes a patient alike.
pub fn apply(state: &AppState, note: &QuoteNote) {
    let Some(at) = chrono::DateTime::from_timestamp_millis(note.at) else {
        return;
    };
    let id = note.visit_id.to_string();
    let queue = queue_of(&note.location, &note.provider);
    let mut engine = state.quotes_mut();
    if note.arrived {
        if engine.requote_by_id(&id, at).is_some() {
            // Known already: read from the database when the engine was
            // rebuilt after a gap, and heard again.
            return;
        }
        let arrival = Arrival {
            priority: None,
            scheduled_at: note
                .scheduled_at
                .and_then(chrono::DateTime::from_timestamp_millis),
            visit_type: note.visit_type.as_deref(),
        };
        engine.arrive_with(&id, &queue, &arrival, at);
        return;
    }
    match note.state.parse::<VisitState>() {
        Ok(VisitState::WithProvider) => engine.seen(&id, &queue, at),
        Ok(s) if s.is_final() || s == VisitState::Checkout => engine.forget(&id),
        _ => {}
    }
}

/// Warm the engine up on the last two weeks of visits, so the first quotes
/// after a restart use the site's own history. The engine is built afresh
/// and then replaces the one in use: a server that may have missed other
/// servers' arrivals and moves (its shared channel was lost) calls this to
/// see what the database says.
pub async fn warm_up(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    let mut engine = state.new_quote_engine();
    for loc in state.store.locations().await? {
        engine.set_location_quantile(&loc.id, loc.quote_quantile());
    }
    let visits = state
        .store
        .visits_since(now - chrono::Duration::days(14))
        .await?;
    let mut events: Vec<(Timestamp, u8, &Visit)> = Vec::new();
    for v in &visits {
        let Some(arrived_at) = v.arrived_at else {
            continue;
        };
        events.push((arrived_at, 0, v));
        if let Some(seen) = v.seen_at {
            events.push((seen, 1, v));
        } else if v.state.is_final() {
            events.push((v.state_changed_at, 2, v));
        }
    }
    events.sort_by_key(|(t, kind, v)| (*t, *kind, v.id));
    for (t, kind, v) in &events {
        if *t > now {
            continue;
        }
        let id = v.id.to_string();
        let queue = queue_of(&v.location, &v.provider);
        match kind {
            0 => {
                engine.arrive_with(&id, &queue, &arrival_of(v), *t);
            }
            1 => engine.seen(&id, &queue, *t),
            _ => engine.left(&id, &queue),
        }
    }
    *state.quotes_mut() = engine;
    Ok(visits.len())
}
