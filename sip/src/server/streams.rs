//! The registry of open stream connections (TCP, TLS, WebSocket) by transport and peer
//! address, so a request for a device goes down the connection it registered over. The
//! transports add and remove their connections; `outbound` looks them up.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::registrar::Transport;

/// Messages queued for one connection; more are dropped, as a congested UDP path would.
pub(super) const CONNECTION_QUEUE: usize = 256;

#[derive(Default)]
pub(super) struct StreamRegistry {
    streams: Mutex<HashMap<(Transport, SocketAddr), mpsc::Sender<Bytes>>>,
}

impl StreamRegistry {
    pub(super) fn add(&self, t: Transport, peer: SocketAddr, tx: mpsc::Sender<Bytes>) {
        super::locked(&self.streams).insert((t, peer), tx);
    }

    pub(super) fn remove(&self, t: Transport, peer: SocketAddr) {
        super::locked(&self.streams).remove(&(t, peer));
    }

    /// The queue of the live connection to `peer` over `t`, if there is one.
    pub(super) fn get(&self, t: Transport, peer: SocketAddr) -> Option<mpsc::Sender<Bytes>> {
        super::locked(&self.streams)
            .get(&(t, peer))
            .filter(|tx| !tx.is_closed())
            .cloned()
    }
}
