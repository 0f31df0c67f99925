//! The post-visit survey: the watcher sends the link (256 random bits, only
//! its hash stored, 14 days, one answer) a delay after a visit is done, to
//! the addresses the patient gave, at most once per address in 30 days and
//! never after an opt-out; the patient answers on `/survey/TOKEN` or by the
//! API. A low answer opens service recovery: a `service_recovery` promise
//! owned by the location's managers, due in one business day; the comment
//! goes through the tone coach's incoming check, and with `contact_me` it is
//! also recorded as a complaint in the patient's words. One transaction.

use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::secrets::{random_token, token_hash};
use crate::state::AppState;
use frontdesk_domain::outbox::MessageChannel;
use frontdesk_domain::promise::PromiseKind;
use frontdesk_domain::survey::{
    self as rules, LinkState, RECOVERY_BUSINESS_DAYS, RawAnswer, address_key, link_state,
    recovery_note,
};
use frontdesk_store::{
    AnswerSurvey, Location, NewPromise, PatientContacts, SendSurvey, StoreError, Survey,
    SurveySent, SurveyStatus, Visit,
};
use serde_json::json;

/// Surveys decided per watcher tick, at most (the rest on the next ticks).
const SURVEY_BATCH: i64 = 50;

/// The path of a survey link.
pub fn survey_path(token: &str) -> String {
    format!("/survey/{token}")
}

fn contact_list(contacts: &PatientContacts) -> Vec<(MessageChannel, String)> {
    let mut out = Vec::new();
    if let Some(e) = &contacts.email {
        out.push((MessageChannel::Email, e.clone()));
    }
    if let Some(p) = &contacts.phone {
        out.push((MessageChannel::Sms, p.clone()));
    }
    out
}

