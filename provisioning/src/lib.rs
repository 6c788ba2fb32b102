//! What devices fetch over HTTPS. The core is free of IO: `autop` renders a device's AutoP
//! file from the directory, `signing` makes and checks firmware download URLs, `download`
//! holds the HTTP rules of a download (byte ranges, ETag conditions) and `rollout` decides
//! what an upgrade strategy does next. `server` is the tokio layer around it: the handlers
//! the HTTPS front mounts, the AutoP client-certificate TLS, and the two background loops
//! (configuration notices and upgrades).

pub mod autop;
pub mod download;
pub mod rollout;
pub mod server;
pub mod signing;
