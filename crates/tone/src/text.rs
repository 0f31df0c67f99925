//! How the coach reads a text: every character folded into a plain
//! lower-case matching form that remembers where it came from, quoted words
//! marked, then words (contractions expanded), clauses and sentences.

use crate::pattern::{Class, Vocab};

/// A character of the matching form, with the offset of the original
/// character it came from and whether that original was an upper-case letter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FChar {
    pub(crate) c: char,
    pub(crate) orig: u32,
    pub(crate) upper: bool,
}

pub(crate) fn fold(text: &str) -> Vec<FChar> {
    let mut out = Vec::with_capacity(text.len());
    for (idx, c) in text.chars().enumerate() {
        let orig = idx as u32;
        let upper = c.is_uppercase();
        let mut push = |c: char| out.push(FChar { c, orig, upper });
        match c {
            // Invisible characters: zero-width space/joiners, marks, word
            // joiner, byte-order mark, soft hyphen, variation selectors and
            // combining accents ("c̈alm" reads as "calm").
            '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{034F}'
            | '\u{180E}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{0300}'..='\u{036F}'
            | '\r' => {}
            '\n' | '\u{2028}' | '\u{2029}' | '\u{0085}' => push('\n'),
            c if c.is_ascii() => push(c.to_ascii_lowercase()),
            c if c.is_whitespace() => push(' '),
            // Fullwidth forms ("ｃａｌｍ").
            '\u{FF01}'..='\u{FF5E}' => {
                let a = char::from_u32(c as u32 - 0xFEE0).unwrap_or(' ');
                push(a.to_ascii_lowercase())
            }
            // Mathematical bold/italic/script... letters and digits ("𝐜𝐚𝐥𝐦").
            '\u{1D400}'..='\u{1D6A3}' => {
                let i = (c as u32 - 0x1D400) % 52;
                push(char::from(b'a' + (i % 26) as u8))
            }
            '\u{1D7CE}'..='\u{1D7FF}' => {
                let i = (c as u32 - 0x1D7CE) % 10;
                push(char::from(b'0' + i as u8))
            }
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => {
                push('\'')
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}'
            | '\u{2033}' => push('"'),
            '\u{2010}' | '\u{2011}' => push('-'),
            '\u{2012}'..='\u{2015}' => push('—'),
            '\u{2026}' => push('.'),
            '\u{FB01}' => {
                push('f');
                push('i')
            }
            '\u{FB02}' => {
                push('f');
                push('l')
            }
            c => push(fold_letter(c)),
        }
    }
    out
}

