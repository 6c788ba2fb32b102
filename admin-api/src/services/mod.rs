//! One file per gRPC service, all implemented on `AdminApi`.

mod account;
mod apartment;
mod audit;
mod auth;
mod building;
mod camera;
mod community;
mod credential;
pub(crate) mod device;
mod device_settings;
mod event;
mod firmware;
mod mac_library;
mod mail;
mod property_manager;
mod resident;
mod subscription;
mod template;
mod two_factor;
mod upgrade;
