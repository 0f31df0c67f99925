//! The tone coach's learned second opinion: a small linear model over the
//! words of a text, trained on the labelled corpus
//! (`tests/data/tone_replies.tsv`, `tests/data/tone_incoming.tsv`) and
//! shipped as data, `tone_weights.tsv`, one `feature<TAB>weight` a line.
//! The trainer (`train`, behind the crate's `train` feature: a tool, not
//! part of the server; the crate's own tests turn it on) writes it from a
//! test: `cargo test -p frontdesk-tone --test corpus write_weights -- --ignored`.
//!
//! Why a model at all: the rules only catch phrasings someone thought of.
//! On replies written after the last rule change they caught a quarter of
//! those that needed revising, and each new batch of text was caught at
//! about 0.4 before the rules were tuned on it. Weighted words and word
//! pairs generalise further than exact phrases, at the price of being less
//! sure; so the model is a second opinion that speaks only when no rule did.
//!
//! How it stays explainable:
//! - Its features are the words of the coach's own reading of a text (case,
//!   zero-width characters, look-alike letters and contractions folded the
//!   same way as for the rules; quoted words left out of replies; filler
//!   words such as "the" or "of" only inside pairs), pairs of neighbouring
//!   words, the rules' named word sets (`s:`), and a few named cues (`h:`:
//!   "you" followed by "should/need/must", the rules' lexicons of remedies,
//!   apologies, admitted faults and the writer taking a matter on, hedges,
//!   feeling words, a sentence ending in "?" or "!"); for replies also word
//!   stems (`t:`), pairs one word apart (`k:`), smileys and words in
//!   capitals (`h:smiley`, `h:shout`) and the model's own word classes
//!   ([`CLASSES`], `c:` and `cc:` for two classes in one sentence). Each has one weight in
//!   the shipped file; a text's score is a fixed bias (the labels' log-odds)
//!   plus the weights of the features it has, each counted once.
//! - Sentences where a rule matched a phrase and then cleared it by one of
//!   its exceptions ("this is not your fault", "nothing we can do, but I can
//!   help you appeal", "I'm not upset") are the rules' call: the model does
//!   not read them, in training or in use.
//! - A flag points at the sentence whose features add up to the most, names
//!   the words in it that weighed most, takes its kind from a second small
//!   model trained on the kinds the rules gave the training replies (so no
//!   kind is invented), and offers a plain better phrasing for that kind.
//! - The threshold is chosen by cross-validation on the training texts: the
//!   lowest score at which rules and model together raise no more than
//!   `Options::false_alarms` of the fine texts (see the trainer).

mod features;
#[cfg(feature = "train")]
mod train;

#[cfg(feature = "train")]
pub use train::{Learner, Options, fold_of, train, weights_file};

use crate::pattern::Fnv;
use crate::text::{Doc, FChar};
use crate::{Flag, FlagKind};
use features::{FILLER, Seen, each_feature, read_text};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

/// Which of the coach's two questions a model answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Should this staff reply be revised?
    Reply,
    /// Is the writer of this patient message upset?
    Incoming,
}

/// Which features a text is read into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// Pairs of neighbouring words in a sentence (and the first word of a sentence).
    pub bigrams: bool,
    /// The named `h:` cues.
    pub hand: bool,
    /// Words after a negating word in the same clause are read as `not_word`.
    pub negation: bool,
    /// The rules' named word sets a word belongs to (`s:busy` for
    /// "swamped", `s:rules` for "protocol", `s:certain` for "definitely").
    pub sets: bool,
    /// Filler words (articles, prepositions, conjunctions, "be") are not
    /// features on their own, only inside word pairs: alone they carry
    /// style and length, not tone, and make poor explanations.
    pub no_filler: bool,
    /// A word's stem as well (`t:remind` for "reminded", "reminders"), so
    /// that a weight learned for one form reaches the others.
    pub stems: bool,
    /// Pairs of words one word apart in a sentence (`k:as said` for "as I
    /// said", "as we said"): the shape of a phrase, whoever fills the gap.
    pub skips: bool,
    /// How a text is written, beside its words: `h:smiley` (":)", an
    /// emoji), `h:shout` (a word of three or more letters in capitals).
    pub style: bool,
    /// The model's own word classes ([`CLASSES`]: `c:others` for "everyone",
    /// "nobody", "thousands"), and each pair of classes met in that order in
    /// one sentence (`cc:sorry contrast`): the shape of a sentence, in words
    /// the corpus may never have used.
    pub classes: bool,
}

