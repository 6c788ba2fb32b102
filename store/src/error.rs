//! The store's error type. `admin-api` maps each variant to one gRPC status in one place.

/// What went wrong with a store operation. The `Display` text is safe to show a caller.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A field breaks a rule; nothing was written.
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: String },
    /// The thing does not exist, or belongs to another installer (the caller cannot tell).
    #[error("{0} not found")]
    NotFound(String),
    /// A uniqueness rule (APT number in a building, end-user email, username, name).
    #[error("{field}: {message}")]
    AlreadyExists { field: String, message: String },
    /// The request is well formed but the current state refuses it (immutable setting,
    /// building still holds apartments, …).
    #[error("{0}")]
    FailedPrecondition(String),
    /// The caller is known but its role may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// Bad credentials, or a token that is unknown or expired.
    #[error("{0}")]
    Unauthenticated(String),
    /// A bounded resource is used up (SIP numbers, family members, …).
    #[error("{0}")]
    ResourceExhausted(String),
    /// An uploaded file has bad rows; every one is listed and nothing was written.
    #[error("{} bad row(s), nothing imported: {}", .0.len(), summarize(.0))]
    Rows(Vec<RowError>),
    /// The persistence layer failed; the change was not acknowledged.
    #[error("storage failure: {0}")]
    Backend(#[from] BackendError),
}

impl StoreError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound(what.into())
    }

    pub fn exists(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::AlreadyExists {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn precondition(message: impl Into<String>) -> Self {
        StoreError::FailedPrecondition(message.into())
    }

    /// The field an `Invalid` or `AlreadyExists` error is about.
    pub fn field(&self) -> Option<&str> {
        match self {
            StoreError::Invalid { field, .. } | StoreError::AlreadyExists { field, .. } => {
                Some(field)
            }
            _ => None,
        }
    }

    /// Prefixes the field name, e.g. `email` becomes `resident.email`.
    pub fn within(self, parent: &str) -> Self {
        match self {
            StoreError::Invalid { field, rule } => StoreError::Invalid {
                field: format!("{parent}.{field}"),
                rule,
            },
            StoreError::AlreadyExists { field, message } => StoreError::AlreadyExists {
                field: format!("{parent}.{field}"),
                message,
            },
            other => other,
        }
    }
}

/// A failure of the persistence backend (I/O, corruption, encoding).
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("sled: {0}")]
    Sled(#[from] sled::Error),
    #[error("record {key} could not be decoded: {source}")]
    Decode {
        key: String,
        source: serde_json::Error,
    },
    #[error("encoding a record failed: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("sled transaction: {0}")]
    Transaction(String),
    #[error("the flush task failed: {0}")]
    FlushTask(String),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("migrating the PostgreSQL schema: {0}")]
    Migration(String),
    #[error("{0}")]
    Config(String),
    /// The backend cannot take the request now (its database is unreachable, its queue
    /// is full); trying again later may succeed.
    #[error("{0}")]
    Unavailable(String),
    /// Cluster mode: change sets this node has not applied are no longer in the change log
    /// (pruned); its directory cannot be brought up to date in place.
    #[error(
        "this node is further behind the change log than it keeps (change sets {from}–{to} were pruned): restart it so that it loads the directory afresh"
    )]
    FellBehind { from: i64, to: i64 },
}

impl BackendError {
    /// Whether the backend could not be reached (rather than refusing or failing the
    /// request): the database down, restarting, or out of connections. Trying again later
    /// may succeed; nothing of the request was written.
    pub fn is_unavailable(&self) -> bool {
        match self {
            BackendError::Unavailable(_) => true,
            BackendError::Postgres(e) => postgres_unreachable(e),
            _ => false,
        }
    }
}

fn postgres_unreachable(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        // Class 08: connection exceptions; 57P01-57P03: the server shutting down or
        // starting; 53300: out of connections.
        return code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
                SqlState::TOO_MANY_CONNECTIONS,
            ]
            .contains(code);
    }
    // Connecting, reading or writing the socket failed.
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

impl From<deadpool_postgres::PoolError> for BackendError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => BackendError::Postgres(e),
            other => BackendError::Unavailable(format!("PostgreSQL is unreachable: {other}")),
        }
    }
}

/// One refused row of an upload: where, and which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub row: u32,
    pub column: String,
    pub rule: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, {}: {}", self.row, self.column, self.rule)
    }
}

/// The first rows of a list of errors, for a one-line message.
fn summarize(rows: &[RowError]) -> String {
    const SHOWN: usize = 20;
    let mut s: Vec<String> = rows.iter().take(SHOWN).map(ToString::to_string).collect();
    if rows.len() > SHOWN {
        s.push(format!("and {} more", rows.len() - SHOWN));
    }
    s.join("; ")
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
