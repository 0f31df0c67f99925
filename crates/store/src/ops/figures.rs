//! Counts for the Prometheus metrics: the outbox by status and the wait
//! promises by location and status. No patient data; not audited.

use crate::db::{Conn, params};
use crate::*;

pub async fn figures<C: Conn>(c: &mut C) -> Result<Figures> {
    let mut f = Figures::default();
    for r in c
        .query(
            "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status",
            params![],
        )
        .await?
    {
        f.outbox.push((r.text("status")?, r.int("n")?));
    }
    for r in c
        .query(
            "SELECT location_id, status, COUNT(*) AS n FROM promise WHERE kind = 'seen_by' \
             GROUP BY location_id, status ORDER BY location_id, status",
            params![],
        )
        .await?
    {
        f.wait_promises
            .push((r.text("location_id")?, r.text("status")?, r.int("n")?));
    }
    Ok(f)
}
