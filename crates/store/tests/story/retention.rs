//! The daily purge: expired sessions and status links deleted, old outbox
//! addresses masked, once a day however many servers ask, with an audit row.

use super::*;

fn session(token_hash: &str, user_id: i64, created_at: Timestamp, lifetime_h: i64) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        user_id,
        csrf_token: "csrf".into(),
        created_at,
        expires_at: created_at + Duration::hours(lifetime_h),
    }
}

fn plan(now: Timestamp) -> PurgePlan {
    PurgePlan {
        idle_cutoff: now - Duration::minutes(15),
        recipients_settled_by: now - Duration::days(30),
    }
}

story!(
    the_daily_purge_deletes_what_expired_and_masks_old_addresses,
    |store: Arc<dyn Store>| async move {
        let system = Actor::system();
        let maria = store
            .create_user(&new_user("maria", Role::FrontDesk, &[]), &system, t0())
            .await
            .unwrap();
        // Past its lifetime; idle for 20 minutes; in use.
        for s in [
            session("expired", maria.id, t0() - Duration::hours(13), 12),
            session("idle", maria.id, t0() - Duration::minutes(20), 12),
            session("live", maria.id, t0() - Duration::minutes(5), 12),
        ] {
            store.create_session(&s).await.unwrap();
        }

        let kiosk = Actor::kiosk();
        let yesterday = store
            .check_in(
                &arrive(walk_in("Ana", None)),
                &kiosk,
                t0() - Duration::days(1),
            )
            .await
            .unwrap()
            .visit;
        let today = store
            .check_in(&arrive(walk_in("Bo", None)), &kiosk, t0())
            .await
            .unwrap()
            .visit;
        let old_link = link("old-link", t0() - Duration::minutes(1));
        let new_link = link("new-link", t0() + Duration::hours(8));
        store
            .create_status_link(yesterday.id, &old_link, t0() - Duration::days(1))
            .await
            .unwrap();
        store
            .create_status_link(today.id, &new_link, t0())
            .await
            .unwrap();

        // Sent 31 days ago, given up on 31 days ago, sent yesterday, and
        // still waiting after 31 days.
        let month_ago = t0() - Duration::days(31);
        let message = |to: &str, channel| NewOutboxMessage {
            location: "main".into(),
            visit_id: Some(yesterday.id),
            channel,
            recipient: to.into(),
            subject: "You're checked in".into(),
            body: "https://desk.example.org/s/token".into(),
        };
        let old_sent = store
            .enqueue_message(
                &message("ana@example.org", MessageChannel::Email),
                &kiosk,
                month_ago,
            )
            .await
            .unwrap();
        let old_failed = store
            .enqueue_message(
                &message("+1 555 010 1234", MessageChannel::Sms),
                &kiosk,
                month_ago,
            )
            .await
            .unwrap();
        let new_sent = store
            .enqueue_message(
                &message("bo@example.org", MessageChannel::Email),
                &kiosk,
                month_ago,
            )
            .await
            .unwrap();
        let waiting = store
            .enqueue_message(
                &message("cy@example.org", MessageChannel::Email),
                &kiosk,
                month_ago,
            )
            .await
            .unwrap();
        store.message_sent(old_sent.id, month_ago).await.unwrap();
        store
            .message_failed(old_failed.id, "refused", true, month_ago)
            .await
            .unwrap();
        store
            .message_sent(new_sent.id, t0() - Duration::days(1))
            .await
            .unwrap();

        let purged = store.purge_expired(&plan(t0()), t0()).await.unwrap();
        assert_eq!(
            purged,
            Some(Purged {
                sessions: 2,
                status_links: 1,
                arrival_links: 0,
                recipients: 2,
                idempotency_keys: 0
            })
        );
        let live = |hash: &'static str| {
            let store = store.clone();
            async move {
                store
                    .live_session(hash, t0(), t0() - Duration::minutes(15))
                    .await
                    .unwrap()
                    .is_some()
            }
        };
        assert!(live("live").await, "a session in use stays");
        assert_eq!(
            store.status_link_visit("new-link", t0()).await.unwrap(),
            Some(today.id),
            "a link that still works stays"
        );
        let recipients: std::collections::HashMap<i64, String> = store
            .outbox_messages(10)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.id, m.recipient))
            .collect();
        assert_eq!(recipients[&old_sent.id], "a***@example.org");
        assert_eq!(recipients[&old_failed.id], "***1234");
        assert_eq!(recipients[&new_sent.id], "bo@example.org", "sent yesterday");
        assert_eq!(recipients[&waiting.id], "cy@example.org", "not sent yet");

        let audit = store.audit_log(100).await.unwrap();
        let runs: Vec<&AuditEntry> = audit
            .iter()
            .filter(|a| a.action == "retention.purge")
            .collect();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].actor, "system");
        assert_eq!(runs[0].subject, "day:2026-03-05");
        assert_eq!(
            runs[0].detail,
            "expired sessions deleted: 2; expired status links deleted: 1; expired arrival links deleted: 0; outbox recipients masked: 2; idempotency keys deleted: 0"
        );

        // Once a day: later the same (UTC) day nothing runs.
        let later = t0() + Duration::hours(9);
        assert_eq!(
            store.purge_expired(&plan(later), later).await.unwrap(),
            None
        );
        // The next day: today's link and the last session have expired.
        let next_day = t0() + Duration::days(1);
        assert_eq!(
            store
                .purge_expired(&plan(next_day), next_day)
                .await
                .unwrap(),
            Some(Purged {
                sessions: 1,
                status_links: 1,
                arrival_links: 0,
                recipients: 0,
                idempotency_keys: 0
            })
        );
        let audit = store.audit_log(100).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|a| a.action == "retention.purge")
                .count(),
            2
        );
        assert!(store.verify_audit_chain().await.unwrap().intact());
    }
);

story_raw!(
    several_servers_purge_once_a_day,
    |store: Arc<dyn Store>, raw: Raw| async move {
        let other = raw.open().await;
        let mut tasks = Vec::new();
        for s in [store.clone(), other.clone(), store.clone(), other] {
            tasks.push(tokio::spawn(async move {
                s.purge_expired(&plan(t0()), t0()).await.unwrap()
            }));
        }
        let mut ran = 0;
        for t in tasks {
            if t.await.unwrap().is_some() {
                ran += 1;
            }
        }
        assert_eq!(ran, 1, "one purge for the day");
        let audit = store.audit_log(100).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|a| a.action == "retention.purge")
                .count(),
            1
        );
    }
);
