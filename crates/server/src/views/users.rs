//! The staff accounts page and the API's list of accounts.

use crate::views::page::Nav;
use crate::views::sessions::UserJson;
use askama::Template;
use frontdesk_domain::FieldErrors;
use serde::Serialize;

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub nav: Nav,
    pub notice: Option<String>,
    pub current: String,
    /// Username, role, disabled, where they work ("every location" or a list).
    pub users: Vec<(String, &'static str, bool, String)>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub form_username: String,
    pub form_role: String,
    pub form_locations: String,
    pub errors: FieldErrors,
}

/// `GET /api/v1/users`.
#[derive(Serialize)]
pub struct UserList {
    pub users: Vec<UserJson>,
}
