//! Arrival links as people see them: the patient's page (`/a/TOKEN`: first
//! name, the practice, the time, three plain forms; English or Spanish), the
//! page staff hand a new link over with, the panel on the visit page, and
//! the API's answer.

use crate::app::arrival::{Opened, Panel};
use crate::text::{local_time, time};
use askama::Template;
use frontdesk_domain::Timestamp;
use frontdesk_domain::arrival::LATE_CHOICES;
use frontdesk_domain::outbox::{MessageChannel, mask_recipient};
use frontdesk_store::{Actor, ArrivalLink};
use serde::Serialize;

use super::page::Nav;

/// The patient page's words in one language.
pub struct ArrivalTexts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub title: String,
    pub hello: String,
    pub appointment: String,
    pub here_help: &'static str,
    pub here: &'static str,
    pub late_heading: &'static str,
    pub late_legend: &'static str,
    pub minutes: &'static str,
    pub late_send: &'static str,
    pub cant_heading: &'static str,
    pub cant_come: &'static str,
    pub confirm_heading: &'static str,
    pub confirm_text: &'static str,
    pub confirm_yes: &'static str,
    pub confirm_no: &'static str,
    pub closed: &'static str,
    pub es: bool,
}

/// The words for a language, greeting the patient by first name.
pub fn texts(spanish: bool, first_name: &str, location: &str, time: &str) -> ArrivalTexts {
    if spanish {
        ArrivalTexts {
            lang: "es",
            other_lang: "en",
            other_lang_name: "English",
            title: format!("Su cita en {location}"),
            hello: format!("Hola, {first_name}."),
            appointment: format!("Su cita en {location} es hoy a las {time}."),
            here_help: "Pulse cuando ya esté en la clínica: le registramos y verá su tiempo de espera.",
            here: "Ya estoy aquí",
            late_heading: "¿Llega tarde?",
            late_legend: "¿Cuánto tarde, más o menos?",
            minutes: "minutos",
            late_send: "Avisar que llego tarde",
            cant_heading: "¿No puede venir?",
            cant_come: "No puedo venir",
            confirm_heading: "¿Cancelar su cita de hoy?",
            confirm_text: "Avisaremos a recepción y su cita quedará cancelada. Para pedir otra, llámenos.",
            confirm_yes: "Sí, cancelar mi cita",
            confirm_no: "No, volver",
            closed: "Esta cita ya no está abierta. Si quiere venir, llámenos o pregunte en recepción.",
            es: true,
        }
    } else {
        ArrivalTexts {
            lang: "en",
            other_lang: "es",
            other_lang_name: "Español",
            title: format!("Your appointment at {location}"),
            hello: format!("Hi {first_name}."),
            appointment: format!("Your appointment at {location} is today at {time}."),
            here_help: "Press this once you are at the practice: we check you in and show you your wait.",
            here: "I'm here",
            late_heading: "Running late?",
            late_legend: "About how late will you be?",
            minutes: "minutes",
            late_send: "Tell the desk I'm running late",
            cant_heading: "Can't come?",
            cant_come: "I can't come",
            confirm_heading: "Cancel today's appointment?",
            confirm_text: "We will tell the desk and cancel your appointment. To book another time, please call us.",
            confirm_yes: "Yes, cancel my appointment",
            confirm_no: "No, go back",
            closed: "This appointment is no longer open. If you would like to come, please call us or ask at the front desk.",
            es: false,
        }
    }
}

/// What the page says after something the patient did (`?done=`), or to
/// explain why nothing more can be done.
pub fn notice(done: &str, es: bool, late_minutes: Option<i64>) -> Option<String> {
    let m = late_minutes.unwrap_or(0);
    Some(match (done, es) {
        ("late", false) => format!(
            "Thank you. We have told the desk you will be about {m} minutes late. Press \"I'm here\" when you arrive."
        ),
        ("late", true) => format!(
            "Gracias. Hemos avisado a recepción de que llegará unos {m} minutos tarde. Pulse \"Ya estoy aquí\" al llegar."
        ),
        ("cant_come", false) => {
            "Thank you for telling us. Your appointment is cancelled; please call us to book another time.".into()
        }
        ("cant_come", true) => {
            "Gracias por avisarnos. Su cita está cancelada; llámenos para pedir otra.".into()
        }
        ("too_many", false) => {
            "We already have your messages. If your plans have changed again, please call the desk.".into()
        }
        ("too_many", true) => {
            "Ya tenemos sus mensajes. Si sus planes cambiaron otra vez, llame a recepción.".into()
        }
        _ => return None,
    })
}

/// One choice of "running late".
pub struct LateChoice {
    pub minutes: u32,
    pub checked: bool,
}

