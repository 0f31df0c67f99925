//! The screens patients see: the self check-in kiosk (public, shows nothing
//! about anyone else) and the lobby TV (first name and last initial, or a
//! ticket code; shown from a signed-in staff device).

use crate::AppState;
use crate::app::visits::{Arriving, Who, check_in};
use crate::auth::{self, Staff};
use crate::error::ApiError;
use crate::pages::error_page;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use frontdesk_domain::outbox::{MessageChannel, mask_recipient, parse_contact};
use frontdesk_domain::patient::{ArrivalInput, KioskCandidate, kiosk_match, parse_kiosk};
use frontdesk_domain::{FieldErrors, VisitState};
use frontdesk_store::{Actor, Location, NewVisit};
use serde::Deserialize;

const KIOSK_COOKIE: &str = "fd_kiosk";

fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(ApiError::Internal(e.to_string())),
    }
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    location: String,
    location_name: String,
    csrf: String,
    given_name: String,
    family_name: String,
    date_of_birth: String,
    concern: String,
    /// "Text or email me my link" (shown when messages can be sent).
    send_link_to: String,
    link_label: Option<&'static str>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "kiosk_done.html")]
struct KioskDone {
    location: String,
    location_name: String,
    given_name: String,
    with_appointment: bool,
    /// They had checked in already (a double tap, or a second try).
    already: bool,
    /// The code the lobby TV shows in ticket mode.
    ticket: String,
    /// The patient's private status page, for a new check-in.
    status_url: Option<String>,
    /// The same link as a QR code (inline SVG made here, not from input).
    qr: Option<String>,
    /// Where the link is being sent, masked (`a***@example.org`).
    sent_to: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KioskQuery {
    location: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KioskForm {
    csrf: String,
    location: String,
    given_name: String,
    family_name: String,
    date_of_birth: String,
    /// "Anything you want to make sure we cover today?" (optional).
    concern: String,
    /// "Text or email me my link" (optional): a mobile number or an e-mail address.
    send_link_to: String,
}

/// A kiosk check-in's outcome: first name, with an appointment, already here,
/// ticket code, status link, visit id, where the link is being sent (masked).
type KioskResult = (
    String,
    bool,
    bool,
    String,
    Option<String>,
    i64,
    Option<String>,
);

/// The label of the kiosk's "send me my link" field, when a message can go out.
fn link_label(state: &AppState) -> Option<&'static str> {
    let can = |c| crate::outbox::can_send(state, c);
    match (can(MessageChannel::Email), can(MessageChannel::Sms)) {
        (true, true) => Some("Text or email me my link"),
        (true, false) => Some("Email me my link"),
        (false, true) => Some("Text me my link"),
        (false, false) => None,
    }
}

/// The kiosk's "send me my link" field: nothing, or a contact we can send to.
fn kiosk_contact(
    state: &AppState,
    text: &str,
) -> Result<Option<(MessageChannel, String)>, &'static str> {
    // The field is not shown when nothing can be sent; a value anyway is ignored.
    if text.trim().is_empty() || link_label(state).is_none() {
        return Ok(None);
    }
    let (channel, to) = parse_contact(text)?;
    if !crate::outbox::can_send(state, channel) {
        return Err(match channel {
            MessageChannel::Email => "We can't send email from here; please give a mobile number",
            MessageChannel::Sms => {
                "We can't send text messages from here; please give an email address"
            }
        });
    }
    Ok(Some((channel, to)))
}

async fn kiosk_location(state: &AppState, id: &str) -> Result<Location, ApiError> {
    let id = if id.trim().is_empty() {
        "main"
    } else {
        id.trim()
    };
    Ok(state.location(id).await?)
}

fn kiosk_form(
    state: &AppState,
    location: &Location,
    form: &KioskForm,
    errors: FieldErrors,
) -> Response {
    // The kiosk has no login; a token in a cookie and the form guards against
    // forged submissions from other sites.
    let csrf = auth::random_token();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{KIOSK_COOKIE}={csrf}; Path=/kiosk; HttpOnly; SameSite=Strict{secure}");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = KioskPage {
        location: location.id.clone(),
        location_name: location.name.clone(),
        csrf,
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        date_of_birth: form.date_of_birth.clone(),
        concern: form.concern.clone(),
        send_link_to: form.send_link_to.clone(),
        link_label: link_label(state),
        errors,
    };
    (status, [(header::SET_COOKIE, cookie)], render(&page)).into_response()
}

