//! Every quote is a promise. This module keeps the live quote engine fed with
//! the day's events, turns a quote into a `seen_by` promise at check-in,
//! re-quotes waiting patients before their promise breaks, and serves the
//! promise ledger for everything else staff promise.

use crate::AppState;
use crate::auth::Staff;
use crate::error::ApiError;
use crate::events::LiveEvent;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use frontdesk_domain::promise::{
    DueState, PromiseKind, PromiseStatus, WaitCheck, big_promise_warning, check_wait, due_state,
    suggest_due,
};
use frontdesk_domain::quote::{QueueKey, Quote};
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{FieldErrors, Timestamp, VisitState, fields};
use frontdesk_store::{Actor, NewPromise, Promise, StoreError, Visit};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn queue_of(location: &str, provider: &Option<String>) -> QueueKey {
    QueueKey {
        location: location.to_string(),
        provider: provider.clone(),
    }
}

/// Words for the patient about where a quote comes from.
fn reason(q: &Quote) -> String {
    if q.cold_start {
        "Based on typical visit lengths; we are still learning this clinic's pace.".into()
    } else if q.ahead == 0 {
        "You are next.".into()
    } else if q.ahead == 1 {
        "There is 1 patient ahead of you.".into()
    } else {
        format!("There are {} patients ahead of you.", q.ahead)
    }
}

/// The wait promise for a patient arriving now (not yet recorded).
pub fn draft_wait_promise(
    state: &AppState,
    location: &str,
    provider: &Option<String>,
    scheduled_at: Option<Timestamp>,
    now: Timestamp,
) -> NewPromise {
    let q = state
        .quotes()
        .quote(&queue_of(location, provider), None, scheduled_at, now);
    NewPromise {
        location: location.to_string(),
        visit_id: None,
        patient_id: None,
        kind: PromiseKind::SeenBy,
        owner: None,
        note: String::new(),
        due_at: q.promised_by,
        likely_at: Some(q.likely_by),
        suggested_due_at: Some(q.promised_by),
        reason: reason(&q),
    }
}

/// Remind owners of promises (other than waits) whose reminder time has come:
/// once per promise, on every board, and on the visit's timeline when linked.
async fn remind_owners(state: &AppState, now: Timestamp) -> Result<Vec<LiveEvent>, StoreError> {
    let mut raised = Vec::new();
    for loc in state.store.locations().await? {
        for p in state.store.open_promises(&loc.id).await? {
            if due_state(p.made_at, p.due_at, now) == DueState::Later {
                continue;
            }
            let first = {
                let mut seen = state
                    .promise_reminders
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if seen.len() > 100_000 {
                    seen.clear();
                }
                seen.insert(p.id)
            };
            if !first {
                continue;
            }
            let due = crate::api::time(p.due_at);
            if let Some(visit_id) = p.visit_id {
                let detail =
                    json!({"promise_id": p.id, "kind": p.kind, "owner": p.owner, "due_at": due});
                state
                    .store
                    .record_event(visit_id, EventKind::PromiseReminder, &detail, now)
                    .await?;
            }
            let event = LiveEvent {
                name: "promise_due_soon",
                visit_id: p.visit_id.unwrap_or(0),
                location: p.location.clone(),
                at: now,
                extra: json!({
                    "promise_id": p.id,
                    "kind": p.kind,
                    "owner": p.owner,
                    "due_at": due,
                    "due_local": p.due_at.with_timezone(&loc.zone()).format("%H:%M").to_string(),
                    "overdue": now > p.due_at,
                }),
            };
            state.publish(event.clone());
            raised.push(event);
        }
    }
    Ok(raised)
}

/// Count a checked-in patient as waiting in the engine.
pub fn arrived(state: &AppState, visit: &Visit, now: Timestamp) {
    state.quotes().arrive(
        &visit.id.to_string(),
        &queue_of(&visit.location, &visit.provider),
        None,
        visit.scheduled_at,
        now,
    );
}

/// Tell the engine about a move: seen by the provider, or gone.
pub fn moved(state: &AppState, visit: &Visit, now: Timestamp) {
    let id = visit.id.to_string();
    let mut engine = state.quotes();
    match visit.state {
        VisitState::WithProvider => {
            engine.seen(&id, &queue_of(&visit.location, &visit.provider), now)
        }
        s if s.is_final() || s == VisitState::Checkout => engine.forget(&id),
        _ => {}
    }
}

