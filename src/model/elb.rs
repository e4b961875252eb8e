//! Elastic Load Balancing v2: load balancers, listeners and their actions, rules, target groups
//! and target health.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::route53::same_dns_name;
use super::serde_util::secs;
use super::strings::aws_string_enum;

aws_string_enum! {
    /// The type of a load balancer.
    LoadBalancerKind {
        /// An Application Load Balancer (HTTP/HTTPS, fixed-response actions).
        Application => "application",
        /// A Network Load Balancer (TCP/UDP/TLS, forward actions only).
        Network => "network",
    }
}

/// A load balancer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancer {
    /// The ARN.
    pub arn: String,
    /// The name.
    pub name: String,
    /// Application, network, or something else (gateway).
    pub kind: LoadBalancerKind,
    /// The DNS name, e.g. `app-alb-1.eu-west-1.elb.amazonaws.com`.
    pub dns_name: String,
    /// The hosted zone ID alias records to it use.
    pub canonical_zone_id: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// `active`, `provisioning`, `active_impaired` or `failed`.
    pub state: String,
}

impl LoadBalancer {
    /// Whether `dns_name` (an alias target, say, maybe with `dualstack.`) names this load balancer.
    pub fn has_dns_name(&self, dns_name: &str) -> bool {
        same_dns_name(&self.dns_name, dns_name)
    }

    /// `ALB`, `NLB` or `load balancer`, for sentences.
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            LoadBalancerKind::Application => "ALB",
            LoadBalancerKind::Network => "NLB",
            LoadBalancerKind::Other(_) => "load balancer",
        }
    }
}

aws_string_enum! {
    /// The type of a listener or rule action.
    ActionKind {
        /// Forward to one or more target groups.
        Forward => "forward",
        /// Answer with a fixed response (ALB only).
        FixedResponse => "fixed-response",
        /// Redirect (ALB only).
        Redirect => "redirect",
        /// Authenticate with an OIDC provider first.
        AuthenticateOidc => "authenticate-oidc",
        /// Authenticate with Amazon Cognito first.
        AuthenticateCognito => "authenticate-cognito",
    }
}

/// One target group of a forward action and its weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedTargetGroup {
    /// The target group ARN.
    pub target_group_arn: String,
    /// The weight (0–999), if given.
    pub weight: Option<i32>,
}

/// Target group stickiness of a forward action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stickiness {
    /// Whether stickiness is on.
    pub enabled: bool,
    /// How long a client sticks, in seconds.
    pub duration_seconds: Option<i32>,
}

/// The forward configuration of a forward action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardConfig {
    /// The target groups and weights.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Target group stickiness, if configured.
    pub stickiness: Option<Stickiness>,
}

/// The configuration of a fixed-response action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedResponse {
    /// The HTTP status code as AWS keeps it, e.g. `"503"`.
    pub status_code: String,
    /// `text/plain`, `text/css`, `text/html`, `application/javascript` or `application/json`.
    pub content_type: Option<String>,
    /// The body, at most 1024 characters.
    pub message_body: Option<String>,
}

/// The configuration of a redirect action (values may use `#{host}`-style placeholders).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    /// `HTTP`, `HTTPS` or `#{protocol}`.
    pub protocol: Option<String>,
    /// The port or `#{port}`.
    pub port: Option<String>,
    /// The host or `#{host}`.
    pub host: Option<String>,
    /// The path or `/#{path}`.
    pub path: Option<String>,
    /// The query or `#{query}`.
    pub query: Option<String>,
    /// `HTTP_301` or `HTTP_302`.
    pub status_code: String,
}

/// A listener or rule action, kept field for field so that it round-trips exactly: the switch
/// engine saves a listener's original actions as JSON and restores them with ModifyListener.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerAction {
    /// The action type.
    pub kind: ActionKind,
    /// The order among the listener's actions (lowest first), if given.
    pub order: Option<i32>,
    /// The single target group of a simple forward action.
    pub target_group_arn: Option<String>,
    /// The forward configuration (AWS returns it also for a simple forward).
    pub forward: Option<ForwardConfig>,
    /// The fixed-response configuration.
    pub fixed_response: Option<FixedResponse>,
    /// The redirect configuration.
    pub redirect: Option<Redirect>,
}

