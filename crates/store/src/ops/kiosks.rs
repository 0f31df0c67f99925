//! Kiosks: a location's tablets, paired by a one-time link, each holding a
//! long-lived device token; renamed and revoked by managers. Only hashes of
//! the pairing code and the device token are stored.

use super::{at, audit, guarded, insert_id, ms, one, opt_at};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::Timestamp;

fn kiosk_from_row(r: &Row) -> Result<Kiosk> {
    Ok(Kiosk {
        id: r.int("id")?,
        location: r.text("location_id")?,
        name: r.text("name")?,
        created_at: at(r.int("created_at")?)?,
        pairing_expires_at: opt_at(r.opt_int("pairing_expires_at")?)?,
        paired_at: opt_at(r.opt_int("paired_at")?)?,
        last_seen_at: opt_at(r.opt_int("last_seen_at")?)?,
        revoked_at: opt_at(r.opt_int("revoked_at")?)?,
    })
}

fn subject(id: i64) -> String {
    format!("kiosk:{id}")
}

pub async fn kiosk<C: Conn>(c: &mut C, id: i64) -> Result<Kiosk> {
    let row = one(c, "SELECT * FROM kiosk WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    kiosk_from_row(&row)
}

/// A new kiosk at a location, with an open pairing link.
pub async fn add<C: Conn>(
    c: &mut C,
    location: &str,
    name: &str,
    pairing_hash: &str,
    expires_at: Timestamp,
    actor: &Actor,
    now: Timestamp,
) -> Result<Kiosk> {
    super::locations::must_exist(c, location, "location").await?;
    let id = insert_id(
        c,
        "INSERT INTO kiosk (location_id, name, created_at, pairing_hash, pairing_expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        params![location, name, ms(now), pairing_hash, ms(expires_at)],
    )
    .await?;
    audit::write(c, actor, "kiosk.add", &subject(id), location, now).await?;
    kiosk(c, id).await
}

/// A fresh pairing link for a kiosk (a new tablet, or the link ran out).
/// The device it was paired with, if any, keeps working until revoked.
pub async fn new_pairing<C: Conn>(
    c: &mut C,
    id: i64,
    pairing_hash: &str,
    expires_at: Timestamp,
    actor: &Actor,
    now: Timestamp,
) -> Result<Kiosk> {
    let changed = c
        .exec(
            "UPDATE kiosk SET pairing_hash = $1, pairing_expires_at = $2 WHERE id = $3 AND revoked_at IS NULL",
            params![pairing_hash, ms(expires_at), id],
        )
        .await?;
    if changed != 1 {
        kiosk(c, id).await?;
        return Err(StoreError::Refused("this kiosk is revoked".into()));
    }
    audit::write(c, actor, "kiosk.pairing", &subject(id), "", now).await?;
    kiosk(c, id).await
}

/// Pair the device that opened a live pairing link: the link is used up and
/// the device's token recorded. `None` for a wrong, used or expired link.
pub async fn pair<C: Conn>(
    c: &mut C,
    pairing_hash: &str,
    device_hash: &str,
    now: Timestamp,
) -> Result<Option<Kiosk>> {
    let Some(row) = one(
        c,
        "SELECT * FROM kiosk WHERE pairing_hash = $1 AND pairing_expires_at > $2 AND revoked_at IS NULL",
        params![pairing_hash, ms(now)],
    )
    .await?
    else {
        return Ok(None);
    };
    let k = kiosk_from_row(&row)?;
    let changed = c
        .exec(
            "UPDATE kiosk SET pairing_hash = NULL, pairing_expires_at = NULL, device_hash = $1, paired_at = $2, \
             last_seen_at = $2 WHERE id = $3 AND pairing_hash = $4",
            params![device_hash, ms(now), k.id, pairing_hash],
        )
        .await?;
    guarded(changed, "kiosk")?;
    let device = Actor(format!("kiosk:{}", k.id));
    audit::write(c, &device, "kiosk.pair", &subject(k.id), &k.location, now).await?;
    Ok(Some(kiosk(c, k.id).await?))
}

/// The kiosk a live pairing link would pair (nothing is changed).
pub async fn by_pairing<C: Conn>(
    c: &mut C,
    pairing_hash: &str,
    now: Timestamp,
) -> Result<Option<Kiosk>> {
    one(
        c,
        "SELECT * FROM kiosk WHERE pairing_hash = $1 AND pairing_expires_at > $2 AND revoked_at IS NULL",
        params![pairing_hash, ms(now)],
    )
    .await?
    .map(|r| kiosk_from_row(&r))
    .transpose()
}

/// The kiosk a device token belongs to, if it is paired and not revoked.
pub async fn by_device<C: Conn>(c: &mut C, device_hash: &str) -> Result<Option<Kiosk>> {
    one(
        c,
        "SELECT * FROM kiosk WHERE device_hash = $1 AND revoked_at IS NULL",
        params![device_hash],
    )
    .await?
    .map(|r| kiosk_from_row(&r))
    .transpose()
}

/// A kiosk was used now (kept to the minute, so it is not a write a request).
pub async fn seen<C: Conn>(c: &mut C, id: i64, now: Timestamp) -> Result<()> {
    c.exec(
        "UPDATE kiosk SET last_seen_at = $1 WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)",
        params![ms(now), id, ms(now) - 60_000],
    )
    .await?;
    Ok(())
}

/// Every kiosk at a location, newest first.
pub async fn at_location<C: Conn>(c: &mut C, location: &str) -> Result<Vec<Kiosk>> {
    c.query(
        "SELECT * FROM kiosk WHERE location_id = $1 ORDER BY id DESC",
        params![location],
    )
    .await?
    .iter()
    .map(kiosk_from_row)
    .collect()
}

pub async fn rename<C: Conn>(
    c: &mut C,
    id: i64,
    name: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Kiosk> {
    let changed = c
        .exec(
            "UPDATE kiosk SET name = $1 WHERE id = $2",
            params![name, id],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::NotFound);
    }
    audit::write(c, actor, "kiosk.rename", &subject(id), "", now).await?;
    kiosk(c, id).await
}

/// Revoke a kiosk: its device and any open pairing link stop working at once.
pub async fn revoke<C: Conn>(c: &mut C, id: i64, actor: &Actor, now: Timestamp) -> Result<Kiosk> {
    let changed = c
        .exec(
            "UPDATE kiosk SET revoked_at = $1, pairing_hash = NULL, pairing_expires_at = NULL, device_hash = NULL \
             WHERE id = $2 AND revoked_at IS NULL",
            params![ms(now), id],
        )
        .await?;
    if changed != 1 {
        kiosk(c, id).await?;
        return Err(StoreError::Refused("this kiosk is revoked already".into()));
    }
    audit::write(c, actor, "kiosk.revoke", &subject(id), "", now).await?;
    kiosk(c, id).await
}
