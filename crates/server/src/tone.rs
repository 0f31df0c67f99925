//! The tone coach over HTTP: `POST /api/v1/tone {"text", "direction": "reply"|"incoming"}`.
//! The JSON shapes are shared with `frontdesk tone --jsonl`.

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Staff;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use frontdesk_domain::{FieldErrors, fields};
use frontdesk_tone::{Flag, IncomingCheck, ReplyCheck};
use serde::Deserialize;
use serde_json::{Value, json};

/// `{"verdict": "ok"|"revise", "flags": [...]}` for a checked staff reply.
pub fn reply_json(check: &ReplyCheck) -> Value {
    json!({
        "verdict": check.verdict.as_str(),
        "flags": check.flags.iter().map(flag_json).collect::<Vec<_>>(),
    })
}

fn flag_json(flag: &Flag) -> Value {
    json!({
        "kind": flag.kind.as_str(),
        "start": flag.start,
        "end": flag.end,
        "why": flag.why,
        "suggestion": flag.suggestion,
    })
}

/// `{"upset": true|false, "why": [...]}` for a checked patient message.
pub fn incoming_json(check: &IncomingCheck) -> Value {
    json!({
        "upset": check.upset,
        "why": check.why,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ToneInput {
    text: String,
    direction: String,
}

/// Longest text checked in one call.
const MAX_CHARS: usize = 20_000;

pub async fn check(
    State(_state): State<AppState>,
    _staff: Staff,
    ApiJson(input): ApiJson<ToneInput>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(if incoming {
        incoming_json(&frontdesk_tone::check_incoming(&input.text))
    } else {
        reply_json(&frontdesk_tone::check_reply(&input.text))
    }))
}
