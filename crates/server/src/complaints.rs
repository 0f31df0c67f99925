//! Complaints: taken verbatim from any channel, worked on two clocks
//! (acknowledge within N business days, resolve within N calendar days, both
//! pausable), escalated owner → manager → admin when a clock runs out, and
//! closed with a printable resolution letter. Replies pass through the tone
//! coach like concern answers. Who may read or work a complaint is the
//! domain's rule (`complaint::can_read`, `can_work`), checked on every route.

use crate::AppState;
use crate::api::{ApiJson, ApiPath, time};
use crate::auth::{PageStaff, Staff};
use crate::error::ApiError;
use crate::events::LiveEvent;
use crate::pages::{Nav, error_page, render};
use askama::Template;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_domain::complaint::{
    self, BusinessHours, Category, Channel, ClockInput, ComplaintClocks, Level, Severity,
};
use frontdesk_domain::outbox::MessageChannel;
use frontdesk_domain::{FieldErrors, Role, Timestamp, fields};
use frontdesk_store::{
    Actor, Complaint, ComplaintChange, ComplaintEvent, ComplaintSettings, NewComplaintRecord,
};
use frontdesk_tone::{ReplyCheck, Verdict};
use serde::Deserialize;
use serde_json::{Value, json};

/// The location's opening hours and closed dates as the clocks read them.
/// Settings are checked when saved; anything unreadable falls back to the default.
pub fn business_hours(settings: &ComplaintSettings, zone: chrono_tz::Tz) -> BusinessHours {
    let mut hours = BusinessHours::weekdays_8_to_6(zone);
    if let Ok(week) = BusinessHours::parse_week(&settings.business_hours) {
        hours.week = week;
    }
    if let Ok(closed) = BusinessHours::parse_closed_dates(&settings.closed_dates) {
        hours.closed = closed;
    }
    hours
}

/// Both clocks of a complaint now.
pub fn clocks_of(
    k: &Complaint,
    settings: &ComplaintSettings,
    zone: chrono_tz::Tz,
    now: Timestamp,
) -> ComplaintClocks {
    complaint::clocks(
        &business_hours(settings, zone),
        &settings.policy,
        &ClockInput {
            received_at: k.received_at,
            acknowledged_at: k.acknowledged_at,
            resolved_at: k.resolved_at,
            pauses: &k.pauses,
        },
        now,
    )
}

fn owner_of(k: &Complaint) -> Option<(&str, Role)> {
    match (&k.owner, k.owner_role) {
        (Some(o), Some(r)) => Some((o.as_str(), r)),
        _ => None,
    }
}

pub fn may_read(staff: &Staff, k: &Complaint, settings: &ComplaintSettings) -> bool {
    complaint::can_read(
        staff.user.role,
        &staff.user.username,
        owner_of(k),
        settings.staff_read_all,
    )
}

pub fn may_work(staff: &Staff, k: &Complaint) -> bool {
    complaint::can_work(staff.user.role, &staff.user.username, k.owner.as_deref())
}

pub fn complaint_json(k: &Complaint, clocks: &ComplaintClocks) -> Value {
    let clock =
        |c: &complaint::ClockView| json!({"due_at": time(c.due_at), "status": c.status.as_str()});
    json!({
        "id": k.id,
        "location": k.location,
        "visit_id": k.visit_id,
        "status": k.status.as_str(),
        "text": k.text,
        "channel": k.channel.as_str(),
        "category": k.category.as_str(),
        "severity": k.severity.as_str(),
        "contact": {"name": k.contact_name, "email": k.contact_email, "phone": k.contact_phone},
        "owner": k.owner,
        "owner_role": k.owner_role.map(|r| r.as_str()),
        "received_by": k.received_by,
        "received_at": time(k.received_at),
        "acknowledged_by": k.acknowledged_by,
        "acknowledged_at": k.acknowledged_at.map(time),
        "paused": k.paused_since.is_some(),
        "clocks": {"acknowledge": clock(&clocks.acknowledge), "resolve": clock(&clocks.resolve)},
        "level": clocks.level.as_str(),
        "resolved_by": k.resolved_by,
        "resolved_at": k.resolved_at.map(time),
        "resolution": k.resolution.as_ref().map(|r| json!({"contact_person": r.contact_person, "steps": r.steps, "result": r.result})),
    })
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(ApiError::NotFound)
}

