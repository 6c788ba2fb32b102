//! Range, If-Range and If-None-Match on a download: any header values give a plan inside
//! the image, never a panic or a range past its end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porter_provisioning::download::{Conditions, Plan, plan};

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.split('\n');
    let (range, if_range, if_none_match) = (parts.next(), parts.next(), parts.next());
    let size = u64::from(size) * 997;
    let etag = "\"abc\"";
    let c = Conditions {
        range,
        if_range,
        if_none_match,
    };
    match plan(&c, etag, size) {
        Plan::Partial { start, end } => assert!(start <= end && end < size),
        Plan::Full | Plan::NotModified | Plan::Unsatisfiable => {}
    }
});
