//! Staff accounts and their sessions.

use super::{at, insert_id, ms, one};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::Timestamp;

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
                u.id AS user_id, u.username, u.role, u.disabled \
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
