//! The incoming rules (`rules/incoming.rules`): signs of anger or
//! frustration in a patient's message, and the readings of the context that
//! decide whether each one counts.

use crate::IncomingCheck;
use crate::emphasis::{exclaiming, masked_profanity, shouting, stressed_word};
use crate::pattern::one_of;
use crate::reply::NEGATORS;
use crate::rules::lexicons;
use crate::text::{Doc, FChar};

/// Signs of anger or frustration in a patient's message, and the context
/// that decides whether they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cue {
    Profanity,
    /// Strong words of anger or judgement ("ridiculous", "rude", "a nightmare").
    Strong,
    /// Leaving, complaining, reviewing, or going to a regulator or a solicitor.
    Leaving,
    LongWait,
    /// Nobody answered, they had to chase, or it keeps happening.
    Ignored,
    Rhetorical,
    Sarcasm,
    /// A clipped verdict as a sentence of its own ("Noted.", "Typical.", "Explain.").
    Cold,
    /// The practice fell short of what was expected ("I expected better").
    Expect,
    /// Disbelief in what the practice says ("Somehow I doubt it").
    Doubt,
    /// Giving up on the practice ("I'll sort it out myself like always").
    Resigned,
    /// A report of something the practice got wrong, with nothing asked for
    /// ("I was charged for a jab I never received").
    Failure,
    /// Privacy or dignity not respected ("you told my employer", "in front
    /// of the whole waiting room").
    Privacy,
    /// Praise that is sarcastic only next to a failure.
    Praise,
    /// "only 3 hours": a long time framed as short.
    OnlyLong,
    /// Something that went wrong ("you cancelled"); sarcastic next to praise.
    Situation,
    Gratitude,
    /// Something lost, cancelled or still missing; upset only next to a word
    /// stressed in capitals ("YOUR office lost the form").
    Mishap,
    // Context: never upset on its own, it decides whether the cues above count.
    /// Explicit thanks ("thank you", "grateful", "cheers").
    Thanks,
    /// Friendly words that make a clipped sentence an acknowledgement ("no
    /// worries", "see you").
    Warm,
    /// Putting something right ("sorting out", "fixed", "squeezing me in").
    Repair,
    /// Praise, understanding or recovery ("lovely", "I understand", "much
    /// better now"): after "but" it outweighs what came before.
    Positive,
    /// An ordinary reason to leave, cancel or ask for records (moving away, a
    /// bereavement, a preference, a solicitor asking for a copy).
    Reason,
    /// A complaint played down or a medical one ("nothing serious", "a skin
    /// complaint").
    Mitigated,
    /// "Fine." or "Right." as a sentence of its own.
    Opener,
    /// "... just ... then." ending a sentence.
    Then,
    /// Asking for something to be done ("could you", "please check").
    Request,
}

impl Cue {
    /// The cue a rule file names: `long_wait` for `LongWait`.
    pub(crate) fn named(name: &str) -> Option<Cue> {
        Some(match name {
            "profanity" => Cue::Profanity,
            "strong" => Cue::Strong,
            "leaving" => Cue::Leaving,
            "long_wait" => Cue::LongWait,
            "ignored" => Cue::Ignored,
            "rhetorical" => Cue::Rhetorical,
            "sarcasm" => Cue::Sarcasm,
            "cold" => Cue::Cold,
            "expect" => Cue::Expect,
            "doubt" => Cue::Doubt,
            "resigned" => Cue::Resigned,
            "failure" => Cue::Failure,
            "privacy" => Cue::Privacy,
            "praise" => Cue::Praise,
            "only_long" => Cue::OnlyLong,
            "situation" => Cue::Situation,
            "gratitude" => Cue::Gratitude,
            "mishap" => Cue::Mishap,
            "thanks" => Cue::Thanks,
            "warm" => Cue::Warm,
            "repair" => Cue::Repair,
            "positive" => Cue::Positive,
            "reason" => Cue::Reason,
            "mitigated" => Cue::Mitigated,
            "opener" => Cue::Opener,
            "then" => Cue::Then,
            "request" => Cue::Request,
            _ => return None,
        })
    }

