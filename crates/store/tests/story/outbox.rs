//! The outbox: delivered, retried, given up on, and the link forgotten.

use super::*;

story!(
    the_outbox_delivers_retries_and_forgets_links,
    |store: Arc<dyn Store>| async move {
        let kiosk = Actor::kiosk();
        let v = store
            .check_in(&arrive(walk_in("Ana", None)), &kiosk, t0())
            .await
            .unwrap()
            .visit;
        let new = |channel, to: &str| NewOutboxMessage {
            location: "main".into(),
            visit_id: Some(v.id),
            channel,
            recipient: to.into(),
            subject: "You're checked in at Main clinic".into(),
            body: "Hi Ana: https://desk.example.org/s/secret-token".into(),
        };
        let email = store
            .enqueue_message(&new(MessageChannel::Email, "ana@example.org"), &kiosk, t0())
            .await
            .unwrap();
        assert_eq!(email.status, MessageStatus::Pending);
        assert_eq!(email.attempts, 0);
        assert_eq!(email.next_attempt_at, t0());
        assert_eq!(email.visit_id, Some(v.id));
        let later = t0() + Duration::seconds(1);
        let sms = store
            .enqueue_message(&new(MessageChannel::Sms, "+1 555 010 1234"), &kiosk, later)
            .await
            .unwrap();
        assert_eq!(sms.channel, MessageChannel::Sms);

        // The audit log names the visit and the channel, never the address.
        let audit = store.audit_log(100).await.unwrap();
        let enqueued: Vec<&AuditEntry> = audit
            .iter()
            .filter(|a| a.action == "outbox.enqueue")
            .collect();
        assert_eq!(enqueued.len(), 2);
        assert!(
            enqueued
                .iter()
                .all(|a| a.subject == format!("visit:{}", v.id))
        );
        assert_eq!(enqueued[0].detail, "sms");
        assert_eq!(enqueued[1].detail, "email");
        assert!(audit.iter().all(|a| !a.detail.contains("ana@")
            && !a.subject.contains("ana@")
            && !a.detail.contains("555")));

        // Due now: oldest first, at most `limit`, each claimed for the lease.
        let lease = Duration::minutes(10);
        let due = store.claim_due_messages(later, lease, 1).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].id, email.id);
        assert_eq!(due[0].next_attempt_at, later + lease);
        let due = store.claim_due_messages(later, lease, 10).await.unwrap();
        assert_eq!(
            due.iter().map(|m| m.id).collect::<Vec<_>>(),
            [sms.id],
            "a claimed message is not handed out twice"
        );
        assert!(
            store
                .claim_due_messages(later, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // Delivered: sent, and the private link is gone from the table.
        let sent = store.message_sent(email.id, later).await.unwrap();
        assert_eq!(sent.status, MessageStatus::Sent);
        assert_eq!(sent.sent_at, Some(later));
        assert_eq!(sent.attempts, 1);
        assert_eq!(sent.body, "[delivered; link removed]");
        assert!(matches!(
            store.message_sent(email.id, later).await,
            Err(StoreError::Refused(_))
        ));

        // Failing: 1, 5, 30 minutes apart, then given up after 4 attempts.
        let mut now = later;
        for (attempt, wait) in [(1, 1), (2, 5), (3, 30)] {
            let m = store
                .message_failed(sms.id, "connection refused", false, now)
                .await
                .unwrap();
            assert_eq!(m.status, MessageStatus::Pending);
            assert_eq!(m.attempts, attempt);
            assert_eq!(m.next_attempt_at, now + Duration::minutes(wait));
            assert_eq!(m.last_error.as_deref(), Some("connection refused"));
            let early = store
                .claim_due_messages(
                    now + Duration::minutes(wait) - Duration::seconds(1),
                    lease,
                    10,
                )
                .await
                .unwrap();
            assert!(early.is_empty(), "not due before its back-off");
            now += Duration::minutes(wait);
            let due = store.claim_due_messages(now, lease, 10).await.unwrap();
            assert_eq!(due.len(), 1);
        }
        let m = store
            .message_failed(sms.id, "connection refused", false, now)
            .await
            .unwrap();
        assert_eq!(m.status, MessageStatus::Failed);
        assert_eq!(m.attempts, 4);
        assert_eq!(m.body, "[not delivered; link removed]");
        assert!(
            store
                .claim_due_messages(now + Duration::days(1), lease, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // A permanent failure is not retried.
        let third = store
            .enqueue_message(&new(MessageChannel::Email, "bo@example.org"), &kiosk, now)
            .await
            .unwrap();
        let m = store
            .message_failed(third.id, "relay refused the recipient (550)", true, now)
            .await
            .unwrap();
        assert_eq!((m.status, m.attempts), (MessageStatus::Failed, 1));

        // The admins' list: newest first, no working link anywhere.
        let list = store.outbox_messages(10).await.unwrap();
        assert_eq!(
            list.iter().map(|m| m.id).collect::<Vec<_>>(),
            [third.id, sms.id, email.id]
        );
        assert!(list.iter().all(|m| !m.body.contains("secret-token")));
        assert_eq!(store.outbox_messages(1).await.unwrap().len(), 1);
        let audit = store.audit_log(100).await.unwrap();
        assert_eq!(
            audit.iter().filter(|a| a.action == "outbox.sent").count(),
            1
        );
        assert_eq!(
            audit.iter().filter(|a| a.action == "outbox.failed").count(),
            2
        );
        assert!(matches!(
            store.message_failed(4242, "x", false, now).await,
            Err(StoreError::NotFound)
        ));
    }
);
