//! What the store tests share: an in-memory store with its operator logged in, and a
//! community with buildings and apartments.

#![allow(clippy::unwrap_used, dead_code)]

use std::sync::Arc;

use porter_store::model::{ApartmentInput, Id};
use porter_store::{Actor, ManualClock, Store};

pub const START_MS: i64 = 1_700_000_000_000;

/// The backend this run of the suite tests: memory, or PostgreSQL when the test command
/// sets `PORTER_STORE_SUITE=postgres` and `PORTER_TEST_POSTGRES` (a server's URL). On
/// PostgreSQL every store gets a schema of its own, so tests run side by side.
pub async fn empty_store(clock: &ManualClock) -> Store {
    if std::env::var("PORTER_STORE_SUITE").as_deref() != Ok("postgres") {
        return Store::in_memory(Arc::new(clock.clone()));
    }
    let server = std::env::var("PORTER_TEST_POSTGRES")
        .expect("PORTER_STORE_SUITE=postgres needs PORTER_TEST_POSTGRES, a server's URL");
    let url = porter_store::backend::fresh_schema_url(&server)
        .await
        .unwrap();
    let sealer = porter_store::secrets::Sealer::ephemeral().unwrap();
    Store::open_postgres(&url, "test", Arc::new(clock.clone()), sealer)
        .await
        .unwrap()
}

/// A fresh store on a manual clock, and the site operator (the first installer).
pub async fn operator_store() -> (Store, Actor, ManualClock) {
    let clock = ManualClock::new(START_MS);
    let store = empty_store(&clock).await;
    store
        .bootstrap("admin", Some("password-1".into()))
        .await
        .unwrap();
    let actor = login(&store, "admin", "password-1").await;
    (store, actor, clock)
}

/// Another installer (tenant) made by the operator, logged in with `password`.
pub async fn installer(store: &Store, operator: &Actor, username: &str, password: &str) -> Actor {
    store
        .create_installer(
            operator,
            porter_store::AccountInput {
                username: username.into(),
                email: format!("{username}@example.com"),
                phone: String::new(),
                password: Some(password.into()),
            },
        )
        .await
        .unwrap();
    login(store, username, password).await
}

pub async fn login(store: &Store, username: &str, password: &str) -> Actor {
    let token = store.login(username, password, 60_000).await.unwrap().token;
    store.authenticate(&token).unwrap()
}

/// A Premium community in Germany.
pub async fn community(store: &Store, actor: &Actor, name: &str) -> Id {
    porter_store::fixtures::premium_community(store, actor, name)
        .await
        .unwrap()
}

/// A device of type `t` with `mac` (added to the library first) at `scope`.
pub async fn device(
    store: &Store,
    actor: &Actor,
    scope: porter_store::ScopeRequest,
    t: u32,
    mac: &str,
) -> porter_store::model::Device {
    store.add_mac(actor, mac).await.unwrap();
    store
        .create_device(
            actor,
            scope,
            porter_store::model::DeviceInput {
                device_type: Some(t),
                mac: Some(mac.into()),
                name: Some(format!("D{mac}")),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .device
}

pub async fn building(store: &Store, actor: &Actor, community: Id, name: &str) -> Id {
    store
        .create_building(actor, community, name)
        .await
        .unwrap()
        .building
        .id
}

pub async fn apartment(store: &Store, actor: &Actor, building: Id, number: &str) -> Id {
    store
        .create_apartment(
            actor,
            building,
            ApartmentInput {
                number: Some(number.into()),
                ..ApartmentInput::default()
            },
            None,
            None,
        )
        .await
        .unwrap()
        .apartment
        .id
}

/// An apartment with a resident ("Res" and the apartment number as names).
pub async fn resident_apartment(store: &Store, actor: &Actor, building: Id, number: &str) -> Id {
    store
        .create_apartment(
            actor,
            building,
            ApartmentInput {
                number: Some(number.into()),
                ..ApartmentInput::default()
            },
            Some(porter_store::model::ResidentInput {
                first_name: Some("Res".into()),
                last_name: Some(number.into()),
                ..Default::default()
            }),
            None,
        )
        .await
        .unwrap()
        .apartment
        .id
}

/// An apartment whose family master Lily Zheng has `email` (an app account is offered).
pub async fn lily_apartment(
    store: &Store,
    actor: &Actor,
    building: Id,
    number: &str,
    email: &str,
) -> Id {
    store
        .create_apartment(
            actor,
            building,
            ApartmentInput {
                number: Some(number.into()),
                ..ApartmentInput::default()
            },
            Some(porter_store::model::ResidentInput {
                first_name: Some("Lily".into()),
                last_name: Some("Zheng".into()),
                email: Some(email.into()),
                ..Default::default()
            }),
            None,
        )
        .await
        .unwrap()
        .apartment
        .id
}

/// A property manager "Pat Lee" of `installer`: its id and generated password.
pub async fn new_property_manager(
    store: &Store,
    installer: &Actor,
    email: &str,
    monthly_reminder: bool,
) -> (Id, String) {
    let made = store
        .create_property_manager(
            installer,
            porter_store::model::PropertyManagerInput {
                first_name: Some("Pat".into()),
                last_name: Some("Lee".into()),
                email: Some(email.into()),
                monthly_password_reminder: Some(monthly_reminder),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (made.property_manager.id, made.generated_password)
}
