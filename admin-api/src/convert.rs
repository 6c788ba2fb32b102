//! Protobuf ⇄ domain conversions. Only this crate knows the admin protobuf types on the
//! server side.

use porter_proto::admin::v1 as pb;
use porter_store::model::{
    self, AccessControl, ActiveStatus, AppStatus, CallMode, ChargeMode, DateFormat, FeaturePlan,
    Language, OrderKind, OrderStatus, PinMode, SipTransportKind, StrategyStatus, TimeFormat,
};
use porter_store::{ApartmentView, BuildingView, CommunityView};
use tonic::Status;

use crate::error::invalid;

/// Maps a protobuf enum value to a domain value; 0 (unspecified) is `None`.
macro_rules! enum_map {
    ($name:ident, $to_pb:ident, $pb:ty, $dom:ty, { $($p:ident => $d:expr),+ $(,)? }) => {
        pub fn $name(field: &str, v: i32) -> Result<Option<$dom>, Status> {
            if v == 0 {
                return Ok(None);
            }
            match <$pb>::try_from(v) {
                $(Ok(<$pb>::$p) => Ok(Some($d)),)+
                _ => Err(invalid(field, format!("{v} is not a known value"))),
            }
        }

        pub fn $to_pb(v: $dom) -> i32 {
            $(if v == $d { return <$pb>::$p as i32; })+
            0
        }
    };
}

enum_map!(feature_plan, feature_plan_pb, pb::FeaturePlan, FeaturePlan, {
    Basic => FeaturePlan::Basic, Premium => FeaturePlan::Premium });
enum_map!(time_format, time_format_pb, pb::TimeFormat, TimeFormat, {
    Hours24 => TimeFormat::H24, Hours12 => TimeFormat::H12 });
enum_map!(date_format, date_format_pb, pb::DateFormat, DateFormat, {
    Ymd => DateFormat::YearMonthDay, Mdy => DateFormat::MonthDayYear, Dmy => DateFormat::DayMonthYear });
enum_map!(access_control, access_control_pb, pb::AccessControlPermission, AccessControl, {
    PublicAndPrivate => AccessControl::PublicAndPrivate, PublicOnly => AccessControl::PublicOnly });
enum_map!(pin_mode, pin_mode_pb, pb::PinMode, PinMode, {
    Pin => PinMode::Pin, AptPin => PinMode::AptPin });
enum_map!(charge_mode, charge_mode_pb, pb::ChargeMode, ChargeMode, {
    Installer => ChargeMode::Installer, PropertyManager => ChargeMode::PropertyManager });
enum_map!(call_mode, call_mode_pb, pb::CallMode, CallMode, {
    Ip => CallMode::Ip, Sip => CallMode::Sip });
enum_map!(order_kind, order_kind_pb, pb::OrderKind, OrderKind, {
    Activation => OrderKind::Activation, Renewal => OrderKind::Renewal });
enum_map!(order_status, order_status_pb, pb::OrderStatus, OrderStatus, {
    Processing => OrderStatus::Processing, Succeed => OrderStatus::Succeed,
    Cancelled => OrderStatus::Cancelled });
enum_map!(sip_transport, sip_transport_pb, pb::SipTransportType, SipTransportKind, {
    Udp => SipTransportKind::Udp, Tcp => SipTransportKind::Tcp, Tls => SipTransportKind::Tls });
enum_map!(strategy_status, strategy_status_pb, pb::UpgradeStatus, StrategyStatus, {
    Pending => StrategyStatus::Pending, Processing => StrategyStatus::Processing,
    Executed => StrategyStatus::Executed, Failed => StrategyStatus::Failed,
    Halted => StrategyStatus::Halted });
enum_map!(app_status, app_status_pb, pb::AppStatus, AppStatus, {
    Unregistered => AppStatus::Unregistered, Registered => AppStatus::Registered });
enum_map!(active_status, active_status_pb, pb::ActiveStatus, ActiveStatus, {
    Inactivated => ActiveStatus::Inactivated, Normal => ActiveStatus::Normal, Expired => ActiveStatus::Expired });
