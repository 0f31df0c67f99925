//! Promises over the API: every arrival's honest wait promise, kept or
//! broken and re-quoted before it breaks; the ledger's due times from
//! history; a location's own quote percentile.

mod support;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use support::*;

#[tokio::test]
async fn every_arrival_gets_an_honest_wait_promise_kept_or_broken() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let visit = app.check_in(&token, "Ana").await;
    let id = visit["id"].as_i64().unwrap();
    let (_, body) = app.get(&format!("/api/v1/visits/{id}"), Some(&token)).await;
    let promise = &body["promise"];
    assert_eq!(promise["kind"], "seen_by");
    assert_eq!(promise["status"], "open");
    let due = chrono::DateTime::parse_from_rfc3339(promise["due_at"].as_str().unwrap()).unwrap();
    assert!(
        due.timestamp() > start_time().timestamp(),
        "never a promise in the past"
    );
    assert_eq!(due.timestamp() % 300, 0, "rounded up to 5 minutes");
    assert!(
        promise["reason"]
            .as_str()
            .unwrap()
            .contains("typical visit lengths"),
        "a cold start says so"
    );
    assert_eq!(
        app.lobby(&token).await[0]["promise"]["due_at"],
        promise["due_at"]
    );

    // Seen in time: kept.
    app.clock.advance(Duration::minutes(3));
    app.post(
        &format!("/api/v1/visits/{id}/transitions"),
        Some(&token),
        json!({"to": "with_provider"}),
    )
    .await;
    let (_, body) = app.get(&format!("/api/v1/visits/{id}"), Some(&token)).await;
    assert_eq!(body["promise"]["status"], "kept");

    // A second patient waits on and on: re-quoted before the promise breaks.
    let second = app.check_in(&token, "Bea").await["id"].as_i64().unwrap();
    let (_, body) = app
        .get(&format!("/api/v1/visits/{second}"), Some(&token))
        .await;
    let first_due = body["promise"]["due_at"].as_str().unwrap().to_string();
    let mut requoted = Vec::new();
    for _ in 0..12 {
        app.clock.advance(Duration::minutes(5));
        requoted.extend(
            frontdesk_server::app::promises::check_promises(&app.state)
                .await
                .unwrap(),
        );
        let (_, body) = app
            .get(&format!("/api/v1/visits/{second}"), Some(&token))
            .await;
        let due = body["promise"]["due_at"].as_str().unwrap();
        if due != first_due {
            let now = app
                .state
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            assert!(
                first_due.as_str() > now.as_str(),
                "re-quoted before {first_due}, not after (now {now})"
            );
            break;
        }
    }
    assert!(!requoted.is_empty(), "the promise was re-quoted");
    assert_eq!(requoted[0].name, "promise_at_risk");
    let (_, body) = app
        .get(&format!("/api/v1/visits/{second}"), Some(&token))
        .await;
    assert_eq!(body["promise"]["at_risk"], true);
    assert!(
        body["promise"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("We are running behind, sorry.")
    );
    let kinds: Vec<&str> = body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"requoted"), "{kinds:?}");
    // Leaving withdraws the promise: neither kept nor broken.
    app.post(
        &format!("/api/v1/visits/{second}/transitions"),
        Some(&token),
        json!({"to": "left_without_being_seen"}),
    )
    .await;
    let (_, body) = app
        .get(&format!("/api/v1/visits/{second}"), Some(&token))
        .await;
    assert_eq!(body["promise"]["status"], "withdrawn");
}

