//! `porter serve` settings. `sections` declares each once (flag, `PORTER_*` variable, TOML
//! key); `file` reads the TOML file and lets flags and variables win over it; this file
//! checks the values and turns them into each server's `Config`, whose `Default` holds
//! every default.

mod file;
mod sections;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use porter_edge::tls::TlsMin;

pub use sections::Settings;

/// The settings `porter serve` runs with, checked.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    pub store: StoreLocation,
    /// This node's name (`--node-id`, else the host name).
    pub node_id: String,
    /// Cluster mode's NATS (`--cluster-nats`).
    pub cluster_nats: Option<String>,
    pub log: String,
    pub shutdown_grace: Duration,
    /// The server's TLS identity, loaded or created on first start.
    pub cert: PathBuf,
    pub key: PathBuf,
    pub firmware_max_bytes: u64,
    /// None: derived from the bound HTTPS address at start.
    pub public_url: Option<String>,
    /// The mailer's settings (`mail()` fills in the portal's address when not given).
    mail: porter_mail::MailConfig,
    portal_url_given: bool,
    servers: ServerConfigs,
}

/// Where the system of record lives.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    /// The embedded sled store in the data directory, its sealing key beside it.
    Embedded,
    /// PostgreSQL, shared by every node, each given the same sealing key.
    Postgres {
        url: String,
        sealing_key: PathBuf,
        /// Download links' key, given by the operator like the sealing key.
        url_signing_key: PathBuf,
    },
}

/// Each server's settings (before the open-file budget is applied).
#[derive(Debug, Clone)]
pub struct ServerConfigs {
    pub gateway: porter_gateway::gateway::GatewayConfig,
    pub sip: porter_sip::server::SipConfig,
    pub https: porter_edge::https::HttpsConfig,
    pub portal: porter_portal::PortalConfig,
    pub provisioning: porter_provisioning::server::ProvisioningConfig,
    pub admin: porter_admin_api::server::AdminServerConfig,
    pub admin_api: porter_admin_api::AdminConfig,
}

/// The data directory when none is given.
const DEFAULT_DATA_DIR: &str = "porter-data";
const DEFAULT_LOG: &str = "info";

impl ServeConfig {
    /// Flags and environment (`given`) over the file `given.config` names, over defaults.
    pub fn resolve(given: Settings) -> anyhow::Result<Self> {
        let settings = match &given.config {
            Some(path) => file::combine(&given, file::read(path)?)?,
            None => given,
        };
        let servers = ServerConfigs {
            gateway: gateway(&settings.gateway)?,
            sip: sip(&settings.sip)?,
            https: https(&settings.https)?,
            portal: portal(&settings.portal),
            provisioning: provisioning(&settings)?,
            admin: admin(&settings),
            admin_api: admin_api(&settings.admin)?,
        };
        let store = store_location(&settings)?;
        let cluster_nats = cluster_nats(settings.cluster_nats.as_deref(), &store)?;
        let data_dir = settings
            .data_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let max_mib = settings
            .firmware
            .max_mib
            .unwrap_or(porter_firmware_store::DEFAULT_MAX_IMAGE_BYTES >> 20);
        anyhow::ensure!(
            (1..=16 * 1024).contains(&max_mib),
            "firmware_max_mib must be between 1 and 16384, got {max_mib}"
        );
        Ok(ServeConfig {
            cert: settings
                .tls
                .cert
                .unwrap_or_else(|| data_dir.join(porter_edge::tls::CERT_FILE)),
            key: settings
                .tls
                .key
                .unwrap_or_else(|| data_dir.join(porter_edge::tls::KEY_FILE)),
            store,
            node_id: settings.node_id.clone().unwrap_or_else(host_name),
            cluster_nats,
            data_dir,
            log: settings.log.unwrap_or_else(|| DEFAULT_LOG.to_owned()),
            shutdown_grace: servers.admin.shutdown_grace,
            firmware_max_bytes: max_mib << 20,
            public_url: settings.https.public_url,
            mail: mail(&settings.mail),
            portal_url_given: settings.mail.portal_url.is_some(),
            servers,
        })
    }

