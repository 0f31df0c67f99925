//! Promises: `/api/v1/promises` and the promises page (the ledger, grouped
//! by owner, with the kept rate of the last 30 days).

use crate::app::promises::{self as promises, PromiseInput};
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::{ApiJson, ApiQuery, Id, PageId, StaffForm};
use crate::http::page::{PageResult, form_status, render_with};
use crate::state::AppState;
use crate::text::time;
use crate::views::page::local;
use crate::views::promises::{
    PromiseJson, PromiseList, PromiseRow, PromisesPage, SettledRow, by_owner, kept_rate,
    ledger_kinds,
};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::promise::{PromiseStatus, due_state, remind_at};
use frontdesk_domain::{FieldErrors, MAIN_LOCATION, Timestamp};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/promises", get(list).post(create))
        .route("/promises/{id}/fulfil", post(fulfil))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/promises", get(page).post(page_submit))
        .route("/promises/{id}/fulfil", post(fulfil_submit))
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<PromiseInput>,
) -> Result<impl IntoResponse, ApiError> {
    let (promise, prepared) = promises::record(&state, &staff.user, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(PromiseJson::made(
            &promise,
            prepared.warning,
            prepared.from_priors,
        )),
    ))
}

async fn fulfil(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
) -> Result<Json<PromiseJson>, ApiError> {
    let p = promises::fulfil(&state, id, &staff.actor()).await?;
    Ok(Json(PromiseJson::of(&p)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    location: Option<String>,
    /// A username, or `me`.
    owner: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PromiseList>, ApiError> {
    let location = crate::http::extract::location_or_main(q.location.as_deref());
    let now = state.now();
    let open = promises::open(&state, location, q.owner.as_deref(), &staff.user).await?;
    let promises = open
        .iter()
        .map(|p| PromiseJson {
            due: Some(due_state(p.made_at, p.due_at, now).as_str()),
            remind_at: Some(time(remind_at(p.made_at, p.due_at))),
            ..PromiseJson::of(p)
        })
        .collect();
    Ok(Json(PromiseList { promises }))
}

async fn page_response(
    state: &AppState,
    staff: &crate::http::auth::Staff,
    only_mine: bool,
    notice: Option<String>,
    warning: Option<String>,
    errors: FieldErrors,
) -> PageResult {
    let now = state.now();
    let location = state.location(MAIN_LOCATION).await?;
    let zone = location.zone();
    let owner = only_mine.then_some("me");
    let open = promises::open(state, &location.id, owner, &staff.user).await?;
    let settled = state
        .store
        .settled_promises(&location.id, now - chrono::Duration::days(30))
        .await?;
    let when = |t: Timestamp| local(t, zone, "%a %d %b %H:%M");
    let who = |visit: Option<i64>| visit.map(|v| format!("visit {v}")).unwrap_or_default();
    let rows = open
        .iter()
        .map(|p| PromiseRow {
            id: p.id,
            due: when(p.due_at),
            state: due_state(p.made_at, p.due_at, now).as_str(),
            kind: p.kind.label().to_string(),
            who: who(p.visit_id),
            owner: p.owner.clone().unwrap_or_else(|| "no owner".into()),
            note: p.note.clone(),
        })
        .collect();
    let settled: Vec<SettledRow> = settled
        .iter()
        .map(|p| SettledRow {
            kind: p.kind.label().to_string(),
            who: who(p.visit_id),
            due: when(p.due_at),
            done: p.fulfilled_at.map(when).unwrap_or_default(),
            by: p.fulfilled_by.clone().unwrap_or_default(),
            kept: p.status == PromiseStatus::Kept,
        })
        .collect();
    let page = PromisesPage {
        nav: staff.nav(),
        notice,
        warning,
        groups: by_owner(rows, &staff.user.username),
        only_mine,
        kept_rate: kept_rate(&settled),
        settled: settled.into_iter().take(50).collect(),
        kinds: ledger_kinds(),
        errors,
    };
    Ok(render_with(form_status(&page.errors), &page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    /// The promise just recorded: its "big promise" warning is worked out
    /// again here (never text from the address).
    saved: Option<i64>,
    /// A promise was just marked done.
    done: Option<String>,
    /// `me`: only the signed-in user's promises.
    owner: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let notice = match (q.saved, q.done) {
        (Some(_), _) => Some("Saved.".to_string()),
        (None, Some(_)) => {
            Some("Marked done: recorded kept or broken, with your name.".to_string())
        }
        _ => None,
    };
    let warning = match q.saved {
        Some(id) => promises::warning_for(&state, id).await,
        None => None,
    };
    let only_mine = q.owner.as_deref() == Some("me");
    page_response(
        &state,
        &staff,
        only_mine,
        notice,
        warning,
        FieldErrors::new(),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PromiseForm {
    kind: String,
    visit_id: String,
    due_at: String,
    note: String,
}

/// A form's local date and time (`2026-03-05T16:30`), read in the location's
/// zone, as the API's RFC 3339 text.
pub async fn local_due(
    state: &AppState,
    location: &str,
    text: &str,
) -> Result<String, &'static str> {
    let zone = state
        .location(location)
        .await
        .map(|l| l.zone())
        .unwrap_or(chrono_tz::UTC);
    frontdesk_domain::appointment::parse_local_time(text, zone)
        .map(time)
        .ok_or("Time not understood")
}

async fn page_submit(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<PromiseForm>,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let visit_id = crate::http::extract::visit_number(&form.visit_id, &mut errors);
    let due_at = match form.due_at.trim() {
        "" => None,
        text => match local_due(&state, MAIN_LOCATION, text).await {
            Ok(t) => Some(t),
            Err(message) => {
                errors.add("due_at", message);
                None
            }
        },
    };
    if !errors.is_empty() {
        return page_response(&state, &staff, false, None, None, errors).await;
    }
    let input = PromiseInput {
        kind: form.kind,
        visit_id,
        due_at,
        note: Some(form.note),
        ..Default::default()
    };
    match promises::record(&state, &staff.user, input).await {
        Ok((p, _)) => Ok(Redirect::to(&format!("/promises?saved={}", p.id)).into_response()),
        Err(ApiError::InvalidFields(errors)) => {
            page_response(&state, &staff, false, None, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn fulfil_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, .. }: StaffForm<crate::http::extract::NoFields>,
) -> Result<Response, crate::http::page::PageError> {
    promises::fulfil(&state, id, &staff.actor()).await?;
    Ok(Redirect::to("/promises?done=1").into_response())
}
