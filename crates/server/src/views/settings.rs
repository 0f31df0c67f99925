//! The settings page and the settings as the API sends them.

use crate::app::settings::ComplaintSettingsInput;
use crate::config::AckOverride;
use crate::views::page::Nav;
use askama::Template;
use frontdesk_domain::duration::format_duration;
use frontdesk_domain::{AckPolicy, FieldErrors};
use frontdesk_store::{ComplaintSettings, Provider};
use serde::Serialize;

pub struct AckField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub env_value: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub nav: Nav,
    pub location: String,
    pub location_name: String,
    pub notice: Option<String>,
    pub overridden: bool,
    pub ack_fields: Vec<AckField>,
    pub errors: FieldErrors,
    pub providers: Vec<(String, String)>,
    pub provider_form: (String, String),
    pub provider_errors: FieldErrors,
    pub import_errors: Vec<String>,
    pub import_summary: String,
    pub complaints: ComplaintSettingsInput,
    pub complaint_errors: FieldErrors,
    pub quote_percent: String,
    pub default_percent: String,
    pub quote_error: Option<String>,
    /// The location's survey delay as typed (`2h`, `off`).
    pub survey_delay: String,
    pub survey_error: Option<String>,
    /// `FRONTDESK_SURVEY_DELAY`, when it overrides every location.
    pub survey_overridden: Option<String>,
    pub kiosks: Vec<crate::views::screens::KioskRow>,
}

/// The three durations of an acknowledgement policy, as words (`2m`, `15m`).
#[derive(Serialize)]
pub struct Durations<T> {
    pub first_within: T,
    pub recheck_every: T,
    pub escalate_after: T,
}

/// `GET /api/v1/settings/acknowledgement`: what is in force, what is stored,
/// and which durations the environment overrides.
#[derive(Serialize)]
pub struct AckPolicyJson {
    #[serde(flatten)]
    pub effective: Durations<String>,
    pub stored: Durations<String>,
    pub overridden_by_environment: Durations<bool>,
}

impl AckPolicyJson {
    pub fn of(stored: &AckPolicy, overrides: &AckOverride) -> AckPolicyJson {
        let words = |p: &AckPolicy| Durations {
            first_within: format_duration(p.first_within),
            recheck_every: format_duration(p.recheck_every),
            escalate_after: format_duration(p.escalate_after),
        };
        AckPolicyJson {
            effective: words(&overrides.apply(*stored)),
            stored: words(stored),
            overridden_by_environment: Durations {
                first_within: overrides.first_within.is_some(),
                recheck_every: overrides.recheck_every.is_some(),
                escalate_after: overrides.escalate_after.is_some(),
            },
        }
    }
}

/// `GET /api/v1/settings/complaints`.
#[derive(Serialize)]
pub struct ComplaintSettingsJson {
    pub business_hours: String,
    pub closed_dates: Vec<String>,
    pub acknowledge_business_days: u32,
    pub resolve_calendar_days: u32,
    pub staff_read_all: bool,
    pub website: String,
}

impl ComplaintSettingsJson {
    pub fn of(s: &ComplaintSettings) -> ComplaintSettingsJson {
        ComplaintSettingsJson {
            business_hours: s.business_hours.clone(),
            closed_dates: s.closed_dates.lines().map(str::to_string).collect(),
            acknowledge_business_days: s.policy.acknowledge_business_days,
            resolve_calendar_days: s.policy.resolve_calendar_days,
            staff_read_all: s.staff_read_all,
            website: s.website.clone(),
        }
    }
}

/// `GET /api/v1/settings/quotes`: the quantile in force, the server's
/// default, and the location's own (only on a read).
#[derive(Serialize)]
pub struct QuoteSettingsJson {
    pub quantile: f64,
    pub default_quantile: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own: Option<Option<f64>>,
}

/// A provider in the API.
#[derive(Serialize)]
pub struct ProviderJson {
    pub id: String,
    pub name: String,
    pub location: String,
}

impl ProviderJson {
    pub fn of(p: &Provider) -> ProviderJson {
        ProviderJson {
            id: p.id.clone(),
            name: p.name.clone(),
            location: p.location.clone(),
        }
    }
}

/// `GET /api/v1/providers`.
#[derive(Serialize)]
pub struct ProviderList {
    pub providers: Vec<ProviderJson>,
}

/// The settings page's three clock fields, with what the environment sets.
pub fn ack_fields(
    input: &crate::app::settings::AckSettingsInput,
    o: &AckOverride,
) -> Vec<AckField> {
    vec![
        AckField {
            name: "first_within",
            label: "First acknowledgement within",
            value: input.first_within.clone(),
            env_value: o.first_within.map(format_duration),
        },
        AckField {
            name: "recheck_every",
            label: "Recheck every",
            value: input.recheck_every.clone(),
            env_value: o.recheck_every.map(format_duration),
        },
        AckField {
            name: "escalate_after",
            label: "Escalate to managers after overdue by",
            value: input.escalate_after.clone(),
            env_value: o.escalate_after.map(format_duration),
        },
    ]
}
