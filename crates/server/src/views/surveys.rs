//! The post-visit survey as the patient sees it (`/survey/TOKEN`: plain
//! radio buttons and a text box, English or Spanish, no script) and the
//! API's answer.

use crate::text::time;
use askama::Template;
use frontdesk_domain::FieldErrors;
use frontdesk_domain::survey::{Frequency, RawAnswer};
use frontdesk_store::Survey;
use serde::Serialize;

/// One question answered with how often.
pub struct FrequencyQuestion {
    pub name: &'static str,
    pub text: &'static str,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

/// One radio button.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// The page's words in one language.
pub struct SurveyTexts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub title: &'static str,
    pub hello: String,
    pub intro: String,
    pub wait_question: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub overall_question: &'static str,
    pub worst: &'static str,
    pub best: &'static str,
    pub comment_label: &'static str,
    pub contact_label: &'static str,
    pub send: &'static str,
    pub thanks: &'static str,
    pub thanks_recovery: &'static str,
    pub answered: &'static str,
    pub expired: &'static str,
    pub stop_heading: &'static str,
    pub stop_text: &'static str,
    pub stop_button: &'static str,
    pub stopped: &'static str,
    pub stop_link: &'static str,
    pub errors_heading: &'static str,
}

fn texts(es: bool, first_name: &str, location: &str) -> SurveyTexts {
    if es {
        SurveyTexts {
            lang: "es",
            other_lang: "en",
            other_lang_name: "English",
            title: "¿Cómo le atendimos?",
            hello: format!("Hola, {first_name}."),
            intro: format!(
                "Gracias por visitar {location}. Cuéntenos cómo le atendimos; toma un minuto."
            ),
            wait_question: "¿Le atendieron a la hora que le dijimos?",
            yes: "Sí",
            no: "No",
            overall_question: "Del 0 al 10, ¿qué nota le da a su visita?",
            worst: "0 = la peor",
            best: "10 = la mejor",
            comment_label: "¿Algo más que quiera contarnos? (opcional)",
            contact_label: "La gerencia puede ponerse en contacto conmigo sobre mi respuesta",
            send: "Enviar mis respuestas",
            thanks: "Gracias. Hemos recibido sus respuestas.",
            thanks_recovery: "Gracias. Sentimos que su visita no fuera como debía: la gerencia lo revisará en un día hábil.",
            answered: "Esta encuesta ya fue respondida. Gracias.",
            expired: "Esta encuesta ya no está abierta. Gracias de todos modos.",
            stop_heading: "¿No quiere más encuestas?",
            stop_text: "No le enviaremos más encuestas a la dirección o el teléfono al que llegó este mensaje.",
            stop_button: "No enviarme más encuestas",
            stopped: "Hecho: no le enviaremos más encuestas.",
            stop_link: "No quiero más encuestas",
            errors_heading: "Revise estas respuestas:",
        }
    } else {
        SurveyTexts {
            lang: "en",
            other_lang: "es",
            other_lang_name: "Español",
            title: "How did we do?",
            hello: format!("Hi {first_name}."),
            intro: format!(
                "Thank you for visiting {location}. Tell us how we did; it takes a minute."
            ),
            wait_question: "Were you seen by the time we told you?",
            yes: "Yes",
            no: "No",
            overall_question: "From 0 to 10, how would you rate your visit?",
            worst: "0 = worst",
            best: "10 = best",
            comment_label: "Anything else you want to tell us? (optional)",
            contact_label: "The practice manager may contact me about my answers",
            send: "Send my answers",
            thanks: "Thank you. We have your answers.",
            thanks_recovery: "Thank you. We are sorry your visit was not what it should have been: the practice manager will look into it within one business day.",
            answered: "This survey was answered already. Thank you.",
            expired: "This survey is closed now. Thank you all the same.",
            stop_heading: "No more surveys?",
            stop_text: "We will send no more surveys to the address or phone this message came to.",
            stop_button: "Send me no more surveys",
            stopped: "Done: we will send you no more surveys.",
            stop_link: "No more surveys",
            errors_heading: "Please check these answers:",
        }
    }
}

fn frequency_label(f: Frequency, es: bool) -> &'static str {
    match (f, es) {
        (Frequency::Never, false) => "Never",
        (Frequency::Sometimes, false) => "Sometimes",
        (Frequency::Usually, false) => "Usually",
        (Frequency::Always, false) => "Always",
        (Frequency::Never, true) => "Nunca",
        (Frequency::Sometimes, true) => "A veces",
        (Frequency::Usually, true) => "Casi siempre",
        (Frequency::Always, true) => "Siempre",
    }
}

fn question_text(name: &str, es: bool) -> &'static str {
    match (name, es) {
        ("helpful", false) => {
            "How often were the front-desk staff as helpful as you thought they should be?"
        }
        ("courteous", false) => {
            "How often did the front-desk staff treat you with courtesy and respect?"
        }
        ("listened", false) => "How often did the people you saw listen carefully to you?",
        ("helpful", true) => {
            "¿Con qué frecuencia el personal de recepción le ayudó tanto como debía?"
        }
        ("courteous", true) => {
            "¿Con qué frecuencia el personal de recepción le trató con cortesía y respeto?"
        }
        (_, true) => {
            "¿Con qué frecuencia las personas que le atendieron le escucharon con atención?"
        }
        _ => "",
    }
}

