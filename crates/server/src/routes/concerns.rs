//! Concerns: `/api/v1/concerns`, `/api/v1/visits/{id}/concerns`, and the
//! visit page's forms to raise, answer and follow up a concern. API clients
//! are expected to call `/api/v1/tone` first; an answer they send with
//! flags is recorded the same way as "send anyway" on the page.

use crate::app::concerns::{self, Answered};
use crate::app::promises::PromiseInput;
use crate::app::retries;
use crate::error::ApiError;
use crate::http::auth::Staff;
use crate::http::extract::{
    ApiJson, ApiQuery, Id, KeyedJson, LocationQuery, OnceForm, PageId, StaffForm,
};
use crate::http::page::PageResult;
use crate::http::retry;
use crate::routes::visits::{form_earlier, retries_earlier, visit_page};
use crate::state::AppState;
use crate::views::concerns::ConcernJson;
use crate::views::page::fields_in_words;
use crate::views::promises::PromiseJson;
use crate::views::tone::ReplyJson;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::concern::{Source, TimeToFirstAnswer};
use serde::{Deserialize, Serialize};

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/visits/{id}/concerns", get(of_visit).post(raise))
        .route("/concerns", get(list))
        .route("/concerns/{id}/answer", post(answer))
        .route("/concerns/{id}/follow-up", post(follow_up))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/visits/{id}/concerns", post(raise_submit))
        .route("/concerns/{id}/answer", post(answer_submit))
        .route("/concerns/{id}/follow-up", post(follow_up_submit))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RaiseInput {
    text: String,
    owner: Option<String>,
    source: Option<String>,
}

async fn raise(
    State(state): State<AppState>,
    staff: Staff,
    Id(visit_id): Id,
    KeyedJson { input, key }: KeyedJson<RaiseInput>,
) -> Result<Response, ApiError> {
    let once = key.map(|k| k.claim(&staff.user.username));
    if let Some(first) = retries_earlier(&state, once.as_ref()).await? {
        return Ok(first);
    }
    let source = match input.source.as_deref().map(str::trim) {
        None | Some("") => Source::Staff,
        Some(s) => s
            .parse()
            .map_err(|_| ApiError::field("source", "Use kiosk, status_page, staff or portal"))?,
    };
    let made = concerns::raise(
        &state,
        visit_id,
        &input.text,
        source,
        input.owner.as_deref(),
        &staff.caller(),
        once.as_ref(),
    )
    .await;
    let c = match retries::after_failure(&state, once.as_ref(), made).await? {
        Ok(c) => c,
        Err(first) => return Ok(retry::replay(first)),
    };
    retry::answer(
        &state,
        once.as_ref(),
        StatusCode::CREATED,
        &ConcernJson::of(&c),
    )
    .await
}

#[derive(Serialize)]
struct ConcernList {
    concerns: Vec<ConcernJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_to_first_answer: Option<TimeToFirstAnswer>,
}

