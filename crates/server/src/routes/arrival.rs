//! Arrival links. The patient's page `/a/TOKEN` (public: the link is the
//! key) with its three plain forms, "I'm here", "I'm running late" and "I
//! can't come"; a wrong, expired or other-day link gets the same "not
//! valid" page every time. Staff make a link to hand over or send one from
//! the visit page (`/visits/{id}/arrival-link`, `…/send`) and the API.
//!
//! The forms need no separate CSRF token: they post to the link's own
//! address, which a forging site cannot know (knowing it, it could as well
//! open the page), exactly as the status page's forms. As a second guard,
//! a browser that says the form came from another site
//! (`Sec-Fetch-Site: cross-site` or `same-site`) is refused.

use super::patient::LangQuery;
use crate::app::arrival::{self, Leads, Opened, Told};
use crate::error::ApiError;
use crate::http::auth::Staff;
use crate::http::extract::{Id, NoFields, PageId, StaffForm, base_url};
use crate::http::page::{PageResult, error_page, render, render_with};
use crate::state::AppState;
use crate::views::arrival::{ArrivalLinkJson, ArrivalLinkPage, ArrivalPage, NOT_VALID, notice};
use crate::views::page::{fields_in_words, local};
use crate::views::patient::qr_svg;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::outbox::MessageChannel;
use frontdesk_domain::{FieldErrors, arrival::LATE_CHOOSE};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/visits/{id}/arrival-link", post(make))
        .route("/visits/{id}/arrival-link/send", post(send))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/a/{token}", get(page))
        .route("/a/{token}/here", post(here))
        .route("/a/{token}/late", post(late))
        .route("/a/{token}/cant-come", post(cant_come))
        .route("/visits/{id}/arrival-link", post(make_submit))
        .route("/visits/{id}/arrival-link/send", post(send_submit))
}

// --- the patient's page ---

fn not_valid() -> Response {
    (StatusCode::NOT_FOUND, Html(NOT_VALID)).into_response()
}

/// A form the browser says came from another site.
pub(super) fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.eq_ignore_ascii_case("cross-site") || v.eq_ignore_ascii_case("same-site")
        })
}

pub(super) fn refused_cross_site() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not sent</title></head><body><main><h1>Please use the buttons on your link's own page.</h1></main></body></html>"),
    )
        .into_response()
}

fn to_link(token: &str, lang: &str, done: &str) -> Response {
    let done = if done.is_empty() {
        String::new()
    } else {
        format!("&done={done}")
    };
    Redirect::to(&format!("/a/{token}?lang={lang}{done}")).into_response()
}

fn to_status_page(path: &str, lang: &str) -> Response {
    Redirect::to(&format!("{path}?lang={lang}")).into_response()
}

fn choices_page(opened: &Opened, token: &str, es: bool, mode: &'static str) -> ArrivalPage {
    ArrivalPage::new(opened, token.to_string(), es, mode)
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let es = q.spanish(&headers);
    match arrival::open(&state, &token).await {
        Ok(None) => not_valid(),
        Ok(Some(Leads::StatusPage(path))) => to_status_page(&path, q.lang(&headers)),
        Ok(Some(Leads::Choices(o))) => {
            let mut page = choices_page(&o, &token, es, "choices");
            page.notice = notice(&q.done, es, o.late_minutes);
            render(&page)
        }
        Ok(Some(Leads::Closed(o))) => {
            let mut page = choices_page(&o, &token, es, "closed");
            page.notice = notice(&q.done, es, None).filter(|_| q.done == "cant_come");
            render(&page)
        }
        Err(e) => error_page(e),
    }
}

