//! Visits: check-in, the schedule, acknowledgement, moves, status links and the alerts watcher's memory.

use super::*;

story!(
    an_arrival_is_acknowledged_and_moves_through_the_day,
    |store: Arc<dyn Store>| async move {
        let staff = Actor::staff("maria");
        let v = store
            .check_in(&arrive(walk_in("Ana", Some("dr-lee"))), &staff, t0())
            .await
            .unwrap()
            .visit;
        assert_eq!(v.state, VisitState::Waiting);
        assert_eq!(v.arrived_at, Some(t0()));
        assert_eq!(v.last_acknowledged_at, None);
        assert_eq!(v.provider.as_deref(), Some("dr-lee"));

        let lobby = store.lobby("main", Some(&staff), t0()).await.unwrap();
        assert_eq!(lobby.len(), 1);
        assert_eq!(lobby[0].given_name, "Ana");

        let later = t0() + Duration::seconds(70);
        let v = store.acknowledge(v.id, &staff, later).await.unwrap();
        assert_eq!(v.last_acknowledged_at, Some(later));
        assert_eq!(v.acknowledged_by.as_deref(), Some("maria"));
        let clock = AckPolicy::default().clock(v.ack_facts(), later).unwrap();
        assert_eq!(clock.due_at, later + Duration::minutes(15));

        for to in [
            VisitState::Roomed,
            VisitState::WithProvider,
            VisitState::Checkout,
            VisitState::Done,
        ] {
            let moved = store
                .transition(v.id, to, None, &staff, later)
                .await
                .unwrap();
            assert_eq!(moved.state, to);
        }
        assert!(store.lobby("main", None, later).await.unwrap().is_empty());

        let (_, timeline) = store.visit(v.id, &staff, later).await.unwrap();
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "arrived",
                "acknowledged",
                "transitioned",
                "transitioned",
                "transitioned",
                "transitioned"
            ]
        );
        assert_eq!(
            timeline[2].describe(),
            "Moved from waiting to roomed by maria"
        );

        let audit = store.audit_log(100).await.unwrap();
        let actions: Vec<&str> = audit.iter().rev().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "provider.save",
                "visit.check_in",
                "lobby.read",
                "visit.acknowledge",
                "visit.transition",
                "visit.transition",
                "visit.transition",
                "visit.transition",
                "visit.read"
            ]
        );
        assert!(
            audit
                .iter()
                .filter(|a| a.action != "provider.save")
                .all(|a| a.actor == "maria")
        );
    }
);

story!(
    refused_moves_change_nothing,
    |store: Arc<dyn Store>| async move {
        let staff = Actor::staff("maria");
        let v = store
            .check_in(&arrive(walk_in("Ana", None)), &staff, t0())
            .await
            .unwrap()
            .visit;
        let err = store
            .transition(v.id, VisitState::Checkout, None, &staff, t0())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidTransition(_)), "{err:?}");
        store
            .transition(v.id, VisitState::LeftWithoutBeingSeen, None, &staff, t0())
            .await
            .unwrap();
        let err = store.acknowledge(v.id, &staff, t0()).await.unwrap_err();
        assert!(matches!(err, StoreError::Refused(_)), "{err:?}");
        let (v, timeline) = store.visit(v.id, &staff, t0()).await.unwrap();
        assert_eq!(v.state, VisitState::LeftWithoutBeingSeen);
        assert_eq!(v.last_acknowledged_at, None);
        assert_eq!(timeline.len(), 2);
        assert!(matches!(
            store.acknowledge(9999, &staff, t0()).await,
            Err(StoreError::NotFound)
        ));
    }
);

story!(an_unknown_provider_saves_nothing, |store: Arc<
    dyn Store,
>| async move {
    let staff = Actor::staff("maria");
    let err = store
        .check_in(&arrive(walk_in("Ana", Some("dr-nobody"))), &staff, t0())
        .await
        .unwrap_err();
    match err {
        StoreError::Invalid(fields) => assert_eq!(fields.get("provider"), Some("Unknown provider")),
        other => panic!("{other:?}"),
    }
    assert!(store.lobby("main", None, t0()).await.unwrap().is_empty());
    let audit = store.audit_log(10).await.unwrap();
    assert!(
        audit.iter().all(|a| a.action == "provider.save"),
        "only the setup's provider: {audit:?}"
    );
});

