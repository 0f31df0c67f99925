//! The outbox: a patient's status link by e-mail (SMTP, against a sink this
//! test starts on loopback) and by text message (a webhook, against a local
//! HTTP listener); retries with back-off; the kiosk's "send me my link"
//! field; the admins' listing. Both delivery paths are the real code.

mod support;

use chrono::Duration;
use frontdesk_server::app::outbox::deliver_due;
use frontdesk_server::{OutboxConfig, ServerConfig};
use frontdesk_store::{MessageChannel, MessageStatus, OutboxMessage};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};

const PUBLIC: &str = "https://desk.example.org";

/// A tiny SMTP server on loopback: accepts one message (answering RCPT TO
/// with `rcpt_reply`) and hands back everything the client said.
async fn smtp_sink(rcpt_reply: &'static str) -> (String, oneshot::Receiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        let mut transcript = String::new();
        write.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if read.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            transcript.push_str(&line);
            let upper = line.to_ascii_uppercase();
            let reply = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                "250 2.0.0 queued\r\n"
            } else if upper.starts_with("EHLO") {
                "250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("RCPT") {
                rcpt_reply
            } else if upper.starts_with("DATA") {
                in_data = true;
                "354 end with <CRLF>.<CRLF>\r\n"
            } else if upper.starts_with("QUIT") {
                "221 bye\r\n"
            } else {
                "250 ok\r\n"
            };
            write.write_all(reply.as_bytes()).await.unwrap();
            if upper.starts_with("QUIT") {
                break;
            }
        }
        let _ = tx.send(transcript);
    });
    (addr, rx)
}

/// A local HTTP listener standing in for an SMS gateway: every POST to
/// `/hook` is handed back with its `Authorization` header.
async fn webhook(answer: StatusCode) -> (String, mpsc::UnboundedReceiver<(Option<String>, Value)>) {
    use axum::http::HeaderMap;
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                let tx = tx.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(String::from);
                    let _ = tx.send((auth, body));
                    answer
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

fn with_outbox(outbox: OutboxConfig) -> ServerConfig {
    ServerConfig {
        public_url: Some(PUBLIC.into()),
        outbox,
        ..Default::default()
    }
}

fn smtp(addr: &str) -> OutboxConfig {
    OutboxConfig {
        smtp_addr: Some(addr.into()),
        smtp_from: "desk@clinic.example.org".into(),
        ..Default::default()
    }
}

async fn messages(app: &TestApp) -> Vec<OutboxMessage> {
    app.state.store.outbox_messages(100).await.unwrap()
}

async fn check_in_with(app: &TestApp, contact: Value) -> Value {
    let token = app.token("desk").await;
    let mut body = json!({"given_name": "Zelda", "family_name": "Quintero"});
    for (k, v) in contact.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, body) = app.post("/api/v1/visits", Some(&token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Everything the server logs while a test runs (on this test's thread).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<String>>);

impl tracing::field::Visit for Logs {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let mut text = self.0.lock().unwrap();
        text.push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl tracing::Subscriber for Logs {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        span.record(&mut self.clone());
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut self.clone());
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut self.clone());
        self.0.lock().unwrap().push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn an_email_at_check_in_is_delivered_by_smtp_and_its_link_forgotten() {
    let logs = Logs::default();
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(logs.clone()));
    let (addr, transcript) = smtp_sink("250 ok\r\n").await;
    let app = spawn_app_with(with_outbox(smtp(&addr)), false).await;
    let visit = check_in_with(&app, json!({"email": "zelda@example.org"})).await;
    let path = visit["status_url"].as_str().unwrap().to_string();
    let link = format!("{PUBLIC}{path}");

    let queued = messages(&app).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].channel, MessageChannel::Email);
    assert_eq!(queued[0].status, MessageStatus::Pending);
    assert_eq!(queued[0].visit_id, visit["id"].as_i64());
    assert!(queued[0].body.contains(&link));

    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let t = tokio::time::timeout(std::time::Duration::from_secs(5), transcript)
        .await
        .unwrap()
        .unwrap();
    assert!(t.starts_with("EHLO clinic.example.org\r\n"), "{t}");
    assert!(t.contains("MAIL FROM:<desk@clinic.example.org>"), "{t}");
    assert!(t.contains("RCPT TO:<zelda@example.org>\r\nDATA\r\n"), "{t}");
    assert!(t.contains("\r\nTo: <zelda@example.org>\r\n"), "{t}");
    assert!(
        t.contains("\r\nSubject: You're checked in at Main clinic\r\n"),
        "{t}"
    );
    assert!(
        t.contains("Hi Zelda, you're checked in at Main clinic."),
        "{t}"
    );
    assert!(
        t.contains(&format!("{link} — this link works until the end of today.")),
        "{t}"
    );
    assert!(t.ends_with("\r\n.\r\nQUIT\r\n"), "{t}");
    assert!(
        !t.contains("\n\n") && !t.replace("\r\n", "").contains('\n'),
        "CRLF only"
    );

    // Sent, and the private link is no longer kept.
    let after = &messages(&app).await[0];
    assert_eq!(after.status, MessageStatus::Sent);
    assert_eq!(after.attempts, 1);
    assert!(after.sent_at.is_some());
    assert_eq!(after.body, "[delivered; link removed]");
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0, "sent once");
    // The link the patient received works.
    let (status, _) = app.get(&path, None).await;
    assert_eq!(status, StatusCode::OK);

    // Logs say what happened without the address, the name or the link.
    let logged = logs.0.lock().unwrap().clone();
    assert!(logged.contains("outbox message delivered"), "{logged}");
    for secret in ["zelda@", "Zelda", "Quintero", path.as_str()] {
        assert!(!logged.contains(secret), "{secret} logged: {logged}");
    }
}

