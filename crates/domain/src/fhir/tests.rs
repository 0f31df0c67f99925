use super::*;
use crate::VisitState;
use crate::schedule::target_state;
use chrono::TimeZone;
use serde_json::json;

fn zone_of(id: &str) -> Option<Tz> {
    match id {
        "main" => Some(chrono_tz::America::Chicago),
        "north" => Some(chrono_tz::UTC),
        _ => None,
    }
}

fn known(id: &str) -> bool {
    id == "dr-lee"
}

fn dir() -> Directory<'static> {
    Directory {
        zone_of: &zone_of,
        provider_known: &known,
        today: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
    }
}

fn bundle(appointment: Value) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "name": [{"family": "Moreno", "given": ["Ana"]}],
              "birthDate": "1980-02-29", "telecom": [{"system": "email", "value": "ana@example.org"}]},
             "request": {"method": "POST", "url": "Patient"}},
            {"fullUrl": "urn:uuid:d1", "resource": {"resourceType": "Practitioner", "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "Dr Kim"}],
              "name": [{"prefix": ["Dr."], "given": ["Min"], "family": "Kim"}]},
             "request": {"method": "POST", "url": "Practitioner"}},
            {"fullUrl": "urn:uuid:l1", "resource": {"resourceType": "Location", "identifier": [{"value": "north"}]},
             "request": {"method": "POST", "url": "Location"}},
            {"fullUrl": "urn:uuid:a1", "resource": appointment, "request": {"method": "POST", "url": "Appointment"}}
        ]
    })
}

fn appointment() -> Value {
    json!({
        "resourceType": "Appointment",
        "identifier": [{"system": "urn:oid:1.2.3", "value": "A-100"}],
        "status": "booked",
        "start": "2026-03-05T09:40:00-06:00",
        "end": "2026-03-05T10:00:00-06:00",
        "appointmentType": {"text": "follow-up"},
        "participant": [
            {"actor": {"reference": "urn:uuid:p1"}, "status": "accepted"},
            {"actor": {"reference": "urn:uuid:d1"}, "status": "accepted"},
            {"actor": {"reference": "urn:uuid:l1"}, "status": "accepted"}
        ]
    })
}

#[test]
fn a_transaction_becomes_an_appointment_like_a_csv_row() {
    let read = read_bundle(&bundle(appointment()), &dir()).unwrap();
    assert!(!read.batch);
    assert_eq!(read.entries.len(), 4);
    assert!(read.errors().is_empty(), "{}", read.errors());
    let change = read.entries[3].outcome.clone().unwrap().unwrap();
    let a = &change.appointment;
    assert_eq!(a.appointment_id, "A-100");
    assert_eq!(change.system.as_deref(), Some("urn:oid:1.2.3"));
    assert_eq!(a.provider, "dr-kim");
    assert_eq!(change.provider_name.as_deref(), Some("Dr. Min Kim"));
    assert_eq!(a.location, "north");
    assert_eq!(a.duration_min, Some(20));
    assert_eq!(a.visit_type.as_deref(), Some("follow-up"));
    assert_eq!(
        a.scheduled_at,
        chrono::Utc.with_ymd_and_hms(2026, 3, 5, 15, 40, 0).unwrap()
    );
    assert_eq!(a.patient.given_name, "Ana");
    assert_eq!(a.patient.email.as_deref(), Some("ana@example.org"));
    assert_eq!(change.status, ScheduleStatus::Booked);
    assert_eq!(change.source, ScheduleSource::Fhir);
}

#[test]
fn a_bad_entry_is_named_by_entry_and_field() {
    let mut a = appointment();
    a.as_object_mut().unwrap().remove("start");
    a["participant"][0]["actor"]["reference"] = json!("Patient/nobody");
    let read = read_bundle(&bundle(a), &dir()).unwrap();
    let e = read.errors();
    assert_eq!(
        e.get("Bundle.entry[3].resource.start"),
        Some(fields::REQUIRED),
        "{e}"
    );
    assert!(
        e.get("Bundle.entry[3].resource.participant[0].actor.reference")
            .unwrap()
            .contains("Unknown reference"),
        "{e}"
    );
}

