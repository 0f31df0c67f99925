//! Frontdesk checked by outside implementations (PyPI), not only its own
//! parsers: `tests/interop/check_fhir.py` validates every FHIR resource the
//! server returns with the `fhir.resources` R4 models and posts transactions
//! built with them; `tests/interop/check_hl7.py` sends SIU messages with the
//! `hl7` package's MLLP client and reads the ACKs. The packages are pinned in
//! `tests/interop/requirements.txt` (`.ci/run` installs them in a virtual
//! environment and names its Python in `FRONTDESK_INTEROP_PYTHON`; default
//! `python3`). Without them the tests print `SKIPPED …`; under `CI=true` they
//! fail instead.

mod support;

use serde_json::json;
use std::path::PathBuf;
use support::*;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name)
}

/// The Python with the outside packages, or `None` (skip) outside CI.
async fn python(module: &str) -> Option<String> {
    let python = std::env::var("FRONTDESK_INTEROP_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = tokio::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let why = format!(
        "{python} cannot import {module}: pip install -r crates/server/tests/interop/requirements.txt \
         (or set FRONTDESK_INTEROP_PYTHON)"
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("under CI=true the interop checks must run, but {why}");
    }
    eprintln!("SKIPPED interop check: {why}");
    None
}

async fn run(python: &str, args: &[&str]) -> String {
    let out = tokio::process::Command::new(python)
        .args(args)
        .output()
        .await
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "{} failed:\n{text}", args[0]);
    text
}

#[tokio::test]
async fn fhir_resources_validates_everything_frontdesk_returns() {
    let Some(python) = python("fhir.resources").await else {
        return;
    };
    let app = spawn_app().await;
    let feed = app.token("feed").await;
    let desk = app.token("desk").await;
    // An appointment from the EHR, checked in at the desk (an arrived
    // Encounter with its figures), and a walk-in.
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "name": [{"family": "Moreno", "given": ["Ana"]}]}},
        {"fullUrl": "urn:uuid:a", "resource": {"resourceType": "Appointment", "identifier": [{"value": "RS-1"}],
            "status": "booked", "start": "2026-03-05T14:30:00Z", "minutesDuration": 15,
            "participant": [{"actor": {"reference": "urn:uuid:p"}, "status": "accepted"},
                            {"actor": {"reference": "Practitioner/dr-lee"}, "status": "accepted"}]}}
    ]});
    let resp = app
        .client
        .post(format!("{}/fhir/r4", app.url))
        .bearer_auth(&feed)
        .header("content-type", "application/fhir+json")
        .body(bundle.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&desk),
            json!({"given_name": "Ana", "family_name": "Moreno", "appointment_id": "RS-1"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    app.check_in(&desk, "Walk").await;

    let base = format!("{}/fhir/r4", app.url);
    let out = run(
        &python,
        &[
            script("check_fhir.py").to_str().unwrap(),
            &base,
            &feed,
            "2026-03-05",
        ],
    )
    .await;
    assert!(out.contains("validated "), "{out}");
    // What the script made is really there.
    let made = app
        .state
        .store
        .appointment_visit("main", "PY-2")
        .await
        .unwrap();
    assert_eq!(made.provider.as_deref(), Some("dr-ng"));
}

#[tokio::test]
async fn the_hl7_packages_mllp_client_gets_the_acks_it_expects() {
    let Some(python) = python("hl7").await else {
        return;
    };
    let app = spawn_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(frontdesk_server::serve_hl7(listener, app.state.clone()));
    run(
        &python,
        &[
            script("check_hl7.py").to_str().unwrap(),
            &addr.ip().to_string(),
            &addr.port().to_string(),
        ],
    )
    .await;
    let v = app
        .state
        .store
        .appointment_visit("main", "PY-HL7-1")
        .await
        .unwrap();
    assert_eq!(v.state, frontdesk_domain::VisitState::Cancelled);
    assert!(
        app.state
            .store
            .appointment_visit("main", "PY-HL7-2")
            .await
            .is_err()
    );
}
