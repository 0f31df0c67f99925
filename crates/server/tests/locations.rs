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
