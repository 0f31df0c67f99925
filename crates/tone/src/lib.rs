//! The tone coach: reads a staff reply before it goes out and says what may
//! read badly to a patient, and reads a patient's message and says whether
//! they sound upset. It depends on nothing else of Frontdesk's; the server
//! and the `frontdesk tone` command call [`check_reply`] and
//! [`check_incoming`].
//!
//! Transparent rules and small lexicons first: every flag names the words it
//! found, says why they read badly and offers a better phrasing, so staff
//! can learn from it and a manager can argue with it. Sentiment alone is the
//! wrong tool here (a sentiment lexicon scores "I'm sorry you waited" as
//! negative), so the rules look for what a patient hears as arguing, brushing
//! off, blaming, talking down, defending, not apologising or over-promising.
//!
//! How it reads a text:
//! 1. Fold every character into a plain lower-case matching form (zero-width
//!    characters dropped, Cyrillic/Greek look-alikes and fullwidth letters
//!    mapped to Latin, curly quotes straightened), remembering for every
//!    folded character the offset of the original character, so spans point
//!    into the text exactly as given (offsets count characters, not bytes).
//! 2. Split into words, expanding contractions ("can't" → "can not",
//!    "it's" → "it is"), and note clause and sentence breaks. Words inside
//!    quotation marks are the patient's (or someone else's) words being
//!    repeated, and are never flagged.
//! 3. Match phrase patterns (the rule files in `rules/`, parsed once by
//!    `rules.rs`; the pattern language is `pattern.rs`), indexed by their
//!    first word, then apply each
//!    rule's guards: negation ("this is not your fault"; "I'm not sure why"
//!    is not a negation), hedges ("we can't guarantee"), an offered remedy
//!    after "nothing we can do", the writer taking the matter on ("not my
//!    department, but I'll call them now"), an admitted fault ("sorry you
//!    were upset; we should have called"), a condition or the writer's own
//!    action around "right away" or "I promise".
//!
//! The patterns are grouped by what they do to a patient, with word sets
//! for the ways people say the same thing (calming commands, repetition
//! markers, "not my area" deflections, patients' choices framed as their
//! fault, staff defending themselves, certainty about other people's
//! outcomes), and since held out 6 by the families older rules missed:
//! comparisons with other patients, minimising, sarcasm, pointing at what
//! the patient was sent or told, curt closings, lecturing, apologies taken
//! back with "but", promises in new words. They still only catch phrasings
//! someone thought of: on the newest blind sets (held outs 11 and 12, 600
//! replies to revise and 600 fine ones from four writers who never saw the
//! coach) the rules alone found 0.59 of the replies that needed revising, at
//! 0.03 false alarms (see docs/tone-coach.md and tests/corpus/main.rs).
//!
//! A patient's message is read for signs of anger or frustration (strong
//! words, swearing, threats to leave or complain, long waits, being ignored,
//! rhetorical questions, sarcasm, clipped verdicts such as "Noted.", failed
//! expectations, disbelief, resignation, a failure reported with nothing
//! asked for, privacy not respected) and then for the context that says
//! whether each one counts: a strong word about an illness, a hard week,
//! the traffic or another practice ("the pain has been horrendous"), in
//! thanks for putting something right ("thank you for sorting out the
//! terrible mix-up"), or outweighed by what follows "but" ("the wait was
//! awful but the nurse was lovely") is not about the practice, and the
//! reasons say which words counted and which did not. A clipped "Noted." in
//! a friendly message, "cancel my registration" when moving away, or "a
//! skin complaint" is not upset either. On the newest blind messages (held
//! out 8, 70 upset and 70 calm) the rules alone caught 0.73 of the upset
//! ones at 0.06 false alarms.
//!
//! When no rule flagged a reply (or found a message upset), a learned second
//! opinion reads it ([`learned`]: a linear model over the same words, word
//! pairs and a few named cues, trained on the labelled corpus and shipped as
//! `tone_weights.tsv`; its trainer is a tool behind the `train` feature, not
//! part of the server). It speaks only above a threshold chosen to keep the
//! coach's false alarms near 0.08 for replies and 0.07 for messages, leaves
//! alone the sentences a rule matched and then cleared ("this is not your
//! fault"), and explains itself like a rule: the sentence, the words that
//! weighed most, the most likely kind and a better phrasing. On the blind
//! held outs 11 and 12, each scored once, rules and model together caught
//! 0.945 of the replies to revise at 0.055 false alarms; on the blind held
//! out 8, 0.94 of upset messages at 0.07. The goal (0.90 at no more than
//! 0.10) is met for both.

