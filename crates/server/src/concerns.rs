//! Concerns: a patient's questions, in their own words, tracked until the
//! patient confirms the answer. The JSON API, the forms on the visit page, and
//! the reply check: every staff answer passes through the tone coach first.
//! On the page a flagged answer is held and shown with the coach's reasons;
//! staff revise it or send it anyway, and sending anyway is recorded with the
//! flags. API clients are expected to call `/api/v1/tone` first; an answer
//! they send with flags is recorded the same way.

use crate::AppState;
use crate::api::{ApiJson, ApiPath, time};
use crate::auth::{PageStaff, Staff};
use crate::error::ApiError;
use crate::events::LiveEvent;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_domain::concern::{self, Source};
use frontdesk_domain::{FieldErrors, Timestamp};
use frontdesk_store::{Actor, Concern, ConcernAnswer, ConcernStatus, NewConcern, Promise};
use frontdesk_tone::{ReplyCheck, Verdict};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn concern_json(c: &Concern) -> Value {
    json!({
        "id": c.id,
        "visit_id": c.visit_id,
        "text": c.text,
        "source": c.source.as_str(),
        "raised_by": c.raised_by,
        "raised_at": time(c.raised_at),
        "owner": c.owner,
        "status": c.status.as_str(),
        "answer": c.answer,
        "answered_by": c.answered_by,
        "answered_at": c.answered_at.map(time),
        "first_answered_at": c.first_answered_at.map(time),
        "minutes_to_first_answer": c.first_answered_at.map(|t| concern::minutes_to_first_answer(c.raised_at, t)),
        "sent_despite_tone_flags": c.tone_flags.split(',').filter(|f| !f.is_empty()).collect::<Vec<_>>(),
        "patient_note": c.patient_note,
        "promise_id": c.promise_id,
    })
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(ApiError::NotFound)
}

/// Raise a concern on a visit: validated, recorded with its timeline event,
/// and announced to every board. The caller checks patient words for upset.
pub async fn raise(
    state: &AppState,
    visit_id: i64,
    text: &str,
    source: Source,
    owner: Option<&str>,
    actor: &Actor,
) -> Result<Concern, ApiError> {
    let mut errors = FieldErrors::new();
    let text = errors.check("text", concern::words(text));
    let owner = match owner.map(str::trim).filter(|o| !o.is_empty()) {
        Some(o) => errors.check("owner", crate::users::valid_username(o)),
        None => None,
    };
    let Some(text) = text.filter(|_| errors.is_empty()) else {
        return Err(ApiError::InvalidFields(errors));
    };
    let now = state.now();
    let concern = state
        .store
        .raise_concern(
            &NewConcern {
                visit_id,
                text,
                source,
                owner,
            },
            actor,
            now,
        )
        .await?;
    state.publish(LiveEvent {
        name: "concern_raised",
        visit_id,
        location: concern.location.clone(),
        at: now,
        extra: json!({"concern_id": concern.id}),
    });
    Ok(concern)
}

/// What happened to an answer.
pub enum Answered {
    /// Recorded; the patient is asked to confirm it.
    Sent(Box<Concern>, ReplyCheck),
    /// The coach flagged it and staff have not chosen to send it anyway.
    Held(ReplyCheck),
}

/// Check an answer with the tone coach and record it, unless `hold_if_flagged`
/// and the coach says revise. An empty answer is refused field by field.
pub async fn answer(
    state: &AppState,
    id: i64,
    text: &str,
    hold_if_flagged: bool,
    actor: &Actor,
) -> Result<Answered, ApiError> {
    let text = concern::answer_text(text).map_err(|m| ApiError::field("text", m))?;
    let check = frontdesk_tone::check_reply(&text);
    let flagged = check.verdict == Verdict::Revise;
    if flagged && hold_if_flagged {
        return Ok(Answered::Held(check));
    }
    let mut flags: Vec<String> = check
        .flags
        .iter()
        .map(|f| f.kind.as_str().to_string())
        .collect();
    flags.dedup();
    let now = state.now();
    let concern = state
        .store
        .answer_concern(
            id,
            &ConcernAnswer {
                text,
                sent_anyway_flags: flags,
            },
            actor,
            now,
        )
        .await?;
    state.publish(LiveEvent {
        name: "concern_answered",
        visit_id: concern.visit_id,
        location: concern.location.clone(),
        at: now,
        extra: json!({"concern_id": concern.id}),
    });
    Ok(Answered::Sent(Box::new(concern), check))
}

