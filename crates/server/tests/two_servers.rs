//! Two servers on one PostgreSQL database, as a group practice runs them
//! behind a proxy: what happens on one reaches the other's event streams
//! within a second, each alert is raised once with both watchers running,
//! the other server takes the watcher over when the first dies, and both
//! quote a patient alike. Skipped (with a message) without PostgreSQL,
//! except under `CI=true`.

mod support;

use chrono::Duration;
use frontdesk_server::ServerConfig;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Instant;
use support::*;

/// An open event stream, read as it comes.
struct Events {
    resp: reqwest::Response,
    buf: String,
}

impl Events {
    async fn open(app: &TestApp, token: &str) -> Events {
        let resp = app
            .client
            .get(format!("{}/api/v1/events", app.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let mut events = Events {
            resp,
            buf: String::new(),
        };
        // The stream is open once it says "ready".
        let (name, _) = events
            .next(std::time::Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(name, "ready");
        events
    }

    /// The next event within `wait`, or `None`.
    async fn next(&mut self, wait: std::time::Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let field = |f: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(f))
                        .map(|s| s.trim().to_string())
                };
                if let (Some(name), Some(data)) = (field("event:"), field("data:")) {
                    return Some((name, serde_json::from_str(&data).unwrap()));
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .ok()?
                .unwrap()?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Every event for `visit` named `name` within `wait`.
    async fn count(&mut self, name: &str, visit: i64, wait: std::time::Duration) -> usize {
        let deadline = Instant::now() + wait;
        let mut n = 0;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left).await {
                Some((e, data)) if e == name && data["visit_id"] == visit => n += 1,
                Some(_) => {}
                None => break,
            }
        }
        n
    }
}

async fn pair() -> Option<(TestApp, TestApp)> {
    spawn_pg_pair(ServerConfig::default()).await
}

/// The timeline kinds of a visit, counted.
async fn count_kind(app: &TestApp, token: &str, visit: i64, kind: &str) -> usize {
    app.timeline_kinds(token, visit)
        .await
        .iter()
        .filter(|k| *k == kind)
        .count()
}

/// Wait up to `secs` seconds for `check`.
async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + std::time::Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    check().await
}