use serde::Serialize;

mod emphasis;
mod incoming;
pub mod learned;
mod pattern;
mod reply;
mod rules;
mod text;

use emphasis::shouted;
use rules::lexicons;
use text::{Doc, fold, quoted_mask};

/// What a flagged phrase does to the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Argumentative,
    Dismissive,
    Blaming,
    Condescending,
    Defensive,
    NonApology,
    BigPromise,
}

impl FlagKind {
    pub const ALL: [FlagKind; 7] = [
        FlagKind::Argumentative,
        FlagKind::Dismissive,
        FlagKind::Blaming,
        FlagKind::Condescending,
        FlagKind::Defensive,
        FlagKind::NonApology,
        FlagKind::BigPromise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Argumentative => "argumentative",
            FlagKind::Dismissive => "dismissive",
            FlagKind::Blaming => "blaming",
            FlagKind::Condescending => "condescending",
            FlagKind::Defensive => "defensive",
            FlagKind::NonApology => "non_apology",
            FlagKind::BigPromise => "big_promise",
        }
    }
}

/// One phrase that may read badly. `start`..`end` are character offsets
/// (Unicode scalar values) into the reply exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub start: usize,
    pub end: usize,
    pub why: String,
    pub suggestion: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    Revise,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Revise => "revise",
        }
    }
}

/// The coach's reading of a staff reply: `revise` exactly when there is a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyCheck {
    pub verdict: Verdict,
    pub flags: Vec<Flag>,
}

/// The coach's reading of a patient's message; `why` says in plain words what
/// sounded upset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncomingCheck {
    pub upset: bool,
    pub why: Vec<String>,
}

/// Check a staff reply before it goes out: the rules, then the learned
/// second opinion (see [`learned`]) when no rule matched.
pub fn check_reply(text: &str) -> ReplyCheck {
    check_reply_with(text, Some(&learned::shipped().reply))
}

/// Check a staff reply with the rules and, when given, a learned model (for
/// measuring the rules alone, or a model trained on part of the corpus). The
/// model only speaks when no rule matched, and its flag explains itself like
/// a rule's: the sentence, the words that weighed most, a better phrasing.
pub fn check_reply_with(text: &str, model: Option<&learned::Model>) -> ReplyCheck {
    let folded = fold(text);
    let quoted = quoted_mask(&folded);
    let doc = Doc::new(&folded, &quoted, &lexicons().vocab);
    let mut cleared = Vec::new();
    let mut kept = reply::reply_rule_flags(&doc, &mut cleared);
    if let Some((start, end)) = shouted(&folded) {
        kept.push(Flag {
            kind: FlagKind::Argumentative,
            start: start as usize,
            end: end as usize,
            why: "Words in capitals read as a raised voice: in writing, that is shouting at the patient."
                .to_string(),
            suggestion: "Write it in ordinary letters; if something matters, say why it matters \
                         (\"Please don't eat after midnight, so the scan is clear\")."
                .to_string(),
        });
    }
    if kept.is_empty()
        && let Some(model) = model
        && let Some(flag) = model.reply_flag(&folded, &doc, &cleared)
    {
        kept.push(flag);
    }
    ReplyCheck {
        verdict: if kept.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Revise
        },
        flags: kept,
    }
}

/// Read a patient's message and say whether they sound upset, and why: the
/// rules, then the learned second opinion (see [`learned`]) when no rule
/// found the writer upset.
pub fn check_incoming(text: &str) -> IncomingCheck {
    check_incoming_with(text, Some(&learned::shipped().incoming))
}

/// Read a patient's message with the rules and, when given, a learned model.
/// The model only speaks when the rules found nothing, and says which words
/// weighed most.
pub fn check_incoming_with(text: &str, model: Option<&learned::Model>) -> IncomingCheck {
    let folded = fold(text);
    let not_quoted = vec![false; folded.len()];
    let doc = Doc::new(&folded, &not_quoted, &lexicons().vocab);
    let mut cleared = Vec::new();
    let check = incoming::incoming_rules(text, &folded, &doc, &mut cleared);
    if !check.upset
        && let Some(model) = model
        && let Some(why) = model.upset_why(&folded, &doc, &cleared)
    {
        return IncomingCheck {
            upset: true,
            why: vec![why],
        };
    }
    check
}

#[cfg(test)]
mod tests;
