//! DTMF unlock: an INFO with a relay's DTMF code, sent in a call toward a door phone, opens
//! that relay through the gateway and leaves a door-log entry.

use std::sync::Arc;
use std::time::Duration;

use porter_store::events::EventKind;
use porter_store::presence::{CommandError, DeviceCommand, DeviceCommands};

use super::SipServer;
use crate::message::{HeaderName, Request};
use crate::proxy::{DialogInfo, Proxy};

/// The door log's name for the method (as `UnlockMethod` in device.proto spells it).
const DTMF_METHOD: &str = "UNLOCK_METHOD_DTMF";
/// How long the door phone has to answer the unlock.
const UNLOCK_TIMEOUT: Duration = Duration::from_secs(10);

impl SipServer {
    /// Lets DTMF INFO unlock doors (the gateway's commands; without them INFO only passes).
    pub fn set_device_commands(&self, commands: Arc<dyn DeviceCommands>) {
        let _ = self.commands.set(commands);
    }

    /// Looks at an INFO relayed in `dialog`: DTMF keys toward a door phone that complete
    /// one of its relay codes unlock that relay.
    pub(super) fn dtmf_info(&self, p: &mut Proxy, dialog: &DialogInfo, info: &Request) {
        // A call another node forwarded here is that node's: it sees the same INFO.
        if dialog.meta.forwarded_by.is_some() {
            return;
        }
        let keys = crate::dtmf::keys(info.headers.get(&HeaderName::ContentType), &info.body);
        if keys.is_empty() {
            return;
        }
        let from_tag = info
            .headers
            .from()
            .ok()
            .and_then(|f| f.tag().map(str::to_owned));
        // The door phone is the side the INFO goes to; the sender is whoever answered it.
        let (door, sender) = if from_tag.as_deref() == Some(dialog.callee_tag.as_str()) {
            (&dialog.meta.caller, &dialog.answered_by)
        } else {
            (&dialog.answered_by, &dialog.meta.caller)
        };
        let Some(relays) = self.store.door_relays(door) else {
            return;
        };
        let Some(relay) = p.press_keys(dialog, &keys, &relays.codes) else {
            return;
        };
        let who = format!("DTMF from {sender}");
        tracing::info!(door = %door, relay, %who, "SIP DTMF unlock");
        let (store, commands) = (self.store.clone(), self.commands.get().cloned());
        self.tasks.spawn(async move {
            let result = match commands {
                Some(c) => {
                    let unlock = DeviceCommand::Unlock {
                        relay,
                        requested_by: who.clone(),
                    };
                    c.send(&relays.mac, unlock, UNLOCK_TIMEOUT).await
                }
                None => Err(CommandError::Offline),
            };
            let success = matches!(&result, Ok(o) if o.ok);
            if let Err(e) = &result {
                tracing::info!(error = %e, "SIP DTMF unlock failed");
            }
            // A failed attempt is logged too: someone at the door was not let in.
            let entry = EventKind::DoorLog {
                relay,
                method: DTMF_METHOD.to_owned(),
                success,
                who,
                credential_id: 0,
                offline: false,
            };
            if let Err(e) = store.record_device_events(relays.device_id, vec![(0, entry)]) {
                tracing::warn!(error = %e, "recording a DTMF door log failed");
            }
        });
    }
}
