//! Staff pages: server-rendered HTML. Every action is a plain form (POST,
//! redirect, GET) so the pages work without JavaScript; a small script adds
//! live updates and alerts. Askama escapes every value, so a patient named
//! `<script>` is shown as text.

use crate::AppState;
use crate::api::{self, LocationQuery};
use crate::auth::{self, PageStaff, Staff};
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use frontdesk_domain::patient::ArrivalInput;
use frontdesk_domain::{AckPolicy, FieldErrors, Timestamp, VisitState};
use frontdesk_store::Visit;
use serde::Deserialize;

/// What the header of every page needs.
pub struct Nav {
    pub username: Option<String>,
    pub role: String,
    pub csrf: String,
    pub is_manager: bool,
    pub is_admin: bool,
}

impl Nav {
    fn anonymous() -> Nav {
        Nav {
            username: None,
            role: String::new(),
            csrf: String::new(),
            is_manager: false,
            is_admin: false,
        }
    }
    pub fn of(staff: &Staff) -> Nav {
        Nav {
            username: Some(staff.user.username.clone()),
            role: staff.user.role.label().to_string(),
            csrf: staff.csrf_token.clone(),
            is_manager: staff.user.role.can_change_settings(),
            is_admin: staff.user.role.can_manage_users(),
        }
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    nav: Nav,
    heading: String,
    message: String,
}

/// An error as a page a person can read.
pub fn error_page(e: ApiError) -> Response {
    let heading = match &e {
        ApiError::NotFound => "Not found",
        ApiError::Forbidden => "Not allowed",
        ApiError::InvalidTransition(_) | ApiError::Conflict(_) => "That can't be done",
        ApiError::TooManyRequests => "Too many attempts",
        _ => "Something went wrong",
    };
    if let ApiError::Internal(detail) = &e {
        tracing::error!(error = %detail, "page failed");
    }
    let page = MessagePage {
        nav: Nav::anonymous(),
        heading: heading.into(),
        message: e.to_string(),
    };
    (e.status(), render(&page)).into_response()
}

/// Field errors as one line for a page banner: "due at: Time not understood; kind: …".
pub fn fields_in_words(errors: &FieldErrors) -> String {
    errors
        .0
        .iter()
        .map(|(k, v)| format!("{}: {v}", k.replace('_', " ")))
        .collect::<Vec<_>>()
        .join("; ")
}

pub async fn not_found() -> Response {
    error_page(ApiError::NotFound)
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only paths on this site are followed after login.
/// Only plain paths on this site are followed after login: no scheme, no
/// `//host`, no backslashes, no whitespace or control characters (browsers
/// drop tabs and newlines, which can turn `/\t/evil` into `//evil`).
fn safe_next(next: &str) -> &str {
    let plain = next
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~?=&%#".contains(c));
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/board"
    }
}

pub async fn home() -> Redirect {
    Redirect::to("/board")
}

// --- login ---

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    error: Option<String>,
    csrf: String,
    next: String,
    username: String,
    demo_logins: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

fn login_response(
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    next: &str,
    username: &str,
) -> Response {
    // Login CSRF: the form's token must match a cookie set with the form.
    let csrf = auth::random_token();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}",
        auth::LOGIN_COOKIE
    );
    let page = LoginPage {
        nav: Nav::anonymous(),
        error,
        csrf,
        next: safe_next(next).to_string(),
        username: username.to_string(),
        demo_logins: state.config.demo_logins.clone(),
    };
    (status, [(header::SET_COOKIE, cookie)], render(&page)).into_response()
}

