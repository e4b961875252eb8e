//! Everything observed for one site, each piece with its own freshness.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::cloudfront::{Distribution, Invalidation};
use super::cloudwatch::{Alarm, AlarmStateChange, MetricSeries};
use super::elb::{
    FixedResponse, HostCounts, Listener, LoadBalancer, Rule, TargetGroup, TargetHealth,
};
use super::error::AwsError;
use super::maintenance::MaintenanceMarker;
use super::obs::Fetched;
use super::route53::{
    AlarmRef, AliasTarget, CheckerObservation, DnsAnswer, Failover, HealthCheck, HealthCheckStatus,
    PendingChange, Policy, RecordSet, normalize_dns_name, short_id,
};

/// What is observed of one Route 53 health check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthCheckObservations {
    /// Its configuration (GetHealthCheck).
    pub config: Fetched<HealthCheck>,
    /// Its status: per-checker observations or the CloudWatch metric.
    pub status: Fetched<HealthCheckStatus>,
    /// The last failure each checker saw (GetHealthCheckLastFailureReason).
    pub last_failures: Fetched<Vec<CheckerObservation>>,
    /// Why Route 53's own `HealthCheckStatus` metric was not used, when `status` holds the
    /// checkers' observations (GetHealthCheckStatus) in its place: a new check has no datapoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_missing: Option<AwsError>,
}

/// What is observed of one CloudWatch alarm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmObservations {
    /// Which alarm (region and name).
    pub alarm_ref: AlarmRef,
    /// The alarm and its state.
    pub alarm: Fetched<Alarm>,
    /// Recent datapoints of its metric, for a sparkline.
    pub series: Fetched<Vec<MetricSeries>>,
    /// Its last state changes, newest first (DescribeAlarmHistory): read for the detail view
    /// only, when the alarm changed state since the last read.
    #[serde(default)]
    pub history: Fetched<Vec<AlarmStateChange>>,
}

/// What is observed of the site's CloudFront distribution (the sorry page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistributionObservations {
    /// The distribution ID from the config.
    pub id: String,
    /// The distribution.
    pub distribution: Fetched<Distribution>,
    /// Recent invalidations, newest first.
    pub invalidations: Fetched<Vec<Invalidation>>,
}

impl DistributionObservations {
    /// `distribution E123…`, or what stands for it while its ID is not known yet.
    pub fn label(&self) -> String {
        if self.id.is_empty() {
            "the sorry page distribution (not found yet)".to_string()
        } else {
            format!("distribution {}", self.id)
        }
    }
}

/// How the site's name is answered, from its record sets.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordLayout<'a> {
    /// A failover pair (either half may be missing).
    Failover {
        /// The PRIMARY record set.
        primary: Option<&'a RecordSet>,
        /// The SECONDARY record set.
        secondary: Option<&'a RecordSet>,
    },
    /// One plain record (simple routing).
    Plain(&'a RecordSet),
    /// The members of a weighted, latency, geolocation or multivalue record set (see
    /// [`super::policy`]).
    Routed {
        /// Their routing policy.
        policy: Policy,
        /// The members, in Route 53's order.
        members: Vec<&'a RecordSet>,
    },
    /// No record of the site's name and type.
    Missing,
    /// Record sets of a routing policy switchyard does not model (geoproximity, IP-based), or of
    /// several policies at once.
    Unsupported,
}

