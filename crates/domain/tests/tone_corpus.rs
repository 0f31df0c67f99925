//! The tone coach against hand-labelled staff replies and patient messages,
//! next to a plain sentiment-lexicon baseline.
//!
//! Each data file has a development part (the rules were tuned while looking
//! at it) and held-out parts, each started by a comment line
//! `# --- held out N ...` (`# --- held out` alone is part 1). Each comment
//! says when its part was written and whether the rules were later tuned on
//! it: held out 1 and 2 were scored before a round of rule changes and then
//! tuned on, so only their first-run numbers (in the data files) say how the
//! coach does on new text; held out 3 was written after the last change and
//! never tuned on. Numbers for every part are printed; run with
//! `--nocapture` to see them.
//!
//! Read the numbers for "all" with that in mind: most of the set was tuned
//! on. On text the rules have not seen (held out 3) the coach catches far
//! fewer revise-worthy replies than on the rest; the floors below guard
//! against regressions and are not a claim that the goal (recall
//! 0.90 at false alarms 0.10) holds on new text.

use frontdesk_domain::tone::{Verdict, check_incoming, check_reply};
use std::time::Instant;

struct Example {
    positive: bool,
    text: String,
    /// 0: development; N: held-out part N.
    part: usize,
}

/// How many parts the scores are split into: development and held out 1..=3.
const PARTS: usize = 4;
const PART_NAMES: [&str; PARTS] = ["development", "held out 1", "held out 2", "held out 3"];

/// Read `label<TAB>text` lines; `#` lines are comments, and a comment
/// "--- held out" (optionally followed by a part number) starts a held-out part.
fn load(name: &str, positive: &str, negative: &str) -> Vec<Example> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut part = 0;
    let mut out = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((_, rest)) = comment.split_once("--- held out") {
                let number: String = rest
                    .trim_start()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                part = number.parse().unwrap_or(1);
                assert!(
                    (1..PARTS).contains(&part),
                    "{path}:{}: held-out part {part} out of range",
                    n + 1
                );
            }
            continue;
        }
        let (label, text) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("{path}:{}: expected label<TAB>text", n + 1));
        let positive = match label {
            l if l == positive => true,
            l if l == negative => false,
            l => panic!("{path}:{}: unknown label {l:?}", n + 1),
        };
        out.push(Example {
            positive,
            text: text.to_string(),
            part,
        });
    }
    out
}

/// A plain sentiment lexicon: flag a reply if it has any negative word. This
/// is what "just use sentiment" would do, and why it is the wrong tool: an
/// apology or an honest wait estimate is full of negative words.
const NEGATIVE_WORDS: &[&str] = &[
    "sorry",
    "wait",
    "waiting",
    "waited",
    "problem",
    "unfortunately",
    "not",
    "no",
    "never",
    "nothing",
    "can't",
    "cannot",
    "won't",
    "don't",
    "didn't",
    "isn't",
    "wrong",
    "mistake",
    "fault",
    "bad",
    "late",
    "delay",
    "frustrating",
    "frustrated",
    "upset",
    "angry",
    "busy",
    "unable",
    "denied",
    "complaint",
    "ridiculous",
    "worst",
    "terrible",
    "awful",
    "unacceptable",
    "hell",
    "hate",
    "lost",
    "worse",
];

fn baseline_negative(text: &str) -> bool {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.replace('\u{2019}', "'"))
        .any(|w| NEGATIVE_WORDS.contains(&w.as_str()))
}

#[derive(Default, Debug, Clone, Copy)]
struct Score {
    positives: usize,
    caught: usize,
    negatives: usize,
    false_alarms: usize,
}

impl Score {
    fn add(&mut self, positive: bool, predicted: bool) {
        if positive {
            self.positives += 1;
            self.caught += predicted as usize;
        } else {
            self.negatives += 1;
            self.false_alarms += predicted as usize;
        }
    }
    fn recall(&self) -> f64 {
        self.caught as f64 / self.positives.max(1) as f64
    }
    fn false_alarm_rate(&self) -> f64 {
        self.false_alarms as f64 / self.negatives.max(1) as f64
    }
    fn line(&self, name: &str) -> String {
        format!(
            "{name:<34} recall {:.3} ({}/{})   false alarms {:.3} ({}/{})",
            self.recall(),
            self.caught,
            self.positives,
            self.false_alarm_rate(),
            self.false_alarms,
            self.negatives
        )
    }
}

