//! PostgreSQL as the system of record (`--store postgres://…`): tokio-postgres through a
//! deadpool pool, the schema from versioned migrations (`store/migrations`, refinery) run
//! at connect under an advisory lock so that nodes starting together migrate once.
//!
//! A change set is one transaction; its commit is durable, so `sync` only waits for the
//! background appends (`appends.rs`). The whole directory and every Last Connection are
//! read at connect, which is what `load` and `load_last_seen` hand to the store.

mod appends;
mod change_log;
mod images;
mod leases;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use postgres_types::Json;
use tokio_postgres::NoTls;

use super::{Backend, BackendFuture, EventPredicate, WriteTurn};
use crate::error::BackendError;
use crate::events::{DeviceEventRecord, EventFilter, capture_image_key};
use crate::last_seen::LastSeen;
use crate::model::Id;
use crate::outbox::{self, MailMessage};
use crate::record::{AuditEntry, Change, Record};
use appends::{Append, Appender};
pub(crate) use change_log::Turn;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Connections a node keeps open at most.
const POOL_SIZE: usize = 16;
/// The advisory lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x706f_7274_6572; // "porter"

pub struct PostgresBackend {
    pool: Pool,
    /// This node's name in the change log.
    node: String,
    /// The channel commits notify (`change_log::channel`).
    channel: String,
    /// This node's slot (`Backend::node_slot`, the `nodes` table).
    slot: u16,
    /// Who holds this process's leases: the node id and when the process started.
    holder: String,
    /// The last change-log entry this node's directory holds.
    applied: AtomicI64,
    /// Woken when another node may have committed, with the newest entry this node has
    /// seen in the log (`change_log::listen`; the lag it reports).
    follow: Arc<change_log::Follow>,
    loaded: Mutex<Option<Loaded>>,
    appender: Appender,
}

struct Loaded {
    records: Vec<Record>,
    last_seen: Vec<(Id, LastSeen)>,
}

impl PostgresBackend {
    /// Connects to `url` (`postgres://user:password@host:port/database`) as node `node`,
    /// brings the schema up to date and reads the directory.
    pub async fn connect(url: &str, node: &str) -> Result<Self, BackendError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| BackendError::Config(format!("--store: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            // A database that does not answer fails a request in seconds (UNAVAILABLE)
            // rather than holding it.
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| BackendError::Config(e.to_string()))?;
        migrate(&pool).await?;
        let slot = change_log::claim_slot(&pool, node).await?;
        let (loaded, head) = load(&pool).await?;
        let (appender, writer) = Appender::new(pool.clone());
        // Ends when the backend (and with it the appender) is dropped, after writing what
        // was queued; `sync` waits for that at shutdown.
        tokio::spawn(writer);
        let follow = Arc::new(change_log::Follow::default());
        follow.head_seen.store(head, Ordering::SeqCst);
        let channel = change_log::channel(&pool.get().await?).await?;
        // Ends when the backend (and with it `follow`) is dropped.
        tokio::spawn(change_log::listen(
            config,
            channel.clone(),
            Arc::downgrade(&follow),
        ));
        Ok(PostgresBackend {
            pool,
            node: node.to_owned(),
            slot,
            holder: leases::holder(node),
            applied: AtomicI64::new(head),
            follow,
            channel,
            loaded: Mutex::new(Some(loaded)),
            appender,
        })
    }
}

/// A URL for a new, empty schema on the server at `server_url`: tests and benchmarks run
/// side by side on one server, each in its own schema (named after the process and a count).
pub async fn fresh_schema_url(server_url: &str) -> Result<String, BackendError> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let schema = format!("t{}_{n}", std::process::id());
    let (client, connection) = tokio_postgres::connect(server_url, NoTls).await?;
    let driver = tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await?;
    drop(client);
    let _ = driver.await;
    let separator = if server_url.contains('?') { '&' } else { '?' };
    Ok(format!(
        "{server_url}{separator}options=-csearch_path%3D{schema}"
    ))
}

async fn migrate(pool: &Pool) -> Result<(), BackendError> {
    let mut client = pool.get().await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let ran = embedded::migrations::runner()
        .run_async(&mut **client)
        .await
        .map_err(|e| BackendError::Migration(e.to_string()));
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    ran.map(|_| ())
}

