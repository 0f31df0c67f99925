//! The daily purge: what Frontdesk stops keeping on its own. Expired staff
//! sessions, patients' status links and arrival links are deleted; the address of an outbox
//! message is replaced by its masked form some time after it was sent or
//! given up on. Once per UTC day across every server sharing the database
//! (the day is claimed in `retention_run` in the same transaction), with one
//! audit row giving the counts.

use super::{arrivals, audit, idempotency, ms, outbox, staff, visits, watch};
use crate::db::{Conn, params};
use crate::{Actor, PurgePlan, Purged, Result};
use frontdesk_domain::Timestamp;

pub async fn purge<C: Conn>(c: &mut C, plan: &PurgePlan, now: Timestamp) -> Result<Option<Purged>> {
    let day = now.date_naive().format("%Y-%m-%d").to_string();
    // On PostgreSQL a second server's insert waits for the first's commit,
    // then finds the day taken.
    let claimed = c
        .exec(
            "INSERT INTO retention_run (day, ran_at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
            params![day.as_str(), ms(now)],
        )
        .await?;
    if claimed == 0 {
        return Ok(None);
    }
    let purged = Purged {
        sessions: staff::delete_expired_sessions(c, now, plan.idle_cutoff).await?,
        status_links: visits::delete_expired_status_links(c, now).await?,
        arrival_links: arrivals::delete_expired(c, now).await?,
        recipients: outbox::scrub_recipients(c, plan.recipients_settled_by).await?,
        idempotency_keys: idempotency::delete_expired(c, now).await?,
    };
    // The watcher's marks of alerts long past (not counted: not patient data).
    watch::delete_old(c, now).await?;
    let detail = format!(
        "expired sessions deleted: {}; expired status links deleted: {}; expired arrival links deleted: {}; \
         outbox recipients masked: {}; idempotency keys deleted: {}",
        purged.sessions,
        purged.status_links,
        purged.arrival_links,
        purged.recipients,
        purged.idempotency_keys
    );
    audit::write(
        c,
        &Actor::system(),
        "retention.purge",
        &format!("day:{day}"),
        &detail,
        now,
    )
    .await?;
    Ok(Some(purged))
}
