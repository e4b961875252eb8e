//! One refresh of every site: account-wide lists once, then each site's chain, in parallel and
//! within the API budgets. Failures become data: the last good value stays, with the error.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::future::join_all;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::limit::{Backoff, Bucket, Budgets};
use crate::aws::client::Clients;
use crate::aws::dns::Resolver;
use crate::aws::{cloudfront, cloudwatch, elbv2, route53};
use crate::config::{Site, Strategy};
use crate::model::cloudfront::Distribution;
use crate::model::cloudwatch::{Alarm, MetricSeries};
use crate::model::elb::{HealthSettings, LoadBalancer, TargetGroup};
use crate::model::error::{AwsError, ErrorKind};
use crate::model::journal::{self, Journal};
use crate::model::maintenance::MaintenancePhase;
use crate::model::obs::Fetched;
use crate::model::route53::{AlarmRef, HealthCheck, HealthCheckKind, HealthCheckStatus, RecordSet};
use crate::model::site::{
    AlarmObservations, DistributionObservations, HealthCheckObservations, SiteObservations,
};

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
    /// Names of hosted zones already read (to tell a CNAME to a name of the zone).
    zone_names: HashMap<String, String>,
    /// Per site: the maintenance marker's phase last seen (`None`: no marker), and when it last
    /// changed (a switch began, moved on or ended).
    switched: HashMap<String, (Option<MaintenancePhase>, OffsetDateTime)>,
    /// Per site: the app's target groups seen attached to its load balancers. A listener
    /// switched to the sorry page leaves them attached to nothing; they are still read. Shared
    /// with the detail loop's fetcher (see `poller`), so that opening a site keeps them.
    pub app_target_groups: AppTargetGroups,
    /// Evaluate Target Health's minimums of each target group, and when they were read: they
    /// rarely change, so they are read again every [`TG_ATTRIBUTES_EVERY`]. Shared with the
    /// detail loop's fetcher.
    pub tg_minimums: TgMinimums,
    /// How often a site's listeners (and the rules read with them) are read outside the detail
    /// and a switch: they rarely change. [`LISTENERS_EVERY`] by default; a read within its
    /// cadence is not stale (`listeners_max_age`).
    pub listeners_every: std::time::Duration,
    /// How long an alias target's addresses, once read, stand outside the detail and a switch:
    /// at most their DNS TTL (the system's resolver: this long), and at most half of
    /// `stale_after`, so that a kept read is never stale. [`ADDRESSES_EVERY`] by default.
    pub addresses_every: std::time::Duration,
    /// The TTL of each alias target's addresses as last read (see `addresses_every`).
    address_ttls: std::sync::Mutex<HashMap<String, std::time::Duration>>,
    /// How often rounds start (the poll interval): how many sites' listeners a round reads, so
    /// that the reads are spread over the rounds.
    pub round_every: std::time::Duration,
    /// The listener reads the rounds still owe (see [`listeners_due`]).
    listener_credit: f64,
    /// Whether a call of this fetcher has succeeded (with a role: its credentials were
    /// obtained).
    credentials_obtained: bool,
    /// Whether a journal read beside a site is the site's own.
    journal_check: Option<JournalCheck>,
    /// Fetches the sites' probe URLs (or why it cannot: a bad probe proxy or certificate).
    pub prober: Result<crate::aws::probe::Prober, String>,
    /// The hosted zones' name servers, which give Route 53's answer by DNS (TestDNSAnswer is
    /// the fallback). Shared with the detail loop's fetcher.
    pub name_servers: crate::aws::nameservers::NameServers,
}

/// How often listeners are read outside the detail and a switch, at the least (a `stale_after`
/// above four minutes reads them at half of it): they rarely change, and at 200 sites their
/// reads were most of switchyard's ELBv2 budget at a 30 s cadence (issue 18). Their age within
/// this cadence is said and is not stale (`listeners_max_age`); the detail and a switch read
/// them every round.
pub const LISTENERS_EVERY: std::time::Duration = std::time::Duration::from_secs(120);

/// The share of ELBv2's Describe budget a round spends on the listeners (and the targets' health
/// read with them) of sites outside the detail. The rest is left for the detail, the target
/// groups Route 53 evaluates, the target group attributes and the sites read for the first time.
pub const LISTENERS_SHARE_OF_ELBV2: f64 = 0.75;

/// One site as [`listeners_due`] sees it: its name, whether it is in detail, when its listeners
/// were last read (`None`: not known, or the last read failed), and how many ELBv2 calls reading
/// them costs (its load balancers' listeners and its target groups' health).
pub type ListenerSite<'a> = (&'a str, bool, Option<OffsetDateTime>, usize);

/// The sites whose listeners (and the rules read with them) a round reads: every site in
/// detail (the focused one, `status --site`, one around a switch) and every site whose listeners
/// are not known or failed, whatever they cost; of the others the oldest, as many as spread the
/// reads evenly over `every` (each round adds the sites' share of a round, `sites x round /
/// every`, to `credit`, and every read takes one from it) or that would be older than `every` by
/// the next round; but never more than `cap` ELBv2 calls in all. The cap is what keeps a round
/// within ELBv2's budget at scale (AWS: 10 Describe calls a second per account and region,
/// shared with every other tool): without it, every site due at once made the round wait on the
/// budget (200 sites: rounds of 45 to 87 s instead of 15). What the cap leaves is read in the
/// next rounds, oldest first, and keeps its own age meanwhile.
fn listeners_due(
    sites: &[ListenerSite<'_>],
    at: OffsetDateTime,
    every: std::time::Duration,
    round: std::time::Duration,
    cap: usize,
    credit: &mut f64,
) -> BTreeSet<String> {
    let mut due = BTreeSet::new();
    let mut rest: Vec<(OffsetDateTime, &str, usize)> = Vec::new();
    let limit = every.saturating_sub(round);
    let mut spent = 0usize;
    for (name, detail, oldest, cost) in sites {
        match oldest {
            Some(t) if !detail => rest.push((*t, name, *cost)),
            _ => {
                due.insert((*name).to_string());
                spent += cost;
            }
        }
    }
    let n = sites.len() as f64;
    *credit += if every.is_zero() {
        n
    } else {
        n * round.as_secs_f64() / every.as_secs_f64()
    };
    *credit -= due.len() as f64;
    rest.sort();
    for (t, name, cost) in rest {
        let too_old = crate::model::obs::span(t, at) >= limit;
        if (!too_old && *credit < 1.0) || spent + cost > cap {
            break;
        }
        due.insert(name.to_string());
        spent += cost;
        *credit -= 1.0;
    }
    // What the reads that had to be made took beyond the share is owed for one cycle at most;
    // what the cap kept from being read is not saved up into a burst.
    *credit = credit.clamp(-n, n.max(1.0));
    due
}

/// Whether a target group's CloudWatch counts, as last read, show every target healthy now
/// (read without error, their datapoint recent enough: the model's rule, with twice the
/// listeners' cadence, `stale_after` by default, for `stale_after`). Counts that do not are no
/// reason to skip DescribeTargetHealth: the verdict would not take them in its place.
fn counts_healthy(o: &SiteObservations, tg: &str, listeners_every: std::time::Duration) -> bool {
    o.host_counts.get(tg).is_some_and(|f| {
        f.error.is_none()
            && f.get()
                .is_some_and(|c| c.healthy_now(now(), listeners_every * 2))
    })
}

/// When a site's listeners were last read (the oldest of its load balancers'), `None` when one
/// is not known or its last read failed.
fn listeners_read_at(o: &SiteObservations) -> Option<OffsetDateTime> {
    if o.listeners.is_empty() || o.load_balancers.error.is_some() {
        return None;
    }
    let mut oldest: Option<OffsetDateTime> = None;
    for f in o.listeners.values() {
        if f.error.is_some() {
            return None;
        }
        let t = f.fetched_at?;
        oldest = Some(oldest.map_or(t, |o| o.min(t)));
    }
    oldest
}

/// How long an alias target's addresses stand by default (see `Fetcher::addresses_every`):
/// half of the default `stale_after`. Load balancers' and distributions' names have a 60 s TTL
/// (AWS-FACTS.md): a resolver keeps them that long.
pub const ADDRESSES_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// A probe a little early is due: rounds do not fall exactly on its period.
const PROBE_SLACK: std::time::Duration = std::time::Duration::from_secs(2);

/// How many of an alarm's last state changes the detail view reads (DescribeAlarmHistory).
const ALARM_HISTORY_KEPT: i32 = 5;

/// How many probes run at once: their own budget, apart from AWS's.
pub const PROBES_AT_ONCE: usize = 4;

/// Whether a journal read beside a site is the site's own: `Err` says why not. The rules are the
/// switch engine's (a journal is a TXT record anyone who can edit the zone can write); they come
/// from the layer above so that a status never trusts a journal the engine would refuse to
/// resume or undo. A journal that fails them reads as unreadable: the site is UNKNOWN.
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct JournalCheck(
    pub Arc<dyn Fn(&Site, &SiteObservations, &Journal) -> Result<(), String> + Send + Sync>,
);

impl std::fmt::Debug for JournalCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalCheck")
    }
}

/// How long after a switch a site's health checks are read from GetHealthCheckStatus rather
/// than from the CloudWatch metric, which lags Route 53 by a minute or more.
pub const FRESH_HEALTH_AFTER_SWITCH: std::time::Duration = crate::model::health::METRIC_LAG;

/// Account-wide lists, fetched once per round for every site.
#[derive(Default)]
struct Shared {
    health_checks: Option<Result<Vec<HealthCheck>, AwsError>>,
    alarms: HashMap<String, Result<Vec<Alarm>, AwsError>>,
    load_balancers: Option<Result<Vec<LoadBalancer>, AwsError>>,
    distributions: Option<Result<Vec<Distribution>, AwsError>>,
    /// Every record of the zones that hold many of the round's sites.
    zone_records: HashMap<String, Result<Vec<RecordSet>, AwsError>>,
    /// Every target group of the account (one paged call instead of one per load balancer).
    target_groups: Option<Result<Vec<TargetGroup>, AwsError>>,
    /// The load balancers and target groups of the other regions the sites' chains reach.
    elsewhere: BTreeMap<String, Regional>,
}

/// The load balancers and target groups of one region other than the clients' own.
struct Regional {
    load_balancers: Result<Vec<LoadBalancer>, AwsError>,
    target_groups: Result<Vec<TargetGroup>, AwsError>,
}

/// The same error, saying which region it came from.
fn in_region(mut e: AwsError, region: &str) -> AwsError {
    if !e.message.contains(region) {
        e.message = format!("in {region}: {}", e.message);
    }
    e
}

impl Shared {
    /// The load balancers of the clients' own region and of `regions` together; the first
    /// failure of a region the site needs stands for all.
    fn load_balancers_in(
        &self,
        regions: &BTreeSet<String>,
    ) -> Option<Result<Cow<'_, [LoadBalancer]>, AwsError>> {
        let mut all = match self.load_balancers.as_ref()? {
            Ok(l) => Cow::Borrowed(l.as_slice()),
            Err(e) => return Some(Err(e.clone())),
        };
        for (r, lists) in &self.elsewhere {
            if !regions.contains(r) {
                continue;
            }
            match &lists.load_balancers {
                Ok(l) => all.to_mut().extend(l.iter().cloned()),
                Err(e) => return Some(Err(in_region(e.clone(), r))),
            }
        }
        Some(Ok(all))
    }

    /// The target groups of the clients' own region and of `regions` together.
    fn target_groups_in(
        &self,
        regions: &BTreeSet<String>,
    ) -> Option<Result<Cow<'_, [TargetGroup]>, AwsError>> {
        let mut all = match self.target_groups.as_ref()? {
            Ok(l) => Cow::Borrowed(l.as_slice()),
            Err(e) => return Some(Err(e.clone())),
        };
        for (r, lists) in &self.elsewhere {
            if !regions.contains(r) {
                continue;
            }
            match &lists.target_groups {
                Ok(l) => all.to_mut().extend(l.iter().cloned()),
                Err(e) => return Some(Err(in_region(e.clone(), r))),
            }
        }
        Some(Ok(all))
    }
}

/// From this many sites of one zone in a round, the zone is listed whole.
const ZONE_LISTING_FROM: usize = 4;

/// The zones listed whole: those that hold at least [`ZONE_LISTING_FROM`] of the round's sites.
fn big_zones(sites: &[&Site]) -> Vec<String> {
    let mut per_zone: BTreeMap<&str, usize> = BTreeMap::new();
    for s in sites {
        *per_zone.entry(s.zone_id.as_str()).or_default() += 1;
    }
    per_zone
        .into_iter()
        .filter(|(_, n)| *n >= ZONE_LISTING_FROM)
        .map(|(z, _)| z.to_string())
        .collect()
}

/// A site's records, its journal, and its switch history, as read in the first stage.
type SiteRecords = (
    Result<Vec<RecordSet>, AwsError>,
    Result<Option<Journal>, AwsError>,
    Option<crate::model::history::History>,
);

/// What the first stage reads beside the account-wide lists.
struct FirstStage {
    /// The zones listed whole.
    zones: HashMap<String, Result<Vec<RecordSet>, AwsError>>,
    /// One per site, in the round's order.
    per_site: Vec<SiteRecords>,
}

/// Route 53's status of every health check from its CloudWatch metrics, read once for every
/// site of the round while their chains are read; each chain waits for it only where it needs it.
type Metrics<'a> =
    futures::future::Shared<std::pin::Pin<Box<dyn Future<Output = Arc<RoundMetrics>> + Send + 'a>>>;

/// What a round reads from CloudWatch for every site at once: the health checks' status and
/// the target groups' HealthyHostCount / UnHealthyHostCount (by target group ARN).
#[derive(Default)]
struct RoundMetrics {
    checks: HashMap<String, Result<HealthCheckStatus, AwsError>>,
    counts: HashMap<String, Result<crate::model::elb::HostCounts, AwsError>>,
}

/// How far back the round looks for a target group's newest 1-minute host counts: a group
/// without a datapoint in that window is read fresh (DescribeTargetHealth).
const HOST_COUNTS_WINDOW: time::Duration = time::Duration::minutes(5);

/// How old a listener read outside the detail may be before it is stale (see
/// `SiteObservations::listeners_max_age_secs`): the larger of five rounds and the time the
/// cap takes to get round every site (`listeners_every`, plus as many rounds as the sites'
/// listener reads take at `cap` ELBv2 calls a round). The poller reads a listener before then
/// (`listeners_due`, oldest first); a listener it chose not to read yet is not unknown, one
/// whose read failed is.
fn listeners_max_age(
    round: std::time::Duration,
    every: std::time::Duration,
    calls: usize,
    cap: usize,
) -> std::time::Duration {
    let rounds = calls.div_ceil(cap.max(1)) as u32;
    round
        .saturating_mul(5)
        .max(every.saturating_add(round.saturating_mul(rounds)))
}

