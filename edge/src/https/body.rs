//! What a handler needs to answer: the response body type and the common answers. Handlers
//! import this file, never the router.

use http::{HeaderValue, Method, Response, StatusCode, header};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;

/// Any response body: whole, streamed from a file, relayed from a device, or a gRPC-Web
/// answer (tonic's bodies are `Send` but not `Sync`, and hyper needs only `Send`).
pub type Body =
    http_body_util::combinators::UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// `bytes` as the whole body.
pub fn whole(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A response with no body.
pub fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Empty::new().map_err(|never| match never {}).boxed_unsync());
    *r.status_mut() = status;
    r
}

/// A short plain-text answer.
pub fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(whole(Bytes::from(body.into())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Sets header `name` to `value` when `value` is a valid header value (the values set this
/// way are built by the server; an invalid one is left out rather than failing the answer).
pub fn set_header(r: &mut Response<Body>, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// The 405 answer of a resource that is only read, or `None` when `method` is GET or HEAD.
pub fn only_get_or_head(method: &Method) -> Option<Response<Body>> {
    if method == Method::GET || method == Method::HEAD {
        return None;
    }
    let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    Some(r)
}

/// The answer to a path nobody serves.
pub fn not_found() -> Response<Body> {
    text(StatusCode::NOT_FOUND, "not found\n")
}
