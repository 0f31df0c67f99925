//! Frontdesk over HTTP: staff pages (server-rendered HTML that works without
//! JavaScript), the JSON API under `/api/v1`, live updates by server-sent
//! events, and authentication.
//!
//! The route table is in [`router`]; each group of routes lives in its own module.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod complaints;
pub mod concerns;
pub mod error;
pub mod events;
pub mod outbox;
pub mod pages;
pub mod promises;
pub mod screens;
pub mod settings;
pub mod status;
pub mod tone;
pub mod users;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use clock::Clock;
use events::{ClockWatch, LiveEvent};
use frontdesk_domain::{AckPolicy, Timestamp};
use frontdesk_store::Store;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

pub use outbox::OutboxConfig;

/// Acknowledgement durations set by environment variables; when set they win
/// over the stored per-location settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AckOverride {
    pub first_within: Option<chrono::Duration>,
    pub recheck_every: Option<chrono::Duration>,
    pub escalate_after: Option<chrono::Duration>,
}

impl AckOverride {
    pub fn apply(&self, mut policy: AckPolicy) -> AckPolicy {
        if let Some(d) = self.first_within {
            policy.first_within = d;
        }
        if let Some(d) = self.recheck_every {
            policy.recheck_every = d;
        }
        if let Some(d) = self.escalate_after {
            policy.escalate_after = d;
        }
        policy
    }

    pub fn is_set(&self) -> bool {
        self.first_within.is_some() || self.recheck_every.is_some() || self.escalate_after.is_some()
    }
}

