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
    "the maintenance journal (TXT record _switchyard.<record>, or _switchyard-<type>.<record> for a site of one record_type)",
)];

/// The write actions of one strategy.
pub fn write_actions(strategy: &Strategy) -> Vec<&'static str> {
    match strategy {
        Strategy::InvertHealthCheck { .. } => {
            vec!["route53:GetHealthCheck", "route53:UpdateHealthCheck"]
        }
        Strategy::SwapPrimary | Strategy::SetRecord { .. } | Strategy::WeightedSorry { .. } => {
            vec!["route53:ChangeResourceRecordSets"]
        }
        Strategy::ListenerSorry { .. } => vec!["elasticloadbalancing:ModifyListener"],
        Strategy::MaintenanceRule { priority, .. } => {
            let mut v = vec![
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:DeleteRule",
            ];
            // Ahead of every rule: the rules in the way are moved down, and back.
            if *priority == crate::config::RulePriority::First {
                v.push("elasticloadbalancing:SetRulePriorities");
            }
            v
        }
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

/// The region of a site's alarms, load balancers and their ARNs.
fn region_of(site: &crate::config::Site) -> String {
    site.aws.region.clone().unwrap_or_else(|| "*".to_string())
}

/// The resources one strategy's writes touch, as IAM resource ARNs, with the actions on them.
fn write_statements(
    site: &crate::config::Site,
    strategy: &Strategy,
) -> Vec<(Vec<&'static str>, String)> {
    let zone = format!("arn:aws:route53:::hostedzone/{}", site.zone_id);
    match strategy {
        // The check the strategy names; else the one of the primary record, which is among the
        // site's listed checks (any of them: the config does not say which is the primary's);
        // else any (it is discovered).
        Strategy::InvertHealthCheck { health_check } => {
            let ids: Vec<String> = match (health_check, site.health_checks.as_slice()) {
                (Some(id), _) => vec![id.clone()],
                (None, []) => vec!["*".to_string()],
                (None, listed) => listed.to_vec(),
            };
            ids.into_iter()
                .map(|id| {
                    (
                        vec!["route53:GetHealthCheck", "route53:UpdateHealthCheck"],
                        format!("arn:aws:route53:::healthcheck/{id}"),
                    )
                })
                .collect()
        }
        Strategy::SwapPrimary | Strategy::SetRecord { .. } | Strategy::WeightedSorry { .. } => {
            vec![(vec!["route53:ChangeResourceRecordSets"], zone)]
        }
        Strategy::ListenerSorry { listener, .. } => {
            vec![(
                vec!["elasticloadbalancing:ModifyListener"],
                listener.clone(),
            )]
        }
        Strategy::MaintenanceRule {
            listener, priority, ..
        } => {
            let rules = format!(
                "{}/*",
                listener.replacen(":listener/", ":listener-rule/", 1)
            );
            // The rules are created with switchyard's tags, which IAM authorises as AddTags on
            // the new rule; ahead of every rule, the rules in the way are moved (and back).
            let mut on_rules = vec![
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:DeleteRule",
            ];
            if *priority == crate::config::RulePriority::First {
                on_rules.push("elasticloadbalancing:SetRulePriorities");
            }
            vec![
                (vec!["elasticloadbalancing:CreateRule"], listener.clone()),
                (on_rules, rules),
            ]
        }
        Strategy::SilenceAlarms { alarms } => alarms
            .iter()
            .map(|a| {
                let region = a.region.clone().unwrap_or_else(|| region_of(site));
                (
                    vec![
                        "cloudwatch:DisableAlarmActions",
                        "cloudwatch:EnableAlarmActions",
                    ],
                    format!("arn:aws:cloudwatch:{region}:*:alarm:{}", a.name),
                )
            })
            .collect(),
        Strategy::Invalidate { distribution, .. } => {
            let id = distribution
                .clone()
                .or_else(|| site.distribution.clone())
                .unwrap_or_else(|| "*".to_string());
            vec![(
                vec![
                    "cloudfront:CreateInvalidation",
                    "cloudfront:GetInvalidation",
                ],
                format!("arn:aws:cloudfront::*:distribution/{id}"),
            )]
        }
    }
}

/// The least-privilege IAM policy for these sites: a read statement for every command that
/// observes, and (unless `read_only`) one operator statement per action, scoped to the
/// resources the sites' strategies change.
pub fn policy(sites: &[&crate::config::Site], read_only: bool) -> serde_json::Value {
    use std::collections::{BTreeMap, BTreeSet};
    let mut read: Vec<&str> = READ.iter().map(|(a, _)| *a).collect();
    read.push("route53:ListHostedZonesByName");
    read.sort_unstable();
    read.dedup();
    let mut statements = vec![serde_json::json!({
        "Sid": "SwitchyardRead",
        "Effect": "Allow",
        "Action": read,
        "Resource": "*",
    })];
    if !read_only {
        // Action -> resources.
        let mut writes: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for site in sites
            .iter()
            .filter(|s| !s.read_only && !s.maintenance.is_empty())
        {
            writes
                .entry("route53:ChangeResourceRecordSets")
                .or_default()
                .insert(format!("arn:aws:route53:::hostedzone/{}", site.zone_id));
            for strategy in &site.maintenance {
                for (actions, resource) in write_statements(site, strategy) {
                    for a in actions {
                        writes.entry(a).or_default().insert(resource.clone());
                    }
                }
            }
        }
        // Actions on the same resources share a statement.
        let mut grouped: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
        for (action, resources) in writes {
            grouped
                .entry(resources.into_iter().collect())
                .or_default()
                .push(action);
        }
        for (i, (resources, actions)) in grouped.into_iter().enumerate() {
            statements.push(serde_json::json!({
                "Sid": format!("SwitchyardOperate{}", i + 1),
                "Effect": "Allow",
                "Action": actions,
                "Resource": resources,
            }));
        }
    }
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": statements,
    })
}

