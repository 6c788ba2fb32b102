//! How `porter admin` prints: JSON with `--json`, else readable `key: value` lines.

use serde::Serialize;
use serde_json::Value;

#[allow(clippy::print_stdout)]
pub fn emit<T: Serialize>(json: bool, value: &T) -> anyhow::Result<()> {
    let value = serde_json::to_value(value)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let mut out = String::new();
        human(&value, 0, &mut out);
        print!("{out}");
    }
    Ok(())
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("-".into()),
        Value::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if s.is_empty() => Some("-".into()),
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            Some(if a.is_empty() {
                "-".into()
            } else {
                a.iter().filter_map(scalar).collect::<Vec<_>>().join(", ")
            })
        }
        _ => None,
    }
}

fn human(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match scalar(v) {
                    Some(s) => out.push_str(&format!("{pad}{k}: {s}\n")),
                    None => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        human(v, indent + 1, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str(&format!("{pad}(none)\n"));
            }
            for (i, item) in items.iter().enumerate() {
                out.push_str(&format!("{pad}- #{}\n", i + 1));
                human(item, indent + 1, out);
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other).unwrap_or_default())),
    }
}
