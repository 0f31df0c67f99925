//! `GET /metrics`: Prometheus text behind its own bearer token; 401 without
//! it, 404 when no token is configured. Requests by route template and status,
//! latency, patients waiting and clocks by location, wait promises, the
//! outbox, the watcher and the open event streams.

mod support;

use frontdesk_server::ServerConfig;
use reqwest::StatusCode;
use support::*;

const TOKEN: &str = "scrape-me-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut r = app.client.get(format!("{}/metrics", app.url));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let resp = r.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn metrics_need_their_token_and_count_what_happens() {
    let app = spawn_app_with(
        ServerConfig {
            metrics_token: Some(TOKEN.into()),
            ..ServerConfig::default()
        },
        false,
    )
    .await;
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some("wrong-token-0123456789")).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A staff member's session token is not the metrics token.
    let desk = app.token("desk").await;
    assert_eq!(scrape(&app, Some(&desk)).await.0, StatusCode::UNAUTHORIZED);

    let visit = app.check_in(&desk, "Ana").await;
    let (status, _) = app
        .get(&format!("/api/v1/visits/{}", visit["id"]), Some(&desk))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get("/api/v1/visits/999999", Some(&desk)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Unacknowledged for 10 minutes: overdue, then escalated.
    app.clock.advance(chrono::Duration::minutes(10));

    let (status, text) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        text.contains("# TYPE frontdesk_http_requests_total counter"),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_http_requests_total{route=\"/api/v1/visits/{id}\",method=\"GET\",status=\"200\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_http_requests_total{route=\"/api/v1/visits/{id}\",method=\"GET\",status=\"404\"}"
        ),
        1.0
    );
    assert!(
        !text
            .lines()
            .any(|l| l.contains("route=\"/api/v1/visits/999999")),
        "no ids in labels: {text}"
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_http_request_duration_seconds_count{route=\"/api/v1/visits\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_waiting_patients{location=\"main\",state=\"waiting\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_waiting_patients{location=\"north\",state=\"waiting\"}"
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_ack_clocks{location=\"main\",status=\"escalated\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_ack_clocks{location=\"main\",status=\"on_time\"}"
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            "frontdesk_wait_promises_total{location=\"main\",status=\"open\"}"
        ),
        1.0
    );
    assert_eq!(value(&text, "frontdesk_outbox_queue"), 0.0);
    assert_eq!(value(&text, "frontdesk_sse_clients"), 0.0);
    assert!(
        text.contains("frontdesk_watcher_tick_seconds_count 0"),
        "{text}"
    );

    // Seen: the wait promise is kept.
    for to in ["roomed", "with_provider"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/visits/{}/transitions", visit["id"]),
                Some(&desk),
                serde_json::json!({"to": to}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, text) = scrape(&app, Some(TOKEN)).await;
    let kept_or_broken = text
        .lines()
        .filter(|l| {
            l.starts_with("frontdesk_wait_promises_total{location=\"main\",status=\"kept\"}")
                || l.starts_with(
                    "frontdesk_wait_promises_total{location=\"main\",status=\"broken\"}",
                )
        })
        .count();
    assert_eq!(kept_or_broken, 1, "{text}");
    assert_eq!(
        value(
            &text,
            "frontdesk_waiting_patients{location=\"main\",state=\"with_provider\"}"
        ),
        1.0
    );
    // An open board's event stream is counted while it is open.
    let stream = app
        .client
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let (_, open) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(value(&open, "frontdesk_sse_clients"), 1.0);
    drop(stream);
    let mut closed = 1.0;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        closed = value(&scrape(&app, Some(TOKEN)).await.1, "frontdesk_sse_clients");
        if closed == 0.0 {
            break;
        }
    }
    assert_eq!(closed, 0.0, "a closed stream is no longer counted");
    // The scrape itself is counted too.
    assert!(
        value(
            &text,
            "frontdesk_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}"
        ) >= 1.0
    );
}

#[tokio::test]
async fn without_a_token_there_is_no_metrics_route() {
    let app = spawn_app().await;
    assert_eq!(scrape(&app, Some(TOKEN)).await.0, StatusCode::NOT_FOUND);
}
