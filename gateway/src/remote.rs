//! Remote control: an installer opens a device's web interface through the cloud. The admin
//! API asks for a grant (an unguessable token with an expiry, in a URL on the HTTPS
//! listener); each HTTP request on that URL becomes a tunnel stream over the device's open
//! gateway connection, carried by `TunnelStream`, a byte stream the HTTPS proxy speaks
//! HTTP/1.1 over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use porter_store::presence::{CommandError, RemoteControl, RemoteGrant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, oneshot};

use crate::presence::{Control, Presence, TunnelRequest};
use crate::session::{TunnelError, unix_ms};

#[derive(Debug, Clone)]
pub struct RemoteControlConfig {
    /// Where URLs point: the HTTPS listener as browsers reach it (`https://host:8443`).
    pub base_url: String,
    /// How long a URL works (default 30 min).
    pub ttl: Duration,
    /// Grants alive at once (default 10,000); past it, the ones closest to expiry go.
    pub max_grants: usize,
    /// The device-local port of its web interface (default 80).
    pub device_port: u32,
    /// A stream with no traffic either way for this long is closed (default 60 s).
    pub stream_idle: Duration,
}

impl RemoteControlConfig {
    pub fn new(base_url: String) -> Self {
        RemoteControlConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            ttl: Duration::from_secs(30 * 60),
            max_grants: 10_000,
            device_port: 80,
            stream_idle: Duration::from_secs(60),
        }
    }
}

/// The path under which grants live on the HTTPS listener.
pub const PATH_PREFIX: &str = "/remote/";

/// One granted URL.
#[derive(Debug, Clone)]
pub struct Grant {
    pub mac: String,
    pub device_id: u64,
    pub who: String,
    pub expires: Instant,
    pub expires_at_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the device is offline")]
    Offline,
    #[error("{0}")]
    Tunnel(#[from] TunnelError),
    #[error("the device's connection is too busy; try again")]
    Busy,
}

pub struct RemoteSessions {
    presence: Arc<Presence>,
    config: RemoteControlConfig,
    grants: Mutex<HashMap<String, Grant>>,
    /// Where tunnel streams run (the gateway's tasks, drained at shutdown).
    tasks: porter_edge::TaskTracker,
}

/// A stream's buffered device data, in frames (each at most a frame's size).
const TO_PROXY_QUEUE: usize = 32;
/// Bytes per tunnel frame from the proxy to the device.
const CHUNK: usize = 16 * 1024;

impl RemoteSessions {
    pub fn new(
        presence: Arc<Presence>,
        config: RemoteControlConfig,
        tasks: porter_edge::TaskTracker,
    ) -> Self {
        RemoteSessions {
            presence,
            config,
            grants: Mutex::new(HashMap::new()),
            tasks,
        }
    }

    /// Where a request's connection to the device runs (the gateway's tasks).
    pub(crate) fn tasks(&self) -> &porter_edge::TaskTracker {
        &self.tasks
    }

    fn grants(&self) -> std::sync::MutexGuard<'_, HashMap<String, Grant>> {
        self.grants.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live grant behind `token`, if any.
    pub fn grant_for(&self, token: &str) -> Option<Grant> {
        let mut grants = self.grants();
        match grants.get(token) {
            Some(g) if g.expires > Instant::now() => Some(g.clone()),
            Some(_) => {
                grants.remove(token);
                None
            }
            None => None,
        }
    }

    /// Ends every grant of a device whose session was revoked; its open streams end with
    /// the connection that carried them.
    pub fn revoke_device(&self, device_id: u64) -> usize {
        let mut grants = self.grants();
        let before = grants.len();
        grants.retain(|_, g| g.device_id != device_id);
        before - grants.len()
    }

    /// Keeps only the grants whose device is online and still authenticated as it (after
    /// the revocation feed lagged).
    pub fn retain_current(&self, presence: &Presence) {
        let grants: Vec<(String, String, u64)> = self
            .grants()
            .iter()
            .map(|(t, g)| (t.clone(), g.mac.clone(), g.device_id))
            .collect();
        for (token, mac, device_id) in grants {
            if presence.current_for(device_id, &mac).is_none() {
                self.grants().remove(&token);
            }
        }
    }

    /// Opens a stream to the web interface of the device a grant was made for: only while
    /// that device (not merely its MAC) is online and still authenticated as it.
    pub async fn connect(&self, grant: &Grant) -> Result<TunnelStream, OpenError> {
        let control = self
            .presence
            .current_for(grant.device_id, &grant.mac)
            .map(|d| d.control)
            .ok_or(OpenError::Offline)?;
        let (to_proxy, mut from_device) = mpsc::channel::<Bytes>(TO_PROXY_QUEUE);
        let (reply, opened) = oneshot::channel();
        control
            .try_send(Control::TunnelOpen(Box::new(TunnelRequest {
                port: self.config.device_port,
                to_proxy,
                reply,
            })))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => OpenError::Busy,
                mpsc::error::TrySendError::Closed(_) => OpenError::Offline,
            })?;
        let stream_id = opened.await.map_err(|_| OpenError::Offline)??;
        let (ours, mut theirs) = tokio::io::duplex(2 * CHUNK);
        let idle = self.config.stream_idle;
        self.tasks.spawn(async move {
            let mut buf = vec![0u8; CHUNK];
            let mut device_open = true;
            loop {
                tokio::select! {
                    chunk = from_device.recv(), if device_open => match chunk {
                        Some(b) => {
                            if theirs.write_all(&b).await.is_err() {
                                break;
                            }
                        }
                        None => {
                            // The device ended the stream: the proxy reads to the end.
                            device_open = false;
                            let _ = theirs.shutdown().await;
                        }
                    },
                    n = theirs.read(&mut buf) => match n {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let data = buf[..n].to_vec();
                            if control.send(Control::TunnelData { stream_id, data }).await.is_err() {
                                break;
                            }
                        }
                    },
                    () = tokio::time::sleep(idle) => break,
                }
            }
            let _ = control.try_send(Control::TunnelClose { stream_id });
        });
        Ok(TunnelStream(ours))
    }
}

/// The proxy's end of one remote-control stream.
pub struct TunnelStream(pub DuplexStream);

impl RemoteControl for RemoteSessions {
    fn grant(&self, mac: &str, device_id: u64, who: &str) -> Result<RemoteGrant, CommandError> {
        if self.presence.current_for(device_id, mac).is_none() {
            return Err(CommandError::Offline);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| CommandError::Busy)?;
        let token = hex::encode(bytes);
        let now = Instant::now();
        let expires_at_ms = unix_ms() + self.config.ttl.as_millis() as i64;
        let mut grants = self.grants();
        grants.retain(|_, g| g.expires > now);
        if grants.len() >= self.config.max_grants
            && let Some(first) = grants
                .iter()
                .min_by_key(|(_, g)| g.expires)
                .map(|(k, _)| k.clone())
        {
            grants.remove(&first);
        }
        grants.insert(
            token.clone(),
            Grant {
                mac: mac.to_owned(),
                device_id,
                who: who.to_owned(),
                expires: now + self.config.ttl,
                expires_at_ms,
            },
        );
        tracing::info!(mac, device_id, who, "remote control granted");
        Ok(RemoteGrant {
            url: format!("{}{PATH_PREFIX}{token}/", self.config.base_url),
            expires_at_ms,
        })
    }
}
