//! What the learned model reads in a text: words, pairs, the rules' word
//! sets and named cues, each feature with the sentence and characters it
//! came from.

use super::{CLASSES, Direction, Features};
use crate::pattern::Fnv;
use crate::reply::{ADMISSIONS, FEELINGS, HEDGES, NEGATORS, OWNING, REMEDIES, TAKING_ON};
use crate::rules::lexicons;
use crate::text::{Doc, FChar, fold, quoted_mask};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

/// Where a feature was seen: its sentence, and the original characters it covers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen {
    pub(super) sent: u32,
    pub(super) start: u32,
    pub(super) end: u32,
}

/// Digits carry no tone; every number reads the same.
fn norm(w: &str) -> &str {
    if w.bytes().any(|b| b.is_ascii_digit()) {
        "<n>"
    } else {
        w
    }
}

pub(super) const FILLER: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
    "from", "as", "about", "into", "is", "are", "was", "were", "be", "been", "being", "am", "it",
    "this", "that", "these", "those", "there", "here", "so", "if", "then", "than", "s", "<n>",
];

const MUSTS: &[&str] = &["should", "need", "needs", "must", "ought", "better"];

/// Call `emit` for every feature occurrence of a text, in text order.
/// Sentences in `skip` are left out.
pub(super) fn each_feature(
    doc: &Doc,
    folded: &[FChar],
    direction: Direction,
    f: Features,
    skip: &[u32],
    emit: &mut dyn FnMut(&str, Seen),
) {
    let toks = &doc.toks;
    let mut buf = String::with_capacity(48);
    let mut prev: Option<usize> = None;
    // For each word, the word before it in its sentence (for `k:` pairs).
    let mut skip_back: Vec<Option<usize>> = vec![None; toks.len()];
    let mut negated: Option<u32> = None;
    // The classes met so far in the current sentence (for `cc:` pairs).
    let (mut class_sent, mut seen_classes): (Option<u32>, u32) = (None, 0);
    for (i, t) in toks.iter().enumerate() {
        if (direction == Direction::Reply && t.quoted) || skip.contains(&t.sent) {
            prev = None;
            continue;
        }
        if prev.is_some_and(|p| toks[p].sent != t.sent) {
            prev = None;
        }
        if negated.is_some_and(|c| c != t.clause) {
            negated = None;
        }
        let word = doc.word(i);
        let w = norm(word);
        let at = Seen {
            sent: t.sent,
            start: t.start,
            end: t.end,
        };
        if !(f.no_filler && FILLER.contains(&w)) {
            buf.clear();
            buf.push_str("w:");
            if negated.is_some() {
                buf.push_str("not_");
            }
            buf.push_str(w);
            emit(&buf, at);
        }
        if f.bigrams {
            buf.clear();
            buf.push_str("b:");
            let start = match prev {
                Some(p) => {
                    buf.push_str(norm(doc.word(p)));
                    toks[p].start
                }
                None => {
                    buf.push('^');
                    t.start
                }
            };
            buf.push(' ');
            buf.push_str(w);
            emit(&buf, Seen { start, ..at });
        }
        if f.skips
            && let Some(pp) = prev.and_then(|p| skip_back[p])
        {
            buf.clear();
            buf.push_str("k:");
            buf.push_str(norm(doc.word(pp)));
            buf.push(' ');
            buf.push_str(w);
            emit(
                &buf,
                Seen {
                    start: toks[pp].start,
                    ..at
                },
            );
        }
        if f.stems && !(f.no_filler && FILLER.contains(&w)) {
            let s = stem(w);
            if s.len() < w.len() {
                buf.clear();
                buf.push_str("t:");
                buf.push_str(s);
                emit(&buf, at);
            }
        }
        if f.style && all_in_capitals(folded, t.start, t.end) {
            emit("h:shout", at);
        }
        if f.classes {
            if class_sent != Some(t.sent) {
                class_sent = Some(t.sent);
                seen_classes = 0;
            }
            let mine = word_classes().get(w).copied().unwrap_or(0);
            for c in (0..CLASSES.len()).filter(|c| mine & (1 << c) != 0) {
                buf.clear();
                buf.push_str("c:");
                buf.push_str(CLASSES[c].0);
                emit(&buf, at);
                for b in (0..CLASSES.len()).filter(|b| seen_classes & (1 << b) != 0) {
                    buf.clear();
                    buf.push_str("cc:");
                    buf.push_str(CLASSES[b].0);
                    buf.push(' ');
                    buf.push_str(CLASSES[c].0);
                    emit(&buf, at);
                }
            }
            seen_classes |= mine;
        }
        if f.negation && NEGATORS.contains(&word) {
            negated = Some(t.clause);
        }
        let cues = if f.hand || f.sets {
            word_cues().get(word)
        } else {
            None
        };
        if f.hand {
            hand_features(doc, folded, i, cues, emit);
        }
        if f.sets {
            for set in cues.iter().flat_map(|c| &c.sets) {
                buf.clear();
                buf.push_str("s:");
                buf.push_str(set);
                emit(&buf, at);
            }
        }
        skip_back[i] = prev;
        prev = Some(i);
    }
    if f.style {
        smileys(doc, folded, direction, skip, emit);
    }
}