/// `/survey/TOKEN`: the questions, or what became of them.
#[derive(Template)]
#[template(path = "survey.html")]
pub struct SurveyPage {
    pub t: SurveyTexts,
    pub token: String,
    pub location_name: String,
    /// `form`, `thanks`, `thanks_recovery`, `answered`, `expired`, `stop`, `stopped`.
    pub mode: &'static str,
    pub questions: Vec<FrequencyQuestion>,
    pub wait_yes: bool,
    pub wait_no: bool,
    pub wait_error: Option<String>,
    pub overall: Vec<Choice>,
    pub overall_error: Option<String>,
    pub comment: String,
    pub comment_error: Option<String>,
    pub contact_me: bool,
    /// Every field error, for the list at the top (field, message).
    pub errors: Vec<(String, String)>,
}

impl SurveyPage {
    pub fn new(
        es: bool,
        token: &str,
        first_name: &str,
        location_name: &str,
        mode: &'static str,
    ) -> SurveyPage {
        SurveyPage::with_answer(
            es,
            token,
            first_name,
            location_name,
            mode,
            &RawAnswer::default(),
            &FieldErrors::new(),
        )
    }

    /// The form again, with what was sent and the message beside each field.
    pub fn with_answer(
        es: bool,
        token: &str,
        first_name: &str,
        location_name: &str,
        mode: &'static str,
        raw: &RawAnswer,
        errors: &FieldErrors,
    ) -> SurveyPage {
        let given = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_lowercase();
        let questions = [
            ("helpful", &raw.helpful),
            ("courteous", &raw.courteous),
            ("listened", &raw.listened),
        ]
        .into_iter()
        .map(|(name, v)| FrequencyQuestion {
            name,
            text: question_text(name, es),
            choices: Frequency::ALL
                .into_iter()
                .map(|f| Choice {
                    value: f.as_str().to_string(),
                    label: frequency_label(f, es).to_string(),
                    checked: given(v) == f.as_str(),
                })
                .collect(),
            error: errors.get(name).map(|m| field_message(m, es)),
        })
        .collect();
        let wait = given(&raw.wait_as_promised);
        let overall = given(&raw.overall);
        SurveyPage {
            t: texts(es, first_name, location_name),
            token: token.to_string(),
            location_name: location_name.to_string(),
            mode,
            questions,
            wait_yes: wait == "true",
            wait_no: wait == "false",
            wait_error: errors.get("wait_as_promised").map(|m| field_message(m, es)),
            overall: (0..=10)
                .map(|n| Choice {
                    value: n.to_string(),
                    label: n.to_string(),
                    checked: overall == n.to_string(),
                })
                .collect(),
            overall_error: errors.get("overall").map(|m| field_message(m, es)),
            comment: raw.comment.clone().unwrap_or_default(),
            comment_error: errors.get("comment").map(|m| field_message(m, es)),
            contact_me: matches!(given(&raw.contact_me).as_str(), "true" | "on" | "yes"),
            errors: errors
                .0
                .iter()
                .map(|(f, m)| (f.clone(), field_message(m, es)))
                .collect(),
        }
    }
}

/// A field's message in the page's language.
fn field_message(message: &str, es: bool) -> String {
    use frontdesk_domain::survey as s;
    if !es {
        return message.to_string();
    }
    match message {
        m if m == frontdesk_domain::fields::REQUIRED => "Elija una respuesta".into(),
        m if m == s::FREQUENCY_INVALID => "Elija nunca, a veces, casi siempre o siempre".into(),
        m if m == s::YES_NO_INVALID => "Elija sí o no".into(),
        m if m == s::OVERALL_INVALID => "Elija un número del 0 al 10".into(),
        m if m == s::COMMENT_TOO_LONG => "Demasiado largo (4.000 caracteres como máximo)".into(),
        m => m.to_string(),
    }
}

/// A survey in the API's answers.
#[derive(Serialize)]
pub struct SurveyJson {
    pub id: i64,
    pub visit_id: i64,
    pub status: &'static str,
    pub answered_at: Option<String>,
    pub low: bool,
    /// The `service_recovery` promise a low answer opened.
    pub recovery_promise_id: Option<i64>,
    /// The complaint recorded in the patient's words (with `contact_me`).
    pub complaint_id: Option<i64>,
}

impl SurveyJson {
    pub fn of(s: &Survey) -> SurveyJson {
        SurveyJson {
            id: s.id,
            visit_id: s.visit_id,
            status: s.status.as_str(),
            answered_at: s.answered_at.map(time),
            low: s.answer.as_ref().is_some_and(|a| a.is_low()),
            recovery_promise_id: s.recovery_promise_id,
            complaint_id: s.complaint_id,
        }
    }
}
