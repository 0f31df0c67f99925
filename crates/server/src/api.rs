//! The JSON API under `/api/v1`, described by `/api/v1/openapi.json`.
//!
//! The actions here (check in, acknowledge, move) are also what the HTML forms
//! call, so a rule is applied the same way whichever door a request comes in by.

use crate::AppState;
pub use crate::app::visits::CheckedIn;
use crate::auth::{self, Staff};
use crate::error::ApiError;
use crate::events::LiveEvent;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::SecondsFormat;
use frontdesk_domain::duration::{format_duration, parse_duration};
use frontdesk_domain::patient::{Arrival, ArrivalInput};
use frontdesk_domain::{AckPolicy, FieldErrors, Role, Timestamp, VisitState, fields};
use frontdesk_store::{Actor, NewVisit, Provider, StoreError, Visit};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/sessions", post(create_session).delete(end_session))
        .route("/visits", post(check_in))
        .route("/visits/{id}", get(visit))
        .route("/visits/{id}/acknowledgements", post(acknowledge))
        .route("/visits/{id}/transitions", post(transition))
        .route("/lobby", get(lobby))
        .route("/providers", get(providers).post(add_provider))
        .route(
            "/settings/acknowledgement",
            get(ack_settings).put(save_ack_settings),
        )
        .route(
            "/settings/quotes",
            get(crate::settings::quote_settings_api).put(crate::settings::save_quote_settings_api),
        )
        .route(
            "/settings/complaints",
            get(crate::settings::complaint_settings_api)
                .put(crate::settings::save_complaint_settings_api),
        )
        .route("/users", get(list_users).post(create_user))
        .route(
            "/promises",
            get(crate::promises::list).post(crate::promises::create),
        )
        .route("/promises/{id}/fulfil", post(crate::promises::fulfil))
        .route("/tone", post(crate::tone::check))
        .route("/outbox", get(crate::outbox::list_api))
        .route(
            "/visits/{id}/concerns",
            get(crate::concerns::visit_list_api).post(crate::concerns::raise_api),
        )
        .route("/concerns", get(crate::concerns::list_api))
        .route(
            "/complaints",
            get(crate::complaints::list_api).post(crate::complaints::create_api),
        )
        .route("/complaints/{id}", get(crate::complaints::get_api))
        .route(
            "/complaints/{id}/letter",
            get(crate::complaints::letter_api),
        )
        .route(
            "/complaints/{id}/{action}",
            post(crate::complaints::work_api),
        )
        .route("/concerns/{id}/answer", post(crate::concerns::answer_api))
        .route(
            "/concerns/{id}/follow-up",
            post(crate::concerns::follow_up_api),
        )
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

/// ISO 8601 in UTC, as every API time is written.
pub fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn opt_time(t: Option<Timestamp>) -> Value {
    t.map(|t| Value::String(time(t))).unwrap_or(Value::Null)
}

/// A JSON body: malformed JSON is a 400; a field of the wrong type is a 422
/// that names the field. Any content type is accepted.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest("The request body could not be read".into())
            }
        })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {e}")))?;
        if !value.is_object() {
            return Err(ApiError::BadRequest("Expected a JSON object".into()));
        }
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let field = if path.is_empty() || path == "." {
                    "body".to_string()
                } else {
                    path
                };
                let inner = e.into_inner().to_string();
                let message = if inner.contains("invalid type") {
                    "Wrong kind of value (expected text)".to_string()
                } else {
                    inner
                };
                ApiError::field(&field, &message)
            })
    }
}

/// Query parameters; ones that cannot be read are a 400 in the API's shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| {
                ApiError::BadRequest(format!(
                    "The query string could not be read: {}",
                    e.body_text()
                ))
            })
    }
}

/// One path segment as text; anything unreadable is simply not found.
pub struct ApiPath(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ApiPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| ApiPath(p))
            .map_err(|_| ApiError::NotFound)
    }
}

/// A visit id from the path; anything that is not one is simply not found.
fn visit_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

