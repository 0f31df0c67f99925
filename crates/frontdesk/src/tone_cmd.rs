//! `frontdesk tone --jsonl [--incoming]`: the tone coach over JSON lines.
//!
//! Reads one `{"id": ..., "text": "..."}` object per line from standard input
//! and writes one JSON line per input line, in the same order:
//! - staff replies: `{"id", "verdict": "ok"|"revise", "flags": [{"kind", "start", "end", "why", "suggestion"}]}`
//! - with `--incoming`, patient messages: `{"id", "upset": true|false, "why": ["..."]}`
//!
//! `id` is echoed exactly as given (any JSON value; `null` when absent). A line
//! that is not a JSON object with a string `text` gets `{"id": ..., "error": "..."}`
//! (`id` is `null` when the line is not JSON at all), the run goes on, and the
//! exit status is 1 at the end; otherwise 0. Blank lines are skipped. Spans
//! (`start`, `end`) count characters (Unicode scalar values), not bytes.
//!
//! The JSON shapes are the HTTP API's (`POST /api/v1/tone`), built in `frontdesk_server::views::tone`.

use frontdesk_server::views::tone::{IncomingJson, ReplyJson};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::ExitCode;

/// Run the command on standard input and output.
pub fn run(incoming: bool) -> ExitCode {
    let mut input = BufReader::with_capacity(64 * 1024, io::stdin().lock());
    let mut output = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    match run_jsonl(&mut input, &mut output, incoming) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(1),
        Err(e) => {
            eprintln!("frontdesk tone: {e}");
            ExitCode::from(1)
        }
    }
}

/// Check every line of `input`, writing one result line each. Returns whether
/// every line was well formed.
fn run_jsonl<R: Read>(
    input: &mut BufReader<R>,
    output: &mut impl Write,
    incoming: bool,
) -> io::Result<bool> {
    let mut all_good = true;
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        let Some((id, answer)) = answer_line(&line, number, incoming) else {
            continue;
        };
        match &answer {
            Ok(body) => serde_json::to_writer(&mut *output, &Answer { id: &id, body })?,
            Err(error) => {
                all_good = false;
                serde_json::to_writer(&mut *output, &Failure { id: &id, error })?
            }
        }
        output.write_all(b"\n")?;
        // Answer promptly when the writer waits for each answer (a
        // co-process); batch the writes when input streams in.
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.flush()?;
    Ok(all_good)
}

/// An output line: `id` first, then the check's fields.
#[derive(Serialize)]
struct Answer<'a> {
    id: &'a Value,
    #[serde(flatten)]
    body: &'a Value,
}

#[derive(Serialize)]
struct Failure<'a> {
    id: &'a Value,
    error: &'a str,
}

/// The id and answer for input line `number` (from 1): the check's JSON, or
/// an error message; `None` for a blank line.
fn answer_line(
    line: &[u8],
    number: usize,
    incoming: bool,
) -> Option<(Value, Result<Value, String>)> {
    let error = |id: Value, message: &str| Some((id, Err(format!("line {number}: {message}"))));
    let Ok(text) = std::str::from_utf8(line) else {
        return error(Value::Null, "not valid UTF-8");
    };
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return None;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return error(Value::Null, &format!("not JSON: {e}")),
    };
    let Value::Object(mut fields) = value else {
        return error(
            Value::Null,
            "expected a JSON object like {\"id\": 1, \"text\": \"...\"}",
        );
    };
    let id = fields.remove("id").unwrap_or(Value::Null);
    let Some(Value::String(body)) = fields.remove("text") else {
        return error(id, "\"text\" is missing or not a string");
    };
    let checked = if incoming {
        serde_json::json!(IncomingJson::of(&frontdesk_tone::check_incoming(&body)))
    } else {
        serde_json::json!(ReplyJson::of(&frontdesk_tone::check_reply(&body)))
    };
    Some((id, Ok(checked)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run_on(input: &str, incoming: bool) -> (Vec<Value>, bool) {
        let mut reader = BufReader::new(input.as_bytes());
        let mut out = Vec::new();
        let ok = run_jsonl(&mut reader, &mut out, incoming).unwrap();
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (lines, ok)
    }

    #[test]
    fn replies_in_order_with_ids_echoed() {
        let (out, ok) = run_on(
            "{\"id\": 7, \"text\": \"Please calm down.\"}\n\
             {\"id\": \"b\", \"text\": \"I'm sorry for the wait.\"}\n\
             {\"id\": {\"ticket\": [1, 2]}, \"text\": \"\"}\n",
            false,
        );
        assert!(ok);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0]["id"], 7);
        assert_eq!(out[0]["verdict"], "revise");
        let flag = &out[0]["flags"][0];
        assert_eq!(flag["kind"], "argumentative");
        assert_eq!(
            (flag["start"].as_u64(), flag["end"].as_u64()),
            (Some(7), Some(16))
        );
        assert!(flag["why"].as_str().is_some_and(|w| !w.is_empty()));
        assert!(flag["suggestion"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(out[1]["id"], "b");
        assert_eq!(out[1]["verdict"], "ok");
        assert_eq!(out[1]["flags"], json!([]));
        assert_eq!(out[2]["id"], json!({"ticket": [1, 2]}));
    }

    #[test]
    fn incoming_messages() {
        let (out, ok) = run_on(
            "{\"id\": 1, \"text\": \"This is ridiculous, I waited 2 hours!!!\"}\n\
             {\"id\": 2, \"text\": \"Could you tell me when the lab opens?\"}\n",
            true,
        );
        assert!(ok);
        assert_eq!(out[0]["upset"], true);
        assert!(out[0]["why"].as_array().is_some_and(|w| w.len() >= 2));
        assert_eq!(out[1], json!({"id": 2, "upset": false, "why": []}));
    }

    #[test]
    fn a_bad_line_is_answered_and_the_run_goes_on() {
        let (out, ok) = run_on(
            "{\"id\": 1, \"text\": \"Whatever.\"}\n\
             not json\n\
             \n\
             [1, 2]\n\
             {\"id\": 4, \"text\": 5}\n\
             {\"id\": 5, \"text\": \"Your forms are ready at reception.\"}",
            false,
        );
        assert!(!ok);
        assert_eq!(out.len(), 5, "the blank line is skipped: {out:?}");
        assert_eq!(out[0]["verdict"], "revise");
        assert_eq!(out[1]["id"], Value::Null);
        assert!(
            out[1]["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("line 2: not JSON"))
        );
        assert_eq!(out[2]["id"], Value::Null);
        assert!(out[2]["error"].is_string());
        assert_eq!(out[3]["id"], 4);
        assert!(
            out[3]["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("line 5:") && e.contains("text"))
        );
        assert_eq!(out[4]["verdict"], "ok");
    }

    #[test]
    fn invalid_utf8_is_an_error_line() {
        let mut reader = BufReader::new(&b"\xff\xfe\n{\"id\":1,\"text\":\"hi\"}\n"[..]);
        let mut out = Vec::new();
        assert!(!run_jsonl(&mut reader, &mut out, false).unwrap());
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("UTF-8"));
        assert!(
            lines[1].starts_with("{\"id\":1,"),
            "id comes first: {}",
            lines[1]
        );
    }
}
