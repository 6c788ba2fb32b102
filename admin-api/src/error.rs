//! The one place store errors become gRPC statuses.

use porter_store::StoreError;
use tonic::{Code, Status};

/// Metadata key that names the offending field of an INVALID_ARGUMENT or ALREADY_EXISTS.
pub const FIELD_METADATA: &str = "porter-field";

pub fn status(err: StoreError) -> Status {
    let code = match &err {
        StoreError::Invalid { .. } | StoreError::Rows(_) => Code::InvalidArgument,
        StoreError::NotFound(_) => Code::NotFound,
        StoreError::AlreadyExists { .. } => Code::AlreadyExists,
        StoreError::FailedPrecondition(_) => Code::FailedPrecondition,
        StoreError::PermissionDenied(_) => Code::PermissionDenied,
        StoreError::Unauthenticated(_) => Code::Unauthenticated,
        StoreError::ResourceExhausted(_) => Code::ResourceExhausted,
        StoreError::Backend(e) => {
            tracing::error!(error = %e, "storage failure");
            return Status::internal("storage failure; the change was not saved");
        }
    };
    let mut status = Status::new(code, err.to_string());
    if let Some(field) = err.field()
        && let Ok(value) = field.parse()
    {
        status.metadata_mut().insert(FIELD_METADATA, value);
    }
    status
}

/// An INVALID_ARGUMENT for a field of the request itself (an enum value out of range).
pub fn invalid(field: &str, rule: impl Into<String>) -> Status {
    status(StoreError::invalid(field, rule))
}

pub type ApiResult<T> = Result<tonic::Response<T>, Status>;
