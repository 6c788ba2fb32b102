//! `porter serve` settings: one typed struct, filled from (highest first) flags, `PORTER_*`
//! environment variables (clap reads both), the TOML file given by `--config`, defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use porter_edge::tls::TlsMin;
use serde::Deserialize;

/// Flags of `porter serve`. Every one may also come from the environment or the file.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, env = "PORTER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where the embedded store keeps its data (default ./porter-data).
    #[arg(long, env = "PORTER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Admin gRPC (and gRPC-Web) listen address (default 127.0.0.1:50051).
    #[arg(long, env = "PORTER_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// Device gateway (TLS over TCP) listen address (default 0.0.0.0:8501).
    #[arg(long, env = "PORTER_GATEWAY_LISTEN")]
    pub gateway_listen: Option<SocketAddr>,
    /// Device gateway over WebSocket (TLS) listen address (default 0.0.0.0:8502).
    #[arg(long, env = "PORTER_GATEWAY_WS_LISTEN")]
    pub gateway_ws_listen: Option<SocketAddr>,
    /// Device gateway over PLAIN TCP (no TLS), off unless set: only for a trusted network or
    /// behind a TLS-terminating proxy.
    #[arg(long, env = "PORTER_GATEWAY_PLAIN_LISTEN")]
    pub gateway_plain_listen: Option<SocketAddr>,
    /// Device connections at once over all gateway transports (default 200000); the
    /// process's open-file limit must allow as many.
    #[arg(long, env = "PORTER_GATEWAY_MAX_CONNECTIONS")]
    pub gateway_max_connections: Option<usize>,
    /// New gateway connections one address may open at once (default 2000: a whole
    /// community behind one NAT reconnecting after a power cut).
    #[arg(long, env = "PORTER_GATEWAY_ACCEPT_BURST")]
    pub gateway_accept_burst: Option<u32>,
    /// New gateway connections per second one address regains (default 200).
    #[arg(long, env = "PORTER_GATEWAY_ACCEPT_RATE")]
    pub gateway_accept_rate: Option<u32>,
    /// HTTPS listen address: remote control (and AutoP, firmware) (default 0.0.0.0:8443).
    #[arg(long, env = "PORTER_HTTPS_LISTEN")]
    pub https_listen: Option<SocketAddr>,
    /// The HTTPS listener's address as browsers and devices reach it, for the URLs Porter
    /// hands out (default https://localhost:PORT, or the listen IP when it is specific).
    #[arg(long, env = "PORTER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SIP over UDP and TCP, both on this address (default 0.0.0.0:5060).
    #[arg(long, env = "PORTER_SIP_LISTEN")]
    pub sip_listen: Option<SocketAddr>,
    /// SIP over TLS, with the gateway's certificate (default 0.0.0.0:5061).
    #[arg(long, env = "PORTER_SIP_TLS_LISTEN")]
    pub sip_tls_listen: Option<SocketAddr>,
    /// SIP over secure WebSocket (RFC 7118, `wss://`), for browsers and apps, with the
    /// gateway's certificate (default 0.0.0.0:5066).
    #[arg(long, env = "PORTER_SIP_WS_LISTEN")]
    pub sip_ws_listen: Option<SocketAddr>,
    /// The SIP digest realm devices and apps authenticate in (default "porter").
    #[arg(long, env = "PORTER_SIP_REALM")]
    pub sip_realm: Option<String>,
    /// Digest algorithms challenged with, in order of preference: "md5", "sha-256" or both
    /// comma-separated (default "md5": clients built on older stacks, baresip 1.0 among
    /// them, give up on a challenge whose algorithm they do not know instead of skipping it).
    #[arg(long, env = "PORTER_SIP_DIGEST_ALGORITHMS")]
    pub sip_digest_algorithms: Option<String>,
    /// The host Porter names itself by in SIP Via and Record-Route headers (default: the
    /// SIP listen IP, or this machine's outward address when listening on all).
    #[arg(long, env = "PORTER_SIP_ADVERTISE")]
    pub sip_advertise: Option<String>,
    /// How long each stage of a call rings before the call type's next stage, in seconds
    /// (default 30).
    #[arg(long, env = "PORTER_SIP_RING_TIMEOUT_SECS")]
    pub sip_ring_timeout_secs: Option<u64>,
    /// The landline trunk (a SIP gateway or provider, over UDP) that calls to residents'
    /// phones go out through, as HOST:PORT (default: none, so no phone branches).
    #[arg(long, env = "PORTER_SIP_TRUNK")]
    pub sip_trunk: Option<SocketAddr>,
    /// The account Porter answers the trunk's digest challenges with (default: none).
    #[arg(long, env = "PORTER_SIP_TRUNK_USER")]
    pub sip_trunk_user: Option<String>,
    /// Its password; prefer the environment variable or the config file to the command line.
    #[arg(long, env = "PORTER_SIP_TRUNK_PASSWORD", hide_env_values = true)]
    pub sip_trunk_password: Option<String>,
    /// A second HTTPS listener for AutoP that requires a client certificate; a device whose
    /// certificate is registered in its settings needs no credential there (default: none).
    #[arg(long, env = "PORTER_AUTOP_MTLS_LISTEN")]
    pub autop_mtls_listen: Option<SocketAddr>,
    /// The largest firmware image accepted, in MiB (default 512).
    #[arg(long, env = "PORTER_FIRMWARE_MAX_MIB")]
    pub firmware_max_mib: Option<u64>,
    /// Firmware downloads sending at once; more are told to retry (default 500).
    #[arg(long, env = "PORTER_FIRMWARE_MAX_DOWNLOADS")]
    pub firmware_max_downloads: Option<usize>,
    /// Lowest TLS version of the device gateway's TLS and QUIC listeners, "1.2" or "1.3"
    /// (default 1.3: only Porter's own device firmware connects there).
    #[arg(long, env = "PORTER_GATEWAY_TLS_MIN")]
    pub gateway_tls_min: Option<String>,
    /// Lowest TLS version of the device HTTPS listeners (AutoP, firmware, remote control)
    /// (default 1.2: third-party door phones and monitors often stop at TLS 1.2).
    #[arg(long, env = "PORTER_HTTPS_TLS_MIN")]
    pub https_tls_min: Option<String>,
    /// Lowest TLS version of SIP over TLS and secure WebSocket (default 1.2).
    #[arg(long, env = "PORTER_SIP_TLS_MIN")]
    pub sip_tls_min: Option<String>,
    /// PEM certificate chain of the gateway (default: DATA_DIR/gateway-cert.pem, generated
    /// self-signed on first start together with the key).
    #[arg(long, env = "PORTER_GATEWAY_CERT")]
    pub gateway_cert: Option<PathBuf>,
    /// PEM private key of the gateway (default: DATA_DIR/gateway-key.pem).
    #[arg(long, env = "PORTER_GATEWAY_KEY")]
    pub gateway_key: Option<PathBuf>,
    /// Lifetime of admin login tokens in seconds (default 43200 = 12 h).
    #[arg(long, env = "PORTER_TOKEN_TTL_SECS")]
    pub token_ttl_secs: Option<u64>,
    /// How long to let requests finish after SIGINT/SIGTERM, in seconds (default 10).
    #[arg(long, env = "PORTER_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Log filter, e.g. "info" or "porter=debug" (default info).
    #[arg(long, env = "PORTER_LOG")]
    pub log: Option<String>,
}

