//! The schedule from an EHR (FHIR Bundles, HL7 v2 SIU messages) and the
//! day's visits read back: the same expected visits the CSV import makes,
//! matched by the identifier each appointment came with.

use crate::app::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use chrono::NaiveDate;
use chrono_tz::Tz;
use frontdesk_domain::MAIN_LOCATION;
use frontdesk_domain::schedule::ScheduleChange;
use frontdesk_store::{Location, Provider, ScheduleOutcome, ScheduledVisit};

/// What reading an appointment needs to know: the locations the caller may
/// see (with their zones) and the providers.
pub struct Known {
    pub locations: Vec<Location>,
    pub providers: Vec<Provider>,
    /// Today at `main` (for dates of birth).
    pub today: NaiveDate,
}

impl Known {
    pub fn zone_of(&self, id: &str) -> Option<Tz> {
        self.locations.iter().find(|l| l.id == id).map(|l| l.zone())
    }

    pub fn provider_known(&self, id: &str) -> bool {
        self.providers.iter().any(|p| p.id == id)
    }

    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }
}

/// The locations and providers, as the caller may see them.
pub async fn known(state: &AppState, caller: &Caller<'_>) -> Result<Known, ApiError> {
    let locations: Vec<Location> = state
        .store
        .locations()
        .await?
        .into_iter()
        .filter(|l| caller.may_see(&l.id))
        .collect();
    let providers = state.store.providers().await?;
    let zone = locations
        .iter()
        .find(|l| l.id == MAIN_LOCATION)
        .map(|l| l.zone())
        .unwrap_or(chrono_tz::UTC);
    let today = state.now().with_timezone(&zone).date_naive();
    Ok(Known {
        locations,
        providers,
        today,
    })
}

/// Apply appointments from an EHR in one transaction: all or none.
pub async fn apply(
    state: &AppState,
    caller: &Caller<'_>,
    changes: &[ScheduleChange],
) -> Result<Vec<ScheduleOutcome>, ApiError> {
    for c in changes {
        caller.check(&c.appointment.location)?;
    }
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .apply_schedule(changes, &caller.actor(), state.now())
        .await?)
}

/// One visit as an EHR reads it back (after a change that was audited).
pub async fn visit(state: &AppState, visit_id: i64) -> Result<ScheduledVisit, ApiError> {
    Ok(state.store.scheduled_visit(visit_id).await?)
}

/// The visits of a day (today at `main` when none is given) at one
/// location, or at every location the caller may see: each location's local
/// day. Audited as one read per location under `action`. Another location's
/// name answers not found. The day, and each location's visits.
pub async fn day(
    state: &AppState,
    caller: &Caller<'_>,
    location: Option<&str>,
    date: Option<NaiveDate>,
    action: &str,
) -> Result<(NaiveDate, Vec<(Location, Vec<ScheduledVisit>)>), ApiError> {
    let known = known(state, caller).await?;
    let date = date.unwrap_or(known.today);
    let locations: Vec<Location> = match location {
        Some(id) => vec![known.location(id).cloned().ok_or(ApiError::NotFound)?],
        None => known.locations.clone(),
    };
    let mut out = Vec::with_capacity(locations.len());
    for l in locations {
        let zone = l.zone();
        let (Some(from), Some(to)) = (
            local_midnight(date, zone),
            date.succ_opt().and_then(|d| local_midnight(d, zone)),
        ) else {
            return Err(ApiError::field("date", "Date out of range"));
        };
        let visits = state
            .store
            .schedule_day(&l.id, from, to, &caller.actor(), action, state.now())
            .await?;
        out.push((l, visits));
    }
    Ok((date, out))
}

fn local_midnight(date: NaiveDate, zone: Tz) -> Option<frontdesk_domain::Timestamp> {
    use chrono::TimeZone;
    zone.from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
}
