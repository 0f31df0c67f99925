//! The reply rules (`rules/reply.rules`) and their guards: the exceptions
//! under which a matched phrase is fine after all ("this is not your fault",
//! "nothing we can do, but I can help you appeal").

use crate::pattern::one_of;
use crate::rules::lexicons;
use crate::text::Doc;
use crate::{Flag, FlagKind};

/// The flags of the reply rules, one per stretch of text and kind.
/// `cleared` gets the sentences where a pattern matched but one of its
/// rule's exceptions cleared it ("this is not your fault"): the rules have
/// ruled on those, and the learned second opinion leaves them alone.
pub(crate) fn reply_rule_flags(doc: &Doc, cleared: &mut Vec<u32>) -> Vec<Flag> {
    let lex = &lexicons().reply;
    let mut flags: Vec<Flag> = Vec::new();
    lex.scan(doc, |pat, i, mut end| {
        let rule = &lexicons().reply_rules[pat.rule];
        if !reply_guards_pass(&rule.guard, doc, i, end) {
            cleared.push(doc.toks[i].sent);
            return;
        }
        // "It's just a" reads better as "It's just".
        while end > i + 1
            && doc.is(
                end - 1,
                &["a", "an", "the", "your", "some", "little", "bit"],
            )
        {
            end -= 1;
        }
        flags.push(Flag {
            kind: rule.kind,
            start: doc.toks[i].start as usize,
            end: doc.toks[end - 1].end as usize,
            why: rule.why.clone(),
            suggestion: rule.suggestion.clone(),
        });
    });
    // One flag per stretch of text and kind: keep the earliest, longest match.
    flags.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Flag> = Vec::with_capacity(flags.len());
    for f in flags {
        let overlaps = kept
            .iter()
            .any(|k| k.kind == f.kind && f.start < k.end && k.start < f.end);
        if !overlaps {
            kept.push(f);
        }
    }
    kept
}

/// Conditions under which a matched phrase is fine after all.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    /// Skip when a negating word comes up to this many words earlier in the
    /// clause ("this is not your fault"). 0: never.
    pub(crate) negation: u8,
    /// With `negation`, hedges count as negation too ("we should", "usually",
    /// "I wish I could guarantee").
    pub(crate) hedges: bool,
    /// Skip when the same or next sentence offers something to do instead
    /// ("..., but I can help you appeal").
    pub(crate) remedy: bool,
    /// Skip when the same or next sentence owns the problem ("no excuse",
    /// "I'm sorry").
    pub(crate) owned: bool,
    /// Skip inside a condition ("if it gets worse, go to the ER right away").
    pub(crate) conditional: bool,
    /// Skip when the writer promises their own action ("I'll call them right away").
    pub(crate) own_action: bool,
    /// Skip when a feeling word follows ("obviously this is upsetting").
    pub(crate) feeling: bool,
    /// Skip when the word just before is one of these.
    pub(crate) not_after: Vec<&'static str>,
    /// Skip when a negating word is inside the match ("you were not late").
    pub(crate) inside_negation: bool,
    /// Skip when the same or next sentence admits a fault of the practice
    /// ("I'm sorry you were upset; we should have called").
    pub(crate) admits: bool,
    /// Skip when the same or next sentence has the writer taking the matter
    /// on ("not my department, but I'll pass it to billing now").
    pub(crate) takes_on: bool,
    /// Skip when one of these words comes within three words after the match
    /// ("it's only a short walk").
    pub(crate) not_before: Vec<&'static str>,
    /// With `own_action`: look for the writer's own action in the whole
    /// sentence, not just the clause ("It'll be ready by 5, I promise, and
    /// I'll text you").
    pub(crate) own_in_sentence: bool,
}

impl Guard {
    /// No exceptions: a match always counts.
    pub(crate) const PLAIN: Guard = Guard {
        negation: 0,
        hedges: false,
        remedy: false,
        owned: false,
        conditional: false,
        own_action: false,
        feeling: false,
        not_after: Vec::new(),
        inside_negation: false,
        admits: false,
        takes_on: false,
        not_before: Vec::new(),
        own_in_sentence: false,
    };
}

