//! The post-visit survey against the real app: the outbox sends the link a
//! delay after the visit is done (the location's setting, or
//! FRONTDESK_SURVEY_DELAY), once per address in 30 days and never after an
//! opt-out; the link takes one answer (201, then 409), a bad field is a 422
//! naming it with nothing saved; a low answer opens service recovery (a
//! `service_recovery` promise for the managers, due in one business day, on
//! the board and the visit's timeline, and with contact_me a complaint in
//! the patient's words); the page works in English and Spanish as plain forms.

mod support;

use chrono::Duration;
use frontdesk_server::app::surveys::check_surveys;
use frontdesk_server::{OutboxConfig, ServerConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

const PUBLIC: &str = "https://desk.example.org";

fn config() -> ServerConfig {
    ServerConfig {
        public_url: Some(PUBLIC.into()),
        outbox: OutboxConfig {
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn app() -> TestApp {
    spawn_app_with(config(), false).await
}

/// A walk-in at `main` with this e-mail address, seen and done now; its id.
async fn done_visit(app: &TestApp, given: &str, email: &str) -> i64 {
    let token = &app.token("desk").await;
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(token),
            json!({"given_name": given, "family_name": "Quintero", "email": email}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    for to in ["with_provider", "checkout", "done"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/visits/{id}/transitions"),
                Some(token),
                json!({"to": to}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    id
}

/// The survey tokens in the outbox's messages (the link before `/stop`).
async fn survey_tokens(app: &TestApp) -> Vec<String> {
    let mut tokens: Vec<String> = app
        .state
        .store
        .outbox_messages(100)
        .await
        .unwrap()
        .iter()
        .filter_map(|m| {
            let at = m.body.find("/survey/")? + "/survey/".len();
            let token: String = m.body[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            Some(token)
        })
        .collect();
    tokens.dedup();
    tokens
}

fn good_answer() -> Value {
    json!({
        "helpful": "always", "courteous": "always", "listened": "usually",
        "wait_as_promised": true, "overall": 9, "comment": "Lovely desk staff.", "contact_me": false
    })
}

#[tokio::test]
async fn the_survey_goes_after_the_delay_and_takes_one_answer() {
    let app = app().await;
    let id = done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::minutes(119));
    assert_eq!(
        check_surveys(&app.state).await.unwrap(),
        0,
        "not before 2 h"
    );
    assert!(survey_tokens(&app).await.is_empty());
    app.clock.advance(Duration::minutes(1));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 1);
    assert_eq!(
        check_surveys(&app.state).await.unwrap(),
        0,
        "once per visit"
    );
    let tokens = survey_tokens(&app).await;
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    assert!(token.len() >= 43, "256 bits: {token}");
    let messages = app.state.store.outbox_messages(100).await.unwrap();
    let survey = messages
        .iter()
        .find(|m| m.body.contains("/survey/"))
        .unwrap();
    assert!(
        survey
            .body
            .contains(&format!("{PUBLIC}/survey/{token}/stop"))
    );
    assert_eq!(survey.subject, "How was your visit to Main clinic?");

    // The page, in English and Spanish, with no script.
    let resp = app
        .client
        .get(format!("{}/survey/{token}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("as helpful as you thought they should be"),
        "{html}"
    );
    assert!(html.contains("Hi Zelda."));
    assert!(!html.contains("<script"));
    assert!(!html.contains("Quintero"), "first name only");
    let es = app
        .client
        .get(format!("{}/survey/{token}?lang=es", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(es.contains("lang=\"es\""));
    assert!(es.contains("cortesía y respeto"), "{es}");

    // A bad field: 422 naming it, nothing saved.
    let mut bad = good_answer();
    bad["overall"] = json!(11);
    bad["helpful"] = json!("often");
    let (status, body) = app
        .post(&format!("/api/v1/surveys/{token}"), None, bad)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "invalid_fields");
    assert!(body["error"]["fields"]["overall"].is_string(), "{body}");
    assert!(body["error"]["fields"]["helpful"].is_string(), "{body}");
    let mut missing = good_answer();
    missing.as_object_mut().unwrap().remove("wait_as_promised");
    let (status, body) = app
        .post(&format!("/api/v1/surveys/{token}"), None, missing)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["fields"]["wait_as_promised"].is_string(),
        "{body}"
    );
    let boss = app.token("boss").await;
    assert!(
        !app.timeline_kinds(&boss, id)
            .await
            .contains(&"survey_answered".to_string())
    );

    // The answer: 201; a second one: 409, and the first stands.
    let (status, body) = app
        .post(&format!("/api/v1/surveys/{token}"), None, good_answer())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "answered");
    assert_eq!(body["low"], false);
    assert_eq!(body["recovery_promise_id"], Value::Null);
    let mut other = good_answer();
    other["overall"] = json!(2);
    let (status, body) = app
        .post(&format!("/api/v1/surveys/{token}"), None, other)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let kinds = app.timeline_kinds(&boss, id).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "survey_answered").count(),
        1,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"survey_sent".to_string()));
    let (_, promises) = app.get("/api/v1/promises", Some(&boss)).await;
    assert!(
        !promises["promises"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "service_recovery")
    );
    // The page now says it was answered.
    let html = app
        .client
        .get(format!("{}/survey/{token}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("answered already"), "{html}");

    // A wrong link: 404 on the page and the API.
    let wrong = "x".repeat(43);
    let (status, _) = app
        .post(&format!("/api/v1/surveys/{wrong}"), None, good_answer())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let resp = app
        .client
        .get(format!("{}/survey/{wrong}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_link_expires_after_14_days() {
    let app = app().await;
    done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::hours(2));
    check_surveys(&app.state).await.unwrap();
    let token = survey_tokens(&app).await.remove(0);
    app.clock.advance(Duration::days(14));
    let (status, _) = app
        .post(&format!("/api/v1/surveys/{token}"), None, good_answer())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let html = app
        .client
        .get(format!("{}/survey/{token}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("closed now"), "{html}");
}

#[tokio::test]
async fn once_in_30_days_and_never_after_an_opt_out() {
    let app = app().await;
    done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::hours(2));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 1);
    // Back 10 days later (the address written differently): not asked again.
    app.clock.advance(Duration::days(10));
    let second = done_visit(&app, "Zelda", " Zelda@Example.org ").await;
    app.clock.advance(Duration::hours(2));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 0);
    let boss = app.token("boss").await;
    let (_, visit) = app
        .get(&format!("/api/v1/visits/{second}"), Some(&boss))
        .await;
    let sent = visit["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "survey_sent")
        .unwrap()
        .clone();
    assert_eq!(sent["detail"]["because"], "asked_recently", "{sent}");
    assert_eq!(survey_tokens(&app).await.len(), 1);

    // 31 days after the first: asked.
    app.clock.advance(Duration::days(21));
    done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::hours(2));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 1);
    assert_eq!(survey_tokens(&app).await.len(), 2);

    // The opt-out link: a page with one button, then no more surveys.
    let newest = &app.state.store.outbox_messages(1).await.unwrap()[0];
    let at = newest.body.find("/survey/").unwrap() + "/survey/".len();
    let token: String = newest.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let resp = app
        .client
        .get(format!("{}/survey/{token}/stop", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Send me no more surveys")
    );
    // A form from another site is refused.
    let resp = app
        .client
        .post(format!("{}/survey/{token}/stop", app.url))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = app
        .client
        .post(format!("{}/survey/{token}/stop", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("no more surveys"));
    app.clock.advance(Duration::days(60));
    let later = done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::hours(2));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 0);
    let boss = app.token("boss").await;
    let (_, visit) = app
        .get(&format!("/api/v1/visits/{later}"), Some(&boss))
        .await;
    assert!(
        visit["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "survey_sent" && e["detail"]["because"] == "opted_out"),
        "{visit}"
    );
    assert_eq!(survey_tokens(&app).await.len(), 2);
}

#[tokio::test]
async fn a_low_answer_opens_service_recovery_for_the_managers() {
    let app = app().await;
    let id = done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::hours(2));
    check_surveys(&app.state).await.unwrap();
    let token = survey_tokens(&app).await.remove(0);
    let answer = json!({
        "helpful": "sometimes", "courteous": "usually", "listened": "always",
        "wait_as_promised": false, "overall": 7,
        "comment": "This is ridiculous, I waited an hour and nobody told me anything!",
        "contact_me": true
    });
    let (status, body) = app
        .post(&format!("/api/v1/surveys/{token}"), None, answer)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["low"], true);
    let promise_id = body["recovery_promise_id"].as_i64().unwrap();
    let complaint_id = body["complaint_id"].as_i64().unwrap();

    let boss = app.token("boss").await;
    let (_, list) = app.get("/api/v1/promises", Some(&boss)).await;
    let p = list["promises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == promise_id)
        .unwrap()
        .clone();
    assert_eq!(p["kind"], "service_recovery");
    assert_eq!(p["owned_by"], "managers");
    assert_eq!(p["visit_id"], id);
    // Answered Thursday 16:00 (UTC, weekdays 8-18): due one business day later.
    assert_eq!(p["due_at"], "2026-03-06T16:00:00Z", "{p}");
    // "Only mine" for a manager includes it.
    let (_, mine) = app.get("/api/v1/promises?owner=me", Some(&boss)).await;
    assert!(
        mine["promises"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == promise_id)
    );

    let (status, k) = app
        .get(&format!("/api/v1/complaints/{complaint_id}"), Some(&boss))
        .await;
    assert_eq!(status, StatusCode::OK, "{k}");
    assert_eq!(
        k["text"],
        "This is ridiculous, I waited an hour and nobody told me anything!"
    );
    assert_eq!(k["channel"], "survey");

    let kinds = app.timeline_kinds(&boss, id).await;
    for kind in [
        "survey_sent",
        "survey_answered",
        "promised",
        "complaint_received",
        "upset",
    ] {
        assert!(kinds.contains(&kind.to_string()), "{kind} in {kinds:?}");
    }

    // The board shows the call-back.
    let cookie = sign_in(&app, "desk").await;
    let (status, html) = page(&app, &cookie, "/board").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Service recovery"), "{html}");
    assert!(html.contains(&format!("/visits/{id}")));
}

#[tokio::test]
async fn the_form_names_a_bad_field_and_saves_nothing() {
    let app = app().await;
    let id = done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::hours(2));
    check_surveys(&app.state).await.unwrap();
    let token = survey_tokens(&app).await.remove(0);
    let resp = app
        .client
        .post(format!("{}/survey/{token}?lang=es", app.url))
        .form(&[
            ("helpful", "always"),
            ("courteous", "always"),
            ("listened", "always"),
            ("wait_as_promised", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("overall-error"), "{html}");
    assert!(html.contains("Elija una respuesta"), "{html}");
    assert!(
        html.contains("id=\"helpful-always\" name=\"helpful\" value=\"always\" required checked")
    );
    let boss = app.token("boss").await;
    assert!(
        !app.timeline_kinds(&boss, id)
            .await
            .contains(&"survey_answered".to_string())
    );
    let resp = app
        .client
        .post(format!("{}/survey/{token}?lang=es", app.url))
        .form(&[
            ("helpful", "always"),
            ("courteous", "always"),
            ("listened", "always"),
            ("wait_as_promised", "true"),
            ("overall", "10"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    let html = app
        .client
        .get(format!("{}{to}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Hemos recibido sus respuestas"), "{html}");
}

#[tokio::test]
async fn the_delay_is_per_location_and_the_environment_wins() {
    // The location's own setting: 30 minutes, through the API.
    let app = app().await;
    let boss = app.token("boss").await;
    let (status, body) = app
        .put("/api/v1/settings/survey", &boss, json!({"delay": "soon"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["delay"].is_string());
    let (status, body) = app
        .put("/api/v1/settings/survey", &boss, json!({"delay": "30m"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["delay"], "30m");
    done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::minutes(30));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 1);
    // Off: nothing.
    let boss = app.token("boss").await;
    app.put("/api/v1/settings/survey", &boss, json!({"delay": "off"}))
        .await;
    done_visit(&app, "Yara", "yara@example.org").await;
    app.clock.advance(Duration::hours(3));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 0);

    // FRONTDESK_SURVEY_DELAY wins over the stored 2 h.
    let app = spawn_app_with(
        ServerConfig {
            survey_delay_override: Some(Some(Duration::minutes(10))),
            ..config()
        },
        false,
    )
    .await;
    done_visit(&app, "Zelda", "zelda@example.org").await;
    app.clock.advance(Duration::minutes(10));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 1);
    let desk = app.token("desk").await;
    // A front-desk user may not change the setting.
    let (status, _) = app
        .put("/api/v1/settings/survey", &desk, json!({"delay": "1h"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
