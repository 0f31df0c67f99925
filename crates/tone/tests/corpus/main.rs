//! The tone coach against hand-labelled staff replies and patient messages,
//! next to a plain sentiment-lexicon baseline.
//!
//! Each data file has a development part (the rules were tuned while looking
//! at most of it) and held-out parts, each started by a comment line
//! `# --- held out N ...` (`# --- held out` alone is part 1), in increasing
//! order. Each comment says when its part was written and whether the rules
//! were later tuned on it: held out 1 and 2 were scored before a round of
//! rule changes and then tuned on, so only their first-run numbers (in the
//! data files) say how the rules do on new text; held out 3 was written
//! after the last change and never tuned on. Development batch 8, twice the
//! size of everything before it, was never tuned on by the rules either (its
//! first-run numbers are in its comment). Numbers for every part are
//! printed; run with `--nocapture` to see them.
//!
//! The coach also has a learned second opinion (`tone::learned`), trained on
//! these files. It is measured three ways, all printed with `--nocapture`:
//! (a) 5-fold cross-validation over everything but the last held-out part
//! in the file; (b) trained on everything but the last held-out part and
//! tested on it once, the number to trust. Which part that is follows the
//! files: append a blind `# --- held out 4` part and (b) measures it, with
//! no change here (floors apply only to the split they were measured on,
//! see `FLOORS_MEASURED_ON`); (c) the shipped weights, trained on
//! everything, every held-out part included, so their numbers on any part
//! of these files say nothing about new text, except on a part appended
//! after they were written (the "shipped coach" line for that part, read
//! before regenerating the weights, which the weights check then demands);
//! (d) for patient messages, each held-out part left out in turn: trained
//! on every other text and tested on it (the model out of sample; the rules
//! were tuned with most of these parts in view).
//! The floors below guard against regressions and are not a claim that the
//! issue's goal (recall 0.90 at false alarms 0.10) holds on new text.
//!
//! `cargo test -p frontdesk-tone --test corpus -- --nocapture`

mod data;
mod measure;
mod score;
mod tools;

use data::{Example, corpus, load, pairs, part_name};
use frontdesk_tone::learned::{self, Direction, Model, Options};
use frontdesk_tone::{Verdict, check_incoming, check_incoming_with, check_reply, check_reply_with};
use measure::{each_part_left_out, measure};
use score::{Score, baseline_negative, empathetic, report, score};

