//! HTTP digest authentication for SIP (RFC 3261 §22, RFC 7616's algorithms as RFC 8760
//! brings them to SIP): challenges with MD5 and SHA-256, stateless nonces that expire, and
//! the check of a client's credentials.
//!
//! A nonce is `time.random.mac`: the server can tell its own fresh nonces from forged or
//! expired ones without keeping any state per challenge. An expired one that was otherwise
//! right gets `stale=true`, so the client retries with the same password silently.

use std::fmt::Write as _;

use md5::Md5;
use porter_store::auth::constant_time_eq;
use sha2::{Digest as _, Sha256};

use crate::message::grammar::{split_params, unquote};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    pub fn parse(s: &str) -> Option<Algorithm> {
        if s.eq_ignore_ascii_case("MD5") {
            Some(Algorithm::Md5)
        } else if s.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else {
            None
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
        }
    }
}

/// The parsed `Authorization: Digest …` of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Option<String>,
    pub cnonce: Option<String>,
    pub qop: Option<String>,
    pub nc: Option<String>,
}

impl Credentials {
    /// Parses the value of an Authorization (or Proxy-Authorization) header.
    pub fn parse(value: &str) -> Result<Credentials, String> {
        let value = value.trim();
        let rest = match value.split_once([' ', '\t']) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("Digest") => rest,
            _ => return Err("only the Digest scheme is supported".into()),
        };
        let mut c = Credentials::default();
        for (k, v) in split_params(rest)? {
            let v = unquote(v);
            match k.to_ascii_lowercase().as_str() {
                "username" => c.username = v,
                "realm" => c.realm = v,
                "nonce" => c.nonce = v,
                "uri" => c.uri = v,
                "response" => c.response = v.to_ascii_lowercase(),
                "algorithm" => c.algorithm = Some(v),
                "cnonce" => c.cnonce = Some(v),
                "qop" => c.qop = Some(v),
                "nc" => c.nc = Some(v),
                _ => {}
            }
        }
        for (name, v) in [
            ("username", &c.username),
            ("nonce", &c.nonce),
            ("uri", &c.uri),
            ("response", &c.response),
        ] {
            if v.is_empty() {
                return Err(format!("digest {name} is missing"));
            }
        }
        Ok(c)
    }
}

/// Seconds a nonce stays good. Long enough for a slow client's retry, short enough that a
/// captured response is soon useless.
pub const DEFAULT_NONCE_TTL_SECS: u64 = 300;

/// What checking credentials found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Right password on a nonce that has expired: challenge again with `stale=true`.
    Stale,
    /// Wrong password, a nonce we never issued, or credentials for another realm.
    Denied(&'static str),
}

/// Issues and checks nonces and responses for one realm.
pub struct DigestAuth {
    realm: String,
    secret: [u8; 32],
    ttl_secs: u64,
    /// Offered in this order, one WWW-Authenticate header each.
    algorithms: Vec<Algorithm>,
    /// Nonces issued, counted from a random start.
    issued: std::sync::atomic::AtomicU64,
}

impl DigestAuth {
    pub fn new(realm: &str, algorithms: Vec<Algorithm>, ttl_secs: u64) -> DigestAuth {
        let mut secret = [0u8; 32];
        // Without randomness the nonces would be forgeable: refuse to run rather than do that.
        getrandom::fill(&mut secret).expect("the OS random source is unavailable");
        let mut start = [0u8; 8];
        getrandom::fill(&mut start).expect("the OS random source is unavailable");
        DigestAuth {
            issued: std::sync::atomic::AtomicU64::new(u64::from_le_bytes(start)),
            realm: realm.to_owned(),
            secret,
            ttl_secs,
            algorithms,
        }
    }

    pub fn realm(&self) -> &str {
        &self.realm
    }

