//! Elastic Load Balancing v2 over the query protocol.

use super::{ApiError, ApiResult, Call, Reply, page};
use crate::proto::Doc;
use crate::proto::doc::str_list;
use crate::world::elb::{
    Listener, LoadBalancer, Rule, Target, TargetGroup, action_target_groups, normalize_action,
};
use crate::world::{World, secs};

pub fn handle(world: &mut World, call: &Call) -> ApiResult {
    let input = &call.input;
    // A resource lives in one region: an ARN of another region is not found in this one.
    if let Some(e) = other_region(input, &call.region) {
        return Err(e);
    }
    let out = match call.operation.as_str() {
        "DescribeLoadBalancers" => describe_load_balancers(world, call)?,
        "DescribeListeners" => describe_listeners(world, input)?,
        "DescribeRules" => describe_rules(world, input)?,
        "DescribeTargetGroups" => describe_target_groups(world, call)?,
        "DescribeTargetHealth" => describe_target_health(world, input)?,
        "ModifyListener" => modify_listener(world, input)?,
        "CreateRule" => create_rule(world, input)?,
        "DeleteRule" => delete_rule(world, input)?,
        "ModifyRule" => modify_rule(world, input)?,
        "ModifyTargetGroup" => modify_target_group(world, input)?,
        "DescribeTargetGroupAttributes" => describe_tg_attributes(world, input)?,
        "DescribeLoadBalancerAttributes" => describe_lb_attributes(world, input)?,
        "ModifyLoadBalancerAttributes" => modify_lb_attributes(world, input)?,
        "ModifyTargetGroupAttributes" => modify_tg_attributes(world, input)?,
        "SetRulePriorities" => set_rule_priorities(world, input)?,
        "AddTags" => add_tags(world, input)?,
        "RemoveTags" => remove_tags(world, input)?,
        "DescribeTags" => describe_tags(world, input)?,
        "RegisterTargets" => register_targets(world, input)?,
        "DeregisterTargets" => deregister_targets(world, input)?,
        other => {
            return Err(ApiError::bad(
                "InvalidAction",
                format!("The action {other} is not valid for this web service."),
            ));
        }
    };
    if !call.operation.starts_with("Describe") {
        world.elb.invalidate();
    }
    Ok(Reply::Doc(out))
}

/// The error for the first Elastic Load Balancing ARN in the input that names another region
/// than the request's.
fn other_region(input: &Doc, region: &str) -> Option<ApiError> {
    fn arns<'a>(d: &'a Doc, out: &mut Vec<&'a str>) {
        match d {
            Doc::Str(v) if v.starts_with("arn:") && v.contains(":elasticloadbalancing:") => {
                out.push(v)
            }
            Doc::List(items) => items.iter().for_each(|i| arns(i, out)),
            Doc::Map(members) => members.iter().for_each(|(_, v)| arns(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    arns(input, &mut found);
    let arn = found
        .into_iter()
        .find(|a| a.split(':').nth(3).is_some_and(|r| r != region))?;
    let resource = arn.split(':').nth(5).unwrap_or_default();
    let (code, what) = if resource.starts_with("targetgroup/") {
        ("TargetGroupNotFound", "target groups")
    } else if resource.starts_with("listener-rule/") {
        ("RuleNotFound", "rules")
    } else if resource.starts_with("listener/") {
        ("ListenerNotFound", "listeners")
    } else {
        ("LoadBalancerNotFound", "load balancers")
    };
    Some(ApiError::bad(
        code,
        format!("One or more {what} not found: '{arn}' (the request was signed for {region})"),
    ))
}

fn page_size(input: &Doc) -> Result<usize, ApiError> {
    match input.get("PageSize").and_then(Doc::as_i64) {
        Some(n) if !(1..=400).contains(&n) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{n}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400"
        ))),
        Some(n) => Ok(n as usize),
        None => Ok(400),
    }
}

fn paged(items: Vec<Doc>, input: &Doc, key: &str) -> Result<Doc, ApiError> {
    let (items, next) = page(&items, input.str("Marker"), page_size(input)?)?;
    Ok(Doc::map()
        .with(key, Doc::List(items))
        .with("NextMarker", next))
}

fn lb_doc(lb: &LoadBalancer) -> Doc {
    let azs: Vec<Doc> = lb
        .azs
        .iter()
        .enumerate()
        .map(|(i, az)| {
            let mut d = Doc::map()
                .with("ZoneName", az.as_str())
                .with("SubnetId", format!("subnet-0{:016x}", i + 1));
            if lb.is_network()
                && let Some(ip) = lb.ips.get(i)
            {
                d = d.with(
                    "LoadBalancerAddresses",
                    Doc::List(vec![Doc::map().with("IpAddress", ip.as_str())]),
                );
            }
            d
        })
        .collect();
    let mut d = Doc::map()
        .with("LoadBalancerArn", lb.arn.as_str())
        .with("DNSName", lb.dns_name.as_str())
        .with("CanonicalHostedZoneId", lb.zone_id.as_str())
        .with("CreatedTime", Doc::Time(secs(lb.created)))
        .with("LoadBalancerName", lb.name.as_str())
        .with("Scheme", lb.scheme.as_str())
        .with("VpcId", lb.vpc_id.as_str())
        .with("State", Doc::map().with("Code", "active"))
        .with("Type", lb.kind.as_str())
        .with("AvailabilityZones", Doc::List(azs));
    if !lb.is_network() {
        d = d.with("SecurityGroups", str_list(&["sg-0a1b2c3d4e5f60718"]));
    }
    d.with("IpAddressType", "ipv4")
}

