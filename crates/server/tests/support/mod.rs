//! Start the real app on port 0 with a fresh SQLite database and a clock the
//! test controls, and talk to it over HTTP.
#![allow(dead_code)]

pub mod webdriver;

use chrono::TimeZone;
use frontdesk_server::clock::ManualClock;
use frontdesk_server::{AppState, ServerConfig};
use frontdesk_store::{Provider, SqliteStore, Store};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse battery";

/// The second-factor secret of `boss` and `root` (RFC 6238's test seed).
pub const TOTP_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// The users created with their second factor on (managers and admins need one).
pub const ENROLLED: [&str; 4] = ["boss", "root", "nell", "nico"];

pub struct TestApp {
    pub url: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    kiosk: tokio::sync::OnceCell<String>,
    /// The newest step whose code each enrolled user signed in with.
    used_steps: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    /// The server's task and what stops it (see [`TestApp::stop`], [`TestApp::kill`]).
    server: std::sync::Mutex<
        Option<(
            tokio::task::JoinHandle<()>,
            tokio::sync::oneshot::Sender<()>,
        )>,
    >,
    /// The PostgreSQL database and schema of a [`spawn_pg_pair`] server.
    pub pg: std::sync::Mutex<Option<(String, String)>>,
    _dir: tempfile::TempDir,
}

pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 3, 5, 14, 0, 0).unwrap()
}

/// The app with users `desk` (front desk), `doc` (clinician), `boss` (manager)
/// and `root` (admin), who work at every location; `nora`, `noel`, `nell` and
/// `nico` (the same four roles) who work only at `north`; `feed`, an
/// integration account (an EHR's interface engine); provider `dr-lee`;
/// locations `main` and `north`, both in UTC. `boss`, `root`, `nell` and `nico`
/// have their second factor on, with [`TOTP_SECRET`], set up an hour
/// before the clock starts; `token` and `sign_in` send their codes.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServerConfig::default(), false).await
}

/// `watch` runs the server's own clock watcher (browser tests); otherwise the
/// test calls `check_clocks` itself.
pub async fn spawn_app_with(config: ServerConfig, watch: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("frontdesk.db"))
        .await
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    seed(&store).await;
    let clock = Arc::new(ManualClock::new(start_time()));
    start(store, clock, config, watch, dir).await
}

/// The app on a store the test opened itself (a short busy timeout, a
/// PostgreSQL schema behind a proxy), seeded as [`spawn_app`]; `dir` is kept
/// as long as the app (a SQLite store's file may live there, see
/// [`TestApp::db_path`]).
pub async fn spawn_app_on(
    store: Arc<dyn Store>,
    dir: tempfile::TempDir,
    config: ServerConfig,
    watch: bool,
) -> TestApp {
    seed(&store).await;
    let clock = Arc::new(ManualClock::new(start_time()));
    start(store, clock, config, watch, dir).await
}

/// Another server on a database [`spawn_app_on`] already set up (users and
/// locations are there): two servers behind one proxy.
pub async fn spawn_another_app(store: Arc<dyn Store>) -> TestApp {
    let clock = Arc::new(ManualClock::new(start_time()));
    start(
        store,
        clock,
        ServerConfig::default(),
        false,
        tempfile::tempdir().unwrap(),
    )
    .await
}

