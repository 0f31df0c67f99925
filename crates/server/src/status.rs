//! The patient's status page: a private link (256 random bits, expiring at the
//! end of the day) to an honest expected time, what is happening, and a way to
//! say "I stepped out" or ask a question. It shows the first name only, in
//! English or Spanish, and nothing a stranger could use.

use crate::AppState;
use crate::auth::{random_token, token_hash};
use crate::error::ApiError;
use crate::events::LiveEvent;
use askama::Template;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use frontdesk_domain::quote::Quote;
use frontdesk_domain::{Timestamp, VisitState, fields};
use frontdesk_store::{Actor, Concern, ConcernStatus, Promise, StoreError, Visit};
use serde::Deserialize;
use serde_json::json;

/// A new private link for a visit at `location`: (its path `/s/TOKEN`, the
/// hash to store, the expiry at the end of the location's day). The token is
/// shown only now: only its hash is stored.
pub async fn new_link(
    state: &AppState,
    location: &str,
) -> Result<(String, String, Timestamp), StoreError> {
    let token = random_token();
    let now = state.now();
    let zone = state.location(location).await?.zone();
    let tomorrow = now
        .with_timezone(&zone)
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0));
    let expires_at = tomorrow
        .and_then(|d| d.and_local_timezone(zone).earliest())
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or(now + chrono::Duration::hours(12));
    Ok((format!("/s/{token}"), token_hash(&token), expires_at))
}

/// Make and record a new private link for a visit; returns its path.
pub async fn issue_link(state: &AppState, visit: &Visit) -> Result<String, StoreError> {
    let (path, hash, expires_at) = new_link(state, &visit.location).await?;
    state
        .store
        .create_status_link(visit.id, &hash, expires_at, state.now())
        .await?;
    Ok(path)
}

/// The status link as a QR code (inline SVG) for the kiosk screen, so the
/// patient can open it on their phone. `base` is how the kiosk reached the
/// server (`http://host:port`), or the configured public address.
pub fn qr_svg(base: &str, path: &str) -> Option<String> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build(),
    )
}

/// Where the kiosk reached us: the configured public address, else the
/// request's own host (the kiosk is on the practice's network).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Words in the patient's language.
pub struct Texts {
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: &'static str,
    title: String,
    hello: String,
    stepped_out: &'static str,
    back: &'static str,
    question_label: &'static str,
    send: &'static str,
    your_questions: &'static str,
    you_asked: &'static str,
    our_answer: &'static str,
    confirm: &'static str,
    reopen: &'static str,
    reopen_label: &'static str,
    complain_label: &'static str,
    complain_field: &'static str,
    complain_send: &'static str,
    es: bool,
}

impl Texts {
    /// A concern's status in the patient's words.
    fn concern_status(&self, status: ConcernStatus) -> &'static str {
        match (status, self.es) {
            (ConcernStatus::Open, false) => "We have your question; someone will answer it.",
            (ConcernStatus::Open, true) => "Tenemos su pregunta; alguien la responderá.",
            (ConcernStatus::Answered, false) => "Answered. Did this answer your question?",
            (ConcernStatus::Answered, true) => "Respondida. ¿Respondimos su pregunta?",
            (ConcernStatus::Confirmed, false) => "You said this answered your question. Thank you.",
            (ConcernStatus::Confirmed, true) => "Nos dijo que esto respondió su pregunta. Gracias.",
            (ConcernStatus::Reopened, false) => "You told us this did not answer it; we are on it.",
            (ConcernStatus::Reopened, true) => {
                "Nos dijo que no la respondió; nos ocupamos de ello."
            }
            (ConcernStatus::FollowUp, false) => "We will follow up on this with you.",
            (ConcernStatus::FollowUp, true) => "Le daremos seguimiento a esto.",
        }
    }
}

