//! `porter serve`: opens the store, creates the first installer on an empty data
//! directory, starts every listener, and shuts down gracefully on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use porter_admin_api::{AdminApi, AdminConfig, FirmwareLinks};
use porter_gateway::gateway::{Gateway, GatewayConfig};
use porter_gateway::https::{HttpsConfig, HttpsRoutes};
use porter_gateway::listener::{TcpFlavor, serve_tcp};
use porter_gateway::remote::{RemoteControlConfig, RemoteSessions};
use porter_provisioning::autop::ServerEndpoints;
use porter_provisioning::signing::UrlSigner;
use porter_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::ServeConfig;

/// Longest an admin request may run (an import of thousands of rows fits easily).
const ADMIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a firmware upload may take (512 MiB at about 1.2 Mbit/s).
const ADMIN_UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);
/// Requests one admin connection may have in flight.
const ADMIN_STREAMS_PER_CONNECTION: u32 = 64;
/// How often expired login sessions and device events past the retention limit are purged.
const SESSION_PURGE_EVERY: Duration = Duration::from_secs(600);

pub async fn run(config: ServeConfig) -> anyhow::Result<()> {
    let open_files = crate::descriptors::raise_open_file_limit();
    let sip_defaults = porter_sip::server::SipConfig::default();
    let https_defaults = HttpsConfig::default();
    let budget = crate::descriptors::budget(
        open_files,
        crate::descriptors::ConnectionBudget {
            gateway: config.gateway_max_connections,
            sip: sip_defaults.max_connections,
            https: https_defaults.max_connections,
        },
    );
    if budget.gateway < config.gateway_max_connections {
        tracing::info!(
            open_files,
            gateway = budget.gateway,
            sip = budget.sip,
            https = budget.https,
            "the open-file limit caps the connections each listener may hold; raise it (ulimit -n) for more"
        );
    }
    let https_config = HttpsConfig {
        max_connections: budget.https,
        ..https_defaults
    };
    let store = Store::open_sled(&config.data_dir)
        .with_context(|| format!("opening the store in {}", config.data_dir.display()))?;
    bootstrap(&store).await?;
    let images = porter_firmware_store::FirmwareStore::open(
        config.data_dir.join("firmware"),
        config.firmware_max_bytes,
    )
    .await
    .with_context(|| {
        format!(
            "opening the firmware store in {}",
            config.data_dir.display()
        )
    })?;
    let signer = UrlSigner::load_or_create(&config.data_dir.join("url-signing.key"))?;

    let listener = TcpListener::bind(config.admin_listen)
        .await
        .with_context(|| format!("binding the admin API to {}", config.admin_listen))?;
    let admin_addr = listener.local_addr()?;
    tracing::info!(%admin_addr, data_dir = %config.data_dir.display(), "admin API listening");

    let (certs, key) =
        porter_gateway::tls::load_or_create(&config.gateway_cert, &config.gateway_key)
            .context("loading the gateway's TLS identity")?;
    let autop_mtls = porter_gateway::client_certs::server_config(
        certs.clone(),
        key.clone_key(),
        config.https_tls_min,
    )?;
    // Each listener family has its own lowest version: third-party devices fetch AutoP and
    // firmware and speak SIP over TLS 1.2 as often as 1.3; the gateway hears only Porter's
    // own firmware.
    let https_tls =
        porter_gateway::tls::server_config(certs.clone(), key.clone_key(), config.https_tls_min)?;
    let sip_tls =
        porter_gateway::tls::server_config(certs.clone(), key.clone_key(), config.sip_tls_min)?;
    let tls = porter_gateway::tls::server_config(certs, key, config.gateway_tls_min)?;
    tracing::info!(
        gateway = config.gateway_tls_min.label(),
        https = config.https_tls_min.label(),
        sip = config.sip_tls_min.label(),
        "lowest TLS versions"
    );
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.clone());
    let gateway_listener = device_listener(config.gateway_listen)
        .with_context(|| format!("binding the device gateway to {}", config.gateway_listen))?;
    let gateway_addr = gateway_listener.local_addr()?;
    let defaults = GatewayConfig::default();
    let gateway_config = GatewayConfig {
        max_connections: budget.gateway,
        accept_rate: porter_gateway::limits::AcceptRateLimits {
            burst: config.gateway_accept_burst,
            per_second: config.gateway_accept_rate,
            ..defaults.accept_rate.clone()
        },
        ..defaults
    };
    // QUIC shares the TLS listener's port number, on UDP.
    let quic = porter_gateway::quic::endpoint(&tls, &gateway_config, gateway_addr)?;
    let ws_listener = device_listener(config.gateway_ws_listen).with_context(|| {
        format!(
            "binding the WebSocket gateway to {}",
            config.gateway_ws_listen
        )
    })?;
    let ws_addr = ws_listener.local_addr()?;
    let plain_listener = match config.gateway_plain_listen {
        Some(addr) => Some(
            device_listener(addr)
                .with_context(|| format!("binding the plain-TCP device gateway to {addr}"))?,
        ),
        None => None,
    };
    let https_listener = TcpListener::bind(config.https_listen)
        .await
        .with_context(|| format!("binding HTTPS to {}", config.https_listen))?;
    let https_addr = https_listener.local_addr()?;
    let public_url = config.public_url.clone().unwrap_or_else(|| {
        if https_addr.ip().is_unspecified() {
            format!("https://localhost:{}", https_addr.port())
        } else {
            format!("https://{https_addr}")
        }
    });
    let gateway = Gateway::new(store.clone(), gateway_config);
    let remote = Arc::new(RemoteSessions::new(
        gateway.presence.clone(),
        RemoteControlConfig::new(public_url.clone()),
    ));
    let api = AdminApi::new(
        store.clone(),
        AdminConfig {
            token_ttl: config.token_ttl,
            ..AdminConfig::default()
        },
    )
    .with_presence(gateway.presence.clone())
    .with_commands(gateway.presence.clone())
    .with_remote_control(remote.clone())
    .with_firmware(
        images.clone(),
        FirmwareLinks {
            signer: signer.clone(),
            base_url: public_url.clone(),
        },
    );
    let routes = api.routes()?;
    let metrics = crate::metrics_route::MetricsLayer(gateway.metrics.clone());
    tracing::info!(%gateway_addr, "device gateway (TLS over TCP, QUIC over UDP) listening");
    announce(&format!("gateway listening on {gateway_addr}"));
    tracing::info!(%ws_addr, path = porter_gateway::listener::WEBSOCKET_PATH, "device gateway (WebSocket over TLS) listening");
    announce(&format!("gateway-ws listening on {ws_addr}"));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut gateway_tasks = vec![
        tokio::spawn(serve_tcp(
            gateway.clone(),
            ws_listener,
            TcpFlavor::WebSocket(acceptor.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(serve_tcp(
            gateway.clone(),
            gateway_listener,
            TcpFlavor::Tls(tls.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(porter_gateway::quic::serve_quic(
            gateway.clone(),
            quic,
            stop_rx.clone(),
        )),
    ];
    if let Some(plain) = plain_listener {
        let addr = plain.local_addr()?;
        tracing::warn!(%addr, "device gateway over PLAIN TCP listening: credentials cross the network unencrypted");
        announce(&format!("gateway-plain listening on {addr}"));
        gateway_tasks.push(tokio::spawn(serve_tcp(
            gateway.clone(),
            plain,
            TcpFlavor::Plain,
            stop_rx.clone(),
        )));
    }
    tracing::info!(%https_addr, %public_url, "HTTPS listening");
    announce(&format!("https listening on {https_addr}"));
    let (sip_udp, sip_tcp) = bind_sip(config.sip_listen).await?;
    let sip_addr = sip_udp.local_addr()?;
    let sip_tls_listener = TcpListener::bind(config.sip_tls_listen)
        .await
        .with_context(|| format!("binding SIP TLS to {}", config.sip_tls_listen))?;
    let sip_tls_addr = sip_tls_listener.local_addr()?;
    let sip_ws_listener = TcpListener::bind(config.sip_ws_listen)
        .await
        .with_context(|| format!("binding SIP WebSocket to {}", config.sip_ws_listen))?;
    let sip_ws_addr = sip_ws_listener.local_addr()?;
    let sip_local = porter_sip::proxy::LocalAddr {
        host: config
            .sip_advertise
            .clone()
            .unwrap_or_else(|| porter_sip::server::advertised_host(sip_addr)),
        ports: vec![
            (porter_sip::registrar::Transport::Udp, sip_addr.port()),
            (porter_sip::registrar::Transport::Tcp, sip_addr.port()),
            (porter_sip::registrar::Transport::Tls, sip_tls_addr.port()),
            (porter_sip::registrar::Transport::Wss, sip_ws_addr.port()),
        ],
    };
    tracing::info!(host = %sip_local.host, "SIP writes this host in Via and Record-Route (--sip-advertise)");
    let autop_files = Arc::new(porter_gateway::autop_http::AutopFiles::new(
        store.clone(),
        ServerEndpoints {
            sip_host: sip_local.host.clone(),
            sip_port: sip_addr.port(),
            sip_tls_port: sip_tls_addr.port(),
            gateway: format!("{}:{}", url_host(&public_url), gateway_addr.port()),
            https_base: public_url.trim_end_matches('/').to_owned(),
        },
    ));
    gateway_tasks.push(tokio::spawn(porter_gateway::presence::persist_last_seen(
        store.clone(),
        stop_rx.clone(),
    )));
    gateway_tasks.push(tokio::spawn(porter_gateway::revoker::run(
        store.clone(),
        gateway.presence.clone(),
        remote.clone(),
        stop_rx.clone(),
    )));
    gateway_tasks.push(tokio::spawn(porter_gateway::config_notifier::run(
        store.clone(),
        gateway.presence.clone(),
        autop_files.clone(),
        stop_rx.clone(),
    )));
    if let Some(addr) = config.autop_mtls_listen {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the AutoP client-certificate listener to {addr}"))?;
        let bound = listener.local_addr()?;
        tracing::info!(%bound, "AutoP with client certificates listening");
        announce(&format!("autop-mtls listening on {bound}"));
        gateway_tasks.push(tokio::spawn(porter_gateway::https::serve_https(
            listener,
            tokio_rustls::TlsAcceptor::from(autop_mtls),
            Arc::new(HttpsRoutes {
                remote: None,
                firmware: None,
                autop: Some(autop_files.clone()),
            }),
            https_config.clone(),
            stop_rx.clone(),
        )));
    }
    let mut https_tls = (*https_tls).clone();
    https_tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    gateway_tasks.push(tokio::spawn(porter_gateway::https::serve_https(
        https_listener,
        tokio_rustls::TlsAcceptor::from(Arc::new(https_tls)),
        Arc::new(HttpsRoutes {
            remote: Some(remote),
            firmware: Some(porter_gateway::firmware_download::FirmwareDownloads {
                store: store.clone(),
                images: images.clone(),
                signer: signer.clone(),
                slots: Arc::new(tokio::sync::Semaphore::new(config.firmware_max_downloads)),
            }),
            autop: Some(autop_files.clone()),
        }),
        HttpsConfig::default(),
        stop_rx.clone(),
    )));
    let sip = porter_sip::server::SipServer::new(
        store.clone(),
        porter_sip::server::SipConfig {
            realm: config.sip_realm.clone(),
            algorithms: config.sip_digest_algorithms.clone(),
            ring_ms: u64::try_from(config.sip_ring_timeout.as_millis()).unwrap_or(u64::MAX),
            trunk: config.sip_trunk.map(|addr| porter_sip::router::Trunk {
                addr,
                transport: porter_sip::registrar::Transport::Udp,
                host: match addr {
                    std::net::SocketAddr::V4(a) => a.ip().to_string(),
                    std::net::SocketAddr::V6(a) => format!("[{}]", a.ip()),
                },
                credentials: config.sip_trunk_credentials.clone(),
            }),
            max_connections: budget.sip,
            ..sip_defaults
        },
        sip_local,
    );
    // DTMF INFO in a call unlocks the door phone's relay through its gateway connection.
    sip.set_device_commands(gateway.presence.clone());
    gateway_tasks.push(tokio::spawn(porter_gateway::upgrades::run(
        porter_gateway::upgrades::UpgradeRunner {
            store: store.clone(),
            presence: gateway.presence.clone(),
            signer: signer.clone(),
            https_base: public_url.trim_end_matches('/').to_owned(),
            max_upgrading: config.firmware_max_downloads,
            in_call: {
                let sip = sip.clone();
                Arc::new(move |account: &str| sip.in_call(account))
            },
        },
        stop_rx.clone(),
    )));
    tracing::info!(%sip_addr, "SIP (UDP and TCP) listening");
    announce(&format!("sip listening on {sip_addr}"));
    tracing::info!(%sip_tls_addr, "SIP (TLS) listening");
    announce(&format!("sip-tls listening on {sip_tls_addr}"));
    tracing::info!(%sip_ws_addr, "SIP (secure WebSocket) listening");
    announce(&format!("sip-ws listening on {sip_ws_addr}"));
    // SIP over TLS and WebSocket use the gateway's certificate, without ALPN.
    let mut sip_tls = (*sip_tls).clone();
    sip_tls.alpn_protocols = Vec::new();
    let sip_acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(sip_tls));
    gateway_tasks.push(tokio::spawn(porter_sip::server::serve_tls(
        sip.clone(),
        sip_tls_listener,
        sip_acceptor.clone(),
        stop_rx.clone(),
    )));
    gateway_tasks.push(tokio::spawn(porter_sip::server::serve_wss(
        sip.clone(),
        sip_ws_listener,
        sip_acceptor,
        stop_rx.clone(),
    )));
    gateway_tasks.push(tokio::spawn(porter_sip::server::serve_udp(
        sip.clone(),
        sip_udp,
        stop_rx.clone(),
    )));
    gateway_tasks.push(tokio::spawn(porter_sip::server::serve_tcp(
        sip.clone(),
        sip_tcp,
        stop_rx.clone(),
    )));
    gateway_tasks.push(tokio::spawn(porter_sip::server::serve_revocations(
        sip.clone(),
        stop_rx.clone(),
    )));
    gateway_tasks.push(tokio::spawn(porter_sip::server::serve_timers(
        sip,
        stop_rx.clone(),
    )));
    // Last: scripts and tests take this line to mean every listener is up.
    announce(&format!("admin listening on {admin_addr}"));
    let purge = tokio::spawn(purge_sessions(store.clone(), stop_rx.clone()));

    let mut admin_stop = stop_rx.clone();
    let admin = tokio::spawn(
        tonic::transport::Server::builder()
            // Bounds: a request may run ADMIN_REQUEST_TIMEOUT (an upload
            // ADMIN_UPLOAD_TIMEOUT); a connection may have ADMIN_STREAMS_PER_CONNECTION
            // requests in flight; dead peers are found by HTTP/2 keepalive pings.
            .max_concurrent_streams(ADMIN_STREAMS_PER_CONNECTION)
            .concurrency_limit_per_connection(ADMIN_STREAMS_PER_CONNECTION as usize)
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)))
            .accept_http1(true)
            .layer(metrics)
            .layer(crate::admin_timeout::AdminTimeout {
                request: ADMIN_REQUEST_TIMEOUT,
                upload: ADMIN_UPLOAD_TIMEOUT,
            })
            .layer(tonic_web::GrpcWebLayer::new())
            .layer(crate::admin_decode::DecodeErrorsAsInvalid)
            .trace_fn(|req| tracing::info_span!("admin", path = %req.uri().path()))
            .add_routes(routes)
            .serve_with_incoming_shutdown(
                // Without TCP_NODELAY, replies larger than one segment wait ~40 ms for the
                // client's delayed ACK.
                tonic::transport::server::TcpIncoming::from(listener)
                    .with_nodelay(Some(true))
                    .with_keepalive(Some(Duration::from_secs(60))),
                async move {
                    let _ = admin_stop.wait_for(|stop| *stop).await;
                },
            ),
    );

    shutdown_signal().await;
    tracing::info!(grace = ?config.shutdown_grace, "shutting down");
    let _ = stop_tx.send(true);
    match tokio::time::timeout(config.shutdown_grace, admin).await {
        Ok(joined) => joined
            .context("admin server task")?
            .context("admin server")?,
        Err(_) => tracing::warn!("requests still running after the grace period; stopping anyway"),
    }
    let _ = tokio::time::timeout(config.shutdown_grace, async {
        for task in gateway_tasks {
            let _ = task.await;
        }
    })
    .await;
    purge.abort();
    tracing::info!("stopped");
    Ok(())
}

/// A device listener with a deep accept backlog: after an outage whole fleets reconnect
/// at once, and a short backlog turns that into SYN retransmits seconds apart.
fn device_listener(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(DEVICE_BACKLOG)
}

/// Connections the kernel queues before the gateway accepts them (capped by
/// net.core.somaxconn).
const DEVICE_BACKLOG: u32 = 8192;

/// A line on stdout that scripts and tests wait for.
/// SIP's UDP and TCP sockets on one address. With port 0, the TCP listener takes the port
/// the kernel gave UDP; should another program hold it on TCP, a new pair is tried.
async fn bind_sip(
    addr: std::net::SocketAddr,
) -> anyhow::Result<(tokio::net::UdpSocket, TcpListener)> {
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind(addr)
            .await
            .with_context(|| format!("binding SIP UDP to {addr}"))?;
        let bound = udp.local_addr()?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(_) if addr.port() == 0 => continue,
            Err(e) => return Err(e).with_context(|| format!("binding SIP TCP to {addr}")),
        }
    }
    anyhow::bail!("no port free for SIP on both UDP and TCP at {addr}")
}