/// The directory, the Last Connections and the change log's head, read in one snapshot so
/// that following the log from that head misses nothing and repeats nothing.
async fn load(pool: &Pool) -> Result<(Loaded, i64), BackendError> {
    let mut client = pool.get().await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let head: i64 = tx
        .query_one("SELECT coalesce(max(seq), 0) FROM change_log", &[])
        .await?
        .get(0);
    let records = tx
        .query("SELECT key, value::text FROM records", &[])
        .await?
        .iter()
        .map(|row| decode(row.get(0), row.get(1)))
        .collect::<Result<_, _>>()?;
    let last_seen = tx
        .query("SELECT device_id, seen::text FROM last_seen", &[])
        .await?
        .iter()
        .map(|row| {
            let id: i64 = row.get(0);
            Ok((id as Id, decode(&format!("last_seen/{id}"), row.get(1))?))
        })
        .collect::<Result<_, BackendError>>()?;
    tx.commit().await?;
    Ok((Loaded { records, last_seen }, head))
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, text: &str) -> Result<T, BackendError> {
    serde_json::from_str(text).map_err(|source| BackendError::Decode {
        key: key.to_owned(),
        source,
    })
}

/// PostgreSQL's bigint for the store's unsigned ids and sequence numbers, which stay far
/// below 2^63 (ids count up from 1; event sequences are milliseconds × 1024).
fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A change set reduced to its final effect per key, so each table gets one statement.
#[derive(Default)]
struct Effects<'a> {
    records: BTreeMap<String, Option<&'a Record>>,
    blobs: BTreeMap<&'a str, Option<&'a [u8]>>,
    audit: Vec<&'a AuditEntry>,
    mail: Vec<&'a MailMessage>,
}

impl<'a> Effects<'a> {
    fn of(changes: &'a [Change]) -> Self {
        let mut e = Effects::default();
        for change in changes {
            match change {
                Change::Put(r) => {
                    e.records.insert(r.key().encode(), Some(r));
                }
                Change::Delete(key) => {
                    e.records.insert(key.encode(), None);
                }
                Change::Audit(entry) => e.audit.push(entry),
                Change::PutBlob(key, bytes) => {
                    e.blobs.insert(key, Some(bytes));
                }
                Change::DeleteBlob(key) => {
                    e.blobs.insert(key, None);
                }
                Change::QueueMail(m) => e.mail.push(m),
            }
        }
        e
    }
}

/// Runs `sql` as a statement prepared once per connection (`prepare_cached`): one round
/// trip where a plain `execute` of text takes two (prepare, then execute).
pub(super) async fn run(
    client: &impl deadpool_postgres::GenericClient,
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<u64, BackendError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.execute(&statement, params).await?)
}

async fn write_effects(
    tx: &impl deadpool_postgres::GenericClient,
    e: Effects<'_>,
) -> Result<(), BackendError> {
    let (put, gone): (Vec<_>, Vec<_>) = e.records.into_iter().partition(|(_, r)| r.is_some());
    if !put.is_empty() {
        let keys: Vec<&str> = put.iter().map(|(k, _)| k.as_str()).collect();
        let values: Vec<Json<&Record>> = put.iter().filter_map(|(_, r)| r.map(Json)).collect();
        run(
            tx,
            "INSERT INTO records (key, value) SELECT * FROM unnest($1::text[], $2::jsonb[]) \
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&keys, &values],
        )
        .await?;
    }
    if !gone.is_empty() {
        let keys: Vec<&str> = gone.iter().map(|(k, _)| k.as_str()).collect();
        run(tx, "DELETE FROM records WHERE key = ANY($1)", &[&keys]).await?;
    }
    let (put, gone): (Vec<_>, Vec<_>) = e.blobs.into_iter().partition(|(_, b)| b.is_some());
    if !put.is_empty() {
        let keys: Vec<&str> = put.iter().map(|(k, _)| *k).collect();
        let bytes: Vec<&[u8]> = put.iter().filter_map(|(_, b)| *b).collect();
        run(
            tx,
            "INSERT INTO blobs (key, bytes) SELECT * FROM unnest($1::text[], $2::bytea[]) \
             ON CONFLICT (key) DO UPDATE SET bytes = EXCLUDED.bytes",
            &[&keys, &bytes],
        )
        .await?;
    }
    if !gone.is_empty() {
        let keys: Vec<&str> = gone.iter().map(|(k, _)| *k).collect();
        run(tx, "DELETE FROM blobs WHERE key = ANY($1)", &[&keys]).await?;
    }
    if !e.audit.is_empty() {
        let installers: Vec<i64> = e.audit.iter().map(|a| big(a.installer_id)).collect();
        let seqs: Vec<i64> = e.audit.iter().map(|a| big(a.seq)).collect();
        let entries: Vec<Json<&AuditEntry>> = e.audit.iter().map(|a| Json(*a)).collect();
        run(
            tx,
            "INSERT INTO audit (installer_id, seq, entry) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::jsonb[])",
            &[&installers, &seqs, &entries],
        )
        .await?;
    }
    if !e.mail.is_empty() {
        queue_mail(tx, &e.mail).await?;
    }
    Ok(())
}

