//! The pattern language of the rule files, compiled into lexicons indexed
//! by each pattern's first word, and the matching of a pattern at a word.

use crate::rules::WordSet;
use crate::text::Doc;
use std::collections::HashMap;

/// One step of a phrase pattern. Written as text, separated by spaces:
/// `a|b` a word, `?a|b` an optional word, `!a|b` "the next word is not",
/// `*N` up to N words of the same clause, `~N` up to N words of the same
/// sentence (across commas), `$` a clause break or the end here, `.` the end
/// of the sentence here, `^` the start of a sentence; alternatives may be
/// word classes (`@pp` `@ed` `@num` `@num30` `@num100` `@long`) or a named
/// word set (`{set}`).
#[derive(Debug)]
enum Step {
    Word(Alts),
    Opt(Alts),
    Not(Alts),
    Gap(u8),
    SentGap(u8),
    End,
    SentEnd,
    Start,
}

/// Alternatives of one step: words (by vocabulary number, sorted) and word classes.
#[derive(Debug, Clone, Default)]
struct Alts {
    words: Vec<u32>,
    classes: Vec<Class>,
}

impl Alts {
    fn test(&self, doc: &Doc, i: usize) -> bool {
        self.words.binary_search(&doc.toks[i].id).is_ok()
            || (!self.classes.is_empty() && self.classes.iter().any(|c| c.test(doc.word(i))))
    }
}

/// FNV-1a: a fast hash for short words (the default hasher is built to resist
/// attacks on long-lived tables; this one is looked up once per word).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Every word any pattern mentions, numbered from 1.
pub(crate) type Vocab = HashMap<&'static str, u32, std::hash::BuildHasherDefault<Fnv>>;

fn intern(vocab: &mut Vocab, w: &'static str) -> u32 {
    let next = vocab.len() as u32 + 1;
    *vocab.entry(w).or_insert(next)
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Class {
    /// A past participle: "called", "read", "done".
    Pp,
    /// A regular past form ending in -ed.
    Ed,
    /// A number, in digits or words.
    Num,
    /// A number of minutes worth complaining about (30 or more).
    Num30,
    /// A long stretch of time: hours, days, weeks, "forever", "2hrs".
    Long,
    /// A number of 100 or more ("110%").
    Num100,
}

const IRREGULAR_PP: &str = "been|had|done|gone|come|read|brought|told|given|taken|sent|paid|made|shown|kept|let|\
     gotten|put|left|known|written|heard|found|thought|said|spoken|bought|chosen|eaten|\
     understood|got|seen|set|run|driven|forgotten";

/// Is `w` one of the `|`-separated words of `list`?
pub(crate) fn one_of(list: &str, w: &str) -> bool {
    list.split('|').any(|x| x == w)
}

const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "ninety", "hundred",
    "several", "few", "couple",
];

impl Class {
    pub(crate) fn test(self, w: &str) -> bool {
        let digits = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
        match self {
            Class::Ed => w.len() >= 4 && w.ends_with("ed") && w != "need" && w != "seed",
            Class::Pp => Class::Ed.test(w) || one_of(IRREGULAR_PP, w),
            Class::Num => digits(w) || NUMBER_WORDS.contains(&w),
            Class::Num100 => digits(w) && w.parse::<u32>().is_ok_and(|n| n >= 100),
            Class::Num30 => {
                (digits(w) && w.parse::<u32>().is_ok_and(|n| n >= 30))
                    || matches!(w, "thirty" | "forty" | "fifty" | "sixty" | "ninety")
            }
            Class::Long => {
                let is_unit = |u: &str| {
                    matches!(
                        u,
                        "hour"
                            | "hours"
                            | "hr"
                            | "hrs"
                            | "day"
                            | "days"
                            | "week"
                            | "weeks"
                            | "month"
                            | "months"
                    )
                };
                if !w.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                    return is_unit(w) || matches!(w, "forever" | "ages" | "eternity");
                }
                // "2hrs", "3days", "45min(s)".
                let split = w.find(|c: char| !c.is_ascii_digit()).unwrap_or(w.len());
                let (num, unit) = w.split_at(split);
                (is_unit(unit) || matches!(unit, "h" | "wk" | "wks"))
                    || (matches!(unit, "min" | "mins" | "minutes")
                        && num.parse::<u32>().is_ok_and(|n| n >= 30))
            }
        }
    }
}