/// Everything observed for one site: the configured identity of the site plus each observed piece
/// in a [`Fetched`]. The poller fills it; the verdict, the UI and the switch engine read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteObservations {
    /// The site's name in the config, e.g. `www`.
    pub name: String,
    /// The hosted zone ID of the site's record.
    pub zone_id: String,
    /// The public name, e.g. `www.example.com.`.
    pub record_name: String,
    /// The record type, usually `A`; for a site of `every_type`, the first type at its name.
    pub record_type: String,
    /// Whether the site covers every address type at its name (A and AAAA, or a CNAME), not
    /// only `record_type` (see [`super::stack`]).
    #[serde(default)]
    pub every_type: bool,
    /// Whether the config protects the site (extra confirmation before switching).
    pub protected: bool,
    /// ARNs of target groups the config names as serving the sorry page (a listener forwarding
    /// only to these shows maintenance).
    pub sorry_target_groups: Vec<String>,
    /// The fixed responses the config's strategies answer with during maintenance (a listener
    /// answering one of these serves the sorry page, whatever its status code).
    #[serde(default)]
    pub maintenance_responses: Vec<FixedResponse>,
    /// The record sets at the site's name (all types; the failover pair or the plain record).
    pub records: Fetched<Vec<RecordSet>>,
    /// What Route 53 answers for the name right now (TestDNSAnswer).
    pub dns_answer: Fetched<DnsAnswer>,
    /// For a site of `every_type`: what Route 53 answers for its other types, by type.
    #[serde(default)]
    pub other_answers: BTreeMap<String, Fetched<DnsAnswer>>,
    /// The addresses alias targets resolve to, by normalised DNS name (see
    /// [`normalize_dns_name`]): tells which record an answer's addresses belong to.
    pub alias_addresses: BTreeMap<String, Fetched<Vec<String>>>,
    /// Health checks by ID (those of the records and their children).
    pub health_checks: BTreeMap<String, HealthCheckObservations>,
    /// The alarms of the site (bound to health checks, or named in the config).
    pub alarms: Vec<AlarmObservations>,
    /// The load balancers behind the site.
    pub load_balancers: Fetched<Vec<LoadBalancer>>,
    /// Listeners by load balancer ARN.
    pub listeners: BTreeMap<String, Fetched<Vec<Listener>>>,
    /// Rules by listener ARN.
    pub rules: BTreeMap<String, Fetched<Vec<Rule>>>,
    /// The target groups of those load balancers (and the sorry target groups).
    pub target_groups: Fetched<Vec<TargetGroup>>,
    /// Target health by target group ARN (DescribeTargetHealth: fresh, per target).
    pub target_health: BTreeMap<String, Fetched<Vec<TargetHealth>>>,
    /// The targets' health in bulk by target group ARN, from CloudWatch's HealthyHostCount /
    /// UnHealthyHostCount (a lagging source, see [`HostCounts`]): the overview reads these every
    /// round and DescribeTargetHealth only where they show something wrong or have no
    /// datapoint. A group whose counts were read fresh and show every target healthy is
    /// known, however old its last DescribeTargetHealth (see [`Self::targets_known_by_counts`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub host_counts: BTreeMap<String, Fetched<HostCounts>>,
    /// How old a listener read (and its rules) may be before it is stale, when that is more
    /// than `stale_after`: the poller reads listeners outside the detail on its own cadence,
    /// within ELBv2's budget (see `poll::round::listeners_max_age`), and a listener it chose
    /// not to read yet is not unknown. 0: `stale_after` alone. A failed read is unread
    /// whatever its age.
    #[serde(default)]
    pub listeners_max_age_secs: u64,
    /// The sorry page's distribution, if the site has one.
    pub distribution: Option<DistributionObservations>,
    /// Route 53 changes submitted for the site, by change ID.
    pub changes: BTreeMap<String, Fetched<PendingChange>>,
    /// switchyard's maintenance marker: `Some(None)` once read and absent.
    pub maintenance: Fetched<Option<MaintenanceMarker>>,
    /// A request for a second person's approval of a switch of the site, as the journal holds
    /// it (read with the journal; `None`: none outstanding, or the journal not read).
    pub approval: Option<super::approval::ApprovalMarker>,
    /// The site's switch history in AWS (every operator's switches), when the listing that
    /// read the journal held it. Not part of the JSON report.
    #[serde(skip)]
    pub history: Option<super::history::History>,
    /// The records of the zone the site's records lead to (aliases to records of the zone,
    /// CNAMEs to names in it), and the zone's name: see [`super::chain`].
    #[serde(default)]
    pub linked: super::chain::LinkedRecords,
    /// AWS seconds per wall second, as the service states it (1 for AWS; the emulator's speed):
    /// an AWS-time estimate is shown on the wall clock divided by it.
    #[serde(default = "real_speed")]
    pub aws_speed: f64,
    /// CloudFront distributions in front of the app (their default origin is a load balancer):
    /// the distribution's domain name → its origin's, both normalised. A record pointing at one
    /// serves what the load balancer serves.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cdn_origins: BTreeMap<String, String>,
    /// What a client gets, when the config names a probe for the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<super::probe::ProbeObservation>,
}

