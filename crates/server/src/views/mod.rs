//! What responses look like: typed JSON bodies (each field named as the API
//! sends it) and the askama templates of the pages, built from domain and
//! store records. Askama escapes every value, so a patient named `<script>`
//! is shown as text.

pub mod arrival;
pub mod audit;
pub mod complaints;
pub mod concerns;
pub mod fhir;
pub mod locations;
pub mod outbox;
pub mod page;
pub mod patient;
pub mod promises;
pub mod scorecard;
pub mod screens;
pub mod second_factor;
pub mod sessions;
pub mod settings;
pub mod surveys;
pub mod tone;
pub mod users;
pub mod visits;
