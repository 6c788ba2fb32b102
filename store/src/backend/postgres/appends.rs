//! Device events and Last Connections on PostgreSQL: they arrive from device sessions,
//! which must not wait on a network round trip, so they are queued here and written by one
//! background task in batches. A read of the streams first waits until everything appended
//! before it is written (`written_up_to`), so a caller reads its own appends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool_postgres::Pool;
use postgres_types::Json;
use tokio::sync::{mpsc, watch};

use crate::error::BackendError;
use crate::events::{DeviceEventRecord, capture_image_key};
use crate::last_seen::LastSeen;
use crate::model::Id;

/// Appends waiting to be written, at most; past that an append fails rather than grow.
const QUEUE: usize = 8192;
/// Appends written in one transaction, at most.
const BATCH: usize = 512;
/// Wait before trying a failed batch again.
const RETRY: Duration = Duration::from_secs(1);

pub(super) enum Append {
    Events(Vec<DeviceEventRecord>),
    Capture(DeviceEventRecord, Vec<u8>),
    LastSeen(Vec<(Id, LastSeen)>, Vec<Id>),
}

/// The sending side, held by the backend. Dropping it ends the writer once the queue is
/// written.
pub(super) struct Appender {
    queue: mpsc::Sender<(u64, Append)>,
    /// Appends numbered so far.
    numbered: AtomicU64,
    written: watch::Receiver<u64>,
}

impl Appender {
    /// The appender, and the writer task to run (the backend spawns it).
    pub(super) fn new(pool: Pool) -> (Self, impl std::future::Future<Output = ()>) {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let (written_tx, written) = watch::channel(0);
        let appender = Appender {
            queue,
            numbered: AtomicU64::new(0),
            written,
        };
        (appender, write_loop(pool, receiver, Arc::new(written_tx)))
    }

    pub(super) fn push(&self, append: Append) -> Result<(), BackendError> {
        // Numbers are taken in queue order: a failed send leaves a gap nobody waits for,
        // since `written_up_to` waits for the number it read, not for every one below.
        let permit = self
            .queue
            .try_reserve()
            .map_err(|_| BackendError::Unavailable("the event writer is behind".into()))?;
        let n = self.numbered.fetch_add(1, Ordering::SeqCst) + 1;
        permit.send((n, append));
        Ok(())
    }

    /// Waits until every append made before this call is written.
    pub(super) async fn written_up_to_now(&self) -> Result<(), BackendError> {
        let goal = self.numbered.load(Ordering::SeqCst);
        let mut written = self.written.clone();
        written
            .wait_for(|w| *w >= goal)
            .await
            .map(|_| ())
            .map_err(|_| BackendError::Unavailable("the event writer stopped".into()))
    }
}

async fn write_loop(
    pool: Pool,
    mut receiver: mpsc::Receiver<(u64, Append)>,
    written: Arc<watch::Sender<u64>>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        let last = batch.last().map_or(0, |(n, _)| *n);
        loop {
            match write_batch(&pool, &batch).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, appends = batch.len(), "writing device events failed; trying again");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
        batch.clear();
        written.send_replace(last);
    }
}

async fn write_batch(pool: &Pool, batch: &[(u64, Append)]) -> Result<(), BackendError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let event = tx
        .prepare_cached(
            "INSERT INTO events (community_id, seq, event) VALUES ($1, $2, $3) \
             ON CONFLICT (community_id, seq) DO UPDATE SET event = EXCLUDED.event",
        )
        .await?;
    let image = tx
        .prepare_cached(
            "INSERT INTO blobs (key, bytes) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET bytes = EXCLUDED.bytes",
        )
        .await?;
    let seen = tx
        .prepare_cached(
            "INSERT INTO last_seen (device_id, seen) VALUES ($1, $2) \
             ON CONFLICT (device_id) DO UPDATE SET seen = EXCLUDED.seen",
        )
        .await?;
    for (_, append) in batch {
        match append {
            Append::Events(events) => {
                for e in events {
                    tx.execute(
                        &event,
                        &[&(e.community_id as i64), &(e.seq as i64), &Json(e)],
                    )
                    .await?;
                }
            }
            Append::Capture(e, bytes) => {
                tx.execute(
                    &event,
                    &[&(e.community_id as i64), &(e.seq as i64), &Json(e)],
                )
                .await?;
                let key = capture_image_key(e.community_id, e.seq);
                tx.execute(&image, &[&key, bytes]).await?;
            }
            Append::LastSeen(entries, gone) => {
                for (id, s) in entries {
                    tx.execute(&seen, &[&(*id as i64), &Json(s)]).await?;
                }
                if !gone.is_empty() {
                    let ids: Vec<i64> = gone.iter().map(|id| *id as i64).collect();
                    tx.execute("DELETE FROM last_seen WHERE device_id = ANY($1)", &[&ids])
                        .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