fn describe_load_balancers(world: &World, call: &Call) -> Result<Doc, ApiError> {
    let input = &call.input;
    let arns = input.strings("LoadBalancerArns");
    let names = input.strings("Names");
    let in_region = world.elb.lbs.iter().filter(|lb| lb.region == call.region);
    let lbs: Vec<&LoadBalancer> = if !arns.is_empty() {
        arns.iter()
            .map(|a| {
                world.elb.lb(a).ok_or_else(|| {
                    ApiError::bad(
                        "LoadBalancerNotFound",
                        format!("Load balancers '[{a}]' not found"),
                    )
                })
            })
            .collect::<Result<_, _>>()?
    } else if !names.is_empty() {
        names
            .iter()
            .map(|n| {
                world
                    .elb
                    .lbs
                    .iter()
                    .find(|lb| &lb.name == n && lb.region == call.region)
                    .ok_or_else(|| {
                        ApiError::bad(
                            "LoadBalancerNotFound",
                            format!("Load balancers '[{n}]' not found"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?
    } else {
        in_region.collect()
    };
    paged(
        lbs.into_iter().map(lb_doc).collect(),
        input,
        "LoadBalancers",
    )
}

fn listener_doc(l: &Listener) -> Doc {
    let mut d = Doc::map()
        .with("ListenerArn", l.arn.as_str())
        .with("LoadBalancerArn", l.lb_arn.as_str())
        .with("Port", l.port)
        .with("Protocol", l.protocol.as_str());
    if !l.certificates.is_empty() {
        d = d.with(
            "Certificates",
            Doc::List(
                l.certificates
                    .iter()
                    .map(|c| Doc::map().with("CertificateArn", c.as_str()))
                    .collect(),
            ),
        );
    }
    d.with("SslPolicy", l.ssl_policy.as_deref())
        .with("DefaultActions", Doc::List(l.default_actions.clone()))
}

fn listener<'a>(world: &'a World, arn: &str) -> Result<&'a Listener, ApiError> {
    world.elb.listener(arn).ok_or_else(|| {
        ApiError::bad(
            "ListenerNotFound",
            format!("One or more listeners not found: {arn}"),
        )
    })
}

fn describe_listeners(world: &World, input: &Doc) -> Result<Doc, ApiError> {
    let arns = input.strings("ListenerArns");
    let listeners: Vec<&Listener> = if !arns.is_empty() {
        arns.iter()
            .map(|a| listener(world, a))
            .collect::<Result<_, _>>()?
    } else if let Some(lb) = input.str("LoadBalancerArn") {
        if world.elb.lb(lb).is_none() {
            return Err(ApiError::bad(
                "LoadBalancerNotFound",
                format!("Load balancer '{lb}' not found"),
            ));
        }
        world
            .elb
            .listeners
            .iter()
            .filter(|l| l.lb_arn == lb)
            .collect()
    } else {
        return Err(ApiError::validation(
            "You must specify either listener ARNs or a load balancer ARN",
        ));
    };
    paged(
        listeners.into_iter().map(listener_doc).collect(),
        input,
        "Listeners",
    )
}

fn rule_doc(r: &Rule) -> Doc {
    Doc::map()
        .with("RuleArn", r.arn.as_str())
        .with("Priority", r.priority.to_string())
        .with("Conditions", Doc::List(r.conditions.clone()))
        .with("Actions", Doc::List(r.actions.clone()))
        .with("IsDefault", false)
}

fn default_rule_doc(l: &Listener) -> Doc {
    Doc::map()
        .with("RuleArn", l.default_rule_arn.as_str())
        .with("Priority", "default")
        .with("Conditions", Doc::List(Vec::new()))
        .with("Actions", Doc::List(l.default_actions.clone()))
        .with("IsDefault", true)
}

fn describe_rules(world: &World, input: &Doc) -> Result<Doc, ApiError> {
    let arns = input.strings("RuleArns");
    let docs: Vec<Doc> = if !arns.is_empty() {
        arns.iter()
            .map(|a| {
                if let Some(r) = world.elb.rules.iter().find(|r| &r.arn == a) {
                    return Ok(rule_doc(r));
                }
                world
                    .elb
                    .listeners
                    .iter()
                    .find(|l| &l.default_rule_arn == a)
                    .map(default_rule_doc)
                    .ok_or_else(|| {
                        ApiError::bad("RuleNotFound", format!("One or more rules not found: {a}"))
                    })
            })
            .collect::<Result<_, _>>()?
    } else if let Some(l) = input.str("ListenerArn") {
        let l = listener(world, l)?;
        let mut docs: Vec<Doc> = world
            .elb
            .rules_of(&l.arn)
            .into_iter()
            .map(rule_doc)
            .collect();
        docs.push(default_rule_doc(l));
        docs
    } else {
        return Err(ApiError::validation(
            "You must specify either rule ARNs or a listener ARN",
        ));
    };
    paged(docs, input, "Rules")
}

fn tg_doc(world: &World, tg: &TargetGroup) -> Doc {
    let hc = &tg.hc;
    let mut d = Doc::map()
        .with("TargetGroupArn", tg.arn.as_str())
        .with("TargetGroupName", tg.name.as_str())
        .with("Protocol", tg.protocol.as_str())
        .with("Port", tg.port)
        .with("VpcId", tg.vpc_id.as_str())
        .with("HealthCheckProtocol", hc.protocol.as_str())
        .with("HealthCheckPort", hc.port.as_str())
        .with("HealthCheckEnabled", hc.enabled)
        .with("HealthCheckIntervalSeconds", hc.interval)
        .with("HealthCheckTimeoutSeconds", hc.timeout)
        .with("HealthyThresholdCount", hc.healthy_threshold)
        .with("UnhealthyThresholdCount", hc.unhealthy_threshold)
        .with("HealthCheckPath", hc.path.as_deref());
    if let Some(m) = &hc.matcher {
        d = d.with("Matcher", Doc::map().with("HttpCode", m.as_str()));
    }
    d.with("LoadBalancerArns", str_list(world.elb.lbs_of_tg(&tg.arn)))
        .with("TargetType", tg.target_type.as_str())
        .with("IpAddressType", "ipv4")
}

fn target_group<'a>(world: &'a World, arn: &str) -> Result<&'a TargetGroup, ApiError> {
    world.elb.tg(arn).ok_or_else(|| {
        ApiError::bad(
            "TargetGroupNotFound",
            format!("Target groups '[{arn}]' not found"),
        )
    })
}

fn describe_target_groups(world: &World, call: &Call) -> Result<Doc, ApiError> {
    let input = &call.input;
    let arns = input.strings("TargetGroupArns");
    let names = input.strings("Names");
    let tgs: Vec<&TargetGroup> = if !arns.is_empty() {
        arns.iter()
            .map(|a| target_group(world, a))
            .collect::<Result<_, _>>()?
    } else if !names.is_empty() {
        names
            .iter()
            .map(|n| {
                world.elb.tgs.iter().find(|t| &t.name == n).ok_or_else(|| {
                    ApiError::bad(
                        "TargetGroupNotFound",
                        format!("Target groups '[{n}]' not found"),
                    )
                })
            })
            .collect::<Result<_, _>>()?
    } else if let Some(lb) = input.str("LoadBalancerArn") {
        if world.elb.lb(lb).is_none() {
            return Err(ApiError::bad(
                "LoadBalancerNotFound",
                format!("Load balancer '{lb}' not found"),
            ));
        }
        let of_lb = world.elb.tgs_of_lb(lb);
        world
            .elb
            .tgs
            .iter()
            .filter(|t| of_lb.contains(&t.arn))
            .collect()
    } else {
        let region_marker = format!(":{}:", call.region);
        world
            .elb
            .tgs
            .iter()
            .filter(|t| t.arn.contains(&region_marker))
            .collect()
    };
    paged(
        tgs.into_iter().map(|t| tg_doc(world, t)).collect(),
        input,
        "TargetGroups",
    )
}

fn describe_target_health(world: &World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("TargetGroupArn")
        .ok_or_else(|| ApiError::validation("TargetGroupArn is required"))?;
    let tg = target_group(world, arn)?;
    let wanted = input.list("Targets");
    let mut out = Vec::new();
    let describe = |t: &Target| {
        let h = world.target_health(tg, t);
        let port = if tg.hc.port == "traffic-port" {
            t.port.to_string()
        } else {
            tg.hc.port.clone()
        };
        let mut target = Doc::map().with("Id", t.id.as_str()).with("Port", t.port);
        if let Some(az) = &t.az {
            target = target.with("AvailabilityZone", az.as_str());
        }
        Doc::map()
            .with("Target", target)
            .with("HealthCheckPort", port)
            .with(
                "TargetHealth",
                Doc::map()
                    .with("State", h.state)
                    .with("Reason", h.reason)
                    .with("Description", h.description),
            )
    };
    if wanted.is_empty() {
        out.extend(tg.targets.iter().map(describe));
    } else {
        for w in wanted {
            let id = w.str("Id").unwrap_or_default();
            let port = w.get("Port").and_then(Doc::as_i64);
            match tg
                .targets
                .iter()
                .find(|t| t.id == id && port.is_none_or(|p| p == t.port))
            {
                Some(t) => out.push(describe(t)),
                None => out.push(
                    Doc::map()
                        .with(
                            "Target",
                            Doc::map()
                                .with("Id", id)
                                .with("Port", port.unwrap_or(tg.port)),
                        )
                        .with(
                            "TargetHealth",
                            Doc::map()
                                .with("State", "unused")
                                .with("Reason", "Target.NotRegistered")
                                .with(
                                    "Description",
                                    "Target is not registered to the target group",
                                ),
                        ),
                ),
            }
        }
    }
    Ok(Doc::map().with("TargetHealthDescriptions", Doc::List(out)))
}

const CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// Validates actions for a listener of `lb`, as ModifyListener and CreateRule do (scenarios are
/// checked with it too).
pub fn validate_actions(
    world: &World,
    lb: &LoadBalancer,
    actions: &[Doc],
    field: &str,
) -> Result<Vec<Doc>, ApiError> {
    if actions.is_empty() {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        )));
    }
    if actions.len() > 5 {
        return Err(ApiError::bad(
            "TooManyActions",
            "A rule or listener can have at most five actions",
        ));
    }
    let mut out = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        let n = i + 1;
        let kind = a.str("Type").unwrap_or_default();
        if lb.is_network() && kind != "forward" {
            return Err(ApiError::bad(
                "InvalidLoadBalancerAction",
                format!("Action type '{kind}' must be one of 'forward'"),
            ));
        }
        match kind {
            "forward" => {
                let tgs = action_target_groups(a);
                if tgs.is_empty() {
                    return Err(ApiError::validation(format!(
                        "A target group ARN must be specified for action {n} of type 'forward'"
                    )));
                }
                for arn in &tgs {
                    let tg = target_group(world, arn).map_err(|_| {
                        ApiError::bad(
                            "TargetGroupNotFound",
                            format!("Target groups '[{arn}]' not found"),
                        )
                    })?;
                    // A target group of type `alb` (TCP, an ALB as its target) can only be
                    // used by a Network Load Balancer (ELB user guide, "Use an Application Load
                    // Balancer as a target of a Network Load Balancer").
                    let alb_type_from_alb = tg.target_type == "alb" && !lb.is_network();
                    if tg.is_network_protocol() != lb.is_network() || alb_type_from_alb {
                        return Err(ApiError::bad(
                            "IncompatibleProtocols",
                            format!(
                                "The target group protocol '{}' is not compatible with the {} load balancer",
                                tg.protocol, lb.kind
                            ),
                        ));
                    }
                    if world.elb.lbs_of_tg(arn).iter().any(|l| l != &lb.arn) {
                        return Err(ApiError::bad(
                            "TargetGroupAssociationLimit",
                            format!(
                                "The following target groups cannot be associated with more than one load balancer: {arn}"
                            ),
                        ));
                    }
                }
                out.push(normalize_action(a));
            }
            "fixed-response" => {
                let f = a.get("FixedResponseConfig").ok_or_else(|| ApiError::validation(format!("FixedResponseConfig must be specified for action {n} of type 'fixed-response'")))?;
                let code = f.str("StatusCode").unwrap_or_default();
                if !(code.len() == 3
                    && matches!(code.as_bytes()[0], b'2' | b'4' | b'5')
                    && code.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value '{code}' at '{field}.{n}.member.fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$"
                    )));
                }
                if let Some(ct) = f.str("ContentType")
                    && !CONTENT_TYPES.contains(&ct)
                {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value '{ct}' at '{field}.{n}.member.fixedResponseConfig.contentType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        CONTENT_TYPES.join(", ")
                    )));
                }
                if let Some(body) = f.str("MessageBody")
                    && body.chars().count() > 1024
                {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value at '{field}.{n}.member.fixedResponseConfig.messageBody' failed to satisfy constraint: Member must have length less than or equal to 1024 (it has {})",
                        body.chars().count()
                    )));
                }
                out.push(a.clone());
            }
            "redirect" => {
                if a.get("RedirectConfig")
                    .and_then(|r| r.str("StatusCode"))
                    .is_none()
                {
                    return Err(ApiError::validation(format!(
                        "RedirectConfig with a StatusCode must be specified for action {n} of type 'redirect'"
                    )));
                }
                out.push(a.clone());
            }
            "authenticate-oidc" | "authenticate-cognito" => out.push(a.clone()),
            other => {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value '{other}' at '{field}.{n}.member.type' failed to satisfy constraint: Member must satisfy enum value set: [forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response]"
                )));
            }
        }
    }
    Ok(out)
}

