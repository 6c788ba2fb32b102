//! A protobuf message as JSON, through its descriptor: field names as in the `.proto`, enum
//! fields by name without their type's prefix (`FEATURE_PLAN_PREMIUM` → `PREMIUM`), 64-bit
//! integers as numbers, unset optional fields as null. Nothing is listed by hand, so a new
//! field or enum prints right without touching the CLI.

use std::sync::LazyLock;

use porter_proto::admin::v1 as pb;
use prost_reflect::{DescriptorPool, DynamicMessage, Kind, MapKey, ReflectMessage, Value};
use serde_json::{Map, Value as Json};

static POOL: LazyLock<Option<DescriptorPool>> =
    LazyLock::new(|| DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).ok());

/// `message` as JSON; `None` when its type is not in the admin API's descriptors.
pub fn message_json<M: prost::Message + prost::Name>(message: &M) -> Option<Json> {
    let descriptor = POOL.as_ref()?.get_message_by_name(&M::full_name())?;
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice()).ok()?;
    Some(dynamic_json(&dynamic))
}

/// The one repeated message field of message type `full_name` (a list answer), if it has
/// exactly one.
pub fn list_field(full_name: &str) -> Option<super::ListOf> {
    let descriptor = POOL.as_ref()?.get_message_by_name(full_name)?;
    let mut lists = descriptor.fields().filter_map(|f| match f.kind() {
        Kind::Message(m) if f.is_list() => Some(super::ListOf {
            field: f.name().to_owned(),
            item: m.full_name().to_owned(),
        }),
        _ => None,
    });
    let first = lists.next()?;
    lists.next().is_none().then_some(first)
}

fn dynamic_json(message: &DynamicMessage) -> Json {
    let mut out = Map::new();
    for field in message.descriptor().fields() {
        let value = if field.supports_presence() && !message.has_field(&field) {
            Json::Null
        } else {
            value_json(&message.get_field(&field), &field.kind())
        };
        out.insert(field.name().to_owned(), value);
    }
    Json::Object(out)
}

fn value_json(value: &Value, kind: &Kind) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I32(n) => Json::from(*n),
        Value::I64(n) => Json::from(*n),
        Value::U32(n) => Json::from(*n),
        Value::U64(n) => Json::from(*n),
        Value::F32(n) => Json::from(f64::from(*n)),
        Value::F64(n) => Json::from(*n),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(b) => Json::String(format!("({} bytes)", b.len())),
        Value::EnumNumber(n) => enum_json(*n, kind),
        Value::Message(m) => dynamic_json(m),
        Value::List(items) => Json::Array(items.iter().map(|v| value_json(v, kind)).collect()),
        Value::Map(entries) => {
            let value_kind = match kind {
                Kind::Message(m) if m.is_map_entry() => m.map_entry_value_field().kind(),
                other => other.clone(),
            };
            let object = entries
                .iter()
                .map(|(k, v)| (map_key(k), value_json(v, &value_kind)))
                .collect();
            Json::Object(object)
        }
    }
}

fn map_key(key: &MapKey) -> String {
    match key {
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(n) => n.to_string(),
        MapKey::I64(n) => n.to_string(),
        MapKey::U32(n) => n.to_string(),
        MapKey::U64(n) => n.to_string(),
        MapKey::String(s) => s.clone(),
    }
}

/// An enum value's name without its type's prefix; a number the descriptor does not know
/// (a newer server) stays a number.
fn enum_json(number: i32, kind: &Kind) -> Json {
    let Kind::Enum(e) = kind else {
        return Json::from(number);
    };
    let Some(value) = e.get_value(number) else {
        return Json::from(number);
    };
    let prefix = format!("{}_", screaming_snake(e.name()));
    Json::String(
        value
            .name()
            .strip_prefix(&prefix)
            .unwrap_or(value.name())
            .to_owned(),
    )
}

/// `FeaturePlan` → `FEATURE_PLAN`, as protobuf's style guide prefixes enum values.
fn screaming_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_print_by_name_everywhere_and_ids_as_numbers() {
        let community = pb::Community {
            id: 7,
            feature_plan: pb::FeaturePlan::Premium as i32,
            ..Default::default()
        };
        let json = message_json(&community).expect("known type");
        assert_eq!(json["feature_plan"], "PREMIUM");
        assert_eq!(json["id"], 7);
        let relay = pb::Relay {
            unlock_methods: vec![pb::UnlockMethod::Pin as i32, pb::UnlockMethod::Face as i32],
            ..Default::default()
        };
        let json = message_json(&relay).expect("known type");
        assert_eq!(json["unlock_methods"], serde_json::json!(["PIN", "FACE"]));
    }

    #[test]
    fn type_prefixes_come_from_the_enum_name() {
        assert_eq!(screaming_snake("SipTransportType"), "SIP_TRANSPORT_TYPE");
        assert_eq!(screaming_snake("UnlockMethod"), "UNLOCK_METHOD");
    }
}
