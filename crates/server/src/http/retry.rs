//! Answers to requests sent with a retry key: the first answer again, or a
//! new answer kept for the key (see `app::retries`).

use crate::app::retries::{self, Once, Replay};
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

/// The first answer again (same status, same JSON body), marked
/// `Idempotent-Replayed: true`.
pub fn replay(r: Replay) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    let mut response = (status, r.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// A JSON answer, kept for the request's key (if it sent one) and sent.
pub async fn answer<T: Serialize>(
    state: &AppState,
    once: Option<&Once>,
    status: StatusCode,
    body: &T,
) -> Result<Response, ApiError> {
    let text = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    retries::keep(state, once, status.as_u16(), &text).await;
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// A page form's second submit: where the first one was sent. (A form's
/// kept answer is a 303 whose body is the address.)
pub fn form_replay(r: Replay) -> Response {
    Redirect::to(&r.body).into_response()
}

/// A page form's answer: a redirect, kept for the form's one-time id.
pub async fn form_answer(state: &AppState, once: Option<&Once>, to: &str) -> Response {
    retries::keep(state, once, StatusCode::SEE_OTHER.as_u16(), to).await;
    Redirect::to(to).into_response()
}
