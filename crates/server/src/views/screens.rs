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

/// An unpaired browser at `/kiosk`: staff must set it up.
#[derive(Template)]
#[template(path = "kiosk_unpaired.html")]
pub struct KioskUnpaired {
    pub location_name: String,
}

/// A kiosk slowed down after a burst of check-ins.
#[derive(Template)]
#[template(path = "kiosk_busy.html")]
pub struct KioskBusy {
    pub location_name: String,
    pub wait_s: i64,
}

/// The tablet opened a pairing link: pair it, or the link does not work.
#[derive(Template)]
#[template(path = "kiosk_pair.html")]
pub struct KioskPair {
    pub location_name: String,
    pub kiosk_name: Option<String>,
    pub code: String,
}

/// A kiosk's pairing link, shown once to the manager who made it.
#[derive(Template)]
#[template(path = "kiosk_pairing.html")]
pub struct KioskPairing {
    pub nav: crate::views::page::Nav,
    pub location: String,
    pub name: String,
    pub url: String,
    pub qr: Option<String>,
}

/// One kiosk on the settings page.
pub struct KioskRow {
    pub id: i64,
    pub name: String,
    /// "Paired 5 Mar 09:12, last used 10:40", "Waiting for its pairing link", "Revoked".
    pub state: String,
    pub in_service: bool,
    pub revoked: bool,
}