enum_map!(language, language_pb, pb::Language, Language, {
    English => Language::English, SimplifiedChinese => Language::SimplifiedChinese,
    Korean => Language::Korean, Japanese => Language::Japanese, Turkish => Language::Turkish,
    Polish => Language::Polish, Russian => Language::Russian, Spanish => Language::Spanish,
    Bosnian => Language::Bosnian, Danish => Language::Danish, Vietnamese => Language::Vietnamese,
    French => Language::French });

/// An optional protobuf enum field (`optional Foo foo`): unset or 0 is `None`.
fn opt<T>(
    field: &str,
    v: Option<i32>,
    f: fn(&str, i32) -> Result<Option<T>, Status>,
) -> Result<Option<T>, Status> {
    match v {
        Some(v) => f(field, v),
        None => Ok(None),
    }
}

pub fn account(a: &model::Account) -> pb::AccountInfo {
    pb::AccountInfo {
        id: a.id,
        username: a.username.clone(),
        email: a.email.clone(),
        phone: a.phone.clone(),
        role: match a.role {
            model::Role::Installer => pb::AccountRole::Installer as i32,
            model::Role::SubInstaller => pb::AccountRole::SubInstaller as i32,
            model::Role::PropertyManager => pb::AccountRole::PropertyManager as i32,
        },
        installer_id: a.installer_id,
        time_zone: a.time_zone.clone(),
        time_format: time_format_pb(a.time_format),
        date_format: date_format_pb(a.date_format),
        operator: a.operator,
        created_at_ms: a.created_at_ms,
        ..Default::default()
    }
}

pub fn address_in(a: pb::Address) -> model::Address {
    model::Address {
        country: a.country,
        state: a.state,
        city: a.city,
        post_code: a.post_code,
        street: a.street,
    }
}

pub fn community_settings(
    s: Option<pb::CommunitySettings>,
) -> Result<model::CommunitySettings, Status> {
    let s = s.unwrap_or_default();
    Ok(model::CommunitySettings {
        apartment_count: s.apartment_count,
        home_automation: s.home_automation,
        community_calls: s.community_calls,
        landline_service: s.landline_service,
        feature_plan: opt("feature_plan", s.feature_plan, feature_plan)?,
        name: s.name,
        address: s.address.map(address_in),
        time_zone: s.time_zone,
        time_format: opt("time_format", s.time_format, time_format)?,
        date_format: opt("date_format", s.date_format, date_format)?,
        access_control: opt("access_control", s.access_control, access_control)?,
        pin_mode: opt("pin_mode", s.pin_mode, pin_mode)?,
        charge_mode: opt("charge_mode", s.charge_mode, charge_mode)?,
        send_expiration_email: s.send_expiration_email,
        send_renew_email: s.send_renew_email,
        feature_plan_expires_at_ms: s
            .feature_plan_expires_at_ms
            .map(|ms| (ms != 0).then_some(ms)),
    })
}

pub fn resident_features(f: model::ResidentFeatures) -> pb::ResidentFeatures {
    pb::ResidentFeatures {
        package_notification: f.package_notification,
        pin_codes: f.pin_codes,
        qr_codes: f.qr_codes,
        family_accounts: f.family_accounts,
        face_recognition: f.face_recognition,
    }
}

pub fn resident_features_in(f: pb::ResidentFeatures) -> model::ResidentFeatures {
    model::ResidentFeatures {
        package_notification: f.package_notification,
        pin_codes: f.pin_codes,
        qr_codes: f.qr_codes,
        family_accounts: f.family_accounts,
        face_recognition: f.face_recognition,
    }
}

