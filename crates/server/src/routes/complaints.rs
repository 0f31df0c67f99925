//! Complaints: `/api/v1/complaints` (take, list, read, work, letter), the
//! complaints pages, the printable resolution letter, and the public
//! feedback form (`/feedback`: complaints from anyone, no login).

use crate::app::complaints::{
    self as complaints, ComplaintInput, ContactInput, Loaded, Taker, Work, WorkInput, Worked,
    clocks_of, letter_of, may_read, may_work, reply_route, work_from,
};
use crate::app::retries;
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::{
    ApiJson, ApiQuery, ClientAddr, Id, KeyedJson, LocationQuery, OnceForm, PageId, StaffForm,
    location_or_main,
};
use crate::http::page::{PageResult, form_status, render, render_with, slow_down_page};
use crate::http::retry;
use crate::routes::visits::{form_earlier, retries_earlier};
use crate::state::AppState;
use crate::throttle::address_key;
use crate::views::complaints::{
    ComplaintEventJson, ComplaintForm, ComplaintJson, ComplaintList, ComplaintPage, ComplaintsPage,
    Draft, EventRow, FeedbackForm, FeedbackPage, LetterJson, LetterPage, describe, local, row,
};
use crate::views::concerns::flag_views;
use crate::views::page::fields_in_words;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdesk_domain::FieldErrors;
use frontdesk_domain::complaint::{self, Category, Channel, ComplaintStatus, Severity};
use frontdesk_domain::outbox::{MessageChannel, mask_recipient};
use frontdesk_domain::timeline::ComplaintEventKind;
use frontdesk_store::{Complaint, Location};
use frontdesk_tone::ReplyCheck;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(list).post(create))
        .route("/complaints/{id}", get(one))
        .route("/complaints/{id}/letter", get(letter))
        .route("/complaints/{id}/{action}", post(work))
}

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(page).post(page_submit))
        .route("/complaints/{id}", get(detail))
        .route("/complaints/{id}/letter", get(letter_page))
        .route("/complaints/{id}/{action}", post(work_submit))
        .route("/feedback", get(feedback_page).post(feedback_submit))
}

/// A complaint in the API, with its clocks now.
async fn complaint_json(state: &AppState, k: &Complaint) -> Result<ComplaintJson, ApiError> {
    let settings = state.store.complaint_settings(&k.location).await?;
    let zone = state.location(&k.location).await?.zone();
    Ok(ComplaintJson::of(
        k,
        &clocks_of(k, &settings, zone, state.now()),
    ))
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    KeyedJson { input, key }: KeyedJson<ComplaintInput>,
) -> Result<Response, ApiError> {
    let once = key.map(|k| k.claim(&staff.user.username));
    if let Some(first) = retries_earlier(&state, once.as_ref()).await? {
        return Ok(first);
    }
    let made = complaints::take(&state, Taker::Staff(&staff.user), &input, once.as_ref()).await;
    let k = match retries::after_failure(&state, once.as_ref(), made).await? {
        Ok(k) => k,
        Err(first) => return Ok(retry::replay(first)),
    };
    let body = complaint_json(&state, &k).await?;
    retry::answer(&state, once.as_ref(), StatusCode::CREATED, &body).await
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Json<ComplaintList>, ApiError> {
    let location = staff.at(q.location.as_deref())?;
    let now = state.now();
    let settings = state.store.complaint_settings(&location).await?;
    let zone = state.location(&location).await?.zone();
    let list = state
        .store
        .complaints(&location, now - chrono::Duration::days(30))
        .await?;
    state
        .store
        .audit(
            &staff.actor(),
            "complaints.read",
            &format!("location:{}", &location),
            now,
        )
        .await?;
    let complaints = list
        .iter()
        .filter(|k| may_read(&staff.user, k, &settings))
        .map(|k| ComplaintJson::of(k, &clocks_of(k, &settings, zone, now)))
        .collect();
    Ok(Json(ComplaintList { complaints }))
}

async fn one(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
) -> Result<Json<ComplaintJson>, ApiError> {
    let Loaded {
        complaint: k,
        events,
        settings,
        zone,
    } = complaints::load(&state, &staff.user, id).await?;
    Ok(Json(ComplaintJson {
        events: Some(events.iter().map(ComplaintEventJson::of).collect()),
        ..ComplaintJson::of(&k, &clocks_of(&k, &settings, zone, state.now()))
    }))
}

/// `POST /api/v1/complaints/{id}/{action}`: acknowledge, pause, resume,
/// assign, reply or resolve.
async fn work(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, action)): Path<(String, String)>,
    Id(id): Id,
    ApiJson(input): ApiJson<WorkInput>,
) -> Result<Json<ComplaintJson>, ApiError> {
    let what = work_from(&action, input, false).ok_or(ApiError::NotFound)?;
    let reply = matches!(what, Work::Reply { .. });
    let k = match complaints::work(&state, &staff.user, id, what).await? {
        Worked::Done(k) => k,
        Worked::Held(_) => {
            return Err(ApiError::Internal(
                "a reply was held that the API sends".into(),
            ));
        }
    };
    let mut body = complaint_json(&state, &k).await?;
    if reply {
        let (_, events) = state.store.complaint(k.id).await?;
        body.reply = events
            .iter()
            .rev()
            .find(|e| e.kind == ComplaintEventKind::Reply)
            .and_then(|e| serde_json::from_str(&e.detail).ok());
    }
    Ok(Json(body))
}

