//! What the server stops keeping: the watcher's daily purge.

mod support;

use frontdesk_server::ServerConfig;
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
        "expired sessions deleted: 1; expired status links deleted: 1; outbox recipients masked: 0"
    );
    assert_eq!(purge_rows(&app).await.len(), 2);
    assert!(app.state.store.verify_audit_chain().await.unwrap().intact());
}