/// What the server needs to know beyond its store and clock.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Sign staff out after this long without activity.
    pub idle_timeout: chrono::Duration,
    /// Sign staff out after this long regardless of activity.
    pub session_lifetime: chrono::Duration,
    /// Mark cookies `Secure` (set when serving behind TLS).
    pub secure_cookies: bool,
    pub ack_override: AckOverride,
    /// How often the server evaluates acknowledgement clocks (real time).
    pub clock_tick: std::time::Duration,
    /// Logins shown on the login page (the demo only).
    pub demo_logins: Vec<(String, String)>,
    /// The quantile wait quotes and promise suggestions are made at.
    pub quote_quantile: f64,
    /// How often an open event stream checks that its session is still live.
    pub stream_recheck: std::time::Duration,
    /// How often the patient's status page refreshes itself.
    pub status_refresh: std::time::Duration,
    /// The address patients' phones reach the server at (for QR codes), such
    /// as `https://desk.example-clinic.org`; default: how the kiosk reached it.
    pub public_url: Option<String>,
    /// How messages to patients (their status link) leave: SMTP relay,
    /// webhook, or neither (the default). See `outbox`.
    pub outbox: OutboxConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            idle_timeout: chrono::Duration::minutes(15),
            session_lifetime: chrono::Duration::hours(12),
            secure_cookies: false,
            ack_override: AckOverride::default(),
            clock_tick: std::time::Duration::from_secs(1),
            demo_logins: Vec::new(),
            quote_quantile: 0.9,
            stream_recheck: std::time::Duration::from_secs(15),
            status_refresh: std::time::Duration::from_secs(15),
            public_url: None,
            outbox: OutboxConfig::default(),
        }
    }
}

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: ServerConfig,
    pub events: broadcast::Sender<LiveEvent>,
    pub login_limiter: auth::LoginLimiter,
    pub clock_watch: Mutex<ClockWatch>,
    /// Turns true when the server is shutting down; open event streams end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// When each visit last raised an "upset" alert (at most one an hour).
    pub upset_alerts: Mutex<std::collections::HashMap<i64, Timestamp>>,
    /// Promises whose owner has been reminded (in memory: after a restart a
    /// reminder may be given once more, never missed).
    pub promise_reminders: Mutex<std::collections::HashSet<i64>>,
    /// Sessions checked recently (see `auth::cached_session`).
    pub session_cache:
        Mutex<std::collections::HashMap<String, (frontdesk_store::Session, std::time::Instant)>>,
    /// Locations read recently: they change rarely and are read on every request.
    pub location_cache:
        Mutex<std::collections::HashMap<String, (frontdesk_store::Location, std::time::Instant)>>,
    /// The live quote engine, fed with every arrival and move.
    pub quote_engine: Mutex<frontdesk_domain::quote::QuoteEngine>,
    /// When each session last had a live board refresh audited.
    pub live_audit: Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// An outbox delivery run is going (see `outbox::start_delivery`).
    pub outbox_busy: std::sync::atomic::AtomicBool,
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: ServerConfig) -> AppState {
        let (events, _) = broadcast::channel(4096);
        let quantile = config.quote_quantile;
        AppState(Arc::new(Inner {
            store,
            clock,
            config,
            events,
            login_limiter: auth::LoginLimiter::default(),
            clock_watch: Mutex::new(ClockWatch::default()),
            location_cache: Mutex::new(Default::default()),
            session_cache: Mutex::new(Default::default()),
            upset_alerts: Mutex::new(Default::default()),
            promise_reminders: Mutex::new(Default::default()),
            shutdown: tokio::sync::watch::channel(false).0,
            quote_engine: Mutex::new(frontdesk_domain::quote::QuoteEngine::new(
                frontdesk_domain::quote::QuoteConfig {
                    quantile,
                    ..Default::default()
                },
            )),
            live_audit: Mutex::new(Default::default()),
            outbox_busy: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A location, from a short-lived cache (a few seconds): settings saved
    /// through this server clear it at once; other servers see them within
    /// `LOCATION_CACHE`.
    pub async fn location(
        &self,
        id: &str,
    ) -> Result<frontdesk_store::Location, frontdesk_store::StoreError> {
        const LOCATION_CACHE: std::time::Duration = std::time::Duration::from_secs(5);
        if let Some((loc, at)) = self
            .location_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            && at.elapsed() < LOCATION_CACHE
        {
            return Ok(loc.clone());
        }
        let loc = self.store.location(id).await?;
        // A location's own quote quantile may have changed (here or on another server).
        self.quotes()
            .set_location_quantile(&loc.id, loc.quote_quantile());
        let mut cache = self
            .location_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.len() > 1000 {
            cache.clear();
        }
        cache.insert(id.to_string(), (loc.clone(), std::time::Instant::now()));
        Ok(loc)
    }

    /// Forget cached locations (after their settings change).
    pub fn locations_changed(&self) {
        self.location_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn quotes(&self) -> std::sync::MutexGuard<'_, frontdesk_domain::quote::QuoteEngine> {
        self.quote_engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn publish(&self, event: LiveEvent) {
        // No open streams is fine.
        let _ = self.events.send(event);
    }

    /// The policy in force at a location: stored settings, then environment overrides.
    pub async fn ack_policy(
        &self,
        location: &str,
    ) -> Result<AckPolicy, frontdesk_store::StoreError> {
        let stored = self.location(location).await?.ack_policy;
        Ok(self.config.ack_override.apply(stored))
    }
}

/// The whole route table, top to bottom.
pub fn router(state: AppState) -> Router {
    Router::new()
        // Health: for load balancers and the acceptance check.
        .route("/healthz", get(|| async { "ok" }))
        // JSON API (bearer token; see api.rs).
        .nest("/api/v1", api::router())
        .route("/api/v1/events", get(events::stream))
        // Staff pages (cookie session; see pages.rs).
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/board", get(pages::board))
        .route("/board/rows", get(pages::board_rows))
        .route("/board/check-in", post(pages::check_in_submit))
        .route("/visits/{id}", get(pages::visit_page))
        .route("/visits/{id}/acknowledge", post(pages::acknowledge_submit))
        .route("/visits/{id}/transition", post(pages::transition_submit))
        .route("/visits/{id}/status-link", post(pages::status_link_submit))
        .route("/visits/{id}/concerns", post(concerns::raise_submit))
        .route("/concerns/{id}/answer", post(concerns::answer_submit))
        .route(
            "/complaints",
            get(complaints::page).post(complaints::page_submit),
        )
        .route("/complaints/{id}", get(complaints::detail))
        .route("/complaints/{id}/letter", get(complaints::letter_page))
        .route("/complaints/{id}/{action}", post(complaints::work_submit))
        .route("/concerns/{id}/follow-up", post(concerns::follow_up_submit))
        .route("/audit", get(pages::audit_page))
        .route("/outbox", get(outbox::page))
        .route("/promises", get(promises::page).post(promises::page_submit))
        .route("/promises/{id}/fulfil", post(promises::fulfil_submit))
        .route("/settings", get(settings::settings_page))
        .route("/settings/acknowledgement", post(settings::save_ack))
        .route("/settings/providers", post(settings::save_provider))
        .route("/settings/complaints", post(settings::save_complaints))
        .route("/settings/quotes", post(settings::save_quotes))
        .route("/settings/import", post(settings::import))
        .route(
            "/users",
            get(users::users_page).post(users::add_user_submit),
        )
        .route(
            "/users/{username}/{action}",
            post(users::set_disabled_submit),
        )
        // Patient-facing screens: the public kiosk and the lobby TV.
        .route(
            "/kiosk",
            get(screens::kiosk_page).post(screens::kiosk_submit),
        )
        .route("/tv", get(screens::tv_page))
        // The public feedback form (complaints from anyone, no login).
        .route(
            "/feedback",
            get(complaints::feedback_page).post(complaints::feedback_submit),
        )
        // The patient's private status page (public; the link is the key).
        .route("/s/{token}", get(status::page))
        .route("/s/{token}/status.json", get(status::status_json))
        .route("/s/{token}/stepped-out", post(status::stepped_out))
        .route("/s/{token}/back", post(status::back))
        .route("/s/{token}/question", post(status::question))
        .route("/s/{token}/complaint", post(status::complaint))
        .route(
            "/s/{token}/concerns/{id}/{reply}",
            post(status::concern_reply),
        )
        .route("/tv/rows", get(screens::tv_rows_fragment))
        // Static assets, compiled into the binary.
        .route("/static/app.css", get(pages::stylesheet))
        .route("/static/board.js", get(pages::board_script))
        .route("/static/tv.js", get(pages::tv_script))
        .route("/static/status.js", get(pages::status_script))
        .route("/static/reply.js", get(pages::reply_script))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers every response carries: a strict content security policy, no
/// framing, no sniffing, and no caching of anything but static assets.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Start serving on a bound listener, with the clock watcher running beside
/// it. Returns when the server stops.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    match promises::warm_up(&state).await {
        Ok(n) => tracing::info!(visits = n, "quote engine warmed up on recent history"),
        Err(e) => tracing::error!(error = %e, "quote engine warm-up failed; quoting from priors"),
    }
    if state.config.outbox.is_on() {
        let how = |c| match state.config.outbox.route(c) {
            Some(outbox::Route::Smtp) => "smtp",
            Some(outbox::Route::Webhook) => "webhook",
            None => "off",
        };
        tracing::info!(
            email = how(frontdesk_domain::outbox::MessageChannel::Email),
            sms = how(frontdesk_domain::outbox::MessageChannel::Sms),
            public_url = state.config.public_url.is_some(),
            "outbox on"
        );
    }
    let watcher = tokio::spawn(events::watch_clocks(state.clone(), state.config.clock_tick));
    let app = router(state.clone());
    let result = axum::serve(listener, app)
        .with_graceful_shutdown({
            let state = state.clone();
            async move {
                shutdown_signal().await;
                // End the event streams so open boards do not hold the server up.
                state.shutdown.send_replace(true);
            }
        })
        .await;
    watcher.abort();
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Usernames and other free text are written to logs with control characters
/// escaped, so nobody can forge log lines.
pub fn log_safe(text: &str) -> String {
    text.chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect()
}