    fn mac(&self, time: &str, random: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.secret);
        h.update(time.as_bytes());
        h.update(b".");
        h.update(random.as_bytes());
        hex::encode(&h.finalize()[..16])
    }

    pub fn nonce(&self, now_secs: u64) -> String {
        // Unique is what a nonce's middle needs (the MAC makes it unforgeable): a counter
        // from a random start, not a system call for randomness on every challenge.
        let n = self
            .issued
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (time, random) = (format!("{now_secs:x}"), format!("{n:016x}"));
        let mac = self.mac(&time, &random);
        format!("{time}.{random}.{mac}")
    }

    /// The WWW-Authenticate values for a 401, one per algorithm.
    pub fn challenges(&self, now_secs: u64, stale: bool) -> Vec<String> {
        let nonce = self.nonce(now_secs);
        self.algorithms
            .iter()
            .map(|a| {
                let mut v = format!(
                    "Digest realm=\"{}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"",
                    self.realm,
                    a.name()
                );
                if stale {
                    v.push_str(", stale=true");
                }
                v
            })
            .collect()
    }

    /// Whether the nonce is ours: Some(true) fresh, Some(false) expired, None forged.
    fn nonce_fresh(&self, nonce: &str, now_secs: u64) -> Option<bool> {
        let mut parts = nonce.split('.');
        let (time, random, mac) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || !constant_time_eq(self.mac(time, random).as_bytes(), mac.as_bytes())
        {
            return None;
        }
        let issued = u64::from_str_radix(time, 16).ok()?;
        Some(now_secs.saturating_sub(issued) <= self.ttl_secs && issued <= now_secs + 5)
    }

    /// Checks `c` for a request with `method`, against the account's password.
    pub fn verify(&self, c: &Credentials, method: &str, password: &str, now_secs: u64) -> Verdict {
        if c.realm != self.realm {
            return Verdict::Denied("wrong realm");
        }
        let algorithm = match c.algorithm.as_deref() {
            None => Algorithm::Md5,
            Some(a) => match Algorithm::parse(a) {
                Some(a) if self.algorithms.contains(&a) => a,
                _ => return Verdict::Denied("algorithm not offered"),
            },
        };
        let Some(fresh) = self.nonce_fresh(&c.nonce, now_secs) else {
            return Verdict::Denied("unknown nonce");
        };
        let expected = response(algorithm, c, method, password);
        if !constant_time_eq(expected.as_bytes(), c.response.as_bytes()) {
            return Verdict::Denied("wrong response");
        }
        if fresh { Verdict::Ok } else { Verdict::Stale }
    }
}

/// The `response` value a client with `password` computes (RFC 7616 §3.4.1, qop auth or none).
pub fn response(algorithm: Algorithm, c: &Credentials, method: &str, password: &str) -> String {
    let ha1 = algorithm.hash(&format!("{}:{}:{password}", c.username, c.realm));
    let ha2 = algorithm.hash(&format!("{method}:{}", c.uri));
    let mut data = String::with_capacity(200);
    match (c.qop.as_deref(), &c.nc, &c.cnonce) {
        (Some(qop), Some(nc), Some(cnonce)) => {
            let _ = write!(data, "{ha1}:{}:{nc}:{cnonce}:{qop}:{ha2}", c.nonce);
        }
        _ => {
            let _ = write!(data, "{ha1}:{}:{ha2}", c.nonce);
        }
    }
    algorithm.hash(&data)
}

/// A server's challenge (WWW-Authenticate or Proxy-Authenticate), for Porter as a client:
/// the landline trunk may ask the proxy to authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub algorithm: Algorithm,
    /// The server offers qop "auth" (then the answer carries nc and cnonce).
    pub qop_auth: bool,
    pub opaque: Option<String>,
}

