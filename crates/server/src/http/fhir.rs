//! The FHIR door's HTTP edge: who is asking (the bearer token of an
//! integration or admin account), reading `application/fhir+json` bodies,
//! and every answer (errors included) as FHIR JSON: an error is an
//! OperationOutcome naming what is wrong, never the API's error shape.

use crate::error::ApiError;
use crate::http::auth::Staff;
use crate::secrets::token_hash;
use crate::state::AppState;
use crate::views::fhir::{FHIR_JSON, Issue, field_issues, operation_outcome};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A FHIR answer: a status and a resource, as `application/fhir+json`.
pub struct Fhir(pub StatusCode, pub Value);

impl IntoResponse for Fhir {
    fn into_response(self) -> Response {
        let mut r = (self.0, self.1.to_string()).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
        r
    }
}

/// An error on the FHIR door, answered as an OperationOutcome.
pub struct FhirError(pub ApiError);

impl From<ApiError> for FhirError {
    fn from(e: ApiError) -> Self {
        FhirError(e)
    }
}

impl From<frontdesk_store::StoreError> for FhirError {
    fn from(e: frontdesk_store::StoreError) -> Self {
        FhirError(e.into())
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let e = self.0;
        if let ApiError::Internal(detail) = &e {
            tracing::error!(error = %detail, "FHIR request failed");
        }
        let issues = match &e {
            ApiError::InvalidFields(fields) => field_issues(fields),
            other => vec![Issue {
                severity: "error",
                code: match other {
                    ApiError::Unauthenticated => "login",
                    ApiError::Forbidden => "forbidden",
                    ApiError::NotFound => "not-found",
                    ApiError::BadRequest(_) | ApiError::TooLarge => "structure",
                    ApiError::Conflict(_) | ApiError::InvalidTransition(_) => "conflict",
                    ApiError::MethodNotAllowed => "not-supported",
                    ApiError::TooManyRequests(_) | ApiError::Busy => "throttled",
                    _ => "exception",
                },
                diagnostics: e.to_string(),
                expression: None,
            }],
        };
        let mut r = Fhir(e.status(), operation_outcome(&issues)).into_response();
        if e.status() == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"frontdesk-fhir\""),
            );
        }
        r
    }
}

/// The account of an EHR's interface engine (role `integration`) or an
/// admin, by bearer token only: a browser's cookie is not taken here, so no
/// page can be made to post to it.
pub struct Integrator(pub Staff);

impl FromRequestParts<AppState> for Integrator {
    type Rejection = FhirError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or(ApiError::Unauthenticated)?;
        let hash = token_hash(token);
        let now = state.now();
        let session = state
            .live_session(&hash, now)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if now - session.last_seen_at > chrono::Duration::seconds(30) {
            state.touch_session(&hash, now).await?;
        }
        let staff = Staff {
            user: session.user,
            token_hash: hash,
            csrf_token: session.csrf_token,
            via_cookie: false,
            second_factor: session.second_factor,
        };
        if !staff.user.role.can_use_interop() {
            return Err(ApiError::Forbidden.into());
        }
        if staff.must_enroll() {
            return Err(ApiError::SecondFactorEnrollmentRequired.into());
        }
        Ok(Integrator(staff))
    }
}

/// A FHIR JSON body (`application/fhir+json` or `application/json`; any is
/// read): unreadable JSON is a 400 OperationOutcome.
pub struct FhirBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for FhirBody {
    type Rejection = FhirError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest("The request body could not be read".into())
            }
        })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {e}")))?;
        if !value.is_object() {
            return Err(
                ApiError::BadRequest("Expected a FHIR resource (a JSON object)".into()).into(),
            );
        }
        Ok(FhirBody(value))
    }
}
