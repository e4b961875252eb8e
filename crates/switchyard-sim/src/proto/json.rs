//! JSON 1.0 bodies (what awscli and boto3 speak to CloudWatch) to and from [`Doc`].

use serde_json::{Map, Number, Value};

use super::doc::Doc;

/// Decodes a request body; an empty body is an empty structure.
pub fn decode(body: &[u8]) -> Result<Doc, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Doc::map());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("malformed JSON body: {e}"))?;
    Ok(from_value(value))
}

fn from_value(value: Value) -> Doc {
    match value {
        Value::Null => Doc::Null,
        Value::Bool(b) => Doc::Bool(b),
        Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Doc::Float(n.as_f64().unwrap_or(0.0)), Doc::Int),
        Value::String(s) => Doc::Str(s),
        Value::Array(items) => Doc::List(items.into_iter().map(from_value).collect()),
        Value::Object(members) => Doc::Map(
            members
                .into_iter()
                .map(|(k, v)| (k, from_value(v)))
                .collect(),
        ),
    }
}

/// Encodes a response body.
pub fn encode(doc: &Doc) -> Vec<u8> {
    serde_json::to_vec(&to_value(doc)).unwrap_or_default()
}

fn to_value(doc: &Doc) -> Value {
    match doc {
        Doc::Null => Value::Null,
        Doc::Bool(b) => Value::Bool(*b),
        Doc::Int(i) => Value::Number((*i).into()),
        Doc::Float(f) | Doc::Time(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Doc::Str(s) => Value::String(s.clone()),
        Doc::List(items) => Value::Array(items.iter().map(to_value).collect()),
        Doc::Map(members) => {
            let mut map = Map::new();
            for (k, v) in members {
                map.insert(k.clone(), to_value(v));
            }
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_epoch_seconds() {
        let doc = Doc::map().with("T", Doc::Time(1_700_000_000.5));
        assert_eq!(
            String::from_utf8(encode(&doc)).unwrap(),
            r#"{"T":1700000000.5}"#
        );
    }

    #[test]
    fn malformed_body_is_an_error() {
        assert!(decode(b"{nope").is_err());
    }
}