pub async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    login_response(&state, StatusCode::OK, None, &q.next, "")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let cookie_csrf = auth::cookie_in(&headers, auth::LOGIN_COOKIE).unwrap_or_default();
    if cookie_csrf.is_empty() || cookie_csrf != form.csrf {
        return login_response(
            &state,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired; please try again.".into()),
            &form.next,
            &form.username,
        );
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return login_response(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Username and password are both required.".into()),
            &form.next,
            &form.username,
        );
    }
    match auth::check_login(&state, &form.username, &form.password).await {
        Ok(Some(user)) => match auth::start_session(&state, &user).await {
            Ok((token, _)) => {
                let cookie = auth::session_cookie(
                    &token,
                    state.config.secure_cookies,
                    state.config.session_lifetime.num_seconds(),
                );
                (
                    [(header::SET_COOKIE, cookie)],
                    Redirect::to(safe_next(&form.next)),
                )
                    .into_response()
            }
            Err(e) => error_page(e),
        },
        Ok(None) => login_response(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("Username or password is wrong.".into()),
            &form.next,
            &form.username,
        ),
        Err(ApiError::TooManyRequests) => login_response(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many failed attempts for this name; wait 15 minutes or ask an admin.".into()),
            &form.next,
            &form.username,
        ),
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    let ended = state.store.delete_session(&staff.token_hash).await;
    auth::forget_sessions(&state);
    if let Err(e) = ended {
        return error_page(e.into());
    }
    let clear = auth::session_cookie("", state.config.secure_cookies, 0);
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}

// --- the lobby board ---

/// One row of the board, everything already in words.
pub struct RowView {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub state_label: &'static str,
    pub arrived: String,
    pub waited: String,
    pub acknowledged: String,
    /// `on_time`, `due_soon`, `overdue`, `escalated` or `none`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub clock_text: String,
    pub can_ack: bool,
    pub moves: Vec<(&'static str, &'static str)>,
    /// The open wait promise in words: "10:25–10:40".
    pub promise: String,
    /// The promise was re-quoted because it was about to break: someone
    /// should go and speak to the patient.
    pub at_risk: bool,
    /// Questions or concerns still needing an answer.
    pub open_concerns: usize,
    /// The patient sent an upset message today.
    pub upset: bool,
    /// The patient said on their page that they stepped out.
    pub stepped_out: bool,
}

/// Add the visit's open wait promise to its row.
pub fn with_promise(
    mut row: RowView,
    promise: Option<&frontdesk_store::Promise>,
    zone: chrono_tz::Tz,
) -> RowView {
    if let Some(p) = promise.filter(|p| p.status == "open") {
        let hm = |t: Timestamp| t.with_timezone(&zone).format("%H:%M").to_string();
        row.promise = match p.likely_at {
            Some(l) if hm(l) != hm(p.due_at) => format!("{}–{}", hm(l), hm(p.due_at)),
            _ => format!("by {}", hm(p.due_at)),
        };
        row.at_risk = p.made_by == "system";
    }
    row
}

/// Mark rows with their concerns needing an answer and upset messages.
fn with_marks(mut row: RowView, marks: &frontdesk_store::LobbyMarks) -> RowView {
    row.open_concerns = marks
        .concerns
        .iter()
        .filter(|(v, s)| *v == row.id && s.needs_answer())
        .count();
    row.upset = marks.upset.contains(&row.id);
    row.stepped_out = marks.stepped_out.contains(&row.id);
    row
}

fn move_label(to: VisitState) -> &'static str {
    match to {
        VisitState::Waiting => "Back to lobby",
        VisitState::Roomed => "Room",
        VisitState::WithProvider => "With provider",
        VisitState::Checkout => "Checkout",
        VisitState::Done => "Done",
        VisitState::LeftWithoutBeingSeen => "Left",
        VisitState::NoShow => "No-show",
        VisitState::Cancelled => "Cancel",
        VisitState::Expected => "Expected",
    }
}

fn minutes_text(d: chrono::Duration) -> String {
    let m = d.num_minutes();
    if m < 1 {
        format!("{} s", d.num_seconds().max(0))
    } else if m < 60 {
        format!("{m} min")
    } else {
        format!("{} h {} min", m / 60, m % 60)
    }
}

