//! What the server stops keeping and what it does not log: the watcher's
//! daily purge, and failed sign-ins logged without the typed name.

mod support;

use frontdesk_server::ServerConfig;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use support::*;

async fn purge_rows(app: &TestApp) -> Vec<(String, String)> {
    app.state
        .store
        .audit_log(500)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "retention.purge")
        .map(|a| (a.subject, a.detail))
        .collect()
}

/// Wait (real time) until the watcher has purged `day`.
async fn purged(app: &TestApp, day: &str) -> String {
    let subject = format!("day:{day}");
    for _ in 0..200 {
        if let Some((_, detail)) = purge_rows(app)
            .await
            .into_iter()
            .find(|(s, _)| *s == subject)
        {
            return detail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no purge for {day}: {:?}", purge_rows(app).await);
}

#[tokio::test]
async fn the_watcher_purges_expired_sessions_and_links_once_a_day() {
    let config = ServerConfig {
        clock_tick: std::time::Duration::from_millis(20),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    // The first tick purges the first day (nothing has expired yet).
    purged(&app, "2026-03-05").await;
    let token = app.token("desk").await;
    app.check_in(&token, "Ana").await;

    // Later that day: no second purge, however many ticks pass.
    app.clock.advance(chrono::Duration::hours(2));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(purge_rows(&app).await.len(), 1);

    // The next day the session (12 hours) and the patient's link (the end of
    // the day) have expired, and the first tick of the day deletes them.
    app.clock.advance(chrono::Duration::days(1));
    let detail = purged(&app, "2026-03-06").await;
    assert_eq!(
        detail,
        "expired sessions deleted: 1; expired status links deleted: 1; expired arrival links deleted: 0; outbox recipients masked: 0; idempotency keys deleted: 0"
    );
    assert_eq!(purge_rows(&app).await.len(), 2);
    assert!(app.state.store.verify_audit_chain().await.unwrap().intact());
}

/// Every event's fields, as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn a_failed_sign_in_is_logged_without_the_typed_name() {
    use frontdesk_server::app::sessions::check_login;
    let app = spawn_app().await;
    let capture = Capture::default();
    // This test runs on one thread: the sign-in's log lines land here. (Only
    // lines no other test in this file writes are asserted: tracing caches
    // whether a line is wanted when another thread first writes it.)
    let _guard = tracing::subscriber::set_default(capture.clone());

    let here = std::net::IpAddr::from([192, 0, 2, 1]);
    // A password typed into the name field.
    let typed = "Tr0ub4dor&3-secret";
    assert!(
        check_login(&app.state, here, typed, "x")
            .await
            .unwrap()
            .is_none()
    );
    // A known account with the wrong password.
    assert!(
        check_login(&app.state, here, "boss", "wrong password")
            .await
            .unwrap()
            .is_none()
    );

    let lines = capture.0.lock().unwrap().clone();
    let all = lines.join("\n");
    assert!(!all.to_lowercase().contains("tr0ub4dor"), "{all}");
    let unknown = lines
        .iter()
        .find(|l| l.contains("known_account=false"))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(unknown.contains("failed sign-in"), "{unknown}");
    assert!(unknown.contains("name_tag="), "{unknown}");
    let known = lines
        .iter()
        .find(|l| l.contains("known_account=true"))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(known.contains("account=boss"), "{known}");
    assert!(!known.contains("wrong password"), "{known}");
}
