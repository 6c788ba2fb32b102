//! The store as the gateway's `DeviceAuthenticator`.

use porter_store::Store;

use super::{DeviceAuthenticator, DeviceIdentity};

impl DeviceAuthenticator for Store {
    fn authenticate(&self, mac: &str, credential: &str) -> Option<DeviceIdentity> {
        self.authenticate_device(mac, credential)
            .map(|d| DeviceIdentity {
                binding: porter_store::DeviceBinding::of(&d),
                device_id: d.id,
                community_id: d.community_id,
                mac: d.mac,
                device_type: d.device_type.code(),
            })
    }
}