    /// The PostgreSQL URL without its password, for the log.
    pub fn store_for_log(&self) -> String {
        match &self.store {
            StoreLocation::Embedded => format!("embedded in {}", self.data_dir.display()),
            StoreLocation::Postgres { url, .. } => match url.parse::<tokio_postgres::Config>() {
                Ok(c) => format!(
                    "PostgreSQL {:?} database {:?} as {:?}",
                    c.get_hosts(),
                    c.get_dbname().unwrap_or_default(),
                    c.get_user().unwrap_or_default()
                ),
                Err(_) => "PostgreSQL".to_owned(),
            },
        }
    }

    /// The servers' settings; each listener family holds at most its share of `open_files`.
    pub fn servers(&self, open_files: u64) -> ServerConfigs {
        let mut servers = self.servers.clone();
        let budget = crate::descriptors::budget(
            open_files,
            crate::descriptors::ConnectionBudget {
                gateway: servers.gateway.max_connections,
                sip: servers.sip.max_connections,
                https: servers.https.max_connections,
                portal: servers.portal.https.max_connections,
            },
        );
        if budget.gateway < servers.gateway.max_connections {
            tracing::info!(
                open_files,
                gateway = budget.gateway,
                sip = budget.sip,
                https = budget.https,
                "the open-file limit caps the connections each listener may hold; raise it (ulimit -n) for more"
            );
        }
        tracing::info!(
            gateway = servers.gateway.tls_min.label(),
            https = servers.https.tls_min.label(),
            sip = servers.sip.tls_min.label(),
            "lowest TLS versions"
        );
        servers.gateway.max_connections = budget.gateway;
        servers.sip.max_connections = budget.sip;
        servers.https.max_connections = budget.https;
        servers.portal.https.max_connections = budget.portal;
        servers
    }

    /// The HTTPS listener's address as browsers and devices reach it: `public_url`, or
    /// derived from where it is bound.
    pub fn public_url(&self, https_addr: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| https_url_of(https_addr))
    }

    /// The mailer's settings, its portal address derived from where the portal is bound
    /// when none was given.
    pub fn mail(&self, portal_addr: SocketAddr) -> porter_mail::MailConfig {
        let mut mail = self.mail.clone();
        if !self.portal_url_given {
            mail.portal_url = https_url_of(portal_addr);
        }
        mail
    }
}

/// `https://` and a bound address, `localhost` for one bound to every interface.
fn https_url_of(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("https://localhost:{}", addr.port())
    } else {
        format!("https://{addr}")
    }
}

/// Sets `slot` to `value` when one was given.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn at_least_one<T: PartialEq + From<u8>>(
    value: Option<T>,
    name: &str,
) -> anyhow::Result<Option<T>> {
    anyhow::ensure!(value != Some(T::from(0)), "{name} must be at least 1");
    Ok(value)
}

fn tls_min(name: &str, value: Option<&str>) -> anyhow::Result<Option<TlsMin>> {
    value
        .map(|v| {
            TlsMin::parse(v)
                .ok_or_else(|| anyhow::anyhow!("{name}: {v:?} is not a TLS version (1.2 or 1.3)"))
        })
        .transpose()
}

fn gateway(s: &sections::GatewaySection) -> anyhow::Result<porter_gateway::gateway::GatewayConfig> {
    let mut c = porter_gateway::gateway::GatewayConfig::default();
    set(&mut c.listen, s.listen);
    set(&mut c.ws_listen, s.ws_listen);
    c.plain_listen = s.plain_listen;
    set(
        &mut c.max_connections,
        at_least_one(s.max_connections, "gateway_max_connections")?,
    );
    set(
        &mut c.accept_rate.burst,
        at_least_one(s.accept_burst, "gateway_accept_burst")?,
    );
    set(
        &mut c.accept_rate.per_second,
        at_least_one(s.accept_rate, "gateway_accept_rate")?,
    );
    set(
        &mut c.tls_min,
        tls_min("gateway_tls_min", s.tls_min.as_deref())?,
    );
    Ok(c)
}

fn https(s: &sections::HttpsSection) -> anyhow::Result<porter_edge::https::HttpsConfig> {
    let mut c = porter_edge::https::HttpsConfig::default();
    set(&mut c.listen, s.listen);
    set(
        &mut c.tls_min,
        tls_min("https_tls_min", s.tls_min.as_deref())?,
    );
    Ok(c)
}

fn mail(s: &sections::MailSection) -> porter_mail::MailConfig {
    let mut c = porter_mail::MailConfig::default();
    c.smtp_url.clone_from(&s.smtp_url);
    set(&mut c.from, s.from.clone());
    set(&mut c.max_per_second, s.rate);
    set(&mut c.portal_url, s.portal_url.clone());
    c
}