/// Look-alike and accented letters → the plain Latin letter a reader sees.
fn fold_letter(c: char) -> char {
    match c {
        // Cyrillic look-alikes.
        'а' | 'А' => 'a',
        'В' | 'в' | 'Ь' | 'ь' => 'b',
        'с' | 'С' => 'c',
        'ԁ' => 'd',
        'е' | 'Е' | 'ё' | 'Ё' => 'e',
        'һ' | 'Н' | 'н' => 'h',
        'і' | 'І' | 'ї' | 'Ї' | 'ӏ' | 'Ӏ' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' => 'k',
        'м' | 'М' => 'm',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' | 'Ѕ' => 's',
        'т' | 'Т' => 't',
        'ѵ' => 'v',
        'ԝ' | 'Ԝ' => 'w',
        'х' | 'Х' => 'x',
        'у' | 'У' | 'ү' | 'Ү' => 'y',
        // Greek look-alikes.
        'α' | 'Α' | 'ά' => 'a',
        'β' | 'Β' => 'b',
        'ε' | 'Ε' | 'έ' => 'e',
        'η' | 'Η' => 'h',
        'ι' | 'Ι' | 'ί' | 'ϊ' => 'i',
        'κ' | 'Κ' => 'k',
        'Μ' => 'm',
        'ν' | 'Ν' => 'n',
        'ο' | 'Ο' | 'ό' => 'o',
        'ρ' | 'Ρ' => 'p',
        'τ' | 'Τ' => 't',
        'υ' | 'ύ' => 'u',
        'Υ' | 'γ' => 'y',
        'χ' | 'Χ' => 'x',
        'Ζ' => 'z',
        // Latin letters with accents, and the dotless i.
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'ā' | 'ă' | 'ą' => {
            'a'
        }
        'ç' | 'Ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'ı' | 'ī' => 'i',
        'ñ' | 'Ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'ō' => {
            'o'
        }
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'ū' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ś' | 'š' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

/// Which folded characters are inside quotation marks. Quoted words repeat
/// what someone else said (You wrote "this is ridiculous") and are not the
/// writer's own voice. Only closed quotes of a sensible length count, so a
/// stray mark cannot hide the rest of a reply.
pub(crate) fn quoted_mask(f: &[FChar]) -> Vec<bool> {
    const MAX_QUOTE: usize = 300;
    let mut mask = vec![false; f.len()];
    let alnum = |i: usize| f.get(i).is_some_and(|x| x.c.is_alphanumeric());
    let mut open_double: Option<usize> = None;
    let mut open_single: Option<usize> = None;
    for i in 0..f.len() {
        match f[i].c {
            '"' => match open_double.take() {
                Some(o) if i - o <= MAX_QUOTE => mask[o..=i].iter_mut().for_each(|m| *m = true),
                Some(_) => open_double = Some(i),
                None => open_double = Some(i),
            },
            '\'' => {
                let before = i > 0 && alnum(i - 1);
                let after = alnum(i + 1);
                if before && after {
                    continue; // an apostrophe inside a word
                }
                if !before && after {
                    open_single = Some(i);
                } else if let Some(o) = open_single
                    && (before || (i > 0 && matches!(f[i - 1].c, '.' | '!' | '?' | ',')))
                {
                    if i - o <= MAX_QUOTE {
                        mask[o..=i].iter_mut().for_each(|m| *m = true);
                    }
                    open_single = None;
                }
            }
            _ => {}
        }
    }
    mask
}

// ---------------------------------------------------------------------------
// Words, clauses and sentences.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    /// The word in the matching form: a range of `Doc::arena`.
    pub(crate) w: (u32, u32),
    /// The word's number in the lexicons' vocabulary; 0 for words no pattern uses.
    pub(crate) id: u32,
    /// Original character offsets of the word (a contraction's parts share them).
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) sent: u32,
    pub(crate) clause: u32,
    pub(crate) quoted: bool,
    /// A clause or sentence break (or the end of the text) follows this word.
    pub(crate) break_after: bool,
}

pub(crate) struct Doc {
    pub(crate) arena: String,
    pub(crate) toks: Vec<Tok>,
    /// One more than the highest vocabulary number.
    pub(crate) vocab_size: usize,
}

/// Words after which a full stop does not end the sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "mx", "prof", "st", "vs", "etc", "approx", "jr", "sr", "dept", "appt",
    "min", "mins", "hr", "hrs", "ave", "rd", "e.g", "i.e", "a.m", "p.m",
];

