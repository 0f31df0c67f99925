//! The trainer: fits the learned models on labelled texts, chooses their
//! thresholds by cross-validation and writes the weights file. Compiled only
//! with the crate's `train` feature, for the corpus tests and tools; the
//! server reads the shipped weights and never trains.

use super::features::feature_names;
use super::{Direction, Features, Model, Weights, sigmoid};
use crate::FlagKind;
use std::collections::HashMap;

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Reply => "reply",
            Direction::Incoming => "incoming",
        }
    }
}

/// How weights are learned from labelled texts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Learner {
    /// Logistic regression with penalties `l1 · |w|₁ + l2 / 2 · |w|²` on the
    /// mean log-loss, fitted by full-batch gradient descent with per-weight
    /// (AdaGrad) step sizes; the L1 part (a soft threshold after each step)
    /// sets most weights to exactly zero. The bias is not learned but fixed
    /// at the log-odds of the labels: revise replies in the corpus are a
    /// third shorter than fine ones, and a learned bias turns that into
    /// "few words read badly" (an empty or one-word reply was flagged by the
    /// bias alone). With a fixed bias a score is word evidence only.
    Logistic { l1: f64, l2: f64 },
    /// Multinomial naive Bayes over the features present in a text, with
    /// add-`alpha` smoothing; the weights are log-likelihood ratios.
    NaiveBayes { alpha: f64 },
    /// Logistic regression (as above) plus `share` times the naive-Bayes
    /// weights (add-`alpha`): still one weight per feature.
    Blend {
        l1: f64,
        l2: f64,
        alpha: f64,
        share: f64,
    },
}

/// Everything that decides how a model is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub learner: Learner,
    pub features: Features,
    /// A feature is learned only if it occurs in at least this many training texts.
    pub min_count: usize,
    /// Weights smaller than this (in log-odds) are dropped from the model.
    pub prune: f64,
    /// The threshold is the lowest score at which rules and model together
    /// flag at most this share of the fine training texts, scored by
    /// cross-validation.
    pub false_alarms: f64,
    /// Folds of that cross-validation (consecutive blocks of the texts).
    pub folds: usize,
}

