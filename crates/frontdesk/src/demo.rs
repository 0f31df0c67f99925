//! `frontdesk demo`: the real server on a fresh temporary database, with a
//! simulated clinic day replayed through the same actions staff use, on a
//! clock that runs faster than real time.

use crate::config::Config;
use chrono::{Duration, TimeZone};
use frontdesk_domain::appointment::Appointment;
use frontdesk_domain::patient::{ArrivalInput, NewPatient};
use frontdesk_domain::{MAIN_LOCATION, Role, second_factor};
use frontdesk_server::AppState;
use frontdesk_server::app::caller::Caller;
use frontdesk_server::app::visits;
use frontdesk_server::clock::{Clock, ScaledClock};
use frontdesk_sim::{Action, DayConfig, plan_day};
use frontdesk_store::{Actor, NewUser, Provider, StaffUser, Store};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

/// The demo's managers and admins share this second-factor secret (a demo
/// database; its key is printed and its codes shown on the login page).
const DEMO_SECOND_FACTOR: &[u8; second_factor::SECRET_BYTES] = b"frontdesk-demo-totp!";

pub const DEMO_USERS: [(&str, Role, &str); 4] = [
    ("frontdesk", Role::FrontDesk, "frontdesk-demo"),
    ("clinician", Role::Clinician, "clinician-demo"),
    ("manager", Role::Manager, "manager-demo-1"),
    ("admin", Role::Admin, "admin-demo-123"),
];

