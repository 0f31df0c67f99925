//! The screens patients see: the self check-in kiosk (shows nothing about
//! anyone else) and the lobby TV (first name and last initial, or a ticket).

use askama::Template;
use frontdesk_domain::{FieldErrors, VisitState};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "kiosk.html")]
pub struct KioskPage {
    pub location: String,
    pub location_name: String,
    pub csrf: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub concern: String,
    /// "Text or email me my link" (shown when messages can be sent).
    pub send_link_to: String,
    pub link_label: Option<&'static str>,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "kiosk_done.html")]
pub struct KioskDone {
    pub location: String,
    pub location_name: String,
    pub given_name: String,
    pub with_appointment: bool,
    /// They had checked in already (a double tap, or a second try).
    pub already: bool,
    /// The code the lobby TV shows in ticket mode.
    pub ticket: String,
    /// The patient's private status page, for a new check-in.
    pub status_url: Option<String>,
    /// The same link as a QR code (inline SVG made here, not from input).
    pub qr: Option<String>,
    /// Where the link is being sent, masked (`a***@example.org`).
    pub sent_to: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KioskForm {
    pub csrf: String,
    pub location: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    /// "Anything you want to make sure we cover today?" (optional).
    pub concern: String,
    /// "Text or email me my link" (optional): a mobile number or an e-mail address.
    pub send_link_to: String,
}

#[derive(Template)]
#[template(path = "tv.html")]
pub struct TvPage {
    pub location: String,
    pub location_name: String,
    pub show: &'static str,
    pub refresh_ms: u64,
    pub rows: Vec<(String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "tv_rows.html")]
pub struct TvRows {
    pub rows: Vec<(String, &'static str, String)>,
}

/// Where a patient is, in words for the lobby.
pub fn tv_status(state: VisitState) -> &'static str {
    match state {
        VisitState::Waiting => "Waiting",
        VisitState::Roomed => "In a room",
        VisitState::WithProvider => "With the provider",
        VisitState::Checkout => "At checkout",
        _ => "",
    }
}
