//! The audit log is a hash chain: intact it verifies; a row changed, a row
//! deleted from the middle or the end, or a row added behind Frontdesk's back
//! is found and named.

use super::*;

/// Five audited changes and reads: audit rows 1 (the provider, by
/// `with_main`) to 6.
async fn five_more_rows(store: &Arc<dyn Store>) -> Visit {
    let staff = Actor::staff("maria");
    let v = store
        .check_in(&arrive(walk_in("Ana", None)), &staff, t0())
        .await
        .unwrap()
        .visit;
    store.acknowledge(v.id, &staff, t0()).await.unwrap();
    store.visit(v.id, &staff, t0()).await.unwrap();
    store.lobby("main", Some(&staff), t0()).await.unwrap();
    store
        .audit(&staff, "visit.print", &format!("visit:{}", v.id), t0())
        .await
        .unwrap();
    v
}

async fn fault(store: &Arc<dyn Store>) -> AuditChainFault {
    let report = store.verify_audit_chain().await.unwrap();
    report.fault.expect("the chain should be broken")
}

story!(
    an_untouched_log_verifies,
    |store: Arc<dyn Store>| async move {
        five_more_rows(&store).await;
        let log = store.audit_log(100).await.unwrap();
        let ids: Vec<i64> = log.iter().rev().map(|e| e.id).collect();
        assert_eq!(ids, (1..=6).collect::<Vec<_>>(), "ids follow the chain");
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(report.fault, None);
        assert!(report.intact());
        assert_eq!(report.rows, 6);
        assert_eq!(report.head_id, 6);
        assert_eq!(report.head_hash.len(), 64);
    }
);

story!(a_failed_operation_leaves_no_link, |store: Arc<
    dyn Store,
>| async move {
    five_more_rows(&store).await;
    // Acknowledging a visit that does not exist fails and writes nothing.
    let err = store
        .acknowledge(9999, &Actor::staff("maria"), t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    store
        .audit(&Actor::staff("maria"), "visit.print", "visit:1", t0())
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.intact(), "{:?}", report.fault);
    assert_eq!(report.rows, 7);
});

story_raw!(
    an_edited_row_is_named,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five_more_rows(&store).await;
        raw.exec("UPDATE audit_log SET actor = 'somebody-else' WHERE id = 3")
            .await;
        let f = fault(&store).await;
        assert_eq!(f, AuditChainFault::Changed { row: 3 });
        assert_eq!(f.row(), Some(3));
        // The audit page checks the newest rows only.
        let newest = store.verify_newest_audit_rows(3).await.unwrap();
        assert!(newest.intact(), "rows 4 to 6: {:?}", newest.fault);
        assert_eq!(newest.rows, 3);
        let newest = store.verify_newest_audit_rows(4).await.unwrap();
        assert_eq!(newest.fault, Some(AuditChainFault::Changed { row: 3 }));
        assert!(
            f.to_string().starts_with("row 3 does not match its hash"),
            "{f}"
        );
    }
);

/// A row's hash as docs/security.md describes it, computed here on its own
/// (as an auditor outside Frontdesk could): SHA-256 over a version tag and
/// each column's length (8 bytes, big-endian) and bytes.
fn documented_hash(columns: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"frontdesk audit_log v1\n");
    for c in columns {
        h.update((c.len() as u64).to_be_bytes());
        h.update(c.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

story_raw!(
    a_row_rewritten_with_a_new_hash_breaks_the_next_link,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five_more_rows(&store).await;
        let row = |column: &str| format!("SELECT {column} FROM audit_log WHERE id = 3");
        let at = raw.text(&row("CAST(at AS TEXT)")).await;
        let columns = [
            "3".to_string(),
            at,
            raw.text(&row("actor")).await,
            raw.text(&row("action")).await,
            raw.text(&row("subject")).await,
            raw.text(&row("detail")).await,
            raw.text(&row("prev_hash")).await,
        ];
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        assert_eq!(
            documented_hash(&columns),
            raw.text(&row("hash")).await,
            "the hash is what the documentation says"
        );
        // Whoever changes row 3 and gives it a correct hash of their own still
        // leaves row 4 pointing at the old one.
        let mut changed = columns.clone();
        changed[5] = "nothing to see";
        raw.exec(&format!(
            "UPDATE audit_log SET detail = 'nothing to see', hash = '{}' WHERE id = 3",
            documented_hash(&changed)
        ))
        .await;
        assert_eq!(
            fault(&store).await,
            AuditChainFault::Unlinked {
                row: 4,
                after: Some(3)
            }
        );
        // A wrong hash is a changed row.
        raw.exec(&format!(
            "UPDATE audit_log SET hash = '{}' WHERE id = 3",
            "a".repeat(64)
        ))
        .await;
        assert_eq!(fault(&store).await, AuditChainFault::Changed { row: 3 });
    }
);

story_raw!(
    a_deleted_middle_row_is_named_at_the_next,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five_more_rows(&store).await;
        raw.exec("DELETE FROM audit_log WHERE id = 3").await;
        let f = fault(&store).await;
        assert_eq!(
            f,
            AuditChainFault::Unlinked {
                row: 4,
                after: Some(2)
            }
        );
        assert!(
            f.to_string().starts_with("row 4 does not follow row 2"),
            "{f}"
        );
        // The first row too.
        raw.exec("DELETE FROM audit_log WHERE id = 1").await;
        assert_eq!(
            fault(&store).await,
            AuditChainFault::Unlinked {
                row: 2,
                after: None
            }
        );
    }
);

