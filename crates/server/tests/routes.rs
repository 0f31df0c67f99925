//! Every route of the router, walked for each role and for own and other
//! location: one row per route in [`ROUTES`] says who may call it, whether it
//! is location-scoped and what an allowed caller gets; the test finds every
//! `.route("PATH", get(..).post(..))` in `src/routes/*.rs` (and `/healthz` in
//! `src/lib.rs`) and fails on a route without a row, or a row without a route.
//!
//! For each row it sends, in this order (denied callers first, so that what
//! an allowed call changes spoils no other check):
//!
//! - nobody signed in: 401 on the API (and the board's and TV's fragments),
//!   a redirect to `/login` on a staff page; a public route answers its
//!   status, a patient's link or a pairing code answers 404 when wrong, the
//!   kiosk 403 on a browser that was not paired;
//! - `desk`, `doc`, `boss` and `root` (front desk, clinician, manager, admin,
//!   working everywhere) whose role the row does not let in: 403;
//! - `nora`, `noel`, `nell` and `nico` (the same roles, working only at
//!   `north`) against the fixtures at `main`: on a scoped row, the row's
//!   other-location status (404 like a wrong id, or 422 "Unknown location"
//!   where the location is named in the body), or 403/404 when their role is
//!   not let in either; on an unscoped row, what their role gets anywhere;
//! - `mona`, a manager who has not set up her second factor: only the
//!   enrollment rows and signing out let her in (403
//!   `second_factor_enrollment_required` on the API, a redirect to
//!   `/me/second-factor` from a page);
//! - the callers the row lets in: its status (or, after `/`, the status a
//!   caller whose second factor is already on gets).
//!
//! No answer may be a 500. Staff call the API with a bearer token and pages
//! with a session cookie, page forms carrying the session's CSRF token, so the
//! role and location checks are what answers, not the CSRF check. A second
//! walk gives every path parameter odd values (not a number, out of range,
//! an encoded slash or NUL, 2,000 digits) as a caller the row lets in: 404,
//! never a 500.
//!
//! # Adding a row
//!
//! One line in [`ROUTES`], in the order of the router, with these columns:
//!
//! ```text
//! surface METHOD "/path/as/in/the/router"  who  other  send  body  => status [/ status_if_second_factor_on] [fresh];
//! ```
//!
//! - surface: `api` (in a module's `api()`, under `/api/v1`), `page` (in
//!   `pages()`), or `frag` (in `pages()`, but read by a page's script with the
//!   `Staff` extractor, so 401 rather than a redirect when signed out);
//! - who: `public`, `link` (a patient's status or arrival link), `pairing` (a kiosk's
//!   pairing code), `kiosk` (a paired tablet), `enrolling` (any staff, even a
//!   manager or admin still setting up a second factor), `staff` (any role),
//!   `owner` (a complaint's owner, managers and admins: the fixtures'
//!   complaints are owned by `boss`, so front desk and clinicians get 403),
//!   `managers` (managers and admins), `admins`;
//! - other: what a north-only caller gets for the `main` resource the row
//!   sends (`404`, or `422` when the location is named in the body), or `-`
//!   when the route is not location-scoped;
//! - send: the request path with fixtures in braces (`{visit}`, `{concern}`,
//!   `{complaint}` owned by boss, `{resolved}` a resolved complaint,
//!   `{kiosk}`, `{user}` a front desk account at main only, `{link}` a status
//!   link's token, `{pairing}` a live pairing code, `{expected}` an
//!   appointment later today not yet checked in, `{arrival}` an arrival
//!   link's token, `{survey}` a survey link's token; `{new_promise}`, `{new_kiosk}`, `{new_pairing}`,
//!   `{new_arrival}` are made afresh for every call), and a
//!   query such as `?location=main`; `_` when it is the path itself;
//! - body: `none`, `json "…"`, `form "a=1&b="` (a staff caller's CSRF token
//!   is added), `multipart "a=1"` (likewise), `login "…"` (the login form's
//!   own token and cookie are added), `kiosk "…"` (the kiosk form's);
//!   prefer a body that is refused for its content (an empty one: 422), so
//!   the call changes nothing and every caller sees the same state;
//! - `fresh`: the call ends the caller's session, so each caller signs in
//!   anew for it.
//!
//! A route that needs a new kind of fixture:
//! make it at `main` in `setup` (or in `make`, for one made afresh per call)
//! and name it in braces. Then run `cargo test -p frontdesk-server --test
//! routes`: it names every call that answered otherwise.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use support::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Surface {
    Api,
    Page,
    Frag,
    /// The FHIR door (in `pages()`, bearer token, every answer FHIR JSON:
    /// errors are OperationOutcomes).
    Fhir,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Public,
    Link,
    Pairing,
    Kiosk,
    Enrolling,
    Staff,
    Owner,
    Managers,
    Admins,
    /// Integration accounts and admins (the FHIR door).
    Integration,
}

