//! The signed-in staff member's own second factor: `/api/v1/me/totp` and the
//! page `/me/second-factor`. These stay open to a manager or admin who has
//! not set one up yet (everything else sends them here).

use crate::app::second_factor::{self, Offered};
use crate::error::ApiError;
use crate::http::auth::{Enrolling, EnrollingPage, SECOND_FACTOR_PAGE, Staff};
use crate::http::extract::{ApiJson, EnrollingForm, NoFields};
use crate::http::page::{PageResult, render_with};
use crate::state::AppState;
use crate::views::page::local;
use crate::views::second_factor::{
    OfferedJson, RecoveryCodesJson, SecondFactorPage, grouped, qr_svg,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_store::SecondFactorState;
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/me/totp", post(begin))
        .route("/me/totp/confirm", post(confirm))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route(SECOND_FACTOR_PAGE, get(page))
        .route("/me/second-factor/start", post(start_submit))
        .route("/me/second-factor/confirm", post(confirm_submit))
}

async fn begin(
    State(state): State<AppState>,
    Enrolling(staff): Enrolling,
) -> Result<Json<OfferedJson>, ApiError> {
    let Offered {
        secret,
        otpauth_uri,
    } = second_factor::begin(&state, &staff.user).await?;
    Ok(Json(OfferedJson {
        secret,
        otpauth_uri,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeInput {
    code: String,
}

async fn confirm(
    State(state): State<AppState>,
    Enrolling(staff): Enrolling,
    ApiJson(input): ApiJson<CodeInput>,
) -> Result<Json<RecoveryCodesJson>, ApiError> {
    let recovery_codes =
        second_factor::confirm(&state, &staff.user, &staff.token_hash, &input.code).await?;
    Ok(Json(RecoveryCodesJson { recovery_codes }))
}

/// The page as it stands, with an error from the code field or the
/// recovery codes just made.
async fn page_with(
    state: &AppState,
    staff: &Staff,
    error: Option<String>,
    recovery_codes: Vec<String>,
) -> PageResult {
    let (now, offered) = second_factor::status(state, &staff.user).await?;
    let zone = state
        .location(frontdesk_domain::MAIN_LOCATION)
        .await
        .map(|l| l.zone())
        .unwrap_or(chrono_tz::UTC);
    let (name, since, left) = match &now {
        SecondFactorState::Off => ("off", String::new(), 0),
        SecondFactorState::Enrolling { .. } => ("enrolling", String::new(), 0),
        SecondFactorState::On {
            since,
            recovery_codes_left,
        } => ("on", local(*since, zone, "%-d %B %Y"), *recovery_codes_left),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SecondFactorPage {
        nav: staff.nav(),
        required: staff.user.role.needs_second_factor(),
        // Just confirmed, this session is no longer limited.
        must_enroll: staff.must_enroll() && recovery_codes.is_empty(),
        state: name,
        since,
        recovery_codes_left: left,
        secret: offered
            .as_ref()
            .map(|o| grouped(&o.secret))
            .unwrap_or_default(),
        qr: offered.as_ref().and_then(|o| qr_svg(&o.otpauth_uri)),
        recovery_codes,
        error,
    };
    Ok(render_with(status, &page))
}

async fn page(State(state): State<AppState>, EnrollingPage(staff): EnrollingPage) -> PageResult {
    page_with(&state, &staff, None, Vec::new()).await
}

async fn start_submit(
    State(state): State<AppState>,
    EnrollingForm { staff, .. }: EnrollingForm<NoFields>,
) -> PageResult {
    second_factor::begin(&state, &staff.user).await?;
    Ok(Redirect::to(SECOND_FACTOR_PAGE).into_response())
}

async fn confirm_submit(
    State(state): State<AppState>,
    EnrollingForm { staff, form }: EnrollingForm<CodeInput>,
) -> PageResult {
    match second_factor::confirm(&state, &staff.user, &staff.token_hash, &form.code).await {
        Ok(codes) => page_with(&state, &staff, None, codes).await,
        Err(ApiError::InvalidFields(errors)) => {
            let why = errors.get("code").unwrap_or("Check the code").to_string();
            page_with(&state, &staff, Some(why), Vec::new()).await
        }
        Err(e) => Err(e.into()),
    }
}