pub async fn run(mut config: Config, speed: f64, seed: u64) -> Result<ExitCode, String> {
    if !(0.1..=600.0).contains(&speed) {
        return Err("--speed must be between 0.1 and 600".into());
    }
    let dir = tempfile::Builder::new()
        .prefix("frontdesk-demo-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    config.database_url = dir.path().join("demo.db").to_string_lossy().into_owned();
    let store = crate::open_store(&config).await?;
    let zone: chrono_tz::Tz = config.time_zone.parse().unwrap_or(chrono_tz::UTC);

    let now = chrono::Utc::now();
    let demo_secret = second_factor::secret_text(DEMO_SECOND_FACTOR);
    for (name, role, password) in DEMO_USERS {
        let hash = frontdesk_server::secrets::hash_password(password)?;
        let user = store
            .create_user(
                &NewUser {
                    username: name.into(),
                    role,
                    password_hash: hash,
                    locations: Vec::new(),
                },
                &Actor::system(),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        if role.needs_second_factor() {
            enroll(&store, &user, &demo_secret)
                .await
                .map_err(|e| format!("cannot set up the demo's second factors: {e}"))?;
        }
    }
    let day = DayConfig {
        seed,
        ..DayConfig::default()
    };
    for (id, name) in day
        .providers
        .iter()
        .zip(["Dr. Lee", "Dr. Kim", "Dr. Patel"])
    {
        let p = Provider {
            id: id.clone(),
            name: name.into(),
            location: MAIN_LOCATION.into(),
        };
        store
            .upsert_provider(&p, &Actor::system(), now)
            .await
            .map_err(|e| e.to_string())?;
    }

    // The simulated day starts at 08:00 today, local time; the clock starts
    // just before the first (early) arrival, so the board moves at once.
    let today = now.with_timezone(&zone).date_naive();
    let day_start = zone
        .from_local_datetime(&today.and_hms_opt(8, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now);
    let plan = plan_day(&day);
    let appointments: Vec<Appointment> = plan
        .patients
        .iter()
        .filter_map(|p| {
            let (id, at) = p.appointment.clone()?;
            Some(Appointment {
                appointment_id: id,
                location: MAIN_LOCATION.into(),
                provider: p.provider.clone().unwrap_or_default(),
                visit_type: Some(p.visit_type.clone()),
                scheduled_at: day_start + Duration::seconds(at),
                duration_min: Some(p.duration_min),
                patient: NewPatient {
                    given_name: p.given_name.clone(),
                    family_name: p.family_name.clone(),
                    preferred_name: None,
                    date_of_birth: p.date_of_birth.parse().ok(),
                    phone: None,
                    email: None,
                },
            })
        })
        .collect();
    store
        .import_appointments(&appointments, &Actor::system(), now)
        .await
        .map_err(|e| e.to_string())?;
    // One booked patient the simulation leaves alone, for trying the arrival
    // link: the demo prints it, as the reminder would text it.
    let rosa = Appointment {
        appointment_id: "DEMO-ARRIVAL".into(),
        location: MAIN_LOCATION.into(),
        provider: day.providers.first().cloned().unwrap_or_default(),
        visit_type: Some("follow-up".into()),
        scheduled_at: day_start + Duration::hours(3),
        duration_min: Some(20),
        patient: NewPatient {
            given_name: "Rosa".into(),
            family_name: "Vega".into(),
            preferred_name: None,
            date_of_birth: "1979-06-14".parse().ok(),
            phone: None,
            email: None,
        },
    };
    store
        .import_appointments(&[rosa], &Actor::system(), now)
        .await
        .map_err(|e| e.to_string())?;

    let first_step = plan.steps.first().map_or(0, |s| s.at);
    let clock = Arc::new(ScaledClock::new(
        day_start + Duration::seconds(first_step - 30),
        speed,
    ));
    let mut server_config = config.server_config();
    server_config.demo_logins = DEMO_USERS
        .iter()
        .map(|(n, _, p)| (n.to_string(), p.to_string()))
        .collect();
    server_config.demo_second_factors = DEMO_USERS
        .iter()
        .filter(|(_, role, _)| role.needs_second_factor())
        .map(|(n, _, _)| (n.to_string(), demo_secret.clone()))
        .collect();
    // Sessions would idle out in seconds on a fast clock; give the demo a day.
    server_config.idle_timeout = Duration::hours(24);
    server_config.clock_tick = std::time::Duration::from_millis(500);
    let state = AppState::new(store, clock.clone(), server_config);

    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {}: {e} (try --addr 127.0.0.1:0)",
                config.addr
            )
        })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // The demo's kiosk: its pairing link lasts the demo's day (a real one, 15 minutes).
    let (code, hash) = frontdesk_server::app::kiosk::pairing_code();
    state
        .store
        .add_kiosk(
            MAIN_LOCATION,
            "Lobby tablet",
            &hash,
            day_start + Duration::days(1),
            &Actor::system(),
            clock.now(),
        )
        .await
        .map_err(|e| format!("cannot add the demo's kiosk: {e}"))?;
    let rosa = state
        .store
        .appointment_visit(MAIN_LOCATION, "DEMO-ARRIVAL")
        .await
        .map_err(|e| e.to_string())?;
    let arrival = frontdesk_server::app::arrival::make(
        &state,
        &Caller::Door(Actor::staff("frontdesk")),
        rosa.id,
    )
    .await
    .map_err(|e| format!("cannot make the demo's arrival link: {e}"))?;
    println!("Frontdesk demo: a simulated clinic day at {speed}x speed.");
    println!("Open http://{addr}/board and sign in as one of:");
    for (name, role, password) in DEMO_USERS {
        println!("  {name:<10} {password:<16} ({})", role.label());
    }
    println!(
        "Managers and admins sign in with a second factor: the login page shows their current code,"
    );
    println!(
        "or add the key {demo_secret} to an authenticator app (codes follow real time, not the demo's clock)."
    );
    println!("Patients arrive, wait, and are seen; some are not acknowledged in time.");
    println!(
        "Some ask questions (the visit page, to answer them); /complaints has two complaints to work."
    );
    println!(
        "Patients answer the post-visit survey when they are done; a low answer opens a call-back on the board, and /scorecard counts it all."
    );
    println!(
        "Patients' status pages: \"Make a patient link\" on a visit. Public feedback form: /feedback"
    );
    println!(
        "The self check-in kiosk: open http://{addr}/kiosk/pair/{code} and press \"Pair this tablet\"."
    );
    println!(
        "Rosa's arrival link, as her reminder would text it (I'm here, running late, can't come): http://{addr}{}",
        arrival.path
    );
    println!(
        "Acknowledge them from the board. Press Ctrl-C to stop (the demo database is deleted)."
    );

    seed_complaints(&state, &day_start)
        .await
        .map_err(|e| format!("cannot add the demo's complaints: {e}"))?;
    let driver = tokio::spawn(drive(state.clone(), clock, plan, day_start));
    let result = frontdesk_server::serve(listener, state).await;
    driver.abort();
    drop(dir);
    result.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Turn on a demo account's second factor, as its owner would (offered,
/// then confirmed with a code from a minute ago, so the code the login page
/// shows now is still unused). No recovery codes: the demo shows the codes.
async fn enroll(
    store: &Arc<dyn Store>,
    user: &StaffUser,
    secret: &str,
) -> Result<(), frontdesk_store::StoreError> {
    let before = chrono::Utc::now() - Duration::minutes(1);
    store.begin_second_factor(user, secret, before).await?;
    let key = second_factor::secret_key(secret).unwrap_or_default();
    let code = second_factor::code_at(&key, before)
        .parse()
        .unwrap_or_default();
    store
        .confirm_second_factor(user, code, before, &[], "", before)
        .await
}

/// Replay the planned steps as their time comes, through the same actions
/// the API and the board use.
async fn drive(
    state: AppState,
    clock: Arc<ScaledClock>,
    plan: frontdesk_sim::DayPlan,
    day_start: chrono::DateTime<chrono::Utc>,
) {
    // The simulated staff have their own names, so what a person signed in as
    // `frontdesk` does is told apart from what the simulation did.
    // The simulated staff act under their own names, at every location.
    let desk = Caller::Door(Actor::staff("sim-desk"));
    let clinician = Caller::Door(Actor::staff("sim-clinician"));
    let kiosk = Caller::Door(Actor::kiosk());
    let mut visits: HashMap<usize, i64> = HashMap::new();
    let mut next = 0;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
    while next < plan.steps.len() {
        tick.tick().await;
        let now = clock.now();
        while next < plan.steps.len() && day_start + Duration::seconds(plan.steps[next].at) <= now {
            let step = plan.steps[next];
            next += 1;
            let p = &plan.patients[step.patient];
            let result = match step.action {
                // Before checkout the clinician answers what the patient asked
                // (open concerns stop a checkout).
                Action::Move(to)
                    if frontdesk_domain::concern::checkout_needs_answers(to)
                        && visits.contains_key(&step.patient) =>
                {
                    let id = visits[&step.patient];
                    answer_concerns(&state, id, &clinician).await;
                    visits::transition(&state, id, to.as_str(), &clinician)
                        .await
                        .map(|_| {
                            // Done: the survey goes, and most patients answer it.
                            if to == frontdesk_domain::VisitState::Done {
                                let (state, who) = (state.clone(), step.patient);
                                tokio::spawn(async move {
                                    if let Err(e) = survey(&state, id, who).await {
                                        tracing::debug!(error = %e, "demo survey skipped");
                                    }
                                });
                            }
                        })
                }
                Action::Arrive => {
                    let input = ArrivalInput {
                        given_name: p.given_name.clone(),
                        family_name: p.family_name.clone(),
                        date_of_birth: Some(p.date_of_birth.clone()),
                        appointment_id: p.appointment.as_ref().map(|(id, _)| id.clone()),
                        ..Default::default()
                    };
                    visits::check_in_as_asked(&state, &input, &kiosk, None)
                        .await
                        .map(|checked_in| {
                            let v = checked_in.visit;
                            visits.insert(step.patient, v.id);
                            v.id
                        })
                        .map(|id| {
                            // About one patient in four has something to ask.
                            if step.patient % 4 == 1 {
                                let text = QUESTIONS[step.patient / 4 % QUESTIONS.len()];
                                let state = state.clone();
                                tokio::spawn(async move {
                                    let _ = frontdesk_server::app::concerns::raise(
                                        &state,
                                        id,
                                        text,
                                        frontdesk_domain::concern::Source::Kiosk,
                                        None,
                                        &Caller::Door(Actor::kiosk()),
                                        None,
                                    )
                                    .await;
                                });
                            }
                        })
                }
                Action::Acknowledge => match visits.get(&step.patient) {
                    Some(id) => visits::acknowledge(&state, *id, &desk).await.map(|_| ()),
                    None => Ok(()),
                },
                Action::Move(to) => match visits.get(&step.patient) {
                    Some(id) => visits::transition(&state, *id, to.as_str(), &clinician)
                        .await
                        .map(|_| ()),
                    None => Ok(()),
                },
            };
            // Staff using the board may have moved the patient already; the
            // simulated step then simply does not apply.
            if let Err(e) = result {
                tracing::debug!(error = %e, "demo step skipped");
            }
        }
    }
}

/// The demo's post-visit survey for a patient whose visit is done: sent at
/// once (the demo has no outbox, so the link is kept, not messaged), and
/// answered by two patients in three, one answer in five low (with a
/// comment, and sometimes asking to be contacted): service recovery opens,
/// and the scorecard has answers to count.
async fn survey(state: &AppState, visit_id: i64, who: usize) -> Result<(), String> {
    use frontdesk_server::secrets::{random_token, token_hash};
    let token = random_token();
    let now = state.now();
    state
        .store
        .send_survey(
            &frontdesk_store::SendSurvey {
                visit_id,
                token_hash: token_hash(&token),
                expires_at: now + frontdesk_domain::survey::valid_for(),
                address_hashes: vec![token_hash(&format!("demo-patient-{who}"))],
                messages: Vec::new(),
            },
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    if who % 3 == 2 {
        return Ok(());
    }
    let low = who.is_multiple_of(5);
    let text = |s: &str| Some(s.to_string());
    let raw = frontdesk_domain::survey::RawAnswer {
        helpful: text(if low {
            "sometimes"
        } else if who.is_multiple_of(2) {
            "always"
        } else {
            "usually"
        }),
        courteous: text(if low { "usually" } else { "always" }),
        listened: text(if who.is_multiple_of(4) {
            "usually"
        } else {
            "always"
        }),
        wait_as_promised: text(if low || who.is_multiple_of(7) {
            "false"
        } else {
            "true"
        }),
        overall: Some(if low { 5 } else { 8 + who % 3 }.to_string()),
        comment: if low {
            text("I waited a long time and nobody told me why.")
        } else {
            None
        },
        contact_me: text(if low && who.is_multiple_of(2) {
            "true"
        } else {
            "false"
        }),
    };
    frontdesk_server::app::surveys::answer(state, &token, &raw)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What demo patients ask at the kiosk, in their words.
const QUESTIONS: [&str; 5] = [
    "Can we also look at the rash on my arm?",
    "I need a refill of my blood pressure pills",
    "Are my blood test results back?",
    "Can I get the school form signed today?",
    "Is the flu shot covered by my insurance?",
];

/// The clinician's answer to each open concern before checkout.
async fn answer_concerns(state: &AppState, visit_id: i64, clinician: &Caller<'_>) {
    let Ok(list) = state.store.visit_concerns(visit_id).await else {
        return;
    };
    for c in list.iter().filter(|c| c.status.needs_answer()) {
        let _ = frontdesk_server::app::concerns::answer(
            state,
            c.id,
            "Yes: we covered this in the room today, and the details are in your visit summary.",
            false,
            clinician,
        )
        .await;
    }
}

/// Two complaints so the complaints page has something to work: one just
/// received, one acknowledged and waiting on the patient.
async fn seed_complaints(
    state: &AppState,
    day_start: &chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    use frontdesk_domain::complaint::validate_new;
    use frontdesk_store::{ComplaintChange, NewComplaintRecord};
    let samples = [
        (
            "I was told ten minutes and waited over an hour. Nobody came to tell me why.",
            "desk",
            "waiting",
            "high",
            Some("manager"),
        ),
        (
            "The bill for my March visit charges me twice for the same test.",
            "phone",
            "billing",
            "medium",
            None,
        ),
    ];
    for (n, (text, channel, category, severity, owner)) in samples.into_iter().enumerate() {
        let new = validate_new(
            text,
            channel,
            Some(category),
            Some(severity),
            Some("Sam Rivera"),
            None,
            None,
        )
        .map_err(|e| format!("{:?}", e.0))?;
        let at = *day_start - Duration::hours(26 + 24 * n as i64);
        let k = state
            .store
            .create_complaint(
                &NewComplaintRecord {
                    location: MAIN_LOCATION.into(),
                    visit_id: None,
                    complaint: new,
                    owner: owner.map(|o| (o.to_string(), Role::Manager)),
                    upset: None,
                },
                &Actor::staff("sim-desk"),
                at,
            )
            .await
            .map_err(|e| e.to_string())?;
        if n == 1 {
            let staff = Actor::staff("manager");
            let changes = [
                ComplaintChange::Acknowledge,
                ComplaintChange::Pause {
                    reason: "waiting for the patient to send the bill".into(),
                },
            ];
            state
                .store
                .change_complaint(k.id, &changes, &staff, at + Duration::hours(2))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
