//! `frontdesk backtest`: how honest would our quotes have been?

use frontdesk_domain::backtest::{Report, Scores, backtest};
use frontdesk_domain::csv_out::text_cell;
use frontdesk_domain::history::parse_history_csv;
use frontdesk_domain::quote::QuoteConfig;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub struct Options<'a> {
    pub visits: &'a Path,
    pub quantile: f64,
    pub quotes_out: Option<&'a Path>,
    pub json: bool,
    pub skip_bad_rows: bool,
    pub zone: chrono_tz::Tz,
}

fn scores_json(s: &Scores) -> serde_json::Value {
    json!({
        "quoted": s.seen,
        "kept_rate": round3(s.kept_rate),
        "slack_median_min": round1(s.slack_median_min),
        "slack_p90_min": round1(s.slack_p90_min),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub fn report_json(report: &Report) -> serde_json::Value {
    let mut padded = scores_json(&report.rolling_mean_padded);
    padded["pad_min"] = json!(report.rolling_mean_pad_min);
    json!({
        "quoted": report.quotes.len(),
        "kept_rate": round3(report.engine.kept_rate),
        "slack_median_min": round1(report.engine.slack_median_min),
        "slack_p90_min": round1(report.engine.slack_p90_min),
        "seen": report.engine.seen,
        "cold_start_quotes": report.cold_start_quotes,
        "baselines": {
            "rolling_mean": scores_json(&report.rolling_mean),
            "rolling_mean_padded": padded,
            "scheduled": scores_json(&report.scheduled),
        },
    })
}

pub fn run(o: Options<'_>) -> Result<ExitCode, String> {
    if !(o.quantile > 0.0 && o.quantile < 1.0) {
        return Err(format!(
            "--quantile must be between 0 and 1 (got {})",
            o.quantile
        ));
    }
    let text =
        std::fs::read(o.visits).map_err(|e| format!("cannot read {}: {e}", o.visits.display()))?;
    let lines = text.iter().filter(|b| **b == b'\n').count() as u64;
    let bar = indicatif::ProgressBar::new(lines.saturating_sub(1));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if lines < 5_000 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_message("reading");
    let parsed = parse_history_csv(&text, o.zone, &mut |n| bar.set_position(n))
        .map_err(|e| format!("{}: {e}", o.visits.display()))?;
    for bad in &parsed.bad_rows {
        eprintln!("{}: {bad}", o.visits.display());
    }
    if !parsed.bad_rows.is_empty() && !o.skip_bad_rows {
        bar.finish_and_clear();
        eprintln!(
            "Nothing written: {} bad row(s). Fix them, or pass --skip-bad-rows to replay the {} good row(s).",
            parsed.bad_rows.len(),
            parsed.visits.len()
        );
        return Ok(ExitCode::from(2));
    }
    let events = parsed.visits.len() as u64 * 2;
    bar.set_length(events);
    bar.set_position(0);
    bar.set_message("replaying");
    let config = QuoteConfig {
        quantile: o.quantile,
        ..QuoteConfig::default()
    };
    let report = backtest(&parsed.visits, config, o.zone, &mut |n| {
        bar.set_position(n as u64)
    });
    bar.finish_and_clear();

    if let Some(path) = o.quotes_out {
        let mut rows: Vec<_> = report.quotes.iter().collect();
        rows.sort_by_key(|q| q.visit);
        let mut out = csv::Writer::from_path(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let write = |out: &mut csv::Writer<std::fs::File>| -> Result<(), csv::Error> {
            out.write_record(["visit_id", "quoted_at", "promised_by"])?;
            for q in rows {
                let v = &parsed.visits[q.visit];
                // The id is text from the input file; the times are times.
                out.write_record([
                    text_cell(&v.visit_id).as_ref(),
                    v.arrived_text.as_str(),
                    &v.time_form.format(q.promised_by),
                ])?;
            }
            out.flush()?;
            Ok(())
        };
        write(&mut out).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }

    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    if o.json {
        writeln!(w, "{}", report_json(&report)).map_err(|e| e.to_string())?;
    } else {
        let line = |name: &str, s: &Scores| {
            format!(
                "{name:<28} {:>7.1}%  {:>10.1}  {:>8.1}\n",
                s.kept_rate * 100.0,
                s.slack_median_min,
                s.slack_p90_min
            )
        };
        let mut text = format!(
            "Replayed {} arrivals ({} seen, {} quoted on priors) at quantile {}.\n\n{:<28} {:>8}  {:>10}  {:>8}\n",
            report.quotes.len(),
            report.engine.seen,
            report.cold_start_quotes,
            o.quantile,
            "promise",
            "kept",
            "slack p50",
            "p90"
        );
        text.push_str(&line("Frontdesk quote", &report.engine));
        text.push_str(&line("rolling mean of waits", &report.rolling_mean));
        text.push_str(&line(
            &format!("rolling mean + {} min", report.rolling_mean_pad_min),
            &report.rolling_mean_padded,
        ));
        text.push_str(&line("scheduled time", &report.scheduled));
        text.push_str("\nSlack is promise minus the time the patient was seen, in minutes (negative: the promise broke).\n");
        write!(w, "{text}").map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}
