//! Live updates for staff: `GET /api/v1/events`, a `text/event-stream` of
//! everything that happens, for as long as the session lives.

use crate::http::auth::Staff;
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
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.events.subscribe();
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("{}")));
    // Only what happens where they work.
    let user = staff.user.clone();
    let events = BroadcastStream::new(receiver).filter_map(move |item| match item {
        Ok(e) if user.works_at(&e.location) => Some(Ok(Event::default()
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
    Sse::new(stream).keep_alive(KeepAlive::default())
}
