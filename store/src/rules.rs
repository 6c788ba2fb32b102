//! Every input rule of the manual, in one place. Model constructors call these; nothing
//! else validates. Each returns the normalised value or an `Invalid` error naming the field
//! and the rule.

use crate::error::{Result, StoreError};

/// Community and building names.
pub const MAX_NAME_LEN: usize = 128;
/// First and last names of residents and family members ("not more than 64 characters").
pub const MAX_PERSON_NAME_LEN: usize = 64;
/// Digits in an APT number ("1-6 digit integral number(s) and '#'").
pub const MAX_APT_DIGITS: usize = 6;
pub const MAX_APT_NAME_LEN: usize = 64;
pub const MAX_FLOOR: u32 = 128;
pub const MAX_WEB_RELAY_ID: u32 = 99;
pub const MAX_CALL_TYPE: u32 = 5;
pub const MAX_LANDLINES: usize = 3;
pub const MAX_APARTMENTS_PER_COMMUNITY: u32 = 100_000;
pub const MAX_FAMILY_MEMBERS: usize = 32;
pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 128;
const MAX_EMAIL_LEN: usize = 254;
const MAX_FREE_TEXT_LEN: usize = 256;

/// A required name: trimmed, non-empty, at most `max` characters, no control characters.
/// Characters of an input value an error message quotes; the rest is counted, not echoed.
pub const QUOTE_PREFIX_CHARS: usize = 40;

/// An input value as an error message quotes it: escaped, and cut to its first
/// `QUOTE_PREFIX_CHARS` characters, so a 10,000-character value neither bloats the answer
/// nor pushes it past the size a gRPC status may carry.
pub fn quote(value: &str) -> String {
    let total = value.chars().count();
    if total <= QUOTE_PREFIX_CHARS {
        return format!("{value:?}");
    }
    let prefix: String = value.chars().take(QUOTE_PREFIX_CHARS).collect();
    format!("{prefix:?}… ({total} characters)")
}

pub fn required_name(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(StoreError::invalid(field, "is required"));
    }
    bounded_text(field, v, max)
}

/// Optional free text (may be empty): trimmed, bounded, no control characters.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String> {
    bounded_text(field, value.trim(), max)
}

/// Optional text of several lines (a version log): trimmed, bounded, line breaks (stored
/// as `\n`) and tabs kept, other control characters refused.
pub fn multiline_text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim().replace("\r\n", "\n");
    let len = v.chars().count();
    if len > max {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(StoreError::invalid(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(v)
}

/// Street, city, company and similar optional text fields.
pub fn free_text(field: &str, value: &str) -> Result<String> {
    optional_text(field, value, MAX_FREE_TEXT_LEN)
}

fn bounded_text(field: &str, v: &str, max: usize) -> Result<String> {
    let len = v.chars().count();
    if len > max {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(StoreError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(v.to_owned())
}

/// APT number: digits with '#' as a separator (`2#123`), 1 to 6 digits in all. A leading '#'
/// is refused by the manual (door phones in APT#+PIN mode would misread it); a trailing or
/// doubled '#' is refused for the same reason.
pub fn apt_number(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(StoreError::invalid(field, "is required"));
    }
    if let Some(bad) = v.chars().find(|c| !c.is_ascii_digit() && *c != '#') {
        return Err(StoreError::invalid(
            field,
            format!("may contain only digits and '#' (found {bad:?})"),
        ));
    }
    if v.starts_with('#') {
        return Err(StoreError::invalid(
            field,
            "must not start with '#' (door phones in APT#+PIN mode could not tell it from a PIN)",
        ));
    }
    if v.ends_with('#') || v.contains("##") {
        return Err(StoreError::invalid(
            field,
            "'#' separates digit groups: it cannot end the number or be doubled",
        ));
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if digits > MAX_APT_DIGITS {
        return Err(StoreError::invalid(
            field,
            format!("must have 1 to {MAX_APT_DIGITS} digits (got {digits})"),
        ));
    }
    Ok(v.to_owned())
}

/// Post code: letters A-Z, a-z and digits 0-9 only (may be empty).
pub fn post_code(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(StoreError::invalid(
            field,
            "may contain only letters A-Z, a-z and digits 0-9",
        ));
    }
    if v.len() > 16 {
        return Err(StoreError::invalid(field, "must be at most 16 characters"));
    }
    Ok(v.to_owned())
}

/// An IANA time zone name such as `Europe/Berlin`.
pub fn time_zone(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    match v.parse::<chrono_tz::Tz>() {
        Ok(tz) => Ok(tz.name().to_owned()),
        Err(_) => Err(StoreError::invalid(
            field,
            format!(
                "{} is not an IANA time zone name (e.g. Europe/Berlin)",
                quote(v)
            ),
        )),
    }
}

/// Optional email address; returned as entered (trimmed). Uniqueness compares `email_key`.
pub fn optional_email(field: &str, value: &str) -> Result<Option<String>> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    email(field, v).map(Some)
}

/// A required email address.
pub fn email(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let bad = || StoreError::invalid(field, format!("{} is not an email address", quote(v)));
    if v.is_empty() {
        return Err(StoreError::invalid(field, "is required"));
    }
    if v.len() > MAX_EMAIL_LEN {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {MAX_EMAIL_LEN} characters"),
        ));
    }
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty()
        || !domain_ok
        || v.chars().any(|c| c.is_whitespace() || c.is_control())
        || local.contains('@')
    {
        return Err(bad());
    }
    Ok(v.to_owned())
}

