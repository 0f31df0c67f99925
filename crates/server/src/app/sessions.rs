//! Signing in and out: argon2id passwords checked under a rate limit,
//! sessions held server-side by the hash of a random token, a new session
//! at each sign-in.

use crate::error::ApiError;
use crate::secrets::{dummy_hash, random_token, token_hash, verify_password};
use crate::state::AppState;
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

/// Check a username and password, with the rate limit. `Ok(None)` means wrong.
///
/// The typed name is read by the same rule as when the account was added
/// ([`fields::username`]), so `Maria` signs in as `maria`. A name that rule
/// refuses fails exactly like a wrong password (same answer, same limit, same
/// work), so sign-in never says whether a name is well-formed.
pub async fn check_login(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Option<StaffUser>, ApiError> {
    // A malformed name is looked up and limited as typed: no account has
    // such a name, so it fails at the password like any unknown name.
    let key = fields::username(username).unwrap_or_else(|_| username.trim().to_string());
    // Count this attempt as a failure *before* checking the password, so many
    // guesses sent at once cannot all slip under the limit; a success clears it.
    if !state.login_limiter.reserve(&key, state.now()) {
        tracing::warn!(user = %crate::text::log_safe(&key), "login refused: too many failed attempts");
        return Err(ApiError::TooManyRequests);
    }
    let creds = state.store.user_credentials(&key).await?;
    let (hash, user) = match &creds {
        Some(c) if !c.user.disabled => (c.password_hash.as_str(), Some(&c.user)),
        _ => (dummy_hash(), None),
    };
    let password = password.to_string();
    let hash = hash.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match (ok, user) {
        (true, Some(user)) => {
            state.login_limiter.clear(&key);
            // Signed in, unless a second factor is still to come (`second_factor::check_at_sign_in`).
            tracing::info!(user = %crate::text::log_safe(&user.username), "password accepted");
            Ok(Some(user.clone()))
        }
        _ => {
            tracing::warn!(user = %crate::text::log_safe(&key), "failed sign-in");
            Ok(None)
        }
    }
}

/// End a session (sign out); this server forgets it at once.
pub async fn end_session(state: &AppState, token_hash: &str) -> Result<(), ApiError> {
    let ended = state.store.delete_session(token_hash).await;
    state.forget_sessions();
    Ok(ended?)
}
