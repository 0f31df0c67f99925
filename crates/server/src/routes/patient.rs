//! The patient's private status page (`/s/TOKEN`, public: the link is the
//! key) and what they can do there. A wrong, expired or malformed link gets
//! the same "not valid" page every time.

use crate::app::patient::{self, Linked};
use crate::error::ApiError;
use crate::http::page::{PageResult, render, render_with};
use crate::state::AppState;
use crate::views::patient::{StatusJson, StatusPage, Texts, concern_signature, texts, view};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::fields;
use frontdesk_domain::timeline::EventKind;
use serde::Deserialize;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(page))
        .route("/s/{token}/status.json", get(status_json))
        .route("/s/{token}/stepped-out", post(stepped_out))
        .route("/s/{token}/back", post(back))
        .route("/s/{token}/question", post(question))
        .route("/s/{token}/complaint", post(complaint))
        .route("/s/{token}/concerns/{id}/{reply}", post(concern_reply))
}

/// `?lang=` and `?done=` on a patient's pages (status, arrival and survey
/// links).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LangQuery {
    pub lang: String,
    pub done: String,
}

impl LangQuery {
    /// Spanish when `?lang=es`, else when the browser asks for it first.
    pub fn spanish(&self, headers: &HeaderMap) -> bool {
        prefers_spanish(&self.lang, headers)
    }

    /// `?lang=` to carry on to the next page.
    pub fn lang(&self, headers: &HeaderMap) -> &'static str {
        if self.spanish(headers) { "es" } else { "en" }
    }
}

/// Spanish when `lang` is `es`, English when `en`, else when the browser
/// asks for Spanish first (the patient's pages).
pub fn prefers_spanish(lang: &str, headers: &HeaderMap) -> bool {
    match lang {
        "es" => true,
        "en" => false,
        _ => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("es")),
    }
}

/// The page's words in the patient's language.
fn words(linked: &Linked, q: &LangQuery, headers: &HeaderMap) -> Texts {
    texts(
        q.spanish(headers),
        linked.first_name(),
        &linked.location_name,
    )
}

fn not_valid() -> Response {
    // The same answer for a wrong, expired or another patient's link: nothing to learn.
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Link not valid</title></head><body><main><h1>This link is not valid any more.</h1><p>Please ask at the front desk. / Este enlace ya no es válido. Pregunte en recepción.</p></main></body></html>"),
    )
        .into_response()
}

/// The link's visit, or the "not valid" page.
async fn linked(state: &AppState, token: &str) -> Result<Linked, Response> {
    match patient::load(state, token).await {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(not_valid()),
        Err(e) => Err(crate::http::page::error_page(e)),
    }
}

fn status_page(state: &AppState, linked: &Linked, token: String, t: Texts) -> StatusPage {
    StatusPage::new(
        linked,
        token,
        t,
        state.config.status_refresh.as_millis(),
        state.now(),
    )
}

fn back_to(token: &str, lang: &str, done: &str) -> Response {
    let lang = if lang == "es" { "es" } else { "en" };
    Redirect::to(&format!("/s/{token}?lang={lang}&done={done}")).into_response()
}

/// What the page says after something the patient did (`?done=`).
fn notice(done: &str, es: bool) -> Option<&'static str> {
    Some(match (done, es) {
        ("question", false) => "Thank you. We have your question and will answer it.",
        ("question", true) => "Gracias. Hemos recibido su pregunta y le responderemos.",
        ("out", false) => "Thanks for letting us know. Tap \"I'm back\" when you return.",
        ("out", true) => "Gracias por avisarnos. Pulse \"Ya volví\" cuando regrese.",
        ("complaint", false) => "Thank you. A named person will look at this and come back to you.",
        ("complaint", true) => "Gracias. Una persona responsable lo revisará y le responderá.",
        ("confirm", false) => "Thank you for telling us.",
        ("confirm", true) => "Gracias por decírnoslo.",
        ("reopen", false) => "Thank you for telling us. We will come back to you on this.",
        ("reopen", true) => "Gracias por decírnoslo. Volveremos a responderle.",
        _ => return None,
    })
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let linked = linked(&state, &token).await?;
    let t = words(&linked, &q, &headers);
    let notice = notice(&q.done, t.es).map(str::to_string);
    let mut page = status_page(&state, &linked, token, t);
    page.notice = notice;
    Ok(render(&page))
}

