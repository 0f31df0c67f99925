//! The second-factor page and the API's answers while enrolling.

use crate::views::page::Nav;
use askama::Template;
use serde::Serialize;

/// `POST /api/v1/me/totp`: the secret for the authenticator app (shown only
/// while enrolling) and the address its QR code holds.
#[derive(Serialize)]
pub struct OfferedJson {
    pub secret: String,
    pub otpauth_uri: String,
}

/// `POST /api/v1/me/totp/confirm`: the recovery codes, shown this once.
#[derive(Serialize)]
pub struct RecoveryCodesJson {
    pub recovery_codes: Vec<String>,
}

/// `/me/second-factor`: set one up (the QR code, then its first code), see
/// that it is on, or, just after confirming, the recovery codes.
#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub nav: Nav,
    /// Their role needs a second factor.
    pub required: bool,
    /// Their session can do nothing else until it is on.
    pub must_enroll: bool,
    /// `off`, `enrolling` or `on`.
    pub state: &'static str,
    /// When it was turned on (the day, in the main location's zone).
    pub since: String,
    pub recovery_codes_left: i64,
    /// While enrolling: the secret in groups of four, for typing into an app.
    pub secret: String,
    pub qr: Option<String>,
    /// Just confirmed: the recovery codes, shown this once.
    pub recovery_codes: Vec<String>,
    pub error: Option<String>,
}

/// The secret as people type it: groups of four characters.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR code of an `otpauth://` address, as an SVG.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}
