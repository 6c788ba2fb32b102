//! A device's HTTPS client: one GET per connection with hyper over rustls, trusting the
//! CA the simulator was given; for AutoP files, firmware images, face photos, and the
//! upload of captured images.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;

#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    #[error("bad URL {0:?}")]
    Url(String),
    #[error("connecting: {0}")]
    Connect(#[from] std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("request: {0}")]
    Request(#[from] http::Error),
}

/// GET `url`; `extra` headers (name, value) go with it.
pub async fn get(
    tls: Arc<rustls::ClientConfig>,
    url: &str,
    extra: &[(header::HeaderName, String)],
) -> Result<http::Response<Incoming>, HttpsError> {
    send(tls, Method::GET, url, extra, Bytes::new()).await
}

/// POST `body` to `url`; the status and the answer as text.
pub async fn post(
    tls: Arc<rustls::ClientConfig>,
    url: &str,
    extra: &[(header::HeaderName, String)],
    body: Bytes,
) -> Result<(StatusCode, String), HttpsError> {
    let response = send(tls, Method::POST, url, extra, body).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

async fn send(
    tls: Arc<rustls::ClientConfig>,
    method: Method,
    url: &str,
    extra: &[(header::HeaderName, String)],
    body: Bytes,
) -> Result<http::Response<Incoming>, HttpsError> {
    let uri: http::Uri = url.parse().map_err(|_| HttpsError::Url(url.into()))?;
    if uri.scheme_str() != Some("https") {
        return Err(HttpsError::Url(url.into()));
    }
    let host = uri.host().ok_or_else(|| HttpsError::Url(url.into()))?;
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(443);
    let tcp = tokio::net::TcpStream::connect((bare.as_str(), port)).await?;
    let _ = tcp.set_nodelay(true);
    let name = ServerName::try_from(bare).map_err(|_| HttpsError::Url(url.into()))?;
    let stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_default();
    let mut request = Request::builder()
        .method(method)
        .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(header::HOST, authority);
    for (name, value) in extra {
        request = request.header(name, value);
    }
    Ok(sender.send_request(request.body(Full::new(body))?).await?)
}

/// The whole body as text (small answers such as AutoP files), with the status.
pub async fn get_text(
    tls: Arc<rustls::ClientConfig>,
    url: &str,
    extra: &[(header::HeaderName, String)],
) -> Result<(StatusCode, http::HeaderMap, String), HttpsError> {
    let response = get(tls, url, extra).await?;
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await?.to_bytes();
    Ok((
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

/// A TLS client configuration that checks every server's certificate, chained to `roots`,
/// for `name` rather than for the host it was reached by.
pub(crate) fn verifying_as(
    roots: Arc<rustls::RootCertStore>,
    name: ServerName<'static>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner =
        rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NamedServer { inner, name }))
        .with_no_client_auth())
}

/// Checks a server's certificate for one configured name.
#[derive(Debug)]
struct NamedServer {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl rustls::client::danger::ServerCertVerifier for NamedServer {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _reached_as: &ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
