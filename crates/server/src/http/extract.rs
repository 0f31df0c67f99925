//! Reading requests: JSON bodies and query strings with the API's error
//! shape, ids from the path, the location a request is about, and page forms
//! with their CSRF token checked.

use crate::error::ApiError;
use crate::http::auth::{EnrollingPage, PageStaff, Staff};
use crate::http::page::error_page;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A JSON body: malformed JSON is a 400; a field of the wrong type is a 422
/// that names the field. Any content type is accepted.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest("The request body could not be read".into())
        }
    })
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::BadRequest("Expected a JSON object".into()));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path.is_empty() || path == "." {
            "body".to_string()
        } else {
            path
        };
        let inner = e.into_inner().to_string();
        let message = if inner.contains("invalid type") {
            "Wrong kind of value (expected text)".to_string()
        } else {
            inner
        };
        ApiError::field(&field, &message)
    })
}

/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// A request's retry key: the `Idempotency-Key` an API client sent, or a
/// page form's one-time id, with the route it was sent to and a hash of
/// the request body (see `app::retries`).
#[derive(Debug, Clone)]
pub struct RetryKey {
    pub key: String,
    pub route: String,
    pub request_hash: String,
}

impl RetryKey {
    /// The key as the caller's own.
    pub fn claim(&self, caller: &str) -> crate::app::retries::Once {
        crate::app::retries::Once::new(caller, &self.route, &self.key, &self.request_hash)
    }
}

/// 1 to 255 visible ASCII characters (a UUID is a good choice).
fn checked_key(raw: Option<&[u8]>) -> Result<String, ApiError> {
    let refuse = || {
        ApiError::field(
            crate::app::retries::KEY_FIELD,
            "An Idempotency-Key is 1 to 255 visible characters, such as a UUID",
        )
    };
    let raw = raw.ok_or_else(refuse)?;
    let fine = !raw.is_empty()
        && raw.len() <= MAX_IDEMPOTENCY_KEY
        && raw.iter().all(|b| (0x21..=0x7e).contains(b));
    if !fine {
        return Err(refuse());
    }
    Ok(String::from_utf8_lossy(raw).into_owned())
}

fn body_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A JSON body like [`ApiJson`], with the request's `Idempotency-Key` when
/// it sent one (scoped to `METHOD /path`; a key that is empty, too long or
/// not visible ASCII is a 422 naming `Idempotency-Key`).
pub struct KeyedJson<T> {
    pub input: T,
    pub key: Option<RetryKey>,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for KeyedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let sent: Vec<&[u8]> = req
            .headers()
            .get_all("idempotency-key")
            .iter()
            .map(|v| v.as_bytes())
            .collect();
        let key = match sent.as_slice() {
            [] => None,
            [one] => Some(checked_key(Some(one))?),
            // Two keys: which one would the client expect?
            _ => return Err(checked_key(None).unwrap_err()),
        };
        let route = format!("{} {}", req.method(), req.uri().path());
        let bytes = body_bytes(req, state).await?;
        let input = parse_json(&bytes)?;
        Ok(KeyedJson {
            input,
            key: key.map(|key| RetryKey {
                key,
                route,
                request_hash: body_hash(&bytes),
            }),
        })
    }
}

/// Query parameters; ones that cannot be read are a 400 in the API's shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| {
                ApiError::BadRequest(format!(
                    "The query string could not be read: {}",
                    e.body_text()
                ))
            })
    }
}

/// A record's id from the path (`/visits/{id}`): anything that is not a
/// positive whole number is simply not found.
fn id_in(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

async fn path_id<S: Send + Sync>(parts: &mut Parts, state: &S) -> Option<i64> {
    match Path::<String>::from_request_parts(parts, state).await {
        Ok(Path(raw)) => id_in(&raw),
        // Two segments (`/complaints/{id}/{action}`): the first is the id.
        Err(_) => Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|Path((raw, _))| id_in(&raw)),
    }
}

/// The id in an API path; a JSON 404 when it is not one.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        path_id(parts, state)
            .await
            .map(Id)
            .ok_or(ApiError::NotFound)
    }
}

/// The id in a page's path; the "Not found" page when it is not one.
pub struct PageId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PageId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        path_id(parts, state)
            .await
            .map(PageId)
            .ok_or_else(|| error_page(ApiError::NotFound))
    }
}