fn portal(s: &sections::PortalSection) -> porter_portal::PortalConfig {
    let mut c = porter_portal::PortalConfig::default();
    set(&mut c.https.listen, s.listen);
    c
}

fn sip(s: &sections::SipSection) -> anyhow::Result<porter_sip::server::SipConfig> {
    let mut c = porter_sip::server::SipConfig::default();
    set(&mut c.listen, s.listen);
    set(&mut c.tls_listen, s.tls_listen);
    set(&mut c.ws_listen, s.ws_listen);
    set(&mut c.realm, s.realm.clone());
    c.advertise.clone_from(&s.advertise);
    set(
        &mut c.tls_min,
        tls_min("sip_tls_min", s.tls_min.as_deref())?,
    );
    if let Some(secs) = s.ring_timeout_secs {
        c.ring_ms = secs.max(1).saturating_mul(1000);
    }
    if let Some(workers) = s.udp_workers {
        anyhow::ensure!(
            (1..=256).contains(&workers),
            "sip_udp_workers: {workers} is not between 1 and 256"
        );
        c.udp_workers = workers;
    }
    if let Some(kib) = s.udp_recv_buffer_kib {
        anyhow::ensure!(
            (64..=1024 * 1024).contains(&kib),
            "sip_udp_recv_buffer_kib: {kib} is not between 64 (64 KiB) and 1048576 (1 GiB)"
        );
        c.udp_recv_buffer = kib * 1024;
    }
    if let Some(names) = &s.digest_algorithms {
        c.algorithms = digest_algorithms(names)?;
    }
    let credentials = match (s.trunk_user.clone(), s.trunk_password.clone()) {
        (Some(username), Some(password)) => {
            Some(porter_sip::proxy::TrunkCredentials { username, password })
        }
        (None, None) => None,
        _ => anyhow::bail!("sip_trunk_user and sip_trunk_password go together"),
    };
    c.trunk = s.trunk.map(|addr| porter_sip::router::Trunk {
        addr,
        transport: porter_sip::registrar::Transport::Udp,
        host: match addr {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        },
        credentials,
    });
    Ok(c)
}

fn digest_algorithms(names: &str) -> anyhow::Result<Vec<porter_sip::digest::Algorithm>> {
    let mut algorithms = Vec::new();
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let a = porter_sip::digest::Algorithm::parse(name).ok_or_else(|| {
            anyhow::anyhow!(
                "sip_digest_algorithms: {name:?} is not a digest algorithm (md5, sha-256)"
            )
        })?;
        if !algorithms.contains(&a) {
            algorithms.push(a);
        }
    }
    anyhow::ensure!(
        !algorithms.is_empty(),
        "sip_digest_algorithms: name at least one of md5, sha-256"
    );
    Ok(algorithms)
}

fn provisioning(s: &Settings) -> anyhow::Result<porter_provisioning::server::ProvisioningConfig> {
    let mut c = porter_provisioning::server::ProvisioningConfig {
        autop_mtls_listen: s.https.autop_mtls_listen,
        ..Default::default()
    };
    if let Some(n) = s.firmware.max_downloads {
        c.firmware_max_downloads = n.max(1);
    }
    Ok(c)
}

fn admin(s: &Settings) -> porter_admin_api::server::AdminServerConfig {
    let mut c = porter_admin_api::server::AdminServerConfig::default();
    set(&mut c.listen, s.admin.listen);
    set(
        &mut c.shutdown_grace,
        s.shutdown_grace_secs.map(Duration::from_secs),
    );
    c
}

fn admin_api(s: &sections::AdminSection) -> anyhow::Result<porter_admin_api::AdminConfig> {
    let mut c = porter_admin_api::AdminConfig::default();
    if let Some(secs) = s.token_ttl_secs {
        anyhow::ensure!(
            (60..=30 * 24 * 3600).contains(&secs),
            "token_ttl_secs must be between 60 and 2592000 (30 days), got {secs}"
        );
        c.token_ttl = Duration::from_secs(secs);
    }
    Ok(c)
}

fn cluster_nats(url: Option<&str>, store: &StoreLocation) -> anyhow::Result<Option<String>> {
    let Some(url) = url.filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if matches!(store, StoreLocation::Embedded) {
        anyhow::bail!(
            "--cluster-nats: cluster mode needs the nodes' shared store, a PostgreSQL --store"
        );
    }
    Ok(Some(url.to_owned()))
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "porter".to_owned())
}

