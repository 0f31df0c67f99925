//! The patient's private status page over HTTP.

mod support;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use support::*;

async fn check_in_with_link(app: &TestApp, token: &str) -> (i64, String) {
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(token),
            json!({"given_name": "Ana", "family_name": "Moreno", "date_of_birth": "1980-02-29", "provider": "dr-lee"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url = body["status_url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/s/"));
    assert!(url.len() >= 3 + 43, "at least 256 bits of token: {url}");
    (body["id"].as_i64().unwrap(), url)
}

async fn html(app: &TestApp, path: &str, lang: Option<&str>) -> (StatusCode, String) {
    let mut r = app.client.get(format!("{}{path}", app.url));
    if let Some(l) = lang {
        r = r.header("accept-language", l);
    }
    let resp = r.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn the_status_page_shows_first_name_and_an_honest_time_only() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (_, url) = check_in_with_link(&app, &token).await;
    let resp = app
        .client
        .get(format!("{}{url}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let page = resp.text().await.unwrap();
    assert!(page.contains("Hi Ana."));
    assert!(page.contains("We expect to see you at about"));
    for secret in ["Moreno", "1980", "dr-lee", "Dr. Lee"] {
        assert!(
            !page.contains(secret),
            "{secret} shown to whoever holds the link"
        );
    }
    let (_, es) = html(&app, &url, Some("es-MX,es;q=0.9")).await;
    assert!(es.contains("Hola, Ana."), "Spanish by browser language");
    assert!(es.contains("Le atenderemos hacia las"));
    let (_, es) = html(&app, &format!("{url}?lang=es"), None).await;
    assert!(es.contains("lang=\"es\""));
    let json: serde_json::Value = app
        .client
        .get(format!("{}{url}/status.json", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["state"], "waiting");
    assert!(
        json["headline"]
            .as_str()
            .unwrap()
            .starts_with("We expect to see you")
    );
}

#[tokio::test]
async fn a_wrong_or_expired_link_shows_nothing() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (_, url) = check_in_with_link(&app, &token).await;
    // Another patient's link is not this one; a made-up one shows nothing.
    let (_, other) = check_in_with_link(&app, &token).await;
    assert_ne!(url, other);
    for bad in [
        "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/s/x",
        &format!("{url}x"),
    ] {
        let (status, page) = html(&app, bad, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(!page.contains("Ana"));
        assert_eq!(
            app.client
                .post(format!("{}{bad}/stepped-out", app.url))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    // After the end of the day the link is gone.
    app.clock.advance(Duration::hours(11));
    let (status, page) = html(&app, &url, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("Ana"));
}

#[tokio::test]
async fn the_patient_can_say_they_stepped_out_or_ask_a_question() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (id, url) = check_in_with_link(&app, &token).await;
    let resp = app
        .client
        .post(format!("{}{url}/stepped-out", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = sign_in(&app, "desk").await;
    let (_, rows) = page(&app, &cookie, "/board/rows").await;
    assert!(rows.contains(">Stepped out<"), "the board shows it");
    let (_, out) = html(&app, &format!("{url}?done=out"), None).await;
    assert!(
        out.contains("I&#39;m back") || out.contains("I'm back") || out.contains("I&#x27;m back"),
        "{out}"
    );
    let resp = app
        .client
        .post(format!("{}{url}/question", app.url))
        .form(&[("text", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Please write your question first.")
    );
    let resp = app
        .client
        .post(format!("{}{url}/question", app.url))
        .form(&[("text", "Can I get my flu shot today? <b>thanks</b>")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let kinds = app.timeline_kinds(&token, id).await;
    assert!(
        kinds.contains(&"stepped_out".into()) && kinds.contains(&"concern_raised".into()),
        "{kinds:?}"
    );
    let cookie = sign_in(&app, "desk").await;
    let (_, staff_view) = page(&app, &cookie, &format!("/visits/{id}")).await;
    assert!(
        staff_view.contains("Can I get my flu shot today?"),
        "staff see the question"
    );
    assert!(!staff_view.contains("<b>thanks</b>"), "as text");
}

#[tokio::test]
async fn a_requote_apologises_on_the_status_page() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (_, url) = check_in_with_link(&app, &token).await;
    let mut requoted = false;
    for _ in 0..12 {
        app.clock.advance(Duration::minutes(5));
        if !frontdesk_server::app::promises::check_promises(&app.state)
            .await
            .unwrap()
            .is_empty()
        {
            requoted = true;
            break;
        }
    }
    assert!(requoted);
    let (_, page) = html(&app, &url, None).await;
    assert!(page.contains("we are running behind"), "{page}");
    let (_, page) = html(&app, &format!("{url}?lang=es"), None).await;
    assert!(page.contains("vamos con retraso"));
}

#[tokio::test]
async fn an_upset_message_alerts_the_boards_once_an_hour() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (id, url) = check_in_with_link(&app, &token).await;
    let mut events = app.state.events.subscribe();
    let ask = |text: &'static str| {
        let (client, base, url) = (app.client.clone(), app.url.clone(), url.clone());
        async move {
            client
                .post(format!("{base}{url}/question"))
                .form(&[("text", text)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        ask("Could someone tell me if I need to fast before the blood test?").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        ask("This is RIDICULOUS. I have waited two hours and nobody tells me anything!!!").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        ask("Unacceptable. I am never coming back here!!!").await,
        StatusCode::SEE_OTHER
    );
    let mut names = Vec::new();
    while let Ok(e) = events.try_recv() {
        names.push(e.name);
    }
    assert_eq!(
        names.iter().filter(|n| **n == "upset").count(),
        1,
        "one alert an hour: {names:?}"
    );
    assert_eq!(names.iter().filter(|n| **n == "concern_raised").count(), 3);
    let (_, visit) = app.get(&format!("/api/v1/visits/{id}"), Some(&token)).await;
    let upset = visit["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "upset")
        .count();
    assert_eq!(upset, 2, "both upset messages are on the timeline");
}

#[tokio::test]
async fn a_booked_patient_is_told_how_far_behind_their_provider_is() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let appointment = frontdesk_domain::appointment::Appointment {
        appointment_id: "A-1".into(),
        location: "main".into(),
        provider: "dr-lee".into(),
        visit_type: None,
        scheduled_at: start_time() - Duration::minutes(30),
        duration_min: Some(15),
        patient: frontdesk_domain::patient::NewPatient {
            given_name: "Rosa".into(),
            family_name: "Diaz".into(),
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
    let lobby_expected = app
        .state
        .store
        .expected_visits(
            "main",
            start_time() - Duration::hours(2),
            start_time() + Duration::hours(2),
        )
        .await
        .unwrap();
    let id = lobby_expected[0].id;
    let (status, _) = app
        .post(
            &format!("/api/v1/visits/{id}/transitions"),
            Some(&desk),
            json!({"to": "waiting"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let visit = app
        .state
        .store
        .visit(id, &frontdesk_store::Actor::system(), start_time())
        .await
        .unwrap()
        .0;
    let url = frontdesk_server::app::visits::issue_link(
        &app.state,
        &visit,
        &frontdesk_store::Actor::system(),
    )
    .await
    .unwrap();
    let (_, page) = html(&app, &url, None).await;
    assert!(
        page.contains("Your provider is running about") && page.contains("minutes behind"),
        "{page}"
    );
    assert!(page.contains("You are next."));
    assert!(!page.contains("Dr. Lee"), "the provider is not named");
    let (_, es) = html(&app, &format!("{url}?lang=es"), None).await;
    assert!(es.contains("minutos de retraso") && es.contains("Usted es el siguiente."));
}

/// The WCAG 2.2 AA checks that can be read off the markup: the page's
/// language, a label for every field, a name for every button, live regions
/// for what changes, a title, and no zoom lock. (Colour contrast, focus
/// rings and target sizes are in app.css; see docs/accessibility.md.)
fn assert_accessible_markup(page: &str, lang: &str) {
    assert!(
        page.contains(&format!("<html lang=\"{lang}\">")),
        "page language"
    );
    assert!(page.contains("<title>") && !page.contains("<title></title>"));
    assert!(page.contains("width=device-width") && !page.contains("user-scalable=no"));
    assert!(
        page.contains("aria-live=\"polite\""),
        "changes are announced"
    );
    // Every visible field has a <label for=…>.
    for tag in ["<textarea", "<input", "<select"] {
        for (i, _) in page.match_indices(tag) {
            let end = page[i..].find('>').unwrap() + i;
            let element = &page[i..end];
            if element.contains("type=\"hidden\"") {
                continue;
            }
            let id = element
                .split("id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("field without an id: {element}"));
            assert!(
                page.contains(&format!("<label for=\"{id}\"")),
                "field {id} has no label"
            );
        }
    }
    // Every button says what it does.
    for (i, _) in page.match_indices("<button") {
        let open_end = page[i..].find('>').unwrap() + i + 1;
        let close = page[open_end..].find("</button>").unwrap() + open_end;
        assert!(
            !page[open_end..close].trim().is_empty(),
            "a button without a name at {i}"
        );
    }
}

#[tokio::test]
async fn the_status_page_passes_the_accessibility_checks_we_can_automate() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (id, url) = check_in_with_link(&app, &token).await;
    app.post(
        &format!("/api/v1/visits/{id}/concerns"),
        Some(&token),
        json!({"text": "Can I bring my son in with me?"}),
    )
    .await;
    let (_, list) = app
        .get(&format!("/api/v1/visits/{id}/concerns"), Some(&token))
        .await;
    let concern = list["concerns"][0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/concerns/{concern}/answer"),
        Some(&token),
        json!({"text": "Yes, of course he can come in with you."}),
    )
    .await;
    let (_, en) = html(&app, &url, None).await;
    assert!(
        en.contains("Yes, that answers it"),
        "the confirm form is on the page"
    );
    assert_accessible_markup(&en, "en");
    assert!(
        en.contains("lang=\"es\">Español</a>"),
        "the other language is marked"
    );
    let (_, es) = html(&app, &format!("{url}?lang=es"), None).await;
    assert_accessible_markup(&es, "es");
    // An error is tied to its field.
    let resp = app
        .client
        .post(format!("{}{url}/question", app.url))
        .form(&[("text", " ")])
        .send()
        .await
        .unwrap();
    let page = resp.text().await.unwrap();
    assert!(page.contains("aria-invalid=\"true\" aria-describedby=\"question-error\""));
    assert!(page.contains("id=\"question-error\""));
}

#[tokio::test]
async fn staff_make_a_link_with_the_full_address_and_a_qr_code() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (id, _) = check_in_with_link(&app, &token).await;
    let cookie = sign_in(&app, "desk").await;
    let (_, visit) = page(&app, &cookie, &format!("/visits/{id}")).await;
    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{id}/status-link"),
        &[("csrf", &csrf_in(&visit))],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let made = resp.text().await.unwrap();
    let host = app.url.trim_start_matches("http://");
    assert!(made.contains(&format!("href=\"http://{host}/s/")), "{made}");
    assert!(made.contains("<svg"), "a QR code to scan");
    let url = made.split(&format!("href=\"http://{host}")).nth(1).unwrap();
    let path = url.split('"').next().unwrap();
    let (status, page) = html(&app, path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Hi Ana."));
}
