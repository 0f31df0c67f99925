//! Signing in and out: argon2id passwords checked under a rate limit,
//! sessions held server-side by the hash of a random token, a new session
//! at each sign-in. A failed sign-in is logged without the typed name unless
//! it names an account.

use crate::error::ApiError;
use crate::secrets::{dummy_hash, log_tag, random_token, token_hash, verify_password};
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
        tracing::warn!(name_tag = %log_tag(&key), "login refused: too many failed attempts");
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
            tracing::info!(user = %crate::text::log_safe(&user.username), "signed in");
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
                    name_tag = %log_tag(&key),
                    "failed sign-in"
                ),
            }
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
