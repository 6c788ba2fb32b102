use thiserror::Error;

/// Why bytes are not a SIP message Porter can act on. The display text is what goes into
/// the reason phrase or a Warning of the 400 answer, so it names the part that is wrong.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ParseError {
    /// A stream holds only part of a message so far (the framer waits for more).
    #[error("incomplete message")]
    Incomplete,
    #[error("message larger than {0} bytes")]
    TooLarge(usize),
    #[error("message is not UTF-8")]
    NotUtf8,
    #[error("bad start line: {0}")]
    StartLine(String),
    #[error("SIP version {0} is not supported")]
    Version(String),
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("bad {name} header: {reason}")]
    Header { name: String, reason: String },
    #[error("bad Content-Length: {0}")]
    ContentLength(String),
    #[error("body shorter than its Content-Length ({declared} declared, {got} present)")]
    BodyTruncated { declared: usize, got: usize },
    #[error("bad URI {uri:?}: {reason}")]
    Uri { uri: String, reason: String },
}

impl ParseError {
    pub(crate) fn header(name: &str, reason: impl Into<String>) -> ParseError {
        ParseError::Header {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn uri(uri: &str, reason: impl Into<String>) -> ParseError {
        // A URI in an error stays short: it is echoed in a reason phrase.
        let uri: String = uri.chars().take(120).collect();
        ParseError::Uri {
            uri,
            reason: reason.into(),
        }
    }
}
