//! The tone coach's learned second opinion: a small linear model over the
//! words of a text, trained on the labelled corpus
//! (`tests/data/tone_replies.tsv`, `tests/data/tone_incoming.tsv`) and
//! shipped as data, `tone_weights.tsv`, one `feature<TAB>weight` a line.
//! The generator is a test:
//! `cargo test -p frontdesk-tone --test corpus write_weights -- --ignored`.
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
//!   [`Options::false_alarms`] of the fine texts.

use crate::pattern::Fnv;
use crate::reply::{ADMISSIONS, FEELINGS, HEDGES, NEGATORS, OWNING, REMEDIES, TAKING_ON};
use crate::rules::lexicons;
use crate::text::{Doc, FChar, fold, quoted_mask};
use crate::{Flag, FlagKind};
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

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Reply => "reply",
            Direction::Incoming => "incoming",
        }
    }
}

/// How weights are learned from labelled texts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Learner {
    /// Logistic regression with penalties `l1 · |w|₁ + l2 / 2 · |w|²` on the
    /// mean log-loss, fitted by full-batch gradient descent with per-weight
    /// (AdaGrad) step sizes; the L1 part (a soft threshold after each step)
    /// sets most weights to exactly zero. The bias is not learned but fixed
    /// at the log-odds of the labels: revise replies in the corpus are a
    /// third shorter than fine ones, and a learned bias turns that into
    /// "few words read badly" (an empty or one-word reply was flagged by the
    /// bias alone). With a fixed bias a score is word evidence only.
    Logistic { l1: f64, l2: f64 },
    /// Multinomial naive Bayes over the features present in a text, with
    /// add-`alpha` smoothing; the weights are log-likelihood ratios.
    NaiveBayes { alpha: f64 },
    /// Logistic regression (as above) plus `share` times the naive-Bayes
    /// weights (add-`alpha`): still one weight per feature.
    Blend {
        l1: f64,
        l2: f64,
        alpha: f64,
        share: f64,
    },
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

/// Everything that decides how a model is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub learner: Learner,
    pub features: Features,
    /// A feature is learned only if it occurs in at least this many training texts.
    pub min_count: usize,
    /// Weights smaller than this (in log-odds) are dropped from the model.
    pub prune: f64,
    /// The threshold is the lowest score at which rules and model together
    /// flag at most this share of the fine training texts, scored by
    /// cross-validation.
    pub false_alarms: f64,
    /// Folds of that cross-validation (consecutive blocks of the texts).
    pub folds: usize,
}

