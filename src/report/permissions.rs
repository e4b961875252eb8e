//! The IAM actions switchyard needs: the read set of every command that observes, and the write
//! set of each maintenance strategy. `doctor` tries the read set and lists the write set.

use crate::config::Strategy;

/// The read actions of `status`, the console and discovery, with what each is for.
pub const READ: [(&str, &str); 20] = [
    ("sts:GetCallerIdentity", "who switchyard calls AWS as"),
    ("route53:GetHostedZone", "the zone's name"),
    (
        "route53:ListResourceRecordSets",
        "the record pair and the journal",
    ),
    ("route53:ListHealthChecks", "health check configs"),
    (
        "route53:GetHealthCheckStatus",
        "each checker's view (site detail)",
    ),
    (
        "route53:GetHealthCheckLastFailureReason",
        "last failure reasons",
    ),
    ("route53:ListTagsForResources", "health check names"),
    (
        "route53:TestDNSAnswer",
        "which record Route 53 answers with",
    ),
    ("cloudwatch:DescribeAlarms", "alarm states"),
    (
        "cloudwatch:GetMetricData",
        "health check status and sparklines",
    ),
    (
        "elasticloadbalancing:DescribeLoadBalancers",
        "load balancers behind aliases",
    ),
    (
        "elasticloadbalancing:DescribeListeners",
        "listener default actions",
    ),
    ("elasticloadbalancing:DescribeRules", "listener rules"),
    ("elasticloadbalancing:DescribeTargetGroups", "target groups"),
    ("elasticloadbalancing:DescribeTargetHealth", "target health"),
    ("elasticloadbalancing:DescribeTags", "load balancer tags"),
    (
        "cloudfront:ListDistributions",
        "the distribution behind an alias",
    ),
    ("cloudfront:GetDistribution", "the distribution's state"),
    ("cloudfront:ListInvalidations", "recent invalidations"),
    ("route53:GetChange", "whether a change is INSYNC"),
];

/// The write actions every switch needs: the maintenance journal is a TXT record.
pub const JOURNAL: [(&str, &str); 1] = [(
    "route53:ChangeResourceRecordSets",
    "the maintenance journal (TXT record _switchyard.<record>)",
)];

/// The write actions of one strategy.
pub fn write_actions(strategy: &Strategy) -> Vec<&'static str> {
    match strategy {
        Strategy::InvertHealthCheck { .. } => {
            vec!["route53:GetHealthCheck", "route53:UpdateHealthCheck"]
        }
        Strategy::SwapPrimary | Strategy::SetRecord { .. } => {
            vec!["route53:ChangeResourceRecordSets"]
        }
        Strategy::ListenerSorry { .. } => vec!["elasticloadbalancing:ModifyListener"],
        Strategy::MaintenanceRule { .. } => vec![
            "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteRule",
        ],
        Strategy::SilenceAlarms { .. } => vec![
            "cloudwatch:DisableAlarmActions",
            "cloudwatch:EnableAlarmActions",
        ],
        Strategy::Invalidate { .. } => {
            vec![
                "cloudfront:CreateInvalidation",
                "cloudfront:GetInvalidation",
            ]
        }
    }
}
