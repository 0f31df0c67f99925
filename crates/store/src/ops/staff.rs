//! Staff accounts, their sessions and their second factors.

use super::{at, insert_id, ms, one, opt_at};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::{Timestamp, second_factor};

/// A staff account from its row; its locations are read by [`with_locations`].
fn user_from_row(row: &Row) -> Result<StaffUser> {
    Ok(StaffUser {
        id: row.int("user_id")?,
        username: row.text("username")?,
        role: super::parse_name(&row.text("role")?)?,
        disabled: row.int("disabled")? != 0,
        locations: Vec::new(),
    })
}

/// Fill in the locations each account works at (none listed: every one).
async fn with_locations<C: Conn>(c: &mut C, users: &mut [StaffUser]) -> Result<()> {
    let rows = match users {
        [one] => {
            c.query(
                "SELECT user_id, location_id FROM staff_location WHERE user_id = $1 ORDER BY location_id",
                params![one.id],
            )
            .await?
        }
        _ => {
            c.query(
                "SELECT user_id, location_id FROM staff_location ORDER BY location_id",
                &[],
            )
            .await?
        }
    };
    for r in &rows {
        let id = r.int("user_id")?;
        if let Some(u) = users.iter_mut().find(|u| u.id == id) {
            u.locations.push(r.text("location_id")?);
        }
    }
    Ok(())
}

/// Add a staff account with the locations it works at, and its audit row.
pub async fn create_user<C: Conn>(
    c: &mut C,
    new: &NewUser,
    actor: &Actor,
    now: Timestamp,
) -> Result<StaffUser> {
    for location in &new.locations {
        super::locations::must_exist(c, location, "location").await?;
    }
    let inserted = insert_id(
        c,
        "INSERT INTO staff_user (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        params![new.username.as_str(), new.role.as_str(), new.password_hash.as_str(), ms(now)],
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            return Err(StoreError::Conflict(format!(
                "a user named {} already exists",
                new.username
            )));
        }
        Err(e) => return Err(e),
    };
    let mut locations = new.locations.clone();
    locations.sort();
    locations.dedup();
    for location in &locations {
        c.exec(
            "INSERT INTO staff_location (user_id, location_id) VALUES ($1, $2)",
            params![id, location.as_str()],
        )
        .await?;
    }
    let subject = format!("user:{}", new.username);
    let detail = if locations.is_empty() {
        new.role.as_str().to_string()
    } else {
        format!("{} at {}", new.role.as_str(), locations.join(", "))
    };
    super::audit::write(c, actor, "user.add", &subject, &detail, now).await?;
    Ok(StaffUser {
        id,
        username: new.username.clone(),
        role: new.role,
        disabled: false,
        locations,
    })
}

pub async fn credentials<C: Conn>(c: &mut C, username: &str) -> Result<Option<Credentials>> {
    let row = one(
        c,
        "SELECT id AS user_id, username, role, disabled, password_hash FROM staff_user WHERE username = $1",
        params![username],
    )
    .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let mut user = [user_from_row(&row)?];
            with_locations(c, &mut user).await?;
            let [user] = user;
            Ok(Some(Credentials {
                user,
                password_hash: row.text("password_hash")?,
            }))
        }
    }
}

pub async fn users<C: Conn>(c: &mut C) -> Result<Vec<StaffUser>> {
    let mut users = c
        .query(
            "SELECT id AS user_id, username, role, disabled FROM staff_user ORDER BY username",
            &[],
        )
        .await?
        .iter()
        .map(user_from_row)
        .collect::<Result<Vec<_>>>()?;
    with_locations(c, &mut users).await?;
    Ok(users)
}

pub async fn set_disabled<C: Conn>(
    c: &mut C,
    username: &str,
    disabled: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE staff_user SET disabled = $1 WHERE username = $2",
            params![i64::from(disabled), username],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    if disabled {
        // A disabled account is signed out everywhere at once.
        c.exec(
            "DELETE FROM staff_session WHERE user_id IN (SELECT id FROM staff_user WHERE username = $1)",
            params![username],
        )
        .await?;
    }
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    super::audit::write(c, actor, action, &format!("user:{username}"), "", now).await
}

