//! Promises: kept, broken, renegotiated and measured.

use super::*;

story!(
    promises_are_kept_broken_renegotiated_and_measured,
    |store: Arc<dyn Store>| async move {
        let staff = Actor::staff("maria");
        let a = store
            .check_in(
                &CheckIn {
                    promise: Some(wait_promise(20)),
                    ..arrive(walk_in("Ana", None))
                },
                &staff,
                t0(),
            )
            .await
            .unwrap()
            .visit;
        let p = store.visit_promise(a.id).await.unwrap().unwrap();
        assert_eq!((p.kind.as_str(), p.status.as_str()), ("seen_by", "open"));
        assert_eq!(p.visit_id, Some(a.id));
        assert_eq!(p.due_at, t0() + Duration::minutes(20));
        assert_eq!(store.open_wait_promises().await.unwrap().len(), 1);
        // Re-quoted before it broke: the old one stays on record.
        let mut later = wait_promise(45);
        later.reason = "We are running behind, sorry.".into();
        let new = store
            .renegotiate(p.id, &later, &Actor::system(), t0() + Duration::minutes(10))
            .await
            .unwrap();
        let old = store.promise(p.id).await.unwrap();
        assert_eq!(old.status, PromiseStatus::Renegotiated);
        assert_eq!(old.replaced_by, Some(new.id));
        assert!(matches!(
            store.renegotiate(p.id, &later, &staff, t0()).await,
            Err(StoreError::Refused(_))
        ));
        // Seen after the new due time: broken.
        store
            .transition(
                a.id,
                VisitState::WithProvider,
                None,
                &staff,
                t0() + Duration::minutes(50),
            )
            .await
            .unwrap();
        let settled = store.visit_promise(a.id).await.unwrap().unwrap();
        assert_eq!(settled.status, PromiseStatus::Broken);
        let (seen, timeline) = store.visit(a.id, &staff, t0()).await.unwrap();
        assert_eq!(seen.seen_at, Some(t0() + Duration::minutes(50)));
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "arrived",
                "promised",
                "requoted",
                "transitioned",
                "promise_settled"
            ]
        );

        // Other kinds: the ledger and its history.
        let refill = NewPromise {
            kind: PromiseKind::Refill,
            due_at: t0() + Duration::hours(8),
            ..wait_promise(0)
        };
        let r = store.create_promise(&refill, &staff, t0()).await.unwrap();
        assert_eq!(store.open_promises("main").await.unwrap().len(), 1);
        let done = store
            .fulfil_promise(r.id, &staff, t0() + Duration::hours(3))
            .await
            .unwrap();
        assert_eq!(done.status, PromiseStatus::Kept);
        assert_eq!(done.fulfilled_by.as_deref(), Some("maria"));
        let history = store
            .fulfilment_history("main", PromiseKind::Refill)
            .await
            .unwrap();
        assert_eq!(history.minutes, vec![180.0]);
        assert!(matches!(
            store.fulfil_promise(r.id, &staff, t0()).await,
            Err(StoreError::Refused(_))
        ));
    }
);
