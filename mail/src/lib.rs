//! The mailer: drains the store's outbox (`porter_store::outbox`) to an SMTP server and runs
//! the schedules that queue notices (the manual's expiration emails).
//!
//! Same shape as the servers: a `MailConfig` whose `Default` holds the defaults,
//! `Mailer::new` that checks it, `run(shutdown)` that returns when both loops stopped.
//! A message is settled in the store only after the SMTP server took it, so a crash
//! between the two sends it again after restart (each carries a Message-ID of its own, so
//! a receiving system can tell); a message queued but not yet tried when the process dies
//! goes out once after restart.

mod metrics;
mod render;
mod retry;

use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use porter_store::Store;
use porter_store::outbox::MailMessage;
use tokio_util::sync::CancellationToken;

pub use metrics::MailMetrics;
pub use render::{CatalogError, Catalogs, Rendered};
pub use retry::{Outcome, next_state};

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://host:port` (plain), `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtps://host:465`, with `user:password@` when the server wants a login. `None`:
    /// messages are queued and listed but not sent.
    pub smtp_url: Option<String>,
    /// The From address, with an optional name: `Porter <noreply@example.com>`.
    pub from: String,
    /// Messages sent per second at most.
    pub max_per_second: u32,
    /// The portal's address, for the links in installers' and property managers' mail.
    pub portal_url: String,
    /// How often the schedules look for notices due.
    pub schedule_every: Duration,
    /// How long a message that cannot be delivered is retried before it is given up.
    pub retry_for: Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: None,
            from: "Porter <porter@localhost>".to_owned(),
            max_per_second: 20,
            portal_url: "https://localhost:9443".to_owned(),
            schedule_every: Duration::from_secs(300),
            retry_for: Duration::from_secs(2 * 24 * 3600),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("--smtp-url: {0}")]
    SmtpUrl(String),
    #[error("--mail-from {from:?}: {problem}")]
    From { from: String, problem: String },
    #[error("--mail-rate must be at least 1 message a second")]
    Rate,
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Pending messages read from the store at a time.
const BATCH: usize = 256;
/// Messages handed to the SMTP server at once, each on a connection of its own from the
/// pool. Each is settled durably before it counts as done; those in flight together share
/// one disk flush, which is what bounds a sequential sender (docs/BENCHMARKS.md).
const IN_FLIGHT: usize = 16;
/// How often the sender looks for retries that became due (new mail wakes it at once).
const POLL: Duration = Duration::from_secs(1);
/// How often settled messages past their retention are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

pub struct Mailer {
    config: MailConfig,
    store: Store,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    catalogs: Arc<Catalogs>,
    metrics: Arc<MailMetrics>,
}