fn store_location(settings: &Settings) -> anyhow::Result<StoreLocation> {
    let Some(url) = settings.store.as_deref().filter(|u| !u.is_empty()) else {
        return Ok(StoreLocation::Embedded);
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        anyhow::bail!("--store: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE");
    }
    if let Err(e) = url.parse::<tokio_postgres::Config>() {
        anyhow::bail!("--store: {e}");
    }
    let Some(sealing_key) = settings.sealing_key_file.clone() else {
        anyhow::bail!(
            "--store postgres://… needs --sealing-key-file: every node must seal secrets \
             with the same key (make one with `head -c 32 /dev/urandom > sealing.key`)"
        );
    };
    let Some(url_signing_key) = settings.url_signing_key_file.clone() else {
        anyhow::bail!(
            "--store postgres://… needs --url-signing-key-file: a download link made on one \
             node must open on every node (make one with `head -c 32 /dev/urandom > \
             url-signing.key`)"
        );
    };
    Ok(StoreLocation::Postgres {
        url: url.to_owned(),
        sealing_key,
        url_signing_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, Settings) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("porter.toml");
        std::fs::write(&path, text).expect("write");
        let settings = Settings {
            config: Some(path),
            ..Settings::default()
        };
        (dir, settings)
    }

    #[test]
    fn flags_beat_file_beats_defaults() -> anyhow::Result<()> {
        let (_dir, mut given) = file(
            "data_dir = \"/from/file\"\n[admin]\nlisten = \"127.0.0.1:6000\"\n[sip]\nrealm = \"file\"\n",
        );
        given.data_dir = Some("/from/flag".into());
        given.sip.realm = Some("flag".into());
        let c = ServeConfig::resolve(given)?;
        assert_eq!(c.data_dir, PathBuf::from("/from/flag"));
        assert_eq!(
            c.servers.admin.listen.port(),
            6000,
            "from the file's [admin]"
        );
        assert_eq!(c.servers.sip.realm, "flag");
        assert_eq!(c.servers.admin_api.token_ttl, Duration::from_secs(43200));
        assert_eq!(c.cert, PathBuf::from("/from/flag").join("gateway-cert.pem"));
        Ok(())
    }

    #[test]
    fn a_postgres_store_needs_a_sealing_key_and_a_postgres_url() -> anyhow::Result<()> {
        let mut given = Settings {
            store: Some("postgres://porter:secret@db.example:5432/porter".into()),
            ..Settings::default()
        };
        let err = ServeConfig::resolve(given.clone()).unwrap_err().to_string();
        assert!(err.contains("--sealing-key-file"), "{err}");
        given.sealing_key_file = Some("/etc/porter/sealing.key".into());
        let err = ServeConfig::resolve(given.clone()).unwrap_err().to_string();
        assert!(err.contains("--url-signing-key-file"), "{err}");
        given.url_signing_key_file = Some("/etc/porter/url-signing.key".into());
        let c = ServeConfig::resolve(given.clone())?;
        assert!(matches!(c.store, StoreLocation::Postgres { .. }));
        let shown = c.store_for_log();
        assert!(
            shown.contains("db.example") && !shown.contains("secret"),
            "{shown}"
        );
        given.store = Some("mysql://db.example/porter".into());
        let err = ServeConfig::resolve(given).unwrap_err().to_string();
        assert!(err.starts_with("--store"), "{err}");
        assert!(matches!(
            ServeConfig::resolve(Settings::default())?.store,
            StoreLocation::Embedded
        ));
        Ok(())
    }

    #[test]
    fn what_is_not_given_takes_each_servers_own_default() -> anyhow::Result<()> {
        let c = ServeConfig::resolve(Settings::default())?;
        let s = &c.servers;
        assert_eq!(
            s.gateway.listen,
            porter_gateway::gateway::GatewayConfig::default().listen
        );
        assert_eq!(
            s.sip.listen,
            porter_sip::server::SipConfig::default().listen
        );
        assert_eq!(
            s.https.listen,
            porter_edge::https::HttpsConfig::default().listen
        );
        assert_eq!(
            s.admin.listen,
            porter_admin_api::server::AdminServerConfig::default().listen
        );
        assert_eq!(
            c.firmware_max_bytes,
            porter_firmware_store::DEFAULT_MAX_IMAGE_BYTES
        );
        assert_eq!(
            (c.data_dir.to_str(), c.log.as_str()),
            (Some("porter-data"), "info")
        );
        Ok(())
    }

    #[test]
    fn every_default_the_help_names_is_the_one_in_force() -> anyhow::Result<()> {
        use clap::CommandFactory as _;
        #[derive(clap::Parser)]
        struct Serve {
            #[command(flatten)]
            settings: Settings,
        }
        let c = ServeConfig::resolve(Settings::default())?;
        let s = &c.servers;
        let in_force = [
            ("admin_listen", s.admin.listen.to_string()),
            ("gateway_listen", s.gateway.listen.to_string()),
            ("gateway_ws_listen", s.gateway.ws_listen.to_string()),
            (
                "gateway_max_connections",
                s.gateway.max_connections.to_string(),
            ),
            (
                "gateway_accept_burst",
                s.gateway.accept_rate.burst.to_string(),
            ),
            (
                "gateway_accept_rate",
                s.gateway.accept_rate.per_second.to_string(),
            ),
            ("gateway_tls_min", s.gateway.tls_min.label().to_owned()),
            ("https_listen", s.https.listen.to_string()),
            ("https_tls_min", s.https.tls_min.label().to_owned()),
            ("portal_listen", s.portal.https.listen.to_string()),
            ("sip_listen", s.sip.listen.to_string()),
            ("sip_tls_listen", s.sip.tls_listen.to_string()),
            ("sip_ws_listen", s.sip.ws_listen.to_string()),
            ("sip_realm", format!("\"{}\"", s.sip.realm)),
            ("sip_ring_timeout_secs", (s.sip.ring_ms / 1000).to_string()),
            ("sip_tls_min", s.sip.tls_min.label().to_owned()),
            (
                "sip_udp_recv_buffer_kib",
                (s.sip.udp_recv_buffer / 1024).to_string(),
            ),
            ("firmware_max_mib", (c.firmware_max_bytes >> 20).to_string()),
            (
                "firmware_max_downloads",
                s.provisioning.firmware_max_downloads.to_string(),
            ),
            (
                "token_ttl_secs",
                s.admin_api.token_ttl.as_secs().to_string(),
            ),
            (
                "shutdown_grace_secs",
                c.shutdown_grace.as_secs().to_string(),
            ),
            ("log", c.log.clone()),
            ("mail_from", format!("\"{}\"", c.mail.from)),
            ("mail_rate", c.mail.max_per_second.to_string()),
        ];
        let command = Serve::command();
        for (id, value) in in_force {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no flag {id}"));
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(
                help.contains(&format!("(default {value}")),
                "--{}: help says {help:?}, but the default is {value}",
                arg.get_long().unwrap_or_default()
            );
        }
        Ok(())
    }

    #[test]
    fn tls_minimums_default_per_listener_and_refuse_unknown_versions() -> anyhow::Result<()> {
        let s = ServeConfig::resolve(Settings::default())?.servers;
        assert_eq!(
            (s.gateway.tls_min, s.https.tls_min, s.sip.tls_min),
            (TlsMin::Tls13, TlsMin::Tls12, TlsMin::Tls12)
        );
        let mut given = Settings::default();
        given.sip.tls_min = Some("TLSv1.3".into());
        assert_eq!(
            ServeConfig::resolve(given)?.servers.sip.tls_min,
            TlsMin::Tls13
        );
        let mut given = Settings::default();
        given.https.tls_min = Some("1.1".into());
        let err = ServeConfig::resolve(given).unwrap_err();
        assert!(format!("{err:#}").contains("https_tls_min"), "{err:#}");
        Ok(())
    }

    #[test]
    fn unknown_keys_are_refused() {
        let (_dir, given) = file("[admin]\nlisen = \"127.0.0.1:6000\"\n");
        let err = ServeConfig::resolve(given).unwrap_err();
        assert!(format!("{err:#}").contains("lisen"), "{err:#}");
    }

    #[test]
    fn a_flat_file_of_older_versions_is_refused_saying_where_each_key_goes() {
        let (_dir, given) =
            file("admin_listen = \"127.0.0.1:6000\"\nsip_realm = \"x\"\ndata_dir = \"d\"\n");
        let err = format!("{:#}", ServeConfig::resolve(given).unwrap_err());
        assert!(err.contains("admin_listen → [admin] listen"), "{err}");
        assert!(err.contains("sip_realm → [sip] realm"), "{err}");
    }
}