pub fn row_view(
    v: &Visit,
    policy: &AckPolicy,
    zone: chrono_tz::Tz,
    now: Timestamp,
    providers: &[(String, String)],
) -> RowView {
    let hm = |t: Timestamp| t.with_timezone(&zone).format("%H:%M").to_string();
    let clock = policy.clock(v.ack_facts(), now);
    let provider = match &v.provider {
        Some(id) => providers
            .iter()
            .find(|(p, _)| p == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.clone()),
        None => "Any".into(),
    };
    let acknowledged = match (v.last_acknowledged_at, &v.acknowledged_by) {
        (Some(t), Some(by)) => format!("{} by {by}", hm(t)),
        (Some(t), None) => hm(t),
        _ => "Not yet".into(),
    };
    let clock_text = match clock {
        Some(c) if now < c.due_at => format!("due in {}", minutes_text(c.due_at - now)),
        Some(c) => format!("{} overdue", minutes_text(now - c.due_at)),
        None => String::new(),
    };
    RowView {
        id: v.id,
        name: v.full_name(),
        provider,
        state_label: v.state.label(),
        arrived: v.arrived_at.map(hm).unwrap_or_default(),
        waited: v
            .arrived_at
            .map(|a| minutes_text(now - a))
            .unwrap_or_default(),
        acknowledged,
        status: clock.map(|c| c.status.as_str()).unwrap_or("none"),
        status_label: clock.map(|c| c.status.label()).unwrap_or(""),
        clock_text,
        can_ack: v.state.is_present(),
        promise: String::new(),
        at_risk: false,
        open_concerns: 0,
        upset: false,
        stepped_out: false,
        moves: v
            .state
            .allowed_next()
            .iter()
            .map(|s| (s.as_str(), move_label(*s)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "board_rows.html")]
struct BoardRows {
    rows: Vec<RowView>,
    csrf: String,
    /// The location's clock, for the page's "Clock time" line.
    now_text: String,
}

pub struct ExpectedView {
    id: i64,
    time: String,
    name: String,
    provider: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    nav: Nav,
    location: String,
    location_name: String,
    policy_text: String,
    overridden: bool,
    now_text: String,
    refresh_ms: u64,
    rows: Vec<RowView>,
    csrf: String,
    providers: Vec<(String, String)>,
    expected: Vec<ExpectedView>,
    form: ArrivalForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ArrivalForm {
    csrf: String,
    given_name: String,
    family_name: String,
    date_of_birth: String,
    provider: String,
    location: String,
}

async fn board_response(
    state: &AppState,
    staff: &Staff,
    location: &str,
    form: ArrivalForm,
    errors: FieldErrors,
) -> Result<Response, ApiError> {
    let now = state.now();
    let LobbyRows {
        location: loc,
        policy,
        providers,
        rows,
    } = lobby_rows(state, location, Some(&staff.actor())).await?;
    let zone = loc.zone();
    let local = now.with_timezone(&zone);
    let day_start = local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|d| d.and_local_timezone(zone).earliest());
    let expected = match day_start {
        Some(start) => {
            let start = start.with_timezone(&chrono::Utc);
            state
                .store
                .expected_visits(location, start, start + chrono::Duration::days(1))
                .await?
                .iter()
                .map(|v| ExpectedView {
                    id: v.id,
                    time: v
                        .scheduled_at
                        .map(|t| t.with_timezone(&zone).format("%H:%M").to_string())
                        .unwrap_or_default(),
                    name: v.full_name(),
                    provider: v
                        .provider
                        .as_ref()
                        .map(|id| {
                            providers
                                .iter()
                                .find(|(p, _)| p == id)
                                .map_or(id.clone(), |(_, n)| n.clone())
                        })
                        .unwrap_or_default(),
                })
                .collect()
        }
        None => Vec::new(),
    };
    // Refresh often enough that the clock column stays honest at the clock's speed.
    let refresh_ms = ((15_000.0 / state.clock.speed().max(1.0)) as u64).clamp(1_000, 15_000);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = BoardPage {
        nav: Nav::of(staff),
        location: loc.id.clone(),
        location_name: loc.name.clone(),
        policy_text: policy.describe(),
        overridden: state.config.ack_override.is_set(),
        now_text: local.format("%H:%M").to_string(),
        refresh_ms,
        rows,
        csrf: staff.csrf_token.clone(),
        providers,
        expected,
        form,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn board(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<LocationQuery>,
) -> Response {
    board_response(
        &state,
        &staff,
        q.id(),
        ArrivalForm::default(),
        FieldErrors::new(),
    )
    .await
    .unwrap_or_else(error_page)
}

/// The board's rows alone, fetched by the page's script when something changes.
/// Audited at most once a minute per session: it is a live push, not a new read.
pub async fn board_rows(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<LocationQuery>,
) -> Result<Response, ApiError> {
    let actor = staff.actor();
    let audit = live_audit_due(&state, &staff).then_some(&actor);
    let board = lobby_rows(&state, q.id(), audit).await?;
    let now_text = state
        .now()
        .with_timezone(&board.location.zone())
        .format("%H:%M")
        .to_string();
    Ok(render(&BoardRows {
        rows: board.rows,
        csrf: staff.csrf_token.clone(),
        now_text,
    }))
}

/// The board's rows for a location, with each patient's open wait promise.
/// `audit` names the reader when this read is to be audited.
struct LobbyRows {
    location: frontdesk_store::Location,
    policy: AckPolicy,
    providers: Vec<(String, String)>,
    rows: Vec<RowView>,
}

async fn lobby_rows(
    state: &AppState,
    location: &str,
    audit: Option<&frontdesk_store::Actor>,
) -> Result<LobbyRows, ApiError> {
    let now = state.now();
    let loc = state.location(location).await?;
    let policy = state.config.ack_override.apply(loc.ack_policy);
    let zone = loc.zone();
    let providers: Vec<(String, String)> = state
        .store
        .providers()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let visits = state.store.lobby(location, audit, now).await?;
    let promises = crate::api::open_wait_promises_by_visit(state).await?;
    let marks = state
        .store
        .lobby_marks(location, now - chrono::Duration::hours(24))
        .await?;
    let rows = visits
        .iter()
        .map(|v| {
            with_marks(
                with_promise(
                    row_view(v, &policy, zone, now, &providers),
                    promises.get(&v.id),
                    zone,
                ),
                &marks,
            )
        })
        .collect();
    Ok(LobbyRows {
        location: loc,
        policy,
        providers,
        rows,
    })
}

/// Live refreshes of a page are audited at most once a minute per session,
/// in real time (the demo's fast clock would otherwise fill the audit log).
pub fn live_audit_due(state: &AppState, staff: &Staff) -> bool {
    let now = std::time::Instant::now();
    let mut seen = state.live_audit.lock().unwrap_or_else(|p| p.into_inner());
    let due = seen
        .get(&staff.token_hash)
        .is_none_or(|t| now.duration_since(*t) >= std::time::Duration::from_secs(60));
    if due {
        if seen.len() > 10_000 {
            seen.clear();
        }
        seen.insert(staff.token_hash.clone(), now);
    }
    due
}

pub async fn check_in_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Form(form): Form<ArrivalForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    let location = if form.location.is_empty() {
        "main".to_string()
    } else {
        form.location.clone()
    };
    let input = ArrivalInput {
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        date_of_birth: Some(form.date_of_birth.clone()),
        provider: Some(form.provider.clone()),
        location: Some(location.clone()),
        ..Default::default()
    };
    match api::do_check_in(&state, &input, &staff.actor()).await {
        Ok(_) => {
            Redirect::to(&format!("/board?location={}", url_encode(&location))).into_response()
        }
        Err(ApiError::InvalidFields(errors)) => {
            board_response(&state, &staff, &location, form, errors)
                .await
                .unwrap_or_else(error_page)
        }
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    to: String,
    /// `visit` to come back to the visit page; otherwise the board.
    back: String,
}

fn after_action(id: i64, back: &str, location: &str) -> Response {
    if back == "visit" {
        Redirect::to(&format!("/visits/{id}")).into_response()
    } else {
        Redirect::to(&format!(
            "/board?location={}#visit-{id}",
            url_encode(location)
        ))
        .into_response()
    }
}

pub async fn acknowledge_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(ApiError::NotFound);
    };
    match api::do_acknowledge(&state, id, &staff.actor()).await {
        Ok(v) => after_action(id, &form.back, &v.location),
        Err(e) => error_page(e),
    }
}

pub async fn transition_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(ApiError::NotFound);
    };
    match api::do_transition(&state, id, &form.to, &staff.actor()).await {
        Ok(v) => after_action(id, &form.back, &v.location),
        Err(e @ ApiError::OpenConcerns(_)) => {
            match visit_response(&state, &staff, id, Some(e.to_string()), None).await {
                Ok(page) => (StatusCode::CONFLICT, page).into_response(),
                Err(e) => error_page(e),
            }
        }
        Err(e) => error_page(e),
    }
}

