//! The watcher: every tick the server that watches (the only one on
//! SQLite; the holder of the watcher lock among servers sharing a
//! PostgreSQL database, see [`Lease`]) evaluates every running
//! acknowledgement clock and raises `ack_overdue` and `ack_escalated` once
//! each (each written with its mark in one transaction, so exactly once
//! whichever server raises it), re-quotes wait promises before they break and reminds owners of
//! other promises, escalates complaints whose clocks ran out, queues the
//! reminders with patients' arrival links, runs the daily purge when a new
//! day has begun, and starts an outbox delivery run.

use crate::live::LiveEvent;
use crate::state::AppState;
use crate::text::time;
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{AckStatus, Timestamp};
use frontdesk_store::WatchAlert;
use frontdesk_store::shared::WatcherLock;
use serde_json::json;
use std::collections::HashMap;

/// Evaluate every running clock once and raise the alerts that are due.
/// The server calls this every tick; tests call it directly.
pub async fn check_clocks(state: &AppState) -> Result<Vec<LiveEvent>, frontdesk_store::StoreError> {
    let now = state.now();
    // The clocks to look at: after the first pass, only those whose due or
    // escalation time passed since the last one (`since`).
    let (visits, since, checked) = super::clocks::to_check(state, now).await?;
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
    let mut todo = Vec::new();
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
            // After a restart: alerts already on a timeline for the current clock
            // (also those raised before marks were kept) are not raised again.
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
        // A full pass has every running clock: forget the clocks that stopped.
        if since.is_none() {
            let running: std::collections::HashSet<i64> = visits.iter().map(|v| v.id).collect();
            watch.seen.retain(|id, _| running.contains(id));
        }
        for (v, clock) in updates {
            let previous = watch
                .seen
                .get(&v.id)
                .filter(|(started, _)| *started == clock.started_at)
                .map(|(_, s)| *s);
            let mut due = Vec::new();
            let mut alert = |name: &'static str, since: Timestamp, status: AckStatus| {
                let minutes = (now - clock.due_at).num_minutes().max(0);
                let event = LiveEvent {
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
                };
                due.push((event, status));
            };
            // Each crossing is raised in the pass whose window holds it.
            let crossed = |at: Timestamp| since.is_none_or(|since| at > since);
            if clock.status >= AckStatus::Overdue
                && previous.is_none_or(|p| p < AckStatus::Overdue)
                && crossed(clock.due_at)
            {
                alert("ack_overdue", clock.due_at, AckStatus::Overdue);
            }
            if clock.status == AckStatus::Escalated
                && previous.is_none_or(|p| p < AckStatus::Escalated)
                && crossed(clock.escalates_at)
            {
                alert("ack_escalated", clock.escalates_at, AckStatus::Escalated);
            }
            if due.is_empty() {
                watch.seen.insert(v.id, (clock.started_at, clock.status));
            } else {
                todo.push((clock.started_at, previous, due));
            }
        }
    }
    // Each alert with its mark, in one transaction (see `Watch::raise_once`):
    // raised once whichever server watches, and a failed write is tried
    // again on the next tick. Only then is it remembered here.
    let mut failure = None;
    for (started_at, previous, due) in todo {
        let visit_id = due[0].0.visit_id;
        let mut reached = previous;
        for (e, status) in due {
            let kind = if e.name == "ack_escalated" {
                EventKind::AckEscalated
            } else {
                EventKind::AckOverdue
            };
            let alert = WatchAlert {
                key: format!(
                    "{}:visit:{}:{}",
                    kind.as_str(),
                    e.visit_id,
                    started_at.timestamp_millis()
                ),
                visit_id: Some(e.visit_id),
                kind,
                detail: json!({"since": time(e.at)}),
                action: format!("watch.{}", kind.as_str()),
                subject: format!("visit:{}", e.visit_id),
            };
            match state.store.raise_once(&alert, now).await {
                Ok(first) => {
                    reached = Some(status);
                    if !first {
                        // Raised before (by another server, or before a restart).
                        continue;
                    }
                    if kind == EventKind::AckEscalated {
                        tracing::warn!(
                            visit_id = e.visit_id,
                            "acknowledgement escalated to managers"
                        );
                    }
                    state.publish(e.clone());
                    raised.push(e);
                }
                Err(err) => {
                    tracing::error!(visit_id = e.visit_id, error = %err, "alert not recorded; trying again next tick");
                    failure.get_or_insert(err);
                    break;
                }
            }
        }
        if let Some(status) = reached {
            state
                .clock_watch
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .seen
                .insert(visit_id, (started_at, status));
        }
    }
    match failure {
        Some(e) => Err(e),
        None => {
            // Everything found was raised: the next pass starts here.
            super::clocks::checked(state, checked);
            Ok(raised)
        }
    }
}

/// Run [`check_clocks`] forever, every `tick`.
pub async fn watch_clocks(state: AppState, tick: std::time::Duration) {
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut lease = Lease::default();
    let mut turn = 0i64;
    loop {
        interval.tick().await;
        if !lease.holding(&state).await {
            continue;
        }
        let started = std::time::Instant::now();
        if let Err(e) = check_clocks(&state).await {
            tracing::error!(error = %e, "clock check failed");
        }
        // A share of the waiting patients is re-quoted each tick.
        let part = turn % super::promises::REQUOTE_PARTS;
        turn += 1;
        if let Err(e) =
            super::promises::check_promises_share(&state, super::promises::REQUOTE_PARTS, part)
                .await
        {
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
        state.metrics.watcher_tick(started.elapsed().as_secs_f64());
        // In its own task: a slow relay must not hold up the clocks.
        super::outbox::start_delivery(&state);
    }
}

/// Whether this server is the watcher. On PostgreSQL the watcher is the
/// server holding the watcher lock (a session-level advisory lock on a
/// connection of its own); the others try to take it every tick, so when
/// the watcher stops or dies (its connection closes, which lets the lock
/// go) another takes over within a tick or two. On SQLite the one server
/// always watches.
#[derive(Default)]
pub struct Lease {
    lock: Option<Box<dyn WatcherLock>>,
    /// The lock's connection cannot be made (said once, not every tick).
    unreachable: bool,
}

impl Lease {
    /// Take or keep the lock; whether this server watches this tick.
    pub async fn holding(&mut self, state: &AppState) -> bool {
        use std::sync::atomic::Ordering;
        let held = match state.store.shared() {
            None => true,
            Some(shared) => {
                if self.lock.is_none() {
                    match shared.watcher_lock().await {
                        Ok(lock) => {
                            self.lock = Some(lock);
                            self.unreachable = false;
                        }
                        Err(e) if !self.unreachable => {
                            self.unreachable = true;
                            tracing::warn!(error = %e, "cannot reach the watcher lock; trying every tick")
                        }
                        Err(_) => {}
                    }
                }
                match &mut self.lock {
                    None => false,
                    Some(lock) => match lock.hold().await {
                        Ok(held) => held,
                        Err(e) => {
                            // The connection is gone, and the lock with it.
                            tracing::warn!(error = %e, "watcher lock connection lost");
                            self.lock = None;
                            false
                        }
                    },
                }
            }
        };
        let was = state.watching.swap(held, Ordering::AcqRel);
        if held && !was && state.store.shared().is_some() {
            tracing::info!("this server is the watcher now");
        } else if !held && was {
            tracing::warn!("this server is no longer the watcher");
        }
        held
    }
}
