//! The AutoP file of one device, rendered from the directory: `Key = value` lines in the
//! order devices apply them. Porter's own keys come first, then the installer's AutoP
//! commands, then pending one-time commands; a key appears once, with the last value given
//! for it (the installer may override Porter's). Every key is listed in docs/AUTOP.md.

use std::fmt::Write as _;

use porter_store::Directory;
use porter_store::model::{
    ActiveStatus, Apartment, AutopCommand, CallMode, Community, ContactDisplay, DateFormat, Device,
    DeviceScope, DeviceType, Language, PinMode, Relay, SipTransportKind, TimeFormat, UnlockMethod,
};
use sha2::{Digest, Sha256};

/// Where the device finds Porter (what `porter serve` listens on, as devices reach it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEndpoints {
    /// The host in SIP URIs (name or address).
    pub sip_host: String,
    /// UDP and TCP.
    pub sip_port: u16,
    pub sip_tls_port: u16,
    /// The device gateway, `host:port` (TLS over TCP and QUIC).
    pub gateway: String,
    /// `https://host:port` of the HTTPS listener, without a trailing slash.
    pub https_base: String,
}

/// The device's own secrets, opened by the caller (the renderer never sees the sealer).
#[derive(Clone)]
pub struct DeviceSecrets {
    pub sip_password: String,
    pub credential: String,
}

/// A rendered file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutopFile {
    pub text: String,
    /// Strong, quoted: a hash of the text, so any change gives a new one.
    pub etag: String,
    /// The one-time commands this file carries; once it is sent they are dropped.
    pub one_time: Vec<AutopCommand>,
}

/// How often a device asks for its file again, as a safety net under the change notices.
pub const AUTOP_INTERVAL_SECS: u32 = 3600;

/// Keys in order, each once.
#[derive(Default)]
struct Lines(Vec<(String, String)>);

impl Lines {
    fn set(&mut self, key: impl Into<String>, value: impl ToString) {
        let key = key.into();
        let value = value.to_string();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key, value)),
        }
    }

    fn flag(&mut self, key: impl Into<String>, on: bool) {
        self.set(key, u8::from(on));
    }
}

/// Renders `device`'s file. `now_ms` decides whose SmartPlus service is active.
pub fn render(
    dir: &Directory,
    device: &Device,
    secrets: &DeviceSecrets,
    server: &ServerEndpoints,
    now_ms: i64,
) -> AutopFile {
    let mut l = Lines::default();
    let community = dir.community(device.community_id);
    account(&mut l, device, secrets, server);
    gateway(&mut l, device, secrets, server);
    relays(&mut l, device);
    if let Some(c) = community {
        community_settings(&mut l, device, c);
    }
    match device.scope {
        DeviceScope::Apartment { apartment_id, .. } => {
            if let Some(a) = dir.apartment(apartment_id) {
                apartment(&mut l, device, a);
            }
        }
        DeviceScope::Building { building_id } if device.device_type.is_door_phone() => {
            contacts(&mut l, dir, device, building_id, now_ms);
        }
        _ => {}
    }
    for c in &device.maintenance.autop_commands {
        l.set(&c.key, &c.value);
    }
    for c in &device.maintenance.one_time_autop {
        l.set(&c.key, &c.value);
    }
    finish(
        format!(
            "# Porter AutoP for {} ({}). Made by the server: change it in Porter.\n",
            device.mac, device.name
        ),
        &l,
        device.maintenance.one_time_autop.clone(),
    )
}

/// The common file of a device model: what every device of it shares, without secrets.
/// `model` is checked by the caller (letters, digits, `-` and `_`).
pub fn render_common(model: &str, server: &ServerEndpoints) -> AutopFile {
    let mut l = Lines::default();
    l.set("Config.Account1.SIP.Server", &server.sip_host);
    l.set("Config.Porter.Gateway.Server", &server.gateway);
    l.set(
        "Config.Autoprovision.Url",
        format!("{}/autop/", server.https_base),
    );
    l.set("Config.Autoprovision.Interval", AUTOP_INTERVAL_SECS);
    finish(
        format!("# Porter AutoP common to {model}. Made by the server: change it in Porter.\n"),
        &l,
        Vec::new(),
    )
}

fn finish(mut text: String, l: &Lines, one_time: Vec<AutopCommand>) -> AutopFile {
    for (k, v) in &l.0 {
        let _ = writeln!(text, "{k} = {v}");
    }
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(text.as_bytes()))[..32]
    );
    AutopFile {
        text,
        etag,
        one_time,
    }
}

