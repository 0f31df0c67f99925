//! The labelled corpora: reading them, their parts, and the splits the
//! measurements use.

use frontdesk_tone::learned::Direction;

pub(crate) struct Example {
    pub(crate) positive: bool,
    pub(crate) text: String,
    /// 0: development; N: held-out part N.
    pub(crate) part: usize,
}

/// The name of part `part` (0: development).
pub(crate) fn part_name(part: usize) -> String {
    match part {
        0 => "development".to_string(),
        n => format!("held out {n}"),
    }
}

/// How many parts the scores of `examples` are split into: development and
/// every held-out part up to the last.
pub(crate) fn parts(examples: &[Example]) -> usize {
    examples.iter().map(|e| e.part).max().unwrap_or(0) + 1
}

/// The last held-out part of a file (the highest number; parts come in
/// order): the one (b) measures. A new blind part appended as "--- held out
/// N+1" becomes the measured one without any change here.
pub(crate) fn last_held_out(examples: &[Example]) -> usize {
    let last = parts(examples) - 1;
    assert!(last > 0, "no held-out part");
    last
}

/// Read `label<TAB>text` lines; `#` lines are comments, and a comment
/// "--- held out" (optionally followed by a part number) starts a held-out
/// part. Parts must come in increasing order, so the last in the file is
/// the highest.
pub(crate) fn load(name: &str, positive: &str, negative: &str) -> Vec<Example> {
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
                let next = number.parse().unwrap_or(1);
                assert!(
                    next > part,
                    "{path}:{}: held-out part {next} after part {part}: parts go in increasing order",
                    n + 1
                );
                part = next;
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

pub(crate) fn corpus(direction: Direction) -> Vec<Example> {
    match direction {
        Direction::Reply => load("tone_replies.tsv", "revise", "ok"),
        Direction::Incoming => load("tone_incoming.tsv", "upset", "calm"),
    }
}

pub(crate) fn pairs<'a>(examples: &[&'a Example]) -> Vec<(&'a str, bool)> {
    examples
        .iter()
        .map(|e| (e.text.as_str(), e.positive))
        .collect()
}

/// The texts (b) is tested on, and everything else: the last held-out part
/// of the file, whichever number it has, and the rest (development and
/// the earlier held-out parts).
pub(crate) fn split(data: &[Example]) -> (usize, Vec<&Example>, Vec<&Example>) {
    let last = last_held_out(data);
    let (fresh, rest) = data.iter().partition(|e| e.part == last);
    (last, rest, fresh)
}
