//! RPCv2-CBOR bodies (what the Rust CloudWatch client speaks) to and from [`Doc`].

use ciborium::value::Value;

use super::doc::Doc;

/// Decodes a request body; an empty body is an empty structure.
pub fn decode(body: &[u8]) -> Result<Doc, String> {
    if body.is_empty() {
        return Ok(Doc::map());
    }
    let value: Value =
        ciborium::de::from_reader(body).map_err(|e| format!("malformed CBOR body: {e}"))?;
    from_value(value)
}

fn from_value(value: Value) -> Result<Doc, String> {
    Ok(match value {
        Value::Null => Doc::Null,
        Value::Bool(b) => Doc::Bool(b),
        Value::Integer(i) => {
            Doc::Int(i64::try_from(i128::from(i)).map_err(|_| "integer out of range".to_string())?)
        }
        Value::Float(f) => Doc::Float(f),
        Value::Text(s) => Doc::Str(s),
        Value::Bytes(b) => Doc::Str(String::from_utf8_lossy(&b).into_owned()),
        Value::Tag(1, inner) => match *inner {
            Value::Integer(i) => Doc::Time(i128::from(i) as f64),
            Value::Float(f) => Doc::Time(f),
            other => return Err(format!("timestamp tag holds {other:?}")),
        },
        Value::Tag(_, inner) => from_value(*inner)?,
        Value::Array(items) => Doc::List(
            items
                .into_iter()
                .map(from_value)
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(members) => Doc::Map(
            members
                .into_iter()
                .map(|(k, v)| match k {
                    Value::Text(k) => Ok((k, from_value(v)?)),
                    other => Err(format!("map key is not a string: {other:?}")),
                })
                .collect::<Result<_, String>>()?,
        ),
        other => return Err(format!("unsupported CBOR value {other:?}")),
    })
}

/// Encodes a response body.
pub fn encode(doc: &Doc) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail; an error here would be a bug in ciborium.
    if ciborium::ser::into_writer(&to_value(doc), &mut out).is_err() {
        out.clear();
    }
    out
}

fn to_value(doc: &Doc) -> Value {
    match doc {
        Doc::Null => Value::Null,
        Doc::Bool(b) => Value::Bool(*b),
        Doc::Int(i) => Value::Integer((*i).into()),
        Doc::Float(f) => Value::Float(*f),
        Doc::Str(s) => Value::Text(s.clone()),
        Doc::Time(t) => Value::Tag(1, Box::new(Value::Float(*t))),
        Doc::List(items) => Value::Array(items.iter().map(to_value).collect()),
        Doc::Map(members) => Value::Map(
            members
                .iter()
                .map(|(k, v)| (Value::Text(k.clone()), to_value(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind_of_value() {
        let doc = Doc::map()
            .with("S", "x")
            .with("I", 7i64)
            .with("F", 0.5)
            .with("T", Doc::Time(1_700_000_000.25))
            .with("L", Doc::List(vec![Doc::Bool(true)]));
        assert_eq!(decode(&encode(&doc)).unwrap(), doc);
    }

    #[test]
    fn malformed_body_is_an_error_not_a_panic() {
        assert!(decode(&[0xff, 0x00, 0x12]).is_err());
    }
}
