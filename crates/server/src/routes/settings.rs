//! Settings, for managers and admins: `/api/v1/settings/*`,
//! `/api/v1/providers`, and the settings page with its forms (clocks,
//! quotes, complaints, providers, the schedule upload).

use crate::app::quotes::queue_of;
use crate::app::settings::{
    self as settings, AckSettingsInput, ComplaintSettingsInput, Imported, parse_quote_percent,
};
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::{ApiJson, ApiQuery, LocationQuery, StaffForm};
use crate::http::page::{PageError, PageResult, render_with};
use crate::state::AppState;
use crate::text::{log_safe, url_encode};
use crate::views::screens::KioskRow;
use crate::views::settings::{
    AckPolicyJson, ComplaintSettingsJson, ProviderJson, ProviderList, QuoteSettingsJson,
    SettingsPage, ack_fields,
};
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::duration::format_duration;
use frontdesk_domain::quote::LOCATION_QUANTILES;
use frontdesk_domain::{FieldErrors, Role};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/providers", get(providers).post(add_provider))
        .route(
            "/settings/acknowledgement",
            get(ack_settings).put(save_ack_settings),
        )
        .route(
            "/settings/quotes",
            get(quote_settings).put(save_quote_settings),
        )
        .route(
            "/settings/complaints",
            get(complaint_settings).put(save_complaint_settings),
        )
        .route(
            "/settings/survey",
            get(survey_settings).put(save_survey_settings),
        )
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/settings", get(page))
        .route("/settings/acknowledgement", post(save_ack))
        .route("/settings/providers", post(save_provider))
        .route("/settings/complaints", post(save_complaints))
        .route("/settings/quotes", post(save_quotes))
        .route("/settings/survey", post(save_survey))
        .route("/settings/import", post(import))
}

fn manager(staff: &Staff) -> Result<(), ApiError> {
    staff.require(Role::can_change_settings)
}

// --- the API ---