#[tokio::test]
async fn the_server_delivers_on_its_own() {
    let (addr, transcript) = smtp_sink("250 ok\r\n").await;
    let config = ServerConfig {
        clock_tick: std::time::Duration::from_millis(20),
        ..with_outbox(smtp(&addr))
    };
    // `true`: the server's own watcher runs, as in production.
    let app = spawn_app_with(config, true).await;
    check_in_with(&app, json!({"email": "zelda@example.org"})).await;
    let t = tokio::time::timeout(std::time::Duration::from_secs(10), transcript)
        .await
        .expect("delivered by the watcher")
        .unwrap();
    assert!(t.contains("RCPT TO:<zelda@example.org>"));
    for _ in 0..200 {
        if messages(&app).await[0].status == MessageStatus::Sent {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("not marked sent: {:?}", messages(&app).await);
}

#[tokio::test]
async fn text_messages_and_email_go_to_the_webhook_with_its_token() {
    let logs = Logs::default();
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(logs.clone()));
    let (url, mut received) = webhook(StatusCode::NO_CONTENT).await;
    let app = spawn_app_with(
        with_outbox(OutboxConfig {
            webhook_url: Some(url),
            webhook_token: Some("s3cret-token".into()),
            ..Default::default()
        }),
        false,
    )
    .await;
    let visit = check_in_with(
        &app,
        json!({"phone": "+1 555 010 1234", "email": "zelda@example.org"}),
    )
    .await;
    let link = format!("{PUBLIC}{}", visit["status_url"].as_str().unwrap());
    assert_eq!(deliver_due(&app.state).await.unwrap(), 2);

    let mut got = Vec::new();
    while let Ok((auth, body)) = received.try_recv() {
        assert_eq!(auth.as_deref(), Some("Bearer s3cret-token"));
        got.push(body);
    }
    got.sort_by_key(|b| b["channel"].as_str().unwrap().to_string());
    assert_eq!(got.len(), 2, "{got:?}");
    let (email, sms) = (&got[0], &got[1]);
    assert_eq!(sms["channel"], "sms");
    assert_eq!(sms["to"], "+1 555 010 1234");
    assert_eq!(sms["subject"], "");
    assert!(sms["body"].as_str().unwrap().contains(&link), "{sms}");
    assert!(
        sms["body"]
            .as_str()
            .unwrap()
            .starts_with("Hi Zelda, you're checked in at Main clinic.")
    );
    assert_eq!(email["channel"], "email");
    assert_eq!(email["to"], "zelda@example.org");
    assert_eq!(email["subject"], "You're checked in at Main clinic");
    let mut keys: Vec<&String> = sms.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["body", "channel", "subject", "to"]);

    assert!(
        messages(&app)
            .await
            .iter()
            .all(|m| m.status == MessageStatus::Sent && !m.body.contains("/s/"))
    );
    let logged = logs.0.lock().unwrap().clone();
    for secret in ["zelda@", "1234", "Zelda", "s3cret"] {
        assert!(!logged.contains(secret), "{secret} logged: {logged}");
    }
}

