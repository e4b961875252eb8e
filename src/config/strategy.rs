//! `[[site.maintenance]]` tables: the seven maintenance strategies, their keys and their checks.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::error::ProblemKind;
use super::ids::{self, ElbKind, LbType, quote};
use super::schema::{
    FIXED_RESPONSE_BODY_MAX, OperatorAllow, RecordType, RulePriority, SAMPLE_MAINTENANCE_PAGE,
    STRATEGY_NAMES, SorryAction, Strategy,
};
use super::suggest::closest;
use super::tree::{Ctx, Tbl, Val, show_key};
use super::validate::{Env, alarm_list, checked, resolve_path};

/// What a strategy needs to know about its site.
pub(crate) struct SiteInfo<'a> {
    /// The site's record type (`None`: invalid, already reported).
    pub record_type: Option<RecordType>,
    /// The config names no record type: the site covers every address type at its name.
    pub every_type: bool,
    /// The site's distribution, if given and valid.
    pub distribution: Option<&'a str>,

    /// The config file's folder, for `body_file`.
    pub base_dir: &'a Path,
    /// Home folder, for `~/` in `body_file`.
    pub env: &'a Env,
}

/// The keys each strategy accepts, besides `strategy`.
fn keys_of(name: &str) -> &'static [&'static str] {
    match name {
        "route53-invert-health-check" => &["strategy", "health_check"],
        "route53-swap-primary" => &["strategy"],
        "route53-set-record" => &["strategy", "values", "ttl"],
        "elb-listener-sorry" => &[
            "strategy",
            "listener",
            "sorry_target_group",
            "fixed_response",
        ],
        "alb-maintenance-rule" => &[
            "strategy",
            "listener",
            "priority",
            "allow_cidrs",
            "allow_forwarded_for",
            "fixed_response",
            "sorry_target_group",
        ],
        "silence-alarms" => &["strategy", "alarms"],
        "cloudfront-invalidate" => &["strategy", "distribution", "paths", "on_fail_back"],
        "route53-weighted-sorry" => &["strategy", "sorry_member", "weight"],
        _ => &["strategy"],
    }
}

const FIXED_RESPONSE_KEYS: &[&str] = &["status", "content_type", "body_file", "body"];

const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// At most this many values in one listener rule's conditions (an AWS limit).
const RULE_CONDITION_VALUES_MAX: usize = 5;

/// The highest first priority: the engine also uses `priority + 1`, and 50000 is AWS's maximum.
const PRIORITY_MAX: i64 = 49_999;

/// The largest number of paths in one invalidation (an AWS limit).
const INVALIDATION_PATHS_MAX: usize = 3000;

/// Parses one `[[site.maintenance]]` table; `None` when it has problems (reported).
pub(crate) fn parse(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>, site: &SiteInfo<'_>) -> Option<Strategy> {
    let all = STRATEGY_NAMES.join(", ");
    let (name, span) = ctx.req_str(t, "strategy", &format!("one of: {all}"))?;
    let Some(&name) = STRATEGY_NAMES.iter().find(|n| **n == name) else {
        let guess = closest(name, &STRATEGY_NAMES).or_else(|| {
            let lower = name.to_ascii_lowercase();
            let mut hits = STRATEGY_NAMES
                .iter()
                .filter(|n| !lower.is_empty() && (n.contains(&lower) || lower.contains(**n)));
            match (hits.next(), hits.next()) {
                (Some(one), None) => Some(*one),
                _ => None,
            }
        });
        let advice = match guess {
            Some(g) => format!("; did you mean \"{g}\"?"),
            None => String::new(),
        };
        ctx.error(
            &span,
            &t.child("strategy"),
            format!(
                "unknown strategy {}{advice} (valid strategies: {all})",
                quote(name)
            ),
        );
        return None;
    };
    let known = keys_of(name);
    ctx.check_keys(t, known, &|key| {
        let owner = STRATEGY_NAMES
            .iter()
            .find(|n| keys_of(n).contains(&key) && !known.contains(&key))?;
        Some(format!(
            "{} is a key of strategy {owner}, not of {name}",
            show_key(key)
        ))
    });
    let before = ctx.problems.len();
    let strategy = match name {
        "route53-invert-health-check" => invert_health_check(ctx, t),
        "route53-swap-primary" => Some(Strategy::SwapPrimary),
        "route53-set-record" => set_record(ctx, t, site),
        "elb-listener-sorry" => listener_sorry(ctx, t, site),
        "alb-maintenance-rule" => maintenance_rule(ctx, t, site),
        "silence-alarms" => silence_alarms(ctx, t),
        "route53-weighted-sorry" => weighted_sorry(ctx, t),
        _ => invalidate(ctx, t, site),
    };
    if ctx.problems.len() != before {
        return None;
    }
    strategy
}