impl Options {
    /// The options the shipped models are trained with. Filler words are
    /// never features alone (for the explanations' sake); the rest was
    /// chosen by cross-validation over every text but the last held-out part
    /// (`choose_model` in tests/corpus/tools.rs): the highest recall of the
    /// model alone with at most 0.05 false alarms and at most 2,000
    /// weights, ties to the smaller model. That rule was fixed before any
    /// of this was measured on held out 3; it was last applied on
    /// 2026-11-27, after development batch 8 doubled the corpus (the earlier
    /// choice then needed 2,503 reply weights and read 0.32 of upset
    /// messages): replies, logistic regression (L1 1e-4, L2 1e-3) over
    /// every kind of feature seen in at least two texts, model alone 0.444 /
    /// 0.031, 1,846 weights; messages, naive Bayes (add-0.5) over words,
    /// pairs and cues seen in at least two texts, 0.548 / 0.033, 1,267
    /// weights.
    ///
    /// Applied again to messages on 2026-11-27, after the incoming rules were
    /// changed and development batches 9-11 (410 messages) were added, over
    /// the 1,094 messages outside held out 4: naive Bayes (add-1.0) over
    /// words, pairs, cues and the rules' word sets seen in at least two
    /// texts, model alone 0.658 / 0.038, 1,987 weights (the earlier choice,
    /// add-0.5 without word sets: 0.653 / 0.042). Replies were not chosen
    /// again: their texts and rules did not change, and the same rule over
    /// today's split (held out 4 was added after the last choice) would
    /// pick L1 2e-4 and pruning 0.01 (0.393 / 0.031, 1,678 weights) over the
    /// shipped L1 1e-4 and pruning 0.05 (0.385 / 0.031), about six replies
    /// in 777; left for whoever next changes the replies.
    ///
    /// Changed again on 2026-11-27 (second change that day), after the
    /// rules gained the families of development batch 9 and the former held
    /// out 5 (comparisons with other patients, minimising, sarcasm,
    /// record-pointing, curt closings, lecturing, promises in new words).
    /// Decided before held out 6 was scored on this coach, by this rule:
    /// - replies read stems, pairs one word apart, smileys/capitals and the
    ///   model's word classes as well ([`Features`]): over the 2,039 replies
    ///   outside held out 4 the model alone went from 0.371 / 0.026 to
    ///   0.392 / 0.025 at the old budget, and each kind helped a little on
    ///   its own (`experiment` in tests/corpus/tools.rs); the learner is
    ///   unchanged;
    /// - the false-alarm budget is 0.07 for both directions, not 0.05. The
    ///   goal allows 0.10 on new text, and on the three blind sets the
    ///   coach's false alarms came out 0.00-0.06 above what the same budget
    ///   gave in cross-validation (held out 4: 0.043; held out 5: 0.100;
    ///   held out 6, before these changes: 0.060, read as a total only).
    ///   0.07 leaves 0.03 of that room; in cross-validation it buys about
    ///   0.03 of recall per 0.01 of false alarms (replies: rules + model
    ///   0.856 / 0.041 at 0.05, 0.889 / 0.068 at 0.07).
    ///
    /// The selection rule's cap of 2,000 weights no longer holds: with the
    /// corpus doubled since, the shipped reply model has about 3,000 verdict
    /// weights and the message model about 3,000; the grid was not searched
    /// again under a new cap.
    ///
    /// Changed again on 2026-11-28, after held out 7 was scored (replies
    /// 0.800 / 0.080) and development batches 12-14 (1,080 replies) were
    /// added, before held out 8 was scored: the reply model blends naive
    /// Bayes into the logistic regression ([`Learner::Blend`], share 0.15,
    /// L2 3e-4, pruning 0.2). Over the 3,459 replies outside held out 7,
    /// by the `experiment` test: logistic regression alone, rules + model
    /// 0.863 / 0.071 (model alone 0.625 / 0.044); blends with shares
    /// 0.1-0.3 0.878-0.891 / 0.066-0.070 (model alone 0.66-0.70 / 0.04).
    /// The chosen blend (0.887 / 0.070) is 0.004 under the best but has
    /// 4,657 weights, not 6,154, and its model flags one of four short fine
    /// replies the unit tests pin ("Okay.", "Again, thank you for your
    /// patience.", …), the best three. Tried and dropped the same day (and
    /// their code removed): learning only from the texts the rules leave
    /// alone (0.863 / 0.068), and logistic regression over features scaled
    /// by their naive-Bayes ratios (at most 0.896 at the earlier split, no
    /// better than the blend).
    ///
    /// Then held out 8 was scored once on that coach (replies 0.887 /
    /// 0.047: two replies short of the goal, at half the false-alarm
    /// allowance) and appended, and the reply budget became 0.08, decided
    /// before held out 9 was scored. On the three blind runs the coach's
    /// false alarms came out at the cross-validated rate or near it (held
    /// out 6: 0.070 against 0.071; 7: 0.080 against 0.069; 8: 0.047 against
    /// 0.067), so 0.08 leaves about 0.02 of the 0.10 allowance as margin.
    /// Over the 3,659 replies outside held out 8: 0.884 / 0.067 at 0.07,
    /// 0.897 / 0.076 at 0.08 (0.906 / 0.083 at 0.09). Messages stay at 0.07:
    /// they meet the goal there.
    ///
    /// Changed again in the fourth session, after held out 10 (0.860 /
    /// 0.067 blind) and development batches 17-18 were added, decided by
    /// the `experiment` test before the next blind sets were scored: less
    /// regularisation and more naive Bayes (L1 5e-5, L2 1e-4, share 0.25,
    /// was L1 1e-4, L2 3e-4, share 0.15). Over the 7,139 replies outside
    /// held out 10 the sweep ran one way: shares 0.1 / 0.15 / 0.25 / 0.4
    /// gave rules + model 0.873 / 0.887 / 0.897 / 0.903, and lower L1 and
    /// lower pruning each helped a little; L1 5e-5, L2 1e-4, share 0.4 gave
    /// 0.905 / 0.078 (held out 10: 0.887 / 0.060, against 0.860 / 0.073).
    /// With batches 19-22 in, share 0.25 tied share 0.4 (0.907 / 0.076) with
    /// 13,349 weights instead of 21,152, so 0.25. With batches 23-28 in too
    /// (9,299 replies): 0.920 / 0.079, model alone 0.857 / 0.057; share 0.15
    /// 0.908 / 0.076. The budget stays 0.08 (0.07: 0.909 / 0.069; 0.09:
    /// 0.929 / 0.087).
    pub fn chosen(direction: Direction) -> Options {
        let (learner, negation, sets, prune) = match direction {
            Direction::Reply => (
                Learner::Blend {
                    l1: 5e-5,
                    l2: 1e-4,
                    alpha: 1.0,
                    share: 0.25,
                },
                true,
                true,
                0.2,
            ),
            Direction::Incoming => (Learner::NaiveBayes { alpha: 1.0 }, false, true, 0.01),
        };
        let reply = direction == Direction::Reply;
        Options {
            learner,
            features: Features {
                bigrams: true,
                hand: true,
                negation,
                sets,
                no_filler: true,
                stems: reply,
                skips: reply,
                style: reply,
                classes: reply,
            },
            min_count: 2,
            prune,
            false_alarms: if reply { 0.08 } else { 0.07 },
            folds: 5,
        }
    }
}

