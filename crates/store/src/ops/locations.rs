//! Locations, their settings (acknowledgement clocks, quotes, complaints) and
//! providers.

use super::{audit, exists, one};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::{AckPolicy, FieldErrors, Timestamp};

fn location_from_row(row: &Row) -> Result<Location> {
    Ok(Location {
        id: row.text("id")?,
        name: row.text("name")?,
        time_zone: row.text("time_zone")?,
        ack_policy: AckPolicy {
            first_within: chrono::Duration::seconds(row.int("ack_first_within_s")?),
            recheck_every: chrono::Duration::seconds(row.int("ack_recheck_every_s")?),
            escalate_after: chrono::Duration::seconds(row.int("ack_escalate_after_s")?),
        },
        quote_percent: row.opt_int("quote_quantile_pct")?,
        survey_delay: row
            .opt_int("survey_delay_s")?
            .map(chrono::Duration::seconds),
    })
}

/// An "Unknown location" field error unless the location exists.
pub(crate) async fn must_exist<C: Conn>(c: &mut C, id: &str, field: &str) -> Result<()> {
    if exists(c, "SELECT id FROM location WHERE id = $1", id).await? {
        Ok(())
    } else {
        let mut e = FieldErrors::new();
        e.add(field, "Unknown location");
        Err(StoreError::Invalid(e))
    }
}

pub async fn ensure<C: Conn>(c: &mut C, id: &str, name: &str, time_zone: &str) -> Result<Location> {
    c.exec(
        "INSERT INTO location (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        params![id, name, time_zone],
    )
    .await?;
    location(c, id).await
}

/// Add a new location; an id already taken is a `Conflict`.
pub async fn add<C: Conn>(
    c: &mut C,
    id: &str,
    name: &str,
    time_zone: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Location> {
    if exists(c, "SELECT id FROM location WHERE id = $1", id).await? {
        return Err(StoreError::Conflict(format!(
            "a location {id} already exists"
        )));
    }
    c.exec(
        "INSERT INTO location (id, name, time_zone) VALUES ($1, $2, $3)",
        params![id, name, time_zone],
    )
    .await?;
    let subject = format!("location:{id}");
    audit::write(c, actor, "location.add", &subject, time_zone, now).await?;
    location(c, id).await
}

pub async fn location<C: Conn>(c: &mut C, id: &str) -> Result<Location> {
    let row = one(c, "SELECT * FROM location WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    location_from_row(&row)
}

pub async fn all<C: Conn>(c: &mut C) -> Result<Vec<Location>> {
    c.query("SELECT * FROM location ORDER BY id", &[])
        .await?
        .iter()
        .map(location_from_row)
        .collect()
}

/// A settings change's audit row, once the location is known to exist.
async fn audit_settings<C: Conn>(
    c: &mut C,
    changed: u64,
    location: &str,
    action: &str,
    detail: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    if changed != 1 {
        return Err(StoreError::NotFound);
    }
    audit::write(
        c,
        actor,
        action,
        &format!("location:{location}"),
        detail,
        now,
    )
    .await
}

pub async fn save_ack_policy<C: Conn>(
    c: &mut C,
    location: &str,
    policy: AckPolicy,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE location SET ack_first_within_s = $1, ack_recheck_every_s = $2, ack_escalate_after_s = $3 WHERE id = $4",
            params![
                policy.first_within.num_seconds(),
                policy.recheck_every.num_seconds(),
                policy.escalate_after.num_seconds(),
                location
            ],
        )
        .await?;
    let detail = policy.describe();
    audit_settings(
        c,
        changed,
        location,
        "settings.ack_policy",
        &detail,
        actor,
        now,
    )
    .await
}

pub async fn save_quote_quantile<C: Conn>(
    c: &mut C,
    location: &str,
    percent: Option<i64>,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE location SET quote_quantile_pct = $1 WHERE id = $2",
            params![percent, location],
        )
        .await?;
    let detail = percent.map_or_else(|| "default".to_string(), |p| format!("{p}%"));
    audit_settings(c, changed, location, "settings.quotes", &detail, actor, now).await
}

pub async fn complaint_settings<C: Conn>(c: &mut C, location: &str) -> Result<ComplaintSettings> {
    let r = one(
        c,
        "SELECT business_hours, closed_dates, complaint_ack_days, complaint_resolve_days, \
         staff_read_all_complaints, website FROM location WHERE id = $1",
        params![location],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(ComplaintSettings {
        business_hours: r.text("business_hours")?,
        closed_dates: r.text("closed_dates")?,
        policy: ComplaintPolicy {
            acknowledge_business_days: r.int("complaint_ack_days")?.clamp(1, 3660) as u32,
            resolve_calendar_days: r.int("complaint_resolve_days")?.clamp(1, 3660) as u32,
        },
        staff_read_all: r.int("staff_read_all_complaints")? != 0,
        website: r.text("website")?,
    })
}

pub async fn save_complaint_settings<C: Conn>(
    c: &mut C,
    location: &str,
    s: &ComplaintSettings,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE location SET business_hours = $1, closed_dates = $2, complaint_ack_days = $3, \
             complaint_resolve_days = $4, staff_read_all_complaints = $5, website = $6 WHERE id = $7",
            params![
                s.business_hours.as_str(),
                s.closed_dates.as_str(),
                i64::from(s.policy.acknowledge_business_days),
                i64::from(s.policy.resolve_calendar_days),
                i64::from(s.staff_read_all),
                s.website.as_str(),
                location
            ],
        )
        .await?;
    audit_settings(c, changed, location, "settings.complaints", "", actor, now).await
}

/// Add a provider, or rename or move one, with its audit row.
pub async fn upsert_provider<C: Conn>(
    c: &mut C,
    provider: &Provider,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    must_exist(c, &provider.location, "location").await?;
    c.exec(
        "INSERT INTO provider (id, name, location_id) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, location_id = excluded.location_id",
        params![
            provider.id.as_str(),
            provider.name.as_str(),
            provider.location.as_str()
        ],
    )
    .await?;
    let subject = format!("provider:{}", provider.id);
    audit::write(c, actor, "provider.save", &subject, "", now).await
}

pub async fn providers<C: Conn>(c: &mut C) -> Result<Vec<Provider>> {
    c.query(
        "SELECT id, name, location_id FROM provider ORDER BY name, id",
        &[],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Provider {
            id: r.text("id")?,
            name: r.text("name")?,
            location: r.text("location_id")?,
        })
    })
    .collect()
}

/// A location's survey delay (`None`: no surveys there), with its audit row.
pub async fn save_survey_delay<C: Conn>(
    c: &mut C,
    location: &str,
    delay: Option<chrono::Duration>,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE location SET survey_delay_s = $1 WHERE id = $2",
            params![delay.map(|d| d.num_seconds()), location],
        )
        .await?;
    let detail = frontdesk_domain::survey::format_delay(delay);
    audit_settings(c, changed, location, "settings.survey", &detail, actor, now).await
}