    /// Cues that show anger or frustration on their own.
    pub(crate) fn angry(self) -> bool {
        matches!(
            self,
            Cue::Profanity
                | Cue::Strong
                | Cue::Leaving
                | Cue::LongWait
                | Cue::Ignored
                | Cue::Rhetorical
                | Cue::Sarcasm
                | Cue::Cold
                | Cue::Expect
                | Cue::Doubt
                | Cue::Resigned
                | Cue::Failure
                | Cue::Privacy
        )
    }
}

/// An incoming rule, as written in `rules/incoming.rules`.
pub(crate) struct IncomingRule {
    pub(crate) cue: Cue,
    /// Each pattern and its line in the file.
    pub(crate) patterns: Vec<(&'static str, usize)>,
    /// Skip when a negating word comes up to this many words earlier ("I'm not upset").
    pub(crate) negation: u8,
    /// Readings of the context that clear a match.
    pub(crate) clear: Clear,
}

/// Readings of the context that clear a match of an incoming rule, like the
/// reply rules' [`Guard`]; none set: nothing clears it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clear {
    /// The word describes a symptom or how the writer feels ("a terrible
    /// headache", "I feel awful", "in a terrible state", "furious with
    /// myself"), or is a figure of speech ("feared the worst").
    pub(crate) subject: bool,
    /// Its clause is about an illness, traffic or the weather, or another
    /// practice, and says nothing about this one ("the pain has been
    /// horrendous", "snow is ridiculous", "my old surgery was terrible").
    pub(crate) before: bool,
    /// It qualifies a stretch of time ("a nightmare week", "a horrible night").
    pub(crate) span: bool,
    /// The writer says it was their own fault ("my mistake", "silly me").
    pub(crate) own: bool,
    /// The message thanks someone, not sarcastically, and the word is what
    /// was put right or endured ("thank you for sorting out the terrible
    /// mix-up").
    pub(crate) thanked: bool,
    /// "but" and praise, understanding or recovery follow ("the wait was
    /// awful but the nurse was lovely", "disappointed, but I understand").
    pub(crate) outweighed: bool,
    /// Not in a friendly message: thanks, "no worries", "see you".
    pub(crate) warm: bool,
    /// Not when the message gives an ordinary reason (moving away, a
    /// bereavement, a preference, a solicitor asking for a copy of the
    /// records).
    pub(crate) reasoned: bool,
    /// Not when the complaint is played down or medical ("nothing serious",
    /// "a skin complaint").
    pub(crate) mitigated: bool,
    /// Not when the message asks for something to be done ("I never got the
    /// letter, could you resend it?"): a report with a request is a request.
    pub(crate) request: bool,
}

impl Clear {
    pub(crate) const NONE: Clear = Clear {
        subject: false,
        before: false,
        span: false,
        own: false,
        thanked: false,
        outweighed: false,
        warm: false,
        reasoned: false,
        mitigated: false,
        request: false,
    };

    /// Can anything clear a match?
    pub(crate) fn any(self) -> bool {
        self.subject
            || self.before
            || self.span
            || self.own
            || self.thanked
            || self.outweighed
            || self.warm
            || self.reasoned
            || self.mitigated
            || self.request
    }
}

/// Why a sign of anger did not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotCounted {
    Illness,
    HardStretch,
    Elsewhere,
    Feeling,
    FigureOfSpeech,
    OwnFault,
    InThanks,
    Outweighed,
    /// The message as a whole: friendly, with an ordinary reason, played
    /// down, or asking for something. Not named in the reasons.
    Context,
}

impl NotCounted {
    /// What a strong word describes, when it is not the practice: said in
    /// the reasons when the message is upset for something else.
    fn reason(self) -> Option<&'static str> {
        Some(match self {
            NotCounted::Illness => "about an illness",
            NotCounted::HardStretch => "about a hard stretch of time",
            NotCounted::Elsewhere => "about something outside the practice",
            NotCounted::Feeling => "about how the writer felt",
            NotCounted::FigureOfSpeech => "a figure of speech",
            NotCounted::OwnFault => "the writer's own fault",
            NotCounted::InThanks => "said in thanks",
            NotCounted::Outweighed => "outweighed by what follows \"but\"",
            NotCounted::Context => return None,
        })
    }
}

