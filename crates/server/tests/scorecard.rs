//! The scorecard against the real app: a day with known events gives exact
//! figures (4 visits, 2 first acknowledgements on time → 0.5), split by day,
//! week, provider or staff, as JSON and CSV; managers and admins only, their
//! own locations only; bad fields named.

mod support;

use chrono::Duration;
use frontdesk_server::app::surveys::check_surveys;
use frontdesk_server::app::watch::check_clocks;
use frontdesk_server::{OutboxConfig, ServerConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

fn config() -> ServerConfig {
    ServerConfig {
        public_url: Some("https://desk.example.org".into()),
        outbox: OutboxConfig {
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn move_to(app: &TestApp, token: &str, id: i64, to: &str) {
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{id}/transitions"),
            Some(token),
            json!({"to": to}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The day: four walk-ins a minute apart, acknowledged after 60 s, 100 s and
/// 200 s (the window is 2 minutes), the fourth never; the first three seen
/// and done, the fourth left waiting until its clock escalated. Returns the
/// visit ids.
async fn the_day(app: &TestApp) -> Vec<i64> {
    let desk = app.token("desk").await;
    let mut ids = Vec::new();
    for (i, name) in ["Ana", "Bo", "Cy", "Di"].iter().enumerate() {
        let (status, body) = app
            .post(
                "/api/v1/visits",
                Some(&desk),
                json!({"given_name": name, "family_name": "Ruiz", "provider": "dr-lee",
                       "email": format!("{}@example.org", name.to_lowercase())}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["id"].as_i64().unwrap());
        if i < 3 {
            app.clock.advance(Duration::seconds(1));
        }
    }
    // Arrivals at t, t+1s, t+2s, t+3s. Acknowledge the first three.
    for (id, after) in ids.iter().zip([60, 100, 200]) {
        let arrived = support::start_time()
            + Duration::seconds(ids.iter().position(|i| i == id).unwrap() as i64);
        app.clock.set(arrived + Duration::seconds(after));
        let (status, body) = app
            .post(
                &format!("/api/v1/visits/{id}/acknowledgements"),
                Some(&desk),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let concern = app
        .post(
            &format!("/api/v1/visits/{}/concerns", ids[0]),
            Some(&desk),
            json!({"text": "Will I need a sick note?"}),
        )
        .await;
    assert_eq!(concern.0, StatusCode::CREATED, "{}", concern.1);
    app.clock.advance(Duration::seconds(30));
    // A first draft the tone coach holds (on the page), then the answer.
    let cookie = sign_in(app, "doc").await;
    let (_, html) = page(app, &cookie, &format!("/visits/{}", ids[0])).await;
    let resp = form(
        app,
        &cookie,
        &format!("/concerns/{}/answer", concern.1["id"]),
        &[
            ("csrf", &csrf_in(&html)),
            ("text", "You need to calm down, we are busy."),
        ],
    )
    .await;
    assert!(resp.text().await.unwrap().contains("Send anyway"));
    let answer = app
        .post(
            &format!("/api/v1/concerns/{}/answer", concern.1["id"]),
            Some(&desk),
            json!({"text": "Yes, the doctor will write one for you today."}),
        )
        .await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    for id in &ids[..3] {
        move_to(app, &desk, *id, "with_provider").await;
    }
    // Di waits: overdue at 2 min, escalated 5 min later.
    app.clock.set(support::start_time() + Duration::minutes(10));
    check_clocks(&app.state).await.unwrap();
    for id in &ids[..3] {
        move_to(app, &desk, *id, "checkout").await;
        move_to(app, &desk, *id, "done").await;
    }
    ids
}

#[tokio::test]
async fn a_day_with_known_events_gives_exact_figures() {
    let app = spawn_app_with(config(), false).await;
    let ids = the_day(&app).await;
    // Surveys go 2 h after done; two of the three are answered, one low.
    app.clock.advance(Duration::hours(2));
    assert_eq!(check_surveys(&app.state).await.unwrap(), 3);
    let tokens: Vec<String> = app
        .state
        .store
        .outbox_messages(100)
        .await
        .unwrap()
        .iter()
        .filter_map(|m| {
            let at = m.body.find("/survey/")? + "/survey/".len();
            Some(
                m.body[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect(),
            )
        })
        .collect();
    assert_eq!(tokens.len(), 3);
    for (token, overall, helpful) in [(&tokens[0], 9, "always"), (&tokens[1], 4, "sometimes")] {
        let (status, body) = app
            .post(
                &format!("/api/v1/surveys/{token}"),
                None,
                json!({"helpful": helpful, "courteous": "always", "listened": "usually",
                       "wait_as_promised": true, "overall": overall}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let boss = app.token("boss").await;
    let (status, card) = app
        .get(
            "/api/v1/scorecard?location=main&from=2026-03-05&to=2026-03-05",
            Some(&boss),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{card}");
    assert_eq!(card["location"], "main");
    assert_eq!(card["from"], "2026-03-05");
    assert_eq!(card["to"], "2026-03-05");
    let a = &card["rules"]["acknowledge"];
    assert_eq!(a["visits"], 4, "{card}");
    assert_eq!(a["on_time"], 2);
    assert_eq!(a["on_time_rate"], 0.5);
    assert_eq!(a["median_first_ack_s"], 100.0);
    assert_eq!(a["p90_first_ack_s"], 200.0);
    assert_eq!(a["escalated"], 1);

    // The waits: the three seen, each settled kept or broken by its own promise.
    let e = &card["rules"]["expectations"];
    assert_eq!(e["wait_promises"], 3, "{e}");
    let mut kept = 0;
    for id in &ids[..3] {
        let p = app.state.store.visit_promise(*id).await.unwrap().unwrap();
        kept += usize::from(p.status == frontdesk_store::PromiseStatus::Kept);
    }
    assert_eq!(e["kept"], kept);
    assert_eq!(e["requoted_before_break"], 0);

    let l = &card["rules"]["listen"];
    assert_eq!(l["concerns"], 1);
    assert_eq!(l["answered_before_checkout_rate"], 1.0);
    assert_eq!(l["median_first_answer_s"], 30.0);
    assert_eq!(l["reopened"], 0);

    let s = &card["rules"]["survey"];
    assert_eq!(s["sent"], 3, "{s}");
    assert_eq!(s["responses"], 2);
    assert_eq!(s["response_rate"], 2.0 / 3.0);
    assert_eq!(s["top_box"]["helpful"], 0.5);
    assert_eq!(s["top_box"]["courteous"], 1.0);
    assert_eq!(s["top_box"]["listened"], 0.0);
    assert_eq!(s["wait_as_promised_rate"], 1.0);
    assert_eq!(s["overall_median"], 6.5);
    assert_eq!(s["recoveries_open"], 1);
    assert_eq!(s["recoveries_kept"], 0);
    let k = &card["rules"]["keep_cool"];
    assert_eq!(k["complaints"], 0);
    assert_eq!(k["replies_flagged"], 1, "the held draft");
    assert_eq!(k["sent_anyway"], 0);
    assert_eq!(k["acknowledged_on_time_rate"], Value::Null);

    // A day without visits: zeros, and rates that are null rather than made up.
    let (_, empty) = app
        .get(
            "/api/v1/scorecard?location=main&from=2026-03-04&to=2026-03-04",
            Some(&boss),
        )
        .await;
    assert_eq!(empty["rules"]["acknowledge"]["visits"], 0);
    assert_eq!(empty["rules"]["acknowledge"]["on_time_rate"], Value::Null);

    // By staff: everything Ana, Bo and Cy got was desk's; Di was nobody's.
    let (_, by) = app
        .get(
            "/api/v1/scorecard?location=main&from=2026-03-05&to=2026-03-05&by=staff",
            Some(&boss),
        )
        .await;
    assert_eq!(by["by"], "staff");
    let groups = by["groups"].as_array().unwrap();
    let desk = groups.iter().find(|g| g["group"] == "desk").unwrap();
    assert_eq!(desk["rules"]["acknowledge"]["visits"], 3);
    assert_eq!(desk["rules"]["acknowledge"]["on_time_rate"], 2.0 / 3.0);
    let none = groups.iter().find(|g| g["group"] == "none").unwrap();
    assert_eq!(none["rules"]["acknowledge"]["visits"], 1);

    // CSV: one row per group, one column per figure.
    let resp = app
        .client
        .get(format!(
            "{}/api/v1/scorecard?location=main&from=2026-03-01&to=2026-03-14&by=day&format=csv",
            app.url
        ))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[0], "group");
    assert_eq!(header.len(), 32);
    let row: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(row[0], "2026-03-05");
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("acknowledge.visits"), "4");
    assert_eq!(col("acknowledge.on_time_rate"), "0.5");
    assert_eq!(col("survey.overall_median"), "6.5");
    assert_eq!(col("keep_cool.acknowledged_on_time_rate"), "");

    // The page: a chart drawn on the server for each rule, the number beside
    // it, and the visits behind a figure.
    let cookie = sign_in(&app, "boss").await;
    let (status, html) = page(
        &app,
        &cookie,
        "/scorecard?location=main&from=2026-03-01&to=2026-03-14",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(html.matches("<svg class=\"trend\"").count(), 5, "{html}");
    assert!(
        html.contains("<span class=\"big\" id=\"acknowledge-value\">50%</span>"),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"big\" id=\"survey-value\">6.5</span>"),
        "{html}"
    );
    assert!(html.contains("2026-W10"), "the week's name on the chart");
    assert!(
        !html.contains("<script src=\"/static/scorecard"),
        "no script needed"
    );
    let late = "/scorecard?location=main&#38;from=2026-03-01&#38;to=2026-03-14&#38;show=acknowledge.late#behind";
    assert!(html.contains(late), "{html}");
    let (status, html) = page(
        &app,
        &cookie,
        "/scorecard?location=main&from=2026-03-01&to=2026-03-14&show=acknowledge.late",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Visits behind “acknowledge.late” (2)"),
        "{html}"
    );
    for id in &ids[2..] {
        assert!(
            html.contains(&format!("href=\"/visits/{id}\"")),
            "{id}: {html}"
        );
    }
    assert!(!html.contains(&format!("href=\"/visits/{}\"", ids[0])));
    // A bad date: the default period, the field named.
    let (status, html) = page(&app, &cookie, "/scorecard?from=soon").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("from-error"), "{html}");
    // Front desk: not allowed.
    let desk = sign_in(&app, "desk").await;
    let (status, _) = page(&app, &desk, "/scorecard").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn managers_and_admins_at_their_own_locations_only() {
    let app = spawn_app().await;
    for user in ["desk", "doc"] {
        let token = app.token(user).await;
        let (status, body) = app.get("/api/v1/scorecard", Some(&token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
    }
    let root = app.token("root").await;
    let (status, body) = app.get("/api/v1/scorecard", Some(&root)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["to"], "2026-03-05", "today by default");
    assert_eq!(body["from"], "2026-02-06", "28 days by default");
    let nell = app.token("nell").await;
    let (status, _) = app
        .get("/api/v1/scorecard?location=main", Some(&nell))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/scorecard", Some(&nell)).await;
    assert_eq!(status, StatusCode::OK, "her own location, north");
    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-03-05&to=2026-03-01", "from"),
        ("from=2024-01-01&to=2026-03-01", "to"),
        ("by=month", "by"),
        ("format=xlsx", "format"),
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/scorecard?{query}"), Some(&root))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{query}: {body}"
        );
    }
}
