//! `GET /autop/{MAC}.cfg` and `GET /autop/{MODEL}.cfg` on the HTTPS listener: a device's
//! AutoP file (`porter_provisioning::autop`), behind the device's own authentication
//! (`super::device_auth`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::{Bytes, Incoming};
use porter_edge::https::body::{Body, empty, only_get_or_head, text, whole};
use porter_edge::https::{Handler, Peer, Reply};
use porter_store::Store;
use porter_store::model::{Device, Id};

use super::device_auth::DeviceAuth;
use crate::autop::{self, AutopFile, DeviceSecrets, ServerEndpoints};
use crate::download;

pub const PREFIX: &str = "/autop/";

pub struct AutopFiles {
    pub store: Store,
    pub server: ServerEndpoints,
    pub auth: Arc<DeviceAuth>,
    /// The ETag each device was last sent or told about, so a change notice goes out once
    /// per new file.
    pub known: Mutex<HashMap<Id, String>>,
    /// Rendered files, current while the store's generation is unchanged and for at most
    /// `CACHE_FOR` (what depends on the clock, such as expired subscriptions).
    cache: Mutex<HashMap<Id, Cached>>,
}

/// A rendered file and the response body made of it.
#[derive(Clone)]
pub struct Rendered {
    pub file: Arc<AutopFile>,
    pub body: Bytes,
}

struct Cached {
    generation: u64,
    made: Instant,
    rendered: Rendered,
}

const CACHE_FOR: Duration = Duration::from_secs(30);

impl AutopFiles {
    pub fn new(store: Store, server: ServerEndpoints, auth: Arc<DeviceAuth>) -> Self {
        AutopFiles {
            store,
            server,
            auth,
            known: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The device's file as it would be served now; `None` when the device is gone or its
    /// secrets do not open.
    pub fn render_device(&self, device_id: Id) -> Option<Rendered> {
        let generation = self.store.generation();
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = cache.get(&device_id)
                && c.generation == generation
                && c.made.elapsed() < CACHE_FOR
            {
                return Some(c.rendered.clone());
            }
        }
        let file = self.render_now(device_id)?;
        let rendered = Rendered {
            body: Bytes::from(file.text.clone()),
            file: Arc::new(file),
        };
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(
            device_id,
            Cached {
                generation,
                made: Instant::now(),
                rendered: rendered.clone(),
            },
        );
        Some(rendered)
    }

    fn render_now(&self, device_id: Id) -> Option<AutopFile> {
        let (sip_sealed, credential_sealed) = self.store.read(|dir| {
            dir.device(device_id)
                .map(|d| (d.sip_password_sealed.clone(), d.credential_sealed.clone()))
        })?;
        let sealer = self.store.sealer();
        let secrets = match (sealer.open(&sip_sealed), sealer.open(&credential_sealed)) {
            (Ok(sip_password), Ok(credential)) => DeviceSecrets {
                sip_password,
                credential,
            },
            _ => {
                tracing::error!(device = device_id, "a device's secrets do not open");
                return None;
            }
        };
        let now_ms = self.store.now_ms();
        self.store.read(|dir| {
            dir.device(device_id)
                .map(|d| autop::render(dir, d, &secrets, &self.server, now_ms))
        })
    }

    /// Records `etag` as what the device was sent.
    pub fn note(&self, device_id: Id, etag: &str) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.insert(device_id, etag.to_owned());
    }

    /// Drops what is kept for devices that no longer exist (after deletions).
    pub fn forget_deleted(&self) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        self.store.read(|dir| {
            known.retain(|id, _| dir.device(*id).is_some());
            cache.retain(|id, _| dir.device(*id).is_some());
        });
    }

    /// Whether a device that fetched its file should be told that it is now `etag`; if
    /// so, `etag` is recorded, so it is told once. A device that has not fetched since the
    /// server started is not told: it fetches after connecting anyway.
    pub fn changed(&self, device_id: Id, etag: &str) -> bool {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        match known.get_mut(&device_id) {
            Some(k) if k != etag => {
                *k = etag.to_owned();
                true
            }
            _ => false,
        }
    }
}

/// What a path asks for.
enum Wanted {
    Device(String),
    Model(String),
}

fn wanted(name: &str) -> Option<Wanted> {
    if let Ok(mac) = porter_store::rules::mac("mac", name) {
        return Some(Wanted::Device(mac));
    }
    let model_ok = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    model_ok.then(|| Wanted::Model(name.to_ascii_uppercase()))
}

impl Handler for AutopFiles {
    /// Answers a request under `PREFIX`. On the client-certificate listener the peer's
    /// certificate stands for the device instead of Basic credentials.
    fn handle<'a>(&'a self, req: Request<Incoming>, peer: &'a Peer) -> Reply<'a> {
        let (parts, _body) = req.into_parts();
        Box::pin(async move { self.answer(&parts, peer).await })
    }
}