/// Words for what a strong word may describe instead of the practice.
const SYMPTOMS: &str = "pain|pains|headache|headaches|migraine|migraines|cough|cold|rash|ache|aches|night|nights|sleep|\
     nausea|reaction|itch|itching|itchy|flu|fever|sore|cramps|cramping|side|symptoms|stomach|\
     period|periods|heartburn|back|throat|toothache|dizziness|allergies|allergy|bruise|bruising|swelling|\
     tummy|diarrhea|diarrhoea|cramp|eczema|psoriasis|acne|asthma|sciatica|arthritis|knee|knees|hip|hips|\
     neck|shoulder|chest|tooth|teeth|bowels|sickness|vomiting|temperature|virus|bug|infection|infections|\
     hay|hayfever|effects|bleeding|vertigo|insomnia|anxiety|depression|panic|mood|recovery|flare|flare-up|\
     condition|illness|wound|scar|sunburn|blister|cyst|lump|sinuses|sinus|ear|ears|eye|eyes|skin|leg|legs|\
     foot|feet|ankle|ankles|wrist|jaw|reflux|constipation|pregnancy|labour|withdrawal|flushes|menopause|\
     bladder|gout|shingles|chickenpox|covid|chemo|ibs|mri|scan|op|operation";

/// Stretches of time ("a nightmare week", "last winter was awful").
const TIMESPAN: &str = "week|weeks|weekend|weekends|day|days|night|nights|morning|mornings|evening|afternoon|\
     month|months|year|years|winter|summer|spring|autumn|christmas|holiday|holidays|time|start|\
     patch|spell|few|couple|fortnight";

/// Things outside the practice ("the traffic is insane", "buses are a disaster").
const ELSEWHERE: &str = "traffic|roads|road|roadworks|motorway|motorways|weather|snow|rain|ice|fog|storm|wind|\
     heat|heatwave|bus|buses|train|trains|tube|strike|strikes|commute|journey|drive|flight|flights|\
     airport|school|work|job|boss|builders|neighbours|neighbors|house|kids|children|toddler|toddlers|\
     baby|divorce|life|car|tractor";

/// Words for being bad at something ("I've been awful at remembering").
const INEPT: &str =
    "awful|terrible|horrible|dreadful|hopeless|useless|rubbish|bad|nightmare|mess|disaster";

/// Words between "I" and how the writer describes themselves ("I have been a
/// bit of a nightmare").
const COPULA: &str = "am|was|have|had|been|a|an|such|so|really|bit|of|total|complete|absolute|\
     proper|right|bit|being";

/// Events a strong word may describe ("a horrible shock", "awful news").
const EVENTS: &str = "shock|news|loss|surprise|blow|accident|bereavement|diagnosis";

/// Words that make a clause about the practice ("your receptionist", "the wait").
const PRACTICE: &str = "you|your|yours|staff|receptionist|receptionists|reception|desk|doctor|doctors|dr|nurse|\
     nurses|gp|practice|clinic|surgery|service|system|appointment|appointments|phone|phones|line|lines|\
     wait|waiting|waited|queue|booking|app|portal|website|letter|letters|bill|billing|invoice|manager|\
     treatment|treated|care|they|them|still|again|another|referral|results|hold|locum";

/// Words that say another practice ("my old surgery").
const FORMER: &str = "old|previous|former|last|other";

/// "but", "though": what follows outweighs what came before.
const CONTRASTS: &str = "but|though|although|however|except";

/// "Although it was awful, ...": what follows in the sentence outweighs it.
const CONCESSIVES: &str = "although|though|while|whilst|despite";

/// Verbs before "the worst" that make it a figure of speech ("feared the worst").
const FEARING: &str = "fear|feared|fearing|expect|expected|expecting|imagine|imagined|imagining|assume|\
     assumed|assuming|thought|think|thinking|dread|dreaded|dreading|prepared";

/// Words that also describe how the body feels ("I feel awful today").
const BODILY: &str = "awful|terrible|horrible|dreadful|sick|rough|bad|worse|unwell|ill|lousy|crappy|\
     shitty|miserable|rotten|horrendous|frustrated|upset";

/// One match of an incoming pattern: its rule and token range.
#[derive(Debug, Clone, Copy)]
struct Match {
    rule: usize,
    cue: Cue,
    from: usize,
    to: usize,
}

