//! SIP and SIPS URIs (RFC 3261 §19.1), and tel URIs (RFC 3966) as far as a From or To of a
//! landline call needs them.
//!
//! Parts are kept as written (escaped), so a forwarded URI is the URI that arrived;
//! comparisons use [`Uri::user_unescaped`] and the parameter helpers.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::addr::Params;
use super::error::ParseError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Sip,
    Sips,
    Tel,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Host {
    pub fn parse(s: &str) -> Result<Host, String> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or("unclosed [ in host")?;
            return inner
                .parse()
                .map(Host::V6)
                .map_err(|_| format!("bad IPv6 address {inner:?}"));
        }
        if s.is_empty() {
            return Err("empty host".into());
        }
        if let Ok(v4) = s.parse::<Ipv4Addr>() {
            return Ok(Host::V4(v4));
        }
        let ok = s
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_');
        if !ok || s.starts_with('.') || s.starts_with('-') {
            return Err(format!("bad host name {s:?}"));
        }
        Ok(Host::Name(s.to_ascii_lowercase()))
    }

    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Name(_) => None,
            Host::V4(a) => Some(IpAddr::V4(*a)),
            Host::V6(a) => Some(IpAddr::V6(*a)),
        }
    }
}

impl From<IpAddr> for Host {
    fn from(ip: IpAddr) -> Host {
        match ip {
            IpAddr::V4(a) => Host::V4(a),
            IpAddr::V6(a) => Host::V6(a),
        }
    }
}

impl Host {
    /// Appends the host as printed (`Display`), without the formatting machinery for the
    /// common names and IPv4 addresses: transaction keys and Vias print one per message.
    pub fn push_to(&self, out: &mut String) {
        match self {
            Host::Name(n) => out.push_str(n),
            Host::V4(a) => {
                for (i, octet) in a.octets().into_iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    if octet >= 100 {
                        out.push(char::from(b'0' + octet / 100));
                    }
                    if octet >= 10 {
                        out.push(char::from(b'0' + octet / 10 % 10));
                    }
                    out.push(char::from(b'0' + octet % 10));
                }
            }
            Host::V6(a) => {
                use fmt::Write as _;
                // Writing into a String cannot fail.
                let _ = write!(out, "[{a}]");
            }
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uri {
    pub scheme: Scheme,
    /// The user part as written (a tel URI's number is here too).
    pub user: Option<String>,
    pub password: Option<String>,
    /// Empty name for a tel URI.
    pub host: Host,
    pub port: Option<u16>,
    pub params: Params,
    /// The `?` headers part, as written (without the `?`).
    pub headers: Option<String>,
}

/// Characters that may appear in a URI at all (escaped or not); anything else (white
/// space, `<>"`, control characters) ends or breaks it.
fn uri_char(c: u8) -> bool {
    c.is_ascii_graphic() && !matches!(c, b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^')
}

impl Uri {
    pub fn sip(user: Option<&str>, host: Host, port: Option<u16>) -> Uri {
        Uri {
            scheme: Scheme::Sip,
            user: user.map(str::to_owned),
            password: None,
            host,
            port,
            params: Params::default(),
            headers: None,
        }
    }

    pub fn parse(s: &str) -> Result<Uri, ParseError> {
        let bad = |reason: &str| ParseError::uri(s, reason);
        if s.is_empty() {
            return Err(bad("empty"));
        }
        if let Some(c) = s.bytes().find(|c| !uri_char(*c)) {
            return Err(bad(&format!("character {:?} not allowed", c as char)));
        }
        let colon = s.find(':').ok_or_else(|| bad("no scheme"))?;
        let scheme = match s[..colon].to_ascii_lowercase().as_str() {
            "sip" => Scheme::Sip,
            "sips" => Scheme::Sips,
            "tel" => Scheme::Tel,
            _ => return Err(bad("unsupported URI scheme")),
        };
        let rest = &s[colon + 1..];
        if scheme == Scheme::Tel {
            let (number, params) = rest.split_once(';').unwrap_or((rest, ""));
            if number.is_empty() {
                return Err(bad("empty telephone number"));
            }
            return Ok(Uri {
                scheme,
                user: Some(number.to_owned()),
                password: None,
                host: Host::Name(String::new()),
                port: None,
                params: Params::parse_uri_params(params).map_err(|r| bad(&r))?,
                headers: None,
            });
        }
        // The user part may hold `;`, `?`, `/`, `:` and `,` (RFC 3261 user-unreserved), but
        // never an unescaped `@`, nor can the host, parameters or headers after it: so the
        // `@`, when present, ends the user part.
        let (userinfo, hostpart) = match rest.find('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pw) = match u.split_once(':') {
                    Some((user, pw)) => (user, Some(pw.to_owned())),
                    None => (u, None),
                };
                if user.is_empty() {
                    return Err(bad("empty user part"));
                }
                (Some(user.to_owned()), pw)
            }
        };
        let (before_headers, headers) = match hostpart.split_once('?') {
            Some((a, h)) => (a, Some(h.to_owned())),
            None => (hostpart, None),
        };
        let (hostport, params) = before_headers
            .split_once(';')
            .unwrap_or((before_headers, ""));
        let (host, port) = split_host_port(hostport).map_err(|r| bad(&r))?;
        Ok(Uri {
            scheme,
            user,
            password,
            host,
            port,
            params: Params::parse_uri_params(params).map_err(|r| bad(&r))?,
            headers,
        })
    }

    /// The user part with `%HH` escapes decoded: what an account is looked up by.
    pub fn user_unescaped(&self) -> Option<String> {
        self.user.as_deref().map(super::grammar::unescape)
    }

    /// The `transport` parameter, lower-cased.
    pub fn transport(&self) -> Option<String> {
        self.params
            .get("transport")
            .flatten()
            .map(str::to_ascii_lowercase)
    }
}

/// `host[:port]`, with IPv6 references in brackets.
pub(crate) fn split_host_port(s: &str) -> Result<(Host, Option<u16>), String> {
    let (host, port) = if s.starts_with('[') {
        let end = s.find(']').ok_or("unclosed [ in host")?;
        let port = s[end + 1..].strip_prefix(':');
        if port.is_none() && end + 1 != s.len() {
            return Err(format!("junk after IPv6 host in {s:?}"));
        }
        (&s[..=end], port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("bad port {p:?}"))?,
        ),
    };
    Ok((Host::parse(host)?, port))
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            Scheme::Sip => f.write_str("sip:")?,
            Scheme::Sips => f.write_str("sips:")?,
            Scheme::Tel => {
                f.write_str("tel:")?;
                f.write_str(self.user.as_deref().unwrap_or_default())?;
                return write!(f, "{}", self.params);
            }
        }
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                write!(f, ":{p}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)?;
        if let Some(h) = &self.headers {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}
