//! Every setting of `porter serve`, declared once: each field is a flag (`--gateway-listen`),
//! a `PORTER_*` variable and a TOML key in its section (`[gateway] listen`). Every field is
//! optional here; what is not given takes the default of the server it belongs to (its
//! `Config::default()`), so no default is written twice.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The whole configuration: flags of `porter serve`, or the TOML file's sections.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// TOML configuration file (its sections: [admin], [gateway], [https], [portal], [sip],
    /// [firmware], [tls], [mail]; see the README).
    #[arg(long, env = "PORTER_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Where the embedded store keeps its data (default ./porter-data).
    #[arg(long, env = "PORTER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The system of record: PostgreSQL at postgres://USER:PASSWORD@HOST:PORT/DATABASE
    /// instead of the embedded store in DATA_DIR (which still holds the TLS identity and the
    /// firmware cache); prefer the environment variable or the config file for a password.
    /// Needs --sealing-key-file (default: the embedded store).
    #[arg(long, env = "PORTER_STORE", hide_env_values = true, value_name = "URL")]
    pub store: Option<String>,
    /// This node's name among the nodes sharing a PostgreSQL store: in the change log and
    /// the logs (default: the host name).
    #[arg(long, env = "PORTER_NODE_ID")]
    pub node_id: Option<String>,
    /// Cluster mode: the NATS server(s) the nodes share, `nats://host:4222` (comma-separated
    /// for a NATS cluster; JetStream on). Devices on any node are then reached from every
    /// node. Needs a PostgreSQL --store.
    #[arg(long, env = "PORTER_CLUSTER_NATS", value_name = "URL")]
    pub cluster_nats: Option<String>,
    /// The key that seals secrets at rest (SIP and camera passwords): a file of 32 random
    /// bytes, e.g. `head -c 32 /dev/urandom > sealing.key`, the same on every node sharing a
    /// PostgreSQL store, where it is required (default: DATA_DIR/secret.key, created on
    /// first start).
    #[arg(long, env = "PORTER_SEALING_KEY_FILE", value_name = "FILE")]
    pub sealing_key_file: Option<PathBuf>,
    /// The key that signs download links (firmware, captured images): a file of 32 random
    /// bytes, the same on every node sharing a PostgreSQL store, where it is required, so a
    /// link made on one node opens on every node (default: DATA_DIR/url-signing.key,
    /// created on first start).
    #[arg(long, env = "PORTER_URL_SIGNING_KEY_FILE", value_name = "FILE")]
    pub url_signing_key_file: Option<PathBuf>,
    /// How long to let requests finish after SIGINT/SIGTERM, in seconds (default 10).
    #[arg(long, env = "PORTER_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Log filter, e.g. "info" or "porter=debug" (default info).
    #[arg(long, env = "PORTER_LOG")]
    pub log: Option<String>,
    #[command(flatten)]
    #[serde(default)]
    pub admin: AdminSection,
    #[command(flatten)]
    #[serde(default)]
    pub gateway: GatewaySection,
    #[command(flatten)]
    #[serde(default)]
    pub https: HttpsSection,
    #[command(flatten)]
    #[serde(default)]
    pub portal: PortalSection,
    #[command(flatten)]
    #[serde(default)]
    pub sip: SipSection,
    #[command(flatten)]
    #[serde(default)]
    pub firmware: FirmwareSection,
    #[command(flatten)]
    #[serde(default)]
    pub tls: TlsSection,
    #[command(flatten)]
    #[serde(default)]
    pub mail: MailSection,
}

/// `[admin]`: the admin API.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    /// Admin gRPC (and gRPC-Web) listen address (default 127.0.0.1:50051).
    #[arg(
        id = "admin_listen",
        long = "admin-listen",
        env = "PORTER_ADMIN_LISTEN",
        value_name = "ADDR"
    )]
    pub listen: Option<SocketAddr>,
    /// Lifetime of admin login tokens in seconds, 60 to 2592000 (default 43200 = 12 h).
    #[arg(long, env = "PORTER_TOKEN_TTL_SECS")]
    pub token_ttl_secs: Option<u64>,
}

