//! CloudFront: the sorry page's distribution and its invalidations.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::route53::{dns_name_ends_with, same_dns_name};
use super::serde_util::secs_opt;
use super::strings::aws_string_enum;

aws_string_enum! {
    /// A distribution's deployment status.
    DistributionStatus {
        /// Deployed to all edge locations.
        Deployed => "Deployed",
        /// A change is being deployed (minutes).
        InProgress => "InProgress",
    }
}

aws_string_enum! {
    /// An invalidation's status.
    InvalidationStatus {
        /// Still invalidating.
        InProgress => "InProgress",
        /// Done.
        Completed => "Completed",
    }
}

/// How long an invalidation usually takes at most to complete (the ETA's figure).
pub const INVALIDATION_USUAL: std::time::Duration = std::time::Duration::from_secs(120);

/// How long a distribution usually takes at most to be Deployed after a change (the ETA's
/// figure).
pub const DEPLOY_USUAL: std::time::Duration = std::time::Duration::from_secs(300);

/// One origin of a distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The origin ID.
    pub id: String,
    /// The origin's domain name, e.g. `sorry-bucket.s3.eu-west-1.amazonaws.com`.
    pub domain_name: String,
}

/// A custom error response: which page CloudFront serves for an error, with which code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The HTTP error code from the origin, e.g. 403.
    pub error_code: u16,
    /// The page served instead, e.g. `/maintenance.html`.
    pub page: Option<String>,
    /// The code sent to the viewer, e.g. 503.
    pub response_code: Option<u16>,
    /// ErrorCachingMinTTL: how long the error page stays cached (also after fail back).
    #[serde(with = "secs_opt")]
    pub min_ttl: Option<Duration>,
}

/// A CloudFront distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    /// The distribution ID, e.g. `E2QWRUHAPOMQZL`.
    pub id: String,
    /// The ARN.
    pub arn: String,
    /// CloudFront's domain name, e.g. `d111111abcdef8.cloudfront.net`.
    pub domain_name: String,
    /// Deployed or InProgress.
    pub status: DistributionStatus,
    /// Whether the distribution serves requests.
    pub enabled: bool,
    /// The alternate domain names (CNAMEs).
    pub aliases: Vec<String>,
    /// The origins.
    pub origins: Vec<Origin>,
    /// The ID of the origin the default cache behaviour fetches from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_origin: Option<String>,
    /// The custom error responses.
    pub error_responses: Vec<ErrorResponse>,
    /// The ETag UpdateDistribution needs as IfMatch.
    pub etag: Option<String>,
    /// When the distribution was last modified.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_modified: Option<OffsetDateTime>,
    /// The comment.
    pub comment: String,
}

impl Distribution {
    /// Whether `dns_name` (an alias target, say) is this distribution's domain name.
    pub fn has_domain(&self, dns_name: &str) -> bool {
        same_dns_name(&self.domain_name, dns_name)
    }

    /// The domain name of the origin its default cache behaviour fetches from (the first origin
    /// when the behaviour names none that exists).
    pub fn default_origin_domain(&self) -> Option<&str> {
        self.default_origin
            .as_ref()
            .and_then(|id| self.origins.iter().find(|o| &o.id == id))
            .or(self.origins.first())
            .map(|o| o.domain_name.as_str())
    }

    /// Whether it stands in front of a load balancer (its default origin is one): it is the
    /// app's front door, not a sorry page.
    pub fn fronts_load_balancer(&self) -> bool {
        self.default_origin_domain()
            .is_some_and(|d| dns_name_ends_with(d, ".elb.amazonaws.com"))
    }

    /// Whether it serves requests and has finished deploying.
    pub fn is_ready(&self) -> bool {
        self.enabled && self.status == DistributionStatus::Deployed
    }
}

/// A CloudFront invalidation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invalidation {
    /// The invalidation ID.
    pub id: String,
    /// InProgress or Completed.
    pub status: InvalidationStatus,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
}
