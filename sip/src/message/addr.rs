//! Header parameters and `name-addr` / `addr-spec` values (From, To, Contact, Route,
//! Record-Route: RFC 3261 §20.10, §25.1).

use std::fmt;

use super::error::ParseError;
use super::grammar::{is_token, is_ws, quoted_len, split_top, trim_ws};
use super::uri::Uri;

/// `;name[=value]` parameters in their order. Names compare case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, Option<String>)>);

impl Params {
    /// `Some(None)` for a parameter without a value (`;lr`), None when absent.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets (or replaces) a parameter.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(p) => p.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// URI parameters: `a;b=c` (after the host's `;`), no white space, no quoting.
    pub(crate) fn parse_uri_params(s: &str) -> Result<Params, String> {
        let mut out = Vec::new();
        if s.is_empty() {
            return Ok(Params(out));
        }
        for p in s.split(';') {
            let (n, v) = match p.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (p, None),
            };
            if n.is_empty() {
                return Err("empty URI parameter".into());
            }
            out.push((n.to_owned(), v));
        }
        Ok(Params(out))
    }

    /// Header parameters: `; name = value` with white space allowed around `;` and `=`,
    /// values a token, a host or a quoted string.
    pub(crate) fn parse_header_params(s: &str, header: &str) -> Result<Params, ParseError> {
        let mut out = Vec::new();
        let s = trim_ws(s);
        if s.is_empty() {
            return Ok(Params(out));
        }
        let s = s
            .strip_prefix(';')
            .ok_or_else(|| ParseError::header(header, format!("unexpected {s:?}")))?;
        let parts = split_top(s, b';').map_err(|e| ParseError::header(header, e))?;
        for p in parts {
            let (n, v) = match p.split_once('=') {
                Some((n, v)) => (trim_ws(n), Some(trim_ws(v))),
                None => (trim_ws(p), None),
            };
            if n.is_empty() || !n.bytes().all(is_token) {
                return Err(ParseError::header(
                    header,
                    format!("bad parameter {:?}", trim_ws(p)),
                ));
            }
            if let Some(v) = v {
                let ok = if v.starts_with('"') {
                    quoted_len(v.as_bytes()) == Some(v.len())
                } else {
                    !v.is_empty()
                        && v.bytes()
                            .all(|c| is_token(c) || matches!(c, b':' | b'[' | b']'))
                };
                if !ok {
                    return Err(ParseError::header(
                        header,
                        format!("bad value of {n}: {v:?}"),
                    ));
                }
            }
            out.push((n.to_owned(), v.map(str::to_owned)));
        }
        Ok(Params(out))
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in &self.0 {
            match v {
                Some(v) => write!(f, ";{n}={v}")?,
                None => write!(f, ";{n}")?,
            }
        }
        Ok(())
    }
}

/// `["Display Name"] <uri> ;params` or `uri ;params`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAddr {
    /// As written, quotes included when it was quoted.
    pub display: Option<String>,
    pub uri: Uri,
    pub params: Params,
}

impl NameAddr {
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display: None,
            uri,
            params: Params::default(),
        }
    }

    pub fn parse(value: &str, header: &str) -> Result<NameAddr, ParseError> {
        let parts = Self::split(value, header)?;
        Ok(NameAddr {
            display: parts.display.map(str::to_owned),
            uri: Uri::parse(parts.uri)?,
            params: Params::parse_header_params(parts.params, header)?,
        })
    }

    /// Only the `tag` parameter of a From or To value, without parsing its URI or copying
    /// anything: for a message `Request::check` has passed, whose From and To are known
    /// to parse. Without that check a bad URI goes unnoticed here.
    pub fn tag_of<'a>(value: &'a str, header: &str) -> Result<Option<&'a str>, ParseError> {
        let params = Self::split(value, header)?.params;
        let Some(params) = trim_ws(params).strip_prefix(';') else {
            return Ok(None);
        };
        let parts = split_top(params, b';').map_err(|e| ParseError::header(header, e))?;
        Ok(parts.into_iter().find_map(|p| {
            let (n, v) = p.split_once('=')?;
            trim_ws(n).eq_ignore_ascii_case("tag").then(|| trim_ws(v))
        }))
    }

    /// A value cut into its display name, URI and header parameters, as written.
    fn split<'a>(value: &'a str, header: &str) -> Result<NameAddrParts<'a>, ParseError> {
        let s = trim_ws(value);
        let b = s.as_bytes();
        let bad = |reason: String| ParseError::header(header, reason);
        let (display, rest) = if b.first() == Some(&b'"') {
            let n = quoted_len(b).ok_or_else(|| bad("unterminated quoted display name".into()))?;
            let rest = trim_ws(&s[n..]);
            if !rest.starts_with('<') {
                return Err(bad("a quoted display name must be followed by <URI>".into()));
            }
            (Some(&s[..n]), rest)
        } else if let Some(lt) = s.find('<') {
            let name = trim_ws(&s[..lt]);
            if !name.bytes().all(|c| is_token(c) || is_ws(c)) {
                return Err(bad(format!("display name {name:?} must be quoted")));
            }
            ((!name.is_empty()).then_some(name), &s[lt..])
        } else {
            (None, s)
        };
        if let Some(inner) = rest.strip_prefix('<') {
            let gt = inner.find('>').ok_or_else(|| bad("unclosed <".into()))?;
            return Ok(NameAddrParts {
                display,
                uri: &inner[..gt],
                params: &inner[gt + 1..],
            });
        }
        // addr-spec: a URI with `;`, `,` or `?` must be in brackets, so the first `;` starts
        // the header's parameters.
        let (uri, params) = match rest.find(';') {
            Some(i) => (trim_ws(&rest[..i]), &rest[i..]),
            None => (rest, ""),
        };
        if uri.contains('?') {
            return Err(bad("a URI with headers must be in <>".into()));
        }
        Ok(NameAddrParts {
            display,
            uri,
            params,
        })
    }

    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag").flatten()
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "{d} ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// A `name-addr` or `addr-spec` as written, cut at its URI.
struct NameAddrParts<'a> {
    display: Option<&'a str>,
    uri: &'a str,
    params: &'a str,
}

/// One Contact value: `*` (remove all bindings) or an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    Star,
    Addr(NameAddr),
}

impl Contact {
    pub fn parse(value: &str) -> Result<Contact, ParseError> {
        if trim_ws(value) == "*" {
            return Ok(Contact::Star);
        }
        NameAddr::parse(value, "Contact").map(Contact::Addr)
    }
}
