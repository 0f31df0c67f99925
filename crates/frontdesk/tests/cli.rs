//! The command line as an administrator uses it.

mod common;

use common::*;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn user_add_checks_the_password_role_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let ok = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "maria",
            "--role",
            "front_desk",
            "--password-stdin",
        ],
        Some("twelve chars ok\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("Added maria (Front desk)"));
    let again = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "maria",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("another long one\n"),
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let short = frontdesk(
        dir.path(),
        &["user", "add", "bob", "--role", "admin", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(text(&short).contains("at least 12 characters"));
    let role = frontdesk(
        dir.path(),
        &["user", "add", "bob", "--role", "doctor", "--password-stdin"],
        Some("long enough pass\n"),
    );
    assert!(!role.status.success());
    assert!(text(&role).contains("unknown role"));
    let list = frontdesk(dir.path(), &["user", "list"], None);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).trim(),
        "maria\tfront_desk"
    );
}

#[test]
fn a_trailing_newline_is_not_part_of_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let ok = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "maria",
            "--role",
            "manager",
            "--password-stdin",
        ],
        Some("exactly this pw\r\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (mut server, url) = serve(dir.path()).await;
        let token = login(&url, "maria", "exactly this pw").await;
        assert!(!token.is_empty());
        server.kill().unwrap();
        server.wait().unwrap();
    });
}

#[test]
fn import_reports_bad_rows_by_line_and_imports_nothing_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("day.csv");
    std::fs::write(
        &csv,
        "appointment_id,location,provider,visit_type,scheduled_at,duration_min,given_name,family_name,date_of_birth,phone,email\n\
         A-1,main,dr-lee,,2026-03-05T09:00,15,Ana,Moreno,1980-01-01,,\n\
         A-2,main,dr-lee,,not a time,15,Bea,Ruiz,,,\n\
         A-3,main,dr-lee,,2026-03-05T09:40,15,Cy,Lo,,,cy@\n",
    )
    .unwrap();
    let path = csv.to_str().unwrap();
    let out = frontdesk(dir.path(), &["import", "appointments", path], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("line 3: scheduled_at: Time not understood"),
        "{t}"
    );
    assert!(t.contains("line 4: email: Email address invalid"), "{t}");
    assert!(t.contains("Nothing imported"));
    let out = frontdesk(
        dir.path(),
        &["import", "appointments", path, "--skip-bad-rows"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Imported 1 appointment(s); 0 already present; 2 bad row(s) skipped.")
    );
    let out = frontdesk(
        dir.path(),
        &["import", "appointments", path, "--skip-bad-rows"],
        None,
    );
    assert!(text(&out).contains("Imported 0 appointment(s); 1 already present"));
}

#[test]
fn config_prints_the_effective_settings_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args([
            "config",
            "--database",
            "postgres://fd:s3cret@db.example/fd",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("FRONTDESK_ACK_FIRST_WITHIN", "90s")
        .env("FRONTDESK_TIME_ZONE", "America/Chicago")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("postgres://fd:****@db.example/fd"));
    assert!(!t.contains("s3cret"));
    assert!(t.contains("ack_first_within = \"1m30s\""));
    assert!(t.contains("time_zone = \"America/Chicago\""));
    let bad = std::process::Command::new(BIN)
        .args(["config", "--data-dir"])
        .arg(dir.path())
        .env("FRONTDESK_ACK_RECHECK_EVERY", "whenever")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("ack_recheck_every"));
}

#[test]
fn help_lists_the_commands() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let t = text(&out);
    for command in ["serve", "demo", "user", "import", "config"] {
        assert!(t.contains(command), "{t}");
    }
}
