//! The post-visit survey and the scorecard in headless Chromium: a patient
//! answers the survey on a phone-sized window (one column, no sideways
//! scrolling, 44-pixel targets, no script), first leaving a question out
//! (the page names it and keeps the rest), then with a low answer; the
//! manager's board shows the call-back and the scorecard draws its charts
//! with the numbers beside them and lists the visits behind a figure.

mod support;

use chrono::Duration;
use frontdesk_server::app::surveys::check_surveys;
use frontdesk_server::{OutboxConfig, ServerConfig};
use serde_json::json;
use std::time::Duration as Wait;
use support::webdriver::Browser;
use support::*;

const T: Wait = Wait::from_secs(10);

async fn click(browser: &Browser, css: &str) {
    browser.find(css).await.unwrap().click().await.unwrap();
}

async fn type_into(browser: &Browser, css: &str, text: &str) {
    let e = browser.find(css).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Sign a manager in on the login page, with the code their app shows.
async fn manager_signs_in(browser: &Browser, app: &TestApp, user: &str, next: &str) {
    browser
        .goto(&format!("{}/login?next={next}", app.url))
        .await
        .unwrap();
    type_into(browser, "#username", user).await;
    type_into(browser, "#password", PASSWORD).await;
    click(browser, "form[action='/login'] button").await;
    browser.wait_for("#code", T).await.unwrap();
    type_into(browser, "#username", user).await;
    type_into(browser, "#password", PASSWORD).await;
    type_into(browser, "#code", &app.next_code(user)).await;
    click(browser, "form[action='/login'] button").await;
    browser
        .wait_until(&format!("window.location.pathname === '{next}'"), T)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_patient_answers_the_survey_on_a_phone_and_the_manager_sees_the_scorecard() {
    if !webdriver::browser_or_skip(
        "a_patient_answers_the_survey_on_a_phone_and_the_manager_sees_the_scorecard",
    ) {
        return;
    }
    let config = ServerConfig {
        public_url: Some("https://desk.example.org".into()),
        outbox: OutboxConfig {
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = spawn_app_with(config, false).await;
    let desk = app.token("desk").await;
    let (status, visit) = app
        .post(
            "/api/v1/visits",
            Some(&desk),
            json!({"given_name": "Bea", "family_name": "Ruiz", "email": "bea@example.org"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{visit}");
    let id = visit["id"].as_i64().unwrap();
    app.clock.advance(Duration::seconds(90));
    app.post(
        &format!("/api/v1/visits/{id}/acknowledgements"),
        Some(&desk),
        json!({}),
    )
    .await;
    for to in ["with_provider", "checkout", "done"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/visits/{id}/transitions"),
                Some(&desk),
                json!({"to": to}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    }
    app.clock.advance(Duration::hours(2));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 1);
    let body = app.state.store.outbox_messages(10).await.unwrap()[0]
        .body
        .clone();
    let at = body.find("/survey/").unwrap();
    let path: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();

    // The patient, on a phone-sized screen.
    let phone = Browser::start().await.unwrap();
    phone.set_window_size(390, 844).await.unwrap();
    phone.goto(&format!("{}{path}", app.url)).await.unwrap();
    phone
        .wait_for_text("h1", "How did we do?", T)
        .await
        .unwrap();
    let fits = phone
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, json!(true), "no horizontal scrolling on a phone");
    let smallest = phone
        .execute(
            "return Math.min(...Array.from(document.querySelectorAll('label.choice, #send'))\
             .map(e => e.getBoundingClientRect().height));",
            vec![],
        )
        .await
        .unwrap();
    assert!(smallest.as_f64().unwrap() >= 44.0, "{smallest}");
    let scripts = phone
        .execute("return document.scripts.length;", vec![])
        .await
        .unwrap();
    assert_eq!(scripts, json!(0), "the survey needs no script");

    // Everything but the overall rating: the page names it, keeps the rest.
    click(&phone, "label[for='helpful-sometimes']").await;
    click(&phone, "label[for='courteous-always']").await;
    click(&phone, "label[for='listened-usually']").await;
    click(&phone, "label[for='wait-no']").await;
    type_into(&phone, "#comment", "Nobody told me why I waited an hour.").await;
    click(&phone, "#send").await;
    phone
        .wait_for_text("#overall-error", "Required field missing", T)
        .await
        .unwrap();
    let kept = phone
        .execute(
            "return document.getElementById('helpful-sometimes').checked \
             && document.getElementById('comment').value.length > 0;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, json!(true), "the answers given are kept");
    click(&phone, "label[for='overall-4']").await;
    click(&phone, "label[for='contact_me']").await;
    click(&phone, "#send").await;
    phone
        .wait_for_text(".notice", "We are sorry", T)
        .await
        .unwrap();
    phone.quit().await.unwrap();

    // The manager: the call-back on the board, the scorecard with its charts.
    let boss = Browser::start().await.unwrap();
    manager_signs_in(&boss, &app, "boss", "/board").await;
    boss.wait_for_text("#recoveries", "Bea Ruiz", T)
        .await
        .unwrap();
    boss.goto(&format!("{}/scorecard?location=main", app.url))
        .await
        .unwrap();
    boss.wait_for_text("h1", "Scorecard", T).await.unwrap();
    let charts = boss
        .execute(
            "return document.querySelectorAll('svg.trend').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(charts, json!(5));
    assert_eq!(
        boss.find("#acknowledge-value")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "100%"
    );
    assert_eq!(
        boss.find("#survey-value")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "4"
    );
    click(&boss, "a[href*='show=survey.low']").await;
    boss.wait_for_text("#behind", "Visit", T).await.unwrap();
    click(&boss, &format!("#behind a[href='/visits/{id}']")).await;
    boss.wait_for_text("body", "Survey answered: overall 4 of 10", T)
        .await
        .unwrap();
    boss.quit().await.unwrap();
}
