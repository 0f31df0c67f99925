//! Complaints: taken verbatim from any channel, worked on two clocks
//! (acknowledge within N business days, resolve within N calendar days, both
//! pausable), escalated owner → manager → admin when a clock runs out, and
//! closed with a resolution letter. Replies pass through the tone coach like
//! concern answers. Who may read or work a complaint is the domain's rule
//! (`complaint::can_read`, `can_work`), asked on every use.

use super::caller::Caller;
use super::tone::Gate;
use crate::error::ApiError;
use crate::live::LiveEvent;
use crate::state::AppState;
use frontdesk_domain::complaint::{self, BusinessHours, ClockInput, ComplaintClocks};
use frontdesk_domain::outbox::MessageChannel;
use frontdesk_domain::{FieldErrors, MAIN_LOCATION, Role, Timestamp, fields};
use frontdesk_store::{
    Actor, Complaint, ComplaintChange, ComplaintEvent, ComplaintSettings, IdempotencyClaim,
    NewComplaintRecord, NewOutboxMessage, StaffUser, StoreError,
};
use frontdesk_tone::ReplyCheck;
use serde::Deserialize;
use serde_json::{Value, json};

/// The location's opening hours and closed dates as the clocks read them.
/// Settings are checked when saved; anything unreadable falls back to the default.
pub fn business_hours(settings: &ComplaintSettings, zone: chrono_tz::Tz) -> BusinessHours {
    let mut hours = BusinessHours::weekdays_8_to_6(zone);
    if let Ok(week) = BusinessHours::parse_week(&settings.business_hours) {
        hours.week = week;
    }
    if let Ok(closed) = BusinessHours::parse_closed_dates(&settings.closed_dates) {
        hours.closed = closed;
    }
    hours
}

/// Both clocks of a complaint now.
pub fn clocks_of(
    k: &Complaint,
    settings: &ComplaintSettings,
    zone: chrono_tz::Tz,
    now: Timestamp,
) -> ComplaintClocks {
    complaint::clocks(
        &business_hours(settings, zone),
        &settings.policy,
        &ClockInput {
            received_at: k.received_at,
            acknowledged_at: k.acknowledged_at,
            resolved_at: k.resolved_at,
            pauses: &k.pauses,
        },
        now,
    )
}

fn owner_of(k: &Complaint) -> Option<(&str, Role)> {
    match (&k.owner, k.owner_role) {
        (Some(o), Some(r)) => Some((o.as_str(), r)),
        _ => None,
    }
}

pub fn may_read(user: &StaffUser, k: &Complaint, settings: &ComplaintSettings) -> bool {
    complaint::can_read(
        user.role,
        &user.username,
        owner_of(k),
        settings.staff_read_all,
    )
}

pub fn may_work(user: &StaffUser, k: &Complaint) -> bool {
    complaint::can_work(user.role, &user.username, k.owner.as_deref())
}

/// One complaint as the caller may read it: everything that happened to it,
/// and its location's settings and zone (for the clocks).
pub struct Loaded {
    pub complaint: Complaint,
    pub events: Vec<ComplaintEvent>,
    pub settings: ComplaintSettings,
    pub zone: chrono_tz::Tz,
}

/// Everything about one complaint the caller may read (audited), or 403/404.
pub async fn load(state: &AppState, user: &StaffUser, id: i64) -> Result<Loaded, ApiError> {
    let (k, events) = state.store.complaint(id).await?;
    Caller::Staff(user).check(&k.location)?;
    let settings = state.store.complaint_settings(&k.location).await?;
    if !may_read(user, &k, &settings) {
        return Err(ApiError::Forbidden);
    }
    let zone = state.location(&k.location).await?.zone();
    state
        .store
        .audit(
            &Actor::staff(&user.username),
            "complaint.read",
            &format!("complaint:{id}"),
            state.now(),
        )
        .await?;
    Ok(Loaded {
        complaint: k,
        events,
        settings,
        zone,
    })
}