/// Token range of the clause holding token `i`.
fn clause_of(doc: &Doc, i: usize) -> (usize, usize) {
    let from = doc.clause_start(i);
    let c = doc.toks[i].clause;
    let mut to = i;
    while to < doc.toks.len() && doc.toks[to].clause == c {
        to += 1;
    }
    (from, to)
}

/// Does the clause `from..to` talk about the practice? Words right after
/// "old"/"previous" ("my old surgery") are another practice, and a waiting
/// room is a place, not a wait.
fn about_practice(doc: &Doc, from: usize, to: usize) -> bool {
    (from..to).any(|j| {
        one_of(PRACTICE, doc.word(j))
            && !(j > from && one_of(FORMER, doc.word(j - 1)))
            && !(doc.word(j) == "waiting" && doc.is(j + 1, &["room", "area"]))
    })
}

/// Why the strong word at `i..end` is not about the practice, if it is not
/// and `clear` allows that reading.
fn aside(doc: &Doc, i: usize, end: usize, clear: Clear) -> Option<NotCounted> {
    let (_, s_to) = doc.sentence(i);
    let c_from = doc.clause_start(i);
    let clause = doc.toks[end - 1].clause;
    let same = |j: usize| j < s_to && doc.toks[j].clause == clause;
    if !clear.subject {
        return aside_in_clause(doc, i, end, clear);
    }
    // "a terrible headache", "frustrated with this rash".
    if (end..(end + 4).min(s_to))
        .take_while(|&j| same(j))
        .any(|j| one_of(SYMPTOMS, doc.word(j)))
    {
        return Some(NotCounted::Illness);
    }
    // "I feel awful", "she felt horrible".
    if one_of(BODILY, doc.word(i))
        && (i.saturating_sub(2)..i).any(|j| doc.is(j, &["feel", "feeling", "felt", "feels"]))
    {
        return Some(NotCounted::Feeling);
    }
    // "furious with myself", "in a terrible state".
    if (end..(end + 3).min(s_to)).any(|j| {
        doc.is(
            j,
            &["himself", "herself", "myself", "themselves", "yourself"],
        )
    }) || (i >= c_from + 2
        && doc.is(i - 1, &["a"])
        && doc.is(i - 2, &["in"])
        && same(end)
        && doc.is(
            end,
            &["state", "place", "way", "mood", "shape", "headspace"],
        ))
    {
        return Some(NotCounted::Feeling);
    }
    // "a horrible shock", "awful news".
    if clear.span
        && (end..(end + 2).min(s_to))
            .take_while(|&j| same(j))
            .any(|j| one_of(EVENTS, doc.word(j)))
    {
        return Some(NotCounted::Elsewhere);
    }
    // "I've been awful at remembering my tablets", "hopeless at computers"
    // (not "angry at you").
    if same(end)
        && doc.is(end, &["at"])
        && one_of(INEPT, doc.word(i))
        && (c_from..i).any(|j| doc.is(j, &["i"]))
        && same(end + 1)
        && doc.word(end + 1).ends_with("ing")
    {
        return Some(NotCounted::Feeling);
    }
    // "I've been a nightmare patient", "I was hopeless": the writer on themselves.
    if one_of(INEPT, doc.word(i))
        && doc.is(c_from, &["i"])
        && (c_from + 1..i).all(|j| one_of(COPULA, doc.word(j)))
    {
        return Some(NotCounted::Feeling);
    }
    // "feared the worst", "worst case".
    if doc.word(i) == "worst"
        && ((i >= 2 && doc.is(i - 1, &["the"]) && one_of(FEARING, doc.word(i - 2)))
            || (same(i + 1) && doc.is(i + 1, &["case"]))
            || (i >= 1 && doc.is(i - 1, &["at"])))
    {
        return Some(NotCounted::FigureOfSpeech);
    }
    aside_in_clause(doc, i, end, clear)
}