/// "I'm here": checked in, then their status page (pressed twice, the same).
async fn here(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let lang = q.lang(&headers);
    match arrival::here(&state, &token).await {
        Ok(None) => not_valid(),
        Ok(Some(Leads::StatusPage(path))) => to_status_page(&path, lang),
        Ok(Some(Leads::Choices(_) | Leads::Closed(_))) => to_link(&token, lang, ""),
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LateForm {
    minutes: String,
}

/// "I'm running late" with how many minutes; without a choice the page
/// comes back with the message beside the choices, and nothing is saved.
async fn late(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<LateForm>,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let (es, lang) = (q.spanish(&headers), q.lang(&headers));
    match arrival::running_late(&state, &token, &form.minutes).await {
        Ok(None) => not_valid(),
        Ok(Some(Told::Recorded)) => to_link(&token, lang, "late"),
        Ok(Some(Told::TooMany(o))) => {
            let mut page = choices_page(&o, &token, es, "choices");
            page.notice = notice("too_many", es, None);
            render(&page)
        }
        Ok(Some(Told::Moved)) => to_link(&token, lang, ""),
        Err(ApiError::InvalidFields(errors)) => match arrival::open(&state, &token).await {
            Ok(Some(Leads::Choices(o))) => {
                let mut page = choices_page(&o, &token, es, "choices");
                let message = errors.get("minutes").unwrap_or(LATE_CHOOSE);
                page.late_error = Some(if es && message == LATE_CHOOSE {
                    "Elija cuánto tarde llegará.".to_string()
                } else {
                    message.to_string()
                });
                render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            Ok(Some(_)) => to_link(&token, lang, ""),
            Ok(None) => not_valid(),
            Err(e) => error_page(e),
        },
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CantComeForm {
    confirm: String,
}

/// "I can't come": first the question "cancel today's appointment?", then,
/// confirmed, the appointment is cancelled and the desk told.
async fn cant_come(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<CantComeForm>,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let (es, lang) = (q.spanish(&headers), q.lang(&headers));
    if form.confirm != "yes" {
        return match arrival::open(&state, &token).await {
            Ok(Some(Leads::Choices(o))) => render(&choices_page(&o, &token, es, "confirm")),
            Ok(Some(_)) => to_link(&token, lang, ""),
            Ok(None) => not_valid(),
            Err(e) => error_page(e),
        };
    }
    match arrival::cant_come(&state, &token).await {
        Ok(None) => not_valid(),
        Ok(Some(Told::Recorded)) => to_link(&token, lang, "cant_come"),
        Ok(Some(_)) => to_link(&token, lang, ""),
        Err(e) => error_page(e),
    }
}

// --- staff ---

/// "Make arrival link": shown once, to hand over (the address and a QR code).
async fn make_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    headers: HeaderMap,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> PageResult {
    let made = match arrival::make(&state, &staff.caller(), id).await {
        Ok(made) => made,
        Err(e) => return refused_on_visit_page(&state, &staff, id, e).await,
    };
    let visit = state.store.visit_record(id).await?;
    let zone = state.location(&visit.location).await?.zone();
    let base = base_url(&state, &headers);
    Ok(render(&ArrivalLinkPage {
        nav: staff.nav(),
        id,
        name: visit.public_name(),
        url: format!("{}{}", base.trim_end_matches('/'), made.path),
        qr: qr_svg(&base, &made.path),
        works_on: local(made.link.valid_from, zone, "%A %-d %B"),
    }))
}

/// "Send arrival link": a new link by the outbox; the visit page says where to.
async fn send_submit(
    State(state): State<AppState>,
    PageId(id): PageId,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> PageResult {
    match arrival::send(&state, &staff.caller(), id, None).await {
        Ok(made) => {
            let mut page = super::visits::visit_page_view(&state, &staff, id, None, None).await?;
            let to: Vec<String> = made
                .sent_to
                .iter()
                .map(|(c, to)| {
                    format!(
                        "{} to {}",
                        c.label().to_lowercase(),
                        frontdesk_domain::outbox::mask_recipient(*c, to)
                    )
                })
                .collect();
            page.notice = Some(format!(
                "A new arrival link is on its way by {}. Earlier links still work today.",
                to.join(" and ")
            ));
            Ok(render(&page))
        }
        Err(e) => refused_on_visit_page(&state, &staff, id, e).await,
    }
}

/// A refusal (not expected any more, nothing to send to) shown on the visit
/// page; anything else (not found, another location's visit) as usual.
async fn refused_on_visit_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    e: ApiError,
) -> PageResult {
    let message = match &e {
        ApiError::InvalidFields(errors) => fields_in_words(errors),
        ApiError::InvalidTransition(m) | ApiError::Conflict(m) => m.clone(),
        _ => return Err(e.into()),
    };
    let page = super::visits::visit_page_view(state, staff, id, Some(message), None).await?;
    Ok(render_with(e.status(), &page))
}

/// `POST /api/v1/visits/{id}/arrival-link`: a new link to hand over → 201.
async fn make(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let made = arrival::make(&state, &staff.caller(), id).await?;
    let base = base_url(&state, &headers);
    let url = format!("{}{}", base.trim_end_matches('/'), made.path);
    Ok((
        StatusCode::CREATED,
        Json(ArrivalLinkJson::of(&made.link, Some(url), &[])),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SendInput {
    channel: Option<String>,
}

/// `POST /api/v1/visits/{id}/arrival-link/send` (`{"channel"?}`, or no
/// body): a new link by the outbox to the addresses on file → 202.
async fn send(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let input: SendInput = if body.iter().all(u8::is_ascii_whitespace) {
        SendInput::default()
    } else {
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {e}")))?;
        if !value.is_object() {
            return Err(ApiError::BadRequest("Expected a JSON object".into()));
        }
        serde_json::from_value(value)
            .map_err(|_| ApiError::field("channel", "Wrong kind of value (expected text)"))?
    };
    let channel = match input.channel.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<MessageChannel>().map_err(|_| {
            let mut e = FieldErrors::new();
            e.add("channel", "Unknown channel; use email or sms");
            ApiError::InvalidFields(e)
        })?),
    };
    let made = arrival::send(&state, &staff.caller(), id, channel).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ArrivalLinkJson::of(&made.link, None, &made.sent_to)),
    ))
}
