//! The rule files, read once: `rules/reply.rules`, `rules/incoming.rules`
//! and `rules/word_sets.rules`, compiled in and parsed on first use into the
//! rules and their compiled patterns. Each file says its own format in its
//! opening comment; a mistake in one is reported with the file and line.

use crate::FlagKind;
use crate::incoming::{Clear, Cue, IncomingRule};
use crate::pattern::{Lexicon, Vocab};
use crate::reply::{Guard, ReplyRule};
use std::sync::OnceLock;

const REPLY: (&str, &str) = ("rules/reply.rules", include_str!("../rules/reply.rules"));
const INCOMING: (&str, &str) = (
    "rules/incoming.rules",
    include_str!("../rules/incoming.rules"),
);
const WORD_SETS: (&str, &str) = (
    "rules/word_sets.rules",
    include_str!("../rules/word_sets.rules"),
);

/// A mistake in a rule file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RulesError {
    pub(crate) file: &'static str,
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A named word set (`{name}` in a pattern) and its words, in file order.
pub(crate) struct WordSet {
    pub(crate) name: &'static str,
    pub(crate) words: Vec<&'static str>,
}

/// The rules of both checks, their compiled patterns and the vocabulary
/// those share.
pub(crate) struct Lexicons {
    pub(crate) vocab: Vocab,
    pub(crate) sets: Vec<WordSet>,
    pub(crate) reply_rules: Vec<ReplyRule>,
    pub(crate) reply: Lexicon,
    pub(crate) incoming_rules: Vec<IncomingRule>,
    pub(crate) incoming: Lexicon,
}

/// The shipped rules, parsed on first use. The files are compiled in and a
/// unit test parses them, so a mistake in one fails the tests, never a
/// running server.
pub(crate) fn lexicons() -> &'static Lexicons {
    static LEX: OnceLock<Lexicons> = OnceLock::new();
    LEX.get_or_init(|| load(REPLY, INCOMING, WORD_SETS).unwrap_or_else(|e| panic!("tone: {e}")))
}

type File = (&'static str, &'static str);

