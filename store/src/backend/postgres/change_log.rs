//! The change log that keeps every node's directory in step (cluster mode).
//!
//! A write takes the turn (`Turn`): a transaction holding an advisory lock that every
//! writer takes, so change sets are numbered in commit order. Under it the node reads what
//! other nodes committed since it last applied, the store applies that and validates the
//! new set against current data, and the set is committed with its log entry. Between
//! writes a listener (`listen`) wakes the store when another node committed.

use std::sync::Weak;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::error::BackendError;
use crate::record::{Change, Record, RecordKey};

/// The lock every writer takes (transaction-level: released by COMMIT or ROLLBACK).
const WRITE_LOCK: i64 = 0x706f_7274_6572_7721; // "porterw!"
/// The channel a commit notifies: this one and the schema's name, since notifications
/// reach every session of the database, whatever its schema.
pub(super) async fn channel(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<String, BackendError> {
    let schema: String = client
        .query_one("SELECT current_schema()::text", &[])
        .await?
        .get(0);
    let mut channel = format!("porter_changes_{schema}");
    // PostgreSQL's identifiers (channel names among them) are at most 63 bytes.
    while channel.len() > 63 {
        channel.pop();
    }
    Ok(channel)
}
/// Change sets read in one catch-up, at most.
const CATCH_UP: i64 = 1000;

/// What the log keeps of a change set: the directory's part (audit entries, blobs and
/// mail are written once, to their own tables, and no directory holds them).
#[derive(Debug, Serialize)]
enum LoggedRef<'a> {
    Put(&'a Record),
    Delete(&'a RecordKey),
}

#[derive(Deserialize)]
enum Logged {
    Put(Box<Record>),
    Delete(RecordKey),
}

fn logged(changes: &[Change]) -> Vec<LoggedRef<'_>> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Put(r) => Some(LoggedRef::Put(r)),
            Change::Delete(k) => Some(LoggedRef::Delete(k)),
            _ => None,
        })
        .collect()
}

fn decode_set(seq: i64, text: &str) -> Result<Vec<Change>, BackendError> {
    let set: Vec<Logged> = serde_json::from_str(text).map_err(|source| BackendError::Decode {
        key: format!("change_log/{seq}"),
        source,
    })?;
    Ok(set
        .into_iter()
        .map(|l| match l {
            Logged::Put(r) => Change::Put(*r),
            Logged::Delete(k) => Change::Delete(k),
        })
        .collect())
}

/// A held turn: a connection in an open transaction holding `WRITE_LOCK`. Ended by
/// `commit` or `release`; dropped otherwise (a cancelled request), its connection is closed
/// rather than returned to the pool, and PostgreSQL rolls back and frees the lock.
pub(crate) struct Turn {
    client: Option<deadpool_postgres::Object>,
    /// The sequence number this turn's change set gets.
    pub(super) next_seq: i64,
}

impl Turn {
    /// Begins a transaction, waits for the lock and reads the log's head.
    pub(super) async fn take(client: deadpool_postgres::Object) -> Result<Turn, BackendError> {
        let mut turn = Turn {
            client: Some(client),
            next_seq: 0,
        };
        let c = turn.client();
        let lock = c.prepare_cached("SELECT pg_advisory_xact_lock($1)").await?;
        let read_head = c.prepare_cached(HEAD).await?;
        // Sent together (pipelined), run in order: one round trip rather than three.
        // join3 polls in argument order, so the requests leave in that order.
        let (begun, locked, head) = futures_util::future::join3(
            c.batch_execute("BEGIN"),
            c.execute(&lock, &[&WRITE_LOCK]),
            c.query_one(&read_head, &[]),
        )
        .await;
        begun?;
        locked?;
        turn.next_seq = head?.get::<_, i64>(0) + 1;
        Ok(turn)
    }

    pub(super) fn client(&self) -> &deadpool_postgres::Object {
        match &self.client {
            Some(c) => c,
            None => unreachable!("a turn holds its connection until it ends"),
        }
    }

    /// Commits what was written in the turn, with its log entry, and ends it.
    pub(super) async fn commit(
        mut self,
        node: &str,
        channel: &str,
        changes: &[Change],
    ) -> Result<(), BackendError> {
        let c = self.client();
        let insert = c
            .prepare_cached("INSERT INTO change_log (seq, node, changes) VALUES ($1, $2, $3)")
            .await?;
        let notify = c.prepare_cached("SELECT pg_notify($1, $2)").await?;
        let (set, seq) = (
            postgres_types::Json(logged(changes)),
            self.next_seq.to_string(),
        );
        // Pipelined, run in order. Should the insert fail, PostgreSQL turns the COMMIT into
        // a rollback; the insert's error is what is returned.
        let (logged_set, notified, committed) = futures_util::future::join3(
            c.execute(&insert, &[&self.next_seq, &node, &set]),
            c.execute(&notify, &[&channel, &seq]),
            c.batch_execute("COMMIT"),
        )
        .await;
        logged_set?;
        notified?;
        committed?;
        // Back to the pool: the transaction ended cleanly.
        self.client.take();
        Ok(())
    }

    /// Ends the turn without writing.
    pub(crate) async fn release(mut self) {
        if let Some(c) = &self.client
            && c.batch_execute("ROLLBACK").await.is_ok()
        {
            self.client.take();
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            // Closing the connection rolls the transaction back and frees the lock.
            drop(deadpool_postgres::Object::take(c));
        }
    }
}

const HEAD: &str = "SELECT coalesce(max(seq), 0) FROM change_log";

