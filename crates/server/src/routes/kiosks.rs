//! Kiosks, for managers and admins: `/api/v1/kiosks` and the settings
//! page's kiosk forms. Adding a kiosk (or asking for a new link) shows its
//! one-time pairing link once; revoking one ends its tablet's next request.

use crate::app::kiosk::{self, Pairing};
use crate::error::ApiError;
use crate::http::auth::Staff;
use crate::http::extract::{
    ApiJson, ApiQuery, Id, LocationQuery, NoFields, PageId, StaffForm, base_url,
};
use crate::http::page::{PageResult, render};
use crate::state::AppState;
use crate::text::{time, url_encode};
use crate::views::patient::qr_svg;
use crate::views::screens::KioskPairing;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::Role;
use frontdesk_store::Kiosk;
use serde::{Deserialize, Serialize};

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/kiosks", get(list).post(add))
        .route("/kiosks/{id}/pairing", post(pairing))
        .route("/kiosks/{id}/rename", post(rename))
        .route("/kiosks/{id}/revoke", post(revoke))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/settings/kiosks", post(add_submit))
        .route("/settings/kiosks/{id}/pairing", post(pairing_submit))
        .route("/settings/kiosks/{id}/rename", post(rename_submit))
        .route("/settings/kiosks/{id}/revoke", post(revoke_submit))
}

fn manager(staff: &Staff) -> Result<(), ApiError> {
    staff.require(Role::can_change_settings)
}

/// A kiosk in the API; `pairing_url` only when a link was just made.
#[derive(Serialize)]
struct KioskJson {
    id: i64,
    location: String,
    name: String,
    created_at: String,
    paired_at: Option<String>,
    last_seen_at: Option<String>,
    revoked_at: Option<String>,
    pairing_expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pairing_url: Option<String>,
}

impl KioskJson {
    fn of(k: &Kiosk) -> KioskJson {
        KioskJson {
            id: k.id,
            location: k.location.clone(),
            name: k.name.clone(),
            created_at: time(k.created_at),
            paired_at: k.paired_at.map(time),
            last_seen_at: k.last_seen_at.map(time),
            revoked_at: k.revoked_at.map(time),
            pairing_expires_at: k.pairing_expires_at.map(time),
            pairing_url: None,
        }
    }
}

#[derive(Serialize)]
struct KioskList {
    kiosks: Vec<KioskJson>,
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<KioskList>, ApiError> {
    manager(&staff)?;
    let location = staff.at(q.location.as_deref())?;
    let kiosks = state.store.kiosks(&location).await?;
    Ok(Json(KioskList {
        kiosks: kiosks.iter().map(KioskJson::of).collect(),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KioskInput {
    name: String,
    location: Option<String>,
}

/// The answer with the pairing link, as a full address where one is known.
fn with_link(state: &AppState, headers: &HeaderMap, p: &Pairing) -> KioskJson {
    let base = base_url(state, headers);
    KioskJson {
        pairing_url: Some(format!("{}{}", base.trim_end_matches('/'), p.path)),
        ..KioskJson::of(&p.kiosk)
    }
}

async fn add(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    ApiJson(input): ApiJson<KioskInput>,
) -> Result<impl IntoResponse, ApiError> {
    manager(&staff)?;
    let location = staff.at(input.location.as_deref())?;
    let p = kiosk::add(&state, &staff.caller(), &location, &input.name).await?;
    Ok((StatusCode::CREATED, Json(with_link(&state, &headers, &p))))
}

async fn pairing(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Id(id): Id,
) -> Result<Json<KioskJson>, ApiError> {
    manager(&staff)?;
    let p = kiosk::new_pairing(&state, &staff.caller(), id).await?;
    Ok(Json(with_link(&state, &headers, &p)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NameInput {
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
    ApiJson(input): ApiJson<NameInput>,
) -> Result<Json<KioskJson>, ApiError> {
    manager(&staff)?;
    let k = kiosk::rename(&state, &staff.caller(), id, &input.name).await?;
    Ok(Json(KioskJson::of(&k)))
}

async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
) -> Result<Json<KioskJson>, ApiError> {
    manager(&staff)?;
    let k = kiosk::revoke(&state, &staff.caller(), id).await?;
    Ok(Json(KioskJson::of(&k)))
}

// --- the settings page's forms ---

/// The pairing link, shown once, with a QR code for the tablet's camera.
fn pairing_page(state: &AppState, staff: &Staff, headers: &HeaderMap, p: &Pairing) -> PageResult {
    let base = base_url(state, headers);
    Ok(render(&KioskPairing {
        nav: staff.nav(),
        location: p.kiosk.location.clone(),
        name: p.kiosk.name.clone(),
        url: format!("{}{}", base.trim_end_matches('/'), p.path),
        qr: qr_svg(&base, &p.path),
    }))
}

fn back_to_settings(location: &str) -> PageResult {
    Ok(Redirect::to(&format!(
        "/settings?location={}&saved=kiosks#kiosks",
        url_encode(location)
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KioskForm {
    location: String,
    name: String,
}

async fn add_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    StaffForm { staff, form }: StaffForm<KioskForm>,
) -> PageResult {
    manager(&staff)?;
    let location = staff.at(Some(&form.location))?;
    let p = kiosk::add(&state, &staff.caller(), &location, &form.name).await?;
    pairing_page(&state, &staff, &headers, &p)
}

async fn pairing_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageId(id): PageId,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> PageResult {
    manager(&staff)?;
    let p = kiosk::new_pairing(&state, &staff.caller(), id).await?;
    pairing_page(&state, &staff, &headers, &p)
}

async fn rename_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, form }: StaffForm<KioskForm>,
) -> PageResult {
    manager(&staff)?;
    let k = kiosk::rename(&state, &staff.caller(), id, &form.name).await?;
    back_to_settings(&k.location)
}

async fn revoke_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> PageResult {
    manager(&staff)?;
    let k = kiosk::revoke(&state, &staff.caller(), id).await?;
    back_to_settings(&k.location)
}
