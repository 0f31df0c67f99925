//! Signing in and out: argon2id passwords checked under a rate limit,
//! sessions held server-side by the hash of a random token, a new session
//! at each sign-in. A failed sign-in is logged without the typed name unless
//! it names an account.

use crate::error::ApiError;
use crate::secrets::{dummy_hash, log_tag, random_token, token_hash, verify_password};
use crate::state::AppState;
use crate::throttle::address_key;
use frontdesk_domain::fields;
use frontdesk_store::{NewSession, StaffUser};

/// A session just started: its token (for the cookie or bearer header, shown
/// only now) and its CSRF token.
pub struct Started {
    pub token: String,
    pub csrf: String,
}

/// Start a session for a user who just proved who they are. Returns the token.
pub async fn start_session(state: &AppState, user: &StaffUser) -> Result<Started, ApiError> {
    let token = random_token();
    let csrf = random_token();
    let now = state.now();
    state
        .store
        .create_session(&NewSession {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + state.config.session_lifetime,
        })
        .await?;
    Ok(Started { token, csrf })
}

/// Check a username and password from an address, under the sign-in
/// throttles. `Ok(None)` means wrong.
///
/// Wrong passwords slow the caller, never the account: the throttles count
/// per (name, address) and per address ([`crate::throttle::Rule`]), so
/// whoever guesses at `admin` from one address waits longer and longer while
/// the real admin, elsewhere, signs in at once. An attempt is counted before
/// the password is checked (many sent at once cannot slip under the limit)
/// and taken back when it succeeds. A refused attempt costs no hash. At most
/// `password_hash_slots` hashes run at once; a sign-in that finds no slot
/// within two seconds is told
/// the server is busy.
///
/// The typed name is read by the same rule as when the account was added
/// ([`fields::username`]), so `Maria` signs in as `maria`. A name that rule
/// refuses fails exactly like a wrong password (same answer, same limit, same
/// work), so sign-in never says whether a name is well-formed. Failures are
/// logged without the typed name (people type passwords into it).
pub async fn check_login(
    state: &AppState,
    from: std::net::IpAddr,
    username: &str,
    password: &str,
) -> Result<Option<StaffUser>, ApiError> {
    // A malformed name is looked up and limited as typed: no account has
    // such a name, so it fails at the password like any unknown name.
    let name = fields::username(username).unwrap_or_else(|_| username.trim().to_lowercase());
    let address = address_key(from);
    let pair = format!("{address} {name}");
    let now = state.now();
    if let Err(wait) = state.sign_in_addresses.attempt(&address, now) {
        tracing::warn!("sign-in refused: too many failed attempts from one address");
        return Err(ApiError::TooManyRequests(wait));
    }
    if let Err(wait) = state.sign_in_names.attempt(&pair, now) {
        state.sign_in_addresses.refund(&address, now);
        tracing::warn!("sign-in refused: too many failed attempts for one name from one address");
        return Err(ApiError::TooManyRequests(wait));
    }
    let refund = || {
        state.sign_in_addresses.refund(&address, now);
        state.sign_in_names.refund(&pair, now);
    };
    // A bounded number of hashes at once; a short wait for a slot, then busy.
    let slot = match state.hash_slots.try_acquire() {
        Ok(slot) => slot,
        Err(_) => match tokio::time::timeout(HASH_SLOT_WAIT, state.hash_slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            _ => {
                refund();
                tracing::warn!("sign-in refused: every password check is busy");
                return Err(ApiError::Busy);
            }
        },
    };
    let creds = match state.store.user_credentials(&name).await {
        Ok(creds) => creds,
        Err(e) => {
            refund();
            return Err(e.into());
        }
    };
    let (hash, user) = match &creds {
        Some(c) if !c.user.disabled => (c.password_hash.as_str(), Some(&c.user)),
        _ => (dummy_hash(), None),
    };
    let password = password.to_string();
    let hash = hash.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    drop(slot);
    match (ok, user) {
        (true, Some(user)) => {
            state.sign_in_names.forgive(&pair);
            state.sign_in_addresses.refund(&address, now);
            // Signed in, unless a second factor is still to come (`second_factor::check_at_sign_in`).
            tracing::info!(user = %crate::text::log_safe(&user.username), "password accepted");
            Ok(Some(user.clone()))
        }
        // The typed name is not logged unless it names an account: it may be
        // a password typed into the wrong field. An unknown name gets a tag
        // that tells repeated attempts apart and gives nothing away.
        _ => {
            match &creds {
                Some(c) => tracing::warn!(
                    known_account = true,
                    account = %crate::text::log_safe(&c.user.username),
                    disabled = c.user.disabled,
                    "failed sign-in"
                ),
                None => tracing::warn!(
                    known_account = false,
                    name_tag = %log_tag(&name),
                    "failed sign-in"
                ),
            }
            Ok(None)
        }
    }
}

/// How long a sign-in waits for a free password check before "busy".
const HASH_SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// End a session (sign out); this server forgets it at once, and so do the
/// others sharing the database (see `AppState::forget_sessions`).
pub async fn end_session(state: &AppState, token_hash: &str) -> Result<(), ApiError> {
    let ended = state.store.delete_session(token_hash).await;
    state.forget_sessions();
    Ok(ended?)
}
