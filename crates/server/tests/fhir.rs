//! FHIR R4 over HTTP: a transaction of Patient, Practitioner, Location and
//! Appointment makes expected visits (all or nothing), a batch takes each
//! entry on its own, an Appointment is changed by PUT, and the day comes
//! back as Appointments and Encounters; the integration account reaches
//! nothing else.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

async fn fhir(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value, String) {
    let mut r = app.client.request(method, format!("{}{path}", app.url));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r
            .header("content-type", "application/fhir+json")
            .body(b.to_string());
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        kind,
    )
}

fn transaction(appointment_id: &str, start: Value) -> Value {
    let mut appointment = json!({
        "resourceType": "Appointment",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.1", "value": appointment_id}],
        "status": "booked",
        "start": start,
        "minutesDuration": 20,
        "appointmentType": {"coding": [{"code": "FOLLOWUP", "display": "Follow-up"}]},
        "participant": [
            {"actor": {"reference": "urn:uuid:pat-1"}, "status": "accepted"},
            {"actor": {"reference": "urn:uuid:doc-1"}, "status": "accepted"},
            {"actor": {"reference": "urn:uuid:loc-1"}, "status": "accepted"}
        ]
    });
    if start.is_null() {
        appointment.as_object_mut().unwrap().remove("start");
    }
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:pat-1", "request": {"method": "POST", "url": "Patient"},
             "resource": {"resourceType": "Patient", "name": [{"family": "Okafor", "given": ["Chidi"]}], "birthDate": "1975-06-01",
                          "telecom": [{"system": "phone", "value": "+1 555 010 2222"}]}},
            {"fullUrl": "urn:uuid:doc-1", "request": {"method": "POST", "url": "Practitioner"},
             "resource": {"resourceType": "Practitioner", "identifier": [{"value": "dr-ng"}], "name": [{"family": "Ng"}]}},
            {"fullUrl": "urn:uuid:loc-1", "request": {"method": "POST", "url": "Location"},
             "resource": {"resourceType": "Location", "identifier": [{"value": "main"}]}},
            {"fullUrl": "urn:uuid:app-1", "request": {"method": "POST", "url": "Appointment"}, "resource": appointment}
        ]
    })
}

