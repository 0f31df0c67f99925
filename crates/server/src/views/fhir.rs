//! FHIR R4 out: Appointment and Encounter resources built from visits, the
//! Bundles that carry them (`searchset`, `transaction-response`,
//! `batch-response`), the CapabilityStatement and OperationOutcome. Our own
//! serde structs with only the elements we fill; docs/interop.md has the
//! mapping.

use frontdesk_domain::schedule::ScheduleSource;
use frontdesk_domain::{AckPolicy, FieldErrors, Timestamp, VisitState};
use frontdesk_store::{Location, PromiseStatus, ScheduledVisit, Visit};
use serde::Serialize;
use serde_json::{Value, json};

pub const FHIR_JSON: &str = "application/fhir+json";
pub const FHIR_VERSION: &str = "4.0.1";

/// Extension URLs of the figures Frontdesk adds to an Encounter.
pub const EXT_ACKNOWLEDGEMENT: &str = "urn:frontdesk:fhir:acknowledgement";
pub const EXT_WAIT_PROMISE: &str = "urn:frontdesk:fhir:wait-promise";
/// The identifier system of an appointment from the CSV (which has none).
pub const CSV_SYSTEM: &str = "urn:frontdesk:appointment-csv";
/// The identifier system of Frontdesk's own patient numbers.
pub const PATIENT_SYSTEM: &str = "urn:frontdesk:patient";

fn instant(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[derive(Serialize, Clone)]
pub struct Identifier {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    pub value: String,
}

#[derive(Serialize, Clone)]
pub struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// A logical reference by identifier (Frontdesk serves no Practitioner
    /// or Location to read; their ids are what the EHR sent).
    fn logical(kind: &str, id: &str, display: Option<String>) -> Reference {
        Reference {
            reference: None,
            kind: Some(kind.to_string()),
            identifier: Some(Identifier {
                system: None,
                value: id.to_string(),
            }),
            display,
        }
    }

    fn local(target: &str) -> Reference {
        Reference {
            reference: Some(target.to_string()),
            kind: None,
            identifier: None,
            display: None,
        }
    }
}

#[derive(Serialize)]
pub struct HumanName {
    pub family: String,
    pub given: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub resource_type: &'static str,
    pub id: &'static str,
    pub identifier: Vec<Identifier>,
    pub name: Vec<HumanName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// The patient, contained in the resource that refers to it as `#patient`:
/// Frontdesk keeps patients only with their visits, and a resource sent back
/// (an Appointment PUT as it was read) carries its patient with it.
fn contained_patient(v: &Visit) -> Patient {
    Patient {
        resource_type: "Patient",
        id: "patient",
        identifier: vec![Identifier {
            system: Some(PATIENT_SYSTEM.into()),
            value: v.patient_id.to_string(),
        }],
        name: vec![HumanName {
            family: v.family_name.clone(),
            given: vec![v.given_name.clone()],
        }],
        birth_date: v.date_of_birth.map(|d| d.to_string()),
    }
}

#[derive(Serialize)]
pub struct CodeableConcept {
    pub text: String,
}

#[derive(Serialize)]
pub struct AppointmentParticipant {
    pub actor: Reference,
    pub status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub resource_type: &'static str,
    pub id: String,
    pub contained: Vec<Patient>,
    pub identifier: Vec<Identifier>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelation_reason: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_type: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_duration: Option<i64>,
    pub participant: Vec<AppointmentParticipant>,
}

/// The appointment's identifier as it came (a CSV row's has no system of its
/// own: it gets Frontdesk's).
fn appointment_identifier(s: &ScheduledVisit) -> Vec<Identifier> {
    let Some(value) = s.visit.appointment_id.clone() else {
        return Vec::new();
    };
    let system = s.appointment_system.clone().or_else(|| {
        matches!(s.appointment_source, Some(ScheduleSource::Csv) | None)
            .then(|| CSV_SYSTEM.to_string())
    });
    vec![Identifier { system, value }]
}

/// A visit's state as an Appointment's status.
pub fn appointment_status(state: VisitState) -> &'static str {
    match state {
        VisitState::Expected => "booked",
        VisitState::Waiting
        | VisitState::Roomed
        | VisitState::WithProvider
        | VisitState::Checkout => "arrived",
        VisitState::Done => "fulfilled",
        VisitState::NoShow => "noshow",
        VisitState::Cancelled | VisitState::LeftWithoutBeingSeen => "cancelled",
    }
}

fn participants(v: &Visit, location: &Location, patient_ref: bool) -> Vec<Reference> {
    let mut out = Vec::new();
    if patient_ref {
        out.push(Reference {
            display: Some(format!("{} {}", v.given_name, v.family_name)),
            ..Reference::local("#patient")
        });
    }
    if let Some(p) = &v.provider {
        out.push(Reference::logical("Practitioner", p, None));
    }
    out.push(Reference::logical(
        "Location",
        &location.id,
        Some(location.name.clone()),
    ));
    out
}

