//! Signing in and out: `/api/v1/sessions` (a bearer token) and the login
//! page (a session cookie, with a CSRF token of its own against login CSRF).
//! An account with a second factor also sends a code.

use crate::app::{second_factor, sessions};
use crate::error::ApiError;
use crate::http::auth::{Enrolling, LOGIN_COOKIE, cookie, session_cookie};
use crate::http::extract::{ApiJson, ClientAddr, EnrollingForm, NoFields};
use crate::http::page::{PageResult, render};
use crate::state::AppState;
use crate::text::wait_text;
use crate::views::page::Nav;
use crate::views::sessions::{DemoLogin, LoginPage, SessionJson, UserJson};
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
    /// The second factor's code (or a recovery code), when the account has one.
    code: String,
}

async fn create(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
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
    let user = sessions::check_login(&state, from, &login.username, &login.password)
        .await?
        .ok_or(ApiError::WrongCredentials)?;
    second_factor::check_at_sign_in(&state, &user, &login.code).await?;
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

async fn end(
    State(state): State<AppState>,
    Enrolling(staff): Enrolling,
) -> Result<StatusCode, ApiError> {
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

/// Set on a browser that signed in with a second factor, so its login page
/// shows the code field at once. It holds no name and no secret.
const CODE_COOKIE: &str = "fd_code";

fn login_response(
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    next: &str,
    username: &str,
    ask_code: bool,
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
    let demo_logins: Vec<DemoLogin> = state
        .config
        .demo_logins
        .iter()
        .map(|(name, password)| DemoLogin {
            name: name.clone(),
            password: password.clone(),
            code: demo_code(state, name),
        })
        .collect();
    let page = LoginPage {
        nav: Nav::anonymous(),
        error,
        csrf,
        next: safe_next(next).to_string(),
        username: username.to_string(),
        // The demo's managers and admins have a second factor: show the field.
        ask_code,
        demo_logins,
    };
    let page = LoginPage {
        ask_code: page.ask_code || page.demo_codes(),
        ..page
    };
    (status, [(header::SET_COOKIE, cookie)], render(&page)).into_response()
}

/// The code a demo account's second factor shows now (the demo only: its
/// secrets are known, and printed when it starts).
fn demo_code(state: &AppState, name: &str) -> Option<String> {
    let (_, secret) = state
        .config
        .demo_second_factors
        .iter()
        .find(|(n, _)| n == name)?;
    let key = frontdesk_domain::second_factor::secret_key(secret)?;
    Some(frontdesk_domain::second_factor::code_at(
        &key,
        state.clock.code_time(),
    ))
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let ask_code = cookie(&headers, CODE_COOKIE).is_some();
    login_response(&state, StatusCode::OK, None, &q.next, "", ask_code)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    code: String,
    csrf: String,
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let remembered = cookie(&headers, CODE_COOKIE).is_some();
    let again_asking = |status: StatusCode, message: &str, ask_code: bool| {
        Ok(login_response(
            &state,
            status,
            Some(message.into()),
            &form.next,
            &form.username,
            ask_code || remembered,
        ))
    };
    let again = |status: StatusCode, message: &str| again_asking(status, message, false);
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
    match sessions::check_login(&state, from, &form.username, &form.password).await {
        Ok(Some(user)) => {
            // The password was right; an account with a second factor also
            // needs its code. The password is typed again with the code: it
            // is never kept between two requests.
            let with_code = match second_factor::check_at_sign_in(&state, &user, &form.code).await {
                Ok(with_code) => with_code,
                Err(ApiError::SecondFactorRequired(why)) => {
                    let message = match why {
                        None => "This account also needs the 6-digit code from your authenticator app (or a recovery code). Enter your password again with the code.".to_string(),
                        Some(why) => format!("{why}. Enter your password again with the code."),
                    };
                    return again_asking(StatusCode::UNAUTHORIZED, &message, true);
                }
                Err(ApiError::InvalidFields(errors)) => {
                    let why = errors.get("code").unwrap_or(fields::REQUIRED);
                    let message = format!("{why}. Enter your password again with the code.");
                    return again_asking(StatusCode::UNPROCESSABLE_ENTITY, &message, true);
                }
                Err(ApiError::TooManyRequests(wait)) => {
                    let message = format!(
                        "Too many wrong codes for this account; wait {}, or ask an admin.",
                        wait_text(wait)
                    );
                    return again_asking(StatusCode::TOO_MANY_REQUESTS, &message, true);
                }
                Err(e) => return Err(e.into()),
            };
            let started = sessions::start_session(&state, &user).await?;
            let cookie = session_cookie(
                &started.token,
                state.config.secure_cookies,
                state.config.session_lifetime.num_seconds(),
            );
            let mut response = (
                [(header::SET_COOKIE, cookie)],
                Redirect::to(safe_next(&form.next)),
            )
                .into_response();
            if with_code {
                let secure = if state.config.secure_cookies {
                    "; Secure"
                } else {
                    ""
                };
                let remember = format!(
                    "{CODE_COOKIE}=1; Path=/login; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}"
                );
                if let Ok(value) = header::HeaderValue::from_str(&remember) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            Ok(response)
        }
        Ok(None) => again(StatusCode::UNAUTHORIZED, "Username or password is wrong."),
        Err(ApiError::TooManyRequests(wait)) => again(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Too many failed attempts from here; wait {} and try again.",
                wait_text(wait)
            ),
        ),
        Err(ApiError::Busy) => again(
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is busy; please try again in a moment.",
        ),
        Err(e) => Err(e.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    EnrollingForm { staff, .. }: EnrollingForm<NoFields>,
) -> PageResult {
    sessions::end_session(&state, &staff.token_hash).await?;
    let clear = session_cookie("", state.config.secure_cookies, 0);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}
