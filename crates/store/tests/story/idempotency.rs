//! Safe retries: a key is claimed in the transaction of what it created, its
//! answer kept once, replayed within 24 hours, and purged after. And no
//! half-writes: when SQLite's writer cannot begin its transaction, no queued
//! operation runs.

use super::*;

fn key(k: &str, hash: &str) -> IdempotencyClaim {
    IdempotencyClaim {
        caller: "maria".into(),
        route: "POST /api/v1/visits".into(),
        key: k.into(),
        request_hash: hash.into(),
    }
}

async fn visits_named(store: &Arc<dyn Store>, given: &str) -> usize {
    store
        .visits_since(t0() - Duration::days(1))
        .await
        .unwrap()
        .iter()
        .filter(|v| v.given_name == given)
        .count()
}

story!(a_key_is_claimed_with_what_it_created, |store: Arc<
    dyn Store,
>| async move {
    let staff = Actor::staff("maria");
    let k = key("retry-1", "h1");
    assert_eq!(
        store
            .idempotent_answer("maria", &k.route, "retry-1", t0())
            .await
            .unwrap(),
        None
    );
    let arrived = store
        .check_in_once(&k, &arrive(walk_in("Ana", None)), &staff, t0())
        .await
        .unwrap();
    // Claimed, the answer not kept yet.
    let seen = store
        .idempotent_answer("maria", &k.route, "retry-1", t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.made, format!("visit:{}", arrived.visit.id));
    assert_eq!(seen.request_hash, "h1");
    assert_eq!(seen.answer, None);
    store
        .keep_idempotent_answer(&k, 201, "{\"id\":1}")
        .await
        .unwrap();
    // Kept once: a second keep changes nothing.
    store
        .keep_idempotent_answer(&k, 500, "other")
        .await
        .unwrap();
    let seen = store
        .idempotent_answer("maria", &k.route, "retry-1", t0() + Duration::hours(23))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.answer, Some((201, "{\"id\":1}".to_string())));

    // The same key claimed again: refused as a whole, nothing created.
    let err = store
        .check_in_once(&k, &arrive(walk_in("Ana", None)), &staff, t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(visits_named(&store, "Ana").await, 1);

    // Keys are the caller's own and the route's own.
    assert_eq!(
        store
            .idempotent_answer("bo", &k.route, "retry-1", t0())
            .await
            .unwrap(),
        None
    );
    let other_route = IdempotencyClaim {
        route: "POST /api/v1/promises".into(),
        ..k.clone()
    };
    store
        .create_promise_once(&other_route, &wait_promise(30), &staff, t0())
        .await
        .unwrap();

    // After 24 hours the key is forgotten, and the daily purge deletes it.
    let later = t0() + Duration::hours(24);
    assert_eq!(
        store
            .idempotent_answer("maria", &k.route, "retry-1", later)
            .await
            .unwrap(),
        None
    );
    let plan = PurgePlan {
        idle_cutoff: later - Duration::minutes(15),
        recipients_settled_by: later - Duration::days(30),
    };
    let purged = store.purge_expired(&plan, later).await.unwrap().unwrap();
    assert_eq!(purged.idempotency_keys, 2);
    // Past the window the key may be used afresh.
    store
        .check_in_once(&k, &arrive(walk_in("Ana", None)), &staff, later)
        .await
        .unwrap();
    assert_eq!(visits_named(&store, "Ana").await, 2);
});

story!(
    a_failed_creation_leaves_no_key,
    |store: Arc<dyn Store>| async move {
        let staff = Actor::staff("maria");
        let k = IdempotencyClaim {
            route: "POST /api/v1/visits/{id}/concerns".into(),
            ..key("q-1", "h")
        };
        // No such visit: nothing is created, and the key is not claimed.
        let concern = NewConcern {
            visit_id: 999_999,
            text: "Where do I park?".into(),
            source: ConcernSource::Staff,
            owner: None,
            upset: None,
        };
        assert!(
            store
                .raise_concern_once(&k, &concern, &staff, t0())
                .await
                .is_err()
        );
        assert_eq!(
            store
                .idempotent_answer("maria", &k.route, "q-1", t0())
                .await
                .unwrap(),
            None
        );
        let visit = store
            .check_in(&arrive(walk_in("Bo", None)), &staff, t0())
            .await
            .unwrap()
            .visit;
        let raised = store
            .raise_concern_once(
                &k,
                &NewConcern {
                    visit_id: visit.id,
                    ..concern
                },
                &staff,
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .idempotent_answer("maria", &k.route, "q-1", t0())
                .await
                .unwrap()
                .unwrap()
                .made,
            format!("concern:{}", raised.id)
        );
    }
);

/// Another process holds SQLite's write lock past the busy timeout: the
/// writer cannot begin, so no queued operation runs (none is half-written
/// outside a transaction), every caller hears "unavailable", and writes
/// work again once the lock is let go.
#[tokio::test]
async fn sqlite_writes_nothing_when_its_transaction_cannot_begin() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open_with_busy_timeout(&path, std::time::Duration::from_millis(300))
            .await
            .unwrap(),
    );
    with_main(&store).await;
    let staff = Actor::staff("maria");
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let tries: Vec<_> = (0..5)
        .map(|i| {
            let store = store.clone();
            let staff = staff.clone();
            tokio::spawn(async move {
                store
                    .check_in(&arrive(walk_in(&format!("Held{i}"), None)), &staff, t0())
                    .await
            })
        })
        .collect();
    for t in tries {
        let err = t.await.unwrap().unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    }
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    let saved: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM visit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(saved, 0, "nothing was written while the lock was held");
    store
        .check_in(&arrive(walk_in("After", None)), &staff, t0())
        .await
        .unwrap();
    assert_eq!(visits_named(&store, "After").await, 1);
}