pub async fn kiosk_page(State(state): State<AppState>, Query(q): Query<KioskQuery>) -> Response {
    match kiosk_location(&state, &q.location).await {
        Ok(location) => kiosk_form(&state, &location, &KioskForm::default(), FieldErrors::new()),
        Err(e) => error_page(e),
    }
}

pub async fn kiosk_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<KioskForm>,
) -> Response {
    let location = match kiosk_location(&state, &form.location).await {
        Ok(l) => l,
        Err(e) => return error_page(e),
    };
    let cookie = auth::cookie_in(&headers, KIOSK_COOKIE).unwrap_or_default();
    if cookie.is_empty() || cookie != form.csrf {
        let mut errors = FieldErrors::new();
        errors.add("form", "This form expired; please try again.");
        return kiosk_form(&state, &location, &form, errors);
    }
    let now = state.now();
    let zone = location.zone();
    let today = now.with_timezone(&zone).date_naive();
    // The optional question is checked with the rest, so a bad one saves nothing.
    let concern = match form.concern.trim() {
        "" => Ok(None),
        text => frontdesk_domain::concern::words(text).map(Some),
    };
    let contact = kiosk_contact(&state, &form.send_link_to);
    let (who, concern, contact) = match (
        parse_kiosk(
            &form.given_name,
            &form.family_name,
            &form.date_of_birth,
            today,
        ),
        concern,
        contact,
    ) {
        (Ok(who), Ok(concern), Ok(contact)) => (who, concern, contact),
        (who, concern, contact) => {
            let mut errors = who.err().unwrap_or_default();
            if let Err(message) = concern {
                errors.add("concern", message);
            }
            if let Err(message) = contact {
                errors.add("send_link_to", message);
            }
            return kiosk_form(&state, &location, &form, errors);
        }
    };
    let result: Result<KioskResult, ApiError> = async {
        let actor = Actor::kiosk();
        // Already here? A double tap or a second try must not add a visit.
        let present: Vec<frontdesk_store::Visit> =
            state.store.lobby(&location.id, None, now).await?;
        let here: Vec<KioskCandidate> = present
            .iter()
            .map(|v| KioskCandidate {
                visit_id: v.id,
                given_name: v.given_name.clone(),
                family_name: v.family_name.clone(),
                date_of_birth: v.date_of_birth,
            })
            .collect();
        if let Some(id) = kiosk_match(&who, &here)
            && let Some(v) = present.iter().find(|v| v.id == id)
        {
            state
                .store
                .audit(&actor, "kiosk.already_here", &format!("visit:{id}"), now)
                .await?;
            // Their question still reaches the visit.
            if let Some(text) = &concern {
                crate::concerns::raise(
                    &state,
                    v.id,
                    text,
                    frontdesk_domain::concern::Source::Kiosk,
                    None,
                    &actor,
                )
                .await?;
                crate::app::visits::flag_if_upset(&state, v, text).await?;
            }
            return Ok((
                v.given_name.clone(),
                v.appointment_id.is_some(),
                true,
                v.ticket(),
                None,
                v.id,
                None,
            ));
        }
        let start = today
            .and_hms_opt(0, 0, 0)
            .and_then(|d| d.and_local_timezone(zone).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(now);
        let expected = state
            .store
            .expected_visits(&location.id, start, start + chrono::Duration::days(1))
            .await?;
        let candidates: Vec<KioskCandidate> = expected
            .iter()
            .map(|v| KioskCandidate {
                visit_id: v.id,
                given_name: v.given_name.clone(),
                family_name: v.family_name.clone(),
                date_of_birth: v.date_of_birth,
            })
            .collect();
        let (who, with_appointment) = match kiosk_match(&who, &candidates) {
            Some(visit_id) => match expected.into_iter().find(|v| v.id == visit_id) {
                Some(v) => (Who::Expected(Box::new(v)), true),
                None => return Err(ApiError::NotFound),
            },
            None => {
                let input = ArrivalInput {
                    given_name: who.given_name.clone(),
                    family_name: who.family_name.clone(),
                    date_of_birth: Some(who.date_of_birth.to_string()),
                    location: Some(location.id.clone()),
                    ..Default::default()
                };
                let arrival = frontdesk_domain::patient::Arrival::parse(&input, today)?;
                let visit = NewVisit {
                    location: location.id.clone(),
                    provider: None,
                    visit_type: None,
                    patient: arrival.patient,
                };
                (Who::WalkIn(visit), false)
            }
        };
        let arriving = Arriving {
            who,
            contacts: contact.iter().cloned().collect(),
            // The patient's question, in their words, goes to the visit as a concern.
            question: concern,
        };
        let done = match check_in(&state, &location, arriving, &actor).await {
            Ok(done) => done,
            Err(ApiError::InvalidTransition(_)) => {
                return Err(ApiError::InvalidTransition("already checked in".into()));
            }
            Err(e) => return Err(e),
        };
        let sent_to = done
            .sent_to
            .first()
            .map(|(channel, to)| mask_recipient(*channel, to));
        Ok((
            done.visit.given_name.clone(),
            with_appointment,
            false,
            done.visit.ticket(),
            Some(done.status_path),
            done.visit.id,
            sent_to,
        ))
    }
    .await;
    match result {
        Ok((given_name, with_appointment, already, ticket, status_url, _, sent_to)) => {
            render(&KioskDone {
                location: location.id.clone(),
                location_name: location.name.clone(),
                given_name,
                with_appointment,
                already,
                ticket,
                qr: status_url.as_deref().and_then(|u| {
                    crate::status::qr_svg(&crate::status::base_url(&state, &headers), u)
                }),
                status_url,
                sent_to,
            })
        }
        Err(ApiError::InvalidFields(errors)) => kiosk_form(&state, &location, &form, errors),
        Err(e) => error_page(e),
    }
}

// --- lobby TV ---

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TvQuery {
    location: String,
    /// `names` (first name, last initial) or `tickets`.
    show: String,
}

impl TvQuery {
    fn location(&self) -> &str {
        if self.location.is_empty() {
            "main"
        } else {
            &self.location
        }
    }
    fn tickets(&self) -> bool {
        self.show == "tickets"
    }
}

#[derive(Template)]
#[template(path = "tv.html")]
struct TvPage {
    location: String,
    location_name: String,
    show: &'static str,
    refresh_ms: u64,
    rows: Vec<(String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "tv_rows.html")]
struct TvRows {
    rows: Vec<(String, &'static str, String)>,
}

fn tv_status(state: VisitState) -> &'static str {
    match state {
        VisitState::Waiting => "Waiting",
        VisitState::Roomed => "In a room",
        VisitState::WithProvider => "With the provider",
        VisitState::Checkout => "At checkout",
        _ => "",
    }
}

async fn tv_rows(
    state: &AppState,
    staff: &Staff,
    q: &TvQuery,
) -> Result<(Location, Vec<(String, &'static str, String)>), ApiError> {
    let location = state.location(q.location()).await?;
    let zone = location.zone();
    let visits = state
        .store
        .lobby(
            &location.id,
            crate::pages::live_audit_due(state, staff).then_some(&staff.actor()),
            state.now(),
        )
        .await?;
    let rows = visits
        .iter()
        .map(|v| {
            let name = if q.tickets() {
                v.ticket()
            } else {
                v.public_name()
            };
            let at = v
                .arrived_at
                .map(|t| t.with_timezone(&zone).format("%H:%M").to_string())
                .unwrap_or_default();
            (name, tv_status(v.state), at)
        })
        .collect();
    Ok((location, rows))
}

pub async fn tv_page(
    State(state): State<AppState>,
    crate::auth::PageStaff(staff): crate::auth::PageStaff,
    Query(q): Query<TvQuery>,
) -> Response {
    match tv_rows(&state, &staff, &q).await {
        Ok((location, rows)) => render(&TvPage {
            location: location.id,
            location_name: location.name,
            show: if q.tickets() { "tickets" } else { "names" },
            refresh_ms: ((15_000.0 / state.clock.speed().max(1.0)) as u64).clamp(1_000, 15_000),
            rows,
        }),
        Err(e) => error_page(e),
    }
}

pub async fn tv_rows_fragment(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<TvQuery>,
) -> Result<Response, ApiError> {
    let (_, rows) = tv_rows(&state, &staff, &q).await?;
    Ok(render(&TvRows { rows }))
}
