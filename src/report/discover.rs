//! `switchyard discover`: follows the chain behind a record with read calls only, and prints the
//! site's config, with the maintenance switch that fits what it found and the alternatives as
//! comments. A discovered config can be switched as it is.

use std::fmt::Write as _;

use crate::aws::client::Target;
use crate::aws::dns::Resolver;
use crate::aws::proxy::ProxySettings;
use crate::cli::{DiscoverArgs, GlobalArgs};
use crate::config::ids;
use crate::config::{AwsTarget, RecordType, Site};
use crate::model::cloudwatch::AlarmState;
use crate::model::elb::{ActionKind, LoadBalancerKind, TargetState};
use crate::model::route53::HealthCheckKind;
use crate::model::site::{RecordLayout, SiteObservations};
use crate::poll::round::{Depth, Fetcher, blank};

/// Names that mark a target group as the sorry page's.
const SORRY_WORDS: [&str; 4] = ["sorry", "maint", "outage", "fallback"];

fn is_sorry_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SORRY_WORDS.iter().any(|w| n.contains(w))
}

/// A TOML string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn site_name(record: &str) -> String {
    let first = record.split('.').next().unwrap_or(record);
    let base = if first == "www" || first.is_empty() {
        record.split('.').nth(1).unwrap_or(first)
    } else {
        first
    };
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "site".into()
    } else {
        cleaned
    }
}

/// The maintenance strategies that fit a chain: the chosen ones first, alternatives after.
pub fn propose(o: &SiteObservations) -> (Vec<String>, Vec<String>) {
    let mut chosen = Vec::new();
    let mut alternatives = Vec::new();
    let listeners = o.all_listeners();
    let tgs = o.target_groups.get().cloned().unwrap_or_default();
    // HTTP(S) listeners forward to HTTP(S) groups; TCP, TLS and UDP ones to layer-4 groups.
    let web = |p: &str| matches!(p.to_ascii_uppercase().as_str(), "HTTP" | "HTTPS");
    let sorry_tg = |l: &crate::model::elb::Listener| {
        tgs.iter().find(|t| {
            is_sorry_name(&t.name)
                && t.protocol
                    .as_deref()
                    .is_none_or(|p| web(p) == web(&l.protocol))
                && (t.load_balancer_arns.is_empty() || t.load_balancer_arns.contains(&l.lb_arn))
        })
    };
    match o.layout() {
        RecordLayout::Failover { primary, .. } => {
            let check = primary.and_then(|p| p.health_check_id.clone());
            match check {
                Some(id) => {
                    let label = o.health_check_label(&id);
                    chosen.push(format!("strategy = \"route53-invert-health-check\"   # the primary's health check {label}"));
                    alternatives.push("strategy = \"route53-swap-primary\"          # answer the secondary's target from the PRIMARY record".to_string());
                }
                None => {
                    chosen.push("strategy = \"route53-swap-primary\"   # the primary has no health check: swap its target".to_string());
                }
            }
        }
        RecordLayout::Plain(r) if r.alias.is_none() => {
            alternatives.push(format!(
                "strategy = \"route53-set-record\"\nvalues = [\"<the standby or maintenance {}>\"]   # fill in before use\nttl = {}",
                if r.rtype == "CNAME" { "name" } else { "address" },
                r.effective_ttl().as_secs()
            ));
        }
        _ => {}
    }
    for l in &listeners {
        let lb = o.load_balancer(&l.lb_arn);
        let is_alb = lb.is_some_and(|b| b.kind == LoadBalancerKind::Application);
        let app_action = l
            .default_action()
            .is_some_and(|a| a.kind == ActionKind::Forward);
        if !app_action {
            continue;
        }
        let switch = match sorry_tg(l) {
            Some(tg) => format!(
                "strategy = \"elb-listener-sorry\"\nlistener = {}\nsorry_target_group = {}",
                q(&l.arn),
                q(&tg.arn)
            ),
            None if is_alb => format!(
                "strategy = \"elb-listener-sorry\"\nlistener = {}\nfixed_response = {{ status = 503 }}   # the sample maintenance page",
                q(&l.arn)
            ),
            None => continue,
        };
        // No DNS switch at all: the listener switch is the way (setup 4).
        if matches!(o.layout(), RecordLayout::Plain(_)) && chosen.is_empty() {
            chosen.push(switch);
        } else {
            alternatives.push(switch);
        }
        if is_alb {
            alternatives.push(format!(
                "strategy = \"alb-maintenance-rule\"\nlistener = {}\nallow_cidrs = [\"<your operators' network, e.g. 203.0.113.0/24>\"]",
                q(&l.arn)
            ));
        }
    }
    // Silence the alarms that would page someone during the window.
    let paging: Vec<String> = o
        .alarms
        .iter()
        .filter_map(|a| a.alarm.get())
        .filter(|a| a.actions_enabled && a.state != AlarmState::Alarm)
        .map(|a| q(&a.name))
        .collect();
    if !paging.is_empty() && !chosen.is_empty() {
        chosen.push(format!(
            "strategy = \"silence-alarms\"\nalarms = [{}]",
            paging.join(", ")
        ));
    }
    if let Some(d) = o.sorry_distribution() {
        let pages: Vec<String> = d
            .error_responses
            .iter()
            .filter_map(|e| e.page.as_deref().map(q))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !pages.is_empty() && !chosen.is_empty() {
            chosen.push(format!(
                "strategy = \"cloudfront-invalidate\"   # {}\npaths = [{}]",
                d.id,
                pages.join(", ")
            ));
        }
    }
    (chosen, alternatives)
}