/// Comparing a fresh training with the shipped models.
impl Model {
    /// Do two models agree to within `tolerance` on every weight and the
    /// threshold? Weights within `tolerance` of the pruning cut may be in
    /// one and not the other.
    pub fn agrees_with(&self, other: &Model, tolerance: f64, prune: f64) -> Result<(), String> {
        fn same(a: &Weights, b: &Weights, tol: f64, prune: f64, what: &str) -> Result<(), String> {
            for (k, &w) in a {
                let v = b.get(k).copied().unwrap_or(0.0);
                let near_cut = w.abs() < prune + tol && v.abs() < prune + tol;
                if (w - v).abs() > tol && !near_cut {
                    return Err(format!("{what} {k}: {w:.4} vs {v:.4}"));
                }
            }
            Ok(())
        }
        if self.direction != other.direction || self.features != other.features {
            return Err("different directions or features".into());
        }
        if (self.bias - other.bias).abs() > tolerance {
            return Err(format!("bias {:.4} vs {:.4}", self.bias, other.bias));
        }
        if (self.threshold - other.threshold).abs() > tolerance {
            return Err(format!(
                "threshold {:.4} vs {:.4}",
                self.threshold, other.threshold
            ));
        }
        same(&self.weights, &other.weights, tolerance, prune, "weight")?;
        same(&other.weights, &self.weights, tolerance, prune, "weight")?;
        if self.kinds.len() != other.kinds.len() {
            return Err("different kinds".into());
        }
        for (a, b) in self.kinds.iter().zip(&other.kinds) {
            if a.0 != b.0 || (a.1 - b.1).abs() > tolerance {
                return Err(format!("kind {}", a.0.as_str()));
            }
            same(&a.2, &b.2, tolerance, prune, a.0.as_str())?;
            same(&b.2, &a.2, tolerance, prune, a.0.as_str())?;
        }
        Ok(())
    }
}

/// The kind model (which does not decide the verdict, only names a flag's
/// kind) is kept small: features of at least two revise replies, and a
/// strong L1 penalty.
const KIND_MIN_COUNT: usize = 2;
const KIND_L1: f64 = 1e-3;
const KIND_L2: f64 = 1e-3;
const KIND_PRUNE: f64 = 0.01;

/// Passes of full-batch gradient descent.
const ITERATIONS: usize = 300;
/// AdaGrad's base step.
const STEP: f64 = 0.3;