/// Runs `iam-policy`. Returns the exit code.
pub fn run(global: &crate::cli::GlobalArgs, args: &crate::cli::IamPolicyArgs) -> i32 {
    let config = match super::load_config(global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut sites = Vec::new();
    for name in &args.site {
        match config.site(name) {
            Some(s) => sites.push(s),
            None => {
                let names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
                eprintln!(
                    "switchyard iam-policy: no site named {name:?} in {}; the sites are: {}",
                    config.path.display(),
                    names.join(", ")
                );
                return 2;
            }
        }
    }
    if sites.is_empty() {
        sites = config.sites.iter().collect();
    }
    let read_only = args.read_only || config.defaults.read_only;
    match serde_json::to_string_pretty(&policy(&sites, read_only)) {
        Ok(text) => {
            println!("{text}");
            0
        }
        Err(e) => {
            eprintln!("switchyard iam-policy: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> crate::config::Config {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/configs/demo.toml"
        ))
        .unwrap_or_default();
        crate::config::parse(&text, std::path::Path::new("assets/configs/demo.toml")).unwrap()
    }

    fn actions(statement: &serde_json::Value) -> Vec<String> {
        statement["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn read_only_has_only_the_read_statement() {
        let c = config();
        let sites: Vec<&crate::config::Site> = c.sites.iter().collect();
        let p = policy(&sites, true);
        let st = p["Statement"].as_array().unwrap();
        assert_eq!(st.len(), 1);
        let read = actions(&st[0]);
        assert!(read.contains(&"route53:GetHealthCheckStatus".to_string()));
        assert!(
            read.iter()
                .all(|a| !a.contains("Update") && !a.contains("Modify"))
        );
    }

    #[test]
    fn the_pay_site_may_modify_only_its_listener_and_its_zone() {
        let c = config();
        let pay = c.site("pay").unwrap();
        let p = policy(&[pay], false);
        let st = p["Statement"].as_array().unwrap();
        let modify = st
            .iter()
            .find(|s| actions(s) == ["elasticloadbalancing:ModifyListener"])
            .unwrap();
        assert_eq!(
            modify["Resource"],
            serde_json::json!([
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/pay-nlb/2b3c4d5e6f708192/8a9b0c1d2e3f4a5b"
            ])
        );
        let journal = st
            .iter()
            .find(|s| actions(s) == ["route53:ChangeResourceRecordSets"])
            .unwrap();
        assert_eq!(
            journal["Resource"],
            serde_json::json!(["arn:aws:route53:::hostedzone/Z0DEMO0EXAMPLE"])
        );
        let all: Vec<String> = st.iter().skip(1).flat_map(actions).collect();
        assert_eq!(
            all.len(),
            2,
            "nothing but the listener and the journal: {all:?}"
        );
    }

    #[test]
    fn a_site_listing_two_checks_may_invert_either_not_only_the_first() {
        let text = "[[site]]\nname = \"shop\"\nzone = \"Z0DEMO0EXAMPLE\"\nrecord = \"www.example.com\"\n\
                    health_checks = [\"11111111-1111-1111-1111-111111111111\", \"22222222-2222-2222-2222-222222222222\"]\n\
                    [[site.maintenance]]\nstrategy = \"route53-invert-health-check\"\n";
        let c = crate::config::parse(text, std::path::Path::new("c.toml")).unwrap();
        let p = policy(&[c.site("shop").unwrap()], false);
        let update = p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| actions(s).contains(&"route53:UpdateHealthCheck".to_string()))
            .unwrap();
        assert_eq!(
            update["Resource"],
            serde_json::json!([
                "arn:aws:route53:::healthcheck/11111111-1111-1111-1111-111111111111",
                "arn:aws:route53:::healthcheck/22222222-2222-2222-2222-222222222222"
            ])
        );
    }

    #[test]
    fn maintenance_rules_may_be_deleted_only_under_their_listener() {
        let c = config();
        let portal = c.site("portal").unwrap();
        let p = policy(&[portal], false);
        let delete = p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| actions(s).contains(&"elasticloadbalancing:DeleteRule".to_string()))
            .unwrap()
            .clone();
        assert_eq!(
            delete["Resource"][0],
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/portal-alb/7e6d5c4b3a291807/5a6b7c8d9e0f1a2b/*"
        );
    }
}