/// What was found, as comments above the site.
fn found(o: &SiteObservations) -> Vec<String> {
    let mut out = Vec::new();
    for r in o.site_records() {
        let hc = r
            .health_check_id
            .as_ref()
            .map(|id| format!(", health check {}", o.health_check_label(id)))
            .unwrap_or_default();
        out.push(format!("record: {}{hc}", r.describe()));
    }
    for (id, h) in &o.health_checks {
        if let Some(c) = h.config.get() {
            let extra = match c.kind {
                HealthCheckKind::CloudWatchMetric => c
                    .alarm
                    .as_ref()
                    .map(|a| format!(" on alarm {} ({})", a.name, a.region))
                    .unwrap_or_default(),
                HealthCheckKind::Calculated => format!(" of {} children", c.children.len()),
                _ => format!(
                    " every {} s, {} failures",
                    c.request_interval.as_secs(),
                    c.failure_threshold
                ),
            };
            out.push(format!(
                "health check {}: {}{extra}",
                o.health_check_label(id),
                c.describe_target()
            ));
        }
    }
    for l in o.all_listeners() {
        let lb = o.load_balancer(&l.lb_arn).map_or_else(
            || l.lb_arn.clone(),
            |b| format!("{} {}", b.kind_label(), b.name),
        );
        let action = l
            .default_action()
            .map_or_else(|| "no action".to_string(), |a| a.describe());
        out.push(format!("{lb} {}: {action}", l.label()));
    }
    for (tg, th) in &o.target_health {
        let targets = th.get().cloned().unwrap_or_default();
        let healthy = targets
            .iter()
            .filter(|t| t.state == TargetState::Healthy)
            .count();
        out.push(format!(
            "target group {}: {healthy} of {} targets healthy",
            o.target_group_label(tg),
            targets.len()
        ));
    }
    for a in &o.alarms {
        if let Some(al) = a.alarm.get() {
            out.push(format!(
                "alarm {} ({}): {}",
                al.name,
                al.region,
                al.state.as_str()
            ));
        }
    }
    if let Some(d) = o.sorry_distribution() {
        out.push(format!(
            "distribution {} ({}): {}, {}",
            d.id,
            d.domain_name,
            d.status,
            if d.enabled { "enabled" } else { "disabled" }
        ));
    }
    out
}

/// The config text of a discovered site.
pub fn site_toml(o: &SiteObservations, region: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Discovered by `switchyard discover` from {} in hosted zone {}.",
        o.record_name, o.zone_id
    );
    for line in found(o) {
        let _ = writeln!(s, "#   {line}");
    }
    let _ = writeln!(s, "[[site]]");
    let _ = writeln!(s, "name = {}", q(&site_name(&o.record_name)));
    let _ = writeln!(s, "zone = {}", q(&o.zone_id));
    let _ = writeln!(s, "record = {}", q(&o.record_name));
    if !o.record_type.eq_ignore_ascii_case("A") {
        let _ = writeln!(s, "record_type = {}", q(&o.record_type));
    }
    if let Some(r) = region {
        let _ = writeln!(s, "region = {}", q(r));
    }
    let _ = writeln!(
        s,
        "# protected = true   # production: actions need the site name typed"
    );
    let (chosen, alternatives) = propose(o);
    if chosen.is_empty() {
        let _ = writeln!(
            s,
            "\n# No maintenance switch fits this chain on its own; pick one below and fill it in."
        );
    }
    for c in &chosen {
        let _ = writeln!(s, "\n[[site.maintenance]]\n{c}");
    }
    if !alternatives.is_empty() {
        let _ = writeln!(s, "\n# Alternatives:");
        for a in &alternatives {
            let _ = writeln!(s, "#\n# [[site.maintenance]]");
            for line in a.lines() {
                let _ = writeln!(s, "# {line}");
            }
        }
    }
    s
}