#[tokio::test]
async fn a_transaction_makes_expected_visits_and_they_come_back_as_fhir() {
    let app = spawn_app().await;
    let feed = app.token("feed").await;
    let post = reqwest::Method::POST;

    // The CapabilityStatement needs no token.
    let (status, cap, kind) =
        fhir(&app, reqwest::Method::GET, "/fhir/r4/metadata", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/fhir+json"), "{kind}");
    assert_eq!(cap["resourceType"], "CapabilityStatement");
    assert_eq!(cap["fhirVersion"], "4.0.1");

    // A bad entry: the OperationOutcome names entry and field; nothing saved.
    let (status, outcome, _) = fhir(
        &app,
        post.clone(),
        "/fhir/r4",
        Some(&feed),
        Some(transaction("E-1", Value::Null)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{outcome}");
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    let issue = &outcome["issue"][0];
    assert_eq!(
        issue["expression"][0], "Bundle.entry[3].resource.start",
        "{outcome}"
    );
    assert_eq!(issue["code"], "required");
    assert!(matches!(
        app.state.store.appointment_visit("main", "E-1").await,
        Err(frontdesk_store::StoreError::NotFound)
    ));

    // A good one: a transaction-response, and the expected visit.
    let (status, answer, _) = fhir(
        &app,
        post.clone(),
        "/fhir/r4",
        Some(&feed),
        Some(transaction("E-1", json!("2026-03-05T16:00:00Z"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["type"], "transaction-response");
    assert_eq!(answer["entry"].as_array().unwrap().len(), 4);
    assert_eq!(
        answer["entry"][3]["response"]["status"], "201 Created",
        "{answer}"
    );
    let visit = app
        .state
        .store
        .appointment_visit("main", "E-1")
        .await
        .unwrap();
    assert_eq!(visit.state, frontdesk_domain::VisitState::Expected);
    assert_eq!(visit.provider.as_deref(), Some("dr-ng"));
    assert_eq!(
        answer["entry"][3]["response"]["location"],
        format!("Appointment/{}", visit.id)
    );

    // Sent again with a new time: the same visit moves (matched by identifier).
    let (_, again, _) = fhir(
        &app,
        post.clone(),
        "/fhir/r4",
        Some(&feed),
        Some(transaction("E-1", json!("2026-03-05T16:30:00Z"))),
    )
    .await;
    assert_eq!(again["entry"][3]["response"]["status"], "200 OK", "{again}");
    let moved = app.state.store.visit_record(visit.id).await.unwrap();
    assert_eq!(
        moved.scheduled_at.unwrap().to_rfc3339(),
        "2026-03-05T16:30:00+00:00"
    );

    // The day's appointments, with the identifier they came with; a CSV
    // appointment's too.
    let desk = app.token("desk").await;
    let csv = "appointment_id,location,provider,visit_type,scheduled_at,duration_min,given_name,family_name,date_of_birth,phone,email\n\
               C-9,main,dr-lee,,2026-03-05T17:00,15,Bea,Ruiz,,,\n";
    app.state
        .store
        .import_appointments(
            &frontdesk_domain::appointment::parse_appointments_csv(
                csv.as_bytes(),
                &|_| Some(chrono_tz::UTC),
                chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
                &mut |_| {},
            )
            .unwrap()
            .appointments,
            &frontdesk_store::Actor::system(),
            start_time(),
        )
        .await
        .unwrap();
    let (status, found, _) = fhir(
        &app,
        reqwest::Method::GET,
        "/fhir/r4/Appointment?date=2026-03-05&location=main",
        Some(&feed),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["type"], "searchset");
    let entries = found["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{found}");
    let ehr = &entries[0]["resource"];
    assert_eq!(ehr["identifier"][0]["value"], "E-1");
    assert_eq!(
        ehr["identifier"][0]["system"],
        "urn:oid:2.16.840.1.113883.3.1"
    );
    assert_eq!(ehr["status"], "booked");
    assert_eq!(ehr["start"], "2026-03-05T16:30:00Z");
    assert_eq!(ehr["end"], "2026-03-05T16:50:00Z");
    assert_eq!(entries[1]["resource"]["identifier"][0]["value"], "C-9");
    // Without a date: today at the location (the test clock's day).
    let (_, today, _) = fhir(
        &app,
        reqwest::Method::GET,
        "/fhir/r4/Appointment",
        Some(&feed),
        None,
    )
    .await;
    assert_eq!(today["total"], 2, "{today}");
    assert!(
        today["link"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("date=2026-03-05"),
        "{today}"
    );

    // Checked in at the desk: the Encounter says arrived, with the
    // acknowledgement clock and the wait promise as extensions.
    let (status, checked, _) = {
        let (s, b) = app
            .post(
                "/api/v1/visits",
                Some(&desk),
                json!({"given_name": "Chidi", "family_name": "Okafor", "appointment_id": "E-1"}),
            )
            .await;
        (s, b, ())
    };
    assert_eq!(status, StatusCode::CREATED, "{checked}");
    let (status, encounters, _) = fhir(
        &app,
        reqwest::Method::GET,
        "/fhir/r4/Encounter?date=2026-03-05",
        Some(&feed),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{encounters}");
    let e = encounters["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["id"].as_str() == Some(visit.id.to_string().as_str()))
        .unwrap();
    assert_eq!(e["status"], "arrived", "{e}");
    assert_eq!(e["period"]["start"], "2026-03-05T14:00:00Z");
    assert_eq!(
        e["participant"][0]["individual"]["identifier"]["value"],
        "dr-ng"
    );
    let urls: Vec<&str> = e["extension"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "urn:frontdesk:fhir:acknowledgement",
            "urn:frontdesk:fhir:wait-promise"
        ],
        "{e}"
    );

    // Reads and changes are in the audit log under the account's name.
    let log = app.state.store.audit_log(50).await.unwrap();
    for action in [
        "appointment.create",
        "appointment.update",
        "fhir.appointment.search",
        "fhir.encounter.search",
    ] {
        assert!(
            log.iter().any(|r| r.action == action && r.actor == "feed"),
            "{action}"
        );
    }
}

#[tokio::test]
async fn put_changes_an_appointment_and_a_batch_takes_each_entry_alone() {
    let app = spawn_app().await;
    let feed = app.token("feed").await;
    let (_, answer, _) = fhir(
        &app,
        reqwest::Method::POST,
        "/fhir/r4",
        Some(&feed),
        Some(transaction("P-1", json!("2026-03-05T16:00:00Z"))),
    )
    .await;
    let id = answer["entry"][3]["response"]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let (_, found, _) = fhir(
        &app,
        reqwest::Method::GET,
        "/fhir/r4/Appointment?date=2026-03-05",
        Some(&feed),
        None,
    )
    .await;
    let mut read = found["entry"][0]["resource"].clone();
    // Sent back as it was read, cancelled: the contained patient goes with it.
    read["status"] = json!("cancelled");
    let (status, put, _) = fhir(
        &app,
        reqwest::Method::PUT,
        &format!("/fhir/r4/Appointment/{id}"),
        Some(&feed),
        Some(read.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["status"], "cancelled");
    let v = app
        .state
        .store
        .visit_record(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(v.state, frontdesk_domain::VisitState::Cancelled);
    // Another appointment's id, or none held: not found.
    let (status, _, _) = fhir(
        &app,
        reqwest::Method::PUT,
        "/fhir/r4/Appointment/999",
        Some(&feed),
        Some(read.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A batch: the good entry is applied, the bad one answered on its own.
    let mut batch = transaction("B-1", json!("2026-03-05T18:00:00Z"));
    batch["type"] = json!("batch");
    let mut bad = batch["entry"][3].clone();
    bad["resource"]["identifier"][0]["value"] = json!("B-2");
    bad["resource"]["start"] = json!("half past nine");
    batch["entry"].as_array_mut().unwrap().push(bad);
    let (status, answer, _) = fhir(
        &app,
        reqwest::Method::POST,
        "/fhir/r4",
        Some(&feed),
        Some(batch),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["type"], "batch-response");
    assert_eq!(
        answer["entry"][3]["response"]["status"], "201 Created",
        "{answer}"
    );
    assert_eq!(
        answer["entry"][4]["response"]["status"], "422 Unprocessable Entity",
        "{answer}"
    );
    assert_eq!(
        answer["entry"][4]["response"]["outcome"]["issue"][0]["expression"][0],
        "Bundle.entry[4].resource.start"
    );
    assert!(
        app.state
            .store
            .appointment_visit("main", "B-1")
            .await
            .is_ok()
    );
    assert!(
        app.state
            .store
            .appointment_visit("main", "B-2")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn only_integration_accounts_and_admins_use_the_door_and_nothing_else() {
    let app = spawn_app().await;
    let feed = app.token("feed").await;
    let desk = app.token("desk").await;
    let (status, outcome, _) =
        fhir(&app, reqwest::Method::GET, "/fhir/r4/Encounter", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    let (status, _, _) = fhir(
        &app,
        reqwest::Method::GET,
        "/fhir/r4/Encounter",
        Some(&desk),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The integration account reaches no staff API and no page.
    let (status, _) = app.get("/api/v1/lobby?location=main", Some(&feed)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body, _) = fhir(
        &app,
        reqwest::Method::POST,
        "/fhir/r4",
        Some(&feed),
        Some(json!([1, 2])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body, _) = fhir(
        &app,
        reqwest::Method::GET,
        "/fhir/r4/Appointment?date=yesterday",
        Some(&feed),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