async fn providers(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<ProviderList>, ApiError> {
    let providers = state.store.providers().await?;
    Ok(Json(ProviderList {
        providers: providers.iter().map(ProviderJson::of).collect(),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProviderInput {
    id: String,
    name: String,
    location: Option<String>,
}

async fn add_provider(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<ProviderInput>,
) -> Result<impl IntoResponse, ApiError> {
    manager(&staff)?;
    // No location named: their own (one they do not work at is a field error).
    let own = staff.at(None)?;
    let location = match input.location.as_deref().map(str::trim) {
        Some(named) if !named.is_empty() => named,
        _ => &own,
    };
    let provider =
        settings::save_provider(&state, &input.id, &input.name, location, &staff.caller()).await?;
    Ok((StatusCode::CREATED, Json(ProviderJson::of(&provider))))
}

async fn ack_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<AckPolicyJson>, ApiError> {
    manager(&staff)?;
    let location = staff.at(q.location.as_deref())?;
    let location = state.location(&location).await?;
    Ok(Json(AckPolicyJson::of(
        &location.ack_policy,
        &state.config.ack_override,
    )))
}

async fn save_ack_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
    ApiJson(input): ApiJson<AckSettingsInput>,
) -> Result<Json<AckPolicyJson>, ApiError> {
    manager(&staff)?;
    let location = staff.at(q.location.as_deref())?;
    let policy = settings::save_ack_policy(&state, &location, &input, &staff.caller()).await?;
    Ok(Json(AckPolicyJson::of(&policy, &state.config.ack_override)))
}

async fn complaint_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<ComplaintSettingsJson>, ApiError> {
    let location = staff.at(q.location.as_deref())?;
    let s = state.store.complaint_settings(&location).await?;
    Ok(Json(ComplaintSettingsJson::of(&s)))
}

/// `PUT /api/v1/settings/complaints`: managers and admins; all or nothing.
/// Fields not sent keep their stored value.
async fn save_complaint_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<ComplaintSettingsJson>, ApiError> {
    use serde_json::Value;
    manager(&staff)?;
    // Each field as its type in the API document; a field of another type is
    // named, not guessed at (a number sent as "5" is refused, not read).
    let mut wrong = FieldErrors::new();
    let text = |k: &str, wrong: &mut FieldErrors| match (k, &body[k]) {
        ("business_hours" | "website", Value::String(s)) => Some(s.clone()),
        ("acknowledge_business_days" | "resolve_calendar_days", Value::Number(n))
            if n.is_i64() || n.is_u64() =>
        {
            Some(n.to_string())
        }
        ("staff_read_all", Value::Bool(b)) => Some(b.to_string()),
        ("closed_dates", Value::Array(a)) if a.iter().all(Value::is_string) => Some(
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        // null clears a field, as an empty text does.
        (_, Value::Null) => Some(String::new()),
        ("closed_dates", _) => {
            wrong.add(k, "Give a list of dates (YYYY-MM-DD)");
            None
        }
        ("acknowledge_business_days" | "resolve_calendar_days", _) => {
            wrong.add(k, "Give a whole number of days");
            None
        }
        ("staff_read_all", _) => {
            wrong.add(k, "Give true or false");
            None
        }
        _ => {
            wrong.add(k, "Give text");
            None
        }
    };
    let location = staff.at(q.location.as_deref())?;
    let current = state.store.complaint_settings(&location).await?;
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
        if body.get(key).is_some()
            && let Some(value) = text(key, &mut wrong)
        {
            *slot = value;
        }
    }
    if !wrong.is_empty() {
        return Err(wrong.into());
    }
    let saved =
        settings::save_complaint_settings(&state, &location, &input, &staff.caller()).await?;
    Ok(Json(ComplaintSettingsJson::of(&saved)))
}

fn quote_settings_json(state: &AppState, location: &str) -> QuoteSettingsJson {
    QuoteSettingsJson {
        quantile: state.quotes().quantile_for(&queue_of(location, &None)),
        default_quantile: state.config.quote_quantile,
        own: None,
    }
}

async fn quote_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<QuoteSettingsJson>, ApiError> {
    let location = staff.at(q.location.as_deref())?;
    let loc = state.location(&location).await?;
    Ok(Json(QuoteSettingsJson {
        own: Some(loc.quote_quantile()),
        ..quote_settings_json(&state, &loc.id)
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QuoteSettingsInput {
    /// 0.5–0.99, or null for the server's default.
    quantile: Option<f64>,
}

/// `PUT /api/v1/settings/quotes {"quantile": 0.85 | null}`: managers and admins.
async fn save_quote_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
    ApiJson(input): ApiJson<QuoteSettingsInput>,
) -> Result<Json<QuoteSettingsJson>, ApiError> {
    manager(&staff)?;
    let location = staff.at(q.location.as_deref())?;
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
    state.location(&location).await?;
    settings::save_quote_percent(&state, &staff.caller(), &location, percent).await?;
    Ok(Json(quote_settings_json(&state, &location)))
}

/// The survey delay at a location: its own, and the one in force.
#[derive(serde::Serialize)]
struct SurveySettingsJson {
    /// The location's own delay (`2h`, `off`).
    delay: String,
    /// The delay in force (`FRONTDESK_SURVEY_DELAY` wins when set).
    effective: String,
    overridden: bool,
}

fn survey_settings_json(state: &AppState, loc: &frontdesk_store::Location) -> SurveySettingsJson {
    SurveySettingsJson {
        delay: frontdesk_domain::survey::format_delay(loc.survey_delay),
        effective: frontdesk_domain::survey::format_delay(state.survey_delay(loc)),
        overridden: state.config.survey_delay_override.is_some(),
    }
}

async fn survey_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<SurveySettingsJson>, ApiError> {
    manager(&staff)?;
    let location = staff.at(q.location.as_deref())?;
    let loc = state.location(&location).await?;
    Ok(Json(survey_settings_json(&state, &loc)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SurveySettingsInput {
    /// `2h`, `90m`, `0m` … `7d`, or `off`.
    delay: String,
}

/// `PUT /api/v1/settings/survey {"delay": "2h" | "off"}`: managers and admins.
async fn save_survey_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
    ApiJson(input): ApiJson<SurveySettingsInput>,
) -> Result<Json<SurveySettingsJson>, ApiError> {
    manager(&staff)?;
    let location = staff.at(q.location.as_deref())?;
    let delay = frontdesk_domain::survey::parse_delay(&input.delay)
        .map_err(|m| ApiError::field("delay", &m))?;
    state.location(&location).await?;
    settings::save_survey_delay(&state, &staff.caller(), &location, delay).await?;
    let loc = state.location(&location).await?;
    Ok(Json(survey_settings_json(&state, &loc)))
}

// --- the page ---

/// What a settings form sent back: its fields as typed and their errors,
/// or a notice.
#[derive(Default)]
struct Extra {
    quote_input: Option<String>,
    quote_error: Option<String>,
    survey_input: Option<String>,
    survey_error: Option<String>,
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

async fn page_with(state: &AppState, staff: &Staff, location: &str, extra: Extra) -> PageResult {
    manager(staff)?;
    staff.caller().check(location)?;
    let loc = state.location(location).await?;
    let o = state.config.ack_override;
    let stored = loc.ack_policy;
    let input = extra.ack_input.unwrap_or(AckSettingsInput {
        first_within: format_duration(stored.first_within),
        recheck_every: format_duration(stored.recheck_every),
        escalate_after: format_duration(stored.escalate_after),
    });
    let complaints = match extra.complaint_input {
        Some(input) => input,
        None => ComplaintSettingsInput::from(&state.store.complaint_settings(&loc.id).await?),
    };
    let failed = !extra.errors.is_empty()
        || extra.quote_error.is_some()
        || extra.survey_error.is_some()
        || !extra.complaint_errors.is_empty()
        || !extra.provider_errors.is_empty()
        || !extra.import_errors.is_empty();
    let page = SettingsPage {
        nav: staff.nav(),
        location: loc.id.clone(),
        location_name: loc.name.clone(),
        notice: extra.notice,
        overridden: o.is_set(),
        ack_fields: ack_fields(&input, &o),
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
        survey_delay: extra
            .survey_input
            .unwrap_or_else(|| frontdesk_domain::survey::format_delay(loc.survey_delay)),
        survey_error: extra.survey_error,
        survey_overridden: state
            .config
            .survey_delay_override
            .map(frontdesk_domain::survey::format_delay),
        kiosks: kiosk_rows(&state.store.kiosks(&loc.id).await?, loc.zone()),
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with(status, &page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    location: Option<String>,
    saved: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let notice = q.saved.map(|what| match what.as_str() {
        "clocks" => "Acknowledgement clocks saved. They apply from now on.".to_string(),
        "provider" => "Provider saved.".to_string(),
        "kiosks" => "Kiosks saved.".to_string(),
        "survey" => "Survey setting saved. Visits done from now on follow it.".to_string(),
        "complaints" => {
            "Complaint settings saved. Open complaints' clocks follow them from now on.".to_string()
        }
        other => format!("Saved: {}", log_safe(other)),
    });
    let location = staff.at(q.location.as_deref())?;
    page_with(
        &state,
        &staff,
        &location,
        Extra {
            notice,
            ..Default::default()
        },
    )
    .await
}

/// The location's kiosks, in words.
fn kiosk_rows(kiosks: &[frontdesk_store::Kiosk], zone: chrono_tz::Tz) -> Vec<KioskRow> {
    let when = |t| crate::views::page::local(t, zone, "%d %b %H:%M");
    kiosks
        .iter()
        .map(|k| KioskRow {
            id: k.id,
            name: k.name.clone(),
            state: match (k.revoked_at, k.paired_at) {
                (Some(t), _) => format!("Revoked {}", when(t)),
                (None, Some(t)) => format!(
                    "Paired {}{}",
                    when(t),
                    k.last_seen_at
                        .map(|s| format!(", last used {}", when(s)))
                        .unwrap_or_default()
                ),
                (None, None) => "Waiting to be paired".to_string(),
            },
            in_service: k.in_service(),
            revoked: k.revoked_at.is_some(),
        })
        .collect()
}

/// Back to the settings page after a save, at the part that was saved.
fn saved(location: &str, what: &str, anchor: &str) -> PageResult {
    Ok(Redirect::to(&format!(
        "/settings?location={}&saved={what}{anchor}",
        url_encode(location)
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AckForm {
    location: String,
    #[serde(flatten)]
    input: AckSettingsInput,
}

async fn save_ack(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<AckForm>,
) -> PageResult {
    manager(&staff)?;
    let location = staff.at(Some(&form.location))?;
    match settings::save_ack_policy(&state, &location, &form.input, &staff.caller()).await {
        Ok(_) => saved(&location, "clocks", ""),
        Err(ApiError::InvalidFields(errors)) => {
            let extra = Extra {
                ack_input: Some(form.input),
                errors,
                ..Default::default()
            };
            page_with(&state, &staff, &location, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProviderForm {
    location: String,
    id: String,
    name: String,
}

async fn save_provider(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<ProviderForm>,
) -> PageResult {
    manager(&staff)?;
    let location = staff.at(Some(&form.location))?;
    match settings::save_provider(&state, &form.id, &form.name, &location, &staff.caller()).await {
        Ok(_) => saved(&location, "provider", ""),
        Err(ApiError::InvalidFields(errors)) if !errors.0.contains_key("location") => {
            let extra = Extra {
                provider_form: (form.id, form.name),
                provider_errors: errors,
                ..Default::default()
            };
            page_with(&state, &staff, &location, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ComplaintSettingsForm {
    location: String,
    #[serde(flatten)]
    input: ComplaintSettingsInput,
}

async fn save_complaints(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<ComplaintSettingsForm>,
) -> PageResult {
    manager(&staff)?;
    let location = staff.at(Some(&form.location))?;
    match settings::save_complaint_settings(&state, &location, &form.input, &staff.caller()).await {
        Ok(_) => saved(&location, "complaints", "#complaint-settings"),
        Err(ApiError::InvalidFields(errors)) => {
            let extra = Extra {
                complaint_input: Some(form.input),
                complaint_errors: errors,
                ..Default::default()
            };
            page_with(&state, &staff, &location, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QuoteForm {
    location: String,
    percent: String,
}

async fn save_quotes(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<QuoteForm>,
) -> PageResult {
    manager(&staff)?;
    let location = staff.at(Some(&form.location))?;
    match parse_quote_percent(&form.percent) {
        Ok(percent) => {
            settings::save_quote_percent(&state, &staff.caller(), &location, percent).await?;
            saved(&location, "quotes", "#quote-settings")
        }
        Err(message) => {
            let extra = Extra {
                quote_input: Some(form.percent),
                quote_error: Some(message.to_string()),
                ..Default::default()
            };
            page_with(&state, &staff, &location, extra).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SurveyForm {
    location: String,
    delay: String,
}

async fn save_survey(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<SurveyForm>,
) -> PageResult {
    manager(&staff)?;
    let location = staff.at(Some(&form.location))?;
    match frontdesk_domain::survey::parse_delay(&form.delay) {
        Ok(delay) => {
            settings::save_survey_delay(&state, &staff.caller(), &location, delay).await?;
            saved(&location, "survey", "#survey-settings")
        }
        Err(message) => {
            let extra = Extra {
                survey_input: Some(form.delay),
                survey_error: Some(message),
                ..Default::default()
            };
            page_with(&state, &staff, &location, extra).await
        }
    }
}

/// Upload of an appointment CSV. All rows or none unless "skip bad rows" is ticked.
async fn import(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    mut multipart: Multipart,
) -> PageResult {
    manager(&staff)?;
    let unreadable = || PageError(ApiError::BadRequest("The upload could not be read".into()));
    let mut csrf = String::new();
    let mut skip_bad_rows = false;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|_| unreadable())?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "skip_bad_rows" => skip_bad_rows = !bytes.is_empty(),
            "file" => file = Some(bytes.to_vec()),
            _ => {}
        }
    }
    if !staff.csrf_ok(&csrf) {
        return Err(ApiError::Forbidden.into());
    }
    let imported = match file.filter(|f| !f.is_empty()) {
        None => Imported::Refused(
            vec!["file: Required field missing".into()],
            "No file was chosen.".into(),
        ),
        Some(file) => {
            settings::import_appointments(&state, &file, skip_bad_rows, &staff.caller()).await?
        }
    };
    let extra = match imported {
        Imported::Done(message) => Extra {
            notice: Some(message),
            ..Default::default()
        },
        Imported::Refused(errors, summary) => Extra {
            import_errors: errors,
            import_summary: summary,
            ..Default::default()
        },
    };
    // The page again at their own location (the rows went to theirs).
    page_with(&state, &staff, &staff.at(None)?, extra).await
}
