//! The pages people use, in headless Chromium: a patient checks in on the
//! kiosk, the staff board shows them without a reload, turns overdue when the
//! clock runs out, a staff member acknowledges, and the board and lobby TV
//! follow. A patient name with a script tag is shown as text everywhere. A
//! board opened late shows who is upset and what is unanswered, and a promise
//! reminder reaches an open board when its time comes.

mod support;

use chrono::Duration;
use serde_json::json;
use std::time::Duration as Wait;
use support::webdriver::Browser;
use support::*;

const T: Wait = Wait::from_secs(10);

async fn sign_in_browser(browser: &Browser, app: &TestApp, user: &str, next: &str) {
    browser
        .goto(&format!("{}/login?next={next}", app.url))
        .await
        .unwrap();
    browser
        .find("#username")
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    browser
        .find("#password")
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find("form[action='/login'] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_until(&format!("window.location.pathname === '{next}'"), T)
        .await
        .unwrap();
}

/// Mark the page so that a reload (which clears the mark) can be told apart
/// from an update made in place.
async fn mark_page(browser: &Browser) {
    browser
        .execute("window.__notReloaded = true; return true;", vec![])
        .await
        .unwrap();
}

/// `true` while the page still carries the [`mark_page`] mark: it has not
/// reloaded since.
async fn still_marked(browser: &Browser) -> serde_json::Value {
    browser
        .execute("return window.__notReloaded === true;", vec![])
        .await
        .unwrap()
}

#[tokio::test]
async fn kiosk_arrival_to_acknowledgement_on_board_and_tv() {
    if !webdriver::browser_or_skip("kiosk_arrival_to_acknowledgement_on_board_and_tv") {
        return;
    }
    let config = frontdesk_server::ServerConfig {
        clock_tick: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let app = spawn_app_with(config, true).await;
    let staff = Browser::start().await.unwrap();
    let tv = Browser::start().await.unwrap();
    let kiosk = Browser::start().await.unwrap();

    sign_in_browser(&staff, &app, "desk", "/board").await;
    staff
        .wait_until(
            "document.getElementById('board').getAttribute('data-live') === 'yes'",
            T,
        )
        .await
        .unwrap();
    mark_page(&staff).await;
    sign_in_browser(&tv, &app, "desk", "/tv").await;
    mark_page(&tv).await;

    // A tablet that was not paired is no kiosk: staff pair it first.
    kiosk.goto(&format!("{}/kiosk", app.url)).await.unwrap();
    kiosk
        .wait_for_text("h1", "This kiosk is not set up", T)
        .await
        .unwrap();
    let boss = app.token("boss").await;
    let (_, made) = app
        .post(
            "/api/v1/kiosks",
            Some(&boss),
            serde_json::json!({"name": "Lobby tablet"}),
        )
        .await;
    kiosk
        .goto(made["pairing_url"].as_str().unwrap())
        .await
        .unwrap();
    kiosk.wait_for_text("h1", "Lobby tablet", T).await.unwrap();
    kiosk
        .find("form button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    kiosk.wait_for("#given_name", T).await.unwrap();

    // The patient checks in on the kiosk, with markup in their name.
    let name = "Ana<script>window.pwned=1</script>";
    kiosk.goto(&format!("{}/kiosk", app.url)).await.unwrap();
    kiosk
        .find("#given_name")
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    kiosk
        .find("#family_name")
        .await
        .unwrap()
        .send_keys("Moreno")
        .await
        .unwrap();
    let dob = kiosk.find("#date_of_birth").await.unwrap();
    kiosk
        .execute(
            "arguments[0].value = '1980-02-29'; return true;",
            vec![dob.to_arg()],
        )
        .await
        .unwrap();
    kiosk
        .find("form[action='/kiosk'] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let thanks = kiosk
        .wait_for_text("#checked-in h1", "You're checked in", T)
        .await
        .unwrap();
    assert!(
        thanks.contains(name),
        "the name is shown as typed: {thanks}"
    );

    // The board shows them without a reload, on time.
    let row = staff
        .wait_for_text("#board-rows", "Moreno", T)
        .await
        .unwrap();
    assert!(row.contains(&format!("{name} Moreno")), "{row}");
    assert!(row.contains("On time"));
    assert_eq!(still_marked(&staff).await, json!(true));
    // So does the TV: first name and last initial only.
    let tv_text = tv.wait_for_text("#tv-rows", "M.", T).await.unwrap();
    assert!(tv_text.contains(&format!("{name} M.")), "{tv_text}");
    assert!(!tv_text.contains("Moreno"));

    // Nobody acknowledges; the clock runs out.
    app.clock.advance(Duration::minutes(3));
    let alert = staff.wait_for_text("#alerts", "Overdue", T).await.unwrap();
    assert!(alert.contains(&format!("{name} M.")), "{alert}");
    staff
        .wait_for_text("#board-rows .pill", "Overdue", T)
        .await
        .unwrap();
    assert_eq!(still_marked(&staff).await, json!(true));

    // A staff member acknowledges with one click.
    staff
        .find("#board-rows button.ack")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let row = staff
        .wait_for_text("#board-rows", "by desk", T)
        .await
        .unwrap();
    assert!(row.contains("On time"), "{row}");

    // Rooming the patient shows on the TV without a reload.
    staff
        .find("#board-rows button[aria-label^='Room:']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    staff
        .wait_for_text("#board-rows", "Roomed", T)
        .await
        .unwrap();
    tv.wait_for_text("#tv-rows", "In a room", T).await.unwrap();
    assert_eq!(still_marked(&tv).await, json!(true));

    // The script in the name never ran anywhere.
    for b in [&staff, &tv, &kiosk] {
        assert_eq!(
            b.execute("return typeof window.pwned;", vec![])
                .await
                .unwrap(),
            json!("undefined")
        );
    }
    // The visit page shows the whole timeline, the name still as text.
    staff
        .find("#board-rows a")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let timeline = staff
        .wait_for_text("ol.timeline", "Acknowledged by desk", T)
        .await
        .unwrap();
    assert!(
        timeline.contains("Arrived (checked in by kiosk:1)"),
        "{timeline}"
    );
    assert!(timeline.contains("Acknowledgement overdue"), "{timeline}");
    assert_eq!(
        staff
            .execute("return typeof window.pwned;", vec![])
            .await
            .unwrap(),
        json!("undefined")
    );
    assert_eq!(
        staff.find("h1").await.unwrap().text().await.unwrap(),
        format!("{name} Moreno")
    );

    kiosk.quit().await.unwrap();
    tv.quit().await.unwrap();
    staff.quit().await.unwrap();
}

#[tokio::test]
async fn a_bad_check_in_on_the_board_shows_field_errors() {
    if !webdriver::browser_or_skip("a_bad_check_in_on_the_board_shows_field_errors") {
        return;
    }
    let app = spawn_app().await;
    let staff = Browser::start().await.unwrap();
    sign_in_browser(&staff, &app, "desk", "/board").await;
    staff
        .find("#family_name")
        .await
        .unwrap()
        .send_keys("Moreno")
        .await
        .unwrap();
    let dob = staff.find("#date_of_birth").await.unwrap();
    staff
        .execute(
            "arguments[0].value = '2099-01-01'; return true;",
            vec![dob.to_arg()],
        )
        .await
        .unwrap();
    staff
        .find("form[action='/board/check-in'] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        staff
            .wait_for_text("#given_name-error", "Required", T)
            .await
            .unwrap(),
        "Required field missing"
    );
    assert_eq!(
        staff
            .find("#date_of_birth-error")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Date of birth is in the future"
    );
    assert_eq!(
        staff
            .find("#family_name")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap(),
        json!("Moreno")
    );
    let token = app.token("desk").await;
    assert!(app.lobby(&token).await.is_empty());
    staff.quit().await.unwrap();
}

#[tokio::test]
async fn the_status_page_updates_itself_and_apologises_in_spanish() {
    if !webdriver::browser_or_skip("the_status_page_updates_itself_and_apologises_in_spanish") {
        return;
    }
    let config = frontdesk_server::ServerConfig {
        status_refresh: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let app = spawn_app_with(config, false).await;
    let token = app.token("desk").await;
    let (_, body) = app
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"given_name": "Lucía", "family_name": "Moreno"}),
        )
        .await;
    let url = body["status_url"].as_str().unwrap().to_string();
    let phone = Browser::start().await.unwrap();
    phone
        .goto(&format!("{}{url}?lang=es", app.url))
        .await
        .unwrap();
    assert_eq!(
        phone.find("h1").await.unwrap().text().await.unwrap(),
        "Hola, Lucía."
    );
    let first = phone.find("#headline").await.unwrap().text().await.unwrap();
    assert!(first.starts_with("Le atenderemos hacia las"), "{first}");
    mark_page(&phone).await;

    // Time passes, nobody is seen: the promise is re-quoted before it breaks.
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
    phone
        .wait_for_text("#detail", "vamos con retraso", T)
        .await
        .unwrap();
    let later = phone.find("#headline").await.unwrap().text().await.unwrap();
    assert_ne!(later, first, "the new time is shown");
    assert_eq!(still_marked(&phone).await, json!(true));

    // Being seen shows on the page, still without a reload.
    let id = body["id"].as_i64().unwrap();
    let token = app.token("doc").await; // the quiet hour signed the desk out
    let (status, moved) = app
        .post(
            &format!("/api/v1/visits/{id}/transitions"),
            Some(&token),
            json!({"to": "with_provider"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{moved}");
    phone
        .wait_for_text("#headline", "Le están atendiendo ahora", T)
        .await
        .unwrap();
    phone.quit().await.unwrap();
}

#[tokio::test]
async fn a_patient_question_is_answered_calmly_and_confirmed_in_the_browser() {
    if !webdriver::browser_or_skip(
        "a_patient_question_is_answered_calmly_and_confirmed_in_the_browser",
    ) {
        return;
    }
    let config = frontdesk_server::ServerConfig {
        status_refresh: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let app = spawn_app_with(config, true).await;
    let desk = app.token("desk").await;
    let visit = app.check_in(&desk, "Lucía").await;
    let visit_id = visit["id"].as_i64().unwrap();
    let url = visit["status_url"].as_str().unwrap().to_string();
    let concerns_api = format!("/api/v1/visits/{visit_id}/concerns");

    // The patient asks a question on their private page.
    let phone = Browser::start().await.unwrap();
    phone.goto(&format!("{}{url}", app.url)).await.unwrap();
    assert_eq!(
        phone
            .find("label[for='question']")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Do you have a question, or anything you want to make sure we cover today?"
    );
    let question = "Will the doctor check my blood pressure medication today?";
    phone
        .find("#question")
        .await
        .unwrap()
        .send_keys(question)
        .await
        .unwrap();
    let send = phone.find("form.question button").await.unwrap();
    assert_eq!(send.text().await.unwrap(), "Send");
    send.click().await.unwrap();
    let mine = phone
        .wait_for_text(".my-questions", "Your questions", T)
        .await
        .unwrap();
    assert!(mine.contains(question), "{mine}");
    assert!(
        mine.contains("We have your question; someone will answer it."),
        "{mine}"
    );
    let (_, list) = app.get(&concerns_api, Some(&desk)).await;
    let concern = &list["concerns"][0];
    assert_eq!(concern["status"], "open", "{list}");
    assert_eq!(concern["source"], "status_page", "{list}");
    let concern_id = concern["id"].as_i64().unwrap();

    // A clinician signs in and finds the question on the visit page.
    let clinic = Browser::start().await.unwrap();
    sign_in_browser(&clinic, &app, "doc", &format!("/visits/{visit_id}")).await;
    let card = format!("#concern-{concern_id}");
    let listed = clinic
        .find(&format!("{card} .patient-words"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(listed, question);
    let reply = format!("#answer-{concern_id}");
    let button = clinic
        .find(&format!("{card} form.reply button"))
        .await
        .unwrap();
    assert_eq!(button.text().await.unwrap(), "Check and send");

    // A brusque first draft is held with the coach's reasons, and kept.
    let brusque = "Calm down, we will get to it.";
    clinic
        .find(&reply)
        .await
        .unwrap()
        .send_keys(brusque)
        .await
        .unwrap();
    // The coach reads it while it is being written, before anything is sent.
    let preview = clinic
        .wait_for_text(
            &format!("{card} .tone-live"),
            "Tone coach, while you write",
            T,
        )
        .await
        .unwrap();
    assert!(preview.to_lowercase().contains("calm down"), "{preview}");
    button.click().await.unwrap();
    let flags = clinic
        .wait_for_text(
            &format!("{card} .tone-flags"),
            "The tone coach suggests revising this reply",
            T,
        )
        .await
        .unwrap();
    assert!(flags.to_lowercase().contains("calm down"), "{flags}");
    let buttons = clinic
        .find_all(&format!("{card} form.reply button"))
        .await
        .unwrap();
    let mut labels = Vec::new();
    for b in &buttons {
        labels.push(b.text().await.unwrap());
    }
    assert_eq!(labels, ["Check again", "Send anyway"]);
    let draft = clinic.find(&reply).await.unwrap();
    assert_eq!(draft.prop("value").await.unwrap(), json!(brusque));
    let (_, list) = app.get(&concerns_api, Some(&desk)).await;
    assert_eq!(list["concerns"][0]["status"], "open", "nothing was sent");
    assert!(list["concerns"][0]["answer"].is_null(), "{list}");

    // The patient's page is left alone while nothing changed.
    mark_page(&phone).await;

    // The clinician rewrites it calmly; it goes straight through.
    let calm = "Good question: yes, Dr. Lee will check your blood pressure medication today.";
    draft.clear().await.unwrap();
    draft.send_keys(calm).await.unwrap();
    assert_eq!(draft.prop("value").await.unwrap(), json!(calm));
    buttons[0].click().await.unwrap();
    clinic
        .wait_until(
            &format!(
                "window.location.pathname === '/visits/{visit_id}' && \
                 document.querySelector('{card}') !== null && \
                 document.querySelector('{card}').getAttribute('data-status') === 'answered'"
            ),
            T,
        )
        .await
        .unwrap();
    let answered = clinic
        .find(&format!("{card} .answer"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(answered.contains(calm), "{answered}");
    assert!(!answered.contains("sent anyway"), "{answered}");
    let (_, list) = app.get(&concerns_api, Some(&desk)).await;
    let concern = &list["concerns"][0];
    assert_eq!(concern["status"], "answered", "{list}");
    assert_eq!(concern["answer"], calm);
    assert_eq!(concern["answered_by"], "doc");
    assert_eq!(concern["sent_despite_tone_flags"], json!([]), "{list}");

    // The answer reaches the patient's page without them reloading it.
    let shown = phone
        .wait_for_text(&format!("{card} .answer"), calm, T)
        .await
        .unwrap();
    assert!(shown.starts_with("Our answer:"), "{shown}");
    assert_eq!(
        still_marked(&phone).await,
        json!(false),
        "the page reloaded itself to show the answer"
    );
    assert_eq!(
        phone
            .find(&format!("{card} .concern-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Answered. Did this answer your question?"
    );
    let yes = phone
        .find(&format!("{card} form[action$='/confirm?lang=en'] button"))
        .await
        .unwrap();
    assert_eq!(yes.text().await.unwrap(), "Yes, that answers it");
    yes.click().await.unwrap();
    phone
        .wait_for_text(
            &format!("{card} .concern-status"),
            "You said this answered your question",
            T,
        )
        .await
        .unwrap();
    let (_, list) = app.get(&concerns_api, Some(&desk)).await;
    assert_eq!(list["concerns"][0]["status"], "confirmed", "{list}");

    clinic.quit().await.unwrap();
    phone.quit().await.unwrap();
}

#[tokio::test]
async fn the_board_shows_who_needs_someone_on_load_and_reminders_as_they_come() {
    if !webdriver::browser_or_skip(
        "the_board_shows_who_needs_someone_on_load_and_reminders_as_they_come",
    ) {
        return;
    }
    let config = frontdesk_server::ServerConfig {
        clock_tick: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let app = spawn_app_with(config, true).await;
    let desk = app.token("desk").await;
    let visit = app.check_in(&desk, "Lucía").await;
    let visit_id = visit["id"].as_i64().unwrap();
    let url = visit["status_url"].as_str().unwrap().to_string();

    // Before anyone opens the board, the patient writes from their page, upset.
    let resp = app
        .client
        .post(format!("{}{url}/question", app.url))
        .form(&[(
            "text",
            "This is RIDICULOUS. I have waited two hours and nobody tells me anything!!!",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER);
    // They were acknowledged, so no clock alert mixes in below.
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit_id}/acknowledgements"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");

    // A board opened afterwards shows them at once: the alert, the Upset pill
    // and the question waiting for an answer.
    let staff = Browser::start().await.unwrap();
    sign_in_browser(&staff, &app, "desk", "/board").await;
    let upset = staff
        .wait_for_text("#alerts .alert.escalated span", "Upset", T)
        .await
        .unwrap();
    assert_eq!(
        upset,
        "Upset: Lucía Moreno sent an upset message. Please go and speak to them; a manager has \
         been told."
    );
    assert_eq!(
        staff.find_all("#alerts .alert").await.unwrap().len(),
        1,
        "only the upset patient needs someone now"
    );
    let row = staff
        .find(&format!("#visit-{visit_id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(row.contains("Upset"), "{row}");
    assert!(row.contains("1 question to answer"), "{row}");
    staff
        .wait_until(
            "document.getElementById('board').getAttribute('data-live') === 'yes'",
            T,
        )
        .await
        .unwrap();
    mark_page(&staff).await;

    // The desk promises a call-back in 20 minutes: the reminder is due a
    // quarter of the time (at least 15 minutes) before, at 14:05.
    let due_at = (start_time() + Duration::minutes(20)).to_rfc3339();
    let (status, promise) = app
        .post(
            "/api/v1/promises",
            Some(&desk),
            json!({"kind": "callback", "visit_id": visit_id, "owner": "desk", "due_at": due_at,
                   "note": "call about the lab results"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{promise}");
    let (_, mine) = app.get("/api/v1/promises?owner=me", Some(&desk)).await;
    let listed = mine["promises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == promise["id"])
        .unwrap();
    assert_eq!(listed["remind_at"], "2026-03-05T14:05:00Z", "{mine}");
    // Not before its time: a few of the server's clock ticks pass, no reminder.
    tokio::time::sleep(Wait::from_millis(600)).await;
    let alerts = staff.find("#alerts").await.unwrap().text().await.unwrap();
    assert!(!alerts.contains("Reminder"), "{alerts}");

    // The reminder time comes while the board is open: it shows, on top,
    // without a reload, and the upset alert stays.
    app.clock.advance(Duration::minutes(6));
    staff
        .wait_for_text("#alerts", "Reminder for desk", T)
        .await
        .unwrap();
    let newest = staff
        .find("#alerts .alert:first-child span")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        newest,
        format!(
            "Reminder for desk: a callback promise (visit {visit_id}) is due at 14:20. See Promises."
        )
    );
    let alerts = staff.find("#alerts").await.unwrap().text().await.unwrap();
    assert!(alerts.contains("Upset: Lucía Moreno"), "{alerts}");
    assert_eq!(still_marked(&staff).await, json!(true));
    staff.quit().await.unwrap();
}

/// Import one appointment at `main` for today; its visit id.
async fn import_appointment(app: &TestApp, id: &str, given: &str, at_min: i64) -> i64 {
    app.state
        .store
        .import_appointments(
            &[frontdesk_domain::appointment::Appointment {
                appointment_id: id.into(),
                location: "main".into(),
                provider: "dr-lee".into(),
                visit_type: None,
                scheduled_at: start_time() + Duration::minutes(at_min),
                duration_min: None,
                patient: frontdesk_domain::patient::NewPatient {
                    given_name: given.into(),
                    family_name: "Ruiz".into(),
                    preferred_name: None,
                    date_of_birth: None,
                    phone: None,
                    email: None,
                },
            }],
            &frontdesk_store::Actor::system(),
            start_time(),
        )
        .await
        .unwrap();
    app.state
        .store
        .appointment_visit("main", id)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn a_patient_on_a_phone_says_running_late_then_im_here_on_their_arrival_link() {
    if !webdriver::browser_or_skip(
        "a_patient_on_a_phone_says_running_late_then_im_here_on_their_arrival_link",
    ) {
        return;
    }
    let config = frontdesk_server::ServerConfig {
        clock_tick: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let app = spawn_app_with(config, true).await;
    let bea = import_appointment(&app, "A-1", "Bea", 30).await;
    let desk = app.token("desk").await;
    let (status, made) = app
        .post(
            &format!("/api/v1/visits/{bea}/arrival-link"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{made}");
    // The link names the address this request used: the test server's.
    let link = made["url"].as_str().unwrap().to_string();

    let staff = Browser::start().await.unwrap();
    sign_in_browser(&staff, &app, "desk", "/board").await;
    staff
        .wait_until(
            "document.getElementById('board').getAttribute('data-live') === 'yes'",
            T,
        )
        .await
        .unwrap();

    // The patient opens it on a phone-sized screen.
    let phone = Browser::start().await.unwrap();
    phone.set_window_size(390, 844).await.unwrap();
    phone.goto(&link).await.unwrap();
    phone.wait_for_text("h1", "Hi Bea.", T).await.unwrap();
    assert_eq!(
        phone.title().await.unwrap(),
        "Your appointment at Main clinic"
    );
    let headline = phone.find(".headline").await.unwrap().text().await.unwrap();
    assert_eq!(
        headline,
        "Your appointment at Main clinic is today at 14:30."
    );
    // One column, nothing to scroll sideways, big enough to tap.
    let fits = phone
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, json!(true), "no horizontal scrolling on a phone");
    let here_height = phone
        .execute(
            "return document.getElementById('here').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .unwrap();
    assert!(here_height.as_f64().unwrap() >= 44.0, "{here_height}");

    // Running late: a choice, then the button; the board is told at once.
    phone
        .find("label[for='late-10']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    phone
        .find("form.late button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    phone
        .wait_for_text(".notice", "about 10 minutes late", T)
        .await
        .unwrap();
    let alert = staff
        .wait_for_text("#alerts .alert span", "Running late", T)
        .await
        .unwrap();
    assert_eq!(
        alert,
        "Running late: Bea R. (14:30) says about 10 minutes late, expected by 14:40."
    );

    // "I'm here": checked in, and the page becomes their status page.
    phone.find("#here").await.unwrap().click().await.unwrap();
    phone
        .wait_until("window.location.pathname.indexOf('/s/') === 0", T)
        .await
        .unwrap();
    phone.wait_for_text("h1", "Hi Bea.", T).await.unwrap();
    phone
        .wait_for_text("#headline", "We expect to see you", T)
        .await
        .unwrap();
    let status_url = phone.current_url().await.unwrap();
    // The board shows her without a reload.
    staff
        .wait_for_text("#board-rows", "Bea Ruiz", T)
        .await
        .unwrap();
    // Back on the link (say, from the text message): the same status page.
    phone.goto(&link).await.unwrap();
    phone.wait_for_text("h1", "Hi Bea.", T).await.unwrap();
    assert_eq!(
        phone.current_url().await.unwrap().split('?').next(),
        status_url.split('?').next()
    );
    assert_eq!(app.lobby(&app.token("desk").await).await.len(), 1);
    phone.quit().await.unwrap();
    staff.quit().await.unwrap();
}
