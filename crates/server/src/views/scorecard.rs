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