/// Inserts messages whose dedupe key is new; the first of a set wins, as on sled.
async fn queue_mail(
    tx: &impl deadpool_postgres::GenericClient,
    mail: &[&MailMessage],
) -> Result<(), BackendError> {
    let ids: Vec<i64> = mail.iter().map(|m| big(m.id)).collect();
    let dedupes: Vec<&str> = mail.iter().map(|m| m.dedupe.as_str()).collect();
    let installers: Vec<i64> = mail.iter().map(|m| big(m.installer_id)).collect();
    let queued: Vec<i64> = mail.iter().map(|m| m.queued_ms).collect();
    let due: Vec<Option<i64>> = mail.iter().map(|m| m.state.due_ms()).collect();
    let messages: Vec<Json<&MailMessage>> = mail.iter().map(|m| Json(*m)).collect();
    run(
        tx,
        "INSERT INTO mail (id, dedupe, installer_id, queued_ms, due_ms, message) \
         SELECT id, dedupe, installer_id, queued_ms, due_ms, message FROM unnest(\
             $1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::jsonb[]) \
         WITH ORDINALITY AS m(id, dedupe, installer_id, queued_ms, due_ms, message, n) \
         ORDER BY n ON CONFLICT (dedupe) DO NOTHING",
        &[&ids, &dedupes, &installers, &queued, &due, &messages],
    )
    .await?;
    Ok(())
}

impl PostgresBackend {
    async fn take_turn(&self) -> Result<WriteTurn, BackendError> {
        let turn = Turn::take(self.pool.get().await?).await?;
        let head = turn.next_seq - 1;
        self.follow.head_seen.fetch_max(head, Ordering::SeqCst);
        let mut missed = Vec::new();
        let mut applied = self.applied.load(Ordering::SeqCst);
        while applied < head {
            let (sets, last) = change_log::read_sets(turn.client(), applied, Some(head)).await?;
            missed.extend(sets);
            applied = last;
        }
        // The caller applies them before anything else reads its turn.
        self.applied.store(head, Ordering::SeqCst);
        Ok(WriteTurn {
            missed,
            held: Some(turn),
        })
    }

    async fn commit_set(&self, changes: &[Change], turn: WriteTurn) -> Result<(), BackendError> {
        let (turn, own) = match turn.held {
            Some(turn) => (turn, true),
            // Direct use of the backend (its tests): a turn of its own, nothing caught up.
            None => (Turn::take(self.pool.get().await?).await?, false),
        };
        let seq = turn.next_seq;
        write_effects(turn.client(), Effects::of(changes)).await?;
        turn.commit(&self.node, &self.channel, changes).await?;
        if own {
            self.applied.store(seq, Ordering::SeqCst);
        }
        Ok(())
    }

    async fn sets_since_applied(&self) -> Result<Vec<Vec<Change>>, BackendError> {
        let client = self.pool.get().await?;
        let after = self.applied.load(Ordering::SeqCst);
        let (sets, last) = change_log::read_sets(&client, after, None).await?;
        self.applied.store(last, Ordering::SeqCst);
        // The head itself is learnt from the commits' notifications (`change_log::listen`),
        // not asked for on every catch-up.
        self.follow.head_seen.fetch_max(last, Ordering::SeqCst);
        Ok(sets)
    }