/// The key email uniqueness is decided on.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A phone number: optional leading '+', then 3 to 20 digits; spaces, dashes, dots and
/// parentheses are dropped. Empty means none.
pub fn phone(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    let (plus, rest) = match v.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", v),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            other => {
                return Err(StoreError::invalid(
                    field,
                    format!(
                        "may contain only digits, '+' first, spaces and dashes (found {other:?})"
                    ),
                ));
            }
        }
    }
    if !(3..=20).contains(&digits.len()) {
        return Err(StoreError::invalid(field, "must have 3 to 20 digits"));
    }
    Ok(format!("{plus}{digits}"))
}

/// A country/region calling code: `+49`, `49` or `+1-684`; stored as `+49`. Empty means none.
pub fn calling_code(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    let digits: String = v
        .trim_start_matches('+')
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(StoreError::invalid(
            field,
            format!(
                "{} is not a calling code (1 to 4 digits, e.g. +49)",
                quote(v)
            ),
        ));
    }
    Ok(format!("+{digits}"))
}

/// Up to three landline numbers.
pub fn landlines(field: &str, values: &[String]) -> Result<Vec<String>> {
    if values.len() > MAX_LANDLINES {
        return Err(StoreError::invalid(
            field,
            format!("at most {MAX_LANDLINES} landline numbers"),
        ));
    }
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let n = phone(&format!("{field}[{i}]"), v)?;
        if !n.is_empty() {
            out.push(n);
        }
    }
    Ok(out)
}

/// A floor: 1 to 128 (0 means not set).
pub fn floor(field: &str, value: u32) -> Result<u32> {
    if value > MAX_FLOOR {
        return Err(StoreError::invalid(
            field,
            format!("must be 1 to {MAX_FLOOR} (0 for none)"),
        ));
    }
    Ok(value)
}

/// Accessible floors: each 1 to 128, kept sorted without duplicates.
pub fn floors(field: &str, values: &[u32]) -> Result<Vec<u32>> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        if *v == 0 || *v > MAX_FLOOR {
            return Err(StoreError::invalid(
                field,
                format!("each floor must be 1 to {MAX_FLOOR} (got {v})"),
            ));
        }
        out.push(*v);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