/// Make the wait promise for a visit just checked in (appointments and the
/// kiosk, where the visit's provider is known only after check-in).
pub async fn promise_wait(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise, StoreError> {
    let mut draft = draft_wait_promise(
        state,
        &visit.location,
        &visit.provider,
        visit.scheduled_at,
        now,
    );
    draft.visit_id = Some(visit.id);
    draft.patient_id = Some(visit.patient_id);
    state.store.create_promise(&draft, actor, now).await
}

/// Warm the engine up on the last two weeks of visits, so the first quotes
/// after a restart use the site's own history.
pub async fn warm_up(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    for loc in state.store.locations().await? {
        state
            .quotes()
            .set_location_quantile(&loc.id, loc.quote_quantile());
    }
    let visits = state
        .store
        .visits_since(now - chrono::Duration::days(14))
        .await?;
    let mut events: Vec<(Timestamp, u8, &Visit)> = Vec::new();
    for v in &visits {
        let Some(arrived_at) = v.arrived_at else {
            continue;
        };
        events.push((arrived_at, 0, v));
        if let Some(seen) = v.seen_at {
            events.push((seen, 1, v));
        } else if v.state.is_final() {
            events.push((v.state_changed_at, 2, v));
        }
    }
    events.sort_by_key(|(t, kind, v)| (*t, *kind, v.id));
    let mut engine = state.quotes();
    for (t, kind, v) in &events {
        if *t > now {
            continue;
        }
        let id = v.id.to_string();
        let queue = queue_of(&v.location, &v.provider);
        match kind {
            0 => {
                engine.arrive(&id, &queue, None, v.scheduled_at, *t);
            }
            1 => engine.seen(&id, &queue, *t),
            _ => engine.left(&id, &queue),
        }
    }
    Ok(visits.len())
}

/// Re-quote waiting patients whose promise will likely break, before it does.
/// The old promise stays on record as renegotiated; the patient's page and
/// every staff board hear about it.
pub async fn check_promises(state: &AppState) -> Result<Vec<LiveEvent>, StoreError> {
    let now = state.now();
    let mut raised = remind_owners(state, now).await?;
    let open = state.store.open_wait_promises().await?;
    for p in open {
        let Some(visit_id) = p.visit_id else { continue };
        let Some(q) = state.quotes().requote_by_id(&visit_id.to_string(), now) else {
            continue;
        };
        let check = check_wait(p.due_at, q.likely_by, now);
        if check == WaitCheck::Holds {
            continue;
        }
        let system = Actor::system();
        let new = NewPromise {
            location: p.location.clone(),
            visit_id: p.visit_id,
            patient_id: p.patient_id,
            kind: PromiseKind::SeenBy,
            owner: None,
            note: String::new(),
            due_at: q.promised_by,
            likely_at: Some(q.likely_by),
            suggested_due_at: Some(q.promised_by),
            reason: format!("We are running behind, sorry. {}", reason(&q)),
        };
        let replaced = if check == WaitCheck::Renegotiate {
            state.store.renegotiate(p.id, &new, &system, now).await
        } else {
            // Missed: the promise broke. Record it and promise again honestly.
            state
                .store
                .replace_broken_promise(p.id, &new, &system, now)
                .await
        };
        match replaced {
            Ok(new) => raised.push(LiveEvent {
                name: "promise_at_risk",
                visit_id,
                location: p.location.clone(),
                at: now,
                extra: json!({"due_at": crate::api::time(new.due_at), "was": crate::api::time(p.due_at)}),
            }),
            // Someone else settled it meanwhile (the patient was seen): fine.
            Err(StoreError::Refused(_) | StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for e in &raised {
        state.publish(e.clone());
    }
    Ok(raised)
}

pub fn promise_json(p: &Promise) -> Value {
    json!({
        "id": p.id,
        "kind": p.kind,
        "visit_id": p.visit_id,
        "patient_id": p.patient_id,
        "location": p.location,
        "made_by": p.made_by,
        "owner": p.owner,
        "note": p.note,
        "made_at": crate::api::time(p.made_at),
        "due_at": crate::api::time(p.due_at),
        "likely_at": p.likely_at.map(crate::api::time),
        "suggested_due_at": p.suggested_due_at.map(crate::api::time),
        "reason": p.reason,
        "status": p.status,
        "fulfilled_at": p.fulfilled_at.map(crate::api::time),
        "fulfilled_by": p.fulfilled_by,
        "at_risk": p.kind == PromiseKind::SeenBy && p.made_by == "system",
    })
}

// --- the promise ledger API ---

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PromiseInput {
    pub kind: String,
    pub visit_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub due_at: Option<String>,
    pub owner: Option<String>,
    pub note: Option<String>,
    pub location: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiJson(input): crate::api::ApiJson<PromiseInput>,
) -> Result<impl IntoResponse, ApiError> {
    let body = record(&state, &staff, input).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// A validated promise, ready to record, with its suggestion and any warning.
pub struct Prepared {
    pub promise: NewPromise,
    pub from_priors: bool,
    pub warning: Option<String>,
}

/// Validate and record a promise; the API's answer, with the suggestion and
/// any warning. Shared by the API and the promises page.
pub async fn record(
    state: &AppState,
    staff: &Staff,
    input: PromiseInput,
) -> Result<Value, ApiError> {
    let prepared = prepare(state, staff, input).await?;
    let promise = state
        .store
        .create_promise(&prepared.promise, &staff.actor(), state.now())
        .await?;
    Ok(prepared.answer(&promise))
}

impl Prepared {
    /// The API's answer for the recorded promise.
    pub fn answer(&self, promise: &Promise) -> Value {
        let mut body = promise_json(promise);
        if let Some(w) = &self.warning {
            body["warning"] = json!(w);
        }
        body["suggestion_from_priors"] = json!(self.from_priors);
        body
    }
}

/// Check a promise's fields and work out its suggested due time (from the
/// location's history of that kind) and any "big promise" warning.
pub async fn prepare(
    state: &AppState,
    staff: &Staff,
    input: PromiseInput,
) -> Result<Prepared, ApiError> {
    let now = state.now();
    let mut errors = FieldErrors::new();
    let kind = match input.kind.trim() {
        "" => {
            errors.add("kind", fields::REQUIRED);
            None
        }
        text => match text.parse::<PromiseKind>() {
            Ok(k) => Some(k),
            Err(_) => {
                errors.add(
                    "kind",
                    "Use seen_by, callback, refill, results, form, referral or other",
                );
                None
            }
        },
    };
    let mut location = input
        .location
        .clone()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| "main".into());
    let mut patient_id = input.patient_id;
    if let Some(visit_id) = input.visit_id {
        match state.store.visit(visit_id, &staff.actor(), now).await {
            Ok((v, _)) => {
                location = v.location.clone();
                patient_id = Some(v.patient_id);
            }
            Err(StoreError::NotFound) => errors.add("visit_id", "No visit with this id"),
            Err(e) => return Err(e.into()),
        }
    }
    let due_at = match input
        .due_at
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(t) if t.with_timezone(&chrono::Utc) > now => Some(t.with_timezone(&chrono::Utc)),
            Ok(_) => {
                errors.add("due_at", "Due time is in the past");
                None
            }
            Err(_) => {
                errors.add(
                    "due_at",
                    "Time not understood; write it like 2026-03-05T16:30:00Z",
                );
                None
            }
        },
    };
    let owner = match input
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        Some(o) => errors.check("owner", fields::username(o)),
        None => None,
    };
    let note = match input.note.as_deref() {
        Some(n) => errors
            .check("note", fields::optional_text(n))
            .flatten()
            .unwrap_or_default(),
        None => String::new(),
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Err(ApiError::InvalidFields(errors));
    };
    let history = state.store.fulfilment_history(&location, kind).await?;
    let quantile = state.quotes().quantile_for(&queue_of(&location, &None));
    let suggestion = suggest_due(kind, &history.minutes, quantile, now);
    let due_at = due_at.unwrap_or(suggestion.suggested_due_at);
    let warning = big_promise_warning(kind, &history.minutes, now, due_at);
    Ok(Prepared {
        promise: NewPromise {
            location,
            visit_id: input.visit_id,
            patient_id,
            kind,
            owner: owner.or_else(|| Some(staff.user.username.clone())),
            note,
            due_at,
            likely_at: None,
            suggested_due_at: Some(suggestion.suggested_due_at),
            reason: String::new(),
        },
        from_priors: suggestion.from_priors,
        warning,
    })
}

pub async fn fulfil(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiPath(id): crate::api::ApiPath,
) -> Result<Json<Value>, ApiError> {
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(ApiError::NotFound)?;
    let p = state
        .store
        .fulfil_promise(id, &staff.actor(), state.now())
        .await?;
    Ok(Json(promise_json(&p)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    location: Option<String>,
    /// A username, or `me`.
    owner: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiQuery(q): crate::api::ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let location = crate::api::LocationQuery {
        location: q.location.clone(),
    };
    let now = state.now();
    let open = state.store.open_promises(location.id()).await?;
    state
        .store
        .audit(
            &staff.actor(),
            "promises.read",
            &format!("location:{}", location.id()),
            now,
        )
        .await?;
    let items: Vec<Value> = open
        .iter()
        .filter(|p| match q.owner.as_deref() {
            None | Some("") => true,
            Some("me") => p.owner.as_deref() == Some(staff.user.username.as_str()),
            Some(o) => p.owner.as_deref() == Some(o),
        })
        .map(|p| {
            let mut v = promise_json(p);
            v["due"] = json!(due_state(p.made_at, p.due_at, now));
            v["remind_at"] = json!(crate::api::time(frontdesk_domain::promise::remind_at(
                p.made_at, p.due_at
            )));
            v
        })
        .collect();
    Ok(Json(json!({"promises": items})))
}

// --- the promises page ---

pub struct PromiseRow {
    id: i64,
    due: String,
    /// `overdue`, `due_soon` or `later` (the domain's rule).
    state: &'static str,
    kind: String,
    who: String,
    owner: String,
    note: String,
}

/// Open promises of one owner.
pub struct OwnerGroup {
    owner: String,
    mine: bool,
    overdue: usize,
    due_soon: usize,
    rows: Vec<PromiseRow>,
}

/// A promise kept or broken: by whom and when.
pub struct SettledRow {
    kind: String,
    who: String,
    due: String,
    done: String,
    by: String,
    kept: bool,
}

#[derive(askama::Template)]
#[template(path = "promises.html")]
struct PromisesPage {
    nav: crate::pages::Nav,
    notice: Option<String>,
    warning: Option<String>,
    groups: Vec<OwnerGroup>,
    only_mine: bool,
    settled: Vec<SettledRow>,
    kept_rate: String,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

async fn promises_page_response(
    state: &AppState,
    staff: &Staff,
    only_mine: bool,
    notice: Option<String>,
    warning: Option<String>,
    errors: FieldErrors,
) -> Result<axum::response::Response, ApiError> {
    use askama::Template;
    let now = state.now();
    let location = state.location("main").await?;
    let zone = location.zone();
    let open = state.store.open_promises(&location.id).await?;
    let settled = state
        .store
        .settled_promises(&location.id, now - chrono::Duration::days(30))
        .await?;
    state
        .store
        .audit(&staff.actor(), "promises.read", "location:main", now)
        .await?;
    let local = |t: Timestamp| t.with_timezone(&zone).format("%a %d %b %H:%M").to_string();
    let me = staff.user.username.as_str();
    // One group per owner: yours first, then by name; soonest due first within.
    let mut groups: Vec<OwnerGroup> = Vec::new();
    for p in &open {
        let owner = p.owner.clone().unwrap_or_else(|| "no owner".into());
        if only_mine && owner != me {
            continue;
        }
        let row = PromiseRow {
            id: p.id,
            due: local(p.due_at),
            state: due_state(p.made_at, p.due_at, now).as_str(),
            kind: p.kind.label().to_string(),
            who: p.visit_id.map(|v| format!("visit {v}")).unwrap_or_default(),
            owner: owner.clone(),
            note: p.note.clone(),
        };
        match groups.iter_mut().find(|g| g.owner == owner) {
            Some(g) => g.rows.push(row),
            None => groups.push(OwnerGroup {
                mine: owner == me,
                owner,
                overdue: 0,
                due_soon: 0,
                rows: vec![row],
            }),
        }
    }
    for g in &mut groups {
        g.overdue = g.rows.iter().filter(|r| r.state == "overdue").count();
        g.due_soon = g.rows.iter().filter(|r| r.state == "due_soon").count();
    }
    groups.sort_by(|a, b| b.mine.cmp(&a.mine).then(a.owner.cmp(&b.owner)));
    let kept = settled
        .iter()
        .filter(|p| p.status == PromiseStatus::Kept)
        .count();
    let kept_rate = if settled.is_empty() {
        "No promises settled in the last 30 days yet.".to_string()
    } else {
        format!(
            "Last 30 days: {kept} of {} kept on time ({:.0}%).",
            settled.len(),
            100.0 * kept as f64 / settled.len() as f64
        )
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PromisesPage {
        nav: crate::pages::Nav::of(staff),
        notice,
        warning,
        groups,
        only_mine,
        settled: settled
            .iter()
            .take(50)
            .map(|p| SettledRow {
                kind: p.kind.label().to_string(),
                who: p.visit_id.map(|v| format!("visit {v}")).unwrap_or_default(),
                due: local(p.due_at),
                done: p.fulfilled_at.map(local).unwrap_or_default(),
                by: p.fulfilled_by.clone().unwrap_or_default(),
                kept: p.status == PromiseStatus::Kept,
            })
            .collect(),
        kept_rate,
        kinds: PromiseKind::ledger()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        errors,
    };
    match page.render() {
        Ok(html) => Ok((status, axum::response::Html(html)).into_response()),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// The "big promise" warning of a recorded promise, from its own times and
/// the location's history of its kind.
pub async fn warning_for(state: &AppState, id: i64) -> Option<String> {
    let p = state.store.promise(id).await.ok()?;
    let history = state
        .store
        .fulfilment_history(&p.location, p.kind)
        .await
        .ok()?;
    big_promise_warning(p.kind, &history.minutes, p.made_at, p.due_at)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    /// The promise just recorded: its "big promise" warning is worked out
    /// again here (never text from the address).
    saved: Option<i64>,
    /// A promise was just marked done.
    done: Option<String>,
    /// `me`: only the signed-in user's promises.
    owner: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    crate::auth::PageStaff(staff): crate::auth::PageStaff,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> axum::response::Response {
    let notice = match (q.saved, q.done) {
        (Some(_), _) => Some("Saved.".to_string()),
        (None, Some(_)) => {
            Some("Marked done: recorded kept or broken, with your name.".to_string())
        }
        _ => None,
    };
    let warning = match q.saved {
        Some(id) => warning_for(&state, id).await,
        None => None,
    };
    let only_mine = q.owner.as_deref() == Some("me");
    promises_page_response(
        &state,
        &staff,
        only_mine,
        notice,
        warning,
        FieldErrors::new(),
    )
    .await
    .unwrap_or_else(crate::pages::error_page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PromiseForm {
    csrf: String,
    kind: String,
    visit_id: String,
    due_at: String,
    note: String,
}

/// A form's local date and time (`2026-03-05T16:30`), read in the location's
/// zone, as the API's RFC 3339 text.
pub async fn local_due(
    state: &AppState,
    location: &str,
    text: &str,
) -> Result<String, &'static str> {
    let zone = state
        .location(location)
        .await
        .map(|l| l.zone())
        .unwrap_or(chrono_tz::UTC);
    frontdesk_domain::appointment::parse_local_time(text, zone)
        .map(crate::api::time)
        .ok_or("Time not understood")
}

pub async fn page_submit(
    State(state): State<AppState>,
    crate::auth::PageStaff(staff): crate::auth::PageStaff,
    axum::extract::Form(form): axum::extract::Form<PromiseForm>,
) -> axum::response::Response {
    if !staff.csrf_ok(&form.csrf) {
        return crate::pages::error_page(ApiError::Forbidden);
    }
    let mut errors = FieldErrors::new();
    let visit_id = match form.visit_id.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.add("visit_id", "A visit number is a whole number");
                None
            }
        },
    };
    let due_at = match form.due_at.trim() {
        "" => None,
        text => match local_due(&state, "main", text).await {
            Ok(t) => Some(t),
            Err(message) => {
                errors.add("due_at", message);
                None
            }
        },
    };
    if !errors.is_empty() {
        return promises_page_response(&state, &staff, false, None, None, errors)
            .await
            .unwrap_or_else(crate::pages::error_page);
    }
    let input = PromiseInput {
        kind: form.kind,
        visit_id,
        due_at,
        note: Some(form.note),
        ..Default::default()
    };
    match record(&state, &staff, input).await {
        Ok(body) => {
            axum::response::Redirect::to(&format!("/promises?saved={}", body["id"])).into_response()
        }
        Err(ApiError::InvalidFields(errors)) => {
            promises_page_response(&state, &staff, false, None, None, errors)
                .await
                .unwrap_or_else(crate::pages::error_page)
        }
        Err(e) => crate::pages::error_page(e),
    }
}

pub async fn fulfil_submit(
    State(state): State<AppState>,
    crate::auth::PageStaff(staff): crate::auth::PageStaff,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Form(form): axum::extract::Form<PromiseForm>,
) -> axum::response::Response {
    if !staff.csrf_ok(&form.csrf) {
        return crate::pages::error_page(ApiError::Forbidden);
    }
    let Ok(id) = id.parse::<i64>() else {
        return crate::pages::error_page(ApiError::NotFound);
    };
    match state
        .store
        .fulfil_promise(id, &staff.actor(), state.now())
        .await
    {
        Ok(_) => axum::response::Redirect::to("/promises?done=1").into_response(),
        Err(e) => crate::pages::error_page(e.into()),
    }
}