/// Announce a complaint event on the live stream (boards and managers).
fn publish(state: &AppState, name: &'static str, k: &Complaint, now: Timestamp, extra: Value) {
    let mut data = json!({"complaint_id": k.id, "severity": k.severity.as_str()});
    if let (Some(map), Some(more)) = (data.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    state.publish(LiveEvent {
        name,
        visit_id: k.visit_id.unwrap_or(0),
        location: k.location.clone(),
        at: now,
        extra: data,
    });
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ContactInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComplaintInput {
    pub text: String,
    pub channel: String,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub visit_id: Option<i64>,
    #[serde(deserialize_with = "object_or_null")]
    pub contact: Option<ContactInput>,
    /// A staff username to own it; the person taking it when empty.
    pub owner: Option<String>,
    pub location: Option<String>,
}

/// The contact as a JSON object (or null): serde would also read a list of
/// values as the struct's fields in order, which the API does not offer.
fn object_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<ContactInput>, D::Error> {
    use serde::de::Error;
    match Option::<serde_json::Map<String, serde_json::Value>>::deserialize(d)? {
        None => Ok(None),
        Some(m) => ContactInput::deserialize(serde_json::Value::Object(m))
            .map(Some)
            .map_err(D::Error::custom),
    }
}

/// Where a complaint came from: a signed-in staff member, or a public page
/// (`feedback-form`, `patient-link`) that records it under its own name.
pub enum Taker<'a> {
    Staff(&'a StaffUser),
    Public(&'static str),
}

/// Validate and record a complaint. Nothing is saved unless every field is
/// right. `once`: the request's retry key, claimed with the complaint.
pub async fn take(
    state: &AppState,
    taker: Taker<'_>,
    input: &ComplaintInput,
    once: Option<&super::retries::Once>,
) -> Result<Complaint, ApiError> {
    take_with(state, taker, input, None, super::retries::claim(once)).await
}

/// [`take`], with the patient's words read as upset: the visit's `upset`
/// timeline entry, written with the complaint.
pub async fn take_marked(
    state: &AppState,
    taker: Taker<'_>,
    input: &ComplaintInput,
    upset: Option<Value>,
) -> Result<Complaint, ApiError> {
    take_with(state, taker, input, upset, None).await
}

async fn take_with(
    state: &AppState,
    taker: Taker<'_>,
    input: &ComplaintInput,
    upset: Option<Value>,
    once: Option<&IdempotencyClaim>,
) -> Result<Complaint, ApiError> {
    let staff = match taker {
        Taker::Staff(s) => Some(s),
        Taker::Public(_) => None,
    };
    let contact = input.contact.clone().unwrap_or_default();
    let validated = complaint::validate_new(
        &input.text,
        &input.channel,
        input.category.as_deref(),
        input.severity.as_deref(),
        contact.name.as_deref(),
        contact.email.as_deref(),
        contact.phone.as_deref(),
    );
    let mut errors = match &validated {
        Ok(_) => FieldErrors::new(),
        Err(e) => e.clone(),
    };
    let owner = match input
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        Some(name) => match fields::username(name) {
            Ok(name) => match state
                .store
                .users()
                .await?
                .into_iter()
                .find(|u| u.username == name && !u.disabled)
            {
                Some(u) => Some((u.username, u.role)),
                None => {
                    errors.add("owner", "No active staff member with this username");
                    None
                }
            },
            Err(m) => {
                errors.add("owner", m);
                None
            }
        },
        None => staff.map(|s| (s.username.clone(), s.role)),
    };
    let caller = match taker {
        Taker::Staff(s) => Caller::Staff(s),
        Taker::Public(name) => Caller::Door(Actor(name.into())),
    };
    // About a visit: at the visit's location, unless another is named. A
    // visit or location the taker does not work at is, to them, not there.
    let visit_location = match input.visit_id {
        Some(id) => match state.store.visit_record(id).await {
            Ok(v) if caller.may_see(&v.location) => Some(v.location),
            Ok(_) | Err(StoreError::NotFound) => {
                errors.add("visit_id", "No visit with this id");
                None
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let location = input
        .location
        .clone()
        .filter(|l| !l.trim().is_empty())
        .or(visit_location)
        .unwrap_or_else(|| MAIN_LOCATION.into());
    match state.location(&location).await {
        Ok(l) if caller.may_see(&l.id) => {}
        Ok(_) | Err(StoreError::NotFound) => errors.add("location", "Unknown location"),
        Err(e) => return Err(e.into()),
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
    let Ok(new) = validated else {
        unreachable!("errors were empty");
    };
    let actor = caller.actor();
    let now = state.now();
    let record = NewComplaintRecord {
        location,
        visit_id: input.visit_id,
        complaint: new,
        owner,
        upset,
    };
    let k = match once {
        Some(key) => {
            state
                .store
                .create_complaint_once(key, &record, &actor, now)
                .await?
        }
        None => state.store.create_complaint(&record, &actor, now).await?,
    };
    publish(state, "complaint_received", &k, now, json!({}));
    Ok(k)
}

/// What a change asks for, before the rules are asked.
pub enum Work {
    Acknowledge,
    Pause(String),
    Resume,
    Assign(String),
    /// A reply, held when the coach flags it unless sent anyway.
    Reply {
        text: String,
        hold_if_flagged: bool,
    },
    Resolve {
        contact_person: String,
        steps: String,
        result: String,
    },
}

pub enum Worked {
    Done(Box<Complaint>),
    /// A reply the coach flagged, not sent.
    Held(ReplyCheck),
}

pub async fn work(
    state: &AppState,
    user: &StaffUser,
    id: i64,
    what: Work,
) -> Result<Worked, ApiError> {
    let (k, _) = state.store.complaint(id).await?;
    Caller::Staff(user).check(&k.location)?;
    let settings = state.store.complaint_settings(&k.location).await?;
    if !may_read(user, &k, &settings) || !may_work(user, &k) {
        return Err(ApiError::Forbidden);
    }
    let mut changes = Vec::new();
    let change = match what {
        Work::Acknowledge => {
            // A named person: whoever acknowledges an unowned complaint owns
            // it (both in one transaction).
            if k.owner.is_none() {
                changes.push(ComplaintChange::Assign {
                    owner: user.username.clone(),
                    role: user.role,
                });
            }
            ComplaintChange::Acknowledge
        }
        Work::Pause(reason) => {
            let reason = fields::optional_text(&reason)
                .map_err(|m| ApiError::field("reason", m))?
                .ok_or_else(|| {
                    ApiError::field(
                        "reason",
                        "Say why the clocks stop (for example: waiting for the patient's reply)",
                    )
                })?;
            ComplaintChange::Pause { reason }
        }
        Work::Resume => ComplaintChange::Resume,
        Work::Assign(owner) => {
            let name = fields::username(&owner).map_err(|m| ApiError::field("owner", m))?;
            let user = state
                .store
                .users()
                .await?
                .into_iter()
                .find(|u| u.username == name && !u.disabled)
                .ok_or_else(|| {
                    ApiError::field("owner", "No active staff member with this username")
                })?;
            ComplaintChange::Assign {
                owner: user.username,
                role: user.role,
            }
        }
        Work::Reply {
            text,
            hold_if_flagged,
        } => {
            let text = complaint::long_text(&text).map_err(|m| ApiError::field("text", m))?;
            let flags = match super::tone::gate(&text, hold_if_flagged) {
                Gate::Held(check) => {
                    let about = json!({"complaint_id": k.id});
                    super::tone::record_held(state, k.visit_id, about, &user.username, &check)
                        .await;
                    return Ok(Worked::Held(check));
                }
                Gate::Send(_, flags) => flags,
            };
            // The reply and the message that takes it to the patient are
            // recorded together.
            let message = match reply_route(state, &k) {
                Some((channel, recipient)) => {
                    let practice = state.location(&k.location).await?.name;
                    Some(NewOutboxMessage {
                        location: k.location.clone(),
                        visit_id: k.visit_id,
                        channel,
                        recipient,
                        subject: match channel {
                            MessageChannel::Email => format!("Your complaint to {practice}"),
                            MessageChannel::Sms => String::new(),
                        },
                        body: format!("{text}\n\n{}, {practice}", user.username),
                    })
                }
                None => None,
            };
            ComplaintChange::Reply {
                text,
                sent_anyway_flags: flags,
                message,
            }
        }
        Work::Resolve {
            contact_person,
            steps,
            result,
        } => ComplaintChange::Resolve(complaint::validate_resolution(
            &contact_person,
            &steps,
            &result,
        )?),
    };
    let now = state.now();
    let resolved = matches!(change, ComplaintChange::Resolve(_));
    let queued = match &change {
        ComplaintChange::Reply {
            message: Some(m), ..
        } => Some(m.channel),
        _ => None,
    };
    changes.push(change);
    let k = state
        .store
        .change_complaint(id, &changes, &Actor::staff(&user.username), now)
        .await?;
    if resolved {
        publish(state, "complaint_resolved", &k, now, json!({}));
    }
    if let Some(channel) = queued {
        tracing::info!(
            complaint_id = k.id,
            channel = channel.as_str(),
            "complaint reply queued"
        );
    }
    Ok(Worked::Done(Box::new(k)))
}

/// How a reply reaches the patient (the practice's rule:
/// [`frontdesk_domain::outbox::reply_route`]), given the ways out this server
/// has configured.
pub fn reply_route(state: &AppState, k: &Complaint) -> Option<(MessageChannel, String)> {
    let can_send: Vec<MessageChannel> = [MessageChannel::Email, MessageChannel::Sms]
        .into_iter()
        .filter(|c| state.config.outbox.route(*c).is_some())
        .collect();
    frontdesk_domain::outbox::reply_route(
        k.contact_email.as_deref(),
        k.contact_phone.as_deref(),
        &can_send,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkInput {
    pub reason: String,
    pub owner: String,
    pub text: String,
    pub contact_person: String,
    pub steps: String,
    pub result: String,
}

/// What a URL's action asks for (`/complaints/{id}/{action}`), or `None`
/// for an action there is not.
pub fn work_from(action: &str, input: WorkInput, hold_if_flagged: bool) -> Option<Work> {
    Some(match action {
        "acknowledge" => Work::Acknowledge,
        "pause" => Work::Pause(input.reason),
        "resume" => Work::Resume,
        "assign" => Work::Assign(input.owner),
        "reply" => Work::Reply {
            text: input.text,
            hold_if_flagged,
        },
        "resolve" => Work::Resolve {
            contact_person: input.contact_person,
            steps: input.steps,
            result: input.result,
        },
        _ => return None,
    })
}

/// The resolution letter: who to contact, the steps taken, the result and
/// the date of completion. Only for a resolved complaint.
pub async fn letter_of(
    state: &AppState,
    k: &Complaint,
    zone: chrono_tz::Tz,
) -> Result<complaint::Letter, ApiError> {
    let (Some(r), Some(done)) = (&k.resolution, k.resolved_at) else {
        return Err(ApiError::InvalidTransition(
            "The letter is written when the complaint is resolved".into(),
        ));
    };
    let practice = state.location(&k.location).await?.name;
    Ok(complaint::letter(
        &practice,
        k.contact_name.as_deref(),
        &k.text,
        r,
        done,
        zone,
    ))
}

// --- escalation ---

/// Complaints looked at per tick: a flood of complaints (say, of feedback
/// forms) is walked a batch a second, so the watcher's acknowledgement
/// alerts never wait behind it. Complaint clocks run in hours; a thousand
/// open complaints are all looked at within five seconds.
pub const ESCALATION_BATCH: i64 = 200;

/// Move complaints whose clocks ran out up the ladder (owner → manager →
/// admin), once per level: recorded on the complaint and announced live.
/// Each call looks at the next [`ESCALATION_BATCH`] unresolved complaints,
/// starting again from the first after the last. The server calls this every
/// tick; tests call it directly.
pub async fn check_escalations(state: &AppState) -> Result<usize, frontdesk_store::StoreError> {
    use std::sync::atomic::Ordering;
    let now = state.now();
    let after = state.escalation_cursor.load(Ordering::Relaxed);
    let open = state
        .store
        .unresolved_complaints(after, ESCALATION_BATCH)
        .await?;
    let next = match open.last() {
        Some(k) if open.len() as i64 == ESCALATION_BATCH => k.id,
        _ => 0,
    };
    state.escalation_cursor.store(next, Ordering::Relaxed);
    let mut settings = std::collections::HashMap::new();
    let mut raised = 0;
    for k in open {
        if !settings.contains_key(&k.location) {
            let s = state.store.complaint_settings(&k.location).await?;
            let zone = state
                .location(&k.location)
                .await
                .map(|l| l.zone())
                .unwrap_or(chrono_tz::UTC);
            settings.insert(k.location.clone(), (s, zone));
        }
        let (s, zone) = &settings[&k.location];
        let level = clocks_of(&k, s, *zone, now).level;
        if level > k.escalation_level {
            // With its mark, in one transaction: once per level, whichever
            // server watches. A complaint changed meanwhile (a conflict) is
            // looked at again on the next pass.
            let k = match state.store.escalate_complaint(k.id, level, now).await {
                Ok(Some(k)) => k,
                Ok(None) | Err(frontdesk_store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            };
            let to = level.role().map(|r| r.as_str()).unwrap_or("owner");
            publish(
                state,
                "complaint_escalated",
                &k,
                now,
                json!({"level": level.as_str(), "to": to}),
            );
            raised += 1;
        }
    }
    Ok(raised)
}