/// Everything about one complaint the caller may read (audited), or 403/404.
async fn load(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<
    (
        Complaint,
        Vec<ComplaintEvent>,
        ComplaintSettings,
        chrono_tz::Tz,
    ),
    ApiError,
> {
    let (k, events) = state.store.complaint(id).await?;
    let settings = state.store.complaint_settings(&k.location).await?;
    if !may_read(staff, &k, &settings) {
        return Err(ApiError::Forbidden);
    }
    let zone = state.location(&k.location).await?.zone();
    state
        .store
        .audit(
            &staff.actor(),
            "complaint.read",
            &format!("complaint:{id}"),
            state.now(),
        )
        .await?;
    Ok((k, events, settings, zone))
}

/// Announce a complaint event on the live stream (boards and managers).
fn publish(state: &AppState, name: &'static str, k: &Complaint, now: Timestamp, extra: Value) {
    let mut data = json!({"complaint_id": k.id, "severity": k.severity.as_str()});
    if let (Some(map), Some(more)) = (data.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    state.publish(LiveEvent {
        name,
        visit_id: k.visit_id.unwrap_or(0),
        location: k.location.clone(),
        at: now,
        extra: data,
    });
}

// --- taking a complaint ---

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ContactInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComplaintInput {
    pub text: String,
    pub channel: String,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub visit_id: Option<i64>,
    pub contact: Option<ContactInput>,
    /// A staff username to own it; the person taking it when empty.
    pub owner: Option<String>,
    pub location: Option<String>,
}

/// Where a complaint came from: a signed-in staff member, or a public page
/// (`feedback-form`, `patient-link`) that records it under its own name.
pub enum Taker<'a> {
    Staff(&'a Staff),
    Public(&'static str),
}

/// Validate and record a complaint. Nothing is saved unless every field is right.
pub async fn take(
    state: &AppState,
    taker: Taker<'_>,
    input: &ComplaintInput,
) -> Result<Complaint, ApiError> {
    let staff = match taker {
        Taker::Staff(s) => Some(s),
        Taker::Public(_) => None,
    };
    let contact = input.contact.clone().unwrap_or_default();
    let validated = complaint::validate_new(
        &input.text,
        &input.channel,
        input.category.as_deref(),
        input.severity.as_deref(),
        contact.name.as_deref(),
        contact.email.as_deref(),
        contact.phone.as_deref(),
    );
    let mut errors = match &validated {
        Ok(_) => FieldErrors::new(),
        Err(e) => e.clone(),
    };
    let owner = match input
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        Some(name) => match crate::users::valid_username(name) {
            Ok(name) => match state
                .store
                .users()
                .await?
                .into_iter()
                .find(|u| u.username == name && !u.disabled)
            {
                Some(u) => Some((u.username, u.role)),
                None => {
                    errors.add("owner", "No active staff member with this username");
                    None
                }
            },
            Err(m) => {
                errors.add("owner", m);
                None
            }
        },
        None => staff.map(|s| (s.user.username.clone(), s.user.role)),
    };
    let location = input
        .location
        .clone()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| "main".into());
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    let Ok(new) = validated else {
        unreachable!("errors were empty");
    };
    let actor = match taker {
        Taker::Staff(s) => s.actor(),
        Taker::Public(name) => Actor(name.into()),
    };
    let now = state.now();
    let k = state
        .store
        .create_complaint(
            &NewComplaintRecord {
                location,
                visit_id: input.visit_id,
                complaint: new,
                owner,
            },
            &actor,
            now,
        )
        .await?;
    publish(state, "complaint_received", &k, now, json!({}));
    Ok(k)
}

pub async fn create_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> Result<impl IntoResponse, ApiError> {
    let k = take(&state, Taker::Staff(&staff), &input).await?;
    let settings = state.store.complaint_settings(&k.location).await?;
    let zone = state.location(&k.location).await?.zone();
    let clocks = clocks_of(&k, &settings, zone, state.now());
    Ok((StatusCode::CREATED, Json(complaint_json(&k, &clocks))))
}

pub async fn list_api(
    State(state): State<AppState>,
    staff: Staff,
    crate::api::ApiQuery(q): crate::api::ApiQuery<crate::api::LocationQuery>,
) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    let settings = state.store.complaint_settings(q.id()).await?;
    let zone = state.location(q.id()).await?.zone();
    let list = state
        .store
        .complaints(q.id(), now - chrono::Duration::days(30))
        .await?;
    state
        .store
        .audit(
            &staff.actor(),
            "complaints.read",
            &format!("location:{}", q.id()),
            now,
        )
        .await?;
    let items: Vec<Value> = list
        .iter()
        .filter(|k| may_read(&staff, k, &settings))
        .map(|k| complaint_json(k, &clocks_of(k, &settings, zone, now)))
        .collect();
    Ok(Json(json!({"complaints": items})))
}