#[tokio::test]
async fn without_a_way_out_or_a_public_address_nothing_is_queued() {
    let app = spawn_app().await;
    check_in_with(&app, json!({"email": "zelda@example.org"})).await;
    assert!(messages(&app).await.is_empty());
    // A webhook but no public address: a link made from the request's Host
    // header could be pointed anywhere, so none is sent.
    let app = spawn_app_with(
        ServerConfig {
            outbox: OutboxConfig {
                webhook_url: Some("http://127.0.0.1:9/hook".into()),
                ..Default::default()
            },
            ..Default::default()
        },
        false,
    )
    .await;
    check_in_with(&app, json!({"phone": "+1 555 010 1234"})).await;
    assert!(messages(&app).await.is_empty());
    // Only e-mail by SMTP: a phone number gets no text message.
    let app = spawn_app_with(with_outbox(smtp("127.0.0.1:9")), false).await;
    check_in_with(&app, json!({"phone": "+1 555 010 1234"})).await;
    assert!(messages(&app).await.is_empty());
}

#[tokio::test]
async fn a_failing_relay_is_retried_with_back_off_then_given_up() {
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let app = spawn_app_with(with_outbox(smtp(&closed)), false).await;
    check_in_with(&app, json!({"email": "zelda@example.org"})).await;
    let id = messages(&app).await[0].id;
    let get = || async {
        messages(&app)
            .await
            .into_iter()
            .find(|m| m.id == id)
            .unwrap()
    };
    let mut attempts = 0;
    for wait in [1, 5, 30] {
        assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
        attempts += 1;
        let m = get().await;
        assert_eq!(m.status, MessageStatus::Pending);
        assert_eq!(m.attempts, attempts);
        assert_eq!(m.next_attempt_at, app.state.now() + Duration::minutes(wait));
        let error = m.last_error.unwrap();
        assert!(error.contains("could not connect"), "{error}");
        assert!(!error.contains("zelda"), "{error}");
        // Not tried again before its time.
        app.clock
            .advance(Duration::minutes(wait) - Duration::seconds(1));
        assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
        assert_eq!(get().await.attempts, attempts);
        app.clock.advance(Duration::seconds(1));
    }
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    let m = get().await;
    assert_eq!(m.status, MessageStatus::Failed);
    assert_eq!(m.attempts, 4);
    assert_eq!(m.body, "[not delivered; link removed]");
    app.clock.advance(Duration::hours(1));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    assert_eq!(get().await.attempts, 4, "given up for good");
    // The server is still fine.
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_refused_recipient_or_a_refusing_webhook_is_handled() {
    let (addr, transcript) = smtp_sink("550 5.1.1 <zelda@example.org>: no such user\r\n").await;
    let app = spawn_app_with(with_outbox(smtp(&addr)), false).await;
    check_in_with(&app, json!({"email": "zelda@example.org"})).await;
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    let m = &messages(&app).await[0];
    assert_eq!(m.status, MessageStatus::Failed, "not retried: {m:?}");
    assert_eq!(m.attempts, 1);
    let error = m.last_error.clone().unwrap();
    assert_eq!(error, "SMTP: the relay refused RCPT TO (550)");
    drop(transcript);

    // A webhook answering 500 is tried again later.
    let (url, mut received) = webhook(StatusCode::INTERNAL_SERVER_ERROR).await;
    let app = spawn_app_with(
        with_outbox(OutboxConfig {
            webhook_url: Some(url),
            ..Default::default()
        }),
        false,
    )
    .await;
    check_in_with(&app, json!({"phone": "+1 555 010 1234"})).await;
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    let (auth, _) = received.try_recv().unwrap();
    assert_eq!(auth, None, "no token configured, none sent");
    let m = &messages(&app).await[0];
    assert_eq!((m.status, m.attempts), (MessageStatus::Pending, 1));
    assert_eq!(m.last_error.as_deref(), Some("webhook answered 500"));
}

// --- the kiosk ---

async fn kiosk(app: &TestApp) -> (String, String, String) {
    app.kiosk_form().await
}

async fn kiosk_submit(
    app: &TestApp,
    given: &str,
    dob: &str,
    send_link_to: &str,
) -> (StatusCode, String) {
    let (cookie, csrf, _) = kiosk(app).await;
    let resp = form(
        app,
        &cookie,
        "/kiosk",
        &[
            ("csrf", &csrf),
            ("location", "main"),
            ("given_name", given),
            ("family_name", "Ruiz"),
            ("date_of_birth", dob),
            ("send_link_to", send_link_to),
        ],
    )
    .await;
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn the_kiosk_offers_to_send_the_link_and_checks_the_address() {
    let app = spawn_app_with(
        with_outbox(OutboxConfig {
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..Default::default()
        }),
        false,
    )
    .await;
    let (_, _, html) = kiosk(&app).await;
    assert!(html.contains("Text or email me my link"), "{html}");
    assert!(html.contains("name=\"send_link_to\""));

    let (status, html) = kiosk_submit(&app, "Bea", "1990-04-01", "call me maybe").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Phone number invalid"), "{html}");
    assert!(
        html.contains("value=\"call me maybe\""),
        "kept for correcting"
    );
    let (status, html) = kiosk_submit(&app, "Bea", "1990-04-01", "bea@").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Email address invalid"), "{html}");
    // With another bad field, both are reported.
    let (status, html) = kiosk_submit(&app, "", "1990-04-01", "12").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Required field missing") && html.contains("Phone number invalid"));
    // Nothing was saved.
    let token = app.token("desk").await;
    assert!(app.lobby(&token).await.is_empty());
    assert!(messages(&app).await.is_empty());

    // A walk-in with an e-mail address.
    let (status, html) = kiosk_submit(&app, "Bea", "1990-04-01", " bea@example.org ").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("You're checked in."));
    assert!(
        html.contains("We're sending this link to <strong>b***@example.org</strong>"),
        "{html}"
    );
    assert!(
        !html.contains("bea@example.org"),
        "the address is not shown in full"
    );
    let queued = messages(&app).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].channel, MessageChannel::Email);
    assert_eq!(queued[0].recipient, "bea@example.org");
    let lobby = app.lobby(&token).await;
    assert_eq!(queued[0].visit_id, lobby[0]["id"].as_i64());

    // Today's appointment, with a mobile number.
    let appointment = frontdesk_domain::appointment::Appointment {
        appointment_id: "A-1".into(),
        location: "main".into(),
        provider: "dr-lee".into(),
        visit_type: None,
        scheduled_at: start_time() + Duration::minutes(20),
        duration_min: None,
        patient: frontdesk_domain::patient::NewPatient {
            given_name: "Carla".into(),
            family_name: "Ruiz".into(),
            preferred_name: None,
            date_of_birth: "1985-07-09".parse().ok(),
            phone: None,
            email: None,
        },
    };
    app.state
        .store
        .import_appointments(
            &[appointment],
            &frontdesk_store::Actor::system(),
            start_time(),
        )
        .await
        .unwrap();
    let (status, html) = kiosk_submit(&app, "Carla", "1985-07-09", "+1 555 010 9876").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("We found your appointment"));
    assert!(html.contains("<strong>***9876</strong>"), "{html}");
    let queued = messages(&app).await;
    assert_eq!(queued.len(), 2);
    assert_eq!(queued[0].channel, MessageChannel::Sms);
    assert!(
        queued[0]
            .body
            .starts_with("Hi Carla, you're checked in at Main clinic.")
    );
    assert!(queued[0].body.contains(&format!("{PUBLIC}/s/")));
}