story_raw!(
    a_deleted_last_row_is_named,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five_more_rows(&store).await;
        raw.exec("DELETE FROM audit_log WHERE id = 6").await;
        let f = fault(&store).await;
        assert_eq!(
            f,
            AuditChainFault::TailMissing {
                row: 6,
                last: Some(5)
            }
        );
        assert!(f.to_string().starts_with("row 6 is missing"), "{f}");
        assert_eq!(
            store.verify_newest_audit_rows(2).await.unwrap().fault,
            Some(f),
            "the newest rows end short of the head too"
        );
        // Writing on does not hide it: the next row still points at row 6.
        store
            .audit(&Actor::staff("maria"), "visit.print", "visit:1", t0())
            .await
            .unwrap();
        assert_eq!(
            fault(&store).await,
            AuditChainFault::Unlinked {
                row: 7,
                after: Some(5)
            }
        );
        // Every row deleted: the head still names the last one.
        raw.exec("DELETE FROM audit_log").await;
        assert_eq!(
            fault(&store).await,
            AuditChainFault::TailMissing { row: 7, last: None }
        );
    }
);

story_raw!(
    rows_added_or_a_changed_head_are_found,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five_more_rows(&store).await;
        raw.exec(
            "INSERT INTO audit_log (id, at, actor, action, subject, detail) \
         VALUES (50, 0, 'maria', 'visit.read', 'visit:1', '')",
        )
        .await;
        assert_eq!(fault(&store).await, AuditChainFault::AfterHead { row: 50 });
        raw.exec("DELETE FROM audit_log WHERE id = 50").await;
        assert!(store.verify_audit_chain().await.unwrap().intact());

        raw.exec(&format!(
            "UPDATE audit_chain SET last_hash = '{}'",
            "b".repeat(64)
        ))
        .await;
        assert_eq!(
            fault(&store).await,
            AuditChainFault::HeadMismatch { row: 6 }
        );
        raw.exec("DELETE FROM audit_chain").await;
        assert_eq!(fault(&store).await, AuditChainFault::HeadMissing);
    }
);

story_raw!(
    rows_from_before_the_chain_are_linked_at_the_next_start,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five_more_rows(&store).await;
        // The log as migration 0010 finds it: rows without hashes, the head at
        // the start and remembering the last of them.
        raw.exec(
            "UPDATE audit_log SET prev_hash = NULL, hash = NULL; \
         UPDATE audit_chain SET last_id = 0, \
           last_hash = '0000000000000000000000000000000000000000000000000000000000000000', \
           legacy_through = 6",
        )
        .await;
        assert_eq!(
            fault(&store).await,
            AuditChainFault::AfterHead { row: 1 },
            "before the store links them, the old rows are outside the chain"
        );
        let reopened = raw.open().await;
        reopened
            .audit(&Actor::staff("maria"), "visit.print", "visit:1", t0())
            .await
            .unwrap();
        let report = reopened.verify_audit_chain().await.unwrap();
        assert!(report.intact(), "{:?}", report.fault);
        assert_eq!((report.rows, report.head_id), (7, 7));
        // Linked once: opening again changes nothing.
        let head = report.head_hash.clone();
        let again = raw.open().await.verify_audit_chain().await.unwrap();
        assert_eq!(again.head_hash, head);
    }
);

story_raw!(
    two_servers_writing_at_once_keep_one_chain,
    |store: Arc<dyn Store>, raw: Raw| async move {
        let other = raw.open().await;
        let taken = store
            .check_in(&arrive(walk_in("Bo", None)), &Actor::kiosk(), t0())
            .await
            .unwrap()
            .visit;
        store
            .create_status_link(taken.id, &link("taken", t0() + Duration::hours(9)), t0())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let s = if i % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                let staff = Actor::staff(if i % 2 == 0 { "maria" } else { "li" });
                let v = s
                    .check_in(&arrive(walk_in(&format!("P{i}"), None)), &staff, t0())
                    .await
                    .unwrap()
                    .visit;
                // Failures among the writes (on SQLite often in the same
                // batch): their audit rows go, and the chain never sees them.
                let failing = CheckIn {
                    status_link: Some(link("taken", t0() + Duration::hours(9))),
                    ..arrive(walk_in(&format!("Q{i}"), None))
                };
                assert!(s.check_in(&failing, &staff, t0()).await.is_err());
                s.acknowledge(v.id, &staff, t0()).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = store.verify_audit_chain().await.unwrap();
        assert!(report.intact(), "{:?}", report.fault);
        assert_eq!(
            report.rows as usize,
            store.audit_log(1000).await.unwrap().len()
        );
        assert_eq!(report.rows, 2 + 40 * 2);
    }
);
