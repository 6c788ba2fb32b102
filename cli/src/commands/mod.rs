//! One file per admin service: its clap commands and how each runs.

pub mod account;
pub mod apartment;
pub mod audit;
pub mod auth;
pub mod building;
pub mod camera;
pub mod community;
pub mod credential;
pub mod device;
pub mod device_settings;
pub mod event;
pub mod firmware;
pub mod mac;
pub mod mail;
pub mod property_manager;
pub mod shared;
pub mod subscription;
pub mod template;
pub mod upgrade;
