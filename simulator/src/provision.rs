//! `--provision`: creates what a load run needs through the admin API, as an installer
//! would: communities, a building each, an apartment per indoor monitor, MAC library
//! entries, the devices, and reads back each device's gateway credential.

use std::sync::Arc;

use anyhow::Context as _;

use pb::apartment_service_client::ApartmentServiceClient;
use pb::auth_service_client::AuthServiceClient;
use pb::building_service_client::BuildingServiceClient;
use pb::community_service_client::CommunityServiceClient;
use pb::device_service_client::DeviceServiceClient;
use pb::mac_library_service_client::MacLibraryServiceClient;
use porter_proto::admin::v1 as pb;
use tokio::sync::Semaphore;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::device::DeviceSpec;

/// Devices per community (and apartments per building: one building per community).
pub const DEVICES_PER_COMMUNITY: usize = 5_000;
/// Requests in flight while provisioning.
const IN_FLIGHT: usize = 16;

#[derive(Debug, Clone)]
pub struct Plan {
    pub door_phones: usize,
    pub indoor_monitors: usize,
    /// The first 4 hex digits after the OUI-like `0C11`: keeps runs apart in one server.
    pub mac_tag: u16,
    pub model_door: String,
    pub model_monitor: String,
    pub firmware_version: String,
}

#[derive(Clone)]
pub struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        req.metadata_mut().insert("authorization", self.0.clone());
        Ok(req)
    }
}

type Svc = InterceptedService<Channel, Bearer>;

/// A logged-in admin API client.
#[derive(Clone)]
pub struct Admin {
    channel: Channel,
    bearer: Bearer,
}

impl Admin {
    pub async fn login(url: &str, username: &str, password: &str) -> anyhow::Result<Admin> {
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
        let bearer = Bearer(format!("Bearer {token}").parse()?);
        Ok(Admin { channel, bearer })
    }

