//! The gateway as one server, in process: `bind` opens its sockets, `run` serves until its
//! token is cancelled and returns once its connections are closed.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use porter_edge::CancellationToken;
use porter_gateway::gateway::GatewayConfig;
use porter_gateway::remote::RemoteControlConfig;
use porter_gateway::server::DeviceGateway;
use porter_store::{Store, SystemClock};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn run_returns_once_shutdown_closed_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let identity =
        porter_edge::tls::load_or_create(&dir.path().join("cert.pem"), &dir.path().join("key.pem"))
            .unwrap();
    let loopback = "127.0.0.1:0".parse().unwrap();
    let config = GatewayConfig {
        listen: loopback,
        ws_listen: loopback,
        plain_listen: Some(loopback),
        ..GatewayConfig::default()
    };
    let store = Store::in_memory(Arc::new(SystemClock));
    let gateway = DeviceGateway::bind(
        config,
        store,
        &identity,
        RemoteControlConfig::new("https://localhost:8443".into(), [9; 32]),
    )
    .unwrap();
    let addrs = gateway.addrs();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(gateway.run(shutdown.clone()));

    // A device that connected and never said Hello: at shutdown it is told to go away and
    // the connection closes; `run` waits for that.
    let mut silent = tokio::net::TcpStream::connect(addrs.plain.unwrap())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("run returned")
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection was closed");
    assert!(
        tokio::net::TcpStream::connect(addrs.tls).await.is_err(),
        "the listener is gone"
    );
}
