//! The resident and device import template: its columns (one definition shared by the
//! download and the import), and the files installers download.

use rust_xlsxwriter::{Format, Workbook};

use crate::error::{Result, StoreError};

/// The template's columns, in order, as the manual names them.
pub const COLUMNS: [&str; 14] = [
    "Building",
    "Apt",
    "AptName",
    "Device",
    "FirstName",
    "LastName",
    "Email",
    "MobileNumber",
    "TelephoneCallingCode",
    "1stPhone",
    "2ndPhone",
    "3rdPhone",
    "CallType",
    "WebRelayID",
];

/// What each column takes (the Instructions sheet).
const HELP: [&str; 14] = [
    "Building name, at most 128 characters. Buildings that do not exist yet are created.",
    "APT number: 1 to 6 digits, '#' allowed between digits (2#123), never first.",
    "Apartment name (optional).",
    "Devices as \"Device name,Device type,Device MAC\", several separated by ';' \
     (Gate2,0,0C11050B9814; Living Room,2,0C11050893C6). Types: 0 multi-tenant door phone, \
     1 single-tenant door phone, 2 indoor monitor, 3 guard phone, 50 access control. \
     Types 0, 3 and 50 go to the building; 1 and 2 to the apartment. The MAC must be in \
     your MAC library. On the Basic plan every apartment needs an indoor monitor (type 2).",
    "Resident's first name, at most 64 characters (leave first and last name empty to add the resident later).",
    "Resident's last name, at most 64 characters.",
    "Resident's email (optional); unique among all end users.",
    "Resident's mobile number (optional).",
    "Country/region calling code, e.g. 49 or +49 (optional).",
    "Landline 1 (optional).",
    "Landline 2 (optional).",
    "Landline 3 (optional).",
    "Call type 0-5 (default 0): 0 SmartPlus and indoor monitors, 1 phone and indoor monitors, \
     2 SmartPlus and indoor monitors with phone as backup, 3 indoor monitors with SmartPlus \
     as backup, 4 indoor monitors with phone as backup, 5 indoor monitors with SmartPlus as \
     backup, finally phone.",
    "Web relay action ID 0-99 (default 0).",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    Csv,
    Xlsx,
}

/// The empty template, ready to fill in.
pub fn template(format: TemplateFormat) -> Result<Vec<u8>> {
    match format {
        TemplateFormat::Csv => {
            let mut out = COLUMNS.join(",");
            out.push_str("\r\n");
            Ok(out.into_bytes())
        }
        TemplateFormat::Xlsx => xlsx().map_err(|e| {
            StoreError::precondition(format!("writing the XLSX template failed: {e}"))
        }),
    }
}

fn xlsx() -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    // Text cells: an APT number or a MAC typed in keeps its leading zeros.
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name("Template")?;
    for (col, name) in COLUMNS.iter().enumerate() {
        let col = col as u16;
        sheet.set_column_format(col, &text)?;
        sheet.set_column_width(col, if *name == "Device" { 48 } else { 16 })?;
        sheet.write_string_with_format(0, col, *name, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let help = book.add_worksheet();
    help.set_name("Instructions")?;
    help.set_column_width(0, 22)?;
    help.set_column_width(1, 120)?;
    help.write_string_with_format(0, 0, "Column", &bold)?;
    help.write_string_with_format(0, 1, "What to fill in", &bold)?;
    for (i, (name, what)) in COLUMNS.iter().zip(HELP).enumerate() {
        help.write_string(i as u32 + 1, 0, *name)?;
        help.write_string(i as u32 + 1, 1, what)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::read_table;

    #[test]
    fn downloads_read_back_with_every_column() {
        for format in [TemplateFormat::Csv, TemplateFormat::Xlsx] {
            let table = read_table(&template(format).unwrap(), 10, "Apt").unwrap();
            assert_eq!(table.header, COLUMNS, "{format:?}");
            assert!(table.rows.is_empty());
        }
    }
}