pub async fn create_session<C: Conn>(c: &mut C, s: &NewSession) -> Result<()> {
    c.exec(
        "INSERT INTO staff_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            s.token_hash.as_str(),
            s.user_id,
            s.csrf_token.as_str(),
            ms(s.created_at),
            ms(s.created_at),
            ms(s.expires_at)
        ],
    )
    .await?;
    Ok(())
}

pub async fn live_session<C: Conn>(
    c: &mut C,
    token_hash: &str,
    now: Timestamp,
    idle_cutoff: Timestamp,
) -> Result<Option<Session>> {
    let row = one(
        c,
        "SELECT s.token_hash, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, \
                u.id AS user_id, u.username, u.role, u.disabled, \
                (SELECT COUNT(*) FROM staff_second_factor f \
                 WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS second_factor \
         FROM staff_session s JOIN staff_user u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.disabled = 0",
        params![token_hash, ms(now), ms(idle_cutoff)],
    )
    .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let mut user = [user_from_row(&row)?];
            with_locations(c, &mut user).await?;
            let [user] = user;
            Ok(Some(Session {
                token_hash: row.text("token_hash")?,
                user,
                csrf_token: row.text("csrf_token")?,
                created_at: at(row.int("created_at")?)?,
                last_seen_at: at(row.int("last_seen_at")?)?,
                expires_at: at(row.int("expires_at")?)?,
                second_factor: row.int("second_factor")? > 0,
            }))
        }
    }
}

pub async fn touch_session<C: Conn>(c: &mut C, token_hash: &str, now: Timestamp) -> Result<()> {
    c.exec(
        "UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2",
        params![ms(now), token_hash],
    )
    .await?;
    Ok(())
}

pub async fn delete_session<C: Conn>(c: &mut C, token_hash: &str) -> Result<()> {
    c.exec(
        "DELETE FROM staff_session WHERE token_hash = $1",
        params![token_hash],
    )
    .await?;
    Ok(())
}

// --- the second factor (see the domain's `second_factor` for its rules) ---

/// The stored second factor of a user, if any was offered.
struct Factor {
    secret: String,
    confirmed_at: Option<Timestamp>,
    last_step: Option<i64>,
    failures: i64,
    last_failed_at: Option<Timestamp>,
}

async fn factor<C: Conn>(c: &mut C, user_id: i64) -> Result<Option<Factor>> {
    let row = one(
        c,
        "SELECT secret, confirmed_at, last_step, failures, last_failed_at \
         FROM staff_second_factor WHERE user_id = $1",
        params![user_id],
    )
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Factor {
        secret: row.text("secret")?,
        confirmed_at: opt_at(row.opt_int("confirmed_at")?)?,
        last_step: row.opt_int("last_step")?,
        failures: row.int("failures")?,
        last_failed_at: opt_at(row.opt_int("last_failed_at")?)?,
    }))
}

fn key_of(f: &Factor) -> Result<Vec<u8>> {
    second_factor::secret_key(&f.secret)
        .ok_or_else(|| StoreError::Corrupt("a second-factor secret is not base32".into()))
}

const ALREADY_ON: &str = "Your second factor is already on. Lost your phone? An admin can reset it (frontdesk user reset-2fa).";

async fn recovery_codes_left<C: Conn>(c: &mut C, user_id: i64) -> Result<i64> {
    let row = one(
        c,
        "SELECT COUNT(*) AS n FROM staff_recovery_code WHERE user_id = $1 AND used_at IS NULL",
        params![user_id],
    )
    .await?;
    Ok(row.map(|r| r.int("n")).transpose()?.unwrap_or(0))
}