fn texts(spanish: bool, first_name: &str, location: &str) -> Texts {
    if spanish {
        Texts {
            lang: "es",
            other_lang: "en",
            other_lang_name: "English",
            title: format!("Su visita en {location}"),
            hello: format!("Hola, {first_name}."),
            stepped_out: "Salí un momento",
            back: "Ya volví",
            question_label: "¿Tiene una pregunta o algo que quiere asegurarse de que veamos hoy?",
            send: "Enviar",
            your_questions: "Sus preguntas",
            you_asked: "Usted preguntó",
            our_answer: "Nuestra respuesta",
            confirm: "Sí, eso la responde",
            reopen: "No, no respondió mi pregunta",
            reopen_label: "¿Qué le falta? (opcional)",
            complain_label: "¿Algo salió mal? Cuénteselo al responsable de la clínica",
            complain_field: "Qué pasó (lo lee el responsable de la clínica)",
            complain_send: "Enviar queja",
            es: true,
        }
    } else {
        Texts {
            lang: "en",
            other_lang: "es",
            other_lang_name: "Español",
            title: format!("Your visit at {location}"),
            hello: format!("Hi {first_name}."),
            stepped_out: "I stepped out",
            back: "I'm back",
            question_label: "Do you have a question, or anything you want to make sure we cover today?",
            send: "Send",
            your_questions: "Your questions",
            you_asked: "You asked",
            our_answer: "Our answer",
            confirm: "Yes, that answers it",
            reopen: "No, this didn't answer my question",
            reopen_label: "What is still missing? (optional)",
            complain_label: "Something went wrong? Tell the practice manager",
            complain_field: "What happened (the practice manager reads this)",
            complain_send: "Send complaint",
            es: false,
        }
    }
}

/// What the page says right now.
pub struct View {
    headline: String,
    detail: String,
    waiting: bool,
    /// Still here: questions can be asked.
    present: bool,
}

/// What is happening, from the live queue: how far behind a booked patient's
/// provider is running, and how many are ahead. The provider is not named:
/// the page shows nothing a stranger holding the link could use.
fn happening(t: &Texts, visit: &Visit, live: Option<&Quote>) -> Option<String> {
    let q = live?;
    let behind = visit
        .scheduled_at
        .and_then(|s| frontdesk_domain::promise::minutes_behind(s, q.likely_by));
    let ahead = match (q.ahead, t.es) {
        (0, false) => "You are next.".to_string(),
        (0, true) => "Usted es el siguiente.".to_string(),
        (1, false) => "There is 1 patient ahead of you.".to_string(),
        (1, true) => "Hay 1 paciente antes que usted.".to_string(),
        (n, false) => format!("There are {n} patients ahead of you."),
        (n, true) => format!("Hay {n} pacientes antes que usted."),
    };
    Some(match (behind, t.es) {
        (Some(m), false) => format!("Your provider is running about {m} minutes behind. {ahead}"),
        (Some(m), true) => format!("Su médico lleva unos {m} minutos de retraso. {ahead}"),
        (None, _) => ahead,
    })
}

