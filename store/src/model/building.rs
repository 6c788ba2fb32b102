//! Buildings of a community.

use serde::{Deserialize, Serialize};

use super::Id;
use crate::error::Result;
use crate::rules;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Building {
    pub id: Id,
    pub community_id: Id,
    pub name: String,
    pub created_at_ms: i64,
}

impl Building {
    /// A building name: 1 to 128 characters.
    pub fn name(value: &str) -> Result<String> {
        rules::required_name("name", value, rules::MAX_NAME_LEN)
    }
}