/// `[gateway]`: the device gateway.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    /// Device gateway listen address: TLS over TCP, and QUIC on the same port over UDP
    /// (default 0.0.0.0:8501).
    #[arg(
        id = "gateway_listen",
        long = "gateway-listen",
        env = "PORTER_GATEWAY_LISTEN",
        value_name = "ADDR"
    )]
    pub listen: Option<SocketAddr>,
    /// Device gateway over WebSocket (TLS, path /device/v1) listen address (default
    /// 0.0.0.0:8502).
    #[arg(
        id = "gateway_ws_listen",
        long = "gateway-ws-listen",
        env = "PORTER_GATEWAY_WS_LISTEN",
        value_name = "ADDR"
    )]
    pub ws_listen: Option<SocketAddr>,
    /// Device gateway over PLAIN TCP (no TLS), off unless set: only for a trusted network or
    /// behind a TLS-terminating proxy.
    #[arg(
        id = "gateway_plain_listen",
        long = "gateway-plain-listen",
        env = "PORTER_GATEWAY_PLAIN_LISTEN",
        value_name = "ADDR"
    )]
    pub plain_listen: Option<SocketAddr>,
    /// Device connections at once over all gateway transports (default 200000); the
    /// process's open-file limit must allow as many.
    #[arg(
        id = "gateway_max_connections",
        long = "gateway-max-connections",
        env = "PORTER_GATEWAY_MAX_CONNECTIONS",
        value_name = "N"
    )]
    pub max_connections: Option<usize>,
    /// New gateway connections one address may open at once (default 2000: a whole
    /// community behind one NAT reconnecting after a power cut).
    #[arg(
        id = "gateway_accept_burst",
        long = "gateway-accept-burst",
        env = "PORTER_GATEWAY_ACCEPT_BURST",
        value_name = "N"
    )]
    pub accept_burst: Option<u32>,
    /// New gateway connections per second one address regains (default 200).
    #[arg(
        id = "gateway_accept_rate",
        long = "gateway-accept-rate",
        env = "PORTER_GATEWAY_ACCEPT_RATE",
        value_name = "N"
    )]
    pub accept_rate: Option<u32>,
    /// Lowest TLS version of the device gateway's TLS and QUIC listeners, "1.2" or "1.3"
    /// (default 1.3: only Porter's own device firmware connects there).
    #[arg(
        id = "gateway_tls_min",
        long = "gateway-tls-min",
        env = "PORTER_GATEWAY_TLS_MIN",
        value_name = "VERSION"
    )]
    pub tls_min: Option<String>,
}

/// `[https]`: what devices and browsers reach over HTTPS (AutoP, firmware, remote control).
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpsSection {
    /// HTTPS listen address: remote control, AutoP, firmware (default 0.0.0.0:8443).
    #[arg(
        id = "https_listen",
        long = "https-listen",
        env = "PORTER_HTTPS_LISTEN",
        value_name = "ADDR"
    )]
    pub listen: Option<SocketAddr>,
    /// The HTTPS listener's address as browsers and devices reach it, for the URLs Porter
    /// hands out (default https://localhost:PORT, or the listen IP when it is specific).
    #[arg(long, env = "PORTER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A second HTTPS listener for AutoP that requires a client certificate; a device whose
    /// certificate is registered in its settings needs no credential there (default: none).
    #[arg(long, env = "PORTER_AUTOP_MTLS_LISTEN", value_name = "ADDR")]
    pub autop_mtls_listen: Option<SocketAddr>,
    /// Lowest TLS version of the device HTTPS listeners (AutoP, firmware, remote control)
    /// (default 1.2: third-party door phones and monitors often stop at TLS 1.2).
    #[arg(
        id = "https_tls_min",
        long = "https-tls-min",
        env = "PORTER_HTTPS_TLS_MIN",
        value_name = "VERSION"
    )]
    pub tls_min: Option<String>,
}

