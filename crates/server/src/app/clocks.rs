//! Which acknowledgement clocks the watcher looks at on a tick. The first
//! pass reads every running clock (and what was already raised for them);
//! after that, only the clocks whose due or escalation time passed since
//! the pass before, found by index one location at a time: a quiet lobby
//! of thousands costs a tick almost nothing. A location's clock settings
//! changing, or the server's clock going back, starts over with a full pass,
//! and every [`FULL_PASS_EVERY`] passes one full pass forgets the clocks that
//! stopped (what the watcher remembers stays as big as the lobby).

use crate::state::AppState;
use frontdesk_domain::{AckPolicy, Timestamp};
use frontdesk_store::{StoreError, Visit};
use std::collections::BTreeMap;

/// One pass in this many reads every running clock.
pub const FULL_PASS_EVERY: u32 = 300;

/// What a pass looked at, to be kept once it has raised its alerts.
pub struct Pass {
    at: Timestamp,
    windowed: bool,
    policies: BTreeMap<String, AckPolicy>,
}

/// The clocks to evaluate at `now`, and the time of the last pass when
/// only the clocks that crossed a threshold since then are given (`None`:
/// every running clock).
pub async fn to_check(
    state: &AppState,
    now: Timestamp,
) -> Result<(Vec<Visit>, Option<Timestamp>, Pass), StoreError> {
    let mut policies = BTreeMap::new();
    for loc in state.store.locations().await? {
        let policy = state.ack_policy(&loc.id).await?;
        policies.insert(loc.id, policy);
    }
    let since = {
        let mut watch = state.clock_watch.lock().unwrap_or_else(|p| p.into_inner());
        let same = watch.primed && watch.policies == policies;
        let since = watch
            .since
            .filter(|since| same && *since <= now && watch.windowed_passes < FULL_PASS_EVERY);
        if !same || watch.since.is_some_and(|since| since > now) {
            // What was raised is read again from the timelines.
            watch.primed = false;
        }
        since
    };
    let visits = match since {
        None => state.store.running_clocks().await?,
        Some(since) => {
            let mut due = Vec::new();
            for (location, policy) in &policies {
                due.extend(
                    state
                        .store
                        .clocks_due(location, *policy, since, now)
                        .await?,
                );
            }
            due
        }
    };
    Ok((
        visits,
        since,
        Pass {
            at: now,
            windowed: since.is_some(),
            policies,
        },
    ))
}

/// A pass raised everything it found: the next one looks from the time
/// this one looked at (its `now`), so no crossing falls between two passes.
pub fn checked(state: &AppState, pass: Pass) {
    let mut watch = state.clock_watch.lock().unwrap_or_else(|p| p.into_inner());
    watch.windowed_passes = match pass.windowed {
        true => watch.windowed_passes + 1,
        false => 0,
    };
    watch.since = Some(pass.at);
    watch.policies = pass.policies;
}