/// Each word's classes, as bits in [`CLASSES`] order.
fn word_classes() -> &'static HashMap<&'static str, u32, BuildHasherDefault<Fnv>> {
    type Map = HashMap<&'static str, u32, BuildHasherDefault<Fnv>>;
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = Map::default();
        for (c, (_, words)) in CLASSES.iter().enumerate() {
            for w in words.split('|') {
                *map.entry(w.trim()).or_default() |= 1 << c;
            }
        }
        map
    })
}

/// A crude English stem: common endings off ("reminded" → "remind",
/// "reminders" → "reminder" → "remind", "clearly" → "clear"), enough to join
/// a word's forms; not a linguist's stem.
fn stem(w: &str) -> &str {
    let mut s = w;
    for end in ["'s", "s"] {
        if s.len() > 3 && s.ends_with(end) && !s.ends_with("ss") && !s.ends_with("us") {
            s = &s[..s.len() - end.len()];
            break;
        }
    }
    for end in ["ing", "ed", "er", "ly", "ness", "ment"] {
        if s.len() >= end.len() + 3 && s.ends_with(end) {
            s = &s[..s.len() - end.len()];
            break;
        }
    }
    s
}

/// Whether the word at original offsets `start..end` is written in capitals
/// (three letters or more: "NOT", "ASAP"; not "I" or "OK"). Acronyms count
/// too, unlike the rules' shouting check: the model learns what they weigh.
fn all_in_capitals(folded: &[FChar], start: u32, end: u32) -> bool {
    let from = folded.partition_point(|c| c.orig < start);
    let letters = folded[from..]
        .iter()
        .take_while(|c| c.orig < end)
        .filter(|c| c.c.is_alphabetic());
    let (mut n, mut upper) = (0, 0);
    for c in letters {
        n += 1;
        upper += usize::from(c.upper);
    }
    n >= 3 && upper == n
}

/// `h:smiley` for each ":)", ";)", ":-)", ":D", ":P" or emoji, in the
/// sentence of the word before it (smileys are not words, so the reading
/// of words never sees them).
fn smileys(
    doc: &Doc,
    folded: &[FChar],
    direction: Direction,
    skip: &[u32],
    emit: &mut dyn FnMut(&str, Seen),
) {
    let toks = &doc.toks;
    let mut k = 0;
    while k < folded.len() {
        let c = folded[k].c;
        let len = if matches!(c, ':' | ';') {
            let mut j = k + 1;
            if folded.get(j).is_some_and(|x| x.c == '-') {
                j += 1;
            }
            match folded.get(j).map(|x| x.c) {
                Some(')' | 'd' | 'p')
                    if !folded.get(j + 1).is_some_and(|x| x.c.is_alphanumeric()) =>
                {
                    j + 1 - k
                }
                _ => 0,
            }
        } else if matches!(u32::from(c), 0x1F300..=0x1FAFF | 0x2600..=0x27BF) {
            1
        } else {
            0
        };
        if len == 0 {
            k += 1;
            continue;
        }
        let (start, end) = (folded[k].orig, folded[k + len - 1].orig + 1);
        let before = toks.partition_point(|t| t.start < start);
        let owner = before.checked_sub(1).map(|b| &toks[b]);
        let sent = owner.map_or(0, |t| t.sent);
        let quoted = owner.is_some_and(|t| t.quoted) && direction == Direction::Reply;
        if !skip.contains(&sent) && !quoted {
            emit("h:smiley", Seen { sent, start, end });
        }
        k += len;
    }
}