impl Options {
    /// The options the shipped models are trained with. Filler words are
    /// never features alone (for the explanations' sake); the rest was
    /// chosen by cross-validation over every text but the last held-out part
    /// (`choose_model` in tests/corpus.rs): the highest recall of the
    /// model alone with at most 0.05 false alarms and at most 2,000
    /// weights, ties to the smaller model. That rule was fixed before any
    /// of this was measured on held out 3; it was last applied on
    /// 2026-11-27, after development batch 8 doubled the corpus (the earlier
    /// choice then needed 2,503 reply weights and read 0.32 of upset
    /// messages): replies, logistic regression (L1 1e-4, L2 1e-3) over
    /// every kind of feature seen in at least two texts, model alone 0.444 /
    /// 0.031, 1,846 weights; messages, naive Bayes (add-0.5) over words,
    /// pairs and cues seen in at least two texts, 0.548 / 0.033, 1,267
    /// weights.
    ///
    /// Applied again to messages on 2026-11-27, after the incoming rules were
    /// changed and development batches 9-11 (410 messages) were added, over
    /// the 1,094 messages outside held out 4: naive Bayes (add-1.0) over
    /// words, pairs, cues and the rules' word sets seen in at least two
    /// texts, model alone 0.658 / 0.038, 1,987 weights (the earlier choice,
    /// add-0.5 without word sets: 0.653 / 0.042). Replies were not chosen
    /// again: their texts and rules did not change, and the same rule over
    /// today's split (held out 4 was added after the last choice) would
    /// pick L1 2e-4 and pruning 0.01 (0.393 / 0.031, 1,678 weights) over the
    /// shipped L1 1e-4 and pruning 0.05 (0.385 / 0.031), about six replies
    /// in 777; left for whoever next changes the replies.
    ///
    /// Changed again on 2026-11-27 (second change that day), after the
    /// rules gained the families of development batch 9 and the former held
    /// out 5 (comparisons with other patients, minimising, sarcasm,
    /// record-pointing, curt closings, lecturing, promises in new words).
    /// Decided before held out 6 was scored on this coach, by this rule:
    /// - replies read stems, pairs one word apart, smileys/capitals and the
    ///   model's word classes as well ([`Features`]): over the 2,039 replies
    ///   outside held out 4 the model alone went from 0.371 / 0.026 to
    ///   0.392 / 0.025 at the old budget, and each kind helped a little on
    ///   its own (`experiment` in tests/corpus.rs); the learner is
    ///   unchanged;
    /// - the false-alarm budget is 0.07 for both directions, not 0.05. The
    ///   goal allows 0.10 on new text, and on the three blind sets the
    ///   coach's false alarms came out 0.00-0.06 above what the same budget
    ///   gave in cross-validation (held out 4: 0.043; held out 5: 0.100;
    ///   held out 6, before these changes: 0.060, read as a total only).
    ///   0.07 leaves 0.03 of that room; in cross-validation it buys about
    ///   0.03 of recall per 0.01 of false alarms (replies: rules + model
    ///   0.856 / 0.041 at 0.05, 0.889 / 0.068 at 0.07).
    ///
    /// The selection rule's cap of 2,000 weights no longer holds: with the
    /// corpus doubled since, the shipped reply model has about 3,000 verdict
    /// weights and the message model about 3,000; the grid was not searched
    /// again under a new cap.
    ///
    /// Changed again on 2026-11-28, after held out 7 was scored (replies
    /// 0.800 / 0.080) and development batches 12-14 (1,080 replies) were
    /// added, before held out 8 was scored: the reply model blends naive
    /// Bayes into the logistic regression ([`Learner::Blend`], share 0.15,
    /// L2 3e-4, pruning 0.2). Over the 3,459 replies outside held out 7,
    /// by the `experiment` test: logistic regression alone, rules + model
    /// 0.863 / 0.071 (model alone 0.625 / 0.044); blends with shares
    /// 0.1-0.3 0.878-0.891 / 0.066-0.070 (model alone 0.66-0.70 / 0.04).
    /// The chosen blend (0.887 / 0.070) is 0.004 under the best but has
    /// 4,657 weights, not 6,154, and its model flags one of four short fine
    /// replies the unit tests pin ("Okay.", "Again, thank you for your
    /// patience.", …), the best three. Tried and dropped the same day (and
    /// their code removed): learning only from the texts the rules leave
    /// alone (0.863 / 0.068), and logistic regression over features scaled
    /// by their naive-Bayes ratios (at most 0.896 at the earlier split, no
    /// better than the blend).
    ///
    /// Then held out 8 was scored once on that coach (replies 0.887 /
    /// 0.047: two replies short of the goal, at half the false-alarm
    /// allowance) and appended, and the reply budget became 0.08, decided
    /// before held out 9 was scored. On the three blind runs the coach's
    /// false alarms came out at the cross-validated rate or near it (held
    /// out 6: 0.070 against 0.071; 7: 0.080 against 0.069; 8: 0.047 against
    /// 0.067), so 0.08 leaves about 0.02 of the 0.10 allowance as margin.
    /// Over the 3,659 replies outside held out 8: 0.884 / 0.067 at 0.07,
    /// 0.897 / 0.076 at 0.08 (0.906 / 0.083 at 0.09). Messages stay at 0.07:
    /// they meet the goal there.
    ///
    /// Changed again in the fourth session, after held out 10 (0.860 /
    /// 0.067 blind) and development batches 17-18 were added, decided by
    /// the `experiment` test before the next blind sets were scored: less
    /// regularisation and more naive Bayes (L1 5e-5, L2 1e-4, share 0.25,
    /// was L1 1e-4, L2 3e-4, share 0.15). Over the 7,139 replies outside
    /// held out 10 the sweep ran one way: shares 0.1 / 0.15 / 0.25 / 0.4
    /// gave rules + model 0.873 / 0.887 / 0.897 / 0.903, and lower L1 and
    /// lower pruning each helped a little; L1 5e-5, L2 1e-4, share 0.4 gave
    /// 0.905 / 0.078 (held out 10: 0.887 / 0.060, against 0.860 / 0.073).
    /// With batches 19-22 in, share 0.25 tied share 0.4 (0.907 / 0.076) with
    /// 13,349 weights instead of 21,152, so 0.25. With batches 23-28 in too
    /// (9,299 replies): 0.920 / 0.079, model alone 0.857 / 0.057; share 0.15
    /// 0.908 / 0.076. The budget stays 0.08 (0.07: 0.909 / 0.069; 0.09:
    /// 0.929 / 0.087).
    pub fn chosen(direction: Direction) -> Options {
        let (learner, negation, sets, prune) = match direction {
            Direction::Reply => (
                Learner::Blend {
                    l1: 5e-5,
                    l2: 1e-4,
                    alpha: 1.0,
                    share: 0.25,
                },
                true,
                true,
                0.2,
            ),
            Direction::Incoming => (Learner::NaiveBayes { alpha: 1.0 }, false, true, 0.01),
        };
        let reply = direction == Direction::Reply;
        Options {
            learner,
            features: Features {
                bigrams: true,
                hand: true,
                negation,
                sets,
                no_filler: true,
                stems: reply,
                skips: reply,
                style: reply,
                classes: reply,
            },
            min_count: 2,
            prune,
            false_alarms: if reply { 0.08 } else { 0.07 },
            folds: 5,
        }
    }
}

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
        parse(include_str!("tone_weights.tsv")).unwrap_or_else(|e| panic!("tone_weights.tsv: {e}"))
    })
}

