//! Live updates for staff: `GET /api/v1/events`, a `text/event-stream` of
//! everything that happens where they work (or, with `?location=ID`, at
//! that one location: a board or a TV hears only its own lobby), for as
//! long as the session lives.

use crate::error::ApiError;
use crate::http::auth::Staff;
use crate::http::extract::{ApiQuery, LocationQuery};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::stream::Stream;
use std::convert::Infallible;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

pub fn api() -> Router<AppState> {
    Router::new().route("/events", get(stream))
}

/// `GET /api/v1/events`: a `text/event-stream` of [`LiveEvent`]s for signed-in staff.
async fn stream(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // One location, when asked: one they work at, and one that exists.
    let only = match q
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        Some(l) => Some(state.location(&staff.at(Some(l))?).await?.id),
        None => None,
    };
    let receiver = state.events.subscribe();
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("{}")));
    // Only what happens where they work (or at the one location asked for).
    let user = staff.user.clone();
    let wanted = move |location: &str| match &only {
        Some(only) => only == location,
        None => user.works_at(location),
    };
    let events = BroadcastStream::new(receiver).filter_map(move |item| match item {
        Ok(e) if wanted(&e.location) => Some(Ok(Event::default()
            .event(e.name)
            .data(e.data().to_string()))),
        Ok(_) => None,
        // A slow reader that fell behind just misses events; the page
        // refreshes its rows on the next one.
        Err(_) => None,
    });
    // The stream ends when its session does (sign-out, idle logoff, a
    // disabled account) and when the server shuts down, so an open board
    // neither outlives its login nor holds the server up.
    let mut shutdown = state.shutdown.subscribe();
    // Counted open until the stream is dropped.
    let client = state.metrics.sse_client();
    let end = async move {
        let _client = client;
        let session_over = async {
            loop {
                tokio::time::sleep(state.config.stream_recheck).await;
                let now = state.now();
                let live = state
                    .store
                    .live_session(&staff.token_hash, now, now - state.config.idle_timeout)
                    .await;
                if !matches!(live, Ok(Some(_))) {
                    break;
                }
            }
        };
        tokio::select! {
            _ = session_over => {},
            _ = shutdown.wait_for(|down| *down) => {},
        }
    };
    let stream = futures_util::StreamExt::take_until(hello.chain(events), Box::pin(end));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
