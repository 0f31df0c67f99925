//! The tone coach over HTTP: `POST /api/v1/tone {"text", "direction": "reply"|"incoming"}`.

use crate::error::ApiError;
use crate::http::auth::Staff;
use crate::http::extract::ApiJson;
use crate::state::AppState;
use crate::views::tone::{IncomingJson, ReplyJson};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use frontdesk_domain::{FieldErrors, fields};
use frontdesk_tone as tone;
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new().route("/tone", post(check))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToneInput {
    text: String,
    direction: String,
}

/// Longest text checked in one call.
const MAX_CHARS: usize = 20_000;

async fn check(_staff: Staff, ApiJson(input): ApiJson<ToneInput>) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::new();
    if input.text.trim().is_empty() {
        errors.add("text", fields::REQUIRED);
    } else if input.text.chars().count() > MAX_CHARS {
        errors.add("text", "Too long (at most 20,000 characters)");
    }
    let incoming = match input.direction.as_str() {
        "" | "reply" => false,
        "incoming" => true,
        _ => {
            errors.add("direction", "Use reply or incoming");
            false
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    Ok(if incoming {
        Json(IncomingJson::of(&tone::check_incoming(&input.text))).into_response()
    } else {
        Json(ReplyJson::of(&tone::check_reply(&input.text))).into_response()
    })
}
