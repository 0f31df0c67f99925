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
    /// Show the field for the second factor's code.
    pub ask_code: bool,
    pub demo_logins: Vec<DemoLogin>,
}

impl LoginPage {
    /// Some demo account signs in with a code.
    pub fn demo_codes(&self) -> bool {
        self.demo_logins.iter().any(|d| d.code.is_some())
    }
}

/// A demo account as the demo's login page lists it, with the code its
/// second factor shows now.
pub struct DemoLogin {
    pub name: String,
    pub password: String,
    pub code: Option<String>,
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
