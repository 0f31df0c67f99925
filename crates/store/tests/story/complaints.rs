//! Complaints: taken verbatim, worked on their clocks and resolved.

use super::*;

story!(
    complaints_are_taken_verbatim_worked_and_resolved,
    |store: Arc<dyn Store>| async move {
        use frontdesk_domain::complaint::*;
        let desk = Actor::staff("maria");
        let boss = Actor::staff("boss");
        let v = store
            .check_in(&arrive(walk_in("Ana", None)), &desk, t0())
            .await
            .unwrap()
            .visit;
        let said = "The receptionist  argued with me!\nI want an apology.";
        let k = store
            .create_complaint(
                &NewComplaintRecord {
                    location: "main".into(),
                    visit_id: Some(v.id),
                    complaint: validate_new(
                        said,
                        "desk",
                        Some("staff_attitude"),
                        Some("high"),
                        Some("Ana Moreno"),
                        Some("ana@example.org"),
                        None,
                    )
                    .unwrap(),
                    owner: Some(("maria".into(), Role::FrontDesk)),
                    upset: None,
                },
                &desk,
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(k.text, said.trim(), "verbatim");
        assert_eq!(k.status, ComplaintStatus::Received);
        assert_eq!(k.owner_role, Some(Role::FrontDesk));
        assert!(
            matches!(
                store
                    .change_complaint(
                        k.id,
                        &[ComplaintChange::Resolve(
                            validate_resolution("Maria", "Talked", "Apologised").unwrap()
                        )],
                        &desk,
                        t0()
                    )
                    .await,
                Err(StoreError::Refused(_))
            ),
            "acknowledge first"
        );
        store
            .change_complaint(
                k.id,
                &[ComplaintChange::Acknowledge],
                &desk,
                t0() + Duration::hours(1),
            )
            .await
            .unwrap();
        let p = store
            .change_complaint(
                k.id,
                &[ComplaintChange::Pause {
                    reason: "waiting for the patient to call back".into(),
                }],
                &desk,
                t0() + Duration::hours(2),
            )
            .await
            .unwrap();
        assert!(p.paused_since.is_some());
        assert!(matches!(
            store
                .change_complaint(
                    k.id,
                    &[ComplaintChange::Pause {
                        reason: String::new()
                    }],
                    &desk,
                    t0() + Duration::hours(2)
                )
                .await,
            Err(StoreError::Refused(_))
        ));
        let r = store
            .change_complaint(
                k.id,
                &[ComplaintChange::Resume],
                &desk,
                t0() + Duration::hours(5),
            )
            .await
            .unwrap();
        assert_eq!(
            r.pauses,
            vec![Pause {
                from: t0() + Duration::hours(2),
                until: Some(t0() + Duration::hours(5))
            }]
        );
        store
            .change_complaint(
                k.id,
                &[ComplaintChange::Assign {
                    owner: "boss".into(),
                    role: Role::Manager,
                }],
                &desk,
                t0() + Duration::hours(6),
            )
            .await
            .unwrap();
        let e = store
            .change_complaint(
                k.id,
                &[ComplaintChange::Escalate(Level::Manager)],
                &Actor::system(),
                t0() + Duration::hours(7),
            )
            .await
            .unwrap();
        assert_eq!(e.escalation_level, Level::Manager);
        // Announcing the same level again changes nothing.
        store
            .change_complaint(
                k.id,
                &[ComplaintChange::Escalate(Level::Manager)],
                &Actor::system(),
                t0() + Duration::hours(8),
            )
            .await
            .unwrap();
        store
            .change_complaint(
                k.id,
                &[ComplaintChange::Reply {
                    text: "We are sorry; Maria will call you.".into(),
                    sent_anyway_flags: vec![],
                    message: None,
                }],
                &boss,
                t0() + Duration::hours(9),
            )
            .await
            .unwrap();
        let done = store
            .change_complaint(
                k.id,
                &[ComplaintChange::Resolve(
                    validate_resolution(
                        "Pat Boss, practice manager",
                        "Spoke with Ana and Maria",
                        "Apology and retraining",
                    )
                    .unwrap(),
                )],
                &boss,
                t0() + Duration::days(2),
            )
            .await
            .unwrap();
        assert_eq!(done.status, ComplaintStatus::Resolved);
        assert_eq!(
            done.resolution.as_ref().unwrap().result,
            "Apology and retraining"
        );
        let (_, events) = store.complaint(k.id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "received",
                "acknowledged",
                "paused",
                "resumed",
                "assigned",
                "escalated",
                "reply",
                "resolved"
            ]
        );
        assert!(
            store
                .unresolved_complaints(0, 100)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.complaints("main", t0()).await.unwrap().len(), 1);
        assert!(
            store
                .complaints("main", t0() + Duration::days(3))
                .await
                .unwrap()
                .is_empty()
        );
        let (_, timeline) = store.visit(v.id, &desk, t0()).await.unwrap();
        assert!(
            timeline
                .iter()
                .any(|e| e.kind == EventKind::ComplaintReceived)
        );

        let mut settings = store.complaint_settings("main").await.unwrap();
        assert_eq!(settings.business_hours, "Mon-Fri 08:00-18:00");
        assert_eq!(settings.policy, ComplaintPolicy::default());
        settings.closed_dates = "2026-12-25".into();
        settings.staff_read_all = true;
        settings.website = "https://clinic.example".into();
        store
            .save_complaint_settings("main", &settings, &boss, t0())
            .await
            .unwrap();
        assert_eq!(store.complaint_settings("main").await.unwrap(), settings);

        let bad_visit = store
            .create_complaint(
                &NewComplaintRecord {
                    location: "main".into(),
                    visit_id: Some(4242),
                    complaint: validate_new("x", "phone", None, None, None, None, None).unwrap(),
                    owner: None,
                    upset: None,
                },
                &desk,
                t0(),
            )
            .await;
        assert!(matches!(bad_visit, Err(StoreError::Invalid(_))));
        assert_eq!(
            store.complaints("main", t0()).await.unwrap().len(),
            1,
            "nothing saved half-way"
        );
    }
);

