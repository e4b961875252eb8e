//! Where a site's records lead: the chain from the public name to the resources that answer it.
//!
//! A record leads somewhere in one of these ways, and switchyard follows each:
//! - an alias to a load balancer, a CloudFront distribution or an S3 website endpoint;
//! - an alias to another record of the same hosted zone (whose own records are followed in turn);
//! - a CNAME to any of those names, or to a name of the same zone;
//! - plain addresses, which end the chain.
//!
//! Names of the zone are followed to any depth, with a guard against loops. The regions of load
//! balancers and S3 website endpoints come from their DNS names (AWS puts the region there), and
//! those of target groups, listeners and alarms from their ARNs: a site may span regions, and
//! every resource is read and switched in its own.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::health::{Evidence, Health, TargetVerdict, check_health, target_health};
use super::obs::Fetched;
use super::route53::{CLOUDFRONT_HOSTED_ZONE_ID, RecordSet, normalize_dns_name};
use super::serves::Serves;
use super::site::SiteObservations;

/// How many names of the zone a chain may pass through before switchyard stops following it.
pub const MAX_HOPS: usize = 8;

/// True for an AWS region name: `eu-west-1`, `us-gov-west-1`, `cn-north-1`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let n = parts.len();
    n >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..n - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !parts[n - 1].is_empty()
        && parts[n - 1].bytes().all(|b| b.is_ascii_digit())
}

/// The region of an ARN (`arn:aws:elasticloadbalancing:us-west-2:…`); `None` for a global
/// resource or something that is not an ARN.
pub fn region_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(5, ':');
    if parts.next() != Some("arn") {
        return None;
    }
    let _partition = parts.next()?;
    let _service = parts.next()?;
    let region = parts.next()?;
    parts.next()?;
    is_region(region).then_some(region)
}

/// The labels of an AWS DNS name before `amazonaws.com` (or `amazonaws.com.cn`); `None` for
/// other names.
fn aws_labels(name: &str) -> Option<Vec<String>> {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let rest = n
        .strip_suffix(".amazonaws.com")
        .or_else(|| n.strip_suffix(".amazonaws.com.cn"))?;
    Some(rest.split('.').map(str::to_string).collect())
}

/// The region of an Elastic Load Balancing DNS name: `name-123.us-west-2.elb.amazonaws.com`
/// (application and classic load balancers, also `internal-…` and `dualstack.…`) or
/// `name-0123abcd.elb.us-west-2.amazonaws.com` (network load balancers). `None` when the name is
/// not a load balancer's.
pub fn region_of_elb_dns(name: &str) -> Option<String> {
    let labels = aws_labels(&normalize_dns_name(name))?;
    let n = labels.len();
    if n < 3 {
        return None;
    }
    let (a, b) = (&labels[n - 2], &labels[n - 1]);
    if b == "elb" && is_region(a) {
        return Some(a.clone());
    }
    if a == "elb" && is_region(b) {
        return Some(b.clone());
    }
    None
}

/// An S3 website endpoint, as an alias target or a CNAME value names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Website {
    /// The endpoint's DNS name.
    pub endpoint: String,
    /// The bucket, when the name carries it (a CNAME to `bucket.s3-website…`); an alias names
    /// the regional endpoint only, and the bucket is the record's name.
    pub bucket: Option<String>,
    /// The endpoint's region.
    pub region: String,
}

/// Recognises an S3 website endpoint: `[bucket.]s3-website-us-east-1.amazonaws.com` or
/// `[bucket.]s3-website.eu-central-1.amazonaws.com`.
pub fn s3_website(name: &str) -> Option<S3Website> {
    let labels = aws_labels(name)?;
    let at = labels.iter().position(|l| l.starts_with("s3-website"))?;
    let label = &labels[at];
    let region = if label == "s3-website" {
        labels.get(at + 1)?.clone()
    } else {
        label.strip_prefix("s3-website-")?.to_string()
    };
    if !is_region(&region) {
        return None;
    }
    let bucket = (at > 0).then(|| labels[..at].join("."));
    Some(S3Website {
        endpoint: name.trim().trim_end_matches('.').to_ascii_lowercase(),
        bucket,
        region,
    })
}