#[test]
fn rules_beat_sentiment_on_staff_replies() {
    let examples = load("tone_replies.tsv", "revise", "ok");
    let revise = examples.iter().filter(|e| e.positive).count();
    let ok = examples.len() - revise;
    assert!(examples.len() >= 160, "{} replies", examples.len());
    assert!(revise >= 70 && ok >= 70, "{revise} revise / {ok} ok");
    assert!(examples.iter().filter(|e| e.part == 1).count() >= 40);
    assert!(examples.iter().filter(|e| e.part == 2).count() >= 80);
    assert!(examples.iter().filter(|e| e.part == 3).count() >= 40);

    let mut mistakes = Vec::new();
    let rules = score(
        &examples,
        |t| check_reply_with(t, None).verdict == Verdict::Revise,
        &mut mistakes,
    );
    let baseline = score(&examples, baseline_negative, &mut Vec::new());
    let shipped = score(
        &examples,
        |t| check_reply(t).verdict == Verdict::Revise,
        &mut Vec::new(),
    );
    report(
        &format!("staff replies: {revise} revise, {ok} ok"),
        &rules,
        &baseline,
        &shipped,
        &mistakes,
    );

    // Floors just under the measured numbers for the rules alone
    // (2026-11-27: all 0.627 / 0.013, down from 0.948 / 0.005 when
    // development batch 8, which the rules were never tuned on, was added;
    // held out 3, never tuned on, 0.250 / 0.042). Later that day the rules
    // gained families written from development batches 8-9 and the former
    // held out 5 (comparisons, minimising, sarcasm, pointing at the record,
    // curt closings, lecturing, promises in new words): all 0.728 (879/1207)
    // / 0.021 (25/1172) with held out 6 in; held out 3, still never looked
    // at for a rule, went from 0.250 to 0.542 (13/24) at the same 0.042.
    // On 2026-11-28 development batches 12-14 (1,080 replies the rules were
    // not written for) and held out 7 came in, and the rules gained a check
    // for words in capitals and a few record-pointing and rhetorical
    // patterns: all 0.651 (1203/1847) / 0.028 (51/1812); with held out 8
    // (rules alone 0.560 / 0.027 on it) 0.646 (1290/1997) / 0.028 (55/1962).
    // Then development batches 15-16 (720 replies, batch 15 mostly hard fine
    // ones) and held out 9 came in, and the rules' false alarms found there
    // were mended ("sorry, but" before a fact and a remedy, "kindly note",
    // "you're not being difficult", optional steps that let "as you're"
    // and "nothing you've told us" match) and hedged apologies added ("any
    // perceived delay", "to the extent that", "some patients find"): all
    // 0.606 (1518/2507) / 0.020 (50/2472). In the fourth session held out 10
    // and development batches 17-28 (4,320 replies from twelve new writers,
    // none written for the rules) came in, and a few patterns were added
    // from held out 10's misses ("I apologise for how you interpreted",
    // "you've chosen to view it", "for good", "locked in", "never a
    // queue"): all 0.550 (2647/4817) / 0.026 (125/4782). The rules were not
    // tuned on the new batches' false alarms beyond two ("covered by the
    // guarantee", "like I said I would").
    assert!(rules.0.recall() >= 0.54, "{}", rules.0.line("rules"));
    assert!(
        rules.0.false_alarm_rate() <= 0.028,
        "{}",
        rules.0.line("rules")
    );
    let fresh = rules.1[3];
    assert!(
        fresh.recall() >= 0.54,
        "{}",
        fresh.line("rules, held out 3")
    );
    assert!(
        fresh.false_alarm_rate() <= 0.05,
        "{}",
        fresh.line("rules, held out 3")
    );
    // The point of rules over sentiment: apologies and honest waits pass.
    assert!(rules.0.false_alarm_rate() < baseline.0.false_alarm_rate() / 3.0);
    // The shipped coach (in-sample) keeps that property too, and its model
    // flags no fine reply with an apology, a feeling, a wait or an honest
    // range. The rules flag two of the hard ones in development batch 8
    // ("you've been waiting" read as blame, "sorry you felt" read as a
    // non-apology before "far too long"): counted, not hidden.
    assert!(shipped.0.false_alarm_rate() < baseline.0.false_alarm_rate() / 3.0);
    let flagged: Vec<&str> = examples
        .iter()
        .filter(|e| !e.positive && empathetic(&e.text))
        .filter(|e| check_reply(&e.text).verdict == Verdict::Revise)
        .map(|e| e.text.as_str())
        .collect();
    let by_rules = flagged
        .iter()
        .filter(|t| check_reply_with(t, None).verdict == Verdict::Revise)
        .count();
    let empathetic_ok = examples
        .iter()
        .filter(|e| !e.positive && empathetic(&e.text))
        .count();
    eprintln!(
        "shipped coach on the {empathetic_ok} fine replies with sorry/frustrating/wait/a range: \
         {} flagged, {by_rules} of them by the rules {flagged:?}",
        flagged.len()
    );
    assert!(
        // Nine rule false alarms, all from rules older than the texts, none
        // tuned on them ("…you've been waiting a long time", "…far too
        // long", "please don't wait for the appointment", "I'm sorry, but I
        // can ask her…", "Mistakes happen, and this one was ours", "I won't
        // pretend the wait was fine", …): 9 of 360, counted, not hidden.
        // With development batches 12-14 and held out 7 (2026-11-28): 19 of
        // 606, all the rules' ("I'm sorry, but we can't change a patient's
        // prescription…", "the earliest guaranteed slot", "Mistakes happen,
        // and this one was ours", "Sorry for the slow reply — we've had a
        // huge backlog", …); 22 of 684 with held out 8. In the fourth
        // session, with held out 10 and development batches 17-28 (many hard
        // fine replies from new writers, the rules not tuned on them): 68 of
        // 1,823, 67 by the rules and one by the (in-sample) model.
        empathetic_ok > 1_700 && flagged.len() <= by_rules + 2 && by_rules <= 70,
        "{flagged:?}"
    );
}

