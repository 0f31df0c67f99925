//! `frontdesk backtest`: how honest would our quotes have been, beside the
//! plain methods a practice could use instead?

use frontdesk_domain::backtest::{
    Baseline, GroupBy, GroupScores, Report, Scores, backtest_from, by_group, worst_group,
};
use frontdesk_domain::csv_out::text_cell;
use frontdesk_domain::history::{HistoryVisit, parse_history_csv};
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
    /// `--by`: groups to break the scores down by.
    pub by: Vec<String>,
    /// `--score-from`: score only visits arriving on or after this local date.
    pub score_from: Option<String>,
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

fn label(b: Baseline, report: &Report) -> String {
    match b {
        Baseline::Scheduled => "appointment time".into(),
        Baseline::RollingMean => "mean of last 5 waits".into(),
        Baseline::RollingMeanPadded => format!(
            "mean of last 5 + {} min (hindsight)",
            report.rolling_mean_pad_min
        ),
        Baseline::BucketQuantile => "bucket quantile (28 days)".into(),
        Baseline::BucketQuantilePadded => format!(
            "bucket quantile {:+} min (hindsight)",
            report.bucket_quantile_pad_min
        ),
    }
}

/// Median slack of the engine over the best baseline's (`None` when there is
/// no baseline to judge against or its slack is not positive).
fn slack_ratio(report: &Report) -> Option<f64> {
    let best = report.baseline(report.best_baseline?);
    (best.slack_median_min > 0.0).then(|| report.engine.slack_median_min / best.slack_median_min)
}

fn group_json(g: &GroupScores) -> serde_json::Value {
    let mut baselines = serde_json::Map::new();
    for b in Baseline::ALL {
        baselines.insert(b.as_str().into(), scores_json(&g.baselines[b.index()]));
    }
    let mut v = scores_json(&g.engine);
    v["group"] = json!(g.group);
    v["baselines"] = serde_json::Value::Object(baselines);
    v
}

pub fn report_json(
    report: &Report,
    groups: &[(GroupBy, Vec<GroupScores>)],
    worst: &[(GroupBy, Option<GroupScores>)],
) -> serde_json::Value {
    let mut baselines = serde_json::Map::new();
    for b in Baseline::ALL {
        let mut s = scores_json(&report.baseline(b));
        if b == Baseline::RollingMeanPadded {
            s["pad_min"] = json!(report.rolling_mean_pad_min);
        }
        if b == Baseline::BucketQuantilePadded {
            s["pad_min"] = json!(report.bucket_quantile_pad_min);
        }
        baselines.insert(b.as_str().into(), s);
    }
    let mut by = serde_json::Map::new();
    for (g, rows) in groups {
        by.insert(
            g.as_str().into(),
            serde_json::Value::Array(rows.iter().map(group_json).collect()),
        );
    }
    let mut worst_json = serde_json::Map::new();
    for (g, w) in worst {
        worst_json.insert(
            g.as_str().into(),
            w.as_ref().map_or(serde_json::Value::Null, group_json),
        );
    }
    json!({
        "quoted": report.quotes.len(),
        "kept_rate": round3(report.engine.kept_rate),
        "slack_median_min": round1(report.engine.slack_median_min),
        "slack_p90_min": round1(report.engine.slack_p90_min),
        "seen": report.engine.seen,
        "cold_start_quotes": report.cold_start_quotes,
        "baselines": baselines,
        "best_baseline": report.best_baseline.map(|b| b.as_str()),
        "slack_vs_best_baseline": slack_ratio(report).map(round3),
        "worst_group": worst_json,
        "by": by,
    })
}

fn parse_score_from(
    text: &str,
    zone: chrono_tz::Tz,
) -> Result<frontdesk_domain::Timestamp, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| d.and_local_timezone(zone).earliest())
        .map(|d| d.with_timezone(&chrono::Utc))
        .ok_or_else(|| format!("--score-from: not a date: {text:?} (YYYY-MM-DD)"))
}