/// The readings of `aside` that need a clause saying nothing about the
/// practice: a stretch of time right after the word (`span`), an illness,
/// traffic or another practice before it in the clause (`before`).
fn aside_in_clause(doc: &Doc, i: usize, end: usize, clear: Clear) -> Option<NotCounted> {
    let (_, s_to) = doc.sentence(i);
    let (c_from, c_to) = clause_of(doc, i);
    let clause = doc.toks[end - 1].clause;
    if !(clear.span || clear.before) || about_practice(doc, c_from, c_to) {
        return None;
    }
    // "a nightmare week", "a chaotic few months"; "awful roads", "a
    // horrible shock".
    if clear.span {
        for j in (end..(end + 4).min(s_to)).take_while(|&j| doc.toks[j].clause == clause) {
            let w = doc.word(j);
            if j < end + 2 && one_of(TIMESPAN, w) {
                return Some(NotCounted::HardStretch);
            }
            if one_of(ELSEWHERE, w) {
                return Some(NotCounted::Elsewhere);
            }
        }
    }
    // "the pain has been horrendous", "the traffic is insane", "my old
    // surgery was terrible".
    if clear.before {
        for j in c_from..i {
            let w = doc.word(j);
            if one_of(SYMPTOMS, w) {
                return Some(NotCounted::Illness);
            }
            if one_of(ELSEWHERE, w)
                || (j > c_from && one_of(FORMER, doc.word(j - 1)) && one_of(PRACTICE, w))
            {
                return Some(NotCounted::Elsewhere);
            }
        }
    }
    None
}