pub fn community(v: &CommunityView) -> pb::Community {
    let c = &v.community;
    pb::Community {
        id: c.id,
        apartment_count: c.apartment_count,
        home_automation: c.home_automation,
        community_calls: c.community_calls,
        landline_service: c.landline_service,
        feature_plan: feature_plan_pb(c.feature_plan),
        name: c.name.clone(),
        address: Some(pb::Address {
            country: c.address.country.clone(),
            state: c.address.state.clone(),
            city: c.address.city.clone(),
            post_code: c.address.post_code.clone(),
            street: c.address.street.clone(),
        }),
        time_zone: c.time_zone.clone(),
        time_format: time_format_pb(c.time_format),
        date_format: date_format_pb(c.date_format),
        access_control: access_control_pb(c.access_control),
        pin_mode: pin_mode_pb(c.pin_mode),
        charge_mode: charge_mode_pb(c.charge_mode),
        send_expiration_email: c.send_expiration_email,
        send_renew_email: c.send_renew_email,
        created_at_ms: c.created_at_ms,
        building_count: v.counts.buildings,
        apartments_used: v.counts.apartments,
        device_count: v.device_count,
        end_user_count: v.counts.end_users,
        property_managers: v.property_managers.clone(),
        resident_features: Some(resident_features(c.resident_features)),
        feature_plan_expires_at_ms: c.feature_plan_expires_at_ms.unwrap_or(0),
    }
}

pub fn building(v: &BuildingView) -> pb::Building {
    pb::Building {
        id: v.building.id,
        community_id: v.building.community_id,
        name: v.building.name.clone(),
        apartment_count: v.apartment_count,
        device_count: v.device_count,
        created_at_ms: v.building.created_at_ms,
    }
}

pub fn apartment_input(a: Option<pb::ApartmentInput>) -> Result<model::ApartmentInput, Status> {
    let a = a.unwrap_or_default();
    Ok(model::ApartmentInput {
        floor: a.floor,
        number: a.apt_number,
        name: a.apt_name,
        web_relay_id: a.web_relay_id,
        call_type: a.call_type,
        call_mode: opt("call_mode", a.call_mode, call_mode)?,
        accessible_floors: a.accessible_floors.map(|f| f.floors),
    })
}

pub fn resident_input(r: pb::ResidentInput) -> Result<model::ResidentInput, Status> {
    Ok(model::ResidentInput {
        first_name: r.first_name,
        last_name: r.last_name,
        email: r.email,
        language: opt("resident.language", r.language, language)?,
        calling_code: r.calling_code,
        mobile: r.mobile,
        landlines: r.landlines.map(|l| l.numbers),
    })
}

pub fn family_member(apartment_id: u64, m: &model::FamilyMember) -> pb::FamilyMember {
    pb::FamilyMember {
        id: m.id,
        apartment_id,
        first_name: m.first_name.clone(),
        last_name: m.last_name.clone(),
        email: m.email.clone(),
        calling_code: m.calling_code.clone(),
        mobile: m.mobile.clone(),
        app_status: app_status_pb(m.app_status),
        created_at_ms: m.created_at_ms,
    }
}

pub fn apartment(v: &ApartmentView) -> pb::Apartment {
    let a = &v.apartment;
    pb::Apartment {
        id: a.id,
        community_id: a.community_id,
        building_id: a.building_id,
        building_name: v.building_name.clone(),
        floor: a.floor,
        apt_number: a.number.clone(),
        apt_name: a.name.clone(),
        web_relay_id: a.web_relay_id,
        call_type: u32::from(a.call_type),
        call_mode: call_mode_pb(a.call_mode),
        accessible_floors: a.accessible_floors.clone(),
        family_sip_number: a.family_sip_number.clone(),
        active: active_status_pb(v.active),
        created_at_ms: a.created_at_ms,
        expires_at_ms: a.expires_at_ms.unwrap_or(0),
        resident: a.resident.as_ref().map(|r| pb::Resident {
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            email: r.email.clone(),
            language: language_pb(r.language),
            calling_code: r.calling_code.clone(),
            mobile: r.mobile.clone(),
            landlines: r.landlines.clone(),
            app_status: app_status_pb(r.app_status),
            moved_in_by: r
                .moved_in
                .as_ref()
                .map(|m| m.by.clone())
                .unwrap_or_default(),
            moved_in_by_property_manager: r
                .moved_in
                .as_ref()
                .is_some_and(|m| m.by_property_manager),
            moved_in_at_ms: r.moved_in.as_ref().map_or(0, |m| m.at_ms),
        }),
        family_members: a.family.iter().map(|m| family_member(a.id, m)).collect(),
    }
}