pub async fn second_factor<C: Conn>(c: &mut C, user_id: i64) -> Result<SecondFactorState> {
    Ok(match factor(c, user_id).await? {
        None => SecondFactorState::Off,
        Some(Factor {
            secret,
            confirmed_at: None,
            ..
        }) => SecondFactorState::Enrolling { secret },
        Some(Factor {
            confirmed_at: Some(since),
            ..
        }) => SecondFactorState::On {
            since,
            recovery_codes_left: recovery_codes_left(c, user_id).await?,
        },
    })
}

pub async fn begin_second_factor<C: Conn>(
    c: &mut C,
    user: &StaffUser,
    secret: &str,
    now: Timestamp,
) -> Result<()> {
    if let Some(f) = factor(c, user.id).await?
        && f.confirmed_at.is_some()
    {
        return Err(StoreError::Conflict(ALREADY_ON.into()));
    }
    // A secret offered before and never confirmed is replaced.
    c.exec(
        "DELETE FROM staff_second_factor WHERE user_id = $1 AND confirmed_at IS NULL",
        params![user.id],
    )
    .await?;
    c.exec(
        "INSERT INTO staff_second_factor (user_id, secret, created_at) VALUES ($1, $2, $3)",
        params![user.id, secret, ms(now)],
    )
    .await?;
    let subject = format!("user:{}", user.username);
    super::audit::write(
        c,
        &Actor::staff(&user.username),
        "second_factor.enroll",
        &subject,
        "",
        now,
    )
    .await
}

pub async fn confirm_second_factor<C: Conn>(
    c: &mut C,
    user: &StaffUser,
    code: u32,
    code_time: Timestamp,
    recovery_code_hashes: &[String],
    keep_session: &str,
    now: Timestamp,
) -> Result<()> {
    let f = match factor(c, user.id).await? {
        None => {
            return Err(StoreError::Conflict(
                "Start setting up your second factor first".into(),
            ));
        }
        Some(f) if f.confirmed_at.is_some() => return Err(StoreError::Conflict(ALREADY_ON.into())),
        Some(f) => f,
    };
    let step = match second_factor::check_code(&key_of(&f)?, code, code_time, None) {
        second_factor::CodeCheck::Accepted { step } => step,
        _ => {
            let mut errors = frontdesk_domain::FieldErrors::new();
            errors.add("code", second_factor::CODE_WRONG);
            return Err(StoreError::Invalid(errors));
        }
    };
    let changed = c
        .exec(
            "UPDATE staff_second_factor SET confirmed_at = $1, last_step = $2, failures = 0, last_failed_at = NULL \
             WHERE user_id = $3 AND confirmed_at IS NULL AND secret = $4",
            params![ms(now), step, user.id, f.secret.as_str()],
        )
        .await?;
    super::guarded(changed, "second factor")?;
    c.exec(
        "DELETE FROM staff_recovery_code WHERE user_id = $1",
        params![user.id],
    )
    .await?;
    for hash in recovery_code_hashes {
        c.exec(
            "INSERT INTO staff_recovery_code (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            params![user.id, hash.as_str(), ms(now)],
        )
        .await?;
    }
    // Sessions started without the code end; the one that proved it goes on.
    c.exec(
        "DELETE FROM staff_session WHERE user_id = $1 AND token_hash <> $2",
        params![user.id, keep_session],
    )
    .await?;
    let subject = format!("user:{}", user.username);
    let detail = format!("{} recovery codes", recovery_code_hashes.len());
    super::audit::write(
        c,
        &Actor::staff(&user.username),
        "second_factor.confirm",
        &subject,
        &detail,
        now,
    )
    .await
}

