//! The IO around the provisioning core:
//!
//! - `autop_files`: `GET /autop/…`, AutoP files behind device authentication;
//! - `face_photos`: `GET /faces/…`, the photos of face credentials a door phone holds;
//! - `captured_images`: `POST /captures`, pictures devices take, kept with the events;
//! - `device_auth`: who a device request comes from (AutoP and face photos);
//! - `firmware_downloads`: `GET /firmware/…`, images by signed URL;
//! - `client_certs`: TLS of the AutoP listener that asks for client certificates;
//! - `config_notifier`: `ConfigChanged` to online devices whose file changed;
//! - `upgrades`: carries out the upgrade strategies' rollouts.
//!
//! They reach devices through `Devices` (the gateway's presence), never through the gateway
//! crate itself. `Provisioning` puts them together: `bind` opens the client-certificate
//! listener when there is one, `mount` adds the handlers to the HTTPS front, `run` runs the
//! loops until shutdown.

pub mod autop_files;
pub mod captured_images;
pub mod client_certs;
pub mod config_notifier;
pub mod device_auth;
pub mod face_photos;
pub mod firmware_downloads;
pub mod upgrades;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use porter_edge::https::{HttpsConfig, HttpsServer, Router};
use porter_edge::tls::{Identity, TlsError};
use porter_edge::{CancellationToken, TaskTracker};
use porter_firmware_store::FirmwareStore;
use porter_store::Store;
use porter_store::presence::{DeviceCommands, DevicePresence};

use crate::autop::ServerEndpoints;
use crate::signing::{FIRMWARE_PREFIX, UrlSigner};
use autop_files::AutopFiles;
use captured_images::CapturedImages;
use device_auth::DeviceAuth;
use face_photos::FacePhotos;
use firmware_downloads::FirmwareDownloads;
pub use upgrades::CallsInProgress;
use upgrades::UpgradeRunner;

/// Which devices are online, and sending them commands.
pub trait Devices: DevicePresence + DeviceCommands {}

impl<T: DevicePresence + DeviceCommands> Devices for T {}

/// Provisioning's settings.
#[derive(Debug, Clone)]
pub struct ProvisioningConfig {
    /// A second HTTPS listener for AutoP that requires a client certificate; a device whose
    /// certificate is registered in its settings needs no credential there (default: none).
    pub autop_mtls_listen: Option<SocketAddr>,
    /// Firmware downloads sending at once, and devices upgrading at once (default 500).
    pub firmware_max_downloads: usize,
}

impl Default for ProvisioningConfig {
    fn default() -> Self {
        ProvisioningConfig {
            autop_mtls_listen: None,
            firmware_max_downloads: 500,
        }
    }
}

/// What provisioning works with, from the other servers.
pub struct ProvisioningParts {
    pub store: Store,
    pub images: FirmwareStore,
    pub signer: UrlSigner,
    /// This node's devices (the gateway's sessions): configuration changes are told to the
    /// devices each node holds.
    pub devices: Arc<dyn Devices>,
    /// Devices on every node (cluster mode; else the same as `devices`): upgrade rollouts
    /// run on one node for all.
    pub rollout_devices: Arc<dyn Devices>,
    /// Where devices find the servers (written in their AutoP files and download links).
    pub endpoints: ServerEndpoints,
    /// Whether an account is in a call (the SIP servers know): upgrades wait for it.
    pub calls: Arc<dyn CallsInProgress>,
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("binding the AutoP client-certificate listener to {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the AutoP client-certificate listener's TLS: {0}")]
    Tls(#[from] TlsError),
}

/// Provisioning, bound and ready to `run`.
pub struct Provisioning {
    autop: Arc<AutopFiles>,
    faces: Arc<FacePhotos>,
    captures: Arc<CapturedImages>,
    firmware: Arc<FirmwareDownloads>,
    mtls: Option<(HttpsServer, Router)>,
    runner: UpgradeRunner,
    store: Store,
    devices: Arc<dyn Devices>,
    tasks: TaskTracker,
}

