//! What every page shares: the header (who is signed in, what they may
//! open) and the plain message page used for errors.

use askama::Template;
use frontdesk_domain::FieldErrors;
use frontdesk_store::StaffUser;

/// What the header of every page needs.
pub struct Nav {
    pub username: Option<String>,
    pub role: String,
    pub csrf: String,
    pub is_manager: bool,
    pub is_admin: bool,
    /// Where their pages open: the first location they work at, or `main`.
    pub home: String,
}

impl Nav {
    /// Nobody signed in (the login page, an error page).
    pub fn anonymous() -> Nav {
        Nav {
            username: None,
            role: String::new(),
            csrf: String::new(),
            is_manager: false,
            is_admin: false,
            home: frontdesk_domain::MAIN_LOCATION.to_string(),
        }
    }

    pub fn signed_in(user: &StaffUser, csrf: &str) -> Nav {
        Nav {
            username: Some(user.username.clone()),
            role: user.role.label().to_string(),
            csrf: csrf.to_string(),
            is_manager: user.role.can_change_settings(),
            is_admin: user.role.can_manage_users(),
            home: user
                .locations
                .first()
                .cloned()
                .unwrap_or_else(|| frontdesk_domain::MAIN_LOCATION.to_string()),
        }
    }
}

/// A heading and a sentence: errors and refusals as a person reads them.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub nav: Nav,
    pub heading: String,
    pub message: String,
}

/// Field errors as one line for a page banner: "due at: Time not understood; kind: …".
pub fn fields_in_words(errors: &FieldErrors) -> String {
    errors
        .0
        .iter()
        .map(|(k, v)| format!("{}: {v}", k.replace('_', " ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A time in the location's zone, as pages show it.
pub fn local(t: frontdesk_domain::Timestamp, zone: chrono_tz::Tz, format: &str) -> String {
    t.with_timezone(&zone).format(format).to_string()
}
