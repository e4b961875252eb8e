//! One refresh of every site: account-wide lists once, then each site's chain, in parallel and
//! within the API budgets. Failures become data: the last good value stays, with the error.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;

use futures::future::join_all;
use time::OffsetDateTime;

use super::limit::{Backoff, Bucket, Budgets};
use crate::aws::client::Clients;
use crate::aws::dns::Resolver;
use crate::aws::{cloudfront, cloudwatch, elbv2, route53};
use crate::config::{Site, Strategy};
use crate::model::cloudfront::Distribution;
use crate::model::cloudwatch::{Alarm, MetricSeries};
use crate::model::elb::{LoadBalancer, TargetGroup};
use crate::model::error::{AwsError, ErrorKind};
use crate::model::obs::Fetched;
use crate::model::route53::{AlarmRef, HealthCheck, HealthCheckKind, HealthCheckStatus, RecordSet};
use crate::model::site::{
    AlarmObservations, DistributionObservations, HealthCheckObservations, SiteObservations,
};
use crate::switch::journal::{self, Journal};

/// How much to fetch for a site in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Health checks from their CloudWatch metrics.
    Overview,
    /// Also every checker's observation per region, the last failure reasons, and metric series
    /// for sparklines (the focused site, or `status --site`).
    Detail,
}

/// What to fetch, and with which clients.
pub struct Fetcher {
    pub clients: Clients,
    pub budgets: Arc<Budgets>,
    pub resolver: Resolver,
    /// Names of health checks already known (Name tags are read once).
    names: HashMap<String, Option<String>>,
    /// Changes submitted by switchyard and not yet INSYNC, per site.
    pub pending_changes: HashMap<String, BTreeSet<String>>,
}

/// Account-wide lists, fetched once per round for every site.
#[derive(Default)]
struct Shared {
    health_checks: Option<Result<Vec<HealthCheck>, AwsError>>,
    alarms: HashMap<String, Result<Vec<Alarm>, AwsError>>,
    load_balancers: Option<Result<Vec<LoadBalancer>, AwsError>>,
    distributions: Option<Result<Vec<Distribution>, AwsError>>,
    /// Route 53's status of every health check, from its CloudWatch metrics.
    hc_metrics: HashMap<String, Result<HealthCheckStatus, AwsError>>,
    /// Every record of the zones that hold many of the round's sites.
    zone_records: HashMap<String, Result<Vec<RecordSet>, AwsError>>,
    /// Every target group of the account (one paged call instead of one per load balancer).
    target_groups: Option<Result<Vec<TargetGroup>, AwsError>>,
}

/// From this many sites of one zone in a round, the zone is listed whole.
const ZONE_LISTING_FROM: usize = 4;