/// Turn a concern into a follow-up promise (kind and due time as for any
/// promise: the due time is suggested from history when not given).
pub async fn follow_up(
    state: &AppState,
    staff: &Staff,
    id: i64,
    mut input: crate::promises::PromiseInput,
) -> Result<(Concern, Promise, Value), ApiError> {
    let c = state.store.concern(id).await?;
    c.status
        .can_follow_up()
        .map_err(|e| ApiError::InvalidTransition(e.to_string()))?;
    if input.kind.trim().is_empty() {
        input.kind = "callback".into();
    }
    if input.kind.trim() == "seen_by" {
        return Err(ApiError::field(
            "kind",
            "Use callback, refill, results, form, referral or other",
        ));
    }
    input.visit_id = Some(c.visit_id);
    input.patient_id = None;
    if input.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        input.note = Some(c.text.chars().take(100).collect());
    }
    let prepared = crate::promises::prepare(state, staff, input).await?;
    let (concern, promise) = state
        .store
        .follow_up_concern(id, &prepared.promise, &staff.actor(), state.now())
        .await?;
    let body = prepared.answer(&promise);
    Ok((concern, promise, body))
}

/// How quickly the listed concerns got a first answer (the rule is the
/// domain's: [`concern::time_to_first_answer`]).
pub fn time_to_first_answer(list: &[Concern]) -> concern::TimeToFirstAnswer {
    concern::time_to_first_answer(
        list.iter()
            .filter_map(|c| {
                c.first_answered_at
                    .map(|t| concern::minutes_to_first_answer(c.raised_at, t))
            })
            .collect(),
    )
}

// --- JSON API ---

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RaiseInput {
    text: String,
    owner: Option<String>,
    source: Option<String>,
}

pub async fn raise_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
    ApiJson(input): ApiJson<RaiseInput>,
) -> Result<impl IntoResponse, ApiError> {
    let visit_id = parse_id(&id)?;
    let source = match input.source.as_deref().map(str::trim) {
        None | Some("") => Source::Staff,
        Some(s) => s
            .parse()
            .map_err(|_| ApiError::field("source", "Use kiosk, status_page, staff or portal"))?,
    };
    let c = raise(
        &state,
        visit_id,
        &input.text,
        source,
        input.owner.as_deref(),
        &staff.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(concern_json(&c))))
}

pub async fn visit_list_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
) -> Result<Json<Value>, ApiError> {
    let visit_id = parse_id(&id)?;
    // Reading the visit checks it exists and audits the read.
    state
        .store
        .visit(visit_id, &staff.actor(), state.now())
        .await?;
    let list = state.store.visit_concerns(visit_id).await?;
    Ok(Json(
        json!({"concerns": list.iter().map(concern_json).collect::<Vec<_>>()}),
    ))
}

pub async fn list_api(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiQuery(q): crate::api::ApiQuery<crate::api::LocationQuery>,
) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    let list = state
        .store
        .location_concerns(q.id(), now - chrono::Duration::days(7))
        .await?;
    state
        .store
        .audit(
            &staff.actor(),
            "concerns.read",
            &format!("location:{}", q.id()),
            now,
        )
        .await?;
    Ok(Json(json!({
        "concerns": list.iter().map(concern_json).collect::<Vec<_>>(),
        "time_to_first_answer": json!(time_to_first_answer(&list)),
    })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerInput {
    text: String,
}

pub async fn answer_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
    ApiJson(input): ApiJson<AnswerInput>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    match answer(&state, id, &input.text, false, &staff.actor()).await? {
        Answered::Sent(c, check) => {
            let mut body = concern_json(&c);
            body["tone"] = crate::tone::reply_json(&check);
            Ok(Json(body))
        }
        Answered::Held(_) => unreachable!("the API never holds an answer"),
    }
}

pub async fn follow_up_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
    ApiJson(input): ApiJson<crate::promises::PromiseInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id = parse_id(&id)?;
    let (c, _, promise) = follow_up(&state, &staff, id, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"concern": concern_json(&c), "promise": promise})),
    ))
}

