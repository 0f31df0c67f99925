//! How a text is written, beside its words: words in capitals (shouting,
//! or one word stressed), repeated punctuation, masked swearing.

use crate::text::FChar;

/// Words that are written in capitals without raising a voice: acronyms.
const ACRONYMS: &[&str] = &[
    "mri", "ct", "er", "ent", "icu", "ob", "gyn", "obgyn", "pcp", "hmo", "ppo", "id", "dob", "usa",
    "uk", "ok", "am", "pm", "ekg", "ecg", "hiv", "std", "sti", "uti", "covid", "copd", "adhd",
    "ibs", "bp", "gp", "nhs", "md", "np", "pa", "rn", "lpn", "ma", "hipaa", "fyi", "tv", "iv",
    "ms", "dr", "mr", "mrs", "fmla", "ssn", "otc", "rx", "cpap", "tsh", "cbc", "pt", "ot", "eob",
    "npi", "cvs", "ldl", "hdl", "ii", "iii", "usps", "ups", "pdf", "sms", "er", "ed", "ama", "ada",
    "ssa", "va", "pals", "cqc", "gmc", "mp", "nmc", "inr", "psa", "fbc", "lft", "tft", "dvt",
    "gtn", "nsaid", "ppi", "ssri", "ivf", "hpv", "mmr", "bcg", "cbt", "ooh", "dna", "rsv", "ane",
    "ae", "hrt", "asap", "rsvp", "ceo", "pin", "sos", "nb", "ps", "faq", "bmi", "opd", "ipd",
    "aed", "ems", "ehr", "emr", "ssp", "nok", "gdpr", "sar", "wfh",
];

/// A word of the text (letters and apostrophes), for the checks of capitals.
struct Word {
    /// The letters, apostrophes left out.
    text: String,
    /// Characters in the text, apostrophes included.
    len: usize,
    /// Every letter was written in capitals.
    all_upper: bool,
    /// Original character offsets.
    span: (u32, u32),
}

impl Word {
    /// Written in capitals, and not an acronym such as MRI.
    fn in_capitals(&self) -> bool {
        self.all_upper && !ACRONYMS.contains(&self.text.as_str())
    }

    fn letters(&self) -> usize {
        self.text.chars().count()
    }
}

/// The words of `f`, in order.
fn words(f: &[FChar]) -> impl Iterator<Item = Word> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < f.len() && !f[i].c.is_alphabetic() {
            i += 1;
        }
        if i == f.len() {
            return None;
        }
        let start = i;
        let mut all_upper = true;
        while i < f.len() && (f[i].c.is_alphabetic() || f[i].c == '\'') {
            all_upper &= f[i].upper || f[i].c == '\'';
            i += 1;
        }
        Some(Word {
            text: f[start..i]
                .iter()
                .map(|x| x.c)
                .filter(|c| *c != '\'')
                .collect(),
            len: i - start,
            all_upper,
            span: (f[start].orig, f[i - 1].orig + 1),
        })
    })
}

/// Several words in capitals (not acronyms such as MRI) read as shouting.
pub(crate) fn shouting(f: &[FChar]) -> bool {
    let (mut caps, mut count) = (0usize, 0usize);
    for w in words(f) {
        count += 1;
        caps += usize::from(w.len >= 2 && w.in_capitals());
    }
    caps >= 3 || (caps >= 2 && caps * 2 >= count)
}

/// Words said in capitals in a staff reply: raising one's voice. Two or more
/// words of three or more letters in capitals that are not acronyms (MRI,
/// NHS), or one such word that stresses a reproach ("we have ALREADY told
/// you"). The span of the first to the last, or of the stressing word.
pub(crate) fn shouted(f: &[FChar]) -> Option<(u32, u32)> {
    const STRESSING: &[&str] = &[
        "already",
        "again",
        "told",
        "said",
        "every",
        "always",
        "never",
        "read",
        "stop",
        "twice",
        "repeatedly",
        "clearly",
        "explained",
        "asked",
        "must",
        "before",
        "not",
        "cannot",
        "dont",
        "only",
    ];
    // Header words ("URGENT:", "REMINDER:") label a message, they do not raise a voice.
    const HEADERS: &[&str] = &[
        "urgent",
        "important",
        "reminder",
        "update",
        "note",
        "notice",
    ];
    let mut caps: Vec<(u32, u32)> = Vec::new();
    for w in words(f) {
        let word = w.text.as_str();
        if w.letters() >= 3 && w.in_capitals() && !HEADERS.contains(&word) {
            if STRESSING.contains(&word) {
                return Some(w.span);
            }
            caps.push(w.span);
        }
    }
    match caps.as_slice() {
        [first, .., last] => Some((first.0, last.1)),
        _ => None,
    }
}

/// A word of three or more letters in capitals (not an acronym such as MRI)
/// in a text that is otherwise in lower case: the span of the first one.
pub(crate) fn stressed_word(f: &[FChar]) -> Option<(u32, u32)> {
    words(f)
        .find(|w| w.letters() >= 3 && w.in_capitals())
        .map(|w| w.span)
}

/// "!!!", "???" or "?!": the span of the first such run.
pub(crate) fn exclaiming(f: &[FChar]) -> Option<(u32, u32)> {
    let mut i = 0;
    while i < f.len() {
        if matches!(f[i].c, '!' | '?') {
            let start = i;
            let (mut bangs, mut asks) = (0, 0);
            while i < f.len() && matches!(f[i].c, '!' | '?' | '1') {
                if f[i].c == '!' {
                    bangs += 1;
                } else if f[i].c == '?' {
                    asks += 1;
                }
                i += 1;
            }
            if bangs >= 3 || asks >= 3 || (bangs >= 1 && asks >= 1) {
                return Some((f[start].orig, f[i - 1].orig + 1));
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Masked swearing such as "f***ing" or "$#@%".
pub(crate) fn masked_profanity(f: &[FChar]) -> Option<(u32, u32)> {
    let mut i = 0;
    while i < f.len() {
        if f[i].c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < f.len() && !f[i].c.is_whitespace() {
            i += 1;
        }
        let mut end = i;
        while end > start && matches!(f[end - 1].c, '.' | ',' | '!' | '?' | ';' | ':' | ')' | '"') {
            end -= 1;
        }
        let chunk = &f[start..end];
        if chunk.is_empty() || chunk.len() > 14 {
            continue;
        }
        let letters = chunk.iter().filter(|c| c.c.is_alphabetic()).count();
        let stars = chunk.iter().filter(|c| c.c == '*').count();
        let masked_word = chunk[0].c.is_alphabetic() && stars >= 1 && letters >= 1;
        let symbols = chunk.iter().fold(0u8, |set, c| {
            set | match c.c {
                '!' => 1,
                '@' => 2,
                '#' => 4,
                '$' => 8,
                '%' => 16,
                '&' => 32,
                '*' => 64,
                _ => 0,
            }
        });
        let grawlix = letters == 0 && chunk.len() >= 4 && symbols.count_ones() >= 3;
        if masked_word || grawlix {
            return Some((chunk[0].orig, chunk[chunk.len() - 1].orig + 1));
        }
    }
    None
}