impl ListenerAction {
    /// A simple forward to one target group.
    pub fn forward_to(target_group_arn: impl Into<String>) -> ListenerAction {
        ListenerAction {
            kind: ActionKind::Forward,
            order: None,
            target_group_arn: Some(target_group_arn.into()),
            forward: None,
            fixed_response: None,
            redirect: None,
        }
    }

    /// A fixed response.
    pub fn fixed(
        status_code: impl Into<String>,
        content_type: Option<String>,
        message_body: Option<String>,
    ) -> ListenerAction {
        ListenerAction {
            kind: ActionKind::FixedResponse,
            order: None,
            target_group_arn: None,
            forward: None,
            fixed_response: Some(FixedResponse {
                status_code: status_code.into(),
                content_type,
                message_body,
            }),
            redirect: None,
        }
    }

    /// Whether switchyard can save and later restore this action faithfully: forward,
    /// fixed-response and redirect actions with their configuration. Authenticate actions (and
    /// anything unknown) carry secrets or settings the model does not keep: the switch engine
    /// refuses to touch listeners that use them.
    pub fn restorable(&self) -> bool {
        match self.kind {
            ActionKind::Forward => !self.target_group_arns().is_empty(),
            ActionKind::FixedResponse => self.fixed_response.is_some(),
            ActionKind::Redirect => self.redirect.is_some(),
            ActionKind::AuthenticateOidc
            | ActionKind::AuthenticateCognito
            | ActionKind::Other(_) => false,
        }
    }

    /// Whether the action ends the request (forward, fixed-response, redirect).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.kind,
            ActionKind::Forward | ActionKind::FixedResponse | ActionKind::Redirect
        )
    }

    /// The target groups a forward action sends traffic to (weight 0 excluded), without
    /// duplicates.
    pub fn target_group_arns(&self) -> Vec<&str> {
        let mut arns: Vec<&str> = Vec::new();
        if self.kind != ActionKind::Forward {
            return arns;
        }
        let from_config = self.forward.iter().flat_map(|f| {
            f.target_groups
                .iter()
                .filter(|t| t.weight != Some(0))
                .map(|t| t.target_group_arn.as_str())
        });
        for arn in self
            .target_group_arn
            .as_deref()
            .into_iter()
            .chain(from_config)
        {
            if !arns.contains(&arn) {
                arns.push(arn);
            }
        }
        arns
    }

    /// The HTTP status code of a fixed response as a number.
    pub fn fixed_status(&self) -> Option<u16> {
        self.fixed_response
            .as_ref()
            .and_then(|f| f.status_code.trim().parse().ok())
    }

    /// One line: `forward to app-tg`, `fixed-response 503 (text/html)`,
    /// `redirect HTTP_301 to HTTPS:443`.
    pub fn describe(&self) -> String {
        match self.kind {
            ActionKind::Forward => {
                let names: Vec<String> = self
                    .target_group_arns()
                    .into_iter()
                    .map(target_group_name)
                    .collect();
                format!("forward to {}", names.join(", "))
            }
            ActionKind::FixedResponse => match &self.fixed_response {
                Some(f) => match &f.content_type {
                    Some(ct) => format!("fixed-response {} ({ct})", f.status_code),
                    None => format!("fixed-response {}", f.status_code),
                },
                None => "fixed-response".to_string(),
            },
            ActionKind::Redirect => match &self.redirect {
                // To another host: where to.
                Some(r) if r.host.as_deref().is_some_and(|h| h != "#{host}") => format!(
                    "redirect {} to {}{}",
                    r.status_code,
                    r.host.as_deref().unwrap_or_default(),
                    r.path
                        .as_deref()
                        .filter(|p| *p != "/#{path}")
                        .unwrap_or_default()
                ),
                Some(r) => format!(
                    "redirect {} to {}:{}",
                    r.status_code,
                    r.protocol.as_deref().unwrap_or("#{protocol}"),
                    r.port.as_deref().unwrap_or("#{port}")
                ),
                None => "redirect".to_string(),
            },
            _ => self.kind.as_str().to_string(),
        }
    }
}

/// The action that decides what happens to a request: the terminal action with the lowest order
/// (authenticate actions come before it).
pub fn deciding_action(actions: &[ListenerAction]) -> Option<&ListenerAction> {
    actions
        .iter()
        .filter(|a| a.is_terminal())
        .min_by_key(|a| a.order.unwrap_or(i32::MAX))
}