#[test]
fn upset_patients_are_recognised_by_the_rules() {
    let examples = load("tone_incoming.tsv", "upset", "calm");
    let upset = examples.iter().filter(|e| e.positive).count();
    let calm = examples.len() - upset;
    assert!(examples.len() >= 80, "{} messages", examples.len());
    assert!(examples.iter().filter(|e| e.part == 2).count() >= 40);
    assert!(examples.iter().filter(|e| e.part == 3).count() >= 20);
    // Development batches 1-11, 1,006 messages.
    assert!(examples.iter().filter(|e| e.part == 0).count() >= 1000);

    let mut mistakes = Vec::new();
    let rules = score(
        &examples,
        |t| check_incoming_with(t, None).upset,
        &mut mistakes,
    );
    let baseline = score(&examples, baseline_negative, &mut Vec::new());
    let shipped = score(&examples, |t| check_incoming(t).upset, &mut Vec::new());
    report(
        &format!("patient messages: {upset} upset, {calm} calm"),
        &rules,
        &baseline,
        &shipped,
        &mistakes,
    );

    // Floors just under the measured numbers for the rules alone (all:
    // 0.861 (699/812) / 0.015 (12/812) once development batch 12, the former
    // held out 5 and held out 6, none tuned on, were added). History:
    // all 0.658 / 0.029 after development batch 8; 0.660 / 0.037 with held
    // out 4 added. Then (2026-11-27) the incoming rules were changed with
    // development batches 1-11 in view (batches 9-11, 410 messages, written
    // for it): all 0.948 (552/582) / 0.003 (2/582), in-sample. On batches
    // 10 and 11, each scored once before it was tuned on, the rules alone
    // were 0.500 / 0.200 and 0.500 / 0.133: that, not this, is how they do
    // on new text (first-run numbers in the data file). With held out 7
    // added (2026-11-28; rules alone 0.686 / 0.014 on it): all 0.847
    // (747/882) / 0.015 (13/882); with held out 8 (rules alone 0.729 /
    // 0.057 on it) 0.838 (798/952) / 0.018 (17/952).
    assert!(rules.0.recall() >= 0.83, "{}", rules.0.line("rules"));
    assert!(
        rules.0.false_alarm_rate() <= 0.02,
        "{}",
        rules.0.line("rules")
    );
    // Held out 3 was never tuned on (its texts were not used for the rule
    // changes; its one false alarm, a polite question about a complaint, is
    // still one): 0.500 / 0.083 before them, 0.750 (9/12) / 0.083 (1/12) after.
    let fresh = rules.1[3];
    assert!(
        fresh.recall() >= 0.74,
        "{}",
        fresh.line("rules, held out 3")
    );
    assert!(
        fresh.false_alarm_rate() <= 0.09,
        "{}",
        fresh.line("rules, held out 3")
    );
    // Held out 4 is not blind to the new rules (its misses and false alarms
    // were described when they were written): 0.686 / 0.114 on its first
    // run, 0.943 (33/35) / 0.000 (0/35) now. A regression guard only.
    let known = rules.1[4];
    assert!(
        known.recall() >= 0.94 && known.false_alarm_rate() <= 0.03,
        "{}",
        known.line("rules, held out 4")
    );
    // Every upset verdict says why, whether from the rules or the model.
    for e in &examples {
        let c = check_incoming(&e.text);
        assert_eq!(c.upset, !c.why.is_empty(), "{}", e.text);
    }
}

/// Assert `score` is at least `recall` and at most `false_alarms`.
#[track_caller]
fn at_least(score: &Score, recall: f64, false_alarms: f64, what: &str) {
    assert!(
        score.recall() >= recall && score.false_alarm_rate() <= false_alarms,
        "{} (floor: recall {recall}, false alarms {false_alarms})",
        score.line(what)
    );
}

/// The floors below were measured with held out 10 (replies) and 8
/// (messages) as the last held-out
/// part: (a) over everything else, (b) on it. Appending a new part changes
/// both splits (and the cross-validation folds), so then the numbers are
/// printed and nothing is asserted on them: that first run on a blind part
/// is the measurement. Record it in the data file's comment before any
/// retraining, then measure and register floors for the new split here.
const FLOORS_MEASURED_ON: (usize, usize) = (10, 8);

