//! Reads the spreadsheets installers upload (CSV or XLSX) into rows of text, with the row
//! numbers a spreadsheet program shows, so errors can point at "row 7, column MAC".

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::error::{Result, StoreError};

/// Largest upload accepted (bytes).
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// A sheet: the header row and the non-blank rows under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    /// (row number as a spreadsheet shows it, cells)
    pub rows: Vec<(u32, Vec<String>)>,
}

impl Table {
    /// Index of the column named `name` (case-insensitive, spaces ignored).
    pub fn column(&self, name: &str) -> Option<usize> {
        let want = normalise_header(name);
        self.header.iter().position(|h| normalise_header(h) == want)
    }
}

fn normalise_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Rows above the header (titles, notes) that are passed over while looking for it.
const MAX_ROWS_BEFORE_HEADER: usize = 20;

/// Parses an upload: XLSX (first sheet) when it is a ZIP file, CSV otherwise. The header
/// is the first row that has a column named `key_column` (title rows above it are passed
/// over); at most `max_rows` data rows follow it.
pub fn read_table(bytes: &[u8], max_rows: usize, key_column: &str) -> Result<Table> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(StoreError::invalid(
            "file",
            format!("is larger than {} MiB", MAX_UPLOAD_BYTES / (1024 * 1024)),
        ));
    }
    let mut all = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    let want = normalise_header(key_column);
    let first = all
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .take(MAX_ROWS_BEFORE_HEADER)
        .position(|(_, cells)| cells.iter().any(|c| normalise_header(c) == want))
        .and_then(|nth| {
            all.iter()
                .enumerate()
                .filter(|(_, (_, cells))| cells.iter().any(|c| !c.is_empty()))
                .nth(nth)
                .map(|(i, _)| i)
        })
        .ok_or_else(|| {
            StoreError::invalid(
                "file",
                format!("needs a header row with a {key_column} column"),
            )
        })?;
    let (_, header) = all.remove(first);
    let rows: Vec<(u32, Vec<String>)> = all
        .into_iter()
        .skip(first)
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .collect();
    if rows.len() > max_rows {
        return Err(StoreError::invalid(
            "file",
            format!("has {} rows; at most {max_rows} at a time", rows.len()),
        ));
    }
    Ok(Table { header, rows })
}

fn read_csv(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    // The reader skips blank lines and its positions point at the end of the previous
    // record, so line numbers are counted here: blank lines before a record, then the
    // newlines inside it (quoted fields may hold some).
    let newlines =
        |from: usize, to: usize| bytes[from..to].iter().filter(|b| **b == b'\n').count() as u32;
    let (mut cursor, mut line) = (0usize, 1u32);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(StoreError::invalid(
                    "file",
                    format!("is not readable CSV after line {line}: {e}"),
                ));
            }
        }
        let start = bytes[cursor..]
            .iter()
            .position(|b| *b != b'\r' && *b != b'\n')
            .map_or(bytes.len(), |i| cursor + i);
        line += newlines(cursor, start);
        out.push((line, record.iter().map(|c| c.trim().to_owned()).collect()));
        let end = usize::try_from(reader.position().byte())
            .unwrap_or(bytes.len())
            .clamp(start, bytes.len());
        line += newlines(start, end);
        cursor = end;
    }
    Ok(out)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>> {
    let bad = |e: &dyn std::fmt::Display| {
        StoreError::invalid("file", format!("is not a readable XLSX workbook: {e}"))
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| StoreError::invalid("file", "has no worksheet"))?
        .map_err(|e| bad(&e))?;
    let first_row = range.start().map_or(0, |(r, _)| r);
    let first_col = range.start().map_or(0, |(_, c)| c) as usize;
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); first_col];
            cells.extend(row.iter().map(cell_text));
            (first_row + i as u32 + 1, cells)
        })
        .collect())
}

/// A cell as text; whole numbers print without a fraction (APT 101, not 101.0).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string().trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_blank_rows_and_quotes() {
        let t = read_table(
            b"\xEF\xBB\xBFMAC\r\n0C11050893CA\r\n\r\n\" 0c:11:05:08:93:cb \"\r\n",
            10,
            "MAC",
        )
        .unwrap();
        assert_eq!(t.header, ["MAC"]);
        assert_eq!(
            t.rows,
            [
                (2, vec!["0C11050893CA".to_owned()]),
                (4, vec!["0c:11:05:08:93:cb".to_owned()])
            ]
        );
        assert_eq!(t.column("mac"), Some(0));
    }

    #[test]
    fn line_numbers_count_blank_lines_and_quoted_newlines() {
        let t = read_table(
            b"Title\nMAC,Note\n\n\nA1,\"two\nlines\"\nA2,x\r\n\r\nA3,y",
            10,
            "mac",
        )
        .unwrap();
        let lines: Vec<u32> = t.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [5, 7, 9]);
    }

    #[test]
    fn limits() {
        assert!(read_table(b"", 10, "MAC").is_err());
        assert!(read_table(b"Serial\n1\n", 10, "MAC").is_err());
        assert!(read_table(b"MAC\n1\n2\n3\n", 2, "MAC").is_err());
        assert!(read_table(b"PK\x03\x04garbage", 10, "MAC").is_err());
    }
}
