//! Porter's admin API: tonic services over `porter-store`.
//!
//! One `AdminApi` value implements every service; each service lives in its own file under
//! `services/`. Handlers authenticate the bearer token, convert protobuf to domain types
//! (`convert`), call the store, and map errors in one place (`error`). `server` serves them
//! over gRPC and gRPC-Web with the admin listener's bounds.

mod auth;
mod convert;
pub mod error;
pub mod server;
mod services;

use std::sync::Arc;
use std::time::Duration;

use porter_proto::admin::v1 as pb;
use porter_store::Store;

pub use auth::LoginLimits;

/// Largest request of the services that take file uploads: the store's upload limit plus
/// room for the message around it.
const MAX_UPLOAD_MESSAGE_BYTES: usize = porter_store::tabular::MAX_UPLOAD_BYTES + 64 * 1024;

/// Settings of the admin API.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// How long a login token stays valid (default 12 h).
    pub token_ttl: Duration,
    pub login_limits: LoginLimits,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            token_ttl: Duration::from_secs(12 * 3600),
            login_limits: LoginLimits::default(),
        }
    }
}

#[derive(Clone)]
pub struct AdminApi {
    store: Store,
    presence: Option<Arc<dyn porter_store::presence::DevicePresence>>,
    commands: Option<Arc<dyn porter_store::presence::DeviceCommands>>,
    remote: Option<Arc<dyn porter_store::presence::RemoteControl>>,
    firmware: Option<(porter_firmware_store::FirmwareStore, Arc<FirmwareLinks>)>,
    config: Arc<AdminConfig>,
    limiter: Arc<auth::LoginLimiter>,
}

/// How the HTTPS listener's firmware download links are made.
#[derive(Debug)]
pub struct FirmwareLinks {
    pub signer: porter_provisioning::signing::UrlSigner,
    /// `https://host:port`, without a trailing slash.
    pub base_url: String,
}

/// `svc` behind the token check (see `auth::TokenGuard`).
fn guarded<S>(
    svc: S,
    guard: &auth::TokenGuard,
) -> tonic::service::interceptor::InterceptedService<S, auth::TokenGuard> {
    tonic::service::interceptor::InterceptedService::new(svc, guard.clone())
}

/// Errors building the API.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("building gRPC reflection failed: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

impl AdminApi {
    pub fn new(store: Store, config: AdminConfig) -> Self {
        let limiter = Arc::new(auth::LoginLimiter::new(config.login_limits.clone()));
        AdminApi {
            store,
            presence: None,
            commands: None,
            remote: None,
            firmware: None,
            config: Arc::new(config),
            limiter,
        }
    }

    /// Lets device views show whether a device is connected (the gateway's presence).
    pub fn with_presence(
        mut self,
        presence: Arc<dyn porter_store::presence::DevicePresence>,
    ) -> Self {
        self.presence = Some(presence);
        self
    }

    /// Lets the device service send commands (the gateway).
    pub fn with_commands(
        mut self,
        commands: Arc<dyn porter_store::presence::DeviceCommands>,
    ) -> Self {
        self.commands = Some(commands);
        self
    }

    /// Lets the device service hand out remote-control URLs (the gateway's HTTPS side).
    pub fn with_remote_control(
        mut self,
        remote: Arc<dyn porter_store::presence::RemoteControl>,
    ) -> Self {
        self.remote = Some(remote);
        self
    }

    /// Lets the firmware service keep uploaded images and hand out download links.
    pub fn with_firmware(
        mut self,
        images: porter_firmware_store::FirmwareStore,
        links: FirmwareLinks,
    ) -> Self {
        self.firmware = Some((images, Arc::new(links)));
        self
    }

    /// Every admin service plus gRPC reflection (v1 and v1alpha: many tools speak only the
    /// latter), ready to serve.
    pub fn routes(&self) -> Result<tonic::service::Routes, BuildError> {
        use pb::{
            account_service_server::AccountServiceServer,
            apartment_service_server::ApartmentServiceServer,
            audit_service_server::AuditServiceServer, auth_service_server::AuthServiceServer,
            building_service_server::BuildingServiceServer,
            camera_service_server::CameraServiceServer,
            community_service_server::CommunityServiceServer,
            credential_service_server::CredentialServiceServer,
            device_service_server::DeviceServiceServer,
            device_settings_service_server::DeviceSettingsServiceServer,
            event_service_server::EventServiceServer,
            firmware_service_server::FirmwareServiceServer,
            mac_library_service_server::MacLibraryServiceServer,
            mail_service_server::MailServiceServer,
            property_manager_service_server::PropertyManagerServiceServer,
            resident_service_server::ResidentServiceServer,
            subscription_service_server::SubscriptionServiceServer,
            template_service_server::TemplateServiceServer,
            upgrade_service_server::UpgradeServiceServer,
        };
        let reflection_v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;
        let reflection_v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .build_v1alpha()?;
        // Every service but AuthService (whose Login comes before any token) and
        // ResidentService (end users' tokens) checks the token before it decodes the body.
        let guard = auth::TokenGuard {
            store: self.store.clone(),
        };
        Ok(
            tonic::service::Routes::new(AuthServiceServer::new(self.clone()))
                // The residents' app checks its own tokens (see services/resident/).
                .add_service(ResidentServiceServer::new(self.clone()))
                .add_service(guarded(AccountServiceServer::new(self.clone()), &guard))
                .add_service(guarded(CommunityServiceServer::new(self.clone()), &guard))
                .add_service(guarded(BuildingServiceServer::new(self.clone()), &guard))
                .add_service(guarded(ApartmentServiceServer::new(self.clone()), &guard))
                .add_service(guarded(AuditServiceServer::new(self.clone()), &guard))
                .add_service(guarded(MailServiceServer::new(self.clone()), &guard))
                .add_service(guarded(DeviceServiceServer::new(self.clone()), &guard))
                .add_service(guarded(CameraServiceServer::new(self.clone()), &guard))
                .add_service(guarded(
                    // A face photo (2 MiB at most) travels in one message.
                    CredentialServiceServer::new(self.clone())
                        .max_decoding_message_size(MAX_UPLOAD_MESSAGE_BYTES),
                    &guard,
                ))
                .add_service(guarded(EventServiceServer::new(self.clone()), &guard))
                .add_service(guarded(
                    PropertyManagerServiceServer::new(self.clone()),
                    &guard,
                ))
                .add_service(guarded(
                    SubscriptionServiceServer::new(self.clone()),
                    &guard,
                ))
                .add_service(guarded(FirmwareServiceServer::new(self.clone()), &guard))
                .add_service(guarded(
                    DeviceSettingsServiceServer::new(self.clone()),
                    &guard,
                ))
                .add_service(guarded(UpgradeServiceServer::new(self.clone()), &guard))
                .add_service(guarded(
                    MacLibraryServiceServer::new(self.clone())
                        .max_decoding_message_size(MAX_UPLOAD_MESSAGE_BYTES),
                    &guard,
                ))
                .add_service(guarded(
                    TemplateServiceServer::new(self.clone())
                        .max_decoding_message_size(MAX_UPLOAD_MESSAGE_BYTES),
                    &guard,
                ))
                .add_service(reflection_v1)
                .add_service(reflection_v1alpha),
        )
    }
}
