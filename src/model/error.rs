//! AWS failures as data: what went wrong, where, and what to tell the operator.
//!
//! The AWS adapter classifies every SDK error into an [`AwsError`]; panels show
//! [`AwsError::summary`] next to the data that is now getting old.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure an AWS call ran into, as far as the operator needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The API's rate limit (`Throttling`, `Rate exceeded`, `TooManyRequests`).
    Throttled,
    /// The caller is not allowed to make the call (IAM).
    AccessDenied,
    /// No credentials, or expired/invalid ones.
    Credentials,
    /// The resource does not exist (`NoSuchHealthCheck`, `TargetGroupNotFound`, ...).
    NotFound,
    /// Connect, timeout, DNS or proxy trouble between us and the AWS endpoint.
    Network,
    /// A 5xx or an error we could not classify.
    Service,
    /// Any other 4xx: the request was refused as invalid (`InvalidChangeBatch`, ...).
    Invalid,
    /// AWS answered, but what it holds cannot be read: a maintenance journal that is damaged or
    /// not switchyard's.
    Unreadable,
}

impl ErrorKind {}

/// One failed AWS call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsError {
    /// How the failure is classified.
    pub kind: ErrorKind,
    /// The service: `route53`, `cloudwatch`, `elbv2`, `cloudfront` or `sts`.
    pub service: String,
    /// The API operation, e.g. `GetHealthCheckStatus`.
    pub operation: String,
    /// AWS's error code, e.g. `Throttling` or `AccessDenied`, when there was one.
    pub code: Option<String>,
    /// AWS's message, or the transport error's text.
    pub message: String,
    /// The IAM action the caller lacks (`route53:GetHealthCheckStatus`), for access denied.
    pub iam_action: Option<String>,
    /// The service gave no answer within a time limit (an attempt's, the whole call's or
    /// connecting's), as the SDK's typed error said: unlike a refused or dropped connection,
    /// which fails at once, another call to it would wait as long again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_answer_in_time: bool,
}

impl AwsError {
    /// An error without code or IAM action; add them with [`AwsError::with_code`] and
    /// [`AwsError::with_iam_action`].
    pub fn new(
        kind: ErrorKind,
        service: impl Into<String>,
        operation: impl Into<String>,
        message: impl Into<String>,
    ) -> AwsError {
        AwsError {
            kind,
            service: service.into(),
            operation: operation.into(),
            code: None,
            message: message.into(),
            iam_action: None,
            no_answer_in_time: false,
        }
    }

    /// The same error, marked as the service giving no answer within a time limit.
    pub fn with_no_answer_in_time(mut self) -> AwsError {
        self.no_answer_in_time = true;
        self
    }

