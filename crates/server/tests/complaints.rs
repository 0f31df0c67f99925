//! Complaints over HTTP: taken verbatim with field-level errors, read and
//! worked according to role, clocks in business hours with escalation, the
//! resolution letter, the public feedback form and the complaint settings.

mod support;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

async fn file(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, body) = app.post("/api/v1/complaints", Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn a_complaint_is_taken_verbatim_and_bad_fields_are_named() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let said = "The receptionist argued with me  in front of everyone.\nI want an apology.";
    let body = file(
        &app,
        &desk,
        json!({"text": said, "channel": "desk", "contact": {"name": "Ana Moreno", "email": "ana@example.org"}}),
    )
    .await;
    assert!(body["id"].as_i64().unwrap() > 0);
    assert_eq!(body["status"], "received");
    assert_eq!(body["text"], said, "verbatim");
    assert_eq!(body["owner"], "desk", "whoever took it owns it");
    assert_eq!(body["clocks"]["acknowledge"]["status"], "on_time");
    assert_eq!(
        body["clocks"]["acknowledge"]["due_at"], "2026-03-06T14:00:00Z",
        "one business day: Thursday 14:00 → Friday 14:00"
    );
    assert_eq!(body["clocks"]["resolve"]["due_at"], "2026-03-12T14:00:00Z");

    let (status, body) = app
        .post(
            "/api/v1/complaints",
            Some(&desk),
            json!({"text": "  ", "channel": "pigeon", "contact": {"email": "ana@", "phone": "call me"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = &body["error"]["fields"];
    assert_eq!(f["text"], "Required field missing");
    assert_eq!(f["contact.email"], "Email address invalid");
    assert!(f["channel"].as_str().unwrap().contains("desk"), "{f}");
    assert!(f["contact.phone"].is_string());
    let (status, body) = app
        .post(
            "/api/v1/complaints",
            Some(&desk),
            json!({"text": "x", "channel": "phone", "visit_id": 4242}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["visit_id"], "No visit with this id");
    let (_, list) = app.get("/api/v1/complaints", Some(&desk)).await;
    assert_eq!(
        list["complaints"].as_array().unwrap().len(),
        1,
        "nothing half-saved"
    );
    let (status, _) = app
        .post(
            "/api/v1/complaints",
            None,
            json!({"text": "x", "channel": "desk"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn front_desk_cannot_read_a_managers_complaint_unless_allowed() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let boss = app.token("boss").await;
    let id = file(
        &app,
        &boss,
        json!({"text": "Billing charged me twice", "channel": "phone", "category": "billing"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mine = file(
        &app,
        &desk,
        json!({"text": "Rude on the phone", "channel": "phone"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&desk))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list) = app.get("/api/v1/complaints", Some(&desk)).await;
    let ids: Vec<i64> = list["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![mine], "the manager's complaint is not listed");
    let (status, _) = app
        .post(
            &format!("/api/v1/complaints/{id}/acknowledge"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .get(&format!("/api/v1/complaints/{mine}"), Some(&boss))
        .await;
    assert_eq!(status, StatusCode::OK, "managers read every complaint");

    // Front desk may not change the settings; a manager allows all staff to read.
    let (status, _) = app
        .put(
            "/api/v1/settings/complaints",
            &desk,
            json!({"staff_read_all": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .put(
            "/api/v1/settings/complaints",
            &boss,
            json!({"staff_read_all": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&desk))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .post(
            &format!("/api/v1/complaints/{id}/acknowledge"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "reading is not working it");

    let audit = app.state.store.audit_log(200).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "complaint.read" && a.actor == "desk")
    );
}

#[tokio::test]
async fn clocks_escalate_to_managers_then_admins_and_pauses_stop_them() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let id = file(
        &app,
        &desk,
        json!({"text": "Nobody called me back", "channel": "phone"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/complaints/{id}");
    // Signs in each time: the clock jumps past the session's idle limit.
    let get = || {
        let (app, path) = (&app, path.clone());
        async move {
            let token = app.token("desk").await;
            app.get(&path, Some(&token)).await.1
        }
    };

    app.clock.set(start_time() + Duration::hours(22)); // Friday 12:00, the last quarter
    assert_eq!(
        frontdesk_server::app::complaints::check_escalations(&app.state)
            .await
            .unwrap(),
        0
    );
    assert_eq!(get().await["clocks"]["acknowledge"]["status"], "due_soon");

    app.clock.set(start_time() + Duration::hours(25)); // Friday 15:00: overdue
    assert_eq!(
        frontdesk_server::app::complaints::check_escalations(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        frontdesk_server::app::complaints::check_escalations(&app.state)
            .await
            .unwrap(),
        0,
        "once per level"
    );
    let k = get().await;
    assert_eq!(k["level"], "manager");
    assert_eq!(k["clocks"]["acknowledge"]["status"], "overdue");

    // The weekend does not count: Sunday is still "manager".
    app.clock.set(start_time() + Duration::days(3));
    frontdesk_server::app::complaints::check_escalations(&app.state)
        .await
        .unwrap();
    assert_eq!(get().await["level"], "manager");
    // One more business day overdue (Monday 14:00): admins.
    app.clock
        .set(start_time() + Duration::days(4) + Duration::hours(1));
    assert_eq!(
        frontdesk_server::app::complaints::check_escalations(&app.state)
            .await
            .unwrap(),
        1
    );
    let k = get().await;
    assert_eq!(k["level"], "admin");
    let kinds: Vec<&str> = k["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["received", "escalated", "escalated"]);

    // A second complaint, paused for the patient's reply, does not run out.
    app.clock.set(start_time());
    let paused = file(
        &app,
        &desk,
        json!({"text": "Wrong letter sent", "channel": "letter"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .post(
            &format!("/api/v1/complaints/{paused}/pause"),
            Some(&desk),
            json!({"reason": "waiting for the patient"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["paused"], true);
    let (status, _) = app
        .post(
            &format!("/api/v1/complaints/{paused}/pause"),
            Some(&desk),
            json!({"reason": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "already paused");
    app.clock.set(start_time() + Duration::days(2));
    frontdesk_server::app::complaints::check_escalations(&app.state)
        .await
        .unwrap();
    let desk = app.token("desk").await;
    let (_, k) = app
        .get(&format!("/api/v1/complaints/{paused}"), Some(&desk))
        .await;
    assert_eq!(k["level"], "owner");
    assert_eq!(k["clocks"]["acknowledge"]["status"], "paused");
}

#[tokio::test]
async fn a_complaint_is_acknowledged_answered_resolved_and_gets_a_letter() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let boss = app.token("boss").await;
    let visit = app.check_in(&desk, "Ana").await["id"].as_i64().unwrap();
    let id = file(
        &app,
        &desk,
        json!({"text": "I waited two hours and nobody told me why.", "channel": "desk", "visit_id": visit,
               "contact": {"name": "Ana Moreno"}, "category": "waiting", "severity": "high"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // A manager signs in with a code, once per code: the session is reused.
    let act = |boss: &str, path: &'static str, body: Value| {
        let (app, boss) = (&app, boss.to_string());
        async move {
            app.post(
                &format!("/api/v1/complaints/{id}/{path}"),
                Some(&boss),
                body,
            )
            .await
        }
    };
    let (status, body) = act(
        &boss,
        "resolve",
        json!({"contact_person": "Pat", "steps": "x", "result": "y"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "acknowledge before resolving: {body}"
    );
    let (status, body) = act(&boss, "acknowledge", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["acknowledged_by"], "boss");
    assert_eq!(body["clocks"]["acknowledge"]["status"], "met");

    let (status, body) = act(&boss, "reply", json!({"text": "   "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["text"], "Required field missing");
    let (status, body) = act(
        &boss,
        "reply",
        json!({"text": "Calm down. It was not our fault, you came at a busy time."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !body["reply"]["sent_anyway"].as_array().unwrap().is_empty(),
        "the coach's flags are recorded with the reply: {body}"
    );

    let (status, body) = act(
        &boss,
        "resolve",
        json!({"contact_person": " ", "steps": "", "result": "Apologised"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["contact_person"],
        "Required field missing"
    );
    assert_eq!(body["error"]["fields"]["steps"], "Required field missing");
    let (status, _) = app
        .get(&format!("/api/v1/complaints/{id}/letter"), Some(&boss))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "no letter before resolution");

    app.clock.advance(Duration::days(2));
    let boss = app.token("boss").await;
    let (status, body) = act(
        &boss,
        "resolve",
        json!({"contact_person": "Pat Boss, practice manager", "steps": "We reviewed the lobby log with the front desk team.",
               "result": "Waiting patients are now updated every 15 minutes."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "resolved");
    assert_eq!(body["clocks"]["resolve"]["status"], "met");
    let (status, letter) = app
        .get(&format!("/api/v1/complaints/{id}/letter"), Some(&boss))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(letter["greeting"].as_str().unwrap().contains("Ana"));
    assert_eq!(letter["completed_on"], "7 March 2026");
    assert_eq!(letter["contact_person"], "Pat Boss, practice manager");
    let text = letter["paragraphs"].to_string();
    assert!(
        text.contains("I waited two hours and nobody told me why."),
        "quotes them: {text}"
    );
    assert!(text.contains("We reviewed the lobby log"));
    assert!(text.contains("updated every 15 minutes"));

    let cookie = sign_in(&app, "boss").await;
    let (status, html) = page(&app, &cookie, &format!("/complaints/{id}/letter")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("7 March 2026") && html.contains("Pat Boss, practice manager"));
    let kinds = app.timeline_kinds(&boss, visit).await;
    assert!(
        kinds.contains(&"complaint_received".into()) && kinds.contains(&"complaint_updated".into()),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn the_reply_screen_holds_a_flagged_reply_and_shows_the_checklist() {
    let app = spawn_app().await;
    let boss = app.token("boss").await;
    let id = file(
        &app,
        &boss,
        json!({"text": "You lost my referral", "channel": "email"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let cookie = sign_in(&app, "boss").await;
    let (status, html) = page(&app, &cookie, &format!("/complaints/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    for step in ["Hear", "Empathize", "Apologize", "Respond", "Follow up"] {
        assert!(html.contains(step), "checklist step {step}");
    }
    let csrf = csrf_in(&html);
    let resp = form(
        &app,
        &cookie,
        &format!("/complaints/{id}/reply"),
        &[
            ("csrf", &csrf),
            ("text", "As I already explained, that is our policy."),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let held = resp.text().await.unwrap();
    assert!(held.contains("The tone coach suggests revising"), "{held}");
    let (_, k) = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&boss))
        .await;
    assert!(!k["events"].to_string().contains("\"reply\""), "not sent");
    let resp = form(
        &app,
        &cookie,
        &format!("/complaints/{id}/reply"),
        &[
            ("csrf", &csrf),
            ("text", "I'm sorry we lost your referral. I have re-sent it today and will call you on Friday to confirm it arrived."),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &cookie, &format!("/complaints/{id}")).await;
    assert!(html.contains("I have re-sent it today"));
    // The list page shows it; a front-desk user does not see a manager's complaint there.
    let (_, list) = page(&app, &cookie, "/complaints").await;
    assert!(list.contains("You lost my referral"));
    let desk_cookie = sign_in(&app, "desk").await;
    let (_, list) = page(&app, &desk_cookie, "/complaints").await;
    assert!(!list.contains("You lost my referral"));
    assert!(list.contains("not shown to your role"));
    let (status, _) = page(&app, &desk_cookie, &format!("/complaints/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_public_feedback_form_marks_required_fields_and_bad_email() {
    let app = spawn_app().await;
    let (status, html) = {
        let r = app
            .client
            .get(format!("{}/feedback", app.url))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("never published") && html.contains("required"));
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}/feedback", app.url))
                .form(&fields)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = post(vec![("name", ""), ("email", "ana@"), ("message", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Required field missing"));
    assert!(html.contains("Email address invalid"));
    let boss = app.token("boss").await;
    let (_, list) = app.get("/api/v1/complaints", Some(&boss)).await;
    assert!(
        list["complaints"].as_array().unwrap().is_empty(),
        "nothing saved"
    );

    let (status, html) = post(vec![
        ("name", "Ana Moreno"),
        ("email", "ana@example.org"),
        (
            "message",
            "The parking meter took my money and nobody at the desk would help.",
        ),
    ])
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Thank you"));
    let (_, list) = app.get("/api/v1/complaints", Some(&boss)).await;
    let k = &list["complaints"][0];
    assert_eq!(k["channel"], "web_form");
    assert_eq!(k["contact"]["email"], "ana@example.org");
    assert!(k["owner"].is_null());
}

#[tokio::test]
async fn complaint_settings_check_every_field_and_the_website() {
    let app = spawn_app().await;
    let boss = app.token("boss").await;
    let (status, body) = app
        .put(
            "/api/v1/settings/complaints",
            &boss,
            json!({"website": "not a website", "business_hours": "Mon-Fri 25:00-18:00", "closed_dates": ["2026-13-01"],
                   "acknowledge_business_days": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = &body["error"]["fields"];
    assert_eq!(f["website"], "Website address invalid");
    assert!(
        f["business_hours"].is_string()
            && f["closed_dates"].is_string()
            && f["acknowledge_business_days"].is_string(),
        "{f}"
    );
    let (_, now) = app.get("/api/v1/settings/complaints", Some(&boss)).await;
    assert_eq!(now["website"], "", "nothing saved half-way");
    // Each field has its type: a number of days sent as text is named, not read.
    let (status, body) = app
        .put(
            "/api/v1/settings/complaints",
            &boss,
            json!({"acknowledge_business_days": "2", "staff_read_all": "yes", "website": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let f = &body["error"]["fields"];
    assert_eq!(
        f["acknowledge_business_days"], "Give a whole number of days",
        "{f}"
    );
    assert_eq!(f["staff_read_all"], "Give true or false", "{f}");
    assert_eq!(f["website"], "Give text", "{f}");

    let (status, body) = app
        .put(
            "/api/v1/settings/complaints",
            &boss,
            json!({"website": "https://clinic.example", "business_hours": "Mon-Fri 09:00-17:00", "closed_dates": ["2026-03-06"],
                   "acknowledge_business_days": 2, "resolve_calendar_days": 10}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Thursday 14:00, Friday closed: two business days is Tuesday 14:00.
    let desk = app.token("desk").await;
    let k = file(&app, &desk, json!({"text": "x", "channel": "desk"})).await;
    assert_eq!(k["clocks"]["acknowledge"]["due_at"], "2026-03-10T14:00:00Z");
    assert_eq!(k["clocks"]["resolve"]["due_at"], "2026-03-15T14:00:00Z");

    let cookie = sign_in(&app, "boss").await;
    let (_, html) = page(&app, &cookie, "/settings").await;
    assert!(html.contains("Mon-Fri 09:00-17:00") && html.contains("2026-03-06"));
    let resp = form(
        &app,
        &cookie,
        "/settings/complaints",
        &[
            ("csrf", &csrf_in(&html)),
            ("business_hours", "Mon-Fri 09:00-17:00"),
            ("acknowledge_business_days", "1"),
            ("resolve_calendar_days", "7"),
            ("website", "ftp//nope"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Website address invalid")
    );
}

#[tokio::test]
async fn a_patient_can_complain_from_their_status_page() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let checked = app.check_in(&desk, "Ana").await;
    let (visit, url) = (
        checked["id"].as_i64().unwrap(),
        checked["status_url"].as_str().unwrap().to_string(),
    );
    let post = |text: &'static str| {
        let (app, url) = (&app, url.clone());
        async move {
            let r = app
                .client
                .post(format!("{}{url}/complaint", app.url))
                .form(&[("text", text)])
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = post("   ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Please tell us what went wrong first."));
    let (status, _) = post("The man at the desk was rude to my mother.").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let boss = app.token("boss").await;
    let (_, list) = app.get("/api/v1/complaints", Some(&boss)).await;
    let k = &list["complaints"][0];
    assert_eq!(k["channel"], "status_page");
    assert_eq!(k["visit_id"], visit);
    assert_eq!(k["contact"]["name"], "Ana Moreno");
    assert_eq!(k["text"], "The man at the desk was rude to my mother.");
}

#[tokio::test]
async fn a_reply_goes_to_the_patient_by_email_when_it_can_and_says_so_when_it_cannot() {
    let config = frontdesk_server::ServerConfig {
        outbox: frontdesk_server::OutboxConfig {
            smtp_addr: Some("127.0.0.1:2525".into()),
            smtp_from: "desk@clinic.example.org".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = spawn_app_with(config, false).await;
    let boss = app.token("boss").await;
    let with_email = file(
        &app,
        &boss,
        json!({"text": "Nobody called me back", "channel": "phone", "contact": {"name": "Ana", "email": "ana@example.org"}}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let without = file(
        &app,
        &boss,
        json!({"text": "Rude on the phone", "channel": "phone"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let reply = "I'm sorry nobody called you back. I will call you myself on Friday before noon.";
    for id in [with_email, without] {
        let (status, body) = app
            .post(
                &format!("/api/v1/complaints/{id}/reply"),
                Some(&boss),
                json!({ "text": reply }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let queued = app.state.store.outbox_messages(10).await.unwrap();
    assert_eq!(
        queued.len(),
        1,
        "only the patient with an address is written to"
    );
    assert_eq!(queued[0].recipient, "ana@example.org");
    assert!(queued[0].subject.contains("Your complaint to Main clinic"));
    assert!(queued[0].body.starts_with(reply));

    let cookie = sign_in(&app, "boss").await;
    let (_, html) = page(&app, &cookie, &format!("/complaints/{with_email}")).await;
    assert!(
        html.contains("goes to the patient by e-mail (a***@example.org)"),
        "{html}"
    );
    assert!(html.contains("sent by e-mail"));
    let (_, html) = page(&app, &cookie, &format!("/complaints/{without}")).await;
    assert!(html.contains("it is not sent automatically"));
    assert!(html.contains("recorded, not sent by the system"));

    // Acknowledging an unowned complaint makes the acknowledger its owner;
    // pausing needs a reason.
    let status = app
        .client
        .post(format!("{}/feedback", app.url))
        .form(&[
            ("name", "Olga"),
            ("email", "olga@example.org"),
            ("message", "The toilets were dirty."),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    let (_, list) = app.get("/api/v1/complaints", Some(&boss)).await;
    let web = list["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["channel"] == "web_form")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, body) = app
        .post(
            &format!("/api/v1/complaints/{web}/acknowledge"),
            Some(&boss),
            json!({}),
        )
        .await;
    assert_eq!(body["owner"], "boss");
    let (status, body) = app
        .post(
            &format!("/api/v1/complaints/{web}/pause"),
            Some(&boss),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["reason"]
            .as_str()
            .unwrap()
            .contains("Say why")
    );
}

#[tokio::test]
async fn complaint_forms_name_every_bad_field_and_keep_what_was_typed() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, "boss").await;
    let (_, html) = page(&app, &cookie, "/complaints").await;
    let csrf = csrf_in(&html);
    let resp = form(
        &app,
        &cookie,
        "/complaints",
        &[
            ("csrf", &csrf),
            ("text", ""),
            ("channel", "desk"),
            ("email", "not-an-email"),
            ("visit_id", "abc"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    for message in [
        "Required field missing",
        "Email address invalid",
        "A visit number is a whole number",
    ] {
        assert!(html.contains(message), "{message}");
    }

    let boss = app.token("boss").await;
    let id = file(
        &app,
        &boss,
        json!({"text": "Lost my form", "channel": "desk"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/complaints/{id}/acknowledge"),
        Some(&boss),
        json!({}),
    )
    .await;
    let resp = form(
        &app,
        &cookie,
        &format!("/complaints/{id}/resolve"),
        &[
            ("csrf", &csrf),
            ("contact_person", "Pat Boss, practice manager"),
            ("steps", ""),
            ("result", ""),
        ],
    )
    .await;
    let html = resp.text().await.unwrap();
    assert!(html.contains("please correct the fields marked below"));
    assert!(html.contains("id=\"steps-error\""));
    assert!(
        html.contains("value=\"Pat Boss, practice manager\""),
        "kept"
    );
}

#[tokio::test]
async fn a_flood_of_complaints_is_worked_a_batch_per_tick() {
    use frontdesk_server::app::complaints::{ESCALATION_BATCH, check_escalations};
    let app = spawn_app().await;
    let n = ESCALATION_BATCH as usize + 50;
    for i in 0..n {
        app.state
            .store
            .create_complaint(
                &frontdesk_store::NewComplaintRecord {
                    location: "main".into(),
                    visit_id: None,
                    complaint: frontdesk_domain::complaint::validate_new(
                        &format!("Nobody called me back ({i})"),
                        "web_form",
                        None,
                        None,
                        None,
                        None,
                        None,
                    )
                    .unwrap(),
                    owner: None,
                    upset: None,
                },
                &frontdesk_store::Actor::system(),
                start_time(),
            )
            .await
            .unwrap();
    }
    // Friday 15:00: every one is overdue. One tick looks at one batch (and
    // the acknowledgement clocks, which run first, never wait behind it)…
    app.clock.set(start_time() + Duration::hours(25));
    assert_eq!(
        check_escalations(&app.state).await.unwrap(),
        ESCALATION_BATCH as usize
    );
    // …the next at the rest, then it starts again from the first.
    assert_eq!(check_escalations(&app.state).await.unwrap(), 50);
    assert_eq!(check_escalations(&app.state).await.unwrap(), 0);
    assert_eq!(check_escalations(&app.state).await.unwrap(), 0);
}