/// Word classes for the model (not the rules): each groups words that play
/// one part in how a reply reads, so that a weight learned from "every other
/// patient" also reaches "nobody else on the list".
pub const CLASSES: &[(&str, &str)] = &[
    (
        "others",
        "other|others|everyone|everybody|nobody|anybody|anyone|noone|thousands|hundreds|dozens|\
         millions|else|rest|most|majority",
    ),
    (
        "small",
        "hardly|barely|merely|only|just|tiny|trivial|minor|little|slight|mere|small|simply|\
         phase|life|normal|routine|fine|ok|okay|common",
    ),
    (
        "sure",
        "guarantee|guaranteed|guarantees|definitely|certainly|surely|sure|cert|promise|promised|\
         bank|absolutely|totally|completely|forever|ever|always|zero|instantly|immediately|\
         perfect|perfectly|lifetime|certain|percent|question|doubt|worry",
    ),
    (
        "irony",
        "oh|wow|brilliant|lucky|congratulations|congrats|shocking|famous|magic|funny|fantastic|\
         lovely|genius|amazing|thrilled|delighted|apparently|surprise|guess|shall|machine|\
         cheers|bless|lol|haha|sure|clearly|obviously|course",
    ),
    (
        "record",
        "file|record|records|gave|given|sent|told|displayed|printed|website|leaflet|letter|\
         statement|card|signed|contract|attached|portal|already|twice|again|previous|above|\
         below|policy|terms|form|instructions|sign|notice",
    ),
    (
        "lecture",
        "kindly|future|forward|remember|perhaps|maybe|suggest|responsibility|expected|manage|\
         plan|properly|carefully|correctly|sensible|courtesy|deserve|advise|advised|reminder|\
         learn|understand|appreciate",
    ),
    (
        "closing",
        "final|conclude|concludes|concluded|closed|close|further|discuss|discussing|debate|\
         matter|add|regardless|end|nothing|done|enough|over",
    ),
    (
        "taste",
        "liking|taste|wanted|like|happy|hear|feel|feels|felt|perceived|offended|satisfied|\
         pleased|expectations|impression|view|opinion",
    ),
    (
        "sorry",
        "sorry|apologies|apologise|apologize|apology|regret|regrets|apologising",
    ),
    (
        "contrast",
        "but|however|although|though|nevertheless|nonetheless|unfortunately|still|yet",
    ),
    ("you", "you|your|yours|yourself|yourselves"),
    (
        "we",
        "we|our|us|ours|ourselves|i|me|my|mine|myself|team|staff|practice|clinic",
    ),
    (
        "help",
        "help|check|call|ring|book|arrange|send|fix|sort|look|find|update|chase|follow|let|\
         text|email|phone|offer|can|will|happy|glad",
    ),
    ("not", "not|no|never|nothing|none|nope|nah"),
];

type Weights = HashMap<Box<str>, f64, BuildHasherDefault<Fnv>>;

/// A trained second opinion for one direction.
#[derive(Debug, Clone)]
pub struct Model {
    direction: Direction,
    features: Features,
    bias: f64,
    weights: Weights,
    /// The model speaks above this score (log-odds).
    threshold: f64,
    /// Reply models: a score per kind; the highest names a flag's kind.
    kinds: Vec<(FlagKind, f64, Weights)>,
}

/// The models shipped in `tone_weights.tsv`.
#[derive(Debug, Clone)]
pub struct Shipped {
    pub reply: Model,
    pub incoming: Model,
}

/// The shipped models, read once from `tone_weights.tsv`.
pub fn shipped() -> &'static Shipped {
    static SHIPPED: OnceLock<Shipped> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        parse(include_str!("../../tone_weights.tsv"))
            .unwrap_or_else(|e| panic!("tone_weights.tsv: {e}"))
    })
}

/// A feature of the text that the model has a weight for.
struct Hit<'m> {
    key: &'m str,
    w: f64,
    at: Seen,
}

