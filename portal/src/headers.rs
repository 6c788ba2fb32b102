//! Headers every portal answer carries. The portal is an origin of its own so that a
//! device's web page (served through remote control on the device HTTPS listener) can
//! never read the installer's token or call the admin API; these headers keep the
//! portal's own pages from being framed, sniffed or fed inline script.

use http::{HeaderName, HeaderValue, Response, header};
use porter_edge::https::body::Body;

/// Only our own script, styles and API; no inline script, no framing, no plugins.
/// `data:` images: the portal draws icons with CSS, a few as data URLs; `blob:` images:
/// photos and captured images arrive through the API and are shown from object URLs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const FIXED: [(HeaderName, &str); 7] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (
        header::STRICT_TRANSPORT_SECURITY,
        "max-age=31536000; includeSubDomains",
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    ),
];

/// Adds the portal's security headers to `response`.
pub fn secure(response: &mut Response<Body>) {
    let headers = response.headers_mut();
    for (name, value) in FIXED {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
}