/// True when `b` must not follow `a` in one site: the same switch twice, or two switches that
/// both rewrite the site's record.
pub(crate) fn conflicts(a: &Strategy, b: &Strategy) -> bool {
    use Strategy::*;
    match (a, b) {
        (InvertHealthCheck { health_check: x }, InvertHealthCheck { health_check: y }) => x == y,
        (
            SwapPrimary | SetRecord { .. } | WeightedSorry { .. },
            SwapPrimary | SetRecord { .. } | WeightedSorry { .. },
        ) => true,
        (ListenerSorry { listener: x, .. }, ListenerSorry { listener: y, .. }) => x == y,
        (MaintenanceRule { listener: x, .. }, MaintenanceRule { listener: y, .. }) => x == y,
        _ => false,
    }
}

fn invert_health_check(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> Option<Strategy> {
    let health_check = match ctx.str(t, "health_check") {
        Some((s, span)) => Some(
            checked(
                ctx,
                &span,
                &t.child("health_check"),
                ids::check_health_check_id(s),
            )
            .map(|()| s.to_string())?,
        ),
        None => None,
    };
    Some(Strategy::InvertHealthCheck { health_check })
}

fn set_record(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>, site: &SiteInfo<'_>) -> Option<Strategy> {
    if t.get("values").is_none() {
        let example = match site.record_type {
            Some(RecordType::Aaaa) => "[\"2001:db8::10\"]",
            Some(RecordType::Cname) => "[\"standby.example.com\"]",
            _ => "[\"192.0.2.10\"]",
        };
        ctx.missing(
            t,
            "values",
            &format!("what to set the record to, such as {example}"),
        );
    }
    let record_type = site.record_type.unwrap_or_default();
    let every_type = site.every_type;
    let check = move |s: &str| -> Result<String, String> {
        if every_type {
            // A and AAAA values go to the records of their family; a name to the CNAME.
            if let Ok(ip) = s.parse::<std::net::IpAddr>() {
                return Ok(ip.to_string());
            }
            return ids::parse_dns_name(s, false).map_err(|_| {
                format!(
                    "{} is neither an IPv4 or IPv6 address (for the A and AAAA records) nor a DNS \
                     name (for a CNAME)",
                    quote(s)
                )
            });
        }
        match record_type {
            RecordType::A => s.parse::<Ipv4Addr>().map(|ip| ip.to_string()).map_err(|_| {
                let hint = if s.parse::<Ipv6Addr>().is_ok() {
                    " (for IPv6 set the site's record_type = \"AAAA\", or remove record_type \
                     so that the site covers its A and AAAA records)"
                } else {
                    ""
                };
                format!(
                    "{} is not an IPv4 address, as the site's A record needs{hint}",
                    quote(s)
                )
            }),
            RecordType::Aaaa => s.parse::<Ipv6Addr>().map(|ip| ip.to_string()).map_err(|_| {
                format!(
                    "{} is not an IPv6 address, as the site's AAAA record needs",
                    quote(s)
                )
            }),
            RecordType::Cname => ids::parse_dns_name(s, false),
        }
    };
    let values = ctx.str_list(t, "values", &check);
    if let Some(v) = t.get("values") {
        if is_empty_array(v) {
            ctx.error(
                &v.span(),
                &t.child("values"),
                "the list is empty; give at least one value",
            );
        }
        let names = values.as_ref().map_or(0, |v| {
            v.iter()
                .filter(|x| x.parse::<std::net::IpAddr>().is_err())
                .count()
        });
        if let Some(values) = &values
            && site.every_type
            && names > 0
            && values.len() > 1
        {
            ctx.error(
                &v.span(),
                &t.child("values"),
                "give IPv4 and IPv6 addresses (for the A and AAAA records), or exactly one DNS name \
                 (for a CNAME), not both",
            );
        }
        if let Some(values) = &values
            && record_type == RecordType::Cname
            && !site.every_type
            && values.len() > 1
        {
            ctx.error(
                &v.span(),
                &t.child("values"),
                format!(
                    "a CNAME record holds exactly one name, {} given",
                    values.len()
                ),
            );
        }
    }
    let ttl = match ctx.int(t, "ttl") {
        Some((n, span)) => Some(checked(
            ctx,
            &span,
            &t.child("ttl"),
            u32::try_from(n)
                .ok()
                .filter(|n| *n <= 2_147_483_647)
                .ok_or_else(|| format!("{n} is out of range (expected 0 to 2147483647 seconds)")),
        )?),
        None => None,
    };
    site.record_type?;
    Some(Strategy::SetRecord {
        values: values?,
        ttl,
    })
}

/// The listener ARN of a listener strategy; `lb_type` restricts it to ALB or NLB listeners.
fn listener(
    ctx: &mut Ctx<'_>,
    t: &Tbl<'_, '_>,
    lb_type: Option<LbType>,
) -> Option<(String, LbType)> {
    let (s, span) = ctx.req_str(t, "listener", "the listener ARN")?;
    let mut result = ids::check_elb_arn(s, ElbKind::Listener, lb_type);
    if lb_type == Some(LbType::Application)
        && let Err(msg) = &mut result
        && ids::check_elb_arn(s, ElbKind::Listener, Some(LbType::Network)).is_ok()
    {
        msg.push_str(
            "; NLB listeners have no rules with fixed responses: use elb-listener-sorry with a \
             sorry_target_group",
        );
    }
    let arn = checked(ctx, &span, &t.child("listener"), result)?;
    Some((s.to_string(), arn.lb_type.unwrap_or(LbType::Application)))
}

fn target_group(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> Option<String> {
    let (s, span) = ctx.str(t, "sorry_target_group")?;
    checked(
        ctx,
        &span,
        &t.child("sorry_target_group"),
        ids::check_elb_arn(s, ElbKind::TargetGroup, None),
    )
    .map(|_| s.to_string())
}

fn listener_sorry(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>, site: &SiteInfo<'_>) -> Option<Strategy> {
    let listener = listener(ctx, t, None);
    let has_tg = t.get("sorry_target_group").is_some();
    let fixed = t.get("fixed_response");
    let action = match (has_tg, fixed) {
        (true, Some(v)) => {
            ctx.error(
                &v.span(),
                &t.child("fixed_response"),
                "give either `sorry_target_group` or `fixed_response`, not both",
            );
            None
        }
        (true, None) => target_group(ctx, t).map(SorryAction::TargetGroup),
        (false, Some(v)) => {
            if let Some((_, LbType::Network)) = listener {
                ctx.error(
                    &v.span(),
                    &t.child("fixed_response"),
                    "an NLB listener has no fixed-response action; use `sorry_target_group` \
                     (a target group that serves the sorry page)",
                );
                None
            } else {
                fixed_response(ctx, v, &t.child("fixed_response"), site)
            }
        }
        (false, None) => {
            let what = match listener {
                Some((_, LbType::Network)) => {
                    "`sorry_target_group`: the target group that serves the sorry page"
                }
                _ => {
                    "either `sorry_target_group` (a target group ARN) or `fixed_response` \
                     (such as `fixed_response = {}` for the sample page)"
                }
            };
            ctx.error(
                &t.span,
                &t.path,
                format!("missing what the listener answers during maintenance: give {what}"),
            );
            None
        }
    };
    Some(Strategy::ListenerSorry {
        listener: listener?.0,
        action: action?,
    })
}

fn maintenance_rule(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>, site: &SiteInfo<'_>) -> Option<Strategy> {
    let listener = listener(ctx, t, Some(LbType::Application));
    let priority = rule_priority(ctx, t);
    let cidrs = ctx.str_list(t, "allow_cidrs", &ids::parse_cidr);
    let xff = ctx.str_list(t, "allow_forwarded_for", &|s| {
        s.parse::<IpAddr>().map_err(|_| {
            let hint = if s.contains('/') {
                " (X-Forwarded-For is matched as text, so CIDR blocks do not work here: list \
                 single addresses)"
            } else {
                ""
            };
            format!("{} is not an IP address{hint}", quote(s))
        })
    });
    let too_many = |ctx: &mut Ctx<'_>, key: &str, n: usize| {
        if n > RULE_CONDITION_VALUES_MAX
            && let Some(v) = t.get(key)
        {
            ctx.error(
                &v.span(),
                &t.child(key),
                format!(
                    "{n} values given; a listener rule holds at most \
                     {RULE_CONDITION_VALUES_MAX} condition values (AWS limit)"
                ),
            );
        }
    };
    too_many(ctx, "allow_cidrs", cidrs.as_ref().map_or(0, Vec::len));
    too_many(ctx, "allow_forwarded_for", xff.as_ref().map_or(0, Vec::len));
    let allow = match (cidrs, xff) {
        (Some(_), Some(_)) => {
            if let Some(v) = t.get("allow_forwarded_for") {
                ctx.error(
                    &v.span(),
                    &t.child("allow_forwarded_for"),
                    format!(
                        "use either `allow_cidrs` or `allow_forwarded_for`, not both: AWS allows \
                         {RULE_CONDITION_VALUES_MAX} condition values per rule in all (use \
                         `allow_forwarded_for` when the ALB is behind CloudFront)"
                    ),
                );
            }
            None
        }
        (Some(c), None) if !c.is_empty() => Some(OperatorAllow::SourceIp(c)),
        (None, Some(x)) if !x.is_empty() => Some(OperatorAllow::ForwardedFor(x)),
        _ => Some(OperatorAllow::Nobody),
    };
    let action = match (t.get("sorry_target_group"), t.get("fixed_response")) {
        (Some(_), Some(v)) => {
            ctx.error(
                &v.span(),
                &t.child("fixed_response"),
                "give either `sorry_target_group` or `fixed_response`, not both",
            );
            None
        }
        (Some(_), None) => target_group(ctx, t).map(SorryAction::TargetGroup),
        (None, Some(v)) => fixed_response(ctx, v, &t.child("fixed_response"), site),
        (None, None) => Some(sample_page()),
    };
    Some(Strategy::MaintenanceRule {
        listener: listener?.0,
        priority: priority?,
        allow: allow?,
        action: action?,
    })
}

/// `priority`: `"first"` (also when not given) or a number from 1 to [`PRIORITY_MAX`].
fn rule_priority(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> Option<RulePriority> {
    let expected = format!(
        "\"first\" (ahead of every rule of the listener) or a number from 1 to {PRIORITY_MAX}"
    );
    let v = match t.get("priority") {
        None => return Some(RulePriority::First),
        Some(v) => v,
    };
    match v.get_ref() {
        toml::de::DeValue::String(_) => {
            let (s, span) = ctx.str(t, "priority")?;
            if s.eq_ignore_ascii_case("first") {
                Some(RulePriority::First)
            } else {
                ctx.error(
                    &span,
                    &t.child("priority"),
                    format!("{} is not a priority: give {expected}", quote(s)),
                );
                None
            }
        }
        toml::de::DeValue::Integer(_) => {
            let (n, span) = ctx.int(t, "priority")?;
            let ok = (1..=PRIORITY_MAX).contains(&n);
            if !ok {
                ctx.error(
                    &span,
                    &t.child("priority"),
                    format!(
                        "{n} is out of range: expected 1 to {PRIORITY_MAX} (the rules take \
                         `priority` and `priority + 1`; AWS allows 1 to 50000), or \"first\""
                    ),
                );
            }
            u32::try_from(n).ok().filter(|_| ok).map(RulePriority::At)
        }
        _ => {
            ctx.wrong_type(v, &t.child("priority"), &expected);
            None
        }
    }
}

fn is_empty_array(v: &Val<'_>) -> bool {
    matches!(v.get_ref(), toml::de::DeValue::Array(a) if a.is_empty())
}

fn sample_page() -> SorryAction {
    SorryAction::FixedResponse {
        status: 503,
        content_type: "text/html".into(),
        body: SAMPLE_MAINTENANCE_PAGE.into(),
    }
}

/// A `fixed_response` table: status, content type and body (inline, from a file, or the sample).
fn fixed_response(
    ctx: &mut Ctx<'_>,
    v: &Val<'_>,
    path: &str,
    site: &SiteInfo<'_>,
) -> Option<SorryAction> {
    if !matches!(v.get_ref(), toml::de::DeValue::Table(_)) {
        ctx.wrong_type(
            v,
            path,
            "a table such as { status = 503, body_file = \"maintenance.html\" } ({} for the sample page)",
        );
        return None;
    }
    let t = ctx.as_table(v, path)?;
    ctx.check_keys(&t, FIXED_RESPONSE_KEYS, &|_| None);
    let status = match ctx.int(&t, "status") {
        None => Some(503),
        Some((n, span)) => {
            let ok = (200..=299).contains(&n) || (400..=599).contains(&n);
            if !ok {
                ctx.error(
                    &span,
                    &t.child("status"),
                    format!(
                        "{n} is not allowed: a fixed response's status must be 2xx, 4xx or 5xx"
                    ),
                );
            }
            u16::try_from(n).ok().filter(|_| ok)
        }
    };
    let content_type = match ctx.str(&t, "content_type") {
        None if t.get("content_type").is_some() => None,
        None => Some("text/html".to_string()),
        Some((s, span)) => {
            if CONTENT_TYPES.contains(&s) {
                Some(s.to_string())
            } else {
                ctx.error(
                    &span,
                    &t.child("content_type"),
                    format!(
                        "{} is not a fixed-response content type (expected one of: {})",
                        quote(s),
                        CONTENT_TYPES.join(", ")
                    ),
                );
                None
            }
        }
    };
    let body = match (t.get("body"), t.get("body_file")) {
        (Some(_), Some(f)) => {
            ctx.error(
                &f.span(),
                &t.child("body_file"),
                "give either `body` or `body_file`, not both",
            );
            None
        }
        (Some(_), None) => {
            let (s, span) = ctx.str(&t, "body")?;
            check_body_len(s, "the body").map_or_else(
                |msg| {
                    ctx.error(&span, &t.child("body"), msg);
                    None
                },
                |()| Some(s.to_string()),
            )
        }
        (None, Some(_)) => {
            let (s, span) = ctx.str(&t, "body_file")?;
            read_body_file(ctx, s, &span, &t.child("body_file"), site)
        }
        (None, None) => {
            if let Some(ct) = &content_type
                && ct != "text/html"
            {
                let span = t.get("content_type").map_or(t.span.clone(), |v| v.span());
                ctx.error(
                    &span,
                    &t.child("content_type"),
                    format!(
                        "the built-in sample page is HTML; with content_type = {} give a `body` \
                         or `body_file`",
                        quote(ct)
                    ),
                );
                None
            } else {
                Some(SAMPLE_MAINTENANCE_PAGE.to_string())
            }
        }
    };
    Some(SorryAction::FixedResponse {
        status: status?,
        content_type: content_type?,
        body: body?,
    })
}

fn check_body_len(body: &str, what: &str) -> Result<(), String> {
    let n = body.chars().count();
    if n > FIXED_RESPONSE_BODY_MAX {
        Err(format!(
            "{what} is {n} characters long; a fixed-response body holds at most \
             {FIXED_RESPONSE_BODY_MAX} (AWS limit)"
        ))
    } else {
        Ok(())
    }
}

/// Reads a `body_file` (relative to the config file's folder) and checks its length.
fn read_body_file(
    ctx: &mut Ctx<'_>,
    s: &str,
    span: &std::ops::Range<usize>,
    key: &str,
    site: &SiteInfo<'_>,
) -> Option<String> {
    let path = match resolve_path(s, site.base_dir, site.env) {
        Ok(p) => p,
        Err(msg) => {
            ctx.error(span, key, msg);
            return None;
        }
    };
    let shown = path.display().to_string();
    let fail = |ctx: &mut Ctx<'_>, why: String| {
        ctx.push(
            span,
            key,
            ProblemKind::Io,
            format!("cannot read {}: {why}", quote(&shown)),
        );
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                "no such file (body_file is relative to the config file's folder)".to_string()
            } else {
                e.to_string()
            };
            fail(ctx, why);
            return None;
        }
    };
    // At most 4 bytes per character: read one byte more than the longest allowed body.
    let limit = (FIXED_RESPONSE_BODY_MAX * 4 + 1) as u64;
    let mut bytes = Vec::new();
    if let Err(e) = file.take(limit).read_to_end(&mut bytes) {
        fail(ctx, e.to_string());
        return None;
    }
    if bytes.len() as u64 >= limit {
        ctx.error(
            span,
            key,
            format!(
                "{} is longer than {FIXED_RESPONSE_BODY_MAX} characters, the most a \
                 fixed-response body holds (AWS limit)",
                quote(&shown)
            ),
        );
        return None;
    }
    let Ok(body) = String::from_utf8(bytes) else {
        fail(ctx, "it is not UTF-8 text".into());
        return None;
    };
    match check_body_len(&body, &quote(&shown)) {
        Ok(()) => Some(body),
        Err(msg) => {
            ctx.error(span, key, msg);
            None
        }
    }
}

