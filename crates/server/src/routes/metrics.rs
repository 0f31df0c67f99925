//! `GET /metrics`: Prometheus text, for a scraper that sends
//! `Authorization: Bearer` with `FRONTDESK_METRICS_TOKEN`. Without a
//! configured token the route is not there (404); a missing or wrong token
//! is 401.

use crate::app::metrics;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn pages() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.config.metrics_token else {
        return crate::http::page::not_found().await;
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::secrets::same(token, sent.trim()) {
        let mut r = (
            StatusCode::UNAUTHORIZED,
            "Send Authorization: Bearer with the metrics token\n",
        )
            .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"frontdesk-metrics\""),
        );
        return r;
    }
    match metrics::scrape(&state).await {
        Ok(text) => {
            let mut r = (StatusCode::OK, text).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics scrape failed");
            (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable\n").into_response()
        }
    }
}
