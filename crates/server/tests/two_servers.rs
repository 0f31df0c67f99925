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