impl Challenge {
    /// Parses a Digest challenge; an algorithm Porter does not know is an error.
    pub fn parse(value: &str) -> Result<Challenge, String> {
        let value = value.trim();
        let rest = match value.split_once([' ', '\t']) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("Digest") => rest,
            _ => return Err("only the Digest scheme is supported".into()),
        };
        let (mut realm, mut nonce, mut algorithm) = (None, None, Algorithm::Md5);
        let (mut qop_auth, mut opaque) = (false, None);
        for (k, v) in split_params(rest)? {
            let v = unquote(v);
            match k.to_ascii_lowercase().as_str() {
                "realm" => realm = Some(v),
                "nonce" => nonce = Some(v),
                "algorithm" => {
                    algorithm = Algorithm::parse(&v)
                        .ok_or_else(|| format!("digest algorithm {v:?} is not supported"))?;
                }
                "qop" => qop_auth = v.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth")),
                "opaque" => opaque = Some(v),
                _ => {}
            }
        }
        Ok(Challenge {
            realm: realm.ok_or("digest realm is missing")?,
            nonce: nonce.ok_or("digest nonce is missing")?,
            algorithm,
            qop_auth,
            opaque,
        })
    }

    /// The Authorization (or Proxy-Authorization) value answering this challenge for
    /// `method` on `uri`; `cnonce` is the client's random value.
    pub fn answer(
        &self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> String {
        let c = Credentials {
            username: username.to_owned(),
            realm: self.realm.clone(),
            nonce: self.nonce.clone(),
            uri: uri.to_owned(),
            qop: self.qop_auth.then(|| "auth".to_owned()),
            nc: self.qop_auth.then(|| "00000001".to_owned()),
            cnonce: self.qop_auth.then(|| cnonce.to_owned()),
            ..Credentials::default()
        };
        let mut v = format!(
            "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{}\", algorithm={}",
            self.realm,
            self.nonce,
            response(self.algorithm, &c, method, password),
            self.algorithm.name()
        );
        if self.qop_auth {
            let _ = write!(v, ", qop=auth, nc=00000001, cnonce=\"{cnonce}\"");
        }
        if let Some(o) = &self.opaque {
            let _ = write!(v, ", opaque=\"{o}\"");
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 §3.5's worked example (an HTTP one: the arithmetic is the same).
    #[test]
    fn rfc2617_example_response() {
        let c = Credentials {
            username: "Mufasa".into(),
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            uri: "/dir/index.html".into(),
            qop: Some("auth".into()),
            nc: Some("00000001".into()),
            cnonce: Some("0a4f113b".into()),
            ..Credentials::default()
        };
        assert_eq!(
            response(Algorithm::Md5, &c, "GET", "Circle Of Life"),
            "6629fae49393a05397450978507c4ef1"
        );
    }

    fn client(auth: &DigestAuth, algorithm: Algorithm, password: &str, now: u64) -> Credentials {
        let mut c = Credentials {
            username: "1001".into(),
            realm: auth.realm().into(),
            nonce: auth.nonce(now),
            uri: "sip:porter.example.com".into(),
            algorithm: Some(algorithm.name().into()),
            qop: Some("auth".into()),
            nc: Some("00000001".into()),
            cnonce: Some("abc".into()),
            ..Credentials::default()
        };
        c.response = response(algorithm, &c, "REGISTER", password);
        c
    }

    #[test]
    fn md5_and_sha256_verify_and_nonces_expire() {
        let auth = DigestAuth::new("porter", vec![Algorithm::Md5, Algorithm::Sha256], 300);
        for a in [Algorithm::Md5, Algorithm::Sha256] {
            let c = client(&auth, a, "pw", 1000);
            assert_eq!(auth.verify(&c, "REGISTER", "pw", 1000), Verdict::Ok);
            assert_eq!(
                auth.verify(&c, "REGISTER", "other", 1000),
                Verdict::Denied("wrong response")
            );
            assert_eq!(
                auth.verify(&c, "INVITE", "pw", 1000),
                Verdict::Denied("wrong response")
            );
            assert_eq!(auth.verify(&c, "REGISTER", "pw", 1301), Verdict::Stale);
        }
        let mut forged = client(&auth, Algorithm::Md5, "pw", 1000);
        forged.nonce = format!("{:x}.00.00", 1000);
        forged.response = response(Algorithm::Md5, &forged, "REGISTER", "pw");
        assert_eq!(
            auth.verify(&forged, "REGISTER", "pw", 1000),
            Verdict::Denied("unknown nonce")
        );
        let other_server = DigestAuth::new("porter", vec![Algorithm::Md5], 300);
        let c = client(&other_server, Algorithm::Md5, "pw", 1000);
        assert_eq!(
            auth.verify(&c, "REGISTER", "pw", 1000),
            Verdict::Denied("unknown nonce")
        );
    }

    #[test]
    fn algorithms_not_offered_are_refused() {
        let auth = DigestAuth::new("porter", vec![Algorithm::Sha256], 300);
        let c = client(&auth, Algorithm::Md5, "pw", 10);
        assert_eq!(
            auth.verify(&c, "REGISTER", "pw", 10),
            Verdict::Denied("algorithm not offered")
        );
        assert_eq!(auth.challenges(10, true).len(), 1);
        assert!(auth.challenges(10, true)[0].contains("algorithm=SHA-256"));
        assert!(auth.challenges(10, true)[0].ends_with("stale=true"));
    }

    #[test]
    fn credentials_parse() {
        let c = Credentials::parse(r#"Digest username="1001", realm="porter", nonce="n", uri="sip:x", response="ABC", algorithm=MD5, cnonce="0a", qop=auth, nc=00000001"#)
            .expect("parse");
        assert_eq!(
            (c.username.as_str(), c.response.as_str(), c.qop.as_deref()),
            ("1001", "abc", Some("auth"))
        );
        assert!(Credentials::parse("Basic dXNlcjpwYXNz").is_err());
        assert!(Credentials::parse(r#"Digest username="1001""#).is_err());
        assert!(Credentials::parse(r#"Digest username="1001, realm=x"#).is_err());
    }

    #[test]
    fn porter_answers_a_challenge_as_a_client() {
        let auth = DigestAuth::new("trunk", vec![Algorithm::Sha256, Algorithm::Md5], 300);
        for header in auth.challenges(1000, false) {
            let challenge = Challenge::parse(&header).expect("challenge");
            let value = challenge.answer("porter", "s3cret", "INVITE", "sip:5551234@trunk", "c1");
            let creds = Credentials::parse(&value).expect("credentials");
            assert_eq!(
                auth.verify(&creds, "INVITE", "s3cret", 1000),
                Verdict::Ok,
                "{header}"
            );
            assert_ne!(auth.verify(&creds, "INVITE", "wrong", 1000), Verdict::Ok);
        }
        assert!(Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5").is_err());
        assert!(Challenge::parse("Basic realm=\"r\"").is_err());
    }
}
