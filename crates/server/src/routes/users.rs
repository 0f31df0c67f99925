//! Staff accounts, for admins: `/api/v1/users` and the users page.

use crate::app::users;
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::{ApiJson, NoFields, StaffForm};
use crate::http::page::{PageResult, form_status, render_with};
use crate::state::AppState;
use crate::text::{log_safe, url_encode};
use crate::views::sessions::UserJson;
use crate::views::users::{UserList, UsersPage};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::{FieldErrors, Role};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new().route("/users", get(list).post(create))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/users", get(page).post(add_submit))
        .route("/users/{username}/{action}", post(set_disabled_submit))
}

async fn list(State(state): State<AppState>, staff: Staff) -> Result<Json<UserList>, ApiError> {
    staff.require(Role::can_manage_users)?;
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| users::manages(&staff.user, &u.locations))
        .map(|u| UserJson {
            username: u.username,
            role: u.role.as_str(),
            disabled: Some(u.disabled),
            locations: u.locations,
        })
        .collect();
    Ok(Json(UserList { users }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewUserInput {
    username: String,
    role: String,
    password: String,
    /// Location ids; none: every location.
    locations: Vec<String>,
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<NewUserInput>,
) -> Result<impl IntoResponse, ApiError> {
    staff.require(Role::can_manage_users)?;
    let user = users::add(
        &state,
        &staff.user,
        &input.username,
        &input.role,
        &input.password,
        &input.locations,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(UserJson {
            username: user.username,
            role: user.role.as_str(),
            disabled: None,
            locations: user.locations,
        }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserForm {
    username: String,
    role: String,
    password: String,
    /// Location ids, comma-separated; empty: every location.
    locations: String,
}

impl UserForm {
    fn locations(&self) -> Vec<String> {
        self.locations
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

async fn page_with(
    state: &AppState,
    staff: &Staff,
    notice: Option<String>,
    form: &UserForm,
    errors: FieldErrors,
) -> PageResult {
    staff.require(Role::can_manage_users)?;
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| users::manages(&staff.user, &u.locations))
        .map(|u| {
            let at = if u.locations.is_empty() {
                "every location".to_string()
            } else {
                u.locations.join(", ")
            };
            (u.username, u.role.label(), u.disabled, at)
        })
        .collect();
    let page = UsersPage {
        nav: staff.nav(),
        notice,
        current: staff.user.username.clone(),
        users,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        form_username: form.username.clone(),
        form_role: if form.role.is_empty() {
            Role::FrontDesk.as_str().into()
        } else {
            form.role.clone()
        },
        form_locations: form.locations.clone(),
        errors,
    };
    Ok(render_with(form_status(&page.errors), &page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let notice = q.saved.map(|name| format!("Saved {}.", log_safe(&name)));
    page_with(
        &state,
        &staff,
        notice,
        &UserForm::default(),
        FieldErrors::new(),
    )
    .await
}

async fn add_submit(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<UserForm>,
) -> PageResult {
    staff.require(Role::can_manage_users)?;
    match users::add(
        &state,
        &staff.user,
        &form.username,
        &form.role,
        &form.password,
        &form.locations(),
    )
    .await
    {
        Ok(user) => Ok(
            Redirect::to(&format!("/users?saved={}", url_encode(&user.username))).into_response(),
        ),
        Err(ApiError::InvalidFields(errors)) => {
            page_with(&state, &staff, None, &form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled_submit(
    State(state): State<AppState>,
    Path((username, action)): Path<(String, String)>,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> PageResult {
    staff.require(Role::can_manage_users)?;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(ApiError::NotFound.into()),
    };
    users::set_disabled(&state, &staff.user, &username, disabled).await?;
    Ok(Redirect::to(&format!("/users?saved={}", url_encode(&username))).into_response())
}
