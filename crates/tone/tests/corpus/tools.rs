//! Tools run by hand (`--ignored`): timing, reading the coach's output,
//! and choosing the model.

use crate::data::{corpus, load, pairs, part_name, split};
use crate::measure::{FOLDS, cross_validate};
use crate::score::{Readers, rules_say};
use frontdesk_tone::learned::{self, Direction, Features, Learner, Options};
use frontdesk_tone::{check_incoming, check_incoming_with, check_reply, check_reply_with};
use std::time::Instant;

/// Time to check a 2 KB reply. Meaningful in release builds only:
/// `cargo test --release -p frontdesk-tone --test corpus -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release with --ignored"]
fn a_2kb_reply_is_checked_well_under_a_millisecond() {
    // About 2 KB of corpus texts; `fine` takes only texts the rules pass, so
    // that the whole text reaches the learned model (which only reads texts
    // no rule flagged): the slowest case.
    let two_kb = |name: &str, positive: &str, negative: &str, fine: bool| {
        let examples = load(name, positive, negative);
        let mut text = String::new();
        for e in examples.iter().cycle() {
            if text.len() + e.text.len() + 1 > 2048 {
                break;
            }
            let longer = format!("{text}{} ", e.text);
            if fine && (e.positive || rules_say(direction_of(name), &longer)) {
                continue;
            }
            text = longer;
        }
        text
    };
    fn direction_of(name: &str) -> Direction {
        if name.contains("replies") {
            Direction::Reply
        } else {
            Direction::Incoming
        }
    }
    let text = two_kb("tone_replies.tsv", "revise", "ok", false);
    let fine = two_kb("tone_replies.tsv", "revise", "ok", true);
    let message = two_kb("tone_incoming.tsv", "upset", "calm", false);
    let calm = two_kb("tone_incoming.tsv", "upset", "calm", true);
    assert!(check_reply_with(&fine, None).flags.is_empty());
    assert!(!check_incoming_with(&calm, None).upset);
    for (what, text, check) in [
        (
            "reply, rules + model",
            &text,
            (|t: &str| check_reply(t).flags.len()) as fn(&str) -> usize,
        ),
        ("reply, rules alone", &text, |t: &str| {
            check_reply_with(t, None).flags.len()
        }),
        (
            "fine reply (model reads all), rules + model",
            &fine,
            |t: &str| check_reply(t).flags.len(),
        ),
        ("fine reply, rules alone", &fine, |t: &str| {
            check_reply_with(t, None).flags.len()
        }),
        ("incoming, rules + model", &message, |t: &str| {
            check_incoming(t).why.len()
        }),
        ("incoming, rules alone", &message, |t: &str| {
            check_incoming_with(t, None).why.len()
        }),
        (
            "calm message (model reads all), rules + model",
            &calm,
            |t: &str| check_incoming(t).why.len(),
        ),
        ("calm message, rules alone", &calm, |t: &str| {
            check_incoming_with(t, None).why.len()
        }),
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
/// `TONE_EXPLAIN=/tmp/x.txt cargo test -p frontdesk-tone --test corpus explain -- --ignored --nocapture`
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
            if f.why.contains("learned") {
                eprintln!("      {}", f.why);
            }
        }
        if incoming.upset {
            let rules = check_incoming_with(text, None);
            let by = if rules.upset { "rules" } else { "model" };
            eprintln!("    incoming ({by}): {:?}", incoming.why);
        }
    }
}