/// A target group's name from its ARN (`...:targetgroup/app-tg/0123abcd` gives `app-tg`), or the
/// ARN itself.
pub fn target_group_name(arn: &str) -> String {
    arn.split_once(":targetgroup/")
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or(arn)
        .to_string()
}

/// A listener.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// The listener ARN.
    pub arn: String,
    /// The load balancer's ARN.
    pub lb_arn: String,
    /// The port.
    pub port: u16,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`.
    pub protocol: String,
    /// The default actions, as AWS returns them.
    pub default_actions: Vec<ListenerAction>,
}

impl Listener {
    /// The default action that decides (see [`deciding_action`]).
    pub fn default_action(&self) -> Option<&ListenerAction> {
        deciding_action(&self.default_actions)
    }

    #[cfg(test)]
    /// Whether every default action can be restored (see [`ListenerAction::restorable`]).
    pub fn restorable(&self) -> bool {
        !self.default_actions.is_empty() && self.default_actions.iter().all(|a| a.restorable())
    }

    /// `TCP 443` or `HTTPS 443`.
    pub fn label(&self) -> String {
        format!("{} {}", self.protocol, self.port)
    }
}

/// One condition of a listener rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCondition {
    /// `host-header`, `path-pattern`, `http-header`, `source-ip`, `query-string`, ...
    pub field: String,
    /// The values (for `query-string`, `key=value`).
    pub values: Vec<String>,
    /// The header name of an `http-header` condition (e.g. `X-Forwarded-For`).
    pub http_header_name: Option<String>,
}

/// A listener rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule ARN.
    pub arn: String,
    /// The priority (1–50000); `None` for the default rule.
    pub priority: Option<u32>,
    /// The conditions.
    pub conditions: Vec<RuleCondition>,
    /// The actions.
    pub actions: Vec<ListenerAction>,
    /// Whether this is the listener's default rule.
    pub is_default: bool,
}

/// A target group's health check settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroupHealthCheck {
    /// Whether health checks are enabled.
    pub enabled: bool,
    /// The protocol used.
    pub protocol: Option<String>,
    /// The path (HTTP/HTTPS).
    pub path: Option<String>,
    /// A port number or `traffic-port`.
    pub port: Option<String>,
    /// The interval between checks.
    #[serde(with = "secs")]
    pub interval: Duration,
    /// The timeout of one check.
    #[serde(with = "secs")]
    pub timeout: Duration,
    /// Consecutive successes to become healthy.
    pub healthy_threshold: u32,
    /// Consecutive failures to become unhealthy.
    pub unhealthy_threshold: u32,
    /// Expected HTTP codes, e.g. `200` or `200-399`.
    pub matcher: Option<String>,
}

impl TargetGroupHealthCheck {
    /// Worst-case time for a healthy target to be seen unhealthy: interval x unhealthy threshold.
    pub fn worst_case_unhealthy(&self) -> Duration {
        self.interval * self.unhealthy_threshold.max(1)
    }

    /// Worst-case time for an unhealthy target to be seen healthy: interval x healthy threshold.
    pub fn worst_case_healthy(&self) -> Duration {
        self.interval * self.healthy_threshold.max(1)
    }
}

/// A target group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroup {
    /// The ARN.
    pub arn: String,
    /// The name.
    pub name: String,
    /// The protocol (none for lambda targets).
    pub protocol: Option<String>,
    /// The port (none for lambda targets).
    pub port: Option<u16>,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    /// The health check settings.
    pub health_check: TargetGroupHealthCheck,
    /// The load balancers that route to it.
    pub load_balancer_arns: Vec<String>,
    /// The attribute `target_group_health.dns_failover.minimum_healthy_targets.count`: how many
    /// healthy targets Route 53's Evaluate Target Health requires (AWS default 1).
    pub dns_failover_minimum_healthy_targets: Option<u32>,
    /// The attribute `target_group_health.dns_failover.minimum_healthy_targets.percentage`: the
    /// share of the registered targets that must be healthy (AWS default `off`). When both are
    /// set, both must be met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_failover_minimum_healthy_percent: Option<u32>,
    /// The attribute `target_group_health.unhealthy_state_routing.minimum_healthy_targets.count`:
    /// below this many healthy targets the load balancer fails open and routes to every target,
    /// the unhealthy ones too (AWS default 1: only when none is healthy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_open_minimum_healthy_targets: Option<u32>,
    /// The attribute `target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage`
    /// (AWS default `off`). When both are set, both must be met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_open_minimum_healthy_percent: Option<u32>,
    /// Why the four minimums above could not be read (DescribeTargetGroupAttributes failed and
    /// no earlier read is known): they then hold AWS's defaults, which may not be the group's,
    /// so whether Route 53 counts it healthy, and whether its load balancer fails open, could
    /// not be checked (see [`TargetGroup::minimums_unread`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes_unread: Option<super::obs::FetchError>,
}

/// A target group's health settings, the attributes `target_group_health.dns_failover.*` and
/// `target_group_health.unhealthy_state_routing.*` (`minimum_healthy_targets.count` and
/// `.percentage`); each `None` when `off` or absent (AWS's default then applies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HealthSettings {
    pub dns_failover_count: Option<u32>,
    pub dns_failover_percent: Option<u32>,
    pub fail_open_count: Option<u32>,
    pub fail_open_percent: Option<u32>,
}

impl HealthSettings {
    /// Puts the settings on the target group they were read for.
    pub fn apply_to(&self, tg: &mut TargetGroup) {
        tg.attributes_unread = None;
        tg.dns_failover_minimum_healthy_targets = self.dns_failover_count;
        tg.dns_failover_minimum_healthy_percent = self.dns_failover_percent;
        tg.fail_open_minimum_healthy_targets = self.fail_open_count;
        tg.fail_open_minimum_healthy_percent = self.fail_open_percent;
    }
}

/// A load balancer failing open onto a target group: fewer healthy targets than the target
/// group's unhealthy state routing minimum, so it routes to every target, the unhealthy too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailOpen {
    /// Healthy targets.
    pub healthy: usize,
    /// Registered targets.
    pub registered: usize,
    /// Healthy targets the setting requires.
    pub minimum: usize,
}

impl TargetGroup {
    /// Why the group's minimums (its attributes) could not be read, if they could not: the
    /// minimums below are then AWS's defaults, not necessarily the group's.
    pub fn minimums_unread(&self) -> Option<&super::obs::FetchError> {
        self.attributes_unread.as_ref()
    }

    /// Whether Evaluate Target Health counts this group healthy with these of its targets:
    /// `healthy` of them at least [`TargetGroup::minimum_healthy_targets`]. When the minimums
    /// could not be read, only no healthy target at all decides it (every minimum is at least
    /// 1); otherwise it could not be checked, and the error says why.
    pub fn meets_dns_failover_minimum(
        &self,
        targets: &[TargetHealth],
    ) -> Result<bool, &super::obs::FetchError> {
        let healthy = targets
            .iter()
            .filter(|t| t.state == TargetState::Healthy)
            .count();
        match self.minimums_unread() {
            Some(_) if healthy == 0 => Ok(false),
            Some(e) => Err(e),
            None => Ok(healthy >= self.minimum_healthy_targets(targets.len())),
        }
    }

    /// [`TargetGroup::fails_open`] as far as it can be told: when the minimums could not be
    /// read, the targets decide it only when none is unhealthy (it does not fail open) or none
    /// is healthy (it does, whatever the minimum); otherwise it could not be checked.
    pub fn fails_open_checked(
        &self,
        targets: &[TargetHealth],
    ) -> Result<Option<FailOpen>, &super::obs::FetchError> {
        let Some(e) = self.minimums_unread() else {
            return Ok(self.fails_open(targets));
        };
        let unhealthy = targets.iter().any(|t| t.state == TargetState::Unhealthy);
        let healthy = targets
            .iter()
            .filter(|t| t.state == TargetState::Healthy)
            .count();
        match (unhealthy, healthy) {
            (false, _) => Ok(None),
            (true, 0) => Ok(self.fails_open(targets)),
            _ => Err(e),
        }
    }

    /// Healthy targets Evaluate Target Health requires of this target group, of `registered`
    /// targets: the count (default 1), and the percentage of them when set (rounded up), the
    /// larger of the two.
    pub fn minimum_healthy_targets(&self, registered: usize) -> usize {
        let count = self
            .dns_failover_minimum_healthy_targets
            .unwrap_or(1)
            .max(1) as usize;
        let share = self
            .dns_failover_minimum_healthy_percent
            .map(|p| (registered * p as usize).div_ceil(100))
            .unwrap_or(0);
        count.max(share)
    }

    /// Healthy targets the load balancer needs before it stops failing open, of `registered`
    /// targets (`unhealthy_state_routing`): the count (default 1), and the percentage of them
    /// when set (rounded up), the larger of the two (ELB user guide, "Target group health").
    pub fn fail_open_minimum(&self, registered: usize) -> usize {
        let count = self.fail_open_minimum_healthy_targets.unwrap_or(1).max(1) as usize;
        let share = self
            .fail_open_minimum_healthy_percent
            .map(|p| (registered * p as usize).div_ceil(100))
            .unwrap_or(0);
        count.max(share)
    }

    /// Whether the load balancer fails open onto these targets of the target group: some are
    /// unhealthy and fewer than [`TargetGroup::fail_open_minimum`] are healthy, so it routes to
    /// all of them, the unhealthy ones too.
    pub fn fails_open(&self, targets: &[TargetHealth]) -> Option<FailOpen> {
        let healthy = targets
            .iter()
            .filter(|t| t.state == TargetState::Healthy)
            .count();
        let minimum = self.fail_open_minimum(targets.len());
        let unhealthy = targets.iter().any(|t| t.state == TargetState::Unhealthy);
        (unhealthy && healthy < minimum).then_some(FailOpen {
            healthy,
            registered: targets.len(),
            minimum,
        })
    }
}

aws_string_enum! {
    /// The health state of one target.
    TargetState {
        /// Registering, or the first health checks are running.
        Initial => "initial",
        /// Passing health checks.
        Healthy => "healthy",
        /// Failing health checks.
        Unhealthy => "unhealthy",
        /// Not used (not registered, AZ not enabled, target group not used by a listener).
        Unused => "unused",
        /// Deregistering: connections drain.
        Draining => "draining",
        /// Health checks are disabled.
        Unavailable => "unavailable",
    }
}

impl TargetState {
    /// Whether the state means a problem for traffic: unhealthy, draining, unavailable (or a
    /// newer `unhealthy.*` state).
    pub fn is_problem(&self) -> bool {
        match self {
            TargetState::Unhealthy | TargetState::Draining | TargetState::Unavailable => true,
            TargetState::Other(s) => s.starts_with("unhealthy"),
            _ => false,
        }
    }
}

/// A target group's `HealthyHostCount` and `UnHealthyHostCount` behind its load balancer, from
/// CloudWatch's 1-minute datapoints (the newest in the poller's window): the overview's bulk
/// source of the targets' health. A lagging source: as old as its datapoint (`minute`, a
/// minute or more behind the load balancer), never compared with a fresh source to call a
/// failover, and without per-target reasons (DescribeTargetHealth gives those).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostCounts {
    /// Healthy targets in the datapoint's minute (its Maximum).
    pub healthy: u32,
    /// Unhealthy targets in that minute (its Maximum).
    pub unhealthy: u32,
    /// The datapoint's minute, on this machine's clock.
    #[serde(with = "time::serde::rfc3339")]
    pub minute: time::OffsetDateTime,
}

impl HostCounts {
    /// Where the counts come from, in words.
    pub const SOURCE: &'static str = "CloudWatch, 1-minute counts";

    /// How far the newest datapoint lags behind the load balancer at the most, beyond
    /// `stale_after`, for the counts to stand in for the targets' health: its minute (a
    /// datapoint is stamped with the start of its minute) and CloudWatch's publication delay.
    /// An older datapoint (the newest in the poller's window of several minutes) says how the
    /// targets were, not how they are.
    pub const LAG: std::time::Duration = std::time::Duration::from_secs(120);

    /// Whether every target the counts see is healthy (and there is one).
    pub fn all_healthy(&self) -> bool {
        self.unhealthy == 0 && self.healthy > 0
    }

    /// Whether the counts say every target is healthy now: all healthy, and their datapoint
    /// no older than `stale_after` plus [`Self::LAG`].
    pub fn healthy_now(&self, now: time::OffsetDateTime, stale_after: std::time::Duration) -> bool {
        self.all_healthy() && super::obs::within(now, self.minute, stale_after + Self::LAG)
    }

    /// `CloudWatch, 1-minute counts, 2 min 10 s old`.
    pub fn source_and_age(&self, now: time::OffsetDateTime) -> String {
        format!(
            "{}, {} old",
            Self::SOURCE,
            super::obs::human_span(super::obs::span(self.minute, now))
        )
    }
}

/// The health of one registered target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetHealth {
    /// The instance ID, IP address, Lambda ARN or ALB ARN.
    pub id: String,
    /// The port.
    pub port: Option<u16>,
    /// The Availability Zone.
    pub az: Option<String>,
    /// The state.
    pub state: TargetState,
    /// The reason code, e.g. `Target.Timeout`, `Target.ResponseCodeMismatch`.
    pub reason: Option<String>,
    /// AWS's description of the reason.
    pub description: Option<String>,
}

impl TargetHealth {
    /// `i-0abc:80 (eu-west-1a)`.
    pub fn label(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        match &self.az {
            Some(az) => format!("{}{port} ({az})", self.id),
            None => format!("{}{port}", self.id),
        }
    }

    /// `unhealthy (Target.Timeout)` or `healthy`.
    pub fn describe_state(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{} ({reason})", self.state),
            None => self.state.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A target group at AWS's defaults, with nothing read amiss.
    fn app_tg() -> TargetGroup {
        TargetGroup {
            arn: "arn:tg".into(),
            name: "app".into(),
            protocol: None,
            port: None,
            target_type: "instance".into(),
            health_check: TargetGroupHealthCheck {
                enabled: true,
                protocol: None,
                path: None,
                port: None,
                interval: Duration::from_secs(30),
                timeout: Duration::from_secs(5),
                healthy_threshold: 5,
                unhealthy_threshold: 2,
                matcher: None,
            },
            load_balancer_arns: Vec::new(),
            dns_failover_minimum_healthy_targets: None,
            dns_failover_minimum_healthy_percent: None,
            fail_open_minimum_healthy_targets: None,
            fail_open_minimum_healthy_percent: None,
            attributes_unread: None,
        }
    }

    #[test]
    fn evaluate_target_health_takes_the_larger_of_the_count_and_the_percentage() {
        let mut tg = app_tg();
        assert_eq!(tg.minimum_healthy_targets(4), 1, "AWS's default");
        tg.dns_failover_minimum_healthy_percent = Some(50);
        assert_eq!(tg.minimum_healthy_targets(5), 3, "50 % of 5, rounded up");
        tg.dns_failover_minimum_healthy_targets = Some(4);
        assert_eq!(tg.minimum_healthy_targets(5), 4, "both must be met");
    }

    /// Minimums not read: only the targets decide, where they can (none healthy: below every
    /// minimum; none unhealthy: no failing open); otherwise the error, never AWS's defaults.
    #[test]
    fn minimums_not_read_decide_only_what_the_targets_decide() {
        let target = |state: TargetState| TargetHealth {
            id: "i-1".into(),
            port: Some(80),
            az: None,
            state,
            reason: None,
            description: None,
        };
        let mut tg = app_tg();
        let (h, u) = (|| TargetState::Healthy, || TargetState::Unhealthy);
        let some = [target(h()), target(h()), target(u())];
        let none = [target(u()), target(u())];
        let all = [target(h()), target(h())];
        // Read (AWS's defaults): decided.
        assert_eq!(tg.meets_dns_failover_minimum(&some), Ok(true));
        assert_eq!(tg.fails_open_checked(&some), Ok(None));
        let error = crate::model::obs::FetchError {
            error: crate::model::error::AwsError::new(
                crate::model::error::ErrorKind::AccessDenied,
                "elbv2",
                "DescribeTargetGroupAttributes",
                "denied",
            ),
            at: time::OffsetDateTime::UNIX_EPOCH,
        };
        tg.attributes_unread = Some(error.clone());
        assert_eq!(tg.meets_dns_failover_minimum(&some), Err(&error));
        assert_eq!(tg.meets_dns_failover_minimum(&all), Err(&error));
        assert_eq!(tg.meets_dns_failover_minimum(&none), Ok(false));
        assert_eq!(tg.fails_open_checked(&some), Err(&error));
        assert_eq!(tg.fails_open_checked(&all), Ok(None));
        assert!(tg.fails_open_checked(&none).is_ok_and(|o| o.is_some()));
        // Read again: the mark goes.
        HealthSettings::default().apply_to(&mut tg);
        assert_eq!(tg.minimums_unread(), None);
    }

    fn every_field() -> Vec<ListenerAction> {
        vec![
            ListenerAction {
                kind: ActionKind::AuthenticateOidc,
                order: Some(1),
                target_group_arn: None,
                forward: None,
                fixed_response: None,
                redirect: None,
            },
            ListenerAction {
                kind: ActionKind::Forward,
                order: Some(2),
                target_group_arn: Some(
                    "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/app/1".into(),
                ),
                forward: Some(ForwardConfig {
                    target_groups: vec![
                        WeightedTargetGroup {
                            target_group_arn:
                                "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/app/1".into(),
                            weight: Some(90),
                        },
                        WeightedTargetGroup {
                            target_group_arn:
                                "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/canary/2"
                                    .into(),
                            weight: None,
                        },
                    ],
                    stickiness: Some(Stickiness {
                        enabled: true,
                        duration_seconds: Some(3600),
                    }),
                }),
                fixed_response: None,
                redirect: None,
            },
            ListenerAction {
                kind: ActionKind::FixedResponse,
                order: Some(3),
                target_group_arn: None,
                forward: None,
                fixed_response: Some(FixedResponse {
                    status_code: "503".into(),
                    content_type: Some("text/html".into()),
                    message_body: Some("<h1>Back soon \"quoted\" ünïcode</h1>\n".into()),
                }),
                redirect: None,
            },
            ListenerAction {
                kind: ActionKind::Redirect,
                order: None,
                target_group_arn: None,
                forward: None,
                fixed_response: None,
                redirect: Some(Redirect {
                    protocol: Some("HTTPS".into()),
                    port: Some("443".into()),
                    host: Some("#{host}".into()),
                    path: Some("/#{path}".into()),
                    query: Some("#{query}".into()),
                    status_code: "HTTP_301".into(),
                }),
            },
            ListenerAction {
                kind: ActionKind::Other("jwt-validation".into()),
                order: None,
                target_group_arn: None,
                forward: Some(ForwardConfig {
                    target_groups: vec![],
                    stickiness: None,
                }),
                fixed_response: Some(FixedResponse {
                    status_code: "200".into(),
                    content_type: None,
                    message_body: None,
                }),
                redirect: Some(Redirect {
                    protocol: None,
                    port: None,
                    host: None,
                    path: None,
                    query: None,
                    status_code: "HTTP_302".into(),
                }),
            },
        ]
    }

    #[test]
    fn listener_actions_round_trip_exactly_through_json() {
        let actions = every_field();
        let json = serde_json::to_string(&actions).unwrap();
        let back: Vec<ListenerAction> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, actions);
        // And once more, byte for byte.
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert!(json.contains("\"kind\":\"fixed-response\""), "{json}");
        assert!(json.contains("\"kind\":\"authenticate-oidc\""), "{json}");
        assert!(json.contains("\"kind\":\"jwt-validation\""), "{json}");
    }

    #[test]
    fn authenticate_actions_are_recognised_and_not_restorable() {
        let actions = every_field();
        let restorable: Vec<bool> = actions.iter().map(|a| a.restorable()).collect();
        assert_eq!(restorable, vec![false, true, true, true, false]);
        let listener = Listener {
            arn: "l".into(),
            lb_arn: "lb".into(),
            port: 443,
            protocol: "HTTPS".into(),
            default_actions: actions,
        };
        assert!(!listener.restorable());
        assert_eq!(
            listener.default_action().map(|a| a.describe()),
            Some("forward to app, canary".to_string())
        );
    }

    #[test]
    fn forward_targets_skip_weight_zero_and_duplicates() {
        let mut a = ListenerAction::forward_to("arn:x:targetgroup/app/1");
        a.forward = Some(ForwardConfig {
            target_groups: vec![
                WeightedTargetGroup {
                    target_group_arn: "arn:x:targetgroup/app/1".into(),
                    weight: Some(1),
                },
                WeightedTargetGroup {
                    target_group_arn: "arn:x:targetgroup/sorry/2".into(),
                    weight: Some(0),
                },
            ],
            stickiness: None,
        });
        assert_eq!(a.target_group_arns(), vec!["arn:x:targetgroup/app/1"]);
        let fixed = ListenerAction::fixed("503", Some("text/html".into()), None);
        assert_eq!(fixed.fixed_status(), Some(503));
        assert_eq!(fixed.describe(), "fixed-response 503 (text/html)");
    }
}
