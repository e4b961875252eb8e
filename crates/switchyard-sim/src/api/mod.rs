//! The AWS APIs the emulator serves: telling requests apart, and answering in each protocol's
//! own shape, errors included.

pub mod cloudfront;
pub mod cloudwatch;
pub mod elbv2;
pub mod route53;
pub mod sts;

use bytes::Bytes;
use hyper::{HeaderMap, Method};

use super::proto::{Doc, cbor, json, query, xml::escape};
use super::world::World;

pub const ROUTE53_XMLNS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";
pub const CLOUDFRONT_XMLNS: &str = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
pub const ELB_XMLNS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
pub const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub const CLOUDWATCH_XMLNS: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";

/// An AWS error, answered in the protocol of the request.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// A 400 client error.
    pub fn bad(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(400, code, message)
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::bad("ValidationError", message)
    }

    /// The error of an injected fault, with the status and message AWS gives that code.
    pub fn injected(
        code: &str,
        message: Option<&str>,
        status: Option<u16>,
        iam_action: &str,
        caller: &str,
    ) -> ApiError {
        let (default_status, default_message) = match code {
            "AccessDenied" | "AccessDeniedException" => (
                403,
                format!(
                    "User: {caller} is not authorized to perform: {iam_action} on resource: * because no identity-based policy allows the {iam_action} action"
                ),
            ),
            "ExpiredToken" | "ExpiredTokenException" => (403, "The security token included in the request is expired".to_string()),
            "InvalidClientTokenId" => (403, "The security token included in the request is invalid.".to_string()),
            "Throttling" | "ThrottlingException" => (400, "Rate exceeded".to_string()),
            "InternalFailure" | "InternalError" | "ServiceFailure" => {
                (500, "The request processing has failed because of an unknown error, exception or failure.".to_string())
            }
            "ServiceUnavailable" => (503, "The service is unavailable. Please try again later.".to_string()),
            _ => (400, format!("Injected fault {code}")),
        };
        ApiError::new(
            status.unwrap_or(default_status),
            code,
            message.map_or(default_message, str::to_string),
        )
    }

    fn is_server(&self) -> bool {
        self.status >= 500
    }
}

pub type ApiResult = Result<Reply, ApiError>;

/// A successful answer: REST-XML services write their own XML; the others give a document that
/// the protocol layer encodes.
#[derive(Debug)]
pub enum Reply {
    Xml {
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
    },
    Doc(Doc),
}

impl Reply {
    pub fn xml(body: String) -> Reply {
        Reply::Xml {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }
}

/// The wire protocol of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    RestXml { xmlns: &'static str },
    Query { xmlns: &'static str },
    Cbor,
    Json,
}

/// One classified API request.
#[derive(Debug)]
pub struct Call {
    /// route53, cloudwatch, elbv2, cloudfront or sts.
    pub service: &'static str,
    pub operation: String,
    pub proto: Proto,
    pub method: Method,
    /// The path without the API version prefix, split into segments, percent-decoded.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The decoded input of query, CBOR and JSON requests.
    pub input: Doc,
    /// The region the request was signed for.
    pub region: String,
}

impl Call {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The IAM action a call needs, as AccessDenied messages name it.
    pub fn iam_action(&self) -> String {
        let prefix = match self.service {
            "route53" => "route53",
            "cloudwatch" => "cloudwatch",
            "elbv2" => "elasticloadbalancing",
            "cloudfront" => "cloudfront",
            _ => "sts",
        };
        format!("{prefix}:{}", self.operation)
    }
}

/// The region of a SigV4 credential scope: `Credential=AKID/20261122/eu-west-1/monitoring/aws4_request`.
pub fn signed_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    scope.split('/').nth(2).map(str::to_string)
}

/// The service a SigV4 credential scope names.
fn signed_service(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    scope.split('/').nth(3).map(str::to_string)
}