#[tokio::test]
async fn the_promise_ledger_suggests_honest_due_times() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (status, body) = app
        .post("/api/v1/promises", Some(&token), json!({"kind": "refill"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "open");
    assert_eq!(
        body["due_at"], body["suggested_due_at"],
        "the suggestion when no due time is given"
    );
    assert!(body.get("warning").is_none());
    let id = body["id"].as_i64().unwrap();

    // Two hours for a refill is more than history supports.
    let due =
        (start_time() + Duration::hours(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, body) = app
        .post(
            "/api/v1/promises",
            Some(&token),
            json!({"kind": "refill", "due_at": due, "note": "Lisinopril"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        body["warning"]
            .as_str()
            .unwrap()
            .starts_with("A big promise: only"),
        "{body}"
    );

    let (status, err) = app
        .post(
            "/api/v1/promises",
            Some(&token),
            json!({"kind": "miracle", "due_at": "tomorrow"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["error"]["fields"]["kind"].is_string());
    assert!(err["error"]["fields"]["due_at"].is_string());
    let (status, err) = app
        .post(
            "/api/v1/promises",
            Some(&token),
            json!({"kind": "callback", "visit_id": 4242}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["visit_id"], "No visit with this id");

    let (_, list) = app.get("/api/v1/promises", Some(&token)).await;
    assert_eq!(list["promises"].as_array().unwrap().len(), 2);
    let (status, done) = app
        .post(
            &format!("/api/v1/promises/{id}/fulfil"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done["status"], "kept");
    assert_eq!(done["fulfilled_by"], "desk");
    let (status, again) = app
        .post(
            &format!("/api/v1/promises/{id}/fulfil"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&again), "invalid_transition");
    assert_eq!(
        app.post("/api/v1/promises/999/fulfil", Some(&token), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_location_can_quote_at_its_own_percentile() {
    let app = spawn_app().await;
    let boss = app.token("boss").await;
    let desk = app.token("desk").await;
    let suggest = |token: String| {
        let app = &app;
        async move {
            let (status, body) = app
                .post("/api/v1/promises", Some(&token), json!({"kind": "refill"}))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["suggested_due_at"].as_str().unwrap().to_string()
        }
    };
    let (_, body) = app.get("/api/v1/settings/quotes", Some(&desk)).await;
    assert_eq!(body["quantile"], 0.9);
    let at_90 = suggest(desk.clone()).await;

    let (status, _) = app
        .put("/api/v1/settings/quotes", &desk, json!({"quantile": 0.6}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "managers only");
    let (status, body) = app
        .put("/api/v1/settings/quotes", &boss, json!({"quantile": 1.2}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["quantile"].is_string());
    let (status, body) = app
        .put("/api/v1/settings/quotes", &boss, json!({"quantile": 0.6}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["quantile"], 0.6);
    let at_60 = suggest(desk.clone()).await;
    assert!(
        at_60 < at_90,
        "a lower percentile promises sooner: {at_60} vs {at_90}"
    );

    let (status, body) = app
        .put("/api/v1/settings/quotes", &boss, json!({"quantile": null}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["quantile"], 0.9, "back to the default");
    let cookie = sign_in(&app, "boss").await;
    let (_, html) = page(&app, &cookie, "/settings").await;
    let resp = form(
        &app,
        &cookie,
        "/settings/quotes",
        &[("csrf", &csrf_in(&html)), ("percent", "120")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("from 50 to 99"));
    let resp = form(
        &app,
        &cookie,
        "/settings/quotes",
        &[("csrf", &csrf_in(&html)), ("percent", "80")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, body) = app.get("/api/v1/settings/quotes", Some(&boss)).await;
    assert_eq!(body["quantile"], 0.8);
}

#[tokio::test]
async fn promises_are_listed_per_owner_reminded_before_due_and_recorded_kept() {
    let app = spawn_app().await;
    let boss = app.token("boss").await;
    let due = |h: i64| (start_time() + Duration::hours(h)).to_rfc3339();
    let (_, mine) = app
        .post(
            "/api/v1/promises",
            Some(&boss),
            json!({"kind": "callback", "owner": "desk", "due_at": due(2), "note": "call about results"}),
        )
        .await;
    app.post(
        "/api/v1/promises",
        Some(&boss),
        json!({"kind": "form", "owner": "doc", "due_at": due(72)}),
    )
    .await;
    let desk = app.token("desk").await;
    let (_, list) = app.get("/api/v1/promises?owner=me", Some(&desk)).await;
    let listed = list["promises"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["owner"], "desk");
    assert_eq!(listed[0]["due"], "later");
    assert_eq!(
        listed[0]["remind_at"], "2026-03-05T15:30:00Z",
        "a quarter of 2 hours before"
    );

    app.clock.advance(Duration::minutes(95));
    let events = frontdesk_server::app::promises::check_promises(&app.state)
        .await
        .unwrap();
    let reminders: Vec<_> = events
        .iter()
        .filter(|e| e.name == "promise_due_soon")
        .collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].extra["owner"], "desk");
    let again = frontdesk_server::app::promises::check_promises(&app.state)
        .await
        .unwrap();
    assert!(
        again.iter().all(|e| e.name != "promise_due_soon"),
        "reminded once"
    );

    let desk = app.token("desk").await;
    let (status, _) = app
        .post(
            &format!("/api/v1/promises/{}/fulfil", mine["id"]),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let cookie = sign_in(&app, "desk").await;
    let (_, html) = page(&app, &cookie, "/promises?owner=me").await;
    assert!(html.contains("Showing your promises"));
    assert!(
        !html.contains(">form<"),
        "the clinician's promise is not in 'mine'"
    );
    assert!(
        html.contains("Kept") && html.contains("1 of 1 kept on time"),
        "{html}"
    );
    let (_, all) = page(&app, &cookie, "/promises").await;
    assert!(all.contains(">doc") && all.contains("form"));
}

/// A promise names its patient through a visit: a bare `patient_id` could be
/// anyone's, at any location (and one that does not exist was a 500).
#[tokio::test]
async fn a_promise_finds_its_patient_through_the_visit() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    for patient in [0, 1, 999_999] {
        let (status, body) = app
            .post(
                "/api/v1/promises",
                Some(&desk),
                json!({"kind": "callback", "patient_id": patient}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["fields"]["patient_id"].is_string(), "{body}");
    }
    let (_, list) = app.get("/api/v1/promises", Some(&desk)).await;
    assert_eq!(list["promises"].as_array().map(Vec::len), Some(0), "{list}");
    let visit = app.check_in(&desk, "Ada").await;
    let (status, body) = app
        .post(
            "/api/v1/promises",
            Some(&desk),
            json!({"kind": "callback", "visit_id": visit["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["visit_id"], visit["id"], "{body}");
    assert!(body["patient_id"].as_i64().is_some(), "{body}");
}
