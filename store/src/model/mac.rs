//! The installer's MAC library: devices may only be added with a MAC registered here.

use serde::{Deserialize, Serialize};

use super::Id;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacEntry {
    /// Twelve upper-case hex digits, e.g. `0C11050B9814`.
    pub mac: String,
    pub installer_id: Id,
    pub created_at_ms: i64,
}