async fn of_visit(
    State(state): State<AppState>,
    staff: Staff,
    Id(visit_id): Id,
) -> Result<Json<ConcernList>, ApiError> {
    // Reading the visit checks it exists, and is theirs to see, and audits the read.
    crate::app::visits::read(&state, &staff.caller(), visit_id).await?;
    let list = state.store.visit_concerns(visit_id).await?;
    Ok(Json(ConcernList {
        concerns: ConcernJson::list(&list),
        time_to_first_answer: None,
    }))
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<ConcernList>, ApiError> {
    let location = staff.at(q.location.as_deref())?;
    let now = state.now();
    let list = state
        .store
        .location_concerns(&location, now - chrono::Duration::days(7))
        .await?;
    state
        .store
        .audit(
            &staff.actor(),
            "concerns.read",
            &format!("location:{location}"),
            now,
        )
        .await?;
    Ok(Json(ConcernList {
        concerns: ConcernJson::list(&list),
        time_to_first_answer: Some(concerns::time_to_first_answer(&list)),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AnswerInput {
    text: String,
}

#[derive(Serialize)]
struct Answer {
    #[serde(flatten)]
    concern: ConcernJson,
    tone: ReplyJson,
}

async fn answer(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
    ApiJson(input): ApiJson<AnswerInput>,
) -> Result<Json<Answer>, ApiError> {
    match concerns::answer(&state, id, &input.text, false, &staff.caller()).await? {
        Answered::Sent(c, check) => Ok(Json(Answer {
            concern: ConcernJson::of(&c),
            tone: ReplyJson::of(&check),
        })),
        Answered::Held(_) => Err(ApiError::Internal(
            "an answer was held that the API sends".into(),
        )),
    }
}

#[derive(Serialize)]
struct FollowedUp {
    concern: ConcernJson,
    promise: PromiseJson,
}

async fn follow_up(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
    ApiJson(input): ApiJson<PromiseInput>,
) -> Result<impl IntoResponse, ApiError> {
    let (c, promise, prepared) = concerns::follow_up(&state, &staff.user, id, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(FollowedUp {
            concern: ConcernJson::of(&c),
            promise: PromiseJson::made(&promise, prepared.warning, prepared.from_priors),
        }),
    ))
}

// --- the visit page's forms ---

#[derive(Deserialize, Default)]
#[serde(default)]
struct RaiseForm {
    text: String,
}

async fn raise_submit(
    State(state): State<AppState>,
    PageId(visit_id): PageId,
    OnceForm { staff, form, once }: OnceForm<RaiseForm>,
) -> PageResult {
    let once = once.map(|k| k.claim(&staff.user.username));
    if let Some(first) = form_earlier(&state, once.as_ref()).await? {
        return Ok(first);
    }
    let raised = concerns::raise(
        &state,
        visit_id,
        &form.text,
        Source::Staff,
        None,
        &staff.caller(),
        once.as_ref(),
    )
    .await;
    match retries::after_failure(&state, once.as_ref(), raised).await {
        Ok(Ok(c)) => {
            let to = format!("/visits/{visit_id}#concern-{}", c.id);
            Ok(retry::form_answer(&state, once.as_ref(), &to).await)
        }
        Ok(Err(first)) => Ok(retry::form_replay(first)),
        Err(ApiError::InvalidFields(errors)) => {
            let message = errors
                .get("text")
                .map(|m| format!("Concern not saved: {m}"))
                .unwrap_or_else(|| "Concern not saved".into());
            let page = visit_page(&state, &staff, visit_id, Some(message), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    text: String,
    send_anyway: String,
}

async fn answer_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, form }: StaffForm<AnswerForm>,
) -> PageResult {
    let c = state.store.concern(id).await?;
    let hold = form.send_anyway != "1";
    let (message, status) =
        match concerns::answer(&state, id, &form.text, hold, &staff.caller()).await {
            Ok(Answered::Sent(..)) => {
                return Ok(
                    Redirect::to(&format!("/visits/{}#concern-{id}", c.visit_id)).into_response(),
                );
            }
            Ok(Answered::Held(check)) => {
                let held = (id, form.text.trim().to_string(), check);
                return visit_page(&state, &staff, c.visit_id, None, Some(held)).await;
            }
            Err(ApiError::InvalidFields(errors)) => (
                errors
                    .get("text")
                    .map(|m| format!("Answer not sent: {m}"))
                    .unwrap_or_else(|| "Answer not sent".into()),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(e @ ApiError::InvalidTransition(_)) => (e.to_string(), StatusCode::CONFLICT),
            Err(e) => return Err(e.into()),
        };
    let page = visit_page(&state, &staff, c.visit_id, Some(message), None).await?;
    Ok((status, page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FollowUpForm {
    kind: String,
    /// A local date and time (`2026-03-05T16:30`) in the location's zone, or empty for the suggestion.
    due: String,
}

async fn follow_up_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, form }: StaffForm<FollowUpForm>,
) -> PageResult {
    let c = state.store.concern(id).await?;
    let say = |message: String, status: StatusCode| {
        let (state, staff) = (&state, &staff);
        async move {
            let page = visit_page(state, staff, c.visit_id, Some(message), None).await?;
            Ok::<_, crate::http::page::PageError>((status, page).into_response())
        }
    };
    let due_at = match form.due.trim() {
        "" => None,
        text => match crate::routes::promises::local_due(&state, &c.location, text).await {
            Ok(t) => Some(t),
            Err(message) => {
                return say(
                    format!("Follow-up not saved: {message}"),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let input = PromiseInput {
        kind: form.kind,
        due_at,
        ..Default::default()
    };
    match concerns::follow_up(&state, &staff.user, id, input).await {
        // Promised, but sooner than history supports: say so now.
        Ok((_, _, prepared)) => match prepared.warning {
            Some(w) => say(format!("Follow-up promised. {w}"), StatusCode::OK).await,
            None => {
                Ok(Redirect::to(&format!("/visits/{}#concern-{id}", c.visit_id)).into_response())
            }
        },
        Err(ApiError::InvalidFields(errors)) => {
            say(
                format!("Follow-up not saved: {}", fields_in_words(&errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ ApiError::InvalidTransition(_)) => say(e.to_string(), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}