// --- one visit ---

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage {
    nav: Nav,
    row: RowView,
    dob: String,
    scheduled: String,
    error: Option<String>,
    needing_answer: usize,
    concerns: Vec<crate::concerns::ConcernView>,
    follow_up_kinds: Vec<(&'static str, &'static str)>,
    timeline: Vec<(String, String)>,
}

pub async fn visit_page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(ApiError::NotFound);
    };
    visit_response(&state, &staff, id, None, None)
        .await
        .unwrap_or_else(error_page)
}

/// The visit page, with an error to show (a stopped checkout, a refused
/// answer) and a held answer with the tone coach's flags, if any.
pub async fn visit_response(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: Option<String>,
    held: Option<(i64, String, frontdesk_tone::ReplyCheck)>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let (visit, timeline) = state.store.visit(id, &staff.actor(), now).await?;
    let loc = state.location(&visit.location).await?;
    let zone = loc.zone();
    let policy = state.config.ack_override.apply(loc.ack_policy);
    let providers: Vec<(String, String)> = state
        .store
        .providers()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let concerns = state.store.visit_concerns(visit.id).await?;
    let page = VisitPage {
        nav: Nav::of(staff),
        row: with_promise(
            row_view(&visit, &policy, zone, now, &providers),
            state.store.visit_promise(visit.id).await?.as_ref(),
            zone,
        ),
        dob: visit
            .date_of_birth
            .map(|d| d.to_string())
            .unwrap_or_else(|| "Not given".into()),
        scheduled: visit
            .scheduled_at
            .map(|t| t.with_timezone(&zone).format("%H:%M").to_string())
            .unwrap_or_else(|| "Walk-in".into()),
        error,
        needing_answer: concerns.iter().filter(|c| c.status.needs_answer()).count(),
        concerns: concerns
            .iter()
            .map(|c| crate::concerns::concern_view(c, zone, held.as_ref()))
            .collect(),
        follow_up_kinds: frontdesk_domain::promise::KINDS
            .iter()
            .filter(|k| **k != "seen_by")
            .map(|k| (*k, frontdesk_domain::promise::kind_label(k)))
            .collect(),
        timeline: timeline
            .iter()
            .map(|e| {
                (
                    e.at.with_timezone(&zone).format("%H:%M:%S").to_string(),
                    e.describe(),
                )
            })
            .collect(),
    };
    Ok(render(&page))
}