impl Provisioning {
    /// Opens the client-certificate listener, if configured, with `identity` and the HTTPS
    /// front's limits and lowest TLS version.
    pub async fn bind(
        config: ProvisioningConfig,
        parts: ProvisioningParts,
        identity: &Identity,
        https: &HttpsConfig,
    ) -> Result<Self, BindError> {
        // One count of failed authentications for everything devices fetch.
        let auth = Arc::new(DeviceAuth::default());
        let autop = Arc::new(AutopFiles::new(
            parts.store.clone(),
            parts.endpoints.clone(),
            auth.clone(),
        ));
        let faces = Arc::new(FacePhotos {
            store: parts.store.clone(),
            auth: auth.clone(),
        });
        let captures = Arc::new(CapturedImages {
            store: parts.store.clone(),
            auth,
        });
        let mtls = match config.autop_mtls_listen {
            Some(addr) => {
                let tls = client_certs::server_config(identity, https.tls_min)?;
                let router = Router::new()
                    .route(autop_files::PREFIX, autop.clone())
                    .route(face_photos::PREFIX, faces.clone())
                    .route(captured_images::PATH, captures.clone());
                let listen = HttpsConfig {
                    listen: addr,
                    ..https.clone()
                };
                let server = HttpsServer::bind(listen, tls, "autop-mtls")
                    .await
                    .map_err(|source| BindError::Listen { addr, source })?;
                Some((server, router))
            }
            None => None,
        };
        let firmware = Arc::new(FirmwareDownloads {
            store: parts.store.clone(),
            images: parts.images,
            signer: parts.signer.clone(),
            slots: Arc::new(tokio::sync::Semaphore::new(config.firmware_max_downloads)),
            fetching: tokio::sync::Mutex::new(()),
        });
        let tasks = TaskTracker::new();
        let runner = UpgradeRunner {
            store: parts.store.clone(),
            devices: parts.rollout_devices,
            signer: parts.signer,
            https_base: parts.endpoints.https_base.clone(),
            max_upgrading: config.firmware_max_downloads,
            calls: parts.calls,
            tasks: tasks.clone(),
        };
        Ok(Provisioning {
            autop,
            faces,
            captures,
            firmware,
            mtls,
            runner,
            store: parts.store,
            devices: parts.devices,
            tasks,
        })
    }

    /// The client-certificate listener's address, when there is one.
    pub fn mtls_addr(&self) -> Option<SocketAddr> {
        self.mtls.as_ref().and_then(|(s, _)| s.local_addr().ok())
    }

    /// `router` with AutoP, face photos, captured images and firmware downloads mounted.
    pub fn mount(&self, router: Router) -> Router {
        router
            .route(autop_files::PREFIX, self.autop.clone())
            .route(face_photos::PREFIX, self.faces.clone())
            .route(captured_images::PATH, self.captures.clone())
            .route(FIRMWARE_PREFIX, self.firmware.clone())
    }

    /// Runs the client-certificate listener, the configuration notices and the upgrade
    /// rollouts until `shutdown`, then waits for what they started.
    pub async fn run(self, shutdown: CancellationToken) {
        let loops = TaskTracker::new();
        if let Some((mtls, router)) = self.mtls {
            loops.spawn(mtls.run(router, shutdown.clone()));
        }
        let store = self.store.clone();
        loops.spawn(config_notifier::run(
            self.store,
            self.devices,
            self.autop,
            self.tasks.clone(),
            shutdown.clone(),
        ));
        // In a cluster one node at a time runs the rollouts.
        let runner = Arc::new(self.runner);
        loops.spawn(porter_store::lease::run_while_held(
            store,
            "upgrades",
            shutdown.clone(),
            move |held| upgrades::run(runner.clone(), held),
        ));
        shutdown.cancelled().await;
        porter_edge::shutdown::drain(&loops, DRAIN_GRACE, "provisioning").await;
        porter_edge::shutdown::drain(&self.tasks, DRAIN_GRACE, "provisioning commands").await;
    }
}

/// Commands in flight are bounded by their own timeouts (20 s at most); this is what
/// shutdown waits for them.
const DRAIN_GRACE: Duration = Duration::from_secs(10);
