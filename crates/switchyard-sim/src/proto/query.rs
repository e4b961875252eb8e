//! The AWS query protocol (ELBv2, STS, and CloudWatch for old clients): form-encoded requests
//! with `Action`, `Version` and `.member.N` lists, answered with XML.

use std::collections::BTreeMap;

use super::doc::Doc;
use super::xml::escape;

/// A decoded query request.
#[derive(Debug)]
pub struct QueryRequest {
    pub action: String,
    pub version: String,
    pub input: Doc,
}

/// Parses a form body (or a URL query string) into its action and input document.
pub fn decode(form: &[u8]) -> Result<QueryRequest, String> {
    let mut action = None;
    let mut version = String::new();
    let mut root = Tmp::Map(Vec::new());
    for (key, value) in form_urlencoded::parse(form) {
        match key.as_ref() {
            "Action" => action = Some(value.into_owned()),
            "Version" => version = value.into_owned(),
            _ => {
                let path: Vec<&str> = key.split('.').collect();
                root.insert(&path, value.into_owned())?;
            }
        }
    }
    let action = action.ok_or_else(|| "query request has no Action".to_string())?;
    Ok(QueryRequest {
        action,
        version,
        input: root.into_doc(),
    })
}

enum Tmp {
    Leaf(String),
    Map(Vec<(String, Tmp)>),
    List(BTreeMap<usize, Tmp>),
}

impl Tmp {
    fn insert(&mut self, path: &[&str], value: String) -> Result<(), String> {
        let Some((head, rest)) = path.split_first() else {
            *self = Tmp::Leaf(value);
            return Ok(());
        };
        if matches!(*head, "member" | "entry") {
            let (index, rest) = rest
                .split_first()
                .ok_or_else(|| format!("list parameter without an index at {head}"))?;
            let index: usize = index
                .parse()
                .map_err(|_| format!("list index {index:?} is not a number"))?;
            if !matches!(self, Tmp::List(_)) {
                *self = Tmp::List(BTreeMap::new());
            }
            if let Tmp::List(items) = self {
                return items
                    .entry(index)
                    .or_insert(Tmp::Leaf(String::new()))
                    .insert(rest, value);
            }
            return Ok(());
        }
        if !matches!(self, Tmp::Map(_)) {
            *self = Tmp::Map(Vec::new());
        }
        if let Tmp::Map(members) = self {
            let pos = match members.iter().position(|(k, _)| k == head) {
                Some(pos) => pos,
                None => {
                    members.push(((*head).to_string(), Tmp::Leaf(String::new())));
                    members.len() - 1
                }
            };
            return members[pos].1.insert(rest, value);
        }
        Ok(())
    }

    fn into_doc(self) -> Doc {
        match self {
            Tmp::Leaf(s) => Doc::Str(s),
            Tmp::Map(members) => Doc::Map(
                members
                    .into_iter()
                    .map(|(k, v)| (k, v.into_doc()))
                    .collect(),
            ),
            Tmp::List(items) => Doc::List(items.into_values().map(Tmp::into_doc).collect()),
        }
    }
}

/// Formats a timestamp as the query and REST-XML protocols do.
pub fn iso8601(epoch_seconds: f64) -> String {
    let nanos = (epoch_seconds * 1e9) as i128;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Writes a document as query-protocol XML: structures as elements, lists as `member` elements.
pub fn doc_to_xml(doc: &Doc, out: &mut String) {
    match doc {
        Doc::Null => {}
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Int(i) => out.push_str(&i.to_string()),
        Doc::Float(f) => out.push_str(&format_float(*f)),
        Doc::Str(s) => out.push_str(&escape(s)),
        Doc::Time(t) => out.push_str(&iso8601(*t)),
        Doc::List(items) => {
            for item in items {
                out.push_str("<member>");
                doc_to_xml(item, out);
                out.push_str("</member>");
            }
        }
        Doc::Map(members) => {
            for (k, v) in members {
                out.push('<');
                out.push_str(k);
                out.push('>');
                doc_to_xml(v, out);
                out.push_str("</");
                out.push_str(k);
                out.push('>');
            }
        }
    }
}

/// Floats as AWS writes them: always with a decimal point.
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// The whole response envelope of a query action.
pub fn response(action: &str, xmlns: &str, result: &Doc, request_id: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<{action}Response xmlns=\"{xmlns}\"><{action}Result>"
    ));
    doc_to_xml(result, &mut out);
    out.push_str(&format!(
        "</{action}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_become_lists_in_index_order() {
        let req = decode(
            b"Action=AddTags&Version=2015-12-01&ResourceArns.member.2=b&ResourceArns.member.1=a\
              &Tags.member.1.Key=k&Tags.member.1.Value=v%20w",
        )
        .unwrap();
        assert_eq!(req.action, "AddTags");
        assert_eq!(req.input.strings("ResourceArns"), vec!["a", "b"]);
        let tag = &req.input.list("Tags")[0];
        assert_eq!(tag.str("Value"), Some("v w"));
    }

    #[test]
    fn nested_lists_inside_lists() {
        let req = decode(
            b"Action=ModifyListener&Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=tg",
        )
        .unwrap();
        let action = &req.input.list("Actions")[0];
        let tgs = action.get("ForwardConfig").unwrap().list("TargetGroups");
        assert_eq!(tgs[0].str("TargetGroupArn"), Some("tg"));
    }

    #[test]
    fn missing_action_is_an_error() {
        assert!(decode(b"Version=1").is_err());
        assert!(decode(b"Action=X&Names.member.x=1").is_err());
    }

    #[test]
    fn xml_writes_members_and_times() {
        let doc = Doc::map()
            .with("L", Doc::List(vec!["a".into()]))
            .with("T", Doc::Time(0.5));
        let mut out = String::new();
        doc_to_xml(&doc, &mut out);
        assert_eq!(
            out,
            "<L><member>a</member></L><T>1970-01-01T00:00:00.500Z</T>"
        );
    }
}
