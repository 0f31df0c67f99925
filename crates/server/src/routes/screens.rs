//! The screens patients see: the public self check-in kiosk (`/kiosk`, no
//! login; a cookie-and-form token guards against forged submissions) and
//! the lobby TV (`/tv`, on a signed-in screen).

use crate::app::kiosk::{self, KioskOutcome};
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff, cookie};
use crate::http::extract::{ClientAddr, base_url};
use crate::http::page::{PageError, PageResult, error_page, form_status, render, render_with};
use crate::state::AppState;
use crate::throttle::address_key;
use crate::views::page::local;
use crate::views::patient::qr_svg;
use crate::views::screens::{
    KioskBusy, KioskDone, KioskForm, KioskPage, KioskPair, KioskUnpaired, TvPage, TvRows, tv_status,
};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use frontdesk_domain::FieldErrors;
use frontdesk_domain::patient::parse_kiosk;
use frontdesk_store::{Kiosk, Location};
use serde::Deserialize;

const KIOSK_COOKIE: &str = "fd_kiosk";

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/kiosk", get(kiosk_page).post(kiosk_submit))
        .route("/kiosk/pair/{code}", get(pair_page).post(pair_submit))
        .route("/tv", get(tv_page))
        .route("/tv/rows", get(tv_rows_fragment))
}

fn kiosk_form(
    state: &AppState,
    location: &Location,
    form: &KioskForm,
    errors: FieldErrors,
) -> Response {
    // The kiosk has no login; a token in a cookie and the form guards against
    // forged submissions from other sites.
    let csrf = crate::secrets::random_token();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{KIOSK_COOKIE}={csrf}; Path=/kiosk; HttpOnly; SameSite=Strict{secure}");
    let status = form_status(&errors);
    let page = KioskPage {
        location: location.id.clone(),
        location_name: location.name.clone(),
        csrf,
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        date_of_birth: form.date_of_birth.clone(),
        concern: form.concern.clone(),
        send_link_to: form.send_link_to.clone(),
        link_label: kiosk::link_label(state),
        errors,
    };
    (status, [(header::SET_COOKIE, cookie)], render(&page)).into_response()
}

/// The cookie a paired tablet keeps: its device token.
const DEVICE_COOKIE: &str = "fd_kiosk_device";

/// The kiosk this browser was paired as; an unpaired one gets a 403 page
/// saying staff must set it up, and nothing else happens.
async fn paired(state: &AppState, headers: &HeaderMap) -> Result<Kiosk, Response> {
    let token = cookie(headers, DEVICE_COOKIE).unwrap_or_default();
    match kiosk::device(state, token).await {
        Ok(Some(k)) => Ok(k),
        Ok(None) => Err(render_with(
            StatusCode::FORBIDDEN,
            &KioskUnpaired {
                location_name: "Frontdesk".into(),
            },
        )),
        Err(e) => Err(error_page(e)),
    }
}

async fn kiosk_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let k = paired(&state, &headers).await?;
    let location = state
        .location(&k.location)
        .await
        .map_err(|e| error_page(e.into()))?;
    Ok(kiosk_form(
        &state,
        &location,
        &KioskForm::default(),
        FieldErrors::new(),
    ))
}

async fn kiosk_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<KioskForm>,
) -> Result<Response, Response> {
    let k = paired(&state, &headers).await?;
    let location = state
        .location(&k.location)
        .await
        .map_err(|e| error_page(e.into()))?;
    let sent = cookie(&headers, KIOSK_COOKIE).unwrap_or_default();
    if sent.is_empty() || !crate::secrets::same(sent, &form.csrf) {
        let mut errors = FieldErrors::new();
        errors.add("form", "This form expired; please try again.");
        return Ok(kiosk_form(&state, &location, &form, errors));
    }
    if let Err(wait) = kiosk::allow(&state, &k) {
        return Ok(render_with(
            StatusCode::TOO_MANY_REQUESTS,
            &KioskBusy {
                location_name: location.name.clone(),
                wait_s: wait.num_seconds().max(1),
            },
        ));
    }
    let today = state.now().with_timezone(&location.zone()).date_naive();
    // The optional question is checked with the rest, so a bad one saves nothing.
    let question = match form.concern.trim() {
        "" => Ok(None),
        text => frontdesk_domain::concern::words(text).map(Some),
    };
    let contact = kiosk::contact(&state, &form.send_link_to);
    let who = parse_kiosk(
        &form.given_name,
        &form.family_name,
        &form.date_of_birth,
        today,
    );
    let (who, question, contact) = match (who, question, contact) {
        (Ok(who), Ok(question), Ok(contact)) => (who, question, contact),
        (who, question, contact) => {
            let mut errors = who.err().unwrap_or_default();
            if let Err(message) = question {
                errors.add("concern", message);
            }
            if let Err(message) = contact {
                errors.add("send_link_to", message);
            }
            return Ok(kiosk_form(&state, &location, &form, errors));
        }
    };
    match kiosk::check_in(&state, &k, &location, &who, question, contact).await {
        Ok(KioskOutcome {
            given_name,
            with_appointment,
            already,
            ticket,
            status_path,
            sent_to,
        }) => Ok(render(&KioskDone {
            location: location.id.clone(),
            location_name: location.name.clone(),
            given_name,
            with_appointment,
            already,
            ticket,
            qr: status_path
                .as_deref()
                .and_then(|u| qr_svg(&base_url(&state, &headers), u)),
            status_url: status_path,
            sent_to,
        })),
        Err(ApiError::InvalidFields(errors)) => Ok(kiosk_form(&state, &location, &form, errors)),
        Err(e) => Err(error_page(e)),
    }
}

