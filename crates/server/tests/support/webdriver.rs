//! Minimal W3C WebDriver client for headless-Chromium browser tests.
//!
//! Hand-written on purpose: crates like fantoccini/thirtyfour/chromiumoxide
//! either pull large dependency trees or download browsers/drivers at build
//! or run time, and CI has no internet. This file only talks HTTP/JSON to the
//! Debian `chromium-driver` (`/usr/bin/chromedriver`) on loopback.
//!
//! Usage from an integration test:
//!
//! ```ignore
//! if !webdriver::browser_or_skip("my_test") { return; }
//! let browser = webdriver::Browser::start().await?;
//! browser.goto("http://127.0.0.1:1234/").await?;
//! browser.wait_for_text("#out", "Hello", Duration::from_secs(5)).await?;
//! browser.quit().await?;
//! ```
//!
//! Every fallible call returns `Result<_, String>`; the string names the
//! command and carries chromedriver's own error text.
//!
//! Needs tokio's `process` feature (plus reqwest/json, serde_json, base64,
//! tempfile). Alerts: with the default unhandledPromptBehavior, any command
//! other than the `*_alert` ones dismisses an open alert and fails, so
//! handle `confirm()`s right after the click that opens them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The W3C key under which an element reference is serialised.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// WebDriver key codes usable inside `send_keys` text.
pub const KEY_ENTER: &str = "\u{E007}";
pub const KEY_TAB: &str = "\u{E004}";
pub const KEY_ESCAPE: &str = "\u{E00C}";

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const POLL: Duration = Duration::from_millis(100);
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Upper bound for any single WebDriver HTTP call, so a hung browser fails
/// the test instead of hanging CI.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long quit/drop wait for Chromium's processes to disappear.
const EXIT_TIMEOUT: Duration = Duration::from_secs(5);

pub type WdResult<T> = Result<T, String>;

/// Returns true when the browser tests can run. When chromedriver/chromium
/// are missing: panics under `CI=true` (a silently skipped suite would hide
/// regressions), otherwise prints a SKIPPED line and returns false.
pub fn browser_or_skip(test: &str) -> bool {
    let missing: Vec<&str> = [
        ("chromedriver", find_binary(CHROMEDRIVER, &["chromedriver"])),
        (
            "chromium",
            find_binary(CHROMIUM, &["chromium", "chromium-browser"]),
        ),
    ]
    .into_iter()
    .filter(|(_, found)| found.is_none())
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "\n\n*** {test}: {} not found. Browser tests need chromium and \
             chromium-driver: apt-get install -y chromium chromium-driver ***\n\n",
            missing.join(" and ")
        );
    }
    eprintln!("SKIPPED {test}: chromedriver not installed");
    false
}