fn lb_of_listener<'a>(world: &'a World, l: &Listener) -> Result<&'a LoadBalancer, ApiError> {
    world.elb.lb(&l.lb_arn).ok_or_else(|| {
        ApiError::bad(
            "LoadBalancerNotFound",
            format!("Load balancer '{}' not found", l.lb_arn),
        )
    })
}

fn modify_listener(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("ListenerArn")
        .ok_or_else(|| ApiError::validation("ListenerArn is required"))?;
    let l = listener(world, arn)?;
    let lb = lb_of_listener(world, l)?;
    let actions = match input.get("DefaultActions") {
        Some(Doc::List(actions)) => Some(validate_actions(world, lb, actions, "defaultActions")?),
        _ => None,
    };
    let port = input.get("Port").and_then(Doc::as_i64);
    if let Some(p) = port {
        if !(1..=65535).contains(&p) {
            return Err(ApiError::validation(format!("Port {p} is out of range")));
        }
        if world
            .elb
            .listeners
            .iter()
            .any(|o| o.lb_arn == l.lb_arn && o.port == p && o.arn != arn)
        {
            return Err(ApiError::bad(
                "DuplicateListener",
                "A listener already exists on this port for this load balancer",
            ));
        }
    }
    let protocol = input.str("Protocol").map(str::to_string);
    let l = world
        .elb
        .listeners
        .iter_mut()
        .find(|l| l.arn == arn)
        .ok_or_else(|| ApiError::bad("ListenerNotFound", "One or more listeners not found"))?;
    if let Some(actions) = actions {
        l.default_actions = actions;
    }
    if let Some(p) = port {
        l.port = p;
    }
    if let Some(p) = protocol {
        l.protocol = p;
    }
    let doc = listener_doc(l);
    Ok(Doc::map().with("Listeners", Doc::List(vec![doc])))
}