fn view(
    t: &Texts,
    visit: &Visit,
    promise: Option<&Promise>,
    live: Option<&Quote>,
    zone: chrono_tz::Tz,
    now: Timestamp,
) -> View {
    let hm = |x: Timestamp| x.with_timezone(&zone).format("%H:%M").to_string();
    let waiting = matches!(visit.state, VisitState::Waiting | VisitState::Roomed);
    let (headline, detail) = match visit.state {
        VisitState::Waiting => match promise.filter(|p| p.status == "open") {
            Some(p) => {
                let likely = p.likely_at.unwrap_or(p.due_at).max(now);
                let at_risk = p.made_by == "system";
                let headline = if t.es {
                    format!(
                        "Le atenderemos hacia las {}, a más tardar a las {}.",
                        hm(likely),
                        hm(p.due_at)
                    )
                } else {
                    format!(
                        "We expect to see you at about {}, and by {} at the latest.",
                        hm(likely),
                        hm(p.due_at)
                    )
                };
                let now_words = happening(t, visit, live);
                let detail = match (at_risk, t.es, now_words) {
                    (true, false, w) => format!(
                        "We're sorry: we are running behind, so we have updated your time. Thank you for your patience.{}",
                        w.map(|w| format!(" {w}")).unwrap_or_default()
                    ),
                    (true, true, w) => format!(
                        "Lo sentimos: vamos con retraso y hemos actualizado su hora. Gracias por su paciencia.{}",
                        w.map(|w| format!(" {w}")).unwrap_or_default()
                    ),
                    (false, _, Some(w)) => w,
                    (false, false, None) => p.reason.clone(),
                    (false, true, None) => "Le avisaremos aquí si algo cambia.".to_string(),
                };
                (headline, detail)
            }
            None => {
                if t.es {
                    (
                        "Está en la lista de espera.".to_string(),
                        "Le avisaremos aquí si algo cambia.".to_string(),
                    )
                } else {
                    (
                        "You are on our waiting list.".to_string(),
                        "We will update this page if anything changes.".to_string(),
                    )
                }
            }
        },
        VisitState::Roomed => {
            if t.es {
                (
                    "Está en una sala de consulta.".into(),
                    "Su médico vendrá enseguida.".into(),
                )
            } else {
                (
                    "You are in an exam room.".into(),
                    "Your provider will be with you shortly.".into(),
                )
            }
        }
        VisitState::WithProvider | VisitState::Checkout => {
            if t.es {
                ("Le están atendiendo ahora.".into(), String::new())
            } else {
                ("You are being seen now.".into(), String::new())
            }
        }
        VisitState::Done => {
            if t.es {
                ("Gracias por su visita de hoy.".into(), String::new())
            } else {
                ("Thank you for visiting us today.".into(), String::new())
            }
        }
        _ => {
            if t.es {
                (
                    "Sentimos no haberle atendido.".into(),
                    "Llámenos si desea volver hoy.".into(),
                )
            } else {
                (
                    "We're sorry we missed you.".into(),
                    "Please call us if you would like to come back today.".into(),
                )
            }
        }
    };
    View {
        headline,
        detail,
        waiting,
        present: !visit.state.is_final(),
    }
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    refresh_ms: u128,
    t: Texts,
    token: String,
    view: View,
    notice: Option<String>,
    stepped_out: bool,
    question_error: Option<String>,
    complaint_error: Option<String>,
    concerns: Vec<PatientConcern>,
    /// `id:status:answered` for every question, so the page knows when to reload them.
    concern_signature: String,
}

