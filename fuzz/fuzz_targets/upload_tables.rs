//! Uploaded spreadsheets (CSV, or XLSX when the bytes are a ZIP): any file is read into a
//! bounded table or refused, never a panic or a runaway allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porter_store::tabular::read_table;

fuzz_target!(|data: &[u8]| {
    for key in ["MAC", "Apt"] {
        if let Ok(table) = read_table(data, 100, key) {
            assert!(table.rows.len() <= 100);
            assert!(table.column(key).is_some());
        }
    }
});
