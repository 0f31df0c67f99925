//! What keeps a big lobby's cost flat. The clock watcher, after its first
//! pass, looks only at the clocks that crossed a threshold since the pass
//! before, and still raises every alert exactly once, at both locations,
//! through acknowledgements, moves and a change of the clock settings. A
//! board's event stream carries only its own location.

mod support;

use chrono::Duration;
use frontdesk_domain::AckPolicy;
use frontdesk_server::clock::Clock;
use frontdesk_store::Actor;
use serde_json::json;
use std::collections::BTreeMap;
use support::*;

async fn check_in_at(app: &TestApp, token: &str, given: &str, location: &str) -> i64 {
    let (status, body) = app
        .post(
            "/api/v1/visits",
            Some(token),
            json!({"given_name": given, "family_name": "Watch", "location": location}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// Tick the watcher every `step` for `span`; every alert raised, as (visit, name).
async fn tick(app: &TestApp, span: Duration, step: Duration) -> Vec<(i64, &'static str)> {
    let mut raised = Vec::new();
    let mut gone = Duration::zero();
    while gone < span {
        app.clock.advance(step);
        gone += step;
        for e in frontdesk_server::app::watch::check_clocks(&app.state)
            .await
            .unwrap()
        {
            raised.push((e.visit_id, e.name));
        }
    }
    raised
}

fn count(raised: &[(i64, &str)]) -> BTreeMap<(i64, String), usize> {
    let mut n = BTreeMap::new();
    for (id, name) in raised {
        *n.entry((*id, name.to_string())).or_default() += 1;
    }
    n
}

#[tokio::test]
async fn every_alert_is_raised_once_as_the_watcher_looks_only_at_clocks_due() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    // The first pass reads every running clock.
    assert!(
        tick(&app, Duration::seconds(1), Duration::seconds(1))
            .await
            .is_empty()
    );

    // Patients arriving a few seconds apart at both locations.
    let mut main = Vec::new();
    let mut north = Vec::new();
    for i in 0..6 {
        main.push(check_in_at(&app, &token, &format!("M{i}"), "main").await);
        north.push(check_in_at(&app, &token, &format!("N{i}"), "north").await);
        app.clock.advance(Duration::seconds(7));
    }
    // One is acknowledged in time, one is with the provider before its clock runs out.
    app.post(
        &format!("/api/v1/visits/{}/acknowledgements", main[0]),
        Some(&token),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/visits/{}/transitions", north[0]),
        Some(&token),
        json!({"to": "with_provider"}),
    )
    .await;

    // 10 minutes, a tick every 3 seconds: each unacknowledged clock goes
    // overdue (2 min) and escalates (5 min later) exactly once.
    let raised = count(&tick(&app, Duration::minutes(10), Duration::seconds(3)).await);
    for id in main[1..].iter().chain(&north[1..]) {
        assert_eq!(
            raised.get(&(*id, "ack_overdue".into())),
            Some(&1),
            "{id}: {raised:?}"
        );
        assert_eq!(
            raised.get(&(*id, "ack_escalated".into())),
            Some(&1),
            "{id}: {raised:?}"
        );
    }
    assert!(
        !raised
            .keys()
            .any(|(id, _)| *id == main[0] || *id == north[0]),
        "{raised:?}"
    );

    // The acknowledged one is due again 15 minutes after its acknowledgement.
    let later = count(&tick(&app, Duration::minutes(8), Duration::seconds(5)).await);
    assert_eq!(
        later.get(&(main[0], "ack_overdue".into())),
        Some(&1),
        "{later:?}"
    );
    assert_eq!(later.len(), 1, "nothing else is raised again: {later:?}");
    // Signed in again: the test clock ran past the idle logoff.
    let token = app.token("desk").await;
    let (status, _) = app
        .post(
            &format!("/api/v1/visits/{}/transitions", main[0]),
            Some(&token),
            json!({"to": "with_provider"}),
        )
        .await;
    assert_eq!(status, 200);

    // North's clocks change (first acknowledgement within 20 minutes): a
    // new arrival there is due 20 minutes after arriving, and the clocks
    // already alerted (whose due time moved) are not alerted again.
    let policy = AckPolicy {
        first_within: Duration::minutes(20),
        ..AckPolicy::default()
    };
    app.state
        .store
        .save_ack_policy("north", policy, &Actor::system(), app.clock.now())
        .await
        .unwrap();
    app.state.locations_changed();
    let late = check_in_at(&app, &token, "Late", "north").await;
    let before = tick(&app, Duration::minutes(19), Duration::seconds(30)).await;
    assert!(!before.iter().any(|(id, _)| *id == late), "{before:?}");
    let mut after = before;
    after.extend(tick(&app, Duration::minutes(11), Duration::seconds(30)).await);
    let after = count(&after);
    assert_eq!(
        after.get(&(late, "ack_overdue".into())),
        Some(&1),
        "{after:?}"
    );
    assert_eq!(
        after.get(&(late, "ack_escalated".into())),
        Some(&1),
        "{after:?}"
    );
    assert_eq!(after.len(), 2, "{after:?}");
}

/// The events named on a stream, until `want` have come (the `ready` one left out).
async fn read_names(resp: reqwest::Response, want: usize) -> Vec<(String, serde_json::Value)> {
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
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|s| s.trim().to_string())
            };
            if let (Some(name), Some(data)) = (field("event:"), field("data:"))
                && name != "ready"
            {
                events.push((name, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    events
}

#[tokio::test]
async fn a_board_stream_for_one_location_carries_only_that_location() {
    let app = spawn_app().await;
    let token = app.token("desk").await;
    let open = |query: &'static str, token: String| {
        let (client, url) = (app.client.clone(), app.url.clone());
        async move {
            client
                .get(format!("{url}/api/v1/events{query}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let north_only = open("?location=north", token.clone()).await;
    assert_eq!(north_only.status(), 200);
    let everywhere = open("", token.clone()).await;
    let north_reader = tokio::spawn(read_names(north_only, 2));
    let all_reader = tokio::spawn(read_names(everywhere, 4));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    for (given, location) in [("A", "main"), ("B", "north"), ("C", "main"), ("D", "north")] {
        check_in_at(&app, &token, given, location).await;
    }
    let north = north_reader.await.unwrap();
    let locations: Vec<&str> = north
        .iter()
        .map(|(_, d)| d["location"].as_str().unwrap())
        .collect();
    assert_eq!(locations, ["north", "north"]);
    assert_eq!(all_reader.await.unwrap().len(), 4);

    // Another location's stream is, to someone who works only at north, no
    // stream at all; an unknown location neither.
    let nora = app.token("nora").await;
    assert_eq!(open("?location=main", nora.clone()).await.status(), 404);
    assert_eq!(open("?location=nowhere", token.clone()).await.status(), 404);
    assert_eq!(open("?location=north", nora).await.status(), 200);
}
