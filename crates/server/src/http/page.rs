//! Pages as responses: a rendered template, and an error as a page a person
//! can read (`PageError`, so page handlers use `?` like API handlers do).

use crate::error::ApiError;
use crate::views::page::{MessagePage, Nav};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use frontdesk_domain::FieldErrors;
use frontdesk_store::StoreError;

/// A template rendered as a page (a server fault if it cannot be).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
            )
                .into_response()
        }
    }
}

/// A template rendered with a status: 422 when a form came back with errors.
pub fn render_with(status: StatusCode, t: &impl Template) -> Response {
    (status, render(t)).into_response()
}

/// 200, or 422 when there are field errors to show.
pub fn form_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// An error as a page a person can read.
pub fn error_page(e: ApiError) -> Response {
    let heading = match &e {
        ApiError::NotFound => "Not found",
        ApiError::Forbidden => "Not allowed",
        ApiError::InvalidTransition(_) | ApiError::Conflict(_) => "That can't be done",
        ApiError::TooManyRequests(_) => "Too many attempts",
        ApiError::Busy => "Busy",
        ApiError::Unavailable(_) => "Please try again",
        ApiError::SecondFactorEnrollmentRequired | ApiError::SecondFactorRequired(_) => {
            "Second factor needed"
        }
        _ => "Something went wrong",
    };
    match &e {
        ApiError::Internal(detail) => tracing::error!(error = %detail, "page failed"),
        ApiError::Unavailable(detail) => {
            tracing::warn!(error = %detail, "database unavailable: page answered 503")
        }
        _ => {}
    }
    let page = MessagePage {
        nav: Nav::anonymous(),
        heading: heading.into(),
        message: e.to_string(),
    };
    let retry = crate::http::error::retry_after(&e);
    let mut response = (e.status(), render(&page)).into_response();
    if let Some(wait) = retry {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, wait);
    }
    response
}

/// A public form sent too often from one address: 429, a plain page saying
/// what to do instead, and `Retry-After`.
pub fn slow_down_page(message: &str, wait: chrono::Duration) -> Response {
    let page = MessagePage {
        nav: Nav::anonymous(),
        heading: "Please wait a little".into(),
        message: format!(
            "{message} Please try again in {}.",
            crate::text::wait_text(wait)
        ),
    };
    let mut response = render_with(StatusCode::TOO_MANY_REQUESTS, &page);
    if let Some(v) = crate::http::error::retry_after(&ApiError::TooManyRequests(wait)) {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

/// Any failure of a page handler, shown as [`error_page`].
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(e.into())
    }
}

impl From<FieldErrors> for PageError {
    fn from(e: FieldErrors) -> Self {
        PageError(e.into())
    }
}

/// What a page handler returns.
pub type PageResult = Result<Response, PageError>;

/// Anything not found: a page for people, JSON under `/api/v1` (see `routes`).
pub async fn not_found() -> Response {
    error_page(ApiError::NotFound)
}
