//! `porter admin`: every admin API operation from the shell. `--json` prints the response
//! message as JSON; errors print the server's message (which names the field) and exit 1.

mod args;
mod fleet;
mod output;
mod session;
mod upload;

use anyhow::Context;
use pb::{
    account_service_client::AccountServiceClient, apartment_service_client::ApartmentServiceClient,
    audit_service_client::AuditServiceClient, auth_service_client::AuthServiceClient,
    building_service_client::BuildingServiceClient, camera_service_client::CameraServiceClient,
    community_service_client::CommunityServiceClient, device_service_client::DeviceServiceClient,
    device_settings_service_client::DeviceSettingsServiceClient,
    event_service_client::EventServiceClient, firmware_service_client::FirmwareServiceClient,
    mac_library_service_client::MacLibraryServiceClient,
    property_manager_service_client::PropertyManagerServiceClient,
    subscription_service_client::SubscriptionServiceClient,
    template_service_client::TemplateServiceClient, upgrade_service_client::UpgradeServiceClient,
};
use porter_proto::admin::v1 as pb;

pub use args::AdminArgs;
use args::{
    AccountCmd, ApartmentCmd, AuditCmd, BuildingCmd, CameraCmd, CommunityCmd, DeviceCmd, EventCmd,
    FamilyCmd, InstallerCmd, MacCmd, OrderKindArg, OrderStatusArg, PmCmd, ResidentCmd,
    SubAccountCmd, SubscriptionCmd, TemplateCmd, TemplateKind, TopCmd, Transport,
};
use output::emit;

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let token = session::load_token(args.token.as_deref());
    let (channel, bearer) = session::connect(&args.server, token).await?;
    let json = args.json;
    let auth = || AuthServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let account = || AccountServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let community = || CommunityServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let building = || BuildingServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let apartment = || ApartmentServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let audit = || AuditServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let devices = || DeviceServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let cameras = || CameraServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let templates = || TemplateServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let events = || EventServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let macs = || MacLibraryServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let pm = || PropertyManagerServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let firmware = || FirmwareServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let upgrades = || UpgradeServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let device_settings =
        || DeviceSettingsServiceClient::with_interceptor(channel.clone(), bearer.clone());
    let subscriptions =
        || SubscriptionServiceClient::with_interceptor(channel.clone(), bearer.clone());

    match args.command {
        TopCmd::Login { username, password } => {
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            let resp = auth()
                .login(pb::LoginRequest { username, password })
                .await
                .map_err(fail)?
                .into_inner();
            if let Some(path) = session::save_token(&resp.token)? {
                tracing::debug!(path = %path.display(), "token saved");
            }
            emit(json, &resp)?;
        }
        TopCmd::Logout => {
            auth().logout(pb::LogoutRequest {}).await.map_err(fail)?;
            session::forget_token();
            emit(json, &pb::Empty {})?;
        }
        TopCmd::Whoami => emit(
            json,
            &auth()
                .who_am_i(pb::Empty {})
                .await
                .map_err(fail)?
                .into_inner(),
        )?,
        TopCmd::Password { old, new } => {
            auth()
                .change_password(pb::ChangePasswordRequest {
                    old_password: old,
                    new_password: new,
                })
                .await
                .map_err(fail)?;
            emit(json, &pb::Empty {})?;
        }
        TopCmd::Account(cmd) => {
            let mut c = account();
            match cmd {
                AccountCmd::TimeZone { time_zone } => emit(
                    json,
                    &c.set_time_zone(pb::SetTimeZoneRequest { time_zone })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                AccountCmd::CustomerService {
                    phone,
                    email,
                    receive_feedback,
                } => {
                    let r = if phone.is_none() && email.is_none() && receive_feedback.is_none() {
                        c.get_customer_service(pb::Empty {}).await
                    } else {
                        let cur = c
                            .get_customer_service(pb::Empty {})
                            .await
                            .map_err(fail)?
                            .into_inner();
                        c.set_customer_service(pb::CustomerService {
                            phone: phone.unwrap_or(cur.phone),
                            email: email.unwrap_or(cur.email),
                            receive_feedback: receive_feedback.unwrap_or(cur.receive_feedback),
                        })
                        .await
                    };
                    emit(json, &r.map_err(fail)?.into_inner())?;
                }
                AccountCmd::Billing(b) => {
                    let cur = c
                        .get_billing_info(pb::Empty {})
                        .await
                        .map_err(fail)?
                        .into_inner();
                    let r = if b.is_empty() {
                        cur
                    } else {
                        c.set_billing_info(b.merge(cur))
                            .await
                            .map_err(fail)?
                            .into_inner()
                    };
                    emit(json, &r)?;
                }
                AccountCmd::Setting { distributor_access } => {
                    let r = match distributor_access {
                        None => c.get_account_setting(pb::Empty {}).await,
                        Some(on) => {
                            c.set_account_setting(pb::AccountSetting {
                                distributor_access: on,
                            })
                            .await
                        }
                    };
                    emit(json, &r.map_err(fail)?.into_inner())?;
                }
            }
        }
        TopCmd::SubAccount(cmd) => {
            let mut c = account();
            match cmd {
                SubAccountCmd::Create {
                    username,
                    email,
                    phone,
                    password,
                } => emit(
                    json,
                    &c.create_sub_installer(pb::CreateSubInstallerRequest {
                        username,
                        email: email.unwrap_or_default(),
                        phone: phone.unwrap_or_default(),
                        password: password.unwrap_or_default(),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                SubAccountCmd::List => emit(
                    json,
                    &c.list_sub_installers(pb::Empty {})
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                SubAccountCmd::Update {
                    id,
                    email,
                    phone,
                    password,
                } => emit(
                    json,
                    &c.update_sub_installer(pb::UpdateSubInstallerRequest {
                        id,
                        email,
                        phone,
                        password,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                SubAccountCmd::Delete { id } => {
                    c.delete_sub_installer(pb::DeleteSubInstallerRequest { id })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
            }
        }
        TopCmd::Installer(InstallerCmd::Create {
            username,
            email,
            phone,
            password,
        }) => emit(
            json,
            &account()
                .create_installer(pb::CreateInstallerRequest {
                    username,
                    email: email.unwrap_or_default(),
                    phone: phone.unwrap_or_default(),
                    password: password.unwrap_or_default(),
                })
                .await
                .map_err(fail)?
                .into_inner(),
        )?,
        TopCmd::Community(cmd) => {
            let mut c = community();
            match cmd {
                CommunityCmd::Create(s) => emit(
                    json,
                    &c.create_community(pb::CreateCommunityRequest {
                        settings: Some(s.into_pb(None)),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                CommunityCmd::Get { id } => emit(
                    json,
                    &c.get_community(pb::GetCommunityRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                CommunityCmd::Update { id, settings } => {
                    let current = if settings.touches_address() {
                        c.get_community(pb::GetCommunityRequest { id })
                            .await
                            .map_err(fail)?
                            .into_inner()
                            .address
                    } else {
                        None
                    };
                    let updated = c
                        .update_community(pb::UpdateCommunityRequest {
                            id,
                            settings: Some(settings.into_pb(current)),
                        })
                        .await
                        .map_err(fail)?
                        .into_inner();
                    emit(json, &updated)?;
                }
                CommunityCmd::Delete { id } => {
                    c.delete_community(pb::DeleteCommunityRequest { id })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
                CommunityCmd::List { sort } => emit(
                    json,
                    &c.list_communities(pb::ListCommunitiesRequest {
                        sort: pb::CommunitySort::from(sort) as i32,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
            }
        }
        TopCmd::Building(cmd) => {
            let mut c = building();
            match cmd {
                BuildingCmd::Create { community, name } => emit(
                    json,
                    &c.create_building(pb::CreateBuildingRequest {
                        community_id: community,
                        name,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                BuildingCmd::Rename { id, name } => emit(
                    json,
                    &c.rename_building(pb::RenameBuildingRequest { id, name })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                BuildingCmd::Delete { id, cascade } => {
                    c.delete_building(pb::DeleteBuildingRequest { id, cascade })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
                BuildingCmd::List { community } => emit(
                    json,
                    &c.list_buildings(pb::ListBuildingsRequest {
                        community_id: community,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
            }
        }
        TopCmd::Apartment(cmd) => {
            let mut c = apartment();
            match cmd {
                ApartmentCmd::Create {
                    building,
                    apartment,
                    resident,
                    monitor_mac,
                    monitor_name,
                } => emit(
                    json,
                    &c.create_apartment(pb::CreateApartmentRequest {
                        building_id: building,
                        apartment: Some(apartment.into_pb()),
                        resident: resident.into_pb(),
                        indoor_monitor: monitor_mac.map(|mac| pb::DeviceInput {
                            mac: Some(mac),
                            name: Some(monitor_name),
                            ..Default::default()
                        }),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                ApartmentCmd::Get { id } => emit(
                    json,
                    &c.get_apartment(pb::GetApartmentRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                ApartmentCmd::Update {
                    id,
                    apartment,
                    resident,
                } => emit(
                    json,
                    &c.update_apartment(pb::UpdateApartmentRequest {
                        id,
                        apartment: Some(apartment.into_pb()),
                        resident: resident.into_pb(),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                ApartmentCmd::Delete { id } => {
                    c.delete_apartment(pb::DeleteApartmentRequest { id })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
                ApartmentCmd::Reset { id } => emit(
                    json,
                    &c.reset_apartment(pb::ResetApartmentRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                ApartmentCmd::List {
                    building,
                    filter,
                    sort,
                    page,
                } => emit(
                    json,
                    &c.list_apartments(pb::ListApartmentsRequest {
                        building_id: building,
                        filter: Some(filter.into_pb()),
                        sort: pb::ApartmentSort::from(sort) as i32,
                        page: Some(page.into_pb()),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
            }
        }
        TopCmd::Resident(ResidentCmd::Search {
            community,
            filter,
            sort,
            page,
        }) => emit(
            json,
            &apartment()
                .search_residents(pb::SearchResidentsRequest {
                    community_id: community,
                    filter: Some(filter.into_pb()),
                    sort: pb::ResidentSort::from(sort) as i32,
                    page: Some(page.into_pb()),
                })
                .await
                .map_err(fail)?
                .into_inner(),
        )?,
        TopCmd::Family(cmd) => {
            let mut c = apartment();
            match cmd {
                FamilyCmd::Add {
                    apartment,
                    first_name,
                    last_name,
                    email,
                    calling_code,
                    mobile,
                } => emit(
                    json,
                    &c.add_family_member(pb::AddFamilyMemberRequest {
                        apartment_id: apartment,
                        first_name,
                        last_name,
                        email: email.unwrap_or_default(),
                        calling_code: calling_code.unwrap_or_default(),
                        mobile: mobile.unwrap_or_default(),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                FamilyCmd::Update {
                    id,
                    first_name,
                    last_name,
                    calling_code,
                    mobile,
                } => emit(
                    json,
                    &c.update_family_member(pb::UpdateFamilyMemberRequest {
                        id,
                        first_name,
                        last_name,
                        email: None,
                        calling_code,
                        mobile,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                FamilyCmd::Delete { id } => {
                    c.delete_family_member(pb::DeleteFamilyMemberRequest { id })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
            }
        }
        TopCmd::Device(cmd) => {
            let mut c = devices();
            match cmd {
                DeviceCmd::Create {
                    public_area,
                    buildings,
                    building,
                    apartment,
                    device,
                } => {
                    use pb::create_device_request::Scope;
                    let scope = match (public_area, building, apartment) {
                        (Some(community_id), None, None) => Scope::PublicArea(pb::PublicArea {
                            community_id,
                            building_ids: buildings,
                        }),
                        (None, Some(b), None) => Scope::BuildingId(b),
                        (None, None, Some(a)) => Scope::ApartmentId(a),
                        _ => anyhow::bail!(
                            "give one of --public-area COMMUNITY, --building ID, --apartment ID"
                        ),
                    };
                    let created = c
                        .create_device(pb::CreateDeviceRequest {
                            scope: Some(scope),
                            device: Some(device.into_pb()?),
                        })
                        .await
                        .map_err(fail)?
                        .into_inner();
                    emit(json, &created)?;
                }
                DeviceCmd::Get { id } => emit(
                    json,
                    &c.get_device(pb::GetDeviceRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                DeviceCmd::Update { id, device } => emit(
                    json,
                    &c.update_device(pb::UpdateDeviceRequest {
                        id,
                        device: Some(device.into_pb()?),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                DeviceCmd::Delete { id } => {
                    c.delete_device(pb::DeleteDeviceRequest { id })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
                DeviceCmd::List {
                    community,
                    public_only,
                    building,
                    apartment,
                    search,
                    sort,
                    page,
                } => emit(
                    json,
                    &c.list_devices(pb::ListDevicesRequest {
                        community_id: community,
                        public_only,
                        building_id: building.unwrap_or(0),
                        apartment_id: apartment.unwrap_or(0),
                        search: search.unwrap_or_default(),
                        sort: pb::DeviceSort::from(sort) as i32,
                        page: Some(page.into_pb()),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                DeviceCmd::Secrets { id } => emit(
                    json,
                    &c.get_device_secrets(pb::GetDeviceRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                DeviceCmd::RotateCredential { id } => emit(
                    json,
                    &c.rotate_device_credential(pb::GetDeviceRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                DeviceCmd::Unlock { id, relay } => emit(
                    json,
                    &c.unlock_relay(pb::UnlockRelayRequest {
                        device_id: id,
                        relay,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                DeviceCmd::Reboot { id } => emit(
                    json,
                    &c.reboot_device(pb::GetDeviceRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                DeviceCmd::SipTransport { id, transport } => {
                    let transport = match transport {
                        Transport::Udp => pb::SipTransportType::Udp,
                        Transport::Tcp => pb::SipTransportType::Tcp,
                        Transport::Tls => pb::SipTransportType::Tls,
                    };
                    emit(
                        json,
                        &c.set_device_sip_transport(pb::SetDeviceSipTransportRequest {
                            device_id: id,
                            transport: transport as i32,
                        })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                    )?
                }
                DeviceCmd::FactoryReset { id } => emit(
                    json,
                    &c.factory_reset_device(pb::GetDeviceRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                DeviceCmd::RemoteControl { id } => emit(
                    json,
                    &c.open_remote_control(pb::GetDeviceRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
            }
        }
        TopCmd::Event(EventCmd::List {
            community,
            kind,
            device,
            apartment,
            before,
            limit,
        }) => emit(
            json,
            &events()
                .list_events(pb::ListEventsRequest {
                    community_id: community,
                    kind: kind.unwrap_or_default(),
                    device_id: device.unwrap_or(0),
                    apartment_id: apartment.unwrap_or(0),
                    since_ms: 0,
                    until_ms: 0,
                    before_seq: before.unwrap_or(0),
                    limit: limit.unwrap_or(0),
                })
                .await
                .map_err(fail)?
                .into_inner(),
        )?,
        TopCmd::Camera(cmd) => {
            let mut c = cameras();
            match cmd {
                CameraCmd::Create {
                    public_area,
                    building,
                    apartment,
                    camera,
                } => {
                    use pb::create_camera_request::Scope;
                    let scope = match (public_area, building, apartment) {
                        (Some(community_id), None, None) => Scope::PublicArea(pb::PublicArea {
                            community_id,
                            building_ids: Vec::new(),
                        }),
                        (None, Some(b), None) => Scope::BuildingId(b),
                        (None, None, Some(a)) => Scope::ApartmentId(a),
                        _ => anyhow::bail!(
                            "give one of --public-area COMMUNITY, --building ID, --apartment ID"
                        ),
                    };
                    let created = c
                        .create_camera(pb::CreateCameraRequest {
                            scope: Some(scope),
                            camera: Some(camera.into_pb()),
                        })
                        .await
                        .map_err(fail)?
                        .into_inner();
                    emit(json, &created)?;
                }
                CameraCmd::Get { id } => emit(
                    json,
                    &c.get_camera(pb::GetCameraRequest { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                CameraCmd::Update { id, camera } => emit(
                    json,
                    &c.update_camera(pb::UpdateCameraRequest {
                        id,
                        camera: Some(camera.into_pb()),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                CameraCmd::Delete { id } => {
                    c.delete_camera(pb::GetCameraRequest { id })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
                CameraCmd::List {
                    community,
                    public_only,
                    building,
                    apartment,
                    search,
                } => emit(
                    json,
                    &c.list_cameras(pb::ListCamerasRequest {
                        community_id: community,
                        public_only,
                        building_id: building.unwrap_or(0),
                        apartment_id: apartment.unwrap_or(0),
                        search: search.unwrap_or_default(),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
            }
        }
        TopCmd::Firmware(cmd) => fleet::firmware(firmware(), cmd, json).await?,
        TopCmd::Upgrade(cmd) => fleet::upgrade(upgrades(), cmd, json).await?,
        TopCmd::DeviceSettings(cmd) => fleet::settings(device_settings(), cmd, json).await?,
        TopCmd::Subscription(cmd) => {
            let mut c = subscriptions();
            let kind_pb = |k: OrderKindArg| match k {
                OrderKindArg::Activation => pb::OrderKind::Activation as i32,
                OrderKindArg::Renewal => pb::OrderKind::Renewal as i32,
            };
            match cmd {
                SubscriptionCmd::Order {
                    kind,
                    apartments,
                    until,
                } => emit(
                    json,
                    &c.create_order(pb::CreateOrderRequest {
                        kind: kind_pb(kind),
                        apartment_ids: apartments,
                        expires_at_ms: until,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                SubscriptionCmd::List {
                    kind,
                    status,
                    number,
                    all_installers,
                } => emit(
                    json,
                    &c.list_orders(pb::ListOrdersRequest {
                        kind: kind.map_or(0, kind_pb),
                        order_status: status.map_or(0, |s| match s {
                            OrderStatusArg::Processing => pb::OrderStatus::Processing as i32,
                            OrderStatusArg::Succeed => pb::OrderStatus::Succeed as i32,
                            OrderStatusArg::Cancelled => pb::OrderStatus::Cancelled as i32,
                        }),
                        number: number.unwrap_or_default(),
                        all_installers,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                SubscriptionCmd::Get { id } => emit(
                    json,
                    &c.get_order(pb::OrderRef { order_id: id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                SubscriptionCmd::Cancel { id } => emit(
                    json,
                    &c.cancel_order(pb::OrderRef { order_id: id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                SubscriptionCmd::Delete { id } => emit(
                    json,
                    &c.delete_order(pb::OrderRef { order_id: id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                SubscriptionCmd::Confirm { id, reference } => emit(
                    json,
                    &c.confirm_payment(pb::ConfirmPaymentRequest {
                        order_id: id,
                        payment_reference: reference,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
            }
        }
        TopCmd::Template(cmd) => {
            let mut c = templates()
                .max_encoding_message_size(usize::MAX)
                .max_decoding_message_size(64 * 1024 * 1024);
            match cmd {
                TemplateCmd::Download { format, out } => {
                    let format = match format {
                        TemplateKind::Xlsx => pb::TemplateFormat::Xlsx,
                        TemplateKind::Csv => pb::TemplateFormat::Csv,
                    };
                    let file = c
                        .download_template(pb::DownloadTemplateRequest {
                            format: format as i32,
                        })
                        .await
                        .map_err(fail)?
                        .into_inner();
                    let path = out.unwrap_or_else(|| std::path::PathBuf::from(&file.filename));
                    std::fs::write(&path, &file.content)
                        .with_context(|| format!("writing {}", path.display()))?;
                    emit(
                        json,
                        &serde_json::json!({"saved": path.display().to_string(), "bytes": file.content.len()}),
                    )?;
                }
                TemplateCmd::Import { community, file } => {
                    let bytes = std::fs::read(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let report = c
                        .import_template(pb::ImportTemplateRequest {
                            community_id: community,
                            file: bytes,
                        })
                        .await
                        .map_err(fail)?
                        .into_inner();
                    emit(json, &report)?;
                    if !report.committed {
                        anyhow::bail!("{} bad row(s); nothing was imported", report.errors.len());
                    }
                }
            }
        }
        TopCmd::Mac(cmd) => {
            let mut c = macs().max_encoding_message_size(usize::MAX);
            match cmd {
                MacCmd::Add { mac } => emit(
                    json,
                    &c.add_mac(pb::AddMacRequest { mac })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                MacCmd::Import { file } => {
                    let bytes = std::fs::read(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let report = c
                        .import_macs(pb::ImportMacsRequest { file: bytes })
                        .await
                        .map_err(fail)?
                        .into_inner();
                    emit(json, &report)?;
                    if !report.committed {
                        anyhow::bail!("{} bad row(s); nothing was imported", report.errors.len());
                    }
                }
                MacCmd::List { search, page } => emit(
                    json,
                    &c.list_macs(pb::ListMacsRequest {
                        search: search.unwrap_or_default(),
                        page: Some(page.into_pb()),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                MacCmd::Delete { mac } => {
                    c.delete_mac(pb::DeleteMacRequest { mac })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
            }
        }
        TopCmd::PropertyManager(cmd) => {
            let mut c = pm();
            match cmd {
                PmCmd::Create {
                    first_name,
                    last_name,
                    email,
                    language,
                    monthly_password_reminder,
                } => emit(
                    json,
                    &c.create_property_manager(pb::CreatePropertyManagerRequest {
                        first_name,
                        last_name,
                        email,
                        language: language.map_or(0, |l| l.to_pb()),
                        monthly_password_reminder,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                PmCmd::List => emit(
                    json,
                    &c.list_property_managers(pb::Empty {})
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                PmCmd::Update {
                    id,
                    first_name,
                    last_name,
                    language,
                    monthly_password_reminder,
                } => emit(
                    json,
                    &c.update_property_manager(pb::UpdatePropertyManagerRequest {
                        id,
                        first_name,
                        last_name,
                        language: language.map(|l| l.to_pb()),
                        monthly_password_reminder,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                PmCmd::ResetPassword { id } => emit(
                    json,
                    &c.reset_property_manager_password(pb::PropertyManagerRef { id })
                        .await
                        .map_err(fail)?
                        .into_inner(),
                )?,
                PmCmd::Delete { id } => {
                    c.delete_property_manager(pb::PropertyManagerRef { id })
                        .await
                        .map_err(fail)?;
                    emit(json, &pb::Empty {})?;
                }
                PmCmd::Assign {
                    id,
                    community,
                    app,
                    delete_accounts,
                    log_access,
                } => emit(
                    json,
                    &c.assign_property_manager(pb::AssignPropertyManagerRequest {
                        community_id: community,
                        property_manager_id: id,
                        permissions: Some(pb::PropertyManagerPermissions {
                            app_enabled: app,
                            delete_accounts,
                            log_access,
                        }),
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
                PmCmd::Unassign { id, community } => emit(
                    json,
                    &c.unassign_property_manager(pb::UnassignPropertyManagerRequest {
                        community_id: community,
                        property_manager_id: id,
                    })
                    .await
                    .map_err(fail)?
                    .into_inner(),
                )?,
            }
        }
        TopCmd::Audit(AuditCmd::List { before, limit }) => emit(
            json,
            &audit()
                .list_audit(pb::ListAuditRequest {
                    before_seq: before.unwrap_or(0),
                    limit: limit.unwrap_or(0),
                })
                .await
                .map_err(fail)?
                .into_inner(),
        )?,
    }
    Ok(())
}

/// A gRPC error as the user should read it: the code and the server's message.
pub(super) fn fail(status: tonic::Status) -> anyhow::Error {
    let field = status
        .metadata()
        .get("porter-field")
        .and_then(|v| v.to_str().ok())
        .map(|f| format!(" (field {f})"))
        .unwrap_or_default();
    anyhow::anyhow!("{:?}: {}{field}", status.code(), status.message())
}

/// Reads a password from `PORTER_PASSWORD` or the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("PORTER_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