#[tokio::test]
async fn the_kiosk_only_offers_what_can_be_sent() {
    let app = spawn_app().await;
    let (_, _, html) = kiosk(&app).await;
    assert!(
        !html.contains("send_link_to"),
        "no field when nothing can be sent"
    );
    // Sent anyway (a hand-made form): ignored.
    let (status, html) = kiosk_submit(&app, "Bea", "1990-04-01", "bea@example.org").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!html.contains("We're sending this link"));
    assert!(messages(&app).await.is_empty());

    let app = spawn_app_with(with_outbox(smtp("127.0.0.1:9")), false).await;
    let (_, _, html) = kiosk(&app).await;
    assert!(html.contains("Email me my link"), "{html}");
    let (status, html) = kiosk_submit(&app, "Ana", "1990-04-01", "+1 555 010 1234").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("send text messages from here"), "{html}");
    let token = app.token("desk").await;
    assert!(app.lobby(&token).await.is_empty());
    // Leaving it empty is fine.
    let (status, html) = kiosk_submit(&app, "Ana", "1990-04-01", "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!html.contains("We're sending this link"));
    assert!(messages(&app).await.is_empty());
}

// --- the admins' listing ---

#[tokio::test]
async fn only_admins_see_the_outbox_and_addresses_are_masked() {
    let app = spawn_app_with(with_outbox(smtp("127.0.0.1:9")), false).await;
    check_in_with(&app, json!({"email": "zelda@example.org"})).await;

    let (status, _) = app.get("/api/v1/outbox", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for user in ["desk", "doc", "boss"] {
        let token = app.token(user).await;
        let (status, body) = app.get("/api/v1/outbox", Some(&token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
        assert_eq!(error_code(&body), "forbidden");
    }
    let root = app.token("root").await;
    let (status, body) = app.get("/api/v1/outbox", Some(&root)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["routes"]["email"], "smtp");
    assert_eq!(body["routes"]["sms"], Value::Null);
    let m = &body["messages"][0];
    assert_eq!(m["to"], "z***@example.org");
    assert_eq!(m["channel"], "email");
    assert_eq!(m["status"], "pending");
    assert_eq!(m["attempts"], 0);
    assert!(m["visit_id"].is_i64());
    assert!(m.get("body").is_none(), "no link in the listing");
    assert!(!body.to_string().contains("zelda@"));

    let boss = sign_in(&app, "boss").await;
    let (status, _) = page(&app, &boss, "/outbox").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, board) = page(&app, &boss, "/board").await;
    assert!(!board.contains("href=\"/outbox\""));
    let admin = sign_in(&app, "root").await;
    let (status, html) = page(&app, &admin, "/outbox").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("z***@example.org"), "{html}");
    assert!(!html.contains("zelda@"));
    assert!(
        html.contains("Email: by SMTP through 127.0.0.1:9"),
        "{html}"
    );
    assert!(html.contains("Text message: not configured"), "{html}");
    let (_, board) = page(&app, &admin, "/board").await;
    assert!(board.contains("href=\"/outbox\""));
    // Reading it is audited.
    let audit = app.state.store.audit_log(50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "outbox.read" && a.actor == "root")
    );
    assert!(
        audit
            .iter()
            .any(|a| a.action == "outbox.enqueue" && a.detail == "email")
    );
}
