//! `porter serve`: opens the store, creates the first installer on an empty data directory,
//! binds every server, runs them until the shutdown signal and waits for each to finish.
//! Each server's own file says what it does; this one only wires them together.

use std::sync::Arc;

use anyhow::Context;
use porter_admin_api::server::{AdminServer, GrpcWebApi};
use porter_admin_api::{AdminApi, FirmwareLinks};
use porter_edge::https::{HttpsServer, Router};
use porter_edge::{CancellationToken, TaskTracker};
use porter_gateway::remote::{PATH_PREFIX, RemoteControlConfig};
use porter_gateway::server::DeviceGateway;
use porter_portal::PortalServer;
use porter_provisioning::autop::ServerEndpoints;
use porter_provisioning::server::{Provisioning, ProvisioningParts};
use porter_provisioning::signing::UrlSigner;
use porter_sip::server::SipListeners;
use porter_store::{Store, lease};

use crate::config::{ServeConfig, StoreLocation};

pub async fn run(
    config: ServeConfig,
    shutdown_signal: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let servers = config.servers(crate::descriptors::raise_open_file_limit());
    let store = open_store(&config).await?;
    crate::bootstrap::first_installer(&store).await?;
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
    let signer = match &config.store {
        StoreLocation::Embedded => {
            UrlSigner::load_or_create(&config.data_dir.join("url-signing.key"))?
        }
        StoreLocation::Postgres {
            url_signing_key, ..
        } => UrlSigner::load(url_signing_key)?,
    };
    let identity = porter_edge::tls::load_or_create(&config.cert, &config.key)
        .context("loading the server's TLS identity")?;

    let https_tls = identity.server_config(servers.https.tls_min)?;
    let https = HttpsServer::bind(servers.https.clone(), https_tls, "https")
        .await
        .with_context(|| format!("binding HTTPS to {}", servers.https.listen))?;
    let https_addr = https.local_addr()?;
    let public_url = config.public_url(https_addr);
    let gateway = DeviceGateway::bind(
        servers.gateway,
        store.clone(),
        &identity,
        // Grants are signed, so a link made on one node opens on any.
        RemoteControlConfig::new(
            public_url.clone(),
            signer.derive_key("remote control grants"),
        ),
    )?;
    let cluster = join_cluster(
        &config,
        gateway.presence(),
        porter_sip::server::reachable(https_addr),
    )
    .await?;
    if let Some(cluster) = &cluster {
        // The nodes share one certificate: a node trusts exactly that one from another.
        let tls = identity
            .pinned_client_config()
            .context("the TLS client configuration for other nodes")?;
        gateway.remote().join_cluster(cluster.devices(), tls);
    }
    // Devices on any node in cluster mode, this node's own otherwise.
    let everywhere: Arc<dyn porter_provisioning::server::Devices> = match &cluster {
        Some(c) => c.devices(),
        None => gateway.presence(),
    };
    let sip = SipListeners::bind(servers.sip, store.clone(), &identity).await?;
    if let Some(cluster) = &cluster {
        // Calls forwarded between nodes are signed with a key every node derives alike.
        let key = signer.derive_key("sip calls between cluster nodes");
        cluster.attach_sip(sip.server(), key, sip.addrs().peer());
    }
    // DTMF INFO in a call unlocks the door phone's relay through its gateway connection.
    sip.server().set_device_commands(everywhere.clone());
    let endpoints = ServerEndpoints {
        sip_host: sip.addrs().host.clone(),
        sip_port: sip.addrs().udp_tcp.port(),
        sip_tls_port: sip.addrs().tls.port(),
        gateway: format!("{}:{}", url_host(&public_url), gateway.addrs().tls.port()),
        https_base: public_url.trim_end_matches('/').to_owned(),
    };
    let provisioning = Provisioning::bind(
        servers.provisioning,
        ProvisioningParts {
            store: store.clone(),
            images: images.clone(),
            signer: signer.clone(),
            devices: gateway.presence(),
            rollout_devices: everywhere.clone(),
            endpoints,
            calls: Arc::new(crate::calls::SipCalls {
                sip: sip.server(),
                cluster: cluster.clone(),
            }),
        },
        &identity,
        &servers.https,
    )
    .await?;
    let router = provisioning
        .mount(Router::new())
        .route(PATH_PREFIX, gateway.remote())
        .fallback(gateway.remote());
    let api = AdminApi::new(store.clone(), servers.admin_api)
        .with_presence(everywhere.clone())
        .with_commands(everywhere)
        .with_remote_control(gateway.remote())
        .with_firmware(
            images,
            FirmwareLinks {
                signer,
                base_url: public_url.clone(),
            },
        );
    let portal_api = GrpcWebApi::new(&api, &servers.admin)?;
    let portal_tls = identity.server_config(servers.portal.https.tls_min)?;
    let portal = PortalServer::bind(servers.portal, portal_tls, portal_api).await?;
    let mailer = porter_mail::Mailer::new(config.mail(portal.local_addr()?), store.clone())?;
    let (gateway_metrics, mail_metrics) = (gateway.metrics(), mailer.metrics());
    let (cluster_metrics, store_metrics) = (cluster.clone(), store.clone());
    let metrics = Arc::new(move |out: &mut String| {
        gateway_metrics.render(out);
        mail_metrics.render(out);
        if let Some(cluster) = &cluster_metrics {
            cluster.render_metrics(out);
        }
        render_change_log_lag(&store_metrics, out);
    });
    let ready_store = store.clone();
    let admin = AdminServer::bind(servers.admin, &api, metrics)
        .await?
        .with_readiness(Arc::new(move || match ready_store.not_current() {
            Some(why) => Err(why),
            None => Ok(()),
        }));

    let g = gateway.addrs();
    announce(&format!("gateway listening on {}", g.tls));
    announce(&format!("gateway-ws listening on {}", g.ws));
    if let Some(plain) = g.plain {
        announce(&format!("gateway-plain listening on {plain}"));
    }
    tracing::info!(%https_addr, %public_url, "HTTPS listening");
    announce(&format!("https listening on {https_addr}"));
    if let Some(mtls) = provisioning.mtls_addr() {
        announce(&format!("autop-mtls listening on {mtls}"));
    }
    announce(&format!("portal listening on {}", portal.local_addr()?));
    announce(&format!("sip listening on {}", sip.addrs().udp_tcp));
    announce(&format!("sip-tls listening on {}", sip.addrs().tls));
    announce(&format!("sip-ws listening on {}", sip.addrs().ws));
    let admin_addr = admin.local_addr()?;
    tracing::info!(%admin_addr, data_dir = %config.data_dir.display(), "admin API listening");

    let shutdown = CancellationToken::new();
    let servers_running = TaskTracker::new();
    servers_running.spawn(gateway.run(shutdown.clone()));
    servers_running.spawn(sip.run(shutdown.clone()));
    servers_running.spawn(provisioning.run(shutdown.clone()));
    servers_running.spawn(https.run(router, shutdown.clone()));
    servers_running.spawn(portal.run(shutdown.clone()));
    // In a cluster, work that must run once runs on one node at a time (a no-op on one).
    let keeper = store.clone();
    servers_running.spawn(lease::run_while_held(
        store.clone(),
        "housekeeping",
        shutdown.clone(),
        move |held| crate::housekeeping::run(keeper.clone(), held),
    ));
    let mailer = Arc::new(mailer);
    servers_running.spawn(lease::run_while_held(
        store.clone(),
        "mail",
        shutdown.clone(),
        move |held| {
            let mailer = mailer.clone();
            async move { mailer.run(held).await }
        },
    ));
    // Cluster mode: other nodes' writes reach this node's directory (a no-op on one node).
    let follower = store.clone();
    let stop = shutdown.clone();
    servers_running.spawn(async move { follower.follow_changes(stop.cancelled()).await });
    if let Some(cluster) = cluster {
        servers_running.spawn(cluster.run(shutdown.clone()));
    }
    servers_running.spawn(crate::allocator::give_memory_back(shutdown.clone()));
    let admin = tokio::spawn(admin.run(shutdown.clone()));
    // Last: scripts and tests take this line to mean every listener is up.
    announce(&format!("admin listening on {admin_addr}"));

    shutdown_signal.await;
    tracing::info!(grace = ?config.shutdown_grace, "shutting down");
    shutdown.cancel();
    match tokio::time::timeout(config.shutdown_grace, admin).await {
        Ok(joined) => joined.context("admin server task")??,
        Err(_) => tracing::warn!("the admin API did not stop within the grace period"),
    }
    porter_edge::shutdown::drain(&servers_running, config.shutdown_grace, "porter").await;
    tracing::info!("stopped");
    Ok(())
}

