//! The outbox, for admins: `/api/v1/outbox` and the outbox page.

use crate::app::outbox::{can_send, recent, routes_text};
use crate::config::Route;
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::page::{PageResult, render};
use crate::state::AppState;
use crate::views::outbox::{MessageJson, OutboxJson, OutboxPage, Row};
use crate::views::page::local;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use frontdesk_domain::outbox::{MessageChannel, mask_recipient};
use frontdesk_domain::{MAIN_LOCATION, Timestamp};
use frontdesk_store::MessageStatus;

pub fn api() -> Router<AppState> {
    Router::new().route("/outbox", get(list))
}

pub fn pages() -> Router<AppState> {
    Router::new().route("/outbox", get(page))
}

/// `GET /api/v1/outbox` (admins): recent messages, addresses masked.
async fn list(State(state): State<AppState>, staff: Staff) -> Result<Json<OutboxJson>, ApiError> {
    let messages = recent(&state, &staff.user).await?;
    let routes = [MessageChannel::Email, MessageChannel::Sms]
        .into_iter()
        .map(|c| {
            let route = match state.config.outbox.route(c) {
                Some(Route::Smtp) if can_send(&state, c) => Some("smtp"),
                Some(Route::Webhook) if can_send(&state, c) => Some("webhook"),
                _ => None,
            };
            (c.as_str(), route)
        })
        .collect();
    Ok(Json(OutboxJson {
        routes,
        messages: messages.iter().map(MessageJson::of).collect(),
    }))
}

/// `GET /outbox` (admins): recent messages, addresses masked.
async fn page(State(state): State<AppState>, PageStaff(staff): PageStaff) -> PageResult {
    let messages = recent(&state, &staff.user).await?;
    let zone = state
        .location(MAIN_LOCATION)
        .await
        .map(|l| l.zone())
        .unwrap_or(chrono_tz::UTC);
    let when = |t: Timestamp| local(t, zone, "%Y-%m-%d %H:%M");
    let rows = messages
        .iter()
        .map(|m| Row {
            at: when(m.created_at),
            channel: m.channel.label(),
            to: mask_recipient(m.channel, &m.recipient),
            status: m.status.as_str(),
            attempts: m.attempts,
            next: match (m.status, m.sent_at) {
                (MessageStatus::Pending, _) => format!("next try {}", when(m.next_attempt_at)),
                (_, Some(t)) => format!("sent {}", when(t)),
                _ => String::new(),
            },
            last_error: m.last_error.clone().unwrap_or_default(),
            visit_id: m.visit_id,
        })
        .collect();
    Ok(render(&OutboxPage {
        nav: staff.nav(),
        routes: routes_text(&state),
        rows,
    }))
}