/// Parse the three rule files (name and text each) and compile their patterns.
pub(crate) fn load(reply: File, incoming: File, word_sets: File) -> Result<Lexicons, RulesError> {
    let sets = parse_word_sets(word_sets)?;
    let reply_rules = parse_reply(reply)?;
    let incoming_rules = parse_incoming(incoming)?;
    // The reply patterns are numbered first, then the incoming ones.
    let mut vocab = Vocab::default();
    let reply_patterns: Vec<(&[(&'static str, usize)], usize)> = reply_rules
        .iter()
        .enumerate()
        .map(|(i, r)| (&r.patterns[..], i))
        .collect();
    let reply_lex = Lexicon::build(&reply_patterns, &mut vocab, &sets)
        .map_err(|(line, message)| error(reply.0, line, message))?;
    let incoming_patterns: Vec<(&[(&'static str, usize)], usize)> = incoming_rules
        .iter()
        .enumerate()
        .map(|(i, r)| (&r.patterns[..], i))
        .collect();
    let incoming_lex = Lexicon::build(&incoming_patterns, &mut vocab, &sets)
        .map_err(|(line, message)| error(incoming.0, line, message))?;
    Ok(Lexicons {
        vocab,
        sets,
        reply_rules,
        reply: reply_lex,
        incoming_rules,
        incoming: incoming_lex,
    })
}

fn error(file: &'static str, line: usize, message: impl Into<String>) -> RulesError {
    RulesError {
        file,
        line,
        message: message.into(),
    }
}

/// One `key: value` of a rule file with its indented continuation lines:
/// each piece and its line number (the key's line first; its value may be
/// empty, as after `patterns:`).
struct Field {
    key: &'static str,
    line: usize,
    pieces: Vec<(&'static str, usize)>,
}

impl Field {
    /// The pieces joined with one space, as for `why:` and `suggestion:`.
    fn text(&self) -> String {
        self.pieces
            .iter()
            .map(|p| p.0)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The one-line value of a field that may not go on over lines.
    fn single(&self, file: &'static str) -> Result<&'static str, RulesError> {
        match self.pieces.as_slice() {
            [(value, _)] => Ok(value),
            [_, (_, line), ..] => Err(error(
                file,
                *line,
                format!("`{}:` takes one line", self.key),
            )),
            [] => unreachable!("a field has its own line"),
        }
    }
}

/// The fields of a rule file in order; `#` lines and blank lines left out.
fn fields((file, text): File) -> Result<Vec<Field>, RulesError> {
    let mut out: Vec<Field> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            let Some(field) = out.last_mut() else {
                return Err(error(file, line, "an indented line before any `key:`"));
            };
            field.pieces.push((trimmed, line));
            continue;
        }
        let Some((key, value)) = raw.split_once(':') else {
            return Err(error(
                file,
                line,
                format!("expected `key: value` or an indented line, found {trimmed:?}"),
            ));
        };
        out.push(Field {
            key: key.trim(),
            line,
            pieces: vec![(value.trim(), line)],
        });
    }
    Ok(out)
}

/// Split the fields into blocks, each started by a `start:` field.
fn blocks(
    file: &'static str,
    fields: Vec<Field>,
    start: &str,
) -> Result<Vec<Vec<Field>>, RulesError> {
    let mut out: Vec<Vec<Field>> = Vec::new();
    for f in fields {
        if f.key == start {
            out.push(vec![f]);
        } else if let Some(block) = out.last_mut() {
            if block.iter().any(|g| g.key == f.key) {
                return Err(error(
                    file,
                    f.line,
                    format!("a second `{}:` in one rule", f.key),
                ));
            }
            block.push(f);
        } else {
            return Err(error(
                file,
                f.line,
                format!("`{}:` before the first `{start}:`", f.key),
            ));
        }
    }
    Ok(out)
}

/// The patterns of a block: the indented lines under `patterns:`.
fn patterns(file: &'static str, block: &[Field]) -> Result<Vec<(&'static str, usize)>, RulesError> {
    let Some(f) = block.iter().find(|f| f.key == "patterns") else {
        return Err(error(file, block[0].line, "a rule without `patterns:`"));
    };
    if !f.pieces[0].0.is_empty() {
        return Err(error(
            file,
            f.line,
            "patterns go on the indented lines under `patterns:`",
        ));
    }
    if f.pieces.len() == 1 {
        return Err(error(file, f.line, "a rule without any pattern"));
    }
    Ok(f.pieces[1..].to_vec())
}

fn parse_reply(file: File) -> Result<Vec<ReplyRule>, RulesError> {
    let name = file.0;
    let mut rules = Vec::new();
    for block in blocks(name, fields(file)?, "kind")? {
        let kind_field = &block[0];
        let kind_name = kind_field.single(name)?;
        let kind = FlagKind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind_name)
            .ok_or_else(|| error(name, kind_field.line, format!("unknown kind {kind_name:?}")))?;
        let mut why = None;
        let mut suggestion = None;
        let mut guard = Guard::PLAIN;
        for f in &block[1..] {
            match f.key {
                "patterns" => {}
                "why" => why = Some(f.text()),
                "suggestion" => suggestion = Some(f.text()),
                "guard" => {
                    guard = parse_guard(f.single(name)?).map_err(|m| error(name, f.line, m))?
                }
                other => return Err(error(name, f.line, format!("unknown field `{other}:`"))),
            }
        }
        let missing =
            |what: &str| error(name, kind_field.line, format!("a rule without `{what}:`"));
        rules.push(ReplyRule {
            kind,
            patterns: patterns(name, &block)?,
            why: why
                .filter(|w| !w.is_empty())
                .ok_or_else(|| missing("why"))?,
            suggestion: suggestion
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("suggestion"))?,
            guard,
        });
    }
    Ok(rules)
}

/// `negation 4, hedges, not_after if|whether`: see the opening comment of
/// `rules/reply.rules`.
fn parse_guard(text: &'static str) -> Result<Guard, String> {
    let mut g = Guard::PLAIN;
    for item in text.split(',').map(str::trim) {
        let (name, arg) = item.split_once(' ').unwrap_or((item, ""));
        let arg = arg.trim();
        let words = || -> Result<Vec<&'static str>, String> {
            let w: Vec<&'static str> = arg.split('|').map(str::trim).collect();
            if w.iter().any(|w| w.is_empty()) {
                return Err(format!("`{name}` takes words separated by |"));
            }
            Ok(w)
        };
        let flag = |on: &mut bool| -> Result<(), String> {
            if !arg.is_empty() {
                return Err(format!("`{name}` takes nothing after it"));
            }
            *on = true;
            Ok(())
        };
        match name {
            // The guard most promise rules share: not negated ("we can't
            // promise"), hedged ("should be") or the writer's own action.
            "promise" => {
                flag(&mut g.own_action)?;
                g.hedges = true;
                g.negation = 5;
            }
            "negation" => {
                g.negation = arg
                    .parse()
                    .map_err(|_| format!("`negation` takes a number of words, not {arg:?}"))?
            }
            "hedges" => flag(&mut g.hedges)?,
            "remedy" => flag(&mut g.remedy)?,
            "owned" => flag(&mut g.owned)?,
            "conditional" => flag(&mut g.conditional)?,
            "own_action" => flag(&mut g.own_action)?,
            "own_in_sentence" => flag(&mut g.own_in_sentence)?,
            "feeling" => flag(&mut g.feeling)?,
            "inside_negation" => flag(&mut g.inside_negation)?,
            "admits" => flag(&mut g.admits)?,
            "takes_on" => flag(&mut g.takes_on)?,
            "not_after" => g.not_after = words()?,
            "not_before" => g.not_before = words()?,
            _ => return Err(format!("unknown guard {name:?}")),
        }
    }
    Ok(g)
}

fn parse_incoming(file: File) -> Result<Vec<IncomingRule>, RulesError> {
    let name = file.0;
    let mut rules = Vec::new();
    for block in blocks(name, fields(file)?, "cue")? {
        let cue_field = &block[0];
        let cue_name = cue_field.single(name)?;
        let cue = Cue::named(cue_name)
            .ok_or_else(|| error(name, cue_field.line, format!("unknown cue {cue_name:?}")))?;
        let mut negation = 0;
        let mut clear = Clear::NONE;
        for f in &block[1..] {
            match f.key {
                "patterns" => {}
                "negation" => {
                    let n = f.single(name)?;
                    negation = n.parse().map_err(|_| {
                        error(
                            name,
                            f.line,
                            format!("`negation:` takes a number of words, not {n:?}"),
                        )
                    })?;
                }
                "clear" => {
                    for reading in f.single(name)?.split(',').map(str::trim) {
                        let on = match reading {
                            "subject" => &mut clear.subject,
                            "before" => &mut clear.before,
                            "span" => &mut clear.span,
                            "own" => &mut clear.own,
                            "thanked" => &mut clear.thanked,
                            "outweighed" => &mut clear.outweighed,
                            "warm" => &mut clear.warm,
                            "reasoned" => &mut clear.reasoned,
                            "mitigated" => &mut clear.mitigated,
                            "request" => &mut clear.request,
                            other => {
                                return Err(error(
                                    name,
                                    f.line,
                                    format!("unknown reading {other:?}"),
                                ));
                            }
                        };
                        *on = true;
                    }
                }
                other => return Err(error(name, f.line, format!("unknown field `{other}:`"))),
            }
        }
        rules.push(IncomingRule {
            cue,
            patterns: patterns(name, &block)?,
            negation,
            clear,
        });
    }
    Ok(rules)
}

fn parse_word_sets(file: File) -> Result<Vec<WordSet>, RulesError> {
    let name = file.0;
    let mut sets: Vec<WordSet> = Vec::new();
    for f in fields(file)? {
        let Some(set) = f.key.strip_prefix("set ").map(str::trim) else {
            return Err(error(
                name,
                f.line,
                format!("expected `set name:`, found `{}:`", f.key),
            ));
        };
        if sets.iter().any(|s| s.name == set) {
            return Err(error(name, f.line, format!("a second set {set:?}")));
        }
        let words: Vec<&'static str> = f
            .pieces
            .iter()
            .flat_map(|p| p.0.split_whitespace())
            .collect();
        if words.is_empty() {
            return Err(error(name, f.line, format!("set {set:?} has no words")));
        }
        sets.push(WordSet { name: set, words });
    }
    Ok(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rule_files_parse() {
        let lex = load(REPLY, INCOMING, WORD_SETS).unwrap_or_else(|e| panic!("{e}"));
        assert!(lex.reply_rules.iter().all(|r| !r.patterns.is_empty()));
        assert!(lex.incoming_rules.iter().all(|r| !r.patterns.is_empty()));
        assert!(lex.sets.iter().any(|s| s.name == "when"));
    }

    const SETS: File = ("sets.rules", "set when: today tomorrow\n    soon\n");
    const REPLIES: File = (
        "reply.rules",
        "# A reply rule.\nkind: dismissive\npatterns:\n    whatever\n    back {when}\n\
         why: It sounds\n    bored.\nsuggestion: Offer a next step.\nguard: negation 3, not_after oh|ah\n",
    );
    const MESSAGES: File = (
        "incoming.rules",
        "cue: strong\npatterns:\n    awful\nnegation: 3\nclear: subject, warm\n",
    );

    #[track_caller]
    fn error_of(reply: File, incoming: File, sets: File) -> String {
        match load(reply, incoming, sets) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_rule_file_reads_as_written() {
        let lex = load(REPLIES, MESSAGES, SETS).unwrap_or_else(|e| panic!("{e}"));
        let r = &lex.reply_rules[0];
        assert_eq!(r.kind, FlagKind::Dismissive);
        assert_eq!(r.patterns, [("whatever", 4), ("back {when}", 5)]);
        assert_eq!(r.why, "It sounds bored.");
        assert_eq!(r.guard.negation, 3);
        assert_eq!(r.guard.not_after, ["oh", "ah"]);
        assert!(!r.guard.hedges && !r.guard.own_action);
        let m = &lex.incoming_rules[0];
        assert_eq!((m.cue, m.negation), (Cue::Strong, 3));
        assert!(m.clear.subject && m.clear.warm && !m.clear.own);
        assert_eq!(lex.sets[0].words, ["today", "tomorrow", "soon"]);
        let promise = parse_guard("promise, own_in_sentence").expect("guard");
        assert!(promise.negation == 5 && promise.hedges && promise.own_action);
        assert!(promise.own_in_sentence && !promise.admits);
    }

    #[test]
    fn a_mistake_in_a_rule_file_names_the_file_and_line() {
        let reply = |text: &'static str| error_of(("reply.rules", text), MESSAGES, SETS);
        assert_eq!(
            reply("kind: dismissive\npatterns:\n    x\nwhy: W.\nsuggestion: S.\nkind: rude\n"),
            "reply.rules:6: unknown kind \"rude\""
        );
        assert_eq!(
            reply("kind: blaming\npatterns:\n    you {forgot}\nwhy: W.\nsuggestion: S.\n"),
            "reply.rules:3: unknown word set {forgot}"
        );
        assert_eq!(
            reply(
                "kind: blaming\npatterns:\n    x\nwhy: W.\nsuggestion: S.\nguard: negation four\n"
            ),
            "reply.rules:6: `negation` takes a number of words, not \"four\""
        );
        assert_eq!(
            reply("kind: blaming\npatterns:\n    x\nsuggestion: S.\n"),
            "reply.rules:1: a rule without `why:`"
        );
        assert_eq!(
            error_of(
                REPLIES,
                (
                    "incoming.rules",
                    "cue: strong\npatterns:\n    awful\nclear: own, sarcastic\n"
                ),
                SETS
            ),
            "incoming.rules:4: unknown reading \"sarcastic\""
        );
        assert_eq!(
            error_of(
                REPLIES,
                ("incoming.rules", "\ncue: grumpy\npatterns:\n    awful\n"),
                SETS
            ),
            "incoming.rules:2: unknown cue \"grumpy\""
        );
        assert_eq!(
            error_of(
                REPLIES,
                MESSAGES,
                ("sets.rules", "set when: today\nsets soon: now\n")
            ),
            "sets.rules:2: expected `set name:`, found `sets soon:`"
        );
    }
}
