//! The tone coach's readings as JSON, shared by `POST /api/v1/tone`, the
//! answer to a concern and `frontdesk tone --jsonl`.

use frontdesk_tone::{Flag, IncomingCheck, ReplyCheck};
use serde::Serialize;

/// `{"verdict": "ok"|"revise", "flags": [...]}` for a checked staff reply.
#[derive(Serialize)]
pub struct ReplyJson {
    pub verdict: &'static str,
    pub flags: Vec<FlagJson>,
}

/// One flag: what kind, where in the text (characters), why, and a better phrasing.
#[derive(Serialize)]
pub struct FlagJson {
    pub kind: &'static str,
    pub start: usize,
    pub end: usize,
    pub why: String,
    pub suggestion: String,
}

impl ReplyJson {
    pub fn of(check: &ReplyCheck) -> ReplyJson {
        ReplyJson {
            verdict: check.verdict.as_str(),
            flags: check.flags.iter().map(FlagJson::of).collect(),
        }
    }
}

impl FlagJson {
    fn of(flag: &Flag) -> FlagJson {
        FlagJson {
            kind: flag.kind.as_str(),
            start: flag.start,
            end: flag.end,
            why: flag.why.to_string(),
            suggestion: flag.suggestion.to_string(),
        }
    }
}

/// `{"upset": true|false, "why": [...]}` for a checked patient message.
#[derive(Serialize)]
pub struct IncomingJson {
    pub upset: bool,
    pub why: Vec<String>,
}

impl IncomingJson {
    pub fn of(check: &IncomingCheck) -> IncomingJson {
        IncomingJson {
            upset: check.upset,
            why: check.why.iter().map(|w| w.to_string()).collect(),
        }
    }
}
