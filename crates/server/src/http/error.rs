//! The API's error shape: `{"error": {"code", "message", "fields"}}`, with
//! `fields` always present, and for a stopped checkout the concerns that
//! stopped it.

use crate::error::ApiError;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::BTreeMap;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            // The detail may name tables or values; it stays in the log.
            ApiError::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable: answered 503")
            }
            _ => {}
        }
        let fields: BTreeMap<String, String> = match &self {
            ApiError::InvalidFields(f) => f.0.clone(),
            ApiError::SecondFactorRequired(Some(why)) => {
                BTreeMap::from([("code".to_string(), why.to_string())])
            }
            _ => BTreeMap::new(),
        };
        let mut body =
            json!({"error": {"code": self.code(), "message": self.to_string(), "fields": fields}});
        if let ApiError::OpenConcerns(list) = &self {
            body["error"]["concerns"] = json!(
                list.iter()
                    .map(crate::views::concerns::ConcernJson::of)
                    .collect::<Vec<_>>()
            );
        }
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Some(wait) = retry_after(&self) {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, wait);
        }
        response
    }
}

/// `Retry-After` (whole seconds) for an answer that says to try again later.
pub fn retry_after(e: &ApiError) -> Option<axum::http::HeaderValue> {
    let seconds = match e {
        ApiError::TooManyRequests(wait) => (wait.num_milliseconds() + 999) / 1000,
        ApiError::Busy => 1,
        ApiError::Unavailable(_) => UNAVAILABLE_RETRY_SECONDS,
        _ => return None,
    };
    Some(axum::http::HeaderValue::from(seconds.max(1)))
}

/// `Retry-After` of a 503 `unavailable`: long enough for a lock to be let go
/// or a database to come back, short enough that nobody gives up.
pub const UNAVAILABLE_RETRY_SECONDS: i64 = 2;
