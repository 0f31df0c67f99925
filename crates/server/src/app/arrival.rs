//! Arrival links: a private link for one appointment (256 random bits, only
//! their hash stored, working on the appointment's local day), sent with the
//! reminder the watcher queues before the visit, or made and sent by staff
//! from the visit page. On it the patient says:
//!
//! - "I'm here": the check-in of their expected visit ([`visits::check_in`]
//!   with [`Who::Expected`], marking the link used in its transaction); the
//!   link then leads to their status page, whose token is derived from the
//!   link's;
//! - "I'm running late" (5, 10, 15 or 30 minutes) or "I can't come" (the
//!   appointment is cancelled): on the timeline, and every board told.
//!
//! It is the only way to check in from afar: the kiosk needs a tablet paired
//! in the lobby, and every other check-in is made by signed-in staff.

use super::caller::Caller;
use super::visits::{self, Arriving, ByArrivalLink, Who};
use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::secrets::token_hash;
use crate::state::AppState;
use crate::text::local_time;
use frontdesk_domain::arrival::{
    self as rules, LinkLeadsTo, appointment_when, late_arrival, late_minutes, leads_to,
    link_can_be_made, may_remind, reminders_due_until,
};
use frontdesk_domain::outbox::MessageChannel;
use frontdesk_domain::timeline::EventKind;
use frontdesk_domain::{Timestamp, VisitState};
use frontdesk_store::{
    Actor, ArrivalLink, ArrivalNotice, IssueArrivalLink, Location, NewArrivalLink, NoticeOutcome,
    PatientContacts, StoreError, Visit,
};
use serde_json::json;

/// Reminders queued per watcher tick, at most (the rest on the next ticks).
const REMINDER_BATCH: i64 = 50;

// --- staff ---

/// A link made by staff: its path (shown only now), the link as kept, and
/// where it was sent (none when it is to be handed over).
pub struct MadeLink {
    pub path: String,
    pub link: ArrivalLink,
    pub sent_to: Vec<(MessageChannel, String)>,
}

/// The visit a staff member asks about, when they may see it and it can
/// still have an arrival link: an appointment still expected whose day is
/// not over.
async fn expected_visit(
    state: &AppState,
    caller: &Caller<'_>,
    visit_id: i64,
) -> Result<(Visit, Location, Timestamp), ApiError> {
    let visit = state.store.visit_record(visit_id).await?;
    caller.check(&visit.location)?;
    let location = state.location(&visit.location).await?;
    let refused = |why: &str| Err(ApiError::InvalidTransition(why.to_string()));
    let Some(scheduled_at) = visit.scheduled_at else {
        return refused("An arrival link is for a booked appointment; this is a walk-in");
    };
    if visit.state != VisitState::Expected {
        return refused(&format!(
            "An arrival link is for an appointment still expected; this visit is {}",
            visit.state.label().to_lowercase()
        ));
    }
    if !link_can_be_made(scheduled_at, location.zone(), state.now()) {
        return refused("The appointment's day is over");
    }
    Ok((visit, location, scheduled_at))
}

fn first_name(visit: &Visit) -> &str {
    visit.preferred_name.as_deref().unwrap_or(&visit.given_name)
}

/// "Make arrival link": a new link to hand over (read out, or scanned from
/// the screen), audited with the visit.
pub async fn make(
    state: &AppState,
    caller: &Caller<'_>,
    visit_id: i64,
) -> Result<MadeLink, ApiError> {
    let (visit, location, scheduled_at) = expected_visit(state, caller, visit_id).await?;
    let (token, link) = super::links::new_arrival_link(&location, scheduled_at);
    let issued = issue(state, &visit, link, Vec::new(), &caller.actor()).await?;
    Ok(MadeLink {
        path: super::links::arrival_path(&token),
        link: issued,
        sent_to: Vec::new(),
    })
}

/// The patient's addresses on file as (channel, address), e-mail first.
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

