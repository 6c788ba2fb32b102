//! The header of a firmware upload (version, models, change log, SHA-256): any header is
//! accepted in its normal form or refused naming the field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porter_firmware_store::ImageId;
use porter_store::model::firmware::FirmwareInput;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\n');
    let input = FirmwareInput {
        version: parts.next().unwrap_or_default().to_owned(),
        models: parts
            .next()
            .unwrap_or_default()
            .split(',')
            .map(str::to_owned)
            .collect(),
        change_log: parts.next().unwrap_or_default().to_owned(),
    };
    if let Ok(ok) = input.validated() {
        // A validated header validates again unchanged.
        assert_eq!(ok.clone().validated().unwrap().version, ok.version);
    }
    let sha = parts.next().unwrap_or_default();
    if let Ok(id) = ImageId::parse(sha) {
        assert_eq!(id.as_str().len(), 64);
    }
});
