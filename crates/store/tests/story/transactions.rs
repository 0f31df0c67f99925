//! A use case that writes several things writes them in one transaction: when
//! a later write fails, nothing of the earlier ones is kept, and trying again
//! does not double anything.

use super::*;

async fn import_one(store: &Arc<dyn Store>) {
    let appointment = Appointment {
        appointment_id: "A-1".into(),
        location: "main".into(),
        provider: "dr-lee".into(),
        visit_type: Some("follow-up".into()),
        scheduled_at: t0() + Duration::minutes(30),
        duration_min: Some(15),
        patient: patient("Ana", "Moreno"),
    };
    store
        .import_appointments(&[appointment], &Actor::system(), t0())
        .await
        .unwrap();
}

story!(an_appointment_check_in_fails_as_a_whole, |store: Arc<
    dyn Store,
>| async move {
    let staff = Actor::staff("maria");
    // Somebody else's link already has this hash: the link, the check-in's
    // third write, fails.
    let other = store
        .check_in(&arrive(walk_in("Bo", None)), &staff, t0())
        .await
        .unwrap()
        .visit;
    store
        .create_status_link(other.id, &link("taken", t0() + Duration::hours(9)), t0())
        .await
        .unwrap();
    import_one(&store).await;
    let expected = store.appointment_visit("main", "A-1").await.unwrap();
    let audit_before = store.audit_log(100).await.unwrap().len();
    let check_in = CheckIn {
        arrival: Arrival::Expected {
            visit_id: expected.id,
        },
        promise: Some(wait_promise(20)),
        status_link: Some(link("taken", t0() + Duration::hours(9))),
        messages: Vec::new(),
        concern: Some(NewConcern {
            visit_id: 0,
            text: "Can I get a sick note? This wait is outrageous.".into(),
            source: ConcernSource::Kiosk,
            owner: None,
            upset: Some(serde_json::json!({"why": ["outrageous"], "alerted": true})),
        }),
        arrival_link: None,
    };
    let err = store.check_in(&check_in, &staff, t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    // Nothing of the first writes: still expected, no promise, no
    // timeline entry, no question, no audit row.
    let (visit, timeline) = store.visit(expected.id, &staff, t0()).await.unwrap();
    assert_eq!(visit.state, VisitState::Expected);
    assert_eq!(visit.arrived_at, None);
    assert!(store.visit_promise(expected.id).await.unwrap().is_none());
    assert!(store.visit_concerns(expected.id).await.unwrap().is_empty());
    let kinds: Vec<EventKind> = timeline.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Scheduled]);
    let audit = store.audit_log(100).await.unwrap();
    assert_eq!(audit.len(), audit_before + 1, "only the read just made");
    assert_eq!(audit[0].action, "visit.read");

    // Tried again with a fresh link: one visit, one promise, one question.
    let check_in = CheckIn {
        status_link: Some(link("fresh", t0() + Duration::hours(9))),
        ..check_in
    };
    let v = store.check_in(&check_in, &staff, t0()).await.unwrap().visit;
    assert_eq!((v.id, v.state), (expected.id, VisitState::Waiting));
    assert_eq!(
        store.status_link_visit("fresh", t0()).await.unwrap(),
        Some(v.id)
    );
    assert_eq!(store.visit_concerns(v.id).await.unwrap().len(), 1);
    let (_, timeline) = store.visit(v.id, &staff, t0()).await.unwrap();
    let kinds: Vec<EventKind> = timeline.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Scheduled,
            EventKind::Arrived,
            EventKind::Promised,
            EventKind::ConcernRaised,
            EventKind::Upset
        ]
    );
    // And a second try finds the patient already here.
    let again = store.check_in(&check_in, &staff, t0()).await.unwrap_err();
    assert!(
        matches!(again, StoreError::InvalidTransition(_)),
        "{again:?}"
    );
});

