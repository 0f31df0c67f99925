//! The settings page for managers and admins: acknowledgement clocks,
//! providers, and the appointment import upload.

use crate::AppState;
use crate::api::{AckSettingsInput, LocationQuery, parse_ack_settings};
use crate::auth::{PageStaff, Staff};
use crate::error::ApiError;
use crate::pages::{Nav, error_page};
use askama::Template;
use axum::extract::{Form, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use frontdesk_domain::duration::format_duration;
use frontdesk_domain::quote::LOCATION_QUANTILES;
use frontdesk_domain::{FieldErrors, Role, fields};
use frontdesk_store::{ComplaintSettings, Provider};
use serde::Deserialize;

pub struct AckField {
    name: &'static str,
    label: &'static str,
    value: String,
    env_value: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    nav: Nav,
    location: String,
    location_name: String,
    notice: Option<String>,
    overridden: bool,
    ack_fields: Vec<AckField>,
    errors: FieldErrors,
    providers: Vec<(String, String)>,
    provider_form: (String, String),
    provider_errors: FieldErrors,
    import_errors: Vec<String>,
    import_summary: String,
    complaints: ComplaintSettingsInput,
    complaint_errors: FieldErrors,
    quote_percent: String,
    default_percent: String,
    quote_error: Option<String>,
}

#[derive(Default)]
struct Extra {
    quote_input: Option<String>,
    quote_error: Option<String>,
    complaint_input: Option<ComplaintSettingsInput>,
    complaint_errors: FieldErrors,
    notice: Option<String>,
    ack_input: Option<AckSettingsInput>,
    errors: FieldErrors,
    provider_form: (String, String),
    provider_errors: FieldErrors,
    import_errors: Vec<String>,
    import_summary: String,
}

fn manager(staff: &Staff) -> Result<(), ApiError> {
    staff.require(Role::can_change_settings)
}

/// A settings form's checks: its CSRF token, a manager or admin, and the
/// location it is for (`main` when the form does not say).
fn manager_form(staff: &Staff, csrf: &str, location: &str) -> Result<String, ApiError> {
    if !staff.csrf_ok(csrf) {
        return Err(ApiError::Forbidden);
    }
    manager(staff)?;
    Ok(if location.is_empty() {
        "main".to_string()
    } else {
        location.to_string()
    })
}

async fn settings_response(
    state: &AppState,
    staff: &Staff,
    location: &str,
    extra: Extra,
) -> Result<Response, ApiError> {
    manager(staff)?;
    let loc = state.location(location).await?;
    let o = state.config.ack_override;
    let stored = loc.ack_policy;
    let input = extra.ack_input.unwrap_or(AckSettingsInput {
        first_within: format_duration(stored.first_within),
        recheck_every: format_duration(stored.recheck_every),
        escalate_after: format_duration(stored.escalate_after),
    });
    let ack_fields = vec![
        AckField {
            name: "first_within",
            label: "First acknowledgement within",
            value: input.first_within,
            env_value: o.first_within.map(format_duration),
        },
        AckField {
            name: "recheck_every",
            label: "Recheck every",
            value: input.recheck_every,
            env_value: o.recheck_every.map(format_duration),
        },
        AckField {
            name: "escalate_after",
            label: "Escalate to managers after overdue by",
            value: input.escalate_after,
            env_value: o.escalate_after.map(format_duration),
        },
    ];
    let complaints = match extra.complaint_input {
        Some(input) => input,
        None => ComplaintSettingsInput::from(&state.store.complaint_settings(&loc.id).await?),
    };
    let failed = !extra.errors.is_empty()
        || extra.quote_error.is_some()
        || !extra.complaint_errors.is_empty()
        || !extra.provider_errors.is_empty()
        || !extra.import_errors.is_empty();
    let page = SettingsPage {
        nav: Nav::of(staff),
        location: loc.id.clone(),
        location_name: loc.name.clone(),
        notice: extra.notice,
        overridden: o.is_set(),
        ack_fields,
        errors: extra.errors,
        providers: state
            .store
            .providers()
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        provider_form: extra.provider_form,
        provider_errors: extra.provider_errors,
        import_errors: extra.import_errors,
        import_summary: extra.import_summary,
        complaints,
        complaint_errors: extra.complaint_errors,
        quote_percent: extra
            .quote_input
            .unwrap_or_else(|| loc.quote_percent.map(|p| p.to_string()).unwrap_or_default()),
        default_percent: format!("{:.0}", state.config.quote_quantile * 100.0),
        quote_error: extra.quote_error,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match page.render() {
        Ok(html) => Ok((status, Html(html)).into_response()),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    location: Option<String>,
    saved: Option<String>,
}

pub async fn settings_page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let notice = q.saved.map(|what| match what.as_str() {
        "clocks" => "Acknowledgement clocks saved. They apply from now on.".to_string(),
        "provider" => "Provider saved.".to_string(),
        "complaints" => {
            "Complaint settings saved. Open complaints' clocks follow them from now on.".to_string()
        }
        other => format!("Saved: {}", crate::log_safe(other)),
    });
    let location = LocationQuery {
        location: q.location,
    };
    settings_response(
        &state,
        &staff,
        location.id(),
        Extra {
            notice,
            ..Default::default()
        },
    )
    .await
    .unwrap_or_else(error_page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AckForm {
    csrf: String,
    location: String,
    first_within: String,
    recheck_every: String,
    escalate_after: String,
}

pub async fn save_ack(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<AckForm>,
) -> Response {
    let location = match manager_form(&staff, &form.csrf, &form.location) {
        Ok(location) => location,
        Err(e) => return error_page(e),
    };
    let input = AckSettingsInput {
        first_within: form.first_within,
        recheck_every: form.recheck_every,
        escalate_after: form.escalate_after,
    };
    match parse_ack_settings(&input) {
        Ok(policy) => match state
            .store
            .save_ack_policy(&location, policy, &staff.actor(), state.now())
            .await
        {
            Ok(()) => {
                state.locations_changed();
                Redirect::to(&format!(
                    "/settings?location={}&saved=clocks",
                    crate::pages::url_encode(&location)
                ))
                .into_response()
            }
            Err(e) => error_page(e.into()),
        },
        Err(errors) => settings_response(
            &state,
            &staff,
            &location,
            Extra {
                ack_input: Some(input),
                errors,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(error_page),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProviderForm {
    csrf: String,
    location: String,
    id: String,
    name: String,
}

pub async fn save_provider(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<ProviderForm>,
) -> Response {
    let location = match manager_form(&staff, &form.csrf, &form.location) {
        Ok(location) => location,
        Err(e) => return error_page(e),
    };
    let mut errors = FieldErrors::new();
    let id = errors.check("id", fields::short_id(&form.id));
    let name = errors.check("name", fields::required_text(&form.name));
    match (id, name) {
        (Some(id), Some(name)) if errors.is_empty() => {
            let provider = Provider {
                id: id.clone(),
                name,
                location: location.clone(),
            };
            let saved = state
                .store
                .upsert_provider(&provider, &staff.actor(), state.now())
                .await;
            match saved {
                Ok(()) => Redirect::to(&format!(
                    "/settings?location={}&saved=provider",
                    crate::pages::url_encode(&location)
                ))
                .into_response(),
                Err(e) => error_page(e.into()),
            }
        }
        _ => settings_response(
            &state,
            &staff,
            &location,
            Extra {
                provider_form: (form.id, form.name),
                provider_errors: errors,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(error_page),
    }
}

/// Upload of an appointment CSV. All rows or none unless "skip bad rows" is ticked.
pub async fn import(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    mut multipart: Multipart,
) -> Response {
    if let Err(e) = manager(&staff) {
        return error_page(e);
    }
    let mut csrf = String::new();
    let mut skip_bad_rows = false;
    let mut file: Option<Vec<u8>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                match field.bytes().await {
                    Ok(bytes) => match name.as_str() {
                        "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                        "skip_bad_rows" => skip_bad_rows = !bytes.is_empty(),
                        "file" => file = Some(bytes.to_vec()),
                        _ => {}
                    },
                    Err(_) => {
                        return error_page(ApiError::BadRequest(
                            "The upload could not be read".into(),
                        ));
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                return error_page(ApiError::BadRequest("The upload could not be read".into()));
            }
        }
    }
    if !staff.csrf_ok(&csrf) {
        return error_page(ApiError::Forbidden);
    }
    let fail = |errors: Vec<String>, summary: String| {
        let state = state.clone();
        let staff = staff.clone();
        async move {
            settings_response(
                &state,
                &staff,
                "main",
                Extra {
                    import_errors: errors,
                    import_summary: summary,
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_else(error_page)
        }
    };
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return fail(
            vec!["file: Required field missing".into()],
            "No file was chosen.".into(),
        )
        .await;
    };
    let result: Result<Result<String, (Vec<String>, String)>, ApiError> = async {
        let locations = state.store.locations().await?;
        let zone_of = |id: &str| locations.iter().find(|l| l.id == id).map(|l| l.zone());
        let today = state.now().with_timezone(&zone_of("main").unwrap_or(chrono_tz::UTC)).date_naive();
        let parsed = match frontdesk_domain::appointment::parse_appointments_csv(&file, &zone_of, today, &mut |_| {}) {
            Ok(p) => p,
            Err(e) => return Ok(Err((vec![e], "Nothing was imported.".to_string()))),
        };
        let bad: Vec<String> = parsed.bad_rows.iter().map(ToString::to_string).collect();
        if !bad.is_empty() && !skip_bad_rows {
            let summary = format!(
                "Nothing was imported: {} bad row(s). Fix them, or tick \"import the good rows\" to import the {} good row(s).",
                bad.len(),
                parsed.appointments.len()
            );
            return Ok(Err((bad, summary)));
        }
        let summary = state.store.import_appointments(&parsed.appointments, &staff.actor(), state.now()).await?;
        Ok(Ok(format!(
            "Imported {} appointment(s); {} already present; {} bad row(s) skipped.",
            summary.created,
            summary.already_present,
            bad.len()
        )))
    }
    .await;
    match result {
        Ok(Ok(message)) => settings_response(
            &state,
            &staff,
            "main",
            Extra {
                notice: Some(message),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(error_page),
        Ok(Err((errors, summary))) => fail(errors, summary).await,
        Err(e) => error_page(e),
    }
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ComplaintSettingsForm {
    csrf: String,
    location: String,
    #[serde(flatten)]
    input: ComplaintSettingsInput,
}

pub async fn save_complaints(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<ComplaintSettingsForm>,
) -> Response {
    let location = match manager_form(&staff, &form.csrf, &form.location) {
        Ok(location) => location,
        Err(e) => return error_page(e),
    };
    match parse_complaint_settings(&form.input) {
        Ok(settings) => match state
            .store
            .save_complaint_settings(&location, &settings, &staff.actor(), state.now())
            .await
        {
            Ok(()) => Redirect::to(&format!(
                "/settings?location={}&saved=complaints#complaint-settings",
                crate::pages::url_encode(&location)
            ))
            .into_response(),
            Err(e) => error_page(e.into()),
        },
        Err(errors) => settings_response(
            &state,
            &staff,
            &location,
            Extra {
                complaint_input: Some(form.input),
                complaint_errors: errors,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(error_page),
    }
}

fn complaint_settings_json(s: &ComplaintSettings) -> serde_json::Value {
    serde_json::json!({
        "business_hours": s.business_hours,
        "closed_dates": s.closed_dates.lines().collect::<Vec<_>>(),
        "acknowledge_business_days": s.policy.acknowledge_business_days,
        "resolve_calendar_days": s.policy.resolve_calendar_days,
        "staff_read_all": s.staff_read_all,
        "website": s.website,
    })
}

pub async fn complaint_settings_api(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiQuery(q): crate::api::ApiQuery<LocationQuery>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let s = state.store.complaint_settings(q.id()).await?;
    let _ = staff;
    Ok(axum::Json(complaint_settings_json(&s)))
}

/// `PUT /api/v1/settings/complaints`: managers and admins; all or nothing.
pub async fn save_complaint_settings_api(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiQuery(q): crate::api::ApiQuery<LocationQuery>,
    crate::api::ApiJson(body): crate::api::ApiJson<serde_json::Value>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    manager(&staff)?;
    let text = |k: &str| match &body[k] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    let current = state.store.complaint_settings(q.id()).await?;
    let mut input = ComplaintSettingsInput::from(&current);
    for (key, slot) in [
        ("business_hours", &mut input.business_hours),
        ("closed_dates", &mut input.closed_dates),
        (
            "acknowledge_business_days",
            &mut input.acknowledge_business_days,
        ),
        ("resolve_calendar_days", &mut input.resolve_calendar_days),
        ("staff_read_all", &mut input.staff_read_all),
        ("website", &mut input.website),
    ] {
        if body.get(key).is_some() {
            *slot = text(key);
        }
    }
    let settings = parse_complaint_settings(&input)?;
    state
        .store
        .save_complaint_settings(q.id(), &settings, &staff.actor(), state.now())
        .await?;
    Ok(axum::Json(complaint_settings_json(&settings)))
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuoteForm {
    csrf: String,
    location: String,
    percent: String,
}

pub async fn save_quotes(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<QuoteForm>,
) -> Response {
    let location = match manager_form(&staff, &form.csrf, &form.location) {
        Ok(location) => location,
        Err(e) => return error_page(e),
    };
    match parse_quote_percent(&form.percent) {
        Ok(percent) => match set_quote_percent(&state, &staff, &location, percent).await {
            Ok(()) => Redirect::to(&format!(
                "/settings?location={}&saved=quotes#quote-settings",
                crate::pages::url_encode(&location)
            ))
            .into_response(),
            Err(e) => error_page(e),
        },
        Err(message) => settings_response(
            &state,
            &staff,
            &location,
            Extra {
                quote_input: Some(form.percent),
                quote_error: Some(message.to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(error_page),
    }
}

async fn set_quote_percent(
    state: &AppState,
    staff: &Staff,
    location: &str,
    percent: Option<i64>,
) -> Result<(), ApiError> {
    state
        .store
        .save_quote_quantile(location, percent, &staff.actor(), state.now())
        .await?;
    state
        .quotes()
        .set_location_quantile(location, percent.map(|p| p as f64 / 100.0));
    state.locations_changed();
    Ok(())
}

fn quote_settings_json(state: &AppState, location: &str) -> serde_json::Value {
    let queue = crate::promises::queue_of(location, &None);
    serde_json::json!({
        "quantile": state.quotes().quantile_for(&queue),
        "default_quantile": state.config.quote_quantile,
    })
}

pub async fn quote_settings_api(
    State(state): State<AppState>,
    _staff: Staff,
    crate::api::ApiQuery(q): crate::api::ApiQuery<LocationQuery>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let loc = state.location(q.id()).await?;
    let mut body = quote_settings_json(&state, &loc.id);
    body["own"] = serde_json::json!(loc.quote_quantile());
    Ok(axum::Json(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuoteSettingsInput {
    /// 0.5–0.99, or null for the server's default.
    quantile: Option<f64>,
}

/// `PUT /api/v1/settings/quotes {"quantile": 0.85 | null}`: managers and admins.
pub async fn save_quote_settings_api(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiQuery(q): crate::api::ApiQuery<LocationQuery>,
    crate::api::ApiJson(input): crate::api::ApiJson<QuoteSettingsInput>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    manager(&staff)?;
    let percent = match input.quantile {
        None => None,
        Some(x) if LOCATION_QUANTILES.contains(&x) => Some((x * 100.0).round() as i64),
        Some(_) => {
            return Err(ApiError::field(
                "quantile",
                "Use a number from 0.5 to 0.99, or null for the default",
            ));
        }
    };
    state.location(q.id()).await?;
    set_quote_percent(&state, &staff, q.id(), percent).await?;
    Ok(axum::Json(quote_settings_json(&state, q.id())))
}
