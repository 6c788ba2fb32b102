//! Third-party cameras (RTSP), at the same three scopes as devices, optionally linked to a
//! door phone so the app can switch between the two views.

use serde::{Deserialize, Serialize};

use super::{DeviceScope, Id};
use crate::error::{Result, StoreError};
use crate::rules;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Camera {
    pub id: Id,
    pub community_id: Id,
    pub scope: DeviceScope,
    pub name: String,
    pub rtsp_url: String,
    pub username: String,
    /// Sealed (see `secrets`); never returned in clear.
    pub password_sealed: String,
    /// A door phone of the same scope.
    pub linked_device: Option<Id>,
    pub created_at_ms: i64,
}

#[derive(Clone, Debug, Default)]
pub struct CameraInput {
    pub name: Option<String>,
    pub rtsp_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `Some(None)` unlinks.
    pub linked_device: Option<Option<Id>>,
}

/// Validated name, URL and username of a camera (the password is sealed by the caller).
pub fn camera_fields(name: &str, url: &str, username: &str) -> Result<(String, String, String)> {
    Ok((
        rules::required_name("name", name, rules::MAX_PERSON_NAME_LEN)?,
        rules::rtsp_url("rtsp_url", url)?,
        rules::required_name("username", username, rules::MAX_PERSON_NAME_LEN)?,
    ))
}

pub fn camera_password(value: &str) -> Result<String> {
    if value.is_empty() {
        return Err(StoreError::invalid("password", "is required"));
    }
    if value.chars().count() > 128 || value.chars().any(char::is_control) {
        return Err(StoreError::invalid(
            "password",
            "must be at most 128 characters without control characters",
        ));
    }
    Ok(value.to_owned())
}

/// Characters a URL's userinfo keeps as they are (RFC 3986 unreserved); the rest is
/// percent-encoded.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The camera's stream URL with its username and password in it, for a player.
pub fn stream_url(rtsp_url: &str, username: &str, password: &str) -> String {
    let rest = rtsp_url.get(7..).unwrap_or_default();
    format!(
        "rtsp://{}:{}@{rest}",
        percent_encoding::utf8_percent_encode(username, USERINFO),
        percent_encoding::utf8_percent_encode(password, USERINFO)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_url_encodes_userinfo() {
        assert_eq!(
            stream_url("rtsp://10.0.0.5:554/live", "ad min", "p@ss:w/rd"),
            "rtsp://ad%20min:p%40ss%3Aw%2Frd@10.0.0.5:554/live"
        );
    }
}