    async fn get_blob(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        self.appender.written_up_to_now().await?;
        let client = self.pool.get().await?;
        let row = client
            .query_opt("SELECT bytes FROM blobs WHERE key = $1", &[&key])
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn scan_events(
        &self,
        community_id: Id,
        before_seq: u64,
        filter: &EventFilter,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<DeviceEventRecord>, BackendError> {
        self.appender.written_up_to_now().await?;
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT seq, event::text FROM events WHERE community_id = $1 AND seq < $2 \
                 ORDER BY seq DESC LIMIT $3",
                &[
                    &big(community_id),
                    &big(before_seq),
                    &big(scan_limit as u64),
                ],
            )
            .await?;
        let mut out = Vec::with_capacity(limit.min(512));
        for row in rows {
            let seq: i64 = row.get(0);
            let e: DeviceEventRecord = decode(&format!("event/{community_id}/{seq}"), row.get(1))?;
            if filter.matches(&e) {
                out.push(e);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    async fn remove_events(
        &self,
        community_id: Id,
        keep: usize,
        remove: &EventPredicate,
    ) -> Result<usize, BackendError> {
        self.appender.written_up_to_now().await?;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                "SELECT seq, event::text FROM events WHERE community_id = $1 ORDER BY seq DESC",
                &[&big(community_id)],
            )
            .await?;
        let mut seqs = Vec::new();
        let mut images = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let seq: i64 = row.get(0);
            let event: Result<DeviceEventRecord, _> = serde_json::from_str(row.get(1));
            if i >= keep || event.map_or(true, |e| remove(&e)) {
                seqs.push(seq);
                images.push(capture_image_key(community_id, seq as u64));
            }
        }
        if !seqs.is_empty() {
            tx.execute(
                "DELETE FROM events WHERE community_id = $1 AND seq = ANY($2)",
                &[&big(community_id), &seqs],
            )
            .await?;
            tx.execute("DELETE FROM blobs WHERE key = ANY($1)", &[&images])
                .await?;
        }
        tx.commit().await?;
        Ok(seqs.len())
    }

    async fn due_mail(&self, now_ms: i64, limit: usize) -> Result<Vec<MailMessage>, BackendError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT id, message::text FROM mail WHERE due_ms <= $1 \
                 ORDER BY due_ms, id LIMIT $2",
                &[&now_ms, &big(limit as u64)],
            )
            .await?;
        rows.iter().map(mail_of_row).collect()
    }

    async fn settle(&self, before: &MailMessage, after: &MailMessage) -> Result<(), BackendError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE mail SET due_ms = $2, message = $3 WHERE id = $1",
                &[&big(before.id), &after.state.due_ms(), &Json(after)],
            )
            .await?;
        Ok(())
    }

    async fn page_mail(
        &self,
        installer_id: Option<Id>,
        before_id: u64,
        limit: usize,
        scan_limit: usize,
    ) -> Result<Vec<MailMessage>, BackendError> {
        let client = self.pool.get().await?;
        // The index on (installer_id, id) answers an installer's page; the operator's is
        // the newest of all. `scan_limit` bounds the sled walk; here the index bounds it.
        let _ = scan_limit;
        let rows = client
            .query(
                "SELECT id, message::text FROM mail \
                 WHERE id < $1 AND ($2::bigint IS NULL OR installer_id = $2) \
                 ORDER BY id DESC LIMIT $3",
                &[&big(before_id), &installer_id.map(big), &big(limit as u64)],
            )
            .await?;
        rows.iter().map(mail_of_row).collect()
    }

    async fn remove_mail(&self, now_ms: i64) -> Result<usize, BackendError> {
        let client = self.pool.get().await?;
        // Settled comes after queued, so only messages queued before the retention period
        // can be due for pruning; `outbox::prunable` decides among them.
        let rows = client
            .query(
                "SELECT id, message::text FROM mail WHERE queued_ms < $1",
                &[&(now_ms - outbox::MAIL_RETENTION_MS)],
            )
            .await?;
        let mut ids = Vec::new();
        for row in &rows {
            let m = mail_of_row(row)?;
            if outbox::prunable(&m, now_ms) {
                ids.push(big(m.id));
            }
        }
        if !ids.is_empty() {
            client
                .execute("DELETE FROM mail WHERE id = ANY($1)", &[&ids])
                .await?;
        }
        Ok(ids.len())
    }

    async fn page_audit(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, BackendError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT seq, entry::text FROM audit WHERE installer_id = $1 AND seq < $2 \
                 ORDER BY seq DESC LIMIT $3",
                &[&big(installer_id), &big(before_seq), &big(limit as u64)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let seq: i64 = row.get(0);
                decode(&format!("audit/{installer_id}/{seq}"), row.get(1))
            })
            .collect()
    }
}

fn mail_of_row(row: &tokio_postgres::Row) -> Result<MailMessage, BackendError> {
    let id: i64 = row.get(0);
    decode(&format!("mail/{id}"), row.get(1))
}