/// A pairing link opened on the tablet: what it would pair (GET changes
/// nothing), or that it does not work.
/// Pairing links tried from one address: a wrong one counts (ten an hour),
/// a right one is taken back. Nobody guesses a 256-bit code; this keeps
/// anyone from trying.
fn pairing_tries(state: &AppState, from: std::net::IpAddr) -> Result<String, PageError> {
    let key = format!("pairing {}", address_key(from));
    match state.public_forms.attempt(&key, state.now()) {
        Ok(()) => Ok(key),
        Err(wait) => Err(PageError(ApiError::TooManyRequests(wait))),
    }
}

async fn pair_page(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    Path(code): Path<String>,
) -> PageResult {
    let tries = pairing_tries(&state, from)?;
    let found = kiosk::pairing_for(&state, &code).await?;
    if found.is_some() {
        state.public_forms.refund(&tries, state.now());
    }
    let Some(k) = found else {
        return Ok(no_such_pairing());
    };
    Ok(render(&KioskPair {
        location_name: state.location(&k.location).await?.name,
        kiosk_name: Some(k.name),
        code,
    }))
}

/// A wrong, used or expired pairing link: 404, saying what to do.
fn no_such_pairing() -> Response {
    render_with(
        StatusCode::NOT_FOUND,
        &KioskPair {
            location_name: "Frontdesk".into(),
            kiosk_name: None,
            code: String::new(),
        },
    )
}

/// Pair this tablet: the link is used up, the tablet keeps its device token
/// in a cookie (a year; revoking the kiosk ends it at once).
async fn pair_submit(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    Path(code): Path<String>,
) -> PageResult {
    let tries = pairing_tries(&state, from)?;
    let paired = kiosk::pair(&state, &code).await?;
    if paired.is_some() {
        state.public_forms.refund(&tries, state.now());
    }
    let Some((_, device)) = paired else {
        return Ok(no_such_pairing());
    };
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{DEVICE_COOKIE}={device}; Path=/kiosk; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}"
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        axum::response::Redirect::to("/kiosk"),
    )
        .into_response())
}

// --- lobby TV ---

#[derive(Deserialize, Default)]
#[serde(default)]
struct TvQuery {
    location: Option<String>,
    /// `names` (first name, last initial) or `tickets`.
    show: String,
}

impl TvQuery {
    fn tickets(&self) -> bool {
        self.show == "tickets"
    }
}

/// The lobby's rows (name or ticket, where they are, arrived at); a live
/// refresh is audited at most once a minute per session.
async fn tv_rows(
    state: &AppState,
    staff: &Staff,
    q: &TvQuery,
) -> Result<(Location, Vec<(String, &'static str, String)>), ApiError> {
    let location = state.location(&staff.at(q.location.as_deref())?).await?;
    let zone = location.zone();
    let actor = staff.actor();
    let audit = state.live_audit_due(&staff.token_hash).then_some(&actor);
    let visits = state.store.lobby(&location.id, audit, state.now()).await?;
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
                .map(|t| local(t, zone, "%H:%M"))
                .unwrap_or_default();
            (name, tv_status(v.state), at)
        })
        .collect();
    Ok((location, rows))
}

async fn tv_page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<TvQuery>,
) -> PageResult {
    let (location, rows) = tv_rows(&state, &staff, &q).await?;
    Ok(render(&TvPage {
        location: location.id,
        location_name: location.name,
        show: if q.tickets() { "tickets" } else { "names" },
        refresh_ms: ((15_000.0 / state.clock.speed().max(1.0)) as u64).clamp(1_000, 15_000),
        rows,
    }))
}

async fn tv_rows_fragment(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<TvQuery>,
) -> Result<Response, ApiError> {
    let (_, rows) = tv_rows(&state, &staff, &q).await?;
    Ok(render(&TvRows { rows }))
}
