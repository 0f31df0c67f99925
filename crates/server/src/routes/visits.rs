//! Visits: check-in, acknowledgement and moves by `/api/v1/visits` and
//! `/api/v1/lobby`, and the pages staff use all day: the lobby board, one
//! visit, and a patient's private link to hand over.

use crate::app::retries;
use crate::app::visits::{self as visits, CheckedIn, open_waits_by_visit};
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::{
    ApiJson, ApiQuery, Id, KeyedJson, LocationQuery, NoFields, OnceForm, PageId, StaffForm,
};
use crate::http::page::{PageResult, form_status, render, render_with};
use crate::http::retry;
use crate::state::AppState;
use crate::text::{time, url_encode};
use crate::views::arrival::PanelView;
use crate::views::concerns::{ConcernView, HeldAnswer};
use crate::views::page::local;
use crate::views::promises::{PromiseJson, ledger_kinds};
use crate::views::visits::{
    ArrivalForm, BoardPage, BoardRows, ExpectedView, LobbyJson, RecoveryView, RowView,
    StatusLinkPage, TimelineJson, VisitDetail, VisitJson, VisitPage, row_view, with_marks,
    with_promise,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::patient::ArrivalInput;
use frontdesk_domain::{AckPolicy, FieldErrors, fields};
use frontdesk_store::{Actor, Location};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/visits", post(check_in))
        .route("/visits/{id}", get(visit))
        .route("/visits/{id}/acknowledgements", post(acknowledge))
        .route("/visits/{id}/transitions", post(transition))
        .route("/lobby", get(lobby))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/board", get(board))
        .route("/board/rows", get(board_rows))
        .route("/board/check-in", post(check_in_submit))
        .route("/visits/{id}", get(visit_view))
        .route("/visits/{id}/acknowledge", post(acknowledge_submit))
        .route("/visits/{id}/transition", post(transition_submit))
        .route("/visits/{id}/status-link", post(status_link_submit))
}

// --- the API ---

async fn check_in(
    State(state): State<AppState>,
    staff: Staff,
    KeyedJson { mut input, key }: KeyedJson<ArrivalInput>,
) -> Result<Response, ApiError> {
    let once = key.map(|k| k.claim(&staff.user.username));
    if let Some(first) = retries_earlier(&state, once.as_ref()).await? {
        return Ok(first);
    }
    // No location named: their own.
    if input
        .location
        .as_deref()
        .is_none_or(|l| l.trim().is_empty())
    {
        input.location = Some(staff.at(None)?);
    }
    let made = visits::check_in_as_asked(&state, &input, &staff.caller(), once.as_ref()).await;
    let CheckedIn {
        visit, status_path, ..
    } = match retries::after_failure(&state, once.as_ref(), made).await? {
        Ok(made) => made,
        Err(first) => return Ok(retry::replay(first)),
    };
    let policy = state.ack_policy(&visit.location).await?;
    let body = VisitJson {
        // The patient's private status link, shown only now (and to a
        // retry with the same Idempotency-Key).
        status_url: Some(status_path),
        ..VisitJson::of(&visit, &policy, state.now())
    };
    retry::answer(&state, once.as_ref(), StatusCode::CREATED, &body).await
}

/// The first answer to this key, if it was used already (see `retries::earlier`).
pub(crate) async fn retries_earlier(
    state: &AppState,
    once: Option<&retries::Once>,
) -> Result<Option<Response>, ApiError> {
    match once {
        Some(claim) => Ok(retries::earlier(state, claim).await?.map(retry::replay)),
        None => Ok(None),
    }
}

async fn visit(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
) -> Result<Json<VisitDetail>, ApiError> {
    let now = state.now();
    let (visit, timeline) = visits::read(&state, &staff.caller(), id).await?;
    let policy = state.ack_policy(&visit.location).await?;
    let promise = state.store.visit_promise(id).await?;
    Ok(Json(VisitDetail {
        visit: VisitJson::of(&visit, &policy, now),
        promise: promise.as_ref().map(PromiseJson::of),
        timeline: Some(timeline.iter().map(TimelineJson::of).collect()),
    }))
}