pub async fn get_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
) -> Result<Json<Value>, ApiError> {
    let (k, events, settings, zone) = load(&state, &staff, parse_id(&id)?).await?;
    let mut body = complaint_json(&k, &clocks_of(&k, &settings, zone, state.now()));
    body["events"] = events
        .iter()
        .map(|e| json!({"at": time(e.at), "kind": e.kind, "actor": e.actor, "detail": e.detail}))
        .collect();
    Ok(Json(body))
}

// --- working a complaint ---

/// What a change asks for, before the rules are asked.
pub enum Work {
    Acknowledge,
    Pause(String),
    Resume,
    Assign(String),
    /// A reply, held when the coach flags it unless sent anyway.
    Reply {
        text: String,
        hold_if_flagged: bool,
    },
    Resolve {
        contact_person: String,
        steps: String,
        result: String,
    },
}

pub enum Worked {
    Done(Box<Complaint>),
    /// A reply the coach flagged, not sent.
    Held(ReplyCheck),
}

pub async fn work(
    state: &AppState,
    staff: &Staff,
    id: i64,
    what: Work,
) -> Result<Worked, ApiError> {
    let (k, _) = state.store.complaint(id).await?;
    let settings = state.store.complaint_settings(&k.location).await?;
    if !may_read(staff, &k, &settings) || !may_work(staff, &k) {
        return Err(ApiError::Forbidden);
    }
    let change = match what {
        Work::Acknowledge => {
            // A named person: whoever acknowledges an unowned complaint owns it.
            if k.owner.is_none() {
                state
                    .store
                    .change_complaint(
                        id,
                        &ComplaintChange::Assign {
                            owner: staff.user.username.clone(),
                            role: staff.user.role,
                        },
                        &staff.actor(),
                        state.now(),
                    )
                    .await?;
            }
            ComplaintChange::Acknowledge
        }
        Work::Pause(reason) => {
            let reason = fields::optional_text(&reason)
                .map_err(|m| ApiError::field("reason", m))?
                .ok_or_else(|| {
                    ApiError::field(
                        "reason",
                        "Say why the clocks stop (for example: waiting for the patient's reply)",
                    )
                })?;
            ComplaintChange::Pause { reason }
        }
        Work::Resume => ComplaintChange::Resume,
        Work::Assign(owner) => {
            let name =
                crate::users::valid_username(&owner).map_err(|m| ApiError::field("owner", m))?;
            let user = state
                .store
                .users()
                .await?
                .into_iter()
                .find(|u| u.username == name && !u.disabled)
                .ok_or_else(|| {
                    ApiError::field("owner", "No active staff member with this username")
                })?;
            ComplaintChange::Assign {
                owner: user.username,
                role: user.role,
            }
        }
        Work::Reply {
            text,
            hold_if_flagged,
        } => {
            let text = complaint::long_text(&text).map_err(|m| ApiError::field("text", m))?;
            let check = frontdesk_tone::check_reply(&text);
            if check.verdict == Verdict::Revise && hold_if_flagged {
                return Ok(Worked::Held(check));
            }
            let mut flags: Vec<String> = check
                .flags
                .iter()
                .map(|f| f.kind.as_str().to_string())
                .collect();
            flags.dedup();
            ComplaintChange::Reply {
                text,
                sent_anyway_flags: flags,
                sent_by: reply_route(state, &k).map(|(c, _)| c.as_str().to_string()),
            }
        }
        Work::Resolve {
            contact_person,
            steps,
            result,
        } => ComplaintChange::Resolve(complaint::validate_resolution(
            &contact_person,
            &steps,
            &result,
        )?),
    };
    let now = state.now();
    let k = state
        .store
        .change_complaint(id, &change, &staff.actor(), now)
        .await?;
    if matches!(change, ComplaintChange::Resolve(_)) {
        publish(state, "complaint_resolved", &k, now, json!({}));
    }
    if let ComplaintChange::Reply { text, .. } = &change
        && let Some((channel, recipient)) = reply_route(state, &k)
    {
        let practice = state.location(&k.location).await?.name;
        let message = frontdesk_store::NewOutboxMessage {
            location: k.location.clone(),
            visit_id: k.visit_id,
            channel,
            recipient,
            subject: match channel {
                MessageChannel::Email => format!("Your complaint to {practice}"),
                MessageChannel::Sms => String::new(),
            },
            body: format!("{text}\n\n{}, {practice}", staff.user.username),
        };
        state
            .store
            .enqueue_message(&message, &staff.actor(), now)
            .await?;
        tracing::info!(
            complaint_id = k.id,
            channel = channel.as_str(),
            "complaint reply queued"
        );
    }
    Ok(Worked::Done(Box::new(k)))
}

