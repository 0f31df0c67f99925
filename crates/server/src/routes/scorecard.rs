//! The scorecard: `GET /api/v1/scorecard?location=&from=&to=[&by=][&format=csv]`
//! and the page `/scorecard` (managers and admins; others 403).

use crate::app::scorecard::{self, Ask, Card};
use crate::error::ApiError;
use crate::http::auth::{PageStaff, Staff};
use crate::http::extract::ApiQuery;
use crate::http::page::{PageResult, render_with};
use crate::state::AppState;
use crate::text::{local_time, url_encode};
use crate::views::scorecard::{BehindView, ScorecardJson, ScorecardPage, csv, rule_views};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

pub fn api() -> Router<AppState> {
    Router::new().route("/scorecard", get(api_scorecard))
}

pub fn pages() -> Router<AppState> {
    Router::new().route("/scorecard", get(page))
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageAsk {
    location: Option<String>,
    from: Option<String>,
    to: Option<String>,
    show: Option<String>,
}

/// `/scorecard`: the period's five rules, each with its weekly trend drawn
/// on the server and the number beside it, every figure linked to the visits
/// behind it (`?show=FIGURE`). Bad dates: the default period, with the
/// fields named (422).
async fn page(
    State(state): State<AppState>,
    PageStaff(staff): PageStaff,
    Query(q): Query<PageAsk>,
) -> PageResult {
    let ask = Ask {
        location: q.location.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        by: Some("week".into()),
    };
    let (card, errors) = match scorecard::read(&state, &staff.user, &ask).await {
        Ok(card) => (card, Vec::new()),
        Err(ApiError::InvalidFields(errors)) => {
            let plain = Ask {
                from: None,
                to: None,
                ..ask
            };
            let card = scorecard::read(&state, &staff.user, &plain).await?;
            (card, errors.0.into_iter().collect())
        }
        Err(e) => return Err(e.into()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_with(
        status,
        &page_of(&state, &staff, &card, q.show.as_deref(), errors).await?,
    ))
}

async fn page_of(
    state: &AppState,
    staff: &Staff,
    card: &Card,
    show: Option<&str>,
    errors: Vec<(String, String)>,
) -> Result<ScorecardPage, ApiError> {
    let base = format!(
        "location={}&from={}&to={}",
        url_encode(&card.location.id),
        card.from,
        card.to
    );
    let link = |figure: &str| format!("/scorecard?{base}&show={}#behind", url_encode(figure));
    let zone = card.location.zone();
    let arrived: std::collections::HashMap<i64, frontdesk_domain::Timestamp> = card
        .facts
        .visits
        .iter()
        .map(|v| (v.id, v.arrived_at))
        .collect();
    let show = show.and_then(|figure| {
        card.visits_behind(figure).map(|ids| {
            let list = ids
                .into_iter()
                .map(|id| BehindView {
                    id,
                    arrived: arrived
                        .get(&id)
                        .map(|t| {
                            format!(
                                "{} {}",
                                t.with_timezone(&zone).format("%Y-%m-%d"),
                                local_time(*t, zone)
                            )
                        })
                        .unwrap_or_default(),
                })
                .collect();
            (figure.to_string(), list)
        })
    });
    let locations = state
        .store
        .locations()
        .await?
        .into_iter()
        .filter(|l| staff.user.works_at(&l.id))
        .map(|l| (l.id, l.name))
        .collect();
    Ok(ScorecardPage {
        nav: staff.nav(),
        location: card.location.id.clone(),
        location_name: card.location.name.clone(),
        locations,
        from: card.from.to_string(),
        to: card.to.to_string(),
        errors,
        rules: rule_views(card, &link),
        csv_url: format!("/api/v1/scorecard?{base}&by=week&format=csv"),
        show,
    })
}
