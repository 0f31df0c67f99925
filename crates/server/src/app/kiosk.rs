//! Self check-in at the kiosk: the patient is matched by name and date of
//! birth to today's appointment, or checked in as a walk-in, through the
//! same check-in as every other door. A double tap or a second try finds
//! them already here and adds nothing.

use crate::app::visits::{Arriving, Who, check_in as check_in_visit};
use crate::error::ApiError;
use crate::state::AppState;
use frontdesk_domain::concern::Source;
use frontdesk_domain::outbox::{MessageChannel, mask_recipient, parse_contact};
use frontdesk_domain::patient::{
    Arrival, ArrivalInput, KioskCandidate, KioskIdentity, kiosk_match,
};
use frontdesk_store::{Actor, Location, NewVisit, Visit};

/// The label of the kiosk's "send me my link" field, when a message can go out.
pub fn link_label(state: &AppState) -> Option<&'static str> {
    let can = |c| super::outbox::can_send(state, c);
    match (can(MessageChannel::Email), can(MessageChannel::Sms)) {
        (true, true) => Some("Text or email me my link"),
        (true, false) => Some("Email me my link"),
        (false, true) => Some("Text me my link"),
        (false, false) => None,
    }
}

/// The kiosk's "send me my link" field: nothing, or a contact we can send to.
pub fn contact(
    state: &AppState,
    text: &str,
) -> Result<Option<(MessageChannel, String)>, &'static str> {
    // The field is not shown when nothing can be sent; a value anyway is ignored.
    if text.trim().is_empty() || link_label(state).is_none() {
        return Ok(None);
    }
    let (channel, to) = parse_contact(text)?;
    if !super::outbox::can_send(state, channel) {
        return Err(match channel {
            MessageChannel::Email => "We can't send email from here; please give a mobile number",
            MessageChannel::Sms => {
                "We can't send text messages from here; please give an email address"
            }
        });
    }
    Ok(Some((channel, to)))
}

/// How a kiosk check-in went, for the patient's screen.
pub struct KioskOutcome {
    pub given_name: String,
    pub with_appointment: bool,
    /// They had checked in already (a double tap, or a second try).
    pub already: bool,
    /// The code the lobby TV shows in ticket mode.
    pub ticket: String,
    /// The private status page, for a new check-in.
    pub status_path: Option<String>,
    /// Where the link is being sent, masked (`a***@example.org`).
    pub sent_to: Option<String>,
}

fn candidates(visits: &[Visit]) -> Vec<KioskCandidate> {
    visits
        .iter()
        .map(|v| KioskCandidate {
            visit_id: v.id,
            given_name: v.given_name.clone(),
            family_name: v.family_name.clone(),
            date_of_birth: v.date_of_birth,
        })
        .collect()
}

/// Check in whoever is at the kiosk, with their question and where to send
/// their link, both already checked.
pub async fn check_in(
    state: &AppState,
    location: &Location,
    who: &KioskIdentity,
    question: Option<String>,
    contact: Option<(MessageChannel, String)>,
) -> Result<KioskOutcome, ApiError> {
    let actor = Actor::kiosk();
    let now = state.now();
    let zone = location.zone();
    let today = now.with_timezone(&zone).date_naive();
    // Already here? A double tap or a second try must not add a visit.
    let present = state.store.lobby(&location.id, None, now).await?;
    if let Some(id) = kiosk_match(who, &candidates(&present))
        && let Some(v) = present.iter().find(|v| v.id == id)
    {
        state
            .store
            .audit(&actor, "kiosk.already_here", &format!("visit:{id}"), now)
            .await?;
        // Their question still reaches the visit.
        if let Some(text) = &question {
            super::concerns::raise_for_patient(state, v, text, Source::Kiosk, &actor).await?;
        }
        return Ok(KioskOutcome {
            given_name: v.given_name.clone(),
            with_appointment: v.appointment_id.is_some(),
            already: true,
            ticket: v.ticket(),
            status_path: None,
            sent_to: None,
        });
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
    let (arriving, with_appointment) = match kiosk_match(who, &candidates(&expected)) {
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
            let arrival = Arrival::parse(&input, today)?;
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
        who: arriving,
        contacts: contact.into_iter().collect(),
        // The patient's question, in their words, goes to the visit as a concern.
        question,
    };
    let done = match check_in_visit(state, location, arriving, &actor).await {
        Ok(done) => done,
        Err(ApiError::InvalidTransition(_)) => {
            return Err(ApiError::InvalidTransition("already checked in".into()));
        }
        Err(e) => return Err(e),
    };
    Ok(KioskOutcome {
        given_name: done.visit.given_name.clone(),
        with_appointment,
        already: false,
        ticket: done.visit.ticket(),
        status_path: Some(done.status_path),
        sent_to: done
            .sent_to
            .first()
            .map(|(channel, to)| mask_recipient(*channel, to)),
    })
}
