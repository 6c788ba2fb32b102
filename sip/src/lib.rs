//! Porter's SIP server.
//!
//! Three layers, each usable alone: `message` (parse and print SIP messages, our own types:
//! see docs/ARCHITECTURE.md for why the parser is ours), the transaction layer (RFC 3261
//! state machines fed messages and time, no IO), and the registrar and router on top. The
//! tokio transports (UDP, TCP, TLS, WebSocket) only move bytes in and out.

mod capacity;
pub mod cluster;
pub mod digest;
pub mod dtmf;
pub mod message;
pub mod proxy;
pub mod registrar;
pub mod router;
pub mod server;
pub mod transaction;

pub use message::{
    Header, HeaderName, Headers, Message, Method, NameAddr, Params, ParseError, Request, Response,
    Uri, Via,
};