story!(imported_appointments_are_checked_in_once, |store: Arc<
    dyn Store,
>| async move {
    let staff = Actor::staff("maria");
    let appointment = |id: &str, hour: u32| Appointment {
        appointment_id: id.into(),
        location: "main".into(),
        provider: "dr-kim".into(),
        visit_type: Some("follow-up".into()),
        scheduled_at: Utc.with_ymd_and_hms(2026, 3, 5, hour, 0, 0).unwrap(),
        duration_min: Some(15),
        patient: patient("Bea", "Ruiz"),
    };
    let day = [appointment("A-1", 15), appointment("A-2", 16)];
    let s = store.import_appointments(&day, &staff, t0()).await.unwrap();
    assert_eq!(
        s,
        ImportSummary {
            created: 2,
            already_present: 0
        }
    );
    let again = store.import_appointments(&day, &staff, t0()).await.unwrap();
    assert_eq!(
        again,
        ImportSummary {
            created: 0,
            already_present: 2
        }
    );
    assert!(
        store
            .providers()
            .await
            .unwrap()
            .iter()
            .any(|p| p.id == "dr-kim")
    );

    let expected = store
        .expected_visits("main", t0(), t0() + Duration::hours(10))
        .await
        .unwrap();
    assert_eq!(expected.len(), 2);
    assert_eq!(expected[0].appointment_id.as_deref(), Some("A-1"));

    let v = check_in_appointment(&store, "main", "A-1", &Actor::kiosk(), t0())
        .await
        .unwrap();
    assert_eq!(v.state, VisitState::Waiting);
    assert_eq!(v.arrived_at, Some(t0()));
    let err = check_in_appointment(&store, "main", "A-1", &Actor::kiosk(), t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidTransition(_)), "{err:?}");
    assert!(matches!(
        check_in_appointment(&store, "main", "A-9", &staff, t0()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .expected_visits("main", t0(), t0() + Duration::hours(10))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.running_clocks().await.unwrap().len(), 1);
});

story!(markup_in_names_is_stored_as_typed, |store: Arc<
    dyn Store,
>| async move {
    // Names with markup are stored exactly as typed.
    let v = store
        .check_in(
            &arrive(walk_in("<script>alert(1)</script>", None)),
            &Actor::staff("maria"),
            t0(),
        )
        .await
        .unwrap()
        .visit;
    assert_eq!(v.given_name, "<script>alert(1)</script>");
    assert_eq!(v.public_name(), "<script>alert(1)</script> M.");
});

story!(
    concurrent_writes_commit_together_and_fail_alone,
    |store: Arc<dyn Store>| async move {
        // Many writes at once: SQLite commits them in shared transactions, each in
        // its own savepoint, so a refused one must not take the others with it.
        let staff = Actor::staff("maria");
        let mut ids = Vec::new();
        for i in 0..10 {
            ids.push(
                store
                    .check_in(&arrive(walk_in(&format!("P{i}"), None)), &staff, t0())
                    .await
                    .unwrap()
                    .visit
                    .id,
            );
        }
        store
            .transition(ids[0], VisitState::LeftWithoutBeingSeen, None, &staff, t0())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for round in 0..5 {
            for (k, id) in ids.iter().enumerate() {
                let (store, staff, id) = (store.clone(), staff.clone(), *id);
                let target = if k == 1 && round == 0 { 99_999 } else { id };
                tasks.push(tokio::spawn(async move {
                    store.acknowledge(target, &staff, t0()).await.map(|_| ())
                }));
            }
        }
        let mut ok = 0;
        let mut refused = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(StoreError::Refused(_)) | Err(StoreError::NotFound) => refused += 1,
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!((ok, refused), (44, 6));
        for (k, id) in ids.iter().enumerate() {
            let (_, timeline) = store.visit(*id, &staff, t0()).await.unwrap();
            let acks = timeline
                .iter()
                .filter(|e| e.kind == EventKind::Acknowledged)
                .count();
            let expected = match k {
                0 => 0,
                1 => 4,
                _ => 5,
            };
            assert_eq!(acks, expected, "visit {k}");
        }
    }
);

story!(
    status_links_expire_and_alerts_are_remembered,
    |store: Arc<dyn Store>| async move {
        let staff = Actor::staff("maria");
        let v = store
            .check_in(&arrive(walk_in("Ana", None)), &staff, t0())
            .await
            .unwrap()
            .visit;
        store
            .create_status_link(v.id, &link("hash-1", t0() + Duration::hours(10)), t0())
            .await
            .unwrap();
        assert_eq!(
            store.status_link_visit("hash-1", t0()).await.unwrap(),
            Some(v.id)
        );
        assert_eq!(store.status_link_visit("hash-2", t0()).await.unwrap(), None);
        assert_eq!(
            store
                .status_link_visit("hash-1", t0() + Duration::hours(11))
                .await
                .unwrap(),
            None
        );
        store
            .record_event(
                v.id,
                EventKind::AckOverdue,
                &serde_json::json!({}),
                t0() + Duration::minutes(2),
            )
            .await
            .unwrap();
        let alerts = store.running_alerts().await.unwrap();
        assert_eq!(
            alerts,
            vec![(v.id, EventKind::AckOverdue, t0() + Duration::minutes(2))]
        );
        let since = store.visits_since(t0() - Duration::days(1)).await.unwrap();
        assert_eq!(since.len(), 1);
    }
);

story!(
    the_watcher_finds_only_the_clocks_that_crossed_a_threshold,
    |store: Arc<dyn Store>| async move {
        store
            .ensure_location("north", "North", "UTC")
            .await
            .unwrap();
        let staff = Actor::staff("maria");
        let policy = AckPolicy::default();
        let at = |s: i64| t0() + Duration::seconds(s);
        // Ana arrives at 0 s (due 120 s, escalates 420 s); Ben at 30 s and is
        // acknowledged at 60 s (due 960 s); Cy at north at 0 s; Di at 10 s is
        // with the provider (no clock).
        let mut ids = Vec::new();
        for (given, location, when) in [
            ("Ana", "main", 0),
            ("Ben", "main", 30),
            ("Cy", "north", 0),
            ("Di", "main", 10),
        ] {
            let visit = NewVisit {
                location: location.into(),
                ..walk_in(given, None)
            };
            let v = store
                .check_in(
                    &CheckIn {
                        promise: Some(NewPromise {
                            location: location.into(),
                            ..wait_promise(20 + when)
                        }),
                        ..arrive(visit)
                    },
                    &staff,
                    at(when),
                )
                .await
                .unwrap()
                .visit;
            ids.push(v.id);
        }
        store.acknowledge(ids[1], &staff, at(60)).await.unwrap();
        store
            .transition(ids[3], VisitState::WithProvider, None, &staff, at(20))
            .await
            .unwrap();
        let due = |after: i64, until: i64, location: &'static str| {
            let store = store.clone();
            async move {
                store
                    .clocks_due(location, policy, at(after), at(until))
                    .await
                    .unwrap()
                    .iter()
                    .map(|v| v.given_name.clone())
                    .collect::<Vec<_>>()
            }
        };
        assert!(due(0, 119, "main").await.is_empty());
        // The window is (after, until]: Ana's due time, then her escalation.
        assert_eq!(due(119, 120, "main").await, ["Ana"]);
        assert!(due(120, 419, "main").await.is_empty());
        assert_eq!(due(419, 420, "main").await, ["Ana"]);
        // Ben's clock restarted at his acknowledgement.
        assert!(due(140, 959, "main").await.iter().all(|n| n != "Ben"));
        assert_eq!(due(959, 960, "main").await, ["Ben"]);
        assert_eq!(due(0, 2000, "north").await, ["Cy"]);
        // Each location's own wait promises, and the watcher's share of them.
        let north: Vec<i64> = store
            .open_wait_promises_at("north")
            .await
            .unwrap()
            .iter()
            .filter_map(|p| p.visit_id)
            .collect();
        assert_eq!(north, [ids[2]]);
        let main: Vec<i64> = store
            .open_wait_promises_at("main")
            .await
            .unwrap()
            .iter()
            .filter_map(|p| p.visit_id)
            .collect();
        // Di's promise was settled when she was seen.
        assert_eq!(main, [ids[0], ids[1]]);
        let share = |parts: i64, part: i64, due_by: Timestamp| {
            let store = store.clone();
            async move {
                let mut v: Vec<i64> = store
                    .wait_promises_to_check(parts, part, due_by)
                    .await
                    .unwrap()
                    .iter()
                    .filter_map(|p| p.visit_id)
                    .collect();
                v.sort_unstable();
                v
            }
        };
        let waiting = [ids[0], ids[1], ids[2]];
        assert_eq!(share(1, 0, t0()).await, waiting);
        let mut parts: Vec<i64> = [share(2, 0, t0()).await, share(2, 1, t0()).await].concat();
        parts.sort_unstable();
        assert_eq!(parts, waiting, "two halves make the whole, once each");
        // Every promise due by then, whatever its share (Ana's is due at 20 min).
        let ana = ids[0];
        assert!(
            share(2, 1 - ana % 2, t0() + Duration::minutes(20))
                .await
                .contains(&ana)
        );
        assert!(!share(2, 1 - ana % 2, t0()).await.contains(&ana));
    }
);