/// Cluster mode on PostgreSQL: how far this node's directory is behind the change log.
fn render_change_log_lag(store: &Store, out: &mut String) {
    use std::fmt::Write as _;
    if let Some(lag) = store.change_log_lag() {
        let _ = write!(
            out,
            "# HELP porter_store_change_log_lag Change sets other nodes committed that this node has not applied yet.\n\
             # TYPE porter_store_change_log_lag gauge\n\
             porter_store_change_log_lag {lag}\n"
        );
    }
}

/// Cluster mode (`--cluster-nats`): this node among the others, its gateway's sessions
/// told to them.
async fn join_cluster(
    config: &ServeConfig,
    local: Arc<porter_gateway::presence::Presence>,
    https: std::net::SocketAddr,
) -> anyhow::Result<Option<porter_cluster::Cluster>> {
    let Some(nats_url) = &config.cluster_nats else {
        return Ok(None);
    };
    let cluster_config = porter_cluster::ClusterConfig {
        nats_url: nats_url.clone(),
        node_id: config.node_id.clone(),
        https: Some(https),
    };
    let cluster = porter_cluster::Cluster::connect(&cluster_config, local).await?;
    tracing::info!(node = %config.node_id, "joined the cluster");
    Ok(Some(cluster))
}

/// A line on stdout that scripts and tests wait for.
#[allow(clippy::print_stdout)]
pub fn announce(line: &str) {
    println!("porter: {line}");
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

async fn open_store(config: &ServeConfig) -> anyhow::Result<Store> {
    let opened = match &config.store {
        StoreLocation::Embedded => Store::open_sled(&config.data_dir),
        StoreLocation::Postgres {
            url, sealing_key, ..
        } => {
            let sealer = porter_store::secrets::Sealer::load(sealing_key)?;
            let clock = Arc::new(porter_store::SystemClock);
            Store::open_postgres(url, &config.node_id, clock, sealer).await
        }
    };
    opened.with_context(|| format!("opening the store ({})", config.store_for_log()))
}
