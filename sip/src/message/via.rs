//! The Via header (RFC 3261 §20.42, §18.2.1): `SIP/2.0/UDP host:port;branch=…`.

use std::fmt;

use super::addr::Params;
use super::error::ParseError;
use super::grammar::{is_token_str, trim_ws};
use super::uri::{Host, split_host_port};

/// The branch prefix of RFC 3261 transactions ("magic cookie").
pub const BRANCH_COOKIE: &str = "z9hG4bK";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// Upper-case: UDP, TCP, TLS, WS, WSS, SCTP or any other token.
    pub transport: String,
    pub host: Host,
    pub port: Option<u16>,
    pub params: Params,
}

impl Via {
    pub fn parse(value: &str) -> Result<Via, ParseError> {
        let bad = |reason: String| ParseError::header("Via", reason);
        // `SIP / 2.0 / UDP` may have white space around each slash.
        let mut rest = trim_ws(value);
        let mut protocol = [""; 3];
        for (i, slot) in protocol.iter_mut().enumerate() {
            let end = if i < 2 {
                rest.find('/')
                    .ok_or_else(|| bad(format!("expected SIP/2.0/transport in {value:?}")))?
            } else {
                rest.find([' ', '\t'])
                    .ok_or_else(|| bad("no sent-by address".into()))?
            };
            let part = trim_ws(&rest[..end]);
            if !is_token_str(part) {
                return Err(bad(format!("bad protocol part {part:?}")));
            }
            *slot = part;
            rest = trim_ws(&rest[end + usize::from(i < 2)..]);
        }
        if !protocol[0].eq_ignore_ascii_case("SIP") || protocol[1] != "2.0" {
            return Err(bad(format!(
                "protocol {}/{} is not SIP/2.0",
                protocol[0], protocol[1]
            )));
        }
        let (sent_by, params) = match rest.find(';') {
            Some(i) => (trim_ws(&rest[..i]), &rest[i..]),
            None => (rest, ""),
        };
        // `host : port` may carry white space around the colon.
        let sent_by: std::borrow::Cow<'_, str> = if sent_by.contains([' ', '\t']) {
            sent_by.split([' ', '\t']).collect::<String>().into()
        } else {
            sent_by.into()
        };
        let (host, port) = split_host_port(&sent_by).map_err(bad)?;
        Ok(Via {
            transport: protocol[2].to_ascii_uppercase(),
            host,
            port,
            params: Params::parse_header_params(params, "Via")?,
        })
    }

    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch").flatten()
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}