/// `/a/TOKEN`: the patient's three choices, or why there are none.
#[derive(Template)]
#[template(path = "arrival.html")]
pub struct ArrivalPage {
    pub t: ArrivalTexts,
    pub token: String,
    pub location_name: String,
    /// `choices`, `confirm` (really cancel?) or `closed`.
    pub mode: &'static str,
    pub notice: Option<String>,
    pub late_choices: Vec<LateChoice>,
    pub late_error: Option<String>,
}

impl ArrivalPage {
    pub fn new(opened: &Opened, token: String, spanish: bool, mode: &'static str) -> ArrivalPage {
        let zone = opened.location.zone();
        let t = texts(
            spanish,
            opened.first_name(),
            &opened.location.name,
            &local_time(opened.scheduled_at, zone),
        );
        ArrivalPage {
            t,
            token,
            location_name: opened.location.name.clone(),
            mode,
            notice: None,
            late_choices: LATE_CHOICES
                .iter()
                .map(|m| LateChoice {
                    minutes: *m,
                    checked: false,
                })
                .collect(),
            late_error: None,
        }
    }
}

/// The page a wrong, expired or other-day link gets: the same every time,
/// saying nothing about anyone.
pub const NOT_VALID: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Link not valid</title>\
<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body class=\"status\"><main>\
<section class=\"card status-card\"><h1>This link does not work now.</h1>\
<p>Please ask at the front desk.</p>\
<p lang=\"es\">Este enlace no funciona ahora. Pregunte en recepción.</p></section></main></body></html>";

/// A new arrival link shown to staff, once, to hand over.
#[derive(Template)]
#[template(path = "arrival_link.html")]
pub struct ArrivalLinkPage {
    pub nav: Nav,
    pub id: i64,
    pub name: String,
    pub url: String,
    pub qr: Option<String>,
    pub works_on: String,
}

/// The arrival-link panel of the visit page, in words.
pub struct PanelView {
    /// One line per link made: "Sent with the reminder at 12:30 · used 14:02".
    pub links: Vec<String>,
    /// What happens next, or why a link cannot be sent.
    pub summary: String,
    /// Where "Send" would send it (masked), empty when it cannot.
    pub send_to: String,
    /// "Send arrival link", or "Resend arrival link" once one was made.
    pub send_label: &'static str,
}

impl PanelView {
    pub fn of(panel: &Panel, zone: chrono_tz::Tz) -> PanelView {
        let hm = |t: Timestamp| local_time(t, zone);
        let links = panel
            .links
            .iter()
            .map(|l| {
                let by = if l.created_by == Actor::system().as_str() {
                    "With the reminder".to_string()
                } else {
                    format!("By {}", l.created_by)
                };
                let used = l
                    .used_at
                    .map(|u| format!(" · used at {}", hm(u)))
                    .unwrap_or_else(|| " · not used".into());
                format!("{by} at {}{used}", hm(l.created_at))
            })
            .collect();
        let send_to = panel
            .sendable
            .iter()
            .map(|(c, to)| format!("{} {}", c.label().to_lowercase(), mask_recipient(*c, to)))
            .collect::<Vec<_>>()
            .join(" and ");
        let summary = match (&panel.reminder_at, send_to.is_empty(), panel.links.is_empty()) {
            (Some(at), false, _) => format!(
                "The reminder with the patient's arrival link goes at {} by {send_to}.",
                hm(*at)
            ),
            (None, false, _) => format!("A link sent now goes by {send_to}."),
            (_, true, true) => "No phone number or e-mail address on file that a message can go to: make a link and hand it over.".into(),
            (_, true, false) => "No address on file that a message can go to: make a new link to hand over if needed.".into(),
        };
        PanelView {
            links,
            summary,
            send_to,
            send_label: if panel.links.is_empty() {
                "Send arrival link"
            } else {
                "Resend arrival link"
            },
        }
    }
}

/// Where a link was sent, masked.
#[derive(Serialize)]
pub struct SentToJson {
    pub channel: &'static str,
    pub to: String,
}

/// `POST /api/v1/visits/{id}/arrival-link` and `…/send`.
#[derive(Serialize)]
pub struct ArrivalLinkJson {
    pub visit_id: i64,
    /// The link itself, only when made to hand over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub valid_from: String,
    pub expires_at: String,
    pub sent_to: Vec<SentToJson>,
}

impl ArrivalLinkJson {
    pub fn of(
        link: &ArrivalLink,
        url: Option<String>,
        sent_to: &[(MessageChannel, String)],
    ) -> ArrivalLinkJson {
        ArrivalLinkJson {
            visit_id: link.visit_id,
            url,
            valid_from: time(link.valid_from),
            expires_at: time(link.expires_at),
            sent_to: sent_to
                .iter()
                .map(|(c, to)| SentToJson {
                    channel: c.as_str(),
                    to: mask_recipient(*c, to),
                })
                .collect(),
        }
    }
}
