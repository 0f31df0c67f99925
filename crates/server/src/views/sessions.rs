//! The sign-in page and the API's answer to a sign-in.

use crate::views::page::Nav;
use askama::Template;
use serde::Serialize;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub nav: Nav,
    pub error: Option<String>,
    pub csrf: String,
    pub next: String,
    pub username: String,
    pub demo_logins: Vec<(String, String)>,
}

/// `POST /api/v1/sessions`.
#[derive(Serialize)]
pub struct SessionJson {
    pub token: String,
    pub csrf_token: String,
    pub user: UserJson,
    pub idle_timeout_s: i64,
}

/// A staff account in the API.
#[derive(Serialize)]
pub struct UserJson {
    pub username: String,
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Where they work; empty means every location.
    pub locations: Vec<String>,
}
