//! The JSON API against the real app on port 0.

mod support;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use support::*;

#[tokio::test]
async fn health_is_public() {
    let app = spawn_app().await;
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["openapi"], "3.1.0");
    assert!(body["paths"]["/visits"].is_object());
}

#[tokio::test]
async fn sign_in_errors_are_clear() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "desk", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");
    let (status, body) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "", "password": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["username"],
        "Required field missing"
    );
    assert_eq!(
        body["error"]["fields"]["password"],
        "Required field missing"
    );
    let (status, body) = app
        .post_raw("/api/v1/sessions", None, "{not json".into())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_request");
}

#[tokio::test]
async fn repeated_wrong_passwords_are_rate_limited() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (status, _) = app
            .post(
                "/api/v1/sessions",
                None,
                json!({"username": "desk", "password": "not the password"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "desk", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "too_many_requests");
    app.clock.advance(Duration::minutes(16));
    let (status, _) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "desk", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_new_account_is_kept_in_lowercase_and_a_malformed_name_fails_like_a_wrong_password() {
    let app = spawn_app().await;
    let admin = app.token("root").await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"username": " Maria ", "role": "front_desk", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body,
        json!({"username": "maria", "role": "front_desk", "locations": []})
    );
    for typed in ["maria", "Maria", "MARIA"] {
        let (status, body) = app
            .post(
                "/api/v1/sessions",
                None,
                json!({"username": typed, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{typed}: {body}");
        assert_eq!(body["user"]["username"], "maria");
    }
    let (status, body) = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"username": "maria lopez", "role": "front_desk", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["username"],
        "Use only the letters a to z, digits, dots, dashes and underscores"
    );
    let wrong_password = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "maria", "password": "not the password"}),
        )
        .await;
    let malformed_name = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "maria lopez", "password": PASSWORD}),
        )
        .await;
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(malformed_name, wrong_password);
}