// --- the visit page's forms ---

/// One concern as the visit page shows it.
pub struct ConcernView {
    pub id: i64,
    pub text: String,
    pub source: &'static str,
    pub raised: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub needs_answer: bool,
    pub can_answer: bool,
    pub answer: String,
    pub answered_by: String,
    pub owner: String,
    pub patient_note: String,
    pub sent_anyway: String,
    /// A held draft answer and the coach's flags on it.
    pub draft: String,
    pub flags: Vec<FlagView>,
}

pub struct FlagView {
    pub kind: String,
    pub quote: String,
    pub why: String,
    pub suggestion: String,
}

pub fn flag_views(text: &str, check: &ReplyCheck) -> Vec<FlagView> {
    check
        .flags
        .iter()
        .map(|f| FlagView {
            kind: f.kind.as_str().replace('_', " "),
            quote: text
                .chars()
                .skip(f.start)
                .take(f.end.saturating_sub(f.start))
                .collect(),
            why: f.why.to_string(),
            suggestion: f.suggestion.to_string(),
        })
        .collect()
}

pub fn concern_view(
    c: &Concern,
    zone: chrono_tz::Tz,
    held: Option<&(i64, String, ReplyCheck)>,
) -> ConcernView {
    let local = |t: Timestamp| t.with_timezone(&zone).format("%H:%M").to_string();
    let (draft, flags) = match held {
        Some((id, text, check)) if *id == c.id => (text.clone(), flag_views(text, check)),
        _ => (String::new(), Vec::new()),
    };
    ConcernView {
        id: c.id,
        text: c.text.clone(),
        source: c.source.label(),
        raised: local(c.raised_at),
        status: c.status.as_str(),
        status_label: c.status.label(),
        needs_answer: c.status.needs_answer(),
        can_answer: c.status.can_answer().is_ok(),
        answer: c.answer.clone().unwrap_or_default(),
        answered_by: c
            .answered_by
            .clone()
            .map(|b| format!("{b} at {}", c.answered_at.map(local).unwrap_or_default()))
            .unwrap_or_default(),
        owner: c.owner.clone().unwrap_or_else(|| "not assigned".into()),
        patient_note: c.patient_note.clone().unwrap_or_default(),
        sent_anyway: c.tone_flags.replace('_', " ").replace(',', ", "),
        draft,
        flags,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RaiseForm {
    csrf: String,
    text: String,
}

pub async fn raise_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
    Form(form): Form<RaiseForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return crate::pages::error_page(ApiError::Forbidden);
    }
    let Ok(visit_id) = parse_id(&id) else {
        return crate::pages::error_page(ApiError::NotFound);
    };
    match raise(
        &state,
        visit_id,
        &form.text,
        Source::Staff,
        None,
        &staff.actor(),
    )
    .await
    {
        Ok(c) => Redirect::to(&format!("/visits/{visit_id}#concern-{}", c.id)).into_response(),
        Err(ApiError::InvalidFields(errors)) => {
            let message = errors
                .get("text")
                .map(|m| format!("Concern not saved: {m}"))
                .unwrap_or_else(|| "Concern not saved".into());
            visit_message(
                &state,
                &staff,
                visit_id,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => crate::pages::error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    csrf: String,
    text: String,
    send_anyway: String,
}

pub async fn answer_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Response {
    let c = match form_concern(&state, &staff, &form.csrf, &id).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let id = c.id;
    let hold = form.send_anyway != "1";
    match answer(&state, id, &form.text, hold, &staff.actor()).await {
        Ok(Answered::Sent(..)) => {
            Redirect::to(&format!("/visits/{}#concern-{id}", c.visit_id)).into_response()
        }
        Ok(Answered::Held(check)) => {
            let held = (id, form.text.trim().to_string(), check);
            visit_with(&state, &staff, c.visit_id, None, Some(held), StatusCode::OK).await
        }
        Err(ApiError::InvalidFields(errors)) => {
            let message = errors
                .get("text")
                .map(|m| format!("Answer not sent: {m}"))
                .unwrap_or_else(|| "Answer not sent".into());
            visit_message(
                &state,
                &staff,
                c.visit_id,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ ApiError::InvalidTransition(_)) => {
            visit_message(
                &state,
                &staff,
                c.visit_id,
                e.to_string(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => crate::pages::error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowUpForm {
    csrf: String,
    kind: String,
    /// A local date and time (`2026-03-05T16:30`) in the location's zone, or empty for the suggestion.
    due: String,
}

pub async fn follow_up_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
    Form(form): Form<FollowUpForm>,
) -> Response {
    let c = match form_concern(&state, &staff, &form.csrf, &id).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let id = c.id;
    let due_at = match form.due.trim() {
        "" => None,
        text => match crate::promises::local_due(&state, &c.location, text).await {
            Ok(t) => Some(t),
            Err(message) => {
                return visit_message(
                    &state,
                    &staff,
                    c.visit_id,
                    format!("Follow-up not saved: {message}"),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let input = crate::promises::PromiseInput {
        kind: form.kind,
        due_at,
        ..Default::default()
    };
    match follow_up(&state, &staff, id, input).await {
        Ok((_, _, body)) => match body["warning"].as_str() {
            // Promised, but sooner than history supports: say so now.
            Some(w) => {
                visit_message(
                    &state,
                    &staff,
                    c.visit_id,
                    format!("Follow-up promised. {w}"),
                    StatusCode::OK,
                )
                .await
            }
            None => Redirect::to(&format!("/visits/{}#concern-{id}", c.visit_id)).into_response(),
        },
        Err(ApiError::InvalidFields(errors)) => {
            let message = crate::pages::fields_in_words(&errors);
            visit_message(
                &state,
                &staff,
                c.visit_id,
                format!("Follow-up not saved: {message}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ ApiError::InvalidTransition(_)) => {
            visit_message(
                &state,
                &staff,
                c.visit_id,
                e.to_string(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => crate::pages::error_page(e),
    }
}

/// The concern a form acts on, after its CSRF token; or the error page.
async fn form_concern(
    state: &AppState,
    staff: &Staff,
    csrf: &str,
    id: &str,
) -> Result<Concern, Response> {
    if !staff.csrf_ok(csrf) {
        return Err(crate::pages::error_page(ApiError::Forbidden));
    }
    let id = parse_id(id).map_err(crate::pages::error_page)?;
    state
        .store
        .concern(id)
        .await
        .map_err(|e| crate::pages::error_page(e.into()))
}

/// The visit page again, with a message at the top (a refusal, a warning).
async fn visit_message(
    state: &AppState,
    staff: &Staff,
    visit_id: i64,
    message: String,
    status: StatusCode,
) -> Response {
    visit_with(state, staff, visit_id, Some(message), None, status).await
}

async fn visit_with(
    state: &AppState,
    staff: &Staff,
    visit_id: i64,
    error: Option<String>,
    held: Option<(i64, String, ReplyCheck)>,
    status: StatusCode,
) -> Response {
    match crate::pages::visit_response(state, staff, visit_id, error, held).await {
        Ok(page) => (status, page).into_response(),
        Err(e) => crate::pages::error_page(e),
    }
}

/// Whether a concern's status lets the patient answer it on their page.
pub fn patient_can_respond(status: ConcernStatus) -> bool {
    status.can_respond().is_ok()
}