impl Doc {
    pub(crate) fn new(f: &[FChar], quoted: &[bool], vocab: &Vocab) -> Doc {
        let mut b = DocBuilder {
            vocab,
            doc: Doc {
                arena: String::with_capacity(f.len() + 32),
                toks: Vec::with_capacity(f.len() / 4 + 4),
                vocab_size: vocab.len() + 1,
            },
            sent: 0,
            clause: 0,
            pending_sent: false,
            pending_clause: false,
            pending_d: None,
        };
        let mut word = String::with_capacity(32);
        let mut w_start = 0u32;
        let mut w_end = 0u32;
        let mut w_quoted = false;
        let n = f.len();
        let is_alnum = |i: usize| i < n && f[i].c.is_alphanumeric();
        let mut i = 0;
        while i < n {
            let c = f[i].c;
            let in_word = c.is_alphanumeric()
                || (c == '\'' && i > 0 && is_alnum(i - 1) && is_alnum(i + 1))
                || (matches!(c, '.' | ',')
                    && i > 0
                    && f[i - 1].c.is_ascii_digit()
                    && i + 1 < n
                    && f[i + 1].c.is_ascii_digit())
                || (c == '.' && word.chars().count() == 1 && is_alnum(i + 1));
            if in_word {
                if word.is_empty() {
                    w_start = f[i].orig;
                    w_quoted = quoted[i];
                }
                word.push(c);
                w_end = f[i].orig + 1;
                i += 1;
                continue;
            }
            let finished = std::mem::take(&mut word);
            let was_abbrev =
                c == '.' && !finished.is_empty() && ABBREVIATIONS.contains(&finished.as_str());
            if !finished.is_empty() {
                b.push_word(&finished, w_start, w_end, w_quoted);
            }
            word = finished;
            word.clear();
            match c {
                '%' => b.push_plain("percent", f[i].orig, f[i].orig + 1, quoted[i]),
                '&' => b.push_plain("and", f[i].orig, f[i].orig + 1, quoted[i]),
                '.' if was_abbrev => {}
                '.' | '!' | '?' | ';' => b.brk(true),
                '\n' => {
                    // A blank line ends a sentence; a single line break a clause.
                    let mut j = i + 1;
                    let mut blank = false;
                    while j < n && (f[j].c == ' ' || f[j].c == '\n') {
                        blank |= f[j].c == '\n';
                        j += 1;
                    }
                    b.brk(blank);
                    i = j;
                    continue;
                }
                // "short-staffed" joins words; " - " separates clauses.
                '-' if !(i > 0 && is_alnum(i - 1) && is_alnum(i + 1)) => b.brk(false),
                ',' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '/' | '—' | '"' | '|' | '<'
                | '>' | '\'' => b.brk(false),
                _ => {}
            }
            i += 1;
        }
        if !word.is_empty() {
            b.push_word(&word, w_start, w_end, w_quoted);
        }
        b.brk(true);
        b.doc
    }

    pub(crate) fn word(&self, i: usize) -> &str {
        let (s, e) = self.toks[i].w;
        &self.arena[s as usize..e as usize]
    }

    pub(crate) fn is(&self, i: usize, alts: &[&str]) -> bool {
        i < self.toks.len() && alts.contains(&self.word(i))
    }

    /// Token range of the sentence holding token `i`.
    pub(crate) fn sentence(&self, i: usize) -> (usize, usize) {
        let s = self.toks[i].sent;
        let mut a = i;
        while a > 0 && self.toks[a - 1].sent == s {
            a -= 1;
        }
        let mut b = i;
        while b < self.toks.len() && self.toks[b].sent == s {
            b += 1;
        }
        (a, b)
    }

    /// First token of the clause holding token `i`.
    pub(crate) fn clause_start(&self, i: usize) -> usize {
        let c = self.toks[i].clause;
        let mut a = i;
        while a > 0 && self.toks[a - 1].clause == c {
            a -= 1;
        }
        a
    }

    /// Does any of the word sequences start at a token in `from..to`?
    pub(crate) fn has_seq(&self, from: usize, to: usize, seqs: &[&[&str]]) -> bool {
        (from..to.min(self.toks.len())).any(|j| {
            seqs.iter().any(|seq| {
                seq.iter()
                    .enumerate()
                    .all(|(k, w)| j + k < self.toks.len() && self.word(j + k) == *w)
            })
        })
    }
}

struct DocBuilder<'v> {
    vocab: &'v Vocab,
    doc: Doc,
    sent: u32,
    clause: u32,
    pending_sent: bool,
    pending_clause: bool,
    /// The token read as "would" from a "'d" just before: "you'd had" and
    /// "you'd turned up" mean "had", "you'd know" means "would".
    pending_d: Option<usize>,
}

