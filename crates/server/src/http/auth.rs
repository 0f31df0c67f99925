//! Who is asking: a signed-in staff member, found by a bearer token (the
//! API) or the session cookie (pages), with the CSRF token a cookie-borne
//! change must also carry. Sessions are held server-side (see
//! `app::sessions`); only the SHA-256 of a token is stored.

use crate::app::caller::Caller;
use crate::error::ApiError;
use crate::http::page::PageError;
use crate::secrets::token_hash;
use crate::state::AppState;
use crate::views::page::Nav;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_domain::Role;
use frontdesk_store::{Actor, StaffUser};

pub const SESSION_COOKIE: &str = "fd_session";
pub const LOGIN_COOKIE: &str = "fd_login";

/// Read one cookie from request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value for a session.
pub fn session_cookie(token: &str, secure: bool, max_age_s: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    )
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: StaffUser,
    pub token_hash: String,
    pub csrf_token: String,
    /// Signed in by cookie (a browser) rather than a bearer token.
    pub via_cookie: bool,
    /// Their second factor is on (and this session was started with it).
    pub second_factor: bool,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::staff(&self.user.username)
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
        crate::secrets::same(&self.csrf_token, submitted)
    }

    /// Who asks, for the use cases: they act only where they work.
    pub fn caller(&self) -> Caller<'_> {
        Caller::Staff(&self.user)
    }

    /// The location a request is about: the one it names, else their own
    /// (the first they work at; `main` when they work everywhere). Not found
    /// when it is one they do not work at.
    pub fn at(&self, given: Option<&str>) -> Result<String, ApiError> {
        let home = self
            .user
            .locations
            .first()
            .map(String::as_str)
            .unwrap_or(frontdesk_domain::MAIN_LOCATION);
        let location = given
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .unwrap_or(home);
        self.caller().check(location)?;
        Ok(location.to_string())
    }

    /// A manager or admin who has not set up a second factor yet: their
    /// session may only do that, or sign out.
    pub fn must_enroll(&self) -> bool {
        self.user.role.needs_second_factor() && !self.second_factor
    }

    /// The header of their pages.
    pub fn nav(&self) -> Nav {
        Nav::signed_in(&self.user, &self.csrf_token)
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
        None => match cookie(&parts.headers, SESSION_COOKIE) {
            Some(t) => (t, true),
            None => return Ok(None),
        },
    };
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = state.now();
    let Some(session) = state.live_session(&hash, now).await? else {
        return Ok(None);
    };
    // Record activity, but not on every request: half a minute's precision is
    // plenty. A page's own background refresh is not activity, so an
    // unattended board still signs out when idle.
    let background = parts.headers.contains_key("x-frontdesk-background");
    if !background && now - session.last_seen_at > chrono::Duration::seconds(30) {
        state.touch_session(&hash, now).await?;
    }
    Ok(Some(Staff {
        user: session.user,
        token_hash: hash,
        csrf_token: session.csrf_token,
        via_cookie,
        second_factor: session.second_factor,
    }))
}

/// A signed-in staff member on the API, with a cookie-borne change's CSRF header checked.
async fn api_staff(parts: &Parts, state: &AppState) -> Result<Staff, ApiError> {
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

/// A signed-in staff member, by bearer token or cookie. A manager or admin
/// without a second factor is refused (403 `second_factor_enrollment_required`).
impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = api_staff(parts, state).await?;
        if !staff.user.role.is_staff() {
            return Err(ApiError::Forbidden);
        }
        if staff.must_enroll() {
            return Err(ApiError::SecondFactorEnrollmentRequired);
        }
        Ok(staff)
    }
}

/// A signed-in staff member who may still be setting up their second
/// factor: only for that, and for signing out.
pub struct Enrolling(pub Staff);

impl FromRequestParts<AppState> for Enrolling {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = api_staff(parts, state).await?;
        // An integration account uses only the interop doors.
        if !staff.user.role.is_staff() {
            return Err(ApiError::Forbidden);
        }
        Ok(Enrolling(staff))
    }
}

/// Where a manager or admin without a second factor is sent from any page.
pub const SECOND_FACTOR_PAGE: &str = "/me/second-factor";

/// A signed-in staff member on an HTML page; anyone else is sent to the
/// login page, and a manager or admin without a second factor to set one up.
pub struct PageStaff(pub Staff);

impl FromRequestParts<AppState> for PageStaff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let EnrollingPage(staff) = EnrollingPage::from_request_parts(parts, state).await?;
        if staff.must_enroll() {
            return Err(Redirect::to(SECOND_FACTOR_PAGE).into_response());
        }
        Ok(PageStaff(staff))
    }
}

/// A signed-in staff member on a page, who may still be setting up their
/// second factor (that page, and signing out).
pub struct EnrollingPage(pub Staff);

impl FromRequestParts<AppState> for EnrollingPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match find_session(parts, state).await {
            // An integration account has no pages.
            Ok(Some(staff)) if !staff.user.role.is_staff() => {
                Err(PageError(ApiError::Forbidden).into_response())
            }
            Ok(Some(staff)) => Ok(EnrollingPage(staff)),
            Ok(None) => {
                let next = if parts.method == Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/")
                } else {
                    "/board"
                };
                let to = format!("/login?next={}", crate::text::url_encode(next));
                Err(Redirect::to(&to).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}