/// "Send arrival link" / "Resend": a new link, by the outbox to the
/// addresses on file (only `channel`, when named). Counts as the reminder.
/// A field error (nothing saved) when there is no address to send to; a
/// conflict when the server has no way out for any of them.
pub async fn send(
    state: &AppState,
    caller: &Caller<'_>,
    visit_id: i64,
    channel: Option<MessageChannel>,
) -> Result<MadeLink, ApiError> {
    let (visit, location, scheduled_at) = expected_visit(state, caller, visit_id).await?;
    let on_file = contact_list(&state.store.patient_contacts(visit.id).await?);
    if on_file.is_empty() {
        return Err(ApiError::field(
            "contact",
            "No phone number or e-mail address on file for this appointment",
        ));
    }
    let wanted: Vec<(MessageChannel, String)> = on_file
        .into_iter()
        .filter(|(c, _)| channel.is_none_or(|want| want == *c))
        .collect();
    if wanted.is_empty() {
        return Err(ApiError::field(
            "channel",
            match channel {
                Some(MessageChannel::Email) => "No e-mail address on file for this appointment",
                _ => "No phone number on file for this appointment",
            },
        ));
    }
    let sendable: Vec<(MessageChannel, String)> = wanted
        .into_iter()
        .filter(|(c, _)| super::outbox::can_send(state, *c))
        .collect();
    if sendable.is_empty() {
        return Err(ApiError::Conflict(
            "Messages cannot be sent: this server has no way out for that address (see the outbox settings); make a link to hand over instead".into(),
        ));
    }
    let (token, link) = super::links::new_arrival_link(&location, scheduled_at);
    let path = super::links::arrival_path(&token);
    let when = appointment_when(scheduled_at, location.zone(), state.now());
    let messages = super::outbox::arrival_messages(
        state,
        &location,
        first_name(&visit),
        &when,
        &path,
        &sendable,
    );
    let sent_to = messages
        .iter()
        .map(|m| (m.channel, m.recipient.clone()))
        .collect();
    let issued = issue(state, &visit, link, messages, &caller.actor()).await?;
    Ok(MadeLink {
        path,
        link: issued,
        sent_to,
    })
}

async fn issue(
    state: &AppState,
    visit: &Visit,
    link: NewArrivalLink,
    messages: Vec<frontdesk_store::NewOutboxMessage>,
    actor: &Actor,
) -> Result<ArrivalLink, ApiError> {
    Ok(state
        .store
        .issue_arrival_link(
            &IssueArrivalLink {
                visit_id: visit.id,
                link,
                messages,
            },
            actor,
            state.now(),
        )
        .await?)
}

/// What the visit page shows of an expected appointment's arrival links.
pub struct Panel {
    /// Newest first.
    pub links: Vec<ArrivalLink>,
    /// The addresses a link can be sent to now (channel configured).
    pub sendable: Vec<(MessageChannel, String)>,
    /// When the automatic reminder goes, while no link was made yet.
    pub reminder_at: Option<Timestamp>,
}

/// The arrival-link panel of a visit the caller is reading (already
/// checked and audited by the page): `None` unless links can be made.
pub async fn panel(state: &AppState, visit: &Visit) -> Result<Option<Panel>, ApiError> {
    let Some(scheduled_at) = visit.scheduled_at else {
        return Ok(None);
    };
    let location = state.location(&visit.location).await?;
    let now = state.now();
    if visit.state != VisitState::Expected || !link_can_be_made(scheduled_at, location.zone(), now)
    {
        return Ok(None);
    }
    let links = state.store.arrival_links(visit.id).await?;
    let sendable: Vec<(MessageChannel, String)> =
        contact_list(&state.store.patient_contacts(visit.id).await?)
            .into_iter()
            .filter(|(c, _)| super::outbox::can_send(state, *c))
            .collect();
    let reminder_at = (links.is_empty()
        && !sendable.is_empty()
        && may_remind(visit.state, scheduled_at, now))
    .then(|| rules::reminder_due_at(scheduled_at, location.zone(), state.config.arrival_reminder))
    .flatten();
    Ok(Some(Panel {
        links,
        sendable,
        reminder_at,
    }))
}

// --- the watcher ---