// --- audit log ---

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    entries: Vec<(String, String, String, String, String)>,
}

pub async fn audit_page(State(state): State<AppState>, PageStaff(staff): PageStaff) -> Response {
    if !staff.user.role.can_change_settings() {
        return error_page(ApiError::Forbidden);
    }
    match state.store.audit_log(500).await {
        Ok(entries) => render(&AuditPage {
            nav: Nav::of(&staff),
            entries: entries
                .into_iter()
                .map(|e| (api::time(e.at), e.actor, e.action, e.subject, e.detail))
                .collect(),
        }),
        Err(e) => error_page(e.into()),
    }
}

// --- static assets ---

/// A static asset compiled into the binary, cached briefly by browsers.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        body,
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("../static/app.css"))
}

pub async fn board_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../static/board.js"),
    )
}

pub async fn tv_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../static/tv.js"),
    )
}

pub async fn reply_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../static/reply.js"),
    )
}

pub async fn status_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../static/status.js"),
    )
}

#[derive(Template)]
#[template(path = "status_link.html")]
struct StatusLinkPage {
    nav: Nav,
    id: i64,
    name: String,
    url: String,
    qr: Option<String>,
}

/// Make a new private status link for a patient; shown once, to hand over:
/// the full address (clickable) and a QR code for the patient's phone.
pub async fn status_link_submit(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return error_page(ApiError::Forbidden);
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(ApiError::NotFound);
    };
    let made: Result<(String, String), ApiError> = async {
        let (visit, _) = state.store.visit(id, &staff.actor(), state.now()).await?;
        let link = crate::status::issue_link(&state, &visit).await?;
        state
            .store
            .audit(
                &staff.actor(),
                "status_link.create",
                &format!("visit:{id}"),
                state.now(),
            )
            .await?;
        Ok((visit.public_name(), link))
    }
    .await;
    match made {
        Ok((name, link)) => {
            let base = crate::status::base_url(&state, &headers);
            render(&StatusLinkPage {
                nav: Nav::of(&staff),
                id,
                name,
                url: format!("{}{link}", base.trim_end_matches('/')),
                qr: crate::status::qr_svg(&base, &link),
            })
        }
        Err(e) => error_page(e),
    }
}