/// What a word starts or belongs to, looked up once per word.
#[derive(Default)]
struct WordCues {
    /// The rules' word sets holding the word, in the order of `rules/word_sets.rules`.
    sets: Vec<&'static str>,
    feeling: bool,
    hedge: bool,
    /// Phrases of the rules' lexicons that start with the word: the cue's
    /// name and the phrases, in lexicon order.
    phrases: Vec<(&'static str, Vec<&'static [&'static str]>)>,
}

fn word_cues() -> &'static HashMap<&'static str, WordCues, BuildHasherDefault<Fnv>> {
    type Map = HashMap<&'static str, WordCues, BuildHasherDefault<Fnv>>;
    static CUES: OnceLock<Map> = OnceLock::new();
    CUES.get_or_init(|| {
        let mut map = Map::default();
        for set in &lexicons().sets {
            for w in &set.words {
                map.entry(*w).or_default().sets.push(set.name);
            }
        }
        for w in FEELINGS.split('|') {
            map.entry(w.trim()).or_default().feeling = true;
        }
        for w in HEDGES.split('|') {
            map.entry(w.trim()).or_default().hedge = true;
        }
        for (name, seqs) in PHRASE_CUES {
            for seq in *seqs {
                let cues = map.entry(seq[0]).or_default();
                match cues.phrases.iter_mut().find(|p| p.0 == *name) {
                    Some(p) => p.1.push(seq),
                    None => cues.phrases.push((name, vec![*seq])),
                }
            }
        }
        map
    })
}

/// The rules' lexicons of phrases that make a reply fine, as named cues.
const PHRASE_CUES: &[(&str, &[&[&str]])] = &[
    ("h:remedy", REMEDIES),
    ("h:owning", OWNING),
    ("h:admits", ADMISSIONS),
    ("h:taking_on", TAKING_ON),
];

/// The named cues that start at token `i`.
fn hand_features(
    doc: &Doc,
    folded: &[FChar],
    i: usize,
    cues: Option<&WordCues>,
    emit: &mut dyn FnMut(&str, Seen),
) {
    let toks = &doc.toks;
    let t = toks[i];
    let word = doc.word(i);
    let same = |j: usize| j < toks.len() && toks[j].sent == t.sent && !toks[j].quoted;
    let span = |j: usize| Seen {
        sent: t.sent,
        start: t.start,
        end: toks[j].end,
    };
    if let Some(cues) = cues {
        for (name, seqs) in &cues.phrases {
            let hit = seqs.iter().find(|seq| {
                seq.iter()
                    .enumerate()
                    .all(|(k, w)| same(i + k) && doc.word(i + k) == *w)
            });
            if let Some(seq) = hit {
                emit(name, span(i + seq.len() - 1));
            }
        }
        if cues.feeling {
            emit("h:feeling", span(i));
        }
        if cues.hedge {
            emit("h:hedge", span(i));
        }
    }
    // "you should", "you really need", "you have to".
    if word == "you" {
        let must = (i + 1..i + 3).find(|&j| {
            same(j)
                && (doc.is(j, MUSTS)
                    || (doc.is(j, &["have", "has", "got"])
                        && same(j + 1)
                        && doc.is(j + 1, &["to"])))
        });
        if let Some(j) = must {
            emit("h:you_must", span(j));
        }
    }
    // How the sentence ends.
    let last = i + 1 == toks.len() || toks[i + 1].sent != t.sent;
    if last {
        let mut k = folded.partition_point(|c| c.orig < t.end);
        while k < folded.len() && matches!(folded[k].c, ' ' | '"' | '\'' | ')') {
            k += 1;
        }
        let name = match folded.get(k).map(|c| c.c) {
            Some('?') => "h:?",
            Some('!') => "h:!",
            _ => return,
        };
        let o = folded[k].orig;
        emit(
            name,
            Seen {
                sent: t.sent,
                start: o,
                end: o + 1,
            },
        );
    }
}

/// A text read the way the coach reads it, with the sentences the rules
/// cleared (see `reply_rule_flags`).
pub(super) struct Read {
    pub(super) folded: Vec<FChar>,
    pub(super) doc: Doc,
    pub(super) cleared: Vec<u32>,
}

pub(super) fn read_text(direction: Direction, text: &str) -> Read {
    let folded = fold(text);
    let quoted = match direction {
        Direction::Reply => quoted_mask(&folded),
        Direction::Incoming => vec![false; folded.len()],
    };
    let doc = Doc::new(&folded, &quoted, &lexicons().vocab);
    let mut cleared = Vec::new();
    match direction {
        Direction::Reply => {
            crate::reply::reply_rule_flags(&doc, &mut cleared);
        }
        Direction::Incoming => {
            crate::incoming::incoming_rules(text, &folded, &doc, &mut cleared);
        }
    }
    Read {
        folded,
        doc,
        cleared,
    }
}

/// The distinct feature names of a text, sorted.
#[cfg(feature = "train")]
pub(super) fn feature_names(direction: Direction, features: Features, text: &str) -> Vec<String> {
    let r = read_text(direction, text);
    let mut names = Vec::new();
    each_feature(
        &r.doc,
        &r.folded,
        direction,
        features,
        &r.cleared,
        &mut |name, _| names.push(name.to_string()),
    );
    names.sort_unstable();
    names.dedup();
    names
}
