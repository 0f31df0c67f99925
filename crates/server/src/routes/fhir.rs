//! FHIR R4 under `/fhir/r4` (`application/fhir+json`), for an EHR's
//! interface engine with the bearer token of an integration or admin
//! account: a transaction or batch Bundle of Patient, Practitioner, Location
//! and Appointment in, one Appointment updated, the day's Appointments and
//! Encounters out, and the CapabilityStatement (no token, as FHIR servers
//! do). Errors are OperationOutcomes naming the entry and field.

use crate::app::schedule::{self, Known};
use crate::error::ApiError;
use crate::http::extract::base_url;
use crate::http::fhir::{Fhir, FhirBody, FhirError, Integrator};
use crate::state::AppState;
use crate::views::fhir::{
    Appointment, Encounter, Issue, capability_statement, field_issues, operation_outcome, searchset,
};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use chrono::NaiveDate;
use frontdesk_domain::fhir::{Directory, read_bundle, read_single_appointment};
use frontdesk_store::{ScheduleOutcome, ScheduleResult};
use serde_json::{Value, json};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/fhir/r4/metadata", get(metadata))
        .route("/fhir/r4", post(transaction))
        .route("/fhir/r4/Appointment", get(appointments))
        .route("/fhir/r4/Appointment/{id}", put(update_appointment))
        .route("/fhir/r4/Encounter", get(encounters))
}

fn fhir_base(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}/fhir/r4", base_url(state, headers))
}

async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Fhir {
    Fhir(
        StatusCode::OK,
        capability_statement(&fhir_base(&state, &headers), state.now()),
    )
}

/// Read with what the caller may see.
fn read_with<T>(known: &Known, read: impl FnOnce(&Directory) -> T) -> T {
    let zone_of = |id: &str| known.zone_of(id);
    let provider_known = |id: &str| known.provider_known(id);
    let dir = Directory {
        zone_of: &zone_of,
        provider_known: &provider_known,
        today: known.today,
    };
    read(&dir)
}

/// A transaction-response entry for an applied appointment.
fn applied_entry(o: &ScheduleOutcome) -> Value {
    let location = format!("Appointment/{}", o.visit_id);
    match &o.result {
        ScheduleResult::Created => {
            json!({"response": {"status": "201 Created", "location": location}})
        }
        ScheduleResult::Updated => json!({"response": {"status": "200 OK", "location": location}}),
        ScheduleResult::Unchanged(why) => json!({"response": {
            "status": "200 OK",
            "location": location,
            "outcome": operation_outcome(&[Issue {
                severity: "warning",
                code: "business-rule",
                diagnostics: format!("Not changed: {why}"),
                expression: None,
            }]),
        }}),
    }
}

fn status_line(status: StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
}

/// `POST /fhir/r4`: a transaction (all or nothing) or a batch (each entry
/// on its own).
async fn transaction(
    State(state): State<AppState>,
    Integrator(staff): Integrator,
    FhirBody(body): FhirBody,
) -> Result<Fhir, FhirError> {
    let caller = staff.caller();
    let known = schedule::known(&state, &caller).await?;
    let read = read_with(&known, |dir| read_bundle(&body, dir)).map_err(ApiError::InvalidFields)?;
    if !read.batch {
        let errors = read.errors();
        if !errors.is_empty() {
            return Err(ApiError::InvalidFields(errors).into());
        }
        let changes: Vec<_> = read
            .entries
            .iter()
            .filter_map(|e| e.outcome.clone().ok().flatten())
            .collect();
        let outcomes = schedule::apply(&state, &caller, &changes).await?;
        let mut applied = outcomes.iter();
        let entry: Vec<Value> = read
            .entries
            .iter()
            .map(|e| match (&e.outcome, e.resource_type.as_str()) {
                (Ok(Some(_)), _) => applied
                    .next()
                    .map(applied_entry)
                    .unwrap_or_else(|| json!({"response": {"status": "200 OK"}})),
                _ => json!({"response": {"status": "200 OK"}}),
            })
            .collect();
        return Ok(Fhir(
            StatusCode::OK,
            json!({"resourceType": "Bundle", "type": "transaction-response", "entry": entry}),
        ));
    }
    // A batch: each Appointment in its own transaction.
    let mut entry = Vec::with_capacity(read.entries.len());
    for e in &read.entries {
        let answer = match &e.outcome {
            Err(errors) => json!({"response": {
                "status": status_line(StatusCode::UNPROCESSABLE_ENTITY),
                "outcome": operation_outcome(&field_issues(errors)),
            }}),
            Ok(None) => json!({"response": {"status": "200 OK"}}),
            Ok(Some(change)) => {
                match schedule::apply(&state, &caller, std::slice::from_ref(change)).await {
                    Ok(outcomes) => outcomes
                        .first()
                        .map(applied_entry)
                        .unwrap_or_else(|| json!({"response": {"status": "200 OK"}})),
                    Err(ApiError::Internal(detail)) => {
                        tracing::error!(error = %detail, "FHIR batch entry failed");
                        json!({"response": {"status": status_line(StatusCode::INTERNAL_SERVER_ERROR)}})
                    }
                    Err(err) => json!({"response": {
                        "status": status_line(err.status()),
                        "outcome": operation_outcome(&[Issue {
                            severity: "error",
                            code: "processing",
                            diagnostics: err.to_string(),
                            expression: None,
                        }]),
                    }}),
                }
            }
        };
        entry.push(answer);
    }
    Ok(Fhir(
        StatusCode::OK,
        json!({"resourceType": "Bundle", "type": "batch-response", "entry": entry}),
    ))
}

