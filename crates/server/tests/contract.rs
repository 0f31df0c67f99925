//! The OpenAPI document checked by an outside implementation: schemathesis
//! (PyPI) reads `openapi.json` from the running server, generates requests for
//! every operation (examples, boundary values, random data and chains of
//! calls), sends them with an admin's token and fails on any answer the
//! document does not list or whose body does not match it, on a request the
//! schema allows being refused, and on any 500. Its settings and the few
//! refusals no schema can express are in `tests/contract/schemathesis.toml`.
//!
//! `.ci/run` installs schemathesis in a virtual environment and names it in
//! `FRONTDESK_TEST_VENV`; otherwise it is looked for on `PATH`. Missing: under
//! `CI=true` the test fails, else it prints `SKIPPED` and passes.
//!
//! The route walk (`tests/routes.rs`) checks the other direction: every API
//! route of the router is in the document with every status it answered.

mod support;

use std::path::PathBuf;
use std::process::Command;
use support::*;

/// schemathesis' command, or None (after saying so) when it is not installed.
fn schemathesis_or_skip() -> Option<PathBuf> {
    let venv = std::env::var_os("FRONTDESK_TEST_VENV").map(|v| PathBuf::from(v).join("bin"));
    let candidates = venv
        .into_iter()
        .chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .collect::<Vec<_>>(),
        )
        .map(|dir| dir.join("schemathesis"));
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "\n\n*** schemathesis not found: pip install -r .ci/requirements.txt \
             (and set FRONTDESK_TEST_VENV to its virtual environment) ***\n\n"
        );
    }
    eprintln!("SKIPPED the OpenAPI contract test: schemathesis not installed");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_as_its_openapi_document_says() {
    let Some(schemathesis) = schemathesis_or_skip() else {
        return;
    };
    let app = spawn_app().await;
    let token = app.token("root").await;
    // Something to find: a visit with a concern, and a complaint.
    let visit = app.check_in(&token, "Ada").await;
    let visit_id = visit["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit_id}/concerns"),
            Some(&token),
            serde_json::json!({"text": "Will the results come by e-mail?"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/complaints",
            Some(&token),
            serde_json::json!({"text": "Nobody called me back.", "channel": "phone"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/contract/schemathesis.toml"
    );
    let reports = tempfile::tempdir().unwrap();
    let url = app.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(schemathesis)
            .arg("--config-file")
            .arg(config)
            .arg("run")
            .arg(format!("{url}/api/v1/openapi.json"))
            .args(["--url", &format!("{url}/api/v1")])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            // Signing in and out would end this run's own session.
            .args(["--exclude-path", "/sessions"])
            .args(["--max-examples", "25"])
            .args(["--seed", "20261207"])
            .args(["--workers", "1"])
            .arg("--no-color")
            .arg("--report-dir")
            .arg(reports.path())
            // Its cache of failing examples goes with the reports, not into the tree.
            .current_dir(reports.path())
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary: String = stdout
        .lines()
        .skip_while(|l| !l.contains("SUMMARY"))
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("{summary}");
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("Tested:") && !stdout.contains("Tested: 0"),
        "schemathesis tested nothing:\n{stdout}"
    );
}