fn account(l: &mut Lines, d: &Device, s: &DeviceSecrets, server: &ServerEndpoints) {
    let (trans, port) = match d.maintenance.sip_transport {
        SipTransportKind::Udp => (0, server.sip_port),
        SipTransportKind::Tcp => (1, server.sip_port),
        SipTransportKind::Tls => (2, server.sip_tls_port),
    };
    l.flag("Config.Account1.GENERAL.Enable", true);
    l.set("Config.Account1.GENERAL.Label", &d.name);
    l.set("Config.Account1.GENERAL.DisplayName", &d.name);
    l.set("Config.Account1.GENERAL.UserName", &d.sip_number);
    l.set("Config.Account1.GENERAL.AuthName", &d.sip_number);
    l.set("Config.Account1.GENERAL.Pwd", &s.sip_password);
    l.set("Config.Account1.SIP.Server", &server.sip_host);
    l.set("Config.Account1.SIP.Port", port);
    l.set("Config.Account1.SIP.TransType", trans);
}

fn gateway(l: &mut Lines, d: &Device, s: &DeviceSecrets, server: &ServerEndpoints) {
    l.set("Config.Porter.Gateway.Server", &server.gateway);
    l.set("Config.Porter.Gateway.Credential", &s.credential);
    l.set(
        "Config.Autoprovision.Url",
        format!("{}/autop/", server.https_base),
    );
    l.set("Config.Autoprovision.Interval", AUTOP_INTERVAL_SECS);
    l.set("Config.Porter.Device.Type", device_type(d.device_type));
    l.set("Config.Porter.Device.NetworkGroup", d.network_group);
    if d.device_type.is_door_phone() {
        l.flag("Config.Porter.Device.InternetAccess", d.internet_access);
        if let Some(ip) = d.transfer_monitor_ip {
            l.set("Config.Porter.Device.TransferMonitorIp", ip);
        }
    }
}

fn relays(l: &mut Lines, d: &Device) {
    for (i, r) in d.relays.iter().enumerate() {
        let letter = char::from(b'A' + i as u8);
        l.set(
            format!("Config.DoorSetting.RELAY.RelayName{letter}"),
            &r.name,
        );
        l.set(
            format!("Config.DoorSetting.DTMF.Code{}", i + 1),
            &r.dtmf_code,
        );
        relay_extras(l, &format!("Config.Porter.Relay.{letter}"), r);
    }
    if let Some(r) = &d.security_relay {
        l.set("Config.Porter.SecurityRelay.Name", &r.name);
        l.set("Config.Porter.SecurityRelay.DtmfCode", &r.dtmf_code);
        relay_extras(l, "Config.Porter.SecurityRelay", r);
    }
}

fn relay_extras(l: &mut Lines, prefix: &str, r: &Relay) {
    l.flag(format!("{prefix}.Enable"), r.enabled);
    let methods: Vec<&str> = r.unlock_methods.iter().map(|m| unlock_method(*m)).collect();
    l.set(format!("{prefix}.UnlockMethods"), methods.join(","));
}

fn community_settings(l: &mut Lines, d: &Device, c: &Community) {
    l.set("Config.Porter.Time.Zone", &c.time_zone);
    l.set(
        "Config.Porter.Time.Format",
        match c.time_format {
            TimeFormat::H24 => "24h",
            TimeFormat::H12 => "12h",
        },
    );
    l.set(
        "Config.Porter.Date.Format",
        match c.date_format {
            DateFormat::YearMonthDay => "YYYY-MM-DD",
            DateFormat::MonthDayYear => "MM-DD-YYYY",
            DateFormat::DayMonthYear => "DD-MM-YYYY",
        },
    );
    if d.device_type.is_door_phone() || d.device_type == DeviceType::AccessControl {
        l.set(
            "Config.Porter.Pin.Mode",
            match c.pin_mode {
                PinMode::Pin => "pin",
                PinMode::AptPin => "apt_pin",
            },
        );
    }
    if d.device_type == DeviceType::IndoorMonitor {
        let a = &c.address;
        let parts = [&a.street, &a.city, &a.post_code, &a.state, &a.country];
        let address: Vec<&str> = parts
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        l.set("Config.Porter.Weather.Address", address.join(", "));
    }
}