#[tokio::test]
async fn a_check_in_on_one_server_reaches_the_other_servers_streams_within_a_second() {
    let Some((a, b)) = pair().await else { return };
    // One sign-in works on both: sessions live in the database.
    let token = a.token("desk").await;
    let mut on_b = Events::open(&b, &token).await;
    let mut on_a = Events::open(&a, &token).await;

    let started = Instant::now();
    let id = a.check_in(&token, "Ana").await["id"].as_i64().unwrap();
    let (name, data) = on_b
        .next(std::time::Duration::from_secs(1))
        .await
        .expect("within 1 s");
    let took = started.elapsed();
    assert_eq!(
        (name.as_str(), data["visit_id"].as_i64()),
        ("arrived", Some(id))
    );
    assert_eq!(data["location"], "main");
    eprintln!("check-in on A heard on B after {took:?}");
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");

    // A move on B reaches A; neither server delivers an event twice.
    let (status, body) = b
        .post(
            &format!("/api/v1/visits/{id}/acknowledgements"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let wait = std::time::Duration::from_millis(1500);
    let mut seen_a = Vec::new();
    while let Some(e) = on_a.next(wait).await {
        seen_a.push(e.0);
    }
    let mut seen_b = Vec::new();
    while let Some(e) = on_b.next(std::time::Duration::from_millis(300)).await {
        seen_b.push(e.0);
    }
    assert_eq!(seen_a, ["arrived", "acknowledged"], "on A");
    assert_eq!(seen_b, ["acknowledged"], "on B (arrived was read above)");
}

#[tokio::test]
async fn a_sign_out_on_one_server_ends_the_session_on_the_other_at_once() {
    let Some((a, b)) = pair().await else { return };
    let token = a.token("desk").await;
    // B has checked the session, and would trust it for a while.
    assert_eq!(b.get("/api/v1/lobby", Some(&token)).await.0, 200);
    let resp = a
        .client
        .delete(format!("{}/api/v1/sessions", a.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let started = Instant::now();
    assert!(
        eventually(1, || async {
            b.get("/api/v1/lobby", Some(&token)).await.0 == 401
        })
        .await,
        "B still lets the signed-out session in"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[tokio::test]
async fn one_overdue_clock_gives_one_alert_and_the_other_server_takes_the_watcher_over() {
    let Some((a, b)) = pair().await else { return };
    let token = a.token("desk").await;
    // Exactly one of the two watches.
    assert!(
        eventually(5, || async {
            a.state.watching.load(Ordering::Acquire) != b.state.watching.load(Ordering::Acquire)
        })
        .await,
        "one watcher"
    );
    let mut on_a = Events::open(&a, &token).await;
    let id = b.check_in(&token, "Ana").await["id"].as_i64().unwrap();
    assert_eq!(
        on_a.count("arrived", id, std::time::Duration::from_secs(1))
            .await,
        1
    );

    // Due within 2 minutes: 3 minutes later, with both servers' watchers
    // ticking every second, one `ack_overdue`, on the timeline and on each stream.
    a.clock.advance(Duration::minutes(3));
    assert!(
        eventually(5, || async {
            count_kind(&a, &token, id, "ack_overdue").await >= 1
        })
        .await,
        "no ack_overdue"
    );
    assert_eq!(
        on_a.count("ack_overdue", id, std::time::Duration::from_secs(3))
            .await,
        1
    );
    assert_eq!(count_kind(&a, &token, id, "ack_overdue").await, 1);

    // The watcher dies; the other takes over within 5 seconds.
    let (dead, alive) = if a.state.watching.load(Ordering::Acquire) {
        (&a, &b)
    } else {
        (&b, &a)
    };
    dead.kill().await;
    let started = Instant::now();
    assert!(
        eventually(5, || async { alive.state.watching.load(Ordering::Acquire) }).await,
        "nobody took the watcher over"
    );
    eprintln!("watcher taken over after {:?}", started.elapsed());

    // It raises the next alert once, and not the one raised before.
    let mut on_alive = Events::open(alive, &token).await;
    alive.clock.advance(Duration::minutes(5));
    assert!(
        eventually(5, || async {
            count_kind(alive, &token, id, "ack_escalated").await >= 1
        })
        .await,
        "no ack_escalated after the takeover"
    );
    assert_eq!(
        on_alive
            .count("ack_escalated", id, std::time::Duration::from_secs(3))
            .await,
        1
    );
    let kinds = alive.timeline_kinds(&token, id).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "ack_overdue").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "ack_escalated").count(),
        1,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn both_servers_quote_a_patient_alike() {
    let Some((a, b)) = pair().await else { return };
    let token = a.token("desk").await;
    let mut ids = Vec::new();
    for (i, name) in ["Ana", "Bo", "Cy", "Di", "Ed", "Flo"].iter().enumerate() {
        let app = if i % 2 == 0 { &a } else { &b };
        ids.push(app.check_in(&token, name).await["id"].as_i64().unwrap());
        a.clock.advance(Duration::minutes(4));
    }
    // Two are seen, on different servers.
    let doc = b.token("doc").await;
    for (app, id) in [(&a, ids[0]), (&b, ids[1])] {
        for to in ["roomed", "with_provider"] {
            let (status, body) = app
                .post(
                    &format!("/api/v1/visits/{id}/transitions"),
                    Some(&doc),
                    json!({"to": to}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        a.clock.advance(Duration::minutes(2));
    }
    let now = a.state.now();
    let quote = |app: &TestApp, id: i64| app.state.quotes().requote_by_id(&id.to_string(), now);
    let alike = eventually(1, || async {
        ids[2..].iter().all(|id| {
            let q = quote(&a, *id);
            q.is_some() && q == quote(&b, *id)
        })
    })
    .await;
    for id in &ids[2..] {
        eprintln!(
            "visit {id}: A {:?} / B {:?}",
            quote(&a, *id),
            quote(&b, *id)
        );
    }
    assert!(alike, "the servers quote differently");
    // A patient arriving now is quoted and promised the same on both.
    let queue = frontdesk_server::app::quotes::queue_of("main", &None);
    let fresh = |app: &TestApp| app.state.quotes().quote(&queue, None, None, now);
    assert_eq!(fresh(&a), fresh(&b));
    assert_eq!(fresh(&a).ahead, 4);
    let draft = |app: &TestApp| {
        frontdesk_server::app::quotes::draft_wait_promise(&app.state, "main", &None, None, now)
    };
    assert_eq!(draft(&a).due_at, draft(&b).due_at);
    assert_eq!(draft(&a).reason, draft(&b).reason);
}

#[tokio::test]
async fn lost_connections_are_made_again_the_stream_and_the_watcher_come_back() {
    let Some((a, b)) = pair().await else { return };
    let token = a.token("desk").await;
    assert!(
        eventually(5, || async {
            a.state.watching.load(Ordering::Acquire) || b.state.watching.load(Ordering::Acquire)
        })
        .await
    );
    // Both listeners and the watcher lock's connection are cut, as a
    // database restart or a network cut would.
    let listeners = a
        .end_pg_connections(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND query LIKE '%' || $1 || '%'",
        )
        .await;
    assert_eq!(listeners, 2);
    let locks = a
        .end_pg_connections(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND objid::bigint = (hashtext('frontdesk.watcher.' || $1)::bigint & 4294967295)",
        )
        .await;
    assert_eq!(locks, 1);

    // Within a few seconds a check-in on A reaches B's stream again.
    let mut on_b = Events::open(&b, &token).await;
    let mut heard = false;
    let started = Instant::now();
    let mut ids = Vec::new();
    while !heard && started.elapsed() < std::time::Duration::from_secs(10) {
        let id = a.check_in(&token, "Ana").await["id"].as_i64().unwrap();
        ids.push(id);
        heard = on_b
            .count("arrived", id, std::time::Duration::from_millis(500))
            .await
            == 1;
    }
    assert!(heard, "B never heard A again");
    eprintln!("stream back after {:?}", started.elapsed());
    // What B may have missed meanwhile it read from the database: both
    // engines know every patient, and quote them alike.
    ids.push(b.check_in(&token, "Cy").await["id"].as_i64().unwrap());
    let now = a.state.now();
    let quote = |app: &TestApp, id: i64| app.state.quotes().requote_by_id(&id.to_string(), now);
    assert!(
        eventually(2, || async {
            ids.iter()
                .all(|id| quote(&a, *id).is_some() && quote(&a, *id) == quote(&b, *id))
        })
        .await,
        "the engines differ after the cut"
    );
    // And one server watches again, raising an alert once.
    assert!(
        eventually(5, || async {
            a.state.watching.load(Ordering::Acquire) != b.state.watching.load(Ordering::Acquire)
        })
        .await,
        "no single watcher after the cut"
    );
    let id = b.check_in(&token, "Bo").await["id"].as_i64().unwrap();
    a.clock.advance(Duration::minutes(3));
    assert!(
        eventually(5, || async {
            count_kind(&a, &token, id, "ack_overdue").await >= 1
        })
        .await,
        "no ack_overdue after the cut"
    );
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(count_kind(&a, &token, id, "ack_overdue").await, 1);
}

#[tokio::test]
async fn an_upset_patient_alerts_the_boards_once_an_hour_whichever_server_they_reach() {
    let Some((a, b)) = pair().await else { return };
    let token = a.token("desk").await;
    let (status, body) = a
        .post(
            "/api/v1/visits",
            Some(&token),
            json!({"given_name": "Ana", "family_name": "Moreno", "date_of_birth": "1980-02-29"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (id, url) = (
        body["id"].as_i64().unwrap(),
        body["status_url"].as_str().unwrap().to_string(),
    );
    let mut on_a = Events::open(&a, &token).await;
    let ask = |app: &TestApp, text: &'static str| {
        let (client, target) = (app.client.clone(), format!("{}{url}/question", app.url));
        async move {
            client
                .post(target)
                .form(&[("text", text)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The first upset message reaches A, the next B: one alert.
    let first = ask(
        &a,
        "This is RIDICULOUS. I have waited two hours and nobody tells me anything!!!",
    );
    assert_eq!(first.await, 303);
    assert_eq!(
        on_a.count("upset", id, std::time::Duration::from_millis(500))
            .await,
        1
    );
    let second = ask(&b, "Unacceptable. I am never coming back here!!!");
    assert_eq!(second.await, 303);
    assert_eq!(
        on_a.count("upset", id, std::time::Duration::from_secs(1))
            .await,
        0
    );
    assert_eq!(
        count_kind(&a, &token, id, "upset").await,
        2,
        "both on the timeline"
    );
}

#[tokio::test]
async fn a_location_changed_on_one_server_is_read_afresh_on_the_other_at_once() {
    let Some((a, b)) = pair().await else { return };
    // B has the location in its cache (trusted for 5 s).
    let before = b.state.ack_policy("main").await.unwrap();
    assert_eq!(before.first_within, Duration::minutes(2));
    let boss = a.token("boss").await;
    let body = json!({"first_within": "90s", "recheck_every": "10m", "escalate_after": "3m"});
    let (status, saved) = a.put("/api/v1/settings/acknowledgement", &boss, body).await;
    assert_eq!(status, 200, "{saved}");
    let started = Instant::now();
    assert!(
        eventually(1, || async {
            b.state.ack_policy("main").await.unwrap().first_within == Duration::seconds(90)
        })
        .await,
        "B still uses the old clocks"
    );
    eprintln!("B read the new clocks after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_burst_of_check_ins_on_one_server_all_reach_the_other_within_a_second() {
    let Some((a, b)) = pair().await else { return };
    let token = a.token("desk").await;
    let mut on_b = Events::open(&b, &token).await;
    let started = Instant::now();
    let mut answers = Vec::new();
    for i in 0..100 {
        let (client, url, token) = (a.client.clone(), a.url.clone(), token.clone());
        answers.push(tokio::spawn(async move {
            let resp = client
                .post(format!("{url}/api/v1/visits"))
                .bearer_auth(&token)
                .json(&json!({"given_name": format!("P{i}"), "family_name": "Burst"}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 201);
            resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for answer in answers {
        ids.insert(answer.await.unwrap());
    }
    let answered = Instant::now();
    while !ids.is_empty() {
        let left =
            (answered + std::time::Duration::from_secs(1)).checked_duration_since(Instant::now());
        let Some((name, data)) = on_b.next(left.unwrap_or_default()).await else {
            panic!(
                "{} check-ins not heard on B within 1 s of the last answer",
                ids.len()
            );
        };
        if name == "arrived" {
            ids.remove(&data["visit_id"].as_i64().unwrap());
        }
    }
    eprintln!(
        "100 check-ins on A answered in {:?}, all heard on B {:?} after the last answer",
        answered - started,
        answered.elapsed()
    );
}

#[tokio::test]
async fn the_same_idempotency_key_on_both_servers_makes_one_visit() {
    let Some((a, b)) = pair().await else { return };
    let token = a.token("desk").await;
    let body = json!({"given_name": "Ana", "family_name": "Moreno"});
    let send = |app: &TestApp| {
        let (client, url, token, body) = (
            app.client.clone(),
            format!("{}/api/v1/visits", app.url),
            token.clone(),
            body.clone(),
        );
        async move {
            // "Still being answered" (409) is retried, as a client would.
            for _ in 0..20 {
                let resp = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("idempotency-key", "two-servers-one-visit")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                let answer = resp.json::<Value>().await.unwrap();
                if status != 409 {
                    return (status, answer);
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("still being answered after 2 s");
        }
    };
    // At once, and again afterwards, on either server.
    let (first, second) = tokio::join!(send(&a), send(&b));
    let third = send(&b).await;
    let mut ids = Vec::new();
    for (status, answer) in [first, second, third] {
        assert_eq!(status, 201, "{answer}");
        ids.push(answer["id"].as_i64().unwrap());
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(a.lobby(&token).await.len(), 1);
    assert_eq!(b.lobby(&token).await.len(), 1);
}