impl Mailer {
    pub fn new(config: MailConfig, store: Store) -> Result<Self, MailError> {
        let from: Mailbox = config.from.parse().map_err(|e| MailError::From {
            from: config.from.clone(),
            problem: format!("{e}"),
        })?;
        if config.max_per_second == 0 {
            return Err(MailError::Rate);
        }
        let transport = match &config.smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::SmtpUrl(e.to_string()))?
                    .timeout(Some(Duration::from_secs(30)))
                    .pool_config(PoolConfig::new().max_size(IN_FLIGHT as u32))
                    .build(),
            ),
        };
        Ok(Mailer {
            config,
            store,
            transport,
            from,
            catalogs: Arc::new(Catalogs::load()?),
            metrics: Arc::default(),
        })
    }

    /// The counters `/metrics` shows.
    pub fn metrics(&self) -> Arc<MailMetrics> {
        self.metrics.clone()
    }

    /// Runs the schedules and the sender until `shutdown`; a message being sent then is
    /// finished first.
    pub async fn run(&self, shutdown: CancellationToken) {
        match &self.transport {
            Some(_) => tracing::info!(
                smtp = %redacted(self.config.smtp_url.as_deref().unwrap_or_default()),
                "mailer sending"
            ),
            None => tracing::warn!("no --smtp-url: email is queued and listed, not sent"),
        }
        tokio::join!(self.schedule(&shutdown), self.send_loop(&shutdown));
    }

    async fn schedule(&self, shutdown: &CancellationToken) {
        let mut last_prune: Option<tokio::time::Instant> = None;
        loop {
            match self.store.queue_expiration_notices().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(notices = n, "expiration notices offered"),
                Err(e) => tracing::warn!(error = %e, "queueing expiration notices failed"),
            }
            if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(tokio::time::Instant::now());
                if let Err(e) = self.store.prune_mail().await {
                    tracing::warn!(error = %e, "pruning the outbox failed");
                }
                if let Err(e) = self.store.prune_account_links().await {
                    tracing::warn!(error = %e, "pruning expired password links failed");
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.config.schedule_every) => {}
            }
        }
    }

    async fn send_loop(&self, shutdown: &CancellationToken) {
        let Some(transport) = &self.transport else {
            return;
        };
        let mut pace = tokio::time::interval(Duration::from_secs_f64(
            1.0 / f64::from(self.config.max_per_second),
        ));
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Consecutive failures to reach the server: the whole sender waits, rather than
        // trying every queued message against a server that is down.
        let mut failures = 0u32;
        while !shutdown.is_cancelled() {
            let due = match self.store.mail_due(BATCH).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the outbox failed");
                    Vec::new()
                }
            };
            if due.is_empty() {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = self.store.mail_queued_wait() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
                continue;
            }
            if self.send_batch(transport, due, &mut pace, shutdown).await {
                failures = 0;
                continue;
            }
            failures += 1;
            let wait = retry::backoff(failures);
            tracing::warn!(failures, wait_s = wait.as_secs(), "SMTP server unreachable");
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Sends `due` at the configured pace, up to `IN_FLIGHT` at once; false when the SMTP
    /// server could not be reached (the messages not yet started wait for the next try).
    /// On shutdown nothing new starts and what is in flight is finished.
    async fn send_batch(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        due: Vec<MailMessage>,
        pace: &mut tokio::time::Interval,
        shutdown: &CancellationToken,
    ) -> bool {
        let mut waiting = due.into_iter();
        let mut in_flight = FuturesUnordered::new();
        let mut reached = true;
        let mut stopping = false;
        loop {
            let room = reached && !stopping && in_flight.len() < IN_FLIGHT && waiting.len() > 0;
            tokio::select! {
                _ = shutdown.cancelled(), if room => stopping = true,
                _ = pace.tick(), if room => {
                    if let Some(m) = waiting.next() {
                        in_flight.push(self.send_one(transport, m));
                    }
                }
                done = in_flight.next(), if !in_flight.is_empty() => {
                    reached &= done.unwrap_or(true);
                }
                else => return reached,
            }
        }
    }

    /// Delivers one message and records what became of it; false when the SMTP server
    /// could not be reached.
    async fn send_one(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        m: MailMessage,
    ) -> bool {
        let outcome = self.deliver(transport, &m).await;
        self.metrics.record(&outcome);
        let after = next_state(&m, &outcome, self.store.now_ms(), self.config.retry_for);
        // Messages in flight together share the store's flush (a group commit).
        if let Err(e) = self.store.settle_mail(&m, &after).await {
            tracing::warn!(error = %e, id = m.id, "recording a message's state failed");
        }
        !matches!(outcome, Outcome::Unreachable(_))
    }

    async fn deliver(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        m: &MailMessage,
    ) -> Outcome {
        let email = match self.compose(m) {
            Ok(email) => email,
            Err(problem) => return Outcome::Refused(problem),
        };
        match transport.send(email).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::Refused(e.to_string()),
            Err(e) if e.is_transient() => Outcome::Deferred(e.to_string()),
            Err(e) => Outcome::Unreachable(e.to_string()),
        }
    }

    fn compose(&self, m: &MailMessage) -> Result<Message, String> {
        let rendered = self.catalogs.render(m, &self.config.portal_url);
        let address =
            m.to.parse()
                .map_err(|e| format!("recipient {:?}: {e}", m.to))?;
        let domain = self.from.email.domain().to_owned();
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(m.to_name.clone()), address))
            .subject(rendered.subject)
            .message_id(Some(format!("<porter-{}@{domain}>", m.id)))
            .header(ContentLanguage(rendered.language))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| e.to_string())
    }
}

/// `Content-Language` (RFC 3282): the language the message is written in.
#[derive(Clone)]
struct ContentLanguage(&'static str);

impl header::Header for ContentLanguage {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("not parsed: {s}").into())
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.to_owned())
    }
}

/// The SMTP URL without its password, for the log.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_end = url[scheme + 3..at]
                .find(':')
                .map_or(at, |colon| scheme + 3 + colon);
            format!("{}:***{}", &url[..user_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_never_shows_the_smtp_password() {
        assert_eq!(
            redacted("smtps://user:secret@mail.example.com:465"),
            "smtps://user:***@mail.example.com:465"
        );
        assert_eq!(redacted("smtp://127.0.0.1:25"), "smtp://127.0.0.1:25");
    }

    #[test]
    fn bad_settings_are_named() {
        let store = Store::in_memory(Arc::new(porter_store::SystemClock));
        let config = |f: fn(&mut MailConfig)| {
            let mut c = MailConfig::default();
            f(&mut c);
            c
        };
        let err = |c| Mailer::new(c, store.clone()).err().map(|e| e.to_string());
        assert!(
            err(config(|c| c.from = "not an address".into()))
                .is_some_and(|e| e.starts_with("--mail-from"))
        );
        assert!(
            err(config(|c| c.smtp_url = Some("ftp://x".into())))
                .is_some_and(|e| e.starts_with("--smtp-url"))
        );
        assert!(err(config(|c| c.max_per_second = 0)).is_some());
        assert!(err(MailConfig::default()).is_none());
    }
}