fn concern_signature(list: &[Concern]) -> String {
    list.iter()
        .map(|c| {
            format!(
                "{}:{}:{}",
                c.id,
                c.status.as_str(),
                c.answered_at.map_or(0, |t| t.timestamp_millis())
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One of the patient's questions as their page shows it.
struct PatientConcern {
    id: i64,
    text: String,
    status: &'static str,
    said: &'static str,
    answer: String,
    can_respond: bool,
}

impl StatusPage {
    fn new(state: &AppState, linked: &Linked, token: String, t: Texts) -> StatusPage {
        let view = view(
            &t,
            &linked.visit,
            linked.promise.as_ref(),
            linked.live.as_ref(),
            linked.zone,
            state.now(),
        );
        let concerns = linked
            .concerns
            .iter()
            .map(|c| PatientConcern {
                id: c.id,
                text: c.text.clone(),
                status: c.status.as_str(),
                said: t.concern_status(c.status),
                answer: c.answer.clone().unwrap_or_default(),
                can_respond: crate::concerns::patient_can_respond(c.status),
            })
            .collect();
        StatusPage {
            refresh_ms: state.config.status_refresh.as_millis(),
            t,
            token,
            view,
            notice: None,
            stepped_out: linked.stepped_out,
            question_error: None,
            complaint_error: None,
            concerns,
            concern_signature: concern_signature(&linked.concerns),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LangQuery {
    lang: String,
    done: String,
}

fn spanish(q: &LangQuery, headers: &HeaderMap) -> bool {
    match q.lang.as_str() {
        "es" => true,
        "en" => false,
        _ => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("es")),
    }
}

fn not_found() -> Response {
    // The same answer for a wrong, expired or another patient's link: nothing to learn.
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Link not valid</title></head><body><main><h1>This link is not valid any more.</h1><p>Please ask at the front desk. / Este enlace ya no es válido. Pregunte en recepción.</p></main></body></html>"),
    )
        .into_response()
}

/// What a live link leads to.
struct Linked {
    visit: Visit,
    promise: Option<Promise>,
    zone: chrono_tz::Tz,
    location_name: String,
    /// The patient said they stepped out and has not said they are back.
    stepped_out: bool,
    concerns: Vec<Concern>,
    /// The patient's place in the live queue, re-quoted now.
    live: Option<Quote>,
}

impl Linked {
    /// The page's words in the patient's language (`?lang=`, else the browser's).
    fn texts(&self, q: &LangQuery, headers: &HeaderMap) -> Texts {
        texts(spanish(q, headers), self.first_name(), &self.location_name)
    }

    /// The name the page greets them by.
    fn first_name(&self) -> &str {
        self.visit
            .preferred_name
            .as_deref()
            .unwrap_or(&self.visit.given_name)
    }
}

async fn load(state: &AppState, token: &str) -> Result<Option<Linked>, ApiError> {
    if token.len() < 40 || token.len() > 64 {
        return Ok(None);
    }
    let now = state.now();
    let Some(visit_id) = state
        .store
        .status_link_visit(&token_hash(token), now)
        .await?
    else {
        return Ok(None);
    };
    let (visit, timeline) = state
        .store
        .visit(visit_id, &Actor("patient-link".into()), now)
        .await?;
    let promise = state.store.visit_promise(visit_id).await?;
    let concerns = state.store.visit_concerns(visit_id).await?;
    let location = state.location(&visit.location).await?;
    let stepped_out = timeline
        .iter()
        .rev()
        .find(|e| e.kind == "stepped_out" || e.kind == "back")
        .is_some_and(|e| e.kind == "stepped_out");
    Ok(Some(Linked {
        visit,
        promise,
        zone: location.zone(),
        location_name: location.name,
        stepped_out,
        concerns,
        live: state.quotes().requote_by_id(&visit_id.to_string(), now),
    }))
}

pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    match load(&state, &token).await {
        Ok(Some(linked)) => {
            let t = linked.texts(&q, &headers);
            let notice = match (q.done.as_str(), t.es) {
                ("question", false) => {
                    Some("Thank you. We have your question and will answer it.".to_string())
                }
                ("question", true) => {
                    Some("Gracias. Hemos recibido su pregunta y le responderemos.".to_string())
                }
                ("out", false) => Some(
                    "Thanks for letting us know. Tap \"I'm back\" when you return.".to_string(),
                ),
                ("out", true) => {
                    Some("Gracias por avisarnos. Pulse \"Ya volví\" cuando regrese.".to_string())
                }
                ("complaint", false) => Some(
                    "Thank you. A named person will look at this and come back to you.".to_string(),
                ),
                ("complaint", true) => Some(
                    "Gracias. Una persona responsable lo revisará y le responderá.".to_string(),
                ),
                ("confirm", false) => Some("Thank you for telling us.".to_string()),
                ("confirm", true) => Some("Gracias por decírnoslo.".to_string()),
                ("reopen", false) => {
                    Some("Thank you for telling us. We will come back to you on this.".to_string())
                }
                ("reopen", true) => {
                    Some("Gracias por decírnoslo. Volveremos a responderle.".to_string())
                }
                _ => None,
            };
            let mut page = StatusPage::new(&state, &linked, token, t);
            page.notice = notice;
            match page.render() {
                Ok(html) => Html(html).into_response(),
                Err(e) => crate::pages::error_page(ApiError::Internal(e.to_string())),
            }
        }
        Ok(None) => not_found(),
        Err(e) => crate::pages::error_page(e),
    }
}

pub async fn status_json(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    match load(&state, &token).await {
        Ok(Some(linked)) => {
            let t = linked.texts(&q, &headers);
            let v = view(
                &t,
                &linked.visit,
                linked.promise.as_ref(),
                linked.live.as_ref(),
                linked.zone,
                state.now(),
            );
            // A change in the patient's questions (an answer arrived) makes the page reload them.
            Json(json!({"state": linked.visit.state.as_str(), "headline": v.headline, "detail": v.detail, "concerns": concern_signature(&linked.concerns)}))
                .into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"code": "not_found", "message": "Not found", "fields": {}}})),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn patient_event(
    state: &AppState,
    token: &str,
    kind: &'static str,
    detail: serde_json::Value,
) -> Result<Option<Visit>, ApiError> {
    let Some(Linked { visit, .. }) = load(state, token).await? else {
        return Ok(None);
    };
    let now = state.now();
    state
        .store
        .record_event(visit.id, kind, &detail.to_string(), now)
        .await?;
    state
        .store
        .audit(
            &Actor("patient-link".into()),
            &format!("status.{kind}"),
            &format!("visit:{}", visit.id),
            now,
        )
        .await?;
    let mut event = LiveEvent::for_visit("patient_update", &visit, now);
    event.extra["what"] = json!(kind);
    state.publish(event);
    Ok(Some(visit))
}

fn back_to(token: &str, lang: &str, done: &str) -> Response {
    let lang = if lang == "es" { "es" } else { "en" };
    Redirect::to(&format!("/s/{token}?lang={lang}&done={done}")).into_response()
}

pub async fn stepped_out(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    match patient_event(&state, &token, "stepped_out", json!({})).await {
        Ok(Some(_)) => back_to(&token, &q.lang, "out"),
        Ok(None) => not_found(),
        Err(e) => crate::pages::error_page(e),
    }
}

pub async fn back(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    match patient_event(&state, &token, "back", json!({})).await {
        Ok(Some(_)) => back_to(&token, &q.lang, "back"),
        Ok(None) => not_found(),
        Err(e) => crate::pages::error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuestionForm {
    text: String,
}

pub async fn question(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<QuestionForm>,
) -> Response {
    let Ok(Some(linked)) = load(&state, &token).await else {
        return not_found();
    };
    match frontdesk_domain::concern::words(&form.text) {
        Ok(text) => {
            let raised = crate::concerns::raise(
                &state,
                linked.visit.id,
                &text,
                frontdesk_domain::concern::Source::StatusPage,
                None,
                &Actor("patient-link".into()),
            )
            .await;
            let flagged = match raised {
                Ok(_) => flag_if_upset(&state, &linked.visit, &text).await,
                Err(e) => Err(e),
            };
            match flagged {
                Ok(()) => back_to(&token, &q.lang, "question"),
                Err(e) => crate::pages::error_page(e),
            }
        }
        Err(problem) => {
            // Show the page again with the message beside the field.
            let t = linked.texts(&q, &headers);
            let message = match (problem == fields::REQUIRED, t.es) {
                (true, false) => "Please write your question first.".to_string(),
                (true, true) => "Escriba primero su pregunta.".to_string(),
                (false, false) => problem.to_string(),
                (false, true) => {
                    "Demasiado largo o con caracteres no válidos (máximo 2000 caracteres)"
                        .to_string()
                }
            };
            let mut page = StatusPage::new(&state, &linked, token, t);
            page.question_error = Some(message);
            match page.render() {
                Ok(html) => (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response(),
                Err(e) => crate::pages::error_page(ApiError::Internal(e.to_string())),
            }
        }
    }
}

/// A complaint from the status page: linked to the visit, with the patient's
/// name as the contact, owned by nobody until a manager assigns it.
pub async fn complaint(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<QuestionForm>,
) -> Response {
    let Ok(Some(linked)) = load(&state, &token).await else {
        return not_found();
    };
    let input = crate::complaints::ComplaintInput {
        text: form.text.clone(),
        channel: "status_page".into(),
        visit_id: Some(linked.visit.id),
        location: Some(linked.visit.location.clone()),
        contact: Some(crate::complaints::ContactInput {
            name: Some(format!(
                "{} {}",
                linked.visit.given_name, linked.visit.family_name
            )),
            ..Default::default()
        }),
        ..Default::default()
    };
    match crate::complaints::take(
        &state,
        crate::complaints::Taker::Public("patient-link"),
        &input,
    )
    .await
    {
        Ok(_) => match flag_if_upset(&state, &linked.visit, &form.text).await {
            Ok(()) => back_to(&token, &q.lang, "complaint"),
            Err(e) => crate::pages::error_page(e),
        },
        Err(ApiError::InvalidFields(errors)) => {
            let t = linked.texts(&q, &headers);
            let message = match (errors.get("text"), t.es) {
                (Some(m), false) if m == fields::REQUIRED => {
                    "Please tell us what went wrong first.".to_string()
                }
                (Some(m), false) => m.to_string(),
                (_, true) => {
                    "Cuéntenos primero qué salió mal (máximo 10.000 caracteres).".to_string()
                }
                (None, false) => "Please tell us what went wrong first.".to_string(),
            };
            let mut page = StatusPage::new(&state, &linked, token, t);
            page.complaint_error = Some(message);
            match page.render() {
                Ok(html) => (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response(),
                Err(e) => crate::pages::error_page(ApiError::Internal(e.to_string())),
            }
        }
        Err(e) => crate::pages::error_page(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    note: String,
}

/// The patient says an answer covered their question (`confirm`) or did not
/// (`reopen`, with an optional note). Only concerns of this link's visit.
pub async fn concern_reply(
    State(state): State<AppState>,
    Path((token, id, reply)): Path<(String, String, String)>,
    Query(q): Query<LangQuery>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let Ok(Some(linked)) = load(&state, &token).await else {
        return not_found();
    };
    let Some(concern) = id
        .parse::<i64>()
        .ok()
        .and_then(|id| linked.concerns.iter().find(|c| c.id == id))
    else {
        return not_found();
    };
    let confirmed = match reply.as_str() {
        "confirm" => true,
        "reopen" => false,
        _ => return not_found(),
    };
    let note: String = form.note.trim().chars().take(1000).collect();
    let now = state.now();
    match state
        .store
        .respond_to_concern(concern.id, confirmed, &note, now)
        .await
    {
        Ok(c) => {
            let mut event = LiveEvent::for_visit(
                if confirmed {
                    "concern_confirmed"
                } else {
                    "concern_reopened"
                },
                &linked.visit,
                now,
            );
            event.extra["concern_id"] = json!(c.id);
            state.publish(event);
            if !confirmed
                && !note.is_empty()
                && let Err(e) = flag_if_upset(&state, &linked.visit, &note).await
            {
                return crate::pages::error_page(e);
            }
            back_to(&token, &q.lang, &reply)
        }
        // Already confirmed, or answered again meanwhile: show the page as it is.
        Err(frontdesk_store::StoreError::Refused(_) | frontdesk_store::StoreError::Conflict(_)) => {
            back_to(&token, &q.lang, "")
        }
        Err(e) => crate::pages::error_page(e.into()),
    }
}

/// An upset message goes on the timeline, and every board (and so the
/// managers) is told, at most once an hour per patient.
pub async fn flag_if_upset(state: &AppState, visit: &Visit, text: &str) -> Result<(), ApiError> {
    let check = frontdesk_tone::check_incoming(text);
    if !check.upset {
        return Ok(());
    }
    let now = state.now();
    let alert = {
        let mut last = state.upset_alerts.lock().unwrap_or_else(|p| p.into_inner());
        let due = last
            .get(&visit.id)
            .is_none_or(|t| now - *t >= chrono::Duration::hours(1));
        if due {
            if last.len() > 10_000 {
                last.clear();
            }
            last.insert(visit.id, now);
        }
        due
    };
    state
        .store
        .record_event(
            visit.id,
            "upset",
            &json!({"why": check.why, "alerted": alert}).to_string(),
            now,
        )
        .await?;
    if alert {
        let mut event = LiveEvent::for_visit("upset", visit, now);
        event.extra["name"] = json!(visit.public_name());
        event.extra["why"] = json!(check.why);
        state.publish(event);
    }
    Ok(())
}
