//! Live updates: every change is broadcast to open event streams
//! (`GET /api/v1/events`, server-sent events), and a watcher evaluates every
//! running acknowledgement clock on the server and raises `ack_overdue` and
//! `ack_escalated` alerts.

use crate::AppState;
use crate::auth::Staff;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{AckStatus, Timestamp};
use frontdesk_store::Visit;
use futures_util::stream::Stream;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::convert::Infallible;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// One thing that happened, as sent on the event stream.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// `arrived`, `acknowledged`, `transitioned`, `ack_overdue`, `ack_escalated`.
    pub name: &'static str,
    pub visit_id: i64,
    pub location: String,
    pub at: Timestamp,
    /// Extra fields merged into the JSON payload.
    pub extra: Value,
}

impl LiveEvent {
    pub fn for_visit(name: &'static str, visit: &Visit, at: Timestamp) -> LiveEvent {
        LiveEvent {
            name,
            visit_id: visit.id,
            location: visit.location.clone(),
            at,
            extra: json!({"state": visit.state.as_str()}),
        }
    }

    pub fn data(&self) -> Value {
        let mut data = json!({
            "visit_id": self.visit_id,
            "location": self.location,
            "at": crate::api::time(self.at),
        });
        if let (Some(map), Some(extra)) = (data.as_object_mut(), self.extra.as_object()) {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        data
    }
}

/// `GET /api/v1/events`: a `text/event-stream` of [`LiveEvent`]s for signed-in staff.
pub async fn stream(
    State(state): State<AppState>,
    staff: Staff,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.events.subscribe();
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("{}")));
    let events = BroadcastStream::new(receiver).filter_map(|item| match item {
        Ok(e) => Some(Ok(Event::default()
            .event(e.name)
            .data(e.data().to_string()))),
        // A slow reader that fell behind just misses events; the page
        // refreshes its rows on the next one.
        Err(_) => None,
    });
    // The stream ends when its session does (sign-out, idle logoff, a
    // disabled account) and when the server shuts down, so an open board
    // neither outlives its login nor holds the server up.
    let mut shutdown = state.shutdown.subscribe();
    let end = async move {
        let session_over = async {
            loop {
                tokio::time::sleep(state.config.stream_recheck).await;
                let now = state.now();
                let live = state
                    .store
                    .live_session(&staff.token_hash, now, now - state.config.idle_timeout)
                    .await;
                if !matches!(live, Ok(Some(_))) {
                    break;
                }
            }
        };
        tokio::select! {
            _ = session_over => {},
            _ = shutdown.wait_for(|down| *down) => {},
        }
    };
    let stream = futures_util::StreamExt::take_until(hello.chain(events), Box::pin(end));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// What the watcher last said about a running clock, so each alert is raised once.
#[derive(Default)]
pub struct ClockWatch {
    seen: HashMap<i64, (Timestamp, AckStatus)>,
    /// Whether alerts already on the timelines (before a restart) were read.
    primed: bool,
}

/// Evaluate every running clock once and raise the alerts that are due.
/// The server calls this every tick; tests call it directly.
pub async fn check_clocks(state: &AppState) -> Result<Vec<LiveEvent>, frontdesk_store::StoreError> {
    let now = state.now();
    let visits = state.store.running_clocks().await?;
    let primed = state
        .clock_watch
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .primed;
    let earlier_alerts = if primed {
        Vec::new()
    } else {
        state.store.running_alerts().await?
    };
    let mut policies = HashMap::new();
    let mut raised = Vec::new();
    let mut updates = Vec::new();
    for v in &visits {
        if !policies.contains_key(&v.location) {
            let policy = state.ack_policy(&v.location).await?;
            policies.insert(v.location.clone(), policy);
        }
        let Some(clock) = policies[&v.location].clock(v.ack_facts(), now) else {
            continue;
        };
        updates.push((v, clock));
    }
    {
        let mut watch = state.clock_watch.lock().unwrap_or_else(|p| p.into_inner());
        if !watch.primed {
            // After a restart: alerts already raised for the current clock are not raised again.
            for (v, clock) in &updates {
                let raised_since = |kind: EventKind| {
                    earlier_alerts
                        .iter()
                        .any(|(id, k, at)| *id == v.id && *k == kind && *at >= clock.started_at)
                };
                let status = if raised_since(EventKind::AckEscalated) {
                    Some(AckStatus::Escalated)
                } else if raised_since(EventKind::AckOverdue) {
                    Some(AckStatus::Overdue)
                } else {
                    None
                };
                if let Some(status) = status {
                    watch.seen.insert(v.id, (clock.started_at, status));
                }
            }
            watch.primed = true;
        }
        let running: std::collections::HashSet<i64> = visits.iter().map(|v| v.id).collect();
        watch.seen.retain(|id, _| running.contains(id));
        for (v, clock) in updates {
            let previous = watch
                .seen
                .get(&v.id)
                .filter(|(started, _)| *started == clock.started_at)
                .map(|(_, s)| *s);
            let mut alert = |name: &'static str, since: Timestamp| {
                let minutes = (now - clock.due_at).num_minutes().max(0);
                raised.push(LiveEvent {
                    name,
                    visit_id: v.id,
                    location: v.location.clone(),
                    at: since,
                    extra: json!({
                        "state": v.state.as_str(),
                        "name": v.public_name(),
                        "overdue_minutes": minutes,
                        "ack_status": clock.status.as_str(),
                    }),
                });
            };
            if clock.status >= AckStatus::Overdue && previous.is_none_or(|p| p < AckStatus::Overdue)
            {
                alert("ack_overdue", clock.due_at);
            }
            if clock.status == AckStatus::Escalated
                && previous.is_none_or(|p| p < AckStatus::Escalated)
            {
                alert("ack_escalated", clock.escalates_at);
            }
            watch.seen.insert(v.id, (clock.started_at, clock.status));
        }
    }
    for e in &raised {
        let detail = json!({"since": crate::api::time(e.at)});
        let kind = if e.name == "ack_escalated" {
            EventKind::AckEscalated
        } else {
            EventKind::AckOverdue
        };
        state
            .store
            .record_event(e.visit_id, kind, &detail, now)
            .await?;
        if e.name == "ack_escalated" {
            tracing::warn!(
                visit_id = e.visit_id,
                "acknowledgement escalated to managers"
            );
        }
        state.publish(e.clone());
    }
    Ok(raised)
}

/// Run [`check_clocks`] forever, every `tick`.
pub async fn watch_clocks(state: AppState, tick: std::time::Duration) {
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(e) = check_clocks(&state).await {
            tracing::error!(error = %e, "clock check failed");
        }
        if let Err(e) = crate::promises::check_promises(&state).await {
            tracing::error!(error = %e, "promise check failed");
        }
        if let Err(e) = crate::complaints::check_escalations(&state).await {
            tracing::error!(error = %e, "complaint escalation check failed");
        }
        // In its own task: a slow relay must not hold up the clocks.
        crate::outbox::start_delivery(&state);
    }
}
