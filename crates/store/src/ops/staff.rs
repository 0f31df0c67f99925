//! Staff accounts and their sessions.

use super::{at, insert_id, ms, one};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::{Role, Timestamp};

fn user_from_row(row: &Row) -> Result<StaffUser> {
    Ok(StaffUser {
        id: row.int("user_id")?,
        username: row.text("username")?,
        role: super::parse_name(&row.text("role")?)?,
        disabled: row.int("disabled")? != 0,
    })
}

pub async fn create_user<C: Conn>(
    c: &mut C,
    username: &str,
    role: Role,
    password_hash: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<StaffUser> {
    let inserted = insert_id(
        c,
        "INSERT INTO staff_user (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        params![username, role.as_str(), password_hash, ms(now)],
    )
    .await;
    match inserted {
        Ok(id) => {
            let subject = format!("user:{username}");
            super::audit::write(c, actor, "user.add", &subject, role.as_str(), now).await?;
            Ok(StaffUser {
                id,
                username: username.to_string(),
                role,
                disabled: false,
            })
        }
        Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
            "a user named {username} already exists"
        ))),
        Err(e) => Err(e),
    }
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
        Some(row) => Ok(Some(Credentials {
            user: user_from_row(&row)?,
            password_hash: row.text("password_hash")?,
        })),
    }
}

pub async fn users<C: Conn>(c: &mut C) -> Result<Vec<StaffUser>> {
    c.query(
        "SELECT id AS user_id, username, role, disabled FROM staff_user ORDER BY username",
        &[],
    )
    .await?
    .iter()
    .map(user_from_row)
    .collect()
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
        Some(row) => Ok(Some(Session {
            token_hash: row.text("token_hash")?,
            user: user_from_row(&row)?,
            csrf_token: row.text("csrf_token")?,
            created_at: at(row.int("created_at")?)?,
            last_seen_at: at(row.int("last_seen_at")?)?,
            expires_at: at(row.int("expires_at")?)?,
        })),
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
