//! Post-visit surveys: each done visit is decided once (sent, or skipped for
//! an opt-out or a survey to the same address within 30 days), an answer is
//! recorded once while the link works, and a low answer's recovery promise
//! and complaint are written with it, all on the visit's timeline.

use super::*;
use frontdesk_domain::complaint::validate_new;
use frontdesk_domain::survey::{Frequency, SurveyAnswer};

/// A walk-in with an e-mail address, seen and done at `at`.
async fn done_visit(store: &Arc<dyn Store>, given: &str, email: &str, at: Timestamp) -> Visit {
    let mut v = walk_in(given, Some("dr-lee"));
    v.patient.email = Some(email.into());
    let staff = Actor::staff("maria");
    let arrived = store.check_in(&arrive(v), &staff, at).await.unwrap();
    for to in [
        VisitState::Roomed,
        VisitState::WithProvider,
        VisitState::Checkout,
        VisitState::Done,
    ] {
        store
            .transition(arrived.visit.id, to, None, &staff, at)
            .await
            .unwrap();
    }
    store.visit_record(arrived.visit.id).await.unwrap()
}

fn send(visit: &Visit, token_hash: &str, address_hash: &str, at: Timestamp) -> SendSurvey {
    SendSurvey {
        visit_id: visit.id,
        token_hash: token_hash.into(),
        expires_at: at + Duration::days(14),
        address_hashes: vec![address_hash.into()],
        messages: vec![NewOutboxMessage {
            location: "main".into(),
            visit_id: None,
            channel: MessageChannel::Email,
            recipient: "ana@example.org".into(),
            subject: "How was your visit?".into(),
            body: "… https://desk.example.org/survey/secret".into(),
        }],
    }
}

fn answer(overall: u8, courteous: Frequency) -> SurveyAnswer {
    SurveyAnswer {
        helpful: Frequency::Always,
        courteous,
        listened: Frequency::Usually,
        wait_as_promised: false,
        overall,
        comment: Some("Nobody told me why I waited an hour.".into()),
        contact_me: true,
    }
}

story!(
    each_done_visit_is_decided_once_and_an_address_asked_once_in_30_days,
    |store: Arc<dyn Store>| async move {
        let ana = done_visit(&store, "Ana", "ana@example.org", t0()).await;
        let later = t0() + Duration::hours(2);
        let due = store
            .surveys_due("main", t0() - Duration::hours(1), later, true, false, 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].contacts.email.as_deref(), Some("ana@example.org"));
        assert!(
            store
                .surveys_due("main", t0() - Duration::hours(1), later, false, true, 10)
                .await
                .unwrap()
                .is_empty(),
            "no phone, and e-mail cannot be sent"
        );
        assert_eq!(
            store
                .send_survey(&send(&ana, "t1", "a1", later), later)
                .await
                .unwrap(),
            SurveySent::Sent
        );
        assert_eq!(
            store
                .send_survey(&send(&ana, "t1b", "a1", later), later)
                .await
                .unwrap(),
            SurveySent::AlreadyDecided
        );
        assert!(
            store
                .surveys_due("main", t0() - Duration::hours(1), later, true, false, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let messages = store.outbox_messages(10).await.unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].visit_id, Some(ana.id));

        // The same address 29 days later: not asked again.
        let again_at = later + Duration::days(29);
        let ana2 = done_visit(&store, "Ana", "ana@example.org", again_at).await;
        assert_eq!(
            store
                .send_survey(&send(&ana2, "t2", "a1", again_at), again_at)
                .await
                .unwrap(),
            SurveySent::AskedRecently
        );
        let skipped = store.visit_survey(ana2.id).await.unwrap().unwrap();
        assert_eq!(skipped.status, SurveyStatus::AskedRecently);
        // 31 days later: asked.
        let next_at = later + Duration::days(31);
        let ana3 = done_visit(&store, "Ana", "ana@example.org", next_at).await;
        assert_eq!(
            store
                .send_survey(&send(&ana3, "t3", "a1", next_at), next_at)
                .await
                .unwrap(),
            SurveySent::Sent
        );
        // She opts out on that link: never again, even after 30 days.
        assert!(store.survey_opt_out("t3", next_at).await.unwrap());
        assert!(!store.survey_opt_out("nope", next_at).await.unwrap());
        let much_later = next_at + Duration::days(60);
        let ana4 = done_visit(&store, "Ana", "ana@example.org", much_later).await;
        assert_eq!(
            store
                .send_survey(&send(&ana4, "t4", "a1", much_later), much_later)
                .await
                .unwrap(),
            SurveySent::OptedOut
        );
        let (_, timeline) = store
            .visit(ana3.id, &Actor::system(), much_later)
            .await
            .unwrap();
        assert!(timeline.iter().any(|e| e.kind == EventKind::SurveyOptOut));
        let (_, timeline) = store
            .visit(ana4.id, &Actor::system(), much_later)
            .await
            .unwrap();
        let sent = timeline
            .iter()
            .find(|e| e.kind == EventKind::SurveySent)
            .unwrap();
        assert_eq!(sent.detail["because"], "opted_out");
        assert_eq!(store.outbox_messages(10).await.unwrap().len(), 2);
    }
);

