//! Frontdesk over HTTP: staff pages (server-rendered HTML that works without
//! JavaScript), the JSON API under `/api/v1`, live updates by server-sent
//! events, and authentication.
//!
//! The modules are layers, and a module imports only from layers below its
//! own (a test, `tests/layers.rs`, holds every file to this):
//!
//! 1. foundation: `state` (what every handler shares), `config`, `clock`,
//!    `live` (live events), `error`, `secrets` (passwords and tokens), `text`,
//!    `throttle` (the public doors' rate limits), `metrics` (what the process
//!    counts for Prometheus);
//! 2. `app`: the use cases, one function per thing a person does, each one
//!    store transaction; knows nothing of HTTP;
//! 3. `views`: typed JSON bodies and page templates;
//! 4. `http`: who is asking, reading requests, errors as JSON or a page;
//! 5. `routes`: one module per resource, each with its own routers, merged
//!    in [`router`].

pub mod app;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod live;
pub mod metrics;
pub mod routes;
pub mod secrets;
pub mod state;
pub mod text;
pub mod throttle;
pub mod views;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use error::ApiError;

pub use config::{AckOverride, OutboxConfig, ServerConfig, TrustedProxies};
pub use state::AppState;

/// The whole route table: the API under `/api/v1` (bearer token or the
/// session cookie with a CSRF header; JSON errors), then the pages (session
/// cookie; CSRF-checked forms) and the public doors (kiosk, patient links,
/// arrival links, feedback). Each resource's routes are in its `routes` module.
pub fn router(state: AppState) -> Router {
    use routes::*;
    let api = Router::new()
        .merge(sessions::api())
        .merge(me::api())
        .merge(visits::api())
        .merge(arrival::api())
        .merge(surveys::api())
        .merge(scorecard::api())
        .merge(concerns::api())
        .merge(promises::api())
        .merge(complaints::api())
        .merge(settings::api())
        .merge(users::api())
        .merge(locations::api())
        .merge(kiosks::api())
        .merge(outbox::api())
        .merge(tone::api())
        .merge(events::api())
        .merge(assets::api())
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed });
    Router::new()
        // Health: for load balancers and the acceptance check.
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api/v1", api)
        .merge(sessions::pages())
        .merge(me::pages())
        .merge(visits::pages())
        .merge(concerns::pages())
        .merge(promises::pages())
        .merge(complaints::pages())
        .merge(settings::pages())
        .merge(users::pages())
        .merge(locations::pages())
        .merge(kiosks::pages())
        .merge(outbox::pages())
        .merge(audit::pages())
        .merge(screens::pages())
        .merge(surveys::pages())
        .merge(scorecard::pages())
        .merge(patient::pages())
        .merge(arrival::pages())
        .merge(fhir::pages())
        .merge(metrics::pages())
        .merge(assets::pages())
        .fallback(http::page::not_found)
        .route_layer(middleware::from_fn(mark_route))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), count_request))
        .with_state(state)
}

/// The route a request matched, passed to [`count_request`] on the response.
async fn mark_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Count every request for `/metrics`: by route template (never the path
/// itself, so ids and tokens make no labels), method and status, with its time.
async fn count_request(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |m| m.as_str());
    state.metrics.request(
        route,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
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

/// Serve until the process is told to stop (Ctrl-C, SIGTERM).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_until(listener, state, shutdown_signal()).await
}

/// Serve until `stop` completes: warm the quote engine up, start hearing the
/// other servers on a shared database (`app::shared`), run the watcher
/// (which watches only while it holds the watcher lock, see
/// `app::watch::Lease`), and answer requests. On the way out the watcher and
/// the shared channel stop, which lets the watcher lock go.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: AppState,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match app::quotes::warm_up(&state).await {
        Ok(n) => tracing::info!(visits = n, "quote engine warmed up on recent history"),
        Err(e) => tracing::error!(error = %e, "quote engine warm-up failed; quoting from priors"),
    }
    if state.config.outbox.is_on() {
        let how = |c| match state.config.outbox.route(c) {
            Some(config::Route::Smtp) => "smtp",
            Some(config::Route::Webhook) => "webhook",
            None => "off",
        };
        tracing::info!(
            email = how(frontdesk_domain::outbox::MessageChannel::Email),
            sms = how(frontdesk_domain::outbox::MessageChannel::Sms),
            public_url = state.config.public_url.is_some(),
            "outbox on"
        );
    }
    let mut background = Background(app::shared::start(&state).await, state.clone());
    background.0.push(tokio::spawn(app::watch::watch_clocks(
        state.clone(),
        state.config.clock_tick,
    )));
    let app = router(state.clone());
    // The peer's address reaches the throttles (`http::extract::ClientAddr`).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown({
            let state = state.clone();
            async move {
                stop.await;
                // End the event streams so open boards do not hold the server up.
                state.shutdown.send_replace(true);
            }
        })
        .await;
    drop(background);
    result
}

/// The watcher and the shared channel's tasks, stopped however
/// [`serve_until`] ends (also when its future is dropped): the watcher lock's
/// connection closes with them.
struct Background(Vec<tokio::task::JoinHandle<()>>, AppState);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
        self.1
            .watching
            .store(false, std::sync::atomic::Ordering::Release);
    }
}

/// Take HL7 v2 SIU messages over MLLP on `listener` (see `app::hl7`);
/// runs until the process ends.
pub async fn serve_hl7(listener: tokio::net::TcpListener, state: AppState) {
    app::hl7::listen(listener, state).await
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
