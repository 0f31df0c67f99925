//! A patient's private links: 256 random bits, only their SHA-256 stored.
//! A status link works until the end of the location's day; an arrival link
//! on its appointment's local day only.

use crate::secrets::{derived_token, random_token, token_hash};
use crate::state::AppState;
use frontdesk_domain::Timestamp;
use frontdesk_domain::arrival::link_validity;
use frontdesk_store::{Location, NewArrivalLink, NewStatusLink};

/// A new private link for a visit at `location`: its path `/s/TOKEN` and
/// what to store (the token's hash, and the expiry at the end of the
/// location's day). The token is shown only now: only its hash is stored.
pub fn new_link(state: &AppState, location: &Location) -> (String, NewStatusLink) {
    status_link_with_token(state, location, &random_token())
}

/// A status link whose token the caller chose (see [`status_token_for`]).
pub fn status_link_with_token(
    state: &AppState,
    location: &Location,
    token: &str,
) -> (String, NewStatusLink) {
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
        token_hash: token_hash(token),
        expires_at,
    };
    (format!("/s/{token}"), link)
}

/// The token of the status page an arrival link turns into once the patient
/// is checked in: derived from the arrival link's token, so the same link
/// always leads to the same page, and nothing but hashes is stored.
pub fn status_token_for(arrival_token: &str) -> String {
    derived_token(arrival_token, "frontdesk: status link of an arrival link")
}

/// A new arrival link for an appointment at `scheduled_at`: its token
/// (shown or sent only now) and what to store (the token's hash, working on
/// the appointment's local day in the location's zone).
pub fn new_arrival_link(location: &Location, scheduled_at: Timestamp) -> (String, NewArrivalLink) {
    let token = random_token();
    let validity = link_validity(scheduled_at, location.zone());
    let link = NewArrivalLink {
        token_hash: token_hash(&token),
        valid_from: validity.valid_from,
        expires_at: validity.expires_at,
    };
    (token, link)
}

/// The path of an arrival link.
pub fn arrival_path(token: &str) -> String {
    format!("/a/{token}")
}