/// The TOML file: the same names as the flags, with underscores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    admin_listen: Option<SocketAddr>,
    gateway_listen: Option<SocketAddr>,
    gateway_ws_listen: Option<SocketAddr>,
    gateway_plain_listen: Option<SocketAddr>,
    gateway_max_connections: Option<usize>,
    gateway_accept_burst: Option<u32>,
    gateway_accept_rate: Option<u32>,
    https_listen: Option<SocketAddr>,
    public_url: Option<String>,
    sip_listen: Option<SocketAddr>,
    sip_tls_listen: Option<SocketAddr>,
    sip_ws_listen: Option<SocketAddr>,
    sip_realm: Option<String>,
    sip_digest_algorithms: Option<String>,
    sip_advertise: Option<String>,
    sip_ring_timeout_secs: Option<u64>,
    sip_trunk: Option<SocketAddr>,
    sip_trunk_user: Option<String>,
    sip_trunk_password: Option<String>,
    firmware_max_mib: Option<u64>,
    firmware_max_downloads: Option<usize>,
    autop_mtls_listen: Option<SocketAddr>,
    gateway_tls_min: Option<String>,
    https_tls_min: Option<String>,
    sip_tls_min: Option<String>,
    gateway_cert: Option<PathBuf>,
    gateway_key: Option<PathBuf>,
    token_ttl_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    log: Option<String>,
}