fn real_speed() -> f64 {
    1.0
}

/// Whether one observed piece is failing, for "fetch started failing / recovered" events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchState {
    /// A stable key, e.g. `health_check_status:3f1c...`.
    pub key: String,
    /// What it is in words, e.g. `status of health check 3f1c9a2e…`.
    pub what: String,
    /// The latest failure's summary, if the latest attempt failed.
    pub failing: Option<String>,
    /// When it was last fetched successfully.
    pub fetched_at: Option<OffsetDateTime>,
}

impl SiteObservations {
    /// A site with nothing fetched yet.
    pub fn new(
        name: impl Into<String>,
        zone_id: impl Into<String>,
        record_name: impl Into<String>,
        record_type: impl Into<String>,
    ) -> SiteObservations {
        SiteObservations {
            name: name.into(),
            zone_id: zone_id.into(),
            record_name: record_name.into(),
            record_type: record_type.into(),
            every_type: false,
            protected: false,
            sorry_target_groups: Vec::new(),
            maintenance_responses: Vec::new(),
            records: Fetched::default(),
            dns_answer: Fetched::default(),
            other_answers: BTreeMap::new(),
            alias_addresses: BTreeMap::new(),
            health_checks: BTreeMap::new(),
            alarms: Vec::new(),
            load_balancers: Fetched::default(),
            listeners: BTreeMap::new(),
            rules: BTreeMap::new(),
            target_groups: Fetched::default(),
            target_health: BTreeMap::new(),
            host_counts: BTreeMap::new(),
            listeners_max_age_secs: 0,
            distribution: None,
            changes: BTreeMap::new(),
            maintenance: Fetched::default(),
            approval: None,
            history: None,
            linked: Default::default(),
            aws_speed: 1.0,
            cdn_origins: BTreeMap::new(),
            probe: None,
        }
    }

    /// How old the listeners (and their rules) may be before they are stale: `stale_after`, or
    /// the poller's own listener cadence when that is longer (see `listeners_max_age_secs`).
    pub fn listeners_max_age(&self, stale_after: std::time::Duration) -> std::time::Duration {
        stale_after.max(std::time::Duration::from_secs(self.listeners_max_age_secs))
    }

    /// How old one listener read (or its rules) may be: the poller's cadence, but only
    /// `stale_after` once its latest read failed (a read that failed is not one switchyard
    /// chose not to make).
    pub fn listener_read_max_age<T>(
        &self,
        f: &Fetched<T>,
        stale_after: std::time::Duration,
    ) -> std::time::Duration {
        if f.error.is_some() {
            stale_after
        } else {
            self.listeners_max_age(stale_after)
        }
    }

    /// Whether a target group's targets are known from its CloudWatch counts in place of a
    /// fresh DescribeTargetHealth: counts read without error within `stale_after`, their
    /// datapoint no older than `stale_after` plus [`HostCounts::LAG`], every target healthy. Counts that show a target unhealthy, or none, are never enough: the
    /// poller reads those groups fresh (and a failed fresh read is a check not made). Nor do
    /// they stand in for a DescribeTargetHealth whose latest read failed: that read was made.
    pub fn targets_known_by_counts(
        &self,
        tg_arn: &str,
        now: OffsetDateTime,
        stale_after: std::time::Duration,
    ) -> bool {
        let read_failed = self
            .target_health
            .get(tg_arn)
            .is_some_and(|f| f.error.is_some());
        !read_failed
            && self.host_counts.get(tg_arn).is_some_and(|f| {
                f.error.is_none()
                    && !f.is_stale(now, stale_after)
                    && f.get().is_some_and(|c| c.healthy_now(now, stale_after))
            })
    }