/// What a name in the chain is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// An Elastic Load Balancing load balancer, with the region its name says.
    LoadBalancer { name: String, region: String },
    /// A CloudFront distribution.
    CloudFront { name: String },
    /// An S3 website endpoint.
    S3Website(S3Website),
    /// A name of the site's own hosted zone: its records are followed.
    InZone { name: String },
    /// Any other name: outside what switchyard reads.
    Other { name: String },
    /// Addresses: the chain ends here.
    Addresses(Vec<String>),
}

impl Endpoint {
    /// What a name is, by its shape alone (a name of the zone is told by the caller).
    pub fn of_name(name: &str) -> Endpoint {
        let normal = normalize_dns_name(name);
        if let Some(region) = region_of_elb_dns(&normal) {
            return Endpoint::LoadBalancer {
                name: normal,
                region,
            };
        }
        if normal.ends_with(".cloudfront.net") {
            return Endpoint::CloudFront { name: normal };
        }
        if let Some(s3) = s3_website(&normal) {
            return Endpoint::S3Website(s3);
        }
        Endpoint::Other { name: normal }
    }

    /// The region of the resource, when it is a regional AWS resource.
    pub fn region(&self) -> Option<&str> {
        match self {
            Endpoint::LoadBalancer { region, .. } => Some(region),
            Endpoint::S3Website(s) => Some(&s.region),
            _ => None,
        }
    }

    /// The endpoint in the operator's words.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::LoadBalancer { name, region } => {
                format!("load balancer {name} ({region})")
            }
            Endpoint::CloudFront { name } => format!("CloudFront distribution {name}"),
            Endpoint::S3Website(s) => match &s.bucket {
                Some(b) => format!("S3 website endpoint of bucket {b} ({})", s.region),
                None => format!("S3 website endpoint {} ({})", s.endpoint, s.region),
            },
            Endpoint::InZone { name } => format!("{name} (a record of the same zone)"),
            Endpoint::Other { name } => format!("{name} (outside what switchyard reads)"),
            Endpoint::Addresses(v) => v.join(", "),
        }
    }
}

/// The records of the site's hosted zone that its records lead to, and the zone's name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkedRecords {
    /// The hosted zone's name (lower case, no trailing dot), to tell a CNAME to a name of the
    /// zone from one to elsewhere; `None` until read.
    #[serde(default)]
    pub zone_name: Option<String>,
    /// The record sets at each name of the zone the chain passes through, by normalised name
    /// (see [`normalize_dns_name`]).
    #[serde(default)]
    pub records: BTreeMap<String, Fetched<Vec<RecordSet>>>,
}

/// How one record leads to the next name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Alias,
    Cname,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Alias => "alias",
            Via::Cname => "CNAME",
        }
    }
}

/// The chain behind a site's records, followed as far as it was read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainView {
    /// Where the chain ends: load balancers, distributions, S3 websites, other names, addresses.
    pub ends: Vec<Endpoint>,
    /// Names of the zone the chain reaches whose records are not read yet.
    pub unread: Vec<String>,
    /// Every name of the zone the chain passes through.
    pub passed: Vec<String>,
    /// Each step, for the operator: `www.example.com -> origin.example.com (alias)`.
    pub lines: Vec<String>,
    /// What stopped the chain from being followed: a loop, too many hops.
    pub problems: Vec<String>,
}

impl ChainView {
    fn end(&mut self, e: Endpoint) {
        if !self.ends.contains(&e) {
            self.ends.push(e);
        }
    }

    fn problem(&mut self, p: String) {
        if !self.problems.contains(&p) {
            self.problems.push(p);
        }
    }