story!(
    one_answer_and_a_low_one_opens_recovery_with_it,
    |store: Arc<dyn Store>| async move {
        let ana = done_visit(&store, "Ana", "ana@example.org", t0()).await;
        let sent_at = t0() + Duration::hours(2);
        store
            .send_survey(&send(&ana, "tok", "a1", sent_at), sent_at)
            .await
            .unwrap();
        let at = sent_at + Duration::hours(3);
        let low = answer(4, Frequency::Sometimes);
        let recovery = NewPromise {
            location: "main".into(),
            visit_id: Some(ana.id),
            patient_id: None,
            kind: PromiseKind::ServiceRecovery,
            owner: None,
            note: "Call the patient back".into(),
            due_at: at + Duration::days(1),
            likely_at: None,
            suggested_due_at: None,
            reason: String::new(),
        };
        let complaint = validate_new(
            low.comment.as_deref().unwrap(),
            "survey",
            None,
            None,
            Some("Ana Moreno"),
            Some("ana@example.org"),
            None,
        )
        .unwrap();
        let a = AnswerSurvey {
            token_hash: "tok".into(),
            answer: low.clone(),
            recovery: Some(recovery),
            complaint: Some(complaint),
            upset: None,
        };
        // A wrong link is not found; nothing is written.
        let wrong = AnswerSurvey {
            token_hash: "other".into(),
            ..a.clone()
        };
        assert!(matches!(
            store.answer_survey(&wrong, at).await,
            Err(StoreError::NotFound)
        ));
        let s = store.answer_survey(&a, at).await.unwrap();
        assert_eq!(s.status, SurveyStatus::Answered);
        assert_eq!(s.answer.as_ref(), Some(&low));
        assert_eq!(s.answered_at, Some(at));
        let promise = store.promise(s.recovery_promise_id.unwrap()).await.unwrap();
        assert_eq!(promise.kind, PromiseKind::ServiceRecovery);
        assert_eq!(promise.status, PromiseStatus::Open);
        assert_eq!(promise.visit_id, Some(ana.id));
        let (k, _) = store.complaint(s.complaint_id.unwrap()).await.unwrap();
        assert_eq!(k.text, "Nobody told me why I waited an hour.");
        assert_eq!(k.channel, Channel::Survey);
        assert_eq!(k.visit_id, Some(ana.id));
        // A second answer is a conflict, and changes nothing.
        assert!(matches!(
            store.answer_survey(&a, at).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.visit_survey(ana.id).await.unwrap().unwrap(), s);
        let (_, timeline) = store.visit(ana.id, &Actor::system(), at).await.unwrap();
        let kinds: Vec<EventKind> = timeline.iter().map(|e| e.kind).collect();
        for k in [
            EventKind::SurveySent,
            EventKind::SurveyAnswered,
            EventKind::Promised,
            EventKind::ComplaintReceived,
        ] {
            assert!(kinds.contains(&k), "{k} on {kinds:?}");
        }
        assert_eq!(
            kinds
                .iter()
                .filter(|k| **k == EventKind::SurveyAnswered)
                .count(),
            1
        );
    }
);

story!(
    an_expired_link_takes_no_answer,
    |store: Arc<dyn Store>| async move {
        let bo = done_visit(&store, "Bo", "bo@example.org", t0()).await;
        store
            .send_survey(&send(&bo, "tok", "b1", t0()), t0())
            .await
            .unwrap();
        let a = AnswerSurvey {
            token_hash: "tok".into(),
            answer: answer(9, Frequency::Always),
            recovery: None,
            complaint: None,
            upset: None,
        };
        assert!(matches!(
            store.answer_survey(&a, t0() + Duration::days(14)).await,
            Err(StoreError::NotFound)
        ));
        let s = store
            .answer_survey(&a, t0() + Duration::days(14) - Duration::seconds(1))
            .await
            .unwrap();
        assert_eq!(s.recovery_promise_id, None);
        assert_eq!(s.complaint_id, None);
    }
);
