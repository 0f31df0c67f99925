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
        ApiError::TooManyRequests => "Too many attempts",
        ApiError::SecondFactorEnrollmentRequired | ApiError::SecondFactorRequired(_) => {
            "Second factor needed"
        }
        _ => "Something went wrong",
    };
    if let ApiError::Internal(detail) = &e {
        tracing::error!(error = %detail, "page failed");
    }
    let page = MessagePage {
        nav: Nav::anonymous(),
        heading: heading.into(),
        message: e.to_string(),
    };
    (e.status(), render(&page)).into_response()
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