#[tokio::test]
async fn everything_else_needs_a_valid_token() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/lobby",
        "/api/v1/visits/1",
        "/api/v1/events",
        "/api/v1/providers",
    ] {
        let (status, body) = app.get(path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_code(&body), "unauthenticated");
        let (status, _) = app.get(path, Some("made-up-token")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, _) = app
        .post(
            "/api/v1/visits",
            None,
            json!({"given_name": "Ana", "family_name": "M"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_end_when_idle_and_on_sign_out() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.get("/api/v1/lobby", Some(&token)).await.0,
        StatusCode::OK
    );
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.get("/api/v1/lobby", Some(&token)).await.0,
        StatusCode::OK,
        "activity keeps the session"
    );
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        app.get("/api/v1/lobby", Some(&token)).await.0,
        StatusCode::UNAUTHORIZED,
        "idle logoff"
    );

    let token = app.token("desk").await;
    let resp = app
        .client
        .delete(format!("{}/api/v1/sessions", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/lobby", Some(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_arrival_runs_the_acknowledgement_clock() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let visit = app.check_in(&token, "Ana").await;
    assert_eq!(visit["state"], "waiting");
    assert_eq!(visit["arrived_at"], "2026-03-05T14:00:00Z");
    assert_eq!(visit["ack_due_at"], "2026-03-05T14:02:00Z");
    assert_eq!(visit["ack_status"], "on_time");
    assert_eq!(visit["last_acknowledged_at"], serde_json::Value::Null);
    let id = visit["id"].as_i64().unwrap();

    app.clock.advance(Duration::seconds(90));
    assert_eq!(app.lobby(&token).await[0]["ack_status"], "due_soon");
    app.clock.advance(Duration::seconds(30));
    assert_eq!(app.lobby(&token).await[0]["ack_status"], "overdue");
    app.clock.advance(Duration::minutes(5));
    assert_eq!(app.lobby(&token).await[0]["ack_status"], "escalated");

    let (status, acked) = app
        .post(
            &format!("/api/v1/visits/{id}/acknowledgements"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acked}");
    assert_eq!(acked["acknowledged_by"], "desk");
    assert_eq!(acked["last_acknowledged_at"], "2026-03-05T14:07:00Z");
    assert_eq!(acked["ack_due_at"], "2026-03-05T14:22:00Z");
    let lobby = app.lobby(&token).await;
    assert_eq!(lobby[0]["ack_status"], "on_time");
    assert_eq!(lobby[0]["acknowledged_by"], "desk");

    // With the provider, no clock runs.
    let (status, moved) = app
        .post(
            &format!("/api/v1/visits/{id}/transitions"),
            Some(&token),
            json!({"to": "with_provider"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["ack_status"], serde_json::Value::Null);
    assert_eq!(moved["ack_due_at"], serde_json::Value::Null);
}

#[tokio::test]
async fn transitions_follow_the_rules() {
    let app = spawn_app().await;
    let token = app.token("doc").await;
    let id = app.check_in(&token, "Ana").await["id"].as_i64().unwrap();
    let path = format!("/api/v1/visits/{id}/transitions");
    let (status, body) = app
        .post(&path, Some(&token), json!({"to": "checkout"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "invalid_transition");
    let (status, body) = app
        .post(&path, Some(&token), json!({"to": "teleported"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["to"]
            .as_str()
            .unwrap()
            .starts_with("Unknown state")
    );
    let (status, body) = app.post(&path, Some(&token), json!({"to": 5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["to"].is_string());
    let (status, body) = app.post(&path, Some(&token), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["to"], "Required field missing");
    for to in ["roomed", "with_provider", "checkout", "done"] {
        let (status, body) = app.post(&path, Some(&token), json!({"to": to})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], to);
    }
    let (status, _) = app
        .post(
            &format!("/api/v1/visits/{id}/acknowledgements"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let kinds = app.timeline_kinds(&token, id).await;
    assert_eq!(
        kinds,
        [
            "arrived",
            "promised",
            "transitioned",
            "transitioned",
            "promise_settled",
            "transitioned",
            "transitioned"
        ]
    );
    assert!(app.lobby(&token).await.is_empty());
}

#[tokio::test]
async fn bad_check_ins_name_each_field_and_save_nothing() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"given_name": " ", "family_name": "Moreno", "date_of_birth": "2099-01-01", "email": "ana@", "provider": "dr-lee"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "invalid_fields");
    let fields = &body["error"]["fields"];
    assert_eq!(fields["given_name"], "Required field missing");
    assert_eq!(fields["date_of_birth"], "Date of birth is in the future");
    assert_eq!(fields["email"], "Email address invalid");

    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"given_name": "Ana", "family_name": "Moreno", "provider": "dr-who"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["provider"], "Unknown provider");
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"given_name": "Ana", "family_name": "Moreno", "location": "mars"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["location"], "Unknown location");
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"given_name": ["Ana"], "family_name": "Moreno"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["given_name"].is_string(), "{body}");
    for raw in ["", "[]", "null", "{\"given_name\": \"Ana\"", "\u{0}"] {
        let (status, body) = app
            .post_raw("/api/v1/visits", Some(&token), raw.to_string())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw:?}");
        assert_eq!(error_code(&body), "bad_request");
    }
    assert!(app.lobby(&token).await.is_empty());
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    for path in [
        "/api/v1/visits/999",
        "/api/v1/visits/abc",
        "/api/v1/visits/-1",
        "/api/v1/nothing-here",
    ] {
        let (status, body) = app.get(path, Some(&token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(&body), "not_found");
    }
    let (status, _) = app
        .post(
            "/api/v1/visits/999/acknowledgements",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_appointment_is_checked_in_by_its_id() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let appointment = frontdesk_domain::appointment::Appointment {
        appointment_id: "A-7".into(),
        location: "main".into(),
        provider: "dr-lee".into(),
        visit_type: None,
        scheduled_at: start_time() + Duration::minutes(30),
        duration_min: Some(20),
        patient: frontdesk_domain::patient::NewPatient {
            given_name: "Bea".into(),
            family_name: "Ruiz".into(),
            preferred_name: None,
            date_of_birth: None,
            phone: None,
            email: None,
        },
    };
    app.state
        .store
        .import_appointments(
            &[appointment],
            &frontdesk_store::Actor::system(),
            start_time(),
        )
        .await
        .unwrap();
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"appointment_id": "A-7"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "waiting");
    assert_eq!(body["given_name"], "Bea");
    assert_eq!(body["provider"], "dr-lee");
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"appointment_id": "A-7"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "invalid_transition");
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"appointment_id": "A-404"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["appointment_id"].is_string());
}

#[tokio::test]
async fn only_managers_change_settings() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let boss = app.token("boss").await;
    let body = json!({"first_within": "90s", "recheck_every": "10m", "escalate_after": "3m"});
    let (status, err) = app
        .put("/api/v1/settings/acknowledgement", &desk, body.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&err), "forbidden");
    let (status, saved) = app
        .put("/api/v1/settings/acknowledgement", &boss, body)
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["first_within"], "1m30s");
    let (status, err) = app
        .put(
            "/api/v1/settings/acknowledgement",
            &boss,
            json!({"first_within": "soon", "recheck_every": "", "escalate_after": "5m"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["error"]["fields"]["first_within"]
            .as_str()
            .unwrap()
            .contains("90s")
    );
    assert_eq!(
        err["error"]["fields"]["recheck_every"],
        "Required field missing"
    );

    // The new policy applies to the next arrival.
    let visit = app.check_in(&desk, "Ana").await;
    assert_eq!(visit["ack_due_at"], "2026-03-05T14:01:30Z");
    let (status, _) = app
        .post(
            "/api/v1/providers",
            Some(&desk),
            json!({"id": "dr-new", "name": "Dr. New"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            "/api/v1/providers",
            Some(&boss),
            json!({"id": "dr-new", "name": "Dr. New"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn every_read_and_change_of_patient_data_is_audited() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let id = app.check_in(&token, "Ana").await["id"].as_i64().unwrap();
    app.lobby(&token).await;
    app.get(&format!("/api/v1/visits/{id}"), Some(&token)).await;
    app.post(
        &format!("/api/v1/visits/{id}/acknowledgements"),
        Some(&token),
        json!({}),
    )
    .await;
    let log = app.state.store.audit_log(50).await.unwrap();
    // (The test setup's own rows, such as its provider, are the system's;
    // boss and root set up their second factors an hour before the start.)
    let actions: Vec<(&str, &str)> = log
        .iter()
        .rev()
        .filter(|e| e.actor != "system" && e.at >= support::start_time())
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("desk", "visit.check_in"),
            ("desk", "lobby.read"),
            ("desk", "visit.read"),
            ("desk", "visit.acknowledge")
        ]
    );
}

/// Read server-sent events until `want` names have been seen (or time runs out).
async fn read_events(resp: reqwest::Response, want: usize) -> Vec<(String, serde_json::Value)> {
    use futures_util::StreamExt;
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while events.len() < want {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time")
            .unwrap_or_else(|| panic!("stream ended after {events:?} with {buf:?}"))
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let name = block
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(|s| s.trim().to_string());
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(|s| s.trim().to_string());
            if let (Some(name), Some(data)) = (name, data)
                && name != "ready"
            {
                events.push((name, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    events
}

#[tokio::test]
async fn the_event_stream_carries_arrivals_acknowledgements_moves_and_alerts() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let resp = app
        .client
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let reader = tokio::spawn(read_events(resp, 6));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let id = app.check_in(&token, "Ana").await["id"].as_i64().unwrap();
    app.clock.advance(Duration::minutes(3));
    let raised = frontdesk_server::app::watch::check_clocks(&app.state)
        .await
        .unwrap();
    assert_eq!(raised.len(), 1);
    // Checking again raises nothing new.
    assert!(
        frontdesk_server::app::watch::check_clocks(&app.state)
            .await
            .unwrap()
            .is_empty()
    );
    app.clock.advance(Duration::minutes(5));
    frontdesk_server::app::watch::check_clocks(&app.state)
        .await
        .unwrap();
    app.post(
        &format!("/api/v1/visits/{id}/acknowledgements"),
        Some(&token),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/visits/{id}/transitions"),
        Some(&token),
        json!({"to": "roomed"}),
    )
    .await;
    // After the acknowledgement the clock restarted; 16 minutes later it is overdue again.
    app.clock.advance(Duration::minutes(16));
    frontdesk_server::app::watch::check_clocks(&app.state)
        .await
        .unwrap();

    let events = reader.await.unwrap();
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "arrived",
            "ack_overdue",
            "ack_escalated",
            "acknowledged",
            "transitioned",
            "ack_overdue"
        ]
    );
    for (_, data) in &events {
        assert_eq!(data["visit_id"], id);
        assert!(data["at"].is_string());
    }
    assert_eq!(events[1].1["name"], "Ana M.");
    assert_eq!(events[3].1["by"], "desk");
    // Sixteen quiet minutes signed the first session out.
    let token = app.token("desk").await;
    let kinds = app.timeline_kinds(&token, id).await;
    assert_eq!(
        kinds,
        [
            "arrived",
            "promised",
            "ack_overdue",
            "ack_escalated",
            "acknowledged",
            "transitioned",
            "ack_overdue"
        ]
    );
}

#[tokio::test]
async fn environment_overrides_win_over_stored_settings() {
    let config = frontdesk_server::ServerConfig {
        ack_override: frontdesk_server::AckOverride {
            first_within: Some(Duration::seconds(30)),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = spawn_app_with(config, false).await;
    let token = app.token("boss").await;
    let visit = app.check_in(&token, "Ana").await;
    assert_eq!(visit["ack_due_at"], "2026-03-05T14:00:30Z");
    let (_, settings) = app
        .get("/api/v1/settings/acknowledgement", Some(&token))
        .await;
    assert_eq!(settings["first_within"], "30s");
    assert_eq!(settings["stored"]["first_within"], "2m");
    assert_eq!(settings["overridden_by_environment"]["first_within"], true);
}

#[tokio::test]
async fn guesses_sent_all_at_once_still_meet_the_login_limit() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (client, url) = (app.client.clone(), app.url.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{url}/api/v1/sessions"))
                .json(&json!({"username": "desk", "password": format!("guess number {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert!(checked <= 5, "{checked} passwords were checked");
    // Usernames are case-insensitive, for the limit and for sign-in.
    let (status, _) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "DESK", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, body) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "Doc", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn odd_requests_get_the_error_shape_not_a_crash() {
    let app = spawn_app().await;
    let boss = app.token("boss").await;
    let (status, body) = app
        .put("/api/v1/settings/acknowledgement", &boss, json!({"first_within": "9999999999999999", "recheck_every": "15m", "escalate_after": "-9999999999999999"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["first_within"],
        "Duration must be at most 24 hours"
    );
    assert_eq!(
        body["error"]["fields"]["escalate_after"],
        "Duration must be more than zero"
    );
    let (status, body) = app
        .get("/api/v1/lobby?location=a&location=b", Some(&boss))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_request");
    let (status, body) = app.get("/api/v1/visits/%FF", Some(&boss)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    let resp = app
        .client
        .delete(format!("{}/api/v1/visits/1", app.url))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "method_not_allowed");
    let (status, body) = app
        .post_raw(
            "/api/v1/visits",
            Some(&boss),
            format!("{{\"given_name\": \"{}\"}}", "x".repeat(3_000_000)),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "bad_request");
    let (status, body) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "desk", "password": "not it at all"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "Username or password is wrong");
}

#[tokio::test]
async fn an_event_stream_ends_with_its_session() {
    let config = frontdesk_server::ServerConfig {
        stream_recheck: std::time::Duration::from_millis(100),
        ..Default::default()
    };
    let app = spawn_app_with(config, false).await;
    let token = app.token("desk").await;
    let resp = app
        .client
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let signed_out = app
        .client
        .delete(format!("{}/api/v1/sessions", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    let body = tokio::time::timeout(std::time::Duration::from_secs(5), resp.text()).await;
    assert!(body.is_ok(), "the stream closed after sign-out");
}

#[tokio::test]
async fn a_restarted_server_does_not_raise_the_same_alerts_again() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    app.check_in(&token, "Ana").await;
    app.clock.advance(Duration::minutes(8));
    let raised = frontdesk_server::app::watch::check_clocks(&app.state)
        .await
        .unwrap();
    assert_eq!(raised.len(), 2, "overdue and escalated");
    // A new server on the same database (as after a restart).
    let restarted = frontdesk_server::AppState::new(
        app.state.store.clone(),
        app.clock.clone(),
        Default::default(),
    );
    assert!(
        frontdesk_server::app::watch::check_clocks(&restarted)
            .await
            .unwrap()
            .is_empty()
    );
    // But a new overdue clock after an acknowledgement is still raised.
    let id = app.lobby(&token).await[0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/visits/{id}/acknowledgements"),
        Some(&token),
        json!({}),
    )
    .await;
    app.clock.advance(Duration::minutes(16));
    let again = frontdesk_server::app::watch::check_clocks(&restarted)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].name, "ack_overdue");
}

#[tokio::test]
async fn the_tone_coach_checks_replies_and_incoming_messages() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (status, body) = app
        .post(
            "/api/v1/tone",
            Some(&token),
            json!({"text": "Calm down, there is nothing we can do.", "direction": "reply"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verdict"], "revise");
    let kinds: Vec<&str> = body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"argumentative"), "{kinds:?}");
    let first = &body["flags"][0];
    assert!(first["why"].is_string() && first["suggestion"].is_string());
    assert_eq!(
        (first["start"].as_u64(), first["end"].as_u64()),
        (Some(0), Some(9)),
        "the span covers \"Calm down\""
    );
    let (_, ok) = app
        .post(
            "/api/v1/tone",
            Some(&token),
            json!({"text": "I'm sorry about the wait; refills usually take 1 to 2 business days."}),
        )
        .await;
    assert_eq!(ok["verdict"], "ok", "{ok}");
    let (_, upset) = app
        .post("/api/v1/tone", Some(&token), json!({"text": "This is RIDICULOUS, I have waited 2 hours!!!", "direction": "incoming"}))
        .await;
    assert_eq!(upset["upset"], true);
    let (status, err) = app
        .post(
            "/api/v1/tone",
            Some(&token),
            json!({"text": " ", "direction": "sideways"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["text"], "Required field missing");
    assert!(err["error"]["fields"]["direction"].is_string());
    assert_eq!(
        app.post("/api/v1/tone", None, json!({"text": "hi"}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}
