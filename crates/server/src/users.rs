//! Staff accounts, for admins: list, add, disable and enable. Passwords are
//! hashed with argon2id; a disabled account is signed out everywhere.

use crate::AppState;
use crate::auth::{PageStaff, Staff, hash_password};
use crate::error::ApiError;
use crate::pages::{Nav, error_page};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use frontdesk_domain::{FieldErrors, Role, fields};
use frontdesk_store::StaffUser;
use serde::Deserialize;

/// Validate and add a staff account. Returns the account as kept: the
/// username trimmed and in lowercase ([`fields::username`]).
pub async fn add_user(
    state: &AppState,
    actor: &Staff,
    username: &str,
    role: &str,
    password: &str,
) -> Result<StaffUser, ApiError> {
    let mut errors = FieldErrors::new();
    let username = errors.check("username", fields::username(username));
    let role = match role.parse::<Role>() {
        Ok(r) => Some(r),
        Err(_) => {
            errors.add("role", "Choose front_desk, clinician, manager or admin");
            None
        }
    };
    let password = errors
        .check("password", fields::new_password(password))
        .map(str::to_string);
    let (Some(username), Some(role), Some(password)) = (username, role, password) else {
        return Err(ApiError::InvalidFields(errors));
    };
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::Internal)?;
    let user = match state
        .store
        .create_user(&username, role, &hash, state.now())
        .await
    {
        Ok(user) => user,
        Err(frontdesk_store::StoreError::Conflict(_)) => {
            return Err(ApiError::field("username", "This username is taken"));
        }
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .audit(
            &actor.actor(),
            "user.add",
            &format!("user:{}", user.username),
            state.now(),
        )
        .await?;
    Ok(user)
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    notice: Option<String>,
    current: String,
    users: Vec<(String, &'static str, bool)>,
    roles: Vec<(&'static str, &'static str)>,
    form_username: String,
    form_role: String,
    errors: FieldErrors,
}

async fn users_response(
    state: &AppState,
    staff: &Staff,
    notice: Option<String>,
    form: &UserForm,
    errors: FieldErrors,
) -> Result<Response, ApiError> {
    staff.require(Role::can_manage_users)?;
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.username, u.role.label(), u.disabled))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UsersPage {
        nav: Nav::of(staff),
        notice,
        current: staff.user.username.clone(),
        users,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        form_username: form.username.clone(),
        form_role: if form.role.is_empty() {
            "front_desk".into()
        } else {
            form.role.clone()
        },
        errors,
    };
    match page.render() {
        Ok(html) => Ok((status, Html(html)).into_response()),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn users_page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<SavedQuery>,
) -> Response {
    let notice = q
        .saved
        .map(|name| format!("Saved {}.", crate::log_safe(&name)));
    users_response(
        &state,
        &staff,
        notice,
        &UserForm::default(),
        FieldErrors::new(),
    )
    .await
    .unwrap_or_else(error_page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    csrf: String,
    username: String,
    role: String,
    password: String,
}

pub async fn add_user_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<UserForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    if let Err(e) = staff.require(Role::can_manage_users) {
        return error_page(e);
    }
    match add_user(&state, &staff, &form.username, &form.role, &form.password).await {
        Ok(user) => Redirect::to(&format!(
            "/users?saved={}",
            crate::pages::url_encode(&user.username)
        ))
        .into_response(),
        Err(ApiError::InvalidFields(errors)) => users_response(&state, &staff, None, &form, errors)
            .await
            .unwrap_or_else(error_page),
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn set_disabled_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path((username, action)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    if let Err(e) = staff.require(Role::can_manage_users) {
        return error_page(e);
    }
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return error_page(ApiError::NotFound),
    };
    if disabled && username == staff.user.username {
        return error_page(ApiError::Conflict(
            "You cannot disable your own account".into(),
        ));
    }
    match state
        .store
        .set_user_disabled(&username, disabled, &staff.actor(), state.now())
        .await
        .inspect(|_| crate::auth::forget_sessions(&state))
    {
        Ok(()) => Redirect::to(&format!(
            "/users?saved={}",
            crate::pages::url_encode(&username)
        ))
        .into_response(),
        Err(e) => error_page(e.into()),
    }
}