// ---------------------------------------------------------------------------
// Features.
// ---------------------------------------------------------------------------

/// Where a feature was seen: its sentence, and the original characters it covers.
#[derive(Debug, Clone, Copy)]
struct Seen {
    sent: u32,
    start: u32,
    end: u32,
}

/// Digits carry no tone; every number reads the same.
fn norm(w: &str) -> &str {
    if w.bytes().any(|b| b.is_ascii_digit()) {
        "<n>"
    } else {
        w
    }
}

const FILLER: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
    "from", "as", "about", "into", "is", "are", "was", "were", "be", "been", "being", "am", "it",
    "this", "that", "these", "those", "there", "here", "so", "if", "then", "than", "s", "<n>",
];

const MUSTS: &[&str] = &["should", "need", "needs", "must", "ought", "better"];

/// Call `emit` for every feature occurrence of a text, in text order.
/// Sentences in `skip` are left out.
fn each_feature(
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
struct Read {
    folded: Vec<FChar>,
    doc: Doc,
    cleared: Vec<u32>,
}

fn read_text(direction: Direction, text: &str) -> Read {
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
fn feature_names(direction: Direction, features: Features, text: &str) -> Vec<String> {
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

// ---------------------------------------------------------------------------
// Reading a text with a trained model.
// ---------------------------------------------------------------------------

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

    /// Do two models agree to within `tolerance` on every weight and the
    /// threshold? Weights within `tolerance` of the pruning cut may be in
    /// one and not the other.
    pub fn agrees_with(&self, other: &Model, tolerance: f64, prune: f64) -> Result<(), String> {
        fn same(a: &Weights, b: &Weights, tol: f64, prune: f64, what: &str) -> Result<(), String> {
            for (k, &w) in a {
                let v = b.get(k).copied().unwrap_or(0.0);
                let near_cut = w.abs() < prune + tol && v.abs() < prune + tol;
                if (w - v).abs() > tol && !near_cut {
                    return Err(format!("{what} {k}: {w:.4} vs {v:.4}"));
                }
            }
            Ok(())
        }
        if self.direction != other.direction || self.features != other.features {
            return Err("different directions or features".into());
        }
        if (self.bias - other.bias).abs() > tolerance {
            return Err(format!("bias {:.4} vs {:.4}", self.bias, other.bias));
        }
        if (self.threshold - other.threshold).abs() > tolerance {
            return Err(format!(
                "threshold {:.4} vs {:.4}",
                self.threshold, other.threshold
            ));
        }
        same(&self.weights, &other.weights, tolerance, prune, "weight")?;
        same(&other.weights, &self.weights, tolerance, prune, "weight")?;
        if self.kinds.len() != other.kinds.len() {
            return Err("different kinds".into());
        }
        for (a, b) in self.kinds.iter().zip(&other.kinds) {
            if a.0 != b.0 || (a.1 - b.1).abs() > tolerance {
                return Err(format!("kind {}", a.0.as_str()));
            }
            same(&a.2, &b.2, tolerance, prune, a.0.as_str())?;
            same(&b.2, &a.2, tolerance, prune, a.0.as_str())?;
        }
        Ok(())
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

// ---------------------------------------------------------------------------
// Training.
// ---------------------------------------------------------------------------

/// The kind model (which does not decide the verdict, only names a flag's
/// kind) is kept small: features of at least two revise replies, and a
/// strong L1 penalty.
const KIND_MIN_COUNT: usize = 2;
const KIND_L1: f64 = 1e-3;
const KIND_L2: f64 = 1e-3;
const KIND_PRUNE: f64 = 0.01;

/// Passes of full-batch gradient descent.
const ITERATIONS: usize = 300;
/// AdaGrad's base step.
const STEP: f64 = 0.3;

/// Which of `k` consecutive blocks example `i` of `n` falls in.
pub fn fold_of(i: usize, n: usize, k: usize) -> usize {
    i * k / n.max(1)
}

/// Train a model on labelled texts (`true`: revise / upset). The threshold
/// comes from a cross-validation over `examples` (consecutive blocks), and a
/// reply model also learns kinds from the rules' flags on its revise texts.
pub fn train(direction: Direction, examples: &[(&str, bool)], options: &Options) -> Model {
    let docs: Vec<Vec<String>> = examples
        .iter()
        .map(|(t, _)| feature_names(direction, options.features, t))
        .collect();
    let labels: Vec<bool> = examples.iter().map(|e| e.1).collect();
    let n = examples.len();
    let all: Vec<usize> = (0..n).collect();
    let (bias, weights) = fit(&docs, &labels, &all, options);

    let k = options.folds.clamp(2, n.max(2));
    let mut held_out = vec![0.0; n];
    for fold in 0..k {
        let train: Vec<usize> = (0..n).filter(|&i| fold_of(i, n, k) != fold).collect();
        let (b, w) = fit(&docs, &labels, &train, options);
        for i in (0..n).filter(|&i| fold_of(i, n, k) == fold) {
            held_out[i] = b + docs[i]
                .iter()
                .filter_map(|f| w.get(f.as_str()))
                .sum::<f64>();
        }
    }
    let rules: Vec<bool> = examples
        .iter()
        .map(|(t, _)| rules_flag(direction, t))
        .collect();
    let threshold = choose_threshold(&held_out, &labels, &rules, options.false_alarms);

    let kinds = match direction {
        Direction::Reply => fit_kinds(examples, &docs),
        Direction::Incoming => Vec::new(),
    };
    Model {
        direction,
        features: options.features,
        bias,
        weights,
        threshold,
        kinds,
    }
}

fn rules_flag(direction: Direction, text: &str) -> bool {
    match direction {
        Direction::Reply => !crate::check_reply_with(text, None).flags.is_empty(),
        Direction::Incoming => crate::check_incoming_with(text, None).upset,
    }
}

/// The lowest score at which the rules and the model together flag at most
/// `target` of the negative texts, given held-out scores.
fn choose_threshold(scores: &[f64], labels: &[bool], rules: &[bool], target: f64) -> f64 {
    let negatives = labels.iter().filter(|l| !**l).count();
    let allowed = (target * negatives as f64 + 1e-9).floor() as usize;
    let by_rules = (0..labels.len())
        .filter(|&i| !labels[i] && rules[i])
        .count();
    let mut free: Vec<f64> = (0..labels.len())
        .filter(|&i| !labels[i] && !rules[i])
        .map(|i| scores[i])
        .collect();
    free.sort_by(|a, b| b.total_cmp(a));
    // Scores strictly above the threshold flag: the first `allowed - by_rules` of `free`.
    free.get(allowed.saturating_sub(by_rules))
        .or(free.last())
        .copied()
        .unwrap_or(0.0)
}

/// Number the features of the texts `rows` that occur in at least `min_count` of them.
fn vocabulary(
    docs: &[Vec<String>],
    rows: &[usize],
    min_count: usize,
) -> (Vec<String>, Vec<Vec<u32>>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &i in rows {
        for f in &docs[i] {
            *counts.entry(f.as_str()).or_default() += 1;
        }
    }
    let mut names: Vec<&str> = counts
        .iter()
        .filter(|(_, c)| **c >= min_count)
        .map(|(f, _)| *f)
        .collect();
    names.sort_unstable();
    let ids: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, i as u32))
        .collect();
    let x = rows
        .iter()
        .map(|&i| {
            docs[i]
                .iter()
                .filter_map(|f| ids.get(f.as_str()).copied())
                .collect()
        })
        .collect();
    (names.into_iter().map(str::to_string).collect(), x)
}

fn to_weights(names: &[String], w: &[f64], prune: f64) -> Weights {
    names
        .iter()
        .zip(w)
        .filter(|(_, w)| w.abs() >= prune)
        .map(|(n, w)| (n.as_str().into(), *w))
        .collect()
}

/// Fit the binary model on the texts `rows`.
fn fit(docs: &[Vec<String>], labels: &[bool], rows: &[usize], options: &Options) -> (f64, Weights) {
    let (names, x) = vocabulary(docs, rows, options.min_count);
    let y: Vec<bool> = rows.iter().map(|&i| labels[i]).collect();
    let (bias, w) = match options.learner {
        Learner::Logistic { l1, l2 } => logistic(&x, &y, names.len(), l1, l2),
        Learner::NaiveBayes { alpha } => naive_bayes(&x, &y, names.len(), alpha),
        Learner::Blend {
            l1,
            l2,
            alpha,
            share,
        } => {
            let (b, w) = logistic(&x, &y, names.len(), l1, l2);
            let (_, nb) = naive_bayes(&x, &y, names.len(), alpha);
            (b, w.iter().zip(&nb).map(|(w, r)| w + share * r).collect())
        }
    };
    (bias, to_weights(&names, &w, options.prune))
}

fn logistic(x: &[Vec<u32>], y: &[bool], d: usize, l1: f64, l2: f64) -> (f64, Vec<f64>) {
    let n = x.len().max(1) as f64;
    let (mut w, mut sq, mut grad) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let b = prior_log_odds(y);
    for _ in 0..ITERATIONS {
        for (g, w) in grad.iter_mut().zip(&w) {
            *g = l2 * w;
        }
        for (row, &yi) in x.iter().zip(y) {
            let z = b + row.iter().map(|&j| w[j as usize]).sum::<f64>();
            let e = (sigmoid(z) - f64::from(u8::from(yi))) / n;
            for &j in row {
                grad[j as usize] += e;
            }
        }
        for j in 0..d {
            sq[j] += grad[j] * grad[j];
            if sq[j] > 0.0 {
                let step = STEP / sq[j].sqrt();
                let v = w[j] - step * grad[j];
                w[j] = v.signum() * (v.abs() - step * l1).max(0.0);
            }
        }
    }
    (b, w)
}

/// Log-odds of the labels (add-one).
fn prior_log_odds(y: &[bool]) -> f64 {
    let positives = y.iter().filter(|y| **y).count() as f64;
    ((positives + 1.0) / (y.len() as f64 - positives + 1.0)).ln()
}

fn naive_bayes(x: &[Vec<u32>], y: &[bool], d: usize, alpha: f64) -> (f64, Vec<f64>) {
    let mut counts = [vec![0.0; d], vec![0.0; d]];
    for (row, &yi) in x.iter().zip(y) {
        let c = usize::from(yi);
        for &j in row {
            counts[c][j as usize] += 1.0;
        }
    }
    let totals = [
        counts[0].iter().sum::<f64>() + alpha * d as f64,
        counts[1].iter().sum::<f64>() + alpha * d as f64,
    ];
    let w = (0..d)
        .map(|j| {
            ((counts[1][j] + alpha) / totals[1]).ln() - ((counts[0][j] + alpha) / totals[0]).ln()
        })
        .collect();
    (prior_log_odds(y), w)
}

/// Learn which kind a revise reply is, from the kinds the rules flagged in
/// the training replies (a softmax regression; replies the rules did not
/// flag have no kind to learn from).
fn fit_kinds(examples: &[(&str, bool)], docs: &[Vec<String>]) -> Vec<(FlagKind, f64, Weights)> {
    const K: usize = FlagKind::ALL.len();
    let mut rows = Vec::new();
    let mut targets: Vec<[f64; K]> = Vec::new();
    for (i, (text, revise)) in examples.iter().enumerate() {
        if !revise {
            continue;
        }
        let flags = crate::check_reply_with(text, None).flags;
        if flags.is_empty() {
            continue;
        }
        let mut t = [0.0; K];
        for f in &flags {
            let k = FlagKind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0);
            t[k] = 1.0;
        }
        let sum: f64 = t.iter().sum();
        t.iter_mut().for_each(|v| *v /= sum);
        rows.push(i);
        targets.push(t);
    }
    let (names, x) = vocabulary(docs, &rows, KIND_MIN_COUNT);
    let d = names.len();
    let (l1, l2) = (KIND_L1, KIND_L2);
    let n = x.len().max(1) as f64;
    let mut w = vec![[0.0; K]; d];
    let mut sq = vec![[0.0; K]; d];
    let mut grad = vec![[0.0; K]; d];
    let (mut b, mut sq_b) = ([0.0; K], [0.0; K]);
    for _ in 0..ITERATIONS {
        for (g, w) in grad.iter_mut().zip(&w) {
            for k in 0..K {
                g[k] = l2 * w[k];
            }
        }
        let mut g_b = [0.0; K];
        for (row, t) in x.iter().zip(&targets) {
            let mut z = b;
            for &j in row {
                for k in 0..K {
                    z[k] += w[j as usize][k];
                }
            }
            let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut p = z.map(|v| (v - top).exp());
            let sum: f64 = p.iter().sum();
            p.iter_mut().for_each(|v| *v /= sum);
            for k in 0..K {
                let e = (p[k] - t[k]) / n;
                g_b[k] += e;
                for &j in row {
                    grad[j as usize][k] += e;
                }
            }
        }
        for j in 0..d {
            for k in 0..K {
                sq[j][k] += grad[j][k] * grad[j][k];
                if sq[j][k] > 0.0 {
                    let step = STEP / sq[j][k].sqrt();
                    let v = w[j][k] - step * grad[j][k];
                    w[j][k] = v.signum() * (v.abs() - step * l1).max(0.0);
                }
            }
        }
        for k in 0..K {
            sq_b[k] += g_b[k] * g_b[k];
            if sq_b[k] > 0.0 {
                b[k] -= STEP * g_b[k] / sq_b[k].sqrt();
            }
        }
    }
    FlagKind::ALL
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            let wk: Vec<f64> = w.iter().map(|v| v[k]).collect();
            (*kind, b[k], to_weights(&names, &wk, KIND_PRUNE))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The weights file.
// ---------------------------------------------------------------------------

/// Weights are written with four decimals; smaller ones are left out.
fn rounded(w: f64) -> Option<String> {
    let s = format!("{w:.4}");
    let zero = s
        .trim_start_matches('-')
        .bytes()
        .all(|b| b == b'0' || b == b'.');
    (!zero).then_some(s)
}

fn write_weights(out: &mut String, model: &str, bias: f64, weights: &Weights) {
    out.push_str(&format!("{model}/=bias\t{bias:.4}\n"));
    let mut list: Vec<(&str, f64)> = weights.iter().map(|(k, w)| (&**k, *w)).collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    for (k, w) in list {
        if let Some(s) = rounded(w) {
            out.push_str(&format!("{model}/{k}\t{s}\n"));
        }
    }
}

/// The weights file for the two models: `header` (each line written as a
/// `#` comment), then `model/feature<TAB>weight` lines, largest weights first.
/// `model/=name` lines hold the bias, the threshold and the feature options.
pub fn weights_file(reply: &Model, incoming: &Model, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    for m in [reply, incoming] {
        let name = m.direction.name();
        out.push_str(&format!("{name}/=threshold\t{:.4}\n", m.threshold));
        for (opt, on) in [
            ("bigrams", m.features.bigrams),
            ("hand", m.features.hand),
            ("negation", m.features.negation),
            ("sets", m.features.sets),
            ("no_filler", m.features.no_filler),
            ("stems", m.features.stems),
            ("skips", m.features.skips),
            ("style", m.features.style),
            ("classes", m.features.classes),
        ] {
            out.push_str(&format!("{name}/={opt}\t{}\n", u8::from(on)));
        }
        write_weights(&mut out, name, m.bias, &m.weights);
        for (kind, bias, w) in &m.kinds {
            write_weights(
                &mut out,
                &format!("{name}.kind.{}", kind.as_str()),
                *bias,
                w,
            );
        }
    }
    out
}

/// Read a weights file written by [`weights_file`].
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
