//! Concerns over HTTP: raised by staff, the kiosk and the status page,
//! answered through the tone coach, confirmed or reopened by the patient, and
//! stopping a silent checkout.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

async fn walk_in(app: &TestApp, token: &str) -> (i64, String) {
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(token),
            json!({"given_name": "Ana", "family_name": "Moreno", "date_of_birth": "1980-02-29", "provider": "dr-lee"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["id"].as_i64().unwrap(),
        body["status_url"].as_str().unwrap().to_string(),
    )
}

async fn raise(app: &TestApp, token: &str, visit: i64, text: &str) -> Value {
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit}/concerns"),
            Some(token),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn status_page(app: &TestApp, url: &str) -> String {
    let resp = app
        .client
        .get(format!("{}{url}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.text().await.unwrap()
}

async fn patient_post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> StatusCode {
    app.client
        .post(format!("{}{path}", app.url))
        .form(fields)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_concern_is_raised_answered_and_an_empty_answer_is_refused() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let doc = app.token("doc").await;
    let (visit, _) = walk_in(&app, &desk).await;

    let body = raise(&app, &desk, visit, "Will I need   a tetanus shot?").await;
    assert_eq!(body["status"], "open");
    assert_eq!(
        body["text"], "Will I need   a tetanus shot?",
        "the patient's words, as given"
    );
    let id = body["id"].as_i64().unwrap();

    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit}/concerns"),
            Some(&desk),
            json!({"text": "   "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["text"], "Required field missing");
    let (status, _) = app
        .post(
            "/api/v1/visits/99999/concerns",
            Some(&desk),
            json!({"text": "hello"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            &format!("/api/v1/visits/{visit}/concerns"),
            None,
            json!({"text": "hello"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    for empty in ["", "  \n\t  "] {
        let (status, body) = app
            .post(
                &format!("/api/v1/concerns/{id}/answer"),
                Some(&doc),
                json!({ "text": empty }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"]["text"], "Required field missing");
    }
    let (_, list) = app
        .get(&format!("/api/v1/visits/{visit}/concerns"), Some(&doc))
        .await;
    assert_eq!(
        list["concerns"][0]["status"], "open",
        "a refused answer saves nothing"
    );

    app.clock.advance(chrono::Duration::minutes(6));
    let (status, body) = app
        .post(
            &format!("/api/v1/concerns/{id}/answer"),
            Some(&doc),
            json!({"text": "Yes: your last one was 12 years ago, so we will give it today."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "answered");
    assert_eq!(body["answered_by"], "doc");
    assert_eq!(body["minutes_to_first_answer"], 6.0);
    assert_eq!(body["tone"]["verdict"], "ok");

    let (_, all) = app.get("/api/v1/concerns", Some(&doc)).await;
    assert_eq!(all["time_to_first_answer"]["answered"], 1);
    assert_eq!(all["time_to_first_answer"]["median_min"], 6.0);
    let kinds = app.timeline_kinds(&doc, visit).await;
    assert!(
        kinds.contains(&"concern_raised".into()) && kinds.contains(&"concern_answered".into()),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn checkout_is_stopped_by_open_and_reopened_concerns_only() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let (visit, url) = walk_in(&app, &desk).await;
    let knee = raise(&app, &desk, visit, "My knee still hurts").await["id"]
        .as_i64()
        .unwrap();
    let refill = raise(&app, &desk, visit, "I need my inhaler refilled").await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/visits/{visit}/transitions"),
            Some(&desk),
            json!({"to": "with_provider"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit}/transitions"),
            Some(&desk),
            json!({"to": "checkout"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "open_concerns");
    let listed: Vec<i64> = body["error"]["concerns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![knee, refill]);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("My knee still hurts")
    );

    // Answer one (the patient then reopens it), promise a follow-up on the other.
    app.post(
        &format!("/api/v1/concerns/{knee}/answer"),
        Some(&desk),
        json!({"text": "Dr. Lee will look at it today."}),
    )
    .await;
    let status = patient_post(
        &app,
        &format!("{url}/concerns/{knee}/reopen"),
        &[("note", "It was not looked at")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = app
        .post(
            &format!("/api/v1/concerns/{refill}/follow-up"),
            Some(&desk),
            json!({"kind": "refill"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["concern"]["status"], "follow_up");
    assert_eq!(body["promise"]["kind"], "refill");
    assert_eq!(body["promise"]["status"], "open");
    assert!(body["promise"]["due_at"].is_string());

    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit}/transitions"),
            Some(&desk),
            json!({"to": "checkout"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let listed: Vec<(i64, &str)> = body["error"]["concerns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, vec![(knee, "reopened")]);

    // Answered again: answered-but-unconfirmed does not block.
    app.post(
        &format!("/api/v1/concerns/{knee}/answer"),
        Some(&desk),
        json!({"text": "Dr. Lee examined it: the swelling is going down; ice it twice a day."}),
    )
    .await;
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit}/transitions"),
            Some(&desk),
            json!({"to": "checkout"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_patient_asks_on_their_page_and_confirms_the_answer() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let (visit, url) = walk_in(&app, &desk).await;
    let (_, other_url) = walk_in(&app, &desk).await;
    let status = patient_post(
        &app,
        &format!("{url}/question"),
        &[("text", "Can I get my flu shot today? <b>thanks</b>")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = app
        .get(&format!("/api/v1/visits/{visit}/concerns"), Some(&desk))
        .await;
    let concern = &list["concerns"][0];
    assert_eq!(concern["source"], "status_page");
    assert_eq!(
        concern["text"],
        "Can I get my flu shot today? <b>thanks</b>"
    );
    let id = concern["id"].as_i64().unwrap();

    let page = status_page(&app, &url).await;
    assert!(page.contains("Your questions"));
    assert!(page.contains("We have your question"));
    assert!(
        !page.contains("<b>thanks</b>"),
        "the patient's words are shown as text"
    );
    assert!(
        !page.contains("Yes, that answers it"),
        "nothing to confirm before an answer"
    );

    app.post(
        &format!("/api/v1/concerns/{id}/answer"),
        Some(&desk),
        json!({"text": "Yes, the nurse will give it after your visit."}),
    )
    .await;
    let page = status_page(&app, &url).await;
    assert!(page.contains("Yes, the nurse will give it after your visit."));
    assert!(page.contains("Yes, that answers it"));
    let es = status_page(&app, &format!("{url}?lang=es")).await;
    assert!(es.contains("Sí, eso la responde"));

    // Another patient's link cannot touch it.
    let status = patient_post(&app, &format!("{other_url}/concerns/{id}/confirm"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let status = patient_post(&app, &format!("{url}/concerns/{id}/bogus"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let status = patient_post(&app, &format!("{url}/concerns/{id}/confirm"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = app
        .get(&format!("/api/v1/visits/{visit}/concerns"), Some(&desk))
        .await;
    assert_eq!(list["concerns"][0]["status"], "confirmed");
    let page = status_page(&app, &url).await;
    assert!(page.contains("You said this answered your question"));
    // Confirming twice changes nothing and does not fail.
    let status = patient_post(&app, &format!("{url}/concerns/{id}/confirm"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_reply_screen_holds_a_flagged_answer_until_staff_send_it_anyway() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let (visit, _) = walk_in(&app, &desk).await;
    let id = raise(&app, &desk, visit, "Why is this taking so long?").await["id"]
        .as_i64()
        .unwrap();
    let cookie = sign_in(&app, "doc").await;
    let (_, html) = page(&app, &cookie, &format!("/visits/{visit}")).await;
    assert!(html.contains("Why is this taking so long?"));
    assert!(
        html.contains("hear") && html.contains("empathize") && html.contains("follow up"),
        "the de-escalation checklist is beside the reply"
    );
    let csrf = csrf_in(&html);

    let resp = form(
        &app,
        &cookie,
        &format!("/concerns/{id}/answer"),
        &[
            ("csrf", &csrf),
            ("text", "You need to calm down, we are busy."),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let held = resp.text().await.unwrap();
    assert!(held.contains("The tone coach suggests revising"), "{held}");
    assert!(held.contains("Send anyway"));
    assert!(
        held.contains("You need to calm down, we are busy."),
        "the draft is kept"
    );
    let (_, list) = app
        .get(&format!("/api/v1/visits/{visit}/concerns"), Some(&desk))
        .await;
    assert_eq!(list["concerns"][0]["status"], "open", "nothing was sent");

    let resp = form(
        &app,
        &cookie,
        &format!("/concerns/{id}/answer"),
        &[
            ("csrf", &csrf),
            ("text", "You need to calm down, we are busy."),
            ("send_anyway", "1"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, list) = app
        .get(&format!("/api/v1/visits/{visit}/concerns"), Some(&desk))
        .await;
    let c = &list["concerns"][0];
    assert_eq!(c["status"], "answered");
    assert!(
        !c["sent_despite_tone_flags"].as_array().unwrap().is_empty(),
        "sending anyway is recorded: {c}"
    );
    let (_, html) = page(&app, &cookie, &format!("/visits/{visit}")).await;
    assert!(html.contains("sent anyway; the tone coach flagged"));

    // A calm answer goes straight through; a form without the CSRF token does nothing.
    let id2 = raise(&app, &desk, visit, "Where do I park?").await["id"]
        .as_i64()
        .unwrap();
    let resp = form(
        &app,
        &cookie,
        &format!("/concerns/{id2}/answer"),
        &[("text", "Level 2 of the garage.")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = form(
        &app,
        &cookie,
        &format!("/concerns/{id2}/answer"),
        &[
            ("csrf", &csrf),
            (
                "text",
                "Level 2 of the garage; we validate the ticket at the desk.",
            ),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = form(
        &app,
        &cookie,
        &format!("/concerns/{id2}/answer"),
        &[("csrf", &csrf), ("text", "   ")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Required field missing")
    );
}

#[tokio::test]
async fn the_board_marks_questions_and_a_stopped_checkout_shows_them() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let (visit, url) = walk_in(&app, &desk).await;
    patient_post(
        &app,
        &format!("{url}/question"),
        &[(
            "text",
            "This is ridiculous, I have been waiting for over an hour and nobody has told me anything!",
        )],
    )
    .await;
    let cookie = sign_in(&app, "desk").await;
    let (_, rows) = page(&app, &cookie, "/board/rows").await;
    assert!(rows.contains("1 question to answer"), "{rows}");
    assert!(rows.contains(">Upset<"), "{rows}");

    app.post(
        &format!("/api/v1/visits/{visit}/transitions"),
        Some(&desk),
        json!({"to": "with_provider"}),
    )
    .await;
    let (_, html) = page(&app, &cookie, &format!("/visits/{visit}")).await;
    let resp = form(
        &app,
        &cookie,
        &format!("/visits/{visit}/transition"),
        &[
            ("csrf", &csrf_in(&html)),
            ("to", "checkout"),
            ("back", "visit"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Checkout stopped: 1 concern still needs an answer"));
    assert!(html.contains("Promise follow-up"));
}

#[tokio::test]
async fn a_question_at_the_kiosk_becomes_a_concern_and_a_bad_one_saves_nothing() {
    let app = spawn_app().await;
    let (cookie, csrf, _) = app.kiosk_form().await;
    let send = |concern: String| {
        let (cookie, csrf) = (cookie.clone(), csrf.clone());
        let app = &app;
        async move {
            app.client
                .post(format!("{}/kiosk", app.url))
                .header("cookie", cookie)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("given_name", "Rosa"),
                    ("family_name", "Diaz"),
                    ("date_of_birth", "1975-06-01"),
                    ("concern", concern.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let resp = send("x".repeat(2001)).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("Too long"));
    let desk = app.token("desk").await;
    assert!(app.lobby(&desk).await.is_empty(), "nothing saved half-way");

    let resp = send("Please check my blood pressure medication".into()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let lobby = app.lobby(&desk).await;
    assert_eq!(lobby.len(), 1);
    let visit = lobby[0]["id"].as_i64().unwrap();
    let (_, list) = app
        .get(&format!("/api/v1/visits/{visit}/concerns"), Some(&desk))
        .await;
    assert_eq!(list["concerns"][0]["source"], "kiosk");
    assert_eq!(
        list["concerns"][0]["text"],
        "Please check my blood pressure medication"
    );
}
