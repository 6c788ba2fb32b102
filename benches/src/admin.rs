//! The admin API as the benchmark binaries drive it: a logged-in gRPC channel with the
//! service clients, and a bounded fan-out of calls.

use std::future::Future;
use std::sync::Arc;

use pb::account_service_client::AccountServiceClient;
use pb::apartment_service_client::ApartmentServiceClient;
use pb::auth_service_client::AuthServiceClient;
use pb::building_service_client::BuildingServiceClient;
use pb::community_service_client::CommunityServiceClient;
use pb::credential_service_client::CredentialServiceClient;
use pb::device_service_client::DeviceServiceClient;
use pb::mac_library_service_client::MacLibraryServiceClient;
use pb::subscription_service_client::SubscriptionServiceClient;
use porter_proto::admin::v1 as pb;
use tokio::sync::Semaphore;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// Calls `each` keeps in flight at once.
pub const IN_FLIGHT: usize = 16;

#[derive(Clone)]
pub struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        r.metadata_mut().insert("authorization", self.0.clone());
        Ok(r)
    }
}

pub type Svc = InterceptedService<Channel, Bearer>;

/// The site operator (`admin`) logged in at `url`.
#[derive(Clone)]
pub struct Admin(Channel, Bearer);

impl Admin {
    pub async fn login(url: &str, password: &str) -> anyhow::Result<Admin> {
        Self::login_as(url, "admin", password).await
    }

    /// Any account, by its username.
    pub async fn login_as(url: &str, username: &str, password: &str) -> anyhow::Result<Admin> {
        let channel = Channel::from_shared(url.to_owned())?.connect().await?;
        let token = AuthServiceClient::new(channel.clone())
            .login(pb::LoginRequest {
                username: username.into(),
                password: password.into(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .token;
        Ok(Admin(channel, Bearer(format!("Bearer {token}").parse()?)))
    }
    pub fn communities(&self) -> CommunityServiceClient<Svc> {
        CommunityServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
    pub fn buildings(&self) -> BuildingServiceClient<Svc> {
        BuildingServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
    pub fn apartments(&self) -> ApartmentServiceClient<Svc> {
        ApartmentServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
    pub fn devices(&self) -> DeviceServiceClient<Svc> {
        DeviceServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
    pub fn macs(&self) -> MacLibraryServiceClient<Svc> {
        MacLibraryServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
    pub fn credentials(&self) -> CredentialServiceClient<Svc> {
        CredentialServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
    /// A Premium community in Germany, with `settings` given over that, and its buildings
    /// "B0" to "B{buildings - 1}": their ids, in order.
    pub async fn community_with_buildings(
        &self,
        settings: pb::CommunitySettings,
        buildings: usize,
    ) -> anyhow::Result<(u64, Vec<u64>)> {
        let settings = pb::CommunitySettings {
            feature_plan: Some(pb::FeaturePlan::Premium as i32),
            address: Some(pb::Address {
                country: "Germany".into(),
                ..Default::default()
            }),
            ..settings
        };
        let community = self
            .communities()
            .create_community(pb::CreateCommunityRequest {
                settings: Some(settings),
            })
            .await?
            .into_inner()
            .id;
        let mut ids = Vec::with_capacity(buildings);
        for b in 0..buildings {
            let request = pb::CreateBuildingRequest {
                community_id: community,
                name: format!("B{b}"),
            };
            ids.push(
                self.buildings()
                    .create_building(request)
                    .await?
                    .into_inner()
                    .id,
            );
        }
        Ok((community, ids))
    }

    pub fn accounts(&self) -> AccountServiceClient<Svc> {
        AccountServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
    pub fn subscriptions(&self) -> SubscriptionServiceClient<Svc> {
        SubscriptionServiceClient::with_interceptor(self.0.clone(), self.1.clone())
    }
}

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Runs `f` for each item with `IN_FLIGHT` at once; results in order.
pub async fn each<T, R, F, Fut>(items: Vec<T>, f: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let limit = Arc::new(Semaphore::new(IN_FLIGHT));
    let f = Arc::new(f);
    let mut tasks = Vec::with_capacity(items.len());
    for item in items {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            break;
        };
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let r = f(item).await;
            drop(permit);
            r
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        match t.await {
            Ok(r) => out.push(r),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    out
}
