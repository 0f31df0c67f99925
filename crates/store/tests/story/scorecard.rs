//! The scorecard's facts: read from the visits' timelines, promises,
//! concerns, complaints and surveys of one location and period.

use super::*;

story!(
    the_facts_come_from_the_period_and_the_location,
    |store: Arc<dyn Store>| async move {
        let staff = Actor::staff("maria");
        let ana = store
            .check_in(&arrive(walk_in("Ana", Some("dr-lee"))), &staff, t0())
            .await
            .unwrap()
            .visit;
        let bo = store
            .check_in(
                &arrive(walk_in("Bo", None)),
                &staff,
                t0() + Duration::minutes(1),
            )
            .await
            .unwrap()
            .visit;
        store
            .acknowledge(ana.id, &staff, t0() + Duration::seconds(90))
            .await
            .unwrap();
        store
            .acknowledge(ana.id, &Actor::staff("lee"), t0() + Duration::minutes(20))
            .await
            .unwrap();
        store
            .record_event(
                bo.id,
                EventKind::AckEscalated,
                &serde_json::json!({}),
                t0() + Duration::minutes(8),
            )
            .await
            .unwrap();
        for to in [
            VisitState::WithProvider,
            VisitState::Checkout,
            VisitState::Done,
        ] {
            store
                .transition(ana.id, to, None, &staff, t0() + Duration::minutes(30))
                .await
                .unwrap();
        }
        // Tomorrow's visit is not in today's period.
        store
            .check_in(
                &arrive(walk_in("Cy", None)),
                &staff,
                t0() + Duration::days(1),
            )
            .await
            .unwrap();
        let data = store
            .scorecard_facts(
                "main",
                t0() - Duration::hours(1),
                t0() + Duration::hours(10),
            )
            .await
            .unwrap();
        let f = &data.facts;
        assert_eq!(f.visits.len(), 2);
        let a = f.visits.iter().find(|v| v.id == ana.id).unwrap();
        assert_eq!(
            a.first_ack,
            Some((t0() + Duration::seconds(90), "maria".to_string())),
            "the first acknowledgement, not the latest"
        );
        assert_eq!(a.checkout_at, Some(t0() + Duration::minutes(30)));
        assert_eq!(a.provider.as_deref(), Some("dr-lee"));
        assert!(!a.escalated);
        let b = f.visits.iter().find(|v| v.id == bo.id).unwrap();
        assert!(b.escalated);
        assert_eq!(b.first_ack, None);
        assert_eq!(b.checkout_at, None);
        assert!(data.complaints.is_empty());
        // Another location's period is empty.
        store
            .ensure_location("north", "North", "America/Chicago")
            .await
            .unwrap();
        let north = store
            .scorecard_facts(
                "north",
                t0() - Duration::hours(1),
                t0() + Duration::hours(10),
            )
            .await
            .unwrap();
        assert!(north.facts.visits.is_empty());
    }
);