/// Runs `discover`. Returns the exit code.
pub async fn run(global: &GlobalArgs, args: &DiscoverArgs) -> i32 {
    let proxy = match ProxySettings::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("switchyard discover: proxy settings: {e}");
            return 2;
        }
    };
    let target = Target {
        profile: global.profile.clone(),
        region: global.region.clone(),
        role_arn: None,
        endpoint_url: global.endpoint_url.clone(),
        static_credentials: None,
    };
    let http = match proxy.http_client() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("switchyard discover: proxy settings: {e}");
            return 2;
        }
    };
    let clients = match crate::aws::client::connect(&target, http).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchyard discover: {e}");
            return 3;
        }
    };
    let zone_id = if ids::is_zone_id(&args.zone) {
        args.zone.clone()
    } else {
        match crate::aws::route53::zone_id_by_name(&clients.route53, &args.zone).await {
            Ok(Some(id)) => id,
            Ok(None) => {
                eprintln!(
                    "switchyard discover: no hosted zone named {} (give its ID, such as Z0123456789ABC)",
                    args.zone
                );
                return 2;
            }
            Err(e) => {
                eprintln!("switchyard discover: {}", e.summary());
                return 3;
            }
        }
    };
    let record = args.record.trim_end_matches('.').to_ascii_lowercase();
    let record_type = match args.record_type.to_ascii_uppercase().as_str() {
        "A" => RecordType::A,
        "AAAA" => RecordType::Aaaa,
        "CNAME" => RecordType::Cname,
        other => {
            eprintln!("switchyard discover: record type {other} is not A, AAAA or CNAME");
            return 2;
        }
    };
    let site = Site {
        name: site_name(&record),
        zone_id: zone_id.clone(),
        record: record.clone(),
        record_type,
        protected: false,
        read_only: false,
        aws: AwsTarget {
            profile: global.profile.clone(),
            region: global.region.clone(),
            role_arn: None,
        },
        health_checks: Vec::new(),
        alarms: Vec::new(),
        load_balancers: Vec::new(),
        listeners: Vec::new(),
        target_groups: Vec::new(),
        distribution: None,
        maintenance: Vec::new(),
        line: 0,
    };
    let resolver = Resolver::from_env().unwrap_or(Resolver::System);
    let region = clients.region.clone();
    let mut fetcher = Fetcher::new(clients, resolver);
    let mut obs = vec![blank(&site)];
    fetcher.round(&[&site], &mut obs, &|_| Depth::Detail).await;
    // A sorry target group is often attached to no load balancer until the switch (an NLB's
    // can only be attached to one): look for one in the account by its name.
    if !obs[0].all_listeners().is_empty()
        && let Ok(all) = crate::aws::elbv2::all_target_groups(&fetcher.clients.elbv2).await
        && let Some(list) = obs[0].target_groups.value.as_mut()
    {
        for tg in all {
            if tg.load_balancer_arns.is_empty()
                && is_sorry_name(&tg.name)
                && !list.iter().any(|t| t.arn == tg.arn)
            {
                list.push(tg);
            }
        }
    }
    let o = &obs[0];
    if let Some(e) = &o.records.error {
        eprintln!(
            "switchyard discover: cannot read the records of {record}: {}",
            e.error.summary()
        );
        return if matches!(
            e.error.kind,
            crate::model::error::ErrorKind::AccessDenied
                | crate::model::error::ErrorKind::Credentials
        ) {
            3
        } else {
            1
        };
    }
    if o.site_records().is_empty() {
        eprintln!(
            "switchyard discover: hosted zone {zone_id} has no {} record named {record}",
            o.record_type
        );
        return 2;
    }
    print!(
        "{}",
        site_toml(o, global.region.as_deref().or(Some(region.as_str())))
    );
    0
}