impl Appointment {
    pub fn of(s: &ScheduledVisit, location: &Location) -> Appointment {
        let v = &s.visit;
        let end = match (v.scheduled_at, v.duration_min) {
            (Some(start), Some(m)) => Some(instant(start + chrono::Duration::minutes(m))),
            _ => None,
        };
        Appointment {
            resource_type: "Appointment",
            id: v.id.to_string(),
            contained: vec![contained_patient(v)],
            identifier: appointment_identifier(s),
            status: appointment_status(v.state),
            cancelation_reason: (v.state == VisitState::LeftWithoutBeingSeen).then(|| {
                CodeableConcept {
                    text: "Left without being seen".into(),
                }
            }),
            appointment_type: v.visit_type.clone().map(|text| CodeableConcept { text }),
            // start and end come together (FHIR's app-2); without a length
            // the start stays and the length is unknown.
            start: v.scheduled_at.map(instant).filter(|_| end.is_some()),
            end,
            minutes_duration: v.duration_min,
            participant: participants(v, location, true)
                .into_iter()
                .map(|actor| AppointmentParticipant {
                    actor,
                    status: "accepted",
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct Coding {
    pub system: &'static str,
    pub code: &'static str,
    pub display: &'static str,
}

#[derive(Serialize)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Serialize)]
pub struct EncounterParticipant {
    pub individual: Reference,
}

#[derive(Serialize)]
pub struct EncounterLocation {
    pub location: Reference,
}

/// An extension: a value, or extensions of its own.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

impl Extension {
    fn of(url: &'static str) -> Extension {
        Extension {
            url,
            value_date_time: None,
            value_string: None,
            value_code: None,
            extension: Vec::new(),
        }
    }
    fn time(url: &'static str, t: Timestamp) -> Extension {
        Extension {
            value_date_time: Some(instant(t)),
            ..Extension::of(url)
        }
    }
    fn text(url: &'static str, s: &str) -> Extension {
        Extension {
            value_string: Some(s.to_string()),
            ..Extension::of(url)
        }
    }
    fn code(url: &'static str, c: &'static str) -> Extension {
        Extension {
            value_code: Some(c),
            ..Extension::of(url)
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    pub resource_type: &'static str,
    pub id: String,
    pub contained: Vec<Patient>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: &'static str,
    pub class: Coding,
    #[serde(rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<CodeableConcept>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub participant: Vec<EncounterParticipant>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub appointment: Vec<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    pub location: Vec<EncounterLocation>,
}

/// A visit's state as an Encounter's status.
pub fn encounter_status(state: VisitState) -> &'static str {
    match state {
        VisitState::Expected => "planned",
        VisitState::Waiting => "arrived",
        VisitState::Roomed => "triaged",
        VisitState::WithProvider | VisitState::Checkout => "in-progress",
        VisitState::Done => "finished",
        VisitState::LeftWithoutBeingSeen | VisitState::NoShow | VisitState::Cancelled => {
            "cancelled"
        }
    }
}

impl Encounter {
    pub fn of(
        s: &ScheduledVisit,
        location: &Location,
        policy: &AckPolicy,
        now: Timestamp,
    ) -> Encounter {
        let v = &s.visit;
        let mut extension = Vec::new();
        // The acknowledgement: the last one, by whom, and the clock now.
        let mut ack = Vec::new();
        if let Some(t) = v.last_acknowledged_at {
            ack.push(Extension::time("lastAcknowledgedAt", t));
        }
        if let Some(by) = &v.acknowledged_by {
            ack.push(Extension::text("acknowledgedBy", by));
        }
        if let Some(clock) = policy.clock(v.ack_facts(), now) {
            ack.push(Extension::code("clock", clock.status.as_str()));
            ack.push(Extension::time("dueAt", clock.due_at));
        }
        if !ack.is_empty() {
            extension.push(Extension {
                extension: ack,
                ..Extension::of(EXT_ACKNOWLEDGEMENT)
            });
        }
        // The wait promise: when they were told they would be seen by, and
        // whether it was kept.
        if let Some(p) = &s.wait {
            let mut promise = vec![
                Extension::time("madeAt", p.made_at),
                Extension::time("dueAt", p.due_at),
                Extension::code("status", promise_status(p.status)),
            ];
            if let Some(likely) = p.likely_at {
                promise.push(Extension::time("likelyAt", likely));
            }
            if let Some(at) = p.fulfilled_at {
                promise.push(Extension::time("settledAt", at));
            }
            extension.push(Extension {
                extension: promise,
                ..Extension::of(EXT_WAIT_PROMISE)
            });
        }
        let finished = matches!(
            v.state,
            VisitState::Done | VisitState::LeftWithoutBeingSeen | VisitState::Cancelled
        );
        let period = v.arrived_at.map(|start| Period {
            start: Some(instant(start)),
            end: finished.then(|| instant(v.state_changed_at)),
        });
        let mut refs = participants(v, location, false);
        let place = refs.pop().map(|location| EncounterLocation { location });
        Encounter {
            resource_type: "Encounter",
            id: v.id.to_string(),
            contained: vec![contained_patient(v)],
            extension,
            identifier: appointment_identifier(s),
            status: encounter_status(v.state),
            class: Coding {
                system: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                code: "AMB",
                display: "ambulatory",
            },
            kind: v
                .visit_type
                .clone()
                .map(|text| CodeableConcept { text })
                .into_iter()
                .collect(),
            subject: Reference {
                display: Some(format!("{} {}", v.given_name, v.family_name)),
                ..Reference::local("#patient")
            },
            participant: refs
                .into_iter()
                .map(|individual| EncounterParticipant { individual })
                .collect(),
            appointment: v
                .appointment_id
                .as_ref()
                .map(|_| Reference::local(&format!("Appointment/{}", v.id)))
                .into_iter()
                .collect(),
            period,
            location: place.into_iter().collect(),
        }
    }
}

fn promise_status(s: PromiseStatus) -> &'static str {
    match s {
        PromiseStatus::Open => "open",
        PromiseStatus::Kept => "kept",
        PromiseStatus::Broken => "broken",
        PromiseStatus::Renegotiated => "renegotiated",
        PromiseStatus::Withdrawn => "withdrawn",
    }
}

/// A `searchset` Bundle of resources, each with its full URL.
pub fn searchset<T: Serialize>(
    base: &str,
    kind: &str,
    self_url: &str,
    resources: &[(String, T)],
) -> Value {
    let entry: Vec<Value> = resources
        .iter()
        .map(|(id, r)| {
            json!({
                "fullUrl": format!("{base}/{kind}/{id}"),
                "resource": r,
                "search": {"mode": "match"},
            })
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": resources.len(),
        "link": [{"relation": "self", "url": self_url}],
        "entry": entry,
    })
}

/// One issue of an OperationOutcome.
pub struct Issue {
    pub severity: &'static str,
    pub code: &'static str,
    pub diagnostics: String,
    pub expression: Option<String>,
}

pub fn operation_outcome(issues: &[Issue]) -> Value {
    let issue: Vec<Value> = issues
        .iter()
        .map(|i| {
            let mut v =
                json!({"severity": i.severity, "code": i.code, "diagnostics": i.diagnostics});
            if let Some(e) = &i.expression {
                v["expression"] = json!([e]);
            }
            v
        })
        .collect();
    json!({"resourceType": "OperationOutcome", "issue": issue})
}

/// Field problems as issues, each naming its FHIRPath.
pub fn field_issues(errors: &FieldErrors) -> Vec<Issue> {
    errors
        .0
        .iter()
        .map(|(path, message)| Issue {
            severity: "error",
            code: if message == frontdesk_domain::fields::REQUIRED {
                "required"
            } else if message.starts_with("Unknown") {
                "not-found"
            } else {
                "invalid"
            },
            diagnostics: format!("{path}: {message}"),
            expression: Some(path.clone()),
        })
        .collect()
}

/// What this server can do, for `GET /fhir/r4/metadata`.
pub fn capability_statement(base: &str, now: Timestamp) -> Value {
    let search = |name: &str, kind: &str, doc: &str| json!({"name": name, "type": kind, "documentation": doc});
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(now),
        "kind": "instance",
        "software": {"name": "Frontdesk", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {"description": "Frontdesk patient service desk", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Bearer token of an integration or admin account (POST /api/v1/sessions). Appointments become the expected visits of the day, matched by identifier; visits come back as Encounters.",
            "security": {"cors": false, "description": "Authorization: Bearer TOKEN of an integration or admin account"},
            "resource": [
                {
                    "type": "Appointment",
                    "interaction": [{"code": "update"}, {"code": "search-type"}],
                    "updateCreate": true,
                    "searchParam": [
                        search("date", "date", "The day (YYYY-MM-DD) in the location's time zone"),
                        search("location", "reference", "A Frontdesk location id (or Location/id)"),
                    ],
                },
                {
                    "type": "Encounter",
                    "interaction": [{"code": "search-type"}],
                    "searchParam": [
                        search("date", "date", "The day (YYYY-MM-DD) in the location's time zone"),
                        search("location", "reference", "A Frontdesk location id (or Location/id)"),
                    ],
                },
                {"type": "Patient", "documentation": "Taken inside a transaction or batch, with the appointment that names it"},
                {"type": "Practitioner", "documentation": "Taken inside a transaction or batch: its identifier is the provider id"},
                {"type": "Location", "documentation": "Taken inside a transaction or batch: its identifier is a Frontdesk location id"},
            ],
            "interaction": [{"code": "transaction"}, {"code": "batch"}],
        }],
    })
}
