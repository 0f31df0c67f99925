//! The shipped coach, pinned: what it says about every text of the labelled
//! corpora, line for line, against a committed snapshot
//! (`tests/data/shipped_predictions.tsv`). A change to the rules, the text
//! reading or the shipped weights shows here as the lines whose answer
//! changed; when the change is meant, regenerate the snapshot:
//! `cargo test -p frontdesk-tone --test shipped write_shipped_predictions -- --ignored`
//!
//! Each snapshot line is `file:line<TAB>answer`. For a reply the answer is
//! the verdict, each flag's kind and character span, and a digest of every
//! flag's `why` and `suggestion` (their exact bytes, too long to keep in
//! full); for a patient message, `upset` or `calm` and the reasons, in full.

use frontdesk_tone::{check_incoming, check_reply};

const SNAPSHOT: &str = "tests/data/shipped_predictions.tsv";

/// The corpora, with the direction each is read in.
const CORPORA: &[(&str, bool)] = &[("tone_replies.tsv", true), ("tone_incoming.tsv", false)];

const HEADER: &str = "\
# The shipped tone coach's answer on every text of the labelled corpora. Generated: do not edit.
# Regenerate: cargo test -p frontdesk-tone --test shipped write_shipped_predictions -- --ignored
# Replies: file:line<TAB>ok, or revise<TAB>kind start-end; ...<TAB>FNV-1a digest of each flag's why and suggestion.
# Messages: file:line<TAB>calm, or upset<TAB>the reasons, joined by \" | \".
";

/// FNV-1a, 64 bits: a digest that stays the same across Rust versions.
fn digest(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0x1f]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The coach's answer on one text, as one snapshot field (no tabs or line breaks).
fn answer(text: &str, reply: bool) -> String {
    let line = if reply {
        let c = check_reply(text);
        if c.flags.is_empty() {
            return c.verdict.as_str().to_string();
        }
        let flags: Vec<String> = c
            .flags
            .iter()
            .map(|f| format!("{} {}-{}", f.kind.as_str(), f.start, f.end))
            .collect();
        let words: Vec<&str> = c
            .flags
            .iter()
            .flat_map(|f| [f.why.as_str(), f.suggestion.as_str()])
            .collect();
        format!(
            "{}\t{}\t{}",
            c.verdict.as_str(),
            flags.join("; "),
            digest(&words)
        )
    } else {
        let c = check_incoming(text);
        if !c.upset && c.why.is_empty() {
            return "calm".to_string();
        }
        let said = if c.upset { "upset" } else { "calm" };
        format!("{said}\t{}", c.why.join(" | "))
    };
    line.replace('\n', "\\n")
}

/// `file:line<TAB>answer` for every text of the corpora, in file order.
fn predictions() -> Vec<String> {
    let mut out = Vec::new();
    for (name, reply) in CORPORA {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for (n, line) in data.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (_, text) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("{path}:{}: expected label<TAB>text", n + 1));
            out.push(format!("{name}:{}\t{}", n + 1, answer(text, *reply)));
        }
    }
    out
}

/// Write the snapshot from the coach as it is now.
#[test]
#[ignore = "writes tests/data/shipped_predictions.tsv"]
fn write_shipped_predictions() {
    let path = format!("{}/{SNAPSHOT}", env!("CARGO_MANIFEST_DIR"));
    let lines = predictions();
    let mut text = HEADER.to_string();
    for l in &lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{path}: {e}"));
    eprintln!("wrote {path}: {} texts", lines.len());
}

/// The coach gives every corpus text the answer in the snapshot.
#[test]
fn the_shipped_coach_answers_as_pinned() {
    let path = format!("{}/{SNAPSHOT}", env!("CARGO_MANIFEST_DIR"));
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let pinned: Vec<&str> = pinned.lines().filter(|l| !l.starts_with('#')).collect();
    let now = predictions();
    let differing: Vec<String> = pinned
        .iter()
        .zip(&now)
        .filter(|(p, n)| *p != n)
        .map(|(p, n)| format!("  pinned: {p}\n  now:    {n}"))
        .collect();
    assert!(
        differing.is_empty() && pinned.len() == now.len(),
        "the coach's answers differ from {SNAPSHOT} on {} of {} texts ({} pinned, {} now); \
         the first:\n{}\nif the change is meant, regenerate: cargo test -p frontdesk-tone \
         --test shipped write_shipped_predictions -- --ignored",
        differing.len(),
        now.len(),
        pinned.len(),
        now.len(),
        differing
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
