//! Promises as the API sends them and as the promises page shows them.

use crate::text::time;
use crate::views::page::Nav;
use askama::Template;
use frontdesk_domain::FieldErrors;
use frontdesk_domain::promise::PromiseKind;
use frontdesk_store::{Actor, Promise};
use serde::Serialize;

/// A promise in the API.
#[derive(Serialize)]
pub struct PromiseJson {
    pub id: i64,
    pub kind: PromiseKind,
    pub visit_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub location: String,
    pub made_by: String,
    pub owner: Option<String>,
    /// Who owns it when no one person does: `managers` for service
    /// recovery (the location's managers), else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<&'static str>,
    pub note: String,
    pub made_at: String,
    pub due_at: String,
    pub likely_at: Option<String>,
    pub suggested_due_at: Option<String>,
    pub reason: String,
    pub status: &'static str,
    pub fulfilled_at: Option<String>,
    pub fulfilled_by: Option<String>,
    /// A wait re-quoted by the server because it was about to break.
    pub at_risk: bool,
    /// Only when just made: a due time shorter than history supports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Only when just made: the suggestion came from published figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion_from_priors: Option<bool>,
    /// Only in the ledger: `overdue`, `due_soon` or `later`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<&'static str>,
    /// Only in the ledger: when the owner is reminded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remind_at: Option<String>,
}

impl PromiseJson {
    pub fn of(p: &Promise) -> PromiseJson {
        PromiseJson {
            id: p.id,
            kind: p.kind,
            visit_id: p.visit_id,
            patient_id: p.patient_id,
            location: p.location.clone(),
            made_by: p.made_by.clone(),
            owner: p.owner.clone(),
            owned_by: (p.owner.is_none() && p.kind == PromiseKind::ServiceRecovery)
                .then_some("managers"),
            note: p.note.clone(),
            made_at: time(p.made_at),
            due_at: time(p.due_at),
            likely_at: p.likely_at.map(time),
            suggested_due_at: p.suggested_due_at.map(time),
            reason: p.reason.clone(),
            status: p.status.as_str(),
            fulfilled_at: p.fulfilled_at.map(time),
            fulfilled_by: p.fulfilled_by.clone(),
            at_risk: p.kind == PromiseKind::SeenBy && p.made_by == Actor::system().as_str(),
            warning: None,
            suggestion_from_priors: None,
            due: None,
            remind_at: None,
        }
    }

    /// A promise just made, with how its due time was suggested.
    pub fn made(p: &Promise, warning: Option<String>, from_priors: bool) -> PromiseJson {
        PromiseJson {
            warning,
            suggestion_from_priors: Some(from_priors),
            ..PromiseJson::of(p)
        }
    }
}

/// `{"promises": [...]}`.
#[derive(Serialize)]
pub struct PromiseList {
    pub promises: Vec<PromiseJson>,
}

/// One open promise on the page.
pub struct PromiseRow {
    pub id: i64,
    pub due: String,
    /// `overdue`, `due_soon` or `later` (the domain's rule).
    pub state: &'static str,
    pub kind: String,
    pub who: String,
    pub owner: String,
    pub note: String,
}

/// Open promises of one owner.
pub struct OwnerGroup {
    pub owner: String,
    pub mine: bool,
    pub overdue: usize,
    pub due_soon: usize,
    pub rows: Vec<PromiseRow>,
}

/// A promise kept or broken: by whom and when.
pub struct SettledRow {
    pub kind: String,
    pub who: String,
    pub due: String,
    pub done: String,
    pub by: String,
    pub kept: bool,
}

#[derive(Template)]
#[template(path = "promises.html")]
pub struct PromisesPage {
    pub nav: Nav,
    pub location: String,
    pub location_name: String,
    pub notice: Option<String>,
    pub warning: Option<String>,
    pub groups: Vec<OwnerGroup>,
    pub only_mine: bool,
    pub settled: Vec<SettledRow>,
    pub kept_rate: String,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub errors: FieldErrors,
}

/// The kinds staff promise by hand, for a form's choices.
pub fn ledger_kinds() -> Vec<(&'static str, &'static str)> {
    PromiseKind::ledger()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

/// Open promises grouped by owner: yours first, then by name; soonest due
/// first within a group.
pub fn by_owner(rows: Vec<PromiseRow>, me: &str) -> Vec<OwnerGroup> {
    let mut groups: Vec<OwnerGroup> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|g| g.owner == row.owner) {
            Some(g) => g.rows.push(row),
            None => groups.push(OwnerGroup {
                mine: row.owner == me,
                owner: row.owner.clone(),
                overdue: 0,
                due_soon: 0,
                rows: vec![row],
            }),
        }
    }
    for g in &mut groups {
        g.overdue = g.rows.iter().filter(|r| r.state == "overdue").count();
        g.due_soon = g.rows.iter().filter(|r| r.state == "due_soon").count();
    }
    groups.sort_by(|a, b| b.mine.cmp(&a.mine).then(a.owner.cmp(&b.owner)));
    groups
}

/// "Last 30 days: 8 of 10 kept on time (80%)."
pub fn kept_rate(settled: &[SettledRow]) -> String {
    let kept = settled.iter().filter(|p| p.kept).count();
    if settled.is_empty() {
        "No promises settled in the last 30 days yet.".to_string()
    } else {
        format!(
            "Last 30 days: {kept} of {} kept on time ({:.0}%).",
            settled.len(),
            100.0 * kept as f64 / settled.len() as f64
        )
    }
}