/// How a reply reaches the patient (the practice's rule:
/// [`frontdesk_domain::outbox::reply_route`]), given the ways out this server
/// has configured.
pub fn reply_route(state: &AppState, k: &Complaint) -> Option<(MessageChannel, String)> {
    let can_send: Vec<MessageChannel> = [MessageChannel::Email, MessageChannel::Sms]
        .into_iter()
        .filter(|c| state.config.outbox.route(*c).is_some())
        .collect();
    frontdesk_domain::outbox::reply_route(
        k.contact_email.as_deref(),
        k.contact_phone.as_deref(),
        &can_send,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkInput {
    reason: String,
    owner: String,
    text: String,
    contact_person: String,
    steps: String,
    result: String,
}

/// `POST /api/v1/complaints/{id}/{action}`: acknowledge, pause, resume,
/// assign, reply or resolve.
pub async fn work_api(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(String, String)>,
    ApiJson(input): ApiJson<WorkInput>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let what = work_from(&action, input, false).ok_or(ApiError::NotFound)?;
    let reply = matches!(what, Work::Reply { .. });
    match work(&state, &staff, id, what).await? {
        Worked::Done(k) => {
            let settings = state.store.complaint_settings(&k.location).await?;
            let zone = state.location(&k.location).await?.zone();
            let mut body = complaint_json(&k, &clocks_of(&k, &settings, zone, state.now()));
            if reply {
                let (_, events) = state.store.complaint(k.id).await?;
                if let Some(e) = events.iter().rev().find(|e| e.kind == "reply") {
                    body["reply"] = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
                }
            }
            Ok(Json(body))
        }
        Worked::Held(_) => unreachable!("the API never holds a reply"),
    }
}

fn work_from(action: &str, input: WorkInput, hold_if_flagged: bool) -> Option<Work> {
    Some(match action {
        "acknowledge" => Work::Acknowledge,
        "pause" => Work::Pause(input.reason),
        "resume" => Work::Resume,
        "assign" => Work::Assign(input.owner),
        "reply" => Work::Reply {
            text: input.text,
            hold_if_flagged,
        },
        "resolve" => Work::Resolve {
            contact_person: input.contact_person,
            steps: input.steps,
            result: input.result,
        },
        _ => return None,
    })
}

/// The resolution letter: who to contact, the steps taken, the result and
/// the date of completion. Only for a resolved complaint.
pub async fn letter_of(
    state: &AppState,
    k: &Complaint,
    zone: chrono_tz::Tz,
) -> Result<complaint::Letter, ApiError> {
    let (Some(r), Some(done)) = (&k.resolution, k.resolved_at) else {
        return Err(ApiError::InvalidTransition(
            "The letter is written when the complaint is resolved".into(),
        ));
    };
    let practice = state.location(&k.location).await?.name;
    Ok(complaint::letter(
        &practice,
        k.contact_name.as_deref(),
        &k.text,
        r,
        done,
        zone,
    ))
}

pub async fn letter_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath,
) -> Result<Json<Value>, ApiError> {
    let (k, _, _, zone) = load(&state, &staff, parse_id(&id)?).await?;
    let l = letter_of(&state, &k, zone).await?;
    Ok(Json(json!({
        "greeting": l.greeting,
        "paragraphs": l.paragraphs,
        "contact_person": l.contact_person,
        "completed_on": l.completed_on,
    })))
}

// --- escalation ---

/// Move complaints whose clocks ran out up the ladder (owner → manager →
/// admin), once per level: recorded on the complaint and announced live.
/// The server calls this every tick; tests call it directly.
pub async fn check_escalations(state: &AppState) -> Result<usize, frontdesk_store::StoreError> {
    let now = state.now();
    let open = state.store.unresolved_complaints().await?;
    let mut settings = std::collections::HashMap::new();
    let mut raised = 0;
    for k in open {
        if !settings.contains_key(&k.location) {
            let s = state.store.complaint_settings(&k.location).await?;
            let zone = state
                .location(&k.location)
                .await
                .map(|l| l.zone())
                .unwrap_or(chrono_tz::UTC);
            settings.insert(k.location.clone(), (s, zone));
        }
        let (s, zone) = &settings[&k.location];
        let level = clocks_of(&k, s, *zone, now).level;
        if level > k.escalation_level {
            let k = state
                .store
                .change_complaint(
                    k.id,
                    &ComplaintChange::Escalate(level),
                    &Actor::system(),
                    now,
                )
                .await?;
            let to = level.role().map(|r| r.as_str()).unwrap_or("owner");
            publish(
                state,
                "complaint_escalated",
                &k,
                now,
                json!({"level": level.as_str(), "to": to}),
            );
            raised += 1;
        }
    }
    Ok(raised)
}

// --- pages ---

pub struct ComplaintRow {
    pub id: i64,
    pub received: String,
    pub channel: &'static str,
    pub category: &'static str,
    pub severity: &'static str,
    pub severity_key: &'static str,
    pub status: &'static str,
    pub owner: String,
    pub excerpt: String,
    pub ack_due: String,
    pub ack_status: &'static str,
    pub ack_label: String,
    pub resolve_due: String,
    pub resolve_status: &'static str,
    pub resolve_label: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub paused: bool,
}

fn local(t: Timestamp, zone: chrono_tz::Tz) -> String {
    t.with_timezone(&zone).format("%a %d %b %H:%M").to_string()
}

fn row(k: &Complaint, c: &ComplaintClocks, zone: chrono_tz::Tz) -> ComplaintRow {
    let excerpt: String = k.text.chars().take(90).collect();
    ComplaintRow {
        id: k.id,
        received: local(k.received_at, zone),
        channel: k.channel.label(),
        category: k.category.label(),
        severity: k.severity.label(),
        severity_key: k.severity.as_str(),
        status: k.status.label(),
        owner: k.owner.clone().unwrap_or_else(|| "not assigned".into()),
        excerpt: if k.text.chars().count() > 90 {
            format!("{excerpt}…")
        } else {
            excerpt
        },
        ack_due: local(c.acknowledge.due_at, zone),
        ack_status: c.acknowledge.status.as_str(),
        ack_label: c.acknowledge.status.as_str().replace('_', " "),
        resolve_due: local(c.resolve.due_at, zone),
        resolve_status: c.resolve.status.as_str(),
        resolve_label: c.resolve.status.as_str().replace('_', " "),
        level: c.level.as_str(),
        level_label: level_label(c.level),
        paused: k.paused_since.is_some(),
    }
}

#[derive(Template)]
#[template(path = "complaints.html")]
struct ComplaintsPage {
    nav: Nav,
    rows: Vec<ComplaintRow>,
    hidden: usize,
    policy: String,
    channels: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
    form: ComplaintForm,
    errors: FieldErrors,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    form: ComplaintForm,
    errors: FieldErrors,
) -> Result<Response, ApiError> {
    let now = state.now();
    let settings = state.store.complaint_settings("main").await?;
    let zone = state.location("main").await?.zone();
    let list = state
        .store
        .complaints("main", now - chrono::Duration::days(30))
        .await?;
    state
        .store
        .audit(&staff.actor(), "complaints.read", "location:main", now)
        .await?;
    let readable: Vec<&Complaint> = list
        .iter()
        .filter(|k| may_read(staff, k, &settings))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ComplaintsPage {
        nav: Nav::of(staff),
        hidden: list.len() - readable.len(),
        rows: readable
            .iter()
            .map(|k| row(k, &clocks_of(k, &settings, zone, now), zone))
            .collect(),
        policy: settings.policy.describe(),
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        severities: Severity::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        form,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn page(State(state): State<AppState>, PageStaff(staff): PageStaff) -> Response {
    list_page(&state, &staff, ComplaintForm::default(), FieldErrors::new())
        .await
        .unwrap_or_else(error_page)
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComplaintForm {
    csrf: String,
    text: String,
    channel: String,
    category: String,
    severity: String,
    visit_id: String,
    name: String,
    email: String,
    phone: String,
}

pub async fn page_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<ComplaintForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
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
    let input = ComplaintInput {
        text: form.text.clone(),
        channel: form.channel.clone(),
        category: Some(form.category.clone()),
        severity: Some(form.severity.clone()),
        visit_id,
        contact: Some(ContactInput {
            name: Some(form.name.clone()),
            email: Some(form.email.clone()),
            phone: Some(form.phone.clone()),
        }),
        ..Default::default()
    };
    let taken = if errors.is_empty() {
        take(&state, Taker::Staff(&staff), &input).await
    } else {
        // Say everything that is wrong at once, not one field per try.
        if let Err(more) = complaint::validate_new(
            &form.text,
            &form.channel,
            Some(&form.category),
            Some(&form.severity),
            Some(&form.name),
            Some(&form.email),
            Some(&form.phone),
        ) {
            for (k, v) in more.0 {
                errors.add(&k, v);
            }
        }
        Err(ApiError::InvalidFields(errors))
    };
    match taken {
        Ok(k) => Redirect::to(&format!("/complaints/{}", k.id)).into_response(),
        Err(ApiError::InvalidFields(mut errors)) => {
            // The form's names for the contact fields.
            for (from, to) in [
                ("contact.name", "name"),
                ("contact.email", "email"),
                ("contact.phone", "phone"),
            ] {
                if let Some(m) = errors.0.remove(from) {
                    errors.add(to, m);
                }
            }
            list_page(&state, &staff, form, errors)
                .await
                .unwrap_or_else(error_page)
        }
        Err(e) => error_page(e),
    }
}

pub struct EventRow {
    pub at: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "complaint.html")]
struct ComplaintPage {
    nav: Nav,
    k: ComplaintRow,
    text: String,
    contact: String,
    visit_id: Option<i64>,
    can_work: bool,
    received: bool,
    resolved: bool,
    paused: bool,
    events: Vec<EventRow>,
    error: Option<String>,
    draft: String,
    flags: Vec<crate::concerns::FlagView>,
    staff_names: Vec<String>,
    /// Where a reply goes, in words.
    reply_to: String,
    /// A refused resolve or pause form, as typed, with its field errors.
    typed: Draft,
}

fn describe(e: &ComplaintEvent) -> String {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
    match e.kind.as_str() {
        "received" => format!("Received by {}", e.actor),
        "acknowledged" => format!("Acknowledged by {}", e.actor),
        "paused" if e.detail.is_empty() => format!("Clocks paused by {}", e.actor),
        "paused" => format!("Clocks paused by {}: {}", e.actor, e.detail),
        "resumed" => format!("Clocks resumed by {}", e.actor),
        "assigned" => format!("Assigned to {} by {}", e.detail, e.actor),
        "reply" => {
            let flags: Vec<&str> = detail["sent_anyway"]
                .as_array()
                .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
                .unwrap_or_default();
            format!(
                "Reply by {}: \u{201c}{}\u{201d}{}",
                e.actor,
                detail["text"].as_str().unwrap_or(""),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (sent anyway; the tone coach flagged: {})",
                        flags.join(", ")
                    )
                }
            ) + match detail["sent_by"].as_str() {
                Some("email") => " · sent by e-mail",
                Some("sms") => " · sent by text message",
                _ => " · recorded, not sent by the system",
            }
        }
        "escalated" => format!("A clock ran out: escalated to {}", e.detail),
        "resolved" => format!("Resolved by {}", e.actor),
        other => other.to_string(),
    }
}