story!(
    unresolved_complaints_are_walked_a_batch_at_a_time,
    |store: Arc<dyn Store>| async move {
        use frontdesk_domain::complaint::*;
        let desk = Actor::staff("maria");
        let mut ids = Vec::new();
        for i in 0..5 {
            let k = store
                .create_complaint(
                    &NewComplaintRecord {
                        location: "main".into(),
                        visit_id: None,
                        complaint: validate_new(
                            &format!("Nobody called me back ({i})"),
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
                    &desk,
                    t0(),
                )
                .await
                .unwrap();
            ids.push(k.id);
        }
        // Pause one, so its pauses come with it in its batch.
        store
            .change_complaint(ids[3], &[ComplaintChange::Acknowledge], &desk, t0())
            .await
            .unwrap();
        store
            .change_complaint(
                ids[3],
                &[ComplaintChange::Pause {
                    reason: "Waiting for the patient's records".into(),
                }],
                &desk,
                t0(),
            )
            .await
            .unwrap();
        let first = store.unresolved_complaints(0, 2).await.unwrap();
        assert_eq!(first.iter().map(|k| k.id).collect::<Vec<_>>(), ids[..2]);
        let second = store.unresolved_complaints(ids[1], 2).await.unwrap();
        assert_eq!(second.iter().map(|k| k.id).collect::<Vec<_>>(), ids[2..4]);
        assert!(second[1].paused_since.is_some(), "{:?}", second[1]);
        assert_eq!(second[1].pauses.len(), 1);
        let last = store.unresolved_complaints(ids[3], 2).await.unwrap();
        assert_eq!(last.len(), 1);
        assert!(
            store
                .unresolved_complaints(ids[4], 2)
                .await
                .unwrap()
                .is_empty()
        );
    }
);
