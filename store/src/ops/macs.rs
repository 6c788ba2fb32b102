//! The MAC library: add one, import a file, search, delete.

use std::collections::HashSet;

use serde_json::json;

use super::require_staff;
use crate::directory::{Actor, Directory};
use crate::error::{Result, RowError, StoreError};
use crate::model::MacEntry;
use crate::ops::listing::{Page, PageRequest, page_of};
use crate::record::{Record, RecordKey};
use crate::rules;
use crate::store::Store;
use crate::tabular;

/// Rows one MAC import may hold.
pub const MAX_MAC_IMPORT_ROWS: usize = 20_000;

/// How many MACs of other installers' libraries one installer may try to add (singly or in
/// imports) in `MAC_CONFLICT_WINDOW` before further adds wait: each refusal says the MAC is
/// taken, and a quick loop of them would tell the moment another installer frees one.
pub const MAX_MAC_CONFLICTS: u32 = 10;
pub const MAC_CONFLICT_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// A library entry as listed: who registered it and what it is bound to.
#[derive(Debug, Clone)]
pub struct MacView {
    pub entry: MacEntry,
    pub installer: String,
    /// "Public Device", "Building-APT", or empty while unbound.
    pub owner: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MacImport {
    pub added: Vec<String>,
    /// Already in this installer's library: left as they are.
    pub already_present: Vec<String>,
}

/// Whether `mac` may enter the actor's library: `Ok(true)` new, `Ok(false)` already there.
fn check_mac_free(dir: &Directory, actor: &Actor, mac: &str) -> std::result::Result<bool, String> {
    match dir.mac(mac) {
        None => Ok(true),
        Some(e) if e.installer_id == actor.installer_id => Ok(false),
        Some(_) => Err(format!(
            "{mac} is registered in another installer's MAC library"
        )),
    }
}

fn view(dir: &Directory, e: &MacEntry) -> MacView {
    MacView {
        installer: dir
            .account(e.installer_id)
            .map(|a| a.username.clone())
            .unwrap_or_default(),
        owner: dir
            .device_by_mac(&e.mac)
            .map(|d| dir.device_owner_label(d))
            .unwrap_or_default(),
        entry: e.clone(),
    }
}

impl Store {
    /// Refuses while the installer has tried too many MACs of other libraries.
    fn check_mac_conflict_budget(&self, actor: &Actor) -> Result<()> {
        match self
            .mac_conflicts()
            .blocked_for(actor.installer_id, std::time::Instant::now())
        {
            Some(wait) => Err(StoreError::ResourceExhausted(format!(
                "too many MACs registered in other installers' libraries were tried; try again in {} s",
                wait.as_secs().max(1)
            ))),
            None => Ok(()),
        }
    }

