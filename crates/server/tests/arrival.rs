//! Arrival links against the real app: the reminder goes once (even with
//! two servers) and carries a link for that appointment alone; "I'm here"
//! checks the patient in once and then leads to their status page; the link
//! works on the appointment's day only; "running late" and "can't come"
//! reach the boards' live events; staff make and send links at their own
//! locations only; bad input gets field errors and saves nothing; and no
//! one checks in from afar without a link.

mod support;

use chrono::Duration;
use frontdesk_domain::Timestamp;
use frontdesk_server::app::arrival::check_reminders;
use frontdesk_server::app::outbox::deliver_due;
use frontdesk_server::{AppState, OutboxConfig, ServerConfig};
use frontdesk_store::Actor;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;
use tokio::sync::mpsc;

const PUBLIC: &str = "https://desk.example.org";

/// A local HTTP listener standing in for an SMS and e-mail gateway: every
/// message POSTed to it is handed back.
async fn gateway() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

fn with_gateway(url: &str) -> ServerConfig {
    ServerConfig {
        public_url: Some(PUBLIC.into()),
        outbox: OutboxConfig {
            webhook_url: Some(url.into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The app with messages going to a local gateway.
async fn app_with_gateway() -> (TestApp, mpsc::UnboundedReceiver<Value>) {
    let (url, rx) = gateway().await;
    (spawn_app_with(with_gateway(&url), false).await, rx)
}

/// Import one appointment at `main` (or `location`); its visit id.
async fn import(
    app: &TestApp,
    location: &str,
    id: &str,
    given: &str,
    at: Timestamp,
    phone: Option<&str>,
    email: Option<&str>,
) -> i64 {
    app.state
        .store
        .import_appointments(
            &[frontdesk_domain::appointment::Appointment {
                appointment_id: id.into(),
                location: location.into(),
                provider: "dr-lee".into(),
                visit_type: Some("Diabetes review".into()),
                scheduled_at: at,
                duration_min: Some(20),
                patient: frontdesk_domain::patient::NewPatient {
                    given_name: given.into(),
                    family_name: "Ruiz".into(),
                    preferred_name: None,
                    date_of_birth: "1990-04-01".parse().ok(),
                    phone: phone.map(String::from),
                    email: email.map(String::from),
                },
            }],
            &Actor::system(),
            start_time(),
        )
        .await
        .unwrap();
    app.state
        .store
        .appointment_visit(location, id)
        .await
        .unwrap()
        .id
}

/// Whether a page shows `text` (askama writes `'` as `&#39;`).
fn has(page: &str, text: &str) -> bool {
    page.contains(text) || page.contains(&text.replace('\'', "&#39;"))
}

/// The path `/a/TOKEN` in a message or a URL.
fn link_path(text: &str) -> String {
    let start = text.find("/a/").expect("an arrival link");
    let token: String = text[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("/a/{token}")
}

/// A public page, as a phone opens it: status, body, and where it redirects.
async fn open(app: &TestApp, path: &str) -> (StatusCode, String, Option<String>) {
    let resp = app
        .client
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let to = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (status, resp.text().await.unwrap(), to)
}

/// A patient's form on their link's page (as the browser sends it: from the
/// same origin).
async fn press(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let resp = app
        .client
        .post(format!("{}{path}", app.url))
        .header("sec-fetch-site", "same-origin")
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let to = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (status, resp.text().await.unwrap(), to)
}

/// Make a link to hand over, by the API as `desk`: its path.
async fn make_link(app: &TestApp, visit: i64) -> String {
    let token = app.token("desk").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit}/arrival-link"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    link_path(body["url"].as_str().unwrap())
}

async fn visit_json(app: &TestApp, visit: i64) -> Value {
    let token = app.token("desk").await;
    let (status, body) = app
        .get(&format!("/api/v1/visits/{visit}"), Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn kinds(app: &TestApp, visit: i64) -> Vec<String> {
    let token = app.token("desk").await;
    app.timeline_kinds(&token, visit).await
}

/// Read `want` named events from a staff member's event stream.
async fn read_events(resp: reqwest::Response, want: usize) -> Vec<(String, Value)> {
    use futures_util::StreamExt;
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while events.len() < want {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time")
            .expect("the stream goes on")
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

async fn event_stream(
    app: &TestApp,
    user: &str,
    want: usize,
) -> tokio::task::JoinHandle<Vec<(String, Value)>> {
    let token = app.token(user).await;
    let resp = app
        .client
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let reader = tokio::spawn(read_events(resp, want));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    reader
}

#[tokio::test]
async fn the_reminder_goes_once_and_im_here_checks_in_once() {
    let (app, mut gateway) = app_with_gateway().await;
    let at = start_time() + Duration::hours(3); // 17:00 UTC
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        at,
        Some("+1 555 010 1234"),
        None,
    )
    .await;
    let carla = import(&app, "main", "A-2", "Carla", at, None, None).await;
    let dan = import(
        &app,
        "main",
        "A-3",
        "Dan",
        start_time() + Duration::minutes(40),
        None,
        Some("dan@example.org"),
    )
    .await;
    // Dan is checked in at the desk before his reminder: he gets none.
    let desk = app.token("desk").await;
    let (status, _) = app
        .post(
            "/api/v1/visits",
            Some(&desk),
            json!({"given_name": "Dan", "family_name": "Ruiz", "appointment_id": "A-3"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Three hours ahead: not yet (the default lead time is two hours).
    assert_eq!(check_reminders(&app.state).await.unwrap(), 0);
    app.clock.advance(Duration::minutes(59));
    assert_eq!(check_reminders(&app.state).await.unwrap(), 0);
    app.clock.advance(Duration::minutes(1));
    // Two servers sharing the database, both watching: one reminder.
    let other = AppState::new(
        app.state.store.clone(),
        app.clock.clone(),
        app.state.config.clone(),
    );
    let (a, b) = tokio::join!(check_reminders(&app.state), check_reminders(&other));
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "Bea only: Carla has no address, Dan is here"
    );
    assert_eq!(
        check_reminders(&app.state).await.unwrap(),
        0,
        "and only once"
    );
    app.clock.advance(Duration::minutes(30));
    assert_eq!(check_reminders(&app.state).await.unwrap(), 0);
    let queued = app.state.store.outbox_messages(10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].visit_id, Some(bea));
    assert!(kinds(&app, carla).await.iter().all(|k| k != "arrival_link"));
    assert!(kinds(&app, dan).await.iter().all(|k| k != "arrival_link"));

    // Delivered: a short plain text with the practice, the time and the link.
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let message = gateway.recv().await.unwrap();
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["to"], "+1 555 010 1234");
    let body = message["body"].as_str().unwrap();
    assert!(
        body.starts_with("Hi Bea, this is Main clinic about your appointment today at 17:00."),
        "{body}"
    );
    assert!(body.contains(&format!("{PUBLIC}/a/")), "{body}");
    for private in ["Ruiz", "Dr. Lee", "dr-lee", "Diabetes", "1990"] {
        assert!(!body.contains(private), "{private} in {body}");
    }
    let sent = &app.state.store.outbox_messages(10).await.unwrap()[0];
    assert!(
        !sent.body.contains("/a/"),
        "the link leaves the outbox once delivered"
    );
    let link = link_path(body);

    // The page: first name, practice, time; nothing else about the patient.
    let (status, page, _) = open(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "Hi Bea.",
        "Main clinic",
        "today at 17:00",
        "I'm here",
        "I can't come",
        "Tell the desk I'm running late",
    ] {
        assert!(has(&page, shown), "{shown} missing");
    }
    for hidden in ["Ruiz", "1990", "Dr. Lee", "Diabetes", "555"] {
        assert!(!page.contains(hidden), "{hidden} shown");
    }

    // "I'm here": checked in, and on to the status page.
    let (status, _, to) = press(&app, &format!("{link}/here"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let status_page = to.unwrap();
    assert!(status_page.starts_with("/s/"), "{status_page}");
    let (status, page, _) = open(&app, &status_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Hi Bea."));
    let v = visit_json(&app, bea).await;
    assert_eq!(v["state"], "waiting");
    assert!(
        v["promise"]["due_at"].is_string(),
        "a wait promise, as every check-in"
    );
    let arrived: Vec<&Value> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "arrived")
        .collect();
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0]["actor"], "arrival-link");

    // Pressed again: the same page, still one visit and one arrival.
    let (status, _, again) = press(&app, &format!("{link}/here"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        again.as_deref().map(|p| p.split('?').next().unwrap()),
        Some(status_page.split('?').next().unwrap())
    );
    let lobby = app.lobby(&app.token("desk").await).await;
    assert_eq!(lobby.iter().filter(|v| v["id"] == bea).count(), 1);
    assert_eq!(
        kinds(&app, bea)
            .await
            .iter()
            .filter(|k| *k == "arrived")
            .count(),
        1
    );
    // And the link itself now leads to the status page.
    let (status, _, to) = open(&app, &link).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.unwrap().split('?').next(), status_page.split('?').next());
    // Late or can't come after arriving changes nothing.
    let (status, _, _) = press(&app, &format!("{link}/late"), &[("minutes", "10")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = press(&app, &format!("{link}/cant-come"), &[("confirm", "yes")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(visit_json(&app, bea).await["state"], "waiting");
    assert!(
        kinds(&app, bea)
            .await
            .iter()
            .all(|k| k != "running_late" && k != "cant_come")
    );
    let audit = app.state.store.audit_log(200).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.actor == "arrival-link" && a.action == "visit.check_in")
    );
    assert!(
        audit
            .iter()
            .any(|a| a.actor == "arrival-link" && a.action == "visit.read"),
        "the page's reads are audited"
    );
}

#[tokio::test]
async fn a_patient_checked_in_at_the_desk_finds_their_status_page_on_the_link() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        None,
        None,
    )
    .await;
    let link = make_link(&app, bea).await;
    let desk = app.token("desk").await;
    let (status, _) = app
        .post(
            &format!("/api/v1/visits/{bea}/transitions"),
            Some(&desk),
            json!({"to": "waiting"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, to) = open(&app, &link).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = to.unwrap();
    let (status, page, _) = open(&app, &to).await;
    assert_eq!(status, StatusCode::OK, "{to}");
    assert!(page.contains("Hi Bea."));
    let (_, _, again) = press(&app, &format!("{link}/here"), &[]).await;
    assert_eq!(again.unwrap().split('?').next(), to.split('?').next());
    assert_eq!(
        kinds(&app, bea)
            .await
            .iter()
            .filter(|k| *k == "arrived" || *k == "transitioned")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_link_works_on_its_appointments_day_only() {
    let app = spawn_app().await;
    // Tomorrow at 09:00; made today.
    let tomorrow = start_time() + Duration::hours(19);
    let bea = import(&app, "main", "A-9", "Bea", tomorrow, None, None).await;
    let token = app.token("desk").await;
    let (status, made) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["valid_from"], "2026-03-06T00:00:00Z");
    assert_eq!(made["expires_at"], "2026-03-07T00:00:00Z");
    let link = link_path(made["url"].as_str().unwrap());

    let (status, not_yet, _) = open(&app, &link).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the day before");
    assert!(not_yet.contains("Please ask at the front desk."));
    let (status, _, _) = press(&app, &format!("{link}/here"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(visit_json(&app, bea).await["state"], "expected");

    app.clock.advance(Duration::hours(10)); // 00:00 on the day
    let (status, page, _) = open(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("today at 09:00"));
    app.clock.advance(Duration::hours(24)); // the day after
    let (status, after, _) = open(&app, &link).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the day after");
    // Wrong, malformed and expired links all look the same.
    let wrong = format!("/a/{}", "x".repeat(43));
    let (status, wrong_page, _) = open(&app, &wrong).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, short_page, _) = open(&app, "/a/abc").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(after, wrong_page);
    assert_eq!(after, short_page);
    assert_eq!(after, not_yet);
    for (path, fields) in [
        (format!("{wrong}/here"), vec![]),
        (format!("{wrong}/late"), vec![("minutes", "10")]),
        (format!("{wrong}/cant-come"), vec![("confirm", "yes")]),
    ] {
        let (status, body, _) = press(&app, &path, &fields).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, after);
    }
    // A day that is over gets no new link.
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link"),
            Some(&app.token("desk").await),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "invalid_transition");
}

#[tokio::test]
async fn running_late_reaches_the_board_and_bad_input_saves_nothing() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        None,
        None,
    )
    .await;
    let link = make_link(&app, bea).await;
    let events = event_stream(&app, "desk", 1).await;
    let before = kinds(&app, bea).await;

    // No choice, or one not offered: the page again with the message, nothing saved.
    for fields in [
        vec![],
        vec![("minutes", "7")],
        vec![("minutes", "lots")],
        vec![("minutes", "")],
    ] {
        let (status, refused, _) = press(&app, &format!("{link}/late"), &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(refused.contains("id=\"late-error\""));
        assert!(refused.contains("Choose how late you will be"));
        assert!(refused.contains("aria-describedby=\"late-error\""));
    }
    let (status, es, _) = press(&app, &format!("{link}/late?lang=es"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(es.contains("Elija cuánto tarde llegará."));
    assert_eq!(kinds(&app, bea).await, before);

    let (status, _, to) = press(&app, &format!("{link}/late"), &[("minutes", "10")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = to.unwrap();
    assert!(to.ends_with("done=late"), "{to}");
    let (_, told, _) = open(&app, &to).await;
    assert!(told.contains("about 10 minutes late"), "{told}");
    assert!(
        has(&told, "I'm here"),
        "they can still check in when they arrive"
    );

    let got = events.await.unwrap();
    let (name, data) = got
        .iter()
        .find(|(n, _)| n == "running_late")
        .expect("running_late on the stream");
    assert_eq!(name, "running_late");
    assert_eq!(data["visit_id"], bea);
    assert_eq!(data["minutes"], 10);
    assert_eq!(data["name"], "Bea R.");
    assert_eq!(data["scheduled_local"], "15:00");
    assert_eq!(data["expected_local"], "15:10");
    assert_eq!(data["location"], "main");

    // On the visit's timeline, and on the board's expected list.
    assert_eq!(kinds(&app, bea).await.last().unwrap(), "running_late");
    let cookie = sign_in(&app, "desk").await;
    let (_, board) = page(&app, &cookie, "/board").await;
    assert!(
        board.contains("Running about 10 min late"),
        "the board's expected list"
    );
    let v = visit_json(&app, bea).await;
    let last = v["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["description"],
        "The patient said they are running about 10 minutes late (arrival link); expected by 2026-03-05T15:10:00Z"
    );

    // A few times at most, then they are asked to call.
    for _ in 0..3 {
        let (status, _, _) = press(&app, &format!("{link}/late"), &[("minutes", "15")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    let (status, page, _) = press(&app, &format!("{link}/late"), &[("minutes", "30")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("please call the desk"), "{page}");
    assert_eq!(
        kinds(&app, bea)
            .await
            .iter()
            .filter(|k| *k == "running_late")
            .count(),
        4
    );
}

#[tokio::test]
async fn cant_come_asks_first_then_cancels_and_tells_the_board() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        None,
        None,
    )
    .await;
    let link = make_link(&app, bea).await;
    let events = event_stream(&app, "desk", 1).await;

    // First the question; nothing changes yet.
    let (status, page, _) = press(&app, &format!("{link}/cant-come"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has(&page, "Cancel today's appointment?"), "{page}");
    assert!(page.contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(visit_json(&app, bea).await["state"], "expected");

    let (status, _, to) = press(&app, &format!("{link}/cant-come"), &[("confirm", "yes")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page, _) = open(&app, &to.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Your appointment is cancelled"), "{page}");
    assert!(!page.contains("action=\"/a/"), "no more buttons");

    let v = visit_json(&app, bea).await;
    assert_eq!(
        v["state"], "cancelled",
        "cancelled, not a no-show: they told us"
    );
    let k = kinds(&app, bea).await;
    assert_eq!(k[k.len() - 2..], ["transitioned", "cant_come"]);
    let got = events.await.unwrap();
    let (_, data) = got
        .iter()
        .find(|(n, _)| n == "cant_come")
        .expect("cant_come on the stream");
    assert_eq!(data["visit_id"], bea);
    assert_eq!(data["state"], "cancelled");
    assert_eq!(data["name"], "Bea R.");

    // The link has nothing more to offer: "I'm here" checks nobody in.
    let (status, _, to) = press(&app, &format!("{link}/here"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.unwrap().starts_with(&link));
    assert_eq!(visit_json(&app, bea).await["state"], "cancelled");
    let (status, page, _) = open(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("no longer open"));
    let desk = app.token("desk").await;
    assert!(app.lobby(&desk).await.is_empty());
}

#[tokio::test]
async fn forms_from_other_sites_are_refused() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        None,
        None,
    )
    .await;
    let link = make_link(&app, bea).await;
    for site in ["cross-site", "same-site"] {
        for (path, fields) in [
            (format!("{link}/here"), vec![]),
            (format!("{link}/late"), vec![("minutes", "10")]),
            (format!("{link}/cant-come"), vec![("confirm", "yes")]),
        ] {
            let resp = app
                .client
                .post(format!("{}{path}", app.url))
                .header("sec-fetch-site", site)
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{site} {path}");
        }
    }
    assert_eq!(visit_json(&app, bea).await["state"], "expected");
    assert!(kinds(&app, bea).await.iter().all(|k| k != "running_late"));
    // A browser that does not say where a form came from (older ones) is let through.
    let resp = app
        .client
        .post(format!("{}{link}/here", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(visit_json(&app, bea).await["state"], "waiting");
}

#[tokio::test]
async fn staff_make_and_send_links_at_their_own_locations() {
    let (app, mut gateway) = app_with_gateway().await;
    let at = start_time() + Duration::hours(4);
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        at,
        Some("+1 555 010 1234"),
        None,
    )
    .await;
    let carla = import(&app, "main", "A-2", "Carla", at, None, None).await;
    let desk = app.token("desk").await;
    let nora = app.token("nora").await;

    // Another location's visit is not found; no token is not signed in.
    for path in [
        format!("/api/v1/visits/{bea}/arrival-link"),
        format!("/api/v1/visits/{bea}/arrival-link/send"),
    ] {
        let (status, body) = app.post(&path, Some(&nora), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(&body), "not_found");
        let (status, body) = app.post(&path, None, json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthenticated");
    }
    let (status, _) = app
        .post("/api/v1/visits/999999/arrival-link", Some(&desk), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.state.store.arrival_links(bea).await.unwrap().is_empty());

    // Bad input: a field error each, and nothing saved.
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{carla}/arrival-link/send"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["fields"]["contact"],
        "No phone number or e-mail address on file for this appointment"
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link/send"),
            Some(&desk),
            json!({"channel": "fax"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["channel"],
        "Unknown channel; use email or sms"
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link/send"),
            Some(&desk),
            json!({"channel": "email"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["channel"],
        "No e-mail address on file for this appointment"
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link/send"),
            Some(&desk),
            json!({"channel": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["channel"].is_string());
    let (status, body) = app
        .post_raw(
            &format!("/api/v1/visits/{bea}/arrival-link/send"),
            Some(&desk),
            "{not json".into(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_request");
    assert!(app.state.store.arrival_links(bea).await.unwrap().is_empty());
    assert!(
        app.state
            .store
            .arrival_links(carla)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.state
            .store
            .outbox_messages(10)
            .await
            .unwrap()
            .is_empty()
    );

    // Made to hand over: the link, on the public address, for that day.
    let (status, made) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert!(
        made["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{PUBLIC}/a/")),
        "{made}"
    );
    assert_eq!(made["expires_at"], "2026-03-06T00:00:00Z");
    assert_eq!(made["sent_to"], json!([]));

    // Sent: by the outbox to the phone on file, masked in the answer, no link in it.
    let (status, sent) = app
        .post_raw(
            &format!("/api/v1/visits/{bea}/arrival-link/send"),
            Some(&desk),
            String::new(),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    assert_eq!(
        sent["sent_to"],
        json!([{"channel": "sms", "to": "***1234"}])
    );
    assert!(sent.get("url").is_none(), "{sent}");
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let message = gateway.recv().await.unwrap();
    let sent_link = link_path(message["body"].as_str().unwrap());
    assert_ne!(
        sent_link,
        link_path(made["url"].as_str().unwrap()),
        "a new link each time"
    );
    let (status, _, _) = open(&app, &sent_link).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = open(&app, &link_path(made["url"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK, "the earlier link still works today");
    // Sent by hand counts as the reminder: the watcher sends no other.
    app.clock.advance(Duration::hours(3));
    assert_eq!(check_reminders(&app.state).await.unwrap(), 0);
    let audit = app.state.store.audit_log(100).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "arrival_link.create" && a.actor == "desk")
            .count(),
        2
    );
    assert!(audit.iter().all(|a| !a.detail.contains("555")));
    let described: Vec<String> = visit_json(&app, bea).await["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "arrival_link")
        .map(|e| e["description"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        described,
        [
            "Arrival link made by desk, shown to staff to hand over",
            "Arrival link made by desk, sent by text message"
        ]
    );

    // Not for a patient already here.
    press(&app, &format!("{sent_link}/here"), &[]).await;
    let desk = app.token("desk").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "invalid_transition");
}

#[tokio::test]
async fn without_a_way_out_a_link_can_only_be_handed_over() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        Some("+1 555 010 1234"),
        None,
    )
    .await;
    let desk = app.token("desk").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link/send"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "conflict");
    assert!(app.state.store.arrival_links(bea).await.unwrap().is_empty());
    // Nor does the watcher queue anything.
    assert_eq!(check_reminders(&app.state).await.unwrap(), 0);
    // The visit page offers "Make" only.
    let cookie = sign_in(&app, "desk").await;
    let (_, page) = page(&app, &cookie, &format!("/visits/{bea}")).await;
    assert!(page.contains("Make arrival link"));
    assert!(!page.contains("Send arrival link"));
}

#[tokio::test]
async fn the_visit_page_makes_and_sends_links() {
    let (app, _gateway) = app_with_gateway().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(4),
        Some("+1 555 010 1234"),
        None,
    )
    .await;
    let cookie = sign_in(&app, "desk").await;
    let (status, visit) = page(&app, &cookie, &format!("/visits/{bea}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(visit.contains("Make arrival link"));
    assert!(visit.contains("Send arrival link"));
    assert!(
        has(
            &visit,
            "The reminder with the patient's arrival link goes at 16:00 by text message ***1234."
        ),
        "{visit}"
    );
    let csrf = csrf_in(&visit);

    // Without the form's token: refused.
    let resp = form(&app, &cookie, &format!("/visits/{bea}/arrival-link"), &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(app.state.store.arrival_links(bea).await.unwrap().is_empty());

    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{bea}/arrival-link"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let made = resp.text().await.unwrap();
    assert!(made.contains(&format!("href=\"{PUBLIC}/a/")), "{made}");
    assert!(made.contains("<svg"), "a QR code to scan");
    assert!(made.contains("Thursday 5 March only"));

    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{bea}/arrival-link/send"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page_after = resp.text().await.unwrap();
    assert!(
        page_after.contains("A new arrival link is on its way by text message to ***1234."),
        "{page_after}"
    );
    assert!(page_after.contains("Resend arrival link"));
    assert_eq!(app.state.store.arrival_links(bea).await.unwrap().len(), 2);

    // Staff of another location: not found.
    let north = sign_in(&app, "nora").await;
    let (_, north_page) = page(&app, &north, "/board?location=north").await;
    let resp = form(
        &app,
        &north,
        &format!("/visits/{bea}/arrival-link"),
        &[("csrf", &csrf_in(&north_page))],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = form(
        &app,
        &north,
        &format!("/visits/{bea}/arrival-link/send"),
        &[("csrf", &csrf_in(&north_page))],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.state.store.arrival_links(bea).await.unwrap().len(), 2);

    // Once checked in, the panel is gone and a late form says why.
    let desk = app.token("desk").await;
    app.post(
        &format!("/api/v1/visits/{bea}/transitions"),
        Some(&desk),
        json!({"to": "waiting"}),
    )
    .await;
    let (_, visit) = page(&app, &cookie, &format!("/visits/{bea}")).await;
    assert!(!visit.contains("Make arrival link"));
    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{bea}/arrival-link"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("this visit is waiting"));
}

#[tokio::test]
async fn nobody_checks_in_from_afar_without_an_arrival_link() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        None,
        None,
    )
    .await;
    // The API needs staff.
    let (status, body) = app
        .post("/api/v1/visits", None, json!({"given_name": "Bea", "family_name": "Ruiz", "date_of_birth": "1990-04-01", "appointment_id": "A-1"}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // The kiosk needs a paired tablet.
    let resp = app
        .client
        .post(format!("{}/kiosk", app.url))
        .form(&[
            ("given_name", "Bea"),
            ("family_name", "Ruiz"),
            ("date_of_birth", "1990-04-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The board's form needs a signed-in session.
    let resp = app
        .client
        .post(format!("{}/board/check-in", app.url))
        .form(&[
            ("given_name", "Bea"),
            ("family_name", "Ruiz"),
            ("date_of_birth", "1990-04-01"),
        ])
        .send()
        .await
        .unwrap();
    let to = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        to.is_some_and(|to| to.starts_with("/login")),
        "sent to sign in"
    );
    // No name-and-birth-date door on the patients' pages.
    for path in ["/s/check-in", "/a/check-in", "/check-in"] {
        let resp = app
            .client
            .post(format!("{}{path}", app.url))
            .form(&[
                ("given_name", "Bea"),
                ("family_name", "Ruiz"),
                ("date_of_birth", "1990-04-01"),
            ])
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_client_error(), "{path}: {}", resp.status());
    }
    assert_eq!(visit_json(&app, bea).await["state"], "expected");
    let desk = app.token("desk").await;
    assert!(app.lobby(&desk).await.is_empty());
}

fn assert_accessible_markup(page: &str, lang: &str) {
    assert!(
        page.contains(&format!("<html lang=\"{lang}\">")),
        "page language"
    );
    assert!(page.contains("<title>") && !page.contains("<title></title>"));
    assert!(page.contains("width=device-width") && !page.contains("user-scalable=no"));
    assert!(page.contains("<h1>"), "a heading");
    assert!(
        page.contains("aria-live=\"polite\""),
        "notices are announced"
    );
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
    for (i, _) in page.match_indices("<button") {
        let open_end = page[i..].find('>').unwrap() + i + 1;
        let close = page[open_end..].find("</button>").unwrap() + open_end;
        assert!(
            !page[open_end..close].trim().is_empty(),
            "a button without a name at {i}"
        );
    }
    assert!(
        page.contains("<fieldset") && page.contains("<legend>"),
        "the choices are grouped and named"
    );
}

#[tokio::test]
async fn the_arrival_page_passes_the_accessibility_checks_we_can_automate() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        None,
        None,
    )
    .await;
    let link = make_link(&app, bea).await;
    let (_, en, _) = open(&app, &link).await;
    assert_accessible_markup(&en, "en");
    assert!(
        en.contains("lang=\"es\">Español</a>"),
        "the other language is marked"
    );
    let (_, es, _) = open(&app, &format!("{link}?lang=es")).await;
    assert_accessible_markup(&es, "es");
    assert!(es.contains("Ya estoy aquí") && es.contains("Hola, Bea."));
    // The browser's language is followed.
    let resp = app
        .client
        .get(format!("{}{link}", app.url))
        .header("accept-language", "es-MX,es;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("<html lang=\"es\">"));
    // An error is tied to its choices.
    let (_, page, _) = press(&app, &format!("{link}/late"), &[]).await;
    assert!(page.contains("aria-describedby=\"late-error\""));
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("id=\"late-error\""));
    // No script is needed: every action is a plain form.
    assert!(!en.contains("<script"));
    assert_eq!(en.matches("<form method=\"post\"").count(), 3);
}

#[tokio::test]
async fn two_presses_at_once_are_one_check_in() {
    let app = spawn_app().await;
    let bea = import(
        &app,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::hours(1),
        None,
        None,
    )
    .await;
    let link = make_link(&app, bea).await;
    let here = format!("{link}/here");
    let (a, b) = tokio::join!(press(&app, &here, &[]), press(&app, &here, &[]));
    for (status, _, _) in [&a, &b] {
        assert_eq!(*status, StatusCode::SEE_OTHER);
    }
    let path = |to: &Option<String>| {
        to.as_deref()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(path(&a.2), path(&b.2), "both lead to the same status page");
    assert!(path(&a.2).starts_with("/s/"));
    let desk = app.token("desk").await;
    assert_eq!(app.lobby(&desk).await.len(), 1);
    assert_eq!(
        kinds(&app, bea)
            .await
            .iter()
            .filter(|k| *k == "arrived")
            .count(),
        1
    );
    let links = app.state.store.arrival_links(bea).await.unwrap();
    assert!(links[0].used_at.is_some());
}

#[tokio::test]
async fn the_api_document_describes_arrival_links() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = &body["paths"];
    assert!(paths["/visits/{id}/arrival-link"]["post"]["responses"]["201"].is_object());
    assert!(paths["/visits/{id}/arrival-link/send"]["post"]["responses"]["202"].is_object());
    assert!(body["components"]["schemas"]["ArrivalLink"]["properties"]["expires_at"].is_object());
    assert!(
        paths["/events"]["get"]["summary"]
            .as_str()
            .unwrap()
            .contains("running_late")
    );
}

#[tokio::test]
async fn the_reminder_timing_is_a_setting() {
    use frontdesk_domain::arrival::ReminderTiming;
    let (url, _rx) = gateway().await;
    let at = start_time() + Duration::hours(6); // 20:00
    // Off: none, however close.
    let off = spawn_app_with(
        ServerConfig {
            arrival_reminder: ReminderTiming::Off,
            ..with_gateway(&url)
        },
        false,
    )
    .await;
    import(
        &off,
        "main",
        "A-1",
        "Bea",
        start_time() + Duration::minutes(30),
        Some("+1 555 010 1234"),
        None,
    )
    .await;
    assert_eq!(check_reminders(&off.state).await.unwrap(), 0);
    // The morning of: past 07:00 every appointment later today is due at once.
    let morning = spawn_app_with(
        ServerConfig {
            arrival_reminder: ReminderTiming::parse("07:00").unwrap(),
            ..with_gateway(&url)
        },
        false,
    )
    .await;
    import(
        &morning,
        "main",
        "A-1",
        "Bea",
        at,
        Some("+1 555 010 1234"),
        None,
    )
    .await;
    import(
        &morning,
        "main",
        "A-2",
        "Carla",
        at + Duration::hours(14), // 10:00 tomorrow
        Some("+1 555 010 5678"),
        None,
    )
    .await;
    assert_eq!(
        check_reminders(&morning.state).await.unwrap(),
        1,
        "today's, not tomorrow's"
    );
    morning.clock.advance(Duration::hours(10)); // 00:00 tomorrow
    assert_eq!(
        check_reminders(&morning.state).await.unwrap(),
        0,
        "tomorrow's waits for 07:00"
    );
    morning.clock.advance(Duration::hours(7));
    assert_eq!(check_reminders(&morning.state).await.unwrap(), 1);
}
