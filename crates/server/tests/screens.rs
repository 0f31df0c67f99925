//! The kiosk, the lobby TV and the settings page over HTTP.

mod support;

use chrono::Duration;
use reqwest::StatusCode;
use support::*;

async fn kiosk_form(app: &TestApp) -> (String, String) {
    let (cookie, csrf, _) = app.kiosk_form().await;
    (cookie, csrf)
}

async fn kiosk_check_in(
    app: &TestApp,
    given: &str,
    family: &str,
    dob: &str,
) -> (StatusCode, String) {
    let (cookie, csrf) = kiosk_form(app).await;
    let resp = form(
        app,
        &cookie,
        "/kiosk",
        &[
            ("csrf", &csrf),
            ("location", "main"),
            ("given_name", given),
            ("family_name", family),
            ("date_of_birth", dob),
        ],
    )
    .await;
    (resp.status(), resp.text().await.unwrap())
}

async fn import_schedule(app: &TestApp) {
    let appointment =
        |id: &str, given: &str, dob: &str| frontdesk_domain::appointment::Appointment {
            appointment_id: id.into(),
            location: "main".into(),
            provider: "dr-lee".into(),
            visit_type: None,
            scheduled_at: start_time() + Duration::minutes(20),
            duration_min: None,
            patient: frontdesk_domain::patient::NewPatient {
                given_name: given.into(),
                family_name: "Ruiz".into(),
                preferred_name: None,
                date_of_birth: dob.parse().ok(),
                phone: None,
                email: None,
            },
        };
    app.state
        .store
        .import_appointments(
            &[
                appointment("A-1", "Bea", "1990-04-01"),
                appointment("A-2", "Carla", "1985-07-09"),
            ],
            &frontdesk_store::Actor::system(),
            start_time(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn the_kiosk_matches_todays_appointment_by_name_and_birth_date() {
    let app = spawn_app().await;
    import_schedule(&app).await;
    let (status, html) = kiosk_check_in(&app, "bea", " RUIZ ", "1990-04-01").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Thank you, Bea. You're checked in."));
    assert!(html.contains("We found your appointment"));
    assert!(!html.contains("Carla"), "nothing about other patients");
    assert!(html.contains("href=\"/s/"), "a private status link");
    assert!(html.contains("<svg"), "and its QR code");
    let token = app.token("desk").await;
    let lobby = app.lobby(&token).await;
    assert_eq!(lobby.len(), 1);
    assert_eq!(lobby[0]["appointment_id"], "A-1");
    assert_eq!(lobby[0]["provider"], "dr-lee");
    let (_, visit) = app
        .get(&format!("/api/v1/visits/{}", lobby[0]["id"]), Some(&token))
        .await;
    assert_eq!(visit["timeline"][1]["kind"], "arrived");
    assert_eq!(visit["timeline"][1]["actor"], "kiosk:1");
}

#[tokio::test]
async fn a_kiosk_check_in_without_a_match_is_a_walk_in() {
    let app = spawn_app().await;
    import_schedule(&app).await;
    // Right name, wrong birth date: never checked in as someone else.
    let (status, html) = kiosk_check_in(&app, "Carla", "Ruiz", "1985-07-10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You're checked in."));
    assert!(!html.contains("We found your appointment"));
    let token = app.token("desk").await;
    let lobby = app.lobby(&token).await;
    assert_eq!(lobby.len(), 1);
    assert_eq!(lobby[0]["appointment_id"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_kiosk_explains_bad_input_and_refuses_forged_forms() {
    let app = spawn_app().await;
    let (status, html) = kiosk_check_in(&app, "", "Ruiz", "2099-01-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Required field missing"));
    assert!(html.contains("Date of birth is in the future"));
    let (cookie, _) = kiosk_form(&app).await;
    let resp = form(
        &app,
        &cookie,
        "/kiosk",
        &[
            ("csrf", "x"),
            ("given_name", "Eve"),
            ("family_name", "X"),
            ("date_of_birth", "1990-01-01"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("This form expired"));
    let token = app.token("desk").await;
    assert!(app.lobby(&token).await.is_empty(), "nothing saved");
}

#[tokio::test]
async fn the_lobby_tv_shows_first_names_and_initials_or_tickets_only() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    app.post(
        "/api/v1/visits",
        Some(&token),
        serde_json::json!({"given_name": "<img src=x>", "family_name": "Moreno", "date_of_birth": "1980-01-01"}),
    )
    .await;
    app.check_in(&token, "Ana").await;
    let cookie = sign_in(&app, "desk").await;
    let (status, html) = page(&app, &cookie, "/tv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ana M."));
    assert!(!html.contains("Moreno"), "no family names");
    assert!(!html.contains("1980"), "no birth dates");
    assert!(html.contains("&#60;img src=x&#62; M."), "escaped");
    let (_, html) = page(&app, &cookie, "/tv/rows?show=tickets").await;
    assert!(!html.contains("Ana"));
    assert!(html.contains("A00"));
    let resp = app
        .client
        .get(format!("{}/tv", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "the TV needs a signed-in device"
    );
}

#[tokio::test]
async fn managers_edit_clocks_and_providers_on_the_settings_page() {
    let app = spawn_app().await;
    let desk = sign_in(&app, "desk").await;
    assert_eq!(
        page(&app, &desk, "/settings").await.0,
        StatusCode::FORBIDDEN
    );
    let boss = sign_in(&app, "boss").await;
    let (status, html) = page(&app, &boss, "/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"2m\""));
    let csrf = csrf_in(&html);
    let resp = form(
        &app,
        &boss,
        "/settings/acknowledgement",
        &[
            ("csrf", &csrf),
            ("first_within", "0m"),
            ("recheck_every", "ten"),
            ("escalate_after", ""),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Duration must be more than zero"));
    assert!(html.contains("Duration not understood"));
    assert!(html.contains("Required field missing"));
    assert_eq!(
        app.state.store.location("main").await.unwrap().ack_policy,
        Default::default()
    );

    let resp = form(
        &app,
        &boss,
        "/settings/acknowledgement",
        &[
            ("csrf", &csrf),
            ("first_within", "1m"),
            ("recheck_every", "10m"),
            ("escalate_after", "2m"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let policy = app.state.store.location("main").await.unwrap().ack_policy;
    assert_eq!(policy.first_within, Duration::minutes(1));
    assert_eq!(policy.recheck_every, Duration::minutes(10));

    let resp = form(
        &app,
        &boss,
        "/settings/providers",
        &[("csrf", &csrf), ("id", "Dr Who"), ("name", "")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = form(
        &app,
        &boss,
        "/settings/providers",
        &[("csrf", &csrf), ("id", "dr-who"), ("name", "Dr. Who")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &boss, "/settings").await;
    assert!(html.contains("Dr. Who"));
}

#[tokio::test]
async fn the_settings_page_says_when_the_environment_wins() {
    let config = frontdesk_server::ServerConfig {
        ack_override: frontdesk_server::AckOverride {
            first_within: Some(Duration::seconds(45)),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = spawn_app_with(config, false).await;
    let boss = sign_in(&app, "boss").await;
    let (_, html) = page(&app, &boss, "/settings").await;
    assert!(html.contains("In force: 45s, set by the environment"));
}

async fn upload(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    csv: &str,
    skip: bool,
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("day.csv"),
        );
    if skip {
        form = form.text("skip_bad_rows", "yes");
    }
    let resp = app
        .client
        .post(format!("{}/settings/import", app.url))
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn the_schedule_upload_is_all_or_nothing_unless_asked() {
    let app = spawn_app().await;
    let boss = sign_in(&app, "boss").await;
    let (_, html) = page(&app, &boss, "/settings").await;
    let csrf = csrf_in(&html);
    let csv = "appointment_id,location,provider,visit_type,scheduled_at,duration_min,given_name,family_name,date_of_birth,phone,email\n\
               A-1,main,dr-lee,,2026-03-05T15:00,15,Ana,Moreno,1980-01-01,,\n\
               A-2,main,dr-lee,,2026-03-05T15:20,15,Bea,Ruiz,1981-01-01,,not-an-email\n";
    let (status, html) = upload(&app, &boss, &csrf, csv, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("line 3: email: Email address invalid"),
        "{html}"
    );
    assert!(html.contains("Nothing was imported"));
    let day = |app: &TestApp| {
        let store = app.state.store.clone();
        async move {
            store
                .expected_visits("main", start_time(), start_time() + Duration::hours(8))
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(day(&app).await, 0);
    let (status, html) = upload(&app, &boss, &csrf, csv, true).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Imported 1 appointment(s); 0 already present; 1 bad row(s) skipped."));
    assert_eq!(day(&app).await, 1);
    let (status, html) = upload(&app, &boss, &csrf, "name,when\nx,y\n", true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("line 1: the header must be exactly"));
}

#[tokio::test]
async fn admins_manage_staff_accounts() {
    let app = spawn_app().await;
    let boss = sign_in(&app, "boss").await;
    assert_eq!(page(&app, &boss, "/users").await.0, StatusCode::FORBIDDEN);
    let root = sign_in(&app, "root").await;
    let (status, html) = page(&app, &root, "/users").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&html);
    let resp = form(
        &app,
        &root,
        "/users",
        &[
            ("csrf", &csrf),
            ("username", "desk"),
            ("role", "front_desk"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("This username is taken") || html.contains("at least 12 characters"),
        "{html}"
    );
    let resp = form(
        &app,
        &root,
        "/users",
        &[
            ("csrf", &csrf),
            ("username", "nina"),
            ("role", "clinician"),
            ("password", "a long password"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, _) = app
        .post(
            "/api/v1/sessions",
            None,
            serde_json::json!({"username": "nina", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Disabling signs her out and keeps her out.
    let token = {
        let (_, body) = app
            .post(
                "/api/v1/sessions",
                None,
                serde_json::json!({"username": "nina", "password": "a long password"}),
            )
            .await;
        body["token"].as_str().unwrap().to_string()
    };
    let resp = form(&app, &root, "/users/nina/disable", &[("csrf", &csrf)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/api/v1/lobby", Some(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .post(
            "/api/v1/sessions",
            None,
            serde_json::json!({"username": "nina", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let resp = form(&app, &root, "/users/root/disable", &[("csrf", &csrf)]).await;
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "nobody disables themselves"
    );

    // The same over the API.
    let admin = app.token("root").await;
    let desk = app.token("desk").await;
    let body =
        serde_json::json!({"username": "omar", "role": "manager", "password": "another long one"});
    assert_eq!(
        app.post("/api/v1/users", Some(&desk), body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/api/v1/users", Some(&admin), body.clone())
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, err) = app.post("/api/v1/users", Some(&admin), body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["fields"]["username"], "This username is taken");
    let (_, list) = app.get("/api/v1/users", Some(&admin)).await;
    let names: Vec<&str> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "boss", "desk", "doc", "feed", "nell", "nico", "nina", "noel", "nora", "omar", "root"
        ]
    );
}

#[tokio::test]
async fn a_double_tap_on_the_kiosk_checks_in_once() {
    let app = spawn_app().await;
    import_schedule(&app).await;
    for _ in 0..3 {
        let (status, html) = kiosk_check_in(&app, "Bea", "Ruiz", "1990-04-01").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("You're checked in"));
        assert!(html.contains("Your number on the lobby screen"));
    }
    for _ in 0..2 {
        kiosk_check_in(&app, "Walk", "In", "1970-01-01").await;
    }
    let token = app.token("desk").await;
    assert_eq!(app.lobby(&token).await.len(), 2);
}