/// `[portal]`: the installers' web portal, an HTTPS origin of its own.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalSection {
    /// The web portal's HTTPS listen address, with the admin API over gRPC-Web for it
    /// (default 0.0.0.0:9443; the server's certificate).
    #[arg(
        id = "portal_listen",
        long = "portal-listen",
        env = "PORTER_PORTAL_LISTEN",
        value_name = "ADDR"
    )]
    pub listen: Option<SocketAddr>,
}

/// `[sip]`: the SIP registrar and router.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipSection {
    /// SIP over UDP and TCP, both on this address (default 0.0.0.0:5060).
    #[arg(
        id = "sip_listen",
        long = "sip-listen",
        env = "PORTER_SIP_LISTEN",
        value_name = "ADDR"
    )]
    pub listen: Option<SocketAddr>,
    /// SIP over TLS, with the server's certificate (default 0.0.0.0:5061).
    #[arg(
        id = "sip_tls_listen",
        long = "sip-tls-listen",
        env = "PORTER_SIP_TLS_LISTEN",
        value_name = "ADDR"
    )]
    pub tls_listen: Option<SocketAddr>,
    /// SIP over secure WebSocket (RFC 7118, `wss://`), for browsers and apps, with the
    /// server's certificate (default 0.0.0.0:5066).
    #[arg(
        id = "sip_ws_listen",
        long = "sip-ws-listen",
        env = "PORTER_SIP_WS_LISTEN",
        value_name = "ADDR"
    )]
    pub ws_listen: Option<SocketAddr>,
    /// The SIP digest realm devices and apps authenticate in (default "porter").
    #[arg(
        id = "sip_realm",
        long = "sip-realm",
        env = "PORTER_SIP_REALM",
        value_name = "REALM"
    )]
    pub realm: Option<String>,
    /// Digest algorithms challenged with, in order of preference: "md5", "sha-256" or both
    /// comma-separated (default "md5": clients built on older stacks, baresip 1.0 among
    /// them, give up on a challenge whose algorithm they do not know instead of skipping it).
    #[arg(
        id = "sip_digest_algorithms",
        long = "sip-digest-algorithms",
        env = "PORTER_SIP_DIGEST_ALGORITHMS",
        value_name = "ALGORITHMS"
    )]
    pub digest_algorithms: Option<String>,
    /// The host Porter names itself by in SIP Via and Record-Route headers (default: the
    /// SIP listen IP, or this machine's outward address when listening on all).
    #[arg(
        id = "sip_advertise",
        long = "sip-advertise",
        env = "PORTER_SIP_ADVERTISE",
        value_name = "HOST"
    )]
    pub advertise: Option<String>,
    /// How long each stage of a call rings before the call type's next stage, in seconds
    /// (default 30).
    #[arg(
        id = "sip_ring_timeout_secs",
        long = "sip-ring-timeout-secs",
        env = "PORTER_SIP_RING_TIMEOUT_SECS",
        value_name = "SECS"
    )]
    pub ring_timeout_secs: Option<u64>,
    /// The landline trunk (a SIP gateway or provider, over UDP) that calls to residents'
    /// phones go out through, as HOST:PORT (default: none, so no phone branches).
    #[arg(
        id = "sip_trunk",
        long = "sip-trunk",
        env = "PORTER_SIP_TRUNK",
        value_name = "ADDR"
    )]
    pub trunk: Option<SocketAddr>,
    /// The account Porter answers the trunk's digest challenges with (default: none).
    #[arg(
        id = "sip_trunk_user",
        long = "sip-trunk-user",
        env = "PORTER_SIP_TRUNK_USER",
        value_name = "TRUNK_USER"
    )]
    pub trunk_user: Option<String>,
    /// Its password; prefer the environment variable or the config file to the command line.
    #[arg(
        id = "sip_trunk_password",
        long = "sip-trunk-password",
        env = "PORTER_SIP_TRUNK_PASSWORD",
        hide_env_values = true,
        value_name = "TRUNK_PASSWORD"
    )]
    pub trunk_password: Option<String>,
    /// Threads receiving and handling SIP over UDP (default: one per core).
    #[arg(
        id = "sip_udp_workers",
        long = "sip-udp-workers",
        env = "PORTER_SIP_UDP_WORKERS",
        value_name = "COUNT"
    )]
    pub udp_workers: Option<usize>,
    /// The SIP UDP socket's receive buffer in KiB, what absorbs a burst (default 4096; past
    /// net.core.rmem_max only when run as root; the size granted is logged).
    #[arg(
        id = "sip_udp_recv_buffer_kib",
        long = "sip-udp-recv-buffer-kib",
        env = "PORTER_SIP_UDP_RECV_BUFFER_KIB",
        value_name = "KIB"
    )]
    pub udp_recv_buffer_kib: Option<usize>,
    /// Lowest TLS version of SIP over TLS and secure WebSocket (default 1.2).
    #[arg(
        id = "sip_tls_min",
        long = "sip-tls-min",
        env = "PORTER_SIP_TLS_MIN",
        value_name = "VERSION"
    )]
    pub tls_min: Option<String>,
}

