//! SDK errors, classified for the operator: throttled, access denied (naming the IAM action),
//! credentials missing or expired, not found, network, or service.
//!
//! Only typed information decides: the [`SdkError`] variant, the connector error's kind, AWS's
//! error code and the HTTP status, and the credentials provider's [`CredentialsError`] (with the
//! STS call behind it) found in the error's source chain. Never the text of an error.

use std::error::Error;
use std::fmt::Debug;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::proxy::ProxyFailure;
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

const PROXY_AUTH: &str =
    "the HTTP proxy requires authentication (407): put user:password@ in the proxy URL";

/// What a failure to load credentials says first.
const LOADING: &str = "credentials could not be loaded";

/// Classifies a failed SDK call.
pub fn classify<E>(service: &str, operation: &str, err: &SdkError<E, Response>) -> AwsError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let default_action = format!("{}:{operation}", iam_prefix(service));
    match err {
        SdkError::ServiceError(e) => {
            let status = e.raw().status().as_u16();
            let code = e.err().code().map(str::to_string);
            let message = e.err().message().unwrap_or_default().to_string();
            classify_code(service, operation, status, code, message, &default_action)
        }
        // The SDK's words say which limit ran out and after how long (`call_timeout`).
        SdkError::TimeoutError(_) => AwsError::new(
            ErrorKind::Network,
            service,
            operation,
            format!("no answer within the time limit: {}", sources(err)),
        )
        .with_no_answer_in_time(),
        SdkError::DispatchFailure(_) => match find::<CredentialsError>(err) {
            // Resolving the identity is part of dispatching the call.
            Some(c) => credentials(service, operation, c),
            None => transport(service, operation, err),
        },
        SdkError::ResponseError(r) => {
            let status = r.raw().status().as_u16();
            if status == 407 {
                return AwsError::new(ErrorKind::Network, service, operation, PROXY_AUTH);
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
                format!("unreadable answer (HTTP {status}): {}", sources(err)),
            )
        }
        SdkError::ConstructionFailure(_) => match find::<CredentialsError>(err) {
            Some(c) => credentials(service, operation, c),
            None => AwsError::new(ErrorKind::Invalid, service, operation, chain(err)),
        },
        _ => AwsError::new(ErrorKind::Service, service, operation, chain(err)),
    }
}

/// A call that never got an answer, by the connector error's kind: a proxy that failed (its own
/// sentence is the whole story), a timeout, a request that could not be sent as made, or the
/// connection failing (refused, reset, closed before the answer).
fn transport(service: &str, operation: &str, err: &(dyn Error + 'static)) -> AwsError {
    let connector = find::<ConnectorError>(err);
    if let Some(p) = find::<ProxyFailure>(err) {
        let e = AwsError::new(ErrorKind::Network, service, operation, p.0.clone());
        return match connector {
            Some(c) if c.is_timeout() => e.with_no_answer_in_time(),
            _ => e,
        };
    }
    let Some(c) = connector else {
        return AwsError::new(ErrorKind::Network, service, operation, chain(err));
    };
    let cause = sources(c);
    if c.is_timeout() {
        AwsError::new(
            ErrorKind::Network,
            service,
            operation,
            format!("timed out: {cause}"),
        )
        .with_no_answer_in_time()
    } else if c.is_user() {
        AwsError::new(
            ErrorKind::Invalid,
            service,
            operation,
            format!("the request could not be sent: {cause}"),
        )
    } else {
        // is_io, or other (hyper's "connection closed before message completed" is other).
        AwsError::new(ErrorKind::Network, service, operation, cause)
    }
}

/// A failure of the credentials provider. The call behind it decides: assuming the role (an STS
/// call, classified like any other: throttled, network, 5xx, access denied, expired source
/// credentials), a connection of another provider (SSO, IMDS, ECS), its time limit; only what
/// is left is "credentials missing or expired".
fn credentials(service: &str, operation: &str, c: &CredentialsError) -> AwsError {
    if let CredentialsError::ProviderTimedOut(t) = c {
        return AwsError::new(
            ErrorKind::Network,
            service,
            operation,
            format!(
                "{LOADING}: the credentials provider did not answer within {} s",
                t.timeout_duration().as_secs()
            ),
        );
    }
    if let CredentialsError::CredentialsNotLoaded(_) = c {
        return AwsError::new(
            ErrorKind::Credentials,
            service,
            operation,
            format!("no credentials found: {}", chain(c)),
        );
    }
    let sts = if let Some(e) = find::<SdkError<AssumeRoleError, Response>>(c) {
        Some(classify("sts", "AssumeRole", e))
    } else {
        find::<SdkError<AssumeRoleWithWebIdentityError, Response>>(c)
            .map(|e| classify("sts", "AssumeRoleWithWebIdentity", e))
    };
    if let Some(mut e) = sts {
        if e.code.is_none() && !e.message.starts_with(LOADING) {
            e.message = format!("{LOADING}: {}", e.message);
        }
        return e;
    }
    if find::<ConnectorError>(c).is_some() || find::<ProxyFailure>(c).is_some() {
        let mut e = transport(service, operation, c);
        e.message = format!("{LOADING}: {}", e.message);
        return e;
    }
    AwsError::new(
        ErrorKind::Credentials,
        service,
        operation,
        format!("{LOADING}: {}", sources(c)),
    )
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
        PROXY_AUTH.to_string()
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

/// The first error of type `T` in `err`'s source chain, `err` included.
fn find<'a, T: Error + 'static>(err: &'a (dyn Error + 'static)) -> Option<&'a T> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        next = e.source();
    }
    None
}