/// Scores for the whole set (`.0`) and for each part (`.1[part]`).
fn score(
    examples: &[Example],
    predict: impl Fn(&str) -> bool,
    mistakes: &mut Vec<String>,
) -> (Score, [Score; PARTS]) {
    let mut all = Score::default();
    let mut parts = [Score::default(); PARTS];
    for e in examples {
        let p = predict(&e.text);
        all.add(e.positive, p);
        parts[e.part].add(e.positive, p);
        if p != e.positive {
            mistakes.push(format!(
                "  {}{} {}",
                if e.positive { "missed" } else { "false alarm" },
                if e.part > 0 {
                    format!(" [{}]", PART_NAMES[e.part])
                } else {
                    String::new()
                },
                e.text
            ));
        }
    }
    (all, parts)
}

type Scores = (Score, [Score; PARTS]);

fn report(title: &str, coach: &Scores, baseline: &Scores, mistakes: &[String]) {
    eprintln!("\n== {title} ==");
    eprintln!("{}", coach.0.line("coach, all"));
    eprintln!("{}", baseline.0.line("sentiment baseline, all"));
    for (i, part) in PART_NAMES.iter().enumerate() {
        if coach.1[i].positives + coach.1[i].negatives == 0 {
            continue;
        }
        eprintln!("{}", coach.1[i].line(&format!("coach, {part}")));
        eprintln!(
            "{}",
            baseline.1[i].line(&format!("sentiment baseline, {part}"))
        );
    }
    eprintln!("coach mistakes:");
    for m in mistakes {
        eprintln!("{m}");
    }
}

#[test]
fn coach_beats_sentiment_on_staff_replies() {
    let examples = load("tone_replies.tsv", "revise", "ok");
    let revise = examples.iter().filter(|e| e.positive).count();
    let ok = examples.len() - revise;
    assert!(examples.len() >= 160, "{} replies", examples.len());
    assert!(revise >= 70 && ok >= 70, "{revise} revise / {ok} ok");
    assert!(examples.iter().filter(|e| e.part == 1).count() >= 40);
    assert!(examples.iter().filter(|e| e.part == 2).count() >= 80);
    assert!(examples.iter().filter(|e| e.part == 3).count() >= 40);

    let mut mistakes = Vec::new();
    let coach = score(
        &examples,
        |t| check_reply(t).verdict == Verdict::Revise,
        &mut mistakes,
    );
    let baseline = score(&examples, baseline_negative, &mut Vec::new());
    report(
        &format!("staff replies: {revise} revise, {ok} ok"),
        &coach,
        &baseline,
        &mistakes,
    );

    // Floors just under the measured numbers (2026-11-27: all 0.948 / 0.005;
    // held out 3, never tuned on, 0.250 / 0.042).
    assert!(coach.0.recall() >= 0.94, "{}", coach.0.line("coach"));
    assert!(
        coach.0.false_alarm_rate() <= 0.01,
        "{}",
        coach.0.line("coach")
    );
    let fresh = coach.1[3];
    assert!(
        fresh.recall() >= 0.24,
        "{}",
        fresh.line("coach, held out 3")
    );
    assert!(
        fresh.false_alarm_rate() <= 0.05,
        "{}",
        fresh.line("coach, held out 3")
    );
    // The point of rules over sentiment: apologies and honest waits pass.
    assert!(coach.0.false_alarm_rate() < baseline.0.false_alarm_rate() / 3.0);
}