    /// The DNS names of the ends that are AWS resources switchyard reads (load balancers and
    /// distributions), normalised.
    pub fn resource_names(&self) -> Vec<String> {
        self.ends
            .iter()
            .filter_map(|e| match e {
                Endpoint::LoadBalancer { name, .. } | Endpoint::CloudFront { name } => {
                    Some(name.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// The regions of the regional resources at the ends.
    pub fn regions(&self) -> BTreeSet<String> {
        self.ends
            .iter()
            .filter_map(|e| e.region().map(str::to_string))
            .collect()
    }
}

/// The zone ID without the API's `/hostedzone/` prefix.
fn bare_zone_id(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

/// The record types a name reached from a record of type `rtype` is followed with: an alias
/// leads to records of its own type; a CNAME to whatever the client asked for (addresses or a
/// further CNAME).
fn followed_types(rtype: &str, via: Via) -> Vec<String> {
    match via {
        Via::Alias => vec![rtype.to_ascii_uppercase()],
        Via::Cname => ["A", "AAAA", "CNAME"].map(String::from).to_vec(),
    }
}

impl SiteObservations {
    /// Whether a name belongs to the site's hosted zone (its name must have been read).
    pub fn in_zone(&self, name: &str) -> bool {
        let Some(zone) = &self.linked.zone_name else {
            return false;
        };
        let n = normalize_dns_name(name);
        n == *zone || n.ends_with(&format!(".{zone}"))
    }

    /// Where one record leads next, with how.
    pub fn next_of(&self, r: &RecordSet) -> Vec<(Endpoint, Via)> {
        if let Some(alias) = &r.alias {
            let name = normalize_dns_name(&alias.dns_name);
            let same_zone = bare_zone_id(&alias.hosted_zone_id) == bare_zone_id(&self.zone_id)
                && alias.hosted_zone_id != CLOUDFRONT_HOSTED_ZONE_ID;
            let e = match Endpoint::of_name(&name) {
                _ if same_zone => Endpoint::InZone { name },
                // An alias names the region's endpoint; the bucket is the record's name.
                Endpoint::S3Website(mut s3) if s3.bucket.is_none() => {
                    s3.bucket = Some(normalize_dns_name(&r.name));
                    Endpoint::S3Website(s3)
                }
                e => e,
            };
            return vec![(e, Via::Alias)];
        }
        if r.rtype.eq_ignore_ascii_case("CNAME") {
            return r
                .values
                .iter()
                .map(|v| {
                    let e = match Endpoint::of_name(v) {
                        Endpoint::Other { name } if self.in_zone(&name) => {
                            Endpoint::InZone { name }
                        }
                        e => e,
                    };
                    (e, Via::Cname)
                })
                .collect();
        }
        vec![(Endpoint::Addresses(r.values.clone()), Via::Alias)]
    }

    /// The records at a name of the zone that a record of type `rtype` reached through `via`
    /// leads to: `None` while they are not read. A name without records of its own is answered
    /// by the zone's wildcard one label up, if there is one (`Some(empty)` when neither has
    /// any).
    pub fn linked_records(&self, name: &str, rtype: &str, via: Via) -> Option<Vec<&RecordSet>> {
        let types = followed_types(rtype, via);
        let at = |n: &str| -> Option<Vec<&RecordSet>> {
            let all = self.linked.records.get(&normalize_dns_name(n))?.get()?;
            Some(
                all.iter()
                    .filter(|r| r.is_named(n) && types.contains(&r.rtype))
                    .collect(),
            )
        };
        let own = at(name)?;
        if !own.is_empty() {
            return Some(own);
        }
        let named_at_all = self
            .linked
            .records
            .get(&normalize_dns_name(name))
            .and_then(|f| f.get())
            .is_some_and(|all| all.iter().any(|r| r.is_named(name)));
        match wildcard_of(name) {
            Some(w) if !named_at_all => at(&w),
            _ => Some(own),
        }
    }

    /// The chain behind all of the site's records.
    pub fn chain(&self) -> ChainView {
        let mut view = ChainView::default();
        for r in self.site_records() {
            let mut path = vec![normalize_dns_name(&r.name)];
            self.follow(r, &mut path, &mut view);
        }
        view
    }

    /// The chain behind one record.
    pub fn chain_of(&self, r: &RecordSet) -> ChainView {
        let mut view = ChainView::default();
        let mut path = vec![normalize_dns_name(&r.name)];
        self.follow(r, &mut path, &mut view);
        view
    }

    fn follow(&self, r: &RecordSet, path: &mut Vec<String>, view: &mut ChainView) {
        let from = match &r.failover {
            Some(f) => format!("{} {}", normalize_dns_name(&r.name), f.as_str()),
            None => normalize_dns_name(&r.name),
        };
        for (next, via) in self.next_of(r) {
            let Endpoint::InZone { name } = &next else {
                if !matches!(next, Endpoint::Addresses(_)) {
                    view.lines
                        .push(format!("{from} -> {} ({})", next.describe(), via.as_str()));
                }
                view.end(next);
                continue;
            };
            view.lines
                .push(format!("{from} -> {name} ({})", via.as_str()));
            if path.contains(name) {
                let mut cycle = path.clone();
                cycle.push(name.clone());
                view.problem(format!(
                    "the records lead in a circle ({}): switchyard stops there",
                    cycle.join(" -> ")
                ));
                continue;
            }
            if path.len() > MAX_HOPS {
                view.problem(format!(
                    "the chain passes through more than {MAX_HOPS} names of the zone ({} ...): \
                     switchyard stops there",
                    path.join(" -> ")
                ));
                continue;
            }
            if !view.passed.contains(name) {
                view.passed.push(name.clone());
            }
            let Some(records) = self.linked_records(name, &r.rtype, via) else {
                // Not read yet, or its wildcard not read yet.
                let wanted = if self.linked.records.contains_key(name) {
                    wildcard_of(name)
                } else {
                    Some(name.clone())
                };
                if let Some(w) = wanted
                    && !view.unread.contains(&w)
                {
                    view.unread.push(w);
                }
                continue;
            };
            if records.is_empty() {
                view.problem(format!(
                    "{name} has no {} record in the zone: the chain ends there",
                    followed_types(&r.rtype, via).join("/")
                ));
                continue;
            }
            path.push(name.clone());
            for next in records {
                self.follow(next, path, view);
            }
            path.pop();
        }
    }

    /// What a name of the zone a record leads to serves (`None` when the name is not one of the
    /// zone's): what its records serve, through the chain.
    pub fn serves_linked(&self, record: &RecordSet, name: &str) -> Option<Serves> {
        let n = normalize_dns_name(name);
        let (_, via) = self
            .next_of(record)
            .into_iter()
            .find(|(e, _)| matches!(e, Endpoint::InZone { name } if *name == n))?;
        let mut path = vec![normalize_dns_name(&record.name)];
        Some(self.serves_name(&n, &record.rtype, via, &mut path))
    }

    fn serves_name(&self, name: &str, rtype: &str, via: Via, path: &mut Vec<String>) -> Serves {
        if path.iter().any(|p| p == name) || path.len() > MAX_HOPS {
            return Serves::Unknown;
        }
        // Not read, or nothing there (a name of a delegated zone, say): switchyard cannot tell.
        let Some(records) = self.linked_records(name, rtype, via) else {
            return Serves::Unknown;
        };
        if records.is_empty() {
            return Serves::Unknown;
        }
        path.push(name.to_string());
        let each: Vec<Serves> = records
            .iter()
            .map(|r| self.serves_chained_record(r, path))
            .collect();
        path.pop();
        if each.contains(&Serves::Unknown) {
            return Serves::Unknown;
        }
        Serves::combine(each)
    }

    fn serves_chained_record(&self, r: &RecordSet, path: &mut Vec<String>) -> Serves {
        let nexts = self.next_of(r);
        if nexts.is_empty() {
            return Serves::Nothing;
        }
        let each: Vec<Serves> = nexts
            .into_iter()
            .map(|(e, via)| match e {
                Endpoint::InZone { name } => self.serves_name(&name, &r.rtype, via, path),
                Endpoint::Addresses(v) if v.is_empty() => Serves::Nothing,
                Endpoint::LoadBalancer { name, .. } | Endpoint::CloudFront { name } => {
                    self.serves_resource(&name)
                }
                _ => Serves::Unknown,
            })
            .collect();
        if each.contains(&Serves::Unknown) {
            return Serves::Unknown;
        }
        Serves::combine(each)
    }

    /// What a load balancer or distribution named `name` serves (as [`Self::serves_record`]
    /// tells it for a record pointing there).
    fn serves_resource(&self, name: &str) -> Serves {
        if let Some(lb) = self
            .load_balancers
            .get()
            .and_then(|l| l.iter().find(|lb| lb.has_dns_name(name)))
        {
            return self.serves_load_balancer(&lb.arn);
        }
        let sorry = self
            .sorry_distribution()
            .is_some_and(|d| normalize_dns_name(&d.domain_name) == normalize_dns_name(name));
        if sorry {
            Serves::SorryPage
        } else {
            Serves::Unknown
        }
    }

    /// The regions the site's chain reaches: its load balancers' (from their names, and from the
    /// health checks that probe them) and its S3 websites'.
    pub fn chain_regions(&self) -> BTreeSet<String> {
        let mut out = self.chain().regions();
        for h in self.health_checks.values() {
            if let Some(fqdn) = h.config.get().and_then(|c| c.target.fqdn.as_deref())
                && let Some(r) = region_of_elb_dns(fqdn)
            {
                out.insert(r);
            }
        }
        if let Some(lbs) = self.load_balancers.get() {
            out.extend(
                lbs.iter()
                    .filter_map(|lb| region_of_arn(&lb.arn).map(str::to_string)),
            );
        }
        out
    }
}

/// What the name holds instead, when it has no record of the site's type: `: it holds a CNAME
/// (record_type = "CNAME")`; empty when it holds nothing.
pub fn missing_record_hint(site: &SiteObservations) -> String {
    let Some(all) = site.records.get() else {
        return String::new();
    };
    let mut types: Vec<&str> = all
        .iter()
        .filter(|r| r.is_named(&site.record_name))
        .map(|r| r.rtype.as_str())
        .collect();
    types.dedup();
    match types.as_slice() {
        [] => String::new(),
        ["CNAME"] => ": it holds a CNAME (set record_type = \"CNAME\")".to_string(),
        other => format!(": it holds {}", other.join(", ")),
    }
}

/// The wildcard name that answers for `name` when it has no records: `*.` and its parent.
fn wildcard_of(name: &str) -> Option<String> {
    let n = normalize_dns_name(name);
    let (first, parent) = n.split_once('.')?;
    if first == "*" || !parent.contains('.') {
        return None;
    }
    Some(format!("*.{parent}"))
}

/// Why an alias target with Evaluate Target Health is not among the observed load balancers, in
/// the operator's words.
pub fn unobserved_target(dns_name: &str) -> String {
    let name = normalize_dns_name(dns_name);
    match Endpoint::of_name(&name) {
        Endpoint::LoadBalancer { region, .. } => format!(
            "alias target {name}: no load balancer with this DNS name in {region} (the region \
             its name says): deleted, or in another account?"
        ),
        Endpoint::CloudFront { .. } => format!("alias target {name}: a CloudFront distribution"),
        _ => format!(
            "alias target {name}: not a load balancer, distribution or S3 website switchyard \
             reads; its health (Evaluate Target Health) cannot be observed, and its region \
             cannot be told from its name"
        ),
    }
}

/// The health of an alias target that is not a load balancer: another record of the same zone
/// (its records' health, through the chain), or an S3 website endpoint (not observable; Route
/// 53 treats it as healthy while the endpoint answers). `None` for other targets.
pub(crate) fn alias_target_health(
    site: &SiteObservations,
    record: &RecordSet,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
) -> Option<TargetVerdict> {
    record.alias.as_ref()?;
    let (next, via) = site.next_of(record).into_iter().next()?;
    match next {
        Endpoint::InZone { name } => {
            let mut path = vec![normalize_dns_name(&record.name)];
            Some(linked_health(
                site,
                &name,
                &record.rtype,
                via,
                now,
                stale_after,
                ev,
                &mut path,
            ))
        }
        Endpoint::S3Website(s3) => Some(TargetVerdict {
            health: Health::Healthy,
            why: format!(
                "{}: Route 53 counts it healthy while S3 in {} answers (switchyard does not \
                 observe it)",
                Endpoint::S3Website(s3.clone()).describe(),
                s3.region
            ),
            flip: None,
        }),
        _ => None,
    }
}

/// The health Route 53 gives an alias to the records at `name`: healthy when one of them is.
#[allow(clippy::too_many_arguments)]
fn linked_health(
    site: &SiteObservations,
    name: &str,
    rtype: &str,
    via: Via,
    now: OffsetDateTime,
    stale_after: Duration,
    ev: &mut Evidence,
    path: &mut Vec<String>,
) -> TargetVerdict {
    let unknown = |why: String| TargetVerdict {
        health: Health::Unknown,
        why,
        flip: None,
    };
    if path.iter().any(|p| p == name) || path.len() > MAX_HOPS {
        let mut cycle = path.clone();
        cycle.push(name.to_string());
        let why = format!(
            "the records lead in a circle or too deep ({}): their health cannot be told",
            cycle.join(" -> ")
        );
        ev.missing.push(why.clone());
        return unknown(why);
    }
    let what = format!("records of {name}");
    let Some(f) = site.linked.records.get(name) else {
        ev.missing.push(format!("{what}: not fetched yet"));
        return unknown(format!("{what} unknown"));
    };
    if ev.read(&what, f, now, stale_after).is_none() {
        return unknown(format!("{what} unknown"));
    }
    let Some(records) = site.linked_records(name, rtype, via) else {
        ev.missing
            .push(format!("{what}: the wildcard is not read yet"));
        return unknown(format!("{what} unknown"));
    };
    if records.is_empty() {
        return TargetVerdict {
            health: Health::Unhealthy,
            why: format!("{name} has no {rtype} record"),
            flip: None,
        };
    }
    path.push(name.to_string());
    let mut parts = Vec::new();
    let mut health = Health::Unhealthy;
    let mut flip: Option<(String, Duration)> = None;
    for r in records {
        let mut h = Health::Healthy;
        let mut why = Vec::new();
        if let Some(id) = &r.health_check_id {
            let mut c = check_health(site, id, now, stale_after);
            ev.absorb(std::mem::take(&mut c.evidence), true);
            h = and(h, c.health);
            why.push(format!("health check {} {}", c.label, c.health.as_str()));
            flip = longer(flip, c.flip);
        }
        if let Some(alias) = r.alias.as_ref().filter(|a| a.evaluate_target_health) {
            let t = match site.next_of(r).into_iter().next() {
                Some((Endpoint::InZone { name: next }, v)) => {
                    linked_health(site, &next, &r.rtype, v, now, stale_after, ev, path)
                }
                _ if alias.is_cloudfront() => TargetVerdict {
                    health: Health::Healthy,
                    why: "a CloudFront distribution".into(),
                    flip: None,
                },
                _ => alias_target_health(site, r, now, stale_after, ev)
                    .unwrap_or_else(|| target_health(site, &alias.dns_name, now, stale_after, ev)),
            };
            h = and(h, t.health);
            why.push(t.why.clone());
            flip = longer(flip, t.flip);
        }
        let role = r
            .failover
            .map(|f| format!(" {}", f.as_str()))
            .unwrap_or_default();
        if why.is_empty() {
            why.push("no health check and no evaluate target health: always healthy".into());
        }
        parts.push(format!("{name}{role}: {}", why.join("; ")));
        health = match (health, h) {
            (Health::Healthy, _) | (_, Health::Healthy) => Health::Healthy,
            (Health::Unknown, _) | (_, Health::Unknown) => Health::Unknown,
            _ => Health::Unhealthy,
        };
    }
    path.pop();
    TargetVerdict {
        health,
        why: parts.join(", "),
        flip,
    }
}

fn and(a: Health, b: Health) -> Health {
    match (a, b) {
        (Health::Unhealthy, _) | (_, Health::Unhealthy) => Health::Unhealthy,
        (Health::Unknown, _) | (_, Health::Unknown) => Health::Unknown,
        _ => Health::Healthy,
    }
}

fn longer(
    a: Option<(String, Duration)>,
    b: Option<(String, Duration)>,
) -> Option<(String, Duration)> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.1 > a.1 { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests;