    /// The record sets of the site's name and types (empty if not fetched).
    pub fn site_records(&self) -> Vec<&RecordSet> {
        self.records
            .get()
            .map(|all| {
                all.iter()
                    .filter(|r| r.is_named(&self.record_name) && self.covers(&r.rtype))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How the name is answered for `record_type`: a failover pair, a plain record, the members
    /// of a routing policy, nothing, or unsupported. (A site of several types has a layout per
    /// type: [`SiteObservations::layout_of`].)
    pub fn layout(&self) -> RecordLayout<'_> {
        self.layout_of(&self.record_type)
    }

    /// How the name is answered for one record type.
    pub fn layout_of(&self, rtype: &str) -> RecordLayout<'_> {
        let records = self.records_of_type(rtype);
        if records.is_empty() {
            return RecordLayout::Missing;
        }
        if records.iter().any(|r| r.failover.is_some()) {
            if records.iter().any(|r| r.failover.is_none()) {
                return RecordLayout::Unsupported;
            }
            let find = |f| records.iter().copied().find(|r| r.failover == Some(f));
            return RecordLayout::Failover {
                primary: find(Failover::Primary),
                secondary: find(Failover::Secondary),
            };
        }
        match records.as_slice() {
            [only] if only.set_identifier.is_none() => RecordLayout::Plain(only),
            _ => super::policy::routed_layout(records),
        }
    }

    /// The PRIMARY record set.
    pub fn primary(&self) -> Option<&RecordSet> {
        match self.layout() {
            RecordLayout::Failover { primary, .. } => primary,
            _ => None,
        }
    }

    /// The SECONDARY record set.
    pub fn secondary(&self) -> Option<&RecordSet> {
        match self.layout() {
            RecordLayout::Failover { secondary, .. } => secondary,
            _ => None,
        }
    }

    /// The plain record set (no failover pair).
    pub fn plain(&self) -> Option<&RecordSet> {
        match self.layout() {
            RecordLayout::Plain(r) => Some(r),
            _ => None,
        }
    }

    /// The health checks that matter for routing: those of the site's records and, for
    /// CALCULATED checks, their children (recursively), in order of appearance.
    pub fn relevant_health_check_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let mut queue: Vec<String> = self
            .site_records()
            .iter()
            .filter_map(|r| r.health_check_id.clone())
            .collect();
        queue.reverse();
        while let Some(id) = queue.pop() {
            if ids.contains(&id) {
                continue;
            }
            if let Some(hc) = self.health_checks.get(&id).and_then(|o| o.config.get()) {
                queue.extend(hc.children.iter().rev().cloned());
            }
            ids.push(id);
        }
        ids
    }

    /// The configuration of a health check, if fetched.
    pub fn health_check(&self, id: &str) -> Option<&HealthCheck> {
        self.health_checks.get(id).and_then(|o| o.config.get())
    }

    /// How the operator knows a health check: its Name tag and short ID, or the short ID.
    pub fn health_check_label(&self, id: &str) -> String {
        self.health_check(id)
            .map(|hc| hc.label())
            .unwrap_or_else(|| short_id(id))
    }

    /// The observations of an alarm.
    pub fn alarm(&self, alarm_ref: &AlarmRef) -> Option<&AlarmObservations> {
        self.alarms.iter().find(|a| &a.alarm_ref == alarm_ref)
    }

    /// The observed load balancer an alias points at.
    pub fn load_balancer_for_alias(&self, alias: &AliasTarget) -> Option<&LoadBalancer> {
        self.load_balancers
            .get()?
            .iter()
            .find(|lb| lb.has_dns_name(&alias.dns_name))
    }

    /// A load balancer by ARN.
    pub fn load_balancer(&self, arn: &str) -> Option<&LoadBalancer> {
        self.load_balancers.get()?.iter().find(|lb| lb.arn == arn)
    }

    /// A target group by ARN.
    pub fn target_group(&self, arn: &str) -> Option<&TargetGroup> {
        self.target_groups.get()?.iter().find(|tg| tg.arn == arn)
    }

