//! The learned second opinion measured: cross-validation, one training
//! tested on the last held-out part, each held-out part left out in turn.

use crate::data::{Example, corpus, pairs, part_name, parts, split};
use crate::score::Readers;
use frontdesk_tone::learned::{self, Direction, Options};

/// Cross-validation folds: consecutive blocks of the file, so that texts
/// written together (which share phrasings) mostly land in the same fold.
pub(crate) const FOLDS: usize = 5;

/// (a) Cross-validation over everything but the last held-out part: train
/// on four blocks (the threshold chosen by a cross-validation inside them),
/// test on the fifth.
pub(crate) fn cross_validate(
    direction: Direction,
    examples: &[&Example],
    options: &Options,
) -> Readers {
    let n = examples.len();
    let mut readers = Readers::default();
    for fold in 0..FOLDS {
        let train: Vec<&Example> = (0..n)
            .filter(|&i| learned::fold_of(i, n, FOLDS) != fold)
            .map(|i| examples[i])
            .collect();
        let model = learned::train(direction, &pairs(&train), options);
        for i in (0..n).filter(|&i| learned::fold_of(i, n, FOLDS) == fold) {
            readers.add(direction, examples[i], &model);
        }
    }
    readers
}

/// (a) and (b) for one direction, and the number of the part (b) tested on.
pub(crate) fn measure(direction: Direction) -> (Readers, Readers, usize) {
    let data = corpus(direction);
    let options = Options::chosen(direction);
    let (last, dev, fresh) = split(&data);
    let what = match direction {
        Direction::Reply => "staff replies (revise / ok)",
        Direction::Incoming => "patient messages (upset / calm)",
    };

    let cv = cross_validate(direction, &dev, &options);
    cv.print(
        &format!(
            "(a) {what}: {FOLDS}-fold cross-validation over the {} texts outside {} \
             (the rules were tuned on most of these)",
            dev.len(),
            part_name(last)
        ),
        false,
    );

    // Trained once on everything but the last held-out part, tested on it once.
    let model = learned::train(direction, &pairs(&dev), &options);
    let mut fresh_scores = Readers::default();
    for e in &fresh {
        fresh_scores.add(direction, e, &model);
    }
    fresh_scores.print(
        &format!(
            "(b) {what}: trained on those {}, tested on {} ({} texts; the last held-out part \
             in the file, never trained on here; threshold p > {:.3})",
            dev.len(),
            part_name(last),
            fresh.len(),
            model.threshold()
        ),
        true,
    );
    (cv, fresh_scores, last)
}

/// (d) Each held-out part left out in turn: the model trained on every other
/// text (development and the other held-out parts, later ones included),
/// then tested on that part. The rules were tuned with most of these parts
/// in view (see the data files), so "rules alone" here is in-sample; the
/// model's numbers are not.
pub(crate) fn each_part_left_out(direction: Direction) -> Vec<(usize, Readers)> {
    let data = corpus(direction);
    let options = Options::chosen(direction);
    (1..parts(&data))
        .filter(|&part| data.iter().any(|e| e.part == part))
        .map(|part| {
            let (test, train): (Vec<&Example>, Vec<&Example>) =
                data.iter().partition(|e| e.part == part);
            let model = learned::train(direction, &pairs(&train), &options);
            let mut r = Readers::default();
            for e in &test {
                r.add(direction, e, &model);
            }
            r.print(
                &format!(
                    "(d) {direction:?}: trained on the {} other texts, tested on {} ({} texts; \
                     threshold p > {:.3})",
                    train.len(),
                    part_name(part),
                    test.len(),
                    model.threshold()
                ),
                false,
            );
            (part, r)
        })
        .collect()
}
