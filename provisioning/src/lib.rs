//! What devices fetch over HTTPS, without IO: signed firmware download URLs and the HTTP
//! rules of a download (byte ranges, ETag conditions). The gateway's HTTPS listener does
//! the IO.

pub mod download;
pub mod signing;