/// An optional visit number typed into a form: empty is none; anything but
/// a positive whole number is a field error on `visit_id`.
pub fn visit_number(text: &str, errors: &mut frontdesk_domain::FieldErrors) -> Option<i64> {
    match text.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.add("visit_id", "A visit number is a whole number");
                None
            }
        },
    }
}

/// `?location=ID`; the location `main` (made at the first start) when absent.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LocationQuery {
    pub location: Option<String>,
}

impl LocationQuery {
    pub fn id(&self) -> &str {
        location_or_main(self.location.as_deref())
    }
}

/// A location named in a request, or `main` when it names none.
pub fn location_or_main(given: Option<&str>) -> &str {
    given
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or(frontdesk_domain::MAIN_LOCATION)
}

/// Where the kiosk reached us: the configured public address, else the
/// request's own host (the kiosk is on the practice's network).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfField {
    csrf: String,
}

/// A form posted from a signed-in staff member's page, with its `csrf`
/// field checked against their session: anyone else is sent to the login
/// page, a missing or wrong token is a 403 page, and a form that cannot be
/// read is a 400 page.
pub struct StaffForm<T> {
    pub staff: Staff,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (staff, form) = staff_form(req, state, false).await?;
        Ok(StaffForm { staff, form })
    }
}

/// A form like [`StaffForm`] from a manager or admin who may still be
/// setting up their second factor: that page's forms, and signing out.
pub struct EnrollingForm<T> {
    pub staff: Staff,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for EnrollingForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (staff, form) = staff_form(req, state, true).await?;
        Ok(EnrollingForm { staff, form })
    }
}

async fn staff_form<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
    enrolling: bool,
) -> Result<(Staff, T), Response> {
    let (staff, bytes) = staff_form_bytes(req, state, enrolling).await?;
    let unreadable = |_| error_page(ApiError::BadRequest("The form could not be read".into()));
    let form = serde_urlencoded::from_bytes(&bytes).map_err(unreadable)?;
    Ok((staff, form))
}

/// The signed-in staff member and their form's bytes, its CSRF token checked.
async fn staff_form_bytes(
    req: Request,
    state: &AppState,
    enrolling: bool,
) -> Result<(Staff, Bytes), Response> {
    let (mut parts, body) = req.into_parts();
    let staff = if enrolling {
        EnrollingPage::from_request_parts(&mut parts, state)
            .await?
            .0
    } else {
        PageStaff::from_request_parts(&mut parts, state).await?.0
    };
    let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(IntoResponse::into_response)?;
    let unreadable = |_| error_page(ApiError::BadRequest("The form could not be read".into()));
    let CsrfField { csrf } = serde_urlencoded::from_bytes(&bytes).map_err(unreadable)?;
    if !staff.csrf_ok(&csrf) {
        return Err(error_page(ApiError::Forbidden));
    }
    Ok((staff, bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OnceField {
    once: String,
}

/// A [`StaffForm`] that creates something, with its one-time id (the hidden
/// `once` field its page put in): sent twice (a double click, a resent
/// form), it creates one thing, and the second submit is sent where the
/// first went. `once` is `None` when the form carried no id.
pub struct OnceForm<T> {
    pub staff: Staff,
    pub form: T,
    pub once: Option<RetryKey>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for OnceForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let route = format!("form {}", req.uri().path());
        let (staff, bytes) = staff_form_bytes(req, state, false).await?;
        let unreadable = |_| error_page(ApiError::BadRequest("The form could not be read".into()));
        let form = serde_urlencoded::from_bytes(&bytes).map_err(unreadable)?;
        let OnceField { once } = serde_urlencoded::from_bytes(&bytes).map_err(unreadable)?;
        let once = match once.trim() {
            "" => None,
            id => Some(RetryKey {
                key: checked_key(Some(id.as_bytes())).map_err(error_page)?,
                route,
                request_hash: body_hash(&bytes),
            }),
        };
        Ok(OnceForm { staff, form, once })
    }
}

/// A form that carries nothing but its CSRF token (sign out, acknowledge).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoFields {}

/// The address of whoever is calling: the peer that connected, or behind a
/// trusted proxy the client it forwarded for (`ServerConfig::trusted_proxies`).
/// Only the throttles use it; it is never logged with patient data.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(ClientAddr(
            state.config.trusted_proxies.client(peer, forwarded),
        ))
    }
}
