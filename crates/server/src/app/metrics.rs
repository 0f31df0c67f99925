//! `GET /metrics`: the process's own counters (`crate::metrics`) and the
//! figures of the practice read at scrape time: patients present by location
//! and state, running acknowledgement clocks by status (overdue, escalated),
//! wait promises by status, the outbox by status. Counts only: no patient
//! data, nothing audited.

use crate::metrics::{header, sample};
use crate::state::AppState;
use frontdesk_store::StoreError;
use std::collections::BTreeMap;

/// The whole exposition.
pub async fn scrape(state: &AppState) -> Result<String, StoreError> {
    let mut out = String::new();
    state.metrics.render(&mut out);
    let now = state.now();
    let locations = state.store.locations().await?;
    let mut present: BTreeMap<(String, &'static str), i64> = BTreeMap::new();
    let mut clocks: BTreeMap<(String, &'static str), i64> = BTreeMap::new();
    for l in &locations {
        let policy = state.ack_policy(&l.id).await?;
        for status in ["on_time", "due_soon", "overdue", "escalated"] {
            clocks.insert((l.id.clone(), status), 0);
        }
        present.insert((l.id.clone(), "waiting"), 0);
        for v in state.store.lobby(&l.id, None, now).await? {
            *present.entry((l.id.clone(), v.state.as_str())).or_default() += 1;
            if let Some(clock) = policy.clock(v.ack_facts(), now) {
                *clocks
                    .entry((l.id.clone(), clock.status.as_str()))
                    .or_default() += 1;
            }
        }
    }
    header(
        &mut out,
        "frontdesk_waiting_patients",
        "gauge",
        "Patients present at a location, by visit state (waiting: arrived, not yet roomed or seen).",
    );
    for ((location, s), n) in &present {
        sample(
            &mut out,
            "frontdesk_waiting_patients",
            &[("location", location), ("state", s)],
            *n as f64,
        );
    }
    header(
        &mut out,
        "frontdesk_ack_clocks",
        "gauge",
        "Running acknowledgement clocks by status (overdue, escalated: nobody has acknowledged the patient in time).",
    );
    for ((location, s), n) in &clocks {
        sample(
            &mut out,
            "frontdesk_ack_clocks",
            &[("location", location), ("status", s)],
            *n as f64,
        );
    }
    let figures = state.store.figures().await?;
    header(
        &mut out,
        "frontdesk_wait_promises_total",
        "counter",
        "Wait promises made at check-in, by location and how they ended (kept, broken, renegotiated, withdrawn, or open).",
    );
    for (location, status, n) in &figures.wait_promises {
        sample(
            &mut out,
            "frontdesk_wait_promises_total",
            &[("location", location), ("status", status)],
            *n as f64,
        );
    }
    let mut outbox: BTreeMap<&str, i64> = [("pending", 0), ("sent", 0), ("failed", 0)].into();
    for (status, n) in &figures.outbox {
        if let Some(v) = outbox.get_mut(status.as_str()) {
            *v = *n;
        }
    }
    header(
        &mut out,
        "frontdesk_outbox_queue",
        "gauge",
        "Outbound messages waiting for delivery.",
    );
    sample(
        &mut out,
        "frontdesk_outbox_queue",
        &[],
        outbox["pending"] as f64,
    );
    header(
        &mut out,
        "frontdesk_outbox_messages_total",
        "counter",
        "Outbound messages by status (failed: given up on).",
    );
    for (status, n) in &outbox {
        sample(
            &mut out,
            "frontdesk_outbox_messages_total",
            &[("status", status)],
            *n as f64,
        );
    }
    Ok(out)
}
