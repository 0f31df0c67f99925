//! Sign-in slows attackers, not staff: wrong passwords are counted per
//! (name, address) and per address with growing delays, so nobody at
//! another address can lock the owner out; password checks run a bounded
//! number at once; `X-Forwarded-For` is believed only from a trusted proxy.
//! Public forms are limited per address too.

mod support;

use chrono::Duration;
use frontdesk_server::{ServerConfig, TrustedProxies};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

/// The app behind a proxy at 127.0.0.1, so a test can speak from any address.
async fn behind_proxy() -> TestApp {
    spawn_app_with(
        ServerConfig {
            trusted_proxies: TrustedProxies::parse("127.0.0.1").unwrap(),
            ..ServerConfig::default()
        },
        false,
    )
    .await
}

/// `POST /api/v1/sessions` as if from `from`; the answer and its Retry-After.
async fn sign_in_from(
    app: &TestApp,
    from: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Value, Option<i64>) {
    let resp = app
        .client
        .post(format!("{}/api/v1/sessions", app.url))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (status, resp.json().await.unwrap_or(Value::Null), retry)
}

#[tokio::test]
async fn twenty_one_wrong_passwords_from_one_address_end_in_429_and_the_owner_elsewhere_gets_in() {
    let app = behind_proxy().await;
    let attacker = "203.0.113.66";
    let mut answers = Vec::new();
    // One name after another, so the per-name limit is not what stops them.
    for i in 0..21 {
        let name = if i % 2 == 0 { "desk" } else { "doc" };
        let (status, body, _) = sign_in_from(&app, attacker, name, "a wrong password").await;
        answers.push((status, body));
    }
    let (last, body) = answers.last().unwrap();
    assert_eq!(*last, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(body), "too_many_requests");
    // The owner of `desk`, at work, is not slowed by any of it.
    let (status, body, _) = sign_in_from(&app, "198.51.100.7", "desk", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The attacker is refused even with the right password, without a hash.
    let (status, _, retry) = sign_in_from(&app, attacker, "desk", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some_and(|s| s > 0), "Retry-After says when");
}

#[tokio::test]
async fn wrong_passwords_for_one_name_wait_longer_and_longer_but_only_there() {
    let app = behind_proxy().await;
    let guesser = "203.0.113.9";
    for _ in 0..5 {
        let (status, _, _) = sign_in_from(&app, guesser, "root", "wrong password!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body, retry) = sign_in_from(&app, guesser, "root", "wrong password!").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry, Some(30), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("30 seconds"),
        "{body}"
    );
    // After the wait, one more try; after it, twice as long.
    app.clock.advance(Duration::seconds(30));
    let (status, _, _) = sign_in_from(&app, guesser, "root", "wrong password!").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, retry) = sign_in_from(&app, guesser, "root", "wrong password!").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry, Some(60));
    // Another name from the same address is not slowed by root's count…
    let (status, _, _) = sign_in_from(&app, guesser, "desk", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // …and root from the office signs in (a password and a code).
    let resp = app
        .client
        .post(format!("{}/api/v1/sessions", app.url))
        .header("x-forwarded-for", "198.51.100.20")
        .json(&json!({"username": "root", "password": PASSWORD, "code": app.next_code("root")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // A caller who stops is forgiven in time.
    app.clock.advance(Duration::hours(2));
    let (status, _, _) = sign_in_from(&app, guesser, "root", "wrong password!").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    // No trusted proxies (the default): a header naming a new address each
    // time does not give a caller a fresh allowance.
    let app = spawn_app().await;
    for i in 0..5 {
        let (status, _, _) =
            sign_in_from(&app, &format!("192.0.2.{i}"), "desk", "a wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = sign_in_from(&app, "192.0.2.99", "desk", "a wrong password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_login_page_says_how_long_to_wait() {
    let app = spawn_app().await;
    let get_form = || async {
        let resp = app
            .client
            .get(format!("{}/login", app.url))
            .send()
            .await
            .unwrap();
        let cookie = cookie_from(&resp, "fd_login")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        (cookie, csrf_in(&resp.text().await.unwrap()))
    };
    let mut last = None;
    for _ in 0..6 {
        let (cookie, csrf) = get_form().await;
        let resp = form(
            &app,
            &cookie,
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "desk"),
                ("password", "not my password"),
                ("next", "/board"),
            ],
        )
        .await;
        last = Some((resp.status(), resp.text().await.unwrap()));
    }
    let (status, html) = last.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html.contains("Too many failed attempts from here; wait 30 seconds"),
        "{html}"
    );
    assert!(!html.contains("not my password"));
}

#[tokio::test]
async fn sign_in_says_busy_when_no_password_check_is_free() {
    let app = spawn_app_with(
        ServerConfig {
            password_hash_slots: 0,
            ..ServerConfig::default()
        },
        false,
    )
    .await;
    let resp = app
        .client
        .post(format!("{}/api/v1/sessions", app.url))
        .json(&json!({"username": "desk", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "busy");
    // A busy answer is not held against the caller.
    assert!(app.state.sign_in_names.is_empty());
    assert!(app.state.sign_in_addresses.is_empty());
}

#[tokio::test]
async fn the_feedback_form_takes_ten_messages_an_hour_from_one_address() {
    let app = behind_proxy().await;
    let send = |from: &'static str, n: usize| {
        let (client, url) = (app.client.clone(), app.url.clone());
        async move {
            client
                .post(format!("{url}/feedback"))
                .header("x-forwarded-for", from)
                .form(&[
                    ("location", "main"),
                    ("name", "Pat"),
                    ("email", "pat@example.org"),
                    (
                        "message",
                        &format!("The waiting room was cold today ({n})."),
                    ),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for n in 0..10 {
        assert_eq!(send("203.0.113.5", n).await.status(), StatusCode::OK);
    }
    let resp = send("203.0.113.5", 10).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("please call the practice"), "{html}");
    // Someone else is not affected, and nothing more was kept.
    assert_eq!(send("198.51.100.1", 0).await.status(), StatusCode::OK);
    let boss = app.token("boss").await;
    let (_, list) = app.get("/api/v1/complaints", Some(&boss)).await;
    assert_eq!(list["complaints"].as_array().unwrap().len(), 11, "{list}");
    // An hour on, the address may write again.
    app.clock.advance(Duration::hours(1));
    assert_eq!(send("203.0.113.5", 11).await.status(), StatusCode::OK);
}
