//! The route table, one module per resource. Each exposes `api()` (merged
//! under `/api/v1`, with JSON errors) and/or `pages()` (the HTML pages and
//! their forms); [`crate::router`] merges them. Handlers only read the
//! request, call a use case in `app`, and answer with a view.

pub mod arrival;
pub mod assets;
pub mod audit;
pub mod complaints;
pub mod concerns;
pub mod events;
pub mod fhir;
pub mod kiosks;
pub mod locations;
pub mod me;
pub mod metrics;
pub mod outbox;
pub mod patient;
pub mod promises;
pub mod scorecard;
pub mod screens;
pub mod sessions;
pub mod settings;
pub mod surveys;
pub mod tone;
pub mod users;
pub mod visits;
