//! The patient's status page: an honest expected time, what is happening,
//! their questions with the answers, in English or Spanish, showing nothing
//! a stranger holding the link could use (first name only, no provider).

use crate::app::patient::Linked;
use askama::Template;
use frontdesk_domain::quote::Quote;
use frontdesk_domain::{Timestamp, VisitState};
use frontdesk_store::{Actor, Concern, ConcernStatus, Promise, PromiseStatus, Visit};
use serde::Serialize;

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

/// Words in the patient's language.
pub struct Texts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub title: String,
    pub hello: String,
    pub stepped_out: &'static str,
    pub back: &'static str,
    pub question_label: &'static str,
    pub send: &'static str,
    pub your_questions: &'static str,
    pub you_asked: &'static str,
    pub our_answer: &'static str,
    pub confirm: &'static str,
    pub reopen: &'static str,
    pub reopen_label: &'static str,
    pub complain_label: &'static str,
    pub complain_field: &'static str,
    pub complain_send: &'static str,
    pub es: bool,
}

impl Texts {
    /// A concern's status in the patient's words.
    pub fn concern_status(&self, status: ConcernStatus) -> &'static str {
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

/// The page's words for a language, greeting the patient by first name.
pub fn texts(spanish: bool, first_name: &str, location: &str) -> Texts {
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
    pub headline: String,
    pub detail: String,
    pub waiting: bool,
    /// Still here: questions can be asked.
    pub present: bool,
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

/// What the page says now, from the visit, its promise and the live queue.
pub fn view(
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
        VisitState::Waiting => match promise.filter(|p| p.status == PromiseStatus::Open) {
            Some(p) => {
                let likely = p.likely_at.unwrap_or(p.due_at).max(now);
                let at_risk = p.made_by == Actor::system().as_str();
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
pub struct StatusPage {
    pub refresh_ms: u128,
    pub t: Texts,
    pub token: String,
    pub view: View,
    pub notice: Option<String>,
    pub stepped_out: bool,
    pub question_error: Option<String>,
    pub complaint_error: Option<String>,
    pub concerns: Vec<PatientConcern>,
    /// `id:status:answered` for every question, so the page knows when to reload them.
    pub concern_signature: String,
}

/// `id:status:answered` for every question, so the page knows when to reload them.
pub fn concern_signature(list: &[Concern]) -> String {
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
pub struct PatientConcern {
    pub id: i64,
    pub text: String,
    pub status: &'static str,
    pub said: &'static str,
    pub answer: String,
    pub can_respond: bool,
}

impl StatusPage {
    pub fn new(
        linked: &Linked,
        token: String,
        t: Texts,
        refresh_ms: u128,
        now: Timestamp,
    ) -> StatusPage {
        let view = view(
            &t,
            &linked.visit,
            linked.promise.as_ref(),
            linked.live.as_ref(),
            linked.zone,
            now,
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
                can_respond: c.status.can_respond().is_ok(),
            })
            .collect();
        StatusPage {
            refresh_ms,
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

/// `GET /s/TOKEN/status.json`: what the page would say now.
#[derive(Serialize)]
pub struct StatusJson {
    pub state: VisitState,
    pub headline: String,
    pub detail: String,
    /// A change here (an answer arrived) makes the page reload its questions.
    pub concerns: String,
}