async fn letter(
    State(state): State<AppState>,
    staff: Staff,
    Id(id): Id,
) -> Result<Json<LetterJson>, ApiError> {
    let loaded = complaints::load(&state, &staff.user, id).await?;
    let l = letter_of(&state, &loaded.complaint, loaded.zone).await?;
    Ok(Json(LetterJson {
        greeting: l.greeting,
        paragraphs: l.paragraphs,
        contact_person: l.contact_person,
        completed_on: l.completed_on,
    }))
}

// --- pages ---

async fn list_page(
    state: &AppState,
    staff: &Staff,
    form: ComplaintForm,
    errors: FieldErrors,
) -> PageResult {
    let now = state.now();
    let location = staff.at(Some(&form.location))?;
    let loc = state.location(&location).await?;
    let settings = state.store.complaint_settings(&location).await?;
    let zone = loc.zone();
    let list = state
        .store
        .complaints(&location, now - chrono::Duration::days(30))
        .await?;
    state
        .store
        .audit(
            &staff.actor(),
            "complaints.read",
            &format!("location:{location}"),
            now,
        )
        .await?;
    let readable: Vec<&Complaint> = list
        .iter()
        .filter(|k| may_read(&staff.user, k, &settings))
        .collect();
    let page = ComplaintsPage {
        once: crate::secrets::random_token(),
        nav: staff.nav(),
        location: loc.id.clone(),
        location_name: loc.name.clone(),
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
    Ok(render_with(form_status(&page.errors), &page))
}

async fn page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<LocationQuery>,
) -> PageResult {
    let form = ComplaintForm {
        location: staff.at(q.location.as_deref())?,
        ..Default::default()
    };
    list_page(&state, &staff, form, FieldErrors::new()).await
}

async fn page_submit(
    State(state): State<AppState>,
    OnceForm { staff, form, once }: OnceForm<ComplaintForm>,
) -> PageResult {
    let once = once.map(|k| k.claim(&staff.user.username));
    if let Some(first) = form_earlier(&state, once.as_ref()).await? {
        return Ok(first);
    }
    let mut errors = FieldErrors::new();
    let visit_id = crate::http::extract::visit_number(&form.visit_id, &mut errors);
    let input = ComplaintInput {
        location: Some(staff.at(Some(&form.location))?),
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
        complaints::take(&state, Taker::Staff(&staff.user), &input, once.as_ref()).await
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
    match retries::after_failure(&state, once.as_ref(), taken).await {
        Ok(Ok(k)) => {
            let to = format!("/complaints/{}", k.id);
            Ok(retry::form_answer(&state, once.as_ref(), &to).await)
        }
        Ok(Err(first)) => Ok(retry::form_replay(first)),
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
            list_page(&state, &staff, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One complaint's page, with an error to show, a reply the coach held,
/// and a refused form as typed.
async fn detail_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: Option<String>,
    held: Option<(String, ReplyCheck)>,
    typed: Draft,
) -> PageResult {
    let Loaded {
        complaint: k,
        events,
        settings,
        zone,
    } = complaints::load(state, &staff.user, id).await?;
    let clocks = clocks_of(&k, &settings, zone, state.now());
    let contact = [&k.contact_name, &k.contact_email, &k.contact_phone]
        .iter()
        .filter_map(|x| x.as_deref())
        .collect::<Vec<_>>()
        .join(" · ");
    let (draft, flags) = match &held {
        Some((text, check)) => (text.clone(), flag_views(text, check)),
        None => (String::new(), Vec::new()),
    };
    let can_work = may_work(&staff.user, &k);
    let staff_names = if can_work {
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
        nav: staff.nav(),
        k: row(&k, &clocks, zone),
        text: k.text.clone(),
        contact: if contact.is_empty() {
            "none given".into()
        } else {
            contact
        },
        visit_id: k.visit_id,
        can_work,
        received: k.status == ComplaintStatus::Received,
        resolved: k.status == ComplaintStatus::Resolved,
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
                mask_recipient(channel, &to)
            ),
            None => "Your reply is kept here; it is not sent automatically (no e-mail or text route to this patient is set up). Contact them yourself and note it here.".to_string(),
        },
    };
    let status = if held.is_some() || page.error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_with(status, &page))
}