tokio::task_local! {
    /// What this round learnt not to try again: per service, the failure that made a call to it
    /// pointless for the rest of the round (and under [`CREDENTIALS`], a failure to obtain the
    /// credentials every call needs). Each such call would wait or fail as long again: `status`
    /// under a Route 53 or STS outage would take a time limit per stage of the round instead of
    /// one.
    static SILENT: Silent;
}

/// What a round learnt not to try again.
struct Silent {
    failures: Mutex<HashMap<&'static str, AwsError>>,
}

impl Silent {
    fn new() -> Silent {
        Silent {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

/// The key of [`SILENT`] for a failure to obtain credentials (assuming the role), which every
/// service's calls share.
const CREDENTIALS: &str = "credentials";

/// The service of a budget (`route53` for `route53 GetHealthCheckStatus`).
fn service_of(bucket: &Bucket) -> &'static str {
    bucket.name().split(' ').next().unwrap_or_default()
}

/// Why a call under `bucket` is not made in this round: the earlier failure that stands for it
/// (its service and operation are those of the call that failed). A service that gave no answer
/// in time says the call was not tried.
fn silent(bucket: &Bucket) -> Option<AwsError> {
    let earlier = SILENT
        .try_with(|s| {
            let m = s
                .failures
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            m.get(CREDENTIALS)
                .or_else(|| m.get(service_of(bucket)))
                .cloned()
        })
        .ok()
        .flatten()?;
    if earlier.no_answer_in_time && !earlier.is_assuming_a_role() {
        return Some(AwsError {
            message: format!(
                "not tried: {} gave no answer in time to an earlier call of this round",
                earlier.service
            ),
            ..earlier
        });
    }
    Some(earlier)
}

/// The round's failure to obtain credentials, if any.
fn credentials_failure() -> Option<AwsError> {
    SILENT
        .try_with(|s| {
            s.failures
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(CREDENTIALS)
                .cloned()
        })
        .ok()
        .flatten()
}

/// Remembers for the rest of the round a failure after which a call is pointless: the
/// credentials could not be obtained (every call), or the service gave no answer within a time
/// limit (the whole service: every call would wait as long). A throttled call is not
/// remembered: throttling comes and goes, and each call has its own retries. Nor is a refused or
/// dropped connection, however long the SDK's retries of it took: it fails fast, and each call
/// then says what happened to it.
fn remember(bucket: &Bucket, e: &AwsError) {
    let key = if e.is_assuming_a_role() {
        CREDENTIALS
    } else if e.no_answer_in_time {
        service_of(bucket)
    } else {
        return;
    };
    let _ = SILENT.try_with(|s| {
        s.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_insert_with(|| e.clone());
    });
}

/// Runs a call under a budget; a throttled call is retried after a backoff (the SDK's own
/// standard retry has already tried three times). A call the round already knows to be
/// pointless (see [`SILENT`]) is not made.
async fn budgeted<T, F, Fut>(bucket: &Bucket, f: F) -> Result<T, AwsError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    if let Some(e) = silent(bucket) {
        return Err(e);
    }
    let mut backoff = Backoff::new(
        std::time::Duration::from_millis(500),
        std::time::Duration::from_secs(8),
        bucket.name().len() as u64 + 7,
    );
    let mut tries = 0;
    let mut throttled: Option<AwsError> = None;
    loop {
        bucket.take().await;
        let result = match f().await {
            // (Not a failure to assume the role: the credentials provider's STS call has had
            // the SDK's retries, and every call waiting on it would wait as long.)
            Err(e) if e.kind == ErrorKind::Throttled && tries < 2 && !e.is_assuming_a_role() => {
                tries += 1;
                throttled = Some(e);
                tokio::time::sleep(backoff.fail()).await;
                if let Some(e) = silent(bucket) {
                    return Err(e);
                }
                continue;
            }
            // A retry of a throttled call that ran out of time failed because of the
            // throttling: say so rather than "no answer".
            Err(e) if e.kind == ErrorKind::Network && throttled.is_some() => {
                Err(throttled.take().unwrap_or(e))
            }
            // A call that ran out of time in a round whose credentials could not be obtained
            // was waiting for them (the SDK's time limit counts the credentials' loading): the
            // credentials are the cause, as for the calls that got their error first.
            Err(e) if e.no_answer_in_time && !e.is_assuming_a_role() => {
                Err(credentials_failure().unwrap_or(e))
            }
            other => other,
        };
        if let Err(e) = &result {
            remember(bucket, e);
        }
        return result;
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

/// Per site, the app's target groups seen attached to its load balancers (see
/// [`Fetcher::app_target_groups`]).
pub type AppTargetGroups = Arc<std::sync::Mutex<HashMap<String, BTreeSet<String>>>>;

/// Per target group ARN: its health settings (DNS failover and fail-open minimums) and when they
/// were read.
pub type TgMinimums = Arc<std::sync::Mutex<HashMap<String, (HealthSettings, Instant)>>>;

/// How often a target group's attributes are read again.
pub const TG_ATTRIBUTES_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

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

/// The fixed responses a site's strategies answer with during maintenance.
pub fn maintenance_responses(site: &Site) -> Vec<crate::model::elb::FixedResponse> {
    let mut out = Vec::new();
    for s in &site.maintenance {
        if let Strategy::ListenerSorry { action, .. } | Strategy::MaintenanceRule { action, .. } = s
            && let Some(f) = action.listener_action().fixed_response
            && !out.contains(&f)
        {
            out.push(f);
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
    obs.every_type = site.every_type;
    obs.sorry_target_groups = sorry_target_groups(site);
    obs.maintenance_responses = maintenance_responses(site);
    obs.probe = site
        .probe
        .as_ref()
        .map(crate::model::probe::ProbeObservation::new);
    obs
}

/// A site of every address type takes the first type at its name as its `record_type`.
fn settle_types(o: &mut SiteObservations) {
    if o.every_type
        && let Some(first) = o.covered_types().into_iter().next()
    {
        o.record_type = first;
    }
}

/// Which ALB listeners' rules a round reads (`to_read`), of all the site's ALB listeners.
struct ListenerReads {
    to_read: Vec<String>,
    all_alb: Vec<String>,
}

/// Puts the rules read on the site; rules not read this round (outside the detail) keep their
/// last value and its age, as long as their listener is still there.
fn apply_rules(
    o: &mut SiteObservations,
    all_alb: &[String],
    rules: Vec<(String, Result<Vec<crate::model::elb::Rule>, AwsError>)>,
) {
    let mut rule_map: BTreeMap<String, Fetched<Vec<crate::model::elb::Rule>>> =
        std::mem::take(&mut o.rules)
            .into_iter()
            .filter(|(arn, _)| all_alb.contains(arn))
            .collect();
    for (arn, r) in rules {
        let mut slot = rule_map.remove(&arn).unwrap_or_default();
        record(&mut slot, r);
        rule_map.insert(arn, slot);
    }
    o.rules = rule_map;
}

/// The load balancer ARN a listener or rule ARN belongs to.
fn lb_of(arn: &str) -> Option<String> {
    crate::config::ids::parse_elb_arn(arn)
        .ok()
        .and_then(|a| a.load_balancer_arn())
}

impl Fetcher {
    pub fn new(clients: Clients, resolver: Resolver) -> Fetcher {
        let resolver_for_probe = resolver.clone();
        Fetcher {
            clients,
            budgets: Arc::new(Budgets::default()),
            resolver,
            names: HashMap::new(),
            pending_changes: HashMap::new(),
            zone_names: HashMap::new(),
            switched: HashMap::new(),
            credentials_obtained: false,
            listeners_every: LISTENERS_EVERY,
            addresses_every: ADDRESSES_EVERY,
            address_ttls: std::sync::Mutex::default(),
            round_every: std::time::Duration::from_secs(15),
            listener_credit: 0.0,
            journal_check: None,
            app_target_groups: AppTargetGroups::default(),
            tg_minimums: TgMinimums::default(),
            name_servers: crate::aws::nameservers::NameServers::from_env(
                resolver_for_probe.clone(),
            ),
            prober: crate::aws::probe::Prober::from_env(resolver_for_probe),
        }
    }

    /// The check every journal read is put to, if any.
    pub fn journal_check(&self) -> Option<JournalCheck> {
        self.journal_check.clone()
    }

    /// Checks every journal read with `check` (see [`JournalCheck`]).
    pub fn with_journal_check(mut self, check: Option<JournalCheck>) -> Fetcher {
        self.journal_check = check;
        self
    }

    /// Refreshes every site in `obs` (one snapshot per site of `sites`, in the same order).
    pub async fn round(
        &mut self,
        sites: &[&Site],
        obs: &mut [SiteObservations],
        depth: &(dyn Fn(&str) -> Depth + Sync),
    ) {
        SILENT
            .scope(Silent::new(), self.round_in_scope(sites, obs, depth))
            .await;
    }

    async fn round_in_scope(
        &mut self,
        sites: &[&Site],
        obs: &mut [SiteObservations],
        depth: &(dyn Fn(&str) -> Depth + Sync),
    ) {
        // Stage one: what the config names is read at once, the account-wide lists beside every
        // site's records (from the zone's listing when it is read whole).
        let big_zones = big_zones(sites);
        let (mut shared, first) = {
            let me: &Fetcher = self;
            if me.clients.target.role_arn.is_none() || me.credentials_obtained {
                tokio::join!(me.shared_lists(sites), me.all_records(sites, &big_zones))
            } else {
                // Until the role's credentials have been obtained once, the lists go first:
                // every call waits for the role to be assumed, and when that fails the first
                // calls say why and the records are not tried (calls that wait for credentials
                // side by side run out of time instead of saying so).
                let shared = me.shared_lists(sites).await;
                let first = me.all_records(sites, &big_zones).await;
                (shared, first)
            }
        };
        self.credentials_obtained |= [
            shared.health_checks.as_ref().map(Result::is_ok),
            shared.distributions.as_ref().map(Result::is_ok),
            shared.load_balancers.as_ref().map(Result::is_ok),
        ]
        .into_iter()
        .any(|ok| ok == Some(true));
        shared.zone_records = first.zones;
        let mut journals = Vec::with_capacity(obs.len());
        for (o, (records, journal, history)) in obs.iter_mut().zip(first.per_site) {
            record(&mut o.records, records);
            if history.is_some() {
                o.history = history;
            }
            settle_types(o);
            match journal {
                Ok(j) => {
                    // A request for approval of `maintenance on` is no maintenance: nothing
                    // was changed yet. Its request is shown beside the verdict.
                    o.approval = j.as_ref().and_then(Journal::request).map(|a| {
                        let mut m =
                            crate::model::approval::ApprovalMarker::of(a, self.clients.clock.now());
                        m.requested_local = Some(self.clients.clock.to_local(a.requested_at));
                        m
                    });
                    // The window's end is in AWS time (as the journal records it); the
                    // verdict compares it with this machine's clock.
                    let marker = j.as_ref().filter(|j| j.in_effect()).map(|j| {
                        let mut m = j.marker_at(now());
                        m.expires_local = m.expires_at.map(|t| self.clients.clock.to_local(t));
                        m
                    });
                    o.maintenance.set_ok(marker, now());
                    journals.push(j);
                }
                Err(e) if e.kind == ErrorKind::Unreadable => {
                    o.approval = None;
                    o.maintenance.set_unusable(e, now());
                    journals.push(None);
                }
                Err(e) => {
                    o.maintenance.set_failed(e, now());
                    journals.push(None);
                }
            }
            if let Some(marker) = o.maintenance.get() {
                self.note_phase(&o.name, marker.as_ref().map(|m| m.phase));
            }
        }
        // Around a switch, health comes from the fresh source (GetHealthCheckStatus), not from
        // the lagging metric.
        let around_switch: BTreeSet<String> = sites
            .iter()
            .zip(obs.iter())
            .filter(|(s, o)| self.around_switch(&s.name, o))
            .map(|(s, _)| s.name.clone())
            .collect();
        let depth = &|name: &str| {
            if around_switch.contains(name) {
                Depth::Detail
            } else {
                depth(name)
            }
        };
        // The records of the zone the sites' records lead to, then the lists of the other
        // regions their chains reach (no call when the zone was listed whole and the chains
        // stay in the clients' region).
        self.follow_links(sites, obs, &shared).await;
        self.regional_lists(sites, obs, &mut shared).await;
        // Names already known go on the list now; those not seen before are read beside the
        // chains (stage two) and put on after.
        self.known_names(&mut shared);
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
        let due: Vec<Option<crate::model::probe::ProbeSpec>> = sites
            .iter()
            .zip(obs.iter())
            .map(|(s, o)| {
                let spec = s.probe.as_ref()?;
                let last = o.probe.as_ref().and_then(|p| {
                    let failed = p.seen.error.as_ref().map(|e| e.at);
                    p.seen.fetched_at.max(failed)
                });
                let due = around_switch.contains(&s.name)
                    || last.is_none_or(|t| now() - t >= spec.every.saturating_sub(PROBE_SLACK));
                due.then(|| spec.clone())
            })
            .collect();
        // The target groups whose health the overview reads in bulk from CloudWatch (their
        // HealthyHostCount / UnHealthyHostCount, batched with the health checks' metrics): every
        // group of a site as last read, behind the first of the site's load balancers it is
        // attached to. A group seen for the first time is read by DescribeTargetHealth.
        let counted: BTreeMap<String, String> = obs
            .iter()
            .flat_map(|o| {
                let lbs: Vec<&str> = o
                    .load_balancers
                    .get()
                    .into_iter()
                    .flatten()
                    .map(|lb| lb.arn.as_str())
                    .collect();
                o.target_groups
                    .get()
                    .into_iter()
                    .flatten()
                    .filter_map(move |tg| {
                        let lb = tg
                            .load_balancer_arns
                            .iter()
                            .find(|a| lbs.contains(&a.as_str()))?;
                        Some((tg.arn.clone(), lb.clone()))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        // ELBv2's budget for one round's listeners (and the targets' health read with them).
        let cap = (self.budgets.elbv2.per_second()
            * self.round_every.as_secs_f64()
            * LISTENERS_SHARE_OF_ELBV2)
            .floor()
            .max(1.0) as usize;
        let listener_sites: Vec<ListenerSite<'_>> = sites
            .iter()
            .zip(obs.iter())
            .map(|(s, o)| {
                (
                    s.name.as_str(),
                    depth(&s.name) == Depth::Detail,
                    listeners_read_at(o),
                    // A call for each load balancer's listeners and each target group's
                    // health (as last seen; one of each when not known yet) but those the
                    // CloudWatch counts last showed healthy (not read with the listeners).
                    o.listeners.len().max(1)
                        + if o.target_health.is_empty() {
                            1
                        } else {
                            o.target_health
                                .keys()
                                .filter(|tg| !counts_healthy(o, tg, self.listeners_every))
                                .count()
                        },
                )
            })
            .collect();
        let calls: usize = listener_sites.iter().map(|(_, _, _, cost)| cost).sum();
        let read_listeners = listeners_due(
            &listener_sites,
            now(),
            self.listeners_every,
            self.round_every,
            cap,
            &mut self.listener_credit,
        );
        let max_age = listeners_max_age(self.round_every, self.listeners_every, calls, cap);
        for o in obs.iter_mut() {
            o.listeners_max_age_secs = max_age.as_secs();
        }
        let pending: Vec<Vec<String>> = sites
            .iter()
            .zip(obs.iter())
            .map(|(s, o)| self.pending_change_ids(s, o))
            .collect();
        // Stage two, and three where a read needs one of stage two: each site's chain starts
        // with what its records name, beside the DNS answers (Route 53's budget), the metrics
        // of every site's health checks, the names of new health checks, the changes still
        // propagating and the probes.
        let types: Vec<Vec<String>> = obs.iter().map(SiteObservations::covered_types).collect();
        let (answers, probed, named, changes) = {
            let me: &Fetcher = self;
            let answers = join_all(
                sites
                    .iter()
                    .zip(&types)
                    .map(|(s, types)| me.answers(s, types)),
            );
            let metrics: Metrics<'_> =
                futures::FutureExt::shared(Box::pin(me.health_check_metrics(&all_ids, &counted)));
            let names = me.read_names(&shared);
            let changes = join_all(pending.iter().map(|ids| me.read_changes(ids)));
            let shared_ref = &shared;
            let per_site: Vec<_> = sites
                .iter()
                .zip(obs.iter_mut())
                .map(|(s, o)| {
                    let d = depth(&s.name);
                    let listeners = read_listeners.contains(&s.name);
                    me.site_chain(s, o, shared_ref, metrics.clone(), d, listeners)
                })
                .collect();
            let probes = me.probes(&due);
            let (answers, _, probed, named, changes) =
                tokio::join!(answers, join_all(per_site), probes, names, changes);
            (answers, probed, named, changes)
        };
        self.apply_names(named, obs);
        // Target groups seen for the first time this round (read by DescribeTargetHealth): their
        // counts too, in one more call for them all, so that the next round can go by them and
        // a one-shot status shows them.
        let mut first_seen: BTreeMap<String, String> = BTreeMap::new();
        for (s, o) in sites.iter().zip(obs.iter()) {
            if depth(&s.name) == Depth::Detail {
                continue;
            }
            let lbs: Vec<&str> = o
                .load_balancers
                .get()
                .into_iter()
                .flatten()
                .map(|lb| lb.arn.as_str())
                .collect();
            for tg in o.target_groups.get().into_iter().flatten() {
                if counted.contains_key(&tg.arn) {
                    continue;
                }
                if let Some(lb) = tg
                    .load_balancer_arns
                    .iter()
                    .find(|a| lbs.contains(&a.as_str()))
                {
                    first_seen.insert(tg.arn.clone(), lb.clone());
                }
            }
        }
        if !first_seen.is_empty() {
            let m = self
                .health_check_metrics(&BTreeSet::new(), &first_seen)
                .await;
            for o in obs.iter_mut() {
                for tg in o.target_groups.value.iter().flatten() {
                    if let Some(read) = m.counts.get(&tg.arn) {
                        record(
                            o.host_counts.entry(tg.arn.clone()).or_default(),
                            read.clone(),
                        );
                    }
                }
            }
        }
        for (o, result) in obs.iter_mut().zip(probed) {
            if let (Some(p), Some(result)) = (o.probe.as_mut(), result) {
                match result {
                    Ok(view) => p.seen.set_ok(view, now()),
                    Err(why) => p
                        .seen
                        .set_failed(AwsError::new(ErrorKind::Network, "HTTP", "GET", why), now()),
                }
            }
        }
        // A journal is trusted only once the chain it claims to have switched is known.
        if let Some(check) = &self.journal_check {
            for ((s, o), j) in sites.iter().zip(obs.iter_mut()).zip(&journals) {
                if let Some(j) = j
                    && let Err(why) = (check.0)(s, o, j)
                {
                    o.approval = None;
                    o.maintenance.set_unusable(
                        AwsError::new(
                            ErrorKind::Unreadable,
                            "route53",
                            "ListResourceRecordSets",
                            why,
                        ),
                        now(),
                    );
                }
            }
        }
        for (o, answers) in obs.iter_mut().zip(answers) {
            let mut others = std::mem::take(&mut o.other_answers);
            let mut kept = BTreeMap::new();
            for (t, answer) in answers {
                if t == o.record_type {
                    record(&mut o.dns_answer, answer);
                } else {
                    let mut slot = others.remove(&t).unwrap_or_default();
                    record(&mut slot, answer);
                    kept.insert(t, slot);
                }
            }
            o.other_answers = kept;
        }
        // Pending changes.
        for ((s, o), results) in sites.iter().zip(obs.iter_mut()).zip(changes) {
            for (id, result) in results {
                if let Ok(c) = &result
                    && c.status == crate::model::route53::ChangeStatus::Insync
                    && let Some(set) = self.pending_changes.get_mut(&s.name)
                {
                    set.remove(&id);
                }
                record(o.changes.entry(id).or_default(), result);
            }
        }
        let speed = self.clients.clock.speed();
        for o in obs.iter_mut() {
            o.aws_speed = speed;
        }
    }

    /// The changes to follow for a site: those switchyard submitted and the journal's, until
    /// INSYNC.
    fn pending_change_ids(&self, s: &Site, o: &SiteObservations) -> Vec<String> {
        let mut ids: Vec<String> = self
            .pending_changes
            .get(&s.name)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        // The journal's record changes, from whichever machine made them, until INSYNC.
        let journal = o
            .maintenance
            .get()
            .and_then(|m| m.as_ref())
            .map(|m| m.changes.clone())
            .unwrap_or_default();
        for id in journal {
            // INSYNC already, or gone from Route 53's change history: nothing to follow.
            let settled = o.changes.get(&id).is_some_and(|f| {
                f.get()
                    .is_some_and(|c| c.status == crate::model::route53::ChangeStatus::Insync)
                    || f.error
                        .as_ref()
                        .is_some_and(|e| e.error.kind == ErrorKind::NotFound)
            });
            if !settled && !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The status of each change, side by side.
    async fn read_changes(
        &self,
        ids: &[String],
    ) -> Vec<(
        String,
        Result<crate::model::route53::PendingChange, AwsError>,
    )> {
        join_all(ids.iter().map(|id| async move {
            let result = budgeted(&self.budgets.route53, || {
                route53::get_change(&self.clients.route53, id)
            })
            .await;
            (id.clone(), result)
        }))
        .await
    }

    /// Every site's records and journal, side by side: the zones read whole first where many
    /// sites share one (`big_zones`), the others' records each with a call of their own.
    async fn all_records(&self, sites: &[&Site], big_zones: &[String]) -> FirstStage {
        let c = &self.clients;
        let b = &self.budgets;
        let listed = join_all(big_zones.iter().map(|z| async move {
            (
                z.clone(),
                budgeted(&b.route53, || route53::zone_records(&c.route53, z)).await,
            )
        }));
        let on_their_own = join_all(
            sites
                .iter()
                .filter(|s| !big_zones.contains(&s.zone_id))
                .map(|s| self.records(s, None)),
        );
        let (zones, mut own) = tokio::join!(listed, on_their_own);
        let zones: HashMap<String, Result<Vec<RecordSet>, AwsError>> = zones.into_iter().collect();
        let from_zones = join_all(
            sites
                .iter()
                .filter(|s| big_zones.contains(&s.zone_id))
                .map(|s| self.records(s, zones.get(&s.zone_id))),
        )
        .await;
        let mut from_zones = from_zones.into_iter();
        let mut per_site = Vec::with_capacity(sites.len());
        own.reverse();
        for s in sites {
            let next = if big_zones.contains(&s.zone_id) {
                from_zones.next()
            } else {
                own.pop()
            };
            if let Some(n) = next {
                per_site.push(n);
            }
        }
        FirstStage { zones, per_site }
    }

    /// Runs the probes that are due (`Some`), a few at a time: each gives what the client got,
    /// or why it could not be checked.
    async fn probes(
        &self,
        due: &[Option<crate::model::probe::ProbeSpec>],
    ) -> Vec<Option<Result<crate::model::probe::ClientView, String>>> {
        let gate = tokio::sync::Semaphore::new(PROBES_AT_ONCE);
        join_all(due.iter().map(|spec| {
            let gate = &gate;
            async move {
                let spec = spec.as_ref()?;
                let prober = match &self.prober {
                    Ok(p) => p,
                    Err(e) => return Some(Err(e.clone())),
                };
                let _permit = gate.acquire().await.ok()?;
                Some(
                    prober
                        .fetch(spec)
                        .await
                        .map(|r| crate::model::probe::classify(spec, &r)),
                )
            }
        }))
        .await
    }

    async fn shared_lists(&self, sites: &[&Site]) -> Shared {
        let c = &self.clients;
        let b = &self.budgets;
        let needs_elb = !sites.is_empty();
        let (hcs, lbs, dists, alarms) = tokio::join!(
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
            ..Shared::default()
        };
        shared.alarms.insert(c.region.clone(), alarms);
        shared
    }

    /// Puts the Name tags already known on the account's list of health checks.
    fn known_names(&self, shared: &mut Shared) {
        if let Some(Ok(list)) = shared.health_checks.as_mut() {
            for h in list.iter_mut() {
                h.name = self.names.get(&h.id).cloned().flatten();
            }
        }
    }

    /// Reads the Name tags of health checks not seen before (once), ten checks a call
    /// (ListTagsForResources' limit), each call on the budget.
    async fn read_names(&self, shared: &Shared) -> Vec<(String, Option<String>)> {
        let Some(Ok(list)) = shared.health_checks.as_ref() else {
            return Vec::new();
        };
        let unknown: Vec<HealthCheck> = list
            .iter()
            .filter(|h| !self.names.contains_key(&h.id))
            .cloned()
            .collect();
        if unknown.is_empty() {
            return Vec::new();
        }
        let c = &self.clients.route53;
        let chunks = unknown.chunks(10).map(|chunk| {
            budgeted(&self.budgets.route53, move || {
                let mut batch = chunk.to_vec();
                async move { route53::add_tags(c, &mut batch).await.map(|()| batch) }
            })
        });
        let mut named = Vec::new();
        for (chunk, result) in unknown.chunks(10).zip(join_all(chunks).await) {
            match result {
                Ok(t) => named.extend(t.into_iter().map(|h| (h.id, h.name))),
                // Unnamed (as before): the names are for the eye only, and a read that failed
                // (denied, say) would fail again every round.
                Err(_) => named.extend(chunk.iter().map(|h| (h.id.clone(), None))),
            }
        }
        named
    }

    /// Remembers the names read, and puts them on the sites' health checks.
    fn apply_names(&mut self, named: Vec<(String, Option<String>)>, obs: &mut [SiteObservations]) {
        if named.is_empty() {
            return;
        }
        for (id, name) in named {
            self.names.insert(id, name);
        }
        for o in obs.iter_mut() {
            for (id, h) in o.health_checks.iter_mut() {
                if let Some(config) = h.config.value.as_mut() {
                    config.name = self.names.get(id).cloned().flatten();
                }
            }
        }
    }

    /// What Route 53 answers for the site's name now, for each of its record types: from the
    /// zone's name servers by DNS (no API call but the zone's GetHostedZone, once), else with
    /// TestDNSAnswer, which says why (see [`crate::aws::nameservers`]).
    async fn answers(
        &self,
        s: &Site,
        types: &[String],
    ) -> Vec<(String, Result<crate::model::route53::DnsAnswer, AwsError>)> {
        let c = &self.clients.route53;
        let b = &self.budgets.route53;
        join_all(types.iter().map(|t| async move {
            let delegation = || budgeted(b, || route53::delegation(c, &s.zone_id));
            let by_dns = self
                .name_servers
                .answer(&s.zone_id, &s.record, t, delegation)
                .await;
            let answer = match by_dns {
                Ok(a) => Ok(a),
                Err(fallback) => {
                    budgeted(b, || route53::test_dns_answer(c, &s.zone_id, &s.record, t))
                        .await
                        .map(|mut a| {
                            a.source = fallback.source();
                            a
                        })
                }
            };
            (t.clone(), answer)
        }))
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
        Option<crate::model::history::History>,
    ) {
        let c = &self.clients.route53;
        let b = &self.budgets.route53;
        let beside = s.journal_record();
        let read = |name: String| async move {
            match zone {
                Some(Ok(all)) => Ok(route53::records_in(all, &s.record, &name)),
                Some(Err(e)) => Err(e.clone()),
                None => budgeted(b, || route53::records_at(c, &s.zone_id, &s.record, &name)).await,
            }
        };
        // A site of one record type also takes a journal an earlier switchyard wrote for it at
        // the shared name: read beside its own, not after it (one round trip, not two).
        let legacy_name = match s.scope() {
            journal::Scope::Only(_) => Some(journal::record_name(&s.record)),
            journal::Scope::Every => None,
        };
        let (at, legacy_at) = tokio::join!(read(beside.clone()), async {
            match &legacy_name {
                Some(name) => Some(read(name.clone()).await),
                None => None,
            }
        });
        let at = match at {
            Ok(at) => at,
            Err(e) => return (Err(e.clone()), Err(e), None),
        };
        // The switch history beside the journal, from the same listing: no call of its own. A
        // history that does not read is left out (it only feeds the timeline).
        let history = at
            .txt_at(&crate::model::history::record_name(&s.record, &s.scope()))
            .and_then(|v| crate::model::history::History::from_txt_values(&v).ok());
        let decode =
            |name: &str, values: Option<Vec<String>>| -> Result<Option<Journal>, AwsError> {
                values
                    .map(|v| {
                        Journal::from_txt_values(&v).map_err(|e| {
                            AwsError::new(
                                ErrorKind::Unreadable,
                                "route53",
                                "ListResourceRecordSets",
                                format!("{name} cannot be read: {e}"),
                            )
                        })
                    })
                    .transpose()
            };
        let own = match decode(&beside, at.beside) {
            Ok(j) => j,
            Err(e) => return (Ok(at.records), Err(e), history),
        };
        let legacy = match (&own, legacy_name, legacy_at) {
            (None, Some(name), Some(Ok(more))) => decode(&name, more.beside).unwrap_or(None),
            _ => None,
        };
        let journal =
            journal::pick_journal(own, legacy, &s.name, &s.record, &s.scope()).map_err(|e| {
                AwsError::new(
                    ErrorKind::Unreadable,
                    "route53",
                    "ListResourceRecordSets",
                    format!("{beside}: {e}"),
                )
            });
        (Ok(at.records), journal, history)
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

    /// Remembers when the site's maintenance phase last changed.
    fn note_phase(&mut self, site: &str, phase: Option<MaintenancePhase>) {
        match self.switched.get(site) {
            Some((last, _)) if *last == phase => {}
            // The first look is no change, unless a switch is under way.
            None if phase.is_none() || phase == Some(MaintenancePhase::Active) => {
                self.switched
                    .insert(site.to_string(), (phase, OffsetDateTime::UNIX_EPOCH));
            }
            _ => {
                self.switched.insert(site.to_string(), (phase, now()));
            }
        }
    }

    /// Whether a switch of the site is under way, or ended less than
    /// [`FRESH_HEALTH_AFTER_SWITCH`] ago.
    fn around_switch(&self, site: &str, o: &SiteObservations) -> bool {
        let under_way = o
            .maintenance
            .get()
            .and_then(|m| m.as_ref())
            .is_some_and(|m| m.phase != MaintenancePhase::Active);
        let recent = self
            .switched
            .get(site)
            .is_some_and(|(_, at)| crate::model::obs::span(*at, now()) < FRESH_HEALTH_AFTER_SWITCH);
        under_way || recent
    }

    async fn health_check_metrics(
        &self,
        ids: &BTreeSet<String>,
        counted: &BTreeMap<String, String>,
    ) -> Arc<RoundMetrics> {
        let mut out = RoundMetrics::default();
        let to = self.clients.clock.now();
        let from = to - time::Duration::minutes(5);
        // The host counts go in the health checks' call where they are in its region
        // (us-east-1); the other regions' in one call each. Up to 500 metrics a call.
        let mut by_region: BTreeMap<String, Vec<(&String, [cloudwatch::MetricQuery; 2])>> =
            BTreeMap::new();
        for (tg, lb) in counted {
            if let Some(q) = cloudwatch::host_count_queries(tg, lb) {
                let r = crate::model::chain::region_of_arn(tg).unwrap_or(&self.clients.region);
                by_region.entry(r.to_string()).or_default().push((tg, q));
            }
        }
        let global = by_region
            .remove(crate::aws::client::GLOBAL_REGION)
            .unwrap_or_default();
        let mut queries: Vec<cloudwatch::MetricQuery> = ids
            .iter()
            .flat_map(|id| cloudwatch::health_check_queries(id))
            .collect();
        queries.extend(global.iter().flat_map(|(_, q)| q.iter().cloned()));
        let c = &self.clients.cloudwatch_global;
        let counts_from = to - HOST_COUNTS_WINDOW;
        let (result, regional) = tokio::join!(
            async {
                if queries.is_empty() {
                    return Ok(Vec::new());
                }
                budgeted(&self.budgets.cloudwatch, || {
                    cloudwatch::metric_series(c, &queries, from.min(counts_from), to)
                })
                .await
            },
            join_all(by_region.iter().map(|(r, groups)| async move {
                let c = self.clients.cloudwatch_at(r);
                let queries: Vec<cloudwatch::MetricQuery> =
                    groups.iter().flat_map(|(_, q)| q.iter().cloned()).collect();
                budgeted(&self.budgets.cloudwatch, || {
                    cloudwatch::metric_series(&c, &queries, counts_from, to)
                })
                .await
            }))
        );
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
                        // The datapoint's time on our clock (what fetch times are on): as
                        // old as it is on AWS's clock.
                        Some((at, v)) => Ok(HealthCheckStatus::Metric {
                            healthy: v >= 1.0,
                            percent_healthy: pct,
                            at: Some(now() - (to - at).max(time::Duration::ZERO)),
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
            out.checks.insert(id.clone(), value);
        }
        let skip = 2 * ids.len();
        let mut apply = |groups: &[(&String, [cloudwatch::MetricQuery; 2])],
                         result: &Result<Vec<MetricSeries>, AwsError>,
                         skip: usize| {
            for (k, (tg, _)) in groups.iter().enumerate() {
                let value = result.as_ref().map_err(Clone::clone).and_then(|series| {
                    let newest = |i: usize| series.get(skip + 2 * k + i).and_then(MetricSeries::latest);
                    match (newest(0), newest(1)) {
                        (Some((at, healthy)), Some((at_u, unhealthy))) => {
                            let at = at.min(at_u);
                            Ok(crate::model::elb::HostCounts {
                                healthy: healthy.max(0.0).round() as u32,
                                unhealthy: unhealthy.max(0.0).round() as u32,
                                minute: now() - (to - at).max(time::Duration::ZERO),
                            })
                        }
                        _ => Err(AwsError::new(
                            ErrorKind::NotFound,
                            "cloudwatch",
                            "GetMetricData",
                            "no HealthyHostCount/UnHealthyHostCount datapoint in the last 5 minutes",
                        )),
                    }
                });
                out.counts.insert((*tg).clone(), value);
            }
        };
        apply(&global, &result, skip);
        for ((_, groups), result) in by_region.iter().zip(&regional) {
            apply(groups, result, 0);
        }
        Arc::new(out)
    }

    /// Everything behind a site's records, each read as soon as what it needs is known: the
    /// health checks, the load balancers and the distribution its records and config name
    /// start at once; rules wait for their listeners, alarms' series for the targets.
    async fn site_chain(
        &self,
        s: &Site,
        o: &mut SiteObservations,
        shared: &Shared,
        metrics: Metrics<'_>,
        depth: Depth,
        read_listeners: bool,
    ) {
        // Health checks: their configs from the account's list.
        let ids = self.health_check_ids(s, o, shared);
        let mut checks: BTreeMap<String, HealthCheckObservations> =
            std::mem::take(&mut o.health_checks)
                .into_iter()
                .filter(|(id, _)| ids.contains(id))
                .collect();
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
        }
        let hc_names: Vec<String> = checks
            .values()
            .filter_map(|h| h.config.get().and_then(|c| c.target.fqdn.clone()))
            .collect();
        // The alarms CLOUDWATCH_METRIC checks follow (their configs are known now).
        let hc_alarms: Vec<AlarmRef> = checks
            .values()
            .filter_map(|h| h.config.get())
            .filter(|h| h.kind == HealthCheckKind::CloudWatchMetric)
            .filter_map(|h| h.alarm.clone())
            .collect();
        // Alias targets: their names, resolved beside the reads (the addresses are shown, not
        // needed by any read).
        let aliases: Vec<String> = o
            .site_records()
            .iter()
            .filter_map(|r| r.alias.as_ref().map(|a| a.normalized_dns_name()))
            .collect();
        let mut old_addresses = std::mem::take(&mut o.alias_addresses);
        // Where the records lead: the alias targets, and the ends of the chain through CNAMEs
        // and records of the zone; in the regions the chain reaches.
        let mut targets = aliases.clone();
        targets.extend(o.chain().resource_names());
        // A distribution in front of a load balancer is the app's front door: the chain goes on
        // to its origin (unless the config names it as the sorry page's).
        let mut fronts = BTreeMap::new();
        if let Some(Ok(list)) = &shared.distributions {
            for d in list {
                if s.distribution.as_deref() == Some(d.id.as_str()) || !d.fronts_load_balancer() {
                    continue;
                }
                if targets.iter().any(|t| d.has_domain(t))
                    && let Some(origin) = d.default_origin_domain()
                {
                    fronts.insert(
                        crate::model::route53::normalize_dns_name(&d.domain_name),
                        crate::model::route53::normalize_dns_name(origin),
                    );
                    targets.push(crate::model::route53::normalize_dns_name(origin));
                }
            }
        }
        o.cdn_origins = fronts;
        let regions = self.site_regions(s, o, shared);
        let previous = o.distribution.take();
        // An alias target's addresses are kept as a resolver keeps them (their TTL, at most
        // `addresses_every`) outside the detail and a switch: the last read stands with its
        // own age (200 sites: 400 queries a round otherwise, most of the idle console's DNS).
        let resolve = join_all(aliases.iter().map(|n| {
            let kept = depth != Depth::Detail
                && old_addresses
                    .get(n)
                    .is_some_and(|f| self.addresses_stand(n, f, now()));
            async move {
                if kept {
                    None
                } else {
                    Some(self.resolver.resolve_with_ttl(n).await)
                }
            }
        }));
        let (checks, resolved, (), distribution) = tokio::join!(
            self.health_check_reads(checks, &ids, metrics.clone(), depth),
            resolve,
            async {
                let listeners = self
                    .load_balancer_chain(
                        s,
                        o,
                        shared,
                        metrics.clone(),
                        &targets,
                        &hc_names,
                        &regions,
                        depth,
                        read_listeners,
                    )
                    .await;
                // Rules wait for their listeners only; the targets' alarms for the targets.
                let to_read = listeners
                    .as_ref()
                    .map(|l| l.to_read.as_slice())
                    .unwrap_or_default();
                let (rules, ()) = tokio::join!(
                    self.read_rules(to_read),
                    self.alarms(s, o, shared, &hc_alarms, depth),
                );
                // (Without the load balancers, the rules known stay as they were.)
                if let Some(l) = &listeners {
                    apply_rules(o, &l.all_alb, rules);
                }
            },
            self.distribution_chain(s, previous, shared, &targets, depth),
        );
        o.health_checks = checks;
        let mut addresses = BTreeMap::new();
        for (name, r) in aliases.iter().zip(resolved) {
            let mut slot: Fetched<Vec<String>> = old_addresses.remove(name).unwrap_or_default();
            match r {
                None => {}
                Some(Ok((v, ttl))) => {
                    if let Ok(mut ttls) = self.address_ttls.lock() {
                        ttls.insert(name.clone(), std::time::Duration::from_secs(u64::from(ttl)));
                    }
                    slot.set_ok(v, now())
                }
                Some(Err(e)) => slot.set_failed(
                    AwsError::new(ErrorKind::Network, "dns", "resolve", e),
                    now(),
                ),
            }
            addresses.insert(name.clone(), slot);
        }
        o.alias_addresses = addresses;
        o.distribution = distribution;
    }

    /// Whether an alias target's addresses as last read still stand at `at`: read without
    /// error within their TTL (the system resolver's: `addresses_every`) and `addresses_every`.
    fn addresses_stand(&self, name: &str, f: &Fetched<Vec<String>>, at: OffsetDateTime) -> bool {
        let ttl = self
            .address_ttls
            .lock()
            .ok()
            .and_then(|t| t.get(name).copied());
        let keep = match (&self.resolver, ttl) {
            (Resolver::System, _) => self.addresses_every,
            (Resolver::Server(_), Some(ttl)) => ttl.min(self.addresses_every),
            (Resolver::Server(_), None) => return false,
        };
        f.error.is_none()
            && f.value.is_some()
            && f.fetched_at
                .is_some_and(|t| crate::model::obs::span(t, at) < keep)
    }

    /// The status of a site's health checks: from the round's metrics, or (in detail, and for
    /// a new check whose metric has no datapoint yet) from its checkers.
    async fn health_check_reads(
        &self,
        mut checks: BTreeMap<String, HealthCheckObservations>,
        ids: &[String],
        metrics: Metrics<'_>,
        depth: Depth,
    ) -> BTreeMap<String, HealthCheckObservations> {
        let c = &self.clients;
        let b = &self.budgets;
        let mut detail_futures = Vec::new();
        let mut from_metrics = Vec::new();
        for id in ids {
            let Some(entry) = checks.get(id) else {
                continue;
            };
            let probes = entry.config.get().is_none_or(|h| h.kind.probes_endpoint());
            if depth == Depth::Detail && probes {
                let known = entry.last_failures.value.is_some();
                detail_futures.push(async move {
                    // GetHealthCheckStatus and GetHealthCheckLastFailureReason share one call a
                    // second: the last failures change only when a checker fails, so they are
                    // read the first time (beside the status) and whenever a checker reports a
                    // failure (after it).
                    let (status, first) = tokio::join!(
                        budgeted(&b.route53_status, || {
                            route53::health_check_status(&c.route53, id)
                        }),
                        async {
                            if known {
                                None
                            } else {
                                Some(
                                    budgeted(&b.route53_status, || {
                                        route53::last_failure_reasons(&c.route53, id)
                                    })
                                    .await,
                                )
                            }
                        },
                    );
                    let failing = status
                        .as_ref()
                        .map_or(true, |obs| obs.iter().any(|o| !o.healthy()));
                    let failures = match first {
                        Some(f) => Some(f),
                        None if failing => Some(
                            budgeted(&b.route53_status, || {
                                route53::last_failure_reasons(&c.route53, id)
                            })
                            .await,
                        ),
                        None => None,
                    };
                    (id.clone(), status, failures)
                });
            } else {
                from_metrics.push((id.clone(), probes));
            }
        }
        let from_metrics = async {
            if from_metrics.is_empty() {
                return Vec::new();
            }
            let metrics = metrics.await;
            // Endpoint checks whose metric has no datapoint yet (new checks): their checkers
            // instead.
            let reads = from_metrics.into_iter().map(|(id, probes)| {
                let m = metrics.checks.get(&id).cloned();
                async move {
                    match m {
                        Some(Err(e)) if probes && crate::model::infer::no_datapoint(&e) => {
                            let status = budgeted(&b.route53_status, || {
                                route53::health_check_status(&c.route53, &id)
                            })
                            .await;
                            (id, Some(Err((status, e))))
                        }
                        Some(m) => (id, Some(Ok(m))),
                        None => (id, None),
                    }
                }
            });
            join_all(reads).await
        };
        let (from_metrics, detailed) = tokio::join!(from_metrics, join_all(detail_futures));
        for (id, read) in from_metrics {
            let entry = checks.entry(id).or_default();
            match read {
                Some(Ok(m)) => {
                    entry.metric_missing = None;
                    record(&mut entry.status, m);
                }
                Some(Err((status, missing))) => {
                    // With neither source, GetHealthCheckStatus's error is what is said.
                    entry.metric_missing = status.is_ok().then_some(missing);
                    record(
                        &mut entry.status,
                        status.map(|observations| HealthCheckStatus::Checkers { observations }),
                    );
                }
                None => {}
            }
        }
        for (id, status, failures) in detailed {
            let entry = checks.entry(id).or_default();
            entry.metric_missing = None;
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
        checks
    }

    /// The rules of each listener, side by side.
    async fn read_rules(
        &self,
        arns: &[String],
    ) -> Vec<(String, Result<Vec<crate::model::elb::Rule>, AwsError>)> {
        let c = &self.clients;
        let b = &self.budgets;
        join_all(arns.iter().map(|arn| async move {
            let client = c.elbv2_for(arn);
            (
                arn.clone(),
                budgeted(&b.elbv2, || elbv2::rules(&client, arn)).await,
            )
        }))
        .await
    }

    /// The site's load balancers, their listeners, target groups and target health. Returns
    /// the ALB listeners whose rules are to be read (the rules wait for the listeners only).
    #[allow(clippy::too_many_arguments)]
    async fn load_balancer_chain(
        &self,
        s: &Site,
        o: &mut SiteObservations,
        shared: &Shared,
        metrics: Metrics<'_>,
        aliases: &[String],
        hc_names: &[String],
        regions: &BTreeSet<String>,
        depth: Depth,
        read_listeners: bool,
    ) -> Option<ListenerReads> {
        let c = &self.clients;
        let b = &self.budgets;
        let listed = shared.load_balancers_in(regions);
        let all = match &listed {
            Some(Ok(l)) => &l[..],
            Some(Err(e)) => {
                o.load_balancers.set_failed(e.clone(), now());
                return None;
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
        // The listeners of each load balancer, beside its target groups and their targets'
        // health, each in the load balancer's region.
        let account_listed = shared.target_groups_in(regions);
        let account_tgs = account_listed.as_ref();
        // Outside the detail and a switch, a load balancer's listeners are read only when due
        // (see `listeners_due`); until then the last read stands, with its own age. A load
        // balancer not read before is read now.
        let listeners = join_all(lbs.iter().map(|lb| {
            let known =
                !read_listeners && o.listeners.get(&lb.arn).is_some_and(|f| f.value.is_some());
            async move {
                let client = c.elbv2_for(&lb.arn);
                let read = if known {
                    None
                } else {
                    Some(budgeted(&b.elbv2, || elbv2::listeners(&client, &lb.arn)).await)
                };
                (
                    lb.arn.clone(),
                    lb.kind == crate::model::elb::LoadBalancerKind::Application,
                    read,
                )
            }
        }));
        let sorry = o.sorry_target_groups.clone();
        let previous_health = std::mem::take(&mut o.target_health);
        // The targets' health rides the listeners' cadence outside the detail and a switch
        // (ELBv2's Describe budget, 10 calls a second per account and region, is what bounds a
        // round at scale: AWS-FACTS.md, "Other API rate limits"), except where Route 53 itself
        // evaluates it: the target groups of a load balancer a record aliases with Evaluate
        // Target Health are read every round (the record's health rests on them). A target
        // group whose health is not known, or whose last read failed, is read every round; the
        // others keep their last read with its own age until the site's listeners are due.
        let evaluated: Vec<String> = o
            .site_records()
            .iter()
            .filter_map(|r| r.alias.as_ref())
            .filter(|a| a.evaluate_target_health)
            .map(|a| a.normalized_dns_name())
            .collect();
        let evaluated_lbs: BTreeSet<String> = lbs
            .iter()
            .filter(|lb| evaluated.iter().any(|n| lb.has_dns_name(n)))
            .map(|lb| lb.arn.clone())
            .collect();
        // Outside the detail and a switch, a target group's health comes in bulk from its
        // CloudWatch counts (read for every site at once, beside the health checks' metrics):
        // a group whose counts show every target healthy is not read by DescribeTargetHealth,
        // not even with its listeners; one whose counts show a target unhealthy (or none), have
        // no datapoint or could not be read is read fresh, every round. The groups Route 53
        // evaluates (Evaluate Target Health) go by their counts like the rest: Route 53 decides
        // on its own checks of the targets, and its answer, read by DNS every round, says what
        // it decided; a fresh DescribeTargetHealth each round (200 calls at 200 such sites)
        // would only tell the overview a minute sooner why. The counts lag (a minute or more)
        // and are never compared with a fresh source to call a failover. The detail reads every
        // group fresh.
        let (by_counts, fresh) =
            if depth == Depth::Detail {
                (BTreeSet::new(), BTreeSet::new())
            } else {
                let m = metrics.await;
                let mut counts = BTreeMap::new();
                for t in o.target_groups.value.iter().flatten() {
                    if let Some(read) = m.counts.get(&t.arn) {
                        let mut slot = o.host_counts.remove(&t.arn).unwrap_or_default();
                        record(&mut slot, read.clone());
                        counts.insert(t.arn.clone(), slot);
                    }
                }
                o.host_counts = counts;
                // Skipped only while the last per-target read agrees (every target healthy, as many
                // as the counts): a group recovering, or whose targets changed, is read fresh once.
                o.host_counts
                    .keys()
                    .cloned()
                    .partition::<BTreeSet<String>, _>(|tg| {
                        counts_healthy(o, tg, self.listeners_every)
                            && o.host_counts
                                .get(tg)
                                .and_then(|f| f.get())
                                .is_some_and(|c| {
                                    previous_health.get(tg).and_then(|f| f.get()).is_some_and(
                                        |ts| {
                                            ts.len() == c.healthy as usize && ts.iter().all(|t| {
                                                t.state == crate::model::elb::TargetState::Healthy
                                            })
                                        },
                                    )
                                })
                    })
            };
        let health_known: BTreeSet<String> = if read_listeners {
            BTreeSet::new()
        } else {
            previous_health
                .iter()
                .filter(|(_, f)| f.value.is_some() && f.error.is_none())
                .map(|(arn, _)| arn.clone())
                .collect()
        };
        let groups = self.target_groups_and_health(
            s,
            &lbs,
            account_tgs,
            &sorry,
            &health_known,
            &evaluated_lbs,
            (&by_counts, &fresh),
            depth == Depth::Detail,
        );
        let (per_lb, (target_groups, tg_error, health)) = tokio::join!(listeners, groups);
        let mut listener_arns_alb = Vec::new();
        let mut listeners = BTreeMap::new();
        let mut read_now = Vec::new();
        for (lb, is_alb, l) in per_lb {
            let mut slot = o.listeners.remove(&lb).unwrap_or_default();
            if let Some(l) = l {
                if let (true, Ok(ls)) = (is_alb, &l) {
                    read_now.extend(ls.iter().map(|x| x.arn.clone()));
                }
                record(&mut slot, l);
            }
            if let (true, Some(ls)) = (is_alb, &slot.value) {
                listener_arns_alb.extend(ls.iter().map(|x| x.arn.clone()));
            }
            listeners.insert(lb, slot);
        }
        o.listeners = listeners;
        match tg_error {
            Some(e) => o.target_groups.set_failed(e, now()),
            None => o.target_groups.set_ok(target_groups, now()),
        }
        let mut previous_health = previous_health;
        let mut health_map = BTreeMap::new();
        for (arn, h) in health {
            let mut slot = previous_health.remove(&arn).unwrap_or_default();
            record(&mut slot, h);
            health_map.insert(arn, slot);
        }
        // Not read this round: the last read stands, with its own age.
        for t in o.target_groups.value.iter().flatten() {
            if (health_known.contains(&t.arn) || by_counts.contains(&t.arn))
                && !health_map.contains_key(&t.arn)
                && let Some(slot) = previous_health.remove(&t.arn)
            {
                health_map.insert(t.arn.clone(), slot);
            }
        }
        o.target_health = health_map;
        // The rules of every ALB listener in detail; outside it, those of the listeners a
        // listener strategy works on, and of those whose default action serves the sorry page
        // (rules ahead of it may still reach the app): the default action says the rest.
        let all_alb = listener_arns_alb.clone();
        // Rules are read with their listeners.
        listener_arns_alb.retain(|arn| read_now.contains(arn));
        if depth == Depth::Overview {
            let default_sorry: Vec<String> = o
                .all_listeners()
                .into_iter()
                .filter(|l| o.serves_listener(l).is_sorry_page())
                .map(|l| l.arn.clone())
                .collect();
            listener_arns_alb.retain(|arn| {
                default_sorry.contains(arn)
                    || s.maintenance.iter().any(|st| {
                        matches!(st, Strategy::MaintenanceRule { listener, .. }
                            | Strategy::ListenerSorry { listener, .. } if listener == arn)
                    })
            });
        }
        Some(ListenerReads {
            to_read: listener_arns_alb,
            all_alb,
        })
    }

    /// The target groups of the site's load balancers (from the account's list), the sorry
    /// ones its strategies name, and the app's seen attached before; with their DNS failover
    /// minimums (in `detail`, else only for those attached to one of `evaluated_lbs`) and the
    /// health of their targets (except those in `health_known` and not attached to one of
    /// `evaluated_lbs`: their last read stands). The first error of a target group read, if
    /// any.
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    async fn target_groups_and_health(
        &self,
        s: &Site,
        lbs: &[LoadBalancer],
        account_tgs: Option<&Result<Cow<'_, [TargetGroup]>, AwsError>>,
        sorry: &[String],
        health_known: &BTreeSet<String>,
        evaluated_lbs: &BTreeSet<String>,
        (by_counts, fresh): (&BTreeSet<String>, &BTreeSet<String>),
        detail: bool,
    ) -> (
        Vec<TargetGroup>,
        Option<AwsError>,
        Vec<(
            String,
            Result<Vec<crate::model::elb::TargetHealth>, AwsError>,
        )>,
    ) {
        let c = &self.clients;
        let b = &self.budgets;
        let per_lb = join_all(lbs.iter().map(|lb| async move {
            // The account's list, read once per round; alone, one call per balancer.
            match account_tgs {
                Some(Ok(all)) => Ok(all
                    .iter()
                    .filter(|t| t.load_balancer_arns.contains(&lb.arn))
                    .cloned()
                    .collect::<Vec<_>>()),
                Some(Err(e)) => Err(e.clone()),
                None => {
                    let client = c.elbv2_for(&lb.arn);
                    budgeted(&b.elbv2, || elbv2::target_groups_of(&client, &lb.arn)).await
                }
            }
        }))
        .await;
        let mut target_groups: Vec<TargetGroup> = Vec::new();
        let mut tg_error = None;
        for t in per_lb {
            match t {
                Ok(tgs) => target_groups.extend(tgs),
                Err(e) => tg_error = Some(e),
            }
        }
        // Sorry target groups may receive no traffic yet: fetch them by ARN.
        let mut extra: Vec<String> = sorry.to_vec();
        extra.extend(s.target_groups.iter().cloned());
        extra.retain(|arn| !target_groups.iter().any(|t| &t.arn == arn));
        // The app's target groups seen attached before and no longer attached (a listener
        // switched to the sorry page leaves the app's group unused): still read, so that the
        // operator sees the app recover before failing back. One that is gone is let go.
        let kept: Vec<String> = match self.app_target_groups.lock() {
            Ok(mut seen) => {
                let mine = seen.entry(s.name.clone()).or_default();
                for t in &target_groups {
                    if !sorry.contains(&t.arn) && !t.load_balancer_arns.is_empty() {
                        mine.insert(t.arn.clone());
                    }
                }
                mine.iter()
                    .filter(|arn| {
                        !sorry.contains(arn)
                            && !extra.contains(arn)
                            && !target_groups.iter().any(|t| &t.arn == *arn)
                    })
                    .cloned()
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        if let Some(Ok(all)) = account_tgs {
            target_groups.extend(all.iter().filter(|t| extra.contains(&t.arn)).cloned());
            extra.retain(|arn| !all.iter().any(|t| &t.arn == arn));
        }
        // By region: a target group lives where its ARN says.
        let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for arn in extra {
            let r = crate::model::chain::region_of_arn(&arn)
                .unwrap_or(&c.region)
                .to_string();
            by_region.entry(r).or_default().push(arn);
        }
        for (r, arns) in by_region {
            let client = c.elbv2_in(&r);
            match budgeted(&b.elbv2, || elbv2::target_groups_by_arn(&client, &arns)).await {
                Ok(more) => target_groups.extend(more),
                Err(e) => tg_error = Some(in_region(e, &r)),
            }
        }
        for arn in kept {
            let client = c.elbv2_for(&arn);
            let one = [arn.clone()];
            match budgeted(&b.elbv2, || elbv2::target_groups_by_arn(&client, &one)).await {
                Ok(more) if !more.is_empty() => target_groups.extend(more),
                // A failed read is tried again next round.
                Err(e) if e.kind != crate::model::error::ErrorKind::NotFound => {
                    tracing::info!(target_group = %arn, "not read: {}", e.summary())
                }
                // Gone: let go.
                _ => {
                    tracing::info!(target_group = %arn, "no longer exists: no longer read");
                    if let Ok(mut seen) = self.app_target_groups.lock()
                        && let Some(mine) = seen.get_mut(&s.name)
                    {
                        mine.remove(&arn);
                    }
                }
            }
        }
        // Evaluate Target Health's minimums (target group attributes): read when not known or
        // older than TG_ATTRIBUTES_EVERY, beside the targets' health; outside the detail only
        // for the target groups Route 53 evaluates, and (below) those with a target that is not
        // healthy: for the others the minimums decide nothing, and a call each would cost
        // ELBv2's Describe budget at scale. A failed read keeps what an earlier read found;
        // with none, the group says its minimums were not read (a check not made, never AWS's
        // defaults taken for them); it is tried again next round.
        let stale: Vec<String> = match self.tg_minimums.lock() {
            Ok(known) => target_groups
                .iter()
                .filter(|t| {
                    detail
                        || t.load_balancer_arns
                            .iter()
                            .any(|a| evaluated_lbs.contains(a))
                })
                .filter(|t| {
                    known
                        .get(&t.arn)
                        .is_none_or(|(_, at)| at.elapsed() > TG_ATTRIBUTES_EVERY)
                })
                .map(|t| t.arn.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        let attributes = join_all(stale.iter().map(|arn| async move {
            let client = c.elbv2_for(arn);
            (
                arn.clone(),
                budgeted(&b.elbv2, || elbv2::health_settings(&client, arn)).await,
            )
        }));
        let health = join_all(
            target_groups
                .iter()
                .filter(|tg| {
                    !by_counts.contains(&tg.arn)
                        && (fresh.contains(&tg.arn)
                            || !health_known.contains(&tg.arn)
                            || tg
                                .load_balancer_arns
                                .iter()
                                .any(|a| evaluated_lbs.contains(a)))
                })
                .map(|tg| async move {
                    let client = c.elbv2_for(&tg.arn);
                    (
                        tg.arn.clone(),
                        budgeted(&b.elbv2, || elbv2::target_health(&client, &tg.arn)).await,
                    )
                }),
        );
        let (mut read, health) = tokio::join!(attributes, health);
        // A target group with a target that is not healthy: whether its ALB fails open, and
        // what Route 53 would make of it, rest on its minimums; read now if not known (one
        // more stage, only when something is unhealthy).
        let unhealthy: Vec<String> = match self.tg_minimums.lock() {
            Ok(known) => health
                .iter()
                .filter(|(arn, h)| {
                    !stale.contains(arn)
                        && known
                            .get(arn)
                            .is_none_or(|(_, at)| at.elapsed() > TG_ATTRIBUTES_EVERY)
                        && h.as_ref().is_ok_and(|ts| {
                            ts.iter()
                                .any(|t| t.state != crate::model::elb::TargetState::Healthy)
                        })
                })
                .map(|(arn, _)| arn.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        read.extend(
            join_all(unhealthy.iter().map(|arn| async move {
                let client = c.elbv2_for(arn);
                (
                    arn.clone(),
                    budgeted(&b.elbv2, || elbv2::health_settings(&client, arn)).await,
                )
            }))
            .await,
        );
        if let Ok(mut known) = self.tg_minimums.lock() {
            let mut unread = HashMap::new();
            for (arn, r) in read {
                match r {
                    Ok(v) => {
                        known.insert(arn, (v, Instant::now()));
                    }
                    Err(e) => {
                        tracing::info!(target_group = %arn, "attributes not read: {}", e.summary());
                        unread.insert(arn, e);
                    }
                }
            }
            for t in &mut target_groups {
                if let Some((settings, _)) = known.get(&t.arn) {
                    // Read before (at most TG_ATTRIBUTES_EVERY and a failed retry ago): kept.
                    settings.apply_to(t);
                } else if let Some(e) = unread.remove(&t.arn) {
                    // Never read: AWS's defaults are not the group's minimums, so whether
                    // they are met could not be checked (the verdict and status say so).
                    t.attributes_unread = Some(crate::model::obs::FetchError {
                        error: e,
                        at: now(),
                    });
                }
            }
        }
        (target_groups, tg_error, health)
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
                .filter(|d| !d.fronts_load_balancer())
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

    /// The site's alarms: those its CLOUDWATCH_METRIC checks follow (`hc_alarms`), those its
    /// config names, and the StatusCheckFailed alarms of its targets.
    async fn alarms(
        &self,
        s: &Site,
        o: &mut SiteObservations,
        shared: &Shared,
        hc_alarms: &[AlarmRef],
        depth: Depth,
    ) {
        let region = self.clients.region.clone();
        let instance_ids: BTreeSet<String> = o
            .target_health
            .values()
            .filter_map(|t| t.get())
            .flatten()
            .filter(|t| t.id.starts_with("i-"))
            .map(|t| t.id.clone())
            .collect();
        let mut refs: Vec<AlarmRef> = hc_alarms.to_vec();
        refs.extend(s.alarms.iter().map(|a| AlarmRef {
            region: a.region.clone().unwrap_or_else(|| region.clone()),
            name: a.name.clone(),
        }));
        // The alarms a silence-alarms strategy switches, when they exist: the plan reads their
        // state from here (one that does not exist is the plan's to refuse, not a failed read).
        let mut silenced_only: Vec<AlarmRef> = Vec::new();
        for st in &s.maintenance {
            if let Strategy::SilenceAlarms { alarms } = st {
                for a in alarms {
                    let r = AlarmRef {
                        region: a.region.clone().unwrap_or_else(|| region.clone()),
                        name: a.name.clone(),
                    };
                    if !refs.contains(&r) {
                        silenced_only.push(r.clone());
                        refs.push(r);
                    }
                }
            }
        }
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
        // The StatusCheckFailed alarms of the targets, in every region the site's chain reaches
        // (an instance's alarm lives in its region).
        let site_regions = self.site_regions(s, o, shared);
        for (r, list) in &shared.alarms {
            let Ok(list) = list else { continue };
            if !site_regions.contains(r) {
                continue;
            }
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
        // Alarms in other regions (a CLOUDWATCH_METRIC check's alarm may live anywhere), by
        // name where the region was not listed whole.
        let other_regions: BTreeSet<String> = refs
            .iter()
            .map(|r| r.region.clone())
            .filter(|r| !shared.alarms.contains_key(r))
            .collect();
        let mut others: HashMap<String, Result<Vec<Alarm>, AwsError>> = HashMap::new();
        for r in other_regions {
            let names: Vec<String> = refs
                .iter()
                .filter(|x| x.region == r)
                .map(|x| x.name.clone())
                .collect();
            let client = self.clients.cloudwatch_in(&r);
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
                    history: Fetched::default(),
                });
            let source = shared
                .alarms
                .get(&r.region)
                .or_else(|| others.get(&r.region));
            match source {
                Some(Ok(list))
                    if silenced_only.contains(&r) && !list.iter().any(|a| a.name == r.name) =>
                {
                    continue;
                }
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
            // Beside the series, in the same stage: both need only the alarms.
            let due = Self::alarm_histories_due(&mut out);
            let (_, read) = tokio::join!(self.alarm_series(&mut out), self.alarm_histories(&due));
            for ((i, _), r) in due.iter().zip(read) {
                if let Some(a) = out.get_mut(*i) {
                    match r {
                        Ok(h) => a.history.set_ok(h, now()),
                        Err(e) => a.history.set_failed(e, now()),
                    }
                }
            }
        }
        o.alarms = out;
    }

    /// The alarms whose last state changes the detail view needs read: not read yet, the last
    /// read failed, or the alarm changed state after the newest change read. The others' history
    /// is still whole as of the alarm's read, and is dated so.
    fn alarm_histories_due(alarms: &mut [AlarmObservations]) -> Vec<(usize, AlarmRef)> {
        let mut due = Vec::new();
        for (i, a) in alarms.iter_mut().enumerate() {
            let Some(updated) = a.alarm.get().map(|al| al.state_updated) else {
                continue;
            };
            let newest = a.history.get().map(|h| h.first().map(|c| c.at));
            let stale = a.history.error.is_some()
                || match newest {
                    None => true,
                    Some(newest) => updated.is_some() && updated > newest,
                };
            if stale {
                due.push((i, a.alarm_ref.clone()));
            } else if a.alarm.fetched_at > a.history.fetched_at {
                a.history.fetched_at = a.alarm.fetched_at;
            }
        }
        due
    }

    /// The last state changes of these alarms (DescribeAlarmHistory), one call each.
    async fn alarm_histories(
        &self,
        due: &[(usize, AlarmRef)],
    ) -> Vec<Result<Vec<crate::model::cloudwatch::AlarmStateChange>, AwsError>> {
        join_all(due.iter().map(|(_, r)| async move {
            let c = self.clients.cloudwatch_at(&r.region);
            budgeted(&self.budgets.cloudwatch, || {
                cloudwatch::alarm_history(&c, &r.name, ALARM_HISTORY_KEPT)
            })
            .await
        }))
        .await
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
        // One call per region: a metric lives in its alarm's region.
        let regions: BTreeSet<String> = alarms.iter().map(|a| a.alarm_ref.region.clone()).collect();
        for region in regions {
            let wanted: Vec<cloudwatch::MetricQuery> = queries
                .iter()
                .zip(alarms.iter())
                .filter(|(_, a)| a.alarm_ref.region == region)
                .filter_map(|(q, _)| q.clone())
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let c = self.clients.cloudwatch_at(&region);
            let result = budgeted(&self.budgets.cloudwatch, || {
                cloudwatch::metric_series(&c, &wanted, from, to)
            })
            .await;
            let mut k = 0;
            for (a, q) in alarms.iter_mut().zip(&queries) {
                if q.is_none() || a.alarm_ref.region != region {
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
}

/// The chain beyond the site's own records: names of the zone its records lead to, and the
/// regions it reaches (see [`crate::model::chain`]).
impl Fetcher {
    /// Reads the records of the names of the zone each site's records lead to, hop by hop: every
    /// name of the chain once a round (from the zone's listing when it was read whole).
    async fn follow_links(
        &mut self,
        sites: &[&Site],
        obs: &mut [SiteObservations],
        shared: &Shared,
    ) {
        // The zone's name tells a CNAME to a name of the zone: read once, when a CNAME needs it.
        for (s, o) in sites.iter().zip(obs.iter_mut()) {
            if let Some(name) = self.zone_names.get(&s.zone_id) {
                o.linked.zone_name = Some(name.clone());
                continue;
            }
            if !needs_zone_name(o) {
                continue;
            }
            let c = &self.clients.route53;
            if let Ok(z) = budgeted(&self.budgets.route53, || {
                route53::hosted_zone(c, &s.zone_id)
            })
            .await
            {
                self.zone_names.insert(s.zone_id.clone(), z.name.clone());
                o.linked.zone_name = Some(z.name);
            }
        }
        let mut before: Vec<BTreeMap<String, Fetched<Vec<RecordSet>>>> = obs
            .iter_mut()
            .map(|o| std::mem::take(&mut o.linked.records))
            .collect();
        for _ in 0..=crate::model::chain::MAX_HOPS {
            let wanted: Vec<Vec<String>> = obs.iter().map(|o| o.chain().unread).collect();
            if wanted.iter().all(Vec::is_empty) {
                break;
            }
            let me: &Fetcher = self;
            let reads = sites.iter().zip(&wanted).map(|(s, names)| {
                let zone = shared.zone_records.get(&s.zone_id);
                join_all(names.iter().map(move |name| async move {
                    let result = match zone {
                        Some(Ok(all)) => {
                            Ok(all.iter().filter(|r| r.is_named(name)).cloned().collect())
                        }
                        Some(Err(e)) => Err(e.clone()),
                        None => {
                            let c = &me.clients.route53;
                            budgeted(&me.budgets.route53, || {
                                route53::records_named(c, &s.zone_id, name)
                            })
                            .await
                        }
                    };
                    (name.clone(), result)
                }))
            });
            let read = join_all(reads).await;
            for ((o, old), results) in obs.iter_mut().zip(before.iter_mut()).zip(read) {
                for (name, result) in results {
                    let mut slot = old.remove(&name).unwrap_or_default();
                    record(&mut slot, result);
                    o.linked.records.insert(name, slot);
                }
            }
        }
    }

    /// Lists the load balancers, target groups and alarms of every region the sites' chains
    /// reach besides the clients' own (once a round per region).
    async fn regional_lists(&self, sites: &[&Site], obs: &[SiteObservations], shared: &mut Shared) {
        let home = &self.clients.region;
        let wanted: BTreeSet<String> = sites
            .iter()
            .zip(obs)
            .flat_map(|(s, o)| self.site_regions(s, o, shared))
            .filter(|r| r != home && !shared.elsewhere.contains_key(r))
            .collect();
        let b = &self.budgets;
        let lists = join_all(wanted.into_iter().map(|r| async move {
            let elb = self.clients.elbv2_in(&r);
            let cw = self.clients.cloudwatch_at(&r);
            let (lbs, tgs, alarms) = tokio::join!(
                budgeted(&b.elbv2, || elbv2::load_balancers(&elb)),
                budgeted(&b.elbv2, || elbv2::all_target_groups(&elb)),
                budgeted(&b.cloudwatch, || cloudwatch::alarms(&cw)),
            );
            (r, lbs, tgs, alarms)
        }))
        .await;
        for (r, lbs, tgs, alarms) in lists {
            shared.alarms.insert(r.clone(), alarms);
            shared.elsewhere.insert(
                r,
                Regional {
                    load_balancers: lbs,
                    target_groups: tgs,
                },
            );
        }
    }

    /// The regions a site's resources live in: where its chain leads (load balancers by their
    /// DNS names, also those its health checks probe), where the ARNs of its config and
    /// strategies say, and the clients' own.
    fn site_regions(&self, s: &Site, o: &SiteObservations, shared: &Shared) -> BTreeSet<String> {
        let mut out = o.chain_regions();
        out.insert(self.clients.region.clone());
        let arns = s
            .load_balancers
            .iter()
            .chain(&s.listeners)
            .chain(&s.target_groups)
            .cloned()
            .chain(sorry_target_groups(s))
            .chain(s.maintenance.iter().filter_map(|st| match st {
                Strategy::ListenerSorry { listener, .. }
                | Strategy::MaintenanceRule { listener, .. } => Some(listener.clone()),
                _ => None,
            }));
        for arn in arns {
            if let Some(r) = crate::model::chain::region_of_arn(&arn) {
                out.insert(r.to_string());
            }
        }
        if let Some(Ok(list)) = &shared.health_checks {
            for id in self.health_check_ids(s, o, shared) {
                if let Some(r) = list
                    .iter()
                    .find(|h| h.id == id)
                    .and_then(|h| h.target.fqdn.as_deref())
                    .and_then(crate::model::chain::region_of_elb_dns)
                {
                    out.insert(r);
                }
            }
        }
        out
    }
}

/// Whether the site's chain has a CNAME to a name that may be of its own zone (the zone's name
/// tells).
fn needs_zone_name(o: &SiteObservations) -> bool {
    use crate::model::chain::Endpoint;
    let linked = o.linked.records.values().filter_map(|f| f.get()).flatten();
    o.site_records()
        .into_iter()
        .chain(linked)
        .filter(|r| r.rtype.eq_ignore_ascii_case("CNAME"))
        .flat_map(|r| r.values.iter())
        .any(|v| matches!(Endpoint::of_name(v), Endpoint::Other { .. }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::model::elb::ListenerAction;
    use crate::model::serves::Serves;

    const LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";
    const SORRY_TG: &str =
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/sorry/73e2d6bc24d8a067";

    /// What the switch engine writes during maintenance is what the verdict and the console then
    /// call the sorry page, whatever the configured fixed response's status.
    #[test]
    fn the_sorry_side_of_the_config_is_the_sorry_page_once_applied() {
        let text = format!(
            r#"
[[site]]
name = "shop"
zone = "Z0123456789ABCDEFGHIJ"
record = "www.example.com"

[[site.maintenance]]
strategy = "elb-listener-sorry"
listener = "{LISTENER}"
fixed_response = {{ status = 200, content_type = "text/plain", body = "Down for maintenance" }}

[[site.maintenance]]
strategy = "alb-maintenance-rule"
listener = "{LISTENER}"
sorry_target_group = "{SORRY_TG}"
"#
        );
        let config = match crate::config::parse(&text, Path::new("c.toml")) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let site = &config.sites[0];
        let obs = blank(site);
        for strategy in &site.maintenance {
            let (Strategy::ListenerSorry { action, .. } | Strategy::MaintenanceRule { action, .. }) =
                strategy
            else {
                panic!("{strategy:?}");
            };
            let applied = obs.serves_action(&action.listener_action());
            assert!(applied.is_sorry_page(), "{strategy:?}: {applied:?}");
        }
        // The app's own fixed 200 is not the maintenance page.
        let own = ListenerAction::fixed("200", Some("text/plain".into()), Some("ok".into()));
        assert_eq!(
            obs.serves_action(&own),
            Serves::FixedResponse {
                status: Some(200),
                maintenance_page: false
            }
        );
    }

    fn network(operation: &str) -> AwsError {
        AwsError::new(
            ErrorKind::Network,
            "route53",
            operation,
            "no answer within the time limit: operation timeout (all attempts including retries) occurred after 30s",
        )
        .with_no_answer_in_time()
    }

    /// A call that waits `wait`, then fails on the network; counts the calls made.
    async fn call(calls: &AtomicUsize, wait: Duration, operation: &str) -> Result<(), AwsError> {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(wait).await;
        Err(network(operation))
    }

    #[tokio::test(start_paused = true)]
    async fn a_service_that_did_not_answer_in_time_is_not_called_again_in_the_round() {
        let bucket = Bucket::new("route53", 20.0, 8.0);
        let status = Bucket::new("route53 GetHealthCheckStatus", 3.0, 0.9);
        let calls = AtomicUsize::new(0);
        let long = Duration::from_secs(30);
        SILENT
            .scope(Silent::new(), async {
                let first = budgeted(&bucket, || call(&calls, long, "ListHealthChecks")).await;
                assert_eq!(first.err().map(|e| e.message), Some(network("").message));
                // Not called again, in its own budget or the service's other one.
                for b in [&bucket, &status] {
                    let later = budgeted(b, || call(&calls, long, "ListResourceRecordSets"))
                        .await
                        .err();
                    assert_eq!(
                        later.map(|e| e.summary()).as_deref(),
                        Some(
                            "network: not tried: route53 gave no answer in time to an earlier \
                             call of this round (route53 ListHealthChecks)"
                        )
                    );
                }
                assert_eq!(calls.load(Ordering::SeqCst), 1);
            })
            .await;
        // The next round calls it again.
        SILENT
            .scope(Silent::new(), async {
                let _ = budgeted(&bucket, || call(&calls, long, "ListHealthChecks")).await;
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_service_is_still_called_with_its_retries() {
        let bucket = Bucket::new("cloudfront", 10.0, 4.0);
        let calls = AtomicUsize::new(0);
        let throttle = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(AwsError::new(
                ErrorKind::Throttled,
                "cloudfront",
                "ListDistributions",
                "Rate exceeded",
            ))
        };
        SILENT
            .scope(Silent::new(), async {
                for _ in 0..2 {
                    let e = budgeted(&bucket, throttle).await.err();
                    assert_eq!(e.map(|e| e.kind), Some(ErrorKind::Throttled));
                }
            })
            .await;
        // Each call: the first try and two retries after a backoff.
        assert_eq!(calls.load(Ordering::SeqCst), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn credentials_that_cannot_be_obtained_stop_every_service_for_the_round() {
        let route53 = Bucket::new("route53", 20.0, 8.0);
        let elbv2 = Bucket::new("elbv2", 20.0, 15.0);
        let calls = AtomicUsize::new(0);
        let refused = AwsError::new(
            ErrorKind::Service,
            "sts",
            "AssumeRole",
            "The request processing has failed",
        )
        .with_code("InternalFailure");
        let assume = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(refused.clone())
        };
        SILENT
            .scope(Silent::new(), async {
                assert_eq!(
                    budgeted(&route53, assume).await.err().as_ref(),
                    Some(&refused)
                );
                assert_eq!(
                    budgeted(&elbv2, assume).await.err().as_ref(),
                    Some(&refused)
                );
                assert_eq!(calls.load(Ordering::SeqCst), 1);
            })
            .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_connection_does_not_silence_the_service_however_long_its_retries_took() {
        let bucket = Bucket::new("elbv2", 20.0, 15.0);
        let calls = AtomicUsize::new(0);
        // Three attempts dropped, with the SDK's backoff between them: longer than one attempt's
        // time limit, yet the service answered each time (by closing the connection).
        let dropped = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(12)).await;
            Err::<(), _>(AwsError::new(
                ErrorKind::Network,
                "elbv2",
                "DescribeLoadBalancers",
                "client error (SendRequest): connection closed before message completed",
            ))
        };
        SILENT
            .scope(Silent::new(), async {
                for _ in 0..2 {
                    let e = budgeted(&bucket, dropped).await.err();
                    assert_eq!(
                        e.map(|e| e.summary()).as_deref(),
                        Some(
                            "network: client error (SendRequest): connection closed before \
                             message completed (elbv2 DescribeLoadBalancers)"
                        )
                    );
                }
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn listeners_are_read_spread_over_the_rounds_and_never_too_old() {
        let at = now();
        let ago = |secs: i64| Some(at - time::Duration::seconds(secs));
        let every = Duration::from_secs(30);
        let round = Duration::from_secs(15);
        // Twelve sites read 1 to 12 s ago: half of them a round (15 of 30 s), the oldest first.
        let names: Vec<String> = (1..=12).map(|i| format!("s{i:02}")).collect();
        let sites: Vec<ListenerSite<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), false, ago(i as i64 + 1), 2))
            .collect();
        let mut credit = 0.0;
        let due = listeners_due(&sites, at, every, round, usize::MAX, &mut credit);
        let expected: BTreeSet<String> = names[6..].iter().cloned().collect();
        assert_eq!(due, expected);
        // One site alone: every other round.
        let one = [("one", false, ago(1), 2)];
        let mut credit = 0.0;
        let reads: Vec<usize> = (0..4)
            .map(|_| listeners_due(&one, at, every, round, usize::MAX, &mut credit).len())
            .collect();
        assert_eq!(reads, [0, 1, 0, 1]);
        // Detail, not known or failed (None), or older than every - round: read whatever the
        // share.
        let sites = [
            ("detail", true, ago(1), 2),
            ("unknown", false, None, 2),
            ("old", false, ago(16), 2),
            ("fresh", false, ago(2), 2),
        ];
        let due = listeners_due(&sites, at, every, round, usize::MAX, &mut 0.0);
        assert_eq!(
            due,
            ["detail", "old", "unknown"]
                .into_iter()
                .map(String::from)
                .collect()
        );
    }

    #[test]
    fn listener_reads_stay_within_elbv2s_budget_per_round_oldest_first() {
        let at = now();
        let every = Duration::from_secs(30);
        let round = Duration::from_secs(15);
        // 200 sites all past due (read 20 to 219 s ago), a load balancer and a target group each:
        // 400 ELBv2 calls. The cap (8 a second x 15 s x 0.75 = 90 calls) lets 45 of them be read,
        // the oldest, instead of all 200 at once.
        let names: Vec<String> = (0..200).map(|i| format!("site{i:03}")).collect();
        let sites: Vec<ListenerSite<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let ago = at - time::Duration::seconds(20 + i as i64);
                (n.as_str(), false, Some(ago), 2)
            })
            .collect();
        let cap = (8.0 * 15.0 * LISTENERS_SHARE_OF_ELBV2) as usize;
        assert_eq!(cap, 90);
        let mut credit = 0.0;
        let due = listeners_due(&sites, at, every, round, cap, &mut credit);
        let oldest: BTreeSet<String> = names[155..].iter().cloned().collect();
        assert_eq!(due, oldest);
        // A round after (the 45 read now): the next 45 oldest, never more.
        let later: Vec<ListenerSite<'_>> = sites
            .iter()
            .map(|(n, d, t, c)| {
                let t = if due.contains(*n) { Some(at) } else { *t };
                (*n, *d, t, *c)
            })
            .collect();
        let next = listeners_due(&later, at, every, round, cap, &mut credit);
        assert_eq!(next, names[110..155].iter().cloned().collect());
        // The detail and a site not known yet are read whatever the cap; they take their
        // calls from it first.
        let mut with_detail = sites.clone();
        with_detail[0].1 = true;
        with_detail[1].2 = None;
        let due = listeners_due(&with_detail, at, every, round, cap, &mut 0.0);
        assert!(due.contains("site000") && due.contains("site001"));
        assert_eq!(due.len(), 45, "{due:?}");
        // A cap below one site's cost still reads the detail, and nothing else.
        let due = listeners_due(&with_detail, at, every, round, 1, &mut 0.0);
        assert_eq!(
            due,
            ["site000", "site001"]
                .into_iter()
                .map(String::from)
                .collect()
        );
    }

    /// One of shop-app's two targets answers 503 from now on, and the emulator's clock runs on
    /// until its health checks, and a minute of CloudWatch's counts, have seen it.
    fn fail_a_shop_target(sim: &switchyard_sim::SimHandle) {
        use switchyard_sim::Control;
        use switchyard_sim::world::ec2::Behaviour;
        sim.control(Control::SetBehaviour {
            target: "i-0a1b2c3d4e5f60001".into(),
            behaviour: Behaviour::Http(503),
        })
        .unwrap();
        sim.control(Control::AdvanceClock { seconds: 150.0 })
            .unwrap();
    }

    /// The calls one refresh of every site at `depth` makes, by the emulator's counter.
    async fn calls_of_a_refresh(
        sim: &switchyard_sim::SimHandle,
        session: &mut crate::poll::session::Session,
        depth: Depth,
    ) -> switchyard_sim::CallCounts {
        sim.control(switchyard_sim::Control::ResetCalls).unwrap();
        session.refresh(&|_| depth).await;
        sim.calls()
    }

    /// The alb-cloudfront scenario (its text edited by `edit`), paused, and a session on its
    /// config without the probe.
    async fn shop_session(
        edit: impl Fn(&str) -> String,
    ) -> (switchyard_sim::SimHandle, crate::poll::session::Session) {
        use crate::poll::session::{Overrides, Session};
        use switchyard_sim::{Scenario, SimOptions};
        let text = edit(include_str!("../../assets/scenarios/alb-cloudfront.toml"));
        let mut opts = SimOptions::new(Scenario::parse(&text).unwrap());
        opts.paused = true;
        let sim = switchyard_sim::start(opts).await.unwrap();
        let text = include_str!("../../assets/configs/alb-cloudfront.toml");
        let text = text.split("[site.probe]").next().unwrap_or(text);
        let mut config = crate::config::parse(text, Path::new("alb-cloudfront.toml")).unwrap();
        config.defaults.dns_server = Some(sim.dns_server());
        let overrides = Overrides {
            endpoint_url: Some(sim.endpoint()),
            static_credentials: Some(("switchyard-sim".into(), "switchyard-sim".into())),
            ..Overrides::default()
        };
        let session = Session::start(config, &[], &overrides).await.unwrap();
        (sim, session)
    }

    /// The targets' health in bulk: the product's own CloudWatch client (RPCv2-CBOR) reads a
    /// target group's HealthyHostCount / UnHealthyHostCount from the emulator with
    /// `host_count_queries`, and the counts follow a target that fails its health checks, a
    /// minute late (the datapoint of a minute is published when the minute ends).
    #[tokio::test]
    async fn a_target_groups_host_counts_are_read_from_cloudwatch_and_follow_its_targets() {
        use switchyard_sim::Control;
        let (sim, session) = shop_session(str::to_string).await;
        let (tg, lb) = sim.with_world(|w| {
            let tg = w.elb.tgs.iter().find(|t| t.name == "shop-app").unwrap();
            (tg.arn.clone(), w.elb.lbs_of_tg(&tg.arn)[0].clone())
        });
        let queries = cloudwatch::host_count_queries(&tg, &lb).unwrap();
        assert_eq!(queries[0].namespace, "AWS/ApplicationELB");
        let client = &session.groups[0].fetcher.clients.cloudwatch;
        let newest = async || {
            let ms = sim.with_world(|w| w.now);
            let to = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
            let series =
                cloudwatch::metric_series(client, &queries, to - time::Duration::minutes(10), to)
                    .await
                    .unwrap();
            series
                .iter()
                .map(|s| s.points.last().map(|p| p.1))
                .collect::<Vec<_>>()
        };
        sim.control(Control::AdvanceClock { seconds: 61.0 })
            .unwrap();
        assert_eq!(
            newest().await,
            [Some(2.0), Some(0.0)],
            "both targets healthy"
        );
        fail_a_shop_target(&sim);
        assert_eq!(newest().await, [Some(1.0), Some(1.0)], "one unhealthy");
        sim.shutdown().await;
    }

    /// An alias target's addresses are kept as a resolver keeps them: the overview's next
    /// round keeps the last read with its own age; the detail reads them again, and so does
    /// the overview once they have stood `addresses_every`.
    #[tokio::test]
    async fn alias_addresses_stand_for_their_ttl_outside_the_detail() {
        let (sim, mut session) = shop_session(str::to_string).await;
        let read_at = |session: &crate::poll::session::Session| {
            let o = &session.observations[0];
            assert!(
                !o.alias_addresses.is_empty(),
                "the site's records have alias targets"
            );
            o.alias_addresses
                .iter()
                .map(|(name, f)| {
                    assert!(f.error.is_none(), "{name}: {:?}", f.error);
                    assert!(
                        f.value.as_ref().is_some_and(|v| !v.is_empty()),
                        "{name} resolved to addresses"
                    );
                    (name.clone(), f.fetched_at.unwrap())
                })
                .collect::<Vec<_>>()
        };
        session.refresh(&|_| Depth::Overview).await;
        let first = read_at(&session);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        session.refresh(&|_| Depth::Overview).await;
        assert_eq!(
            read_at(&session),
            first,
            "kept by the next round, with their age"
        );
        session.refresh(&|_| Depth::Detail).await;
        let detail = read_at(&session);
        assert!(
            detail.iter().zip(&first).all(|(d, f)| d.1 > f.1),
            "the detail reads them again: {detail:?} after {first:?}"
        );
        session.groups[0].fetcher.addresses_every = std::time::Duration::ZERO;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        session.refresh(&|_| Depth::Overview).await;
        let again = read_at(&session);
        assert!(
            again.iter().zip(&detail).all(|(a, d)| a.1 > d.1),
            "read again once they have stood their time: {again:?} after {detail:?}"
        );
        sim.shutdown().await;
    }

    /// A target that is not healthy makes its group's minimums matter (does the ALB fail
    /// open?): they are read in the same round, in the overview too.
    #[tokio::test]
    async fn a_group_with_a_failing_target_has_its_minimums_read_in_the_overview() {
        use switchyard_sim::Control;
        let (sim, mut session) = shop_session(str::to_string).await;
        sim.control(Control::StopInstance {
            instance: "i-0a1b2c3d4e5f60001".into(),
        })
        .unwrap();
        sim.control(Control::AdvanceClock { seconds: 120.0 })
            .unwrap();
        let calls = calls_of_a_refresh(&sim, &mut session, Depth::Overview).await;
        let o = &session.observations[0];
        assert!(
            o.target_health.values().any(|f| f
                .value
                .iter()
                .flatten()
                .any(|t| t.state != crate::model::elb::TargetState::Healthy)),
            "a stopped instance's target is not healthy: {:?}",
            o.target_health
        );
        assert_eq!(
            calls.get("elbv2", "DescribeTargetGroupAttributes"),
            1,
            "the group with the failing target, and only it: {calls:?}"
        );
        sim.shutdown().await;
    }

    /// A record that aliases a load balancer with Evaluate Target Health rests on its targets'
    /// health; outside the detail that comes from the CloudWatch counts like every group's
    /// (Route 53's own answer, read by DNS, says what it decided): while they show every target
    /// healthy no DescribeTargetHealth is made, the site stays LIVE and complete however old the
    /// last one; once they show a target unhealthy the group is read fresh, in the overview.
    #[tokio::test]
    async fn targets_route53_evaluates_go_by_their_counts_and_are_read_fresh_when_one_fails_or_the_counts_do()
     {
        use switchyard_sim::Control;
        let (sim, mut session) = shop_session(|text| {
            let edited = text.replace(
                "alias = { load_balancer = \"shop-alb\", evaluate_target_health = false }",
                "alias = { load_balancer = \"shop-alb\", evaluate_target_health = true }",
            );
            assert!(edited.contains("evaluate_target_health = true"));
            edited
        })
        .await;
        sim.control(Control::AdvanceClock { seconds: 61.0 })
            .unwrap();
        let calls = calls_of_a_refresh(&sim, &mut session, Depth::Overview).await;
        assert!(
            calls.get("elbv2", "DescribeTargetGroupAttributes") >= 1,
            "the minimums of what Route 53 evaluates: {calls:?}"
        );
        assert!(
            calls.get("elbv2", "DescribeTargetHealth") >= 1,
            "the groups seen for the first time: {calls:?}"
        );
        let calls = calls_of_a_refresh(&sim, &mut session, Depth::Overview).await;
        assert_eq!(calls.get("elbv2", "DescribeListeners"), 0, "{calls:?}");
        assert_eq!(
            calls.get("elbv2", "DescribeTargetHealth"),
            0,
            "the counts show every target healthy: {calls:?}"
        );
        let o = &session.observations[0];
        let app = o
            .target_groups
            .get()
            .into_iter()
            .flatten()
            .find(|t| t.name == "shop-app")
            .map(|t| t.arn.clone())
            .unwrap();
        let counts = o.host_counts.get(&app).and_then(|f| f.get()).cloned();
        assert_eq!(
            counts.as_ref().map(|c| (c.healthy, c.unhealthy)),
            Some((2, 0))
        );
        // Judged an hour on, the per-target read is old; the counts read now stand in for it.
        let mut later = o.clone();
        let hour = time::Duration::hours(1);
        for f in later.target_health.values_mut() {
            f.fetched_at = f.fetched_at.map(|t| t - hour);
        }
        let now = OffsetDateTime::now_utc();
        let stale_after = session.config.defaults.stale_after;
        let c = crate::model::completeness::completeness(&later, now, stale_after);
        assert!(c.complete, "{c:?}");
        later.host_counts.clear();
        let c = crate::model::completeness::completeness(&later, now, stale_after);
        assert!(
            c.unread
                .iter()
                .any(|u| u.starts_with("targets of shop-app")),
            "without the counts the old read is stale: {c:?}"
        );
        // A counts read that fails says nothing of the targets: they are read one by one.
        sim.control(Control::Fault(switchyard_sim::FaultSpec {
            service: Some("cloudwatch".into()),
            operation: Some("GetMetricData".into()),
            kind: switchyard_sim::FaultKind::Error {
                code: "AccessDenied".into(),
                message: None,
                status: Some(403),
            },
            times: None,
            body_contains: None,
        }))
        .unwrap();
        let calls = calls_of_a_refresh(&sim, &mut session, Depth::Overview).await;
        assert!(
            calls.get("elbv2", "DescribeTargetHealth") >= 1,
            "the counts could not be read: read fresh: {calls:?}"
        );
        let o = &session.observations[0];
        assert!(
            o.host_counts.get(&app).is_some_and(|f| f.is_failing()),
            "{:?}",
            o.host_counts.get(&app)
        );
        let fresh = o.target_health[&app].fetched_at;
        assert!(
            fresh.is_some_and(|t| OffsetDateTime::now_utc() - t < time::Duration::seconds(30)),
            "the per-target read is this round's: {fresh:?}"
        );
        sim.control(Control::ClearFaults {
            service: None,
            operation: None,
        })
        .unwrap();
        fail_a_shop_target(&sim);
        let calls = calls_of_a_refresh(&sim, &mut session, Depth::Overview).await;
        assert!(
            calls.get("elbv2", "DescribeTargetHealth") >= 1,
            "the counts show a target unhealthy: read fresh: {calls:?}"
        );
        let o = &session.observations[0];
        let counts = o.host_counts.get(&app).and_then(|f| f.get()).cloned();
        assert_eq!(counts.map(|c| (c.healthy, c.unhealthy)), Some((1, 1)));
        let unhealthy: Vec<_> = o.target_health[&app]
            .get()
            .into_iter()
            .flatten()
            .filter(|t| t.state != crate::model::elb::TargetState::Healthy)
            .map(|t| t.id.clone())
            .collect();
        assert_eq!(
            unhealthy,
            ["i-0a1b2c3d4e5f60001"],
            "the fresh, per-target read"
        );
        sim.shutdown().await;
    }

    #[test]
    fn listeners_may_be_as_old_as_the_cap_takes_to_get_round_every_site() {
        let s = Duration::from_secs;
        // Few sites: five rounds.
        assert_eq!(listeners_max_age(s(5), s(30), 10, 30), s(35));
        assert_eq!(listeners_max_age(s(10), s(10), 1, 30), s(50));
        // 200 sites at one call each, 30 calls a round: 7 rounds after the cadence.
        assert_eq!(listeners_max_age(s(5), s(30), 200, 30), s(65));
    }

    /// Outside the detail, listeners and rules, and the targets' health with them, are read at
    /// their own cadence: a round soon after another keeps them with the age of their last read
    /// (the verdict stays LIVE and says how old the data is); the site in detail reads them
    /// again.
    #[tokio::test]
    async fn listeners_read_less_often_keep_their_age_and_the_detail_reads_them() {
        use crate::poll::session::Session;
        use switchyard_sim::Control;
        let (sim, mut session) = shop_session(str::to_string).await;
        let stale_after = session.config.defaults.stale_after;
        let listeners_of = |session: &Session| {
            let o = &session.observations[0];
            let at = o.listeners.values().filter_map(|f| f.fetched_at).min();
            let rules = o.rules.values().filter_map(|f| f.fetched_at).min();
            (at, rules, o.listeners.len())
        };
        let health_of = |session: &Session| {
            let o = &session.observations[0];
            let at = o.target_health.values().filter_map(|f| f.fetched_at).min();
            let known = o
                .target_health
                .values()
                .filter(|f| f.value.is_some())
                .count();
            (at, known)
        };
        sim.control(Control::ResetCalls).unwrap();
        session.refresh(&|_| Depth::Overview).await;
        let (first, _, n) = listeners_of(&session);
        assert_eq!(n, 1, "the shop's load balancer");
        let calls = sim.calls();
        assert_eq!(
            calls.get("elbv2", "DescribeTargetGroupAttributes"),
            0,
            "no record evaluates the targets: their minimums decide nothing outside the detail"
        );
        let (health_first, groups) = health_of(&session);
        assert!(groups >= 1, "the app's targets are read at once");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let calls = calls_of_a_refresh(&sim, &mut session, Depth::Overview).await;
        assert_eq!(calls.get("elbv2", "DescribeListeners"), 0, "{calls:?}");
        assert_eq!(calls.get("elbv2", "DescribeTargetHealth"), 0, "{calls:?}");
        let (second, _, _) = listeners_of(&session);
        assert_eq!(second, first, "the listeners keep the time they were read");
        assert_eq!(
            health_of(&session),
            (health_first, groups),
            "the targets' health is kept, with the time it was read"
        );
        let now = OffsetDateTime::now_utc();
        let v = crate::model::verdict::verdict(&session.observations[0], now, stale_after);
        assert_eq!(v.kind, crate::model::verdict::VerdictKind::Live, "{v:?}");
        assert!(
            v.data_age.is_some_and(|age| age >= Duration::from_secs(1)),
            "the data is as old as the listeners: {v:?}"
        );
        // In detail (the focused site, `status --site`, around a switch) they are read again,
        // with the rules.
        let calls = calls_of_a_refresh(&sim, &mut session, Depth::Detail).await;
        assert_eq!(calls.get("elbv2", "DescribeListeners"), 1, "{calls:?}");
        assert!(calls.get("elbv2", "DescribeRules") >= 1, "{calls:?}");
        assert!(calls.get("elbv2", "DescribeTargetHealth") >= 1, "{calls:?}");
        assert!(
            calls.get("elbv2", "DescribeTargetGroupAttributes") >= 1,
            "{calls:?}"
        );
        assert!(health_of(&session).0 > health_first, "read again in detail");
        let (third, rules, _) = listeners_of(&session);
        assert!(
            third > first && rules >= third,
            "{first:?} {third:?} {rules:?}"
        );
        sim.shutdown().await;
    }

    /// An alarm's history is read for the detail only: never on an overview round, once on the
    /// first detail round, not again while the alarm keeps its state, and again once it changed.
    #[tokio::test]
    async fn alarm_history_is_read_for_the_detail_and_again_only_after_a_state_change() {
        use switchyard_sim::Control;
        let (sim, mut session) = shop_session(|text| text.to_string()).await;
        let reads = || sim.calls().get("cloudwatch", "DescribeAlarmHistory");
        sim.control(Control::ResetCalls).unwrap();
        session.refresh(&|_| Depth::Overview).await;
        session.refresh(&|_| Depth::Overview).await;
        assert_eq!(reads(), 0, "the overview reads no alarm history");
        session.refresh(&|_| Depth::Detail).await;
        let first = reads();
        let alarms = &session.observations[0].alarms;
        assert!(first >= 1 && first as usize <= alarms.len(), "{first}");
        let alarm = alarms
            .iter()
            .find(|a| a.alarm_ref.name == "shop-app-1-StatusCheckFailed")
            .unwrap_or_else(|| panic!("{alarms:#?}"));
        assert!(alarm.history.get().is_some(), "{alarm:#?}");
        session.refresh(&|_| Depth::Detail).await;
        assert_eq!(reads(), first, "no alarm changed state: not read again");

        sim.control(Control::AdvanceClock { seconds: 30.0 })
            .unwrap();
        let cw = session.clients()[0].cloudwatch.clone();
        cw.set_alarm_state()
            .alarm_name("shop-app-1-StatusCheckFailed")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
            .state_reason("set by the test")
            .send()
            .await
            .unwrap();
        session.refresh(&|_| Depth::Detail).await;
        assert_eq!(reads(), first + 1, "the changed alarm's history, once");
        let alarm = session.observations[0]
            .alarms
            .iter()
            .find(|a| a.alarm_ref.name == "shop-app-1-StatusCheckFailed")
            .unwrap();
        let newest = alarm.history.get().and_then(|h| h.first()).cloned();
        assert_eq!(
            newest.map(|c| (c.to, c.reason)),
            Some((
                Some(crate::model::cloudwatch::AlarmState::Alarm),
                "set by the test".to_string()
            )),
            "{alarm:#?}"
        );
        sim.shutdown().await;
    }

    /// The probes have their own budget: however many are due, at most [`PROBES_AT_ONCE`] are
    /// in flight at once. A local server counts the requests it holds open (each one is held
    /// until more than the budget are open, or for a while), and answers them all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_probes_at_once_probes_are_in_flight() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (over_tx, over_rx) = tokio::sync::watch::channel(false);
        let server = {
            let (in_flight, most) = (in_flight.clone(), most.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((mut sock, _)) = listener.accept().await else {
                        return;
                    };
                    let (in_flight, most) = (in_flight.clone(), most.clone());
                    let (over_tx, mut over_rx) = (over_tx.clone(), over_rx.clone());
                    tokio::spawn(async move {
                        let mut request = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                            match sock.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => request.extend_from_slice(&buf[..n]),
                            }
                        }
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        if now > PROBES_AT_ONCE {
                            let _ = over_tx.send(true);
                        }
                        // Held open so that, were there no budget, every probe would be open at
                        // once; released early once the budget is known to be broken.
                        let _ = tokio::time::timeout(
                            Duration::from_millis(1500),
                            over_rx.wait_for(|over| *over),
                        )
                        .await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        let _ = sock
                            .write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nthe app ok\n",
                            )
                            .await;
                        let _ = sock.shutdown().await;
                    });
                }
            })
        };
        let sdk = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let clients = crate::aws::client::clients(&crate::aws::client::Target::default(), &sdk);
        let mut fetcher = Fetcher::new(clients, Resolver::System);
        // No proxy from the environment: the probes go straight to the local server.
        fetcher.prober = crate::aws::probe::Prober::from_vars(Resolver::System, |_| None);
        let spec = crate::model::probe::ProbeSpec {
            url: format!("http://127.0.0.1:{port}/"),
            sorry_contains: "maintenance".into(),
            app_contains: Some("the app".into()),
            timeout: Duration::from_secs(20),
            every: crate::model::probe::ProbeSpec::DEFAULT_EVERY,
        };
        let due: Vec<Option<crate::model::probe::ProbeSpec>> = (0..2 * PROBES_AT_ONCE + 1)
            .map(|_| Some(spec.clone()))
            .collect();
        let seen = fetcher.probes(&due).await;
        server.abort();
        assert_eq!(seen.len(), due.len());
        for s in &seen {
            assert!(
                matches!(s, Some(Ok(_))),
                "every probe got its answer: {s:?}"
            );
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            PROBES_AT_ONCE,
            "at most PROBES_AT_ONCE probes in flight, and the budget used"
        );
    }
}