pub fn web_relay_id(field: &str, value: u32) -> Result<u32> {
    if value > MAX_WEB_RELAY_ID {
        return Err(StoreError::invalid(
            field,
            format!("must be 0 to {MAX_WEB_RELAY_ID}"),
        ));
    }
    Ok(value)
}

/// Call type code 0-5 (the manual's Call Type Code table).
pub fn call_type(field: &str, value: u32) -> Result<u8> {
    if value > MAX_CALL_TYPE {
        return Err(StoreError::invalid(
            field,
            "must be 0 to 5 (0 SmartPlus and indoor monitors, 1 phone and indoor monitors, \
             2 SmartPlus and indoor monitors with phone as backup, 3 indoor monitors with \
             SmartPlus as backup, 4 indoor monitors with phone as backup, 5 indoor monitors \
             with SmartPlus as backup, finally phone)",
        ));
    }
    Ok(value as u8)
}

/// Number of apartments of a community.
pub fn apartment_count(field: &str, value: u32) -> Result<u32> {
    if value == 0 || value > MAX_APARTMENTS_PER_COMMUNITY {
        return Err(StoreError::invalid(
            field,
            format!("must be 1 to {MAX_APARTMENTS_PER_COMMUNITY}"),
        ));
    }
    Ok(value)
}

/// A MAC address: 12 hex digits, separators ':', '-', '.' or spaces allowed; stored as
/// `0C11050B9814`.
pub fn mac(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let hex: String = v
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StoreError::invalid(
            field,
            format!(
                "{} is not a MAC address (12 hex digits, e.g. 0C11050B9814 or 0c:11:05:0b:98:14)",
                quote(v)
            ),
        ));
    }
    Ok(hex.to_ascii_uppercase())
}

