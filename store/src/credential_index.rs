//! The directory's credentials and their indexes: by community, by apartment, by value (for
//! uniqueness and a door phone's lookup) and by version (for a device's delta).

use std::collections::{BTreeSet, HashMap};

use crate::model::{Credential, Id, Method};
use crate::record::CredentialLog;

/// Values that must not be confused on one door phone: codes typed on a keypad (PINs and
/// keys share them) and card numbers. Faces are not looked up by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueSpace {
    Code,
    Card,
}

impl ValueSpace {
    pub fn of(method: Method) -> Option<Self> {
        match method {
            Method::Pin | Method::Key => Some(ValueSpace::Code),
            Method::RfCard => Some(ValueSpace::Card),
            Method::Face => None,
        }
    }
}

#[derive(Default)]
pub struct CredentialIndex {
    by_id: HashMap<Id, Credential>,
    by_community: HashMap<Id, BTreeSet<Id>>,
    by_apartment: HashMap<Id, BTreeSet<Id>>,
    /// (community, version, id): several credentials may share a version (one write).
    by_version: BTreeSet<(Id, u64, Id)>,
    by_value: HashMap<(Id, ValueSpace, String), BTreeSet<Id>>,
    logs: HashMap<Id, CredentialLog>,
}

impl CredentialIndex {
    pub fn put(&mut self, c: Credential) {
        self.remove(c.id);
        self.by_community
            .entry(c.community_id)
            .or_default()
            .insert(c.id);
        if let Some(a) = c.apartment_id {
            self.by_apartment.entry(a).or_default().insert(c.id);
        }
        self.by_version.insert((c.community_id, c.version, c.id));
        if let Some(space) = ValueSpace::of(c.method) {
            self.by_value
                .entry((c.community_id, space, c.value.clone()))
                .or_default()
                .insert(c.id);
        }
        self.by_id.insert(c.id, c);
    }

    pub fn remove(&mut self, id: Id) -> Option<Credential> {
        let c = self.by_id.remove(&id)?;
        remove_from(&mut self.by_community, &c.community_id, id);
        if let Some(a) = c.apartment_id {
            remove_from(&mut self.by_apartment, &a, id);
        }
        self.by_version.remove(&(c.community_id, c.version, c.id));
        if let Some(space) = ValueSpace::of(c.method) {
            remove_from(
                &mut self.by_value,
                &(c.community_id, space, c.value.clone()),
                id,
            );
        }
        Some(c)
    }

    pub fn put_log(&mut self, log: CredentialLog) {
        self.logs.insert(log.community_id, log);
    }

    pub fn remove_log(&mut self, community_id: Id) {
        self.logs.remove(&community_id);
    }

    pub fn get(&self, id: Id) -> Option<&Credential> {
        self.by_id.get(&id)
    }

    pub fn log(&self, community_id: Id) -> Option<&CredentialLog> {
        self.logs.get(&community_id)
    }

    /// The community's credential version (0 before its first credential).
    pub fn version(&self, community_id: Id) -> u64 {
        self.logs.get(&community_id).map_or(0, |l| l.version)
    }

    pub fn of_community(&self, community_id: Id) -> impl Iterator<Item = &Credential> {
        self.by_community
            .get(&community_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// The community's credentials with ids after `after`, by id.
    pub fn of_community_after(
        &self,
        community_id: Id,
        after: Id,
    ) -> impl Iterator<Item = &Credential> {
        self.by_community
            .get(&community_id)
            .into_iter()
            .flat_map(move |set| set.range(after.saturating_add(1)..))
            .filter_map(|id| self.by_id.get(id))
    }

    pub fn count_in_community(&self, community_id: Id) -> usize {
        self.by_community
            .get(&community_id)
            .map_or(0, BTreeSet::len)
    }

    pub fn of_apartment(&self, apartment_id: Id) -> impl Iterator<Item = &Credential> {
        self.by_apartment
            .get(&apartment_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// Credentials of the community written after version `after`, oldest first.
    pub fn changed_since(&self, community_id: Id, after: u64) -> impl Iterator<Item = &Credential> {
        self.by_version
            .range((community_id, after.saturating_add(1), 0)..=(community_id, u64::MAX, Id::MAX))
            .filter_map(|(_, _, id)| self.by_id.get(id))
    }

    /// Credentials of the community with this value in `space`.
    pub fn with_value(
        &self,
        community_id: Id,
        space: ValueSpace,
        value: &str,
    ) -> impl Iterator<Item = &Credential> {
        self.by_value
            .get(&(community_id, space, value.to_owned()))
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }
}

fn remove_from<K: std::hash::Hash + Eq>(map: &mut HashMap<K, BTreeSet<Id>>, key: &K, id: Id) {
    if let Some(set) = map.get_mut(key) {
        set.remove(&id);
        if set.is_empty() {
            map.remove(key);
        }
    }
}
