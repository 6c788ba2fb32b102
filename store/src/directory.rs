//! The in-memory directory: every record plus the indexes that lookups, uniqueness rules and
//! searches need. It changes only through `apply`, fed the same change sets the backend
//! persisted, so memory and disk cannot drift apart.

use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasherDefault;

use crate::credential_index::CredentialIndex;
use crate::error::{Result, StoreError};
use crate::model::{
    Account, Apartment, Building, Camera, Community, Device, Firmware, Id, MacEntry,
    PropertyManager, Session, SubscriptionOrder, Tenant, UpgradeStrategy,
};
use crate::record::{Change, Meta, Record, RecordKey};
use crate::rules::email_key;

/// Who is asking: resolved from a session token. Every lookup of tenant data goes through
/// the `*_of` methods below, which answer NotFound for another installer's records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Id,
    pub installer_id: Id,
    pub username: String,
    pub role: crate::model::Role,
    pub operator: bool,
    /// A property manager's communities and its rights in each; `None` for installer and
    /// sub-installer accounts, which see every community of their installer.
    pub managed: Option<std::collections::BTreeMap<Id, crate::model::PmPermissions>>,
}

impl Actor {
    /// Whether the actor may see community `id` of its installer at all.
    pub fn sees_community(&self, id: Id) -> bool {
        self.managed.as_ref().is_none_or(|m| m.contains_key(&id))
    }
}

