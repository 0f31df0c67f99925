//! FHIR R4 in: a `transaction` or `batch` Bundle of Patient, Practitioner,
//! Location and Appointment (or one Appointment with its Patient contained)
//! read into the same appointments a CSV row gives. Our own small serde
//! structs, reading only the elements we use; everything else is ignored as
//! FHIR allows. Every problem is named by its FHIRPath (`Bundle.entry[2].
//! resource.start`), so the OperationOutcome can say which entry and field.
//!
//! Mapping (docs/interop.md has the table): Appointment `identifier` → the
//! appointment's id (its `system` kept); `status` booked/pending/proposed/
//! arrived/checked-in/fulfilled/waitlist → booked, cancelled/entered-in-error
//! → cancelled, noshow → no-show; `start` (an instant; without an offset, in
//! the location's zone), `minutesDuration` or `end` → length; `appointmentType`
//! or `serviceType` → visit type; participants: the Patient (name, birthDate,
//! telecom), the Practitioner (its `identifier` → provider id), the Location
//! (its `identifier` → location id; none → `main`).

use crate::appointment::{Appointment, parse_local_time};
use crate::fields::{self, FieldErrors};
use crate::patient::NewPatient;
use crate::schedule::{ScheduleChange, ScheduleSource, ScheduleStatus, provider_id};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;

