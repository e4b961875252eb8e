//! `switchyard discover`: follows the chain behind a record with read calls only, and prints the
//! site's config, with the maintenance switch that fits what it found and the alternatives as
//! comments. A discovered config can be switched as it is.

use std::fmt::Write as _;

use crate::aws::client::{Target, Timeouts};
use crate::aws::dns::Resolver;
use crate::aws::proxy::ProxySettings;
use crate::cli::{DiscoverArgs, GlobalArgs};
use crate::config::{AwsTarget, RecordType, Site};
use crate::model::cloudwatch::AlarmState;
use crate::model::elb::{LoadBalancerKind, TargetState};
use crate::model::listener_rules;
use crate::model::route53::{HealthCheckKind, Policy};
use crate::model::serves::Serves;
use crate::model::site::{RecordLayout, SiteObservations};
use crate::poll::round::{Depth, Fetcher, blank};

mod zone;

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
    let record = record.trim_end_matches('.');
    // A wildcard record: the name it stands for (`*.shop.example.com` -> `shop-wildcard`).
    if let Some(rest) = record.strip_prefix("*.") {
        return format!("{}-wildcard", site_name(rest));
    }
    let first = record.split('.').next().unwrap_or(record);
    let base = if first == "www" || first.is_empty() {
        record.split('.').nth(1).unwrap_or(first)
    } else {
        first
    };
    // An internationalised label: its punycode (`xn--bcher-kva`), which the config takes.
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

/// The maintenance strategies that fit a chain: the chosen ones first, alternatives after, and
/// notes on what does not fit and why.
pub fn propose(o: &SiteObservations) -> (Vec<String>, Vec<String>, Vec<String>) {
    propose_in(o, None)
}