/// What was typed into a form that was refused, with the errors per field.
#[derive(Default)]
pub struct Draft {
    pub contact_person: String,
    pub steps: String,
    pub result: String,
    pub reason: String,
    pub errors: FieldErrors,
}

async fn detail_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: Option<String>,
    held: Option<(String, ReplyCheck)>,
) -> Result<Response, ApiError> {
    detail_with_draft(state, staff, id, error, held, Draft::default()).await
}

async fn detail_with_draft(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: Option<String>,
    held: Option<(String, ReplyCheck)>,
    typed: Draft,
) -> Result<Response, ApiError> {
    let (k, events, settings, zone) = load(state, staff, id).await?;
    let clocks = clocks_of(&k, &settings, zone, state.now());
    let contact = [&k.contact_name, &k.contact_email, &k.contact_phone]
        .iter()
        .filter_map(|x| x.as_deref())
        .collect::<Vec<_>>()
        .join(" · ");
    let (draft, flags) = match &held {
        Some((text, check)) => (text.clone(), crate::concerns::flag_views(text, check)),
        None => (String::new(), Vec::new()),
    };
    let staff_names = if may_work(staff, &k) {
        state
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            .map(|u| u.username)
            .collect()
    } else {
        Vec::new()
    };
    let page = ComplaintPage {
        nav: Nav::of(staff),
        k: row(&k, &clocks, zone),
        text: k.text.clone(),
        contact: if contact.is_empty() {
            "none given".into()
        } else {
            contact
        },
        visit_id: k.visit_id,
        can_work: may_work(staff, &k),
        received: k.status == complaint::ComplaintStatus::Received,
        resolved: k.status == complaint::ComplaintStatus::Resolved,
        paused: k.paused_since.is_some(),
        events: events
            .iter()
            .map(|e| EventRow {
                at: local(e.at, zone),
                what: describe(e),
            })
            .collect(),
        error,
        draft,
        flags,
        staff_names,
        typed,
        reply_to: match reply_route(state, &k) {
            Some((channel, to)) => format!(
                "Your reply goes to the patient by {} ({}) and is kept here.",
                match channel {
                    MessageChannel::Email => "e-mail",
                    MessageChannel::Sms => "text message",
                },
                frontdesk_domain::outbox::mask_recipient(channel, &to)
            ),
            None => "Your reply is kept here; it is not sent automatically (no e-mail or text route to this patient is set up). Contact them yourself and note it here.".to_string(),
        },
    };
    let status = if held.is_some() || page.error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = parse_id(&id) else {
        return error_page(ApiError::NotFound);
    };
    detail_page(&state, &staff, id, None, None)
        .await
        .unwrap_or_else(error_page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkForm {
    csrf: String,
    reason: String,
    owner: String,
    text: String,
    send_anyway: String,
    contact_person: String,
    steps: String,
    result: String,
}

pub async fn work_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<WorkForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    let Ok(id) = parse_id(&id) else {
        return error_page(ApiError::NotFound);
    };
    let hold = form.send_anyway != "1";
    let draft = form.text.trim().to_string();
    let typed = Draft {
        contact_person: form.contact_person.clone(),
        steps: form.steps.clone(),
        result: form.result.clone(),
        reason: form.reason.clone(),
        errors: FieldErrors::new(),
    };
    let input = WorkInput {
        reason: form.reason,
        owner: form.owner,
        text: form.text,
        contact_person: form.contact_person,
        steps: form.steps,
        result: form.result,
    };
    let Some(what) = work_from(&action, input, hold) else {
        return error_page(ApiError::NotFound);
    };
    match work(&state, &staff, id, what).await {
        Ok(Worked::Done(_)) => Redirect::to(&format!("/complaints/{id}")).into_response(),
        Ok(Worked::Held(check)) => detail_page(&state, &staff, id, None, Some((draft, check)))
            .await
            .unwrap_or_else(error_page),
        Err(ApiError::InvalidFields(errors)) => {
            // Errors beside their fields (resolve, pause), the rest in the banner.
            let beside = ["contact_person", "steps", "result", "reason"];
            let banner = if errors.0.keys().all(|k| beside.contains(&k.as_str())) {
                "Not saved: please correct the fields marked below.".to_string()
            } else {
                format!("Not saved: {}", crate::pages::fields_in_words(&errors))
            };
            let typed = Draft { errors, ..typed };
            detail_with_draft(&state, &staff, id, Some(banner), None, typed)
                .await
                .unwrap_or_else(error_page)
        }
        Err(e @ ApiError::InvalidTransition(_)) => {
            detail_page(&state, &staff, id, Some(e.to_string()), None)
                .await
                .unwrap_or_else(error_page)
        }
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    practice: String,
    website: String,
    letter: complaint::Letter,
    id: i64,
}

pub async fn letter_page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = parse_id(&id) else {
        return error_page(ApiError::NotFound);
    };
    let made: Result<Response, ApiError> = async {
        let (k, _, settings, zone) = load(&state, &staff, id).await?;
        let letter = letter_of(&state, &k, zone).await?;
        Ok(render(&LetterPage {
            practice: state.location(&k.location).await?.name,
            website: settings.website,
            letter,
            id,
        }))
    }
    .await;
    made.unwrap_or_else(error_page)
}

// --- the public feedback form ---

#[derive(Template)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    location_name: String,
    form: FeedbackForm,
    errors: FieldErrors,
    sent: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FeedbackForm {
    name: String,
    email: String,
    phone: String,
    message: String,
    /// Left empty by people; filled by bots that fill every field.
    website: String,
}

fn feedback_response(
    name: String,
    form: FeedbackForm,
    errors: FieldErrors,
    sent: bool,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        render(&FeedbackPage {
            location_name: name,
            form,
            errors,
            sent,
        }),
    )
        .into_response()
}