/// Choose the learner and features by cross-validation over everything but
/// the last held-out part, for the model alone (the rules were tuned on most
/// of these texts, so "rules + model" says little here). Prints a table; the choice, by the rule
/// in `Options::chosen`, is made from it.
/// `cargo test --release -p frontdesk-tone --test corpus choose_model -- --ignored --nocapture`
#[test]
#[ignore = "model selection; slow in debug builds"]
fn choose_model() {
    for direction in [Direction::Reply, Direction::Incoming] {
        let base = Options::chosen(direction);
        // Filler words are never features alone (a design choice for
        // explanations, not a result of this search).
        let features = |bigrams, hand, negation, sets| Features {
            bigrams,
            hand,
            negation,
            sets,
            ..base.features
        };
        let mut grid = Vec::new();
        for learner in [
            Learner::Logistic { l1: 0.0, l2: 1e-3 },
            Learner::Logistic { l1: 0.0, l2: 1e-2 },
            Learner::Logistic { l1: 1e-4, l2: 3e-4 },
            Learner::Logistic { l1: 1e-4, l2: 1e-3 },
            Learner::Logistic { l1: 1e-4, l2: 3e-3 },
            Learner::Logistic { l1: 2e-4, l2: 1e-3 },
            Learner::Logistic { l1: 3e-4, l2: 1e-3 },
            Learner::Logistic { l1: 3e-4, l2: 1e-2 },
            Learner::NaiveBayes { alpha: 0.1 },
            Learner::NaiveBayes { alpha: 0.5 },
            Learner::NaiveBayes { alpha: 1.0 },
        ] {
            for f in [
                features(false, false, false, false),
                features(true, false, false, false),
                features(true, true, false, false),
                features(true, true, true, false),
                features(true, true, false, true),
                features(true, true, true, true),
            ] {
                for min_count in [1, 2] {
                    for prune in [0.01, 0.05] {
                        if prune > 0.01 && matches!(learner, Learner::NaiveBayes { .. }) {
                            continue;
                        }
                        grid.push(Options {
                            learner,
                            features: f,
                            min_count,
                            prune,
                            ..base
                        });
                    }
                }
            }
        }
        let data = corpus(direction);
        let (last, dev, _) = split(&data);
        eprintln!(
            "\n== {direction:?}: model alone, {FOLDS}-fold cross-validation over {} texts (not {}) ==",
            dev.len(),
            part_name(last)
        );
        for o in &grid {
            let r = cross_validate(direction, &dev, o);
            eprintln!(
                "{:<42} {:?} min {} prune {}  recall {:.3} fa {:.3}   coach {:.3} / {:.3}  weights {} kinds {}/{}",
                format!("{:?}", o.learner),
                (
                    o.features.bigrams,
                    o.features.hand,
                    o.features.negation,
                    o.features.sets
                ),
                o.min_count,
                o.prune,
                r.model.recall(),
                r.model.false_alarm_rate(),
                r.coach.recall(),
                r.coach.false_alarm_rate(),
                r.weights,
                r.kinds_agree,
                r.kinds_checked
            );
        }
    }
}

/// The feature kinds and budgets weighed when the reply model was last
/// changed, each against the shipped options: cross-validation over
/// everything but the last held-out part ("cv") and one training tested on
/// that part ("b"), for the model alone and for rules + model.
/// `EXP_DIR=incoming` for messages, `EXP_ONLY=<name part>` for some rows,
/// `EXP_MISSES=1` to print the cross-validation's mistakes, `EXP_MISSES=b` those on the last held-out part.
/// `cargo test --release -p frontdesk-tone --test corpus experiment -- --ignored --nocapture`
#[test]
#[ignore = "model comparison; slow in debug builds"]
fn experiment() {
    let direction = if std::env::var("EXP_DIR").as_deref() == Ok("incoming") {
        Direction::Incoming
    } else {
        Direction::Reply
    };
    let base = Options::chosen(direction);
    let data = corpus(direction);
    let (_, dev, fresh) = split(&data);
    let mut variants = vec![("base".to_string(), base)];
    let mut v = |name: String, f: &dyn Fn(&mut Options)| {
        let mut o = base;
        f(&mut o);
        variants.push((name, o));
    };
    let blend = |l1: f64, l2: f64, share: f64| Learner::Blend {
        l1,
        l2,
        alpha: 1.0,
        share,
    };
    // The base is the shipped choice (share 0.25); the one before it and a
    // larger share beside it.
    v("share 0.15 (before)".into(), &|o| {
        o.learner = blend(1e-4, 3e-4, 0.15)
    });
    v("share 0.4".into(), &|o| o.learner = blend(5e-5, 1e-4, 0.4));
    for fa in [0.07, 0.075, 0.09] {
        v(format!("false alarms {fa}"), &move |o| o.false_alarms = fa);
    }
    let only: Option<String> = std::env::var("EXP_ONLY").ok();
    for (name, o) in variants {
        if only.as_deref().is_some_and(|x| !name.contains(x)) {
            continue;
        }
        let r = cross_validate(direction, &dev, &o);
        if std::env::var("EXP_MISSES").as_deref() == Ok("1") {
            for m in &r.mistakes {
                eprintln!("{m}");
            }
        }
        let model = learned::train(direction, &pairs(&dev), &o);
        // Short fine replies the unit tests hold the shipped coach to.
        let plain = [
            "Okay.",
            "Again, thank you for your patience.",
            "Thousands of patients were affected by the outage, and we're sorry you were one of them.",
            "Noted, thanks. See you Tuesday at 11.",
        ];
        let loud = plain.iter().filter(|t| model.speaks(t)).count();
        let mut f = Readers::default();
        for e in &fresh {
            f.add(direction, e, &model);
        }
        if std::env::var("EXP_MISSES").as_deref() == Ok("b") {
            for m in &f.mistakes {
                eprintln!("{m}");
            }
        }
        eprintln!(
            "{name:<16} cv model {:.3}/{:.3} coach {:.3}/{:.3} | b model {:.3}/{:.3} coach {:.3}/{:.3} | w {} | plain {loud}",
            r.model.recall(),
            r.model.false_alarm_rate(),
            r.coach.recall(),
            r.coach.false_alarm_rate(),
            f.model.recall(),
            f.model.false_alarm_rate(),
            f.coach.recall(),
            f.coach.false_alarm_rate(),
            r.weights
        );
    }
}
