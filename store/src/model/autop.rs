//! A device's remote maintenance settings (the manual's Settings dialog): its SIP connection
//! type, the installer's own AutoP commands, and one-time AutoP commands. AutoP commands are
//! `Key = value` lines as Akuvox devices export them.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// Lines one command list may hold.
pub const MAX_AUTOP_COMMANDS: usize = 500;
pub const MAX_AUTOP_KEY_LEN: usize = 128;
pub const MAX_AUTOP_VALUE_LEN: usize = 1024;

/// How the device reaches the SIP server ("Connection Type").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SipTransportKind {
    Udp,
    #[default]
    Tcp,
    Tls,
}

/// One AutoP command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutopCommand {
    pub key: String,
    pub value: String,
}

/// What the Settings dialog keeps for a device.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    pub sip_transport: SipTransportKind,
    /// Written into every AutoP file of the device, after Porter's own keys.
    pub autop_commands: Vec<AutopCommand>,
    /// Written into the next AutoP file the device fetches, then dropped.
    pub one_time_autop: Vec<AutopCommand>,
    /// SHA-256 (lower-case hex) of the certificate the device presents on the AutoP
    /// client-certificate listener; empty when it authenticates with its credential only.
    #[serde(default)]
    pub client_cert_sha256: String,
}

/// Parses AutoP text: one `Key = value` a line; blank lines and `#` comments are skipped.
/// A key given twice keeps its first place and its last value ("duplicate commands will
/// not be retained"). Errors name `field` and the line.
pub fn parse_commands(field: &str, text: &str) -> Result<Vec<AutopCommand>> {
    let mut commands: Vec<AutopCommand> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |rule: String| StoreError::invalid(field, format!("line {}: {rule}", n + 1));
        let Some((key, value)) = line.split_once('=') else {
            return Err(at(format!(
                "{} is not `Key = value`",
                crate::rules::quote(line)
            )));
        };
        let (key, value) = (key.trim(), value.trim());
        let key_ok = !key.is_empty()
            && key.len() <= MAX_AUTOP_KEY_LEN
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '[' | ']'));
        if !key_ok {
            return Err(at(format!(
                "{} is not an AutoP key (letters, digits and . _ - [ ], at most {MAX_AUTOP_KEY_LEN})",
                crate::rules::quote(key)
            )));
        }
        if value.len() > MAX_AUTOP_VALUE_LEN || value.chars().any(char::is_control) {
            return Err(at(format!(
                "the value of {key} must be one line of at most {MAX_AUTOP_VALUE_LEN} characters"
            )));
        }
        match commands.iter_mut().find(|c| c.key == key) {
            Some(existing) => existing.value = value.to_owned(),
            None => commands.push(AutopCommand {
                key: key.to_owned(),
                value: value.to_owned(),
            }),
        }
        if commands.len() > MAX_AUTOP_COMMANDS {
            return Err(StoreError::invalid(
                field,
                format!("at most {MAX_AUTOP_COMMANDS} commands"),
            ));
        }
    }
    Ok(commands)
}

/// The commands as AutoP text, one a line.
pub fn commands_text(commands: &[AutopCommand]) -> String {
    commands
        .iter()
        .map(|c| format!("{} = {}\n", c.key, c.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_later_value_wins_and_keeps_the_first_place() {
        let text =
            "# exported from the device\nConfig.A = 1\n\n  Config.B=two words \nConfig.A = 3\n";
        let commands = parse_commands("autop_commands", text).unwrap();
        assert_eq!(
            commands_text(&commands),
            "Config.A = 3\nConfig.B = two words\n"
        );
        assert_eq!(parse_commands("x", "Config.Empty =").unwrap()[0].value, "");
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse_commands("autop_commands", "Config.A = 1\nnot a command\n").unwrap_err();
        assert_eq!(e.field(), Some("autop_commands"));
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse_commands("autop_commands", "Config A = 1").unwrap_err();
        assert!(e.to_string().contains("not an AutoP key"), "{e}");
        let many: String = (0..=MAX_AUTOP_COMMANDS)
            .map(|i| format!("K{i} = 1\n"))
            .collect();
        assert!(parse_commands("x", &many).is_err());
    }
}
