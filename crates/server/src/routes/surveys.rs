//! The post-visit survey. The patient's page `/survey/TOKEN` (public: the
//! link is the key) with one plain form, its opt-out `/survey/TOKEN/stop`,
//! and the same answer as JSON: `POST /api/v1/surveys/{token}` (201; a
//! second answer 409; a bad field 422 naming it, nothing saved). A wrong or
//! malformed link gets the same "not valid" page every time.
//!
//! As on the arrival link, the forms post to the link's own address, which
//! a forging site cannot know; a browser that says the form came from
//! another site is refused.

use super::arrival::{cross_site, refused_cross_site};
use super::patient::LangQuery;
use crate::app::surveys::{self, Opened};
use crate::error::ApiError;
use crate::http::extract::ApiJson;
use crate::http::page::{error_page, render, render_with};
use crate::state::AppState;
use crate::views::arrival::NOT_VALID;
use crate::views::surveys::{SurveyJson, SurveyPage};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::survey::{LinkState, RawAnswer};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub fn api() -> Router<AppState> {
    Router::new().route("/surveys/{token}", post(answer_api))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/survey/{token}", get(page).post(answer_form))
        .route("/survey/{token}/stop", get(stop_page).post(stop))
}

fn not_valid() -> Response {
    (StatusCode::NOT_FOUND, Html(NOT_VALID)).into_response()
}

fn page_of(o: &Opened, token: &str, es: bool, mode: &'static str) -> SurveyPage {
    SurveyPage::new(es, token, &o.first_name, &o.location_name, mode)
}

/// The mode an opened link shows (after an answer: thanks).
fn mode_of(o: &Opened, done: bool) -> &'static str {
    match o.state {
        LinkState::Open => "form",
        LinkState::Answered if done => {
            if o.survey.recovery_promise_id.is_some() {
                "thanks_recovery"
            } else {
                "thanks"
            }
        }
        LinkState::Answered => "answered",
        LinkState::Expired => "expired",
    }
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let es = q.spanish(&headers);
    match surveys::open(&state, &token).await {
        Ok(None) => not_valid(),
        Ok(Some(o)) => render(&page_of(&o, &token, es, mode_of(&o, q.done == "1"))),
        Err(e) => error_page(e),
    }
}

/// Form fields (all text) as an answer.
fn raw_from_form(form: &HashMap<String, String>) -> RawAnswer {
    let get = |k: &str| form.get(k).cloned();
    RawAnswer {
        helpful: get("helpful"),
        courteous: get("courteous"),
        listened: get("listened"),
        wait_as_promised: get("wait_as_promised"),
        overall: get("overall"),
        comment: get("comment"),
        contact_me: get("contact_me"),
    }
}

async fn answer_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let (es, lang) = (q.spanish(&headers), q.lang(&headers));
    let raw = raw_from_form(&form);
    match surveys::answer(&state, &token, &raw).await {
        Ok(_) => Redirect::to(&format!("/survey/{token}?lang={lang}&done=1")).into_response(),
        Err(ApiError::NotFound) => match surveys::open(&state, &token).await {
            Ok(Some(o)) => render(&page_of(&o, &token, es, mode_of(&o, false))),
            Ok(None) => not_valid(),
            Err(e) => error_page(e),
        },
        Err(ApiError::Conflict(_)) => match surveys::open(&state, &token).await {
            Ok(Some(o)) => render_with(StatusCode::CONFLICT, &page_of(&o, &token, es, "answered")),
            Ok(None) => not_valid(),
            Err(e) => error_page(e),
        },
        Err(ApiError::InvalidFields(errors)) => match surveys::open(&state, &token).await {
            Ok(Some(o)) => render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SurveyPage::with_answer(
                    es,
                    &token,
                    &o.first_name,
                    &o.location_name,
                    "form",
                    &raw,
                    &errors,
                ),
            ),
            Ok(None) => not_valid(),
            Err(e) => error_page(e),
        },
        Err(e) => error_page(e),
    }
}

async fn stop_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let es = q.spanish(&headers);
    match surveys::open(&state, &token).await {
        Ok(None) => not_valid(),
        Ok(Some(o)) => render(&page_of(&o, &token, es, "stop")),
        Err(e) => error_page(e),
    }
}

async fn stop(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let es = q.spanish(&headers);
    match surveys::opt_out(&state, &token).await {
        Ok(false) => not_valid(),
        Ok(true) => match surveys::open(&state, &token).await {
            Ok(Some(o)) => render(&page_of(&o, &token, es, "stopped")),
            Ok(None) => not_valid(),
            Err(e) => error_page(e),
        },
        Err(e) => error_page(e),
    }
}

/// A JSON value as the text a form would send: strings as they are,
/// booleans and whole numbers written out; anything else a text no rule
/// accepts, so the field is named.
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => Some("[not a single value]".into()),
    }
}

/// `POST /api/v1/surveys/{token}`: the one answer (201), a second (409), a
/// bad field (422 naming it; nothing saved), a wrong or expired link (404).
async fn answer_api(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<SurveyJson>), ApiError> {
    let get = |k: &str| body.get(k).and_then(as_text);
    let raw = RawAnswer {
        helpful: get("helpful"),
        courteous: get("courteous"),
        listened: get("listened"),
        wait_as_promised: get("wait_as_promised"),
        overall: get("overall"),
        comment: get("comment"),
        contact_me: get("contact_me"),
    };
    let survey = surveys::answer(&state, &token, &raw).await?;
    Ok((StatusCode::CREATED, Json(SurveyJson::of(&survey))))
}
