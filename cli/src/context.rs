//! What every command runs with: the connection, the bearer token, how to print. `print`
//! is the one call-then-print step every command uses.

use std::future::Future;

use porter_proto::admin::v1::{
    self as pb, account_service_client::AccountServiceClient,
    apartment_service_client::ApartmentServiceClient, audit_service_client::AuditServiceClient,
    auth_service_client::AuthServiceClient, building_service_client::BuildingServiceClient,
    camera_service_client::CameraServiceClient, community_service_client::CommunityServiceClient,
    device_service_client::DeviceServiceClient,
    device_settings_service_client::DeviceSettingsServiceClient,
    event_service_client::EventServiceClient, firmware_service_client::FirmwareServiceClient,
    mac_library_service_client::MacLibraryServiceClient,
    property_manager_service_client::PropertyManagerServiceClient,
    subscription_service_client::SubscriptionServiceClient,
    template_service_client::TemplateServiceClient, upgrade_service_client::UpgradeServiceClient,
};
use serde::Serialize;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::error::CliError;
use crate::session::Bearer;

/// A client's transport: the channel with the bearer token added to every call.
pub type Svc = InterceptedService<Channel, Bearer>;

pub struct Ctx {
    channel: Channel,
    bearer: Bearer,
    json: bool,
    /// `--yes`: destructive commands do not ask.
    pub yes: bool,
}

macro_rules! clients {
    ($($name:ident: $client:ident),* $(,)?) => {
        $(
            pub fn $name(&self) -> $client<Svc> {
                $client::with_interceptor(self.channel.clone(), self.bearer.clone())
            }
        )*
    };
}

impl Ctx {
    pub fn new(channel: Channel, bearer: Bearer, json: bool, yes: bool) -> Self {
        Ctx {
            channel,
            bearer,
            json,
            yes,
        }
    }

    clients! {
        auth: AuthServiceClient,
        account: AccountServiceClient,
        community: CommunityServiceClient,
        building: BuildingServiceClient,
        apartment: ApartmentServiceClient,
        audit: AuditServiceClient,
        devices: DeviceServiceClient,
        cameras: CameraServiceClient,
        templates: TemplateServiceClient,
        events: EventServiceClient,
        macs: MacLibraryServiceClient,
        property_managers: PropertyManagerServiceClient,
        firmware: FirmwareServiceClient,
        upgrades: UpgradeServiceClient,
        device_settings: DeviceSettingsServiceClient,
        subscriptions: SubscriptionServiceClient,
    }

    /// Runs `call` and prints its answer.
    pub async fn print<T: Serialize>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<(), CliError> {
        let answer = call.await?.into_inner();
        self.emit(&answer)
    }

    /// Runs `call`, whose answer says nothing, and prints that it is done.
    pub async fn done<T>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<(), CliError> {
        call.await?;
        self.emit(&pb::Empty {})
    }

    /// Prints `value` as the user asked (`--json` or readable text).
    pub fn emit<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        crate::output::emit(self.json, value)
    }
}
