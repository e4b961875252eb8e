//! The IAM actions switchyard needs: the read set of every command that observes, and the write
//! set of each maintenance strategy. `doctor` tries the read set and lists the write set.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{Site, Strategy};
use crate::model::journal::{Change, Step};

/// What a site's strategies change, as AWS reads now (the steps they would build): the exact
/// resources the config does not name (the primary's health check, the sorry page's
/// distribution, records reached through an alias chain).
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub health_checks: BTreeSet<String>,
    pub distributions: BTreeSet<String>,
    /// (normalised name, type) of every record a step writes.
    pub records: BTreeSet<(String, String)>,
}

impl Resolved {
    /// The resources of `steps`.
    pub fn from_steps(steps: &[Step]) -> Resolved {
        let mut r = Resolved::default();
        for s in steps {
            match &s.change {
                Change::InvertHealthCheck { .. } => {
                    r.health_checks.insert(s.resource.clone());
                }
                Change::Invalidate { .. } => {
                    r.distributions.insert(s.resource.clone());
                }
                Change::Record { before, after } => {
                    for rec in [&before.record, &after.record] {
                        r.records.insert((normalized(&rec.name), rec.rtype.clone()));
                    }
                }
                Change::Records { before, after } => {
                    for rec in before.records.iter().chain(&after.records) {
                        r.records.insert((normalized(&rec.name), rec.rtype.clone()));
                    }
                }
                _ => {}
            }
        }
        r
    }
}

/// A record name as Route 53's `ChangeResourceRecordSetsNormalizedRecordNames` condition key
/// compares it: lower case, without the trailing dot.
fn normalized(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The read actions of `status`, the console and discovery, with what each is for.
pub const READ: [(&str, &str); 22] = [
    ("sts:GetCallerIdentity", "who switchyard calls AWS as"),
    (
        "route53:GetHostedZone",
        "the zone's name and its name servers (Route 53's answer by DNS)",
    ),
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
        "cloudwatch:DescribeAlarmHistory",
        "alarms' last state changes (site detail)",
    ),
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
    (
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "the minimum healthy targets Evaluate Target Health requires, and below which a load balancer fails open",
    ),
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
    "the maintenance journal (TXT record _switchyard.<record>, or _switchyard-<type>.<record> for a site of one record_type) and the switch history beside it (_switchyard-log.<record>, or _switchyard-log-<type>.<record>)",
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
    site: &Site,
    strategy: &Strategy,
    resolved: Option<&Resolved>,
) -> Vec<(Vec<&'static str>, String)> {
    let any_or = |found: Option<&BTreeSet<String>>| -> Vec<String> {
        match found {
            Some(f) if !f.is_empty() => f.iter().cloned().collect(),
            _ => vec!["*".to_string()],
        }
    };
    match strategy {
        // The check the strategy names; else the one of the primary record as AWS reads now;
        // else the site's listed checks (any of them: the config does not say which is the
        // primary's); else any (AWS could not be read).
        Strategy::InvertHealthCheck { health_check } => {
            let found = resolved.map(|r| &r.health_checks).filter(|f| !f.is_empty());
            let ids: Vec<String> = match (health_check, found, site.health_checks.as_slice()) {
                (Some(id), _, _) => vec![id.clone()],
                (None, Some(f), _) => f.iter().cloned().collect(),
                (None, None, []) => vec!["*".to_string()],
                (None, None, listed) => listed.to_vec(),
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
        // Record changes are granted on the zone, limited by condition keys (see [`policy`]).
        Strategy::SwapPrimary | Strategy::SetRecord { .. } | Strategy::WeightedSorry { .. } => {
            Vec::new()
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
            let ids = match distribution.clone().or_else(|| site.distribution.clone()) {
                Some(id) => vec![id],
                None => any_or(resolved.map(|r| &r.distributions)),
            };
            ids.into_iter()
                .map(|id| {
                    (
                        vec![
                            "cloudfront:CreateInvalidation",
                            "cloudfront:GetInvalidation",
                        ],
                        format!("arn:aws:cloudfront::*:distribution/{id}"),
                    )
                })
                .collect()
        }
    }
}

/// The record names and types a site may change: its record, its journal records (the TXT
/// beside it, and the shared name earlier versions wrote), its switch history (the TXT beside
/// the journal), and every record its strategies' steps write as AWS reads now (an alias
/// chain's records in the zone).
fn record_scope(site: &Site, resolved: Option<&Resolved>) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut names: BTreeSet<String> = [
        normalized(&site.journal_record()),
        normalized(&crate::model::journal::record_name(&site.record)),
        normalized(&crate::switch::history::record_name(site)),
    ]
    .into();
    let mut types: BTreeSet<String> = ["TXT".to_string()].into();
    let changes_records = site.maintenance.iter().any(|s| {
        matches!(
            s,
            Strategy::SwapPrimary | Strategy::SetRecord { .. } | Strategy::WeightedSorry { .. }
        )
    });
    if changes_records {
        names.insert(normalized(&site.record));
        match site.scope() {
            crate::model::journal::Scope::Only(t) => {
                types.insert(t);
            }
            crate::model::journal::Scope::Every => {
                types.extend(["A", "AAAA", "CNAME"].map(String::from));
            }
        }
    }
    for (name, rtype) in resolved.map(|r| r.records.iter()).into_iter().flatten() {
        names.insert(name.clone());
        types.insert(rtype.clone());
    }
    (names, types)
}

/// The least-privilege IAM policy for these sites: a read statement for every command that
/// observes, and (unless `read_only`) operator statements scoped to the resources the sites'
/// strategies change (`resolved`: per site, what AWS reads now; without it, what the config
/// names). `ChangeResourceRecordSets` is granted per hosted zone and limited with Route 53's
/// condition keys to the sites' records and journals, their types, and CREATE and DELETE (the
/// only actions switchyard sends).
pub fn policy(
    sites: &[&Site],
    read_only: bool,
    resolved: &BTreeMap<String, Resolved>,
) -> serde_json::Value {
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
        // Zone -> (record names, types).
        let mut zones: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
        for site in sites
            .iter()
            .filter(|s| !s.read_only && !s.maintenance.is_empty())
        {
            let r = resolved.get(&site.name);
            let (names, types) = record_scope(site, r);
            let zone = zones.entry(site.zone_id.clone()).or_default();
            zone.0.extend(names);
            zone.1.extend(types);
            for strategy in &site.maintenance {
                for (actions, resource) in write_statements(site, strategy, r) {
                    for a in actions {
                        writes.entry(a).or_default().insert(resource.clone());
                    }
                }
            }
        }
        for (i, (zone, (names, types))) in zones.into_iter().enumerate() {
            statements.push(serde_json::json!({
                "Sid": format!("SwitchyardRecords{}", i + 1),
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets"],
                "Resource": [format!("arn:aws:route53:::hostedzone/{zone}")],
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
                        "route53:ChangeResourceRecordSetsRecordTypes": types,
                        "route53:ChangeResourceRecordSetsActions": ["CREATE", "DELETE"],
                    }
                },
            }));
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

/// What each site's strategies would change, read from AWS now; and what could not be read.
async fn resolve(
    global: &crate::cli::GlobalArgs,
    config: &crate::config::Config,
    sites: &[&Site],
) -> (BTreeMap<String, Resolved>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut unread = Vec::new();
    let names: Vec<String> = sites
        .iter()
        .filter(|s| !s.read_only && !s.maintenance.is_empty())
        .map(|s| s.name.clone())
        .collect();
    if names.is_empty() {
        return (out, unread);
    }
    let mut session = match crate::poll::session::Session::start(
        config.clone(),
        &names,
        &super::overrides(global),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            unread.push(format!("AWS could not be read: {e}"));
            return (out, unread);
        }
    };
    session
        .refresh(&|_| crate::poll::round::Depth::Overview)
        .await;
    for i in session.watched() {
        let site = &session.config.sites[i];
        let obs = &session.observations[i];
        if let Some(f) = &obs.records.error {
            unread.push(format!(
                "site {}: its records could not be read ({})",
                site.name,
                f.error.summary()
            ));
            continue;
        }
        let mut steps = Vec::new();
        for strategy in &site.maintenance {
            match crate::switch::steps::build_strategy(site, obs, strategy, "iam-policy") {
                Ok(built) => steps.extend(built),
                Err(why) => unread.push(format!(
                    "site {}: what its {} strategy changes could not be worked out ({why})",
                    site.name,
                    strategy.name()
                )),
            }
        }
        out.insert(site.name.clone(), Resolved::from_steps(&steps));
    }
    (out, unread)
}

