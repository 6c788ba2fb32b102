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
    /// The server wants a login: none was saved, or the saved one ended.
    #[error("{}", if *expired {
        "your session has ended (expired, logged out, or the password changed); run `porter admin login --username NAME` again"
    } else {
        "not logged in: run `porter admin login --username NAME` first (or give --token / PORTER_TOKEN)"
    })]
    NotLoggedIn { expired: bool },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error(
        "cannot reach the admin API at {server} ({source}); is `porter serve` running there? (--server or PORTER_SERVER picks another)"
    )]
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

    /// The error as `--json` prints it: `{"code", "message", "field"}`, the code being the
    /// gRPC status name for the server's refusals.
    pub fn to_json(&self) -> serde_json::Value {
        let (code, field) = match self {
            CliError::Status { code, field, .. } => (status_name(*code), field.clone()),
            CliError::Usage(_) => ("USAGE", None),
            CliError::NotLoggedIn { .. } => ("UNAUTHENTICATED", None),
            CliError::Io { .. } => ("IO", None),
            CliError::Connect { .. } => ("UNAVAILABLE", None),
            CliError::Print(_) => ("INTERNAL", None),
        };
        let message = match self {
            CliError::Status { message, .. } => message.clone(),
            other => other.to_string(),
        };
        serde_json::json!({ "code": code, "message": message, "field": field })
    }
}

/// The canonical name of a gRPC status code, as in the gRPC specification.
fn status_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
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
