//! The peer for the gateway's handshake rate: full TLS 1.3 handshakes between a rustls client
//! and server in memory, on one thread, with the gateway's own certificate type (ECDSA P-256,
//! ring) and settings. Prints the server side's handshakes per CPU second: what rustls alone
//! costs, against which `benches/gateway-bench.sh` measures the whole gateway (TCP, tasks,
//! device authentication, presence).
//!
//!   cargo run --release -p porter-benches --bin tls-handshake-bench [HANDSHAKES]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConnection, ServerConnection};

fn main() -> anyhow::Result<()> {
    let n: u32 = std::env::args().nth(1).map_or(Ok(5_000), |a| a.parse())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])?;
    let cert = generated.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        generated.signing_key.serialize_der(),
    ));
    let server = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)?,
    );
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert)?;
    let mut client = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.resumption = rustls::client::Resumption::disabled();
    let client = Arc::new(client);
    let name = ServerName::try_from("127.0.0.1")?;

    let mut server_time = Duration::ZERO;
    let started = Instant::now();
    for _ in 0..n {
        let mut c = ClientConnection::new(client.clone(), name.clone())?;
        let t = Instant::now();
        let mut s = ServerConnection::new(server.clone())?;
        server_time += t.elapsed();
        let mut wire = Vec::new();
        while c.is_handshaking() || s.is_handshaking() || c.wants_write() || s.wants_write() {
            wire.clear();
            c.write_tls(&mut wire)?;
            let t = Instant::now();
            let mut slice = wire.as_slice();
            while !slice.is_empty() {
                s.read_tls(&mut slice)?;
                s.process_new_packets()?;
            }
            wire.clear();
            s.write_tls(&mut wire)?;
            server_time += t.elapsed();
            let mut slice = wire.as_slice();
            while !slice.is_empty() {
                c.read_tls(&mut slice)?;
                c.process_new_packets()?;
            }
            if !c.wants_write() && !s.wants_write() && !c.is_handshaking() && !s.is_handshaking() {
                break;
            }
        }
    }
    let total = started.elapsed();
    report(n, server_time, total);
    Ok(())
}

#[allow(clippy::print_stdout)]
fn report(n: u32, server_time: Duration, total: Duration) {
    println!("handshakes {n}");
    println!(
        "rustls_server_handshakes_per_cpu_sec {:.0}",
        f64::from(n) / server_time.as_secs_f64()
    );
    println!(
        "client_and_server_handshakes_per_sec {:.0}",
        f64::from(n) / total.as_secs_f64()
    );
}
