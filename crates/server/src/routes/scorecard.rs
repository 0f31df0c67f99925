//! The scorecard: `GET /api/v1/scorecard?location=&from=&to=[&by=][&format=csv]`
//! and the page `/scorecard` (managers and admins; others 403).

use crate::app::scorecard::{self, Ask};
use crate::error::ApiError;
use crate::http::auth::Staff;
use crate::http::extract::ApiQuery;
use crate::state::AppState;
use crate::views::scorecard::{ScorecardJson, csv};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new().route("/scorecard", get(api_scorecard))
}

pub fn pages() -> Router<AppState> {
    Router::new()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiAsk {
    #[serde(flatten)]
    ask: Ask,
    format: Option<String>,
}

async fn api_scorecard(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<ApiAsk>,
) -> Result<Response, ApiError> {
    let as_csv = match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::field("format", "Use json or csv")),
    };
    let card = scorecard::read(&state, &staff.user, &q.ask).await?;
    if as_csv {
        let name = format!(
            "attachment; filename=\"scorecard-{}-{}-{}.csv\"",
            card.location.id, card.from, card.to
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
            ],
            csv(&card),
        )
            .into_response());
    }
    Ok(Json(ScorecardJson::of(&card)).into_response())
}