/// Whether the floors apply to this run (`reply`: the reply floors, else the
/// message floors); if not, say so.
fn floors_apply(last: usize, reply: bool, what: &str) -> bool {
    let measured_on = if reply {
        FLOORS_MEASURED_ON.0
    } else {
        FLOORS_MEASURED_ON.1
    };
    if last == measured_on {
        return true;
    }
    eprintln!(
        "{what}: (b) tested on {}, a part with no floors registered yet (they were measured \
         with {} last): nothing asserted on (a) or (b). Record these numbers in the data file \
         before any retraining.",
        part_name(last),
        part_name(measured_on)
    );
    false
}

#[test]
fn learned_second_opinion_on_staff_replies() {
    let (cv, fresh, last) = measure(Direction::Reply);
    if !floors_apply(last, true, "staff replies") {
        return;
    }
    // Floors just under the numbers measured on 2026-11-28 with held out 9
    // last. Held out 9 was scored once as a blind set on the coach of
    // 027701c: 0.893 (134/150) / 0.107 (16/150), rules alone 0.487 / 0.060,
    // model alone 0.813 / 0.053, sentiment baseline 0.593 / 0.593. Then
    // development batches 15-16 came in and the rules' false alarms found
    // in held out 9 and batch 15 were mended; measured after that, so not
    // blind:
    // (a) over the 4,679 replies outside held out 9: model alone 0.762
    //     (1795/2357) / 0.065 (151/2322), rules + model 0.888 (2094/2357) /
    //     0.081 (189/2322), the rules in-sample (batch 15, mostly hard fine
    //     replies, raises the false alarms);
    // (b) held out 9: rules + model 0.913 (137/150) / 0.040 (6/150), rules
    //     alone 0.507 / 0.007, model alone 0.800 / 0.033.
    // Held out 8 last, the round before: (a) 0.897 / 0.076, (b) 0.900 /
    // 0.047 (its blind run 0.887 / 0.047 at the 0.07 budget).
    //
    // Registered again in the fourth session with held out 10 last: it was
    // scored once as a blind set on the coach of 1d5b257 (0.860 (129/150) /
    // 0.067 (10/150)); then development batches 17-28 (4,320 replies) came
    // in, a few rule patterns were written from held out 10's misses (so
    // (b) is not blind), and the reply model's blend changed (L1 5e-5, L2
    // 1e-4, naive-Bayes share 0.25):
    // (a) over the 9,299 replies outside held out 10: model alone 0.857
    //     (4001/4667) / 0.057 (265/4632), rules + model 0.920 (4295/4667) /
    //     0.079 (368/4632);
    // (b) held out 10: rules + model 0.933 (140/150) / 0.067 (10/150),
    //     rules alone 0.547 / 0.040, model alone 0.860 / 0.033.
    at_least(&cv.model, 0.84, 0.065, "(a) model alone");
    at_least(&cv.coach, 0.91, 0.085, "(a) rules + model");
    at_least(&fresh.coach, 0.92, 0.075, "(b) rules + model");
    assert!(fresh.coach.recall() > fresh.rules.recall() + 0.2);
    // Apologies, feelings, waits and honest ranges: the model adds few
    // false alarms of its own to the rules' (measured: (a) 81 of 1,774, the
    // rules 64; (b) 3 of 49, the rules 3; with held out 9 last 31 of 817,
    // the rules 22).
    assert!(cv.empathy.false_alarms <= cv.empathy_rules.false_alarms + 20);
    assert!(fresh.empathy.false_alarms <= fresh.empathy_rules.false_alarms + 1);
    assert!(cv.empathy_rules.false_alarms + fresh.empathy_rules.false_alarms <= 70);
}

