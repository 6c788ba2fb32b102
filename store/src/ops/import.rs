//! "Add Community Residents (and Devices) to a Building Using Template": one file of
//! buildings, apartments, residents and devices, imported all or nothing.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::require_staff;
use crate::directory::Actor;
use crate::error::{Result, RowError, StoreError};
use crate::model::{
    Apartment, ApartmentInput, Building, DeviceInput, DeviceScope, DeviceType, FeaturePlan, Id,
    Resident, ResidentInput,
};
use crate::ops::devices::build_device;
use crate::record::Record;
use crate::rules::{self, email_key};
use crate::store::{SipSpace, Store};
use crate::tabular::{self, Table};
use crate::template::COLUMNS;

/// Rows one template import may hold.
pub const MAX_TEMPLATE_ROWS: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateImport {
    pub buildings_created: u32,
    pub apartments: u32,
    pub residents: u32,
    pub devices: u32,
}

/// One device entry of the Device column.
struct DeviceEntry {
    name: String,
    device_type: DeviceType,
    mac: String,
}

/// A row, parsed and checked on its own.
struct RowPlan {
    row: u32,
    building: String,
    apartment: ApartmentInput,
    resident: Option<Resident>,
    devices: Vec<DeviceEntry>,
}

/// Collects a row's errors: each cell is checked and every broken rule reported.
struct RowCheck<'a> {
    row: u32,
    errors: &'a mut Vec<RowError>,
}

impl RowCheck<'_> {
    fn fail(&mut self, column: &str, rule: impl Into<String>) {
        self.errors.push(RowError {
            row: self.row,
            column: column.to_owned(),
            rule: rule.into(),
        });
    }

    /// The rule text of a store error, reported against `column`.
    fn take<T>(&mut self, column: &str, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(StoreError::Invalid { rule, .. }) => {
                self.fail(column, rule);
                None
            }
            Err(other) => {
                self.fail(column, other.to_string());
                None
            }
        }
    }
}

fn cell<'t>(table: &'t Table, cells: &'t [String], column: &str) -> &'t str {
    table
        .column(column)
        .and_then(|i| cells.get(i))
        .map_or("", |s| s.trim())
}

fn parse_number(check: &mut RowCheck<'_>, column: &str, text: &str) -> Option<u32> {
    if text.is_empty() {
        return Some(0);
    }
    match text.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            check.fail(
                column,
                format!("{} is not a whole number", rules::quote(text)),
            );
            None
        }
    }
}

fn parse_devices(check: &mut RowCheck<'_>, text: &str) -> Vec<DeviceEntry> {
    let mut out = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let parts: Vec<&str> = entry.split(',').map(str::trim).collect();
        let [name, code, mac] = parts[..] else {
            check.fail(
                "Device",
                format!(
                    "{} is not \"Device name,Device type,Device MAC\"",
                    rules::quote(entry)
                ),
            );
            continue;
        };
        let name = check.take(
            "Device",
            rules::required_name("name", name, rules::MAX_PERSON_NAME_LEN),
        );
        let device_type = match code.parse::<u32>() {
            Ok(c) => check.take("Device", DeviceType::from_code("type", c)),
            Err(_) => {
                check.fail(
                    "Device",
                    format!(
                        "device type {} is not a number (0, 1, 2, 3 or 50)",
                        rules::quote(code)
                    ),
                );
                None
            }
        };
        let mac = check.take("Device", rules::mac("MAC", mac));
        if let (Some(name), Some(device_type), Some(mac)) = (name, device_type, mac) {
            out.push(DeviceEntry {
                name,
                device_type,
                mac,
            });
        }
    }
    out
}