/// Normalises a condition the way ELB reports it: legacy `Values` beside the typed config.
fn normalize_condition(c: &Doc) -> Result<Doc, ApiError> {
    let field = c
        .str("Field")
        .ok_or_else(|| ApiError::validation("A condition must have a Field"))?;
    let config_key = match field {
        "path-pattern" => Some("PathPatternConfig"),
        "host-header" => Some("HostHeaderConfig"),
        "source-ip" | "http-header" | "http-request-method" | "query-string" => None,
        other => {
            return Err(ApiError::validation(format!(
                "Condition field '{other}' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'"
            )));
        }
    };
    let Some(key) = config_key else {
        return Ok(c.clone());
    };
    let mut values = c.strings("Values");
    if values.is_empty() {
        values = c.get(key).map(|k| k.strings("Values")).unwrap_or_default();
    }
    Ok(Doc::map()
        .with("Field", field)
        .with("Values", str_list(&values))
        .with(key, Doc::map().with("Values", str_list(&values))))
}

fn condition_values(c: &Doc) -> usize {
    let typed: usize = [
        "PathPatternConfig",
        "HostHeaderConfig",
        "SourceIpConfig",
        "HttpHeaderConfig",
        "HttpRequestMethodConfig",
    ]
    .iter()
    .filter_map(|k| c.get(k))
    .map(|k| k.list("Values").len())
    .sum::<usize>()
        + c.get("QueryStringConfig")
            .map_or(0, |q| q.list("Values").len());
    typed.max(c.list("Values").len())
}

