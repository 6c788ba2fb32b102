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
        StoreError::Backend(e) if e.is_unavailable() => {
            tracing::warn!(error = %e, "storage unreachable");
            return Status::unavailable(
                "the database is unreachable; the change was not saved, try again shortly",
            );
        }
        StoreError::Backend(e) => {
            tracing::error!(error = %e, "storage failure");
            return Status::internal("storage failure; the change was not saved");
        }
    };
    let mut status = Status::new(code, bounded(err.to_string()));
    if let Some(field) = err.field()
        && let Ok(value) = field.parse()
    {
        status.metadata_mut().insert(FIELD_METADATA, value);
    }
    status
}

/// Longest status message sent: rules quote inputs short (`rules::quote`); this bound
/// keeps any message that still grew (a list of names, say) well inside what gRPC metadata
/// may carry (8 KiB for all of it), so the client sees the real code.
pub const MAX_MESSAGE_BYTES: usize = 1024;

fn bounded(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

/// An INVALID_ARGUMENT for a field of the request itself (an enum value out of range).
pub fn invalid(field: &str, rule: impl Into<String>) -> Status {
    status(StoreError::invalid(field, rule))
}

pub type ApiResult<T> = Result<tonic::Response<T>, Status>;

/// A firmware-store error as a status naming the upload's field.
pub fn firmware_status(err: porter_firmware_store::FirmwareError) -> Status {
    use porter_firmware_store::FirmwareError as E;
    match &err {
        E::TooLarge { .. } | E::Empty => invalid("image", err.to_string()),
        E::Mismatch { .. } => invalid("sha256", err.to_string()),
        E::BadId(_) => invalid("sha256", err.to_string()),
        E::NotFound(_) | E::BadRange { .. } => Status::not_found(err.to_string()),
        E::Io(e) => match e.get_ref().and_then(|inner| inner.downcast_ref::<Status>()) {
            // The client's stream failed (cancelled, or broke the message order).
            Some(s) => s.clone(),
            None => {
                tracing::error!(error = %e, "firmware storage failure");
                Status::internal("firmware storage failure; the image was not kept")
            }
        },
    }
}
