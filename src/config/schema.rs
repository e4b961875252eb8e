//! The runtime types of a loaded config: what the rest of switchyard reads.
//!
//! Everything here has been validated: IDs and ARNs have the right shape, names are normalized,
//! defaults are merged into each site, and file contents (`body_file`) have been read.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::ids::Cidr;

/// How often sites are polled when nothing else is asked for.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// How often the site the operator is looking at is polled.
pub const DEFAULT_FOCUS_INTERVAL: Duration = Duration::from_secs(5);
/// Data older than this makes a verdict UNKNOWN.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(60);
/// How long one AWS call may take, its retries included.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The shortest and longest `call_timeout` accepted: three attempts must each have time to
/// connect (at least a second), and a hung call must not freeze a panel for long.
pub const CALL_TIMEOUT_RANGE: (Duration, Duration) =
    (Duration::from_secs(3), Duration::from_secs(300));

/// The sample maintenance page, used as the fixed-response body when none is configured.
pub const SAMPLE_MAINTENANCE_PAGE: &str = include_str!("../../assets/maintenance.html");

/// The largest ALB fixed-response body, in characters (an AWS limit).
pub const FIXED_RESPONSE_BODY_MAX: usize = 1024;

// The sample page must fit into a fixed response (bytes >= characters, so this is enough).
const _: () = assert!(SAMPLE_MAINTENANCE_PAGE.len() <= FIXED_RESPONSE_BODY_MAX);

/// A loaded, validated config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The `[defaults]` table, with defaults filled in.
    pub defaults: Defaults,
    /// The sites, in file order, with the defaults merged in. Never empty.
    pub sites: Vec<Site>,
}

impl Site {
    /// Which records at its name the site covers, as its journal says.
    pub fn scope(&self) -> crate::model::journal::Scope {
        if self.every_type {
            crate::model::journal::Scope::Every
        } else {
            crate::model::journal::Scope::Only(self.record_type.as_str().to_string())
        }
    }

    /// The name of the site's journal record.
    pub fn journal_record(&self) -> String {
        crate::model::journal::scoped_record_name(&self.record, &self.scope())
    }
}

impl Config {
    /// The site with exactly this name.
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }
}

/// Settings shared by every site (`[defaults]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// Default AWS profile, region and role (each site may override them).
    pub aws: AwsTarget,
    /// Hide every action for every site.
    pub read_only: bool,
    /// The resolver used to resolve alias targets; `None`: the system resolver.
    pub dns_server: Option<SocketAddr>,
    /// Where actions are recorded (JSON lines). Default `$XDG_STATE_HOME/switchyard/audit.jsonl`.
    pub audit_log: PathBuf,
    /// Where observed events are recorded (JSON lines). Default
    /// `$XDG_STATE_HOME/switchyard/events.jsonl`.
    pub event_log: PathBuf,
    /// How often every site is polled (default 15 s).
    pub poll_interval: Duration,
    /// How often the focused site is polled (default 5 s).
    pub focus_interval: Duration,
    /// Data older than this makes a verdict UNKNOWN (default 60 s).
    pub stale_after: Duration,
    /// How long one AWS call may take, its retries included (default 30 s); each of its three
    /// attempts gets a third of it.
    pub call_timeout: Duration,
    /// Share one poller with this user's other consoles, `status --watch` and `wait` processes
    /// on this machine that watch the same sites as the same identity (default true).
    pub share_poller: bool,
}

/// Which AWS credentials and region to use. `None` fields fall back to the SDK's own chain
/// (environment, `~/.aws/config`, instance profile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsTarget {
    /// Named profile from `~/.aws/config`.
    pub profile: Option<String>,
    /// Region for regional services (ELB, CloudWatch).
    pub region: Option<String>,
    /// Role to assume with STS before any call.
    pub role_arn: Option<String>,
}

/// The type of the site's DNS record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RecordType {
    /// IPv4 address record (the default; also alias records to ELB and CloudFront).
    #[default]
    A,
    /// IPv6 address record.
    Aaaa,
    /// Canonical name record.
    Cname,
}

impl RecordType {
    /// `A`, `AAAA` or `CNAME`, as Route 53 writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
        }
    }
}

/// A CloudWatch alarm, by name and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AlarmRef {
    /// The alarm name.
    pub name: String,
    /// The alarm's region; `None`: the site's region.
    pub region: Option<String>,
}

