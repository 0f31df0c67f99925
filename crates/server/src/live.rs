//! Live events: what happened, as sent to every open board, TV and patient
//! page over server-sent events.

use crate::text::time;
use frontdesk_domain::Timestamp;
use frontdesk_store::Visit;
use serde_json::{Value, json};

/// One thing that happened, as sent on the event stream.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// `arrived`, `acknowledged`, `transitioned`, `ack_overdue`, `ack_escalated`.
    pub name: &'static str,
    pub visit_id: i64,
    pub location: String,
    pub at: Timestamp,
    /// Extra fields merged into the JSON payload.
    pub extra: Value,
}

impl LiveEvent {
    pub fn for_visit(name: &'static str, visit: &Visit, at: Timestamp) -> LiveEvent {
        LiveEvent {
            name,
            visit_id: visit.id,
            location: visit.location.clone(),
            at,
            extra: json!({"state": visit.state.as_str()}),
        }
    }

    pub fn data(&self) -> Value {
        let mut data = json!({
            "visit_id": self.visit_id,
            "location": self.location,
            "at": time(self.at),
        });
        if let (Some(map), Some(extra)) = (data.as_object_mut(), self.extra.as_object()) {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        data
    }
}

/// A message between servers sharing a PostgreSQL database, sent with
/// `NOTIFY` after the change it tells of has committed (see
/// `app::shared`). On SQLite there is one server and nothing is sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Envelope {
    /// The server that sent it (it ignores its own: it acted on them already).
    pub origin: u64,
    /// Its sender's count, so equal messages stay distinct.
    pub seq: u64,
    #[serde(flatten)]
    pub message: Shared,
}

/// What one server tells the others.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Shared {
    /// A live event for their event streams.
    Event {
        name: String,
        visit_id: i64,
        location: String,
        /// Milliseconds since the epoch.
        at: i64,
        extra: Value,
    },
    /// An arrival or a move for their quote engines.
    Quote(QuoteNote),
    /// Sessions changed (sign-out, disabled account, second factor): drop cached ones.
    Sessions,
    /// A location's settings changed: drop cached locations.
    Locations,
}

/// What a quote engine is told of a visit's arrival or move.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QuoteNote {
    /// `true`: it arrived (counted as waiting); `false`: it moved to `state`.
    pub arrived: bool,
    pub visit_id: i64,
    pub location: String,
    pub provider: Option<String>,
    /// Milliseconds since the epoch.
    pub scheduled_at: Option<i64>,
    pub visit_type: Option<String>,
    pub state: String,
    /// When, in milliseconds since the epoch.
    pub at: i64,
}

impl Shared {
    pub fn event(e: &LiveEvent) -> Shared {
        Shared::Event {
            name: e.name.to_string(),
            visit_id: e.visit_id,
            location: e.location.clone(),
            at: e.at.timestamp_millis(),
            extra: e.extra.clone(),
        }
    }
}

impl Envelope {
    /// The message as sent; an event too long for the channel goes without
    /// its extra fields (an open board reloads its rows on any event).
    pub fn encode(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        if text.len() <= frontdesk_store::shared::MAX_MESSAGE {
            return text;
        }
        let mut short = self.clone();
        if let Shared::Event { extra, .. } = &mut short.message {
            *extra = json!({"truncated": true});
        }
        serde_json::to_string(&short).unwrap_or_default()
    }
}

impl LiveEvent {
    /// The event another server sent.
    pub fn from_shared(message: &Shared) -> Option<LiveEvent> {
        let Shared::Event {
            name,
            visit_id,
            location,
            at,
            extra,
        } = message
        else {
            return None;
        };
        Some(LiveEvent {
            name: intern(name),
            visit_id: *visit_id,
            location: location.clone(),
            at: chrono::DateTime::from_timestamp_millis(*at)?,
            extra: extra.clone(),
        })
    }
}

/// An event's name as a `&'static str`: each name another server sends is
/// kept once (there are a few dozen).
fn intern(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    if names.len() >= 1000 {
        // Not a name this version sends: never let a stranger grow memory.
        return "changed";
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reads_back_as_sent() {
        let at = chrono::DateTime::from_timestamp_millis(1_741_183_200_123).unwrap();
        let e = LiveEvent {
            name: "arrived",
            visit_id: 7,
            location: "main".into(),
            at,
            extra: json!({"state": "waiting"}),
        };
        let env = Envelope {
            origin: 1,
            seq: 2,
            message: Shared::event(&e),
        };
        let back: Envelope = serde_json::from_str(&env.encode()).unwrap();
        assert_eq!(back, env);
        let e2 = LiveEvent::from_shared(&back.message).unwrap();
        assert_eq!((e2.name, e2.visit_id, e2.at), ("arrived", 7, at));
        assert_eq!(e2.data(), e.data());
    }

    #[test]
    fn a_long_event_goes_without_its_extra_fields() {
        let e = LiveEvent {
            name: "concern_raised",
            visit_id: 7,
            location: "main".into(),
            at: chrono::Utc::now(),
            extra: json!({"text": "x".repeat(10_000)}),
        };
        let text = Envelope {
            origin: 1,
            seq: 2,
            message: Shared::event(&e),
        }
        .encode();
        assert!(
            text.len() < frontdesk_store::shared::MAX_MESSAGE,
            "{}",
            text.len()
        );
        assert!(text.contains("truncated"));
    }
}