story!(
    a_complaint_reply_and_its_message_are_kept_together,
    |store: Arc<dyn Store>| async move {
        use frontdesk_domain::complaint::validate_new;
        let desk = Actor::staff("maria");
        let k = store
            .create_complaint(
                &NewComplaintRecord {
                    location: "main".into(),
                    visit_id: None,
                    complaint: validate_new(
                        "Nobody called me back.",
                        "phone",
                        None,
                        None,
                        Some("Ana Moreno"),
                        Some("ana@example.org"),
                        None,
                    )
                    .unwrap(),
                    owner: None,
                    upset: None,
                },
                &desk,
                t0(),
            )
            .await
            .unwrap();
        let reply = |location: &str| ComplaintChange::Reply {
            text: "I am sorry; I will call you today.".into(),
            sent_anyway_flags: vec![],
            message: Some(NewOutboxMessage {
                location: location.into(),
                visit_id: None,
                channel: MessageChannel::Email,
                recipient: "ana@example.org".into(),
                subject: "Your complaint".into(),
                body: "I am sorry; I will call you today.".into(),
            }),
        };
        // Acknowledging an unowned complaint takes it, and a reply goes with
        // them, all in one: the message cannot be queued (no such location),
        // so none of it happens.
        let changes = [
            ComplaintChange::Assign {
                owner: "maria".into(),
                role: Role::FrontDesk,
            },
            ComplaintChange::Acknowledge,
            reply("nowhere"),
        ];
        assert!(
            store
                .change_complaint(k.id, &changes, &desk, t0())
                .await
                .is_err()
        );
        let (after, events) = store.complaint(k.id).await.unwrap();
        assert_eq!(after.status, ComplaintStatus::Received);
        assert_eq!(after.owner, None);
        assert_eq!(after.revision, k.revision);
        assert_eq!(events.len(), 1, "only its receipt: {events:?}");
        assert!(store.outbox_messages(10).await.unwrap().is_empty());

        // With a message that can be queued: all three, and the message.
        let changes = [
            ComplaintChange::Assign {
                owner: "maria".into(),
                role: Role::FrontDesk,
            },
            ComplaintChange::Acknowledge,
            reply("main"),
        ];
        let done = store
            .change_complaint(k.id, &changes, &desk, t0())
            .await
            .unwrap();
        assert_eq!(done.status, ComplaintStatus::Acknowledged);
        assert_eq!(done.owner.as_deref(), Some("maria"));
        assert_eq!(done.revision, k.revision + 3);
        let (_, events) = store.complaint(k.id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["received", "assigned", "acknowledged", "reply"]);
        assert!(
            events[3].detail.contains(r#""sent_by":"email""#),
            "{}",
            events[3].detail
        );
        let queued = store.outbox_messages(10).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].status, MessageStatus::Pending);
    }
);

/// SQLite: what the writer commits reaches the database file itself, not
/// only the WAL, without the writer copying it (the checkpointer does, a
/// moment later): a copy of the database file alone, without its WAL, holds
/// every check-in once writes pause.
#[tokio::test]
async fn sqlite_copies_commits_into_the_database_file_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    with_main(&store).await;
    let staff = Actor::staff("maria");
    for i in 0..40 {
        store
            .check_in(&arrive(walk_in(&format!("Copied{i}"), None)), &staff, t0())
            .await
            .unwrap();
    }
    let copy = dir.path().join("copy.db");
    let mut in_file = 0;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        std::fs::copy(&path, &copy).unwrap();
        let _ = std::fs::remove_file(dir.path().join("copy.db-wal"));
        // A copy taken while the checkpointer writes may be torn: not yet.
        in_file = rusqlite::Connection::open(&copy)
            .and_then(|c| c.query_row("SELECT count(*) FROM visit", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
        if in_file == 40 {
            break;
        }
    }
    assert_eq!(in_file, 40, "check-ins still only in the WAL");
    // The WAL itself is still there and the store still writes.
    assert!(dir.path().join("frontdesk.db-wal").exists());
    store
        .check_in(&arrive(walk_in("After", None)), &staff, t0())
        .await
        .unwrap();
}
