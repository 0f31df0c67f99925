//! The tone coach in front of every staff reply (a concern's answer, a
//! complaint's reply): a reply it flags is held until staff revise it or
//! choose to send it anyway, and sending anyway is recorded with the flags.

use frontdesk_tone::{ReplyCheck, Verdict};

/// What the coach's reading means for a reply about to go out.
pub enum Gate {
    /// Flagged, and staff have not chosen to send it anyway: not sent.
    Held(ReplyCheck),
    /// To be sent, with the kinds of flag staff chose to send it despite
    /// (empty when it read fine).
    Send(ReplyCheck, Vec<String>),
}

/// Read a reply; hold it when flagged, unless `hold_if_flagged` is false.
pub fn gate(text: &str, hold_if_flagged: bool) -> Gate {
    let check = frontdesk_tone::check_reply(text);
    if check.verdict == Verdict::Revise && hold_if_flagged {
        return Gate::Held(check);
    }
    let mut kinds: Vec<String> = check
        .flags
        .iter()
        .map(|f| f.kind.as_str().to_string())
        .collect();
    kinds.dedup();
    Gate::Send(check, kinds)
}

/// Note on the visit's timeline that the coach held a reply (who, and the
/// kinds of flag; not the words, which staff now revise), so the scorecard
/// can count replies flagged. A failure is logged: the reply is held either way.
pub async fn record_held(
    state: &crate::state::AppState,
    visit_id: Option<i64>,
    about: serde_json::Value,
    by: &str,
    check: &ReplyCheck,
) {
    let Some(visit_id) = visit_id else {
        return;
    };
    let mut flags: Vec<&str> = check.flags.iter().map(|f| f.kind.as_str()).collect();
    flags.dedup();
    let mut detail = about;
    detail["by"] = serde_json::json!(by);
    detail["flags"] = serde_json::json!(flags);
    if let Err(e) = state
        .store
        .record_event(
            visit_id,
            frontdesk_domain::timeline::EventKind::ReplyHeld,
            &detail,
            state.now(),
        )
        .await
    {
        tracing::error!(visit_id, error = %e, "held reply not recorded");
    }
}