fn write_quotes(path: &Path, report: &Report, visits: &[HistoryVisit]) -> Result<(), String> {
    let mut rows: Vec<_> = report.quotes.iter().collect();
    rows.sort_by_key(|q| q.visit);
    let mut out = csv::Writer::from_path(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let write = |out: &mut csv::Writer<std::fs::File>| -> Result<(), csv::Error> {
        out.write_record(["visit_id", "quoted_at", "promised_by"])?;
        for q in rows {
            let v = &visits[q.visit];
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
    write(&mut out).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn run(o: Options<'_>) -> Result<ExitCode, String> {
    if !(o.quantile > 0.0 && o.quantile < 1.0) {
        return Err(format!(
            "--quantile must be between 0 and 1 (got {})",
            o.quantile
        ));
    }
    let mut by = Vec::new();
    for name in o.by.iter().flat_map(|b| b.split(',')) {
        let g = GroupBy::parse(name.trim()).ok_or_else(|| {
            format!(
                "--by: unknown group {name:?}; use priority, provider, queue, hour or visit_type"
            )
        })?;
        if !by.contains(&g) {
            by.push(g);
        }
    }
    let score_from = o
        .score_from
        .as_deref()
        .map(|t| parse_score_from(t, o.zone))
        .transpose()?;
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
    let report = backtest_from(&parsed.visits, config, o.zone, score_from, &mut |n| {
        bar.set_position(n as u64)
    });
    bar.finish_and_clear();

    if let Some(path) = o.quotes_out {
        write_quotes(path, &report, &parsed.visits)?;
    }
    let groups: Vec<(GroupBy, Vec<GroupScores>)> = by
        .iter()
        .map(|g| (*g, by_group(&parsed.visits, &report, *g, o.zone)))
        .collect();
    // The groups a promise must hold in: every priority and every provider.
    let worst: Vec<(GroupBy, Option<GroupScores>)> = [GroupBy::Priority, GroupBy::Provider]
        .into_iter()
        .map(|g| {
            let all = by_group(&parsed.visits, &report, g, o.zone);
            (g, worst_group(&all).cloned())
        })
        .collect();

    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    let text = if o.json {
        format!("{}\n", report_json(&report, &groups, &worst))
    } else {
        text_report(&report, &groups, &worst, o.quantile)
    };
    write!(w, "{text}").map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn text_report(
    report: &Report,
    groups: &[(GroupBy, Vec<GroupScores>)],
    worst: &[(GroupBy, Option<GroupScores>)],
    quantile: f64,
) -> String {
    let line = |name: &str, s: &Scores| {
        format!(
            "{name:<36} {:>7.1}%  {:>10.1}  {:>8.1}\n",
            s.kept_rate * 100.0,
            s.slack_median_min,
            s.slack_p90_min
        )
    };
    let mut text = format!(
        "Replayed {} arrivals ({} seen and scored, {} quoted on priors) at quantile {quantile}.\n\n{:<36} {:>8}  {:>10}  {:>8}\n",
        report.quotes.len(),
        report.engine.seen,
        report.cold_start_quotes,
        "promise",
        "kept",
        "slack p50",
        "p90"
    );
    text.push_str(&line("Frontdesk quote", &report.engine));
    for b in Baseline::ALL {
        let mark = if report.best_baseline == Some(b) {
            " *"
        } else {
            ""
        };
        text.push_str(&line(
            &format!("{}{mark}", label(b, report)),
            &report.baseline(b),
        ));
    }
    text.push('\n');
    match (report.best_baseline, slack_ratio(report)) {
        (Some(b), Some(r)) => text.push_str(&format!(
            "* best baseline (tightest that keeps at least {:.0}%): {}; the engine's median slack is {r:.2}× its.\n",
            (quantile - frontdesk_domain::backtest::BASELINE_KEPT_TOLERANCE) * 100.0,
            label(b, report)
        )),
        _ => text.push_str("No baseline kept its promises often enough to judge against.\n"),
    }
    for (g, w) in worst {
        if let Some(w) = w {
            text.push_str(&format!(
                "Worst {} with at least {} seen: {} ({} seen), kept {:.1}%, median slack {:.1} min.\n",
                g.as_str(),
                frontdesk_domain::backtest::GROUP_MIN_SEEN,
                w.group,
                w.engine.seen,
                w.engine.kept_rate * 100.0,
                w.engine.slack_median_min
            ));
        }
    }
    for (g, rows) in groups {
        let best = report.best_baseline.unwrap_or(Baseline::BucketQuantile);
        let i = best.index();
        text.push_str(&format!(
            "\nBy {}: {:<14} {:>6}  {:>7}  {:>10}  | {}: {:>7}  {:>10}\n",
            g.as_str(),
            "group",
            "seen",
            "kept",
            "slack p50",
            label(best, report),
            "kept",
            "slack p50"
        ));
        for r in rows {
            text.push_str(&format!(
                "    {:<18} {:>6}  {:>6.1}%  {:>10.1}  | {:>w$.1}%  {:>10.1}\n",
                r.group,
                r.engine.seen,
                r.engine.kept_rate * 100.0,
                r.engine.slack_median_min,
                r.baselines[i].kept_rate * 100.0,
                r.baselines[i].slack_median_min,
                w = label(best, report).len() + 8
            ));
        }
    }
    text.push_str("\nSlack is promise minus the time the patient was seen, in minutes (negative: the promise broke).\n");
    text
}