/// How long an approval request waits, and an approval stays valid, unless `approval_ttl` says.
pub const DEFAULT_APPROVAL_TTL: Duration = Duration::from_secs(30 * 60);

/// One public name with everything behind it: a record, its checks, alarms, load balancers and
/// sorry-page distribution, and the strategies that put it into maintenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Unique name (compared ignoring case), 1 to 64 of `A-Z a-z 0-9 . _ -`.
    pub name: String,
    /// The hosted zone ID, such as `Z0123456789ABCDEFGHIJ`.
    pub zone_id: String,
    /// The record name, lower case, without a trailing dot.
    pub record: String,
    /// The record type: the configured `record_type`; A when the config names none.
    pub record_type: RecordType,
    /// The config names no `record_type`: the site covers every address type at its name (A
    /// and AAAA, or a CNAME), discovered from the records; `record_type` is then only a
    /// default for messages.
    pub every_type: bool,
    /// Production: actions need the site name typed to confirm.
    pub protected: bool,
    /// No actions for this site (true when `[defaults]` or the site says so).
    pub read_only: bool,
    /// The longest maintenance window (`max_window = "2h"`): `maintenance on --for` may ask
    /// for no more, and it is the window when `--for` is not given. `None`: windows have no
    /// end unless `--for` gives one.
    pub max_window: Option<Duration>,
    /// What a client gets: the URL the probe fetches and what the pages contain (`probe`).
    pub probe: Option<crate::model::probe::ProbeSpec>,
    /// Two-person approval (`approval = true`): a switch of the site (maintenance on from live,
    /// fail back from maintenance) runs only once a different caller identity approved its
    /// exact plan (`switchyard approve`), or with `--break-glass "reason"`, audited.
    pub approval: bool,
    /// How long a request waits for a decision, and how long an approval stays valid
    /// (`approval_ttl = "30m"`, the default).
    pub approval_ttl: Duration,
    /// Profile, region and role: the site's own, else `[defaults]`.
    pub aws: AwsTarget,
    /// Route 53 health check IDs named explicitly (discovery may add more).
    pub health_checks: Vec<String>,
    /// CloudWatch alarms named explicitly.
    pub alarms: Vec<AlarmRef>,
    /// Load balancer ARNs named explicitly.
    pub load_balancers: Vec<String>,
    /// Listener ARNs named explicitly.
    pub listeners: Vec<String>,
    /// Target group ARNs named explicitly.
    pub target_groups: Vec<String>,
    /// The CloudFront sorry-page distribution ID, if named.
    pub distribution: Option<String>,
    /// Maintenance strategies, run in this order (fail back runs them in reverse).
    pub maintenance: Vec<Strategy>,
    /// The line of the config file where this site's `[[site]]` table starts.
    pub line: usize,
}

/// One way of putting a site into maintenance (and back). The engine runs a site's strategies in
/// config order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// `route53-invert-health-check`: invert a health check so that Route 53 fails over.
    InvertHealthCheck {
        /// The health check ID; `None`: the primary failover record's health check.
        health_check: Option<String>,
    },
    /// `route53-swap-primary`: UPSERT the PRIMARY failover record to the secondary's alias target.
    SwapPrimary,
    /// `route53-set-record`: UPSERT the site's record to these values.
    SetRecord {
        /// IPv4 addresses (A), IPv6 addresses (AAAA) or one DNS name (CNAME).
        values: Vec<String>,
        /// The TTL; `None`: keep the record's current TTL.
        ttl: Option<u32>,
    },
    /// `elb-listener-sorry`: switch a listener's default action to the sorry page.
    ListenerSorry {
        /// The listener ARN.
        listener: String,
        /// What the listener answers with during maintenance.
        action: SorryAction,
    },
    /// `alb-maintenance-rule`: add listener rules at `priority` (operators, forwarded to the
    /// app) and `priority + 1` (everyone else, the maintenance response), or ahead of every rule
    /// of the listener.
    MaintenanceRule {
        /// The ALB listener ARN.
        listener: String,
        /// Where the rules go.
        priority: RulePriority,
        /// Who still reaches the app during maintenance.
        allow: OperatorAllow,
        /// What everyone else gets.
        action: SorryAction,
    },
    /// `silence-alarms`: disable these alarms' actions during maintenance.
    SilenceAlarms {
        /// The alarms.
        alarms: Vec<AlarmRef>,
    },
    /// `cloudfront-invalidate`: invalidate paths on the sorry-page distribution.
    Invalidate {
        /// The distribution ID: configured here or on the site, else the one discovered behind
        /// the record.
        distribution: Option<String>,

        /// Paths, each starting with `/`.
        paths: Vec<String>,
        /// Also invalidate on fail back (so browsers stop getting a cached sorry page).
        on_fail_back: bool,
    },
    /// `route53-weighted-sorry`: move the weight of a weighted record set to the member that
    /// serves the sorry page (the app's members to weight 0).
    WeightedSorry {
        /// The sorry member's set identifier; `None`: the member whose target is the sorry page.
        sorry_member: Option<String>,
        /// The sorry member's weight during maintenance; `None`: its own if above 0, else the
        /// highest weight of the app's members.
        weight: Option<u8>,
    },
}

