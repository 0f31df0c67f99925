//! Locations: `/api/v1/locations` (the ones the caller works at; admins add
//! more) and the admins' locations page.

use crate::app::settings;
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::{ApiJson, StaffForm};
use crate::http::page::{PageResult, form_status, render_with};
use crate::state::AppState;
use crate::text::{log_safe, url_encode};
use crate::views::locations::{LocationJson, LocationList, LocationsPage};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Json, Router};
use frontdesk_domain::{FieldErrors, Role};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new().route("/locations", get(list).post(add))
}

pub fn pages() -> Router<AppState> {
    Router::new().route("/locations", get(page).post(add_submit))
}

async fn list(State(state): State<AppState>, staff: Staff) -> Result<Json<LocationList>, ApiError> {
    let locations = state
        .store
        .locations()
        .await?
        .iter()
        .filter(|l| staff.user.works_at(&l.id))
        .map(LocationJson::of)
        .collect();
    Ok(Json(LocationList { locations }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LocationInput {
    id: String,
    name: String,
    time_zone: String,
}

async fn add(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<LocationInput>,
) -> Result<impl IntoResponse, ApiError> {
    staff.require(Role::can_manage_users)?;
    let l = settings::add_location(
        &state,
        &input.id,
        &input.name,
        &input.time_zone,
        &staff.caller(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(LocationJson::of(&l))))
}

async fn page_with(
    state: &AppState,
    staff: &Staff,
    notice: Option<String>,
    form: &LocationInput,
    errors: FieldErrors,
) -> PageResult {
    staff.require(Role::can_manage_users)?;
    let locations = state
        .store
        .locations()
        .await?
        .into_iter()
        .filter(|l| staff.user.works_at(&l.id))
        .map(|l| (l.id, l.name, l.time_zone))
        .collect();
    let page = LocationsPage {
        nav: staff.nav(),
        notice,
        locations,
        form_id: form.id.clone(),
        form_name: form.name.clone(),
        form_zone: form.time_zone.clone(),
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
    let notice = q.saved.map(|id| format!("Added {}.", log_safe(&id)));
    page_with(
        &state,
        &staff,
        notice,
        &LocationInput::default(),
        FieldErrors::new(),
    )
    .await
}

async fn add_submit(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<LocationInput>,
) -> PageResult {
    staff.require(Role::can_manage_users)?;
    match settings::add_location(
        &state,
        &form.id,
        &form.name,
        &form.time_zone,
        &staff.caller(),
    )
    .await
    {
        Ok(l) => {
            Ok(Redirect::to(&format!("/locations?saved={}", url_encode(&l.id))).into_response())
        }
        Err(ApiError::InvalidFields(errors)) => {
            page_with(&state, &staff, None, &form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
