//! Elastic Load Balancing v2: load balancers, listeners, rules, target groups, target health.
//!
//! Listener actions convert both ways without loss for forward, fixed-response and redirect
//! actions: what is read is what the switch engine saves and later writes back.

use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types as sdk;

use super::error::err;
use crate::model::elb::{
    ActionKind, FixedResponse, ForwardConfig, HealthSettings, Listener, ListenerAction,
    LoadBalancer, LoadBalancerKind, Redirect, Rule, RuleCondition, Stickiness, TargetGroup,
    TargetGroupHealthCheck, TargetHealth, TargetState, WeightedTargetGroup,
};
use crate::model::error::{AwsError, ErrorKind};

fn lb_from_sdk(l: &sdk::LoadBalancer) -> LoadBalancer {
    LoadBalancer {
        arn: l.load_balancer_arn().unwrap_or_default().to_string(),
        name: l.load_balancer_name().unwrap_or_default().to_string(),
        kind: LoadBalancerKind::from_aws(l.r#type().map(|t| t.as_str()).unwrap_or_default()),
        dns_name: l.dns_name().unwrap_or_default().to_string(),
        canonical_zone_id: l.canonical_hosted_zone_id().unwrap_or_default().to_string(),
        scheme: l
            .scheme()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        state: l
            .state()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
    }
}

/// Every load balancer of the client's region (400 a page).
pub async fn load_balancers(c: &Client) -> Result<Vec<LoadBalancer>, AwsError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .describe_load_balancers()
            .page_size(400)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(err("elbv2", "DescribeLoadBalancers"))?;
        out.extend(page.load_balancers().iter().map(lb_from_sdk));
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

pub fn action_from_sdk(a: &sdk::Action) -> ListenerAction {
    ListenerAction {
        kind: ActionKind::from_aws(a.r#type().map(|t| t.as_str()).unwrap_or_default()),
        order: a.order(),
        target_group_arn: a.target_group_arn().map(str::to_string),
        forward: a.forward_config().map(|f| ForwardConfig {
            target_groups: f
                .target_groups()
                .iter()
                .map(|t| WeightedTargetGroup {
                    target_group_arn: t.target_group_arn().unwrap_or_default().to_string(),
                    weight: t.weight(),
                })
                .collect(),
            stickiness: f.target_group_stickiness_config().map(|s| Stickiness {
                enabled: s.enabled().unwrap_or(false),
                duration_seconds: s.duration_seconds(),
            }),
        }),
        fixed_response: a.fixed_response_config().map(|f| FixedResponse {
            status_code: f.status_code().unwrap_or_default().to_string(),
            content_type: f.content_type().map(str::to_string),
            message_body: f.message_body().map(str::to_string),
        }),
        redirect: a.redirect_config().map(|r| Redirect {
            protocol: r.protocol().map(str::to_string),
            port: r.port().map(str::to_string),
            host: r.host().map(str::to_string),
            path: r.path().map(str::to_string),
            query: r.query().map(str::to_string),
            status_code: r
                .status_code()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        }),
    }
}

/// A model action as the SDK takes it. Authenticate actions are refused: their settings are not
/// kept, so they could not be written back as they were.
pub fn action_to_sdk(a: &ListenerAction, operation: &'static str) -> Result<sdk::Action, AwsError> {
    let invalid = |what: String| AwsError::new(ErrorKind::Invalid, "elbv2", operation, what);
    if !a.restorable() {
        return Err(invalid(format!(
            "switchyard cannot write a {} action back exactly",
            a.kind
        )));
    }
    let mut b = sdk::Action::builder().r#type(sdk::ActionTypeEnum::from(a.kind.as_str()));
    if let Some(o) = a.order {
        b = b.order(o);
    }
    if let Some(arn) = &a.target_group_arn {
        b = b.target_group_arn(arn);
    }
    if let Some(f) = &a.forward {
        let mut fb = sdk::ForwardActionConfig::builder();
        for t in &f.target_groups {
            let mut tb = sdk::TargetGroupTuple::builder().target_group_arn(&t.target_group_arn);
            if let Some(w) = t.weight {
                tb = tb.weight(w);
            }
            fb = fb.target_groups(tb.build());
        }
        if let Some(s) = &f.stickiness {
            let mut sb = sdk::TargetGroupStickinessConfig::builder().enabled(s.enabled);
            if let Some(d) = s.duration_seconds {
                sb = sb.duration_seconds(d);
            }
            fb = fb.target_group_stickiness_config(sb.build());
        }
        b = b.forward_config(fb.build());
    }
    if let Some(f) = &a.fixed_response {
        let mut fb = sdk::FixedResponseActionConfig::builder().status_code(&f.status_code);
        if let Some(ct) = &f.content_type {
            fb = fb.content_type(ct);
        }
        if let Some(body) = &f.message_body {
            fb = fb.message_body(body);
        }
        b = b.fixed_response_config(fb.build());
    }
    if let Some(r) = &a.redirect {
        let mut rb = sdk::RedirectActionConfig::builder().status_code(
            sdk::RedirectActionStatusCodeEnum::from(r.status_code.as_str()),
        );
        if let Some(v) = &r.protocol {
            rb = rb.protocol(v);
        }
        if let Some(v) = &r.port {
            rb = rb.port(v);
        }
        if let Some(v) = &r.host {
            rb = rb.host(v);
        }
        if let Some(v) = &r.path {
            rb = rb.path(v);
        }
        if let Some(v) = &r.query {
            rb = rb.query(v);
        }
        b = b.redirect_config(rb.build());
    }
    Ok(b.build())
}

fn listener_from_sdk(l: &sdk::Listener) -> Listener {
    Listener {
        arn: l.listener_arn().unwrap_or_default().to_string(),
        lb_arn: l.load_balancer_arn().unwrap_or_default().to_string(),
        port: l.port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
        protocol: l
            .protocol()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        default_actions: l.default_actions().iter().map(action_from_sdk).collect(),
    }
}

/// The listeners of a load balancer.
pub async fn listeners(c: &Client, lb_arn: &str) -> Result<Vec<Listener>, AwsError> {
    let out = c
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .map_err(err("elbv2", "DescribeListeners"))?;
    Ok(out.listeners().iter().map(listener_from_sdk).collect())
}

/// Listeners by ARN.
pub async fn listeners_by_arn(c: &Client, arns: &[String]) -> Result<Vec<Listener>, AwsError> {
    let mut out = Vec::new();
    for chunk in arns.chunks(20) {
        let page = c
            .describe_listeners()
            .set_listener_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("elbv2", "DescribeListeners"))?;
        out.extend(page.listeners().iter().map(listener_from_sdk));
    }
    Ok(out)
}

fn condition_from_sdk(c: &sdk::RuleCondition) -> RuleCondition {
    let field = c.field().unwrap_or_default().to_string();
    let mut values: Vec<String> = c.values().to_vec();
    let typed: Vec<String> = match field.as_str() {
        "path-pattern" => c
            .path_pattern_config()
            .map(|p| p.values().to_vec())
            .unwrap_or_default(),
        "host-header" => c
            .host_header_config()
            .map(|p| p.values().to_vec())
            .unwrap_or_default(),
        "source-ip" => c
            .source_ip_config()
            .map(|p| p.values().to_vec())
            .unwrap_or_default(),
        "http-header" => c
            .http_header_config()
            .map(|p| p.values().to_vec())
            .unwrap_or_default(),
        "http-request-method" => c
            .http_request_method_config()
            .map(|p| p.values().to_vec())
            .unwrap_or_default(),
        "query-string" => c
            .query_string_config()
            .map(|q| {
                q.values()
                    .iter()
                    .map(|kv| {
                        format!(
                            "{}={}",
                            kv.key().unwrap_or_default(),
                            kv.value().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if values.is_empty() {
        values = typed;
    }
    RuleCondition {
        field,
        values,
        http_header_name: c
            .http_header_config()
            .and_then(|h| h.http_header_name())
            .map(str::to_string),
    }
}

/// A model condition as the SDK takes it (typed configs, as ELB prefers).
pub fn condition_to_sdk(c: &RuleCondition) -> sdk::RuleCondition {
    let b = sdk::RuleCondition::builder().field(&c.field);
    let values = Some(c.values.clone());
    match c.field.as_str() {
        "path-pattern" => b.path_pattern_config(
            sdk::PathPatternConditionConfig::builder()
                .set_values(values)
                .build(),
        ),
        "host-header" => b.host_header_config(
            sdk::HostHeaderConditionConfig::builder()
                .set_values(values)
                .build(),
        ),
        "source-ip" => b.source_ip_config(
            sdk::SourceIpConditionConfig::builder()
                .set_values(values)
                .build(),
        ),
        "http-header" => b.http_header_config(
            sdk::HttpHeaderConditionConfig::builder()
                .set_http_header_name(c.http_header_name.clone())
                .set_values(values)
                .build(),
        ),
        "http-request-method" => b.http_request_method_config(
            sdk::HttpRequestMethodConditionConfig::builder()
                .set_values(values)
                .build(),
        ),
        _ => b.set_values(values),
    }
    .build()
}

fn rule_from_sdk(r: &sdk::Rule) -> Rule {
    Rule {
        arn: r.rule_arn().unwrap_or_default().to_string(),
        priority: r.priority().and_then(|p| p.parse().ok()),
        conditions: r.conditions().iter().map(condition_from_sdk).collect(),
        actions: r.actions().iter().map(action_from_sdk).collect(),
        is_default: r.is_default().unwrap_or(false),
    }
}

/// The rules of a listener, the default rule last.
pub async fn rules(c: &Client, listener_arn: &str) -> Result<Vec<Rule>, AwsError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .describe_rules()
            .listener_arn(listener_arn)
            .page_size(400)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(err("elbv2", "DescribeRules"))?;
        out.extend(page.rules().iter().map(rule_from_sdk));
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    out.sort_by_key(|r| (r.is_default, r.priority.unwrap_or(u32::MAX)));
    Ok(out)
}

fn tg_from_sdk(t: &sdk::TargetGroup) -> TargetGroup {
    TargetGroup {
        arn: t.target_group_arn().unwrap_or_default().to_string(),
        name: t.target_group_name().unwrap_or_default().to_string(),
        protocol: t.protocol().map(|p| p.as_str().to_string()),
        port: t.port().and_then(|p| u16::try_from(p).ok()),
        target_type: t
            .target_type()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        health_check: TargetGroupHealthCheck {
            enabled: t.health_check_enabled().unwrap_or(true),
            protocol: t.health_check_protocol().map(|p| p.as_str().to_string()),
            path: t.health_check_path().map(str::to_string),
            port: t.health_check_port().map(str::to_string),
            interval: Duration::from_secs(
                t.health_check_interval_seconds()
                    .and_then(|i| u64::try_from(i).ok())
                    .unwrap_or(30),
            ),
            timeout: Duration::from_secs(
                t.health_check_timeout_seconds()
                    .and_then(|i| u64::try_from(i).ok())
                    .unwrap_or(5),
            ),
            healthy_threshold: t
                .healthy_threshold_count()
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(5),
            unhealthy_threshold: t
                .unhealthy_threshold_count()
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(2),
            matcher: t
                .matcher()
                .and_then(|m| m.http_code().or(m.grpc_code()))
                .map(str::to_string),
        },
        load_balancer_arns: t.load_balancer_arns().to_vec(),
        // Attributes, read apart (DescribeTargetGroupAttributes): see [`health_settings`].
        dns_failover_minimum_healthy_targets: None,
        dns_failover_minimum_healthy_percent: None,
        fail_open_minimum_healthy_targets: None,
        fail_open_minimum_healthy_percent: None,
        attributes_unread: None,
    }
}

/// A target group's health settings: the minimum healthy targets for Route 53's Evaluate Target
/// Health (`target_group_health.dns_failover.minimum_healthy_targets.count` and `.percentage`)
/// and for routing, below which the load balancer fails open
/// (`target_group_health.unhealthy_state_routing.minimum_healthy_targets.count` and
/// `.percentage`); `off` or absent: `None`.
pub async fn health_settings(c: &Client, tg_arn: &str) -> Result<HealthSettings, AwsError> {
    let out = c
        .describe_target_group_attributes()
        .target_group_arn(tg_arn)
        .send()
        .await
        .map_err(err("elbv2", "DescribeTargetGroupAttributes"))?;
    let get = |key: &str| {
        out.attributes()
            .iter()
            .find(|a| a.key() == Some(key))
            .and_then(|a| a.value())
            .and_then(|v| v.trim().parse::<u32>().ok())
    };
    Ok(HealthSettings {
        dns_failover_count: get("target_group_health.dns_failover.minimum_healthy_targets.count"),
        dns_failover_percent: get(
            "target_group_health.dns_failover.minimum_healthy_targets.percentage",
        ),
        fail_open_count: get(
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
        ),
        fail_open_percent: get(
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
        ),
    })
}

/// The target groups of a load balancer.
pub async fn target_groups_of(c: &Client, lb_arn: &str) -> Result<Vec<TargetGroup>, AwsError> {
    let out = c
        .describe_target_groups()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .map_err(err("elbv2", "DescribeTargetGroups"))?;
    Ok(out.target_groups().iter().map(tg_from_sdk).collect())
}

/// Every target group of the account in the region.
pub async fn all_target_groups(c: &Client) -> Result<Vec<TargetGroup>, AwsError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .describe_target_groups()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(err("elbv2", "DescribeTargetGroups"))?;
        out.extend(page.target_groups().iter().map(tg_from_sdk));
        match page.next_marker() {
            Some(m) if !m.is_empty() && Some(m) != marker.as_deref() => marker = Some(m.into()),
            _ => return Ok(out),
        }
    }
}

/// Target groups by ARN.
pub async fn target_groups_by_arn(
    c: &Client,
    arns: &[String],
) -> Result<Vec<TargetGroup>, AwsError> {
    let mut out = Vec::new();
    for chunk in arns.chunks(20) {
        let page = c
            .describe_target_groups()
            .set_target_group_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("elbv2", "DescribeTargetGroups"))?;
        out.extend(page.target_groups().iter().map(tg_from_sdk));
    }
    Ok(out)
}

/// The health of every target of a target group.
pub async fn target_health(c: &Client, tg_arn: &str) -> Result<Vec<TargetHealth>, AwsError> {
    let out = c
        .describe_target_health()
        .target_group_arn(tg_arn)
        .send()
        .await
        .map_err(err("elbv2", "DescribeTargetHealth"))?;
    Ok(out
        .target_health_descriptions()
        .iter()
        .map(|d| {
            let t = d.target();
            let h = d.target_health();
            TargetHealth {
                id: t.and_then(|t| t.id()).unwrap_or_default().to_string(),
                port: t.and_then(|t| t.port()).and_then(|p| u16::try_from(p).ok()),
                az: t.and_then(|t| t.availability_zone()).map(str::to_string),
                state: TargetState::from_aws(
                    h.and_then(|h| h.state())
                        .map(|s| s.as_str())
                        .unwrap_or_default(),
                ),
                reason: h.and_then(|h| h.reason()).map(|r| r.as_str().to_string()),
                description: h.and_then(|h| h.description()).map(str::to_string),
            }
        })
        .collect())
}

/// Replaces a listener's default actions.
pub async fn set_default_actions(
    c: &Client,
    listener_arn: &str,
    actions: &[ListenerAction],
) -> Result<Listener, AwsError> {
    let sdk_actions = actions
        .iter()
        .map(|a| action_to_sdk(a, "ModifyListener"))
        .collect::<Result<Vec<_>, _>>()?;
    let out = c
        .modify_listener()
        .listener_arn(listener_arn)
        .set_default_actions(Some(sdk_actions))
        .send()
        .await
        .map_err(err("elbv2", "ModifyListener"))?;
    out.listeners()
        .first()
        .map(listener_from_sdk)
        .ok_or_else(|| {
            AwsError::new(
                ErrorKind::Service,
                "elbv2",
                "ModifyListener",
                "the answer holds no listener",
            )
        })
}

/// Creates a rule, tagged so that it can be found again after a crash.
pub async fn create_rule(
    c: &Client,
    listener_arn: &str,
    priority: u32,
    conditions: &[RuleCondition],
    actions: &[ListenerAction],
    tags: &[(String, String)],
) -> Result<Rule, AwsError> {
    let sdk_actions = actions
        .iter()
        .map(|a| action_to_sdk(a, "CreateRule"))
        .collect::<Result<Vec<_>, _>>()?;
    let out = c
        .create_rule()
        .listener_arn(listener_arn)
        .priority(i32::try_from(priority).unwrap_or(i32::MAX))
        .set_conditions(Some(conditions.iter().map(condition_to_sdk).collect()))
        .set_actions(Some(sdk_actions))
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| sdk::Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(err("elbv2", "CreateRule"))?;
    out.rules().first().map(rule_from_sdk).ok_or_else(|| {
        AwsError::new(
            ErrorKind::Service,
            "elbv2",
            "CreateRule",
            "the answer holds no rule",
        )
    })
}

/// Moves rules to new priorities in one call (SetRulePriorities): all of them or none.
pub async fn set_rule_priorities(
    c: &Client,
    priorities: &[(String, u32)],
) -> Result<Vec<Rule>, AwsError> {
    let pairs = priorities
        .iter()
        .map(|(arn, p)| {
            sdk::RulePriorityPair::builder()
                .rule_arn(arn)
                .priority(i32::try_from(*p).unwrap_or(i32::MAX))
                .build()
        })
        .collect();
    let out = c
        .set_rule_priorities()
        .set_rule_priorities(Some(pairs))
        .send()
        .await
        .map_err(err("elbv2", "SetRulePriorities"))?;
    Ok(out.rules().iter().map(rule_from_sdk).collect())
}

pub async fn delete_rule(c: &Client, rule_arn: &str) -> Result<(), AwsError> {
    c.delete_rule()
        .rule_arn(rule_arn)
        .send()
        .await
        .map_err(err("elbv2", "DeleteRule"))?;
    Ok(())
}

/// The tags of resources, by ARN (20 a call).
pub async fn tags(
    c: &Client,
    arns: &[String],
) -> Result<Vec<(String, Vec<(String, String)>)>, AwsError> {
    let mut out = Vec::new();
    for chunk in arns.chunks(20) {
        let page = c
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("elbv2", "DescribeTags"))?;
        for d in page.tag_descriptions() {
            let tags = d
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            out.push((d.resource_arn().unwrap_or_default().to_string(), tags));
        }
    }
    Ok(out)
}