pub fn resident_row(v: &ApartmentView) -> pb::ResidentRow {
    let a = &v.apartment;
    let r = a.resident.as_ref();
    pb::ResidentRow {
        apartment_id: a.id,
        building_id: a.building_id,
        building_name: v.building_name.clone(),
        apt_number: a.number.clone(),
        apt_name: a.name.clone(),
        floor: a.floor,
        first_name: r.map(|r| r.first_name.clone()).unwrap_or_default(),
        last_name: r.map(|r| r.last_name.clone()).unwrap_or_default(),
        email: r.map(|r| r.email.clone()).unwrap_or_default(),
        mobile: r.map(|r| r.mobile.clone()).unwrap_or_default(),
        active: active_status_pb(v.active),
        app_status: app_status_pb(r.map_or(AppStatus::Unregistered, |r| r.app_status)),
        created_at_ms: a.created_at_ms,
        expires_at_ms: a.expires_at_ms.unwrap_or(0),
    }
}

pub fn resident_filter(
    f: Option<pb::ResidentFilter>,
) -> Result<porter_store::ResidentFilter, Status> {
    let f = f.unwrap_or_default();
    Ok(porter_store::ResidentFilter {
        app_status: app_status("filter.app_status", f.app_status)?,
        active: active_status("filter.active", f.active)?,
        text: f.text,
    })
}

pub fn page(p: Option<pb::Page>) -> Result<porter_store::PageRequest, Status> {
    let p = p.unwrap_or_default();
    if p.page_size > porter_store::ops::listing::MAX_PAGE_SIZE {
        return Err(invalid(
            "page.page_size",
            format!(
                "must be at most {}",
                porter_store::ops::listing::MAX_PAGE_SIZE
            ),
        ));
    }
    Ok(porter_store::PageRequest::new(p.page, p.page_size))
}

pub fn row_errors(rows: Vec<porter_store::RowError>) -> Vec<pb::RowError> {
    rows.into_iter()
        .map(|e| pb::RowError {
            row: e.row,
            column: e.column,
            rule: e.rule,
        })
        .collect()
}

enum_map!(contact_display, contact_display_pb, pb::ContactDisplay, model::ContactDisplay, {
    AptNumbers => model::ContactDisplay::AptNumbers,
    MonitorsAndApps => model::ContactDisplay::IndoorMonitorsAndApps,
    AptNumbersMonitorsAndApps => model::ContactDisplay::AptNumbersMonitorsAndApps });
enum_map!(unlock_method, unlock_method_pb, pb::UnlockMethod, model::UnlockMethod, {
    SmartplusHomepage => model::UnlockMethod::SmartPlusHomepage,
    SmartplusTalkingPage => model::UnlockMethod::SmartPlusTalkingPage,
    Pin => model::UnlockMethod::Pin, Face => model::UnlockMethod::Face,
    RfCard => model::UnlockMethod::RfCard, Bluetooth => model::UnlockMethod::Bluetooth,
    Nfc => model::UnlockMethod::Nfc });

fn relay_in(field: &str, r: pb::Relay) -> Result<model::Relay, Status> {
    let mut methods = Vec::with_capacity(r.unlock_methods.len());
    for m in r.unlock_methods {
        if let Some(m) = unlock_method(&format!("{field}.unlock_methods"), m)? {
            methods.push(m);
        }
    }
    Ok(model::Relay {
        enabled: r.enabled,
        name: r.name,
        dtmf_code: r.dtmf_code,
        unlock_methods: methods,
    })
}

fn relay_pb(r: &model::Relay) -> pb::Relay {
    pb::Relay {
        enabled: r.enabled,
        name: r.name.clone(),
        dtmf_code: r.dtmf_code.clone(),
        unlock_methods: r
            .unlock_methods
            .iter()
            .map(|m| unlock_method_pb(*m))
            .collect(),
    }
}

