//! The watcher's alerts: each raised once with its mark, however many
//! servers try at once; a failed write leaves no mark, so it is raised later.

use super::*;

fn overdue(visit_id: i64, key: &str) -> WatchAlert {
    WatchAlert {
        key: key.into(),
        visit_id: Some(visit_id),
        kind: EventKind::AckOverdue,
        detail: serde_json::json!({"since": "2026-03-05T14:05:00Z"}),
        action: "watch.ack_overdue".into(),
        subject: format!("visit:{visit_id}"),
    }
}

async fn overdue_events(store: &Arc<dyn Store>, visit_id: i64) -> usize {
    let (_, timeline) = store.visit(visit_id, &Actor::system(), t0()).await.unwrap();
    timeline
        .iter()
        .filter(|e| e.kind == EventKind::AckOverdue)
        .count()
}

story!(
    an_alert_is_raised_once_with_its_timeline_event_and_audit_row,
    |store: Arc<dyn Store>| async move {
        let visit = store
            .check_in(&arrive(walk_in("Ana", None)), &Actor::kiosk(), t0())
            .await
            .unwrap()
            .visit;
        let key = format!("ack_overdue:visit:{}:1", visit.id);
        let later = t0() + Duration::minutes(6);
        assert!(
            store
                .raise_once(&overdue(visit.id, &key), later)
                .await
                .unwrap()
        );
        assert!(
            !store
                .raise_once(&overdue(visit.id, &key), later)
                .await
                .unwrap()
        );
        assert_eq!(overdue_events(&store, visit.id).await, 1);
        let audit = store.audit_log(20).await.unwrap();
        let rows: Vec<_> = audit
            .iter()
            .filter(|a| a.action == "watch.ack_overdue")
            .collect();
        assert_eq!(rows.len(), 1, "{audit:?}");
        assert_eq!(rows[0].actor, "system");
        assert_eq!(rows[0].subject, format!("visit:{}", visit.id));
        // Another clock of the same visit is another alert.
        let next = format!("ack_overdue:visit:{}:2", visit.id);
        assert!(
            store
                .raise_once(&overdue(visit.id, &next), later)
                .await
                .unwrap()
        );
        assert_eq!(overdue_events(&store, visit.id).await, 2);
        // A reminder about a promise on no visit: its mark and audit row only.
        let reminder = WatchAlert {
            key: "promise_reminder:promise:9".into(),
            visit_id: None,
            kind: EventKind::PromiseReminder,
            detail: serde_json::json!({}),
            action: "watch.promise_reminder".into(),
            subject: "promise:9".into(),
        };
        assert!(store.raise_once(&reminder, later).await.unwrap());
        assert!(!store.raise_once(&reminder, later).await.unwrap());
        assert!(store.verify_audit_chain().await.unwrap().intact());
    }
);

story!(
    a_failed_raise_leaves_no_mark_and_is_raised_later,
    |store: Arc<dyn Store>| async move {
        let visit = store
            .check_in(&arrive(walk_in("Ana", None)), &Actor::kiosk(), t0())
            .await
            .unwrap()
            .visit;
        let key = format!("ack_overdue:visit:{}:1", visit.id);
        // The timeline write fails (no such visit): nothing is kept, not the mark.
        let broken = overdue(visit.id + 1000, &key);
        assert!(store.raise_once(&broken, t0()).await.is_err());
        assert!(
            store
                .raise_once(&overdue(visit.id, &key), t0())
                .await
                .unwrap()
        );
        assert_eq!(overdue_events(&store, visit.id).await, 1);
    }
);

story_raw!(
    two_servers_raising_the_same_alert_at_once_raise_it_once,
    |store: Arc<dyn Store>, raw: Raw| async move {
        let other = raw.open().await;
        let mut visits = Vec::new();
        for i in 0..10 {
            let v = store
                .check_in(
                    &arrive(walk_in(&format!("P{i}"), None)),
                    &Actor::kiosk(),
                    t0(),
                )
                .await
                .unwrap()
                .visit;
            visits.push(v.id);
        }
        let mut tries = Vec::new();
        for id in &visits {
            for s in [&store, &other, &store, &other] {
                let (s, alert) = (
                    s.clone(),
                    overdue(*id, &format!("ack_overdue:visit:{id}:1")),
                );
                tries.push(tokio::spawn(async move {
                    s.raise_once(&alert, t0()).await.unwrap()
                }));
            }
        }
        let mut raised = 0;
        for t in tries {
            raised += usize::from(t.await.unwrap());
        }
        assert_eq!(raised, visits.len());
        for id in visits {
            assert_eq!(overdue_events(&store, id).await, 1);
        }
    }
);

story_raw!(
    two_servers_escalating_a_complaint_at_once_escalate_it_once_per_level,
    |store: Arc<dyn Store>, raw: Raw| async move {
        use frontdesk_domain::complaint::*;
        let other = raw.open().await;
        let k = store
            .create_complaint(
                &NewComplaintRecord {
                    location: "main".into(),
                    visit_id: None,
                    complaint: validate_new(
                        "Nobody called me back",
                        "phone",
                        None,
                        None,
                        None,
                        None,
                        None,
                    )
                    .unwrap(),
                    owner: None,
                    upset: None,
                },
                &Actor::staff("maria"),
                t0(),
            )
            .await
            .unwrap();
        let later = t0() + Duration::days(2);
        let mut tries = Vec::new();
        for s in [&store, &other, &store, &other] {
            let s = s.clone();
            tries.push(tokio::spawn(async move {
                s.escalate_complaint(k.id, Level::Manager, later).await
            }));
        }
        let mut escalated = 0;
        for t in tries {
            match t.await.unwrap() {
                Ok(Some(k)) => {
                    escalated += 1;
                    assert_eq!(k.escalation_level, Level::Manager);
                }
                // Nothing, or a guarded conflict that the next pass looks at again.
                Ok(None) | Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(escalated, 1);
        // Once more at the same level: nothing; the next level: once.
        assert!(
            store
                .escalate_complaint(k.id, Level::Manager, later)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .escalate_complaint(k.id, Level::Admin, later)
                .await
                .unwrap()
                .is_some()
        );
        let (_, events) = store.complaint(k.id).await.unwrap();
        let ups = events
            .iter()
            .filter(|e| e.kind == frontdesk_domain::timeline::ComplaintEventKind::Escalated)
            .count();
        assert_eq!(ups, 2, "{events:?}");
    }
);
