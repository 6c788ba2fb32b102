//! porter-sim: simulated door phones and indoor monitors speaking Porter's device protocol
//! over the real transports. `link` connects (TLS, QUIC, WebSocket, plain TCP), `device`
//! behaves like firmware, `web` is the device's web page behind remote control,
//! `provision` creates devices through the admin API, `run` drives a load run.
//! Depends on `porter-proto` only: it talks to the server over the network like a device.

pub mod autop;
pub mod camera;
pub mod device;
pub mod door;
pub mod entries;
pub mod faces;
pub mod firmware;
pub mod https;
pub mod link;
pub mod provision;
pub mod rng;
pub mod run;
pub mod web;
