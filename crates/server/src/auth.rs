//! Staff authentication: argon2id passwords, sessions held server-side and
//! found by a random token (a cookie for pages, a bearer token for the API),
//! CSRF tokens for forms, idle and absolute timeouts, and a login rate limit.

use crate::AppState;
use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use frontdesk_domain::{Role, Timestamp, fields};
use frontdesk_store::{NewSession, StaffUser};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

pub const SESSION_COOKIE: &str = "fd_session";
pub const LOGIN_COOKIE: &str = "fd_login";

/// Hash a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash that no password matches, checked when the username is unknown so
/// that a wrong name takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("frontdesk-dummy-password").unwrap_or_default())
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sessions are stored by the SHA-256 of their token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Start a session for a user who just proved who they are. Returns the token.
pub async fn start_session(
    state: &AppState,
    user: &StaffUser,
) -> Result<(String, String), ApiError> {
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
    Ok((token, csrf))
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
        tracing::warn!(user = %crate::log_safe(&key), "login refused: too many failed attempts");
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
            tracing::info!(user = %crate::log_safe(&user.username), "signed in");
            Ok(Some(user.clone()))
        }
        _ => {
            tracing::warn!(user = %crate::log_safe(&key), "failed sign-in");
            Ok(None)
        }
    }
}

/// At most `MAX_FAILURES` failed logins per username in `WINDOW`.
#[derive(Default)]
pub struct LoginLimiter(Mutex<HashMap<String, Vec<Timestamp>>>);

impl LoginLimiter {
    const MAX_FAILURES: usize = 5;
    const WINDOW_MIN: i64 = 15;

    fn recent(list: &mut Vec<Timestamp>, now: Timestamp) {
        list.retain(|t| *t > now - chrono::Duration::minutes(Self::WINDOW_MIN));
    }

    /// Record an attempt if the name is under the limit; false when it is not.
    pub fn reserve(&self, key: &str, now: Timestamp) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, l| {
                l.iter()
                    .any(|t| *t > now - chrono::Duration::minutes(Self::WINDOW_MIN))
            });
        }
        let list = map.entry(key.to_string()).or_default();
        Self::recent(list, now);
        if list.len() >= Self::MAX_FAILURES {
            return false;
        }
        list.push(now);
        true
    }

    pub fn allowed(&self, key: &str, now: Timestamp) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(key) {
            Some(list) => {
                Self::recent(list, now);
                list.len() < Self::MAX_FAILURES
            }
            None => true,
        }
    }

    pub fn failed(&self, key: &str, now: Timestamp) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, l| {
                l.iter()
                    .any(|t| *t > now - chrono::Duration::minutes(Self::WINDOW_MIN))
            });
        }
        let list = map.entry(key.to_string()).or_default();
        Self::recent(list, now);
        list.push(now);
    }

    pub fn clear(&self, key: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// Read one cookie from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// Read one cookie from request headers.
pub fn cookie_in<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: StaffUser,
    pub token_hash: String,
    pub csrf_token: String,
    /// Signed in by cookie (a browser) rather than a bearer token.
    pub via_cookie: bool,
}

impl Staff {
    pub fn actor(&self) -> frontdesk_store::Actor {
        frontdesk_store::Actor::staff(&self.user.username)
    }

    pub fn require(&self, allowed: fn(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.user.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Constant-time comparison of a submitted CSRF token.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        let a = self.csrf_token.as_bytes();
        let b = submitted.as_bytes();
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

async fn find_session(parts: &Parts, state: &AppState) -> Result<Option<Staff>, ApiError> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let (token, via_cookie) = match bearer {
        Some(t) => (t, false),
        None => match cookie(parts, SESSION_COOKIE) {
            Some(t) => (t, true),
            None => return Ok(None),
        },
    };
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = state.now();
    let Some(mut session) = cached_session(state, &hash, now).await? else {
        return Ok(None);
    };
    // Record activity, but not on every request: half a minute's precision is
    // plenty. A page's own background refresh is not activity, so an
    // unattended board still signs out when idle.
    let background = parts.headers.contains_key("x-frontdesk-background");
    if !background && now - session.last_seen_at > chrono::Duration::seconds(30) {
        state.store.touch_session(&hash, now).await?;
        session.last_seen_at = now;
        if let Some(entry) = state
            .session_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&hash)
        {
            entry.0.last_seen_at = now;
        }
    }
    Ok(Some(Staff {
        user: session.user,
        token_hash: hash,
        csrf_token: session.csrf_token,
        via_cookie,
    }))
}

/// How long a session checked against the database is trusted in memory. A
/// sign-out or a disabled account through this server takes effect at once
/// (the entry is dropped); through another server sharing the database,
/// within this time.
const SESSION_CACHE: std::time::Duration = std::time::Duration::from_secs(2);

async fn cached_session(
    state: &AppState,
    hash: &str,
    now: Timestamp,
) -> Result<Option<frontdesk_store::Session>, ApiError> {
    let idle_cutoff = now - state.config.idle_timeout;
    {
        let cache = state
            .session_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((session, checked)) = cache.get(hash)
            && checked.elapsed() < SESSION_CACHE
        {
            let live = session.expires_at > now
                && session.last_seen_at > idle_cutoff
                && !session.user.disabled;
            return Ok(live.then(|| session.clone()));
        }
    }
    let session = state.store.live_session(hash, now, idle_cutoff).await?;
    let mut cache = state
        .session_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if cache.len() > 10_000 {
        cache.clear();
    }
    match &session {
        Some(s) => {
            cache.insert(hash.to_string(), (s.clone(), std::time::Instant::now()));
        }
        None => {
            cache.remove(hash);
        }
    }
    Ok(session)
}

/// Forget cached sessions: after a sign-out or an account change.
pub fn forget_sessions(state: &AppState) {
    state
        .session_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = find_session(parts, state)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        // A browser's cookie rides along on any request, so a change made with
        // it must also carry the CSRF token in a header.
        if staff.via_cookie && !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !staff.csrf_ok(sent) {
                return Err(ApiError::CsrfMissing);
            }
        }
        Ok(staff)
    }
}

/// A signed-in staff member on an HTML page; anyone else is sent to the login page.
pub struct PageStaff(pub Staff);

pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&format!(
            "/login?next={}",
            crate::pages::url_encode(&self.0)
        ))
        .into_response()
    }
}

impl FromRequestParts<AppState> for PageStaff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match find_session(parts, state).await {
            Ok(Some(staff)) => Ok(PageStaff(staff)),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let next = if parts.method == Method::GET {
                    next
                } else {
                    "/board"
                };
                Err(ToLogin(next.to_string()).into_response())
            }
            Err(e) => Err(crate::pages::error_page(e)),
        }
    }
}

/// The `Set-Cookie` value for a session.
pub fn session_cookie(token: &str, secure: bool, max_age_s: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn five_failures_lock_a_name_for_fifteen_minutes() {
        let l = LoginLimiter::default();
        let t = chrono::Utc::now();
        for _ in 0..5 {
            assert!(l.allowed("ana", t));
            l.failed("ana", t);
        }
        assert!(!l.allowed("ana", t));
        assert!(l.allowed("bob", t));
        assert!(l.allowed("ana", t + chrono::Duration::minutes(16)));
    }
}
