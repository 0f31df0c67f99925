//! Signing in and out: `/api/v1/sessions` (a bearer token) and the login
//! page (a session cookie, with a CSRF token of its own against login CSRF).

use crate::app::sessions;
use crate::error::ApiError;
use crate::http::auth::{LOGIN_COOKIE, Staff, cookie, session_cookie};
use crate::http::extract::{ApiJson, NoFields, StaffForm};
use crate::http::page::{PageResult, render};
use crate::state::AppState;
use crate::views::page::Nav;
use crate::views::sessions::{LoginPage, SessionJson, UserJson};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::{FieldErrors, fields};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new().route("/sessions", post(create).delete(end))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Login {
    username: String,
    password: String,
}

async fn create(
    State(state): State<AppState>,
    ApiJson(login): ApiJson<Login>,
) -> Result<Json<SessionJson>, ApiError> {
    let mut missing = FieldErrors::new();
    if login.username.trim().is_empty() {
        missing.add("username", fields::REQUIRED);
    }
    if login.password.is_empty() {
        missing.add("password", fields::REQUIRED);
    }
    if !missing.is_empty() {
        return Err(missing.into());
    }
    let user = sessions::check_login(&state, &login.username, &login.password)
        .await?
        .ok_or(ApiError::WrongCredentials)?;
    let started = sessions::start_session(&state, &user).await?;
    Ok(Json(SessionJson {
        token: started.token,
        csrf_token: started.csrf,
        user: UserJson {
            username: user.username,
            role: user.role.as_str(),
            disabled: None,
            locations: user.locations,
        },
        idle_timeout_s: state.config.idle_timeout.num_seconds(),
    }))
}

async fn end(State(state): State<AppState>, staff: Staff) -> Result<StatusCode, ApiError> {
    sessions::end_session(&state, &staff.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn home() -> Redirect {
    Redirect::to("/board")
}

/// Only plain paths on this site are followed after login: no scheme, no
/// `//host`, no backslashes, no whitespace or control characters (browsers
/// drop tabs and newlines, which can turn `/\t/evil` into `//evil`).
fn safe_next(next: &str) -> &str {
    let plain = next
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~?=&%#".contains(c));
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/board"
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

fn login_response(
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    next: &str,
    username: &str,
) -> Response {
    // Login CSRF: the form's token must match a cookie set with the form.
    let csrf = crate::secrets::random_token();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LOGIN_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    );
    let page = LoginPage {
        nav: Nav::anonymous(),
        error,
        csrf,
        next: safe_next(next).to_string(),
        username: username.to_string(),
        demo_logins: state.config.demo_logins.clone(),
    };
    (status, [(header::SET_COOKIE, cookie)], render(&page)).into_response()
}

async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    login_response(&state, StatusCode::OK, None, &q.next, "")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let again = |status: StatusCode, message: &str| {
        Ok(login_response(
            &state,
            status,
            Some(message.into()),
            &form.next,
            &form.username,
        ))
    };
    let cookie_csrf = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if cookie_csrf.is_empty() || !crate::secrets::same(cookie_csrf, &form.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            "The sign-in form expired; please try again.",
        );
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Username and password are both required.",
        );
    }
    match sessions::check_login(&state, &form.username, &form.password).await {
        Ok(Some(user)) => {
            let started = sessions::start_session(&state, &user).await?;
            let cookie = session_cookie(
                &started.token,
                state.config.secure_cookies,
                state.config.session_lifetime.num_seconds(),
            );
            Ok((
                [(header::SET_COOKIE, cookie)],
                Redirect::to(safe_next(&form.next)),
            )
                .into_response())
        }
        Ok(None) => again(StatusCode::UNAUTHORIZED, "Username or password is wrong."),
        Err(ApiError::TooManyRequests) => again(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts for this name; wait 15 minutes or ask an admin.",
        ),
        Err(e) => Err(e.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> PageResult {
    sessions::end_session(&state, &staff.token_hash).await?;
    let clear = session_cookie("", state.config.secure_cookies, 0);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}
