//! The outbox as admins see it: recent messages with addresses masked, and
//! how each channel goes out.

use crate::text::time;
use crate::views::page::Nav;
use askama::Template;
use frontdesk_domain::outbox::mask_recipient;
use frontdesk_store::{MessageStatus, OutboxMessage};
use serde::Serialize;
use std::collections::BTreeMap;

/// A message in the API (the address masked, never the text).
#[derive(Serialize)]
pub struct MessageJson {
    pub id: i64,
    pub created_at: String,
    pub location: String,
    pub visit_id: Option<i64>,
    pub channel: &'static str,
    pub to: String,
    pub status: &'static str,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
}

impl MessageJson {
    pub fn of(m: &OutboxMessage) -> MessageJson {
        MessageJson {
            id: m.id,
            created_at: time(m.created_at),
            location: m.location.clone(),
            visit_id: m.visit_id,
            channel: m.channel.as_str(),
            to: mask_recipient(m.channel, &m.recipient),
            status: m.status.as_str(),
            attempts: m.attempts,
            next_attempt_at: (m.status == MessageStatus::Pending).then(|| time(m.next_attempt_at)),
            last_error: m.last_error.clone(),
            sent_at: m.sent_at.map(time),
        }
    }
}

/// `GET /api/v1/outbox`: how each channel goes (`smtp`, `webhook` or null)
/// and the recent messages.
#[derive(Serialize)]
pub struct OutboxJson {
    pub routes: BTreeMap<&'static str, Option<&'static str>>,
    pub messages: Vec<MessageJson>,
}

/// One row of the outbox page.
pub struct Row {
    pub at: String,
    pub channel: &'static str,
    pub to: String,
    pub status: &'static str,
    pub attempts: i64,
    pub next: String,
    pub last_error: String,
    pub visit_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "outbox.html")]
pub struct OutboxPage {
    pub nav: Nav,
    pub routes: Vec<(&'static str, String)>,
    pub rows: Vec<Row>,
}