    pub fn devices(&self) -> DeviceServiceClient<Svc> {
        DeviceServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    fn communities(&self) -> CommunityServiceClient<Svc> {
        CommunityServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    fn buildings(&self) -> BuildingServiceClient<Svc> {
        BuildingServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    fn apartments(&self) -> ApartmentServiceClient<Svc> {
        ApartmentServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    fn macs(&self) -> MacLibraryServiceClient<Svc> {
        MacLibraryServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }
}

/// The MAC of device `i` of a run: `0C11`, the tag, the index. Past 65,536 devices the index
/// carries into the tag, so a run of N devices uses tags `tag` to `tag + N / 65,536`.
fn device_mac(tag: u16, i: usize) -> String {
    let low = u32::try_from(i).unwrap_or(u32::MAX);
    format!("0C11{:08X}", (u32::from(tag) << 16).wrapping_add(low))
}

/// A provisioned device: who it is and its id in the admin API.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Provisioned {
    pub id: u64,
    pub spec: DeviceSpec,
    /// The device's SIP account (for SIP load tests; empty in files from before it was kept).
    #[serde(default)]
    pub sip_number: String,
    #[serde(default)]
    pub sip_password: String,
}

/// Creates everything in `plan`; returns the devices in order (door phones first).
pub async fn provision(admin: &Admin, plan: &Plan) -> anyhow::Result<Vec<Provisioned>> {
    let total = plan.door_phones + plan.indoor_monitors;
    let limit = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut out = Vec::with_capacity(total);
    anyhow::ensure!(
        total <= 1 << 24,
        "at most 16,777,216 devices per run ({total} asked)"
    );
    for (chunk, start) in (0..total).step_by(DEVICES_PER_COMMUNITY).enumerate() {
        let end = (start + DEVICES_PER_COMMUNITY).min(total);
        let community = admin
            .communities()
            .create_community(pb::CreateCommunityRequest {
                settings: Some(pb::CommunitySettings {
                    name: Some(format!("porter-sim {:04X} #{}", plan.mac_tag, chunk + 1)),
                    feature_plan: Some(pb::FeaturePlan::Premium as i32),
                    apartment_count: Some(DEVICES_PER_COMMUNITY as u32),
                    address: Some(pb::Address {
                        country: "Germany".into(),
                        state: "Berlin".into(),
                        city: "Berlin".into(),
                        post_code: "10115".into(),
                        street: "Simulated 1".into(),
                    }),
                    time_zone: Some("Europe/Berlin".into()),
                    ..Default::default()
                }),
            })
            .await?
            .into_inner();
        let building = admin
            .buildings()
            .create_building(pb::CreateBuildingRequest {
                community_id: community.id,
                name: "Sim".into(),
            })
            .await?
            .into_inner();
        let mut tasks = tokio::task::JoinSet::new();
        for i in start..end {
            let permit = limit.clone().acquire_owned().await?;
            let admin = admin.clone();
            let mac = device_mac(plan.mac_tag, i);
            let door = i < plan.door_phones;
            let (model, device_type) = if door {
                (plan.model_door.clone(), 0)
            } else {
                (plan.model_monitor.clone(), 2)
            };
            let firmware_version = plan.firmware_version.clone();
            let (community_id, building_id) = (community.id, building.id);
            tasks.spawn(async move {
                let _permit = permit;
                let scope = if door {
                    pb::create_device_request::Scope::PublicArea(pb::PublicArea {
                        community_id,
                        building_ids: vec![],
                    })
                } else {
                    let apartment = admin
                        .apartments()
                        .create_apartment(pb::CreateApartmentRequest {
                            building_id,
                            apartment: Some(pb::ApartmentInput {
                                apt_number: Some(format!("{}", i - start + 1)),
                                ..Default::default()
                            }),
                            ..Default::default()
                        })
                        .await?
                        .into_inner();
                    pb::create_device_request::Scope::ApartmentId(apartment.id)
                };
                admin
                    .macs()
                    .add_mac(pb::AddMacRequest { mac: mac.clone() })
                    .await?;
                let name = if door {
                    format!("Door {}", i + 1)
                } else {
                    format!("Monitor {}", i + 1)
                };
                let device = admin
                    .devices()
                    .create_device(pb::CreateDeviceRequest {
                        scope: Some(scope),
                        device: Some(pb::DeviceInput {
                            device_type: Some(device_type),
                            mac: Some(mac.clone()),
                            name: Some(name),
                            ..Default::default()
                        }),
                    })
                    .await?
                    .into_inner();
                let secrets = admin
                    .devices()
                    .get_device_secrets(pb::GetDeviceRequest { id: device.id })
                    .await?
                    .into_inner();
                Ok::<_, anyhow::Error>((
                    i,
                    Provisioned {
                        id: device.id,
                        spec: DeviceSpec {
                            mac,
                            credential: secrets.credential,
                            model,
                            firmware_version,
                            device_type,
                        },
                        sip_number: secrets.sip_number,
                        sip_password: secrets.sip_password,
                    },
                ))
            });
        }
        let mut done = Vec::with_capacity(end - start);
        while let Some(r) = tasks.join_next().await {
            done.push(r??);
        }
        done.sort_by_key(|(i, _)| *i);
        out.extend(done.into_iter().map(|(_, p)| p));
    }
    Ok(out)
}

/// Devices that already exist (an installer created them), each run as its type's usual
/// model with `firmware_version` (a device that reported a model keeps it).
pub async fn existing(
    admin: &Admin,
    ids: &[u64],
    firmware_version: &str,
) -> anyhow::Result<Vec<Provisioned>> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let device = admin
            .devices()
            .get_device(pb::GetDeviceRequest { id })
            .await
            .with_context(|| format!("device {id}"))?
            .into_inner();
        let secrets = admin
            .devices()
            .get_device_secrets(pb::GetDeviceRequest { id })
            .await
            .with_context(|| format!("the secrets of device {id}"))?
            .into_inner();
        let model = if !device.model.is_empty() {
            device.model.clone()
        } else if device.device_type == 2 {
            "C317".to_owned()
        } else {
            "R29".to_owned()
        };
        out.push(Provisioned {
            id,
            spec: DeviceSpec {
                mac: device.mac,
                credential: secrets.credential,
                model,
                firmware_version: firmware_version.to_owned(),
                device_type: device.device_type,
            },
            sip_number: secrets.sip_number,
            sip_password: secrets.sip_password,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_stay_twelve_hex_digits_past_65536_devices() {
        assert_eq!(device_mac(0x5100, 0), "0C1151000000");
        assert_eq!(device_mac(0x5100, 0xFFFF), "0C115100FFFF");
        assert_eq!(device_mac(7, 100_000), "0C11000886A0");
        assert_eq!(device_mac(7, 100_000).len(), 12);
    }
}
