//! A location's settings, for managers and admins: acknowledgement clocks,
//! the percentile quotes are given at, complaint clocks with opening hours
//! and closed dates, providers, and the day's schedule from a CSV file.

use super::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use frontdesk_domain::duration::parse_duration;
use frontdesk_domain::quote::LOCATION_QUANTILES;
use frontdesk_domain::{AckPolicy, FieldErrors, MAIN_LOCATION, fields};
use frontdesk_store::{ComplaintSettings, Provider};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AckSettingsInput {
    pub first_within: String,
    pub recheck_every: String,
    pub escalate_after: String,
}

/// Validate the three durations of an acknowledgement policy.
pub fn parse_ack_settings(input: &AckSettingsInput) -> Result<AckPolicy, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut read = |field: &str, text: &str| match parse_duration(text) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.add(field, e.to_string());
            None
        }
    };
    let first = read("first_within", &input.first_within);
    let recheck = read("recheck_every", &input.recheck_every);
    let escalate = read("escalate_after", &input.escalate_after);
    match (first, recheck, escalate) {
        (Some(first_within), Some(recheck_every), Some(escalate_after)) => Ok(AckPolicy {
            first_within,
            recheck_every,
            escalate_after,
        }),
        _ => Err(errors),
    }
}

/// Save a location's acknowledgement clocks; they apply from now on.
pub async fn save_ack_policy(
    state: &AppState,
    location: &str,
    input: &AckSettingsInput,
    caller: &Caller<'_>,
) -> Result<AckPolicy, ApiError> {
    caller.check(location)?;
    let policy = parse_ack_settings(input)?;
    state
        .store
        .save_ack_policy(location, policy, &caller.actor(), state.now())
        .await?;
    state.locations_changed();
    Ok(policy)
}

/// The complaint settings as typed (a form or the API).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComplaintSettingsInput {
    pub business_hours: String,
    pub closed_dates: String,
    pub acknowledge_business_days: String,
    pub resolve_calendar_days: String,
    /// `on`/`true` (checkbox or JSON) or empty.
    pub staff_read_all: String,
    pub website: String,
}

impl From<&ComplaintSettings> for ComplaintSettingsInput {
    fn from(s: &ComplaintSettings) -> Self {
        ComplaintSettingsInput {
            business_hours: s.business_hours.clone(),
            closed_dates: s.closed_dates.clone(),
            acknowledge_business_days: s.policy.acknowledge_business_days.to_string(),
            resolve_calendar_days: s.policy.resolve_calendar_days.to_string(),
            staff_read_all: if s.staff_read_all {
                "on".into()
            } else {
                String::new()
            },
            website: s.website.clone(),
        }
    }
}

/// Check every field; all or nothing. The website answers "Website address invalid".
pub fn parse_complaint_settings(
    input: &ComplaintSettingsInput,
) -> Result<ComplaintSettings, FieldErrors> {
    use frontdesk_domain::complaint::{BusinessHours, ComplaintPolicy, format_week};
    let mut errors = FieldErrors::new();
    let week = match input.business_hours.trim() {
        "" => {
            errors.add("business_hours", frontdesk_domain::fields::REQUIRED);
            None
        }
        text => BusinessHours::parse_week(text)
            .map_err(|m| errors.add("business_hours", m))
            .ok(),
    };
    let closed = BusinessHours::parse_closed_dates(&input.closed_dates)
        .map_err(|m| errors.add("closed_dates", m))
        .ok();
    let policy = ComplaintPolicy::parse(
        &input.acknowledge_business_days,
        &input.resolve_calendar_days,
    )
    .map_err(|e| {
        for (k, v) in e.0 {
            errors.add(&k, v);
        }
    })
    .ok();
    let website = match input.website.trim() {
        "" => Some(String::new()),
        w => errors.check("website", frontdesk_domain::fields::website(w)),
    };
    let staff_read_all = matches!(input.staff_read_all.trim(), "on" | "true" | "1" | "yes");
    match (week, closed, policy, website) {
        (Some(week), Some(closed), Some(policy), Some(website)) if errors.is_empty() => {
            Ok(ComplaintSettings {
                business_hours: format_week(&week),
                closed_dates: closed
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
                policy,
                staff_read_all,
                website,
            })
        }
        _ => Err(errors),
    }
}

/// Save a location's complaint settings, all or nothing.
pub async fn save_complaint_settings(
    state: &AppState,
    location: &str,
    input: &ComplaintSettingsInput,
    caller: &Caller<'_>,
) -> Result<ComplaintSettings, ApiError> {
    caller.check(location)?;
    let settings = parse_complaint_settings(input)?;
    state
        .store
        .save_complaint_settings(location, &settings, &caller.actor(), state.now())
        .await?;
    Ok(settings)
}

/// A percentile for quotes: empty for the server's default, else a whole
/// percentile in [`LOCATION_QUANTILES`] (50–99).
pub fn parse_quote_percent(text: &str) -> Result<Option<i64>, &'static str> {
    match text.trim().trim_end_matches('%').trim() {
        "" => Ok(None),
        t => match t.parse::<i64>() {
            Ok(p) if LOCATION_QUANTILES.contains(&(p as f64 / 100.0)) => Ok(Some(p)),
            _ => Err("Enter a whole percentile from 50 to 99, or leave it empty for the default"),
        },
    }
}

