//! Staff accounts, for admins: add, disable (signed out everywhere at once)
//! and enable again.

use crate::error::ApiError;
use crate::secrets::hash_password;
use crate::state::AppState;
use frontdesk_domain::{FieldErrors, Role, fields};
use frontdesk_store::{Actor, NewUser, StaffUser, StoreError};

/// Validate and add a staff account, working at `locations` (none: every
/// location). Returns the account as kept: the username trimmed and in
/// lowercase ([`fields::username`]).
pub async fn add(
    state: &AppState,
    actor: &Actor,
    username: &str,
    role: &str,
    password: &str,
    locations: &[String],
) -> Result<StaffUser, ApiError> {
    let mut errors = FieldErrors::new();
    let username = errors.check("username", fields::username(username));
    let role = match role.parse::<Role>() {
        Ok(r) => Some(r),
        Err(_) => {
            errors.add("role", "Choose front_desk, clinician, manager or admin");
            None
        }
    };
    let password = errors
        .check("password", fields::new_password(password))
        .map(str::to_string);
    let (Some(username), Some(role), Some(password)) = (username, role, password) else {
        return Err(ApiError::InvalidFields(errors));
    };
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::Internal)?;
    match state
        .store
        .create_user(
            &NewUser {
                username,
                role,
                password_hash: hash,
                locations: locations.to_vec(),
            },
            actor,
            state.now(),
        )
        .await
    {
        Ok(user) => Ok(user),
        Err(StoreError::Conflict(_)) => Err(ApiError::field("username", "This username is taken")),
        Err(e) => Err(e.into()),
    }
}

/// Disable an account (signing it out everywhere) or enable it again. Nobody
/// disables their own account.
pub async fn set_disabled(
    state: &AppState,
    by: &StaffUser,
    username: &str,
    disabled: bool,
) -> Result<(), ApiError> {
    if disabled && username == by.username {
        return Err(ApiError::Conflict(
            "You cannot disable your own account".into(),
        ));
    }
    state
        .store
        .set_user_disabled(username, disabled, &Actor::staff(&by.username), state.now())
        .await?;
    state.forget_sessions();
    Ok(())
}