pub(crate) struct Pattern {
    pub(crate) rule: usize,
    /// The pattern as written (for tests that say which pattern matched).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) text: &'static str,
    steps: Vec<Step>,
    /// Words of a later required step: the pattern cannot match a text that
    /// has none of them, which rules out most patterns before trying them.
    key: Vec<u32>,
}

pub(crate) struct Lexicon {
    pub(crate) pats: Vec<Pattern>,
    /// Vocabulary number of a first word → patterns that start with it.
    pub(crate) index: Vec<Vec<u32>>,
    /// Patterns that start with a word class ("@long"), tried at every word.
    pub(crate) class_first: Vec<u32>,
}

fn class(name: &str) -> Option<Class> {
    Some(match name {
        "@pp" => Class::Pp,
        "@ed" => Class::Ed,
        "@num" => Class::Num,
        "@num30" => Class::Num30,
        "@long" => Class::Long,
        "@num100" => Class::Num100,
        _ => return None,
    })
}

fn expand(alts: &'static str, vocab: &mut Vocab, sets: &[WordSet]) -> Result<Alts, String> {
    let mut out = Alts::default();
    for a in alts.split('|') {
        if a.starts_with('@') {
            let c = class(a).ok_or_else(|| format!("unknown word class {a}"))?;
            out.classes.push(c);
            continue;
        }
        if let Some(name) = a.strip_prefix('{').and_then(|a| a.strip_suffix('}')) {
            let set = sets
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| format!("unknown word set {{{name}}}"))?;
            for w in &set.words {
                out.words.push(intern(vocab, w));
            }
        } else {
            out.words.push(intern(vocab, a));
        }
    }
    out.words.sort_unstable();
    out.words.dedup();
    Ok(out)
}

fn parse_pattern(
    text: &'static str,
    vocab: &mut Vocab,
    sets: &[WordSet],
) -> Result<Vec<Step>, String> {
    text.split_whitespace()
        .map(|t| {
            Ok(match t {
                "$" => Step::End,
                "." => Step::SentEnd,
                "^" => Step::Start,
                t if t.starts_with('*') => Step::Gap(t[1..].parse().unwrap_or(1)),
                t if t.starts_with('~') => Step::SentGap(t[1..].parse().unwrap_or(1)),
                t if t.starts_with('?') => Step::Opt(expand(&t[1..], vocab, sets)?),
                t if t.starts_with('!') => Step::Not(expand(&t[1..], vocab, sets)?),
                t => Step::Word(expand(t, vocab, sets)?),
            })
        })
        .collect()
}