fn create_rule(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("ListenerArn")
        .ok_or_else(|| ApiError::validation("ListenerArn is required"))?;
    let l = listener(world, arn)?.clone();
    let lb = lb_of_listener(world, &l)?.clone();
    if lb.is_network() {
        return Err(ApiError::bad(
            "InvalidConfigurationRequest",
            "Rules are not supported for listeners of network load balancers",
        ));
    }
    let priority = input
        .get("Priority")
        .and_then(Doc::as_i64)
        .ok_or_else(|| ApiError::validation("Priority is required"))?;
    if !(1..=50_000).contains(&priority) {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{priority}' at 'priority' failed to satisfy constraint: Member must have value between 1 and 50000"
        )));
    }
    if world
        .elb
        .rules
        .iter()
        .any(|r| r.listener_arn == arn && r.priority == priority)
    {
        return Err(ApiError::bad(
            "PriorityInUse",
            format!("Priority '{priority}' is currently in use"),
        ));
    }
    let conditions = input
        .list("Conditions")
        .iter()
        .map(normalize_condition)
        .collect::<Result<Vec<_>, _>>()?;
    if conditions.is_empty() {
        return Err(ApiError::validation(
            "A rule must have at least one condition",
        ));
    }
    let values: usize = conditions.iter().map(condition_values).sum();
    if values > 5 {
        return Err(ApiError::validation(format!(
            "A rule can only have '5' condition values, but it has '{values}'"
        )));
    }
    if world
        .elb
        .rules
        .iter()
        .filter(|r| r.listener_arn == arn)
        .count()
        >= 100
    {
        return Err(ApiError::bad(
            "TooManyRules",
            "The listener already has the maximum number of rules (100)",
        ));
    }
    let actions = validate_actions(world, &lb, input.list("Actions"), "actions")?;
    let tags = parse_tags(input)?;
    let rule_arn = format!(
        "{}/{}",
        l.arn.replacen(":listener/", ":listener-rule/", 1),
        world.ids.hex(16)
    );
    let rule = Rule {
        arn: rule_arn.clone(),
        listener_arn: arn.to_string(),
        priority,
        conditions,
        actions,
    };
    let doc = rule_doc(&rule);
    world.elb.rules.push(rule);
    if !tags.is_empty() {
        world.elb.tags.insert(rule_arn, tags);
    }
    Ok(Doc::map().with("Rules", Doc::List(vec![doc])))
}

/// ModifyRule: replaces the conditions and/or the actions of a rule (not its priority:
/// SetRulePriorities does that); the default rule's conditions cannot be changed.
fn modify_rule(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("RuleArn")
        .ok_or_else(|| ApiError::validation("RuleArn is required"))?;
    let Some(i) = world.elb.rules.iter().position(|r| r.arn == arn) else {
        return Err(ApiError::bad(
            "RuleNotFound",
            format!("One or more rules not found: {arn}"),
        ));
    };
    let rule = world.elb.rules[i].clone();
    let l = listener(world, &rule.listener_arn)?.clone();
    let lb = lb_of_listener(world, &l)?.clone();
    let conditions = match input.get("Conditions") {
        Some(_) => {
            let conditions = input
                .list("Conditions")
                .iter()
                .map(normalize_condition)
                .collect::<Result<Vec<_>, _>>()?;
            if conditions.is_empty() {
                return Err(ApiError::validation(
                    "A rule must have at least one condition",
                ));
            }
            let values: usize = conditions.iter().map(condition_values).sum();
            if values > 5 {
                return Err(ApiError::validation(format!(
                    "A rule can only have '5' condition values, but it has '{values}'"
                )));
            }
            conditions
        }
        None => rule.conditions.clone(),
    };
    let actions = match input.get("Actions") {
        Some(_) => validate_actions(world, &lb, input.list("Actions"), "actions")?,
        None => rule.actions.clone(),
    };
    let updated = Rule {
        conditions,
        actions,
        ..rule
    };
    let doc = rule_doc(&updated);
    world.elb.rules[i] = updated;
    Ok(Doc::map().with("Rules", Doc::List(vec![doc])))
}

