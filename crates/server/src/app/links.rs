//! A patient's private links: 256 random bits, only their SHA-256 stored,
//! valid until the end of the location's day.

use crate::secrets::{random_token, token_hash};
use crate::state::AppState;
use frontdesk_store::{Location, NewStatusLink};

/// A new private link for a visit at `location`: its path `/s/TOKEN` and
/// what to store (the token's hash, and the expiry at the end of the
/// location's day). The token is shown only now: only its hash is stored.
pub fn new_link(state: &AppState, location: &Location) -> (String, NewStatusLink) {
    let token = random_token();
    let now = state.now();
    let zone = location.zone();
    let tomorrow = now
        .with_timezone(&zone)
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0));
    let expires_at = tomorrow
        .and_then(|d| d.and_local_timezone(zone).earliest())
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or(now + chrono::Duration::hours(12));
    let link = NewStatusLink {
        token_hash: token_hash(&token),
        expires_at,
    };
    (format!("/s/{token}"), link)
}