/// The settings `porter serve` runs with.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    pub admin_listen: SocketAddr,
    pub gateway_listen: SocketAddr,
    pub gateway_ws_listen: SocketAddr,
    pub gateway_plain_listen: Option<SocketAddr>,
    pub gateway_max_connections: usize,
    pub gateway_accept_burst: u32,
    pub gateway_accept_rate: u32,
    pub https_listen: SocketAddr,
    /// None: derived from the bound HTTPS address at start.
    pub public_url: Option<String>,
    pub sip_listen: SocketAddr,
    pub sip_tls_listen: SocketAddr,
    pub sip_ws_listen: SocketAddr,
    pub sip_realm: String,
    pub sip_digest_algorithms: Vec<porter_sip::digest::Algorithm>,
    pub sip_advertise: Option<String>,
    pub sip_ring_timeout: Duration,
    pub sip_trunk: Option<SocketAddr>,
    pub sip_trunk_credentials: Option<porter_sip::proxy::TrunkCredentials>,
    pub firmware_max_bytes: u64,
    pub firmware_max_downloads: usize,
    pub autop_mtls_listen: Option<SocketAddr>,
    pub gateway_tls_min: TlsMin,
    pub https_tls_min: TlsMin,
    pub sip_tls_min: TlsMin,
    pub gateway_cert: PathBuf,
    pub gateway_key: PathBuf,
    pub token_ttl: Duration,
    pub shutdown_grace: Duration,
    pub log: String,
}