/// The config names of the strategies, in documentation order.
pub const STRATEGY_NAMES: [&str; 8] = [
    "route53-invert-health-check",
    "route53-swap-primary",
    "route53-set-record",
    "elb-listener-sorry",
    "alb-maintenance-rule",
    "silence-alarms",
    "cloudfront-invalidate",
    "route53-weighted-sorry",
];

impl Strategy {
    /// The strategy's name as written in the config (`strategy = "..."`).
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::InvertHealthCheck { .. } => STRATEGY_NAMES[0],
            Strategy::SwapPrimary => STRATEGY_NAMES[1],
            Strategy::SetRecord { .. } => STRATEGY_NAMES[2],
            Strategy::ListenerSorry { .. } => STRATEGY_NAMES[3],
            Strategy::MaintenanceRule { .. } => STRATEGY_NAMES[4],
            Strategy::SilenceAlarms { .. } => STRATEGY_NAMES[5],
            Strategy::Invalidate { .. } => STRATEGY_NAMES[6],
            Strategy::WeightedSorry { .. } => STRATEGY_NAMES[7],
        }
    }

    /// Whether the strategy changes the site's records (and so must cover every record type at
    /// its name).
    pub fn changes_records(&self) -> bool {
        matches!(
            self,
            Strategy::SwapPrimary | Strategy::SetRecord { .. } | Strategy::WeightedSorry { .. }
        )
    }
}

/// Where `alb-maintenance-rule` puts its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulePriority {
    /// Ahead of every rule of the listener (`priority = "first"`, and when `priority` is not
    /// given): at priorities 1 (operators) and 2 (everyone else). When rules hold them, those
    /// rules are moved down (one SetRulePriorities call, their order kept) and moved back on
    /// fail back.
    First,
    /// At this priority (operators) and the next (everyone else): rules with a lower number
    /// still come first.
    At(u32),
}

impl RulePriority {
    /// `"first"` or the number, as the config writes it.
    pub fn as_config(self) -> String {
        match self {
            RulePriority::First => "\"first\"".to_string(),
            RulePriority::At(p) => p.to_string(),
        }
    }
}

/// What a load balancer answers with during maintenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SorryAction {
    /// Forward to this sorry target group (ARN).
    TargetGroup(String),
    /// An ALB fixed response.
    FixedResponse {
        /// HTTP status: 2xx, 4xx or 5xx (default 503).
        status: u16,
        /// Content type (default `text/html`).
        content_type: String,
        /// The body, at most 1024 characters.
        body: String,
    },
}

impl SorryAction {
    /// The listener action that answers with it, as the switch engine writes it.
    pub fn listener_action(&self) -> crate::model::elb::ListenerAction {
        use crate::model::elb::ListenerAction;
        match self {
            SorryAction::TargetGroup(arn) => ListenerAction::forward_to(arn.clone()),
            SorryAction::FixedResponse {
                status,
                content_type,
                body,
            } => ListenerAction::fixed(
                status.to_string(),
                Some(content_type.clone()),
                Some(body.clone()),
            ),
        }
    }
}

/// Who still reaches the app while an `alb-maintenance-rule` is in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorAllow {
    /// Nobody: everyone gets the maintenance response.
    Nobody,
    /// Clients whose source address is in one of these CIDRs (at most 5).
    SourceIp(Vec<Cidr>),
    /// Clients whose `X-Forwarded-For` header holds one of these addresses (at most 5); for an
    /// ALB behind CloudFront, where the source address is CloudFront's.
    ForwardedFor(Vec<IpAddr>),
}
