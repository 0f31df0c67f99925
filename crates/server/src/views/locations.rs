//! Locations as the API sends them and as the admins' page lists them.

use crate::views::page::Nav;
use askama::Template;
use frontdesk_domain::FieldErrors;
use frontdesk_store::Location;
use serde::Serialize;

/// A location in the API.
#[derive(Serialize)]
pub struct LocationJson {
    pub id: String,
    pub name: String,
    pub time_zone: String,
}

impl LocationJson {
    pub fn of(l: &Location) -> LocationJson {
        LocationJson {
            id: l.id.clone(),
            name: l.name.clone(),
            time_zone: l.time_zone.clone(),
        }
    }
}

/// `GET /api/v1/locations`: the locations the caller works at.
#[derive(Serialize)]
pub struct LocationList {
    pub locations: Vec<LocationJson>,
}

#[derive(Template)]
#[template(path = "locations.html")]
pub struct LocationsPage {
    pub nav: Nav,
    pub notice: Option<String>,
    /// Id, name, time zone.
    pub locations: Vec<(String, String, String)>,
    pub form_id: String,
    pub form_name: String,
    pub form_zone: String,
    pub errors: FieldErrors,
}