/// `PUT /fhir/r4/Appointment/{id}`: change an appointment Frontdesk holds
/// (its id as read from a search). The identifier and location stay those
/// it was made with; a new appointment comes in a transaction or batch.
async fn update_appointment(
    State(state): State<AppState>,
    Integrator(staff): Integrator,
    Path(id): Path<String>,
    FhirBody(mut body): FhirBody,
) -> Result<Fhir, FhirError> {
    let caller = staff.caller();
    let visit_id = id
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(ApiError::NotFound)?;
    let held = schedule::visit(&state, visit_id).await?;
    caller.check(&held.visit.location)?;
    let Some(appointment_id) = held.visit.appointment_id.clone() else {
        return Err(ApiError::NotFound.into());
    };
    if let Some(sent) = body.get("id").and_then(Value::as_str)
        && sent != id
    {
        return Err(ApiError::field("Appointment.id", "Must be the id in the address").into());
    }
    // Without an identifier it is the one held.
    if body.get("identifier").is_none() && body.is_object() {
        body["identifier"] = json!([{"value": appointment_id}]);
    }
    let known = schedule::known(&state, &caller).await?;
    let change = read_with(&known, |dir| read_single_appointment(&body, dir))
        .map_err(ApiError::InvalidFields)?;
    if change.appointment.appointment_id != appointment_id {
        return Err(ApiError::field(
            "Appointment.identifier",
            &format!("Appointment/{id} has the identifier {appointment_id:?}"),
        )
        .into());
    }
    if change.appointment.location != held.visit.location {
        return Err(ApiError::field(
            "Appointment.participant",
            "An appointment stays at its location: cancel it and book a new one elsewhere",
        )
        .into());
    }
    let outcomes = schedule::apply(&state, &caller, std::slice::from_ref(&change)).await?;
    let id = outcomes.first().map_or(visit_id, |o| o.visit_id);
    let now_held = schedule::visit(&state, id).await?;
    let location = known
        .location(&now_held.visit.location)
        .ok_or(ApiError::NotFound)?;
    let mut answer = serde_json::to_value(Appointment::of(&now_held, location))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(ScheduleOutcome {
        result: ScheduleResult::Unchanged(why),
        ..
    }) = outcomes.first()
    {
        // Said where an interface analyst looks: the answer's text.
        answer["text"] = json!({"status": "generated", "div": format!(
            "<div xmlns=\"http://www.w3.org/1999/xhtml\">Not changed: {}</div>",
            why.replace('&', "&amp;").replace('<', "&lt;")
        )});
    }
    Ok(Fhir(StatusCode::OK, answer))
}

/// The search parameters we take; anything else is ignored, as FHIR allows.
struct Search {
    /// None: today.
    date: Option<NaiveDate>,
    location: Option<String>,
}

fn search(query: &[(String, String)]) -> Result<Search, ApiError> {
    let mut date = None;
    let mut location = None;
    for (k, v) in query {
        match k.as_str() {
            "date" => {
                let text = v.trim();
                let text = text.strip_prefix("eq").unwrap_or(text);
                let day = text.get(..10).unwrap_or(text);
                date = Some(NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                    ApiError::BadRequest(format!(
                        "date: {v:?} not understood; write it as YYYY-MM-DD"
                    ))
                })?);
            }
            "location" => {
                let v = v.trim();
                let id = v.rsplit('/').next().unwrap_or(v);
                location = Some(id.to_string());
            }
            _ => {}
        }
    }
    Ok(Search { date, location })
}

async fn appointments(
    State(state): State<AppState>,
    headers: HeaderMap,
    Integrator(staff): Integrator,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Result<Fhir, FhirError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let s = search(&query)?;
    let (date, days) = schedule::day(
        &state,
        &staff.caller(),
        s.location.as_deref(),
        s.date,
        "fhir.appointment.search",
    )
    .await?;
    let mut found = Vec::new();
    for (location, visits) in &days {
        for v in visits.iter().filter(|v| v.visit.appointment_id.is_some()) {
            found.push((v.visit.id.to_string(), Appointment::of(v, location)));
        }
    }
    let base = fhir_base(&state, &headers);
    let self_url = format!("{base}/Appointment?date={date}");
    Ok(Fhir(
        StatusCode::OK,
        searchset(&base, "Appointment", &self_url, &found),
    ))
}

async fn encounters(
    State(state): State<AppState>,
    headers: HeaderMap,
    Integrator(staff): Integrator,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Result<Fhir, FhirError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let s = search(&query)?;
    let (date, days) = schedule::day(
        &state,
        &staff.caller(),
        s.location.as_deref(),
        s.date,
        "fhir.encounter.search",
    )
    .await?;
    let now = state.now();
    let mut found = Vec::new();
    for (location, visits) in &days {
        let policy = state.ack_policy(&location.id).await?;
        for v in visits {
            found.push((
                v.visit.id.to_string(),
                Encounter::of(v, location, &policy, now),
            ));
        }
    }
    let base = fhir_base(&state, &headers);
    let self_url = format!("{base}/Encounter?date={date}");
    Ok(Fhir(
        StatusCode::OK,
        searchset(&base, "Encounter", &self_url, &found),
    ))
}