/// What the model makes of a text.
struct Reading<'m> {
    hits: Vec<Hit<'m>>,
    score: f64,
}

impl Model {
    fn read(&self, doc: &Doc, folded: &[FChar], skip: &[u32]) -> Reading<'_> {
        let mut hits = Vec::new();
        each_feature(
            doc,
            folded,
            self.direction,
            self.features,
            skip,
            &mut |name, at| {
                if let Some((key, &w)) = self.weights.get_key_value(name) {
                    hits.push(Hit { key, w, at });
                }
            },
        );
        // A feature counts once however often it occurs: mark first
        // occurrences (keys are unique in the map, so their address is the
        // feature), then add up in text order.
        let mut order: Vec<usize> = (0..hits.len()).collect();
        order.sort_by_key(|&h| (hits[h].key.as_ptr() as usize, h));
        let mut first = vec![false; hits.len()];
        for (n, &h) in order.iter().enumerate() {
            first[h] = n == 0 || hits[order[n - 1]].key.as_ptr() != hits[h].key.as_ptr();
        }
        let score = self.bias
            + hits
                .iter()
                .zip(&first)
                .filter(|(_, f)| **f)
                .map(|(h, _)| h.w)
                .sum::<f64>();
        Reading { hits, score }
    }

    /// The sentence whose features add up to the most (each feature once per
    /// sentence), among those with at least one feature that pushes towards
    /// flagging.
    fn best_sentence(&self, r: &Reading) -> Option<u32> {
        let hits = &r.hits;
        // Hits come in text order, so a sentence's hits are together.
        let mut best: Option<(u32, f64)> = None;
        let mut group: Vec<(usize, f64)> = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            let sent = hits[i].at.sent;
            group.clear();
            while i < hits.len() && hits[i].at.sent == sent {
                group.push((hits[i].key.as_ptr() as usize, hits[i].w));
                i += 1;
            }
            group.sort_by_key(|g| g.0);
            group.dedup_by_key(|g| g.0);
            if group.iter().any(|g| g.1 > 0.0) {
                let sum: f64 = group.iter().map(|g| g.1).sum();
                if best.is_none_or(|b| sum > b.1) {
                    best = Some((sent, sum));
                }
            }
        }
        best.map(|b| b.0)
    }

    /// The words that weighed most towards flagging (in `sent` when given):
    /// `“word”, “two words”`, at most three, none overlapping.
    fn weighing_words(&self, r: &Reading, folded: &[FChar], sent: Option<u32>) -> String {
        let shown = |h: &Hit| -> String {
            let from = folded.partition_point(|c| c.orig < h.at.start);
            let to = folded.partition_point(|c| c.orig < h.at.end);
            folded[from..to]
                .iter()
                .map(|c| if c.c.is_whitespace() { ' ' } else { c.c })
                .collect::<String>()
                .split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut pos: Vec<(&Hit, String)> = r
            .hits
            .iter()
            .filter(|h| h.w > 0.0 && sent.is_none_or(|s| h.at.sent == s))
            .map(|h| (h, shown(h)))
            .filter(|(_, w)| !w.is_empty())
            .collect();
        // A filler word ("the", "it's") can weigh through one of the rules'
        // word sets, but says nothing to a reader: name other words when
        // there are any. This changes the wording only, never the verdict.
        let filler = |w: &str| {
            w.split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .all(|p| FILLER.contains(&p))
        };
        if pos.iter().any(|(_, w)| !filler(w)) {
            pos.retain(|(_, w)| !filler(w));
        }
        pos.sort_by(|a, b| {
            b.0.w
                .total_cmp(&a.0.w)
                .then(a.0.at.start.cmp(&b.0.at.start))
        });
        // Only words that carry a real share of the weight.
        let top = pos.first().map_or(0.0, |h| h.0.w);
        pos.retain(|h| h.0.w >= top / 3.0);
        let mut chosen: Vec<(u32, u32)> = Vec::new();
        let mut out: Vec<String> = Vec::new();
        for (h, w) in pos {
            if chosen.len() == 3 {
                break;
            }
            if out.contains(&w) || chosen.iter().any(|&(s, e)| h.at.start < e && s < h.at.end) {
                continue;
            }
            chosen.push((h.at.start, h.at.end));
            out.push(w);
        }
        out.iter()
            .map(|w| format!("\u{201C}{w}\u{201D}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The most likely kind of a flagged reply.
    fn kind_of(&self, doc: &Doc, folded: &[FChar], skip: &[u32]) -> FlagKind {
        let mut names: Vec<String> = Vec::new();
        each_feature(
            doc,
            folded,
            self.direction,
            self.features,
            skip,
            &mut |name, _| {
                if self.kinds.iter().any(|k| k.2.contains_key(name)) {
                    names.push(name.to_string());
                }
            },
        );
        names.sort_unstable();
        names.dedup();
        self.kinds
            .iter()
            .map(|(kind, bias, w)| {
                let s = bias + names.iter().filter_map(|n| w.get(n.as_str())).sum::<f64>();
                (*kind, s)
            })
            .fold(None::<(FlagKind, f64)>, |best, k| match best {
                Some(b) if b.1 >= k.1 => Some(b),
                _ => Some(k),
            })
            .map_or(FlagKind::Dismissive, |k| k.0)
    }

    /// The kind this reply model would give a flag on `text`.
    pub fn kind(&self, text: &str) -> FlagKind {
        let r = read_text(Direction::Reply, text);
        self.kind_of(&r.doc, &r.folded, &r.cleared)
    }

    /// The model's flag for a reply no rule flagged, if it reads as needing
    /// a revision; sentences in `skip` are left out.
    pub(crate) fn reply_flag(&self, folded: &[FChar], doc: &Doc, skip: &[u32]) -> Option<Flag> {
        let r = self.read(doc, folded, skip);
        if r.score <= self.threshold {
            return None;
        }
        let sent = self.best_sentence(&r)?;
        let first = doc.toks.iter().position(|t| t.sent == sent)?;
        let (a, b) = doc.sentence(first);
        let words = self.weighing_words(&r, folded, Some(sent));
        if words.is_empty() {
            return None;
        }
        let kind = self.kind_of(doc, folded, skip);
        Some(Flag {
            kind,
            start: doc.toks[a].start as usize,
            end: doc.toks[b - 1].end as usize,
            why: format!(
                "Reads as {} to a patient: words like {words} usually come across that way \
                 (a second opinion learned from labelled replies; no fixed rule matched).",
                describe(kind)
            ),
            suggestion: suggest(kind).to_string(),
        })
    }

    /// Why the model reads a message no rule found upset as upset, if it does.
    pub(crate) fn upset_why(&self, folded: &[FChar], doc: &Doc, skip: &[u32]) -> Option<String> {
        let r = self.read(doc, folded, skip);
        if r.score <= self.threshold {
            return None;
        }
        let words = self.weighing_words(&r, folded, None);
        if words.is_empty() {
            return None;
        }
        Some(format!(
            "Reads as upset or frustrated: words like {words} weighed most \
             (a second opinion learned from labelled messages; no fixed rule matched)"
        ))
    }

    /// The question this model answers.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The model's probability that a text needs revising (replies) or that
    /// its writer is upset (incoming), ignoring the rules.
    pub fn probability(&self, text: &str) -> f64 {
        sigmoid(self.score(text))
    }

    /// The probability above which the model speaks.
    pub fn threshold(&self) -> f64 {
        sigmoid(self.threshold)
    }

    /// Would the model, on its own, flag this text?
    pub fn speaks(&self, text: &str) -> bool {
        self.score(text) > self.threshold
    }

    fn score(&self, text: &str) -> f64 {
        let r = read_text(self.direction, text);
        self.read(&r.doc, &r.folded, &r.cleared).score
    }

    /// Number of weights of the verdict model and of the kind model.
    pub fn sizes(&self) -> (usize, usize) {
        (
            self.weights.len(),
            self.kinds.iter().map(|k| k.2.len()).sum(),
        )
    }

    /// Number of weights, kinds included.
    pub fn len(&self) -> usize {
        self.weights.len() + self.kinds.iter().map(|k| k.2.len()).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn describe(kind: FlagKind) -> &'static str {
    match kind {
        FlagKind::Argumentative => "argumentative",
        FlagKind::Dismissive => "dismissive",
        FlagKind::Blaming => "blaming the patient",
        FlagKind::Condescending => "condescending",
        FlagKind::Defensive => "defensive",
        FlagKind::NonApology => "an apology taken back",
        FlagKind::BigPromise => "a promise with no basis",
    }
}

fn suggest(kind: FlagKind) -> &'static str {
    match kind {
        FlagKind::Argumentative => {
            "Acknowledge the patient's point before answering, and leave their tone out of it: \
             \"I can hear how frustrating this is. Here is what I can do: ...\""
        }
        FlagKind::Dismissive => {
            "Take the concern seriously and say what you will do about it: \"I understand why \
             this matters to you. Let me check and get back to you by ...\""
        }
        FlagKind::Blaming => {
            "Talk about what happens next, not what the patient did wrong: \"Let's get this \
             sorted. I can ...\""
        }
        FlagKind::Condescending => {
            "Explain plainly, as to an equal: \"Here is how it works: ... Does that answer your \
             question?\""
        }
        FlagKind::Defensive => {
            "Own the patient's experience before explaining: \"I'm sorry this happened. Here is \
             what we are doing about it: ...\""
        }
        FlagKind::NonApology => {
            "Apologise for what happened, without \"if\" or \"but\": \"I'm sorry we kept you \
             waiting. I will ...\""
        }
        FlagKind::BigPromise => {
            "Give an honest range and what you will do: \"It usually takes 2 to 3 days; I'll call \
             you as soon as it is in.\""
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Read a weights file written by the trainer (`weights_file`).
pub fn parse(tsv: &str) -> Result<Shipped, String> {
    let empty = |direction| Model {
        direction,
        features: Features {
            bigrams: false,
            hand: false,
            negation: false,
            sets: false,
            no_filler: false,
            stems: false,
            skips: false,
            style: false,
            classes: false,
        },
        bias: 0.0,
        weights: Weights::default(),
        threshold: 0.0,
        kinds: Vec::new(),
    };
    let mut shipped = Shipped {
        reply: empty(Direction::Reply),
        incoming: empty(Direction::Incoming),
    };
    for (n, line) in tsv.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}: {line:?}", n + 1);
        let (name, weight) = line.rsplit_once('\t').ok_or_else(|| bad("no tab"))?;
        let weight: f64 = weight.parse().map_err(|_| bad("weight is not a number"))?;
        let (model, feature) = name.split_once('/').ok_or_else(|| bad("no model/"))?;
        let (direction, kind) = match model.split_once(".kind.") {
            Some((d, k)) => (d, Some(k)),
            None => (model, None),
        };
        let m = match direction {
            "reply" => &mut shipped.reply,
            "incoming" => &mut shipped.incoming,
            _ => return Err(bad("unknown model")),
        };
        if let Some(kind) = kind {
            let kind = *FlagKind::ALL
                .iter()
                .find(|k| k.as_str() == kind)
                .ok_or_else(|| bad("unknown kind"))?;
            if !m.kinds.iter().any(|k| k.0 == kind) {
                m.kinds.push((kind, 0.0, Weights::default()));
            }
            let k = m
                .kinds
                .iter_mut()
                .find(|k| k.0 == kind)
                .expect("just added");
            match feature {
                "=bias" => k.1 = weight,
                f => {
                    k.2.insert(f.into(), weight);
                }
            }
            continue;
        }
        match feature {
            "=bias" => m.bias = weight,
            "=threshold" => m.threshold = weight,
            "=bigrams" => m.features.bigrams = weight != 0.0,
            "=hand" => m.features.hand = weight != 0.0,
            "=negation" => m.features.negation = weight != 0.0,
            "=sets" => m.features.sets = weight != 0.0,
            "=no_filler" => m.features.no_filler = weight != 0.0,
            "=stems" => m.features.stems = weight != 0.0,
            "=skips" => m.features.skips = weight != 0.0,
            "=style" => m.features.style = weight != 0.0,
            "=classes" => m.features.classes = weight != 0.0,
            f if f.starts_with('=') => return Err(bad("unknown setting")),
            f => {
                m.weights.insert(f.into(), weight);
            }
        }
    }
    Ok(shipped)
}