/// Runs a call under a budget; a throttled call is retried after a backoff (the SDK's own
/// standard retry has already tried three times).
async fn budgeted<T, F, Fut>(bucket: &Bucket, f: F) -> Result<T, AwsError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let mut backoff = Backoff::new(
        std::time::Duration::from_millis(500),
        std::time::Duration::from_secs(8),
        bucket.name().len() as u64 + 7,
    );
    let mut tries = 0;
    let mut throttled: Option<AwsError> = None;
    loop {
        bucket.take().await;
        match f().await {
            Err(e) if e.kind == ErrorKind::Throttled && tries < 2 => {
                tries += 1;
                throttled = Some(e);
                tokio::time::sleep(backoff.fail()).await;
            }
            // A retry of a throttled call that ran out of time failed because of the
            // throttling: say so rather than "no answer".
            Err(e) if e.kind == ErrorKind::Network && throttled.is_some() => {
                return Err(throttled.unwrap_or(e));
            }
            other => return other,
        }
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn record<T>(slot: &mut Fetched<T>, result: Result<T, AwsError>) {
    match result {
        Ok(v) => slot.set_ok(v, now()),
        Err(e) => slot.set_failed(e, now()),
    }
}

/// The sorry target groups a site's strategies name.
pub fn sorry_target_groups(site: &Site) -> Vec<String> {
    let mut out = Vec::new();
    for s in &site.maintenance {
        if let Strategy::ListenerSorry {
            action: crate::config::SorryAction::TargetGroup(tg),
            ..
        }
        | Strategy::MaintenanceRule {
            action: crate::config::SorryAction::TargetGroup(tg),
            ..
        } = s
            && !out.contains(tg)
        {
            out.push(tg.clone());
        }
    }
    out
}

/// An empty snapshot of a site, as the config describes it.
pub fn blank(site: &Site) -> SiteObservations {
    let mut obs = SiteObservations::new(
        &site.name,
        &site.zone_id,
        &site.record,
        site.record_type.as_str(),
    );
    obs.protected = site.protected;
    obs.sorry_target_groups = sorry_target_groups(site);
    obs
}

/// The load balancer ARN a listener or rule ARN belongs to.
fn lb_of(arn: &str) -> Option<String> {
    crate::config::ids::parse_elb_arn(arn)
        .ok()
        .and_then(|a| a.load_balancer_arn())
}

impl Fetcher {
    pub fn new(clients: Clients, resolver: Resolver) -> Fetcher {
        Fetcher {
            clients,
            budgets: Arc::new(Budgets::default()),
            resolver,
            names: HashMap::new(),
            pending_changes: HashMap::new(),
        }
    }

    /// Refreshes every site in `obs` (one snapshot per site of `sites`, in the same order).
    pub async fn round(
        &mut self,
        sites: &[&Site],
        obs: &mut [SiteObservations],
        depth: &(dyn Fn(&str) -> Depth + Sync),
    ) {
        let mut shared = self.shared_lists(sites).await;
        // Every site's records, in parallel (from the zone's listing when it was read whole).
        let first: Vec<_> = sites
            .iter()
            .map(|s| self.records(s, shared.zone_records.get(&s.zone_id)))
            .collect();
        let first = join_all(first).await;
        for (o, (records, journal)) in obs.iter_mut().zip(first) {
            record(&mut o.records, records);
            match journal {
                Ok(j) => o.maintenance.set_ok(j.map(|j| j.marker()), now()),
                Err(e) => o.maintenance.set_failed(e, now()),
            }
        }
        self.name_health_checks(&mut shared).await;
        // Health check status from CloudWatch for every site's checks at once; a site in
        // detail reads its checkers instead, for every check that has them.
        let probes = |id: &str| match &shared.health_checks {
            Some(Ok(list)) => list
                .iter()
                .find(|h| h.id == id)
                .is_some_and(|h| h.kind.probes_endpoint()),
            _ => false,
        };
        let all_ids: BTreeSet<String> = sites
            .iter()
            .zip(obs.iter())
            .flat_map(|(s, o)| {
                let detail = depth(&s.name) == Depth::Detail;
                self.health_check_ids(s, o, &shared)
                    .into_iter()
                    .filter(move |id| !(detail && probes(id)))
                    .collect::<Vec<_>>()
            })
            .collect();
        shared.hc_metrics = self.health_check_metrics(&all_ids).await;
        // The DNS answers (Route 53's budget) while the chains behind the records are read
        // (the other services' budgets).
        let answers = join_all(sites.iter().map(|s| self.answer(s)));
        let per_site: Vec<_> = sites
            .iter()
            .zip(obs.iter_mut())
            .map(|(s, o)| {
                let d = depth(&s.name);
                self.site_chain(s, o, &shared, d)
            })
            .collect();
        let (answers, _) = tokio::join!(answers, join_all(per_site));
        for (o, answer) in obs.iter_mut().zip(answers) {
            record(&mut o.dns_answer, answer);
        }
        // Pending changes.
        for (s, o) in sites.iter().zip(obs.iter_mut()) {
            let ids: Vec<String> = self
                .pending_changes
                .get(&s.name)
                .map(|set| set.iter().cloned().collect())
                .unwrap_or_default();
            for id in ids {
                let result = budgeted(&self.budgets.route53, || {
                    route53::get_change(&self.clients.route53, &id)
                })
                .await;
                if let Ok(c) = &result
                    && c.status == crate::model::route53::ChangeStatus::Insync
                    && let Some(set) = self.pending_changes.get_mut(&s.name)
                {
                    set.remove(&id);
                }
                record(o.changes.entry(id).or_default(), result);
            }
        }
    }

    async fn shared_lists(&self, sites: &[&Site]) -> Shared {
        let c = &self.clients;
        let b = &self.budgets;
        let needs_elb = !sites.is_empty();
        let mut per_zone: BTreeMap<&str, usize> = BTreeMap::new();
        for s in sites {
            *per_zone.entry(s.zone_id.as_str()).or_default() += 1;
        }
        let big_zones: Vec<&str> = per_zone
            .into_iter()
            .filter(|(_, n)| *n >= ZONE_LISTING_FROM)
            .map(|(z, _)| z)
            .collect();
        let (hcs, lbs, dists, alarms, zones) = tokio::join!(
            budgeted(&b.route53, || route53::health_checks(&c.route53)),
            async {
                if needs_elb {
                    let (lbs, tgs) = tokio::join!(
                        budgeted(&b.elbv2, || elbv2::load_balancers(&c.elbv2)),
                        budgeted(&b.elbv2, || elbv2::all_target_groups(&c.elbv2)),
                    );
                    Some((lbs, tgs))
                } else {
                    None
                }
            },
            budgeted(&b.cloudfront, || cloudfront::distributions(&c.cloudfront)),
            budgeted(&b.cloudwatch, || cloudwatch::alarms(&c.cloudwatch)),
            join_all(big_zones.iter().map(|z| async move {
                (
                    z.to_string(),
                    budgeted(&b.route53, || route53::zone_records(&c.route53, z)).await,
                )
            })),
        );
        let (lbs, tgs) = match lbs {
            Some((l, t)) => (Some(l), Some(t)),
            None => (None, None),
        };
        let mut shared = Shared {
            health_checks: Some(hcs),
            load_balancers: lbs,
            target_groups: tgs,
            distributions: Some(dists),
            zone_records: zones.into_iter().collect(),
            ..Shared::default()
        };
        shared.alarms.insert(c.region.clone(), alarms);
        shared
    }

    /// Reads Name tags of health checks not seen before.
    async fn name_health_checks(&mut self, shared: &mut Shared) {
        let Some(Ok(list)) = shared.health_checks.as_mut() else {
            return;
        };
        let mut unknown: Vec<HealthCheck> = list
            .iter()
            .filter(|h| !self.names.contains_key(&h.id))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            let c = &self.clients.route53;
            // Ten checks a call (ListTagsForResources' limit), each call on the budget.
            let chunks = unknown.chunks(10).map(|chunk| {
                budgeted(&self.budgets.route53, move || {
                    let mut batch = chunk.to_vec();
                    async move { route53::add_tags(c, &mut batch).await.map(|()| batch) }
                })
            });
            let mut tagged = Vec::new();
            for (chunk, result) in unknown.chunks(10).zip(join_all(chunks).await) {
                match result {
                    Ok(t) => tagged.extend(t),
                    Err(_) => tagged.extend(chunk.iter().cloned()),
                }
            }
            unknown = tagged;
            for h in &unknown {
                self.names.insert(h.id.clone(), h.name.clone());
            }
        }
        for h in list.iter_mut() {
            h.name = self.names.get(&h.id).cloned().flatten();
        }
    }

    /// What Route 53 answers for the site's name now.
    async fn answer(&self, s: &Site) -> Result<crate::model::route53::DnsAnswer, AwsError> {
        let c = &self.clients.route53;
        budgeted(&self.budgets.route53, || {
            route53::test_dns_answer(c, &s.zone_id, &s.record, s.record_type.as_str())
        })
        .await
    }

    /// The site's record sets and its maintenance journal.
    async fn records(
        &self,
        s: &Site,
        zone: Option<&Result<Vec<RecordSet>, AwsError>>,
    ) -> (
        Result<Vec<RecordSet>, AwsError>,
        Result<Option<Journal>, AwsError>,
    ) {
        let c = &self.clients.route53;
        let b = &self.budgets.route53;
        let beside = journal::record_name(&s.record);
        let at = match zone {
            Some(Ok(all)) => Ok(route53::records_in(all, &s.record, &beside)),
            Some(Err(e)) => Err(e.clone()),
            None => budgeted(b, || route53::records_at(c, &s.zone_id, &s.record, &beside)).await,
        };
        match at {
            Ok(at) => {
                let journal = match at.beside {
                    None => Ok(None),
                    Some(values) => Journal::from_txt_values(&values).map(Some).map_err(|e| {
                        AwsError::new(
                            ErrorKind::Invalid,
                            "route53",
                            "ListResourceRecordSets",
                            format!("the maintenance journal {beside} cannot be read: {e}"),
                        )
                    }),
                };
                (Ok(at.records), journal)
            }
            Err(e) => (Err(e.clone()), Err(e)),
        }
    }

    /// The health checks of a site: its records', explicit ones, and CALCULATED children.
    fn health_check_ids(&self, s: &Site, o: &SiteObservations, shared: &Shared) -> Vec<String> {
        let mut ids: Vec<String> = o
            .site_records()
            .iter()
            .filter_map(|r| r.health_check_id.clone())
            .collect();
        ids.extend(s.health_checks.iter().cloned());
        let list = match &shared.health_checks {
            Some(Ok(l)) => l.as_slice(),
            _ => &[],
        };
        let mut i = 0;
        while i < ids.len() && ids.len() < 64 {
            if let Some(hc) = list.iter().find(|h| h.id == ids[i]) {
                for child in &hc.children {
                    if !ids.contains(child) {
                        ids.push(child.clone());
                    }
                }
            }
            i += 1;
        }
        ids.dedup();
        ids
    }

    async fn health_check_metrics(
        &self,
        ids: &BTreeSet<String>,
    ) -> HashMap<String, Result<HealthCheckStatus, AwsError>> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return out;
        }
        let queries: Vec<cloudwatch::MetricQuery> = ids
            .iter()
            .flat_map(|id| cloudwatch::health_check_queries(id))
            .collect();
        let to = self.clients.clock.now();
        let from = to - time::Duration::minutes(5);
        let c = &self.clients.cloudwatch_global;
        let result = budgeted(&self.budgets.cloudwatch, || {
            cloudwatch::metric_series(c, &queries, from, to)
        })
        .await;
        for (k, id) in ids.iter().enumerate() {
            let value = match &result {
                Err(e) => Err(e.clone()),
                Ok(series) => {
                    let status = series.get(2 * k).and_then(MetricSeries::latest);
                    let pct = series
                        .get(2 * k + 1)
                        .and_then(MetricSeries::latest)
                        .map(|(_, v)| v);
                    match status {
                        Some((at, v)) => Ok(HealthCheckStatus::Metric {
                            healthy: v >= 1.0,
                            percent_healthy: pct,
                            at: Some(at),
                        }),
                        None => Err(AwsError::new(
                            ErrorKind::NotFound,
                            "cloudwatch",
                            "GetMetricData",
                            "no HealthCheckStatus datapoint in the last 5 minutes (new or disabled health check?)",
                        )),
                    }
                }
            };
            out.insert(id.clone(), value);
        }
        out
    }

    /// Everything behind a site's records.
    async fn site_chain(&self, s: &Site, o: &mut SiteObservations, shared: &Shared, depth: Depth) {
        let c = &self.clients;
        let b = &self.budgets;
        // Health checks.
        let ids = self.health_check_ids(s, o, shared);
        let mut checks: BTreeMap<String, HealthCheckObservations> =
            std::mem::take(&mut o.health_checks)
                .into_iter()
                .filter(|(id, _)| ids.contains(id))
                .collect();
        let mut detail_futures = Vec::new();
        for id in &ids {
            let entry = checks.entry(id.clone()).or_default();
            match &shared.health_checks {
                Some(Ok(list)) => match list.iter().find(|h| &h.id == id) {
                    Some(hc) => entry.config.set_ok(hc.clone(), now()),
                    None => entry.config.set_failed(
                        AwsError::new(
                            ErrorKind::NotFound,
                            "route53",
                            "ListHealthChecks",
                            format!("health check {id} does not exist"),
                        ),
                        now(),
                    ),
                },
                Some(Err(e)) => entry.config.set_failed(e.clone(), now()),
                None => {}
            }
            let probes = entry.config.get().is_none_or(|h| h.kind.probes_endpoint());
            if depth == Depth::Detail && probes {
                let known = entry.last_failures.value.is_some();
                detail_futures.push(async move {
                    // GetHealthCheckStatus and GetHealthCheckLastFailureReason share one call a
                    // second: the last failures change only when a checker fails, so they are
                    // read the first time and whenever a checker reports a failure.
                    let status = budgeted(&b.route53_status, || {
                        route53::health_check_status(&c.route53, id)
                    })
                    .await;
                    let failing = status
                        .as_ref()
                        .map_or(true, |obs| obs.iter().any(|o| !o.healthy()));
                    let failures = if failing || !known {
                        Some(
                            budgeted(&b.route53_status, || {
                                route53::last_failure_reasons(&c.route53, id)
                            })
                            .await,
                        )
                    } else {
                        None
                    };
                    (id.clone(), status, failures)
                });
            } else if let Some(m) = shared.hc_metrics.get(id) {
                record(&mut entry.status, m.clone());
            }
        }
        for (id, status, failures) in join_all(detail_futures).await {
            let entry = checks.entry(id).or_default();
            record(
                &mut entry.status,
                status.map(|observations| HealthCheckStatus::Checkers { observations }),
            );
            match failures {
                Some(f) => record(&mut entry.last_failures, f),
                // Unchanged since no checker failed: still true now.
                None => {
                    if let Some(v) = entry.last_failures.value.clone() {
                        entry.last_failures.set_ok(v, now());
                    }
                }
            }
        }
        // Alias targets: resolve their names, find load balancers and distributions.
        let aliases: Vec<String> = o
            .site_records()
            .iter()
            .filter_map(|r| r.alias.as_ref().map(|a| a.normalized_dns_name()))
            .collect();
        let resolved = join_all(aliases.iter().map(|n| self.resolver.resolve(n))).await;
        let mut addresses = BTreeMap::new();
        for (name, r) in aliases.iter().zip(resolved) {
            let mut slot: Fetched<Vec<String>> = o.alias_addresses.remove(name).unwrap_or_default();
            match r {
                Ok(v) => slot.set_ok(v, now()),
                Err(e) => slot.set_failed(
                    AwsError::new(ErrorKind::Network, "dns", "resolve", e),
                    now(),
                ),
            }
            addresses.insert(name.clone(), slot);
        }
        o.alias_addresses = addresses;
        let hc_names: Vec<String> = checks
            .values()
            .filter_map(|h| h.config.get().and_then(|c| c.target.fqdn.clone()))
            .collect();
        o.health_checks = checks;
        // The distribution needs nothing of the load balancers: both at once.
        let previous = o.distribution.take();
        let (_, distribution) = tokio::join!(
            self.load_balancer_chain(s, o, shared, &aliases, &hc_names, depth),
            self.distribution_chain(s, previous, shared, &aliases, depth),
        );
        o.distribution = distribution;
        self.alarms(s, o, shared, depth).await;
    }

    async fn load_balancer_chain(
        &self,
        s: &Site,
        o: &mut SiteObservations,
        shared: &Shared,
        aliases: &[String],
        hc_names: &[String],
        depth: Depth,
    ) {
        let c = &self.clients;
        let b = &self.budgets;
        let all = match &shared.load_balancers {
            Some(Ok(l)) => l.as_slice(),
            Some(Err(e)) => {
                o.load_balancers.set_failed(e.clone(), now());
                return;
            }
            None => &[],
        };
        let mut wanted: Vec<String> = s.load_balancers.clone();
        wanted.extend(s.listeners.iter().filter_map(|l| lb_of(l)));
        for st in &s.maintenance {
            if let Strategy::ListenerSorry { listener, .. }
            | Strategy::MaintenanceRule { listener, .. } = st
                && let Some(lb) = lb_of(listener)
            {
                wanted.push(lb);
            }
        }
        let lbs: Vec<LoadBalancer> = all
            .iter()
            .filter(|lb| {
                wanted.contains(&lb.arn)
                    || aliases.iter().chain(hc_names).any(|n| lb.has_dns_name(n))
            })
            .cloned()
            .collect();
        o.load_balancers.set_ok(lbs.clone(), now());
        // Listeners and target groups of each load balancer, then rules and target health.
        let account_tgs = shared.target_groups.as_ref();
        let per_lb = join_all(lbs.iter().map(|lb| async move {
            let (listeners, tgs) = tokio::join!(
                budgeted(&b.elbv2, || elbv2::listeners(&c.elbv2, &lb.arn)),
                async {
                    // The account's list, read once per round; alone, one call per balancer.
                    match account_tgs {
                        Some(Ok(all)) => Ok(all
                            .iter()
                            .filter(|t| t.load_balancer_arns.contains(&lb.arn))
                            .cloned()
                            .collect()),
                        Some(Err(e)) => Err(e.clone()),
                        None => {
                            budgeted(&b.elbv2, || elbv2::target_groups_of(&c.elbv2, &lb.arn)).await
                        }
                    }
                },
            );
            (
                lb.arn.clone(),
                lb.kind == crate::model::elb::LoadBalancerKind::Application,
                listeners,
                tgs,
            )
        }))
        .await;
        let mut target_groups: Vec<TargetGroup> = Vec::new();
        let mut tg_error = None;
        let mut listener_arns_alb = Vec::new();
        let mut listeners = BTreeMap::new();
        for (lb, is_alb, l, t) in per_lb {
            if let (true, Ok(ls)) = (is_alb, &l) {
                listener_arns_alb.extend(ls.iter().map(|x| x.arn.clone()));
            }
            let mut slot = o.listeners.remove(&lb).unwrap_or_default();
            record(&mut slot, l);
            listeners.insert(lb, slot);
            match t {
                Ok(tgs) => target_groups.extend(tgs),
                Err(e) => tg_error = Some(e),
            }
        }
        o.listeners = listeners;
        // The rules of every ALB listener in detail; outside it, those of the listeners a
        // maintenance rule strategy works on (the default action says the rest).
        let all_alb_listeners = listener_arns_alb.clone();
        if depth == Depth::Overview {
            listener_arns_alb.retain(|arn| {
                s.maintenance.iter().any(|st| {
                    matches!(st, Strategy::MaintenanceRule { listener, .. } if listener == arn)
                })
            });
        }
        // Sorry target groups may receive no traffic yet: fetch them by ARN.
        let mut extra: Vec<String> = o.sorry_target_groups.clone();
        extra.extend(s.target_groups.iter().cloned());
        extra.retain(|arn| !target_groups.iter().any(|t| &t.arn == arn));
        if let Some(Ok(all)) = account_tgs {
            target_groups.extend(all.iter().filter(|t| extra.contains(&t.arn)).cloned());
            extra.retain(|arn| !all.iter().any(|t| &t.arn == arn));
        }
        if !extra.is_empty() {
            match budgeted(&b.elbv2, || elbv2::target_groups_by_arn(&c.elbv2, &extra)).await {
                Ok(more) => target_groups.extend(more),
                Err(e) => tg_error = Some(e),
            }
        }
        match tg_error {
            Some(e) => o.target_groups.set_failed(e, now()),
            None => o.target_groups.set_ok(target_groups.clone(), now()),
        }
        let (rules, health) = tokio::join!(
            join_all(listener_arns_alb.iter().map(|arn| async move {
                (
                    arn.clone(),
                    budgeted(&b.elbv2, || elbv2::rules(&c.elbv2, arn)).await,
                )
            })),
            join_all(target_groups.iter().map(|tg| async move {
                (
                    tg.arn.clone(),
                    budgeted(&b.elbv2, || elbv2::target_health(&c.elbv2, &tg.arn)).await,
                )
            })),
        );
        // Rules not read this round (outside the detail) keep their last value and its age.
        let mut rule_map: BTreeMap<String, Fetched<Vec<crate::model::elb::Rule>>> =
            std::mem::take(&mut o.rules)
                .into_iter()
                .filter(|(arn, _)| all_alb_listeners.contains(arn))
                .collect();
        for (arn, r) in rules {
            let mut slot = rule_map.remove(&arn).unwrap_or_default();
            record(&mut slot, r);
            rule_map.insert(arn, slot);
        }
        o.rules = rule_map;
        let mut health_map = BTreeMap::new();
        for (arn, h) in health {
            let mut slot = o.target_health.remove(&arn).unwrap_or_default();
            record(&mut slot, h);
            health_map.insert(arn, slot);
        }
        o.target_health = health_map;
    }

    async fn distribution_chain(
        &self,
        s: &Site,
        mut previous: Option<DistributionObservations>,
        shared: &Shared,
        aliases: &[String],
        depth: Depth,
    ) -> Option<DistributionObservations> {
        let c = &self.clients;
        let b = &self.budgets;
        let from_list = match &shared.distributions {
            Some(Ok(list)) => list
                .iter()
                .find(|d| aliases.iter().any(|a| d.has_domain(a)))
                .map(|d| d.id.clone()),
            _ => None,
        };
        let id = s
            .distribution
            .clone()
            .or(from_list)
            .or_else(|| previous.as_ref().map(|d| d.id.clone()));
        let Some(id) = id else {
            if let Some(Err(e)) = &shared.distributions
                && aliases.iter().any(|a| a.ends_with(".cloudfront.net"))
            {
                let mut d = DistributionObservations {
                    id: String::new(),
                    distribution: Fetched::default(),
                    invalidations: Fetched::default(),
                };
                d.distribution.set_failed(e.clone(), now());
                return Some(d);
            }
            return previous;
        };
        let mut slot = match previous.take() {
            Some(d) if d.id == id => d,
            _ => DistributionObservations {
                id: id.clone(),
                distribution: Fetched::default(),
                invalidations: Fetched::default(),
            },
        };
        // CloudFront allows few calls a second. The account's list (read once per round) says
        // whether a distribution changed: when its status and last change are as in the whole
        // config read before, that config still holds. Recent invalidations are read for the
        // site in detail only.
        let summary = match &shared.distributions {
            Some(Ok(list)) => list.iter().find(|d| d.id == id),
            _ => None,
        };
        let unchanged = match (summary, slot.distribution.value.as_ref()) {
            (Some(now), Some(before)) => {
                slot.distribution.error.is_none()
                    && now.status == before.status
                    && now.enabled == before.enabled
                    && now.last_modified.is_some()
                    && now.last_modified == before.last_modified
            }
            _ => false,
        };
        let want_invalidations = depth == Depth::Detail;
        // Outside the detail, the list's summary (status, enabled, aliases, origins) is enough
        // for the verdict; the whole config (error pages) is read for the site in detail.
        let from_summary = (!unchanged && depth == Depth::Overview)
            .then(|| summary.cloned())
            .flatten();
        let (dist, invs) = tokio::join!(
            async {
                if unchanged || from_summary.is_some() {
                    None
                } else {
                    Some(
                        budgeted(&b.cloudfront, || {
                            cloudfront::distribution(&c.cloudfront, &id)
                        })
                        .await,
                    )
                }
            },
            async {
                if want_invalidations {
                    Some(
                        budgeted(&b.cloudfront, || {
                            cloudfront::invalidations(&c.cloudfront, &id, 5)
                        })
                        .await,
                    )
                } else {
                    None
                }
            },
        );
        match (dist, from_summary) {
            (Some(d), _) => record(&mut slot.distribution, d),
            (None, Some(summary)) => slot.distribution.set_ok(summary, now()),
            (None, None) => {
                if let Some(v) = slot.distribution.value.clone() {
                    slot.distribution.set_ok(v, now());
                }
            }
        }
        // Without a new read, the last detail read's invalidations stay, with their own age.
        if let Some(i) = invs {
            record(&mut slot.invalidations, i);
        }
        Some(slot)
    }

    async fn alarms(&self, s: &Site, o: &mut SiteObservations, shared: &Shared, depth: Depth) {
        let region = self.clients.region.clone();
        let instance_ids: BTreeSet<String> = o
            .target_health
            .values()
            .filter_map(|t| t.get())
            .flatten()
            .filter(|t| t.id.starts_with("i-"))
            .map(|t| t.id.clone())
            .collect();
        let mut refs: Vec<AlarmRef> = o
            .health_checks
            .values()
            .filter_map(|h| h.config.get())
            .filter(|h| h.kind == HealthCheckKind::CloudWatchMetric)
            .filter_map(|h| h.alarm.clone())
            .collect();
        refs.extend(s.alarms.iter().map(|a| AlarmRef {
            region: a.region.clone().unwrap_or_else(|| region.clone()),
            name: a.name.clone(),
        }));
        let regional = shared.alarms.get(&region);
        if let Some(Err(_)) = regional {
            // The list failed: keep the alarms known from before, to carry the error and their
            // last values; with none known yet, one entry stands for the alarms not seen.
            for a in &o.alarms {
                if a.alarm_ref.region == region && !refs.contains(&a.alarm_ref) {
                    refs.push(a.alarm_ref.clone());
                }
            }
            if refs.is_empty() && !instance_ids.is_empty() {
                refs.push(AlarmRef {
                    region: region.clone(),
                    name: "(StatusCheckFailed alarms of the targets)".to_string(),
                });
            }
        }
        if let Some(Ok(list)) = regional {
            for a in list {
                let on_instance = a.watches_status_check()
                    && a.dimensions
                        .iter()
                        .any(|(k, v)| k == "InstanceId" && instance_ids.contains(v));
                if on_instance && !refs.contains(&a.alarm_ref()) {
                    refs.push(a.alarm_ref());
                }
            }
        }
        refs.dedup();
        // Alarms in other regions (a CLOUDWATCH_METRIC check's alarm may live anywhere).
        let other_regions: BTreeSet<String> = refs
            .iter()
            .map(|r| r.region.clone())
            .filter(|r| r != &region)
            .collect();
        let mut others: HashMap<String, Result<Vec<Alarm>, AwsError>> = HashMap::new();
        for r in other_regions {
            let names: Vec<String> = refs
                .iter()
                .filter(|x| x.region == r)
                .map(|x| x.name.clone())
                .collect();
            let conf = self
                .clients
                .cloudwatch
                .config()
                .to_builder()
                .region(aws_config::Region::new(r.clone()))
                .build();
            let client = aws_sdk_cloudwatch::Client::from_conf(conf);
            let result = budgeted(&self.budgets.cloudwatch, || {
                cloudwatch::alarms_named(&client, &names)
            })
            .await;
            others.insert(r, result);
        }
        let mut out = Vec::new();
        for r in refs {
            let mut slot = o
                .alarms
                .iter()
                .find(|a| a.alarm_ref == r)
                .cloned()
                .unwrap_or_else(|| AlarmObservations {
                    alarm_ref: r.clone(),
                    alarm: Fetched::default(),
                    series: Fetched::default(),
                });
            let source = if r.region == region {
                regional
            } else {
                others.get(&r.region)
            };
            match source {
                Some(Ok(list)) => match list.iter().find(|a| a.name == r.name) {
                    Some(a) => slot.alarm.set_ok(a.clone(), now()),
                    None => slot.alarm.set_failed(
                        AwsError::new(
                            ErrorKind::NotFound,
                            "cloudwatch",
                            "DescribeAlarms",
                            format!("alarm {} does not exist in {}", r.name, r.region),
                        ),
                        now(),
                    ),
                },
                Some(Err(e)) => slot.alarm.set_failed(e.clone(), now()),
                None => {}
            }
            out.push(slot);
        }
        if depth == Depth::Detail {
            self.alarm_series(&mut out).await;
        }
        o.alarms = out;
    }

    /// The last hour of each alarm's metric, for sparklines.
    async fn alarm_series(&self, alarms: &mut [AlarmObservations]) {
        let to = self.clients.clock.now();
        let from = to - time::Duration::hours(1);
        let queries: Vec<Option<cloudwatch::MetricQuery>> = alarms
            .iter()
            .map(|a| {
                let alarm = a.alarm.get()?;
                Some(cloudwatch::MetricQuery {
                    namespace: alarm.namespace.clone()?,
                    metric: alarm.metric.clone()?,
                    dimensions: alarm.dimensions.clone(),
                    stat: alarm.statistic.clone().unwrap_or_else(|| "Average".into()),
                    period_secs: i32::try_from(alarm.period.as_secs()).unwrap_or(60).max(60),
                })
            })
            .collect();
        let wanted: Vec<cloudwatch::MetricQuery> = queries.iter().flatten().cloned().collect();
        if wanted.is_empty() {
            return;
        }
        let c = &self.clients.cloudwatch;
        let result = budgeted(&self.budgets.cloudwatch, || {
            cloudwatch::metric_series(c, &wanted, from, to)
        })
        .await;
        let mut k = 0;
        for (a, q) in alarms.iter_mut().zip(queries) {
            if q.is_none() {
                continue;
            }
            match &result {
                Ok(series) => a
                    .series
                    .set_ok(series.get(k).cloned().into_iter().collect(), now()),
                Err(e) => a.series.set_failed(e.clone(), now()),
            }
            k += 1;
        }
    }
}