async fn status_json(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Json<StatusJson>, ApiError> {
    let linked = patient::poll(&state, &token)
        .await?
        .ok_or(ApiError::NotFound)?;
    let t = words(&linked, &q, &headers);
    let v = view(
        &t,
        &linked.visit,
        linked.promise.as_ref(),
        linked.live.as_ref(),
        linked.zone,
        state.now(),
    );
    Ok(Json(StatusJson {
        state: linked.visit.state,
        headline: v.headline,
        detail: v.detail,
        concerns: concern_signature(&linked.concerns),
    }))
}

async fn stepped_out(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, Response> {
    said(&state, &token, &q, EventKind::SteppedOut, "out").await
}

async fn back(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, Response> {
    said(&state, &token, &q, EventKind::Back, "back").await
}

/// "I stepped out" or "I'm back", then the page again with its notice.
async fn said(
    state: &AppState,
    token: &str,
    q: &LangQuery,
    kind: EventKind,
    done: &str,
) -> Result<Response, Response> {
    let linked = linked(state, token).await?;
    patient::said(state, &linked, kind)
        .await
        .map_err(crate::http::page::error_page)?;
    Ok(back_to(token, &q.lang, done))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TextForm {
    text: String,
}

async fn question(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<TextForm>,
) -> Result<Response, Response> {
    let linked = linked(&state, &token).await?;
    match patient::ask(&state, &linked, &form.text).await {
        Ok(_) => Ok(back_to(&token, &q.lang, "question")),
        Err(ApiError::InvalidFields(errors)) => {
            // Show the page again with the message beside the field.
            let t = words(&linked, &q, &headers);
            let problem = errors.get("text").unwrap_or(fields::REQUIRED);
            let message = match (problem == fields::REQUIRED, t.es) {
                (true, false) => "Please write your question first.".to_string(),
                (true, true) => "Escriba primero su pregunta.".to_string(),
                (false, false) => problem.to_string(),
                (false, true) => {
                    "Demasiado largo o con caracteres no válidos (máximo 2000 caracteres)"
                        .to_string()
                }
            };
            let mut page = status_page(&state, &linked, token, t);
            page.question_error = Some(message);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(crate::http::page::error_page(e)),
    }
}

/// A complaint from the status page: linked to the visit, with the patient's
/// name as the contact, owned by nobody until a manager assigns it.
async fn complaint(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<TextForm>,
) -> Result<Response, Response> {
    let linked = linked(&state, &token).await?;
    match patient::complain(&state, &linked, &form.text).await {
        Ok(()) => Ok(back_to(&token, &q.lang, "complaint")),
        Err(ApiError::InvalidFields(errors)) => {
            let t = words(&linked, &q, &headers);
            let message = match (errors.get("text"), t.es) {
                (Some(m), false) if m == fields::REQUIRED => {
                    "Please tell us what went wrong first.".to_string()
                }
                (Some(m), false) => m.to_string(),
                (_, true) => {
                    "Cuéntenos primero qué salió mal (máximo 10.000 caracteres).".to_string()
                }
                (None, false) => "Please tell us what went wrong first.".to_string(),
            };
            let mut page = status_page(&state, &linked, token, t);
            page.complaint_error = Some(message);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(crate::http::page::error_page(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyForm {
    note: String,
}

/// The patient says an answer covered their question (`confirm`) or did not
/// (`reopen`, with an optional note). Only concerns of this link's visit.
async fn concern_reply(
    State(state): State<AppState>,
    Path((token, id, reply)): Path<(String, String, String)>,
    Query(q): Query<LangQuery>,
    Form(form): Form<ReplyForm>,
) -> PageResult {
    let linked = match linked(&state, &token).await {
        Ok(l) => l,
        Err(page) => return Ok(page),
    };
    let Some(concern) = id
        .parse::<i64>()
        .ok()
        .and_then(|id| linked.concerns.iter().find(|c| c.id == id))
    else {
        return Ok(not_valid());
    };
    let confirmed = match reply.as_str() {
        "confirm" => true,
        "reopen" => false,
        _ => return Ok(not_valid()),
    };
    let changed = patient::reply(&state, &linked, concern.id, confirmed, &form.note).await?;
    // Already confirmed, or answered again meanwhile: show the page as it is.
    Ok(back_to(&token, &q.lang, if changed { &reply } else { "" }))
}