impl Who {
    /// Whether a staff member of this role is let in (second factor on).
    fn lets_in(self, role: &str) -> bool {
        match self {
            // An integration account is no staff member.
            Who::Enrolling | Who::Staff => role != "integration",
            Who::Owner | Who::Managers => matches!(role, "manager" | "admin"),
            Who::Admins => role == "admin",
            Who::Integration => matches!(role, "integration" | "admin"),
            Who::Public | Who::Link | Who::Pairing | Who::Kiosk => false,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Body {
    None,
    Json(&'static str),
    Form(&'static str),
    Multipart(&'static str),
    Login(&'static str),
    Kiosk(&'static str),
}

#[derive(Debug)]
struct Row {
    surface: Surface,
    method: &'static str,
    path: &'static str,
    who: Who,
    other: Option<u16>,
    send: &'static str,
    body: Body,
    ok: u16,
    ok_enrolled: Option<u16>,
    fresh: bool,
}

macro_rules! surface {
    (api) => {
        Surface::Api
    };
    (page) => {
        Surface::Page
    };
    (frag) => {
        Surface::Frag
    };
    (fhir) => {
        Surface::Fhir
    };
}

macro_rules! who {
    (public) => {
        Who::Public
    };
    (link) => {
        Who::Link
    };
    (pairing) => {
        Who::Pairing
    };
    (kiosk) => {
        Who::Kiosk
    };
    (enrolling) => {
        Who::Enrolling
    };
    (staff) => {
        Who::Staff
    };
    (owner) => {
        Who::Owner
    };
    (managers) => {
        Who::Managers
    };
    (admins) => {
        Who::Admins
    };
    (integration) => {
        Who::Integration
    };
}

macro_rules! other {
    (-) => {
        None
    };
    ($status:literal) => {
        Some($status)
    };
}

macro_rules! send {
    (_) => {
        ""
    };
    ($path:literal) => {
        $path
    };
}

macro_rules! body {
    (none) => {
        Body::None
    };
    (json $b:literal) => {
        Body::Json($b)
    };
    (form $b:literal) => {
        Body::Form($b)
    };
    (multipart $b:literal) => {
        Body::Multipart($b)
    };
    (login $b:literal) => {
        Body::Login($b)
    };
    (kiosk $b:literal) => {
        Body::Kiosk($b)
    };
}

macro_rules! opt {
    () => {
        None
    };
    ($status:literal) => {
        Some($status)
    };
}

macro_rules! fresh {
    () => {
        false
    };
    (fresh) => {
        true
    };
}

macro_rules! routes {
    ($($surface:ident $method:ident $path:literal $who:ident $other:tt $send:tt $kind:ident $($body:literal)?
        => $ok:literal $(/ $enrolled:literal)? $($fresh:ident)?;)*) => {
        &[$(Row {
            surface: surface!($surface),
            method: stringify!($method),
            path: $path,
            who: who!($who),
            other: other!($other),
            send: send!($send),
            body: body!($kind $($body)?),
            ok: $ok,
            ok_enrolled: opt!($($enrolled)?),
            fresh: fresh!($($fresh)?),
        }),*]
    };
}

/// Every route, who may call it and what the test sends (see the module's
/// comment for the columns).
const ROUTES: &[Row] = routes! {
    // surface method path                             who       other send  body => status
    // Lists without a location (users, locations, outbox, events) are not
    // scoped: they show each caller only what is at their locations.
    //
    // The API, `/api/v1`.
    api  POST   "/api/v1/sessions"                     public    -   _  json "{}" => 422;
    api  DELETE "/api/v1/sessions"                     enrolling -   _  none => 204 fresh;
    api  POST   "/api/v1/me/totp"                      enrolling -   _  none => 200 / 409;
    api  POST   "/api/v1/me/totp/confirm"              enrolling -   _  json "{}" => 422;
    api  POST   "/api/v1/visits"                       staff     422 _  json r#"{"given_name":"Walk","family_name":"In","location":"main"}"# => 201;
    api  GET    "/api/v1/visits/{id}"                  staff     404 "/api/v1/visits/{visit}"  none => 200;
    api  POST   "/api/v1/visits/{id}/arrival-link"     staff     404 "/api/v1/visits/{expected}/arrival-link"  none => 201;
    // No outbox in the test app: nothing can be sent, and nothing is made.
    api  POST   "/api/v1/visits/{id}/arrival-link/send" staff    404 "/api/v1/visits/{expected}/arrival-link/send"  json "{}" => 409;
    api  POST   "/api/v1/surveys/{token}"              link      -   "/api/v1/surveys/{survey}"  json "{}" => 422;
    api  GET    "/api/v1/scorecard"                    managers  404 "/api/v1/scorecard?location=main"  none => 200;
    api  POST   "/api/v1/visits/{id}/acknowledgements" staff     404 "/api/v1/visits/{visit}/acknowledgements"  none => 201;
    api  POST   "/api/v1/visits/{id}/transitions"      staff     404 "/api/v1/visits/{visit}/transitions"  json r#"{"to":"waiting"}"# => 409;
    api  GET    "/api/v1/lobby"                        staff     404 "/api/v1/lobby?location=main"  none => 200;
    api  GET    "/api/v1/visits/{id}/concerns"         staff     404 "/api/v1/visits/{visit}/concerns"  none => 200;
    api  POST   "/api/v1/visits/{id}/concerns"         staff     404 "/api/v1/visits/{visit}/concerns"  json r#"{"text":"Is my X-ray ready?"}"# => 201;
    api  GET    "/api/v1/concerns"                     staff     404 "/api/v1/concerns?location=main"  none => 200;
    api  POST   "/api/v1/concerns/{id}/answer"         staff     404 "/api/v1/concerns/{concern}/answer"  json "{}" => 422;
    api  POST   "/api/v1/concerns/{id}/follow-up"      staff     404 "/api/v1/concerns/{concern}/follow-up"  json r#"{"kind":"seen_by"}"# => 422;
    api  GET    "/api/v1/promises"                     staff     404 "/api/v1/promises?location=main"  none => 200;
    api  POST   "/api/v1/promises"                     staff     422 _  json r#"{"kind":"callback","location":"main"}"# => 201;
    api  POST   "/api/v1/promises/{id}/fulfil"         staff     404 "/api/v1/promises/{new_promise}/fulfil"  none => 200;
    api  GET    "/api/v1/complaints"                   staff     404 "/api/v1/complaints?location=main"  none => 200;
    api  POST   "/api/v1/complaints"                   staff     422 _  json r#"{"text":"Nobody called me back.","channel":"phone","location":"main"}"# => 201;
    api  GET    "/api/v1/complaints/{id}"              owner     404 "/api/v1/complaints/{complaint}"  none => 200;
    api  GET    "/api/v1/complaints/{id}/letter"       owner     404 "/api/v1/complaints/{resolved}/letter"  none => 200;
    api  POST   "/api/v1/complaints/{id}/{action}"     owner     404 "/api/v1/complaints/{complaint}/pause"  json "{}" => 422;
    // Every location's providers (names, no patient data).
    api  GET    "/api/v1/providers"                    staff     -   _  none => 200;
    api  POST   "/api/v1/providers"                    managers  422 _  json r#"{"id":"dr-kim","name":"Dr. Kim","location":"main"}"# => 201;
    api  GET    "/api/v1/settings/acknowledgement"     managers  404 "/api/v1/settings/acknowledgement?location=main"  none => 200;
    api  PUT    "/api/v1/settings/acknowledgement"     managers  404 "/api/v1/settings/acknowledgement?location=main"  json "{}" => 422;
    api  GET    "/api/v1/settings/quotes"              staff     404 "/api/v1/settings/quotes?location=main"  none => 200;
    api  PUT    "/api/v1/settings/quotes"              managers  404 "/api/v1/settings/quotes?location=main"  json r#"{"quantile":2}"# => 422;
    api  GET    "/api/v1/settings/complaints"          staff     404 "/api/v1/settings/complaints?location=main"  none => 200;
    api  PUT    "/api/v1/settings/complaints"          managers  404 "/api/v1/settings/complaints?location=main"  json r#"{"website":"not a website"}"# => 422;
    api  GET    "/api/v1/settings/survey"              managers  404 "/api/v1/settings/survey?location=main"  none => 200;
    api  PUT    "/api/v1/settings/survey"              managers  404 "/api/v1/settings/survey?location=main"  json r#"{"delay":"soon"}"# => 422;
    api  GET    "/api/v1/users"                        admins    -   _  none => 200;
    api  POST   "/api/v1/users"                        admins    422 _  json r#"{"username":"mel","role":"front_desk","password":"correct horse battery","locations":["main"]}"# => 201;
    api  GET    "/api/v1/locations"                    staff     -   _  none => 200;
    // Any admin adds a location (where they do not work, unless they work everywhere).
    api  POST   "/api/v1/locations"                    admins    -   _  json "{}" => 422;
    api  GET    "/api/v1/kiosks"                       managers  404 "/api/v1/kiosks?location=main"  none => 200;
    api  POST   "/api/v1/kiosks"                       managers  404 _  json r#"{"name":"","location":"main"}"# => 422;
    api  POST   "/api/v1/kiosks/{id}/pairing"          managers  404 "/api/v1/kiosks/{kiosk}/pairing"  none => 200;
    api  POST   "/api/v1/kiosks/{id}/rename"           managers  404 "/api/v1/kiosks/{kiosk}/rename"  json "{}" => 422;
    api  POST   "/api/v1/kiosks/{id}/revoke"           managers  404 "/api/v1/kiosks/{new_kiosk}/revoke"  none => 200;
    api  GET    "/api/v1/outbox"                       admins    -   _  none => 200;
    api  POST   "/api/v1/tone"                         staff     -   _  json "{}" => 422;
    api  GET    "/api/v1/events"                       staff     -   _  none => 200;
    api  GET    "/api/v1/openapi.json"                 public    -   _  none => 200;

    // Pages, forms and the public doors.
    page GET    "/healthz"                             public    -   _  none => 200;
    page GET    "/"                                    public    -   _  none => 303;
    page GET    "/login"                               public    -   _  none => 200;
    page POST   "/login"                               public    -   _  login "username=&password=" => 422;
    page POST   "/logout"                              enrolling -   _  form "" => 303 fresh;
    page GET    "/me/second-factor"                    enrolling -   _  none => 200;
    page POST   "/me/second-factor/start"              enrolling -   _  form "" => 303 / 409;
    page POST   "/me/second-factor/confirm"            enrolling -   _  form "code=" => 422;
    page GET    "/board"                               staff     404 "/board?location=main"  none => 200;
    frag GET    "/board/rows"                          staff     404 "/board/rows?location=main"  none => 200;
    page POST   "/board/check-in"                      staff     404 _  form "location=main&given_name=&family_name=" => 422;
    page GET    "/visits/{id}"                         staff     404 "/visits/{visit}"  none => 200;
    page POST   "/visits/{id}/acknowledge"             staff     404 "/visits/{visit}/acknowledge"  form "" => 303;
    page POST   "/visits/{id}/transition"              staff     404 "/visits/{visit}/transition"  form "to=waiting" => 409;
    page POST   "/visits/{id}/status-link"             staff     404 "/visits/{visit}/status-link"  form "" => 200;
    page POST   "/visits/{id}/concerns"                staff     404 "/visits/{visit}/concerns"  form "text=Is+my+X-ray+ready%3F" => 303;
    page POST   "/concerns/{id}/answer"                staff     404 "/concerns/{concern}/answer"  form "text=" => 422;
    page POST   "/concerns/{id}/follow-up"             staff     404 "/concerns/{concern}/follow-up"  form "kind=seen_by" => 422;
    page GET    "/promises"                            staff     404 "/promises?location=main"  none => 200;
    page POST   "/promises"                            staff     404 _  form "location=main&kind=callback" => 303;
    page POST   "/promises/{id}/fulfil"                staff     404 "/promises/{new_promise}/fulfil"  form "" => 303;
    page GET    "/complaints"                          staff     404 "/complaints?location=main"  none => 200;
    page POST   "/complaints"                          staff     404 _  form "location=main" => 422;
    page GET    "/complaints/{id}"                     owner     404 "/complaints/{complaint}"  none => 200;
    page GET    "/complaints/{id}/letter"              owner     404 "/complaints/{resolved}/letter"  none => 200;
    page POST   "/complaints/{id}/{action}"            owner     404 "/complaints/{complaint}/pause"  form "" => 422;
    page GET    "/feedback"                            public    -   _  none => 200;
    page POST   "/feedback"                            public    -   _  form "location=main" => 422;
    page GET    "/settings"                            managers  404 "/settings?location=main"  none => 200;
    page POST   "/settings/acknowledgement"            managers  404 _  form "location=main" => 422;
    page POST   "/settings/providers"                  managers  404 _  form "location=main" => 422;
    page POST   "/settings/complaints"                 managers  404 _  form "location=main&website=not+a+website" => 422;
    page POST   "/settings/quotes"                     managers  404 _  form "location=main&percent=abc" => 422;
    page POST   "/settings/survey"                     managers  404 _  form "location=main&delay=soon" => 422;
    page GET    "/scorecard"                           managers  404 "/scorecard?location=main"  none => 200;
    page POST   "/settings/import"                     managers  -   _  multipart "skip_bad_rows=" => 422;
    page GET    "/users"                               admins    -   _  none => 200;
    page POST   "/users"                               admins    422 _  form "username=mae&role=front_desk&password=correct+horse+battery&locations=main" => 303;
    page POST   "/users/{username}/{action}"           admins    404 "/users/{user}/enable"  form "" => 303;
    page GET    "/locations"                           admins    -   _  none => 200;
    page POST   "/locations"                           admins    -   _  form "" => 422;
    page POST   "/settings/kiosks"                     managers  404 _  form "location=main&name=" => 422;
    page POST   "/settings/kiosks/{id}/pairing"        managers  404 "/settings/kiosks/{kiosk}/pairing"  form "" => 200;
    page POST   "/settings/kiosks/{id}/rename"         managers  404 "/settings/kiosks/{kiosk}/rename"  form "name=" => 422;
    page POST   "/settings/kiosks/{id}/revoke"         managers  404 "/settings/kiosks/{new_kiosk}/revoke"  form "" => 303;
    page GET    "/outbox"                              admins    -   _  none => 200;
    // The audit log is practice-wide: its rows have no location yet.
    page GET    "/audit"                               managers  -   _  none => 200;
    page GET    "/kiosk"                               kiosk     -   _  none => 200;
    page POST   "/kiosk"                               kiosk     -   _  kiosk "given_name=&family_name=&date_of_birth=" => 422;
    page GET    "/kiosk/pair/{code}"                   pairing   -   "/kiosk/pair/{pairing}"  none => 200;
    page POST   "/kiosk/pair/{code}"                   pairing   -   "/kiosk/pair/{new_pairing}"  none => 303;
    page GET    "/tv"                                  staff     404 "/tv?location=main"  none => 200;
    frag GET    "/tv/rows"                             staff     404 "/tv/rows?location=main"  none => 200;
    page GET    "/s/{token}"                           link      -   "/s/{link}"  none => 200;
    page GET    "/s/{token}/status.json"               link      -   "/s/{link}/status.json"  none => 200;
    page POST   "/s/{token}/stepped-out"               link      -   "/s/{link}/stepped-out"  none => 303;
    page POST   "/s/{token}/back"                      link      -   "/s/{link}/back"  none => 303;
    page POST   "/s/{token}/question"                  link      -   "/s/{link}/question"  form "text=" => 422;
    page POST   "/s/{token}/complaint"                 link      -   "/s/{link}/complaint"  form "text=" => 422;
    page POST   "/s/{token}/concerns/{id}/{reply}"     link      -   "/s/{link}/concerns/{concern}/confirm"  form "note=" => 303;
    page GET    "/a/{token}"                           link      -   "/a/{arrival}"  none => 200;
    page POST   "/a/{token}/here"                      link      -   "/a/{new_arrival}/here"  none => 303;
    page POST   "/a/{token}/late"                      link      -   "/a/{arrival}/late"  form "minutes=" => 422;
    page POST   "/a/{token}/cant-come"                 link      -   "/a/{arrival}/cant-come"  form "" => 200;
    page GET    "/survey/{token}"                      link      -   "/survey/{survey}"  none => 200;
    page POST   "/survey/{token}"                      link      -   "/survey/{survey}"  form "overall=" => 422;
    page GET    "/survey/{token}/stop"                 link      -   "/survey/{survey}/stop"  none => 200;
    page POST   "/survey/{token}/stop"                 link      -   "/survey/{survey}/stop"  none => 200;
    page POST   "/visits/{id}/arrival-link"            staff     404 "/visits/{expected}/arrival-link"  form "" => 200;
    page POST   "/visits/{id}/arrival-link/send"       staff     404 "/visits/{expected}/arrival-link/send"  form "" => 409;
    // FHIR R4: integration accounts and admins, by bearer token; the
    // CapabilityStatement is public, as FHIR servers' are.
    fhir GET    "/fhir/r4/metadata"                    public    -   _  none => 200;
    fhir POST   "/fhir/r4"                             integration -  _  json "{}" => 422;
    fhir GET    "/fhir/r4/Appointment"                 integration 404 "/fhir/r4/Appointment?date=2026-03-05&location=main"  none => 200;
    fhir PUT    "/fhir/r4/Appointment/{id}"            integration 404 "/fhir/r4/Appointment/{expected}"  json "{}" => 422;
    fhir GET    "/fhir/r4/Encounter"                   integration 404 "/fhir/r4/Encounter?date=2026-03-05&location=main"  none => 200;
    // Prometheus text, only with a metrics token configured (none here: 404).
    page GET    "/metrics"                             public    -   _  none => 404;
    page GET    "/static/app.css"                      public    -   _  none => 200;
    page GET    "/static/board.js"                     public    -   _  none => 200;
    page GET    "/static/tv.js"                        public    -   _  none => 200;
    page GET    "/static/status.js"                    public    -   _  none => 200;
    page GET    "/static/reply.js"                     public    -   _  none => 200;
};

// --- the routes in the source ---

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Where a route was found: its file, and whether it is in the API.
#[derive(Debug, Clone)]
struct Found {
    file: String,
    api: bool,
}

/// Every `(METHOD, full path)` routed in `src/routes/*.rs` and `src/lib.rs`.
fn source_routes() -> BTreeMap<(String, String), Found> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let consts = string_consts(&src);
    let lib = code_of(&src.join("lib.rs"));
    assert!(
        lib.contains(".nest(\"/api/v1\", api)"),
        "lib.rs no longer nests the API routers under /api/v1: teach tests/routes.rs the new shape"
    );
    let mut files: Vec<_> = std::fs::read_dir(src.join("routes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        assert!(
            f.extension().is_some_and(|e| e == "rs"),
            "{} in src/routes: tests/routes.rs reads only the .rs files there; teach it this",
            f.display()
        );
    }
    let mut found = BTreeMap::new();
    let mut add = |method: String, path: String, f: Found| {
        if let Some(before) = found.insert((method.clone(), path.clone()), f.clone()) {
            panic!(
                "{method} {path} is routed twice ({} and {})",
                before.file, f.file
            );
        }
    };
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs");
        let code = code_of(file);
        for bad in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !code.contains(bad),
                "routes/{name} uses {bad}: tests/routes.rs reads only .route(\"PATH\", …) calls; teach it this"
            );
        }
        for f in ["api", "pages"] {
            let defined = code.contains(&format!("fn {f}()"));
            let merged = lib.contains(&format!("{module}::{f}()"));
            assert_eq!(
                defined, merged,
                "routes/{name}: fn {f}() defined: {defined}, merged in lib.rs: {merged}"
            );
        }
        for (method, path, in_fn) in route_calls(&code, &consts, &name) {
            let api = match in_fn.as_str() {
                "api" => true,
                "pages" => false,
                other => panic!(
                    "routes/{name}: a .route( call in fn {other}(); tests/routes.rs expects them in fn api() or fn pages()"
                ),
            };
            let full = if api { format!("/api/v1{path}") } else { path };
            let file = format!("src/routes/{name}");
            add(method, full, Found { file, api });
        }
    }
    for (method, path, in_fn) in route_calls(&lib, &consts, "lib.rs") {
        assert_eq!(
            in_fn, "router",
            "lib.rs: a .route( call outside fn router()"
        );
        let file = "src/lib.rs".to_string();
        add(method, path, Found { file, api: false });
    }
    found
}

/// A file's text without its comment lines.
fn code_of(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `const NAME: &str = "…";` anywhere in the crate, for route paths named by a constant.
fn string_consts(dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(string_consts(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let line = line.trim_start().trim_start_matches("pub ");
                let Some(rest) = line.strip_prefix("const ") else {
                    continue;
                };
                let Some((name, value)) = rest.split_once(": &str = \"") else {
                    continue;
                };
                if let Some(value) = value.strip_suffix("\";") {
                    out.insert(name.trim().to_string(), value.to_string());
                }
            }
        }
    }
    out
}

/// The text from `open` (just after an opening parenthesis) to its closing
/// one, skipping string literals; and the index after the closing one.
fn balanced(text: &str, open: usize) -> (&str, usize) {
    let bytes = text.as_bytes();
    let (mut depth, mut i, mut in_str) = (1, open, false);
    while i < bytes.len() {
        match (in_str, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => in_str = false,
            (false, b'"') => in_str = true,
            (false, b'(' | b'[' | b'{') => depth += 1,
            (false, b')' | b']' | b'}') => {
                depth -= 1;
                if depth == 0 {
                    return (&text[open..i], i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    panic!(
        "unbalanced parentheses after {}",
        &text[open.saturating_sub(40)..open]
    );
}

/// Split at the first comma outside parentheses and strings.
fn split_top(args: &str) -> Option<(&str, &str)> {
    let (mut depth, mut in_str, mut escaped) = (0, false, false);
    for (i, c) in args.char_indices() {
        match (in_str, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => in_str = false,
            (false, '"') => in_str = true,
            (false, '(' | '[' | '{') => depth += 1,
            (false, ')' | ']' | '}') => depth -= 1,
            (false, ',') if depth == 0 => return Some((&args[..i], &args[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Every `.route(PATH, get(…).post(…)…)` in a file: its methods, its path and
/// the function it is in.
fn route_calls(
    code: &str,
    consts: &HashMap<String, String>,
    file: &str,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(".route(") {
        let start = from + at + ".route(".len();
        let (args, end) = balanced(code, start);
        from = end;
        let in_fn = code[..start]
            .rfind("fn ")
            .map(|f| {
                code[f + 3..]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap()
                    .to_string()
            })
            .unwrap_or_default();
        // A router's `.route` takes a path and its handlers; anything else
        // called `route` (one argument) is not one.
        let Some((path, handlers)) = split_top(args) else {
            continue;
        };
        let path = path.trim();
        let path = match path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            Some(literal) => literal.to_string(),
            None => consts
                .get(path)
                .unwrap_or_else(|| {
                    panic!("{file}: route path {path} is not a literal or a known &str constant")
                })
                .clone(),
        };
        assert!(path.starts_with('/'), "{file}: route path {path:?}");
        // `get(h).post(h2)…`: each method router, with its handler skipped.
        let mut rest = handlers.trim().trim_end_matches(',').trim();
        let mut methods = Vec::new();
        loop {
            let name_end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..name_end];
            assert!(
                METHODS.contains(&name) && rest[name_end..].starts_with('('),
                "{file}: route {path}: `{rest}` is not a chain of {METHODS:?}; teach tests/routes.rs"
            );
            methods.push(name.to_uppercase());
            let (_, after) = balanced(rest, name_end + 1);
            rest = rest[after..].trim_start();
            match rest.strip_prefix('.') {
                Some(next) => rest = next.trim_start(),
                None => break,
            }
        }
        assert!(rest.is_empty(), "{file}: route {path}: left over `{rest}`");
        for m in methods {
            out.push((m, path.clone(), in_fn.clone()));
        }
    }
    out
}

#[test]
fn the_source_is_read_and_every_route_has_a_row() {
    let found = source_routes();
    assert!(
        found.len() >= 90,
        "only {} routes found in src/routes: the parser in tests/routes.rs is broken",
        found.len()
    );
    for (method, path) in [
        ("POST", "/api/v1/visits"),
        ("PUT", "/api/v1/settings/quotes"),
        ("DELETE", "/api/v1/sessions"),
        ("GET", "/me/second-factor"),
        ("GET", "/healthz"),
        ("POST", "/s/{token}/concerns/{id}/{reply}"),
    ] {
        assert!(
            found.contains_key(&(method.to_string(), path.to_string())),
            "{method} {path} was not found in the source: the parser in tests/routes.rs is broken"
        );
    }
    let mut problems = Vec::new();
    let mut rows = BTreeSet::new();
    for row in ROUTES {
        let key = (row.method.to_string(), row.path.to_string());
        if !rows.insert(key.clone()) {
            problems.push(format!("{} {}: two rows", row.method, row.path));
        }
        match found.get(&key) {
            None => problems.push(format!(
                "{} {}: a row in ROUTES but no such route in src/routes or src/lib.rs; remove the row",
                row.method, row.path
            )),
            Some(f) if f.api != (row.surface == Surface::Api) => problems.push(format!(
                "{} {}: routed in {} ({}), but its row says {:?}",
                row.method,
                row.path,
                f.file,
                if f.api { "api()" } else { "pages()" },
                row.surface
            )),
            Some(_) => {}
        }
        if let Err(e) = check_send(row) {
            problems.push(format!("{} {}: {e}", row.method, row.path));
        }
    }
    for ((method, path), f) in &found {
        if !rows.contains(&(method.clone(), path.clone())) {
            let surface = if f.api { "api " } else { "page" };
            // A line to start from: its columns are explained at the top of the file.
            let (other, send) = match path.contains('{') {
                true => ("404", format!("\"{}\"", path.replace("{id}", "{visit}"))),
                false => ("-", "_".to_string()),
            };
            problems.push(format!(
                "{method} {path} (in {}) has no row in ROUTES in tests/routes.rs: add one line saying who may \
                 call it and what they get, such as\n    {surface} {method} \"{path}\"  staff  {other}  {send}  none => 200;\n\
                 (columns and fixtures: the doc comment of tests/routes.rs)",
                f.file,
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// A row's request path must be its route's, parameters filled.
fn check_send(row: &Row) -> Result<(), String> {
    if row.send.is_empty() {
        return match row.path.contains('{') {
            true => Err("a path with parameters needs a request path with fixtures".into()),
            false => Ok(()),
        };
    }
    let sent = row.send.split('?').next().unwrap();
    let (a, b): (Vec<_>, Vec<_>) = (row.path.split('/').collect(), sent.split('/').collect());
    let same = a.len() == b.len()
        && a.iter().zip(&b).all(|(p, s)| {
            if p.starts_with('{') {
                !s.is_empty()
            } else {
                p == s
            }
        });
    match same {
        true => Ok(()),
        false => Err(format!("sends {}, which is not this route", row.send)),
    }
}

// --- the walk ---

/// A signed-in staff member: bearer token, cookie and its CSRF token.
#[derive(Clone)]
struct Session {
    token: String,
    cookie: String,
    csrf: String,
}

#[derive(Clone, Copy)]
struct User {
    name: &'static str,
    role: &'static str,
    /// Works only at `north`.
    north: bool,
    /// Their second factor is on.
    factor: bool,
}

/// `(name, role, works only at north, second factor on)`.
const fn user(name: &'static str, role: &'static str, north: bool, factor: bool) -> User {
    User {
        name,
        role,
        north,
        factor,
    }
}

const USERS: [User; 10] = [
    user("desk", "front_desk", false, false),
    user("doc", "clinician", false, false),
    user("boss", "manager", false, true),
    user("root", "admin", false, true),
    user("nora", "front_desk", true, false),
    user("noel", "clinician", true, false),
    user("nell", "manager", true, true),
    user("nico", "admin", true, true),
    // A manager (at every location) who has not set up her second factor yet.
    user("mona", "manager", false, false),
    // An EHR's interface engine: the FHIR door only.
    user("feed", "integration", false, false),
];

/// What a caller should get.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// Let in: this status.
    Ok(u16),
    /// Nobody signed in: 401, or a redirect to the login page.
    SignIn,
    /// Their role is not let in.
    Forbidden,
    /// Another location's resource: 404 (or 422 where the location is named).
    Elsewhere(u16),
    /// Neither their role nor their location: 403 or 404.
    Denied,
    /// A manager or admin who must set up a second factor first.
    Enroll,
    /// A wrong link or code, an unpaired browser.
    Refused(u16),
}

/// One call: who makes it and what they should get.
struct Call {
    who: String,
    session: Option<Session>,
    /// A wrong token in place of the link or pairing code.
    wrong: bool,
    /// The paired kiosk's cookies.
    device: bool,
    /// In place of the row's request path.
    template: Option<String>,
    want: Want,
}

struct Answer {
    status: u16,
    location: String,
    body: String,
}

struct Fixtures {
    values: HashMap<&'static str, String>,
    desk: String,
    boss: String,
}

async fn make(app: &TestApp, fx: &Fixtures, name: &str) -> String {
    match name {
        "new_promise" => {
            let (status, body) = app
                .post(
                    "/api/v1/promises",
                    Some(&fx.desk),
                    json!({"kind": "callback", "location": "main"}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["id"].to_string()
        }
        "new_kiosk" | "new_pairing" => {
            let (status, body) = app
                .post(
                    "/api/v1/kiosks",
                    Some(&fx.boss),
                    json!({"name": "Spare tablet", "location": "main"}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            match name {
                "new_kiosk" => body["id"].to_string(),
                _ => pairing_code(&body),
            }
        }
        "new_arrival" => {
            let visit = expected_visit(app).await;
            arrival_token(app, &fx.desk, visit).await
        }
        other => fx
            .values
            .get(other)
            .unwrap_or_else(|| panic!("no fixture {{{other}}} in tests/routes.rs"))
            .clone(),
    }
}

/// A new appointment at `main` later today, not yet checked in: its visit id.
async fn expected_visit(app: &TestApp) -> i64 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let id = format!(
        "R-{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    app.state
        .store
        .import_appointments(
            &[frontdesk_domain::appointment::Appointment {
                appointment_id: id.clone(),
                location: "main".into(),
                provider: "dr-lee".into(),
                visit_type: None,
                scheduled_at: start_time() + chrono::Duration::hours(2),
                duration_min: Some(20),
                patient: frontdesk_domain::patient::NewPatient {
                    given_name: "Rosa".into(),
                    family_name: "Ruiz".into(),
                    preferred_name: None,
                    date_of_birth: "1990-04-01".parse().ok(),
                    phone: Some("+1 555 010 7777".into()),
                    email: None,
                },
            }],
            &frontdesk_store::Actor::system(),
            start_time(),
        )
        .await
        .unwrap();
    app.state
        .store
        .appointment_visit("main", &id)
        .await
        .unwrap()
        .id
}

/// A survey link (sent for a visit seen and done at `main`): its token.
async fn survey_token(app: &TestApp, desk: &str) -> String {
    let visit = app.check_in(desk, "Sol").await;
    let id = visit["id"].as_i64().unwrap();
    for to in ["with_provider", "checkout", "done"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/visits/{id}/transitions"),
                Some(desk),
                json!({"to": to}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let token = frontdesk_server::secrets::random_token();
    let now = app.state.now();
    let sent = app
        .state
        .store
        .send_survey(
            &frontdesk_store::SendSurvey {
                visit_id: id,
                token_hash: frontdesk_server::secrets::token_hash(&token),
                expires_at: now + chrono::Duration::days(14),
                address_hashes: vec!["sol".into()],
                messages: Vec::new(),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(sent, frontdesk_store::SurveySent::Sent);
    token
}

/// A new arrival link for an expected visit: its token.
async fn arrival_token(app: &TestApp, desk: &str, visit: i64) -> String {
    let (status, body) = app
        .post(
            &format!("/api/v1/visits/{visit}/arrival-link"),
            Some(desk),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

fn pairing_code(kiosk: &Value) -> String {
    let url = kiosk["pairing_url"].as_str().unwrap();
    url.rsplit('/').next().unwrap().to_string()
}

/// The request path with its fixtures filled in (or made up, when `wrong`).
async fn target(app: &TestApp, fx: &Fixtures, template: &str, wrong: bool) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').unwrap();
        let name = &rest[open + 1..close];
        let value = match (wrong, name) {
            (true, "link" | "pairing" | "new_pairing" | "arrival" | "new_arrival" | "survey") => {
                "x".repeat(43)
            }
            _ => make(app, fx, name).await,
        };
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Sign in anew: a bearer token and a browser session with its CSRF token.
async fn session(app: &TestApp, user: &str) -> Session {
    let token = app.token(user).await;
    let cookie = sign_in(app, user).await;
    if user == "feed" {
        // An integration account has no pages to take a CSRF token from.
        return Session {
            token,
            cookie,
            csrf: String::new(),
        };
    }
    // Every signed-in page carries the token; this one opens to anyone signed in.
    let (status, html) = page(app, &cookie, "/me/second-factor").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    Session {
        token,
        cookie,
        csrf: csrf_in(&html),
    }
}

async fn setup(app: &TestApp) -> (Fixtures, HashMap<&'static str, Session>) {
    // The paired tablet first: its pairing is boss's first sign-in of three.
    app.kiosk_device().await;
    let mut sessions = HashMap::new();
    for u in USERS.iter().filter(|u| u.name != "mona") {
        sessions.insert(u.name, session(app, u.name).await);
    }
    let (desk, boss, root) = (
        sessions["desk"].token.clone(),
        sessions["boss"].token.clone(),
        sessions["root"].token.clone(),
    );
    for (name, role, at) in [
        ("mia", "front_desk", json!(["main"])),
        ("mona", "manager", json!([])),
    ] {
        let (status, body) = app
            .post(
                "/api/v1/users",
                Some(&root),
                json!({"username": name, "role": role, "password": PASSWORD, "locations": at}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    sessions.insert("mona", session(app, "mona").await);
    let mut values = HashMap::new();
    values.insert("user", "mia".to_string());

    let visit = app.check_in(&desk, "Ana").await;
    let link = visit["status_url"].as_str().unwrap();
    values.insert("link", link.rsplit('/').next().unwrap().to_string());
    values.insert("visit", visit["id"].to_string());
    let (status, concern) = app
        .post(
            &format!("/api/v1/visits/{}/concerns", visit["id"]),
            Some(&desk),
            json!({"text": "Will I need a sick note?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{concern}");
    values.insert("concern", concern["id"].to_string());

    // Complaints taken by boss are his: front desk and clinicians may not read them.
    let complaint = |text: &str| {
        app.post(
            "/api/v1/complaints",
            Some(&boss),
            json!({"text": text, "channel": "phone", "location": "main"}),
        )
    };
    let (status, open) = complaint("I waited an hour and nobody said why.").await;
    assert_eq!(status, StatusCode::CREATED, "{open}");
    assert_eq!(open["owner"], "boss", "{open}");
    values.insert("complaint", open["id"].to_string());
    let (_, resolved) = complaint("The parking machine took my card.").await;
    let id = &resolved["id"];
    for (action, body) in [
        ("acknowledge", json!({})),
        (
            "resolve",
            json!({"contact_person": "Boss", "steps": "Called the patient.", "result": "Refunded."}),
        ),
    ] {
        let path = format!("/api/v1/complaints/{id}/{action}");
        let (status, body) = app.post(&path, Some(&boss), body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    values.insert("resolved", id.to_string());

    let kiosk = |name: &str| {
        app.post(
            "/api/v1/kiosks",
            Some(&boss),
            json!({"name": name, "location": "main"}),
        )
    };
    let (status, managed) = kiosk("Front tablet").await;
    assert_eq!(status, StatusCode::CREATED, "{managed}");
    values.insert("kiosk", managed["id"].to_string());
    let (_, unpaired) = kiosk("Unpaired tablet").await;
    values.insert("pairing", pairing_code(&unpaired));

    let expected = expected_visit(app).await;
    values.insert("expected", expected.to_string());
    values.insert("arrival", arrival_token(app, &desk, expected).await);
    values.insert("survey", survey_token(app, &desk).await);
    (Fixtures { values, desk, boss }, sessions)
}

/// The calls for one row, denied callers first.
fn calls(row: &Row, sessions: &HashMap<&'static str, Session>) -> Vec<Call> {
    let call = |who: &str, session: Option<&Session>, want| Call {
        who: who.to_string(),
        session: session.cloned(),
        wrong: false,
        device: false,
        template: None,
        want,
    };
    match row.who {
        Who::Public => vec![call("nobody", None, Want::Ok(row.ok))],
        Who::Link | Who::Pairing => vec![
            Call {
                wrong: true,
                ..call("nobody, a wrong token", None, Want::Refused(404))
            },
            call("nobody, the right token", None, Want::Ok(row.ok)),
        ],
        Who::Kiosk => vec![
            call("an unpaired browser", None, Want::Refused(403)),
            Call {
                device: true,
                ..call("the paired tablet", None, Want::Ok(row.ok))
            },
        ],
        _ => {
            let (mut denied, mut allowed) = (vec![call("nobody", None, Want::SignIn)], Vec::new());
            for u in USERS {
                let s = sessions.get(u.name);
                let lets_in = row.who.lets_in(u.role);
                let ok = match (u.factor, row.ok_enrolled) {
                    (true, Some(status)) => status,
                    _ => row.ok,
                };
                if u.name == "mona" {
                    match row.who {
                        Who::Enrolling => allowed.push(call(u.name, s, Want::Ok(ok))),
                        _ => denied.push(call(u.name, s, Want::Enroll)),
                    }
                } else if u.north && row.other.is_some() {
                    let want = match lets_in {
                        true => Want::Elsewhere(row.other.unwrap()),
                        false => Want::Denied,
                    };
                    denied.push(call(u.name, s, want));
                } else if lets_in {
                    allowed.push(call(u.name, s, Want::Ok(ok)));
                } else {
                    denied.push(call(u.name, s, Want::Forbidden));
                }
            }
            denied.extend(allowed);
            denied
        }
    }
}

async fn send(app: &TestApp, fx: &Fixtures, row: &Row, call: &Call) -> (String, Answer) {
    let template = match (&call.template, row.send) {
        (Some(t), _) => t.as_str(),
        (None, "") => row.path,
        (None, send) => send,
    };
    let path = target(app, fx, template, call.wrong).await;
    let method = Method::from_bytes(row.method.as_bytes()).unwrap();
    let mut req = app.client.request(method, format!("{}{path}", app.url));
    let mut cookies = Vec::new();
    let mut csrf = None;
    if let Some(s) = &call.session {
        match row.surface {
            Surface::Api | Surface::Fhir => req = req.bearer_auth(&s.token),
            Surface::Page | Surface::Frag => {
                cookies.push(s.cookie.clone());
                csrf = Some(s.csrf.clone());
            }
        }
    }
    let with_token = |fields: &str, token: Option<&str>| match token {
        Some(t) if fields.is_empty() => format!("csrf={t}"),
        Some(t) => format!("{fields}&csrf={t}"),
        None => fields.to_string(),
    };
    let urlencoded = "application/x-www-form-urlencoded";
    req = match row.body {
        Body::None => req,
        Body::Json(b) => req.header("content-type", "application/json").body(b),
        Body::Form(b) => req
            .header("content-type", urlencoded)
            .body(with_token(b, csrf.as_deref())),
        Body::Multipart(b) => {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in url_pairs(&with_token(b, csrf.as_deref())) {
                form = form.text(k, v);
            }
            req.multipart(form)
        }
        Body::Login(b) => {
            let resp = app
                .client
                .get(format!("{}/login", app.url))
                .send()
                .await
                .unwrap();
            let login = cookie_from(&resp, "fd_login").unwrap();
            cookies.push(login.split(';').next().unwrap().to_string());
            let token = csrf_in(&resp.text().await.unwrap());
            req.header("content-type", urlencoded)
                .body(with_token(b, Some(&token)))
        }
        Body::Kiosk(b) if call.device => {
            let (kiosk_cookies, token, _) = app.kiosk_form().await;
            cookies.push(kiosk_cookies);
            req.header("content-type", urlencoded)
                .body(with_token(b, Some(&token)))
        }
        Body::Kiosk(b) => req
            .header("content-type", urlencoded)
            .body(with_token(b, Some("forged"))),
    };
    if call.device && !matches!(row.body, Body::Kiosk(_)) {
        cookies.push(app.kiosk_device().await);
    }
    if !cookies.is_empty() {
        req = req.header("cookie", cookies.join("; "));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    let streaming = resp
        .headers()
        .get("content-type")
        .is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"));
    // An event stream never ends: its status is all there is to read.
    let body = match streaming {
        true => String::new(),
        false => resp.text().await.unwrap(),
    };
    (
        path,
        Answer {
            status,
            location,
            body,
        },
    )
}

fn url_pairs(fields: &str) -> Vec<(String, String)> {
    fields
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn api_code(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Whether an answer is what the caller should get.
fn matches(row: &Row, want: Want, a: &Answer) -> bool {
    if row.surface == Surface::Fhir {
        let outcome = a.body.contains("\"resourceType\":\"OperationOutcome\"");
        return match want {
            Want::Ok(status) | Want::Refused(status) => a.status == status,
            Want::SignIn => a.status == 401 && outcome,
            // A manager without a second factor is no integration account either.
            Want::Forbidden | Want::Enroll => a.status == 403 && outcome,
            Want::Elsewhere(status) => a.status == status && outcome,
            Want::Denied => matches!(a.status, 403 | 404) && outcome,
        };
    }
    let json = row.surface != Surface::Page;
    match want {
        Want::Ok(status) | Want::Refused(status) => a.status == status,
        Want::SignIn if json => a.status == 401 && api_code(&a.body) == "unauthenticated",
        Want::SignIn => a.status == 303 && a.location.starts_with("/login"),
        Want::Forbidden if json => a.status == 403 && api_code(&a.body) == "forbidden",
        Want::Forbidden => a.status == 403,
        Want::Elsewhere(404) if json => a.status == 404 && api_code(&a.body) == "not_found",
        Want::Elsewhere(422) if json => a.status == 422 && a.body.contains("Unknown location"),
        Want::Elsewhere(status) => a.status == status,
        Want::Denied => matches!(a.status, 403 | 404),
        Want::Enroll if json => {
            a.status == 403 && api_code(&a.body) == "second_factor_enrollment_required"
        }
        Want::Enroll => a.status == 303 && a.location == "/me/second-factor",
    }
}

#[tokio::test]
async fn every_route_answers_each_role_and_location_as_its_row_says() {
    let app = spawn_app().await;
    let (fx, sessions) = setup(&app).await;
    let mut failures = Vec::new();
    let mut seen = Seen::new();
    let mut calls_made = 0;
    for row in ROUTES {
        let mut fresh = HashMap::new();
        if row.fresh {
            // The call ends the caller's session: each signs in anew for it
            // (the clock moves on so managers and admins have codes to spare).
            app.clock.advance(chrono::Duration::seconds(90));
            for u in USERS {
                fresh.insert(u.name, session(&app, u.name).await);
            }
        }
        let sessions = if row.fresh { &fresh } else { &sessions };
        for call in calls(row, sessions) {
            failures.extend(call_and_check(&app, &fx, row, &call, &mut seen).await);
            calls_made += 1;
        }
    }
    assert!(calls_made > 500, "only {calls_made} calls made");
    failures.extend(undocumented(&seen));
    assert!(
        failures.is_empty(),
        "{} of {calls_made} calls answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Make a call; what was wrong with its answer, if anything.
async fn call_and_check(
    app: &TestApp,
    fx: &Fixtures,
    row: &Row,
    call: &Call,
    seen: &mut Seen,
) -> Option<String> {
    let (path, a) = send(app, fx, row, call).await;
    if row.surface == Surface::Api {
        seen.insert((row.method, row.path, a.status));
    }
    let snippet: String = a.body.chars().take(300).collect();
    if a.status == 500 {
        Some(format!(
            "{} {path} as {}: 500 {snippet}",
            row.method, call.who
        ))
    } else if !matches(row, call.want, &a) {
        Some(format!(
            "{} {path} as {}: wanted {:?}, got {} {} {snippet}",
            row.method, call.who, call.want, a.status, a.location
        ))
    } else {
        None
    }
}

/// The API answers seen in a walk: method, router path, status.
type Seen = BTreeSet<(&'static str, &'static str, u16)>;

/// Every API route the walk called must be in the OpenAPI document the
/// server publishes (`openapi.json`), with every status it answered listed
/// among that operation's responses: the document is checked against the
/// router, not only written beside it.
fn undocumented(seen: &Seen) -> Vec<String> {
    let doc: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    // Path parameters are compared by position, not by name.
    let shape = |p: &str| {
        p.split('/')
            .map(|s| if s.starts_with('{') { "{}" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    let paths: HashMap<String, &Value> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, v)| (shape(p), v))
        .collect();
    let mut problems = Vec::new();
    for (method, path, status) in seen {
        let Some(rel) = path.strip_prefix("/api/v1") else {
            continue;
        };
        let Some(op) = paths
            .get(&shape(rel))
            .and_then(|p| p.get(method.to_lowercase()))
        else {
            problems.push(format!("openapi.json: no {method} {rel}"));
            continue;
        };
        if op["responses"].get(status.to_string()).is_none() {
            problems.push(format!(
                "openapi.json: {method} {rel} answered {status}, not among its responses"
            ));
        }
    }
    problems.dedup();
    problems
}

/// Path parameters no fixture has: not numbers, out of range, encoded
/// slashes and NULs, far too long.
const ODD: [&str; 9] = [
    "0",
    "-1",
    "x",
    "9223372036854775807",
    "99999999999999999999999",
    "1.5",
    "%2F..%2F",
    "%00",
    "%F0%9F%A6%80",
];

#[tokio::test]
async fn odd_path_parameters_are_not_found_and_never_a_500() {
    let app = spawn_app().await;
    let (fx, sessions) = setup(&app).await;
    let long = "9".repeat(2000);
    let mut failures = Vec::new();
    let mut seen = Seen::new();
    let mut calls_made = 0;
    for row in ROUTES.iter().filter(|r| r.path.contains('{')) {
        // The caller the row lets in most surely: root, or nobody at a public door.
        let (who, session) = match row.who.lets_in("admin") {
            true => ("root", sessions.get("root").cloned()),
            false => ("nobody", None),
        };
        let (path, query) = row
            .send
            .split_at(row.send.find('?').unwrap_or(row.send.len()));
        let segments: Vec<&str> = path.split('/').collect();
        for (i, _) in row
            .path
            .split('/')
            .enumerate()
            .filter(|(_, p)| p.starts_with('{'))
        {
            // Wrong pairing codes count against the address: ten an hour.
            let take = if row.who == Who::Pairing {
                5
            } else {
                ODD.len() + 1
            };
            for odd in ODD.iter().copied().chain([long.as_str()]).take(take) {
                let mut s = segments.clone();
                s[i] = odd;
                let call = Call {
                    who: who.to_string(),
                    session: session.clone(),
                    wrong: false,
                    device: false,
                    template: Some(format!("{}{query}", s.join("/"))),
                    want: Want::Refused(404),
                };
                failures.extend(call_and_check(&app, &fx, row, &call, &mut seen).await);
                calls_made += 1;
            }
        }
    }
    assert!(calls_made > 300, "only {calls_made} calls made");
    failures.extend(undocumented(&seen));
    assert!(
        failures.is_empty(),
        "{} of {calls_made} calls answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