/// Percent-decodes a path segment (invalid escapes are kept as they are).
fn decode_segment(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Tells which service and operation a request is for.
pub fn classify(
    method: &Method,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
    default_region: &str,
) -> Result<Call, (Proto, ApiError)> {
    let region = signed_region(headers).unwrap_or_else(|| default_region.to_string());
    let query: Vec<(String, String)> = raw_query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let mut call = Call {
        service: "",
        operation: String::new(),
        proto: Proto::Json,
        method: method.clone(),
        segments: Vec::new(),
        query,
        headers: headers.clone(),
        body,
        input: Doc::map(),
        region,
    };
    let segments = |prefix: &str| -> Vec<String> {
        path.strip_prefix(prefix)
            .unwrap_or_default()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode_segment)
            .collect()
    };
    if path.starts_with("/2013-04-01/") {
        call.service = "route53";
        call.proto = Proto::RestXml {
            xmlns: ROUTE53_XMLNS,
        };
        call.segments = segments("/2013-04-01/");
        call.operation = route53::operation(method, &call.segments)
            .ok_or_else(|| {
                (
                    call.proto,
                    ApiError::new(
                        404,
                        "UnknownOperationException",
                        format!("No operation at {method} {path}"),
                    ),
                )
            })?
            .to_string();
        return Ok(call);
    }
    if path.starts_with("/2020-05-31/") {
        call.service = "cloudfront";
        call.proto = Proto::RestXml {
            xmlns: CLOUDFRONT_XMLNS,
        };
        call.segments = segments("/2020-05-31/");
        call.operation = cloudfront::operation(method, &call.segments)
            .ok_or_else(|| {
                (
                    call.proto,
                    ApiError::new(
                        404,
                        "UnknownOperationException",
                        format!("No operation at {method} {path}"),
                    ),
                )
            })?
            .to_string();
        return Ok(call);
    }
    if let Some(op) = path.strip_prefix("/service/GraniteServiceVersion20100801/operation/") {
        call.service = "cloudwatch";
        call.proto = Proto::Cbor;
        call.operation = op.to_string();
        call.input = cbor::decode(&call.body)
            .map_err(|e| (Proto::Cbor, ApiError::bad("SerializationException", e)))?;
        return Ok(call);
    }
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        if let Some(op) = target.strip_prefix("GraniteServiceVersion20100801.") {
            call.service = "cloudwatch";
            call.proto = Proto::Json;
            call.operation = op.to_string();
            call.input = json::decode(&call.body)
                .map_err(|e| (Proto::Json, ApiError::bad("SerializationException", e)))?;
            return Ok(call);
        }
        return Err((
            Proto::Json,
            ApiError::bad(
                "UnknownOperationException",
                format!("Unknown target {target}"),
            ),
        ));
    }
    // The query protocol: a form body, or for GET a query string.
    let form: Vec<u8> = if call.body.is_empty() {
        raw_query.unwrap_or_default().as_bytes().to_vec()
    } else {
        call.body.to_vec()
    };
    let fallback = Proto::Query { xmlns: ELB_XMLNS };
    let req = query::decode(&form).map_err(|e| (fallback, ApiError::bad("MissingAction", e)))?;
    let service = match (req.version.as_str(), signed_service(headers).as_deref()) {
        ("2015-12-01", _) | (_, Some("elasticloadbalancing")) => "elbv2",
        ("2011-06-15", _) | (_, Some("sts")) => "sts",
        ("2010-08-01", _) | (_, Some("monitoring")) => "cloudwatch",
        (v, _) => {
            return Err((
                fallback,
                ApiError::bad(
                    "InvalidAction",
                    format!(
                        "Could not tell the service of action {} (Version {v:?})",
                        req.action
                    ),
                ),
            ));
        }
    };
    call.service = service;
    call.proto = Proto::Query {
        xmlns: match service {
            "elbv2" => ELB_XMLNS,
            "sts" => STS_XMLNS,
            _ => CLOUDWATCH_XMLNS,
        },
    };
    call.operation = req.action;
    call.input = req.input;
    Ok(call)
}

/// Runs a call against the world.
pub fn dispatch(world: &mut World, call: &Call) -> ApiResult {
    match call.service {
        "route53" => route53::handle(world, call),
        "cloudfront" => cloudfront::handle(world, call),
        "cloudwatch" => cloudwatch::handle(world, call),
        "elbv2" => elbv2::handle(world, call),
        _ => sts::handle(world, call),
    }
}