    /// The same error with AWS's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> AwsError {
        self.code = Some(code.into());
        self
    }

    /// The same error naming the IAM action the caller lacks.
    pub fn with_iam_action(mut self, action: impl Into<String>) -> AwsError {
        self.iam_action = Some(action.into());
        self
    }

    /// The IAM action the caller lacks: the one recorded, or the one AWS's message names.
    pub fn missing_iam_action(&self) -> Option<String> {
        self.iam_action
            .clone()
            .or_else(|| iam_action_from_message(&self.message))
    }

    /// Whether the call failed while its credentials were obtained by assuming a role (the STS
    /// call the credentials provider makes), rather than in the call itself.
    pub fn is_assuming_a_role(&self) -> bool {
        self.service == "sts" && self.operation.starts_with("AssumeRole")
    }

    /// One line for the operator, e.g.
    /// `access denied: the role lacks route53:GetHealthCheckStatus`,
    /// `throttled by route53 (GetHealthCheckStatus)`,
    /// `network: connection timed out (route53 GetHealthCheckStatus)`.
    pub fn summary(&self) -> String {
        let message = one_line(&self.message);
        let call = format!("{} {}", self.service, self.operation);
        let detail = match (&self.code, message.is_empty()) {
            (Some(code), false) if !message.starts_with(code.as_str()) => {
                format!("{code}: {message}")
            }
            (Some(code), true) => code.clone(),
            _ => message.clone(),
        };
        match self.kind {
            ErrorKind::AccessDenied => match self.missing_iam_action() {
                Some(action) => format!("access denied: the role lacks {action}"),
                None => format!("access denied: {call}: {detail}"),
            },
            // Route 53's refusal of a change while it still processes the previous one to the
            // zone (its API reference, ChangeResourceRecordSets errors): retried by the SDK like
            // throttling, and said as what it is.
            ErrorKind::Throttled if self.code.as_deref() == Some("PriorRequestNotComplete") => {
                format!(
                    "Route 53 was still processing a prior change to the hosted zone \
                     (PriorRequestNotComplete, {call}); it may take a moment"
                )
            }
            ErrorKind::Throttled => {
                format!("throttled by {} ({})", self.service, self.operation)
            }
            ErrorKind::Credentials => format!("credentials missing or expired ({call}): {detail}"),
            ErrorKind::NotFound => format!("not found ({call}): {detail}"),
            ErrorKind::Network => format!("network: {detail} ({call})"),
            ErrorKind::Service => format!("{} error ({}): {detail}", self.service, self.operation),
            ErrorKind::Invalid => format!(
                "rejected by {} ({}): {detail}",
                self.service, self.operation
            ),
            ErrorKind::Unreadable => detail,
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

impl std::error::Error for AwsError {}

/// Collapses whitespace runs (newlines included) so that a message fits one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The IAM action named in an AWS access-denied message, e.g. `route53:GetHealthCheckStatus` from
/// `User: arn:aws:sts::123456789012:assumed-role/ops/x is not authorized to perform:
/// route53:GetHealthCheckStatus on resource: arn:aws:route53:::healthcheck/abc`, or from
/// `... because no identity-based policy allows the cloudwatch:DescribeAlarms action`.
pub fn iam_action_from_message(msg: &str) -> Option<String> {
    const PERFORM: &str = "not authorized to perform:";
    const ALLOWS: &str = "allows the ";
    let after = if let Some(i) = msg.find(PERFORM) {
        &msg[i + PERFORM.len()..]
    } else if let Some(i) = msg.find(ALLOWS) {
        &msg[i + ALLOWS.len()..]
    } else {
        return None;
    };
    let token = after.split_whitespace().next()?;
    let token = token.trim_end_matches(['.', ',', ';', ')', '"', '\'']);
    let (service, action) = token.split_once(':')?;
    let valid = |s: &str, extra: char| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == extra)
    };
    (valid(service, '-') && valid(action, '*')).then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iam_action_is_read_from_an_access_denied_message() {
        let msg = "User: arn:aws:sts::123456789012:assumed-role/ops/alice is not authorized to \
                   perform: route53:GetHealthCheckStatus on resource: \
                   arn:aws:route53:::healthcheck/3f1c9a2e";
        assert_eq!(
            iam_action_from_message(msg).as_deref(),
            Some("route53:GetHealthCheckStatus")
        );
        let msg = "User: arn:aws:iam::1:user/bob is not authorized to perform: \
                   elasticloadbalancing:DescribeTargetHealth because no identity-based policy \
                   allows the elasticloadbalancing:DescribeTargetHealth action";
        assert_eq!(
            iam_action_from_message(msg).as_deref(),
            Some("elasticloadbalancing:DescribeTargetHealth")
        );
        let msg =
            "... because no identity-based policy allows the cloudwatch:DescribeAlarms action";
        assert_eq!(
            iam_action_from_message(msg).as_deref(),
            Some("cloudwatch:DescribeAlarms")
        );
        assert_eq!(iam_action_from_message("Access Denied"), None);
        assert_eq!(iam_action_from_message("not authorized to perform: "), None);
    }

    #[test]
    fn summaries_are_one_line_in_the_operators_words() {
        let denied = AwsError::new(
            ErrorKind::AccessDenied,
            "route53",
            "GetHealthCheckStatus",
            "User: arn:aws:sts::1:assumed-role/ops/x is not authorized to perform: \
             route53:GetHealthCheckStatus on resource: arn:aws:route53:::healthcheck/abc",
        )
        .with_code("AccessDenied");
        assert_eq!(
            denied.summary(),
            "access denied: the role lacks route53:GetHealthCheckStatus"
        );
        let throttled = AwsError::new(
            ErrorKind::Throttled,
            "route53",
            "GetHealthCheckStatus",
            "Rate exceeded",
        )
        .with_code("Throttling");
        assert_eq!(
            throttled.summary(),
            "throttled by route53 (GetHealthCheckStatus)"
        );
        let network = AwsError::new(
            ErrorKind::Network,
            "route53",
            "ListResourceRecordSets",
            "proxy CONNECT failed:\n 407 Proxy Authentication Required",
        );
        assert_eq!(
            network.summary(),
            "network: proxy CONNECT failed: 407 Proxy Authentication Required \
             (route53 ListResourceRecordSets)"
        );
        let invalid = AwsError::new(
            ErrorKind::Invalid,
            "route53",
            "ChangeResourceRecordSets",
            "Tried to delete resource record set but it was not found",
        )
        .with_code("InvalidChangeBatch");
        assert_eq!(
            invalid.summary(),
            "rejected by route53 (ChangeResourceRecordSets): InvalidChangeBatch: Tried to \
             delete resource record set but it was not found"
        );
        assert!(!invalid.summary().contains('\n'));
        assert_eq!(denied.to_string(), denied.summary());
    }

    #[test]
    fn errors_round_trip_through_json() {
        let e = AwsError::new(
            ErrorKind::Credentials,
            "sts",
            "GetCallerIdentity",
            "expired",
        )
        .with_code("ExpiredToken");
        let json = serde_json::to_string(&e).unwrap_or_default();
        assert!(json.contains("\"kind\":\"credentials\""));
        let back: AwsError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
