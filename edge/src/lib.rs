//! What every listener shares at the network edge, so that the device gateway, the SIP
//! server and the HTTPS front depend on this crate and not on each other:
//!
//! - `tls`: the server's identity (loaded or generated) and each listener's lowest version;
//! - `accept`: the accept loop's step, with backoff when descriptors run out;
//! - `pending`: connections one address may hold before they prove anything;
//! - `shutdown`: draining a server's tracked tasks within the grace period;
//! - `https`: the HTTPS front for devices, routing paths to handlers (`https::body` holds
//!   what handlers need to answer, so no handler imports the router).

pub mod accept;
pub mod https;
pub mod pending;
pub mod shutdown;
pub mod tls;

pub use tokio_util::sync::CancellationToken;
pub use tokio_util::task::TaskTracker;