/// An HTTP answer, before it goes on the wire.
#[derive(Debug)]
pub struct Rendered {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub fn render(proto: Proto, operation: &str, result: ApiResult, request_id: &str) -> Rendered {
    let mut headers = vec![("x-amzn-RequestId".to_string(), request_id.to_string())];
    match result {
        Ok(Reply::Xml {
            status,
            body,
            headers: extra,
        }) => {
            headers.push(("content-type".into(), "text/xml".into()));
            headers.extend(extra);
            Rendered {
                status,
                headers,
                body: body.into_bytes(),
            }
        }
        Ok(Reply::Doc(doc)) => match proto {
            Proto::Cbor => {
                headers.push(("content-type".into(), "application/cbor".into()));
                headers.push(("smithy-protocol".into(), "rpc-v2-cbor".into()));
                Rendered {
                    status: 200,
                    headers,
                    body: cbor::encode(&doc),
                }
            }
            Proto::Json => {
                headers.push(("content-type".into(), "application/x-amz-json-1.0".into()));
                Rendered {
                    status: 200,
                    headers,
                    body: json::encode(&doc),
                }
            }
            Proto::Query { xmlns } | Proto::RestXml { xmlns } => {
                headers.push(("content-type".into(), "text/xml".into()));
                Rendered {
                    status: 200,
                    headers,
                    body: query::response(operation, xmlns, &doc, request_id).into_bytes(),
                }
            }
        },
        Err(e) => render_error(proto, &e, request_id, headers),
    }
}

pub fn render_error(
    proto: Proto,
    e: &ApiError,
    request_id: &str,
    mut headers: Vec<(String, String)>,
) -> Rendered {
    let kind = if e.is_server() { "Receiver" } else { "Sender" };
    match proto {
        Proto::Cbor | Proto::Json => {
            // CloudWatch is query-compatible: the header carries the query error code.
            headers.push(("x-amzn-query-error".into(), format!("{};{kind}", e.code)));
            let doc = Doc::map()
                .with("__type", format!("com.amazonaws.cloudwatch#{}", e.code))
                .with("message", e.message.as_str());
            if proto == Proto::Cbor {
                headers.push(("content-type".into(), "application/cbor".into()));
                headers.push(("smithy-protocol".into(), "rpc-v2-cbor".into()));
                Rendered {
                    status: e.status,
                    headers,
                    body: cbor::encode(&doc),
                }
            } else {
                headers.push(("content-type".into(), "application/x-amz-json-1.0".into()));
                Rendered {
                    status: e.status,
                    headers,
                    body: json::encode(&doc),
                }
            }
        }
        Proto::Query { xmlns } | Proto::RestXml { xmlns } => {
            headers.push(("content-type".into(), "text/xml".into()));
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{xmlns}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
                escape(&e.code),
                escape(&e.message)
            );
            Rendered {
                status: e.status,
                headers,
                body: body.into_bytes(),
            }
        }
    }
}

/// Paging helper: the items after `marker` (an index), at most `max`, and the next marker.
pub fn page<T: Clone>(
    items: &[T],
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = match marker {
        Some(m) if !m.is_empty() => m
            .parse::<usize>()
            .map_err(|_| ApiError::bad("InvalidNextToken", "The pagination token is invalid."))?,
        _ => 0,
    };
    let max = max.max(1);
    let end = (start + max).min(items.len());
    let slice = items.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    let next = (end < items.len()).then(|| end.to_string());
    Ok((slice, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_the_credential_scope() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/monitoring/aws4_request, SignedHeaders=host, Signature=x"
                .parse()
                .unwrap(),
        );
        assert_eq!(signed_region(&h).as_deref(), Some("eu-west-1"));
        assert_eq!(signed_service(&h).as_deref(), Some("monitoring"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(decode_segment("%2Fhostedzone%2FZ1"), "/hostedzone/Z1");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("a%2"), "a%2");
    }

    #[test]
    fn paging_by_index() {
        let items: Vec<u32> = (0..5).collect();
        assert_eq!(
            page(&items, None, 2).unwrap(),
            (vec![0, 1], Some("2".into()))
        );
        assert_eq!(page(&items, Some("4"), 2).unwrap(), (vec![4], None));
        assert!(page(&items, Some("x"), 2).is_err());
    }
}