fn apartment(l: &mut Lines, d: &Device, a: &Apartment) {
    l.set("Config.Porter.Apartment.Number", &a.number);
    l.set(
        "Config.Porter.Apartment.CallMode",
        match a.call_mode {
            CallMode::Ip => "ip",
            CallMode::Sip => "sip",
        },
    );
    l.set("Config.Porter.Apartment.CallType", a.call_type);
    let language = a
        .resident
        .as_ref()
        .map_or(Language::English, |r| r.language);
    l.set("Config.Porter.Language", Language::tag(language));
    if d.device_type == DeviceType::IndoorMonitor {
        l.flag("Config.Porter.Arming.Enable", d.arming);
        l.flag("Config.Porter.Offline.TransferCalls", d.works_offline);
    }
}

/// A building door phone's contact screen, as its contact display setting says.
fn contacts(l: &mut Lines, dir: &Directory, d: &Device, building_id: u64, now_ms: i64) {
    let display = d.contact_display.unwrap_or(ContactDisplay::AptNumbers);
    l.set(
        "Config.Porter.Contacts.Display",
        match display {
            ContactDisplay::AptNumbers => "apt_numbers",
            ContactDisplay::IndoorMonitorsAndApps => "monitors_and_apps",
            ContactDisplay::AptNumbersMonitorsAndApps => "apt_numbers_monitors_and_apps",
        },
    );
    let numbers = display != ContactDisplay::IndoorMonitorsAndApps;
    let accounts = display != ContactDisplay::AptNumbers;
    let mut apartments: Vec<&Apartment> = dir.apartments_in(building_id).collect();
    apartments.sort_by_cached_key(|a| natural(&a.number));
    let mut n = 0;
    let mut contact = |name: &str, number: &str, apartment: &Apartment, kind: &str| {
        n += 1;
        l.set(format!("Config.Porter.Contact.{n}.Name"), name);
        l.set(format!("Config.Porter.Contact.{n}.Number"), number);
        l.set(
            format!("Config.Porter.Contact.{n}.Apartment"),
            &apartment.number,
        );
        l.set(format!("Config.Porter.Contact.{n}.Kind"), kind);
        if apartment.call_mode == CallMode::Ip {
            l.set(format!("Config.Porter.Contact.{n}.CallMode"), "ip");
        }
    };
    for a in apartments {
        let label = if a.name.is_empty() || a.name == a.number {
            a.number.clone()
        } else {
            format!("{} {}", a.number, a.name)
        };
        if numbers {
            contact(&label, &a.number, a, "apartment");
        }
        if accounts {
            let mut monitors: Vec<&Device> = dir
                .devices_of_apartment(a.id)
                .filter(|m| m.device_type == DeviceType::IndoorMonitor)
                .collect();
            monitors.sort_by_key(|m| m.id);
            for m in monitors {
                contact(&m.name, &m.sip_number, a, "indoor_monitor");
            }
            if let Some(r) = &a.resident
                && a.active_status(now_ms) == ActiveStatus::Normal
            {
                let name = format!("{} {}", r.first_name, r.last_name);
                contact(name.trim(), &a.family_sip_number, a, "app");
            }
        }
    }
    l.set("Config.Porter.Contacts.Count", n);
}

/// "2" before "10", and "2#1" before "2#10".
fn natural(number: &str) -> Vec<(u64, String)> {
    number
        .split('#')
        .map(|part| (part.parse().unwrap_or(u64::MAX), part.to_owned()))
        .collect()
}

fn device_type(t: DeviceType) -> &'static str {
    match t {
        DeviceType::MultiTenantDoorPhone => "multi_tenant_door_phone",
        DeviceType::SingleTenantDoorPhone => "single_tenant_door_phone",
        DeviceType::IndoorMonitor => "indoor_monitor",
        DeviceType::GuardPhone => "guard_phone",
        DeviceType::AccessControl => "access_control",
    }
}

fn unlock_method(m: UnlockMethod) -> &'static str {
    match m {
        UnlockMethod::SmartPlusHomepage => "app_homepage",
        UnlockMethod::SmartPlusTalkingPage => "app_talking_page",
        UnlockMethod::Pin => "pin",
        UnlockMethod::Face => "face",
        UnlockMethod::RfCard => "rf_card",
        UnlockMethod::Bluetooth => "bluetooth",
        UnlockMethod::Nfc => "nfc",
    }
}
