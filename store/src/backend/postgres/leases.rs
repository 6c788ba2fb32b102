//! Leases for work that runs on one node at a time (the `leases` table). Expiry is judged
//! on PostgreSQL's clock, so the nodes' clocks need not agree.

use std::time::Duration;

use crate::error::BackendError;

/// The holder name of this process (`lease::process_name`).
pub(super) fn holder(node: &str) -> String {
    crate::lease::process_name(node)
}

/// Takes `name` if it is free or has run out, or renews it if `holder` has it; whether
/// `holder` has it now.
pub(super) async fn hold(
    pool: &deadpool_postgres::Pool,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, BackendError> {
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "INSERT INTO leases (name, holder, expires_at) \
             VALUES ($1, $2, now() + $3 * interval '1 millisecond') \
             ON CONFLICT (name) DO UPDATE \
             SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at \
             WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now() \
             RETURNING holder",
            &[&name, &holder, &(ttl_ms as f64)],
        )
        .await?;
    Ok(row.is_some())
}

pub(super) async fn release(
    pool: &deadpool_postgres::Pool,
    name: &str,
    holder: &str,
) -> Result<(), BackendError> {
    let client = pool.get().await?;
    client
        .execute(
            "DELETE FROM leases WHERE name = $1 AND holder = $2",
            &[&name, &holder],
        )
        .await?;
    Ok(())
}
