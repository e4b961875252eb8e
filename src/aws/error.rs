//! SDK errors, classified for the operator: throttled, access denied (naming the IAM action),
//! credentials missing or expired, not found, network, or service.

use std::fmt::Debug;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::model::error::{AwsError, ErrorKind, iam_action_from_message};

/// The IAM service prefix of a service name as switchyard spells it.
pub fn iam_prefix(service: &str) -> &'static str {
    match service {
        "route53" => "route53",
        "cloudwatch" => "cloudwatch",
        "elbv2" => "elasticloadbalancing",
        "cloudfront" => "cloudfront",
        _ => "sts",
    }
}

const THROTTLING: [&str; 9] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
];

const CREDENTIALS: [&str; 9] = [
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "InvalidAccessKeyId",
    "MissingAuthenticationToken",
    "IncompleteSignature",
];

/// Classifies a failed SDK call.
pub fn classify<E>(service: &str, operation: &str, err: &SdkError<E, Response>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let default_action = format!("{}:{operation}", iam_prefix(service));
    match err {
        SdkError::ServiceError(e) => {
            let status = e.raw().status().as_u16();
            let code = e.err().code().map(str::to_string);
            let message = e.err().message().unwrap_or_default().to_string();
            classify_code(service, operation, status, code, message, &default_action)
        }
        SdkError::TimeoutError(_) => AwsError::new(
            ErrorKind::Network,
            service,
            operation,
            "no answer within the time limit (connect 3 s, attempt 10 s, call 30 s)",
        ),
        SdkError::DispatchFailure(d) => {
            let mut text = chain(err);
            // A proxy failure names the proxy (aws::proxy): that sentence is the whole story.
            if let Some(at) = ["the HTTP proxy ", "the HTTPS proxy ", "cannot reach the HTTP"]
                .iter()
                .filter_map(|p| text.find(p))
                .min()
            {
                text = text[at..].to_string();
            }
            if d.is_timeout() {
                AwsError::new(
                    ErrorKind::Network,
                    service,
                    operation,
                    format!("timed out: {text}"),
                )
            } else if mentions_credentials(&text) {
                AwsError::new(ErrorKind::Credentials, service, operation, text)
            } else {
                AwsError::new(ErrorKind::Network, service, operation, text)
            }
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status().as_u16();
            if status == 407 {
                return AwsError::new(
                    ErrorKind::Network,
                    service,
                    operation,
                    "the HTTP proxy requires authentication (407): put user:password@ in the proxy URL",
                );
            }
            let kind = if status >= 500 {
                ErrorKind::Service
            } else {
                ErrorKind::Invalid
            };
            AwsError::new(
                kind,
                service,
                operation,
                format!("unreadable answer (HTTP {status}): {}", chain(err)),
            )
        }
        SdkError::ConstructionFailure(_) => {
            let text = chain(err);
            let kind = if mentions_credentials(&text) {
                ErrorKind::Credentials
            } else {
                ErrorKind::Invalid
            };
            AwsError::new(kind, service, operation, text)
        }
        _ => AwsError::new(ErrorKind::Service, service, operation, chain(err)),
    }
}

/// Classifies an AWS error code with its HTTP status.
pub fn classify_code(
    service: &str,
    operation: &str,
    status: u16,
    code: Option<String>,
    message: String,
    default_action: &str,
) -> AwsError {
    let c = code.as_deref().unwrap_or_default();
    let kind = if THROTTLING.contains(&c) || status == 429 {
        ErrorKind::Throttled
    } else if c.starts_with("AccessDenied")
        || c == "UnauthorizedOperation"
        || c == "AuthorizationError"
    {
        ErrorKind::AccessDenied
    } else if CREDENTIALS.contains(&c) {
        ErrorKind::Credentials
    } else if c.starts_with("NoSuch") || c.contains("NotFound") {
        ErrorKind::NotFound
    } else if status == 407 {
        ErrorKind::Network
    } else if status >= 500 || c == "InternalFailure" || c == "ServiceUnavailable" {
        ErrorKind::Service
    } else if status == 403 && c.is_empty() {
        ErrorKind::AccessDenied
    } else {
        ErrorKind::Invalid
    };
    let message = if message.is_empty() && status == 407 {
        "the HTTP proxy requires authentication (407): put user:password@ in the proxy URL"
            .to_string()
    } else {
        message
    };
    let mut e = AwsError::new(kind, service, operation, message);
    if let Some(code) = code {
        e = e.with_code(code);
    }
    if kind == ErrorKind::AccessDenied {
        let action =
            iam_action_from_message(&e.message).unwrap_or_else(|| default_action.to_string());
        e = e.with_iam_action(action);
    }
    e
}

fn mentions_credentials(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("credential") || t.contains("identity") || t.contains("sso") || t.contains("token")
}

/// The error and its sources, joined into one line.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Shortcut for adapters: `.map_err(err("route53", "GetHealthCheck"))`.
pub fn err<E>(
    service: &'static str,
    operation: &'static str,
) -> impl Fn(SdkError<E, Response>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Debug + 'static,
{
    move |e| classify(service, operation, &e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(status: u16, code: &str, message: &str) -> AwsError {
        classify_code(
            "route53",
            "GetHealthCheckStatus",
            status,
            Some(code.into()),
            message.into(),
            "route53:GetHealthCheckStatus",
        )
    }

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(
            code(400, "Throttling", "Rate exceeded").kind,
            ErrorKind::Throttled
        );
        assert_eq!(
            code(400, "PriorRequestNotComplete", "").kind,
            ErrorKind::Throttled
        );
        assert_eq!(
            code(403, "ExpiredToken", "expired").kind,
            ErrorKind::Credentials
        );
        assert_eq!(code(404, "NoSuchHealthCheck", "").kind, ErrorKind::NotFound);
        assert_eq!(
            code(400, "TargetGroupNotFound", "").kind,
            ErrorKind::NotFound
        );
        assert_eq!(code(500, "InternalFailure", "").kind, ErrorKind::Service);
        assert_eq!(code(400, "InvalidChangeBatch", "").kind, ErrorKind::Invalid);
    }

    #[test]
    fn access_denied_names_the_action() {
        let e = code(
            403,
            "AccessDenied",
            "User: arn:aws:iam::1:user/x is not authorized to perform: route53:ListHealthChecks on resource: *",
        );
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert_eq!(e.iam_action.as_deref(), Some("route53:ListHealthChecks"));
        let bare = code(403, "AccessDenied", "Access denied");
        assert_eq!(
            bare.iam_action.as_deref(),
            Some("route53:GetHealthCheckStatus")
        );
    }
}