pub fn device_input(d: Option<pb::DeviceInput>) -> Result<model::DeviceInput, Status> {
    let d = d.unwrap_or_default();
    Ok(model::DeviceInput {
        device_type: d.device_type,
        mac: d.mac,
        name: d.name,
        network_group: d.network_group,
        contact_display: opt("contact_display", d.contact_display, contact_display)?,
        internet_access: d.internet_access,
        transfer_monitor_ip: d.transfer_monitor_ip,
        works_offline: d.works_offline,
        arming: d.arming,
        relays: d
            .relays
            .map(|rs| {
                rs.relays
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| relay_in(&format!("relays[{i}]"), r))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?,
        security_relay: d
            .security_relay
            .map(|s| s.relay.map(|r| relay_in("security_relay", r)).transpose())
            .transpose()?,
        public_buildings: d.public_buildings.map(|b| b.building_ids),
    })
}

pub fn device(v: &porter_store::DeviceView) -> pb::Device {
    let d = &v.device;
    let (scope, public) = match &d.scope {
        model::DeviceScope::Public { buildings } => {
            (pb::DeviceScopeKind::Public, buildings.clone())
        }
        model::DeviceScope::Building { .. } => (pb::DeviceScopeKind::Building, Vec::new()),
        model::DeviceScope::Apartment { .. } => (pb::DeviceScopeKind::Apartment, Vec::new()),
    };
    pb::Device {
        id: d.id,
        community_id: d.community_id,
        scope: scope as i32,
        public_building_ids: public,
        building_id: d.building_id().unwrap_or(0),
        building_name: v.building_name.clone(),
        apartment_id: d.apartment_id().unwrap_or(0),
        apt_number: v.apartment_number.clone(),
        resident_name: v.resident_name.clone(),
        owner: v.owner.clone(),
        device_type: d.device_type.code(),
        mac: d.mac.clone(),
        name: d.name.clone(),
        network_group: d.network_group,
        contact_display: d.contact_display.map_or(0, contact_display_pb),
        internet_access: d.internet_access,
        transfer_monitor_ip: d
            .transfer_monitor_ip
            .map(|ip| ip.to_string())
            .unwrap_or_default(),
        works_offline: d.works_offline,
        arming: d.arming,
        relays: d.relays.iter().map(relay_pb).collect(),
        security_relay: d.security_relay.as_ref().map(relay_pb),
        sip_number: d.sip_number.clone(),
        created_at_ms: d.created_at_ms,
        // Filled in from the gateway's presence by the device service.
        online: false,
        last_connection_ms: 0,
        remote_address: String::new(),
        firmware_version: String::new(),
        model: String::new(),
    }
}

/// Where a new device or camera goes, whichever request named it.
pub enum Placement {
    Public(pb::PublicArea),
    Building(u64),
    Apartment(u64),
}

impl From<pb::create_device_request::Scope> for Placement {
    fn from(s: pb::create_device_request::Scope) -> Self {
        use pb::create_device_request::Scope;
        match s {
            Scope::PublicArea(p) => Placement::Public(p),
            Scope::BuildingId(id) => Placement::Building(id),
            Scope::ApartmentId(id) => Placement::Apartment(id),
        }
    }
}

impl From<pb::create_camera_request::Scope> for Placement {
    fn from(s: pb::create_camera_request::Scope) -> Self {
        use pb::create_camera_request::Scope;
        match s {
            Scope::PublicArea(p) => Placement::Public(p),
            Scope::BuildingId(id) => Placement::Building(id),
            Scope::ApartmentId(id) => Placement::Apartment(id),
        }
    }
}

pub fn scope_request(p: Option<Placement>) -> Result<porter_store::ScopeRequest, Status> {
    use porter_store::ScopeRequest;
    Ok(match p {
        Some(Placement::Public(p)) => ScopeRequest::Public {
            community_id: p.community_id,
            buildings: p.building_ids,
        },
        Some(Placement::Building(id)) => ScopeRequest::Building { building_id: id },
        Some(Placement::Apartment(id)) => ScopeRequest::Apartment { apartment_id: id },
        None => {
            return Err(invalid(
                "scope",
                "is required: public_area, building_id or apartment_id",
            ));
        }
    })
}
