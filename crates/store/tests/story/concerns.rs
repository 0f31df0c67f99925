//! Concerns: answered, confirmed or reopened, and a silent checkout stopped.

use super::*;

story!(
    concerns_are_answered_confirmed_and_stop_a_silent_checkout,
    |store: Arc<dyn Store>| async move {
        let staff = Actor::staff("maria");
        let doc = Actor::staff("drlee");
        let v = store
            .check_in(&arrive(walk_in("Ana", Some("dr-lee"))), &staff, t0())
            .await
            .unwrap()
            .visit;
        let raise = |text: &str, source| NewConcern {
            upset: None,
            visit_id: v.id,
            text: text.into(),
            source,
            owner: Some("drlee".into()),
        };
        let knee = store
            .raise_concern(
                &raise("Is my knee  getting worse?", ConcernSource::StatusPage),
                &Actor("patient-link".into()),
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(knee.status, ConcernStatus::Open);
        assert_eq!(knee.text, "Is my knee  getting worse?");
        assert_eq!(knee.patient_name, "Ana Moreno");
        let refill = store
            .raise_concern(
                &raise("I need a refill", ConcernSource::Staff),
                &staff,
                t0() + Duration::minutes(1),
            )
            .await
            .unwrap();
        store
            .transition(
                v.id,
                VisitState::WithProvider,
                None,
                &doc,
                t0() + Duration::minutes(5),
            )
            .await
            .unwrap();

        // Checkout is stopped with the list of concerns needing an answer.
        match store
            .transition(
                v.id,
                VisitState::Checkout,
                None,
                &doc,
                t0() + Duration::minutes(20),
            )
            .await
        {
            Err(StoreError::OpenConcerns(list)) => {
                assert_eq!(
                    list.iter().map(|c| c.id).collect::<Vec<_>>(),
                    vec![knee.id, refill.id]
                )
            }
            other => panic!("expected OpenConcerns, got {other:?}"),
        }
        let (v_now, _) = store.visit(v.id, &doc, t0()).await.unwrap();
        assert_eq!(
            v_now.state,
            VisitState::WithProvider,
            "a stopped checkout changes nothing"
        );

        // Answer one; the patient reopens it; answer again; they confirm.
        let answer = |text: &str| ConcernAnswer {
            text: text.into(),
            sent_anyway_flags: vec![],
        };
        let a = store
            .answer_concern(
                knee.id,
                &answer("It looks stable."),
                &doc,
                t0() + Duration::minutes(12),
            )
            .await
            .unwrap();
        assert_eq!(a.status, ConcernStatus::Answered);
        assert_eq!(a.first_answered_at, Some(t0() + Duration::minutes(12)));
        let r = store
            .respond_to_concern(
                knee.id,
                false,
                "What about the swelling?",
                None,
                t0() + Duration::minutes(14),
            )
            .await
            .unwrap();
        assert_eq!(r.status, ConcernStatus::Reopened);
        assert_eq!(r.patient_note.as_deref(), Some("What about the swelling?"));
        // The patient cannot confirm a reopened concern; only an answer.
        assert!(matches!(
            store
                .respond_to_concern(knee.id, true, "", None, t0() + Duration::minutes(15))
                .await,
            Err(StoreError::Refused(_))
        ));
        let a2 = store
            .answer_concern(
                knee.id,
                &ConcernAnswer {
                    text: "The swelling should settle in a week; ice it.".into(),
                    sent_anyway_flags: vec!["dismissive".into()],
                },
                &doc,
                t0() + Duration::minutes(16),
            )
            .await
            .unwrap();
        assert_eq!(
            a2.first_answered_at,
            Some(t0() + Duration::minutes(12)),
            "first answer time is kept"
        );
        assert_eq!(a2.tone_flags, "dismissive");

        // The other becomes a follow-up promise.
        let (f, p) = store
            .follow_up_concern(
                refill.id,
                &NewPromise {
                    location: "main".into(),
                    visit_id: Some(v.id),
                    patient_id: Some(v.patient_id),
                    kind: PromiseKind::Refill,
                    owner: Some("drlee".into()),
                    note: "I need a refill".into(),
                    due_at: t0() + Duration::days(2),
                    likely_at: None,
                    suggested_due_at: None,
                    reason: String::new(),
                },
                &doc,
                t0() + Duration::minutes(17),
            )
            .await
            .unwrap();
        assert_eq!(f.status, ConcernStatus::FollowUp);
        assert_eq!(f.promise_id, Some(p.id));

        // Answered-but-unconfirmed does not block.
        store
            .transition(
                v.id,
                VisitState::Checkout,
                None,
                &doc,
                t0() + Duration::minutes(21),
            )
            .await
            .unwrap();
        let c = store
            .respond_to_concern(knee.id, true, "", None, t0() + Duration::minutes(30))
            .await
            .unwrap();
        assert_eq!(c.status, ConcernStatus::Confirmed);
        assert!(matches!(
            store
                .answer_concern(knee.id, &answer("more"), &doc, t0() + Duration::minutes(31))
                .await,
            Err(StoreError::Refused(_))
        ));

        let (_, timeline) = store
            .visit(v.id, &doc, t0() + Duration::minutes(32))
            .await
            .unwrap();
        let kinds: Vec<&str> = timeline
            .iter()
            .map(|e| e.kind.as_str())
            .filter(|k| k.starts_with("concern"))
            .collect();
        assert_eq!(
            kinds,
            [
                "concern_raised",
                "concern_raised",
                "concern_answered",
                "concern_reopened",
                "concern_answered",
                "concern_follow_up",
                "concern_confirmed"
            ]
        );
        assert!(timeline.iter().any(|e| {
            e.describe()
                .contains("sent anyway; the tone coach flagged: dismissive")
        }));
        let listed = store
            .location_concerns("main", t0() - Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(listed.len(), 2);
        let audit = store.audit_log(100).await.unwrap();
        for action in [
            "concern.raise",
            "concern.answer",
            "concern.reopen",
            "concern.confirm",
            "concern.follow_up",
        ] {
            assert!(audit.iter().any(|a| a.action == action), "{action} audited");
        }
        assert!(matches!(
            store.concern(9999).await,
            Err(StoreError::NotFound)
        ));
    }
);