/// Which of `k` consecutive blocks example `i` of `n` falls in.
pub fn fold_of(i: usize, n: usize, k: usize) -> usize {
    i * k / n.max(1)
}

/// Train a model on labelled texts (`true`: revise / upset). The threshold
/// comes from a cross-validation over `examples` (consecutive blocks), and a
/// reply model also learns kinds from the rules' flags on its revise texts.
pub fn train(direction: Direction, examples: &[(&str, bool)], options: &Options) -> Model {
    let docs: Vec<Vec<String>> = examples
        .iter()
        .map(|(t, _)| feature_names(direction, options.features, t))
        .collect();
    let labels: Vec<bool> = examples.iter().map(|e| e.1).collect();
    let n = examples.len();
    let all: Vec<usize> = (0..n).collect();
    let (bias, weights) = fit(&docs, &labels, &all, options);

    let k = options.folds.clamp(2, n.max(2));
    let mut held_out = vec![0.0; n];
    for fold in 0..k {
        let train: Vec<usize> = (0..n).filter(|&i| fold_of(i, n, k) != fold).collect();
        let (b, w) = fit(&docs, &labels, &train, options);
        for i in (0..n).filter(|&i| fold_of(i, n, k) == fold) {
            held_out[i] = b + docs[i]
                .iter()
                .filter_map(|f| w.get(f.as_str()))
                .sum::<f64>();
        }
    }
    let rules: Vec<bool> = examples
        .iter()
        .map(|(t, _)| rules_flag(direction, t))
        .collect();
    let threshold = choose_threshold(&held_out, &labels, &rules, options.false_alarms);

    let kinds = match direction {
        Direction::Reply => fit_kinds(examples, &docs),
        Direction::Incoming => Vec::new(),
    };
    Model {
        direction,
        features: options.features,
        bias,
        weights,
        threshold,
        kinds,
    }
}

fn rules_flag(direction: Direction, text: &str) -> bool {
    match direction {
        Direction::Reply => !crate::check_reply_with(text, None).flags.is_empty(),
        Direction::Incoming => crate::check_incoming_with(text, None).upset,
    }
}

/// The lowest score at which the rules and the model together flag at most
/// `target` of the negative texts, given held-out scores.
fn choose_threshold(scores: &[f64], labels: &[bool], rules: &[bool], target: f64) -> f64 {
    let negatives = labels.iter().filter(|l| !**l).count();
    let allowed = (target * negatives as f64 + 1e-9).floor() as usize;
    let by_rules = (0..labels.len())
        .filter(|&i| !labels[i] && rules[i])
        .count();
    let mut free: Vec<f64> = (0..labels.len())
        .filter(|&i| !labels[i] && !rules[i])
        .map(|i| scores[i])
        .collect();
    free.sort_by(|a, b| b.total_cmp(a));
    // Scores strictly above the threshold flag: the first `allowed - by_rules` of `free`.
    free.get(allowed.saturating_sub(by_rules))
        .or(free.last())
        .copied()
        .unwrap_or(0.0)
}

/// Number the features of the texts `rows` that occur in at least `min_count` of them.
fn vocabulary(
    docs: &[Vec<String>],
    rows: &[usize],
    min_count: usize,
) -> (Vec<String>, Vec<Vec<u32>>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &i in rows {
        for f in &docs[i] {
            *counts.entry(f.as_str()).or_default() += 1;
        }
    }
    let mut names: Vec<&str> = counts
        .iter()
        .filter(|(_, c)| **c >= min_count)
        .map(|(f, _)| *f)
        .collect();
    names.sort_unstable();
    let ids: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, i as u32))
        .collect();
    let x = rows
        .iter()
        .map(|&i| {
            docs[i]
                .iter()
                .filter_map(|f| ids.get(f.as_str()).copied())
                .collect()
        })
        .collect();
    (names.into_iter().map(str::to_string).collect(), x)
}

fn to_weights(names: &[String], w: &[f64], prune: f64) -> Weights {
    names
        .iter()
        .zip(w)
        .filter(|(_, w)| w.abs() >= prune)
        .map(|(n, w)| (n.as_str().into(), *w))
        .collect()
}

