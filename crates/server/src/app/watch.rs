//! The watcher: every tick the server evaluates every running
//! acknowledgement clock and raises `ack_overdue` and `ack_escalated` once
//! each, re-quotes wait promises before they break and reminds owners of
//! other promises, escalates complaints whose clocks ran out, queues the
//! reminders with patients' arrival links, runs the daily purge when a new
//! day has begun, and starts an outbox delivery run.

use crate::live::LiveEvent;
use crate::state::AppState;
use crate::text::time;
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{AckStatus, Timestamp};
use serde_json::json;
use std::collections::HashMap;

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
        let detail = json!({"since": time(e.at)});
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
        if let Err(e) = super::promises::check_promises(&state).await {
            tracing::error!(error = %e, "promise check failed");
        }
        if let Err(e) = super::complaints::check_escalations(&state).await {
            tracing::error!(error = %e, "complaint escalation check failed");
        }
        // Once a day; a failure is tried again on the next tick.
        if let Err(e) = super::retention::purge_if_due(&state).await {
            tracing::error!(error = %e, "daily purge failed");
        }
        if let Err(e) = super::arrival::check_reminders(&state).await {
            tracing::error!(error = %e, "arrival reminder check failed");
        }
        if let Err(e) = super::surveys::check_surveys(&state).await {
            tracing::error!(error = %e, "survey check failed");
        }
        // In its own task: a slow relay must not hold up the clocks.
        super::outbox::start_delivery(&state);
    }
}
