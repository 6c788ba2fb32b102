//! Where a new device or camera goes: the scope an installer picks (`ScopeRequest`), checked
//! against the actor's data and turned into the record's `DeviceScope`.

use crate::directory::{Actor, Directory};
use crate::error::{Result, StoreError};
use crate::model::{Community, DeviceScope, Id};

/// Where a new device goes, as the installer picks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRequest {
    /// Public area of a community; no buildings means all of them.
    Public {
        community_id: Id,
        buildings: Vec<Id>,
    },
    Building {
        building_id: Id,
    },
    Apartment {
        apartment_id: Id,
    },
}

/// Resolves the scope of a new device or camera within the actor's data.
pub(crate) fn resolve_scope<'d>(
    dir: &'d Directory,
    actor: &Actor,
    scope: &ScopeRequest,
) -> Result<(&'d Community, DeviceScope)> {
    Ok(match scope {
        ScopeRequest::Public {
            community_id,
            buildings,
        } => {
            let c = dir.community_of(actor, *community_id)?;
            let buildings = served_buildings(dir, c, buildings, "buildings")?;
            (c, DeviceScope::Public { buildings })
        }
        ScopeRequest::Building { building_id } => {
            let (b, c) = dir.building_of(actor, *building_id)?;
            (c, DeviceScope::Building { building_id: b.id })
        }
        ScopeRequest::Apartment { apartment_id } => {
            let (a, c) = dir.apartment_of(actor, *apartment_id)?;
            (
                c,
                DeviceScope::Apartment {
                    building_id: a.building_id,
                    apartment_id: a.id,
                },
            )
        }
    })
}

/// The buildings a public device serves (empty: all of them): sorted, without repeats,
/// each one of `community`'s. `field` names the request's field in a refusal.
pub(crate) fn served_buildings(
    dir: &Directory,
    community: &Community,
    buildings: &[Id],
    field: &str,
) -> Result<Vec<Id>> {
    let mut ids = buildings.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for b in &ids {
        if dir
            .building(*b)
            .is_none_or(|b| b.community_id != community.id)
        {
            return Err(StoreError::invalid(
                field,
                format!("building {b} is not in community {}", community.id),
            ));
        }
    }
    Ok(ids)
}
