//! The device gateway's library half. `session` is the per-connection state machine, fed
//! frames and time and free of IO; `listener` is the thin tokio layer that drives it over
//! TLS; `presence` knows which device is online where; `tls` loads or creates the identity.

pub mod limits;
pub mod listener;
pub mod presence;
pub mod session;
pub mod tls;
pub mod transport;