/// The locations, provider and users every test app starts with.
async fn seed(store: &Arc<dyn Store>) {
    store
        .ensure_location("main", "Main clinic", "UTC")
        .await
        .unwrap();
    store
        .upsert_provider(
            &Provider {
                id: "dr-lee".into(),
                name: "Dr. Lee".into(),
                location: "main".into(),
            },
            &frontdesk_store::Actor::system(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    store
        .ensure_location("north", "North clinic", "UTC")
        .await
        .unwrap();
    let hash = frontdesk_server::secrets::hash_password(PASSWORD).unwrap();
    use frontdesk_domain::Role;
    for (name, role, at) in [
        ("desk", Role::FrontDesk, None),
        ("doc", Role::Clinician, None),
        ("boss", Role::Manager, None),
        ("root", Role::Admin, None),
        ("nora", Role::FrontDesk, Some("north")),
        ("noel", Role::Clinician, Some("north")),
        ("nell", Role::Manager, Some("north")),
        ("nico", Role::Admin, Some("north")),
        // An EHR's interface engine: the interop doors only.
        ("feed", Role::Integration, None),
    ] {
        let user = store
            .create_user(
                &frontdesk_store::NewUser {
                    username: name.into(),
                    role,
                    password_hash: hash.clone(),
                    locations: at.into_iter().map(String::from).collect(),
                },
                &frontdesk_store::Actor::system(),
                start_time(),
            )
            .await
            .unwrap();
        if ENROLLED.contains(&name) {
            let before = start_time() - chrono::Duration::hours(1);
            store
                .begin_second_factor(&user, TOTP_SECRET, before)
                .await
                .unwrap();
            let code = totp_code_at(before).parse().unwrap();
            store
                .confirm_second_factor(&user, code, before, &[], "", before)
                .await
                .unwrap();
        }
    }
}

/// Serve a store on port 0: the whole server with its watcher (`watch`), or
/// only its routes.
async fn start(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    config: ServerConfig,
    watch: bool,
    dir: tempfile::TempDir,
) -> TestApp {
    let state = AppState::new(store, clock.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app_state = state.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = if watch {
        tokio::spawn(async move {
            let _ = frontdesk_server::serve_until(listener, app_state, async move {
                let _ = stopped.await;
            })
            .await;
        })
    } else {
        tokio::spawn(async move {
            axum_serve(listener, app_state).await;
        })
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        url,
        state,
        clock,
        client,
        kiosk: tokio::sync::OnceCell::new(),
        used_steps: Default::default(),
        server: std::sync::Mutex::new(Some((server, stop))),
        pg: Default::default(),
        _dir: dir,
    }
}

/// Two servers on one fresh PostgreSQL schema (`FRONTDESK_TEST_POSTGRES`,
/// default `postgres://postgres@127.0.0.1:5432/test`), each with its own
/// store (its own connections), both running their watchers, sharing one
/// test clock; seeded as [`spawn_app`]. `None` (with a message) when
/// PostgreSQL is unreachable, except under `CI=true`, where that fails.
pub async fn spawn_pg_pair(config: ServerConfig) -> Option<(TestApp, TestApp)> {
    let url = std::env::var("FRONTDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("pair_{}_{nanos}", std::process::id());
    let first = match frontdesk_store::PostgresStore::connect_in_schema(&url, &schema).await {
        Ok(s) => s,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("PostgreSQL is required under CI=true but {url} failed: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED two-server test: {url} unreachable ({e})");
            return None;
        }
    };
    let first: Arc<dyn Store> = Arc::new(first);
    seed(&first).await;
    let second: Arc<dyn Store> = Arc::new(
        frontdesk_store::PostgresStore::connect_in_schema(&url, &schema)
            .await
            .unwrap(),
    );
    let clock = Arc::new(ManualClock::new(start_time()));
    let a = start(
        first,
        clock.clone(),
        config.clone(),
        true,
        tempfile::tempdir().unwrap(),
    )
    .await;
    let b = start(second, clock, config, true, tempfile::tempdir().unwrap()).await;
    for app in [&a, &b] {
        app.wait_until_up().await;
    }
    *a.pg.lock().unwrap() = Some((url.clone(), schema.clone()));
    *b.pg.lock().unwrap() = Some((url, schema));
    Some((a, b))
}

/// The code [`TOTP_SECRET`] gives at a moment.
pub fn totp_code_at(at: chrono::DateTime<chrono::Utc>) -> String {
    use frontdesk_domain::second_factor;
    second_factor::code_at(&second_factor::secret_key(TOTP_SECRET).unwrap(), at)
}

async fn axum_serve(listener: tokio::net::TcpListener, state: AppState) {
    let router = frontdesk_server::router(state)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let _ = axum::serve(listener, router).await;
}

impl TestApp {
    /// Where [`spawn_app`]'s SQLite database file is.
    pub fn db_path(&self) -> std::path::PathBuf {
        self._dir.path().join("frontdesk.db")
    }

    /// Wait until the server answers `/healthz` (it listens to the shared
    /// channel by then).
    pub async fn wait_until_up(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Ok(r) = self
                .client
                .get(format!("{}/healthz", self.url))
                .send()
                .await
                && r.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server did not come up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// End, from PostgreSQL's side, this pair's connections that `sql` picks
    /// (a query of `pid`s given the schema as `$1`), as a database restart
    /// or a network cut would; how many.
    pub async fn end_pg_connections(&self, sql: &str) -> usize {
        use sqlx::Connection;
        let (url, schema) = self.pg.lock().unwrap().clone().expect("a PostgreSQL pair");
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let pids: Vec<i32> = sqlx::query_scalar(sql)
            .bind(&schema)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for pid in &pids {
            sqlx::query("SELECT pg_terminate_backend($1)")
                .bind(pid)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        pids.len()
    }

    /// Shut the server down as SIGTERM does, and wait until it has.
    pub async fn stop(&self) {
        let server = self.server.lock().unwrap().take();
        if let Some((task, stop)) = server {
            let _ = stop.send(());
            let _ = task.await;
        }
    }

    /// Stop the server at once, as a crash would: its task is dropped where
    /// it stands, with its watcher and its connection holding the watcher
    /// lock (this process's other connections stay open).
    pub async fn kill(&self) {
        let server = self.server.lock().unwrap().take();
        if let Some((task, _)) = server {
            task.abort();
            let _ = task.await;
        }
    }

    /// The device cookie (`fd_kiosk_device=…`) of a kiosk at `main`, paired
    /// on first use the way a manager does it: `boss` adds it, the tablet
    /// opens the link.
    pub async fn kiosk_device(&self) -> String {
        self.kiosk
            .get_or_init(|| async {
                let boss = self.token("boss").await;
                let (status, body) = self
                    .post(
                        "/api/v1/kiosks",
                        Some(&boss),
                        serde_json::json!({"name": "Lobby tablet", "location": "main"}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                self.pair_kiosk(body["pairing_url"].as_str().unwrap()).await
            })
            .await
            .clone()
    }

    /// Open a pairing link on a tablet and press "Pair": its device cookie.
    /// (The link may name the configured public address; its path is what
    /// the tablet follows.)
    pub async fn pair_kiosk(&self, pairing_url: &str) -> String {
        let path = &pairing_url[pairing_url.find("/kiosk/pair/").unwrap()..];
        let resp = self
            .client
            .post(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        cookie_from(&resp, "fd_kiosk_device")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }

    /// The paired kiosk's form: the cookies to send back with it (the
    /// device's and the form's), its CSRF token and the page.
    pub async fn kiosk_form(&self) -> (String, String, String) {
        let device = self.kiosk_device().await;
        let resp = self
            .client
            .get(format!("{}/kiosk", self.url))
            .header("cookie", &device)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let form_cookie = cookie_from(&resp, "fd_kiosk")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let html = resp.text().await.unwrap();
        (format!("{form_cookie}; {device}"), csrf_in(&html), html)
    }

    /// A code for an enrolled user's next sign-in, as their app would show
    /// it: the current step's, or the next one's when that was used (a code
    /// signs in once). Three sign-ins per 30 seconds of the test's clock.
    pub fn next_code(&self, user: &str) -> String {
        use frontdesk_domain::second_factor;
        let now = second_factor::step_at(self.state.now());
        let mut used = self.used_steps.lock().unwrap();
        let last = used.get(user).copied().unwrap_or(i64::MIN);
        let step = (now - 1..=now + 1).find(|s| *s > last).unwrap_or_else(|| {
            panic!("{user} signed in more than 3 times in 30 s: advance the clock")
        });
        used.insert(user.to_string(), step);
        second_factor::code_for_step(&second_factor::secret_key(TOTP_SECRET).unwrap(), step)
    }

    fn code_for(&self, user: &str) -> String {
        if ENROLLED.contains(&user) {
            self.next_code(user)
        } else {
            String::new()
        }
    }

    pub async fn token(&self, user: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/sessions",
                None,
                serde_json::json!({"username": user, "password": PASSWORD, "code": self.code_for(user)}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.post_raw(path, token, body.to_string()).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        body: String,
    ) -> (StatusCode, Value) {
        let mut r = self
            .client
            .post(format!("{}{path}", self.url))
            .body(body)
            .header("content-type", "application/json");
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .put(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut r = self.client.get(format!("{}{path}", self.url));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn check_in(&self, token: &str, given: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/visits",
                Some(token),
                serde_json::json!({"given_name": given, "family_name": "Moreno"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// The kinds of a visit's timeline events, oldest first.
    pub async fn timeline_kinds(&self, token: &str, visit: impl std::fmt::Display) -> Vec<String> {
        let (status, body) = self
            .get(&format!("/api/v1/visits/{visit}"), Some(token))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    }

    pub async fn lobby(&self, token: &str) -> Vec<Value> {
        let (status, body) = self.get("/api/v1/lobby", Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["visits"].as_array().unwrap().clone()
    }
}

/// Assert the error shape of DESIGN.md and return the code.
pub fn error_code(body: &Value) -> &str {
    let e = &body["error"];
    assert!(e["message"].is_string(), "{body}");
    assert!(e["fields"].is_object(), "{body}");
    e["code"].as_str().unwrap()
}

// --- pages, as a browser without JavaScript uses them ---

pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn cookie_from(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.to_string())
}

/// Sign in through the login form; returns the session cookie pair.
pub async fn sign_in(app: &TestApp, user: &str) -> String {
    let resp = app
        .client
        .get(format!("{}/login?next=/board", app.url))
        .send()
        .await
        .unwrap();
    let login_cookie = cookie_from(&resp, "fd_login").unwrap();
    let login_pair = login_cookie.split(';').next().unwrap().to_string();
    let html = resp.text().await.unwrap();
    let csrf = csrf_in(&html);
    let resp = app
        .client
        .post(format!("{}/login", app.url))
        .header("cookie", &login_pair)
        .form(&[
            ("username", user),
            ("password", PASSWORD),
            ("code", &app.code_for(user)),
            ("csrf", &csrf),
            ("next", "/board"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/board");
    let session = cookie_from(&resp, "fd_session").unwrap();
    assert!(session.contains("HttpOnly"));
    assert!(session.contains("SameSite=Strict"));
    session.split(';').next().unwrap().to_string()
}

pub async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let resp = app
        .client
        .get(format!("{}{path}", app.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

pub async fn form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.url))
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .unwrap()
}
