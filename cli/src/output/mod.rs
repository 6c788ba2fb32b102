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

/// Prints the one field at `path` (dotted; a number indexes a list) as plain text: strings
/// as they are, numbers and booleans as JSON writes them, objects as JSON.
#[allow(clippy::print_stdout)]
pub fn print_field(value: &Value, path: &str) -> Result<(), CliError> {
    let mut at = value;
    for key in path.split('.') {
        let next = match key.parse::<usize>() {
            Ok(i) => at.get(i),
            Err(_) => at.get(key),
        };
        at = next.ok_or_else(|| {
            CliError::Usage(format!(
                "the answer has no field {path:?} (its fields: {})",
                field_names(value)
            ))
        })?;
    }
    match at {
        Value::String(s) => println!("{s}"),
        Value::Null => println!(),
        other => println!("{other}"),
    }
    Ok(())
}

fn field_names(value: &Value) -> String {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}