/// `preferred` if it exists, else the first of `names` found on PATH.
fn find_binary(preferred: &str, names: &[&str]) -> Option<PathBuf> {
    let preferred = Path::new(preferred);
    if preferred.is_file() {
        return Some(preferred.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// HTTP plumbing shared by `Browser` and its `Element`s.
struct Session {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    base: String,
}

impl Session {
    async fn get(&self, path: &str) -> WdResult<Value> {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> WdResult<Value> {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> WdResult<Value> {
        let url = format!("{}{}", self.base, path);
        call(&self.http, method, &url, body).await
    }
}

/// One WebDriver round trip. Returns the response's `value`, or an error
/// string with the WebDriver error code and message.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> WdResult<Value> {
    let what = format!("{method} {url}");
    let mut req = http.request(method, url);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.map_err(|e| format!("{what}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("{what}: {e}"))?;
    let mut json: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{what}: HTTP {status}, non-JSON body ({e}): {text}"))?;
    let value = json
        .get_mut("value")
        .map(Value::take)
        .unwrap_or(Value::Null);
    if let Some(code) = value.get("error").and_then(Value::as_str) {
        let message = value.get("message").and_then(Value::as_str).unwrap_or("");
        // chromedriver appends "(Session info: chrome=...)"; it is noise here.
        let message = message.split("\n  (Session info").next().unwrap_or(message);
        return Err(format!("{what}: {code}: {message}"));
    }
    if !status.is_success() {
        return Err(format!("{what}: HTTP {status}: {text}"));
    }
    Ok(value)
}

/// A chromedriver process plus one headless Chromium session.
///
/// Prefer `quit().await`. Dropping it without `quit()` still tears
/// everything down (blocking session DELETE, kill, bounded wait), so a
/// panicking test leaves no browser behind.
pub struct Browser {
    session: Arc<Session>,
    session_id: String,
    port: u16,
    driver: tokio::process::Child,
    /// Holds the Chromium profile and chromedriver log; removed on drop,
    /// which is after the fields above have shut the browser down.
    dir: tempfile::TempDir,
    closed: bool,
}

impl Browser {
    /// Spawns chromedriver on a free loopback port, waits for it to be ready
    /// and opens a headless Chromium session with a throwaway profile.
    pub async fn start() -> WdResult<Browser> {
        let driver_bin = find_binary(CHROMEDRIVER, &["chromedriver"])
            .ok_or("chromedriver not found (apt-get install -y chromium-driver)")?;
        let chromium_bin = find_binary(CHROMIUM, &["chromium", "chromium-browser"])
            .ok_or("chromium not found (apt-get install -y chromium)")?;
        let dir = tempfile::Builder::new()
            .prefix("wd-browser-")
            .tempdir()
            .map_err(|e| format!("create temp dir: {e}"))?;
        let profile = dir.path().join("profile");
        let log_path = dir.path().join("chromedriver.log");
        // `no_proxy`: an HTTP(S)_PROXY in the environment must not capture
        // loopback traffic to chromedriver.
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("build HTTP client: {e}"))?;

        // The free port is released before chromedriver binds it, so another
        // process may grab it in between: retry with a fresh port.
        let mut last_err = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let mut driver = spawn_driver(&driver_bin, port, dir.path(), &log_path)?;
            match wait_ready(&http, port, &mut driver).await {
                Ok(()) => {
                    let result = new_session(&http, port, &chromium_bin, &profile).await;
                    let session_id = match result {
                        Ok(id) => id,
                        Err(e) => {
                            // Chromium may be half up: kill it, not just the driver.
                            let procs = driver.id().map(descendants).unwrap_or_default();
                            shutdown_driver(&mut driver).await;
                            kill_survivors(&procs);
                            return Err(format!("{e}\n{}", log_tail(&log_path)));
                        }
                    };
                    let session = Arc::new(Session {
                        http,
                        base: format!("http://127.0.0.1:{port}/session/{session_id}"),
                    });
                    return Ok(Browser {
                        session,
                        session_id,
                        port,
                        driver,
                        dir,
                        closed: false,
                    });
                }
                Err(e) => {
                    shutdown_driver(&mut driver).await;
                    last_err = format!("{e}\n{}", log_tail(&log_path));
                }
            }
        }
        Err(last_err)
    }

    /// Navigates and waits for the page load (per the pageLoad timeout).
    pub async fn goto(&self, url: &str) -> WdResult<()> {
        self.session.post("/url", json!({ "url": url })).await?;
        Ok(())
    }

    pub async fn current_url(&self) -> WdResult<String> {
        as_string(self.session.get("/url").await?)
    }

    pub async fn title(&self) -> WdResult<String> {
        as_string(self.session.get("/title").await?)
    }

    /// Resize the window (a phone: 390 × 844).
    pub async fn set_window_size(&self, width: u32, height: u32) -> WdResult<()> {
        self.session
            .post("/window/rect", json!({ "width": width, "height": height }))
            .await?;
        Ok(())
    }

    pub async fn refresh(&self) -> WdResult<()> {
        self.session.post("/refresh", json!({})).await?;
        Ok(())
    }

    /// First element matching a CSS selector; errors if there is none.
    pub async fn find(&self, css: &str) -> WdResult<Element> {
        let v = self.session.post("/element", css_locator(css)).await?;
        Element::from_json(&self.session, &v)
    }

    /// All elements matching a CSS selector (possibly none).
    pub async fn find_all(&self, css: &str) -> WdResult<Vec<Element>> {
        let v = self.session.post("/elements", css_locator(css)).await?;
        Element::list_from_json(&self.session, v)
    }

    /// Polls `find` every 100 ms until the selector matches or `timeout`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> WdResult<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css).await {
                Ok(el) => return Ok(el),
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!(
                        "wait_for({css:?}) timed out after {timeout:?}: {e}"
                    ));
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// Polls until the first element matching `css` has text containing
    /// `needle`; returns that full text. Re-finds each time, so elements that
    /// get re-rendered (stale references) are fine.
    pub async fn wait_for_text(
        &self,
        css: &str,
        needle: &str,
        timeout: Duration,
    ) -> WdResult<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = match self.find(css).await {
                Ok(el) => el.text().await,
                Err(e) => Err(e),
            };
            match seen {
                Ok(text) if text.contains(needle) => return Ok(text),
                _ if Instant::now() >= deadline => {
                    let last = match seen {
                        Ok(text) => format!("last text seen: {text:?}"),
                        Err(e) => format!("last error: {e}"),
                    };
                    return Err(format!(
                        "wait_for_text({css:?}, {needle:?}) timed out after {timeout:?}; {last}"
                    ));
                }
                _ => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// Polls a JS expression (e.g. `"document.readyState === 'complete'"`)
    /// until it is truthy. Script errors count as "not yet".
    pub async fn wait_until(&self, js_expression: &str, timeout: Duration) -> WdResult<()> {
        let script = format!("return !!({js_expression});");
        let deadline = Instant::now() + timeout;
        loop {
            let last = match self.execute(&script, vec![]).await {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(v) => format!("last value: {v}"),
                Err(e) => format!("last error: {e}"),
            };
            if Instant::now() >= deadline {
                return Err(format!(
                    "wait_until({js_expression:?}) timed out after {timeout:?}; {last}"
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `script` as a function body (use `return`); `arguments[i]` are
    /// `args`. Pass elements with `Element::to_arg()`.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        self.session
            .post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    pub async fn page_source(&self) -> WdResult<String> {
        as_string(self.session.get("/source").await?)
    }

    /// Saves a PNG of the viewport to `path`.
    pub async fn screenshot(&self, path: impl AsRef<Path>) -> WdResult<()> {
        let b64 = as_string(self.session.get("/screenshot").await?)?;
        write_png(&b64, path.as_ref())
    }

    /// Accepts the open alert/confirm/prompt.
    pub async fn accept_alert(&self) -> WdResult<()> {
        self.session.post("/alert/accept", json!({})).await?;
        Ok(())
    }

    /// Dismisses the open alert/confirm/prompt.
    pub async fn dismiss_alert(&self) -> WdResult<()> {
        self.session.post("/alert/dismiss", json!({})).await?;
        Ok(())
    }

    pub async fn alert_text(&self) -> WdResult<String> {
        as_string(self.session.get("/alert/text").await?)
    }

    /// The chromedriver + chromium working dir (profile/, chromedriver.log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Ends the session (chromedriver closes Chromium), stops chromedriver,
    /// then waits (bounded) until every process of this browser is gone,
    /// zombies included, so `pgrep chromium` right after a test finds nothing.
    pub async fn quit(mut self) -> WdResult<()> {
        let procs = self.our_processes();
        let url = format!("http://127.0.0.1:{}/session/{}", self.port, self.session_id);
        let result = call(&self.session.http, reqwest::Method::DELETE, &url, None)
            .await
            .map(drop);
        shutdown_driver(&mut self.driver).await;
        let deadline = Instant::now() + EXIT_TIMEOUT;
        while !all_gone(&procs) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        kill_survivors(&procs);
        // Only now: if this future is dropped half-way, Drop still cleans up.
        self.closed = true;
        result
    }

    /// chromedriver's descendants plus anything mentioning our temp dir
    /// (the crashpad handler double-forks away from the tree).
    fn our_processes(&self) -> Vec<u32> {
        let driver = self.driver.id();
        let mut pids = driver.map(descendants).unwrap_or_default();
        pids.extend(pids_mentioning(self.dir.path()));
        pids.sort_unstable();
        pids.dedup();
        // chromedriver itself is tokio's to reap.
        pids.retain(|&p| Some(p) != driver);
        pids
    }
}

impl Drop for Browser {
    /// Fallback for tests that panic or forget `quit()`. Killing chromedriver
    /// alone would orphan Chromium, so first end the session with a blocking
    /// raw-HTTP DELETE (works inside or outside a runtime), then kill and
    /// wait as `quit()` does.
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let procs = self.our_processes();
        blocking_delete(self.port, &format!("/session/{}", self.session_id));
        let _ = self.driver.start_kill();
        let deadline = Instant::now() + EXIT_TIMEOUT;
        loop {
            // try_wait reaps chromedriver itself (we are its parent).
            let driver_gone = !matches!(self.driver.try_wait(), Ok(None));
            if (driver_gone && all_gone(&procs)) || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        kill_survivors(&procs);
    }
}

/// A reference to a DOM element in the browser session.
#[derive(Clone)]
pub struct Element {
    session: Arc<Session>,
    id: String,
}

impl std::fmt::Debug for Element {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Element({})", self.id)
    }
}

impl Element {
    fn from_json(session: &Arc<Session>, v: &Value) -> WdResult<Element> {
        let id = v
            .get(ELEMENT_KEY)
            .or_else(|| v.get("ELEMENT"))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("not an element reference: {v}"))?;
        Ok(Element {
            session: Arc::clone(session),
            id: id.to_owned(),
        })
    }

    fn list_from_json(session: &Arc<Session>, v: Value) -> WdResult<Vec<Element>> {
        match v {
            Value::Array(items) => items
                .iter()
                .map(|v| Element::from_json(session, v))
                .collect(),
            other => Err(format!("expected element list, got {other}")),
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// The JSON form to pass this element as an `execute` argument.
    pub fn to_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    pub async fn click(&self) -> WdResult<()> {
        self.session.post(&self.path("/click"), json!({})).await?;
        Ok(())
    }

    /// Types `text` (may contain `KEY_*` codes) into the element.
    pub async fn send_keys(&self, text: &str) -> WdResult<()> {
        self.session
            .post(&self.path("/value"), json!({ "text": text }))
            .await?;
        Ok(())
    }

    pub async fn clear(&self) -> WdResult<()> {
        self.session.post(&self.path("/clear"), json!({})).await?;
        Ok(())
    }

    /// Rendered (visible) text, as a user would see it.
    pub async fn text(&self) -> WdResult<String> {
        as_string(self.session.get(&self.path("/text")).await?)
    }

    /// HTML attribute; `None` when absent.
    pub async fn attr(&self, name: &str) -> WdResult<Option<String>> {
        match self
            .session
            .get(&self.path(&format!("/attribute/{name}")))
            .await?
        {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Ok(Some(other.to_string())),
        }
    }

    /// DOM property (e.g. `value`, `checked`) as JSON.
    pub async fn prop(&self, name: &str) -> WdResult<Value> {
        self.session
            .get(&self.path(&format!("/property/{name}")))
            .await
    }

    pub async fn is_displayed(&self) -> WdResult<bool> {
        match self.session.get(&self.path("/displayed")).await? {
            Value::Bool(b) => Ok(b),
            other => Err(format!("displayed: expected bool, got {other}")),
        }
    }

    /// First descendant matching a CSS selector.
    pub async fn find(&self, css: &str) -> WdResult<Element> {
        let v = self
            .session
            .post(&self.path("/element"), css_locator(css))
            .await?;
        Element::from_json(&self.session, &v)
    }

    /// All descendants matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> WdResult<Vec<Element>> {
        let v = self
            .session
            .post(&self.path("/elements"), css_locator(css))
            .await?;
        Element::list_from_json(&self.session, v)
    }

    /// Saves a PNG of just this element.
    pub async fn screenshot(&self, path: impl AsRef<Path>) -> WdResult<()> {
        let b64 = as_string(self.session.get(&self.path("/screenshot")).await?)?;
        write_png(&b64, path.as_ref())
    }
}

fn css_locator(css: &str) -> Value {
    json!({ "using": "css selector", "value": css })
}

fn as_string(v: Value) -> WdResult<String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(format!("expected a string, got {other}")),
    }
}

fn write_png(b64: &str, path: &Path) -> WdResult<()> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("screenshot: bad base64: {e}"))?;
    std::fs::write(path, bytes).map_err(|e| format!("screenshot: write {}: {e}", path.display()))
}

fn free_port() -> WdResult<u16> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("local_addr: {e}"))
}

fn spawn_driver(
    bin: &Path,
    port: u16,
    home: &Path,
    log_path: &Path,
) -> WdResult<tokio::process::Child> {
    // chromedriver's and Chromium's stdout/stderr go to a log file that is
    // quoted in start() errors; piping them unread could block the browser.
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(|e| format!("open {}: {e}", log_path.display()))?;
    let log2 = log.try_clone().map_err(|e| format!("dup log fd: {e}"))?;
    // Chromium's crashpad handler keeps its database under $HOME; keep that
    // (and any other profile state) inside the temp dir, not the real home.
    tokio::process::Command::new(bin)
        .arg(format!("--port={port}"))
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(log2)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", bin.display()))
}

async fn wait_ready(
    http: &reqwest::Client,
    port: u16,
    driver: &mut tokio::process::Child,
) -> WdResult<()> {
    let url = format!("http://127.0.0.1:{port}/status");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!(
                "chromedriver exited early ({status}) on port {port}"
            ));
        }
        let probe = http.get(&url).timeout(Duration::from_secs(2)).send();
        let last = match probe.await {
            Ok(resp) => match resp.json::<Value>().await {
                Ok(v) if v["value"]["ready"] == Value::Bool(true) => return Ok(()),
                Ok(v) => format!("status: {v}"),
                Err(e) => format!("status body: {e}"),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "chromedriver on port {port} not ready after {READY_TIMEOUT:?}: {last}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn new_session(
    http: &reqwest::Client,
    port: u16,
    chromium: &Path,
    profile: &Path,
) -> WdResult<String> {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let caps = json!({
        "capabilities": {
            "alwaysMatch": {
                "browserName": "chrome",
                // Fail fast rather than at the 300 s W3C default.
                "timeouts": { "pageLoad": 30_000, "script": 30_000, "implicit": 0 },
                "goog:chromeOptions": {
                    "binary": chromium.display().to_string(),
                    "args": args,
                },
            }
        }
    });
    let url = format!("http://127.0.0.1:{port}/session");
    let v = call(http, reqwest::Method::POST, &url, Some(caps)).await?;
    v.get("sessionId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("POST {url}: no sessionId in {v}"))
}

/// Kills chromedriver and reaps it (bounded). Call after the session is
/// deleted, otherwise Chromium would be orphaned.
async fn shutdown_driver(driver: &mut tokio::process::Child) {
    let _ = driver.start_kill();
    let _ = tokio::time::timeout(Duration::from_secs(5), driver.wait()).await;
}

/// Synchronous `DELETE path` for use in `Drop`, bounded by socket timeouts.
fn blocking_delete(port: u16, path: &str) {
    use std::io::{Read, Write};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return;
    };
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(15)));
    let request = format!(
        "DELETE {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // chromedriver keeps the connection open despite `Connection: close`, so
    // read exactly one response (headers + Content-Length body) instead of
    // waiting for EOF.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let body_len = headers
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + body_len {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

// ---- process bookkeeping -------------------------------------------------
//
// Chromium's crashpad handler double-forks away from the process tree, and
// some helpers (zygotes, GPU process) outlive the browser process; all of
// them end up as zombies of init. Where init reaps lazily (this sandbox's
// does so every ~2 s) they would linger after the test, so quit()/drop wait
// for them by pid. Reaping them ourselves would need prctl/waitpid, i.e.
// `unsafe`, which the workspace forbids.

/// `(ppid, state)` of a process from /proc (`None` if gone).
fn proc_stat(pid: u32) -> Option<(u32, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Format: "pid (comm) state ppid ..."; comm may contain spaces/parens.
    let mut rest = stat.get(stat.rfind(')')? + 2..)?.split(' ');
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((ppid, state))
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// `root` plus all its descendants.
fn descendants(root: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = all_pids()
        .into_iter()
        .filter_map(|pid| Some((pid, proc_stat(pid)?.0)))
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while let Some(&parent) = tree.get(i) {
        tree.extend(
            all.iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    tree
}

/// Processes whose command line contains `path`.
fn pids_mentioning(path: &Path) -> Vec<u32> {
    let needle = path.to_string_lossy();
    all_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle.as_ref()))
        })
        .collect()
}

/// True once none of `pids` exists any more, not even as a zombie.
fn all_gone(pids: &[u32]) -> bool {
    pids.iter().all(|&p| proc_stat(p).is_none())
}

/// Last resort after the bounded wait: SIGKILL whatever of `pids` still
/// runs (via kill(1); no `unsafe` here). Dead zombies are left to init.
fn kill_survivors(pids: &[u32]) {
    let mut killed = false;
    for &pid in pids {
        let running = matches!(proc_stat(pid), Some((_, state)) if state != 'Z');
        // Guard against pid reuse: only ever kill Chromium binaries.
        let chromium = std::fs::read_link(format!("/proc/{pid}/exe"))
            .is_ok_and(|exe| exe.to_string_lossy().contains("chrom"));
        if running && chromium {
            eprintln!("webdriver: force-killing leftover browser process {pid}");
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            killed = true;
        }
    }
    if killed {
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    format!("--- chromedriver log tail ({}) ---\n{tail}", path.display())
}
