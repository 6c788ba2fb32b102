//! Bearer tokens on requests, and a bound on failed logins.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use porter_store::Actor;
use tonic::{Request, Status};

use crate::AdminApi;
use crate::error::status;

/// Failed-login throttling: after `max_failures` failures for one username within
/// `window`, further attempts are refused until the window passes.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub max_failures: u32,
    pub window: Duration,
    /// Usernames tracked at once (each entry costs ~100 bytes); past this the oldest go.
    pub max_tracked: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            max_failures: 5,
            window: Duration::from_secs(60),
            max_tracked: 10_000,
        }
    }
}

pub(crate) struct LoginLimiter {
    limits: LoginLimits,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        LoginLimiter {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn key(username: &str) -> String {
        username.trim().to_lowercase()
    }

    /// Refuses while the username is locked out.
    pub fn check(&self, username: &str) -> Result<(), Status> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((count, since)) = failures.get(&Self::key(username))
            && *count >= self.limits.max_failures
        {
            let left = self.limits.window.saturating_sub(since.elapsed());
            if !left.is_zero() {
                return Err(Status::resource_exhausted(format!(
                    "too many failed logins for this account; try again in {} s",
                    left.as_secs().max(1)
                )));
            }
        }
        Ok(())
    }

    pub fn failed(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.limits.window;
        if failures.len() >= self.limits.max_tracked {
            failures.retain(|_, (_, since)| since.elapsed() < window);
            if failures.len() >= self.limits.max_tracked
                && let Some(oldest) = failures
                    .iter()
                    .min_by_key(|(_, (_, since))| *since)
                    .map(|(k, _)| k.clone())
            {
                failures.remove(&oldest);
            }
        }
        let entry = failures
            .entry(Self::key(username))
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&Self::key(username));
    }
}

/// The bearer token of a request.
pub(crate) fn bearer<T>(req: &Request<T>) -> Result<&str, Status> {
    let value = req
        .metadata()
        .get("authorization")
        .ok_or_else(|| Status::unauthenticated("missing authorization: Bearer <token>"))?
        .to_str()
        .map_err(|_| Status::unauthenticated("the authorization header is not text"))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Status::unauthenticated("authorization must be: Bearer <token>"))
}

impl AdminApi {
    /// Who is calling; UNAUTHENTICATED without a live session. `TokenGuard` has usually
    /// found out already, before the body was decoded.
    pub(crate) fn actor<T>(&self, req: &Request<T>) -> Result<Actor, Status> {
        if let Some(actor) = req.extensions().get::<Actor>() {
            return Ok(actor.clone());
        }
        let token = bearer(req)?;
        self.store.authenticate(token).map_err(status)
    }
}

/// Checks the bearer token from the headers alone, before the request body is read or
/// decoded: a caller without a live session learns nothing about how its bytes would have
/// been taken, and costs no decoding. The caller found is handed on to the handler.
#[derive(Clone)]
pub(crate) struct TokenGuard {
    pub store: porter_store::Store,
}

impl tonic::service::Interceptor for TokenGuard {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        let actor = self.store.authenticate(bearer(&req)?).map_err(status)?;
        // An account the site requires a second factor of reaches AuthService only (not
        // behind this guard) until it has set one up.
        self.store.enforce_two_factor(&actor).map_err(status)?;
        req.extensions_mut().insert(actor);
        Ok(req)
    }
}
