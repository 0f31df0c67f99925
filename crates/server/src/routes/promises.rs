//! Promises: `/api/v1/promises` and the promises page (the ledger, grouped
//! by owner, with the kept rate of the last 30 days).

use crate::app::promises::{self as promises, PromiseInput};
use crate::app::retries;
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::{ApiQuery, Id, KeyedJson, PageId, StaffForm};
use crate::http::page::{PageResult, form_status, render_with};
use crate::http::retry;
use crate::routes::visits::retries_earlier;
use crate::state::AppState;
use crate::text::{time, url_encode};
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
use frontdesk_domain::{FieldErrors, Timestamp};
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
    KeyedJson { input, key }: KeyedJson<PromiseInput>,
) -> Result<Response, ApiError> {
    let once = key.map(|k| k.claim(&staff.user.username));
    if let Some(first) = retries_earlier(&state, once.as_ref()).await? {
        return Ok(first);
    }
    let made = promises::record(&state, &staff.user, input, once.as_ref()).await;
    let (promise, prepared) = match retries::after_failure(&state, once.as_ref(), made).await? {
        Ok(made) => made,
        Err(first) => return Ok(retry::replay(first)),
    };
    let body = PromiseJson::made(&promise, prepared.warning, prepared.from_priors);
    retry::answer(&state, once.as_ref(), StatusCode::CREATED, &body).await
}

async fn fulfil(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
) -> Result<Json<PromiseJson>, ApiError> {
    let p = promises::fulfil(&state, id, &staff.caller()).await?;
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
    let location = staff.at(q.location.as_deref())?;
    let now = state.now();
    let open = promises::open(&state, &location, q.owner.as_deref(), &staff.user).await?;
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

/// The promises page of a location: what it says at the top, and a refused
/// form's errors.
struct Shown {
    only_mine: bool,
    notice: Option<String>,
    warning: Option<String>,
    errors: FieldErrors,
}

async fn page_response(
    state: &AppState,
    staff: &crate::http::auth::Staff,
    location: &str,
    shown: Shown,
) -> PageResult {
    let Shown {
        only_mine,
        notice,
        warning,
        errors,
    } = shown;
    let now = state.now();
    staff.caller().check(location)?;
    let location = state.location(location).await?;
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
        location: location.id.clone(),
        location_name: location.name.clone(),
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
    location: Option<String>,
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
    let shown = Shown {
        only_mine: q.owner.as_deref() == Some("me"),
        notice,
        warning,
        errors: FieldErrors::new(),
    };
    let location = staff.at(q.location.as_deref())?;
    page_response(&state, &staff, &location, shown).await
}

/// The page again with a refused form's errors.
fn refused(errors: FieldErrors) -> Shown {
    Shown {
        only_mine: false,
        notice: None,
        warning: None,
        errors,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PromiseForm {
    location: String,
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
    let location = staff.at(Some(&form.location))?;
    let visit_id = crate::http::extract::visit_number(&form.visit_id, &mut errors);
    let due_at = match form.due_at.trim() {
        "" => None,
        text => match local_due(&state, &location, text).await {
            Ok(t) => Some(t),
            Err(message) => {
                errors.add("due_at", message);
                None
            }
        },
    };
    if !errors.is_empty() {
        return page_response(&state, &staff, &location, refused(errors)).await;
    }
    let input = PromiseInput {
        kind: form.kind,
        visit_id,
        due_at,
        note: Some(form.note),
        location: Some(location.clone()),
        ..Default::default()
    };
    match promises::record(&state, &staff.user, input, None).await {
        Ok((p, _)) => Ok(Redirect::to(&format!(
            "/promises?location={}&saved={}",
            url_encode(&p.location),
            p.id
        ))
        .into_response()),
        Err(ApiError::InvalidFields(errors)) => {
            page_response(&state, &staff, &location, refused(errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn fulfil_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, .. }: StaffForm<crate::http::extract::NoFields>,
) -> PageResult {
    let p = promises::fulfil(&state, id, &staff.caller()).await?;
    Ok(Redirect::to(&format!(
        "/promises?location={}&done=1",
        url_encode(&p.location)
    ))
    .into_response())
}
