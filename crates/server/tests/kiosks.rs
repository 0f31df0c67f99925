//! Kiosks are paired, not open: only a tablet a manager paired checks
//! patients in, a pairing link works once and for 15 minutes, revoking a
//! kiosk ends its tablet's next request, and a burst of check-ins slows the
//! kiosk down and tells the boards.

mod support;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use support::*;

async fn add_kiosk(app: &TestApp, token: &str, location: &str) -> (StatusCode, serde_json::Value) {
    app.post(
        "/api/v1/kiosks",
        Some(token),
        json!({"name": "Waiting room", "location": location}),
    )
    .await
}

fn path_of(url: &serde_json::Value) -> String {
    let url = url.as_str().unwrap();
    url[url.find("/kiosk/pair/").unwrap()..].to_string()
}

async fn walk_in(app: &TestApp, cookie: &str, csrf: &str, given: &str) -> StatusCode {
    form(
        app,
        cookie,
        "/kiosk",
        &[
            ("csrf", csrf),
            ("given_name", given),
            ("family_name", "Walker"),
            ("date_of_birth", "1970-02-03"),
        ],
    )
    .await
    .status()
}

#[tokio::test]
async fn an_unpaired_browser_cannot_check_anyone_in() {
    let app = spawn_app().await;
    let (status, html) = page(&app, "", "/kiosk").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("This kiosk is not set up"), "{html}");
    assert!(html.contains("check in at the front desk"));
    // A made-up device cookie is no better.
    let forged = format!("fd_kiosk_device={}", "a".repeat(43));
    assert_eq!(page(&app, &forged, "/kiosk").await.0, StatusCode::FORBIDDEN);
    let resp = form(
        &app,
        &format!("fd_kiosk=x; {forged}"),
        "/kiosk",
        &[
            ("csrf", "x"),
            ("given_name", "Eve"),
            ("family_name", "X"),
            ("date_of_birth", "1990-01-01"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let token = app.token("desk").await;
    assert!(app.lobby(&token).await.is_empty(), "nothing saved");
}

#[tokio::test]
async fn a_pairing_link_works_once_and_only_for_fifteen_minutes() {
    let app = spawn_app().await;
    let boss = app.token("boss").await;
    let (status, body) = add_kiosk(&app, &boss, "main").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], "Waiting room");
    assert_eq!(body["paired_at"], serde_json::Value::Null);
    let path = path_of(&body["pairing_url"]);
    // Opening the link shows what it pairs and changes nothing.
    let (status, html) = page(&app, "", &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Waiting room") && html.contains("Main clinic"));
    let (status, html) = page(&app, "", &path).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let device = app.pair_kiosk(&path).await;
    assert_eq!(page(&app, &device, "/kiosk").await.0, StatusCode::OK);
    // Used up: a second tablet cannot pair with the same link.
    let (status, html) = page(&app, "", &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("This pairing link does not work"));
    let resp = form(&app, "", &path, &[]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(cookie_from(&resp, "fd_kiosk_device").is_none());

    // A fresh link, left 16 minutes, has run out.
    let id = body["id"].as_i64().unwrap();
    let (status, again) = app
        .post(
            &format!("/api/v1/kiosks/{id}/pairing"),
            Some(&boss),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let late = path_of(&again["pairing_url"]);
    app.clock.advance(Duration::minutes(16));
    assert_eq!(page(&app, "", &late).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        form(&app, "", &late, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    // The list shows when it was paired and last seen, never a link.
    let boss = app.token("boss").await;
    let (_, list) = app.get("/api/v1/kiosks?location=main", Some(&boss)).await;
    let k = &list["kiosks"][0];
    assert!(
        k["paired_at"].is_string() && k["last_seen_at"].is_string(),
        "{list}"
    );
    assert!(k.get("pairing_url").is_none());
}

#[tokio::test]
async fn a_revoked_kiosk_is_refused_from_its_next_request() {
    let app = spawn_app().await;
    let (cookie, csrf, _) = app.kiosk_form().await;
    assert_eq!(walk_in(&app, &cookie, &csrf, "Ana").await, StatusCode::OK);
    let boss = app.token("boss").await;
    let (_, list) = app.get("/api/v1/kiosks", Some(&boss)).await;
    let id = list["kiosks"][0]["id"].as_i64().unwrap();
    let (status, k) = app
        .post(
            &format!("/api/v1/kiosks/{id}/revoke"),
            Some(&boss),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(k["revoked_at"].is_string());
    assert_eq!(
        walk_in(&app, &cookie, &csrf, "Ben").await,
        StatusCode::FORBIDDEN
    );
    let token = app.token("desk").await;
    assert_eq!(app.lobby(&token).await.len(), 1, "only Ana");
    // Who revoked it is in the audit log.
    let audit = app.state.store.audit_log(50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "kiosk.revoke" && e.actor == "boss"),
        "the audit log names who revoked it"
    );
}

#[tokio::test]
async fn only_managers_of_the_location_set_up_kiosks() {
    let app = spawn_app().await;
    let (desk, nell) = (app.token("desk").await, app.token("nell").await);
    let (status, body) = add_kiosk(&app, &desk, "main").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = add_kiosk(&app, &nell, "main").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not their location: {body}");
    let (status, body) = add_kiosk(&app, &nell, "north").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["location"], "north");
    let id = body["id"].as_i64().unwrap();
    // Another location's manager cannot touch it.
    let boss_of_main_only = app.token("boss").await; // works everywhere
    let (status, _) = app
        .post(
            &format!("/api/v1/kiosks/{id}/rename"),
            Some(&boss_of_main_only),
            json!({"name": "North lobby"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            &format!("/api/v1/kiosks/{id}/rename"),
            Some(&nell),
            json!({"name": " "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "invalid_fields");
    assert!(body["error"]["fields"]["name"].is_string(), "{body}");
    // A kiosk paired at north checks patients in at north.
    let device = app
        .pair_kiosk(&path_of(&body_pairing(&app, &nell, id).await))
        .await;
    let (status, html) = page(&app, &device, "/kiosk").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("North"), "{html}");
}

async fn body_pairing(app: &TestApp, token: &str, id: i64) -> serde_json::Value {
    let (status, body) = app
        .post(
            &format!("/api/v1/kiosks/{id}/pairing"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["pairing_url"].clone()
}

#[tokio::test]
async fn a_burst_of_check_ins_slows_the_kiosk_and_tells_the_boards() {
    let app = spawn_app().await;
    let (cookie, csrf, _) = app.kiosk_form().await;
    let mut events = app.state.events.subscribe();
    for name in ["Ana", "Ben", "Cy", "Dee", "Eli"] {
        assert_eq!(walk_in(&app, &cookie, &csrf, name).await, StatusCode::OK);
    }
    let resp = form(
        &app,
        &cookie,
        "/kiosk",
        &[
            ("csrf", &csrf),
            ("given_name", "Fay"),
            ("family_name", "Walker"),
            ("date_of_birth", "1970-02-03"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = resp.text().await.unwrap();
    assert!(html.contains("front desk"), "{html}");
    let token = app.token("desk").await;
    assert_eq!(app.lobby(&token).await.len(), 5, "Fay was not checked in");
    let mut busy = 0;
    while let Ok(e) = events.try_recv() {
        if e.name == "kiosk_busy" {
            busy += 1;
            assert_eq!(e.extra["kiosk"], "Lobby tablet");
        }
    }
    assert_eq!(busy, 1, "the boards are told once");
    // Twelve seconds on, one more may check in.
    app.clock.advance(Duration::seconds(13));
    assert_eq!(walk_in(&app, &cookie, &csrf, "Fay").await, StatusCode::OK);
}

#[tokio::test]
async fn managers_pair_and_revoke_kiosks_on_the_settings_page() {
    let app = spawn_app().await;
    let boss = sign_in(&app, "boss").await;
    let (status, html) = page(&app, &boss, "/settings?location=main").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No kiosks yet."));
    let csrf = csrf_in(&html);
    let resp = form(
        &app,
        &boss,
        "/settings/kiosks",
        &[("csrf", &csrf), ("location", "main"), ("name", "")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.state.store.kiosks("main").await.unwrap().is_empty());
    let resp = form(
        &app,
        &boss,
        "/settings/kiosks",
        &[
            ("csrf", &csrf),
            ("location", "main"),
            ("name", "By the door"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Pair the kiosk “By the door”"), "{html}");
    assert!(html.contains("<svg"), "a QR code for the tablet's camera");
    let start = html.find("id=\"pairing-link\">").unwrap() + "id=\"pairing-link\">".len();
    let url = html[start..].split('<').next().unwrap().to_string();
    let device = app.pair_kiosk(&url).await;
    assert_eq!(page(&app, &device, "/kiosk").await.0, StatusCode::OK);
    let (_, html) = page(&app, &boss, "/settings?location=main").await;
    assert!(html.contains("By the door") && !html.contains("No kiosks yet."));
    let id = app.state.store.kiosks("main").await.unwrap()[0].id;
    // A forged form (no CSRF token) is refused.
    let resp = form(&app, &boss, &format!("/settings/kiosks/{id}/revoke"), &[]).await;
    assert_ne!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(page(&app, &device, "/kiosk").await.0, StatusCode::OK);
    let resp = form(
        &app,
        &boss,
        &format!("/settings/kiosks/{id}/revoke"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(page(&app, &device, "/kiosk").await.0, StatusCode::FORBIDDEN);
    // The front desk cannot.
    let desk = sign_in(&app, "desk").await;
    let desk_csrf = csrf_in(&page(&app, &desk, "/board").await.1);
    let resp = form(
        &app,
        &desk,
        "/settings/kiosks",
        &[("csrf", &desk_csrf), ("location", "main"), ("name", "X")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.state.store.kiosks("main").await.unwrap().len(), 1);
}