/// What the server knows that reading a Bundle needs.
pub struct Directory<'a> {
    /// A location's time zone by id; `None` when there is no such location
    /// (or the caller may not see it).
    pub zone_of: &'a dyn Fn(&str) -> Option<Tz>,
    /// Whether a provider id is known (for `Practitioner/ID` references to
    /// a provider not in the Bundle).
    pub provider_known: &'a dyn Fn(&str) -> bool,
    /// Today, for dates of birth.
    pub today: NaiveDate,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Identifier {
    system: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct HumanName {
    family: Option<String>,
    given: Vec<String>,
    #[serde(rename = "use")]
    name_use: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ContactPoint {
    system: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Coding {
    code: Option<String>,
    display: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CodeableConcept {
    coding: Vec<Coding>,
    text: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Reference {
    reference: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    identifier: Option<Identifier>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Participant {
    actor: Option<Reference>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PatientResource {
    name: Vec<HumanName>,
    birth_date: Option<String>,
    telecom: Vec<ContactPoint>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PractitionerResource {
    identifier: Vec<Identifier>,
    name: Vec<PractitionerName>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PractitionerName {
    text: Option<String>,
    family: Option<String>,
    given: Vec<String>,
    prefix: Vec<String>,
}

/// A practitioner's name for the provider list ("Dr. Li Ng").
fn practitioner_name(value: &Value) -> Option<String> {
    let p: PractitionerResource = serde_json::from_value(value.clone()).ok()?;
    let n = p.name.first()?;
    let text = match &n.text {
        Some(t) if !t.trim().is_empty() => t.clone(),
        _ => n
            .prefix
            .iter()
            .chain(n.given.iter())
            .chain(n.family.iter())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" "),
    };
    fields::required_text(&text).ok()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LocationResource {
    identifier: Vec<Identifier>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct AppointmentResource {
    identifier: Vec<Identifier>,
    status: Option<String>,
    start: Option<String>,
    end: Option<String>,
    minutes_duration: Option<i64>,
    appointment_type: Option<CodeableConcept>,
    service_type: Vec<CodeableConcept>,
    participant: Vec<Participant>,
    contained: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct EntryRequest {
    method: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Entry {
    full_url: Option<String>,
    resource: Option<Value>,
    request: Option<EntryRequest>,
}

/// The resource types a Bundle may carry.
pub const RESOURCE_TYPES: [&str; 4] = ["Patient", "Practitioner", "Location", "Appointment"];

/// One entry of a Bundle, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadEntry {
    pub resource_type: String,
    /// `Ok(Some(change))` for an Appointment, `Ok(None)` for the resources
    /// it refers to; `Err` names each problem by its FHIRPath.
    pub outcome: Result<Option<ScheduleChange>, FieldErrors>,
}

/// A Bundle, read: `batch` (each entry on its own) or `transaction` (all or
/// nothing), and its entries in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBundle {
    pub batch: bool,
    pub entries: Vec<ReadEntry>,
}

impl ReadBundle {
    /// Every problem of every entry.
    pub fn errors(&self) -> FieldErrors {
        let mut all = FieldErrors::new();
        for e in &self.entries {
            if let Err(errors) = &e.outcome {
                for (k, v) in &errors.0 {
                    all.add(k, v.clone());
                }
            }
        }
        all
    }
}

fn one_error(path: &str, message: impl Into<String>) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.add(path, message);
    e
}

/// Read a typed view of a resource; a wrong type names the element.
fn typed<T: DeserializeOwned>(value: &Value, path: &str) -> Result<T, FieldErrors> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let at = e.path().to_string();
        let field = if at == "." || at.is_empty() {
            path.to_string()
        } else {
            format!("{path}.{at}")
        };
        let inner = e.into_inner().to_string();
        let why = inner.split(" at line").next().unwrap_or("").to_string();
        one_error(&field, format!("Not understood: {why}"))
    })
}

fn resource_type(value: &Value) -> Option<&str> {
    value.get("resourceType").and_then(Value::as_str)
}

/// A resource found by a reference: its type, the resource and the
/// FHIRPath it sits at.
struct Found<'v> {
    kind: String,
    value: &'v Value,
    path: String,
}

/// What an Appointment's participant turned out to be.
enum ActorIs {
    Patient(NewPatient),
    /// A provider id, and their name when the resource gave one.
    Provider(String, Option<String>),
    Location(String),
    /// A resource type we do not use (a Device, a RelatedPerson): ignored.
    Other,
}

fn first_value(ids: &[Identifier]) -> Option<&Identifier> {
    ids.iter()
        .find(|i| i.value.as_deref().is_some_and(|v| !v.trim().is_empty()))
}

fn read_patient(value: &Value, path: &str, dir: &Directory) -> Result<NewPatient, FieldErrors> {
    let p: PatientResource = typed(value, path)?;
    let mut e = FieldErrors::new();
    let index = p
        .name
        .iter()
        .position(|n| matches!(n.name_use.as_deref(), Some("official" | "usual")))
        .unwrap_or(0);
    let (given, family) = match p.name.get(index) {
        None => {
            e.add(&format!("{path}.name"), fields::REQUIRED);
            (None, None)
        }
        Some(n) => (
            e.check(
                &format!("{path}.name[{index}].given"),
                fields::required_text(n.given.first().map(String::as_str).unwrap_or("")),
            ),
            e.check(
                &format!("{path}.name[{index}].family"),
                fields::required_text(n.family.as_deref().unwrap_or("")),
            ),
        ),
    };
    let date_of_birth = match p.birth_date.as_deref() {
        None => None,
        Some(d) => e.check(
            &format!("{path}.birthDate"),
            fields::date_of_birth(d, dir.today),
        ),
    };
    let (mut phone, mut email) = (None, None);
    for (i, t) in p.telecom.iter().enumerate() {
        let field = format!("{path}.telecom[{i}].value");
        let text = t.value.as_deref().unwrap_or("");
        match t.system.as_deref() {
            Some("phone" | "sms") if phone.is_none() => {
                phone = e.check(&field, fields::phone(text));
            }
            Some("email") if email.is_none() => {
                email = e.check(&field, fields::email(text));
            }
            _ => {}
        }
    }
    match (given, family) {
        (Some(given_name), Some(family_name)) if e.is_empty() => Ok(NewPatient {
            given_name,
            family_name,
            preferred_name: None,
            date_of_birth,
            phone,
            email,
        }),
        _ => Err(e),
    }
}

fn read_practitioner(value: &Value, path: &str) -> Result<String, FieldErrors> {
    let p: PractitionerResource = typed(value, path)?;
    match first_value(&p.identifier) {
        None => Err(one_error(
            &format!("{path}.identifier"),
            "A Practitioner needs an identifier (it becomes the provider id)",
        )),
        Some(id) => provider_id(id.value.as_deref().unwrap_or(""))
            .map_err(|m| one_error(&format!("{path}.identifier.value"), m)),
    }
}

fn known_location(id: &str, field: &str, dir: &Directory) -> Result<String, FieldErrors> {
    let id = id.trim();
    match (dir.zone_of)(id) {
        Some(_) => Ok(id.to_string()),
        None => Err(one_error(field, format!("Unknown location {id:?}"))),
    }
}

fn read_location(value: &Value, path: &str, dir: &Directory) -> Result<String, FieldErrors> {
    let l: LocationResource = typed(value, path)?;
    match first_value(&l.identifier) {
        None => Err(one_error(
            &format!("{path}.identifier"),
            "A Location needs an identifier: the id of a Frontdesk location",
        )),
        Some(id) => known_location(
            id.value.as_deref().unwrap_or(""),
            &format!("{path}.identifier.value"),
            dir,
        ),
    }
}

/// The resources an Appointment may refer to, by every key a reference may
/// use: the entry's `fullUrl`, `Type/id`, and `#id` for contained ones.
type Index<'v> = HashMap<String, Found<'v>>;

fn index_entry<'v>(index: &mut Index<'v>, full_url: Option<&str>, value: &'v Value, path: &str) {
    let Some(kind) = resource_type(value) else {
        return;
    };
    let found = || Found {
        kind: kind.to_string(),
        value,
        path: path.to_string(),
    };
    if let Some(url) = full_url.filter(|u| !u.is_empty()) {
        index.insert(url.to_string(), found());
    }
    if let Some(id) = value.get("id").and_then(Value::as_str) {
        index.insert(format!("{kind}/{id}"), found());
    }
}

fn resolve(
    r: &Reference,
    path: &str,
    bundle: &Index,
    contained: &Index,
    dir: &Directory,
) -> Result<ActorIs, FieldErrors> {
    if let Some(text) = r
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let field = format!("{path}.reference");
        let found = if text.starts_with('#') {
            contained.get(text)
        } else {
            bundle.get(text).or_else(|| {
                // An absolute URL ending in Type/id.
                let parts: Vec<&str> = text.rsplitn(3, '/').collect();
                match parts.as_slice() {
                    [id, kind, _] => bundle.get(&format!("{kind}/{id}")),
                    _ => None,
                }
            })
        };
        if let Some(f) = found {
            return match f.kind.as_str() {
                "Patient" => read_patient(f.value, &f.path, dir).map(ActorIs::Patient),
                "Practitioner" => read_practitioner(f.value, &f.path)
                    .map(|id| ActorIs::Provider(id, practitioner_name(f.value))),
                "Location" => read_location(f.value, &f.path, dir).map(ActorIs::Location),
                _ => Ok(ActorIs::Other),
            };
        }
        // A provider or location Frontdesk already knows, by its id.
        if let Some(id) = text.strip_prefix("Practitioner/")
            && (dir.provider_known)(id)
        {
            return Ok(ActorIs::Provider(id.to_string(), None));
        }
        if let Some(id) = text.strip_prefix("Location/") {
            return known_location(id, &field, dir).map(ActorIs::Location);
        }
        return Err(one_error(
            &field,
            format!(
                "Unknown reference {text:?}: put the resource in the Bundle (or contained in the Appointment)"
            ),
        ));
    }
    // A logical reference: by identifier, with its type.
    if let Some(id) = r.identifier.as_ref().and_then(|i| i.value.as_deref()) {
        let kind = r.kind.as_deref().map(|k| k.rsplit('/').next().unwrap_or(k));
        return match kind {
            Some("Practitioner") => provider_id(id)
                .map(|id| ActorIs::Provider(id, None))
                .map_err(|m| one_error(&format!("{path}.identifier.value"), m)),
            Some("Location") => {
                known_location(id, &format!("{path}.identifier.value"), dir).map(ActorIs::Location)
            }
            Some("Patient") => Err(one_error(
                &format!("{path}.identifier"),
                "A Patient must be in the Bundle or contained in the Appointment",
            )),
            _ => Err(one_error(
                &format!("{path}.type"),
                "A reference by identifier needs its type (Practitioner or Location)",
            )),
        };
    }
    Ok(ActorIs::Other)
}

fn status_of(text: Option<&str>) -> Result<ScheduleStatus, &'static str> {
    match text.map(str::trim) {
        None | Some("") => Err(fields::REQUIRED),
        Some(
            "booked" | "pending" | "proposed" | "arrived" | "checked-in" | "fulfilled" | "waitlist",
        ) => Ok(ScheduleStatus::Booked),
        Some("cancelled" | "entered-in-error") => Ok(ScheduleStatus::Cancelled),
        Some("noshow") => Ok(ScheduleStatus::NoShow),
        Some(_) => Err("Status not understood: use booked, cancelled or noshow"),
    }
}

const TIME_UNREADABLE: &str = "Time not understood; write it like 2026-03-05T09:40:00-05:00";

fn concept_text(c: &CodeableConcept) -> Option<&str> {
    c.text
        .as_deref()
        .or_else(|| {
            c.coding
                .iter()
                .find_map(|k| k.display.as_deref().or(k.code.as_deref()))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Read one Appointment at `path` (`Bundle.entry[3].resource`, or
/// `Appointment` for one sent alone) against the Bundle's resources.
fn read_appointment(
    value: &Value,
    path: &str,
    bundle: &Index,
    dir: &Directory,
) -> Result<ScheduleChange, FieldErrors> {
    let a: AppointmentResource = typed(value, path)?;
    let mut e = FieldErrors::new();
    let mut contained = Index::new();
    for (i, c) in a.contained.iter().enumerate() {
        if let Some(id) = c.get("id").and_then(Value::as_str) {
            let kind = resource_type(c).unwrap_or("").to_string();
            contained.insert(
                format!("#{id}"),
                Found {
                    kind,
                    value: c,
                    path: format!("{path}.contained[{i}]"),
                },
            );
        }
    }
    let identifier = first_value(&a.identifier).cloned();
    let appointment_id = match &identifier {
        None => {
            e.add(&format!("{path}.identifier"), fields::REQUIRED);
            None
        }
        Some(i) => e.check(
            &format!("{path}.identifier.value"),
            fields::required_text(i.value.as_deref().unwrap_or("")),
        ),
    };
    let status = e.check(&format!("{path}.status"), status_of(a.status.as_deref()));
    let (mut patient, mut provider, mut location) = (None, None, None);
    for (i, p) in a.participant.iter().enumerate() {
        let Some(actor) = &p.actor else { continue };
        let at = format!("{path}.participant[{i}].actor");
        match resolve(actor, &at, bundle, &contained, dir) {
            Ok(ActorIs::Patient(x)) => patient = patient.or(Some(x)),
            Ok(ActorIs::Provider(x, name)) => provider = provider.or(Some((x, name))),
            Ok(ActorIs::Location(x)) => location = location.or(Some(x)),
            Ok(ActorIs::Other) => {}
            Err(errors) => {
                for (k, v) in errors.0 {
                    e.add(&k, v);
                }
            }
        }
    }
    let participants = format!("{path}.participant");
    if patient.is_none() && !e.0.keys().any(|k| k.starts_with(&participants)) {
        e.add(&participants, "An Appointment needs a Patient participant");
    }
    if provider.is_none() && !e.0.keys().any(|k| k.starts_with(&participants)) {
        e.add(
            &participants,
            "An Appointment needs a Practitioner participant (with an identifier)",
        );
    }
    let location = location.unwrap_or_else(|| crate::MAIN_LOCATION.to_string());
    let zone = (dir.zone_of)(&location);
    if zone.is_none() {
        e.add(&participants, format!("Unknown location {location:?}"));
    }
    let zone = zone.unwrap_or(chrono_tz::UTC);
    let start = match a.start.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            e.add(&format!("{path}.start"), fields::REQUIRED);
            None
        }
        Some(s) => {
            let t = parse_local_time(s, zone);
            if t.is_none() {
                e.add(&format!("{path}.start"), TIME_UNREADABLE);
            }
            t
        }
    };
    let mut duration_min = None;
    if let Some(m) = a.minutes_duration {
        match u32::try_from(m) {
            Ok(m) if (1..=480).contains(&m) => duration_min = Some(m),
            _ => e.add(
                &format!("{path}.minutesDuration"),
                "Length must be a whole number of minutes from 1 to 480",
            ),
        }
    } else if let Some(end) = a.end.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match (parse_local_time(end, zone), start) {
            (None, _) => e.add(&format!("{path}.end"), TIME_UNREADABLE),
            (Some(end), Some(start)) => {
                let minutes = (end - start).num_minutes();
                match u32::try_from(minutes) {
                    Ok(m) if (1..=480).contains(&m) => duration_min = Some(m),
                    _ => e.add(
                        &format!("{path}.end"),
                        "The end must be 1 minute to 8 hours after the start",
                    ),
                }
            }
            (Some(_), None) => {}
        }
    }
    let visit_type = a
        .appointment_type
        .as_ref()
        .and_then(concept_text)
        .or_else(|| a.service_type.iter().find_map(concept_text))
        .map(|t| t.chars().take(100).collect::<String>());
    match (appointment_id, status, patient, provider, start) {
        (
            Some(appointment_id),
            Some(status),
            Some(patient),
            Some((provider, provider_name)),
            Some(scheduled_at),
        ) if e.is_empty() => Ok(ScheduleChange {
            appointment: Appointment {
                appointment_id,
                location,
                provider,
                visit_type,
                scheduled_at,
                duration_min,
                patient,
            },
            system: identifier
                .and_then(|i| i.system)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            provider_name,
            source: ScheduleSource::Fhir,
            status,
        }),
        _ => Err(e),
    }
}

/// Read a Bundle (`transaction` or `batch`). A body that is not such a
/// Bundle fails as a whole; otherwise each entry has its outcome.
pub fn read_bundle(value: &Value, dir: &Directory) -> Result<ReadBundle, FieldErrors> {
    if resource_type(value) != Some("Bundle") {
        return Err(one_error(
            "Bundle.resourceType",
            "Send a Bundle (resourceType \"Bundle\")",
        ));
    }
    let batch = match value.get("type").and_then(Value::as_str) {
        Some("transaction") => false,
        Some("batch") => true,
        _ => {
            return Err(one_error(
                "Bundle.type",
                "Bundle type must be transaction or batch",
            ));
        }
    };
    let entries: Vec<Entry> = match value.get("entry") {
        None => Vec::new(),
        Some(v) => typed(v, "Bundle.entry")?,
    };
    let mut index = Index::new();
    for (i, entry) in entries.iter().enumerate() {
        if let Some(r) = &entry.resource {
            index_entry(
                &mut index,
                entry.full_url.as_deref(),
                r,
                &format!("Bundle.entry[{i}].resource"),
            );
        }
    }
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("Bundle.entry[{i}].resource");
        let Some(resource) = &entry.resource else {
            out.push(ReadEntry {
                resource_type: String::new(),
                outcome: Err(one_error(&path, fields::REQUIRED)),
            });
            continue;
        };
        let kind = resource_type(resource).unwrap_or("").to_string();
        let method = entry
            .request
            .as_ref()
            .and_then(|r| r.method.as_deref())
            .unwrap_or("POST");
        let outcome = if !matches!(method, "POST" | "PUT") {
            Err(one_error(
                &format!("Bundle.entry[{i}].request.method"),
                "Only POST and PUT entries are taken",
            ))
        } else {
            match kind.as_str() {
                "Appointment" => read_appointment(resource, &path, &index, dir).map(Some),
                "Patient" => read_patient(resource, &path, dir).map(|_| None),
                "Practitioner" => read_practitioner(resource, &path).map(|_| None),
                "Location" => read_location(resource, &path, dir).map(|_| None),
                _ => Err(one_error(
                    &format!("{path}.resourceType"),
                    format!(
                        "Resource type {kind:?} not taken: send {}",
                        RESOURCE_TYPES.join(", ")
                    ),
                )),
            }
        };
        out.push(ReadEntry {
            resource_type: kind,
            outcome,
        });
    }
    Ok(ReadBundle {
        batch,
        entries: out,
    })
}

/// Read one Appointment sent alone (`PUT /fhir/r4/Appointment/{id}`): its
/// Patient contained in it, its Practitioner and Location contained, by
/// identifier or by the id Frontdesk knows them by.
pub fn read_single_appointment(
    value: &Value,
    dir: &Directory,
) -> Result<ScheduleChange, FieldErrors> {
    if resource_type(value) != Some("Appointment") {
        return Err(one_error(
            "Appointment.resourceType",
            "Send an Appointment (resourceType \"Appointment\")",
        ));
    }
    read_appointment(value, "Appointment", &Index::new(), dir)
}

#[cfg(test)]
mod tests;