/// An RTSP address, `rtsp://host:port[/path]`: host a name or an IP address (IPv6 in
/// brackets), port 1-65535. Credentials belong in the username and password fields, not
/// in the URL.
pub fn rtsp_url(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let bad = |why: &str| {
        StoreError::invalid(
            field,
            format!(
                "{} {why} (rtsp://ip:port or rtsp://domain:port, path optional)",
                quote(v)
            ),
        )
    };
    if v.len() > 512 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("is too long or has spaces"));
    }
    let rest = match v.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("rtsp://") => &v[7..],
        _ => return Err(bad("does not start with rtsp://")),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(bad(
            "has credentials in it; put them in the username and password fields",
        ));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (h, p) = inner.split_once("]:").ok_or_else(|| bad("needs a port"))?;
        h.parse::<std::net::Ipv6Addr>()
            .map_err(|_| bad("has a bad IPv6 address"))?;
        (h, p)
    } else {
        authority
            .rsplit_once(':')
            .ok_or_else(|| bad("needs a port"))?
    };
    let host_ok = !host.is_empty()
        && (host.parse::<std::net::IpAddr>().is_ok()
            || host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            }));
    if !host_ok {
        return Err(bad("has no valid host name or IP address"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => {}
        _ => return Err(bad("needs a port from 1 to 65535")),
    }
    Ok(format!("rtsp://{authority}{path}"))
}

/// Login names: 3 to 64 characters of letters, digits and `._-@`.
pub fn username(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let len = v.chars().count();
    if !(3..=64).contains(&len) {
        return Err(StoreError::invalid(field, "must be 3 to 64 characters"));
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(StoreError::invalid(
            field,
            "may contain only letters, digits and . _ - @",
        ));
    }
    Ok(v.to_owned())
}

/// Passwords: 8 to 128 characters. Never logged or echoed.
pub fn password(field: &str, value: &str) -> Result<()> {
    let len = value.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        return Err(StoreError::invalid(
            field,
            format!("must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_numbers() {
        for ok in ["1", "101", "2#123", "123456", "1#2#3", "12#3456"] {
            assert_eq!(apt_number("apt", ok).unwrap(), ok, "{ok}");
        }
        for bad in [
            "", "#2#123", "1234567", "12#34567", "2#", "2##3", "12a", "-1", "1 2", "#",
        ] {
            let err = apt_number("apt_number", bad).unwrap_err();
            assert_eq!(err.field(), Some("apt_number"), "{bad}");
        }
    }

    #[test]
    fn post_codes() {
        assert_eq!(post_code("p", " AB12cd ").unwrap(), "AB12cd");
        assert_eq!(post_code("p", "").unwrap(), "");
        for bad in ["12-345", "12 345", "ÄB1", "abc!"] {
            assert!(post_code("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert!(required_name("n", &"x".repeat(128), MAX_NAME_LEN).is_ok());
        assert!(required_name("n", &"x".repeat(129), MAX_NAME_LEN).is_err());
        assert!(required_name("n", "   ", MAX_NAME_LEN).is_err());
        // characters, not bytes
        assert!(required_name("n", &"ü".repeat(64), MAX_PERSON_NAME_LEN).is_ok());
        assert!(required_name("n", "a\u{7}b", 10).is_err());
    }

    #[test]
    fn emails() {
        assert!(email("e", "a@b.co").is_ok());
        for bad in [
            "a", "a@b", "@b.co", "a@.co", "a b@c.de", "a@b..c", "a@b@c.de",
        ] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
        assert_eq!(email_key(" A@B.Co "), "a@b.co");
    }

    #[test]
    fn phones_and_codes() {
        assert_eq!(phone("m", "+49 (30) 123-456").unwrap(), "+4930123456");
        assert_eq!(phone("m", "").unwrap(), "");
        assert!(phone("m", "12").is_err());
        assert!(phone("m", "12x45").is_err());
        assert_eq!(calling_code("c", "49").unwrap(), "+49");
        assert_eq!(calling_code("c", "+1-684").unwrap(), "+1684");
        assert!(calling_code("c", "+12345").is_err());
        assert!(landlines("l", &["1".into(), "2".into(), "3".into(), "4".into()]).is_err());
    }

    #[test]
    fn macs() {
        for ok in [
            "0C11050B9814",
            "0c:11:05:0b:98:14",
            "0C-11-05-0B-98-14",
            "0c11.050b.9814",
        ] {
            assert_eq!(mac("mac", ok).unwrap(), "0C11050B9814", "{ok}");
        }
        for bad in [
            "",
            "0C11050B981",
            "0C11050B98145",
            "0G11050B9814",
            "0C_11_05_0B_98_14",
        ] {
            assert_eq!(mac("mac", bad).unwrap_err().field(), Some("mac"), "{bad}");
        }
    }

    #[test]
    fn rtsp_urls() {
        for ok in [
            "rtsp://192.168.1.10:554",
            "RTSP://cam.example.com:8554/stream1",
            "rtsp://[fe80::1]:554/live",
            "rtsp://cam-1:554/a/b?x=1",
        ] {
            assert!(rtsp_url("u", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://1.2.3.4:554",
            "rtsp://1.2.3.4",
            "rtsp://1.2.3.4:0",
            "rtsp://1.2.3.4:70000",
            "rtsp://user:pw@1.2.3.4:554",
            "rtsp://:554",
            "rtsp://bad_host:554",
            "rtsp://a b:554",
        ] {
            assert!(rtsp_url("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn zones_and_codes() {
        assert_eq!(time_zone("tz", "Europe/Berlin").unwrap(), "Europe/Berlin");
        assert!(time_zone("tz", "Mars/Olympus").is_err());
        assert!(call_type("c", 5).is_ok());
        assert!(call_type("c", 6).is_err());
        assert!(floor("f", 129).is_err());
        assert_eq!(floors("f", &[3, 1, 3]).unwrap(), vec![1, 3]);
        assert!(floors("f", &[0]).is_err());
    }
}
