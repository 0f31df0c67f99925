//! Staff accounts, for admins: add, disable (signed out everywhere at once)
//! and enable again.

use crate::error::ApiError;
use crate::secrets::hash_password;
use crate::state::AppState;
use frontdesk_domain::{FieldErrors, Role, fields};
use frontdesk_store::{Actor, NewUser, StaffUser, StoreError};

/// Whether `by` manages the account of someone who works at `locations`
/// (none: every location). An admin who works everywhere manages everyone;
/// one who works only at some locations manages only the accounts that work
/// only there, so nobody gives an account more than they have themselves,
/// and any other account is, to them, not there.
pub fn manages(by: &StaffUser, locations: &[String]) -> bool {
    by.locations.is_empty() || (!locations.is_empty() && locations.iter().all(|l| by.works_at(l)))
}

/// Validate and add a staff account, working at `locations` (none: every
/// location), for `by`, who must manage such an account ([`manages`]).
/// Returns the account as kept: the username trimmed and in lowercase
/// ([`fields::username`]).
pub async fn add(
    state: &AppState,
    by: &StaffUser,
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
    if !manages(by, locations) {
        let message = match locations.is_empty() {
            true => "Name the locations they work at: yours, or some of them",
            false => "Unknown location",
        };
        errors.add("location", message);
    }
    let (Some(username), Some(role), Some(password)) = (username, role, password) else {
        return Err(ApiError::InvalidFields(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::InvalidFields(errors));
    }
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
            &Actor::staff(&by.username),
            state.now(),
        )
        .await
    {
        Ok(user) => Ok(user),
        Err(StoreError::Conflict(_)) => Err(ApiError::field("username", "This username is taken")),
        Err(e) => Err(e.into()),
    }
}

/// Disable an account (signing it out everywhere) or enable it again: one
/// that `by` manages ([`manages`]); any other is not found. Nobody disables
/// their own account.
pub async fn set_disabled(
    state: &AppState,
    by: &StaffUser,
    username: &str,
    disabled: bool,
) -> Result<(), ApiError> {
    let users = state.store.users().await?;
    if let Some(them) = users.iter().find(|u| u.username == username)
        && !manages(by, &them.locations)
    {
        return Err(ApiError::NotFound);
    }
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