pub async fn feedback_page(State(state): State<AppState>) -> Response {
    match state.location("main").await {
        Ok(l) => feedback_response(l.name, FeedbackForm::default(), FieldErrors::new(), false),
        Err(e) => error_page(e.into()),
    }
}

/// The public form: name, email and message required; the email is kept for
/// the reply and never published. A same-site-only form (no session), so the
/// only guard needed is the browser's SameSite and the size limit.
pub async fn feedback_submit(
    State(state): State<AppState>,
    Form(form): Form<FeedbackForm>,
) -> Response {
    let name = match state.location("main").await {
        Ok(l) => l.name,
        Err(e) => return error_page(e.into()),
    };
    if !form.website.is_empty() {
        // A bot: thank it and keep nothing.
        return feedback_response(name, FeedbackForm::default(), FieldErrors::new(), true);
    }
    match complaint::validate_feedback_form(&form.name, &form.email, &form.message, &form.phone) {
        Err(errors) => feedback_response(name, form, errors, false),
        Ok(new) => {
            let input = ComplaintInput {
                text: new.text,
                channel: "web_form".into(),
                contact: Some(ContactInput {
                    name: new.contact_name,
                    email: new.contact_email,
                    phone: new.contact_phone,
                }),
                ..Default::default()
            };
            match take(&state, Taker::Public("feedback-form"), &input).await {
                Ok(_) => feedback_response(name, FeedbackForm::default(), FieldErrors::new(), true),
                Err(ApiError::InvalidFields(errors)) => {
                    feedback_response(name, form, errors, false)
                }
                Err(e) => error_page(e),
            }
        }
    }
}

/// Levels in words for the page.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Owner => "With its owner",
        Level::Manager => "Escalated to managers",
        Level::Admin => "Escalated to admins",
    }
}
