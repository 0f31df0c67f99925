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
