//! The audit log page.

use crate::views::page::Nav;
use askama::Template;

/// Newest first: when, who, what, to what, and a short detail.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub nav: Nav,
    pub entries: Vec<(String, String, String, String, String)>,
}
