//! The kiosk: a tablet a manager paired with one of the location's kiosks
//! (a one-time link, valid 15 minutes, leaves a long-lived device token in a
//! cookie). Only a paired kiosk checks patients in: the patient is matched by
//! name and date of birth to today's appointment, or checked in as a
//! walk-in, through the same check-in as every other door. A double tap or
//! a second try finds them already here and adds nothing; a burst of
//! check-ins slows the kiosk down and tells staff.

use crate::app::caller::Caller;
use crate::app::visits::{Arriving, Who, check_in as check_in_visit};
use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::secrets::{random_token, token_hash};
use crate::state::AppState;
use frontdesk_domain::concern::Source;
use frontdesk_domain::fields;
use frontdesk_domain::outbox::{MessageChannel, mask_recipient, parse_contact};
use frontdesk_domain::patient::{
    Arrival, ArrivalInput, KioskCandidate, KioskIdentity, kiosk_match,
};
use frontdesk_store::{Actor, Kiosk, Location, NewVisit, Visit};
use serde_json::json;

/// How long a pairing link works.
pub fn pairing_lifetime() -> chrono::Duration {
    chrono::Duration::minutes(15)
}

/// A kiosk and its pairing link's path (`/kiosk/pair/CODE`), shown once.
pub struct Pairing {
    pub kiosk: Kiosk,
    pub path: String,
}

/// A new pairing code and the hash the store keeps (never the code).
pub fn pairing_code() -> (String, String) {
    let code = random_token();
    let hash = token_hash(&code);
    (code, hash)
}

/// A new kiosk at a location, with its pairing link (managers and admins).
pub async fn add(
    state: &AppState,
    caller: &Caller<'_>,
    location: &str,
    name: &str,
) -> Result<Pairing, ApiError> {
    caller.check(location)?;
    let name = fields::required_text(name).map_err(|m| ApiError::field("name", m))?;
    let (code, hash) = pairing_code();
    let now = state.now();
    let kiosk = state
        .store
        .add_kiosk(
            location,
            &name,
            &hash,
            now + pairing_lifetime(),
            &caller.actor(),
            now,
        )
        .await?;
    Ok(Pairing {
        kiosk,
        path: format!("/kiosk/pair/{code}"),
    })
}

/// One of the caller's kiosks, or not found.
pub async fn kiosk(state: &AppState, caller: &Caller<'_>, id: i64) -> Result<Kiosk, ApiError> {
    let k = state.store.kiosk(id).await?;
    caller.check(&k.location)?;
    Ok(k)
}

/// A fresh pairing link for a kiosk (a new tablet, or the link ran out).
pub async fn new_pairing(
    state: &AppState,
    caller: &Caller<'_>,
    id: i64,
) -> Result<Pairing, ApiError> {
    kiosk(state, caller, id).await?;
    let (code, hash) = pairing_code();
    let now = state.now();
    let kiosk = state
        .store
        .new_kiosk_pairing(id, &hash, now + pairing_lifetime(), &caller.actor(), now)
        .await?;
    Ok(Pairing {
        kiosk,
        path: format!("/kiosk/pair/{code}"),
    })
}

pub async fn rename(
    state: &AppState,
    caller: &Caller<'_>,
    id: i64,
    name: &str,
) -> Result<Kiosk, ApiError> {
    kiosk(state, caller, id).await?;
    let name = fields::required_text(name).map_err(|m| ApiError::field("name", m))?;
    Ok(state
        .store
        .rename_kiosk(id, &name, &caller.actor(), state.now())
        .await?)
}

/// Revoke a kiosk: its tablet is refused from the next request on.
pub async fn revoke(state: &AppState, caller: &Caller<'_>, id: i64) -> Result<Kiosk, ApiError> {
    kiosk(state, caller, id).await?;
    Ok(state
        .store
        .revoke_kiosk(id, &caller.actor(), state.now())
        .await?)
}

/// What a pairing link leads to before it is used: the kiosk it would pair,
/// if the link is live. (Reading it changes nothing.)
pub async fn pairing_for(state: &AppState, code: &str) -> Result<Option<Kiosk>, ApiError> {
    if code.len() < 40 || code.len() > 64 {
        return Ok(None);
    }
    let now = state.now();
    let hash = token_hash(code);
    Ok(state.store.kiosk_by_pairing(&hash, now).await?)
}

/// Pair the tablet that opened a live link: its device token (for the
/// cookie, shown only now) and the kiosk. `None` for a wrong, used or
/// expired link.
pub async fn pair(state: &AppState, code: &str) -> Result<Option<(Kiosk, String)>, ApiError> {
    if code.len() < 40 || code.len() > 64 {
        return Ok(None);
    }
    let device = random_token();
    let paired = state
        .store
        .pair_kiosk(&token_hash(code), &token_hash(&device), state.now())
        .await?;
    Ok(paired.map(|k| (k, device)))
}

/// The kiosk a tablet's device token belongs to, if it is in service.
pub async fn device(state: &AppState, token: &str) -> Result<Option<Kiosk>, ApiError> {
    if token.len() < 40 || token.len() > 64 {
        return Ok(None);
    }
    let found = state.store.kiosk_by_device(&token_hash(token)).await?;
    if let Some(k) = &found {
        state.store.kiosk_seen(k.id, state.now()).await?;
    }
    Ok(found)
}

/// One more check-in at this kiosk, unless it has had a burst
/// ([`crate::throttle::Rule::KIOSK`]): then how long to wait, and every
/// board is told (at most once a minute a kiosk).
pub fn allow(state: &AppState, kiosk: &Kiosk) -> Result<(), chrono::Duration> {
    let now = state.now();
    let outcome = state.kiosk_checkins.attempt(&kiosk.id.to_string(), now);
    if outcome.is_err() {
        let mut told = state.kiosk_told.lock().unwrap_or_else(|p| p.into_inner());
        let last = told.get(&kiosk.id).copied();
        if last.is_none_or(|t| now - t >= chrono::Duration::minutes(1)) {
            if told.len() > 10_000 {
                told.clear();
            }
            told.insert(kiosk.id, now);
            state.publish(LiveEvent {
                name: "kiosk_busy",
                visit_id: 0,
                location: kiosk.location.clone(),
                at: now,
                extra: json!({"kiosk": kiosk.name, "kiosk_id": kiosk.id}),
            });
        }
    }
    outcome
}

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
    kiosk: &Kiosk,
    location: &Location,
    who: &KioskIdentity,
    question: Option<String>,
    contact: Option<(MessageChannel, String)>,
) -> Result<KioskOutcome, ApiError> {
    let actor = Actor(format!("kiosk:{}", kiosk.id));
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
        by_link: None,
        once: None,
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