/// Quote at this percentile at a location (or the server's default): stored,
/// and the quote engine told at once.
pub async fn save_quote_percent(
    state: &AppState,
    caller: &Caller<'_>,
    location: &str,
    percent: Option<i64>,
) -> Result<(), ApiError> {
    caller.check(location)?;
    state
        .store
        .save_quote_quantile(location, percent, &caller.actor(), state.now())
        .await?;
    state
        .quotes_mut()
        .set_location_quantile(location, percent.map(|p| p as f64 / 100.0));
    state.locations_changed();
    Ok(())
}

/// A location's survey delay (`None`: no surveys there).
pub async fn save_survey_delay(
    state: &AppState,
    caller: &Caller<'_>,
    location: &str,
    delay: Option<chrono::Duration>,
) -> Result<(), ApiError> {
    caller.check(location)?;
    state
        .store
        .save_survey_delay(location, delay, &caller.actor(), state.now())
        .await?;
    state.locations_changed();
    Ok(())
}

/// Add a provider (or rename one) at a location.
pub async fn save_provider(
    state: &AppState,
    id: &str,
    name: &str,
    location: &str,
    caller: &Caller<'_>,
) -> Result<Provider, ApiError> {
    let mut errors = FieldErrors::new();
    if !caller.may_see(location) {
        errors.add("location", "Unknown location");
    }
    let id = errors.check("id", fields::short_id(id));
    let name = errors.check("name", fields::required_text(name));
    let provider = errors.into_result(|| Provider {
        id: id.unwrap_or_default(),
        name: name.unwrap_or_default(),
        location: location.to_string(),
    })?;
    state
        .store
        .upsert_provider(&provider, &caller.actor(), state.now())
        .await?;
    Ok(provider)
}

/// Add a location (admins): its id (a short id such as `north`), its name
/// and its IANA time zone, each checked; an id taken is a field error.
pub async fn add_location(
    state: &AppState,
    id: &str,
    name: &str,
    zone: &str,
    caller: &Caller<'_>,
) -> Result<frontdesk_store::Location, ApiError> {
    let mut errors = FieldErrors::new();
    let id = errors.check("id", fields::short_id(id));
    let name = errors.check("name", fields::required_text(name));
    let zone = zone.trim();
    if zone.is_empty() {
        errors.add("time_zone", fields::REQUIRED);
    } else if zone.parse::<chrono_tz::Tz>().is_err() {
        errors.add(
            "time_zone",
            "Not a time zone; write one like America/Chicago",
        );
    }
    let (Some(id), Some(name)) = (id, name) else {
        return Err(ApiError::InvalidFields(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    match state
        .store
        .add_location(&id, &name, zone, &caller.actor(), state.now())
        .await
    {
        Ok(l) => {
            state.locations_changed();
            Ok(l)
        }
        Err(frontdesk_store::StoreError::Conflict(_)) => Err(ApiError::field(
            "id",
            "A location with this id exists already",
        )),
        Err(e) => Err(e.into()),
    }
}

/// What an appointment CSV import did.
pub enum Imported {
    /// Imported: the summary in words.
    Done(String),
    /// Nothing imported: each bad row, and the summary in words.
    Refused(Vec<String>, String),
}

/// Import the day's schedule from an appointment CSV: all rows or none,
/// unless `skip_bad_rows`.
pub async fn import_appointments(
    state: &AppState,
    file: &[u8],
    skip_bad_rows: bool,
    caller: &Caller<'_>,
) -> Result<Imported, ApiError> {
    // Rows for a location the importer does not work at read as unknown.
    let locations = state.store.locations().await?;
    let zone_of = |id: &str| {
        locations
            .iter()
            .find(|l| l.id == id && caller.may_see(&l.id))
            .map(|l| l.zone())
    };
    let today = state
        .now()
        .with_timezone(&zone_of(MAIN_LOCATION).unwrap_or(chrono_tz::UTC))
        .date_naive();
    let parsed = match frontdesk_domain::appointment::parse_appointments_csv(
        file,
        &zone_of,
        today,
        &mut |_| {},
    ) {
        Ok(p) => p,
        Err(e) => return Ok(Imported::Refused(vec![e], "Nothing was imported.".into())),
    };
    let bad: Vec<String> = parsed.bad_rows.iter().map(ToString::to_string).collect();
    if !bad.is_empty() && !skip_bad_rows {
        let summary = format!(
            "Nothing was imported: {} bad row(s). Fix them, or tick \"import the good rows\" to import the {} good row(s).",
            bad.len(),
            parsed.appointments.len()
        );
        return Ok(Imported::Refused(bad, summary));
    }
    let summary = state
        .store
        .import_appointments(&parsed.appointments, &caller.actor(), state.now())
        .await?;
    Ok(Imported::Done(format!(
        "Imported {} appointment(s); {} already present; {} bad row(s) skipped.",
        summary.created,
        summary.already_present,
        bad.len()
    )))
}