/// The API's view of a visit, with its acknowledgement clock evaluated now.
pub fn visit_json(v: &Visit, policy: &AckPolicy, now: Timestamp) -> Value {
    let clock = policy.clock(v.ack_facts(), now);
    json!({
        "id": v.id,
        "location": v.location,
        "state": v.state.as_str(),
        "given_name": v.given_name,
        "family_name": v.family_name,
        "preferred_name": v.preferred_name,
        "public_name": v.public_name(),
        "date_of_birth": v.date_of_birth.map(|d| d.to_string()),
        "provider": v.provider,
        "visit_type": v.visit_type,
        "appointment_id": v.appointment_id,
        "scheduled_at": opt_time(v.scheduled_at),
        "arrived_at": opt_time(v.arrived_at),
        "last_acknowledged_at": opt_time(v.last_acknowledged_at),
        "acknowledged_by": v.acknowledged_by,
        "ack_due_at": opt_time(clock.map(|c| c.due_at)),
        "ack_status": clock.map(|c| c.status.as_str()),
        "ack_escalates_at": opt_time(clock.map(|c| c.escalates_at)),
        "state_changed_at": time(v.state_changed_at),
        "allowed_transitions": v.state.allowed_next().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    })
}

// --- sessions ---

#[derive(Deserialize, Default)]
#[serde(default)]
struct Login {
    username: String,
    password: String,
}

async fn create_session(
    State(state): State<AppState>,
    ApiJson(login): ApiJson<Login>,
) -> Result<Json<Value>, ApiError> {
    let mut missing = FieldErrors::new();
    if login.username.trim().is_empty() {
        missing.add("username", fields::REQUIRED);
    }
    if login.password.is_empty() {
        missing.add("password", fields::REQUIRED);
    }
    if !missing.is_empty() {
        return Err(missing.into());
    }
    let user = auth::check_login(&state, &login.username, &login.password)
        .await?
        .ok_or(ApiError::WrongCredentials)?;
    let (token, csrf) = auth::start_session(&state, &user).await?;
    Ok(Json(json!({
        "token": token,
        "csrf_token": csrf,
        "user": {"username": user.username, "role": user.role.as_str()},
        "idle_timeout_s": state.config.idle_timeout.num_seconds(),
    })))
}

async fn end_session(State(state): State<AppState>, staff: Staff) -> Result<StatusCode, ApiError> {
    state.store.delete_session(&staff.token_hash).await?;
    auth::forget_sessions(&state);
    Ok(StatusCode::NO_CONTENT)
}

// --- visits ---