#[allow(clippy::print_stdout)]
fn announce(line: &str) {
    println!("porter: {line}");
}

/// On an empty data directory, creates the first installer from `PORTER_ADMIN_USER` /
/// `PORTER_ADMIN_PASSWORD`, or generates a password and prints it once.
async fn bootstrap(store: &Store) -> anyhow::Result<()> {
    let username = std::env::var("PORTER_ADMIN_USER").unwrap_or_else(|_| "admin".to_owned());
    let password = std::env::var("PORTER_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    if let Some(created) = store
        .bootstrap(&username, password)
        .await
        .context("creating the first installer account")?
    {
        tracing::info!(username = %created.account.username, "created the first installer account");
        if let Some(pw) = created.generated_password {
            announce(&format!(
                "first installer account {:?} created with password {pw} (shown once; change it with `porter admin password`)",
                created.account.username
            ));
        }
    }
    Ok(())
}

async fn purge_sessions(store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(SESSION_PURGE_EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        match store.purge_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(purged = n, "expired sessions purged"),
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
        }
        let prune = store.clone();
        match tokio::task::spawn_blocking(move || {
            prune.prune_events(porter_store::events::DEFAULT_EVENTS_PER_COMMUNITY)
        })
        .await
        {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::debug!(pruned = n, "old device events pruned"),
            Ok(Err(e)) => tracing::warn!(error = %e, "pruning device events failed"),
            Err(e) => tracing::warn!(error = %e, "the event pruning task failed"),
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The host of `https://host:port/…` (brackets kept for IPv6).
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => &authority[..i],
        _ => authority,
    }
}