impl ServeConfig {
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let token_ttl_secs = args
            .token_ttl_secs
            .or(file.token_ttl_secs)
            .unwrap_or(12 * 3600);
        anyhow::ensure!(
            (60..=30 * 24 * 3600).contains(&token_ttl_secs),
            "token_ttl_secs must be between 60 and 2592000 (30 days), got {token_ttl_secs}"
        );
        let limits_ok = |v: Option<u64>, name: &str| match v {
            Some(0) => Err(anyhow::anyhow!("{name} must be at least 1")),
            _ => Ok(()),
        };
        limits_ok(
            args.gateway_max_connections
                .or(file.gateway_max_connections)
                .map(|v| v as u64),
            "gateway_max_connections",
        )?;
        limits_ok(
            args.gateway_accept_burst
                .or(file.gateway_accept_burst)
                .map(u64::from),
            "gateway_accept_burst",
        )?;
        limits_ok(
            args.gateway_accept_rate
                .or(file.gateway_accept_rate)
                .map(u64::from),
            "gateway_accept_rate",
        )?;
        let digest = args
            .sip_digest_algorithms
            .or(file.sip_digest_algorithms)
            .unwrap_or_else(|| "md5".to_owned());
        let mut sip_digest_algorithms = Vec::new();
        for name in digest.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let a = porter_sip::digest::Algorithm::parse(name).ok_or_else(|| {
                anyhow::anyhow!(
                    "sip_digest_algorithms: {name:?} is not a digest algorithm (md5, sha-256)"
                )
            })?;
            if !sip_digest_algorithms.contains(&a) {
                sip_digest_algorithms.push(a);
            }
        }
        anyhow::ensure!(
            !sip_digest_algorithms.is_empty(),
            "sip_digest_algorithms: name at least one of md5, sha-256"
        );
        let sip_trunk_credentials = match (
            args.sip_trunk_user.or(file.sip_trunk_user),
            args.sip_trunk_password.or(file.sip_trunk_password),
        ) {
            (Some(username), Some(password)) => {
                Some(porter_sip::proxy::TrunkCredentials { username, password })
            }
            (None, None) => None,
            _ => anyhow::bail!("sip_trunk_user and sip_trunk_password go together"),
        };
        let firmware_max_mib = args
            .firmware_max_mib
            .or(file.firmware_max_mib)
            .unwrap_or(512);
        anyhow::ensure!(
            (1..=16 * 1024).contains(&firmware_max_mib),
            "firmware_max_mib must be between 1 and 16384, got {firmware_max_mib}"
        );
        let data_dir = args
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("porter-data"));
        let tls_min =
            |name: &str, value: Option<String>, default: TlsMin| -> anyhow::Result<TlsMin> {
                match value.as_deref().map(str::trim) {
                    None => Ok(default),
                    Some(v) => TlsMin::parse(v).ok_or_else(|| {
                        anyhow::anyhow!("{name}: {v:?} is not a TLS version (1.2 or 1.3)")
                    }),
                }
            };
        Ok(ServeConfig {
            gateway_tls_min: tls_min(
                "gateway_tls_min",
                args.gateway_tls_min.or(file.gateway_tls_min),
                TlsMin::Tls13,
            )?,
            https_tls_min: tls_min(
                "https_tls_min",
                args.https_tls_min.or(file.https_tls_min),
                TlsMin::Tls12,
            )?,
            sip_tls_min: tls_min(
                "sip_tls_min",
                args.sip_tls_min.or(file.sip_tls_min),
                TlsMin::Tls12,
            )?,
            firmware_max_bytes: firmware_max_mib * 1024 * 1024,
            autop_mtls_listen: args.autop_mtls_listen.or(file.autop_mtls_listen),
            firmware_max_downloads: args
                .firmware_max_downloads
                .or(file.firmware_max_downloads)
                .unwrap_or(500)
                .max(1),
            gateway_listen: args
                .gateway_listen
                .or(file.gateway_listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 8501))),
            gateway_ws_listen: args
                .gateway_ws_listen
                .or(file.gateway_ws_listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 8502))),
            gateway_plain_listen: args.gateway_plain_listen.or(file.gateway_plain_listen),
            gateway_max_connections: args
                .gateway_max_connections
                .or(file.gateway_max_connections)
                .unwrap_or(200_000),
            gateway_accept_burst: args
                .gateway_accept_burst
                .or(file.gateway_accept_burst)
                .unwrap_or(2_000),
            gateway_accept_rate: args
                .gateway_accept_rate
                .or(file.gateway_accept_rate)
                .unwrap_or(200),
            https_listen: args
                .https_listen
                .or(file.https_listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 8443))),
            public_url: args.public_url.or(file.public_url),
            sip_listen: args
                .sip_listen
                .or(file.sip_listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 5060))),
            sip_tls_listen: args
                .sip_tls_listen
                .or(file.sip_tls_listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 5061))),
            sip_ws_listen: args
                .sip_ws_listen
                .or(file.sip_ws_listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 5066))),
            sip_realm: args
                .sip_realm
                .or(file.sip_realm)
                .unwrap_or_else(|| "porter".to_owned()),
            sip_digest_algorithms,
            sip_advertise: args.sip_advertise.or(file.sip_advertise),
            sip_ring_timeout: Duration::from_secs(
                args.sip_ring_timeout_secs
                    .or(file.sip_ring_timeout_secs)
                    .unwrap_or(30)
                    .max(1),
            ),
            sip_trunk: args.sip_trunk.or(file.sip_trunk),
            sip_trunk_credentials,
            gateway_cert: args
                .gateway_cert
                .or(file.gateway_cert)
                .unwrap_or_else(|| data_dir.join(porter_edge::tls::CERT_FILE)),
            gateway_key: args
                .gateway_key
                .or(file.gateway_key)
                .unwrap_or_else(|| data_dir.join(porter_edge::tls::KEY_FILE)),
            data_dir,
            admin_listen: args
                .admin_listen
                .or(file.admin_listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 50051))),
            token_ttl: Duration::from_secs(token_ttl_secs),
            shutdown_grace: Duration::from_secs(
                args.shutdown_grace_secs
                    .or(file.shutdown_grace_secs)
                    .unwrap_or(10),
            ),
            log: args.log.or(file.log).unwrap_or_else(|| "info".to_owned()),
        })
    }
}