fn parse_row(
    table: &Table,
    row: u32,
    cells: &[String],
    errors: &mut Vec<RowError>,
) -> Option<RowPlan> {
    let before = errors.len();
    let mut check = RowCheck { row, errors };
    let get = |c: &str| cell(table, cells, c);
    let building = check.take(
        "Building",
        rules::required_name("Building", get("Building"), rules::MAX_NAME_LEN),
    );
    let call_type = parse_number(&mut check, "CallType", get("CallType"));
    let web_relay = parse_number(&mut check, "WebRelayID", get("WebRelayID"));
    let apartment = ApartmentInput {
        number: Some(get("Apt").to_owned()),
        name: Some(get("AptName").to_owned()),
        call_type,
        web_relay_id: web_relay,
        ..ApartmentInput::default()
    };
    // The apartment's own rules, checked on a scratch record.
    if let Err(e) = Apartment::create(0, 0, 0, String::new(), apartment.clone(), None, 0) {
        let column = match e.field() {
            Some("apt_number") => "Apt",
            Some("apt_name") => "AptName",
            Some("call_type") => "CallType",
            Some("web_relay_id") => "WebRelayID",
            _ => "Apt",
        };
        check.take::<()>(column, Err(e));
    }
    let (first, last) = (get("FirstName"), get("LastName"));
    let landlines: Vec<String> = ["1stPhone", "2ndPhone", "3rdPhone"]
        .iter()
        .map(|c| get(c).to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let wants_resident = !first.is_empty()
        || !last.is_empty()
        || !get("Email").is_empty()
        || !get("MobileNumber").is_empty()
        || !landlines.is_empty();
    let resident = if wants_resident {
        match Resident::create(ResidentInput {
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            email: Some(get("Email").to_owned()),
            calling_code: Some(get("TelephoneCallingCode").to_owned()),
            mobile: Some(get("MobileNumber").to_owned()),
            landlines: Some(landlines),
            language: None,
        }) {
            Ok(r) => Some(r),
            Err(e) => {
                let column = match e.field() {
                    Some("first_name") => "FirstName",
                    Some("last_name") => "LastName",
                    Some("email") => "Email",
                    Some("mobile") => "MobileNumber",
                    Some("calling_code") => "TelephoneCallingCode",
                    _ => "1stPhone",
                };
                check.take::<()>(column, Err(e));
                None
            }
        }
    } else {
        None
    };
    let devices = parse_devices(&mut check, get("Device"));
    if errors.len() > before {
        return None;
    }
    Some(RowPlan {
        row,
        building: building.unwrap_or_default(),
        apartment,
        resident,
        devices,
    })
}

impl Store {
    /// Imports a filled-in template into a community. Every bad row is reported (row,
    /// column, rule) and nothing is written unless all rows are good.
    pub async fn import_template(
        &self,
        actor: &Actor,
        community_id: Id,
        file: &[u8],
    ) -> Result<TemplateImport> {
        require_staff(actor, "import templates")?;
        let table = tabular::read_table(file, MAX_TEMPLATE_ROWS, "Apt")?;
        for required in ["Building", "Apt"] {
            if table.column(required).is_none() {
                return Err(StoreError::invalid(
                    "file",
                    format!(
                        "needs a {required} column (template columns: {})",
                        COLUMNS.join(", ")
                    ),
                ));
            }
        }
        let mut errors = Vec::new();
        let plans: Vec<RowPlan> = table
            .rows
            .iter()
            .filter_map(|(row, cells)| parse_row(&table, *row, cells, &mut errors))
            .collect();
        let sealer = self.sealer();
        self.write(move |dir, txn| {
            let community = dir.community_of(actor, community_id)?;
            let mut outcome = TemplateImport::default();
            let mut new_buildings: HashMap<String, Id> = HashMap::new();
            let mut apts_in_file: HashSet<(String, String)> = HashSet::new();
            let mut emails_in_file: HashSet<String> = HashSet::new();
            let mut macs_in_file: HashSet<String> = HashSet::new();
            let free_apartments = community.apartment_count.saturating_sub(dir.counts(community.id).apartments);
            if plans.len() as u64 > u64::from(free_apartments) && errors.is_empty() {
                return Err(StoreError::precondition(format!(
                    "the file adds {} apartments but community {:?} has room for {} more; raise its number of apartments first",
                    plans.len(),
                    community.name,
                    free_apartments
                )));
            }
            let mut records = Vec::new();
            for plan in plans {
                let mut check = RowCheck { row: plan.row, errors: &mut errors };
                // Building: existing, created earlier in this file, or new.
                let building_id = match dir.building_named(community.id, &plan.building) {
                    Some(b) => b.id,
                    None => *new_buildings.entry(plan.building.clone()).or_insert_with(|| {
                        let b = Building { id: txn.next_id(), community_id: community.id, name: plan.building.clone(), created_at_ms: txn.now_ms() };
                        records.push(Record::Building(b.clone()));
                        outcome.buildings_created += 1;
                        b.id
                    }),
                };
                let number = plan.apartment.number.clone().unwrap_or_default();
                let number = rules::apt_number("apt_number", &number).unwrap_or(number);
                if dir.apartment_numbered(building_id, &number).is_some()
                    || !apts_in_file.insert((plan.building.clone(), number.clone()))
                {
                    check.fail("Apt", format!("building {:?} already has APT {number}", plan.building));
                }
                if let Some(email) = plan.resident.as_ref().map(|r| r.email.as_str()).filter(|e| !e.is_empty())
                    && (dir.email_owner(email).is_some() || !emails_in_file.insert(email_key(email)))
                {
                    check.fail("Email", format!("{} is already used by another end user", rules::quote(email)));
                }
                let has_monitor = plan.devices.iter().any(|d| d.device_type == DeviceType::IndoorMonitor);
                if community.feature_plan == FeaturePlan::Basic && !has_monitor {
                    check.fail("Device", "the Basic feature plan needs an indoor monitor (type 2) in every apartment");
                }
                for d in &plan.devices {
                    match dir.mac(&d.mac) {
                        Some(e) if e.installer_id == actor.installer_id => {}
                        _ => check.fail("Device", format!("{} is not in your MAC library; add it there first", d.mac)),
                    }
                    if let Some(other) = dir.device_by_mac(&d.mac) {
                        check.fail("Device", format!("{} is already used by device {:?}", d.mac, other.name));
                    } else if !macs_in_file.insert(d.mac.clone()) {
                        check.fail("Device", format!("{} appears more than once in the file", d.mac));
                    }
                }
                if !errors.is_empty() {
                    // Keep checking the rest of the file, but build nothing more.
                    continue;
                }
                let id = txn.next_id();
                let sip = txn.allocate_sip_number(dir, community.installer_id, SipSpace::Family)?;
                let has_resident = plan.resident.is_some();
                let resident = plan.resident.map(|r| r.moved_in_by(actor, txn.now_ms()));
                let apartment = Apartment::create(id, community.id, building_id, sip, plan.apartment, resident, txn.now_ms())?;
                outcome.apartments += 1;
                outcome.residents += u32::from(has_resident);
                for d in plan.devices {
                    let scope = match d.device_type {
                        DeviceType::SingleTenantDoorPhone | DeviceType::IndoorMonitor => {
                            DeviceScope::Apartment { building_id, apartment_id: id }
                        }
                        _ => DeviceScope::Building { building_id },
                    };
                    let input = DeviceInput {
                        device_type: Some(d.device_type.code()),
                        mac: Some(d.mac),
                        name: Some(d.name),
                        ..DeviceInput::default()
                    };
                    let device = build_device(dir, txn, sealer, community, scope, input)?;
                    records.push(Record::Device(device));
                    outcome.devices += 1;
                }
                records.push(Record::Apartment(apartment));
            }
            if !errors.is_empty() {
                errors.sort_by_key(|e| e.row);
                return Err(StoreError::Rows(errors));
            }
            for r in records {
                txn.put(r);
            }
            txn.audit(
                actor,
                "import.template",
                format!("community/{community_id}"),
                json!({
                    "buildings_created": outcome.buildings_created,
                    "apartments": outcome.apartments,
                    "residents": outcome.residents,
                    "devices": outcome.devices,
                }),
            );
            Ok(outcome)
        })
        .await
    }
}
