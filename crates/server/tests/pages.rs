//! The staff pages over HTTP, as a browser without JavaScript would use them.

mod support;

use reqwest::StatusCode;
use support::*;

#[tokio::test]
async fn staff_pages_need_a_login() {
    let app = spawn_app().await;
    for path in ["/board", "/visits/1", "/audit", "/board/rows"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert!(
            resp.status() == StatusCode::SEE_OTHER || resp.status() == StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let resp = app
        .client
        .get(format!("{}/board", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/login?next=/board");
}

#[tokio::test]
async fn the_login_form_checks_its_token_and_the_password() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(format!("{}/login", app.url))
        .form(&[
            ("username", "desk"),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(cookie_from(&resp, "fd_session").is_none());

    let resp = app
        .client
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    let pair = cookie_from(&resp, "fd_login")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = csrf_in(&resp.text().await.unwrap());
    let resp = app
        .client
        .post(format!("{}/login", app.url))
        .header("cookie", &pair)
        .form(&[
            ("username", "desk"),
            ("password", "wrong wrong wrong"),
            ("csrf", &csrf),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Username or password is wrong."));
    // An outside address is never followed after login.
    assert!(html.contains("name=\"next\" value=\"/board\""));
}

#[tokio::test]
async fn the_board_shows_names_as_text_and_sends_security_headers() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    app.post(
        "/api/v1/visits",
        Some(&token),
        serde_json::json!({"given_name": "<script>alert(1)</script>", "family_name": "<b>Bold</b>"}),
    )
    .await;
    let cookie = sign_in(&app, "desk").await;
    let resp = app
        .client
        .get(format!("{}/board", app.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "escaped name on the board"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("<b>Bold"));
    assert!(html.contains("On time"), "status shown in words");
    let (status, rows) = page(&app, &cookie, "/board/rows").await;
    assert_eq!(status, StatusCode::OK);
    assert!(rows.contains("&#60;script&#62;") && !rows.contains("<script>alert"));
}

#[tokio::test]
async fn a_bad_check_in_form_explains_each_field_and_saves_nothing() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, "desk").await;
    let (_, html) = page(&app, &cookie, "/board").await;
    let csrf = csrf_in(&html);
    let resp = form(
        &app,
        &cookie,
        "/board/check-in",
        &[
            ("csrf", &csrf),
            ("given_name", ""),
            ("family_name", "Moreno"),
            ("date_of_birth", "2099-05-01"),
            ("provider", ""),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Required field missing"));
    assert!(html.contains("Date of birth is in the future"));
    assert!(html.contains("value=\"Moreno\""), "what was typed is kept");
    let token = app.token("desk").await;
    assert!(app.lobby(&token).await.is_empty());

    let resp = form(
        &app,
        &cookie,
        "/board/check-in",
        &[
            ("csrf", &csrf),
            ("given_name", "Ana"),
            ("family_name", "Moreno"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.lobby(&token).await.len(), 1);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let id = app.check_in(&token, "Ana").await["id"].as_i64().unwrap();
    let cookie = sign_in(&app, "desk").await;
    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{id}/acknowledge"),
        &[("csrf", "nope")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = form(
        &app,
        &cookie,
        "/board/check-in",
        &[("given_name", "Eve"), ("family_name", "X")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The API refuses a cookie-authenticated change without the header token too.
    let resp = app
        .client
        .post(format!("{}/api/v1/visits/{id}/acknowledgements", app.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.lobby(&token).await[0]["acknowledged_by"],
        serde_json::Value::Null
    );
    assert_eq!(app.lobby(&token).await.len(), 1);

    let (_, html) = page(&app, &cookie, "/board").await;
    let csrf = csrf_in(&html);
    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{id}/acknowledge"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.lobby(&token).await[0]["acknowledged_by"], "desk");
    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{id}/transition"),
        &[("csrf", &csrf), ("to", "roomed"), ("back", "visit")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], format!("/visits/{id}"));
    let (status, html) = page(&app, &cookie, &format!("/visits/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Acknowledged by desk"));
    assert!(html.contains("Moved from waiting to roomed by desk"));
    // A refused move is explained, not a crash.
    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{id}/transition"),
        &[("csrf", &csrf), ("to", "done")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("cannot move to done"));
}

#[tokio::test]
async fn the_audit_log_is_for_managers() {
    let app = spawn_app().await;
    let desk = sign_in(&app, "desk").await;
    assert_eq!(page(&app, &desk, "/board").await.0, StatusCode::OK);
    let (status, _) = page(&app, &desk, "/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let boss = sign_in(&app, "boss").await;
    let (status, html) = page(&app, &boss, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("lobby.read"), "the board reads were audited");
    assert!(html.contains("Chain intact: the newest"), "{html}");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, "desk").await;
    let (_, html) = page(&app, &cookie, "/board").await;
    let csrf = csrf_in(&html);
    let resp = form(&app, &cookie, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        cookie_from(&resp, "fd_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    let resp = app
        .client
        .get(format!("{}/board", app.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
}

#[tokio::test]
async fn login_never_sends_people_off_site() {
    let app = spawn_app().await;
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        let resp = app
            .client
            .get(format!("{}/login", app.url))
            .send()
            .await
            .unwrap();
        let pair = cookie_from(&resp, "fd_login")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let csrf = csrf_in(&resp.text().await.unwrap());
        let resp = app
            .client
            .post(format!("{}/login", app.url))
            .header("cookie", &pair)
            .form(&[
                ("username", "desk"),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(resp.headers()["location"], "/board", "{next:?}");
    }
}

#[tokio::test]
async fn the_board_holds_two_hundred_patients() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    for i in 0..200 {
        let (status, _) = app
            .post(
                "/api/v1/visits",
                Some(&token),
                serde_json::json!({"given_name": format!("P{i:03}"), "family_name": "Lobby"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let cookie = sign_in(&app, "desk").await;
    let (status, rows) = page(&app, &cookie, "/board/rows").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows.matches("<tr id=\"visit-").count(), 200);
    assert!(rows.contains("P000 Lobby") && rows.contains("P199 Lobby"));
    // Compact enough to refresh live: well under a megabyte.
    assert!(rows.len() < 1_000_000, "{} bytes", rows.len());
}

#[tokio::test]
async fn staff_record_and_settle_promises_on_the_promises_page() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, "desk").await;
    let (status, html) = page(&app, &cookie, "/promises").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No open promises."));
    let csrf = csrf_in(&html);
    // Two hours for a refill: recorded, with an honest warning.
    let resp = form(
        &app,
        &cookie,
        "/promises",
        &[
            ("csrf", &csrf),
            ("kind", "refill"),
            ("due_at", "2026-03-05T16:00"),
            ("note", "Lisinopril"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &cookie, &location).await;
    assert!(html.contains("A big promise: only"), "{html}");
    assert!(html.contains("Lisinopril"));
    // The warning is worked out from the stored promise, never taken from the address.
    let (_, forged) = page(
        &app,
        &cookie,
        "/promises?warning=A%20big%20promise%3A%20call%20this%20number",
    )
    .await;
    assert!(!forged.contains("call this number"));
    let resp = form(
        &app,
        &cookie,
        "/promises",
        &[
            ("csrf", &csrf),
            ("kind", "refill"),
            ("visit_id", "abc"),
            ("due_at", "soon"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("A visit number is a whole number") && html.contains("Time not understood")
    );
    let id = app.state.store.open_promises("main").await.unwrap()[0].id;
    let resp = form(
        &app,
        &cookie,
        &format!("/promises/{id}/fulfil"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.state.store.promise(id).await.unwrap().status.as_str(),
        "kept"
    );
    let (_, html) = page(&app, &cookie, "/promises").await;
    assert!(html.contains("No open promises."));
}
