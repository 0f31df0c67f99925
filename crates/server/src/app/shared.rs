//! Servers sharing one PostgreSQL database hear each other. Every live
//! event, every arrival and move for the quote engine, and every "drop your
//! cached sessions/locations" is sent on the database's channel (`NOTIFY`,
//! after the change committed, in the order this server made them) and
//! every server listens (`LISTEN`, on a connection of its own, made again
//! when lost): each feeds what it hears from the others into its own event
//! streams, quote engine and caches (and remembers the alerts given at most
//! once a while), and ignores what it sent itself (it acted on that already). On SQLite there is one server and none of this
//! runs.

use crate::live::{Envelope, LiveEvent, Shared};
use crate::state::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Messages sent in one statement at most.
const BATCH: usize = 100;

/// Start sending and listening; returns once this server listens (so what
/// the others send from then on reaches it). Nothing on SQLite.
pub async fn start(state: &AppState) -> Vec<JoinHandle<()>> {
    let Some(shared) = state.store.shared() else {
        return Vec::new();
    };
    let mut tasks = Vec::new();
    let queue = state
        .outgoing_queue
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(queue) = queue {
        tasks.push(tokio::spawn(send(state.clone(), queue)));
    }
    let first = match shared.listen().await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::error!(error = %e, "cannot listen to the shared channel; trying again");
            None
        }
    };
    tasks.push(tokio::spawn(listen(state.clone(), first)));
    tasks
}

async fn send(state: AppState, mut queue: tokio::sync::mpsc::Receiver<String>) {
    let Some(shared) = state.store.shared() else {
        return;
    };
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        // A database that is down for a moment: try a few times, then let go
        // (boards catch up on their timer refresh).
        for attempt in 0..3 {
            match shared.notify(&batch).await {
                Ok(()) => break,
                Err(e) if attempt == 2 => {
                    tracing::error!(error = %e, dropped = batch.len(), "messages to the other servers lost")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "sending to the other servers failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        batch.clear();
    }
}

async fn listen(
    state: AppState,
    mut heard: Option<Box<dyn frontdesk_store::shared::Notifications>>,
) {
    let Some(shared) = state.store.shared() else {
        return;
    };
    loop {
        let mut notifications = match heard.take() {
            Some(n) => n,
            None => match shared.listen().await {
                Ok(n) => {
                    tracing::info!("listening to the shared channel again");
                    // Whatever was sent meanwhile is lost: read afresh.
                    forget_cached(&state).await;
                    n
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen to the shared channel; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        loop {
            match notifications.next().await {
                Ok(Some(text)) => receive(&state, &text).await,
                Ok(None) => {
                    tracing::warn!("shared channel lost and listened to again");
                    forget_cached(&state).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "shared channel failed");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Act on one message from the shared channel.
pub async fn receive(state: &AppState, text: &str) {
    let envelope: Envelope = match serde_json::from_str(text) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable message on the shared channel");
            return;
        }
    };
    if envelope.origin == state.origin {
        return;
    }
    match &envelope.message {
        Shared::Event { .. } => {
            if let Some(event) = LiveEvent::from_shared(&envelope.message) {
                remember(state, &event);
                // Only to this server's streams: it came from another server.
                let _ = state.events.send(event);
            }
        }
        Shared::Quote(note) => super::quotes::apply(state, note),
        Shared::Sessions => state.forget_sessions_here(),
        Shared::Locations => {
            state.forget_locations();
            refresh_quantiles(state).await;
        }
    }
}

/// Alerts given at most once a while (an upset patient once an hour, a busy
/// kiosk once a minute) count wherever they were given: a patient's next
/// message may reach another server.
fn remember(state: &AppState, event: &LiveEvent) {
    match event.name {
        "upset" => {
            state
                .upset_alerts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(event.visit_id, event.at);
        }
        "kiosk_busy" => {
            if let Some(kiosk) = event.extra["kiosk_id"].as_i64() {
                state
                    .kiosk_told
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(kiosk, event.at);
            }
        }
        _ => {}
    }
}

/// After a gap in the channel: drop every cached session and location, and
/// build the quote engine again from the database (arrivals and moves sent
/// meanwhile were missed).
async fn forget_cached(state: &AppState) {
    state.forget_sessions_here();
    state.forget_locations();
    if let Err(e) = super::quotes::warm_up(state).await {
        tracing::warn!(error = %e, "quote engine not rebuilt after a gap in the shared channel");
        refresh_quantiles(state).await;
    }
}

/// The quote engine's per-location quantiles, as the locations say now.
async fn refresh_quantiles(state: &AppState) {
    match state.store.locations().await {
        Ok(locations) => {
            let mut engine = state.quotes_mut();
            for loc in locations {
                engine.set_location_quantile(&loc.id, loc.quote_quantile());
            }
        }
        Err(e) => tracing::warn!(error = %e, "locations not read after a change elsewhere"),
    }
}