/// ModifyTargetGroup: the health check settings, within AWS's limits.
fn modify_target_group(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("TargetGroupArn")
        .ok_or_else(|| ApiError::validation("TargetGroupArn is required"))?;
    let tg = target_group(world, arn)?;
    let mut hc = tg.hc.clone();
    let int = |name: &str| input.get(name).and_then(Doc::as_i64);
    let range = |name: &str, v: i64, lo: i64, hi: i64| -> Result<i64, ApiError> {
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(ApiError::validation(format!(
                "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must have value between {lo} and {hi}",
                name[..1].to_ascii_lowercase() + &name[1..]
            )))
        }
    };
    if let Some(v) = input.str("HealthCheckProtocol") {
        hc.protocol = v.to_string();
    }
    if let Some(v) = input.str("HealthCheckPort") {
        hc.port = v.to_string();
    }
    if let Some(v) = input.str("HealthCheckPath") {
        hc.path = Some(v.to_string());
    }
    if let Some(v) = input.get("HealthCheckEnabled").and_then(Doc::as_bool) {
        hc.enabled = v;
    }
    if let Some(v) = int("HealthCheckIntervalSeconds") {
        hc.interval = range("HealthCheckIntervalSeconds", v, 5, 300)?;
    }
    if let Some(v) = int("HealthCheckTimeoutSeconds") {
        hc.timeout = range("HealthCheckTimeoutSeconds", v, 2, 120)?;
    }
    if let Some(v) = int("HealthyThresholdCount") {
        hc.healthy_threshold = range("HealthyThresholdCount", v, 2, 10)?;
    }
    if let Some(v) = int("UnhealthyThresholdCount") {
        hc.unhealthy_threshold = range("UnhealthyThresholdCount", v, 2, 10)?;
    }
    if let Some(code) = input.get("Matcher").and_then(|m| m.str("HttpCode")) {
        hc.matcher = Some(code.to_string());
    }
    if hc.timeout >= hc.interval {
        return Err(ApiError::validation(
            "Health check interval must be greater than the timeout.",
        ));
    }
    let Some(tg) = world.elb.tg_mut(arn) else {
        return Err(target_group(world, arn).err().unwrap_or_else(|| {
            ApiError::bad(
                "TargetGroupNotFound",
                format!("Target groups '[{arn}]' not found"),
            )
        }));
    };
    tg.hc = hc;
    let tg = target_group(world, arn)?;
    Ok(Doc::map().with("TargetGroups", Doc::List(vec![tg_doc(world, tg)])))
}

fn tg_attributes_doc(tg: &TargetGroup) -> Doc {
    let mut all: Vec<(String, String)> = tg
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    all.push((
        "deregistration_delay.timeout_seconds".into(),
        tg.deregistration_delay.to_string(),
    ));
    all.sort();
    Doc::List(
        all.into_iter()
            .map(|(k, v)| Doc::map().with("Key", k).with("Value", v))
            .collect(),
    )
}

fn describe_tg_attributes(world: &World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("TargetGroupArn")
        .ok_or_else(|| ApiError::validation("TargetGroupArn is required"))?;
    let tg = target_group(world, arn)?;
    Ok(Doc::map().with("Attributes", tg_attributes_doc(tg)))
}

/// ModifyTargetGroupAttributes: known keys only, with their values checked; all or nothing.
fn modify_tg_attributes(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("TargetGroupArn")
        .ok_or_else(|| ApiError::validation("TargetGroupArn is required"))?;
    let tg = target_group(world, arn)?;
    let mut attributes = tg.attributes.clone();
    let mut delay = tg.deregistration_delay;
    let given = input.list("Attributes");
    if given.is_empty() {
        return Err(ApiError::validation("Attributes is required"));
    }
    for a in given {
        let key = a.str("Key").unwrap_or_default();
        let value = a.str("Value").unwrap_or_default();
        crate::world::elb::check_tg_attribute(&attributes, key, value)
            .map_err(|m| ApiError::bad("InvalidConfigurationRequest", m))?;
        if key == "deregistration_delay.timeout_seconds" {
            delay = value.parse().unwrap_or(delay);
        } else {
            attributes.insert(key.to_string(), value.to_string());
        }
    }
    let Some(tg) = world.elb.tg_mut(arn) else {
        return Err(ApiError::bad(
            "TargetGroupNotFound",
            format!("Target groups '[{arn}]' not found"),
        ));
    };
    tg.attributes = attributes;
    tg.deregistration_delay = delay;
    Ok(Doc::map().with("Attributes", tg_attributes_doc(tg)))
}

/// A load balancer's attributes with AWS's defaults (ELB user guides, "Load balancer
/// attributes"); cross-zone load balancing as it is set.
fn lb_attributes_doc(lb: &LoadBalancer) -> Doc {
    let cross_zone = lb.cross_zone.to_string();
    let mut all: Vec<(&str, String)> = vec![
        ("deletion_protection.enabled", "false".into()),
        ("load_balancing.cross_zone.enabled", cross_zone),
    ];
    if lb.is_network() {
        all.push((
            "dns_record.client_routing_policy",
            "any_availability_zone".into(),
        ));
    } else {
        all.push(("idle_timeout.timeout_seconds", "60".into()));
        all.push(("routing.http2.enabled", "true".into()));
    }
    all.sort();
    Doc::List(
        all.into_iter()
            .map(|(k, v)| Doc::map().with("Key", k).with("Value", v))
            .collect(),
    )
}

fn load_balancer_arn<'a>(world: &'a World, input: &Doc) -> Result<&'a LoadBalancer, ApiError> {
    let arn = input
        .str("LoadBalancerArn")
        .ok_or_else(|| ApiError::validation("LoadBalancerArn is required"))?;
    world.elb.lb(arn).ok_or_else(|| {
        ApiError::bad(
            "LoadBalancerNotFound",
            format!("Load balancers '[{arn}]' not found"),
        )
    })
}

fn describe_lb_attributes(world: &World, input: &Doc) -> Result<Doc, ApiError> {
    let lb = load_balancer_arn(world, input)?;
    Ok(Doc::map().with("Attributes", lb_attributes_doc(lb)))
}