#[test]
fn bad_dates_statuses_and_types_are_named() {
    let mut a = appointment();
    a["start"] = json!("5 March");
    a["status"] = json!("maybe");
    a["minutesDuration"] = json!("twenty");
    let read = read_bundle(&bundle(a), &dir()).unwrap();
    let e = read.errors();
    // A wrong JSON type is caught first, naming the element.
    assert!(
        e.get("Bundle.entry[3].resource.minutesDuration").is_some(),
        "{e}"
    );
    let mut a = appointment();
    a["start"] = json!("5 March");
    a["status"] = json!("maybe");
    let e = read_bundle(&bundle(a), &dir()).unwrap().errors();
    assert!(e.get("Bundle.entry[3].resource.start").is_some(), "{e}");
    assert!(e.get("Bundle.entry[3].resource.status").is_some(), "{e}");
    let mut b = bundle(appointment());
    b["entry"][0]["resource"]["birthDate"] = json!("2090-01-01");
    let e = read_bundle(&b, &dir()).unwrap().errors();
    assert_eq!(
        e.get("Bundle.entry[0].resource.birthDate"),
        Some(fields::DOB_FUTURE),
        "{e}"
    );
}

#[test]
fn an_unknown_location_and_a_wrong_bundle_are_refused() {
    let mut b = bundle(appointment());
    b["entry"][2]["resource"]["identifier"][0]["value"] = json!("south");
    let e = read_bundle(&b, &dir()).unwrap().errors();
    assert!(
        e.get("Bundle.entry[2].resource.identifier.value")
            .unwrap()
            .contains("Unknown location"),
        "{e}"
    );
    assert!(read_bundle(&json!({"resourceType": "Patient"}), &dir()).is_err());
    assert!(
        read_bundle(
            &json!({"resourceType": "Bundle", "type": "searchset"}),
            &dir()
        )
        .is_err()
    );
    let mut b = bundle(appointment());
    b["entry"][0]["request"]["method"] = json!("DELETE");
    let e = read_bundle(&b, &dir()).unwrap().errors();
    assert!(e.get("Bundle.entry[0].request.method").is_some(), "{e}");
}

#[test]
fn one_appointment_alone_carries_its_patient_contained() {
    let a = json!({
        "resourceType": "Appointment",
        "identifier": [{"value": "A-7"}],
        "status": "cancelled",
        "start": "2026-03-05T09:40",
        "contained": [{"resourceType": "Patient", "id": "pat", "name": [{"family": "Ruiz", "given": ["Bea"]}]}],
        "participant": [
            {"actor": {"reference": "#pat"}},
            {"actor": {"reference": "Practitioner/dr-lee"}},
            {"actor": {"type": "Location", "identifier": {"value": "main"}}}
        ]
    });
    let change = read_single_appointment(&a, &dir()).unwrap();
    assert_eq!(change.appointment.provider, "dr-lee");
    assert_eq!(change.appointment.location, "main");
    assert_eq!(change.status, ScheduleStatus::Cancelled);
    assert_eq!(target_state(change.status), VisitState::Cancelled);
    // Without offset: the location's zone (Chicago, UTC-6 in March).
    assert_eq!(
        change.appointment.scheduled_at,
        chrono::Utc.with_ymd_and_hms(2026, 3, 5, 15, 40, 0).unwrap()
    );
    let mut b = a.clone();
    b["participant"][1]["actor"]["reference"] = json!("Practitioner/dr-who");
    let e = read_single_appointment(&b, &dir()).unwrap_err();
    assert!(
        e.get("Appointment.participant[1].actor.reference")
            .is_some(),
        "{e}"
    );
}