/// The grants of `policy` on every resource of a kind, said so that they can be narrowed.
fn wide_grants(policy: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for st in policy["Statement"].as_array().into_iter().flatten() {
        for r in st["Resource"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap_or_default();
            let kind = if r.ends_with(":healthcheck/*") {
                "health check (name it with health_check = \"<id>\" in the site's strategy)"
            } else if r.ends_with(":distribution/*") {
                "CloudFront distribution (name it with distribution = \"<id>\")"
            } else {
                continue;
            };
            out.push(format!("{} on every {kind}", st["Action"]));
        }
    }
    out
}

/// Runs `iam-policy`. Returns the exit code.
pub async fn run(global: &crate::cli::GlobalArgs, args: &crate::cli::IamPolicyArgs) -> i32 {
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
    let (resolved, unread) = if read_only || args.offline {
        (BTreeMap::new(), Vec::new())
    } else {
        resolve(global, &config, &sites).await
    };
    for why in &unread {
        say_err!("switchyard iam-policy: {why}");
    }
    let policy = policy(&sites, read_only, &resolved);
    for grant in wide_grants(&policy) {
        say_err!(
            "switchyard iam-policy: the policy grants {grant}{}",
            if args.offline {
                " (--offline: AWS was not read to find it)"
            } else {
                ""
            }
        );
    }
    match serde_json::to_string_pretty(&policy) {
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
        let p = policy(&sites, true, &BTreeMap::new());
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
        let p = policy(&[pay], false, &BTreeMap::new());
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
        // Only its journal and history records, as TXT, by CREATE and DELETE: not another
        // site's record.
        let only = &journal["Condition"]["ForAllValues:StringEquals"];
        assert_eq!(
            only["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
            serde_json::json!([
                "_switchyard-log.pay.example.com",
                "_switchyard.pay.example.com"
            ])
        );
        assert_eq!(
            only["route53:ChangeResourceRecordSetsRecordTypes"],
            serde_json::json!(["TXT"])
        );
        assert_eq!(
            only["route53:ChangeResourceRecordSetsActions"],
            serde_json::json!(["CREATE", "DELETE"])
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
        let p = policy(&[c.site("shop").unwrap()], false, &BTreeMap::new());
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
        let p = policy(&[portal], false, &BTreeMap::new());
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
