//! The installer's AutoP commands (`Key = value` lines): any text is parsed or refused with
//! a short message naming the field, never a panic; what parses prints back to the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porter_store::model::autop::parse_commands;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_commands("autop_commands", text) {
        Ok(commands) => {
            let printed: String = commands
                .iter()
                .map(|c| format!("{} = {}\n", c.key, c.value))
                .collect();
            assert_eq!(
                parse_commands("autop_commands", &printed).unwrap(),
                commands
            );
        }
        Err(e) => assert!(e.to_string().len() < 600, "{}", e.to_string().len()),
    }
});