/// Fit the binary model on the texts `rows`.
fn fit(docs: &[Vec<String>], labels: &[bool], rows: &[usize], options: &Options) -> (f64, Weights) {
    let (names, x) = vocabulary(docs, rows, options.min_count);
    let y: Vec<bool> = rows.iter().map(|&i| labels[i]).collect();
    let (bias, w) = match options.learner {
        Learner::Logistic { l1, l2 } => logistic(&x, &y, names.len(), l1, l2),
        Learner::NaiveBayes { alpha } => naive_bayes(&x, &y, names.len(), alpha),
        Learner::Blend {
            l1,
            l2,
            alpha,
            share,
        } => {
            let (b, w) = logistic(&x, &y, names.len(), l1, l2);
            let (_, nb) = naive_bayes(&x, &y, names.len(), alpha);
            (b, w.iter().zip(&nb).map(|(w, r)| w + share * r).collect())
        }
    };
    (bias, to_weights(&names, &w, options.prune))
}

fn logistic(x: &[Vec<u32>], y: &[bool], d: usize, l1: f64, l2: f64) -> (f64, Vec<f64>) {
    let n = x.len().max(1) as f64;
    let (mut w, mut sq, mut grad) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let b = prior_log_odds(y);
    for _ in 0..ITERATIONS {
        for (g, w) in grad.iter_mut().zip(&w) {
            *g = l2 * w;
        }
        for (row, &yi) in x.iter().zip(y) {
            let z = b + row.iter().map(|&j| w[j as usize]).sum::<f64>();
            let e = (sigmoid(z) - f64::from(u8::from(yi))) / n;
            for &j in row {
                grad[j as usize] += e;
            }
        }
        for j in 0..d {
            sq[j] += grad[j] * grad[j];
            if sq[j] > 0.0 {
                let step = STEP / sq[j].sqrt();
                let v = w[j] - step * grad[j];
                w[j] = v.signum() * (v.abs() - step * l1).max(0.0);
            }
        }
    }
    (b, w)
}

/// Log-odds of the labels (add-one).
fn prior_log_odds(y: &[bool]) -> f64 {
    let positives = y.iter().filter(|y| **y).count() as f64;
    ((positives + 1.0) / (y.len() as f64 - positives + 1.0)).ln()
}

fn naive_bayes(x: &[Vec<u32>], y: &[bool], d: usize, alpha: f64) -> (f64, Vec<f64>) {
    let mut counts = [vec![0.0; d], vec![0.0; d]];
    for (row, &yi) in x.iter().zip(y) {
        let c = usize::from(yi);
        for &j in row {
            counts[c][j as usize] += 1.0;
        }
    }
    let totals = [
        counts[0].iter().sum::<f64>() + alpha * d as f64,
        counts[1].iter().sum::<f64>() + alpha * d as f64,
    ];
    let w = (0..d)
        .map(|j| {
            ((counts[1][j] + alpha) / totals[1]).ln() - ((counts[0][j] + alpha) / totals[0]).ln()
        })
        .collect();
    (prior_log_odds(y), w)
}

