//! What can go wrong in `porter admin`, each with what the user needs to act on it.

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The server refused the request: its gRPC code, its message, and the field it names.
    #[error("{code:?}: {message}{}", field.as_deref().map(|f| format!(" (field {f})")).unwrap_or_default())]
    Status {
        code: tonic::Code,
        message: String,
        field: Option<String>,
    },
    /// The command line asks for something that cannot be done as given.
    #[error("{0}")]
    Usage(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("connecting to {server}: {source}")]
    Connect {
        server: String,
        source: tonic::transport::Error,
    },
    #[error("printing the answer: {0}")]
    Print(#[from] serde_json::Error),
}

impl CliError {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Io {
            what: what.into(),
            source,
        }
    }
}

impl From<tonic::Status> for CliError {
    fn from(status: tonic::Status) -> Self {
        let field = status
            .metadata()
            .get("porter-field")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        CliError::Status {
            code: status.code(),
            message: status.message().to_owned(),
            field,
        }
    }
}

/// Returns a `CliError::Usage` with a formatted message.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::CliError::Usage(format!($($arg)*)))
    };
}
