//! The second factor: setting one up (a secret for the authenticator app,
//! confirmed by its first code, then recovery codes shown once) and asking
//! for a code at sign-in. The rules (codes, steps, limits) are the domain's
//! `second_factor`; the secret is shown only while enrolling and never
//! logged; recovery codes are kept only as hashes.

use crate::error::ApiError;
use crate::secrets::token_hash;
use crate::state::AppState;
use frontdesk_domain::second_factor::{self, Attempt};
use frontdesk_store::{CodeAttempt, CodeOutcome, SecondFactorState, StaffUser};
use rand::RngCore;
use rand::rngs::OsRng;

/// A secret offered for the authenticator app, and the address its QR code holds.
pub struct Offered {
    pub secret: String,
    pub otpauth_uri: String,
}

/// Offer a new secret (replacing one offered before and never confirmed).
/// A second factor already on is a conflict: an admin resets it.
pub async fn begin(state: &AppState, user: &StaffUser) -> Result<Offered, ApiError> {
    let mut bytes = [0u8; second_factor::SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let secret = second_factor::secret_text(&bytes);
    state
        .store
        .begin_second_factor(user, &secret, state.now())
        .await?;
    tracing::info!(user = %crate::text::log_safe(&user.username), "second factor offered");
    Ok(Offered {
        otpauth_uri: second_factor::otpauth_uri(&user.username, &secret),
        secret,
    })
}

/// Where a user's second factor stands; while enrolling, the offered secret
/// and its address again (nothing is on yet, so showing it again is safe).
pub async fn status(
    state: &AppState,
    user: &StaffUser,
) -> Result<(SecondFactorState, Option<Offered>), ApiError> {
    let now = state.store.second_factor(user.id).await?;
    let offered = match &now {
        SecondFactorState::Enrolling { secret } => Some(Offered {
            otpauth_uri: second_factor::otpauth_uri(&user.username, secret),
            secret: secret.clone(),
        }),
        _ => None,
    };
    Ok((now, offered))
}

/// Turn the offered secret on with its first code. Returns the recovery
/// codes, shown this once. The session that confirmed goes on with the
/// second factor; the user's other sessions end.
pub async fn confirm(
    state: &AppState,
    user: &StaffUser,
    session_hash: &str,
    code: &str,
) -> Result<Vec<String>, ApiError> {
    let code = second_factor::parse_code(code).map_err(|m| ApiError::field("code", m))?;
    let codes: Vec<String> = (0..second_factor::RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; second_factor::RECOVERY_CODE_BYTES];
            OsRng.fill_bytes(&mut bytes);
            second_factor::recovery_code(&bytes)
        })
        .collect();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    state
        .store
        .confirm_second_factor(
            user,
            code,
            state.clock.code_time(),
            &hashes,
            session_hash,
            state.now(),
        )
        .await?;
    state.forget_sessions();
    tracing::info!(user = %crate::text::log_safe(&user.username), "second factor turned on");
    Ok(codes)
}

/// A recovery code is kept as the SHA-256 of its normal form.
fn recovery_hash(code: &str) -> String {
    token_hash(&second_factor::normal_recovery_code(code).unwrap_or_default())
}

/// At sign-in, after the password was right: a user whose second factor is
/// on must send a current code (or a recovery code). Someone without one
/// needs none, and a code they send is ignored. `Ok(true)` when a code was
/// checked.
pub async fn check_at_sign_in(
    state: &AppState,
    user: &StaffUser,
    code: &str,
) -> Result<bool, ApiError> {
    let on = matches!(
        state.store.second_factor(user.id).await?,
        SecondFactorState::On { .. }
    );
    if !on {
        return Ok(false);
    }
    let who = crate::text::log_safe(&user.username);
    if code.trim().is_empty() {
        return Err(ApiError::SecondFactorRequired(None));
    }
    let attempt = second_factor::parse_attempt(code).map_err(|m| ApiError::field("code", m))?;
    let recovery = matches!(attempt, Attempt::Recovery(_));
    let attempt = match attempt {
        Attempt::Code(n) => CodeAttempt::Code(n),
        Attempt::Recovery(normal) => CodeAttempt::RecoveryCodeHash(token_hash(&normal)),
    };
    let outcome = state
        .store
        .check_second_factor(user, &attempt, state.clock.code_time(), state.now())
        .await?;
    match outcome {
        CodeOutcome::NotOn => Ok(false),
        CodeOutcome::Accepted => Ok(true),
        CodeOutcome::RecoveryCodeUsed { left } => {
            tracing::warn!(user = %who, left, "signed in with a recovery code");
            Ok(true)
        }
        CodeOutcome::Reused => {
            tracing::warn!(user = %who, "sign-in refused: a used code was sent again");
            Err(ApiError::SecondFactorRequired(Some(
                second_factor::CODE_REUSED,
            )))
        }
        CodeOutcome::Wrong => {
            tracing::warn!(user = %who, "sign-in refused: wrong second-factor code");
            Err(ApiError::SecondFactorRequired(Some(if recovery {
                second_factor::RECOVERY_WRONG
            } else {
                second_factor::CODE_WRONG
            })))
        }
        CodeOutcome::Locked => {
            tracing::warn!(user = %who, "sign-in refused: too many wrong second-factor codes");
            Err(ApiError::TooManyRequests(chrono::Duration::minutes(
                second_factor::LOCK_MINUTES,
            )))
        }
    }
}