#[test]
fn learned_second_opinion_on_patient_messages() {
    let (cv, fresh, last) = measure(Direction::Incoming);
    each_part_left_out(Direction::Incoming);
    if !floors_apply(last, false, "patient messages") {
        return;
    }
    // Floors just under the numbers measured on 2026-11-28 with held out 8
    // last, its first and only run as a blind set (the message model and
    // budget unchanged since held out 6; held out 7 scored 0.943 / 0.043 on
    // the same coach before it was trained on):
    // (a) over the 1,764 messages outside held out 8: model alone 0.855
    //     (754/882) / 0.062 (55/882), rules + model 0.973 (858/882) / 0.077
    //     (68/882), the rules in-sample;
    // (b) held out 8: rules + model 0.943 (66/70) / 0.071 (5/70), rules
    //     alone 0.729 / 0.057, model alone 0.843 / 0.014, sentiment baseline
    //     0.514 / 0.400. A step of one text is 0.014.
    // Earlier: held out 6 blind 0.943 / 0.014.
    at_least(&cv.model, 0.85, 0.07, "(a) model alone");
    at_least(&cv.coach, 0.97, 0.08, "(a) rules + model");
    at_least(&fresh.coach, 0.94, 0.075, "(b) rules + model");
    assert!(fresh.coach.recall() > fresh.rules.recall() + 0.1);
}

const WEIGHTS_HEADER: &str = "\
The tone coach's learned second opinion (crates/tone/src/learned/). Generated: do not edit.
Regenerate: cargo test -p frontdesk-tone --test corpus write_weights -- --ignored
Trained on every labelled text in tests/data/tone_replies.tsv and tone_incoming.tsv, every held-out
part included; the numbers measured without the last held-out part are in tests/corpus/main.rs.
Lines: model/feature<TAB>weight (log-odds). w: a word, b: two neighbouring words (^: sentence start),
h: a named cue, s: one of the rules' word sets, t: a word's stem, k: two words one apart, c: one of the
model's word classes, cc: two classes in one sentence; not_: after a negating word. =threshold: the model
speaks above this score (bias plus the weights of the features a text has, each once).";

fn train_shipped() -> (Model, Model) {
    let train = |direction| {
        let data = corpus(direction);
        let all: Vec<&Example> = data.iter().collect();
        learned::train(direction, &pairs(&all), &Options::chosen(direction))
    };
    (train(Direction::Reply), train(Direction::Incoming))
}

/// (c) Write `tone_weights.tsv`: both models trained on every text.
#[test]
#[ignore = "writes tone_weights.tsv"]
fn write_weights() {
    let (reply, incoming) = train_shipped();
    let path = format!("{}/tone_weights.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = learned::weights_file(&reply, &incoming, WEIGHTS_HEADER);
    std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{path}: {e}"));
    eprintln!(
        "wrote {path}: {} lines; reply {:?} weights (verdict, kinds), threshold p > {:.3}; \
         incoming {:?}, threshold p > {:.3}",
        text.lines().count(),
        reply.sizes(),
        reply.threshold(),
        incoming.sizes(),
        incoming.threshold()
    );
}

/// The shipped weights are what training on the corpus gives now: a change
/// to the corpus, the features or the learner without regenerating fails here.
#[test]
fn shipped_weights_are_trained_from_the_corpus() {
    let (reply, incoming) = train_shipped();
    let shipped = learned::shipped();
    let regenerate =
        "regenerate: cargo test -p frontdesk-tone --test corpus write_weights -- --ignored";
    for (fresh, shipped) in [(&reply, &shipped.reply), (&incoming, &shipped.incoming)] {
        let prune = Options::chosen(fresh.direction()).prune;
        if let Err(e) = fresh.agrees_with(shipped, 2e-3, prune) {
            panic!("{:?}: {e}; {regenerate}", fresh.direction());
        }
    }
    let file = include_str!("../../tone_weights.tsv");
    // About 19,700 reply and 3,700 message weights (650 KB) since the reply
    // model blends in more naive Bayes over 9,600 replies (fourth session);
    // the file is compiled in.
    assert!(file.lines().count() < 30_000, "keep the weights file small");
    eprintln!(
        "\n(c) shipped: trained on every text, every held-out part included; reply threshold p > {:.3}, \
         incoming p > {:.3}; {} lines",
        shipped.reply.threshold(),
        shipped.incoming.threshold(),
        file.lines().count()
    );
}
