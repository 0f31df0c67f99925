//! One error type for the server: what went wrong, the HTTP status it means
//! and the API's error code. Use cases return it; `http::error` turns it into
//! the API's JSON and `http::page` into a page. Server faults are logged
//! there and never leak their details to the client.

use axum::http::StatusCode;
use frontdesk_domain::FieldErrors;
use frontdesk_store::{Concern, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("Some fields need attention")]
    InvalidFields(FieldErrors),
    #[error("Sign in first")]
    Unauthenticated,
    #[error("Your role does not allow this")]
    Forbidden,
    #[error("A change made with the sign-in cookie must send the X-CSRF-Token header")]
    CsrfMissing,
    #[error("Username or password is wrong")]
    WrongCredentials,
    /// A manager's or admin's session before they set up a second factor:
    /// it may only do that (or sign out).
    #[error(
        "Managers and admins sign in with a second factor: set yours up first (POST /api/v1/me/totp, or the page /me/second-factor)"
    )]
    SecondFactorEnrollmentRequired,
    /// The password was right and the account has a second factor: a code
    /// is needed (`None`), or the one sent was not accepted (why, for the
    /// `code` field).
    #[error("{}", .0.unwrap_or(SECOND_FACTOR_ASK))]
    SecondFactorRequired(Option<&'static str>),
    #[error("The request body is too large")]
    TooLarge,
    #[error("This address does not accept that method")]
    MethodNotAllowed,
    #[error("Not found")]
    NotFound,
    #[error("{0}")]
    InvalidTransition(String),
    #[error("{0}")]
    Conflict(String),
    /// A checkout stopped by concerns that still need an answer.
    #[error("{}", open_concerns_message(.0))]
    OpenConcerns(Vec<Concern>),
    /// Slowed down: try again after this long.
    #[error("Too many attempts; try again in {}", crate::text::wait_text(*.0))]
    TooManyRequests(chrono::Duration),
    /// No room to do the work now (every password check is busy).
    #[error("The server is busy; try again in a moment")]
    Busy,
    /// The database cannot take the work now (locked, full, unreachable):
    /// nothing was saved, and the same request may be sent again. The
    /// detail is logged, never shown.
    #[error(
        "The service is briefly unavailable and nothing was saved; please try again in a moment"
    )]
    Unavailable(String),
    #[error("Something went wrong on our side")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidFields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::CsrfMissing => StatusCode::FORBIDDEN,
            ApiError::WrongCredentials | ApiError::SecondFactorRequired(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::SecondFactorEnrollmentRequired => StatusCode::FORBIDDEN,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::InvalidTransition(_) | ApiError::Conflict(_) | ApiError::OpenConcerns(_) => {
                StatusCode::CONFLICT
            }
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::InvalidFields(_) => "invalid_fields",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden | ApiError::CsrfMissing => "forbidden",
            ApiError::WrongCredentials => "unauthenticated",
            ApiError::SecondFactorEnrollmentRequired => "second_factor_enrollment_required",
            ApiError::SecondFactorRequired(_) => "second_factor_required",
            ApiError::TooLarge => "bad_request",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::NotFound => "not_found",
            ApiError::InvalidTransition(_) => "invalid_transition",
            ApiError::Conflict(_) => "conflict",
            ApiError::OpenConcerns(_) => "open_concerns",
            ApiError::TooManyRequests(_) => "too_many_requests",
            ApiError::Busy => "busy",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn field(field: &str, message: &str) -> ApiError {
        let mut e = FieldErrors::new();
        e.add(field, message);
        ApiError::InvalidFields(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::InvalidTransition(t) => ApiError::InvalidTransition(t.to_string()),
            StoreError::Refused(m) => ApiError::InvalidTransition(m),
            StoreError::Invalid(fields) => ApiError::InvalidFields(fields),
            StoreError::OpenConcerns(list) => ApiError::OpenConcerns(list),
            StoreError::Unavailable(m) => ApiError::Unavailable(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::InvalidFields(e)
    }
}

/// What a sign-in that needs a code and sent none is told.
pub const SECOND_FACTOR_ASK: &str = "This account signs in with a second factor: send \"code\", the 6-digit code from the authenticator app (or a recovery code)";

/// "Checkout stopped: 2 concerns still need an answer…", naming them.
fn open_concerns_message(list: &[Concern]) -> String {
    let quoted: Vec<String> = list
        .iter()
        .map(|c| {
            let short: String = c.text.chars().take(60).collect();
            let more = if c.text.chars().count() > 60 {
                "…"
            } else {
                ""
            };
            format!("\u{201c}{short}{more}\u{201d} ({})", c.status.as_str())
        })
        .collect();
    format!(
        "Checkout stopped: {} still {} an answer: {}. Answer each, or turn it into a follow-up promise with a due time.",
        if list.len() == 1 {
            "1 concern".to_string()
        } else {
            format!("{} concerns", list.len())
        },
        if list.len() == 1 { "needs" } else { "need" },
        quoted.join("; ")
    )
}