async fn acknowledge(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
) -> Result<impl IntoResponse, ApiError> {
    let visit = visits::acknowledge(&state, id, &staff.caller()).await?;
    let policy = state.ack_policy(&visit.location).await?;
    Ok((
        StatusCode::CREATED,
        Json(VisitJson::of(&visit, &policy, state.now())),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TransitionInput {
    to: String,
}

async fn transition(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<VisitJson>, ApiError> {
    if input.to.trim().is_empty() {
        return Err(ApiError::field("to", fields::REQUIRED));
    }
    let visit = visits::transition(&state, id, &input.to, &staff.caller()).await?;
    let policy = state.ack_policy(&visit.location).await?;
    Ok(Json(VisitJson::of(&visit, &policy, state.now())))
}

async fn lobby(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<LobbyJson>, ApiError> {
    let location = staff.at(q.location.as_deref())?;
    let now = state.now();
    let policy = state.ack_policy(&location).await?;
    let present = state
        .store
        .lobby(&location, Some(&staff.actor()), now)
        .await?;
    let promises = open_waits_by_visit(&state, &location).await?;
    let visits = present
        .iter()
        .map(|v| VisitDetail {
            visit: VisitJson::of(v, &policy, now),
            promise: promises.get(&v.id).map(PromiseJson::of),
            timeline: None,
        })
        .collect();
    Ok(Json(LobbyJson {
        location: location.clone(),
        now: time(now),
        visits,
    }))
}

// --- the board ---

/// The board's rows for a location, with each patient's open wait promise
/// and marks (questions, upset, stepped out).
struct LobbyRows {
    location: Location,
    policy: AckPolicy,
    providers: Vec<(String, String)>,
    rows: Vec<RowView>,
    marks: frontdesk_store::LobbyMarks,
}

/// `audit` names the reader when this read is to be audited.
async fn lobby_rows(
    state: &AppState,
    staff: &Staff,
    location: &str,
    audit: Option<&Actor>,
) -> Result<LobbyRows, ApiError> {
    staff.caller().check(location)?;
    let now = state.now();
    let loc = state.location(location).await?;
    let policy = state.config.ack_override.apply(loc.ack_policy);
    let zone = loc.zone();
    let providers = provider_names(state).await?;
    let visits = state.store.lobby(location, audit, now).await?;
    let promises = open_waits_by_visit(state, location).await?;
    let marks = state
        .store
        .lobby_marks(location, now - chrono::Duration::hours(24))
        .await?;
    let rows = visits
        .iter()
        .map(|v| {
            with_marks(
                with_promise(
                    row_view(v, &policy, zone, now, &providers),
                    promises.get(&v.id),
                    zone,
                ),
                &marks,
            )
        })
        .collect();
    Ok(LobbyRows {
        location: loc,
        policy,
        providers,
        rows,
        marks,
    })
}

/// Providers as (id, display name).
async fn provider_names(state: &AppState) -> Result<Vec<(String, String)>, ApiError> {
    Ok(state
        .store
        .providers()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

async fn board_page(
    state: &AppState,
    staff: &Staff,
    location: &str,
    form: ArrivalForm,
    errors: FieldErrors,
) -> PageResult {
    let now = state.now();
    let LobbyRows {
        location: loc,
        policy,
        providers,
        rows,
        marks,
    } = lobby_rows(state, staff, location, Some(&staff.actor())).await?;
    let zone = loc.zone();
    let local_now = now.with_timezone(&zone);
    let day_start = local_now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|d| d.and_local_timezone(zone).earliest());
    let expected = match day_start {
        Some(start) => {
            let start = start.with_timezone(&chrono::Utc);
            state
                .store
                .expected_visits(location, start, start + chrono::Duration::days(1))
                .await?
                .iter()
                .map(|v| ExpectedView {
                    id: v.id,
                    time: v
                        .scheduled_at
                        .map(|t| local(t, zone, "%H:%M"))
                        .unwrap_or_default(),
                    name: v.full_name(),
                    provider: v
                        .provider
                        .as_ref()
                        .map(|id| {
                            providers
                                .iter()
                                .find(|(p, _)| p == id)
                                .map_or(id.clone(), |(_, n)| n.clone())
                        })
                        .unwrap_or_default(),
                    late: marks
                        .running_late
                        .iter()
                        .find(|(id, _)| *id == v.id)
                        .map(|(_, m)| format!("Running about {m} min late"))
                        .unwrap_or_default(),
                })
                .collect()
        }
        None => Vec::new(),
    };
    let recoveries = crate::app::surveys::open_recoveries(state, location)
        .await?
        .into_iter()
        .map(|(p, v)| RecoveryView {
            visit_id: v.id,
            name: v.full_name(),
            due: local(p.due_at, zone, "%a %H:%M"),
            overdue: p.due_at <= now,
            note: p.note,
        })
        .collect();
    // Refresh often enough that the clock column stays honest at the clock's speed.
    let refresh_ms = ((15_000.0 / state.clock.speed().max(1.0)) as u64).clamp(1_000, 15_000);
    let page = BoardPage {
        nav: staff.nav(),
        location: loc.id.clone(),
        location_name: loc.name.clone(),
        policy_text: policy.describe(),
        overridden: state.config.ack_override.is_set(),
        now_text: local_now.format("%H:%M").to_string(),
        refresh_ms,
        rows,
        csrf: staff.csrf_token.clone(),
        providers,
        expected,
        recoveries,
        form,
        once: crate::secrets::random_token(),
        errors,
    };
    Ok(render_with(form_status(&page.errors), &page))
}

async fn board(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<LocationQuery>,
) -> PageResult {
    board_page(
        &state,
        &staff,
        &staff.at(q.location.as_deref())?,
        ArrivalForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// The board's rows alone, fetched by the page's script when something changes.
/// Audited at most once a minute per session: it is a live push, not a new read.
async fn board_rows(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<LocationQuery>,
) -> Result<Response, ApiError> {
    let actor = staff.actor();
    let audit = state.live_audit_due(&staff.token_hash).then_some(&actor);
    let location = staff.at(q.location.as_deref())?;
    let board = lobby_rows(&state, &staff, &location, audit).await?;
    let now_text = local(state.now(), board.location.zone(), "%H:%M");
    Ok(render(&BoardRows {
        rows: board.rows,
        csrf: staff.csrf_token.clone(),
        now_text,
    }))
}

async fn check_in_submit(
    State(state): State<AppState>,
    OnceForm { staff, form, once }: OnceForm<ArrivalForm>,
) -> PageResult {
    let once = once.map(|k| k.claim(&staff.user.username));
    if let Some(first) = form_earlier(&state, once.as_ref()).await? {
        return Ok(first);
    }
    let location = staff.at(Some(&form.location))?;
    let input = ArrivalInput {
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        date_of_birth: Some(form.date_of_birth.clone()),
        provider: Some(form.provider.clone()),
        location: Some(location.clone()),
        ..Default::default()
    };
    let made = visits::check_in_as_asked(&state, &input, &staff.caller(), once.as_ref()).await;
    match retries::after_failure(&state, once.as_ref(), made).await {
        Ok(Ok(_)) => {
            let to = format!("/board?location={}", url_encode(&location));
            Ok(retry::form_answer(&state, once.as_ref(), &to).await)
        }
        Ok(Err(first)) => Ok(retry::form_replay(first)),
        Err(ApiError::InvalidFields(errors)) => {
            board_page(&state, &staff, &location, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A page form sent again with the same one-time id: where the first went.
/// The same id with a changed form is a page saying so.
pub(crate) async fn form_earlier(
    state: &AppState,
    once: Option<&retries::Once>,
) -> Result<Option<Response>, ApiError> {
    let Some(claim) = once else {
        return Ok(None);
    };
    match retries::earlier(state, claim).await {
        Ok(first) => Ok(first.map(retry::form_replay)),
        Err(ApiError::InvalidFields(_)) => Err(ApiError::Conflict(
            "This form was already sent. Open the page again to send a new one.".into(),
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    to: String,
    /// `visit` to come back to the visit page; otherwise the board.
    back: String,
}

fn after_action(id: i64, back: &str, location: &str) -> Response {
    if back == "visit" {
        Redirect::to(&format!("/visits/{id}")).into_response()
    } else {
        Redirect::to(&format!(
            "/board?location={}#visit-{id}",
            url_encode(location)
        ))
        .into_response()
    }
}

async fn acknowledge_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, form }: StaffForm<ActionForm>,
) -> PageResult {
    let v = visits::acknowledge(&state, id, &staff.caller()).await?;
    Ok(after_action(id, &form.back, &v.location))
}

async fn transition_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, form }: StaffForm<ActionForm>,
) -> PageResult {
    match visits::transition(&state, id, &form.to, &staff.caller()).await {
        Ok(v) => Ok(after_action(id, &form.back, &v.location)),
        Err(e @ ApiError::OpenConcerns(_)) => {
            let page = visit_page(&state, &staff, id, Some(e.to_string()), None).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// --- one visit ---

async fn visit_view(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    PageId(id): PageId,
) -> PageResult {
    visit_page(&state, &staff, id, None, None).await
}

/// The visit page, with an error to show (a stopped checkout, a refused
/// answer) and an answer the tone coach held, with its flags, if any.
pub async fn visit_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: Option<String>,
    held: Option<HeldAnswer>,
) -> PageResult {
    Ok(render(
        &visit_page_view(state, staff, id, error, held).await?,
    ))
}

/// What [`visit_page`] shows, for a handler that adds to it (a notice).
pub async fn visit_page_view(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: Option<String>,
    held: Option<HeldAnswer>,
) -> Result<VisitPage, ApiError> {
    let now = state.now();
    let (visit, timeline) = visits::read(state, &staff.caller(), id).await?;
    let loc = state.location(&visit.location).await?;
    let zone = loc.zone();
    let policy = state.config.ack_override.apply(loc.ack_policy);
    let providers = provider_names(state).await?;
    let concerns = state.store.visit_concerns(visit.id).await?;
    let page = VisitPage {
        once: crate::secrets::random_token(),
        nav: staff.nav(),
        row: with_promise(
            row_view(&visit, &policy, zone, now, &providers),
            state.store.visit_promise(visit.id).await?.as_ref(),
            zone,
        ),
        dob: visit
            .date_of_birth
            .map(|d| d.to_string())
            .unwrap_or_else(|| "Not given".into()),
        scheduled: visit
            .scheduled_at
            .map(|t| local(t, zone, "%H:%M"))
            .unwrap_or_else(|| "Walk-in".into()),
        error,
        needing_answer: concerns.iter().filter(|c| c.status.needs_answer()).count(),
        concerns: concerns
            .iter()
            .map(|c| ConcernView::of(c, zone, held.as_ref()))
            .collect(),
        follow_up_kinds: ledger_kinds(),
        timeline: timeline
            .iter()
            .map(|e| (local(e.at, zone, "%H:%M:%S"), e.describe()))
            .collect(),
        notice: None,
        arrival: crate::app::arrival::panel(state, &visit)
            .await?
            .map(|p| PanelView::of(&p, zone)),
    };
    Ok(page)
}

/// Make a new private status link for a patient; shown once, to hand over:
/// the full address (clickable) and a QR code for the patient's phone.
async fn status_link_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    headers: HeaderMap,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> PageResult {
    let (visit, _) = visits::read(&state, &staff.caller(), id).await?;
    let link = visits::issue_link(&state, &visit, &staff.actor()).await?;
    let base = crate::http::extract::base_url(&state, &headers);
    Ok(render(&StatusLinkPage {
        nav: staff.nav(),
        id,
        name: visit.public_name(),
        url: format!("{}{link}", base.trim_end_matches('/')),
        qr: crate::views::patient::qr_svg(&base, &link),
    }))
}
