//! Several `porter serve` nodes on one PostgreSQL and one NATS, each on its own loopback
//! address (cluster mode), and what tests of them share.

use std::time::Duration;

use tonic::Status;

use super::{Client, Server};

pub struct Cluster {
    pub nodes: Vec<Server>,
    dirs: Vec<tempfile::TempDir>,
}

impl Cluster {
    /// Starts node `i` (0-based: node id `node{i+1}` on 127.0.0.{i+2}) again on its data
    /// directory, after it was stopped or killed; it takes the place `index` in `nodes`.
    pub async fn restart(
        &mut self,
        store: &super::postgres::Store,
        i: usize,
        extra: &[&str],
        index: usize,
    ) {
        let node = start_node(store, i, self.dirs[i].path(), extra).await;
        self.nodes.insert(index, node);
    }
}

async fn start_node(
    store: &super::postgres::Store,
    i: usize,
    dir: &std::path::Path,
    extra: &[&str],
) -> Server {
    let node_id = format!("node{}", i + 1);
    let mut flags = store.flags();
    flags.extend(["--node-id", node_id.as_str()]);
    flags.extend(extra);
    let host = format!("127.0.0.{}", i + 2);
    Server::start_on(dir, &host, &flags).await
}

/// `count` nodes on 127.0.0.2, .3, … sharing `store`, started one after the other, each
/// with the `extra` flags.
pub async fn start_cluster(
    store: &super::postgres::Store,
    count: usize,
    extra: &[&str],
) -> Cluster {
    let mut nodes = Vec::with_capacity(count);
    let mut dirs = Vec::with_capacity(count);
    for i in 0..count {
        let dir = tempfile::tempdir().unwrap();
        // Every node presents the same certificate, as behind one DNS name: the first
        // node's, made at its start.
        if let Some(first) = dirs.first() {
            let first: &tempfile::TempDir = first;
            for file in ["gateway-cert.pem", "gateway-key.pem"] {
                std::fs::copy(first.path().join(file), dir.path().join(file)).unwrap();
            }
        }
        nodes.push(start_node(store, i, dir.path(), extra).await);
        dirs.push(dir);
    }
    Cluster { nodes, dirs }
}

/// The same login, through another node.
pub async fn via(client: &Client, node: &Server) -> Client {
    Client {
        channel: node.channel().await,
        token: client.token.clone(),
        account: client.account.clone(),
    }
}

/// Retries `read` until it succeeds, for at most 10 s (a write reaches other nodes within a
/// second; the margin is for a loaded test machine).
pub async fn eventually<T, F, Fut>(what: &str, read: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Status>>,
{
    eventually_within(Duration::from_secs(10), what, read).await
}

pub async fn eventually_within<T, F, Fut>(limit: Duration, what: &str, mut read: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Status>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match read().await {
            Ok(value) => return value,
            Err(e) if tokio::time::Instant::now() > deadline => {
                panic!("{what}: still failing after {limit:?}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

pub struct OwnNats {
    child: Option<tokio::process::Child>,
    pub url: String,
}

impl OwnNats {
    pub async fn start(dir: &std::path::Path) -> OwnNats {
        let port = super::smtp::free_port();
        let child = tokio::process::Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("nats-server (Debian's nats-server package; scripts/test.sh installs it)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return OwnNats {
                    child: Some(child),
                    url: format!("nats://127.0.0.1:{port}"),
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("nats-server did not listen on {port} within 10 s");
    }

    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }
}
