//! Scoring a reader (the rules, the model, the coach, a sentiment baseline)
//! against the labels.

use crate::data::{Example, part_name, parts};
use frontdesk_tone::learned::{Direction, Model};
use frontdesk_tone::{Verdict, check_incoming_with, check_reply_with};

/// A plain sentiment lexicon: flag a reply if it has any negative word. This
/// is what "just use sentiment" would do, and why it is the wrong tool: an
/// apology or an honest wait estimate is full of negative words.
pub(crate) const NEGATIVE_WORDS: &[&str] = &[
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

pub(crate) fn baseline_negative(text: &str) -> bool {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.replace('\u{2019}', "'"))
        .any(|w| NEGATIVE_WORDS.contains(&w.as_str()))
}

#[derive(Default, Debug, Clone, Copy)]
pub(crate) struct Score {
    pub(crate) positives: usize,
    pub(crate) caught: usize,
    pub(crate) negatives: usize,
    pub(crate) false_alarms: usize,
}

impl Score {
    pub(crate) fn add(&mut self, positive: bool, predicted: bool) {
        if positive {
            self.positives += 1;
            self.caught += predicted as usize;
        } else {
            self.negatives += 1;
            self.false_alarms += predicted as usize;
        }
    }
    pub(crate) fn recall(&self) -> f64 {
        self.caught as f64 / self.positives.max(1) as f64
    }
    pub(crate) fn false_alarm_rate(&self) -> f64 {
        self.false_alarms as f64 / self.negatives.max(1) as f64
    }
    pub(crate) fn line(&self, name: &str) -> String {
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
pub(crate) fn score(
    examples: &[Example],
    predict: impl Fn(&str) -> bool,
    mistakes: &mut Vec<String>,
) -> Scores {
    let mut all = Score::default();
    let mut parts = vec![Score::default(); parts(examples)];
    for e in examples {
        let p = predict(&e.text);
        all.add(e.positive, p);
        parts[e.part].add(e.positive, p);
        if p != e.positive {
            mistakes.push(format!(
                "  {}{} {}",
                if e.positive { "missed" } else { "false alarm" },
                if e.part > 0 {
                    format!(" [{}]", part_name(e.part))
                } else {
                    String::new()
                },
                e.text
            ));
        }
    }
    (all, parts)
}

pub(crate) type Scores = (Score, Vec<Score>);

pub(crate) fn report(
    title: &str,
    rules: &Scores,
    baseline: &Scores,
    shipped: &Scores,
    mistakes: &[String],
) {
    eprintln!("\n== {title} ==");
    eprintln!("{}", rules.0.line("rules alone, all"));
    eprintln!("{}", baseline.0.line("sentiment baseline, all"));
    for i in 0..rules.1.len() {
        if rules.1[i].positives + rules.1[i].negatives == 0 {
            continue;
        }
        let part = part_name(i);
        eprintln!("{}", rules.1[i].line(&format!("rules alone, {part}")));
        eprintln!(
            "{}",
            baseline.1[i].line(&format!("sentiment baseline, {part}"))
        );
        // A part added after the weights were last written (and before they
        // are regenerated, which the weights check demands) is new text to
        // the shipped model too: then this line is a first-run measure.
        eprintln!("{}", shipped.1[i].line(&format!("shipped coach, {part}")));
    }
    eprintln!(
        "{}   (rules + shipped model, which was trained on all of these: in-sample, not a measure)",
        shipped.0.line("shipped coach, all")
    );
    eprintln!("rules-alone mistakes:");
    for m in mistakes {
        eprintln!("{m}");
    }
}

/// What the rules alone say.
pub(crate) fn rules_say(direction: Direction, text: &str) -> bool {
    match direction {
        Direction::Reply => check_reply_with(text, None).verdict == Verdict::Revise,
        Direction::Incoming => check_incoming_with(text, None).upset,
    }
}

/// What rules and model together say: `None` when ok / calm, else what
/// spoke ("rules", or the model's kind).
pub(crate) fn coach_says(direction: Direction, text: &str, model: &Model) -> Option<String> {
    match direction {
        Direction::Reply => {
            let c = check_reply_with(text, Some(model));
            let rules = !check_reply_with(text, None).flags.is_empty();
            c.flags.first().map(|f| {
                if rules {
                    "rules".to_string()
                } else {
                    format!("model: {} \u{2014} {}", f.kind.as_str(), f.why)
                }
            })
        }
        Direction::Incoming => {
            let c = check_incoming_with(text, Some(model));
            let rules = check_incoming_with(text, None).upset;
            c.upset.then(|| {
                if rules {
                    "rules".to_string()
                } else {
                    format!("model \u{2014} {}", c.why.join("; "))
                }
            })
        }
    }
}

/// Scores of the four readers on one set of test texts.
#[derive(Default, Debug, Clone)]
pub(crate) struct Readers {
    pub(crate) baseline: Score,
    pub(crate) rules: Score,
    pub(crate) model: Score,
    pub(crate) coach: Score,
    /// Revise replies the rules flagged, and how many of them the kind model
    /// gives one of the rules' kinds.
    pub(crate) kinds_checked: usize,
    pub(crate) kinds_agree: usize,
    /// Weights of the largest verdict model trained.
    pub(crate) weights: usize,
    /// The coach on fine replies with "sorry", "frustrating", "wait" or an
    /// honest range ("usually 3 to 5 days"): these must pass.
    pub(crate) empathy: Score,
    /// The rules alone on those replies.
    pub(crate) empathy_rules: Score,
    /// The coach's mistakes, and what the model added.
    pub(crate) mistakes: Vec<String>,
    pub(crate) model_catches: Vec<String>,
}

impl Readers {
    pub(crate) fn add(&mut self, direction: Direction, e: &Example, model: &Model) {
        self.baseline.add(e.positive, baseline_negative(&e.text));
        self.rules.add(e.positive, rules_say(direction, &e.text));
        self.model.add(e.positive, model.speaks(&e.text));
        let said = coach_says(direction, &e.text, model);
        self.coach.add(e.positive, said.is_some());
        if direction == Direction::Reply && !e.positive && empathetic(&e.text) {
            self.empathy.add(false, said.is_some());
            self.empathy_rules.add(false, rules_say(direction, &e.text));
        }
        match (&said, e.positive) {
            (None, true) => self.mistakes.push(format!(
                "  missed (p {:.2}) {}",
                model.probability(&e.text),
                e.text
            )),
            (Some(what), false) => self
                .mistakes
                .push(format!("  false alarm [{what}] {}", e.text)),
            (Some(what), true) if what != "rules" => self
                .model_catches
                .push(format!("  caught [{what}] {}", e.text)),
            _ => {}
        }
        if direction == Direction::Reply && e.positive {
            let rules = check_reply_with(&e.text, None).flags;
            if !rules.is_empty() {
                self.kinds_checked += 1;
                let kind = model.kind(&e.text);
                self.kinds_agree += usize::from(rules.iter().any(|f| f.kind == kind));
            }
        }
        self.weights = self.weights.max(model.sizes().0);
    }

    pub(crate) fn print(&self, title: &str, details: bool) {
        eprintln!("\n== {title} ==");
        eprintln!("{}", self.baseline.line("sentiment baseline"));
        eprintln!("{}", self.rules.line("rules alone"));
        eprintln!("{}", self.model.line("model alone"));
        eprintln!("{}", self.coach.line("rules + model (the coach)"));
        if self.empathy.negatives > 0 {
            eprintln!(
                "rules + model on fine replies with sorry/frustrating/wait/a range: \
                 {} false alarms of {} (rules alone {})",
                self.empathy.false_alarms, self.empathy.negatives, self.empathy_rules.false_alarms
            );
        }
        if self.kinds_checked > 0 {
            eprintln!(
                "model's kind is one of the rules' kinds on {}/{} revise replies the rules flagged",
                self.kinds_agree, self.kinds_checked
            );
        }
        if details {
            eprintln!("caught by the model alone:");
            for m in &self.model_catches {
                eprintln!("{m}");
            }
            eprintln!("coach mistakes:");
            for m in &self.mistakes {
                eprintln!("{m}");
            }
        }
    }
}

/// A reply with words a sentiment lexicon would hold against it but that
/// are fine: an apology, an acknowledged feeling, a wait, an honest range.
pub(crate) fn empathetic(text: &str) -> bool {
    let t = text.to_lowercase();
    let range = t
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(3)
        .any(|w| {
            w[0].chars().any(|c| c.is_ascii_digit())
                && (w[1] == "to" || w[1] == "or")
                && w[2].chars().any(|c| c.is_ascii_digit())
        });
    range
        || ["sorry", "frustrat", "wait", "usually", "typically"]
            .iter()
            .any(|w| t.contains(w))
}
