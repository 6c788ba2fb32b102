//! The device gateway's library half: protocol state that the `porter` binary's listeners
//! drive. `session` is the per-connection state machine, fed frames and time and free of
//! IO, so it is tested without sockets or a runtime.

pub mod session;