/// The slot of node `node` (see the `nodes` table): the one it had, or the lowest free one.
pub(super) async fn claim_slot(
    pool: &deadpool_postgres::Pool,
    node: &str,
) -> Result<u16, BackendError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // Under the writers' lock, so two nodes starting at once do not pick the same slot.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
        .await?;
    let max_slot = (1i32 << crate::backend::NODE_SLOT_BITS) - 1;
    tx.execute(
        "INSERT INTO nodes (node, slot) \
         SELECT $1, s::smallint FROM generate_series(0, $2::int) s \
         WHERE s NOT IN (SELECT slot FROM nodes) ORDER BY s LIMIT 1 \
         ON CONFLICT (node) DO NOTHING",
        &[&node, &max_slot],
    )
    .await?;
    let row = tx
        .query_opt("SELECT slot FROM nodes WHERE node = $1", &[&node])
        .await?;
    tx.commit().await?;
    match row {
        Some(row) => Ok(row.get::<_, i16>(0) as u16),
        None => Err(BackendError::Config(format!(
            "node id {node:?}: all {} node slots of this database are taken by other node ids \
             (see the nodes table; remove rows of node ids that are gone for good)",
            max_slot + 1
        ))),
    }
}

/// Change sets with `seq` in `(after, upto]`, oldest first, at most `CATCH_UP`; with the
/// last sequence number read (`after` when none).
pub(super) async fn read_sets(
    client: &impl deadpool_postgres::GenericClient,
    after: i64,
    upto: Option<i64>,
) -> Result<(Vec<Vec<Change>>, i64), BackendError> {
    let rows = client
        .query(
            "SELECT seq, changes::text FROM change_log \
             WHERE seq > $1 AND ($2::bigint IS NULL OR seq <= $2) ORDER BY seq LIMIT $3",
            &[&after, &upto, &CATCH_UP],
        )
        .await?;
    let mut last = after;
    let mut sets = Vec::with_capacity(rows.len());
    // The log has no gaps, except where it was pruned (`prune`).
    if let Some(first) = rows.first().map(|r| r.get::<_, i64>(0))
        && first > after + 1
    {
        return Err(BackendError::FellBehind {
            from: after + 1,
            to: first - 1,
        });
    }
    for row in rows {
        let seq: i64 = row.get(0);
        sets.push(decode_set(seq, row.get(1))?);
        last = seq;
    }
    Ok((sets, last))
}

/// Deletes change sets committed more than `older_than` ago, except the newest (whose
/// sequence number the next write counts on); how many went. A node that had not applied
/// them finds out at its next read (`BackendError::FellBehind`).
pub(super) async fn prune(
    client: &impl deadpool_postgres::GenericClient,
    older_than: Duration,
) -> Result<u64, BackendError> {
    let secs = older_than.as_secs_f64();
    Ok(client
        .execute(
            "DELETE FROM change_log WHERE at < now() - make_interval(secs => $1) \
             AND seq < (SELECT max(seq) FROM change_log)",
            &[&secs],
        )
        .await?)
}

/// What the listener tells the backend: that other nodes may have committed, and the
/// newest sequence number a notification carried.
#[derive(Default)]
pub(super) struct Follow {
    pub(super) hint: Notify,
    pub(super) head_seen: AtomicI64,
}

/// Listens on `channel` and wakes `hint` on each notification, reconnecting after a
/// failure; also wakes it every second so a missed notification costs at most that. Ends
/// when the backend that owns `hint` is gone.
pub(super) async fn listen(config: tokio_postgres::Config, channel: String, hint: Weak<Follow>) {
    // Said once per outage.
    let mut failing = false;
    loop {
        match config.connect(NoTls).await {
            Ok((client, connection)) => {
                failing = false;
                if listen_on(&client, connection, &channel, &hint).await == Listening::BackendGone {
                    return;
                }
            }
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "listening for other nodes' changes failed; trying every second");
            }
            Err(_) => {}
        }
        let Some(hint) = hint.upgrade() else { return };
        // While the connection is down, a catch-up every second still runs.
        hint.hint.notify_one();
        drop(hint);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[derive(PartialEq)]
enum Listening {
    ConnectionLost,
    BackendGone,
}

async fn listen_on(
    client: &tokio_postgres::Client,
    mut connection: tokio_postgres::Connection<
        tokio_postgres::Socket,
        tokio_postgres::tls::NoTlsStream,
    >,
    channel: &str,
    hint: &Weak<Follow>,
) -> Listening {
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    // A quoted identifier: the schema's name may hold any character but a double quote.
    let statement = format!("LISTEN \"{}\"", channel.replace('"', "\"\""));
    {
        // The connection must be polled for the LISTEN to complete.
        let mut listening = std::pin::pin!(client.batch_execute(&statement));
        loop {
            tokio::select! {
                r = &mut listening => match r {
                    Ok(()) => break,
                    Err(_) => return Listening::ConnectionLost,
                },
                m = messages.next() => if m.is_none() { return Listening::ConnectionLost },
            }
        }
    }
    loop {
        let message = tokio::time::timeout(Duration::from_secs(1), messages.next()).await;
        let Some(hint) = hint.upgrade() else {
            return Listening::BackendGone;
        };
        match message {
            Ok(Some(Ok(AsyncMessage::Notification(n)))) => {
                if let Ok(seq) = n.payload().parse::<i64>() {
                    hint.head_seen.fetch_max(seq, Ordering::SeqCst);
                }
                hint.hint.notify_one();
            }
            Err(_) => hint.hint.notify_one(),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return Listening::ConnectionLost,
        }
    }
}
