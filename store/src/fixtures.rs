//! A small site for the tests, benchmarks and fuzz targets of the crates above the store
//! (each used to build it by hand): an in-memory store with its operator logged in, a
//! Premium community and public door phones. Errors are returned, not unwrapped, so a
//! caller's failure says which step went wrong.

use std::sync::Arc;

use crate::model::{Address, CommunitySettings, DeviceInput, FeaturePlan, Id};
use crate::{Actor, Clock, Result, ScopeRequest, Store};

/// The operator's password in `operator_store`.
pub const OPERATOR_PASSWORD: &str = "password-1";

/// A fresh in-memory store on `clock`, and its operator (the first installer, "admin").
pub async fn operator_store(clock: Arc<dyn Clock>) -> Result<(Store, Actor)> {
    let store = Store::in_memory(clock);
    store
        .bootstrap("admin", Some(OPERATOR_PASSWORD.into()))
        .await?;
    let token = store
        .login("admin", OPERATOR_PASSWORD, i64::MAX / 4)
        .await?
        .token;
    let actor = store.authenticate(&token)?;
    Ok((store, actor))
}

/// A Premium community in Germany named `name`.
pub async fn premium_community(store: &Store, actor: &Actor, name: &str) -> Result<Id> {
    Ok(store
        .create_community(
            actor,
            CommunitySettings {
                name: Some(name.into()),
                feature_plan: Some(FeaturePlan::Premium),
                address: Some(Address {
                    country: "DE".into(),
                    ..Address::default()
                }),
                ..CommunitySettings::default()
            },
        )
        .await?
        .community
        .id)
}

/// A multi-tenant door phone for the whole community with `mac` (added to the library).
pub async fn public_door_phone(
    store: &Store,
    actor: &Actor,
    community: Id,
    mac: &str,
) -> Result<Id> {
    store.add_mac(actor, mac).await?;
    Ok(store
        .create_device(
            actor,
            ScopeRequest::Public {
                community_id: community,
                buildings: vec![],
            },
            DeviceInput {
                device_type: Some(0),
                mac: Some(mac.into()),
                name: Some(format!("Gate {mac}")),
                ..DeviceInput::default()
            },
        )
        .await?
        .device
        .id)
}
