//! The audit log, for managers and admins: one row per read or change of
//! patient data, newest first.

use crate::error::ApiError;
use crate::http::auth::PageStaff;
use crate::http::page::{PageResult, render};
use crate::state::AppState;
use crate::text::time;
use crate::views::audit::AuditPage;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

pub fn pages() -> Router<AppState> {
    Router::new().route("/audit", get(page))
}

async fn page(State(state): State<AppState>, PageStaff(staff): PageStaff) -> PageResult {
    if !staff.user.role.can_change_settings() {
        return Err(ApiError::Forbidden.into());
    }
    let entries = state.store.audit_log(500).await?;
    Ok(render(&AuditPage {
        nav: staff.nav(),
        entries: entries
            .into_iter()
            .map(|e| (time(e.at), e.actor, e.action, e.subject, e.detail))
            .collect(),
    }))
}