/// `[firmware]`: firmware images and their downloads.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmwareSection {
    /// The largest firmware image accepted, in MiB, 1 to 16384 (default 512).
    #[arg(
        id = "firmware_max_mib",
        long = "firmware-max-mib",
        env = "PORTER_FIRMWARE_MAX_MIB",
        value_name = "MIB"
    )]
    pub max_mib: Option<u64>,
    /// Firmware downloads sending at once; more are told to retry (default 500).
    #[arg(
        id = "firmware_max_downloads",
        long = "firmware-max-downloads",
        env = "PORTER_FIRMWARE_MAX_DOWNLOADS",
        value_name = "N"
    )]
    pub max_downloads: Option<usize>,
}

/// `[tls]`: the certificate every TLS listener presents.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM certificate chain of the server (default: DATA_DIR/gateway-cert.pem, generated
    /// self-signed on first start together with the key).
    #[arg(
        id = "tls_cert",
        long = "gateway-cert",
        env = "PORTER_GATEWAY_CERT",
        value_name = "FILE"
    )]
    pub cert: Option<PathBuf>,
    /// Its PEM private key (default: DATA_DIR/gateway-key.pem).
    #[arg(
        id = "tls_key",
        long = "gateway-key",
        env = "PORTER_GATEWAY_KEY",
        value_name = "FILE"
    )]
    pub key: Option<PathBuf>,
}

/// `[mail]`: email (expiration and renewal notices, account mail) through SMTP.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSection {
    /// The SMTP server mail goes through: smtp://HOST:PORT (plain), smtp://HOST:587?tls=required
    /// (STARTTLS) or smtps://HOST:465, with USER:PASSWORD@ before the host when it wants a
    /// login; prefer the environment variable or the config file for a password (default:
    /// none, so messages are queued and listed but not sent).
    #[arg(
        id = "smtp_url",
        long = "smtp-url",
        env = "PORTER_SMTP_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub smtp_url: Option<String>,
    /// The sender of every message, as an address with an optional name (default "Porter
    /// <porter@localhost>").
    #[arg(
        id = "mail_from",
        long = "mail-from",
        env = "PORTER_MAIL_FROM",
        value_name = "MAILBOX"
    )]
    pub from: Option<String>,
    /// Messages sent per second at most (default 20).
    #[arg(
        id = "mail_rate",
        long = "mail-rate",
        env = "PORTER_MAIL_RATE",
        value_name = "PER_SECOND"
    )]
    pub rate: Option<u32>,
    /// The web portal's address as people reach it, for the links in installers' and
    /// property managers' mail (default: https://localhost and the portal's port).
    #[arg(
        id = "portal_url",
        long = "portal-url",
        env = "PORTER_PORTAL_URL",
        value_name = "URL"
    )]
    pub portal_url: Option<String>,
}