/// The hashes of the addresses a survey goes to (never the addresses).
fn address_hashes(contacts: &[(MessageChannel, String)]) -> Vec<String> {
    let mut out: Vec<String> = contacts
        .iter()
        .filter_map(|(_, a)| address_key(a))
        .map(|k| token_hash(&k))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Decide the surveys that are due: for each location with surveys on, the
/// done visits whose delay has passed (not longer than the domain's limit
/// ago), each decided once by the store (sent, or skipped for an opt-out or
/// a survey within 30 days). The watcher calls this every tick; tests call
/// it directly. The number sent.
pub async fn check_surveys(state: &AppState) -> Result<usize, StoreError> {
    let email = super::outbox::can_send(state, MessageChannel::Email);
    let sms = super::outbox::can_send(state, MessageChannel::Sms);
    if !(email || sms) {
        return Ok(0);
    }
    let now = state.now();
    let mut sent = 0;
    let mut budget = SURVEY_BATCH;
    for location in state.store.locations().await? {
        if budget <= 0 {
            break;
        }
        let Some(delay) = state.survey_delay(&location) else {
            continue;
        };
        let until = now - delay;
        let after = until - rules::give_up_after();
        let due = state
            .store
            .surveys_due(&location.id, after, until, email, sms, budget)
            .await?;
        budget -= due.len() as i64;
        for d in due {
            match send_one(state, &location, &d.visit, &d.contacts, delay).await {
                Ok(SurveySent::Sent) => {
                    sent += 1;
                    tracing::info!(visit_id = d.visit.id, "survey sent");
                }
                Ok(other) => tracing::debug!(visit_id = d.visit.id, ?other, "survey not sent"),
                // Another server decided it first (the visit's row is unique).
                Err(StoreError::Conflict(_)) => {}
                Err(e) => tracing::error!(visit_id = d.visit.id, error = %e, "survey failed"),
            }
        }
    }
    Ok(sent)
}

async fn send_one(
    state: &AppState,
    location: &Location,
    visit: &Visit,
    contacts: &PatientContacts,
    delay: chrono::Duration,
) -> Result<SurveySent, StoreError> {
    let now = state.now();
    if !rules::may_send(visit.state, visit.state_changed_at, delay, now) {
        return Ok(SurveySent::AlreadyDecided);
    }
    let contacts: Vec<(MessageChannel, String)> = contact_list(contacts)
        .into_iter()
        .filter(|(c, _)| super::outbox::can_send(state, *c))
        .collect();
    let token = random_token();
    let first = visit.preferred_name.as_deref().unwrap_or(&visit.given_name);
    let messages =
        super::outbox::survey_messages(state, location, first, &survey_path(&token), &contacts);
    if messages.is_empty() {
        return Ok(SurveySent::AlreadyDecided);
    }
    state
        .store
        .send_survey(
            &SendSurvey {
                visit_id: visit.id,
                token_hash: token_hash(&token),
                expires_at: now + rules::valid_for(),
                address_hashes: address_hashes(&contacts),
                messages,
            },
            now,
        )
        .await
}

/// A survey link as its page shows it.
pub struct Opened {
    pub survey: Survey,
    pub state: LinkState,
    pub first_name: String,
    pub location_name: String,
}

/// The survey a token names (`None`: wrong or malformed, all the same).
pub async fn open(state: &AppState, token: &str) -> Result<Option<Opened>, ApiError> {
    if token.len() < 40 || token.len() > 64 {
        return Ok(None);
    }
    let Some(survey) = state.store.survey_by_token(&token_hash(token)).await? else {
        return Ok(None);
    };
    let visit = state.store.visit_record(survey.visit_id).await?;
    let location = state.location(&survey.location).await?;
    let link = link_state(
        survey.created_at,
        survey.status == SurveyStatus::Answered,
        state.now(),
    );
    Ok(Some(Opened {
        first_name: visit
            .preferred_name
            .clone()
            .unwrap_or_else(|| visit.given_name.clone()),
        location_name: location.name,
        state: link,
        survey,
    }))
}

/// Record the one answer: a field error (nothing saved) for a bad field,
/// `NotFound` for a wrong or expired link, `Conflict` when answered already.
/// A low answer opens service recovery in the same transaction.
pub async fn answer(state: &AppState, token: &str, raw: &RawAnswer) -> Result<Survey, ApiError> {
    let Some(opened) = open(state, token).await? else {
        return Err(ApiError::NotFound);
    };
    match opened.state {
        LinkState::Answered => {
            return Err(ApiError::Conflict(
                "This survey was answered already".into(),
            ));
        }
        LinkState::Expired => return Err(ApiError::NotFound),
        LinkState::Open => {}
    }
    let answer = rules::validate(raw).map_err(ApiError::InvalidFields)?;
    let survey = &opened.survey;
    let now = state.now();
    let location = state.location(&survey.location).await?;
    let recovery = if answer.is_low() {
        let settings = state.store.complaint_settings(&location.id).await?;
        let hours = super::complaints::business_hours(&settings, location.zone());
        Some(NewPromise {
            location: location.id.clone(),
            visit_id: Some(survey.visit_id),
            patient_id: None,
            kind: PromiseKind::ServiceRecovery,
            owner: None,
            note: recovery_note(&answer),
            due_at: hours.add_business_days(now, RECOVERY_BUSINESS_DAYS),
            likely_at: None,
            suggested_due_at: None,
            reason: "A low survey answer: call the patient back".into(),
        })
    } else {
        None
    };
    let upset = answer
        .comment
        .as_deref()
        .and_then(|c| super::upset::upset_mark(state, Some(survey.visit_id), c, now));
    let complaint = match (&answer.comment, answer.opens_complaint()) {
        (Some(comment), true) => {
            let contacts = state.store.patient_contacts(survey.visit_id).await?;
            let visit = state.store.visit_record(survey.visit_id).await?;
            let name = format!("{} {}", visit.given_name, visit.family_name);
            frontdesk_domain::complaint::validate_new(
                comment,
                "survey",
                None,
                None,
                Some(&name),
                contacts.email.as_deref(),
                contacts.phone.as_deref(),
            )
            .or_else(|_| {
                frontdesk_domain::complaint::validate_new(
                    comment,
                    "survey",
                    None,
                    None,
                    Some(&name),
                    None,
                    None,
                )
            })
            .ok()
        }
        _ => None,
    };
    let recorded = state
        .store
        .answer_survey(
            &AnswerSurvey {
                token_hash: token_hash(token),
                answer: answer.clone(),
                recovery,
                complaint,
                upset: upset.as_ref().map(|u| u.detail()),
            },
            now,
        )
        .await?;
    let visit = state.store.visit_record(survey.visit_id).await?;
    if let Some(u) = &upset {
        u.announce(state, &visit, now);
    }
    if let Some(id) = recorded.recovery_promise_id {
        let mut event = LiveEvent::for_visit("service_recovery", &visit, now);
        event.extra["promise_id"] = json!(id);
        event.extra["name"] = json!(visit.public_name());
        state.publish(event);
        tracing::info!(
            visit_id = visit.id,
            "low survey answer: service recovery opened"
        );
    }
    Ok(recorded)
}

/// No more surveys to this survey's addresses; `false` for a wrong link.
pub async fn opt_out(state: &AppState, token: &str) -> Result<bool, ApiError> {
    if token.len() < 40 || token.len() > 64 {
        return Ok(false);
    }
    Ok(state
        .store
        .survey_opt_out(&token_hash(token), state.now())
        .await?)
}

/// Open service-recovery promises at a location, with their visits, soonest
/// due first (for the board: the caller already reads that location).
pub async fn open_recoveries(
    state: &AppState,
    location: &str,
) -> Result<Vec<(frontdesk_store::Promise, Visit)>, ApiError> {
    let mut out = Vec::new();
    for p in state.store.open_promises(location).await? {
        if p.kind != PromiseKind::ServiceRecovery {
            continue;
        }
        if let Some(visit_id) = p.visit_id {
            let v = state.store.visit_record(visit_id).await?;
            out.push((p, v));
        }
    }
    Ok(out)
}
