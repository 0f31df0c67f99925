//! The daily purge, asked for by the watcher: expired staff sessions and
//! status links deleted, outbox addresses masked `outbox_keep_recipients`
//! after delivery or failure. Each server asks once per UTC day (on its first
//! tick, then on the first tick of each new day); the store runs it once per
//! day however many servers ask, and audits it with the counts.

use crate::state::AppState;
use frontdesk_store::{PurgePlan, Purged, StoreError};

/// Purge, unless this server already asked today. `Ok(None)` when nothing
/// ran (asked already, here or by another server).
pub async fn purge_if_due(state: &AppState) -> Result<Option<Purged>, StoreError> {
    let now = state.now();
    let today = now.date_naive();
    let asked = *state.purged_on.lock().unwrap_or_else(|p| p.into_inner());
    if asked == Some(today) {
        return Ok(None);
    }
    let plan = PurgePlan {
        idle_cutoff: now - state.config.idle_timeout,
        recipients_settled_by: now - state.config.outbox_keep_recipients,
    };
    let purged = state.store.purge_expired(&plan, now).await?;
    *state.purged_on.lock().unwrap_or_else(|p| p.into_inner()) = Some(today);
    if let Some(p) = &purged {
        tracing::info!(
            sessions = p.sessions,
            status_links = p.status_links,
            arrival_links = p.arrival_links,
            outbox_recipients = p.recipients,
            "daily purge"
        );
    }
    Ok(purged)
}
