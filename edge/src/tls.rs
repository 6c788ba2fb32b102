//! The server's TLS identity, shared by every listener: a certificate and key from files, or a
//! self-signed ECDSA P-256 pair generated on first start and kept in the data directory; the
//! lowest version each listener accepts; and the fingerprint of a client's certificate.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a PEM {what}")]
    Pem { path: PathBuf, what: &'static str },
    #[error("generating a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// File names of the generated identity inside the data directory.
pub const CERT_FILE: &str = "gateway-cert.pem";
pub const KEY_FILE: &str = "gateway-key.pem";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The server's certificate chain and private key, which every TLS listener presents.
#[derive(Debug)]
pub struct Identity {
    pub certs: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    /// A server configuration presenting this identity, TLS from `min` up.
    pub fn server_config(&self, min: TlsMin) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        server_config(self.certs.clone(), self.key.clone_key(), min)
    }

    /// A client configuration that trusts exactly this identity's certificate: the nodes of
    /// a cluster present the same one, so a node talking to another checks it is that
    /// certificate, whoever issued it and whatever name the other node is reached by.
    pub fn pinned_client_config(&self) -> Result<Arc<rustls::ClientConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let pinned =
            PinnedCertificate {
                cert: self.certs.first().cloned().ok_or_else(|| {
                    TlsError::Rustls(rustls::Error::General("no certificate".into()))
                })?,
                algorithms: provider.signature_verification_algorithms,
            };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(TlsMin::Tls12.versions())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(pinned))
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

/// Accepts one certificate, byte for byte (`Identity::pinned_client_config`).
#[derive(Debug)]
struct PinnedCertificate {
    cert: CertificateDer<'static>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.cert.as_ref() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Reads `cert` and `key`, or, when both are absent, creates a self-signed pair there.
pub fn load_or_create(cert: &Path, key: &Path) -> Result<Identity, TlsError> {
    if !cert.exists() && !key.exists() {
        let generated = rcgen::generate_simple_self_signed(vec![
            "porter".to_owned(),
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ])?;
        std::fs::write(cert, generated.cert.pem()).map_err(io(cert))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(key).map_err(io(key))?;
        std::io::Write::write_all(&mut f, generated.signing_key.serialize_pem().as_bytes())
            .map_err(io(key))?;
        tracing::info!(cert = %cert.display(), "generated a self-signed gateway certificate");
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|_| TlsError::Pem {
            path: cert.to_owned(),
            what: "certificate",
        })?
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::Pem {
            path: cert.to_owned(),
            what: "certificate",
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: cert.to_owned(),
            what: "certificate",
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|_| TlsError::Pem {
        path: key.to_owned(),
        what: "private key",
    })?;
    Ok(Identity { certs, key })
}

/// The lowest TLS version a listener accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMin {
    /// TLS 1.2 (ECDHE with AES-GCM or ChaCha20-Poly1305 only: rustls offers no other 1.2
    /// suites) and 1.3: for third-party devices, which often stop at 1.2.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

impl TlsMin {
    /// "1.2" or "1.3" (a "TLS" prefix and "v" are allowed).
    pub fn parse(text: &str) -> Option<TlsMin> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.trim_start_matches("tls").trim_start_matches('v').trim();
        match t {
            "1.2" => Some(TlsMin::Tls12),
            "1.3" => Some(TlsMin::Tls13),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TlsMin::Tls12 => "1.2",
            TlsMin::Tls13 => "1.3",
        }
    }

    /// The versions offered, newest first.
    pub fn versions(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static FROM_12: [&rustls::SupportedProtocolVersion; 2] =
            [&rustls::version::TLS13, &rustls::version::TLS12];
        static ONLY_13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            TlsMin::Tls12 => &FROM_12,
            TlsMin::Tls13 => &ONLY_13,
        }
    }
}

/// TLS from `min` up, ring as the one crypto provider.
pub fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    min: TlsMin,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(min.versions())?
    .with_no_client_auth()
    .with_single_cert(certs, key)?;
    let mut config = config;
    // Stateless session tickets (encrypted with rotating keys): a reconnecting device resumes
    // without a new key exchange and signature, and the server keeps nothing per device
    // (rustls's default stateful cache remembers only 256 sessions).
    config.ticketer = rustls::crypto::ring::Ticketer::new()?;
    Ok(Arc::new(config))
}

/// The SHA-256 (lower-case hex) of the certificate a client presented, if any.
pub fn peer_fingerprint(conn: &rustls::ServerConnection) -> Option<String> {
    use sha2::Digest as _;
    let cert = conn.peer_certificates()?.first()?;
    Some(hex::encode(sha2::Sha256::digest(cert.as_ref())))
}
