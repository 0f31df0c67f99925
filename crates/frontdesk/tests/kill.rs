//! A `kill -9` of the server in the middle of acknowledgements loses no
//! acknowledgement it had answered 201 for.

mod common;

use common::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test]
async fn no_answered_acknowledgement_is_lost_to_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let out = frontdesk(
        dir.path(),
        &[
            "user",
            "add",
            "desk",
            "--role",
            "front_desk",
            "--password-stdin",
        ],
        Some("kill test password\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (mut server, url) = serve(dir.path()).await;
    let token = login(&url, "desk", "kill test password").await;
    let client = reqwest::Client::new();
    let mut visits = Vec::new();
    for i in 0..20 {
        let v: serde_json::Value = client
            .post(format!("{url}/api/v1/visits"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"given_name": format!("P{i}"), "family_name": "Kill"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        visits.push(v["id"].as_i64().unwrap());
    }

    // Eight clients acknowledge as fast as they can; each 201 is written down.
    let answered: Arc<Mutex<HashMap<i64, usize>>> = Arc::default();
    let mut workers = Vec::new();
    for w in 0..8 {
        let (client, url, token, visits, answered) = (
            client.clone(),
            url.clone(),
            token.clone(),
            visits.clone(),
            answered.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut i = w;
            loop {
                let id = visits[i % visits.len()];
                i += 7;
                let resp = client
                    .post(format!("{url}/api/v1/visits/{id}/acknowledgements"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 201 => {
                        *answered.lock().unwrap().entry(id).or_default() += 1
                    }
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    let total: usize = answered.values().sum();
    assert!(
        total > 50,
        "the test only means something if many acknowledgements were answered ({total})"
    );

    let (mut server, url) = serve(dir.path()).await;
    let token = login(&url, "desk", "kill test password").await;
    for (id, count) in &answered {
        let visit: serde_json::Value = client
            .get(format!("{url}/api/v1/visits/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let stored = visit["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "acknowledged")
            .count();
        assert!(
            stored >= *count,
            "visit {id}: {count} acknowledgements answered 201, {stored} survived"
        );
        assert_eq!(visit["acknowledged_by"], "desk");
    }
    server.kill().unwrap();
    server.wait().unwrap();
}
