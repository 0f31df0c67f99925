//! What is compiled into the binary: the stylesheet, the pages' small
//! scripts, and the API's OpenAPI document.

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(stylesheet))
        .route("/static/board.js", get(board_script))
        .route("/static/tv.js", get(tv_script))
        .route("/static/status.js", get(status_script))
        .route("/static/reply.js", get(reply_script))
}

pub fn api() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

/// A static asset, cached briefly by browsers.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        body,
    )
        .into_response()
}

const SCRIPT: &str = "text/javascript; charset=utf-8";

async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    )
}

async fn board_script() -> Response {
    asset(SCRIPT, include_str!("../../static/board.js"))
}

async fn tv_script() -> Response {
    asset(SCRIPT, include_str!("../../static/tv.js"))
}

async fn reply_script() -> Response {
    asset(SCRIPT, include_str!("../../static/reply.js"))
}

async fn status_script() -> Response {
    asset(SCRIPT, include_str!("../../static/status.js"))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../openapi.json"),
    )
}
