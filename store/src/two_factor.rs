//! Two-factor login (RFC 6238 TOTP, the authenticator apps' SHA-1, 6 digits, 30 s) for
//! installers, sub-installers and property managers, without IO: the secret and its
//! otpauth:// URL, checking a code once (a step used is not accepted again), and the ten
//! single-use recovery codes, kept as SHA-256 hashes (each carries 80 random bits, so a
//! fast hash is enough).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::auth;
use crate::error::{Result, StoreError};

/// Seconds per code.
pub const STEP_SECS: u64 = 30;
/// Codes one step early or late still count (clocks of phones drift).
const SKEW_STEPS: u64 = 1;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;
const DIGITS: usize = 6;
/// What authenticator apps show as the account's issuer.
pub const ISSUER: &str = "Porter";

/// An account's second factor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactor {
    /// The TOTP secret, sealed (`secrets`); never returned after enrolment begins.
    pub secret_sealed: String,
    /// False between "set up" and the first code that confirms it: login does not ask
    /// for a code yet.
    pub confirmed: bool,
    /// SHA-256 (hex) of the recovery codes not used yet.
    pub recovery_hashes: Vec<String>,
    /// The last time step whose code was accepted: that code, and older ones, are spent.
    pub last_step: u64,
    pub confirmed_at_ms: i64,
}

impl TwoFactor {
    /// Whether login asks this account for a code.
    pub fn active(&self) -> bool {
        self.confirmed
    }
}

/// A new random secret (160 bits, as RFC 4226 recommends).
pub fn new_secret() -> Result<Vec<u8>> {
    Ok(auth::random_bytes::<20>()?.to_vec())
}

fn totp(secret: &[u8], account: &str) -> Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| StoreError::precondition(format!("the two-factor secret is unusable: {e}")))
}

/// The secret in base32 (for typing into an app) and its otpauth:// URL (for the QR code).
pub fn enrolment(secret: &[u8], account: &str) -> Result<(String, String)> {
    let t = totp(secret, account)?;
    Ok((
        Secret::Raw(secret.to_vec()).to_encoded().to_string(),
        t.get_url(),
    ))
}

/// The time step a `code` matches at `now_secs` (one step of skew either way), if it is
/// later than `last_step`: a code is good once.
pub fn check(secret: &[u8], code: &str, now_secs: u64, last_step: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "").ok()?;
    let now_step = now_secs / STEP_SECS;
    let mut matched = None;
    // Every candidate is computed and compared, so timing says nothing about which matched.
    for step in now_step.saturating_sub(SKEW_STEPS)..=now_step + SKEW_STEPS {
        let expected = t.generate(step * STEP_SECS);
        if auth::constant_time_eq(expected.as_bytes(), code.as_bytes()) && step > last_step {
            matched = Some(step);
        }
    }
    matched
}

/// Ten new recovery codes ("abcd-efgh-ijkm-npqr", 80 bits each) and their hashes.
pub fn new_recovery_codes() -> Result<(Vec<String>, Vec<String>)> {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let bytes = auth::random_bytes::<16>()?;
        let chars: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b % 32)]))
            .collect();
        let grouped = chars
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        codes.push(grouped);
    }
    let hashes = codes.iter().map(|c| recovery_hash(c)).collect();
    Ok((codes, hashes))
}

/// The stored form of a recovery code, as typed (case, spaces and dashes do not matter).
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Whether `code` looks like a recovery code rather than a TOTP code.
pub fn is_recovery_code(code: &str) -> bool {
    code.chars().filter(char::is_ascii_alphanumeric).count() == 16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 key, 8 digits, at each test time.
    #[test]
    fn rfc_6238_test_vectors() {
        let t = TOTP::new_unchecked(
            Algorithm::SHA1,
            8,
            1,
            30,
            b"12345678901234567890".to_vec(),
            None,
            String::new(),
        );
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(t.generate(time), code, "at {time}");
        }
        let sha256 = TOTP::new_unchecked(
            Algorithm::SHA256,
            8,
            1,
            30,
            b"12345678901234567890123456789012".to_vec(),
            None,
            String::new(),
        );
        assert_eq!(sha256.generate(59), "46119246");
        assert_eq!(sha256.generate(1_111_111_109), "68084774");
    }

    #[test]
    fn a_code_counts_once_and_within_one_step() {
        let secret = new_secret().unwrap();
        let now = 1_800_000_000;
        let t = totp(&secret, "ann").unwrap();
        let code = t.generate(now);
        let step = check(&secret, &code, now, 0).unwrap();
        assert_eq!(step, now / STEP_SECS);
        assert_eq!(check(&secret, &code, now, step), None, "replayed");
        let late = t.generate(now - STEP_SECS);
        assert!(check(&secret, &late, now, 0).is_some());
        let too_late = t.generate(now - 3 * STEP_SECS);
        assert_eq!(check(&secret, &too_late, now, 0), None);
        assert_eq!(check(&secret, "12345", now, 0), None);
        assert_eq!(check(&secret, "abcdef", now, 0), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_match_however_typed() {
        let (codes, hashes) = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = hashes.clone();
        unique.dedup();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let typed = codes[3].to_uppercase().replace('-', " ");
        assert_eq!(recovery_hash(&typed), hashes[3]);
        assert!(is_recovery_code(&typed));
        assert!(!is_recovery_code("123456"));
    }

    #[test]
    fn enrolment_names_the_issuer_and_account() {
        let secret = new_secret().unwrap();
        let (base32, url) = enrolment(&secret, "ann@example.com").unwrap();
        assert_eq!(base32.len(), 32);
        assert!(
            url.starts_with("otpauth://totp/Porter:ann%40example.com?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={base32}")), "{url}");
    }
}