impl Lexicon {
    /// Compile the patterns of each rule (`(pattern, line)`s and the rule's
    /// number). A mistake is returned with the pattern's line.
    pub(crate) fn build(
        rules: &[(&[(&'static str, usize)], usize)],
        vocab: &mut Vocab,
        sets: &[WordSet],
    ) -> Result<Lexicon, (usize, String)> {
        let mut pats = Vec::new();
        let mut index: Vec<Vec<u32>> = Vec::new();
        let mut class_first = Vec::new();
        for (texts, rule) in rules {
            for &(text, line) in texts.iter() {
                let steps = parse_pattern(text, vocab, sets).map_err(|e| (line, e))?;
                let first = steps.iter().find_map(|s| match s {
                    Step::Word(alts) => Some(alts.clone()),
                    Step::Start => None,
                    _ => Some(Alts::default()),
                });
                let first = first.unwrap_or_default();
                if first.words.is_empty() && first.classes.is_empty() {
                    return Err((line, format!("pattern {text:?} must start with a word")));
                }
                let id = pats.len() as u32;
                if !first.classes.is_empty() {
                    class_first.push(id);
                }
                for w in first.words {
                    let w = w as usize;
                    if index.len() <= w {
                        index.resize_with(w + 1, Vec::new);
                    }
                    index[w].push(id);
                }
                // The required non-first step with the fewest words (and no class).
                let key = steps
                    .iter()
                    .skip_while(|s| !matches!(s, Step::Word(_)))
                    .skip(1)
                    .filter_map(|s| match s {
                        Step::Word(a) if a.classes.is_empty() => Some(a.words.clone()),
                        _ => None,
                    })
                    .min_by_key(Vec::len)
                    .unwrap_or_default();
                pats.push(Pattern {
                    rule: *rule,
                    text,
                    steps,
                    key,
                });
            }
        }
        Ok(Lexicon {
            pats,
            index,
            class_first,
        })
    }

    /// Call `found(pattern, first_token, end_token_exclusive)` for every match
    /// outside quotation marks.
    pub(crate) fn scan(&self, doc: &Doc, mut found: impl FnMut(&Pattern, usize, usize)) {
        // Which vocabulary words occur in this text, as a bit set.
        let mut present = vec![0u64; doc.vocab_size / 64 + 1];
        for t in &doc.toks {
            present[t.id as usize / 64] |= 1 << (t.id % 64);
        }
        let has = |w: u32| present[w as usize / 64] & (1 << (w % 64)) != 0;
        let possible: Vec<bool> = self
            .pats
            .iter()
            .map(|p| p.key.is_empty() || p.key.iter().any(|&w| has(w)))
            .collect();
        for i in 0..doc.toks.len() {
            if doc.toks[i].quoted {
                continue;
            }
            let by_word = self
                .index
                .get(doc.toks[i].id as usize)
                .map_or(&[][..], |v| &v[..]);
            for &id in by_word.iter().chain(&self.class_first) {
                if !possible[id as usize] {
                    continue;
                }
                let pat = &self.pats[id as usize];
                if let Some(end) = match_steps(&pat.steps, doc, i, i)
                    && end > i
                {
                    found(pat, i, end);
                }
            }
        }
    }
}

fn match_steps(steps: &[Step], doc: &Doc, i: usize, first: usize) -> Option<usize> {
    let Some((step, rest)) = steps.split_first() else {
        return Some(i);
    };
    let toks = &doc.toks;
    let usable = |j: usize| j < toks.len() && !toks[j].quoted && toks[j].sent == toks[first].sent;
    match step {
        Step::Word(alts) => {
            if usable(i) && alts.test(doc, i) {
                match_steps(rest, doc, i + 1, first)
            } else {
                None
            }
        }
        Step::Opt(alts) => {
            if usable(i)
                && alts.test(doc, i)
                && let Some(e) = match_steps(rest, doc, i + 1, first)
            {
                return Some(e);
            }
            match_steps(rest, doc, i, first)
        }
        Step::Not(alts) => {
            if usable(i) && alts.test(doc, i) {
                None
            } else {
                match_steps(rest, doc, i, first)
            }
        }
        Step::Gap(k) => {
            for j in 0..=*k as usize {
                if j > 0 {
                    let t = i + j - 1;
                    if i == 0 || !usable(t) || toks[t].clause != toks[i - 1].clause {
                        break;
                    }
                }
                if let Some(e) = match_steps(rest, doc, i + j, first) {
                    return Some(e);
                }
            }
            None
        }
        Step::SentGap(k) => {
            for j in 0..=*k as usize {
                if j > 0 && !usable(i + j - 1) {
                    break;
                }
                if let Some(e) = match_steps(rest, doc, i + j, first) {
                    return Some(e);
                }
            }
            None
        }
        Step::SentEnd => {
            if i > 0 && (i == toks.len() || toks[i].sent != toks[i - 1].sent) {
                match_steps(rest, doc, i, first)
            } else {
                None
            }
        }
        Step::End => {
            if i > 0 && toks[i - 1].break_after {
                match_steps(rest, doc, i, first)
            } else {
                None
            }
        }
        Step::Start => {
            if i == 0 || (i < toks.len() && toks[i - 1].sent != toks[i].sent) {
                match_steps(rest, doc, i, first)
            } else {
                None
            }
        }
    }
}