/// Each server's settings, from `ServeConfig` and the share of open files it may hold.
pub struct ServerConfigs {
    pub gateway: porter_gateway::gateway::GatewayConfig,
    pub sip: porter_sip::server::SipConfig,
    pub https: porter_edge::https::HttpsConfig,
    pub provisioning: porter_provisioning::server::ProvisioningConfig,
    pub admin: porter_admin_api::server::AdminServerConfig,
    pub admin_api: porter_admin_api::AdminConfig,
}

impl ServeConfig {
    /// The servers' settings; each listener family holds at most its share of `open_files`.
    pub fn servers(&self, open_files: u64) -> ServerConfigs {
        let sip_defaults = porter_sip::server::SipConfig::default();
        let https_defaults = porter_edge::https::HttpsConfig::default();
        let budget = crate::descriptors::budget(
            open_files,
            crate::descriptors::ConnectionBudget {
                gateway: self.gateway_max_connections,
                sip: sip_defaults.max_connections,
                https: https_defaults.max_connections,
            },
        );
        if budget.gateway < self.gateway_max_connections {
            tracing::info!(
                open_files,
                gateway = budget.gateway,
                sip = budget.sip,
                https = budget.https,
                "the open-file limit caps the connections each listener may hold; raise it (ulimit -n) for more"
            );
        }
        tracing::info!(
            gateway = self.gateway_tls_min.label(),
            https = self.https_tls_min.label(),
            sip = self.sip_tls_min.label(),
            "lowest TLS versions"
        );
        let gateway_defaults = porter_gateway::gateway::GatewayConfig::default();
        ServerConfigs {
            gateway: porter_gateway::gateway::GatewayConfig {
                listen: self.gateway_listen,
                ws_listen: self.gateway_ws_listen,
                plain_listen: self.gateway_plain_listen,
                tls_min: self.gateway_tls_min,
                max_connections: budget.gateway,
                accept_rate: porter_gateway::limits::AcceptRateLimits {
                    burst: self.gateway_accept_burst,
                    per_second: self.gateway_accept_rate,
                    ..gateway_defaults.accept_rate.clone()
                },
                ..gateway_defaults
            },
            sip: porter_sip::server::SipConfig {
                listen: self.sip_listen,
                tls_listen: self.sip_tls_listen,
                ws_listen: self.sip_ws_listen,
                advertise: self.sip_advertise.clone(),
                tls_min: self.sip_tls_min,
                realm: self.sip_realm.clone(),
                algorithms: self.sip_digest_algorithms.clone(),
                ring_ms: u64::try_from(self.sip_ring_timeout.as_millis()).unwrap_or(u64::MAX),
                trunk: self.sip_trunk.map(|addr| porter_sip::router::Trunk {
                    addr,
                    transport: porter_sip::registrar::Transport::Udp,
                    host: match addr {
                        SocketAddr::V4(a) => a.ip().to_string(),
                        SocketAddr::V6(a) => format!("[{}]", a.ip()),
                    },
                    credentials: self.sip_trunk_credentials.clone(),
                }),
                max_connections: budget.sip,
                ..sip_defaults
            },
            https: porter_edge::https::HttpsConfig {
                listen: self.https_listen,
                max_connections: budget.https,
                ..https_defaults
            },
            provisioning: porter_provisioning::server::ProvisioningConfig {
                autop_mtls_listen: self.autop_mtls_listen,
                tls_min: self.https_tls_min,
                firmware_max_downloads: self.firmware_max_downloads,
            },
            admin: porter_admin_api::server::AdminServerConfig {
                listen: self.admin_listen,
                shutdown_grace: self.shutdown_grace,
                ..Default::default()
            },
            admin_api: porter_admin_api::AdminConfig {
                token_ttl: self.token_ttl,
                ..Default::default()
            },
        }
    }

