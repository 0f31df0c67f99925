//! The scorecard of a location over a period (managers and admins): every
//! rule's figures counted from what was recorded (`domain::scorecard`), the
//! period's complaints read by their clocks in the location's hours, split
//! by day, week, provider or staff member when asked, with the visits behind
//! each figure. One audited read.

use super::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use chrono::{Duration, NaiveDate};
use frontdesk_domain::FieldErrors;
use frontdesk_domain::scorecard::{self as card, By, ClockOutcome, ComplaintFacts, Facts, Rules};
use frontdesk_store::{Actor, Location, StaffUser};
use std::collections::BTreeMap;

/// The longest period one scorecard covers.
pub const MAX_DAYS: i64 = 400;

/// What was asked, as text (query parameters or a form).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Ask {
    pub location: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
}

/// A scorecard: the period, the facts and their figures, and the groups.
pub struct Card {
    pub location: Location,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub first_within: Duration,
    pub facts: Facts,
    pub rules: Rules,
    pub by: Option<By>,
    pub groups: BTreeMap<String, Rules>,
}

impl Card {
    /// The visits behind a figure (see `domain::scorecard::FIGURES`).
    pub fn visits_behind(&self, figure: &str) -> Option<Vec<i64>> {
        card::visits_behind(&self.facts, figure, self.first_within)
    }
}

fn date(field: &str, text: Option<&str>, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "Date not understood; write it as YYYY-MM-DD");
            None
        }
    }
}

/// Midnight of a local date, in UTC (the earliest, on a daylight-saving day).
fn local_midnight(d: NaiveDate, zone: chrono_tz::Tz) -> Option<frontdesk_domain::Timestamp> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(zone).earliest())
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Read a scorecard: managers and admins only (403), at a location they work
/// at (404 like a wrong id), `from` and `to` local dates (both included;
/// default the 28 days to today), `by` day, week, provider or staff; a bad
/// field is a 422 naming it.
pub async fn read(state: &AppState, user: &StaffUser, ask: &Ask) -> Result<Card, ApiError> {
    if !user.role.reads_scorecard() {
        return Err(ApiError::Forbidden);
    }
    let home = user
        .locations
        .first()
        .map(String::as_str)
        .unwrap_or(frontdesk_domain::MAIN_LOCATION);
    let location_id = ask
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or(home);
    Caller::Staff(user).check(location_id)?;
    let location = state.location(location_id).await?;
    let zone = location.zone();
    let today = state.now().with_timezone(&zone).date_naive();
    let mut errors = FieldErrors::new();
    let to = date("to", ask.to.as_deref(), &mut errors);
    let from = date("from", ask.from.as_deref(), &mut errors);
    let by = match ask.by.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => None,
        Some(b) => match By::parse(b) {
            Some(by) => Some(by),
            None => {
                errors.add("by", "Use day, week, provider or staff");
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(27));
    if from > to {
        errors.add("from", "The period starts after it ends");
    } else if (to - from).num_days() >= MAX_DAYS {
        errors.add("to", format!("At most {MAX_DAYS} days at once"));
    }
    let (Some(start), Some(end)) = (
        local_midnight(from, zone),
        to.succ_opt().and_then(|d| local_midnight(d, zone)),
    ) else {
        errors.add("to", "Date out of range");
        return Err(ApiError::InvalidFields(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    let now = state.now();
    let data = state
        .store
        .scorecard_facts(&location.id, start, end)
        .await?;
    state
        .store
        .audit(
            &Actor::staff(&user.username),
            "scorecard.read",
            &format!("location:{}", location.id),
            now,
        )
        .await?;
    let settings = state.store.complaint_settings(&location.id).await?;
    let mut facts = data.facts;
    facts.complaints = data
        .complaints
        .iter()
        .map(|k| {
            let clocks = super::complaints::clocks_of(k, &settings, zone, now);
            ComplaintFacts {
                id: k.id,
                visit_id: k.visit_id,
                received_at: k.received_at,
                who: k.owner.clone().unwrap_or_else(|| k.received_by.clone()),
                acknowledge: ClockOutcome::from(clocks.acknowledge.status),
                resolve: ClockOutcome::from(clocks.resolve.status),
            }
        })
        .collect();
    let first_within = state.ack_policy(&location.id).await?.first_within;
    let rules = card::rules(&facts, first_within);
    let groups = match by {
        None => BTreeMap::new(),
        Some(by) => card::split(&facts, by, zone)
            .into_iter()
            .map(|(k, f)| (k, card::rules(&f, first_within)))
            .collect(),
    };
    Ok(Card {
        location,
        from,
        to,
        first_within,
        facts,
        rules,
        by,
        groups,
    })
}
