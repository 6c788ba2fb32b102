//! What every command runs with: the connection, the bearer token, how to print. `print`
//! is the one call-then-print step every command uses.

use std::future::Future;

use porter_proto::admin::v1::{
    self as pb, account_service_client::AccountServiceClient,
    apartment_service_client::ApartmentServiceClient, audit_service_client::AuditServiceClient,
    auth_service_client::AuthServiceClient, building_service_client::BuildingServiceClient,
    camera_service_client::CameraServiceClient, community_service_client::CommunityServiceClient,
    credential_service_client::CredentialServiceClient, device_service_client::DeviceServiceClient,
    device_settings_service_client::DeviceSettingsServiceClient,
    event_service_client::EventServiceClient, firmware_service_client::FirmwareServiceClient,
    mac_library_service_client::MacLibraryServiceClient, mail_service_client::MailServiceClient,
    property_manager_service_client::PropertyManagerServiceClient,
    subscription_service_client::SubscriptionServiceClient,
    template_service_client::TemplateServiceClient, upgrade_service_client::UpgradeServiceClient,
};
use serde_json::Value;
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
    /// `--get FIELD`: print only that field of the answer.
    get: Option<String>,
    /// The community a command is about, when its answer does not say (its times are shown
    /// in that community's time zone).
    about: std::sync::Mutex<Option<About>>,
}

/// What a command is about, when its answer does not say which community (looked up only
/// when times are shown).
#[derive(Debug, Clone, Copy)]
pub enum About {
    Community(u64),
    Device(u64),
    Apartment(u64),
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
    pub fn new(
        channel: Channel,
        bearer: Bearer,
        json: bool,
        yes: bool,
        get: Option<String>,
    ) -> Self {
        Ctx {
            channel,
            bearer,
            json,
            yes,
            get,
            about: std::sync::Mutex::new(None),
        }
    }

    /// The command is about `community`: times print in its time zone.
    pub fn in_community(&self, community: u64) {
        self.about(About::Community(community));
    }

    /// The command is about this device or apartment: times print in its community's zone.
    pub fn about(&self, about: About) {
        *self
            .about
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(about);
    }

    /// The community `about` belongs to (a lookup for a device or an apartment).
    async fn community_of(&self, about: About) -> Option<u64> {
        match about {
            About::Community(id) => Some(id),
            About::Device(id) => self
                .devices()
                .get_device(pb::GetDeviceRequest { id })
                .await
                .ok()
                .map(|r| r.into_inner().community_id),
            About::Apartment(id) => self
                .apartment()
                .get_apartment(pb::GetApartmentRequest { id })
                .await
                .ok()
                .map(|r| r.into_inner().community_id),
        }
    }

    clients! {
        auth: AuthServiceClient,
        account: AccountServiceClient,
        community: CommunityServiceClient,
        building: BuildingServiceClient,
        apartment: ApartmentServiceClient,
        audit: AuditServiceClient,
        mail: MailServiceClient,
        devices: DeviceServiceClient,
        cameras: CameraServiceClient,
        credentials: CredentialServiceClient,
        templates: TemplateServiceClient,
        events: EventServiceClient,
        macs: MacLibraryServiceClient,
        property_managers: PropertyManagerServiceClient,
        firmware: FirmwareServiceClient,
        upgrades: UpgradeServiceClient,
        device_settings: DeviceSettingsServiceClient,
        subscriptions: SubscriptionServiceClient,
    }

    /// Whether answers print as JSON.
    pub fn json(&self) -> bool {
        self.json
    }

    /// Runs `call` and prints its answer.
    pub async fn print<T: prost::Message + prost::Name>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<(), CliError> {
        let answer = call.await?.into_inner();
        self.show(&answer).await
    }

    /// Runs `call`, whose answer says nothing, and prints that it is done.
    pub async fn done<T>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<(), CliError> {
        call.await?;
        self.show(&pb::Empty {}).await
    }

    /// Prints an answer message as the user asked (`--json`, or a table or lines).
    pub async fn show<M: prost::Message + prost::Name>(&self, message: &M) -> Result<(), CliError> {
        let (value, list) = crate::output::shape(message);
        if let Some(path) = &self.get {
            return crate::output::print_field(&value, path);
        }
        let tz = self
            .time_zone(&value, list.as_ref().map(|l| l.field.as_str()))
            .await;
        crate::output::print(self.json, value, list, tz)
    }

    /// Prints an answer the CLI put together (messages in it through
    /// `output::message_json`).
    pub async fn emit(&self, value: Value) -> Result<(), CliError> {
        if let Some(path) = &self.get {
            return crate::output::print_field(&value, path);
        }
        let tz = self.time_zone(&value, None).await;
        crate::output::print(self.json, value, None, tz)
    }

    /// The time zone times are shown in: the community's the answer belongs to, else the
    /// account's (UTC when neither can be read). JSON shows milliseconds, so it needs none.
    async fn time_zone(&self, answer: &Value, list: Option<&str>) -> chrono_tz::Tz {
        if self.json {
            return chrono_tz::UTC;
        }
        let about = *self
            .about
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let hinted = match about {
            Some(a) => self.community_of(a).await,
            None => None,
        };
        let community = hinted
            .or_else(|| find_community(answer))
            .or_else(|| list.and_then(|l| find_community(&answer[l])))
            .filter(|id| *id > 0);
        let name = match community {
            Some(id) => self
                .community()
                .get_community(pb::GetCommunityRequest { id })
                .await
                .map(|r| r.into_inner().time_zone),
            None => self
                .auth()
                .who_am_i(pb::Empty {})
                .await
                .map(|r| r.into_inner().time_zone),
        };
        name.ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(chrono_tz::UTC)
    }
}

/// The first `community_id` in `value`, looking through nested objects and lists.
fn find_community(value: &Value) -> Option<u64> {
    match value {
        Value::Object(map) => map
            .get("community_id")
            .and_then(Value::as_u64)
            .filter(|id| *id > 0)
            .or_else(|| map.values().find_map(find_community)),
        Value::Array(items) => items.iter().find_map(find_community),
        _ => None,
    }
}