impl AutopFiles {
    async fn answer(&self, req: &Parts, peer: &Peer) -> Response<Body> {
        if let Some(refused) = only_get_or_head(&req.method) {
            return refused;
        }
        let head = req.method == Method::HEAD;
        let name = req.uri.path().strip_prefix(PREFIX).unwrap_or_default();
        let Some(wanted) = name.strip_suffix(".cfg").and_then(wanted) else {
            return text(StatusCode::NOT_FOUND, "not found\n");
        };
        let accept = |d: &Device| match &wanted {
            Wanted::Device(mac) => d.mac == *mac,
            Wanted::Model(_) => true,
        };
        let device = match self.auth.device(&self.store, &req.headers, peer, accept) {
            Ok(d) => d,
            Err(refused) => return refused.response(),
        };
        let per_device = matches!(wanted, Wanted::Device(_));
        let Rendered { file, body } = match wanted {
            Wanted::Model(model) => {
                let file = autop::render_common(&model, &self.server);
                Rendered {
                    body: Bytes::from(file.text.clone()),
                    file: Arc::new(file),
                }
            }
            Wanted::Device(_) => match self.render_device(device.id) {
                Some(f) => f,
                None => {
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "configuration unavailable\n",
                    );
                }
            },
        };
        let current = req
            .headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| download::if_none_match_hits(tags, &file.etag));
        let mut r = if current {
            empty(StatusCode::NOT_MODIFIED)
        } else {
            let len = body.len();
            let body = if head { Bytes::new() } else { body };
            let mut r = Response::new(whole(body));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
                r.headers_mut().insert(header::CONTENT_LENGTH, v);
            }
            r
        };
        if let Ok(v) = HeaderValue::from_str(&file.etag) {
            r.headers_mut().insert(header::ETAG, v);
        }
        // The file holds the device's passwords.
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if per_device {
            self.note(device.id, &file.etag);
        }
        let sent = !current && !head;
        if sent
            && !file.one_time.is_empty()
            && let Err(e) = self
                .store
                .one_time_autop_served(device.id, &file.one_time)
                .await
        {
            tracing::warn!(device = device.id, error = %e, "one-time AutoP stays pending");
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use porter_store::model::{Address, CommunitySettings, DeviceInput, FeaturePlan};
    use porter_store::{ManualClock, ScopeRequest};

    #[tokio::test]
    async fn a_deleted_device_leaves_nothing_behind() {
        let store = Store::in_memory(Arc::new(ManualClock::new(1_700_000_000_000)));
        store
            .bootstrap("admin", Some("password-1".into()))
            .await
            .expect("bootstrap");
        let token = store
            .login("admin", "password-1", 60_000)
            .await
            .expect("login")
            .token;
        let actor = store.authenticate(&token).expect("actor");
        let community = store
            .create_community(
                &actor,
                CommunitySettings {
                    name: Some("C".into()),
                    feature_plan: Some(FeaturePlan::Premium),
                    address: Some(Address {
                        country: "DE".into(),
                        ..Address::default()
                    }),
                    ..CommunitySettings::default()
                },
            )
            .await
            .expect("community")
            .community
            .id;
        store.add_mac(&actor, "0C1100000001").await.expect("mac");
        let device = store
            .create_device(
                &actor,
                ScopeRequest::Public {
                    community_id: community,
                    buildings: vec![],
                },
                DeviceInput {
                    device_type: Some(0),
                    mac: Some("0C1100000001".into()),
                    name: Some("Gate".into()),
                    ..DeviceInput::default()
                },
            )
            .await
            .expect("device")
            .device
            .id;
        let files = AutopFiles::new(
            store.clone(),
            ServerEndpoints {
                sip_host: "sip.example.net".into(),
                sip_port: 5060,
                sip_tls_port: 5061,
                gateway: "gw.example.net:8501".into(),
                https_base: "https://porter.example.net".into(),
            },
            Arc::default(),
        );
        let first = files.render_device(device).expect("rendered");
        files.note(device, &first.file.etag);
        let again = files.render_device(device).expect("cached");
        assert!(
            Arc::ptr_eq(&first.file, &again.file),
            "served from the cache"
        );
        files.forget_deleted();
        assert_eq!(files.known.lock().expect("known").len(), 1, "still there");
        store.delete_device(&actor, device).await.expect("delete");
        assert!(files.render_device(device).is_none());
        files.forget_deleted();
        assert!(files.known.lock().expect("known").is_empty());
        assert!(files.cache.lock().expect("cache").is_empty());
    }
}
