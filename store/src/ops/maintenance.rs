//! Remote maintenance (the manual's device Settings dialog): connection type, AutoP
//! commands and one-time AutoP, kept on the device and written into its AutoP file.

use serde_json::json;

use super::require_staff;
use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::model::autop::{self, AutopCommand, Maintenance, SipTransportKind};
use crate::model::{Device, Id};
use crate::record::Record;
use crate::store::Store;

/// A Settings dialog submit; `None` keeps what is there.
#[derive(Clone, Debug, Default)]
pub struct MaintenanceEdit {
    pub sip_transport: Option<SipTransportKind>,
    /// The whole command text; it replaces the list.
    pub autop_commands: Option<String>,
    /// The SHA-256 of the device's client certificate (64 hex digits); empty clears it.
    pub client_cert_sha256: Option<String>,
}

impl Store {
    pub fn device_maintenance(&self, actor: &Actor, id: Id) -> Result<Maintenance> {
        // AutoP commands may carry the device's own passwords.
        require_staff(actor, "see device settings")?;
        self.read(|dir| dir.device_of(actor, id).map(|(d, _)| d.maintenance.clone()))
    }

    pub async fn update_device_maintenance(
        &self,
        actor: &Actor,
        id: Id,
        edit: MaintenanceEdit,
    ) -> Result<Maintenance> {
        require_staff(actor, "change device settings")?;
        let commands = edit
            .autop_commands
            .as_deref()
            .map(|text| autop::parse_commands("autop_commands", text))
            .transpose()?;
        let cert = edit
            .client_cert_sha256
            .as_deref()
            .map(|c| {
                let c = c.trim().to_ascii_lowercase().replace(':', "");
                if c.is_empty() || (c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit())) {
                    Ok(c)
                } else {
                    Err(StoreError::invalid(
                        "client_cert_sha256",
                        "must be the certificate's SHA-256: 64 hex digits",
                    ))
                }
            })
            .transpose()?;
        self.write(|dir, txn| {
            let (old, _) = dir.device_of(actor, id)?;
            let mut d = old.clone();
            if let Some(c) = cert {
                if let Some(other) = dir.device_by_cert(&c).filter(|o| o.id != id) {
                    return Err(StoreError::exists(
                        "client_cert_sha256",
                        format!(
                            "device {} ({}) presents this certificate",
                            other.name, other.mac
                        ),
                    ));
                }
                d.maintenance.client_cert_sha256 = c;
            }
            if let Some(t) = edit.sip_transport {
                d.maintenance.sip_transport = t;
            }
            if let Some(c) = commands {
                d.maintenance.autop_commands = c;
            }
            txn.put(Record::Device(d.clone()));
            txn.audit(
                actor,
                "device.maintenance",
                format!("device/{id}"),
                json!({"sip_transport": format!("{:?}", d.maintenance.sip_transport),
                       "autop_commands": d.maintenance.autop_commands.len()}),
            );
            Ok(d.maintenance)
        })
        .await
    }

    /// "One-Time AutoP": commands for the device's next AutoP file only. Added to those
    /// still waiting (a key given again takes the new value).
    pub async fn add_one_time_autop(
        &self,
        actor: &Actor,
        id: Id,
        text: &str,
    ) -> Result<Maintenance> {
        require_staff(actor, "change device settings")?;
        let commands = autop::parse_commands("commands", text)?;
        if commands.is_empty() {
            return Err(StoreError::invalid("commands", "give at least one command"));
        }
        self.write(|dir, txn| {
            let (old, _) = dir.device_of(actor, id)?;
            let mut d = old.clone();
            let mut merged = autop::commands_text(&d.maintenance.one_time_autop);
            merged.push_str(&autop::commands_text(&commands));
            d.maintenance.one_time_autop = autop::parse_commands("commands", &merged)?;
            txn.put(Record::Device(d.clone()));
            txn.audit(
                actor,
                "device.one_time_autop",
                format!("device/{id}"),
                json!({"commands": commands.len()}),
            );
            Ok(d.maintenance)
        })
        .await
    }

    /// After a device was sent its AutoP file: the one-time commands it carried are done.
    /// Commands added since (or changed) stay for the next file.
    pub async fn one_time_autop_served(
        &self,
        device_id: Id,
        served: &[AutopCommand],
    ) -> Result<()> {
        if served.is_empty() {
            return Ok(());
        }
        self.write(|dir, txn| {
            let Some(old) = dir.device(device_id) else {
                return Ok(());
            };
            let mut d: Device = old.clone();
            d.maintenance.one_time_autop.retain(|c| !served.contains(c));
            if d.maintenance.one_time_autop.len() != old.maintenance.one_time_autop.len() {
                txn.put(Record::Device(d));
            }
            Ok(())
        })
        .await
    }
}