/// The sources of `err` joined into one line, without `err`'s own words ("dispatch failure",
/// "io error"); `err`'s words when it has no source.
fn sources(err: &(dyn Error + 'static)) -> String {
    err.source().map_or_else(|| err.to_string(), chain)
}

/// The error and its sources, joined into one line.
fn chain(err: &(dyn Error + 'static)) -> String {
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
    //! Every case is a real SDK error value, built as the SDK builds it: a service error with
    //! AWS's code and the HTTP status, a dispatch failure with the connector's kind, a timeout,
    //! an unreadable answer, and the credentials provider's error around the STS call.

    use std::io;
    use std::time::Duration;

    use aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use aws_smithy_types::retry::ErrorKind as RetryKind;

    use super::*;

    type R53 = SdkError<ListResourceRecordSetsError, Response>;
    type Sts = SdkError<AssumeRoleError, Response>;

    fn response(status: u16) -> Response {
        Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(""))
    }

    fn meta(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

    fn route53_error(status: u16, code: &str, message: &str) -> R53 {
        SdkError::service_error(
            ListResourceRecordSetsError::generic(meta(code, message)),
            response(status),
        )
    }

    fn sts_error(status: u16, code: &str, message: &str) -> Sts {
        SdkError::service_error(
            AssumeRoleError::generic(meta(code, message)),
            response(status),
        )
    }

    fn io_error(text: &str) -> BoxError {
        Box::new(io::Error::new(
            io::ErrorKind::ConnectionReset,
            text.to_string(),
        ))
    }

    /// The route53 call failed while its credentials were loaded.
    fn loading(c: CredentialsError) -> R53 {
        SdkError::dispatch_failure(ConnectorError::other(Box::new(c), None))
    }

    /// The route53 call failed because assuming the role failed so.
    fn assume_role_failed(e: Sts) -> R53 {
        loading(CredentialsError::provider_error(e))
    }

    type BoxError = Box<dyn Error + Send + Sync>;

    fn r53(e: &R53) -> AwsError {
        classify("route53", "ListResourceRecordSets", e)
    }

    fn code(status: u16, code: &str, message: &str) -> AwsError {
        r53(&route53_error(status, code, message))
    }

    #[test]
    fn codes_and_statuses_map_to_kinds() {
        assert_eq!(
            code(400, "Throttling", "Rate exceeded").kind,
            ErrorKind::Throttled
        );
        assert_eq!(
            code(400, "PriorRequestNotComplete", "").kind,
            ErrorKind::Throttled
        );
        assert_eq!(code(429, "", "").kind, ErrorKind::Throttled);
        assert_eq!(
            code(403, "ExpiredToken", "expired").kind,
            ErrorKind::Credentials
        );
        assert_eq!(code(404, "NoSuchHealthCheck", "").kind, ErrorKind::NotFound);
        assert_eq!(
            code(400, "TargetGroupNotFound", "").kind,
            ErrorKind::NotFound
        );
        assert_eq!(code(400, "InvalidChangeBatch", "").kind, ErrorKind::Invalid);
        assert_eq!(code(403, "", "").kind, ErrorKind::AccessDenied);
        let e = code(
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        );
        assert_eq!(
            e.summary(),
            "credentials missing or expired (route53 ListResourceRecordSets): ExpiredToken: The \
             security token included in the request is expired"
        );
        assert_eq!(e.code.as_deref(), Some("ExpiredToken"));
    }

    #[test]
    fn an_http_5xx_is_a_service_error_whatever_its_code() {
        for (status, c) in [
            (500, "InternalFailure"),
            (503, "ServiceUnavailable"),
            (502, ""),
        ] {
            let e = code(status, c, "We encountered an internal error");
            assert_eq!(e.kind, ErrorKind::Service, "{status} {c}");
            assert!(
                e.summary()
                    .starts_with("route53 error (ListResourceRecordSets)")
            );
        }
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
            bare.summary(),
            "access denied: the role lacks route53:ListResourceRecordSets"
        );
        let elb = classify(
            "elbv2",
            "DescribeLoadBalancers",
            &route53_error(403, "AccessDenied", "Access denied"),
        );
        assert_eq!(
            elb.iam_action.as_deref(),
            Some("elasticloadbalancing:DescribeLoadBalancers")
        );
    }

    #[test]
    fn a_dropped_connection_is_network_in_the_connectors_words() {
        let reset = r53(&SdkError::dispatch_failure(ConnectorError::io(io_error(
            "connection reset by peer",
        ))));
        assert_eq!(reset.kind, ErrorKind::Network);
        assert_eq!(
            reset.summary(),
            "network: connection reset by peer (route53 ListResourceRecordSets)"
        );
        // hyper's "connection closed before message completed" comes as `other`.
        let closed = r53(&SdkError::dispatch_failure(ConnectorError::other(
            io_error("connection closed before message completed"),
            Some(RetryKind::TransientError),
        )));
        assert_eq!(closed.kind, ErrorKind::Network);
        assert_eq!(closed.message, "connection closed before message completed");
    }

    #[test]
    fn words_in_a_message_never_decide_the_kind() {
        // A network failure whose text speaks of credentials and tokens stays network...
        let e = r53(&SdkError::dispatch_failure(ConnectorError::io(io_error(
            "expired token: invalid credentials for the SSO identity",
        ))));
        assert_eq!(e.kind, ErrorKind::Network);
        // ...and so does one that could not be built for a reason in the same words.
        let e = r53(&SdkError::construction_failure(io_error(
            "credentials token identity",
        )));
        assert_eq!(e.kind, ErrorKind::Invalid);
        // An access-denied code without the usual words is still access denied.
        assert_eq!(
            code(403, "AccessDeniedException", "nope").kind,
            ErrorKind::AccessDenied
        );
    }

    #[test]
    fn timeouts_are_network() {
        // The SDK's own words say which limit ran out, and after how long.
        let e = r53(&SdkError::timeout_error(io_error(
            "operation timeout (all attempts including retries) occurred after 9s",
        )));
        assert_eq!(e.kind, ErrorKind::Network);
        assert_eq!(
            e.message,
            "no answer within the time limit: operation timeout (all attempts including retries) \
             occurred after 9s"
        );
        assert!(e.no_answer_in_time);
        let e = r53(&SdkError::dispatch_failure(ConnectorError::timeout(
            io_error("connect timed out"),
        )));
        assert_eq!(e.kind, ErrorKind::Network);
        assert_eq!(e.message, "timed out: connect timed out");
        assert!(e.no_answer_in_time);
    }

    #[test]
    fn a_dropped_or_refused_connection_is_an_answer_of_a_kind() {
        // The service (or the path to it) answered at once: another call is worth making.
        for failure in [
            ConnectorError::other(
                io_error("connection closed before message completed"),
                Some(RetryKind::TransientError),
            ),
            ConnectorError::io(io_error("Connection refused (os error 111)")),
        ] {
            let e = r53(&SdkError::dispatch_failure(failure));
            assert_eq!(e.kind, ErrorKind::Network);
            assert!(!e.no_answer_in_time, "{e:?}");
        }
    }

    #[test]
    fn a_request_that_could_not_be_sent_is_invalid() {
        let e = r53(&SdkError::dispatch_failure(ConnectorError::user(io_error(
            "invalid URI",
        ))));
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert_eq!(e.message, "the request could not be sent: invalid URI");
    }

    #[test]
    fn unreadable_answers_by_status() {
        let bad = R53::response_error(io_error("unexpected end of XML"), response(502));
        let e = r53(&bad);
        assert_eq!(e.kind, ErrorKind::Service);
        assert_eq!(
            e.message,
            "unreadable answer (HTTP 502): unexpected end of XML"
        );
        let e = r53(&R53::response_error(io_error("not XML"), response(200)));
        assert_eq!(e.kind, ErrorKind::Invalid);
        let e = r53(&R53::response_error(
            io_error("Proxy Authentication Required"),
            response(407),
        ));
        assert_eq!(e.kind, ErrorKind::Network);
        assert_eq!(e.message, PROXY_AUTH);
    }

    #[test]
    fn a_proxy_failure_is_told_in_its_own_sentence() {
        let failure = ProxyFailure(
            "cannot reach the HTTPS proxy http://squid:3128: Connection refused (os error 111)"
                .into(),
        );
        let e = r53(&SdkError::dispatch_failure(ConnectorError::io(Box::new(
            failure,
        ))));
        assert_eq!(e.kind, ErrorKind::Network);
        assert_eq!(
            e.message,
            "cannot reach the HTTPS proxy http://squid:3128: Connection refused (os error 111)"
        );
        assert!(!e.no_answer_in_time);
        let silent = ProxyFailure(
            "the HTTPS proxy http://squid:3128 did not answer in time (deadline has elapsed)"
                .into(),
        );
        let e = r53(&SdkError::dispatch_failure(ConnectorError::timeout(
            Box::new(silent),
        )));
        assert!(e.no_answer_in_time);
    }

    #[test]
    fn an_sts_network_drop_while_assuming_the_role_is_network_not_credentials() {
        let drop = Sts::dispatch_failure(ConnectorError::other(
            io_error("connection closed before message completed"),
            Some(RetryKind::TransientError),
        ));
        let e = r53(&assume_role_failed(drop));
        assert_eq!(e.kind, ErrorKind::Network);
        assert_eq!(
            e.summary(),
            "network: credentials could not be loaded: connection closed before message \
             completed (sts AssumeRole)"
        );
        let timeout = Sts::timeout_error(io_error("timed out"));
        assert_eq!(r53(&assume_role_failed(timeout)).kind, ErrorKind::Network);
    }

    #[test]
    fn an_sts_http_500_while_assuming_the_role_is_a_service_error() {
        let e = r53(&assume_role_failed(sts_error(
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error",
        )));
        assert_eq!(e.kind, ErrorKind::Service);
        assert_eq!(
            e.summary(),
            "sts error (AssumeRole): InternalFailure: The request processing has failed because \
             of an unknown error"
        );
    }

    #[test]
    fn an_sts_throttle_while_assuming_the_role_is_throttled() {
        let e = r53(&assume_role_failed(sts_error(
            400,
            "Throttling",
            "Rate exceeded",
        )));
        assert_eq!(e.kind, ErrorKind::Throttled);
        assert_eq!(e.summary(), "throttled by sts (AssumeRole)");
    }

    #[test]
    fn an_assume_role_refusal_names_sts_assume_role() {
        let e = r53(&assume_role_failed(sts_error(
            403,
            "AccessDenied",
            "User: arn:aws:sts::1:assumed-role/Ops/x is not authorized to perform: \
             sts:AssumeRole on resource: *",
        )));
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert_eq!(e.summary(), "access denied: the role lacks sts:AssumeRole");
        let bare = r53(&assume_role_failed(sts_error(
            403,
            "AccessDenied",
            "denied",
        )));
        assert_eq!(bare.iam_action.as_deref(), Some("sts:AssumeRole"));
    }

    #[test]
    fn expired_source_credentials_or_none_at_all_are_credentials() {
        let e = r53(&assume_role_failed(sts_error(
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        )));
        assert_eq!(e.kind, ErrorKind::Credentials);
        assert!(
            e.summary()
                .starts_with("credentials missing or expired (sts AssumeRole)")
        );
        // No provider in the default chain had any.
        let none = r53(&loading(CredentialsError::not_loaded(
            "no providers in chain provided credentials",
        )));
        assert_eq!(none.kind, ErrorKind::Credentials);
        assert_eq!(
            none.summary(),
            "credentials missing or expired (route53 ListResourceRecordSets): no credentials \
             found: the credential provider was not enabled: no providers in chain provided \
             credentials"
        );
        // The source credentials of the role were missing: the STS call's own failure says so.
        let source_missing = Sts::dispatch_failure(ConnectorError::other(
            Box::new(CredentialsError::not_loaded_no_source()),
            None,
        ));
        let e = r53(&assume_role_failed(source_missing));
        assert_eq!(e.kind, ErrorKind::Credentials);
        // A provider that failed in its own way (credential_process, an SSO token file).
        let e = r53(&loading(CredentialsError::provider_error(
            "the SSO session has expired; run aws sso login",
        )));
        assert_eq!(e.kind, ErrorKind::Credentials);
        // Credentials that could not be found while the request was built.
        let e = r53(&R53::construction_failure(
            CredentialsError::not_loaded_no_source(),
        ));
        assert_eq!(e.kind, ErrorKind::Credentials);
    }

    #[test]
    fn another_providers_connection_failing_or_its_time_limit_is_network() {
        // IMDS, SSO and ECS providers make SDK calls of their own.
        let imds = R53::dispatch_failure(ConnectorError::io(io_error("connection refused")));
        let e = r53(&loading(CredentialsError::provider_error(imds)));
        assert_eq!(e.kind, ErrorKind::Network);
        assert_eq!(
            e.message,
            "credentials could not be loaded: connection refused"
        );
        let e = r53(&loading(CredentialsError::provider_timed_out(
            Duration::from_secs(5),
        )));
        assert_eq!(e.kind, ErrorKind::Network);
        assert!(
            e.message.contains("did not answer within 5 s"),
            "{}",
            e.message
        );
    }
}
