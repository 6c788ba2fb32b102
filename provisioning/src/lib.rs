//! What devices fetch over HTTPS, without IO: their AutoP file rendered from the directory,
//! signed firmware download URLs, and the HTTP rules of a download (byte ranges, ETag
//! conditions). The gateway's HTTPS listener does the IO.

pub mod autop;
pub mod download;
pub mod rollout;
pub mod signing;