/// [`propose`] for a site written with `region`: alarms of other regions are named with theirs.
fn propose_in(
    o: &SiteObservations,
    region: Option<&str>,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut chosen = Vec::new();
    let mut alternatives = Vec::new();
    let mut notes = Vec::new();
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
    let uncovered = o.uncovered_types();
    if !uncovered.is_empty() {
        notes.push(format!(
            "The name also has {} records, which this site of its {} records does not switch: \
             leave out record_type (and --type) to switch every type together.",
            uncovered.join(" and "),
            o.record_type
        ));
    }
    let dns_chosen = propose_dns(o, &mut chosen, &mut alternatives, &mut notes);
    for l in &listeners {
        let lb = o.load_balancer(&l.lb_arn);
        let is_alb = lb.is_some_and(|b| b.kind == LoadBalancerKind::Application);
        // An ALB listener with rules answers most requests by them: the switch has to come
        // before all of them (rules not read count as rules: that switch is safe either way).
        let rules = is_alb.then(|| rule_counts(o, &l.arn));
        let (n_rules, to_app) = rules.flatten().unwrap_or((0, 0));
        let has_rules = is_alb && rules.flatten().is_none_or(|(n, _)| n > 0);
        if o.serves_listener(l) != Serves::App && to_app == 0 {
            continue;
        }
        if has_rules {
            let why = match rules.flatten() {
                Some(_) => {
                    format!("ahead of the listener's {n_rules} rules ({to_app} reach the app)")
                }
                None => "ahead of every rule (the listener's rules could not be read)".to_string(),
            };
            let sorry = match sorry_tg(l) {
                Some(tg) => format!("sorry_target_group = {}", q(&tg.arn)),
                None => "fixed_response = { status = 503 }   # the sample maintenance page".into(),
            };
            let switch = format!(
                "strategy = \"alb-maintenance-rule\"   # {why}\nlistener = {}\npriority = \"first\"   # the rules in the way move down for the window, and back after it\n{sorry}\n# allow_cidrs = [\"<your operators' network, e.g. 203.0.113.0/24>\"]   # they still reach the app",
                q(&l.arn)
            );
            if matches!(o.layout(), RecordLayout::Plain(_)) && chosen.is_empty() {
                chosen.push(switch);
            } else {
                alternatives.push(switch);
            }
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
        if !dns_chosen && matches!(o.layout(), RecordLayout::Plain(_)) && chosen.is_empty() {
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
        .map(|a| match region {
            Some(r) if r != a.region => {
                format!("{{ name = {}, region = {} }}", q(&a.name), q(&a.region))
            }
            _ => q(&a.name),
        })
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
    (chosen, alternatives, notes)
}

/// The DNS switch that fits every record type of the site, if one does: chosen, or as an
/// alternative; with a comment saying why when none does. True when one was chosen.
fn propose_dns(
    o: &SiteObservations,
    chosen: &mut Vec<String>,
    alternatives: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> bool {
    let layouts = o.layouts();
    let several = layouts.len() > 1;
    let types = o.covered_types().join(" and ");
    let primaries: Vec<Option<&crate::model::route53::RecordSet>> = layouts
        .iter()
        .filter_map(|(_, l)| match l {
            RecordLayout::Failover { primary, .. } => Some(*primary),
            _ => None,
        })
        .collect();
    if primaries.len() == layouts.len() {
        let checks: Vec<Option<String>> = primaries
            .iter()
            .map(|p| p.and_then(|p| p.health_check_id.clone()))
            .collect();
        let both = if several {
            format!(" ({types} in one batch)")
        } else {
            String::new()
        };
        if checks.iter().all(Option::is_some) {
            let mut labels: Vec<String> = checks
                .iter()
                .flatten()
                .map(|id| o.health_check_label(id))
                .collect();
            labels.dedup();
            let whose = if several {
                format!("the primaries' health check {}", labels.join(", "))
            } else {
                format!("the primary's health check {}", labels.join(", "))
            };
            chosen.push(format!(
                "strategy = \"route53-invert-health-check\"   # {whose}"
            ));
            alternatives.push(format!(
                "strategy = \"route53-swap-primary\"          # answer the secondary's target from the PRIMARY record{both}"
            ));
        } else {
            chosen.push(format!(
                "strategy = \"route53-swap-primary\"   # the primary has no health check: swap its target{both}"
            ));
        }
        return true;
    }
    let plain: Vec<&crate::model::route53::RecordSet> = layouts
        .iter()
        .filter_map(|(_, l)| match l {
            RecordLayout::Plain(r) if r.alias.is_none() => Some(*r),
            _ => None,
        })
        .collect();
    if plain.len() == layouts.len() {
        let what: Vec<&str> = plain
            .iter()
            .map(|r| match r.rtype.as_str() {
                "CNAME" => "name",
                "AAAA" => "IPv6 address",
                _ => "IPv4 address",
            })
            .collect();
        let placeholders: Vec<String> = what
            .iter()
            .map(|w| format!("\"<the standby or maintenance {w}>\""))
            .collect();
        alternatives.push(format!(
            "strategy = \"route53-set-record\"\nvalues = [{}]   # fill in before use\nttl = {}",
            placeholders.join(", "),
            plain[0].effective_ttl().as_secs()
        ));
        return false;
    }
    // Routing policies: only a weighted set with a sorry member has a DNS switch.
    let mut sorry_ids: Vec<String> = Vec::new();
    let mut why: Option<String> = None;
    for (t, l) in &layouts {
        match l {
            RecordLayout::Routed {
                policy: Policy::Weighted,
                members,
            } => {
                let sorry: Vec<&str> = members
                    .iter()
                    .filter(|m| o.serves_record(m).is_sorry_page())
                    .map(|m| m.set_identifier.as_deref().unwrap_or("?"))
                    .collect();
                if sorry.is_empty() {
                    why.get_or_insert(format!(
                        "no member of the weighted {t} record set serves the sorry page, so there \
                         is no weight to move: add a member of weight 0 whose target is the sorry \
                         page (route53-weighted-sorry then moves the weight to it), or switch \
                         behind the members"
                    ));
                } else if sorry.len() == members.len() {
                    why.get_or_insert(format!(
                        "every member of the weighted {t} record set serves the sorry page"
                    ));
                }
                for id in sorry {
                    if !sorry_ids.iter().any(|x| x == id) {
                        sorry_ids.push(id.to_string());
                    }
                }
            }
            RecordLayout::Routed { policy, .. } => {
                let how = match policy {
                    Policy::Latency => "each member serves the clients closest to its region",
                    Policy::Geolocation => "each member serves the clients of its location",
                    _ => "Route 53 answers up to eight healthy members at once",
                };
                why.get_or_insert(format!(
                    "the {t} records are a {} record set ({how}), and moving its clients takes \
                     changing what every member points at: switchyard changes no record of it. \
                     Switch behind the members instead, on every load balancer they point at",
                    policy.as_str()
                ));
            }
            RecordLayout::Unsupported => {
                why.get_or_insert(crate::model::policy::unsupported_why(o, t));
            }
            _ => {
                why.get_or_insert(format!(
                    "the record types at the name are set up differently ({}): no one DNS switch \
                     fits them all",
                    layouts
                        .iter()
                        .map(|(t, l)| format!("{t}: {}", crate::switch::steps::describe_layout(l)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
        }
    }
    match why {
        Some(why) => {
            notes.push(format!("No DNS switch: {why}."));
            false
        }
        None if !sorry_ids.is_empty() => {
            chosen.push(format!(
                "strategy = \"route53-weighted-sorry\"   # weight to the sorry member {}{}",
                sorry_ids.join(", "),
                if several {
                    format!(" ({types} in one batch)")
                } else {
                    String::new()
                }
            ));
            true
        }
        None => false,
    }
}

/// How many rules a listener has and how many of them reach the app; `None` when they could
/// not be read.
fn rule_counts(o: &SiteObservations, listener: &str) -> Option<(usize, usize)> {
    let rules = o.rules.get(listener)?.get()?;
    Some((
        listener_rules::ordered(rules).len(),
        listener_rules::reaching_the_app(o, rules).len(),
    ))
}

/// A listener's rules as comment lines: every rule in priority order, with its conditions, its
/// action and what it serves.
fn rule_lines(o: &SiteObservations, listener: &str) -> Vec<String> {
    let Some(slot) = o.rules.get(listener) else {
        return Vec::new();
    };
    let Some(rules) = slot.get() else {
        return slot
            .error
            .as_ref()
            .map(|e| vec![format!("  rules: could not be read: {}", e.error.summary())])
            .unwrap_or_default();
    };
    let ordered = listener_rules::ordered(rules);
    if ordered.is_empty() {
        return Vec::new();
    }
    let to_app = listener_rules::reaching_the_app(o, rules).len();
    let mut out = vec![format!(
        "  {} rules before the default action, {to_app} of them reach the app:",
        ordered.len()
    )];
    for r in ordered {
        out.push(format!(
            "  rule {}: {} -> {} ({})",
            r.priority.unwrap_or_default(),
            listener_rules::conditions_text(r),
            listener_rules::action_text(r),
            o.serves_rule(r).as_str()
        ));
    }
    out
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
    // Where the records lead, through CNAMEs and records of the zone.
    let chain = o.chain();
    out.extend(chain.lines.iter().map(|l| format!("chain: {l}")));
    out.extend(chain.problems.iter().map(|p| format!("chain: {p}")));
    let regions = o.chain_regions();
    if regions.len() > 1 {
        out.push(format!(
            "the site spans regions {}: each resource is read and switched in its own",
            regions.into_iter().collect::<Vec<_>>().join(", ")
        ));
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
        out.extend(rule_lines(o, &l.arn));
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

/// Words of `text` in lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The config text of a discovered site.
pub fn site_toml(o: &SiteObservations, region: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Discovered by `switchyard discover` from {} in hosted zone {}.",
        crate::model::names::with_readable(&o.record_name),
        o.zone_id
    );
    for line in found(o) {
        let _ = writeln!(s, "#   {line}");
    }
    let _ = writeln!(s, "[[site]]");
    let _ = writeln!(s, "name = {}", q(&site_name(&o.record_name)));
    let _ = writeln!(s, "zone = {}", q(&o.zone_id));
    let _ = writeln!(s, "record = {}", q(&o.record_name));
    if !o.every_type {
        let _ = writeln!(s, "record_type = {}", q(&o.record_type));
    }
    if let Some(r) = region {
        let _ = writeln!(s, "region = {}", q(r));
    }
    let _ = writeln!(
        s,
        "# protected = true   # production: actions need the site name typed"
    );
    let (chosen, alternatives, notes) = propose_in(o, region);
    if !notes.is_empty() {
        let _ = writeln!(s);
    }
    for n in &notes {
        for line in wrap(n, 95) {
            let _ = writeln!(s, "# {line}");
        }
    }
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
            say_err!("switchyard discover: proxy settings: {e}");
            return 2;
        }
    };
    let target = Target {
        profile: global.profile.clone(),
        region: global.region.clone(),
        role_arn: None,
        endpoint_url: global.endpoint_url.clone(),
        static_credentials: None,
        timeouts: Timeouts::default(),
    };
    let http = match proxy.http_client() {
        Ok(h) => h,
        Err(e) => {
            say_err!("switchyard discover: proxy settings: {e}");
            return 2;
        }
    };
    let clients = match crate::aws::client::connect(&target, http).await {
        Ok(c) => c,
        Err(e) => {
            say_err!("switchyard discover: {e}");
            return 3;
        }
    };
    let chosen = match zone::resolve(&clients, &args.zone).await {
        Ok(c) => c,
        Err(r) => {
            say_err!("switchyard discover: {}", r.message);
            return r.code;
        }
    };
    if let Some(w) = &chosen.warning {
        say_err!("switchyard discover: warning: {w}");
    }
    if chosen.zone.private {
        say_err!(
            "switchyard discover: warning: hosted zone {} is private: Route 53's TestDNSAnswer \
             answers for public zones only, so status cannot ask which record is answered",
            chosen.zone.id
        );
    }
    let zone_id = chosen.zone.id.clone();
    let record = match zone::record_in_zone(&args.record, &chosen.zone.name) {
        Ok(r) => r,
        Err(r) => {
            say_err!("switchyard discover: {}", r.message);
            return r.code;
        }
    };
    let every_type = args.record_type.is_none();
    let record_type = match args
        .record_type
        .as_deref()
        .unwrap_or("A")
        .to_ascii_uppercase()
        .as_str()
    {
        "A" => RecordType::A,
        "AAAA" => RecordType::Aaaa,
        "CNAME" => RecordType::Cname,
        other => {
            say_err!("switchyard discover: record type {other} is not A, AAAA or CNAME");
            return 2;
        }
    };
    let mut site = Site {
        name: site_name(&record),
        zone_id: zone_id.clone(),
        record: record.clone(),
        record_type,
        every_type,
        protected: false,
        read_only: false,
        max_window: None,
        probe: None,
        approval: false,
        approval_ttl: crate::config::DEFAULT_APPROVAL_TTL,
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
    // A name that is a CNAME has no record of another type: discover the CNAME.
    if site.record_type != RecordType::Cname && cname_instead(&obs[0]) {
        site.record_type = RecordType::Cname;
        obs = vec![blank(&site)];
        fetcher.round(&[&site], &mut obs, &|_| Depth::Detail).await;
    }
    // A sorry target group is often attached to no load balancer until the switch (an NLB's
    // can only be attached to one): look for one in the account by its name.
    // (In the regions of the site's load balancers.)
    let lb_regions: std::collections::BTreeSet<String> = obs[0]
        .all_listeners()
        .iter()
        .filter_map(|l| crate::model::chain::region_of_arn(&l.lb_arn).map(str::to_string))
        .collect();
    for r in lb_regions {
        if let Ok(all) = crate::aws::elbv2::all_target_groups(&fetcher.clients.elbv2_in(&r)).await
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
    }
    let o = &obs[0];
    if let Some(e) = &o.records.error {
        say_err!(
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
        let what = if o.every_type {
            "A, AAAA or CNAME".to_string()
        } else {
            o.record_type.clone()
        };
        say_err!(
            "switchyard discover: hosted zone {zone_id} ({}) has no {what} record named {}",
            crate::model::names::with_readable(&chosen.zone.name),
            crate::model::names::with_readable(&record)
        );
        return 2;
    }
    let fallback = global.region.clone().unwrap_or(region);
    say_part!("{}", site_toml(o, Some(&site_region(o, &fallback))));
    0
}

/// Whether the name holds a CNAME and no record of the type asked for.
fn cname_instead(o: &SiteObservations) -> bool {
    o.site_records().is_empty()
        && o.records.get().is_some_and(|all| {
            all.iter()
                .any(|r| r.is_named(&o.record_name) && r.rtype.eq_ignore_ascii_case("CNAME"))
        })
}

/// The region to write for the site: the one its load balancers and S3 websites live in (from
/// their DNS names and ARNs), whatever the caller's default; when they span regions, the first
/// (each resource is read in its own region anyway); `fallback` when the chain reaches none.
fn site_region(o: &SiteObservations, fallback: &str) -> String {
    let regions = o.chain_regions();
    if regions.contains(fallback) || regions.is_empty() {
        return fallback.to_string();
    }
    regions
        .into_iter()
        .next()
        .unwrap_or_else(|| fallback.to_string())
}