async fn detail(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    PageId(id): PageId,
) -> PageResult {
    detail_page(&state, &staff, id, None, None, Draft::default()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct WorkForm {
    reason: String,
    owner: String,
    text: String,
    send_anyway: String,
    contact_person: String,
    steps: String,
    result: String,
}

async fn work_submit(
    State(state): State<AppState>,
    Path((_, action)): Path<(String, String)>,
    PageId(id): PageId,
    StaffForm { staff, form }: StaffForm<WorkForm>,
) -> PageResult {
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
    let what = work_from(&action, input, hold).ok_or(ApiError::NotFound)?;
    match complaints::work(&state, &staff.user, id, what).await {
        Ok(Worked::Done(_)) => Ok(Redirect::to(&format!("/complaints/{id}")).into_response()),
        Ok(Worked::Held(check)) => {
            detail_page(
                &state,
                &staff,
                id,
                None,
                Some((draft, check)),
                Draft::default(),
            )
            .await
        }
        Err(ApiError::InvalidFields(errors)) => {
            // Errors beside their fields (resolve, pause), the rest in the banner.
            let beside = ["contact_person", "steps", "result", "reason"];
            let banner = if errors.0.keys().all(|k| beside.contains(&k.as_str())) {
                "Not saved: please correct the fields marked below.".to_string()
            } else {
                format!("Not saved: {}", fields_in_words(&errors))
            };
            let typed = Draft { errors, ..typed };
            detail_page(&state, &staff, id, Some(banner), None, typed).await
        }
        Err(e @ ApiError::InvalidTransition(_)) => {
            detail_page(
                &state,
                &staff,
                id,
                Some(e.to_string()),
                None,
                Draft::default(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn letter_page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    PageId(id): PageId,
) -> PageResult {
    let loaded = complaints::load(&state, &staff.user, id).await?;
    let letter = letter_of(&state, &loaded.complaint, loaded.zone).await?;
    Ok(render(&LetterPage {
        practice: state.location(&loaded.complaint.location).await?.name,
        website: loaded.settings.website,
        letter,
        id,
    }))
}

// --- the public feedback form ---

fn feedback_response(
    location: &Location,
    form: FeedbackForm,
    errors: FieldErrors,
    sent: bool,
) -> Response {
    let status = form_status(&errors);
    render_with(
        status,
        &FeedbackPage {
            location: location.id.clone(),
            location_name: location.name.clone(),
            form,
            errors,
            sent,
        },
    )
}

/// A fresh feedback form for a location.
fn blank(location: &Location) -> FeedbackForm {
    FeedbackForm {
        location: location.id.clone(),
        ..Default::default()
    }
}

async fn feedback_page(
    State(state): State<AppState>,
    Query(q): Query<LocationQuery>,
) -> PageResult {
    let l = state.location(q.id()).await?;
    Ok(feedback_response(&l, blank(&l), FieldErrors::new(), false))
}

/// The public form: name, email and message required; the email is kept for
/// the reply and never published. A same-site-only form (no session), so the
/// only guard needed is the browser's SameSite and the size limit.
async fn feedback_submit(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    Form(form): Form<FeedbackForm>,
) -> PageResult {
    let l = state
        .location(location_or_main(Some(&form.location)))
        .await?;
    if !form.website.is_empty() {
        // A bot: thank it and keep nothing.
        return Ok(feedback_response(&l, blank(&l), FieldErrors::new(), true));
    }
    let new = match complaint::validate_feedback_form(
        &form.name,
        &form.email,
        &form.message,
        &form.phone,
    ) {
        Err(errors) => return Ok(feedback_response(&l, form, errors, false)),
        Ok(new) => new,
    };
    // Ten messages an hour from one address; a flood must not become alerts.
    let key = format!("feedback {}", address_key(from));
    if let Err(wait) = state.public_forms.attempt(&key, state.now()) {
        tracing::warn!("feedback refused: too many from one address");
        return Ok(slow_down_page(
            "We have had several messages from here in the last hour, and we read every one. \
             If it is urgent, please call the practice.",
            wait,
        ));
    }
    let input = ComplaintInput {
        text: new.text,
        channel: "web_form".into(),
        location: Some(l.id.clone()),
        contact: Some(ContactInput {
            name: new.contact_name,
            email: new.contact_email,
            phone: new.contact_phone,
        }),
        ..Default::default()
    };
    match complaints::take(&state, Taker::Public("feedback-form"), &input, None).await {
        Ok(_) => Ok(feedback_response(&l, blank(&l), FieldErrors::new(), true)),
        Err(ApiError::InvalidFields(errors)) => Ok(feedback_response(&l, form, errors, false)),
        Err(e) => Err(e.into()),
    }
}
