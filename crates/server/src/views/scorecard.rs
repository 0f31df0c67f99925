//! The scorecard as JSON, as CSV, and as a page: every rule's figures, its
//! weekly trend drawn as SVG on the server (no script), the number beside
//! each chart, and links to the visits behind each figure.

use crate::app::scorecard::Card;
use frontdesk_domain::scorecard::{Rules, to_csv};
use serde::Serialize;

/// One group's figures.
#[derive(Serialize)]
pub struct GroupJson<'a> {
    pub group: &'a str,
    pub rules: &'a Rules,
}

/// `GET /api/v1/scorecard`: `{"location","from","to","rules"}`, and with
/// `by`, `"by"` and `"groups"` (one per group, in order).
#[derive(Serialize)]
pub struct ScorecardJson<'a> {
    pub location: &'a str,
    pub from: String,
    pub to: String,
    pub rules: &'a Rules,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupJson<'a>>>,
}

impl<'a> ScorecardJson<'a> {
    pub fn of(card: &'a Card) -> ScorecardJson<'a> {
        ScorecardJson {
            location: &card.location.id,
            from: card.from.to_string(),
            to: card.to.to_string(),
            rules: &card.rules,
            by: card.by.map(|b| b.as_str()),
            groups: card.by.map(|_| {
                card.groups
                    .iter()
                    .map(|(group, rules)| GroupJson { group, rules })
                    .collect()
            }),
        }
    }
}

/// The CSV: one row per group (one row, `all`, without `by`).
pub fn csv(card: &Card) -> String {
    let rows: Vec<(String, Rules)> = match card.by {
        None => vec![("all".to_string(), card.rules.clone())],
        Some(_) => card
            .groups
            .iter()
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect(),
    };
    to_csv(&rows)
}

// --- the page ---

/// One figure on the page: its name, its value in words, and the link to
/// the visits behind it (when it has one).
pub struct FigureView {
    pub label: &'static str,
    pub value: String,
    pub behind: Option<String>,
}

/// One rule's card: its figures and its weekly trend.
pub struct RuleView {
    pub id: &'static str,
    pub title: &'static str,
    /// What the chart shows, and the period's value beside it.
    pub headline: &'static str,
    pub headline_value: String,
    /// The chart, drawn on the server (markup made here, values escaped).
    pub chart: String,
    pub figures: Vec<FigureView>,
}

/// One visit behind a figure.
pub struct BehindView {
    pub id: i64,
    pub arrived: String,
}

/// `/scorecard`: the form, the five rules' cards, and the visits behind the
/// figure asked for (`?show=`).
#[derive(askama::Template)]
#[template(path = "scorecard.html")]
pub struct ScorecardPage {
    pub nav: super::page::Nav,
    pub location: String,
    pub location_name: String,
    /// The locations the reader may choose (id, name).
    pub locations: Vec<(String, String)>,
    pub from: String,
    pub to: String,
    pub errors: Vec<(String, String)>,
    pub rules: Vec<RuleView>,
    pub csv_url: String,
    /// The figure whose visits are listed, and the list.
    pub show: Option<(String, Vec<BehindView>)>,
}

pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{:.0}%", v * 100.0))
}