/// ModifyLoadBalancerAttributes: the cross-zone load balancing of an NLB (an ALB's is always
/// on), and the other attributes as they are; all or nothing.
fn modify_lb_attributes(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let lb = load_balancer_arn(world, input)?;
    let arn = lb.arn.clone();
    let known = lb_attributes_doc(lb);
    let mut cross_zone = lb.cross_zone;
    let given = input.list("Attributes");
    if given.is_empty() {
        return Err(ApiError::validation("Attributes is required"));
    }
    for a in given {
        let key = a.str("Key").unwrap_or_default();
        let value = a.str("Value").unwrap_or_default();
        let bad = || {
            ApiError::bad(
                "InvalidConfigurationRequest",
                format!("The value '{value}' is not valid for load balancer attribute '{key}'"),
            )
        };
        match key {
            "load_balancing.cross_zone.enabled" => match (value, lb.is_network()) {
                ("true", _) => cross_zone = true,
                ("false", true) => cross_zone = false,
                _ => return Err(bad()),
            },
            k if matches!(&known, Doc::List(items) if items.iter().any(|d| d.str("Key") == Some(k))) =>
                {}
            _ => {
                return Err(ApiError::validation(format!(
                    "Load balancer attribute key '{key}' is not recognized"
                )));
            }
        }
    }
    let Some(lb) = world.elb.lbs.iter_mut().find(|l| l.arn == arn) else {
        return Err(ApiError::bad(
            "LoadBalancerNotFound",
            format!("Load balancers '[{arn}]' not found"),
        ));
    };
    lb.cross_zone = cross_zone;
    Ok(Doc::map().with("Attributes", lb_attributes_doc(lb)))
}

fn delete_rule(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("RuleArn")
        .ok_or_else(|| ApiError::validation("RuleArn is required"))?;
    if world
        .elb
        .listeners
        .iter()
        .any(|l| l.default_rule_arn == arn)
    {
        return Err(ApiError::bad(
            "OperationNotPermitted",
            format!("Default rule '{arn}' cannot be deleted"),
        ));
    }
    let before = world.elb.rules.len();
    world.elb.rules.retain(|r| r.arn != arn);
    if world.elb.rules.len() == before {
        return Err(ApiError::bad(
            "RuleNotFound",
            format!("One or more rules not found: {arn}"),
        ));
    }
    world.elb.tags.remove(arn);
    Ok(Doc::map())
}

/// SetRulePriorities: all the given rules take their new priorities at once, or none does. The
/// priorities after the change must be unique per listener (`PriorityInUse`); a rule that does
/// not exist is `RuleNotFound`; a default rule has no priority to change
/// (`OperationNotPermitted`).
fn set_rule_priorities(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let pairs = input.list("RulePriorities");
    if pairs.is_empty() {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'rulePriorities' failed to satisfy constraint: Member must not be null",
        ));
    }
    let mut updates: Vec<(String, String, i64)> = Vec::new();
    for (i, rp) in pairs.iter().enumerate() {
        let arn = rp.str("RuleArn").unwrap_or_default().to_string();
        let priority = rp
            .get("Priority")
            .and_then(Doc::as_i64)
            .ok_or_else(|| ApiError::validation("Priority is required"))?;
        if !(1..=50_000).contains(&priority) {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{priority}' at 'rulePriorities.{}.member.priority' failed to satisfy constraint: Member must have value between 1 and 50000",
                i + 1
            )));
        }
        if updates.iter().any(|(a, _, _)| *a == arn) {
            return Err(ApiError::validation(format!(
                "Rule '{arn}' is specified more than once"
            )));
        }
        if world
            .elb
            .listeners
            .iter()
            .any(|l| l.default_rule_arn == arn)
        {
            return Err(ApiError::bad(
                "OperationNotPermitted",
                format!("The priority of default rule '{arn}' cannot be changed"),
            ));
        }
        let rule = world
            .elb
            .rules
            .iter()
            .find(|r| r.arn == arn)
            .ok_or_else(|| {
                ApiError::bad(
                    "RuleNotFound",
                    format!("One or more rules not found: {arn}"),
                )
            })?;
        updates.push((arn, rule.listener_arn.clone(), priority));
    }
    // The priorities after the whole change must be unique per listener.
    for (arn, listener, priority) in &updates {
        let clash = world.elb.rules.iter().any(|r| {
            &r.listener_arn == listener
                && &r.arn != arn
                && updates
                    .iter()
                    .find(|(a, _, _)| a == &r.arn)
                    .map_or(r.priority, |(_, _, p)| *p)
                    == *priority
        });
        if clash {
            return Err(ApiError::bad(
                "PriorityInUse",
                format!("Priority '{priority}' is currently in use"),
            ));
        }
    }
    let mut docs = Vec::new();
    for (arn, _, priority) in updates {
        if let Some(r) = world.elb.rules.iter_mut().find(|r| r.arn == arn) {
            r.priority = priority;
            docs.push(rule_doc(r));
        }
    }
    Ok(Doc::map().with("Rules", Doc::List(docs)))
}

fn parse_tags(input: &Doc) -> Result<Vec<(String, String)>, ApiError> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for t in input.list("Tags") {
        let key = t.str("Key").unwrap_or_default().to_string();
        if key.is_empty() || key.len() > 128 {
            return Err(ApiError::validation(
                "Tag keys must have between 1 and 128 characters",
            ));
        }
        if tags.iter().any(|(k, _)| *k == key) {
            return Err(ApiError::bad(
                "DuplicateTagKeys",
                format!("Tag key '{key}' is duplicated"),
            ));
        }
        let value = t.str("Value").unwrap_or_default().to_string();
        if value.len() > 256 {
            return Err(ApiError::validation(
                "Tag values can have at most 256 characters",
            ));
        }
        tags.push((key, value));
    }
    Ok(tags)
}