/// Learn which kind a revise reply is, from the kinds the rules flagged in
/// the training replies (a softmax regression; replies the rules did not
/// flag have no kind to learn from).
fn fit_kinds(examples: &[(&str, bool)], docs: &[Vec<String>]) -> Vec<(FlagKind, f64, Weights)> {
    const K: usize = FlagKind::ALL.len();
    let mut rows = Vec::new();
    let mut targets: Vec<[f64; K]> = Vec::new();
    for (i, (text, revise)) in examples.iter().enumerate() {
        if !revise {
            continue;
        }
        let flags = crate::check_reply_with(text, None).flags;
        if flags.is_empty() {
            continue;
        }
        let mut t = [0.0; K];
        for f in &flags {
            let k = FlagKind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0);
            t[k] = 1.0;
        }
        let sum: f64 = t.iter().sum();
        t.iter_mut().for_each(|v| *v /= sum);
        rows.push(i);
        targets.push(t);
    }
    let (names, x) = vocabulary(docs, &rows, KIND_MIN_COUNT);
    let d = names.len();
    let (l1, l2) = (KIND_L1, KIND_L2);
    let n = x.len().max(1) as f64;
    let mut w = vec![[0.0; K]; d];
    let mut sq = vec![[0.0; K]; d];
    let mut grad = vec![[0.0; K]; d];
    let (mut b, mut sq_b) = ([0.0; K], [0.0; K]);
    for _ in 0..ITERATIONS {
        for (g, w) in grad.iter_mut().zip(&w) {
            for k in 0..K {
                g[k] = l2 * w[k];
            }
        }
        let mut g_b = [0.0; K];
        for (row, t) in x.iter().zip(&targets) {
            let mut z = b;
            for &j in row {
                for k in 0..K {
                    z[k] += w[j as usize][k];
                }
            }
            let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut p = z.map(|v| (v - top).exp());
            let sum: f64 = p.iter().sum();
            p.iter_mut().for_each(|v| *v /= sum);
            for k in 0..K {
                let e = (p[k] - t[k]) / n;
                g_b[k] += e;
                for &j in row {
                    grad[j as usize][k] += e;
                }
            }
        }
        for j in 0..d {
            for k in 0..K {
                sq[j][k] += grad[j][k] * grad[j][k];
                if sq[j][k] > 0.0 {
                    let step = STEP / sq[j][k].sqrt();
                    let v = w[j][k] - step * grad[j][k];
                    w[j][k] = v.signum() * (v.abs() - step * l1).max(0.0);
                }
            }
        }
        for k in 0..K {
            sq_b[k] += g_b[k] * g_b[k];
            if sq_b[k] > 0.0 {
                b[k] -= STEP * g_b[k] / sq_b[k].sqrt();
            }
        }
    }
    FlagKind::ALL
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            let wk: Vec<f64> = w.iter().map(|v| v[k]).collect();
            (*kind, b[k], to_weights(&names, &wk, KIND_PRUNE))
        })
        .collect()
}

/// Weights are written with four decimals; smaller ones are left out.
fn rounded(w: f64) -> Option<String> {
    let s = format!("{w:.4}");
    let zero = s
        .trim_start_matches('-')
        .bytes()
        .all(|b| b == b'0' || b == b'.');
    (!zero).then_some(s)
}

fn write_weights(out: &mut String, model: &str, bias: f64, weights: &Weights) {
    out.push_str(&format!("{model}/=bias\t{bias:.4}\n"));
    let mut list: Vec<(&str, f64)> = weights.iter().map(|(k, w)| (&**k, *w)).collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    for (k, w) in list {
        if let Some(s) = rounded(w) {
            out.push_str(&format!("{model}/{k}\t{s}\n"));
        }
    }
}

/// The weights file for the two models: `header` (each line written as a
/// `#` comment), then `model/feature<TAB>weight` lines, largest weights first.
/// `model/=name` lines hold the bias, the threshold and the feature options.
pub fn weights_file(reply: &Model, incoming: &Model, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    for m in [reply, incoming] {
        let name = m.direction.name();
        out.push_str(&format!("{name}/=threshold\t{:.4}\n", m.threshold));
        for (opt, on) in [
            ("bigrams", m.features.bigrams),
            ("hand", m.features.hand),
            ("negation", m.features.negation),
            ("sets", m.features.sets),
            ("no_filler", m.features.no_filler),
            ("stems", m.features.stems),
            ("skips", m.features.skips),
            ("style", m.features.style),
            ("classes", m.features.classes),
        ] {
            out.push_str(&format!("{name}/={opt}\t{}\n", u8::from(on)));
        }
        write_weights(&mut out, name, m.bias, &m.weights);
        for (kind, bias, w) in &m.kinds {
            write_weights(
                &mut out,
                &format!("{name}.kind.{}", kind.as_str()),
                *bias,
                w,
            );
        }
    }
    out
}