fn num(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(
        || "–".to_string(),
        |v| {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}{unit}")
            } else {
                format!("{v:.1}{unit}")
            }
        },
    )
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A small line chart of one figure by week, as SVG: a point per week with a
/// value (a gap where there is none), the scale's top and bottom, the first
/// and last week's names, and a title and description that read the values
/// out for a screen reader.
pub fn trend_svg(
    id: &str,
    what: &str,
    points: &[(String, Option<f64>)],
    max: f64,
    unit: &str,
) -> String {
    const W: f64 = 320.0;
    const H: f64 = 110.0;
    const LEFT: f64 = 34.0;
    const TOP: f64 = 8.0;
    const BOTTOM: f64 = 22.0;
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let n = points.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (1.0 - (v / max).clamp(0.0, 1.0));
    let fmt = |v: f64| {
        if unit == "%" {
            format!("{:.0}%", v * 100.0)
        } else {
            num(Some(v), unit)
        }
    };
    let described: Vec<String> = points
        .iter()
        .map(|(week, v)| format!("{week}: {}", v.map_or_else(|| "none".into(), fmt)))
        .collect();
    let mut out = format!(
        "<svg class=\"trend\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-t\">{} by week</title><desc id=\"{id}-d\">{}</desc>",
        xml(what),
        xml(&described.join("; "))
    );
    out.push_str(&format!(
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{}\"/><line class=\"axis\" x1=\"{LEFT}\" y1=\"{0}\" x2=\"{}\" y2=\"{0}\"/>",
        TOP + plot_h,
        W - 8.0
    ));
    out.push_str(&format!(
        "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        LEFT - 4.0,
        TOP + 4.0,
        xml(&fmt(max)),
        LEFT - 4.0,
        TOP + plot_h,
        xml(&fmt(0.0))
    ));
    // Lines join consecutive weeks that both have a value.
    let mut run: Vec<String> = Vec::new();
    let mut lines = String::new();
    let flush = |run: &mut Vec<String>, lines: &mut String| {
        if run.len() > 1 {
            lines.push_str(&format!(
                "<polyline class=\"line\" fill=\"none\" points=\"{}\"/>",
                run.join(" ")
            ));
        }
        run.clear();
    };
    for (i, (_, v)) in points.iter().enumerate() {
        match v {
            Some(v) => run.push(format!("{:.1},{:.1}", x(i), y(*v))),
            None => flush(&mut run, &mut lines),
        }
    }
    flush(&mut run, &mut lines);
    out.push_str(&lines);
    for (i, (week, v)) in points.iter().enumerate() {
        if let Some(v) = v {
            out.push_str(&format!(
                "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{}: {}</title></circle>",
                x(i),
                y(*v),
                xml(week),
                xml(&fmt(*v))
            ));
        }
    }
    if let (Some((first, _)), Some((last, _))) = (points.first(), points.last()) {
        out.push_str(&format!(
            "<text class=\"tick\" x=\"{LEFT}\" y=\"{}\">{}</text>",
            H - 6.0,
            xml(first)
        ));
        if points.len() > 1 {
            out.push_str(&format!(
                "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                W - 8.0,
                H - 6.0,
                xml(last)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

/// The five rules' cards for a scorecard read by week.
pub fn rule_views(card: &Card, link: &dyn Fn(&str) -> String) -> Vec<RuleView> {
    let r = &card.rules;
    let weeks: Vec<(&String, &Rules)> = card.groups.iter().collect();
    let series = |pick: &dyn Fn(&Rules) -> Option<f64>| -> Vec<(String, Option<f64>)> {
        weeks.iter().map(|(w, g)| ((*w).clone(), pick(g))).collect()
    };
    let fig = |label: &'static str, value: String, figure: Option<&str>| FigureView {
        label,
        value,
        behind: figure.map(link),
    };
    let (a, e, l, k, s) = (
        &r.acknowledge,
        &r.expectations,
        &r.listen,
        &r.keep_cool,
        &r.survey,
    );
    vec![
        RuleView {
            id: "acknowledge",
            title: "Acknowledge every arrival",
            headline: "First acknowledged on time",
            headline_value: pct(a.on_time_rate),
            chart: trend_svg(
                "acknowledge",
                "First acknowledged on time",
                &series(&|g| g.acknowledge.on_time_rate),
                1.0,
                "%",
            ),
            figures: vec![
                fig("Visits", a.visits.to_string(), Some("acknowledge.visits")),
                fig(
                    "Acknowledged on time",
                    format!("{} of {}", a.on_time, a.visits),
                    None,
                ),
                fig(
                    "Late or never",
                    (a.visits - a.on_time).to_string(),
                    Some("acknowledge.late"),
                ),
                fig(
                    "Median first acknowledgement",
                    num(a.median_first_ack_s, " s"),
                    None,
                ),
                fig("90th percentile", num(a.p90_first_ack_s, " s"), None),
                fig(
                    "Escalated to managers",
                    a.escalated.to_string(),
                    Some("acknowledge.escalated"),
                ),
            ],
        },
        RuleView {
            id: "expectations",
            title: "Manage expectations",
            headline: "Wait promises kept",
            headline_value: pct(e.kept_rate),
            chart: trend_svg(
                "expectations",
                "Wait promises kept",
                &series(&|g| g.expectations.kept_rate),
                1.0,
                "%",
            ),
            figures: vec![
                fig("Wait promises settled", e.wait_promises.to_string(), None),
                fig("Kept", e.kept.to_string(), None),
                fig(
                    "Broken",
                    (e.wait_promises - e.kept).to_string(),
                    Some("expectations.broken"),
                ),
                fig(
                    "Median slack (seen before the promise)",
                    num(e.median_slack_min, " min"),
                    None,
                ),
                fig(
                    "Re-quoted before breaking",
                    e.requoted_before_break.to_string(),
                    Some("expectations.requoted"),
                ),
                fig(
                    "Other promises kept (call-backs, refills…)",
                    pct(e.ledger_kept_rate),
                    None,
                ),
            ],
        },
        RuleView {
            id: "listen",
            title: "Listen",
            headline: "Questions answered before checkout",
            headline_value: pct(l.answered_before_checkout_rate),
            chart: trend_svg(
                "listen",
                "Questions answered before checkout",
                &series(&|g| g.listen.answered_before_checkout_rate),
                1.0,
                "%",
            ),
            figures: vec![
                fig(
                    "Questions and concerns",
                    l.concerns.to_string(),
                    Some("listen.concerns"),
                ),
                fig(
                    "Not answered before checkout",
                    pct(l.answered_before_checkout_rate.map(|r| 1.0 - r)),
                    Some("listen.after_checkout"),
                ),
                fig(
                    "Median time to first answer",
                    num(l.median_first_answer_s, " s"),
                    None,
                ),
                fig(
                    "Reopened by the patient",
                    l.reopened.to_string(),
                    Some("listen.reopened"),
                ),
            ],
        },
        RuleView {
            id: "keep_cool",
            title: "Keep your cool",
            headline: "Complaints acknowledged on time",
            headline_value: pct(k.acknowledged_on_time_rate),
            chart: trend_svg(
                "keep_cool",
                "Complaints acknowledged on time",
                &series(&|g| g.keep_cool.acknowledged_on_time_rate),
                1.0,
                "%",
            ),
            figures: vec![
                fig(
                    "Complaints",
                    k.complaints.to_string(),
                    Some("keep_cool.complaints"),
                ),
                fig("Resolved on time", pct(k.resolved_on_time_rate), None),
                fig(
                    "Replies the tone coach flagged",
                    k.replies_flagged.to_string(),
                    None,
                ),
                fig("Sent anyway", k.sent_anyway.to_string(), None),
            ],
        },
        RuleView {
            id: "survey",
            title: "What patients said",
            headline: "Overall rating (median, 0-10)",
            headline_value: num(s.overall_median, ""),
            chart: trend_svg(
                "survey",
                "Overall rating (median, 0-10)",
                &series(&|g| g.survey.overall_median),
                10.0,
                "",
            ),
            figures: vec![
                fig("Surveys sent", s.sent.to_string(), None),
                fig(
                    "Answered",
                    format!("{} ({})", s.responses, pct(s.response_rate)),
                    Some("survey.responses"),
                ),
                fig("Staff always helpful", pct(s.top_box.helpful), None),
                fig(
                    "Always courteous and respectful",
                    pct(s.top_box.courteous),
                    None,
                ),
                fig("Always listened carefully", pct(s.top_box.listened), None),
                fig(
                    "Seen by the time we said",
                    pct(s.wait_as_promised_rate),
                    None,
                ),
                fig(
                    "Low answers (service recovery)",
                    card.visits_behind("survey.low")
                        .map_or(0, |v| v.len())
                        .to_string(),
                    Some("survey.low"),
                ),
                fig(
                    "Call-backs still open",
                    s.recoveries_open.to_string(),
                    Some("survey.recoveries_open"),
                ),
                fig("Call-backs kept", s.recoveries_kept.to_string(), None),
            ],
        },
    ]
}
