//! The audit log, for managers and admins: one row per read or change of
//! patient data, newest first, and whether the rows shown hold together as a
//! hash chain (`frontdesk audit verify` checks the whole log).

use crate::error::ApiError;
use crate::http::auth::PageStaff;
use crate::http::page::{PageResult, render};
use crate::state::AppState;
use crate::text::time;
use crate::views::audit::{AuditPage, ChainCheck};
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
    const SHOWN: i64 = 500;
    let entries = state.store.audit_log(SHOWN).await?;
    let chain = state.store.verify_newest_audit_rows(SHOWN).await?;
    Ok(render(&AuditPage {
        nav: staff.nav(),
        chain: ChainCheck::of(&chain),
        entries: entries
            .into_iter()
            .map(|e| (time(e.at), e.actor, e.action, e.subject, e.detail))
            .collect(),
    }))
}