    /// Counts and audits MACs of other libraries that the actor tried to add: in its own
    /// trail, and in the trail of each MAC's owner (who learns that someone tried).
    async fn mac_conflicts_found(&self, actor: &Actor, macs: Vec<String>) {
        if macs.is_empty() {
            return;
        }
        let now = std::time::Instant::now();
        for _ in &macs {
            self.mac_conflicts().failed(actor.installer_id, now);
        }
        tracing::warn!(
            installer = actor.installer_id,
            macs = macs.len(),
            "MACs of other installers' libraries tried"
        );
        let audited = self
            .write(|dir, txn| {
                for mac in &macs {
                    let target = format!("mac/{mac}");
                    let detail = json!({"reason": "registered in another installer's library"});
                    txn.audit(actor, "mac.add_refused", target.clone(), detail);
                    if let Some(owner) = dir.mac(mac) {
                        txn.audit_for(
                            owner.installer_id,
                            actor,
                            "mac.claimed_by_another_installer",
                            target,
                            json!({"installer_id": actor.installer_id}),
                        );
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = audited {
            tracing::warn!(error = %e, "auditing MAC conflicts failed");
        }
    }

    pub async fn add_mac(&self, actor: &Actor, mac: &str) -> Result<MacView> {
        require_staff(actor, "manage the MAC library")?;
        let mac = rules::mac("mac", mac)?;
        self.check_mac_conflict_budget(actor)?;
        let mut elsewhere = Vec::new();
        let added = self
            .write(|dir, txn| {
                match check_mac_free(dir, actor, &mac) {
                    Ok(true) => {}
                    Ok(false) => {
                        return Err(StoreError::exists(
                            "mac",
                            format!("{mac} is already in your MAC library"),
                        ));
                    }
                    Err(e) => {
                        elsewhere.push(mac.clone());
                        return Err(StoreError::exists("mac", e));
                    }
                }
                let entry = MacEntry {
                    mac: mac.clone(),
                    installer_id: actor.installer_id,
                    created_at_ms: txn.now_ms(),
                };
                txn.put(Record::Mac(entry.clone()));
                txn.audit(actor, "mac.add", format!("mac/{mac}"), json!({}));
                Ok(view(dir, &entry))
            })
            .await;
        self.mac_conflicts_found(actor, elsewhere).await;
        added
    }

    /// Imports a CSV or XLSX file with one MAC a row under a `MAC` header. All or nothing:
    /// every bad row is reported and nothing is written when any row is bad. MACs already in
    /// the installer's library are left as they are.
    pub async fn import_macs(&self, actor: &Actor, file: &[u8]) -> Result<MacImport> {
        require_staff(actor, "manage the MAC library")?;
        let table = tabular::read_table(file, MAX_MAC_IMPORT_ROWS, "MAC")?;
        let col = table
            .column("MAC")
            .ok_or_else(|| StoreError::invalid("file", "needs a header row with a MAC column"))?;
        let mut parsed = Vec::with_capacity(table.rows.len());
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (row, cells) in &table.rows {
            let raw = cells.get(col).map_or("", String::as_str);
            match rules::mac("MAC", raw) {
                Ok(mac) if !seen.insert(mac.clone()) => errors.push(RowError {
                    row: *row,
                    column: "MAC".into(),
                    rule: format!("{mac} appears more than once in the file"),
                }),
                Ok(mac) => parsed.push((*row, mac)),
                Err(e) => errors.push(RowError {
                    row: *row,
                    column: "MAC".into(),
                    rule: match e {
                        StoreError::Invalid { rule, .. } => rule,
                        other => other.to_string(),
                    },
                }),
            }
        }
        self.check_mac_conflict_budget(actor)?;
        let mut elsewhere = Vec::new();
        let imported = self
            .write(|dir, txn| {
            let mut outcome = MacImport::default();
            for (row, mac) in parsed {
                match check_mac_free(dir, actor, &mac) {
                    Ok(true) => {
                        txn.put(Record::Mac(MacEntry {
                            mac: mac.clone(),
                            installer_id: actor.installer_id,
                            created_at_ms: txn.now_ms(),
                        }));
                        outcome.added.push(mac);
                    }
                    Ok(false) => outcome.already_present.push(mac),
                    Err(rule) => {
                        elsewhere.push(mac);
                        errors.push(RowError { row, column: "MAC".into(), rule });
                    }
                }
            }
            if !errors.is_empty() {
                errors.sort_by_key(|e| e.row);
                return Err(StoreError::Rows(errors));
            }
            txn.audit(
                actor,
                "mac.import",
                "mac-library".into(),
                json!({"added": outcome.added.len(), "already_present": outcome.already_present.len()}),
            );
            Ok(outcome)
        })
        .await;
        self.mac_conflicts_found(actor, elsewhere).await;
        imported
    }

    /// The installer's library, newest first; `search` matches any part of the MAC (with
    /// or without separators).
    pub fn list_macs(&self, actor: &Actor, search: &str, page: PageRequest) -> Page<MacView> {
        if require_staff(actor, "see the MAC library").is_err() {
            return Page {
                items: Vec::new(),
                total: 0,
            };
        }
        let needle: String = search
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase();
        self.read(|dir| {
            let matching = dir
                .macs_of(actor.installer_id)
                .filter(|e| e.mac.contains(&needle));
            let (items, total) = page_of(matching, page);
            let items = items.into_iter().map(|e| view(dir, e)).collect();
            Page { items, total }
        })
    }

    /// Removes a MAC from the library.
    pub async fn delete_mac(&self, actor: &Actor, mac: &str) -> Result<()> {
        require_staff(actor, "manage the MAC library")?;
        let mac = rules::mac("mac", mac)?;
        self.write(|dir, txn| {
            match dir.mac(&mac) {
                Some(e) if e.installer_id == actor.installer_id => {}
                _ => return Err(StoreError::not_found(format!("MAC {mac} in your library"))),
            }
            if let Some(d) = dir.device_by_mac(&mac) {
                return Err(StoreError::precondition(format!(
                    "MAC {mac} is bound to device {:?} ({}); delete that device first",
                    d.name,
                    dir.device_owner_label(d)
                )));
            }
            txn.delete(RecordKey::Mac(mac.clone()));
            txn.audit(actor, "mac.delete", format!("mac/{mac}"), json!({}));
            Ok(())
        })
        .await
    }
}