#[derive(Default)]
pub struct Directory {
    pub(crate) meta: Meta,
    accounts: HashMap<Id, Account>,
    usernames: HashMap<String, Id>,
    tenants: HashMap<Id, Tenant>,
    communities: HashMap<Id, Community>,
    communities_by_installer: HashMap<Id, BTreeSet<Id>>,
    buildings: HashMap<Id, Building>,
    buildings_by_community: HashMap<Id, BTreeSet<Id>>,
    apartments: HashMap<Id, Apartment>,
    apartments_by_building: HashMap<Id, BTreeSet<Id>>,
    apt_numbers: HashMap<(Id, String), Id>,
    /// End-user email (lower case) → apartment holding it.
    emails: HashMap<String, Id>,
    /// Family member id → apartment.
    family_members: HashMap<Id, Id>,
    /// Per community: (lower-case resident name, apartment) for residents, in name order.
    residents_by_name: HashMap<Id, BTreeSet<(String, Id)>>,
    /// Per community: (created, apartment) for apartments that have a resident.
    residents_by_created: HashMap<Id, BTreeSet<(i64, Id)>>,
    /// Apartment → what resident filters look at, so a search scans one compact row per
    /// resident instead of whole apartments.
    search_rows: HashMap<Id, SearchRow, BuildHasherDefault<IdHasher>>,
    community_counts: HashMap<Id, CommunityCounts>,
    sessions: HashMap<String, Session>,
    /// End users' single-use password links, by token hash.
    links: HashMap<String, crate::model::AccountLink>,
    site_policy: crate::model::SitePolicy,
    property_managers: HashMap<Id, PropertyManager>,
    /// Property manager email (lower case) → id.
    pm_emails: HashMap<String, Id>,
    macs: HashMap<String, MacEntry>,
    /// Per installer: (created, MAC), for the library list.
    macs_by_installer: HashMap<Id, BTreeSet<(i64, String)>>,
    devices: HashMap<Id, Device>,
    device_by_mac: HashMap<String, Id>,
    /// Devices by the SHA-256 of the client certificate they present to AutoP.
    device_by_cert: HashMap<String, Id>,
    /// Devices by their SIP account number (the registrar's lookup).
    device_by_sip_number: HashMap<String, Id>,
    apartment_by_sip_number: HashMap<String, Id>,
    devices_by_community: HashMap<Id, BTreeSet<Id>>,
    /// Devices whose building is this one (building scope and its apartments').
    devices_by_building: HashMap<Id, BTreeSet<Id>>,
    devices_by_apartment: HashMap<Id, BTreeSet<Id>>,
    cameras: HashMap<Id, Camera>,
    firmware: HashMap<Id, Firmware>,
    orders: HashMap<Id, SubscriptionOrder>,
    upgrades: HashMap<Id, UpgradeStrategy>,
    cameras_by_community: HashMap<Id, BTreeSet<Id>>,
    credentials: CredentialIndex,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommunityCounts {
    pub devices: u32,
    pub buildings: u32,
    pub apartments: u32,
    pub end_users: u32,
}

impl Directory {
    pub fn from_records(records: Vec<Record>) -> Self {
        let mut dir = Directory::default();
        for record in records {
            dir.apply(&Change::Put(record));
        }
        dir
    }

    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Put(record) => self.put(record.clone()),
            Change::Delete(key) => self.delete(key),
            Change::Audit(_)
            | Change::PutBlob(..)
            | Change::DeleteBlob(_)
            | Change::QueueMail(_) => {}
        }
    }

    /// Inserts or replaces a record. Replacing keeps the indexes of records that hang off
    /// it (a renamed building keeps its apartments).
    fn put(&mut self, record: Record) {
        match record {
            Record::Meta(m) => self.meta = m,
            Record::Account(a) => {
                if let Some(old) = self.accounts.get(&a.id) {
                    self.usernames.remove(&old.username.to_lowercase());
                }
                self.usernames.insert(a.username.to_lowercase(), a.id);
                self.accounts.insert(a.id, a);
            }
            Record::Tenant(t) => {
                self.tenants.insert(t.installer_id, t);
            }
            Record::Community(c) => {
                self.communities_by_installer
                    .entry(c.installer_id)
                    .or_default()
                    .insert(c.id);
                self.community_counts.entry(c.id).or_default();
                self.communities.insert(c.id, c);
            }
            Record::Building(b) => {
                let community = b.community_id;
                if self.buildings.insert(b.id, b.clone()).is_none() {
                    self.buildings_by_community
                        .entry(community)
                        .or_default()
                        .insert(b.id);
                    self.community_counts
                        .entry(community)
                        .or_default()
                        .buildings += 1;
                }
            }
            Record::Apartment(a) => {
                self.unindex_apartment(a.id);
                self.index_apartment(a);
            }
            Record::Session(s) => {
                self.sessions.insert(s.token_hash.clone(), s);
            }
            Record::AccountLink(l) => {
                self.links.insert(l.token_hash.clone(), l);
            }
            Record::SitePolicy(p) => self.site_policy = p,
            Record::SubscriptionOrder(o) => {
                self.orders.insert(o.id, o);
            }
            Record::UpgradeStrategy(u) => {
                self.upgrades.insert(u.id, u);
            }
            Record::Firmware(f) => {
                self.firmware.insert(f.id, f);
            }
            Record::Camera(c) => {
                self.cameras_by_community
                    .entry(c.community_id)
                    .or_default()
                    .insert(c.id);
                self.cameras.insert(c.id, c);
            }
            Record::Device(d) => {
                self.delete(&RecordKey::Device(d.id));
                self.device_by_mac.insert(d.mac.clone(), d.id);
                if !d.maintenance.client_cert_sha256.is_empty() {
                    self.device_by_cert
                        .insert(d.maintenance.client_cert_sha256.clone(), d.id);
                }
                self.device_by_sip_number.insert(d.sip_number.clone(), d.id);
                self.devices_by_community
                    .entry(d.community_id)
                    .or_default()
                    .insert(d.id);
                if let Some(b) = d.building_id() {
                    self.devices_by_building.entry(b).or_default().insert(d.id);
                }
                if let Some(a) = d.apartment_id() {
                    self.devices_by_apartment.entry(a).or_default().insert(d.id);
                }
                self.community_counts
                    .entry(d.community_id)
                    .or_default()
                    .devices += 1;
                self.devices.insert(d.id, d);
            }
            Record::Mac(m) => {
                self.delete(&RecordKey::Mac(m.mac.clone()));
                self.macs_by_installer
                    .entry(m.installer_id)
                    .or_default()
                    .insert((m.created_at_ms, m.mac.clone()));
                self.macs.insert(m.mac.clone(), m);
            }
            Record::PropertyManager(p) => {
                if let Some(old) = self.property_managers.get(&p.id) {
                    self.pm_emails.remove(&email_key(&old.email));
                }
                self.pm_emails.insert(email_key(&p.email), p.id);
                self.property_managers.insert(p.id, p);
            }
            Record::Credential(c) => self.credentials.put(c),
            Record::CredentialLog(l) => self.credentials.put_log(l),
        }
    }

    fn delete(&mut self, key: &RecordKey) {
        match key {
            RecordKey::Meta => {}
            RecordKey::Credential(id) => {
                self.credentials.remove(*id);
            }
            RecordKey::CredentialLog(id) => self.credentials.remove_log(*id),
            RecordKey::Account(id) => {
                if let Some(a) = self.accounts.remove(id) {
                    self.usernames.remove(&a.username.to_lowercase());
                }
            }
            RecordKey::Tenant(id) => {
                self.tenants.remove(id);
            }
            RecordKey::Community(id) => {
                if let Some(c) = self.communities.remove(id) {
                    if let Some(set) = self.communities_by_installer.get_mut(&c.installer_id) {
                        set.remove(id);
                    }
                    self.community_counts.remove(id);
                    self.buildings_by_community.remove(id);
                    self.residents_by_name.remove(id);
                    self.residents_by_created.remove(id);
                }
            }
            RecordKey::Building(id) => {
                if let Some(b) = self.buildings.remove(id) {
                    if let Some(set) = self.buildings_by_community.get_mut(&b.community_id) {
                        set.remove(id);
                    }
                    if let Some(c) = self.community_counts.get_mut(&b.community_id) {
                        c.buildings = c.buildings.saturating_sub(1);
                    }
                    self.apartments_by_building.remove(id);
                }
            }
            RecordKey::Apartment(id) => self.unindex_apartment(*id),
            RecordKey::Session(hash) => {
                self.sessions.remove(hash);
            }
            RecordKey::AccountLink(hash) => {
                self.links.remove(hash);
            }
            RecordKey::SitePolicy => self.site_policy = crate::model::SitePolicy::default(),
            RecordKey::SubscriptionOrder(id) => {
                self.orders.remove(id);
            }
            RecordKey::UpgradeStrategy(id) => {
                self.upgrades.remove(id);
            }
            RecordKey::Firmware(id) => {
                self.firmware.remove(id);
            }
            RecordKey::Camera(id) => {
                if let Some(c) = self.cameras.remove(id)
                    && let Some(set) = self.cameras_by_community.get_mut(&c.community_id)
                {
                    set.remove(id);
                }
            }
            RecordKey::Device(id) => {
                if let Some(d) = self.devices.remove(id) {
                    self.device_by_mac.remove(&d.mac);
                    self.device_by_cert
                        .remove(&d.maintenance.client_cert_sha256);
                    self.device_by_sip_number.remove(&d.sip_number);
                    if let Some(set) = self.devices_by_community.get_mut(&d.community_id) {
                        set.remove(id);
                    }
                    if let Some(set) = d
                        .building_id()
                        .and_then(|b| self.devices_by_building.get_mut(&b))
                    {
                        set.remove(id);
                    }
                    if let Some(set) = d
                        .apartment_id()
                        .and_then(|a| self.devices_by_apartment.get_mut(&a))
                    {
                        set.remove(id);
                    }
                    if let Some(c) = self.community_counts.get_mut(&d.community_id) {
                        c.devices = c.devices.saturating_sub(1);
                    }
                }
            }
            RecordKey::Mac(mac) => {
                if let Some(m) = self.macs.remove(mac)
                    && let Some(set) = self.macs_by_installer.get_mut(&m.installer_id)
                {
                    set.remove(&(m.created_at_ms, m.mac));
                }
            }
            RecordKey::PropertyManager(id) => {
                if let Some(p) = self.property_managers.remove(id) {
                    self.pm_emails.remove(&email_key(&p.email));
                }
            }
        }
    }

    fn index_apartment(&mut self, a: Apartment) {
        self.apartment_by_sip_number
            .insert(a.family_sip_number.clone(), a.id);
        self.apartments_by_building
            .entry(a.building_id)
            .or_default()
            .insert(a.id);
        self.apt_numbers
            .insert((a.building_id, a.number.clone()), a.id);
        for email in a.emails() {
            self.emails.insert(email_key(email), a.id);
        }
        for m in &a.family {
            self.family_members.insert(m.id, a.id);
        }
        let counts = self.community_counts.entry(a.community_id).or_default();
        counts.apartments += 1;
        counts.end_users += a.end_user_count() as u32;
        if let Some(r) = &a.resident {
            let name = r.full_name().to_lowercase();
            self.search_rows.insert(
                a.id,
                SearchRow {
                    text: format!("{name}\0{}", r.email.to_lowercase()).into_boxed_str(),
                    activated: a.activated,
                    expires_at_ms: a.expires_at_ms,
                    app_status: r.app_status,
                },
            );
            self.residents_by_name
                .entry(a.community_id)
                .or_default()
                .insert((name, a.id));
            self.residents_by_created
                .entry(a.community_id)
                .or_default()
                .insert((a.created_at_ms, a.id));
        }
        self.apartments.insert(a.id, a);
    }

    fn unindex_apartment(&mut self, id: Id) {
        let Some(a) = self.apartments.remove(&id) else {
            return;
        };
        self.apartment_by_sip_number.remove(&a.family_sip_number);
        if let Some(set) = self.apartments_by_building.get_mut(&a.building_id) {
            set.remove(&id);
        }
        self.apt_numbers.remove(&(a.building_id, a.number.clone()));
        for email in a.emails() {
            self.emails.remove(&email_key(email));
        }
        for m in &a.family {
            self.family_members.remove(&m.id);
        }
        if let Some(c) = self.community_counts.get_mut(&a.community_id) {
            c.apartments = c.apartments.saturating_sub(1);
            c.end_users = c.end_users.saturating_sub(a.end_user_count() as u32);
        }
        if let Some(r) = &a.resident {
            self.search_rows.remove(&id);
            if let Some(set) = self.residents_by_name.get_mut(&a.community_id) {
                set.remove(&(r.full_name().to_lowercase(), id));
            }
            if let Some(set) = self.residents_by_created.get_mut(&a.community_id) {
                set.remove(&(a.created_at_ms, id));
            }
        }
    }

    // ------------------------------------------------------------ accounts

    pub fn account(&self, id: Id) -> Option<&Account> {
        self.accounts.get(&id)
    }

    pub fn account_by_username(&self, username: &str) -> Option<&Account> {
        self.usernames
            .get(&username.trim().to_lowercase())
            .and_then(|id| self.accounts.get(id))
    }

    pub fn has_accounts(&self) -> bool {
        !self.accounts.is_empty()
    }

    pub fn accounts_of(&self, installer_id: Id) -> impl Iterator<Item = &Account> {
        let mut v: Vec<&Account> = self
            .accounts
            .values()
            .filter(move |a| a.installer_id == installer_id)
            .collect();
        v.sort_by_key(|a| a.id);
        v.into_iter()
    }

    pub fn tenant(&self, installer_id: Id) -> Option<&Tenant> {
        self.tenants.get(&installer_id)
    }

    pub fn session(&self, token_hash: &str) -> Option<&Session> {
        self.sessions.get(token_hash)
    }

    pub fn sessions_of(&self, account_id: Id) -> impl Iterator<Item = &Session> {
        self.sessions
            .values()
            .filter(move |s| s.account_id == account_id)
    }

    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    pub fn account_link(&self, token_hash: &str) -> Option<&crate::model::AccountLink> {
        self.links.get(token_hash)
    }

    pub fn account_links(&self) -> impl Iterator<Item = &crate::model::AccountLink> {
        self.links.values()
    }

    /// The site operator's rules for every account.
    pub fn site_policy(&self) -> &crate::model::SitePolicy {
        &self.site_policy
    }

    // ------------------------------------------------------------ tenant-scoped lookups

    pub fn community_of(&self, actor: &Actor, id: Id) -> Result<&Community> {
        self.communities
            .get(&id)
            .filter(|c| c.installer_id == actor.installer_id && actor.sees_community(c.id))
            .ok_or_else(|| StoreError::not_found(format!("community {id}")))
    }

    pub fn building_of(&self, actor: &Actor, id: Id) -> Result<(&Building, &Community)> {
        let missing = || StoreError::not_found(format!("building {id}"));
        let b = self.buildings.get(&id).ok_or_else(missing)?;
        let c = self
            .community_of(actor, b.community_id)
            .map_err(|_| missing())?;
        Ok((b, c))
    }

    pub fn apartment_of(&self, actor: &Actor, id: Id) -> Result<(&Apartment, &Community)> {
        let missing = || StoreError::not_found(format!("apartment {id}"));
        let a = self.apartments.get(&id).ok_or_else(missing)?;
        let c = self
            .community_of(actor, a.community_id)
            .map_err(|_| missing())?;
        Ok((a, c))
    }

    /// The apartment holding family member `id`, if the actor may see it.
    pub fn family_member_of(&self, actor: &Actor, id: Id) -> Result<&Apartment> {
        let missing = || StoreError::not_found(format!("family member {id}"));
        let apt_id = self.family_members.get(&id).ok_or_else(missing)?;
        self.apartment_of(actor, *apt_id)
            .map(|(a, _)| a)
            .map_err(|_| missing())
    }

    /// The communities `actor` sees: its installer's, or a property manager's assigned ones.
    pub fn communities_seen_by(&self, actor: &Actor) -> Vec<&Community> {
        self.communities_of(actor.installer_id)
            .filter(|c| actor.sees_community(c.id))
            .collect()
    }

    pub fn communities_of(&self, installer_id: Id) -> impl Iterator<Item = &Community> {
        self.communities_by_installer
            .get(&installer_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.communities.get(id))
    }

    pub fn buildings_in(&self, community_id: Id) -> impl Iterator<Item = &Building> {
        self.buildings_by_community
            .get(&community_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.buildings.get(id))
    }

    /// A community by id, for the device-facing servers (no actor: devices are not tenants).
    pub fn community(&self, id: Id) -> Option<&Community> {
        self.communities.get(&id)
    }

    pub fn building(&self, id: Id) -> Option<&Building> {
        self.buildings.get(&id)
    }

    pub fn building_named(&self, community_id: Id, name: &str) -> Option<&Building> {
        self.buildings_in(community_id).find(|b| b.name == name)
    }

    pub fn apartments_in(&self, building_id: Id) -> impl Iterator<Item = &Apartment> {
        self.apartments_by_building
            .get(&building_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.apartments.get(id))
    }

    pub fn apartment(&self, id: Id) -> Option<&Apartment> {
        self.apartments.get(&id)
    }

    pub fn apartment_numbered(&self, building_id: Id, number: &str) -> Option<Id> {
        self.apt_numbers
            .get(&(building_id, number.to_owned()))
            .copied()
    }

    /// The apartment whose resident or family member uses `email` (any installer: end-user
    /// emails are unique system-wide, since they are app logins).
    pub fn email_owner(&self, email: &str) -> Option<Id> {
        self.emails.get(&email_key(email)).copied()
    }

    pub fn counts(&self, community_id: Id) -> CommunityCounts {
        self.community_counts
            .get(&community_id)
            .copied()
            .unwrap_or_default()
    }

    pub fn building_apartment_count(&self, building_id: Id) -> usize {
        self.apartments_by_building
            .get(&building_id)
            .map_or(0, BTreeSet::len)
    }

    pub(crate) fn residents_by_name(&self, community_id: Id) -> Option<&BTreeSet<(String, Id)>> {
        self.residents_by_name.get(&community_id)
    }

    pub(crate) fn residents_by_created(&self, community_id: Id) -> Option<&BTreeSet<(i64, Id)>> {
        self.residents_by_created.get(&community_id)
    }

    /// Credentials and their indexes.
    pub fn credentials(&self) -> &CredentialIndex {
        &self.credentials
    }

    pub fn camera_of(&self, actor: &Actor, id: Id) -> Result<(&Camera, &Community)> {
        let missing = || StoreError::not_found(format!("camera {id}"));
        let cam = self.cameras.get(&id).ok_or_else(missing)?;
        let c = self
            .community_of(actor, cam.community_id)
            .map_err(|_| missing())?;
        Ok((cam, c))
    }

    /// An installer's firmware image `id`.
    pub fn firmware_of(&self, actor: &Actor, id: Id) -> Result<&Firmware> {
        self.firmware
            .get(&id)
            .filter(|f| f.installer_id == actor.installer_id)
            .ok_or_else(|| StoreError::not_found(format!("firmware {id}")))
    }

    /// An installer's subscription order `id`; the site operator sees every installer's.
    pub fn order_of(&self, actor: &Actor, id: Id) -> Result<&SubscriptionOrder> {
        self.orders
            .get(&id)
            .filter(|o| actor.operator || o.installer_id == actor.installer_id)
            .ok_or_else(|| StoreError::not_found(format!("order {id}")))
    }

    /// An upgrade strategy of one of the actor's communities.
    pub fn upgrade_of(&self, actor: &Actor, id: Id) -> Result<&UpgradeStrategy> {
        let missing = || StoreError::not_found(format!("upgrade strategy {id}"));
        let u = self.upgrades.get(&id).ok_or_else(missing)?;
        self.community_of(actor, u.community_id)
            .map_err(|_| missing())?;
        Ok(u)
    }

    /// Every upgrade strategy, of all installers.
    pub fn upgrades(&self) -> impl Iterator<Item = &UpgradeStrategy> {
        self.upgrades.values()
    }

    pub fn upgrade(&self, id: Id) -> Option<&UpgradeStrategy> {
        self.upgrades.get(&id)
    }

    /// Every subscription order, of all installers.
    pub fn orders(&self) -> impl Iterator<Item = &SubscriptionOrder> {
        self.orders.values()
    }

    /// The community whose devices a change may concern: a community, building, apartment,
    /// device or camera record (put, or deleted while still here).
    pub fn community_touched(&self, change: &Change) -> Option<Id> {
        match change {
            Change::Put(Record::Community(c)) => Some(c.id),
            Change::Put(Record::Building(b)) => Some(b.community_id),
            Change::Put(Record::Apartment(a)) => Some(a.community_id),
            Change::Put(Record::Device(d)) => Some(d.community_id),
            Change::Put(Record::Camera(c)) => Some(c.community_id),
            Change::Delete(RecordKey::Community(id)) => Some(*id),
            Change::Delete(RecordKey::Building(id)) => self.building(*id).map(|b| b.community_id),
            Change::Delete(RecordKey::Apartment(id)) => self.apartment(*id).map(|a| a.community_id),
            Change::Delete(RecordKey::Device(id)) => self.device(*id).map(|d| d.community_id),
            Change::Delete(RecordKey::Camera(id)) => self.cameras.get(id).map(|c| c.community_id),
            _ => None,
        }
    }

    /// Every installer's firmware entries that name image `sha256`.
    pub fn firmware_naming<'a>(&'a self, sha256: &'a str) -> impl Iterator<Item = &'a Firmware> {
        self.firmware
            .values()
            .filter(move |f| f.image_sha256 == sha256)
    }

    /// An installer's firmware list.
    pub fn firmware_list(&self, installer_id: Id) -> impl Iterator<Item = &Firmware> {
        self.firmware
            .values()
            .filter(move |f| f.installer_id == installer_id)
    }

    pub fn cameras_of_community(&self, community_id: Id) -> impl Iterator<Item = &Camera> {
        self.cameras_by_community
            .get(&community_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.cameras.get(id))
    }

    pub fn device(&self, id: Id) -> Option<&Device> {
        self.devices.get(&id)
    }

    pub fn device_of(&self, actor: &Actor, id: Id) -> Result<(&Device, &Community)> {
        let missing = || StoreError::not_found(format!("device {id}"));
        let d = self.devices.get(&id).ok_or_else(missing)?;
        let c = self
            .community_of(actor, d.community_id)
            .map_err(|_| missing())?;
        Ok((d, c))
    }

    /// The device using `mac`, if any.
    /// The device whose AutoP client certificate has this SHA-256 (lower-case hex).
    pub fn device_by_cert(&self, sha256: &str) -> Option<&Device> {
        self.device_by_cert
            .get(sha256)
            .and_then(|id| self.devices.get(id))
    }

    pub fn device_by_mac(&self, mac: &str) -> Option<&Device> {
        self.device_by_mac
            .get(mac)
            .and_then(|id| self.devices.get(id))
    }

    /// The apartment whose family SIP account is `number`, if any.
    pub fn apartment_by_sip_number(&self, number: &str) -> Option<&Apartment> {
        self.apartment_by_sip_number
            .get(number)
            .and_then(|id| self.apartments.get(id))
    }

    /// The device whose SIP account is `number`, if any.
    pub fn device_by_sip_number(&self, number: &str) -> Option<&Device> {
        self.device_by_sip_number
            .get(number)
            .and_then(|id| self.devices.get(id))
    }

    fn devices_in(
        &self,
        index: &HashMap<Id, BTreeSet<Id>>,
        key: Id,
    ) -> impl Iterator<Item = &Device> {
        index
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|id| self.devices.get(id))
    }

    pub fn devices_of_community(&self, community_id: Id) -> impl Iterator<Item = &Device> {
        self.devices_in(&self.devices_by_community, community_id)
    }

    pub fn devices_of_building(&self, building_id: Id) -> impl Iterator<Item = &Device> {
        self.devices_in(&self.devices_by_building, building_id)
    }

    pub fn devices_of_apartment(&self, apartment_id: Id) -> impl Iterator<Item = &Device> {
        self.devices_in(&self.devices_by_apartment, apartment_id)
    }

    /// Where a device is, as the MAC library's Owner column says it.
    pub fn device_owner_label(&self, d: &Device) -> String {
        use crate::model::DeviceScope;
        match &d.scope {
            DeviceScope::Public { .. } => "Public Device".to_owned(),
            DeviceScope::Building { building_id } => self
                .building(*building_id)
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            DeviceScope::Apartment {
                building_id,
                apartment_id,
            } => format!(
                "{}-{}",
                self.building(*building_id).map_or("", |b| b.name.as_str()),
                self.apartment(*apartment_id)
                    .map_or("", |a| a.number.as_str())
            ),
        }
    }

    /// A MAC library entry, whoever owns it.
    pub fn mac(&self, mac: &str) -> Option<&MacEntry> {
        self.macs.get(mac)
    }

    /// An installer's MAC library, newest first.
    pub fn macs_of(&self, installer_id: Id) -> impl Iterator<Item = &MacEntry> {
        self.macs_by_installer
            .get(&installer_id)
            .into_iter()
            .flat_map(|s| s.iter().rev())
            .filter_map(|(_, mac)| self.macs.get(mac))
    }

    pub fn all_community_ids(&self) -> Vec<Id> {
        self.communities.keys().copied().collect()
    }

    pub fn community_name(&self, id: Id) -> Option<String> {
        self.communities.get(&id).map(|c| c.name.clone())
    }

    /// Property managers of an installer, by id.
    pub fn property_managers_of(&self, installer_id: Id) -> Vec<&PropertyManager> {
        let mut v: Vec<&PropertyManager> = self
            .property_managers
            .values()
            .filter(|p| p.installer_id == installer_id)
            .collect();
        v.sort_by_key(|p| p.id);
        v
    }

    pub fn property_manager_of(&self, actor: &Actor, id: Id) -> Result<&PropertyManager> {
        self.property_managers
            .get(&id)
            .filter(|p| p.installer_id == actor.installer_id)
            .ok_or_else(|| StoreError::not_found(format!("property manager {id}")))
    }

    pub fn property_manager(&self, id: Id) -> Option<&PropertyManager> {
        self.property_managers.get(&id)
    }

    pub fn property_manager_by_email(&self, email: &str) -> Option<&PropertyManager> {
        self.pm_emails
            .get(&email_key(email))
            .and_then(|id| self.property_managers.get(id))
    }

    /// Names of the property managers assigned to a community, by name.
    pub fn community_managers(&self, community: &Community) -> Vec<String> {
        let mut names: Vec<String> = self
            .property_managers_of(community.installer_id)
            .into_iter()
            .filter(|p| p.assignment(community.id).is_some())
            .map(PropertyManager::full_name)
            .collect();
        names.sort();
        names
    }

    pub(crate) fn search_row(&self, apartment_id: Id) -> Option<&SearchRow> {
        self.search_rows.get(&apartment_id)
    }
}

/// The fields resident filters need, copied out of the apartment.
#[derive(Debug, Clone)]
pub(crate) struct SearchRow {
    /// Lower-case "first last\0email".
    pub text: Box<str>,
    pub activated: bool,
    pub expires_at_ms: Option<i64>,
    pub app_status: crate::model::AppStatus,
}

impl SearchRow {
    pub fn active_status(&self, now_ms: i64) -> crate::model::ActiveStatus {
        crate::model::Apartment::status_of(self.activated, self.expires_at_ms, now_ms)
    }
}

/// Ids are sequential integers: a multiplicative hash spreads them well and costs a
/// fraction of SipHash on the search hot path. Ids are not attacker-chosen.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