pub async fn do_check_in(
    state: &AppState,
    input: &ArrivalInput,
    actor: &Actor,
) -> Result<CheckedIn, ApiError> {
    let now = state.now();
    let location_id = input
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or("main")
        .to_string();
    let location = match state.location(&location_id).await {
        Ok(l) => Some(l),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let today = now
        .with_timezone(
            &location
                .as_ref()
                .map(|l| l.zone())
                .unwrap_or(chrono_tz::UTC),
        )
        .date_naive();
    let arrival = Arrival::parse(input, today);
    let (arrival, location) = match (arrival, location) {
        (Ok(a), Some(l)) => (a, l),
        (result, location) => {
            let mut errors = result.err().unwrap_or_default();
            if location.is_none() {
                errors.add("location", "Unknown location");
            }
            return Err(errors.into());
        }
    };
    let contacts = crate::outbox::contacts_of(&arrival.patient);
    let who = match &arrival.appointment_id {
        Some(appointment) => match state
            .store
            .appointment_visit(&location.id, appointment)
            .await
        {
            Err(StoreError::NotFound) => {
                return Err(ApiError::field(
                    "appointment_id",
                    "No appointment with this id at this location",
                ));
            }
            other => crate::app::visits::Who::Expected(Box::new(other?)),
        },
        None => crate::app::visits::Who::WalkIn(NewVisit {
            location: location.id.clone(),
            provider: arrival.provider,
            visit_type: arrival.visit_type,
            patient: arrival.patient,
        }),
    };
    crate::app::visits::check_in(
        state,
        &location,
        crate::app::visits::Arriving {
            who,
            contacts,
            question: None,
        },
        actor,
    )
    .await
}

pub async fn do_acknowledge(state: &AppState, id: i64, actor: &Actor) -> Result<Visit, ApiError> {
    let now = state.now();
    let visit = state.store.acknowledge(id, actor, now).await?;
    let mut event = LiveEvent::for_visit("acknowledged", &visit, now);
    event.extra["by"] = json!(actor.as_str());
    state.publish(event);
    Ok(visit)
}

pub async fn do_transition(
    state: &AppState,
    id: i64,
    to: &str,
    actor: &Actor,
) -> Result<Visit, ApiError> {
    let to: VisitState = to.trim().parse().map_err(|_| {
        let names: Vec<&str> = VisitState::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::field(
            "to",
            &format!("Unknown state; use one of {}", names.join(", ")),
        )
    })?;
    let now = state.now();
    let before = state.store.visit_record(id).await?;
    // An expected patient marked as arrived from the board: their wait
    // promise is made with the move.
    let arriving = before.state == VisitState::Expected && to == VisitState::Waiting;
    let promise = arriving.then(|| {
        crate::promises::draft_wait_promise(
            state,
            &before.location,
            &before.provider,
            before.scheduled_at,
            now,
        )
    });
    let after = state
        .store
        .transition(id, to, promise.as_ref(), actor, now)
        .await?;
    if arriving {
        crate::promises::arrived(state, &after, now);
    } else {
        crate::promises::moved(state, &after, now);
    }
    let mut event = LiveEvent::for_visit("transitioned", &after, now);
    event.extra["by"] = json!(actor.as_str());
    state.publish(event);
    Ok(after)
}

async fn check_in(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<ArrivalInput>,
) -> Result<impl IntoResponse, ApiError> {
    let CheckedIn {
        visit, status_path, ..
    } = do_check_in(&state, &input, &staff.actor()).await?;
    let policy = state.ack_policy(&visit.location).await?;
    let mut body = visit_json(&visit, &policy, state.now());
    // The patient's private status link, shown only now.
    body["status_url"] = json!(status_path);
    Ok((StatusCode::CREATED, Json(body)))
}

async fn visit(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
) -> Result<Json<Value>, ApiError> {
    let id = visit_id(&id)?;
    let now = state.now();
    let (visit, timeline) = state.store.visit(id, &staff.actor(), now).await?;
    let policy = state.ack_policy(&visit.location).await?;
    let mut body = visit_json(&visit, &policy, now);
    body["promise"] = state
        .store
        .visit_promise(id)
        .await?
        .map_or(Value::Null, |p| crate::promises::promise_json(&p));
    body["timeline"] = timeline
        .iter()
        .map(|e| {
            json!({
                "at": time(e.at),
                "kind": e.kind,
                "actor": e.actor,
                "detail": e.detail,
                "description": e.describe(),
            })
        })
        .collect();
    Ok(Json(body))
}

async fn acknowledge(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
) -> Result<impl IntoResponse, ApiError> {
    let visit = do_acknowledge(&state, visit_id(&id)?, &staff.actor()).await?;
    let policy = state.ack_policy(&visit.location).await?;
    Ok((
        StatusCode::CREATED,
        Json(visit_json(&visit, &policy, state.now())),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TransitionInput {
    to: String,
}

async fn transition(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<Value>, ApiError> {
    let id = visit_id(&id)?;
    if input.to.trim().is_empty() {
        return Err(ApiError::field("to", fields::REQUIRED));
    }
    let visit = do_transition(&state, id, &input.to, &staff.actor()).await?;
    let policy = state.ack_policy(&visit.location).await?;
    Ok(Json(visit_json(&visit, &policy, state.now())))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LocationQuery {
    pub location: Option<String>,
}

impl LocationQuery {
    pub fn id(&self) -> &str {
        self.location
            .as_deref()
            .filter(|l| !l.is_empty())
            .unwrap_or("main")
    }
}

async fn lobby(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    let policy = state.ack_policy(q.id()).await?;
    let visits = state.store.lobby(q.id(), Some(&staff.actor()), now).await?;
    let promises = open_wait_promises_by_visit(&state).await?;
    let list: Vec<Value> = visits
        .iter()
        .map(|v| {
            let mut json = visit_json(v, &policy, now);
            json["promise"] = promises
                .get(&v.id)
                .map_or(Value::Null, crate::promises::promise_json);
            json
        })
        .collect();
    Ok(Json(
        json!({"location": q.id(), "now": time(now), "visits": list}),
    ))
}

/// Open wait promises by visit id.
pub async fn open_wait_promises_by_visit(
    state: &AppState,
) -> Result<std::collections::HashMap<i64, frontdesk_store::Promise>, ApiError> {
    Ok(state
        .store
        .open_wait_promises()
        .await?
        .into_iter()
        .filter_map(|p| p.visit_id.map(|id| (id, p)))
        .collect())
}

// --- providers and settings ---

async fn providers(State(state): State<AppState>, _staff: Staff) -> Result<Json<Value>, ApiError> {
    let list: Vec<Value> = state
        .store
        .providers()
        .await?
        .into_iter()
        .map(|p| json!({"id": p.id, "name": p.name, "location": p.location}))
        .collect();
    Ok(Json(json!({"providers": list})))
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
    staff.require(Role::can_change_settings)?;
    let mut errors = FieldErrors::new();
    let id = errors.check("id", fields::short_id(&input.id));
    let name = errors.check("name", fields::required_text(&input.name));
    let location = input.location.unwrap_or_else(|| "main".into());
    let provider = errors.into_result(|| Provider {
        id: id.unwrap_or_default(),
        name: name.unwrap_or_default(),
        location,
    })?;
    state
        .store
        .upsert_provider(&provider, &staff.actor(), state.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": provider.id, "name": provider.name, "location": provider.location})),
    ))
}

fn policy_json(stored: &AckPolicy, state: &AppState) -> Value {
    let effective = state.config.ack_override.apply(*stored);
    let o = state.config.ack_override;
    json!({
        "first_within": format_duration(effective.first_within),
        "recheck_every": format_duration(effective.recheck_every),
        "escalate_after": format_duration(effective.escalate_after),
        "stored": {
            "first_within": format_duration(stored.first_within),
            "recheck_every": format_duration(stored.recheck_every),
            "escalate_after": format_duration(stored.escalate_after),
        },
        "overridden_by_environment": {
            "first_within": o.first_within.is_some(),
            "recheck_every": o.recheck_every.is_some(),
            "escalate_after": o.escalate_after.is_some(),
        },
    })
}

async fn ack_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<Value>, ApiError> {
    staff.require(Role::can_change_settings)?;
    let location = state.location(q.id()).await?;
    Ok(Json(policy_json(&location.ack_policy, &state)))
}

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

async fn save_ack_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
    ApiJson(input): ApiJson<AckSettingsInput>,
) -> Result<Json<Value>, ApiError> {
    staff.require(Role::can_change_settings)?;
    let policy = parse_ack_settings(&input)?;
    state
        .store
        .save_ack_policy(q.id(), policy, &staff.actor(), state.now())
        .await?;
    state.locations_changed();
    Ok(Json(policy_json(&policy, &state)))
}

// --- staff accounts (admins) ---

async fn list_users(State(state): State<AppState>, staff: Staff) -> Result<Json<Value>, ApiError> {
    staff.require(Role::can_manage_users)?;
    let users: Vec<Value> = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| json!({"username": u.username, "role": u.role.as_str(), "disabled": u.disabled}))
        .collect();
    Ok(Json(json!({"users": users})))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewUserInput {
    username: String,
    role: String,
    password: String,
}

async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<NewUserInput>,
) -> Result<impl IntoResponse, ApiError> {
    staff.require(Role::can_manage_users)?;
    let user = crate::users::add_user(
        &state,
        &staff,
        &input.username,
        &input.role,
        &input.password,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"username": user.username, "role": user.role.as_str()})),
    ))
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}