fn resource_exists(world: &World, arn: &str) -> Result<(), ApiError> {
    let found = world.elb.lb(arn).is_some()
        || world.elb.listener(arn).is_some()
        || world.elb.tg(arn).is_some()
        || world.elb.rules.iter().any(|r| r.arn == arn)
        || world
            .elb
            .listeners
            .iter()
            .any(|l| l.default_rule_arn == arn);
    if found {
        return Ok(());
    }
    let code = if arn.contains(":targetgroup/") {
        "TargetGroupNotFound"
    } else if arn.contains(":listener-rule/") {
        "RuleNotFound"
    } else if arn.contains(":listener/") {
        "ListenerNotFound"
    } else {
        "LoadBalancerNotFound"
    };
    Err(ApiError::bad(code, format!("Resource '{arn}' not found")))
}

fn add_tags(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arns = input.strings("ResourceArns");
    let tags = parse_tags(input)?;
    for arn in &arns {
        resource_exists(world, arn)?;
        let existing = world.elb.tags.get(arn).cloned().unwrap_or_default();
        let mut merged = existing;
        for (k, v) in &tags {
            match merged.iter_mut().find(|(ek, _)| ek == k) {
                Some(t) => t.1 = v.clone(),
                None => merged.push((k.clone(), v.clone())),
            }
        }
        if merged.len() > 50 {
            return Err(ApiError::bad(
                "TooManyTags",
                "You've reached the limit on the number of tags for this resource (50)",
            ));
        }
    }
    for arn in arns {
        let entry = world.elb.tags.entry(arn).or_default();
        for (k, v) in &tags {
            match entry.iter_mut().find(|(ek, _)| ek == k) {
                Some(t) => t.1 = v.clone(),
                None => entry.push((k.clone(), v.clone())),
            }
        }
    }
    Ok(Doc::map())
}

fn remove_tags(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arns = input.strings("ResourceArns");
    let keys = input.strings("TagKeys");
    for arn in &arns {
        resource_exists(world, arn)?;
    }
    for arn in arns {
        if let Some(tags) = world.elb.tags.get_mut(&arn) {
            tags.retain(|(k, _)| !keys.contains(k));
        }
    }
    Ok(Doc::map())
}

fn describe_tags(world: &World, input: &Doc) -> Result<Doc, ApiError> {
    let mut out = Vec::new();
    for arn in input.strings("ResourceArns") {
        resource_exists(world, &arn)?;
        let tags = world.elb.tags.get(&arn).cloned().unwrap_or_default();
        out.push(
            Doc::map().with("ResourceArn", arn.as_str()).with(
                "Tags",
                Doc::List(
                    tags.iter()
                        .map(|(k, v)| Doc::map().with("Key", k.as_str()).with("Value", v.as_str()))
                        .collect(),
                ),
            ),
        );
    }
    Ok(Doc::map().with("TagDescriptions", Doc::List(out)))
}

fn register_targets(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("TargetGroupArn")
        .ok_or_else(|| ApiError::validation("TargetGroupArn is required"))?;
    let tg = target_group(world, arn)?;
    let mut new = Vec::new();
    for t in input.list("Targets") {
        let id = t.str("Id").unwrap_or_default().to_string();
        let port = t.get("Port").and_then(Doc::as_i64).unwrap_or(tg.port);
        let valid = match tg.target_type.as_str() {
            "instance" => world.instances.iter().any(|i| i.id == id),
            "alb" => world.elb.lb(&id).is_some(),
            _ => id.parse::<std::net::IpAddr>().is_ok(),
        };
        if !valid {
            return Err(ApiError::bad(
                "InvalidTarget",
                format!("The following targets are not valid: {id}"),
            ));
        }
        let az = t.str("AvailabilityZone").map(str::to_string).or_else(|| {
            world
                .instances
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.az.clone())
        });
        new.push((id, port, az));
    }
    let now = world.now;
    let tg = world
        .elb
        .tg_mut(arn)
        .ok_or_else(|| ApiError::bad("TargetGroupNotFound", "Target group not found"))?;
    for (id, port, az) in new {
        match tg.targets.iter_mut().find(|t| t.id == id && t.port == port) {
            Some(existing) if existing.deregistered_at.is_some() => {
                *existing = Target::new(&id, port, az, now)
            }
            Some(_) => {}
            None => tg.targets.push(Target::new(&id, port, az, now)),
        }
    }
    Ok(Doc::map())
}

fn deregister_targets(world: &mut World, input: &Doc) -> Result<Doc, ApiError> {
    let arn = input
        .str("TargetGroupArn")
        .ok_or_else(|| ApiError::validation("TargetGroupArn is required"))?;
    target_group(world, arn)?;
    let now = world.now;
    let wanted: Vec<(String, Option<i64>)> = input
        .list("Targets")
        .iter()
        .map(|t| {
            (
                t.str("Id").unwrap_or_default().to_string(),
                t.get("Port").and_then(Doc::as_i64),
            )
        })
        .collect();
    let tg = world
        .elb
        .tg_mut(arn)
        .ok_or_else(|| ApiError::bad("TargetGroupNotFound", "Target group not found"))?;
    for (id, port) in &wanted {
        let found = tg
            .targets
            .iter_mut()
            .find(|t| &t.id == id && port.is_none_or(|p| p == t.port));
        match found {
            Some(t) => {
                if t.deregistered_at.is_none() {
                    t.deregistered_at = Some(now);
                }
            }
            None => {
                return Err(ApiError::bad(
                    "InvalidTarget",
                    format!("The following targets are not registered: {id}"),
                ));
            }
        }
    }
    Ok(Doc::map())
}
