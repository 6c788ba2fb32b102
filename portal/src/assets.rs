//! The single-page app's files, built by Vite into web/dist and embedded at compile time.
//! Hashed files under `assets/` are cached for a year; `index.html` never (a new release
//! must reach the browser at its next load); every other path that names no file is one of
//! the app's own pages and gets `index.html`, so a reload or a bookmark works.

use std::collections::HashMap;
use std::io::Write;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use porter_edge::https::body::{self, Body};

#[derive(rust_embed::Embed)]
#[folder = "../web/dist/"]
struct Dist;

/// One file, ready to send.
struct Asset {
    body: Bytes,
    /// The same bytes gzipped, when that is smaller by enough to matter.
    gzip: Option<Bytes>,
    content_type: &'static str,
    etag: HeaderValue,
    cache: &'static str,
}

pub struct Assets {
    files: HashMap<String, Asset>,
}

const INDEX: &str = "index.html";
const HASHED: &str = "assets/";
const CACHE_HASHED: &str = "public, max-age=31536000, immutable";
const CACHE_NEVER: &str = "no-store";
const CACHE_REVALIDATE: &str = "no-cache";

impl Assets {
    /// Every embedded file, with its gzip form made once here.
    pub fn load() -> Self {
        let mut files = HashMap::new();
        for name in Dist::iter() {
            let Some(file) = Dist::get(&name) else {
                continue;
            };
            let body = Bytes::from(file.data.into_owned());
            let content_type = content_type(&name);
            let etag = HeaderValue::from_str(&format!(
                "\"{}\"",
                hex::encode(&file.metadata.sha256_hash()[..12])
            ))
            .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
            let cache = if name == INDEX {
                CACHE_NEVER
            } else if name.starts_with(HASHED) {
                CACHE_HASHED
            } else {
                CACHE_REVALIDATE
            };
            let gzip = compressible(content_type)
                .then(|| gzip(&body))
                .flatten()
                .filter(|z| z.len() + 256 < body.len());
            files.insert(
                name.into_owned(),
                Asset {
                    body,
                    gzip,
                    content_type,
                    etag,
                    cache,
                },
            );
        }
        Assets { files }
    }

    /// Whether the build holds the app at all (a checkout without web/dist would not).
    pub fn has_index(&self) -> bool {
        self.files.contains_key(INDEX)
    }

    /// The answer to a GET or HEAD of `req`'s path.
    pub fn answer<B>(&self, req: &Request<B>) -> Response<Body> {
        if let Some(refused) = body::only_get_or_head(req.method()) {
            return refused;
        }
        let path = req.uri().path().trim_start_matches('/');
        let asset = match self.files.get(path) {
            Some(a) if !path.is_empty() => a,
            // A file that is not there (an old hashed name, a typo) is a 404, not the app.
            _ if path.starts_with(HASHED) || last_segment_has_extension(path) => {
                return body::not_found();
            }
            _ => match self.files.get(INDEX) {
                Some(index) => index,
                None => return body::text(StatusCode::NOT_FOUND, "the portal is not built\n"),
            },
        };
        send(asset, req)
    }
}

fn send<B>(asset: &Asset, req: &Request<B>) -> Response<Body> {
    let headers = req.headers();
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == asset.etag))
    {
        let mut r = body::empty(StatusCode::NOT_MODIFIED);
        set_common(&mut r, asset);
        return r;
    }
    let wants_gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.trim().split(';');
            parts.next().is_some_and(|c| c.trim() == "gzip")
                && !parts.any(|p| p.trim().replace(' ', "") == "q=0")
        });
    let (bytes, gzipped) = match &asset.gzip {
        Some(z) if wants_gzip => (z.clone(), true),
        _ => (asset.body.clone(), false),
    };
    let length = bytes.len();
    let mut r = if req.method() == Method::HEAD {
        body::empty(StatusCode::OK)
    } else {
        Response::new(body::whole(bytes))
    };
    set_common(&mut r, asset);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if gzipped {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}

fn set_common(r: &mut Response<Body>, asset: &Asset) {
    let h = r.headers_mut();
    h.insert(header::ETAG, asset.etag.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(asset.cache));
    if asset.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

fn last_segment_has_extension(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|s| s.contains('.'))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type == "image/svg+xml"
}

fn gzip(data: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(assets: &Assets, path: &str) -> Response<Body> {
        let req = Request::get(path).body(()).expect("request");
        assets.answer(&req)
    }

    fn header(r: &Response<Body>, name: header::HeaderName) -> &str {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[test]
    fn pages_get_the_app_and_missing_files_get_404() {
        let assets = Assets::load();
        assert!(assets.has_index(), "web/dist must be built and embedded");
        for page in ["/", "/communities/7/edit", "/login"] {
            let r = get(&assets, page);
            assert_eq!(r.status(), StatusCode::OK, "{page}");
            assert_eq!(header(&r, header::CACHE_CONTROL), CACHE_NEVER, "{page}");
            assert!(header(&r, header::CONTENT_TYPE).starts_with("text/html"));
        }
        assert_eq!(
            get(&assets, "/assets/gone-1234.js").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(get(&assets, "/robots.txt").status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn hashed_files_are_cached_long_and_revalidate_by_etag() {
        let assets = Assets::load();
        let script = assets
            .files
            .keys()
            .find(|k| k.starts_with(HASHED) && k.ends_with(".js"))
            .expect("a built script")
            .clone();
        let r = get(&assets, &format!("/{script}"));
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, header::CACHE_CONTROL), CACHE_HASHED);
        let etag = header(&r, header::ETAG).to_owned();
        let again = Request::get(format!("/{script}"))
            .header(header::IF_NONE_MATCH, &etag)
            .body(())
            .expect("request");
        assert_eq!(assets.answer(&again).status(), StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn gzip_only_when_asked() {
        let assets = Assets::load();
        let asked = Request::get("/")
            .header(header::ACCEPT_ENCODING, "br, gzip;q=0.8")
            .body(())
            .expect("request");
        let refused = Request::get("/")
            .header(header::ACCEPT_ENCODING, "gzip;q=0")
            .body(())
            .expect("request");
        let index = &assets.files[INDEX];
        let expect_gzip = index.gzip.is_some();
        let r = assets.answer(&asked);
        assert_eq!(
            r.headers().contains_key(header::CONTENT_ENCODING),
            expect_gzip
        );
        assert!(
            !assets
                .answer(&refused)
                .headers()
                .contains_key(header::CONTENT_ENCODING)
        );
        let posted = Request::post("/").body(()).expect("request");
        assert_eq!(
            assets.answer(&posted).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
