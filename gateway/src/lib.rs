//! The device gateway: persistent TLS/TCP, QUIC and WebSocket connections with door phones
//! and indoor monitors. `session` is the per-connection state machine, fed frames and time
//! and free of IO; `connection` is the thin tokio loop that drives it over any `transport`;
//! `listener` (TLS, WebSocket, plain TCP) and `quic` accept connections under the limits
//! `gateway` shares; `presence` knows which device is online where and carries commands;
//! `revoker` ends sessions whose credentials a write took away; `credentials` keeps door
//! phones' access-credential lists current; `metrics` counts for
//! `/metrics`; `remote` tunnels a device's web interface and `remote_proxy` is its browser
//! side, mounted on the HTTPS front.

pub mod connection;
pub mod credentials;
pub mod gateway;
pub mod limits;
pub mod listener;
pub mod metrics;
pub mod presence;
pub mod quic;
pub mod remote;
pub mod remote_proxy;
pub mod revoker;
pub mod server;
pub mod session;
pub mod tls_io;
pub mod transport;
