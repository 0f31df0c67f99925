//! `frontdesk backup` of a server under write load, and `frontdesk restore`
//! into a fresh data directory: every check-in answered 201 before the
//! backup began is in the restored database, which is intact (SQLite's
//! integrity check and the audit log's hash chain). A restore is refused
//! while a server has the database open; an existing backup file is not
//! overwritten without --force; PostgreSQL is pointed to pg_dump.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn visit_ids(db: &Path) -> BTreeSet<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT id FROM visit").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_restores_every_acknowledged_check_in() {
    let live = tempfile::tempdir().unwrap();
    let out = frontdesk(
        live.path(),
        &[
            "user",
            "add",
            "desk",
            "--role",
            "front_desk",
            "--password-stdin",
        ],
        Some("backup test password\n"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let (mut server, url) = serve(live.path()).await;
    let token = login(&url, "desk", "backup test password").await;

    // Four clients check patients in as fast as they can; each 201 is written down.
    let answered: Arc<Mutex<BTreeSet<i64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (url, token, answered, stop) =
            (url.clone(), token.clone(), answered.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let resp = client
                    .post(format!("{url}/api/v1/visits"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"given_name": format!("W{w}n{n}"), "family_name": "Backup"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 201);
                let body: serde_json::Value = resp.json().await.unwrap();
                answered.lock().unwrap().insert(body["id"].as_i64().unwrap());
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // The backup, while the check-ins go on.
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("frontdesk-backup.db");
    let before: BTreeSet<i64> = answered.lock().unwrap().clone();
    let out = tokio::task::spawn_blocking({
        let (live, file) = (live.path().to_path_buf(), file.clone());
        move || frontdesk(&live, &["backup", file.to_str().unwrap()], None)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("integrity ok"), "{}", text(&out));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = answered.lock().unwrap().len();
    assert!(
        during > before.len(),
        "the server kept writing during the backup"
    );

    // Not over an existing file, unless asked.
    let out = frontdesk(live.path(), &["backup", file.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(text(&out).contains("--force"), "{}", text(&out));

    // Not into a database a running server has open.
    let out = frontdesk(live.path(), &["restore", file.to_str().unwrap()], None);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("in use"), "{}", text(&out));

    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }

    // Into a fresh data directory: every check-in answered before the backup is there.
    let fresh = tempfile::tempdir().unwrap();
    let out = frontdesk(fresh.path(), &["restore", file.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out));
    let restored = visit_ids(&fresh.path().join("frontdesk.db"));
    let missing: Vec<_> = before.difference(&restored).collect();
    assert!(
        missing.is_empty(),
        "answered 201 before the backup, not restored: {missing:?}"
    );
    assert!(restored.len() >= before.len());
    let out = frontdesk(fresh.path(), &["audit", "verify"], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Audit log intact"));
    eprintln!(
        "backup under load: {} check-ins answered before it began, {} in the backup, {} answered in all",
        before.len(),
        restored.len(),
        answered.lock().unwrap().len()
    );

    // With --force over the old file; and once the server is stopped, a
    // restore into its own directory works and keeps what it replaced.
    let out = frontdesk(
        live.path(),
        &["backup", "--force", file.to_str().unwrap()],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    server.kill().unwrap();
    server.wait().unwrap();
    let out = frontdesk(live.path(), &["restore", file.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("before-restore-"), "{}", text(&out));
    let all: BTreeSet<i64> = answered.lock().unwrap().clone();
    assert_eq!(visit_ids(&live.path().join("frontdesk.db")), all);
}

#[test]
fn a_damaged_or_foreign_file_is_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some bytes").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let out = frontdesk(fresh.path(), &["restore", junk.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(
        !fresh.path().join("frontdesk.db").exists(),
        "nothing created"
    );
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (x TEXT)")
        .unwrap();
    let out = frontdesk(fresh.path(), &["restore", other.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("not a Frontdesk database"),
        "{}",
        text(&out)
    );
}

#[test]
fn postgres_backups_are_pg_dumps() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["backup", "restore"] {
        let out = frontdesk(
            dir.path(),
            &[
                command,
                "x.dump",
                "--database",
                "postgres://fd@db.invalid/fd",
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("pg_dump"), "{}", text(&out));
        assert!(text(&out).contains("pg_restore"), "{}", text(&out));
    }
}