fn weighted_sorry(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> Option<Strategy> {
    let sorry_member = match ctx.str(t, "sorry_member") {
        None => None,
        Some((s, span)) => {
            let ok = !s.is_empty() && s.chars().count() <= 128;
            if !ok {
                ctx.error(
                    &span,
                    &t.child("sorry_member"),
                    format!(
                        "{} is not a set identifier (1 to 128 characters: the Record ID of the \
                         weighted record that serves the sorry page)",
                        quote(s)
                    ),
                );
            }
            ok.then(|| s.to_string())
        }
    };
    let weight = match ctx.int(t, "weight") {
        None => None,
        Some((n, span)) => Some(checked(
            ctx,
            &span,
            &t.child("weight"),
            u8::try_from(n).ok().filter(|w| *w > 0).ok_or_else(|| {
                format!(
                    "{n} is out of range: the sorry member's weight during maintenance is 1 to 255 \
                     (Route 53 weights are 0 to 255, and 0 would send it no traffic)"
                )
            }),
        )?),
    };
    Some(Strategy::WeightedSorry {
        sorry_member,
        weight,
    })
}

fn silence_alarms(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> Option<Strategy> {
    if t.get("alarms").is_none() {
        ctx.missing(
            t,
            "alarms",
            "the alarms whose actions to disable, such as [\"app-1-StatusCheckFailed\"]",
        );
        return None;
    }
    let alarms = alarm_list(ctx, t, "alarms")?;
    if alarms.is_empty() {
        if let Some(v) = t.get("alarms") {
            ctx.error(
                &v.span(),
                &t.child("alarms"),
                "the list is empty; name at least one alarm",
            );
        }
        return None;
    }
    Some(Strategy::SilenceAlarms { alarms })
}

fn invalidate(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>, site: &SiteInfo<'_>) -> Option<Strategy> {
    // Neither here nor on the site: the distribution discovered behind the record (the
    // secondary's alias target); the switch's preflight refuses when there is none.
    let distribution: Option<Option<String>> = match (t.get("distribution"), site.distribution) {
        (Some(_), _) => {
            let (s, span) = ctx.str(t, "distribution")?;
            checked(
                ctx,
                &span,
                &t.child("distribution"),
                ids::check_distribution_id(s),
            )
            .map(|()| Some(s.to_string()))
        }
        (None, Some(d)) => Some(Some(d.to_string())),
        (None, None) => Some(None),
    };

    let paths = match t.get("paths") {
        None => Some(vec!["/maintenance.html".to_string()]),
        Some(v) => {
            let paths = ctx.str_list(t, "paths", &|s| {
                ids::check_invalidation_path(s).map(|()| s.to_string())
            });
            match &paths {
                Some(_) if is_empty_array(v) => {
                    ctx.error(
                        &v.span(),
                        &t.child("paths"),
                        "the list is empty; give at least one path such as \"/maintenance.html\"",
                    );
                }
                Some(p) if p.len() > INVALIDATION_PATHS_MAX => {
                    ctx.error(
                        &v.span(),
                        &t.child("paths"),
                        format!(
                            "{} paths given; one invalidation holds at most \
                             {INVALIDATION_PATHS_MAX} (AWS limit)",
                            p.len()
                        ),
                    );
                }
                _ => {}
            }
            paths
        }
    };
    let on_fail_back = ctx.bool(t, "on_fail_back").unwrap_or(false);
    Some(Strategy::Invalidate {
        distribution: distribution?,
        paths: paths?,
        on_fail_back,
    })
}