    /// The target groups a load balancer routes to.
    pub fn target_groups_of(&self, lb_arn: &str) -> Vec<&TargetGroup> {
        self.target_groups
            .get()
            .map(|tgs| {
                tgs.iter()
                    .filter(|tg| tg.load_balancer_arns.iter().any(|a| a == lb_arn))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A target group's name, or its name from the ARN.
    pub fn target_group_label(&self, arn: &str) -> String {
        self.target_group(arn)
            .map(|tg| tg.name.clone())
            .unwrap_or_else(|| super::elb::target_group_name(arn))
    }

    /// Every observed listener (of every load balancer), in ARN order.
    pub fn all_listeners(&self) -> Vec<&Listener> {
        self.listeners
            .values()
            .filter_map(|f| f.get())
            .flatten()
            .collect()
    }

    /// The maintenance marker, if read and present.
    pub fn marker(&self) -> Option<&MaintenanceMarker> {
        self.maintenance.get().and_then(|m| m.as_ref())
    }

    /// The distribution, if fetched.
    pub fn sorry_distribution(&self) -> Option<&Distribution> {
        self.distribution
            .as_ref()
            .and_then(|d| d.distribution.get())
    }

    /// The resolved addresses of an alias target's DNS name.
    pub fn alias_addresses_of(&self, alias: &AliasTarget) -> Option<&Fetched<Vec<String>>> {
        self.alias_addresses
            .get(&normalize_dns_name(&alias.dns_name))
    }

    /// Every observed piece with whether it is failing, for fetch failure/recovery events.
    pub fn fetch_states(&self) -> Vec<FetchState> {
        fn state<T>(key: String, what: String, f: &Fetched<T>) -> FetchState {
            FetchState {
                key,
                what,
                failing: f.error.as_ref().map(|e| e.error.summary()),
                fetched_at: f.fetched_at,
            }
        }
        let mut out = vec![
            state(
                "records".into(),
                format!("record sets of {}", self.record_name),
                &self.records,
            ),
            state(
                "dns_answer".into(),
                format!("DNS answer for {}", self.record_name),
                &self.dns_answer,
            ),
            state(
                "maintenance".into(),
                "maintenance marker".into(),
                &self.maintenance,
            ),
            state(
                "load_balancers".into(),
                "load balancers".into(),
                &self.load_balancers,
            ),
            state(
                "target_groups".into(),
                "target groups".into(),
                &self.target_groups,
            ),
        ];
        for (rtype, f) in &self.other_answers {
            out.push(state(
                format!("dns_answer:{rtype}"),
                format!("{rtype} DNS answer for {}", self.record_name),
                f,
            ));
        }
        for (name, f) in &self.alias_addresses {
            out.push(state(
                format!("alias_addresses:{name}"),
                format!("addresses of {name}"),
                f,
            ));
        }
        for (id, o) in &self.health_checks {
            let label = self.health_check_label(id);
            out.push(state(
                format!("health_check:{id}"),
                format!("health check {label}"),
                &o.config,
            ));
            out.push(state(
                format!("health_check_status:{id}"),
                format!("status of health check {label}"),
                &o.status,
            ));
            out.push(state(
                format!("health_check_failures:{id}"),
                format!("last failures of health check {label}"),
                &o.last_failures,
            ));
        }
        for a in &self.alarms {
            let r = &a.alarm_ref;
            out.push(state(
                format!("alarm:{}/{}", r.region, r.name),
                format!("alarm {}", r.name),
                &a.alarm,
            ));
            out.push(state(
                format!("alarm_series:{}/{}", r.region, r.name),
                format!("metric of alarm {}", r.name),
                &a.series,
            ));
        }
        for (arn, f) in &self.listeners {
            let what = match self.load_balancer(arn) {
                Some(lb) => format!("listeners of {}", lb.name),
                None => format!("listeners of {arn}"),
            };
            out.push(state(format!("listeners:{arn}"), what, f));
        }
        for (arn, f) in &self.rules {
            out.push(state(
                format!("rules:{arn}"),
                format!("rules of listener {arn}"),
                f,
            ));
        }
        for (arn, f) in &self.target_health {
            let what = format!("target health of {}", self.target_group_label(arn));
            out.push(state(format!("target_health:{arn}"), what, f));
        }
        if let Some(d) = &self.distribution {
            out.push(state(
                format!("distribution:{}", d.id),
                d.label(),
                &d.distribution,
            ));
            out.push(state(
                format!("invalidations:{}", d.id),
                format!("invalidations of {}", d.id),
                &d.invalidations,
            ));
        }
        for (id, f) in &self.changes {
            out.push(state(
                format!("change:{id}"),
                format!("Route 53 change {id}"),
                f,
            ));
        }
        out
    }
}