impl DocBuilder<'_> {
    fn brk(&mut self, sentence: bool) {
        if let Some(last) = self.doc.toks.last_mut() {
            last.break_after = true;
        }
        self.pending_clause = true;
        self.pending_sent |= sentence;
        if sentence {
            self.pending_d = None;
        }
    }

    fn push_plain(&mut self, w: &str, start: u32, end: u32, quoted: bool) {
        if self.pending_sent && !self.doc.toks.is_empty() {
            self.sent += 1;
        }
        if self.pending_clause && !self.doc.toks.is_empty() {
            self.clause += 1;
        }
        self.pending_sent = false;
        self.pending_clause = false;
        let s = self.doc.arena.len() as u32;
        self.doc.arena.push_str(w);
        let e = self.doc.arena.len() as u32;
        let id = self.vocab.get(w).copied().unwrap_or(0);
        self.doc.toks.push(Tok {
            w: (s, e),
            id,
            start,
            end,
            sent: self.sent,
            clause: self.clause,
            quoted,
            break_after: false,
        });
    }

    /// Push a word, expanding contractions and text-speak so that "can't",
    /// "cant" and "cannot" all read "can not".
    fn push_word(&mut self, w: &str, start: u32, end: u32, quoted: bool) {
        if let Some(k) = self.pending_d.take()
            && Class::Pp.test(w)
        {
            let s = self.doc.arena.len() as u32;
            self.doc.arena.push_str("had");
            let e = self.doc.arena.len() as u32;
            let tok = &mut self.doc.toks[k];
            tok.w = (s, e);
            tok.id = self.vocab.get("had").copied().unwrap_or(0);
        }
        if let Some(parts) = informal(w) {
            for p in parts {
                self.push_plain(p, start, end, quoted);
            }
            return;
        }
        let Some((base, suffix)) = w.split_once('\'') else {
            self.push_plain(w, start, end, quoted);
            return;
        };
        let suffix = suffix.trim_end_matches('\'');
        match suffix {
            "t" if base.ends_with('n') => {
                let stem = match base {
                    "can" => "can",
                    "won" => "will",
                    "ain" => "is",
                    "shan" => "shall",
                    _ => &base[..base.len() - 1],
                };
                self.push_plain(stem, start, end, quoted);
                self.push_plain("not", start, end, quoted);
            }
            "s" => {
                self.push_plain(base, start, end, quoted);
                let second = match base {
                    "it" | "that" | "there" | "here" | "what" | "who" | "he" | "she" | "where"
                    | "how" | "when" | "why" | "everything" | "nothing" | "something"
                    | "someone" | "everyone" | "this" | "today" | "nobody" => "is",
                    "let" => "us",
                    _ => "s",
                };
                self.push_plain(second, start, end, quoted);
            }
            "re" | "ll" | "ve" | "m" | "d" => {
                self.push_plain(base, start, end, quoted);
                let second = match suffix {
                    "re" => "are",
                    "ll" => "will",
                    "ve" => "have",
                    "m" => "am",
                    _ => "would",
                };
                self.push_plain(second, start, end, quoted);
                if suffix == "d" {
                    self.pending_d = Some(self.doc.toks.len() - 1);
                }
            }
            _ => {
                self.push_plain(base, start, end, quoted);
                if !suffix.is_empty() {
                    self.push_plain(suffix, start, end, quoted);
                }
            }
        }
    }
}

/// Contractions written without the apostrophe, and a little text-speak.
fn informal(w: &str) -> Option<&'static [&'static str]> {
    Some(match w {
        "dont" => &["do", "not"],
        "cant" | "cannot" => &["can", "not"],
        "wont" => &["will", "not"],
        "didnt" => &["did", "not"],
        "doesnt" => &["does", "not"],
        "isnt" => &["is", "not"],
        "arent" => &["are", "not"],
        "wasnt" => &["was", "not"],
        "werent" => &["were", "not"],
        "havent" => &["have", "not"],
        "hasnt" => &["has", "not"],
        "hadnt" => &["had", "not"],
        "couldnt" => &["could", "not"],
        "wouldnt" => &["would", "not"],
        "shouldnt" => &["should", "not"],
        "thats" => &["that", "is"],
        "whats" => &["what", "is"],
        "theres" => &["there", "is"],
        "youre" => &["you", "are"],
        "theyre" => &["they", "are"],
        "im" => &["i", "am"],
        "ive" => &["i", "have"],
        "youll" => &["you", "will"],
        "youve" => &["you", "have"],
        "its" => &["it", "is"],
        "shouldve" | "shoulda" => &["should", "have"],
        "couldve" | "coulda" => &["could", "have"],
        "wouldve" | "woulda" => &["would", "have"],
        "gonna" => &["going", "to"],
        "gotta" => &["got", "to"],
        "u" => &["you"],
        "ur" => &["your"],
        "pls" | "plz" => &["please"],
        "thx" | "thanx" => &["thanks"],
        _ => return None,
    })
}