impl Backend for PostgresBackend {
    fn load(&self) -> Result<Vec<Record>, BackendError> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        Ok(loaded
            .as_mut()
            .map(|l| std::mem::take(&mut l.records))
            .unwrap_or_default())
    }

    fn node_slot(&self) -> u16 {
        self.slot
    }

    fn change_log_lag(&self) -> Option<u64> {
        let behind =
            self.follow.head_seen.load(Ordering::SeqCst) - self.applied.load(Ordering::SeqCst);
        Some(u64::try_from(behind).unwrap_or(0))
    }

    fn share_image<'a>(
        &'a self,
        sha256: &'a str,
        path: &'a std::path::Path,
    ) -> BackendFuture<'a, ()> {
        Box::pin(images::share(&self.pool, sha256, path))
    }

    fn fetch_image<'a>(
        &'a self,
        sha256: &'a str,
        dest: &'a std::path::Path,
    ) -> BackendFuture<'a, bool> {
        Box::pin(images::fetch(&self.pool, sha256, dest))
    }

    fn forget_image<'a>(&'a self, sha256: &'a str) -> BackendFuture<'a, ()> {
        Box::pin(images::forget(&self.pool, sha256))
    }

    fn hold_lease<'a>(
        &'a self,
        name: &'a str,
        ttl: std::time::Duration,
    ) -> BackendFuture<'a, bool> {
        Box::pin(leases::hold(&self.pool, name, &self.holder, ttl))
    }

    fn release_lease<'a>(&'a self, name: &'a str) -> BackendFuture<'a, ()> {
        Box::pin(leases::release(&self.pool, name, &self.holder))
    }

    fn begin_write(&self) -> BackendFuture<'_, WriteTurn> {
        Box::pin(self.take_turn())
    }

    fn commit<'a>(&'a self, changes: &'a [Change], turn: WriteTurn) -> BackendFuture<'a, ()> {
        Box::pin(self.commit_set(changes, turn))
    }

    fn changes_since_applied(&self) -> BackendFuture<'_, Vec<Vec<Change>>> {
        Box::pin(self.sets_since_applied())
    }

    fn changes_hint(&self) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            self.follow.hint.notified().await;
            Ok(())
        })
    }

    fn blob<'a>(&'a self, key: &'a str) -> BackendFuture<'a, Option<Vec<u8>>> {
        Box::pin(self.get_blob(key))
    }

    fn sync(&self) -> BackendFuture<'_, ()> {
        Box::pin(self.appender.written_up_to_now())
    }

    fn append_events(&self, events: &[DeviceEventRecord]) -> Result<(), BackendError> {
        self.appender.push(Append::Events(events.to_vec()))
    }

    fn append_capture(&self, event: &DeviceEventRecord, image: &[u8]) -> Result<(), BackendError> {
        self.appender
            .push(Append::Capture(event.clone(), image.to_vec()))
    }

    fn events_page<'a>(
        &'a self,
        community_id: Id,
        before_seq: u64,
        filter: &'a EventFilter,
        limit: usize,
        scan_limit: usize,
    ) -> BackendFuture<'a, Vec<DeviceEventRecord>> {
        Box::pin(self.scan_events(community_id, before_seq, filter, limit, scan_limit))
    }

    fn prune_events<'a>(
        &'a self,
        community_id: Id,
        keep: usize,
        remove: &'a EventPredicate,
    ) -> BackendFuture<'a, usize> {
        Box::pin(self.remove_events(community_id, keep, remove))
    }

    fn load_last_seen(&self) -> Result<Vec<(Id, LastSeen)>, BackendError> {
        Ok(self.take_loaded_last_seen())
    }

    fn put_last_seen(&self, entries: &[(Id, LastSeen)], gone: &[Id]) -> Result<(), BackendError> {
        self.appender
            .push(Append::LastSeen(entries.to_vec(), gone.to_vec()))
    }

    fn mail_due(&self, now_ms: i64, limit: usize) -> BackendFuture<'_, Vec<MailMessage>> {
        Box::pin(self.due_mail(now_ms, limit))
    }

    fn settle_mail<'a>(
        &'a self,
        before: &'a MailMessage,
        after: &'a MailMessage,
    ) -> BackendFuture<'a, ()> {
        Box::pin(self.settle(before, after))
    }

    fn mail_page(
        &self,
        installer_id: Option<Id>,
        before_id: u64,
        limit: usize,
        scan_limit: usize,
    ) -> BackendFuture<'_, Vec<MailMessage>> {
        Box::pin(self.page_mail(installer_id, before_id, limit, scan_limit))
    }

    fn prune_mail(&self, now_ms: i64) -> BackendFuture<'_, usize> {
        Box::pin(self.remove_mail(now_ms))
    }

    fn prune_change_log(&self, older_than: std::time::Duration) -> BackendFuture<'_, u64> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            change_log::prune(&client, older_than).await
        })
    }

    fn audit_page(
        &self,
        installer_id: Id,
        before_seq: u64,
        limit: usize,
    ) -> BackendFuture<'_, Vec<AuditEntry>> {
        Box::pin(self.page_audit(installer_id, before_seq, limit))
    }
}

impl PostgresBackend {
    fn take_loaded_last_seen(&self) -> Vec<(Id, LastSeen)> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        loaded
            .as_mut()
            .map(|l| std::mem::take(&mut l.last_seen))
            .unwrap_or_default()
    }
}