/// What the incoming rules make of a message. `cleared` gets the sentences
/// where a sign of anger matched but was cleared ("I'm not upset", "a
/// terrible headache", "thank you for sorting out the terrible mix-up"),
/// which the learned second opinion leaves alone.
pub(crate) fn incoming_rules(
    text: &str,
    folded: &[FChar],
    doc: &Doc,
    cleared: &mut Vec<u32>,
) -> IncomingCheck {
    let lex = &lexicons().incoming;
    // Every match, in text order, after negation.
    let mut all: Vec<Match> = Vec::new();
    lex.scan(doc, |pat, i, end| {
        let rule = &lexicons().incoming_rules[pat.rule];
        if rule.negation > 0 {
            let from = i
                .saturating_sub(rule.negation as usize)
                .max(doc.clause_start(i));
            if (from..i).any(|j| NEGATORS.contains(&doc.word(j))) {
                if rule.cue.angry() {
                    cleared.push(doc.toks[i].sent);
                }
                return;
            }
        }
        all.push(Match {
            rule: pat.rule,
            cue: rule.cue,
            from: i,
            to: end,
        });
    });
    let found = |c: Cue| all.iter().any(|m| m.cue == c);
    let sent_of = |m: &Match| doc.toks[m.from].sent;
    let sentence_has = |c: Cue, sent: u32| all.iter().any(|m| m.cue == c && sent_of(m) == sent);

    // Praise next to a failure is sarcasm, unless the praise is for putting
    // something right ("thank you so much for finding my lost form").
    let praise = all
        .iter()
        .any(|m| m.cue == Cue::Praise && !sentence_has(Cue::Repair, sent_of(m)));
    let sarcastic = found(Cue::Sarcasm)
        || (praise
            && (found(Cue::OnlyLong)
                || found(Cue::LongWait)
                || found(Cue::Ignored)
                || found(Cue::Situation)));
    let thanks = found(Cue::Thanks) && !sarcastic;
    let warm = thanks || found(Cue::Warm);
    let contrast_at = |j: usize| one_of(CONTRASTS, doc.word(j));

    // Does the context clear match `m` of a rule that `clear`s? Why, if so.
    let clears = |m: &Match, clear: Clear| -> Option<NotCounted> {
        let (s_from, s_to) = doc.sentence(m.from);
        if (clear.subject || clear.before || clear.span)
            && let Some(why) = aside(doc, m.from, m.to, clear)
        {
            return Some(why);
        }
        if clear.own
            && doc.has_seq(
                s_from,
                s_to,
                &[
                    &["my", "fault"],
                    &["my", "mistake"],
                    &["my", "bad"],
                    &["my", "own", "fault"],
                    &["silly", "me"],
                    &["my", "error"],
                ],
            )
        {
            return Some(NotCounted::OwnFault);
        }
        if clear.thanked && thanks {
            let sent = doc.toks[m.from].sent;
            let put_right = sentence_has(Cue::Repair, sent)
                || sentence_has(Cue::Positive, sent)
                || sentence_has(Cue::Thanks, sent);
            // "Thanks for the reply, but this is a mess" is not thanks for it.
            let in_thanks = all
                .iter()
                .filter(|t| t.cue == Cue::Thanks)
                .any(|t| t.from > m.from || !(t.to..m.from).any(contrast_at));
            if put_right && in_thanks {
                return Some(NotCounted::InThanks);
            }
        }
        if clear.outweighed {
            // "awful, but the nurse was lovely" (in this sentence or the next).
            let next_end = if s_to < doc.toks.len() {
                doc.sentence(s_to).1
            } else {
                s_to
            };
            let but = (m.to..next_end).find(|&j| contrast_at(j));
            let after = but.is_some_and(|k| {
                all.iter().any(|p| {
                    matches!(p.cue, Cue::Positive | Cue::Thanks) && p.from > k && p.from < next_end
                })
            });
            // "Although the wait was awful, the nurse was lovely."
            let before = (s_from..m.from).any(|j| one_of(CONCESSIVES, doc.word(j)))
                && all
                    .iter()
                    .any(|p| p.cue == Cue::Positive && p.from >= m.to && p.from < s_to);
            if after || before {
                return Some(NotCounted::Outweighed);
            }
        }
        if clear.warm && warm {
            return Some(NotCounted::Context);
        }
        if clear.reasoned && found(Cue::Reason) {
            return Some(NotCounted::Context);
        }
        if clear.mitigated && found(Cue::Mitigated) {
            return Some(NotCounted::Context);
        }
        if clear.request && found(Cue::Request) {
            return Some(NotCounted::Context);
        }
        None
    };

    // (cue, start char, end char) of every hit that counts, in text order,
    // and the strong words that did not count, with the reason.
    let mut hits: Vec<(Cue, u32, u32)> = Vec::new();
    let mut set_aside: Vec<(u32, u32, &str)> = Vec::new();
    for m in &all {
        let rule = &lexicons().incoming_rules[m.rule];
        if rule.clear.any()
            && let Some(why) = clears(m, rule.clear)
        {
            if m.cue.angry() {
                cleared.push(doc.toks[m.from].sent);
            }
            if m.cue == Cue::Strong
                && let Some(what) = why.reason()
            {
                set_aside.push((doc.toks[m.from].start, doc.toks[m.to - 1].end, what));
            }
            continue;
        }
        hits.push((m.cue, doc.toks[m.from].start, doc.toks[m.to - 1].end));
    }
    // "Fine. I'll just go to A&E then."
    if !warm
        && let Some(o) = all.iter().find(|m| m.cue == Cue::Opener)
        && let Some(t) = all.iter().find(|m| m.cue == Cue::Then && m.from > o.from)
    {
        hits.push((
            Cue::Resigned,
            doc.toks[o.from].start,
            doc.toks[o.to - 1].end,
        ));
        hits.push((
            Cue::Resigned,
            doc.toks[t.from].start,
            doc.toks[t.to - 1].end,
        ));
    }
    let has = |c: Cue| hits.iter().any(|h| h.0 == c);

    let shouting = shouting(folded);
    let exclaiming = exclaiming(folded);
    let masked = masked_profanity(folded);

    let negative = has(Cue::Profanity)
        || masked.is_some()
        || has(Cue::Strong)
        || has(Cue::Leaving)
        || has(Cue::LongWait)
        || has(Cue::Ignored)
        || has(Cue::Rhetorical)
        || has(Cue::Cold)
        || has(Cue::Expect)
        || has(Cue::Doubt)
        || has(Cue::Resigned)
        || has(Cue::Failure)
        || has(Cue::Privacy)
        || sarcastic;
    // A word in capitals that repeats an earlier one ("a month. A MONTH.") or
    // sits next to something lost or still missing.
    let stressed = stressed_word(folded).filter(|&(s, _)| {
        let repeated =
            doc.toks.iter().position(|t| t.start == s).is_some_and(|k| {
                (0..k).any(|j| doc.toks[j].end <= s && doc.word(j) == doc.word(k))
            });
        repeated || has(Cue::Mishap) || has(Cue::Situation)
    });
    let intense = shouting || exclaiming.is_some() || stressed.is_some();
    // Capitals and "!!!" alone are also how grateful people write.
    let upset = negative || (intense && !has(Cue::Gratitude));
    let mut why = Vec::new();
    if !upset {
        return IncomingCheck { upset, why };
    }

    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let quote = |s: u32, e: u32| -> String {
        let b0 = chars.get(s as usize).map_or(text.len(), |c| c.0);
        let b1 = chars.get(e as usize).map_or(text.len(), |c| c.0);
        text[b0..b1].to_string()
    };
    let quoted = |spans: &mut dyn Iterator<Item = (u32, u32)>| -> String {
        let mut seen: Vec<String> = Vec::new();
        for (s, e) in spans {
            let q = quote(s, e);
            if !seen.iter().any(|x| x.eq_ignore_ascii_case(&q)) {
                seen.push(q);
            }
            if seen.len() == 3 {
                break;
            }
        }
        seen.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let examples = |cues: &[Cue]| -> String {
        quoted(
            &mut hits
                .iter()
                .filter(|h| cues.contains(&h.0))
                .map(|h| (h.1, h.2)),
        )
    };
    if has(Cue::Profanity) || masked.is_some() {
        let mut ex = examples(&[Cue::Profanity]);
        if let Some((s, e)) = masked {
            if !ex.is_empty() {
                ex.push_str(", ");
            }
            ex.push_str(&format!("\"{}\"", quote(s, e)));
        }
        why.push(format!("Swearing or insults: {ex}"));
    }
    if has(Cue::Strong) {
        why.push(format!(
            "Strong words of anger or frustration: {}",
            examples(&[Cue::Strong])
        ));
    }
    if sarcastic {
        if has(Cue::Sarcasm) {
            why.push(format!("Sounds sarcastic: {}", examples(&[Cue::Sarcasm])));
        } else {
            why.push(format!(
                "Sounds sarcastic: praise ({}) next to a failure ({})",
                examples(&[Cue::Praise]),
                examples(&[Cue::OnlyLong, Cue::LongWait, Cue::Ignored, Cue::Situation])
            ));
        }
    }
    for (cue, words) in ONE_CUE_REASONS {
        if has(cue) {
            why.push(format!("{words}: {}", examples(&[cue])));
        }
    }
    if shouting {
        why.push("Writes in capital letters (shouting)".to_string());
    }
    if let Some((s, e)) = exclaiming {
        why.push(format!("Repeated punctuation: \"{}\"", quote(s, e)));
    }
    if let Some((s, e)) = stressed.filter(|_| !shouting) {
        why.push(format!(
            "Stresses a word in capitals next to a complaint: \"{}\"",
            quote(s, e)
        ));
    }
    // Strong words that were read as being about something else.
    let mut not_counted: Vec<String> = Vec::new();
    for &(s, e, what) in &set_aside {
        let q = format!("\"{}\"", quote(s, e));
        let item = format!("{q} ({what})");
        if !not_counted.contains(&item) && not_counted.len() < 3 {
            not_counted.push(item);
        }
    }
    if !not_counted.is_empty() {
        why.push(format!("Not counted: {}", not_counted.join(", ")));
    }
    IncomingCheck { upset, why }
}

/// Why an incoming message reads as upset, for the signals that are one cue
/// each, in the order they are reported.
const ONE_CUE_REASONS: [(Cue, &str); 10] = [
    (Cue::Cold, "A cold, clipped verdict"),
    (
        Cue::Expect,
        "Says the practice fell short of what they expected",
    ),
    (Cue::Doubt, "Says they no longer believe what they are told"),
    (
        Cue::Resigned,
        "Sounds as if they have given up on the practice",
    ),
    (
        Cue::Failure,
        "Reports something the practice got wrong, and asks for nothing",
    ),
    (
        Cue::Privacy,
        "Says their privacy or dignity was not respected",
    ),
    (Cue::LongWait, "Mentions a long wait"),
    (
        Cue::Ignored,
        "Says nobody responded, they had to chase, or it keeps happening",
    ),
    (Cue::Rhetorical, "Asks an angry rhetorical question"),
    (
        Cue::Leaving,
        "Threatens to leave, complain, review or take it further",
    ),
];