/// A reply rule, as written in `rules/reply.rules`.
pub(crate) struct ReplyRule {
    pub(crate) kind: FlagKind,
    /// Each pattern and its line in the file.
    pub(crate) patterns: Vec<(&'static str, usize)>,
    pub(crate) why: String,
    pub(crate) suggestion: String,
    pub(crate) guard: Guard,
}

pub(crate) const NEGATORS: &[&str] = &[
    "not",
    "no",
    "never",
    "none",
    "nobody",
    "nothing",
    "neither",
    "nor",
    "without",
    "hardly",
    "unable",
    "impossible",
    "wish",
    "nor",
];

pub(crate) const HEDGES: &str = "should|hope|hopefully|try|trying|aim|expect|likely|usually|typically|normally|\
     generally|probably|might|may|hard|difficult|often|most|sometimes";

/// With `inside_negation` and `hedges`: words inside a match that make it a
/// future plan or a wish rather than a claim about what was done.
const MODALS: &str = "will|would|can|could|shall|going|want|wants|aim|plan|try";

pub(crate) const REMEDIES: &[&[&str]] = &[
    &["instead"],
    &["alternatively"],
    &["option"],
    &["options"],
    &["appeal"],
    &["i", "can"],
    &["i", "will"],
    &["i", "am", "going"],
    &["i", "have"],
    &["i", "would"],
    &["we", "can"],
    &["we", "will"],
    &["we", "are", "going"],
    &["let", "me"],
    &["let", "us"],
    &["here", "is"],
    &["you", "can"],
    &["you", "could"],
    &["you", "may"],
    &["you", "might"],
    &["happy", "to"],
    &["glad", "to"],
    &["suggest"],
    &["recommend"],
    &["please", "call"],
    &["please", "contact"],
    &["number", "is"],
    &["what", "i", "can"],
    &["what", "we", "can"],
    &["shall", "i"],
    &["shall", "we"],
    &["would", "you", "like"],
    &["do", "you", "want", "me"],
    &["will", "call"],
    &["will", "ring"],
    &["will", "contact"],
    &["will", "get", "back"],
    // What the practice has already done or has free.
    &["we", "have", "ordered"],
    &["we", "have", "put"],
    &["we", "have", "booked"],
    &["we", "have", "arranged"],
    &["we", "have", "switched"],
    &["we", "have", "corrected"],
    &["we", "have", "kept"],
    &["we", "have", "reserved"],
    &["we", "have", "resent"],
    &["we", "resent"],
    &["can", "see", "you"],
    &["can", "give", "you"],
    &["has", "a", "slot"],
    &["has", "space"],
    &["has", "a", "space"],
    &["there", "is", "a", "place"],
    &["there", "is", "a", "slot"],
    &["there", "is", "free"],
    &["is", "ready", "for", "you"],
    &["if", "you", "would", "like"],
    &["has", "switched", "you"],
];

pub(crate) const OWNING: &[&[&str]] = &[
    &["sorry"],
    &["apologize"],
    &["apologise"],
    &["apologies"],
    &["excuse"],
    &["on", "us"],
    &["should", "have"],
    &["should", "not"],
    &["our", "mistake"],
];

/// The practice owning a fault, which turns "sorry you were upset" into an
/// apology for something real.
pub(crate) const ADMISSIONS: &[&[&str]] = &[
    &["on", "us"],
    &["ours", "to", "fix"],
    &["should", "have"],
    &["should", "not", "have"],
    &["our", "mistake"],
    &["our", "error"],
    &["our", "fault"],
    &["my", "mistake"],
    &["my", "error"],
    &["my", "fault"],
    &["on", "us"],
    &["on", "me"],
    &["we", "got"],
    &["i", "got"],
    &["we", "made"],
    &["i", "made"],
    &["we", "failed"],
    &["i", "failed"],
    &["we", "let", "you"],
    &["i", "let", "you"],
    &["we", "forgot"],
    &["we", "missed"],
    &["we", "dropped"],
    &["was", "wrong"],
    &["were", "wrong"],
    &["not", "okay"],
    &["not", "ok"],
    &["not", "acceptable"],
    &["unacceptable"],
    &["should", "not", "happen"],
    &["should", "never", "happen"],
    &["never", "have", "happened"],
    &["not", "have", "happened"],
];

/// Does the text in `from..to` admit a fault of the practice? An admission
/// reported as the patient's view ("sorry you feel we let you down") does not
/// count.
fn admits_fault(doc: &Doc, from: usize, to: usize) -> bool {
    const REPORTED: &[&str] = &[
        "feel",
        "felt",
        "feels",
        "think",
        "thought",
        "believe",
        "believed",
        "perceive",
        "perceived",
        "claim",
        "claimed",
        "say",
        "said",
        "allege",
        "alleged",
    ];
    (from..to.min(doc.toks.len())).any(|j| {
        doc.has_seq(j, j + 1, ADMISSIONS) && {
            let c = doc.clause_start(j).max(from);
            !(c..j).any(|k| doc.is(k, &["you"]) && doc.is(k + 1, REPORTED))
        }
    })
}

/// The writer taking the matter on themselves.
pub(crate) const TAKING_ON: &[&[&str]] = &[
    &["i", "will"],
    &["i", "am", "going"],
    &["i", "have"],
    &["i", "can"],
    &["we", "will"],
    &["we", "are", "going"],
    &["we", "can"],
    &["let", "me"],
    &["let", "us"],
    &["happy", "to"],
    &["glad", "to"],
    &["i", "would", "be"],
];

const CONDITIONS: &[&[&str]] = &[
    &["if"],
    &["when"],
    &["once"],
    &["as", "soon", "as"],
    &["unless"],
    &["in", "case"],
    &["should", "you"],
    &["whenever"],
    &["provided"],
];

const OWN_VERBS: &str = "called|rang|phoned|emailed|texted|sent|booked|scheduled|moved|passed|asked|flagged|\
     arranged|checked|spoke|spoken|reserved|added|resent|forwarded|put|set|made|got|\
     call|ring|phone|email|text|message|send|resend|forward|fax|mail|post|pass|check|look|\
     review|update|contact|let|ask|follow|chase|put|submit|print|book|schedule|reschedule|\
     note|log|flag|speak|talk|raise|escalate|investigate|reply|respond|write|share|remind|\
     tell|sign";

pub(crate) const FEELINGS: &str = "upsetting|frustrating|stressful|worrying|distressing|difficult|hard|painful|scary|\
     frightening|important|unacceptable|disappointing|awful|terrible|wrong|upset|\
     frustrated|worried";

/// "..., but the imaging centre next door does": a "but" that goes on to
/// something other than thanks, an apology or the rule itself.
fn offers_another_way(doc: &Doc, from: usize, to: usize) -> bool {
    const NOT_A_WAY: &[&str] = &[
        "thanks",
        "thank",
        "sorry",
        "that",
        "this",
        "it",
        "unfortunately",
        "policy",
        "rules",
        "the",
        "we",
        "i",
    ];
    (from..to.min(doc.toks.len()))
        .any(|j| doc.is(j, &["but", "however"]) && j + 1 < to && !doc.is(j + 1, NOT_A_WAY))
}

pub(crate) fn reply_guards_pass(g: &Guard, doc: &Doc, i: usize, end: usize) -> bool {
    let toks = &doc.toks;
    if i > 0 && toks[i - 1].sent == toks[i].sent && g.not_after.contains(&doc.word(i - 1)) {
        return false;
    }
    if g.negation > 0 {
        let from = i
            .saturating_sub(g.negation as usize)
            .max(doc.clause_start(i));
        let negated = (from..i).any(|j| {
            let w = doc.word(j);
            // "I'm not sure why you didn't just call": the negation is about
            // the writer's knowledge, not about what follows.
            let unsure = doc.is(j + 1, &["sure", "certain", "clear", "know", "understand"])
                && doc.is(j + 2, &["why", "what", "how", "whether", "where", "when"]);
            (NEGATORS.contains(&w) && !unsure) || (g.hedges && one_of(HEDGES, w))
        });
        if negated {
            return false;
        }
    }
    let (s_from, s_to) = doc.sentence(i);
    let next_to = if s_to < toks.len() {
        doc.sentence(s_to).1
    } else {
        s_to
    };
    if g.remedy && (doc.has_seq(end, next_to, REMEDIES) || offers_another_way(doc, end, s_to)) {
        return false;
    }
    if g.owned && doc.has_seq(s_from, next_to, OWNING) {
        return false;
    }
    if (end..(end + 3).min(s_to)).any(|j| g.not_before.contains(&doc.word(j))) {
        return false;
    }
    if g.inside_negation
        && (i + 1..end).any(|j| {
            let w = doc.word(j);
            NEGATORS.contains(&w) || (g.hedges && (one_of(HEDGES, w) || one_of(MODALS, w)))
        })
    {
        return false;
    }
    if g.admits && admits_fault(doc, s_from, next_to) {
        return false;
    }
    if g.takes_on && doc.has_seq(end, next_to, TAKING_ON) {
        return false;
    }
    if g.conditional && doc.has_seq(s_from, s_to, CONDITIONS) {
        return false;
    }
    if g.own_action {
        let (c_from, c_to) = if g.own_in_sentence {
            (s_from, s_to)
        } else {
            (doc.clause_start(i), end)
        };
        let own = (c_from..c_to).any(|j| {
            if doc.is(j, &["let"]) && doc.is(j + 1, &["me", "us"]) {
                return true;
            }
            if !doc.is(j, &["i", "we"]) {
                return false;
            }
            (j + 1..(j + 5).min(toks.len())).any(|k| {
                toks[k].clause == toks[j].clause
                    && (one_of(OWN_VERBS, doc.word(k))
                        || (doc.word(k) == "get" && doc.is(k + 1, &["back"])))
            })
        });
        if own {
            return false;
        }
    }
    if g.feeling {
        let to = (end + 3).min(s_to);
        if (end..to).any(|j| one_of(FEELINGS, doc.word(j))) {
            return false;
        }
        // "Obviously we should have called": the writer owns the fault
        // (outside the match: "so now it's our fault" is not an admission).
        if doc.has_seq(s_from, i, ADMISSIONS) || doc.has_seq(end, s_to, ADMISSIONS) {
            return false;
        }
    }
    true
}