pub async fn check_second_factor<C: Conn>(
    c: &mut C,
    user: &StaffUser,
    attempt: &CodeAttempt,
    code_time: Timestamp,
    now: Timestamp,
) -> Result<CodeOutcome> {
    let f = match factor(c, user.id).await? {
        Some(f) if f.confirmed_at.is_some() => f,
        _ => return Ok(CodeOutcome::NotOn),
    };
    if second_factor::locked(f.failures, f.last_failed_at, code_time) {
        return Ok(CodeOutcome::Locked);
    }
    // Count the attempt as wrong before checking it, guarded by the count
    // read: attempts sent all at once wait for each other (or are told to
    // try again) instead of all slipping under the limit. A right code clears it.
    let failures = second_factor::failures_after_another(f.failures, f.last_failed_at, code_time);
    let counted = c
        .exec(
            "UPDATE staff_second_factor SET failures = $1, last_failed_at = $2 \
             WHERE user_id = $3 AND failures = $4 AND COALESCE(last_failed_at, -1) = $5",
            params![
                failures,
                ms(code_time),
                user.id,
                f.failures,
                f.last_failed_at.map_or(-1, ms)
            ],
        )
        .await?;
    super::guarded(counted, "second factor")?;
    let outcome = match attempt {
        CodeAttempt::Code(code) => {
            match second_factor::check_code(&key_of(&f)?, *code, code_time, f.last_step) {
                second_factor::CodeCheck::Accepted { step } => {
                    let changed = c
                        .exec(
                            "UPDATE staff_second_factor SET last_step = $1, failures = 0, last_failed_at = NULL \
                             WHERE user_id = $2 AND (last_step IS NULL OR last_step < $1)",
                            params![step, user.id],
                        )
                        .await?;
                    if changed == 1 {
                        CodeOutcome::Accepted
                    } else {
                        CodeOutcome::Reused
                    }
                }
                second_factor::CodeCheck::Reused => CodeOutcome::Reused,
                second_factor::CodeCheck::Wrong => CodeOutcome::Wrong,
            }
        }
        CodeAttempt::RecoveryCodeHash(hash) => {
            let spent = c
                .exec(
                    "UPDATE staff_recovery_code SET used_at = $1 \
                     WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
                    params![ms(now), user.id, hash.as_str()],
                )
                .await?;
            if spent == 1 {
                c.exec(
                    "UPDATE staff_second_factor SET failures = 0, last_failed_at = NULL WHERE user_id = $1",
                    params![user.id],
                )
                .await?;
                let left = recovery_codes_left(c, user.id).await?;
                let subject = format!("user:{}", user.username);
                super::audit::write(
                    c,
                    &Actor::staff(&user.username),
                    "second_factor.recovery_code_used",
                    &subject,
                    &format!("{left} recovery codes left"),
                    now,
                )
                .await?;
                CodeOutcome::RecoveryCodeUsed { left }
            } else {
                CodeOutcome::Wrong
            }
        }
    };
    Ok(outcome)
}

pub async fn reset_second_factor<C: Conn>(
    c: &mut C,
    username: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<bool> {
    let user_id = one(
        c,
        "SELECT id FROM staff_user WHERE username = $1",
        params![username],
    )
    .await?
    .ok_or(StoreError::NotFound)?
    .int("id")?;
    let removed = c
        .exec(
            "DELETE FROM staff_second_factor WHERE user_id = $1",
            params![user_id],
        )
        .await?;
    c.exec(
        "DELETE FROM staff_recovery_code WHERE user_id = $1",
        params![user_id],
    )
    .await?;
    // Whoever holds the lost phone's sessions is signed out with it.
    c.exec(
        "DELETE FROM staff_session WHERE user_id = $1",
        params![user_id],
    )
    .await?;
    let detail = if removed == 0 { "none was set up" } else { "" };
    super::audit::write(
        c,
        actor,
        "second_factor.reset",
        &format!("user:{username}"),
        detail,
        now,
    )
    .await?;
    Ok(removed > 0)
}

/// Delete sessions that can no longer be used: past their lifetime, or idle
/// since `idle_cutoff`. The count.
pub async fn delete_expired_sessions<C: Conn>(
    c: &mut C,
    now: Timestamp,
    idle_cutoff: Timestamp,
) -> Result<u64> {
    Ok(c.exec(
        "DELETE FROM staff_session WHERE expires_at <= $1 OR last_seen_at <= $2",
        params![ms(now), ms(idle_cutoff)],
    )
    .await?)
}