#[test]
fn upset_patients_are_recognised() {
    let examples = load("tone_incoming.tsv", "upset", "calm");
    let upset = examples.iter().filter(|e| e.positive).count();
    let calm = examples.len() - upset;
    assert!(examples.len() >= 80, "{} messages", examples.len());
    assert!(examples.iter().filter(|e| e.part == 2).count() >= 40);
    assert!(examples.iter().filter(|e| e.part == 3).count() >= 20);

    let mut mistakes = Vec::new();
    let coach = score(&examples, |t| check_incoming(t).upset, &mut mistakes);
    let baseline = score(&examples, baseline_negative, &mut Vec::new());
    report(
        &format!("patient messages: {upset} upset, {calm} calm"),
        &coach,
        &baseline,
        &mistakes,
    );

    // Floors just under the measured numbers (2026-11-27: all 0.955 / 0.011;
    // held out 3, never tuned on, 0.500 / 0.083).
    assert!(coach.0.recall() >= 0.95, "{}", coach.0.line("coach"));
    assert!(
        coach.0.false_alarm_rate() <= 0.02,
        "{}",
        coach.0.line("coach")
    );
    let fresh = coach.1[3];
    assert!(
        fresh.recall() >= 0.49,
        "{}",
        fresh.line("coach, held out 3")
    );
    assert!(
        fresh.false_alarm_rate() <= 0.09,
        "{}",
        fresh.line("coach, held out 3")
    );
    // Every upset verdict says why.
    for e in &examples {
        let c = check_incoming(&e.text);
        assert_eq!(c.upset, !c.why.is_empty(), "{}", e.text);
    }
}

/// Time to check a 2 KB reply. Meaningful in release builds only:
/// `cargo test --release -p frontdesk-domain --test tone_corpus -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release with --ignored"]
fn a_2kb_reply_is_checked_well_under_a_millisecond() {
    let examples = load("tone_replies.tsv", "revise", "ok");
    let mut text = String::new();
    for e in examples.iter().cycle() {
        if text.len() + e.text.len() + 1 > 2048 {
            break;
        }
        text.push_str(&e.text);
        text.push(' ');
    }
    let incoming = load("tone_incoming.tsv", "upset", "calm");
    let mut message = String::new();
    for e in incoming.iter().cycle() {
        if message.len() + e.text.len() + 1 > 2048 {
            break;
        }
        message.push_str(&e.text);
        message.push(' ');
    }
    for (what, text, check) in [
        (
            "reply",
            &text,
            (|t: &str| check_reply(t).flags.len()) as fn(&str) -> usize,
        ),
        ("incoming", &message, |t: &str| check_incoming(t).why.len()),
    ] {
        let mut times = Vec::with_capacity(10_000);
        let mut sink = 0;
        for _ in 0..10_000 {
            let t0 = Instant::now();
            sink += check(text);
            times.push(t0.elapsed());
        }
        times.sort();
        let p50 = times[times.len() / 2];
        let p99 = times[times.len() * 99 / 100];
        eprintln!(
            "{what}: {} bytes, 10000 checks: p50 {p50:?}, p99 {p99:?}, max {:?} ({sink})",
            text.len(),
            times[times.len() - 1]
        );
        if !cfg!(debug_assertions) {
            assert!(p99.as_micros() < 1000, "{what}: p99 {p99:?}");
        }
    }
}

/// Print what the coach says about each line of `$TONE_EXPLAIN` (a file):
/// `TONE_EXPLAIN=/tmp/x.txt cargo test -p frontdesk-domain --test tone_corpus explain -- --ignored --nocapture`
#[test]
#[ignore = "a tool for reading the coach's output"]
fn explain() {
    let Ok(path) = std::env::var("TONE_EXPLAIN") else {
        return;
    };
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let text = line.split_once('\t').map_or(line, |(_, t)| t);
        let reply = check_reply(text);
        let incoming = check_incoming(text);
        eprintln!("{line}");
        for f in &reply.flags {
            let span: String = text.chars().skip(f.start).take(f.end - f.start).collect();
            eprintln!("    reply: {} {span:?}", f.kind.as_str());
        }
        if incoming.upset {
            eprintln!("    incoming: {:?}", incoming.why);
        }
    }
}
