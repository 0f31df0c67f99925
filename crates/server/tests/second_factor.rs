//! The second factor (TOTP, RFC 6238) as a client and a browser without
//! JavaScript meet it: managers and admins must enroll before anything else;
//! enrolling gives a secret and a QR code, confirming gives recovery codes;
//! then sign-in needs a current code, once, or a recovery code, once.

mod support;

use chrono::Duration;
use frontdesk_domain::second_factor::{code_at, secret_key};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

/// `root` adds an account; returns its name.
async fn add_user(app: &TestApp, name: &str, role: &str) -> String {
    let admin = app.token("root").await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"username": name, "role": role, "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    name.to_string()
}

async fn sign_in_api(app: &TestApp, user: &str, code: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"username": user, "password": PASSWORD});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    app.post("/api/v1/sessions", None, body).await
}

/// The code an app holding `secret` shows `offset_s` seconds from the test's now.
fn code(app: &TestApp, secret: &str, offset_s: i64) -> String {
    code_at(
        &secret_key(secret).unwrap(),
        app.state.now() + Duration::seconds(offset_s),
    )
}

/// Enroll through the API with the session `token`: (secret, recovery codes).
async fn enroll(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let (status, offered) = app.post("/api/v1/me/totp", Some(token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{offered}");
    let secret = offered["secret"].as_str().unwrap().to_string();
    let (status, body) = app
        .post(
            "/api/v1/me/totp/confirm",
            Some(token),
            json!({"code": code(app, &secret, 0)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, codes)
}

#[tokio::test]
async fn a_manager_without_a_second_factor_can_only_enroll_then_works() {
    let app = spawn_app().await;
    let mia = add_user(&app, "mia", "manager").await;
    // Not enrolled yet: the password alone starts a session…
    let (status, body) = sign_in_api(&app, &mia, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let (_, other) = sign_in_api(&app, &mia, None).await;
    let other = other["token"].as_str().unwrap().to_string();
    // …that can do nothing but enroll.
    for (status, body) in [
        app.get("/api/v1/lobby", Some(&token)).await,
        app.get("/api/v1/complaints", Some(&token)).await,
        app.get("/api/v1/users", Some(&token)).await,
        app.get("/api/v1/providers", Some(&token)).await,
        app.put("/api/v1/settings/acknowledgement", &token, json!({}))
            .await,
        app.post(
            "/api/v1/visits",
            Some(&token),
            json!({"given_name": "Ana", "family_name": "Moreno"}),
        )
        .await,
    ] {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(error_code(&body), "second_factor_enrollment_required");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("/me/totp")
        );
    }
    let resp = app
        .client
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(app.lobby(&app.token("desk").await).await.is_empty());

    // Enrolling: a secret for the app and the address its QR code holds.
    let (status, offered) = app.post("/api/v1/me/totp", Some(&token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{offered}");
    let secret = offered["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert_eq!(secret_key(&secret).unwrap().len(), 20);
    assert_eq!(
        offered["otpauth_uri"],
        format!(
            "otpauth://totp/Frontdesk:mia?secret={secret}&issuer=Frontdesk&algorithm=SHA1&digits=6&period=30"
        )
    );
    // Confirming names the field when the code is missing, malformed or wrong.
    for (sent, why) in [
        (json!({}), "Required field missing"),
        (json!({"code": "12ab56"}), "Enter the 6-digit code"),
        (
            json!({"code": code(&app, &secret, 90)}),
            "This code is not right",
        ),
    ] {
        let (status, body) = app
            .post("/api/v1/me/totp/confirm", Some(&token), sent)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_code(&body), "invalid_fields");
        let field = body["error"]["fields"]["code"].as_str().unwrap();
        assert!(field.starts_with(why), "{field}");
    }
    let (status, body) = app.get("/api/v1/lobby", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "still not on: {body}");

    let (status, body) = app
        .post(
            "/api/v1/me/totp/confirm",
            Some(&token),
            json!({"code": code(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = body["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    let mut distinct: Vec<&str> = codes.iter().map(|c| c.as_str().unwrap()).collect();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    assert!(
        distinct
            .iter()
            .all(|c| c.len() == 19 && c.matches('-').count() == 3)
    );

    // The session that proved the code goes on; the one started before ends.
    let (status, body) = app.get("/api/v1/lobby", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.get("/api/v1/lobby", Some(&other)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The secret is never given out again.
    let (status, body) = app.post("/api/v1/me/totp", Some(&token), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(!body.to_string().contains(&secret));

    // Audited, with no secret and no recovery code in the log.
    let log = app.state.store.audit_log(100).await.unwrap();
    let mine: Vec<(&str, &str, &str)> = log
        .iter()
        .rev()
        .filter(|a| a.actor == "mia" && a.action.starts_with("second_factor."))
        .map(|a| (a.action.as_str(), a.subject.as_str(), a.detail.as_str()))
        .collect();
    assert_eq!(
        mine,
        [
            ("second_factor.enroll", "user:mia", ""),
            ("second_factor.confirm", "user:mia", "10 recovery codes")
        ]
    );
    let everything = format!("{log:?}");
    assert!(!everything.contains(&secret));
    assert!(distinct.iter().all(|c| !everything.contains(c)));
}

#[tokio::test]
async fn sign_in_then_needs_a_current_code_each_accepted_once() {
    let app = spawn_app().await;
    // boss's second factor is on (the test support set it up with TOTP_SECRET).
    let (status, body) = sign_in_api(&app, "boss", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "second_factor_required");
    assert_eq!(body["error"]["fields"], json!({}));
    // A wrong password is still just wrong, code or not.
    let (status, body) = app
        .post(
            "/api/v1/sessions",
            None,
            json!({"username": "boss", "password": "wrong password", "code": totp_code_at(app.state.now())}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");

    let at = |offset_s: i64| code(&app, TOTP_SECRET, offset_s);
    // A wrong code, and one two steps away, are refused on the code field.
    for wrong in [
        format!("{:06}", (at(0).parse::<u32>().unwrap() + 1) % 1_000_000),
        at(-60),
        at(60),
    ] {
        let (status, body) = sign_in_api(&app, "boss", Some(&wrong)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(error_code(&body), "second_factor_required");
        assert!(
            body["error"]["fields"]["code"]
                .as_str()
                .unwrap()
                .starts_with("This code is not right")
        );
    }
    // Not a code at all: a field error.
    let (status, body) = sign_in_api(&app, "boss", Some("12")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "invalid_fields");
    assert!(body["error"]["fields"]["code"].is_string());

    // One step either side is accepted (a phone's clock is rarely exact)…
    for offset in [-30, 0, 30] {
        let (status, body) = sign_in_api(&app, "boss", Some(&at(offset))).await;
        assert_eq!(status, StatusCode::OK, "{offset}: {body}");
        let token = body["token"].as_str().unwrap();
        let (status, _) = app.get("/api/v1/lobby", Some(token)).await;
        assert_eq!(status, StatusCode::OK);
    }
    // …and each only once.
    for offset in [0, 30] {
        let (status, body) = sign_in_api(&app, "boss", Some(&at(offset))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(error_code(&body), "second_factor_required");
        assert!(
            body["error"]["fields"]["code"]
                .as_str()
                .unwrap()
                .starts_with("This code was already used")
        );
    }
    // Half a minute on, the next code works.
    app.clock.advance(Duration::seconds(60));
    let (status, body) = sign_in_api(&app, "boss", Some(&at(0))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_in_place_of_a_code() {
    let app = spawn_app().await;
    let ana = add_user(&app, "ana", "admin").await;
    let (_, body) = sign_in_api(&app, &ana, None).await;
    let (_, codes) = enroll(&app, body["token"].as_str().unwrap()).await;
    // Typed in capitals without dashes, it still reads.
    let typed = codes[3].replace('-', "").to_uppercase();
    let (status, body) = sign_in_api(&app, &ana, Some(&typed)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = sign_in_api(&app, &ana, Some(&codes[3])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "second_factor_required");
    assert!(
        body["error"]["fields"]["code"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    // Another one still works.
    let (status, _) = sign_in_api(&app, &ana, Some(&codes[0])).await;
    assert_eq!(status, StatusCode::OK);
    let used: Vec<String> = app
        .state
        .store
        .audit_log(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "second_factor.recovery_code_used")
        .map(|a| format!("{} {} {}", a.actor, a.subject, a.detail))
        .collect();
    assert_eq!(
        used,
        [
            "ana user:ana 8 recovery codes left",
            "ana user:ana 9 recovery codes left"
        ]
    );
}

#[tokio::test]
async fn five_wrong_codes_stop_codes_for_fifteen_minutes() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (status, _) = sign_in_api(&app, "boss", Some("000000")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let right = totp_code_at(app.state.now());
    let (status, body) = sign_in_api(&app, "boss", Some(&right)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "too_many_requests");
    app.clock.advance(Duration::minutes(15));
    let (status, body) = sign_in_api(&app, "boss", Some(&totp_code_at(app.state.now()))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn front_desk_may_turn_one_on_and_then_signs_in_with_it() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let (secret, _) = enroll(&app, &token).await;
    let (status, body) = sign_in_api(&app, "desk", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "second_factor_required");
    let (status, _) = sign_in_api(&app, "desk", Some(&code(&app, &secret, 30))).await;
    assert_eq!(status, StatusCode::OK);
    // A clinician without one is never asked, even if a code is sent.
    let (status, _) = sign_in_api(&app, "doc", Some("123456")).await;
    assert_eq!(status, StatusCode::OK);
}

// --- pages, as a browser without JavaScript uses them ---

/// The login page's form: (login cookie pair, csrf, html).
async fn login_form(app: &TestApp, cookie: Option<&str>) -> (String, String, String) {
    let mut r = app.client.get(format!("{}/login?next=/board", app.url));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let resp = r.send().await.unwrap();
    let login = cookie_from(&resp, "fd_login").unwrap();
    let pair = login.split(';').next().unwrap().to_string();
    let html = resp.text().await.unwrap();
    let csrf = csrf_in(&html);
    (pair, csrf, html)
}

async fn submit_login(
    app: &TestApp,
    (pair, csrf): (&str, &str),
    user: &str,
    code: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{}/login", app.url))
        .header("cookie", pair)
        .form(&[
            ("username", user),
            ("password", PASSWORD),
            ("code", code),
            ("csrf", csrf),
            ("next", "/board"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_login_page_asks_for_the_code_when_needed_and_takes_a_recovery_code() {
    let app = spawn_app().await;
    let (pair, csrf, html) = login_form(&app, None).await;
    assert!(!html.contains("name=\"code\""), "no code field at first");

    // boss leaves the code out: asked for it, with the name kept and the
    // password (never sent back) to type again.
    let resp = submit_login(&app, (&pair, &csrf), "boss", "").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let html = resp.text().await.unwrap();
    assert!(html.contains("name=\"code\""), "{html}");
    assert!(html.contains("authenticator app"));
    assert!(html.contains("value=\"boss\""));
    assert!(!html.contains(PASSWORD));

    let (pair, csrf, _) = login_form(&app, None).await;
    let resp = submit_login(&app, (&pair, &csrf), "boss", "999999").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("This code is not right")
    );

    let (pair, csrf, _) = login_form(&app, None).await;
    let resp = submit_login(&app, (&pair, &csrf), "boss", &app.next_code("boss")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(cookie_from(&resp, "fd_session").is_some());
    // This browser now shows the code field at once.
    let remembered = cookie_from(&resp, "fd_code").unwrap();
    assert!(remembered.contains("HttpOnly") && remembered.starts_with("fd_code=1;"));
    let pair_code = remembered.split(';').next().unwrap();
    let (_, _, html) = login_form(&app, Some(pair_code)).await;
    assert!(html.contains("name=\"code\""));

    // A recovery code works in the same field, once.
    let ana = add_user(&app, "ana", "admin").await;
    let (_, body) = sign_in_api(&app, &ana, None).await;
    let (_, codes) = enroll(&app, body["token"].as_str().unwrap()).await;
    let (pair, csrf, _) = login_form(&app, None).await;
    let resp = submit_login(&app, (&pair, &csrf), &ana, &codes[1]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (pair, csrf, _) = login_form(&app, None).await;
    let resp = submit_login(&app, (&pair, &csrf), &ana, &codes[1]).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains("already used"));
}

#[tokio::test]
async fn a_managers_pages_lead_to_enrollment_with_a_qr_code_then_open() {
    let app = spawn_app().await;
    add_user(&app, "mia", "manager").await;
    let cookie = sign_in(&app, "mia").await;
    for path in ["/board", "/settings", "/complaints", "/tv"] {
        let (status, _) = page(&app, &cookie, path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
    }
    let resp = app
        .client
        .get(format!("{}/board", app.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/me/second-factor");
    // A form elsewhere is refused the same way, and nothing is saved.
    let (_, html) = page(&app, &cookie, "/me/second-factor").await;
    let csrf = csrf_in(&html);
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
    assert_eq!(resp.headers()["location"], "/me/second-factor");
    assert!(app.lobby(&app.token("desk").await).await.is_empty());

    assert!(html.contains("Set up a second factor"), "{html}");
    assert!(html.contains("Managers and admins"));
    let resp = form(&app, &cookie, "/me/second-factor/start", &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, html) = page(&app, &cookie, "/me/second-factor").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg"), "a QR code");
    let shown = html
        .split("id=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let secret = shown.replace(' ', "");
    assert_eq!(secret.len(), 32, "{shown}");

    let resp = form(
        &app,
        &cookie,
        "/me/second-factor/confirm",
        &[("csrf", &csrf), ("code", "000000")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("This code is not right") && html.contains("<svg"));

    let resp = form(
        &app,
        &cookie,
        "/me/second-factor/confirm",
        &[("csrf", &csrf), ("code", &code(&app, &secret, 0))],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Your recovery codes"), "{html}");
    assert_eq!(html.matches("<li><code>").count(), 10);
    assert!(!html.contains(&shown));

    // The board opens; the page now says it is on and shows no secret or codes.
    let (status, _) = page(&app, &cookie, "/board").await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&app, &cookie, "/me/second-factor").await;
    assert!(html.contains("Your second factor is on"));
    assert!(html.contains("10 recovery codes left"));
    assert!(!html.contains(&shown) && !html.contains("<svg"));
    assert!(!html.contains("Your recovery codes"));
}

#[tokio::test]
async fn a_limited_session_can_still_sign_out() {
    let app = spawn_app().await;
    add_user(&app, "mia", "manager").await;
    let (_, body) = sign_in_api(&app, "mia", None).await;
    let token = body["token"].as_str().unwrap();
    let resp = app
        .client
        .delete(format!("{}/api/v1/sessions", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (status, _) = app.post("/api/v1/me/totp", Some(token), json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let cookie = sign_in(&app, "mia").await;
    let (_, html) = page(&app, &cookie, "/me/second-factor").await;
    let resp = form(&app, &cookie, "/logout", &[("csrf", &csrf_in(&html))]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/login");
}

// --- in headless Chromium ---

#[tokio::test]
async fn in_the_browser_a_new_manager_enrolls_then_signs_in_with_a_code() {
    use std::time::Duration as Wait;
    use support::webdriver::{Browser, browser_or_skip};
    if !browser_or_skip("in_the_browser_a_new_manager_enrolls_then_signs_in_with_a_code") {
        return;
    }
    const T: Wait = Wait::from_secs(10);
    let app = spawn_app().await;
    add_user(&app, "mia", "manager").await;
    let b = Browser::start().await.unwrap();
    let type_into = |css: &'static str, text: String| {
        let b = &b;
        async move { b.find(css).await.unwrap().send_keys(&text).await.unwrap() }
    };
    let click = |css: &'static str| {
        let b = &b;
        async move { b.find(css).await.unwrap().click().await.unwrap() }
    };

    // The password alone: every page leads to setting up the second factor.
    b.goto(&format!("{}/login?next=/board", app.url))
        .await
        .unwrap();
    assert!(b.find("#code").await.is_err(), "no code field at first");
    type_into("#username", "mia".into()).await;
    type_into("#password", PASSWORD.into()).await;
    click("form[action='/login'] button").await;
    b.wait_until("window.location.pathname === '/me/second-factor'", T)
        .await
        .unwrap();
    click("form[action='/me/second-factor/start'] button").await;
    let secret = b
        .wait_for("#secret", T)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = secret.replace(' ', "");
    assert!(
        b.find(".qr svg")
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    type_into("#code", code(&app, &secret, 0)).await;
    click("form[action='/me/second-factor/confirm'] button").await;
    let codes = b.wait_for("#recovery-codes", T).await.unwrap();
    assert_eq!(codes.find_all("li").await.unwrap().len(), 10);
    click("a[href='/board']").await;
    b.wait_until("window.location.pathname === '/board'", T)
        .await
        .unwrap();

    // Signed out, the password alone is not enough; with the code it is.
    click("form[action='/logout'] button").await;
    b.wait_until("window.location.pathname === '/login'", T)
        .await
        .unwrap();
    type_into("#username", "mia".into()).await;
    type_into("#password", PASSWORD.into()).await;
    click("form[action='/login'] button").await;
    let field = b.wait_for("#code", T).await.unwrap();
    assert!(
        b.find(".error")
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("authenticator app")
    );
    type_into("#password", PASSWORD.into()).await;
    // The step that confirmed is spent: the app's next code.
    field.send_keys(&code(&app, &secret, 30)).await.unwrap();
    click("form[action='/login'] button").await;
    b.wait_until("window.location.pathname === '/board'", T)
        .await
        .unwrap();
    b.quit().await.unwrap();
}