    /// The HTTPS listener's address as browsers and devices reach it: `public_url`, or
    /// derived from where it is bound.
    pub fn public_url(&self, https_addr: SocketAddr) -> String {
        self.public_url.clone().unwrap_or_else(|| {
            if https_addr.ip().is_unspecified() {
                format!("https://localhost:{}", https_addr.port())
            } else {
                format!("https://{https_addr}")
            }
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ServeArgs {
        ServeArgs {
            config: None,
            data_dir: None,
            admin_listen: None,
            gateway_listen: None,
            gateway_ws_listen: None,
            gateway_plain_listen: None,
            gateway_max_connections: None,
            gateway_accept_burst: None,
            gateway_accept_rate: None,
            https_listen: None,
            public_url: None,
            sip_listen: None,
            sip_tls_listen: None,
            sip_ws_listen: None,
            sip_realm: None,
            sip_digest_algorithms: None,
            sip_advertise: None,
            sip_ring_timeout_secs: None,
            sip_trunk: None,
            sip_trunk_user: None,
            sip_trunk_password: None,
            firmware_max_mib: None,
            firmware_max_downloads: None,
            autop_mtls_listen: None,
            gateway_tls_min: None,
            https_tls_min: None,
            sip_tls_min: None,
            gateway_cert: None,
            gateway_key: None,
            token_ttl_secs: None,
            shutdown_grace_secs: None,
            log: None,
        }
    }

    #[test]
    fn flags_beat_file_beats_defaults() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("porter.toml");
        std::fs::write(
            &path,
            "admin_listen = \"127.0.0.1:6000\"\ndata_dir = \"/from/file\"\n",
        )?;
        let mut a = args();
        a.config = Some(path);
        a.data_dir = Some("/from/flag".into());
        let c = ServeConfig::resolve(a)?;
        assert_eq!(c.data_dir, PathBuf::from("/from/flag"));
        assert_eq!(c.admin_listen.port(), 6000);
        assert_eq!(c.token_ttl, Duration::from_secs(43200));
        Ok(())
    }

    #[test]
    fn tls_minimums_default_per_listener_and_refuse_unknown_versions() -> anyhow::Result<()> {
        let c = ServeConfig::resolve(args())?;
        assert_eq!(
            (c.gateway_tls_min, c.https_tls_min, c.sip_tls_min),
            (TlsMin::Tls13, TlsMin::Tls12, TlsMin::Tls12)
        );
        let mut a = args();
        a.sip_tls_min = Some("TLSv1.3".into());
        assert_eq!(ServeConfig::resolve(a)?.sip_tls_min, TlsMin::Tls13);
        let mut a = args();
        a.https_tls_min = Some("1.1".into());
        let err = ServeConfig::resolve(a).unwrap_err();
        assert!(format!("{err:#}").contains("https_tls_min"), "{err:#}");
        Ok(())
    }

    #[test]
    fn unknown_keys_are_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("porter.toml");
        std::fs::write(&path, "admin_lisen = \"127.0.0.1:6000\"\n")?;
        let mut a = args();
        a.config = Some(path);
        let err = ServeConfig::resolve(a).unwrap_err();
        assert!(format!("{err:#}").contains("admin_lisen"), "{err:#}");
        Ok(())
    }
}
