//! Faults and retries over HTTP: a database that cannot take a write answers
//! 503 `unavailable` and saves nothing; an `Idempotency-Key` (the API) or a
//! form's one-time id (pages) makes a creating request safe to send again;
//! a patient's status-page poll is audited at most once a minute per link.

mod support;

use frontdesk_server::ServerConfig;
use frontdesk_store::SqliteStore;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use support::*;

/// The app on a SQLite file whose connections wait at most 300 ms for a
/// lock another process holds (10 s in production).
async fn spawn_impatient_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_with_busy_timeout(
        &dir.path().join("frontdesk.db"),
        std::time::Duration::from_millis(300),
    )
    .await
    .unwrap();
    spawn_app_on(Arc::new(store), dir, ServerConfig::default(), false).await
}

fn count(app: &TestApp, sql: &str) -> i64 {
    rusqlite::Connection::open(app.db_path())
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// POST JSON with headers; the status, the headers and the body.
async fn post_with(
    app: &TestApp,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut r = app
        .client
        .post(format!("{}{path}", app.url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn a_write_lock_held_past_the_busy_timeout_answers_503_and_saves_nothing() {
    let app = spawn_impatient_app().await;
    let token = app.token("desk").await;
    let cookie = sign_in(&app, "desk").await;
    let (_, html) = page(&app, &cookie, "/board").await;
    let csrf = csrf_in(&html);

    // Another process (the CLI's import, say) holds the write lock.
    let other = rusqlite::Connection::open(app.db_path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let body = json!({"given_name": "Ana", "family_name": "Moreno"}).to_string();
    let (status, headers, answer) = post_with(&app, "/api/v1/visits", &token, &[], &body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(error_code(&answer), "unavailable");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("try again")
    );
    assert_eq!(headers["retry-after"], "2");
    // The page's form: a page a person can read, not an error dump.
    let resp = form(
        &app,
        &cookie,
        "/board/check-in",
        &[
            ("csrf", &csrf),
            ("given_name", "Bo"),
            ("family_name", "Moreno"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.headers().contains_key("retry-after"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("Please try again"), "{html}");
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);

    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM visit"),
        0,
        "nothing saved"
    );
    // Let go: the next check-in works, with no restart.
    let (status, _, answer) = post_with(&app, "/api/v1/visits", &token, &[], &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM visit"), 1);
}

#[tokio::test]
async fn the_same_idempotency_key_gives_the_first_answer_and_creates_nothing() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let body =
        json!({"given_name": "Ana", "family_name": "Moreno", "provider": "dr-lee"}).to_string();
    let key = [("idempotency-key", "3f1c7a52-check-in-1")];
    let (s1, h1, first) = post_with(&app, "/api/v1/visits", &desk, &key, &body).await;
    assert_eq!(s1, StatusCode::CREATED, "{first}");
    assert!(!h1.contains_key("idempotent-replayed"));
    app.clock.advance(chrono::Duration::minutes(5));
    let (s2, h2, again) = post_with(&app, "/api/v1/visits", &desk, &key, &body).await;
    assert_eq!(s2, StatusCode::CREATED);
    assert_eq!(again, first, "the first answer, status link included");
    assert_eq!(h2["idempotent-replayed"], "true");
    assert_eq!(app.lobby(&desk).await.len(), 1, "one visit");
    // The database keeps the key as a hash and the answer (with the
    // patient's private link) sealed under the key.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM idempotency_key"), 1);
    let link = first["status_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/s/");
    let plain = format!(
        "SELECT COUNT(*) FROM idempotency_key WHERE key LIKE '%3f1c7a52%' OR body LIKE '%{link}%' OR body LIKE '%Moreno%'"
    );
    assert_eq!(count(&app, &plain), 0);

    // The same key with another request: refused, naming the header.
    let other = json!({"given_name": "Bo", "family_name": "Moreno"}).to_string();
    let (s, _, refused) = post_with(&app, "/api/v1/visits", &desk, &key, &other).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]["fields"]["Idempotency-Key"].is_string(),
        "{refused}"
    );
    assert_eq!(app.lobby(&desk).await.len(), 1);

    // Keys are each caller's own: the same key from someone else is new.
    let doc = app.token("doc").await;
    let (s, _, theirs) = post_with(&app, "/api/v1/visits", &doc, &key, &body).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(theirs["id"], first["id"]);

    // Empty, too long, or not visible ASCII: 422, nothing saved.
    let long = "k".repeat(256);
    for bad in ["", long.as_str(), "two words"] {
        let (s, _, refused) = post_with(
            &app,
            "/api/v1/visits",
            &desk,
            &[("idempotency-key", bad)],
            &other,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {refused}");
        assert!(refused["error"]["fields"]["Idempotency-Key"].is_string());
    }
    let max = "k".repeat(255);
    let (s, _, _) = post_with(
        &app,
        "/api/v1/visits",
        &desk,
        &[("idempotency-key", &max)],
        &other,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "255 characters are fine");
    assert_eq!(app.lobby(&desk).await.len(), 3);

    // A refused request keeps no key: fixed and sent again, it is made.
    let key = [("idempotency-key", "fix-and-retry")];
    let bad = json!({"given_name": "", "family_name": "Moreno"}).to_string();
    let (s, _, _) = post_with(&app, "/api/v1/visits", &desk, &key, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = post_with(&app, "/api/v1/visits", &desk, &key, &bad).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "still the same refusal"
    );

    // After 24 hours the key is forgotten: the same request makes a new visit.
    app.clock.advance(chrono::Duration::hours(24));
    let desk = app.token("desk").await;
    let key = [("idempotency-key", "3f1c7a52-check-in-1")];
    let (s, h, later) = post_with(&app, "/api/v1/visits", &desk, &key, &body).await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(!h.contains_key("idempotent-replayed"));
    assert_ne!(later["id"], first["id"]);
}

#[tokio::test]
async fn concerns_complaints_and_promises_are_made_once_per_key() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let visit = app.check_in(&desk, "Ana").await["id"].as_i64().unwrap();
    let cases = [
        (
            format!("/api/v1/visits/{visit}/concerns"),
            json!({"text": "Can I get a sick note?"}),
        ),
        (
            "/api/v1/complaints".to_string(),
            json!({"text": "Nobody told me about the delay.", "channel": "desk"}),
        ),
        (
            "/api/v1/promises".to_string(),
            json!({"kind": "callback", "note": "Call about results"}),
        ),
    ];
    for (path, body) in cases {
        let body = body.to_string();
        let key = [("idempotency-key", "once-only")];
        let (s1, _, first) = post_with(&app, &path, &desk, &key, &body).await;
        assert_eq!(s1, StatusCode::CREATED, "{path}: {first}");
        let (s2, h2, again) = post_with(&app, &path, &desk, &key, &body).await;
        assert_eq!(s2, StatusCode::CREATED, "{path}");
        assert_eq!(again, first, "{path}");
        assert_eq!(h2["idempotent-replayed"], "true");
        // Without a key, each request makes its own.
        let (s3, _, third) = post_with(&app, &path, &desk, &[], &body).await;
        assert_eq!(s3, StatusCode::CREATED);
        assert_ne!(third["id"], first["id"], "{path}");
    }
    let made = |sql: &str| count(&app, sql);
    assert_eq!(made("SELECT COUNT(*) FROM concern"), 2);
    assert_eq!(made("SELECT COUNT(*) FROM complaint"), 2);
    assert_eq!(
        made("SELECT COUNT(*) FROM promise WHERE kind = 'callback'"),
        2
    );
}

#[tokio::test]
async fn the_same_key_sent_many_times_at_once_makes_one_visit() {
    let app = Arc::new(spawn_app().await);
    let desk = app.token("desk").await;
    let body = json!({"given_name": "Ana", "family_name": "Moreno"}).to_string();
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let (app, desk, body) = (app.clone(), desk.clone(), body.clone());
            tokio::spawn(async move {
                post_with(
                    &app,
                    "/api/v1/visits",
                    &desk,
                    &[("idempotency-key", "burst")],
                    &body,
                )
                .await
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tries {
        let (status, _, answer) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                ids.insert(answer["id"].as_i64().unwrap());
            }
            // The first is still being answered: try again in a moment.
            StatusCode::CONFLICT => assert_eq!(error_code(&answer), "conflict"),
            other => panic!("{other}: {answer}"),
        }
    }
    assert_eq!(ids.len(), 1, "every 201 names the same visit: {ids:?}");
    assert_eq!(app.lobby(&desk).await.len(), 1);
    let (s, h, _) = post_with(
        &app,
        "/api/v1/visits",
        &desk,
        &[("idempotency-key", "burst")],
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(h["idempotent-replayed"], "true");
}

/// The value of a hidden field in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("the field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_form_sent_twice_makes_one_thing() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let cookie = sign_in(&app, "desk").await;

    // The check-in form.
    let (_, html) = page(&app, &cookie, "/board").await;
    let (csrf, once) = (csrf_in(&html), hidden(&html, "once"));
    assert!(once.len() >= 32, "a one-time id: {once}");
    let fields = [
        ("csrf", csrf.as_str()),
        ("once", once.as_str()),
        ("given_name", "Ana"),
        ("family_name", "Moreno"),
        ("location", "main"),
    ];
    let first = form(&app, &cookie, "/board/check-in", &fields).await;
    let second = form(&app, &cookie, "/board/check-in", &fields).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    assert_eq!(app.lobby(&desk).await.len(), 1, "one check-in");
    // A fresh page has a fresh id: the next patient is checked in.
    let (_, html) = page(&app, &cookie, "/board").await;
    let next = hidden(&html, "once");
    assert_ne!(next, once);
    let fields = [
        ("csrf", csrf.as_str()),
        ("once", next.as_str()),
        ("given_name", "Bo"),
        ("family_name", "Moreno"),
        ("location", "main"),
    ];
    assert_eq!(
        form(&app, &cookie, "/board/check-in", &fields)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.lobby(&desk).await.len(), 2);
    // The same id with a changed form: said plainly, nothing made.
    let changed = [
        ("csrf", csrf.as_str()),
        ("once", next.as_str()),
        ("given_name", "Cy"),
        ("family_name", "Moreno"),
        ("location", "main"),
    ];
    let resp = form(&app, &cookie, "/board/check-in", &changed).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("already sent"));
    assert_eq!(app.lobby(&desk).await.len(), 2);

    // The concern form on a visit's page.
    let visit = app.lobby(&desk).await[0]["id"].as_i64().unwrap();
    let (_, html) = page(&app, &cookie, &format!("/visits/{visit}")).await;
    let once = hidden(&html, "once");
    let fields = [
        ("csrf", csrf.as_str()),
        ("once", once.as_str()),
        ("text", "Can I get a sick note?"),
    ];
    let path = format!("/visits/{visit}/concerns");
    let first = form(&app, &cookie, &path, &fields).await;
    let second = form(&app, &cookie, &path, &fields).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM concern"), 1);

    // The complaint form.
    let (_, html) = page(&app, &cookie, "/complaints").await;
    let once = hidden(&html, "once");
    let fields = [
        ("csrf", csrf.as_str()),
        ("once", once.as_str()),
        ("location", "main"),
        ("text", "Nobody told me about the delay."),
        ("channel", "desk"),
        ("category", ""),
        ("severity", ""),
        ("visit_id", ""),
        ("name", ""),
        ("email", ""),
        ("phone", ""),
    ];
    let first = form(&app, &cookie, "/complaints", &fields).await;
    let second = form(&app, &cookie, "/complaints", &fields).await;
    assert_eq!(
        first.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        first.text().await
    );
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM complaint"), 1);
}

#[tokio::test]
async fn a_status_page_poll_is_audited_at_most_once_a_minute_per_link() {
    let app = spawn_app().await;
    let desk = app.token("desk").await;
    let mut urls = Vec::new();
    for given in ["Ana", "Bo"] {
        let body = app.check_in(&desk, given).await;
        urls.push(body["status_url"].as_str().unwrap().to_string());
    }
    let link_reads = || async {
        app.state
            .store
            .audit_log(1000)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.actor == "patient-link" && a.action == "visit.read")
            .count()
    };
    assert_eq!(link_reads().await, 0);
    for _ in 0..5 {
        let (status, _) = app.get(&format!("{}/status.json", urls[0]), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(link_reads().await, 1, "5 polls within a minute: 1 row");
    // Each link is its own.
    for _ in 0..3 {
        app.get(&format!("{}/status.json", urls[1]), None).await;
    }
    assert_eq!(link_reads().await, 2);
    // Opening the page itself is a read, audited every time.
    let (status, _) = app.get(&urls[0], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(link_reads().await, 3);
}

/// Two servers on one PostgreSQL database (behind one proxy): the same key
/// sent to each, one after the other and both at once, makes one visit, and
/// each server answers a retry with the first answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_on_two_servers_makes_one_visit() {
    let Some((a, b)) = spawn_pg_pair(ServerConfig::default()).await else {
        return;
    };
    let token = a.token("desk").await;
    let body = json!({"given_name": "Ana", "family_name": "Moreno"}).to_string();

    // One after the other: A makes it, B replays it.
    let key = [("idempotency-key", "two-servers-1")];
    let (s1, _, first) = post_with(&a, "/api/v1/visits", &token, &key, &body).await;
    assert_eq!(s1, StatusCode::CREATED, "{first}");
    let (s2, h2, again) = post_with(&b, "/api/v1/visits", &token, &key, &body).await;
    assert_eq!(s2, StatusCode::CREATED, "{again}");
    assert_eq!(h2["idempotent-replayed"], "true");
    assert_eq!(again, first);

    // Both at once, several times over.
    let key = [("idempotency-key", "two-servers-2")];
    let tries: Vec<_> = (0..6)
        .map(|i| {
            let app = if i % 2 == 0 { &a } else { &b };
            post_with(app, "/api/v1/visits", &token, &key, &body)
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for (status, _, answer) in futures_util::future::join_all(tries).await {
        match status {
            StatusCode::CREATED => {
                ids.insert(answer["id"].as_i64().unwrap());
            }
            StatusCode::CONFLICT => assert_eq!(error_code(&answer), "conflict"),
            other => panic!("{other}: {answer}"),
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    let visits = a
        .state
        .store
        .visits_since(start_time() - chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(visits.len(), 2, "one visit per key");
}