/// Queue the reminders that are due: for each location, the expected
/// appointments whose reminder time has come (the domain's range), with an
/// address on a channel the server can send, at most [`REMINDER_BATCH`] a
/// run. Each is written with its link and messages only if not reminded yet
/// (the store's guard), so several servers never send two. The watcher calls
/// this every tick; tests call it directly.
pub async fn check_reminders(state: &AppState) -> Result<usize, StoreError> {
    let timing = state.config.arrival_reminder;
    let email = super::outbox::can_send(state, MessageChannel::Email);
    let sms = super::outbox::can_send(state, MessageChannel::Sms);
    if timing == rules::ReminderTiming::Off || !(email || sms) {
        return Ok(0);
    }
    let now = state.now();
    let mut queued = 0;
    for location in state.store.locations().await? {
        let left = REMINDER_BATCH - queued as i64;
        if left <= 0 {
            break;
        }
        let zone = location.zone();
        let Some(until) = reminders_due_until(now, zone, timing) else {
            continue;
        };
        let due = state
            .store
            .reminders_due(&location.id, now, until, email, sms, left)
            .await?;
        for d in due {
            let Some(scheduled_at) = d.visit.scheduled_at else {
                continue;
            };
            if !may_remind(d.visit.state, scheduled_at, now) {
                continue;
            }
            let (token, link) = super::links::new_arrival_link(&location, scheduled_at);
            let messages = super::outbox::arrival_messages(
                state,
                &location,
                first_name(&d.visit),
                &appointment_when(scheduled_at, zone, now),
                &super::links::arrival_path(&token),
                &contact_list(&d.contacts),
            );
            if messages.is_empty() {
                continue;
            }
            let reminder = IssueArrivalLink {
                visit_id: d.visit.id,
                link,
                messages,
            };
            match state.store.remind_arrival(&reminder, now).await {
                Ok(true) => {
                    queued += 1;
                    tracing::info!(visit_id = d.visit.id, "arrival reminder queued");
                }
                // Another server (or an earlier run) did it.
                Ok(false) => {}
                // One bad row must not hold up the others.
                Err(e) => {
                    tracing::error!(visit_id = d.visit.id, error = %e, "arrival reminder failed")
                }
            }
        }
    }
    Ok(queued)
}

// --- the patient ---

/// A working arrival link and the appointment it is for.
pub struct Opened {
    pub visit: Visit,
    pub location: Location,
    pub scheduled_at: Timestamp,
    /// The minutes of their latest "running late", if any.
    pub late_minutes: Option<i64>,
}

impl Opened {
    /// The name the page greets them by (first name only).
    pub fn first_name(&self) -> &str {
        first_name(&self.visit)
    }
}

/// What a link leads to.
pub enum Leads {
    /// Still expected: the three choices.
    Choices(Opened),
    /// Checked in: their status page, at this path.
    StatusPage(String),
    /// Cancelled or a no-show: nothing to do but call.
    Closed(Opened),
}

/// The link a token names, when it works now: `None` for a wrong, expired,
/// other-day or malformed one (all the same to the caller). The read of the
/// visit is audited under the link's name.
pub async fn open(state: &AppState, token: &str) -> Result<Option<Leads>, ApiError> {
    if token.len() < 40 || token.len() > 64 {
        return Ok(None);
    }
    let now = state.now();
    let hash = token_hash(token);
    let Some(link) = state.store.arrival_link(&hash, now).await? else {
        return Ok(None);
    };
    let (visit, timeline) = state
        .store
        .visit(link.visit_id, &Actor::arrival_link(), now)
        .await?;
    let location = state.location(&visit.location).await?;
    match leads_to(visit.state, visit.arrived_at.is_some()) {
        LinkLeadsTo::StatusPage => Ok(status_page(state, token, &hash, &location)
            .await?
            .map(Leads::StatusPage)),
        leads => {
            let Some(scheduled_at) = visit.scheduled_at else {
                return Ok(None);
            };
            let late_minutes = timeline
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::RunningLate)
                .and_then(|e| e.detail["minutes"].as_i64());
            let opened = Opened {
                visit,
                location,
                scheduled_at,
                late_minutes,
            };
            Ok(Some(if leads == LinkLeadsTo::Choices {
                Leads::Choices(opened)
            } else {
                Leads::Closed(opened)
            }))
        }
    }
}

/// The status page a checked-in patient's arrival link leads to (made now
/// if they checked in by another door).
async fn status_page(
    state: &AppState,
    token: &str,
    hash: &str,
    location: &Location,
) -> Result<Option<String>, ApiError> {
    let (path, link) = super::links::status_link_with_token(
        state,
        location,
        &super::links::status_token_for(token),
    );
    Ok(state
        .store
        .arrival_status_link(hash, &link, state.now())
        .await?
        .map(|_| path))
}

