//! Locations are first-class: admins add them, staff are given the ones they
//! work at, and another location's visits, lobby, questions, complaints and
//! promises answer 404 to them, exactly like a wrong id.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::*;

#[tokio::test]
async fn admins_add_locations_and_staff_see_only_theirs() {
    let app = spawn_app().await;
    let root = app.token("root").await;
    let (status, body) = app
        .post(
            "/api/v1/locations",
            Some(&root),
            json!({"id": "south", "name": "South clinic", "time_zone": "America/Chicago"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["time_zone"], "America/Chicago");
    let (status, body) = app
        .post(
            "/api/v1/locations",
            Some(&root),
            json!({"id": "south", "name": "", "time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["name"], "Required field missing");
    assert!(
        body["error"]["fields"]["time_zone"]
            .as_str()
            .unwrap()
            .contains("time zone")
    );
    let desk = app.token("desk").await;
    let (status, _) = app
        .post(
            "/api/v1/locations",
            Some(&desk),
            json!({"id": "east", "name": "East", "time_zone": "UTC"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A staff member added at north sees north only.
    let (status, body) = app
        .post(
            "/api/v1/users",
            Some(&root),
            json!({"username": "nat", "role": "front_desk", "password": PASSWORD, "locations": ["north"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["locations"], json!(["north"]));
    let (status, body) = app
        .post(
            "/api/v1/users",
            Some(&root),
            json!({"username": "nan", "role": "front_desk", "password": PASSWORD, "locations": ["nowhere"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["location"], "Unknown location");
    let nat = app.token("nat").await;
    let (_, listed) = app.get("/api/v1/locations", Some(&nat)).await;
    assert_eq!(listed["locations"].as_array().unwrap().len(), 1);
    let (_, listed) = app.get("/api/v1/locations", Some(&desk)).await;
    assert_eq!(listed["locations"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn another_locations_records_are_not_found() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let nora = app.token("nora").await;
    // A patient at main, with a question, a promise and a complaint.
    let at_main = app.check_in(&desk, "Ana").await["id"].as_i64().unwrap();
    let (_, concern) = app
        .post(
            &format!("/api/v1/visits/{at_main}/concerns"),
            Some(&desk),
            json!({"text": "Is the X-ray ready?"}),
        )
        .await;
    let (_, promise) = app
        .post(
            "/api/v1/promises",
            Some(&desk),
            json!({"kind": "callback", "visit_id": at_main}),
        )
        .await;
    let (status, complaint) = app
        .post(
            "/api/v1/complaints",
            Some(&desk),
            json!({"text": "Nobody called me back.", "channel": "phone", "visit_id": at_main}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{complaint}");
    assert_eq!(complaint["location"], "main", "the visit's location");

    // Nora works at north: to her, none of it is there.
    for path in [
        format!("/api/v1/visits/{at_main}"),
        format!("/api/v1/visits/{at_main}/concerns"),
        "/api/v1/lobby?location=main".to_string(),
        "/api/v1/concerns?location=main".to_string(),
        "/api/v1/complaints?location=main".to_string(),
        format!("/api/v1/complaints/{}", complaint["id"]),
        "/api/v1/promises?location=main".to_string(),
    ] {
        let (status, body) = app.get(&path, Some(&nora)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(error_code(&body), "not_found");
    }
    for (path, body) in [
        (
            format!("/api/v1/visits/{at_main}/acknowledgements"),
            json!({}),
        ),
        (
            format!("/api/v1/visits/{at_main}/transitions"),
            json!({"to": "roomed"}),
        ),
        (
            format!("/api/v1/visits/{at_main}/concerns"),
            json!({"text": "Hello?"}),
        ),
        (
            format!("/api/v1/concerns/{}/answer", concern["id"]),
            json!({"text": "Yes."}),
        ),
        (
            format!("/api/v1/promises/{}/fulfil", promise["id"]),
            json!({}),
        ),
        (
            format!("/api/v1/complaints/{}/acknowledge", complaint["id"]),
            json!({}),
        ),
    ] {
        let (status, answer) = app.post(&path, Some(&nora), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
    }
    // Nothing changed: the visit is still unacknowledged and waiting.
    let (_, visit) = app
        .get(&format!("/api/v1/visits/{at_main}"), Some(&desk))
        .await;
    assert_eq!(visit["state"], "waiting");
    assert_eq!(visit["acknowledged_by"], json!(null));

    // Her own lobby is north's; checking in at main is an unknown location.
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&nora),
            json!({"given_name": "Ben", "family_name": "Ng"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["location"], "north");
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(&nora),
            json!({"given_name": "Cy", "family_name": "Ng", "location": "main"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["location"], "Unknown location");
    let (_, lobby) = app.get("/api/v1/lobby", Some(&nora)).await;
    assert_eq!(lobby["location"], "north");
    assert_eq!(lobby["visits"].as_array().unwrap().len(), 1);
    // Desk works everywhere.
    let (status, _) = app.get("/api/v1/lobby?location=north", Some(&desk)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn pages_open_at_the_staff_members_own_location() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    app.check_in(&desk, "Ana").await;
    let cookie = sign_in(&app, "nora").await;
    let (status, html) = page(&app, &cookie, "/board").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("North clinic") && !html.contains("Ana"),
        "{html}"
    );
    let (status, _) = page(&app, &cookie, "/board?location=main").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, html) = page(&app, &cookie, "/complaints").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Complaints · North clinic"));
    let (status, html) = page(&app, &cookie, "/promises").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Promises · North clinic"));
    // The public feedback form takes the location too.
    let resp = app
        .client
        .get(format!("{}/feedback?location=north", app.url))
        .send()
        .await
        .unwrap();
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Tell North clinic what went wrong")
    );
}

#[tokio::test]
async fn staff_who_work_at_some_locations_manage_only_those() {
    let app = spawn_app().await;
    let nico = app.token("nico").await;
    let add = |username: &str, role: &str, at: serde_json::Value| {
        app.post(
            "/api/v1/users",
            Some(&nico),
            json!({"username": username, "role": role, "password": PASSWORD, "locations": at}),
        )
    };
    // North's admin adds staff at north, and nowhere else: not at main, and
    // no account that works everywhere (more than nico has).
    let (status, body) = add("nat", "front_desk", json!(["north"])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for at in [json!(["main"]), json!(["north", "main"])] {
        let (status, body) = add("max", "admin", at).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"]["location"], "Unknown location");
    }
    let (status, body) = add("max", "admin", json!([])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["fields"]["location"]
            .as_str()
            .unwrap()
            .starts_with("Name the locations they work at"),
        "{body}"
    );
    // The list is of the accounts nico manages; root manages everyone.
    let names = |list: serde_json::Value| -> Vec<String> {
        list["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, list) = app.get("/api/v1/users", Some(&nico)).await;
    assert_eq!(names(list), ["nat", "nell", "nico", "noel", "nora"]);
    let root = app.token("root").await;
    let (_, list) = app.get("/api/v1/users", Some(&root)).await;
    assert_eq!(
        names(list).len(),
        10,
        "the nine staff and feed, the integration account"
    );
    // Another location's account (or one that works everywhere) is not there
    // to disable; north's is.
    let cookie = sign_in(&app, "nico").await;
    let (status, html) = page(&app, &cookie, "/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("/users/nat/disable") && !html.contains("/users/desk/"),
        "{html}"
    );
    let csrf = csrf_in(&html);
    for (who, status) in [
        ("desk", StatusCode::NOT_FOUND),
        ("root", StatusCode::NOT_FOUND),
        ("nat", StatusCode::SEE_OTHER),
    ] {
        let path = format!("/users/{who}/disable");
        let resp = form(&app, &cookie, &path, &[("csrf", &csrf)]).await;
        assert_eq!(resp.status(), status, "{path}");
    }
    assert_eq!(
        app.post(
            "/api/v1/sessions",
            None,
            json!({"username": "desk", "password": PASSWORD})
        )
        .await
        .0,
        StatusCode::OK,
        "desk still signs in"
    );
}

#[tokio::test]
async fn a_north_manager_s_providers_and_schedule_are_north_s() {
    let app = spawn_app().await;
    let nell = app.token("nell").await;
    // A provider added without a location is at their own.
    let (status, body) = app
        .post(
            "/api/v1/providers",
            Some(&nell),
            json!({"id": "dr-ng", "name": "Dr. Ng"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["location"], "north");
    // Importing north's schedule answers with north's settings page.
    let cookie = sign_in(&app, "nell").await;
    let (_, html) = page(&app, &cookie, "/settings").await;
    let csv = "appointment_id,location,provider,visit_type,scheduled_at,duration_min,given_name,family_name,date_of_birth,phone,email\n\
               N-1,north,dr-ng,,2026-03-05T15:00,,Nia,Ng,1990-01-01,,\n";
    let upload = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&html))
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("today.csv"),
        );
    let resp = app
        .client
        .post(format!("{}/settings/import", app.url))
        .header("cookie", &cookie)
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Settings · North clinic"), "{html}");
    assert!(html.contains("Imported 1 appointment(s)"), "{html}");
}
