//! How `porter admin` prints. With `--json`: the answer as protobuf's JSON mapping would
//! (field names as in the `.proto`, enums by name), integers as numbers. For people: lists
//! as tables with the manual's columns (`table`), everything else as `key: value` lines
//! (`text`), every time in one format in the community's (or else the account's) time zone.

mod reflect;
mod table;
mod text;

use chrono_tz::Tz;
use serde_json::Value;

use crate::error::CliError;

pub use reflect::message_json;

/// `message` as it should print: its JSON, and the type of the list it holds, if any.
pub fn shape<M: prost::Message + prost::Name>(message: &M) -> (Value, Option<ListOf>) {
    let json = message_json(message).unwrap_or(Value::Null);
    (json, reflect::list_field(&M::full_name()))
}

/// A list field of a message and the full name of its items' type.
pub struct ListOf {
    pub field: String,
    pub item: String,
}

/// Prints `value` (a message's JSON with `list` its list field, or any JSON answer).
#[allow(clippy::print_stdout)]
pub fn print(json: bool, mut value: Value, list: Option<ListOf>, tz: Tz) -> Result<(), CliError> {
    text::parse_details(&mut value);
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    text::for_people(&mut value, tz);
    let mut out = String::new();
    let table = list.and_then(|l| table::columns(&l.item).map(|c| (l.field, c)));
    match (table, value) {
        (Some((field, columns)), Value::Object(mut map)) => {
            let rows = match map.remove(&field) {
                Some(Value::Array(rows)) => rows,
                _ => Vec::new(),
            };
            table::render(columns, &rows, &mut out);
            // What else the answer says (the total of a paged list) follows the table.
            text::lines(&Value::Object(map), 0, &mut out);
        }
        (_, value) => text::lines(&value, 0, &mut out),
    }
    print!("{out}");
    Ok(())
}