/// "I'm here": check the patient in (once), and the path of their status
/// page. Pressed again, or after the desk checked them in, it leads to the
/// same page; `None` for a link that does not work.
pub async fn here(state: &AppState, token: &str) -> Result<Option<Leads>, ApiError> {
    let Some(leads) = open(state, token).await? else {
        return Ok(None);
    };
    let Leads::Choices(opened) = leads else {
        return Ok(Some(leads));
    };
    let location = opened.location.clone();
    let arriving = Arriving {
        who: Who::Expected(Box::new(opened.visit)),
        contacts: Vec::new(),
        question: None,
        by_link: Some(ByArrivalLink {
            link_hash: token_hash(token),
            status_token: super::links::status_token_for(token),
        }),
        once: None,
    };
    match visits::check_in(state, &location, arriving, &Actor::arrival_link()).await {
        Ok(done) => Ok(Some(Leads::StatusPage(done.status_path))),
        // Pressed twice at once, or the desk was quicker: where it stands now.
        Err(ApiError::Conflict(_) | ApiError::InvalidTransition(_)) => {
            match open(state, token).await? {
                Some(Leads::Choices(_)) => Err(ApiError::Conflict(
                    "The check-in did not go through; please try again".into(),
                )),
                other => Ok(other),
            }
        }
        Err(e) => Err(e),
    }
}

/// What became of "running late" or "can't come".
pub enum Told {
    /// Recorded, and every board told.
    Recorded,
    /// "Running late" said as often as one visit may: they are asked to call.
    TooMany(Box<Opened>),
    /// The visit is no longer expected: the link shows where it stands.
    Moved,
}

/// "I'm running late": `minutes` as the form sent it (one of the offered
/// choices, else a field error and nothing saved). `None` for a link that
/// does not work.
pub async fn running_late(
    state: &AppState,
    token: &str,
    minutes: &str,
) -> Result<Option<Told>, ApiError> {
    let Some(leads) = open(state, token).await? else {
        return Ok(None);
    };
    let Leads::Choices(opened) = leads else {
        return Ok(Some(Told::Moved));
    };
    let minutes = late_minutes(minutes).map_err(|m| ApiError::field("minutes", m))?;
    let now = state.now();
    let expected_at = late_arrival(opened.scheduled_at, now, minutes);
    let notice = ArrivalNotice::RunningLate {
        minutes,
        expected_at,
    };
    let zone = opened.location.zone();
    match state
        .store
        .arrival_notice(&token_hash(token), &notice, now)
        .await
    {
        Ok(NoticeOutcome::Recorded(visit)) => {
            let mut event = LiveEvent::for_visit("running_late", &visit, now);
            event.extra["name"] = json!(visit.public_name());
            event.extra["minutes"] = json!(minutes);
            event.extra["scheduled_local"] = json!(local_time(opened.scheduled_at, zone));
            event.extra["expected_local"] = json!(local_time(expected_at, zone));
            state.publish(event);
            tracing::info!(visit_id = visit.id, minutes, "patient running late");
            Ok(Some(Told::Recorded))
        }
        Ok(NoticeOutcome::TooMany(_)) => Ok(Some(Told::TooMany(Box::new(opened)))),
        Ok(NoticeOutcome::NotExpected(_)) => Ok(Some(Told::Moved)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// "I can't come": the appointment is cancelled (see `arrival::CANT_COME`),
/// and every board told so nobody waits for them.
pub async fn cant_come(state: &AppState, token: &str) -> Result<Option<Told>, ApiError> {
    let Some(leads) = open(state, token).await? else {
        return Ok(None);
    };
    let Leads::Choices(opened) = leads else {
        return Ok(Some(Told::Moved));
    };
    let now = state.now();
    match state
        .store
        .arrival_notice(&token_hash(token), &ArrivalNotice::CantCome, now)
        .await
    {
        Ok(NoticeOutcome::Recorded(visit)) => {
            let mut event = LiveEvent::for_visit("cant_come", &visit, now);
            event.extra["name"] = json!(visit.public_name());
            event.extra["scheduled_local"] =
                json!(local_time(opened.scheduled_at, opened.location.zone()));
            state.publish(event);
            tracing::info!(visit_id = visit.id, "patient can't come");
            Ok(Some(Told::Recorded))
        }
        Ok(NoticeOutcome::TooMany(_) | NoticeOutcome::NotExpected(_)) => Ok(Some(Told::Moved)),
        Err(StoreError::NotFound) => Ok(None),
        // Moved meanwhile (the desk checked them in): where it stands now.
        Err(StoreError::Conflict(_) | StoreError::InvalidTransition(_)) => Ok(Some(Told::Moved)),
        Err(e) => Err(e.into()),
    }
}
