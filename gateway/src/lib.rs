//! The device gateway's library half. `session` is the per-connection state machine, fed
//! frames and time and free of IO; `connection` is the thin tokio loop that drives it over
//! any `transport`; `listener` (TLS, WebSocket, plain TCP) and `quic` accept connections
//! under the limits `gateway` shares; `presence` knows which device is online where;
//! `metrics` counts for `/metrics`; `tls` loads or creates the identity; `https` is the
//! HTTPS listener, where `remote_proxy` carries browsers to devices' web interfaces over
//! `remote` tunnel streams.

pub mod autop_http;
pub mod client_certs;
pub mod config_notifier;
pub mod connection;
pub mod firmware_download;
pub mod gateway;
pub mod https;
pub mod limits;
pub mod listener;
pub mod metrics;
pub mod presence;
pub mod quic;
pub mod remote;
pub mod remote_proxy;
pub mod revoker;
pub mod session;
pub mod tls;
pub mod tls_io;
pub mod transport;
pub mod upgrades;
