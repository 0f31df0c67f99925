//! The HTTP edge: who is asking, reading requests, and errors as responses
//! (JSON for the API, a page for people). Nothing here knows a use case.

pub mod auth;
pub mod error;
pub mod extract;
pub mod fhir;
pub mod page;
pub mod retry;
