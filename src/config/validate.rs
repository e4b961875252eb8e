//! Phase two of loading: walk the spanned TOML tree, check every key and value, and build the
//! runtime types. Problems are collected in the [`Ctx`]; nothing stops at the first one.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::ids::{self, ElbKind, quote};
use super::schema::{
    AlarmRef, AwsTarget, CALL_TIMEOUT_RANGE, Config, DEFAULT_CALL_TIMEOUT, DEFAULT_FOCUS_INTERVAL,
    DEFAULT_POLL_INTERVAL, DEFAULT_STALE_AFTER, Defaults, RecordType, Site, Strategy,
};
use super::strategy::{self, SiteInfo};
use super::tree::{Ctx, Tbl, Val, show_key};

/// What the environment contributes to a config: where the home and state folders are.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    /// `$HOME`, for `~/` in paths.
    pub home: Option<PathBuf>,
    /// `$XDG_STATE_HOME`, else `$HOME/.local/state`.
    pub state_dir: Option<PathBuf>,
}

const TOP_KEYS: &[&str] = &["defaults", "site"];

const DEFAULTS_KEYS: &[&str] = &[
    "profile",
    "region",
    "role_arn",
    "read_only",
    "dns_server",
    "audit_log",
    "event_log",
    "poll_interval",
    "focus_interval",
    "stale_after",
    "call_timeout",
    "share_poller",
];

const SITE_KEYS: &[&str] = &[
    "name",
    "max_window",
    "approval",
    "approval_ttl",
    "zone",
    "record",
    "record_type",
    "protected",
    "read_only",
    "profile",
    "region",
    "role_arn",
    "health_checks",
    "alarms",
    "load_balancers",
    "listeners",
    "target_groups",
    "distribution",
    "maintenance",
    "probe",
];

const PROBE_KEYS: &[&str] = &["url", "sorry_contains", "app_contains", "timeout", "every"];

const ALARM_KEYS: &[&str] = &["name", "region"];

/// The shortest allowed polling interval.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

const NO_SITES: &str = "no sites configured: add a [[site]] table for each site, with at least \
    `name` (such as \"shop\"), `zone` (the hosted zone ID, such as \"Z0123456789ABCDEFGHIJ\") and \
    `record` (such as \"www.example.com\"); switchyard.example.toml shows every setting";

/// Validates the whole document and builds the config, or leaves problems in `ctx`.
pub(crate) fn config(
    ctx: &mut Ctx<'_>,
    root: &Spanned<DeTable<'_>>,
    path: &Path,
    env: &Env,
) -> Option<Config> {
    let base_dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let top = Tbl {
        map: root.get_ref(),
        span: 0..0,
        path: String::new(),
    };
    ctx.check_keys(&top, TOP_KEYS, &top_level_hint);

    let empty = DeTable::new();
    let defaults_tbl = match top.get("defaults") {
        Some(v) => ctx.as_table(v, "defaults"),
        None => None,
    };
    let defaults_tbl = defaults_tbl.unwrap_or(Tbl {
        map: &empty,
        span: 0..0,
        path: "defaults".into(),
    });
    let defaults = parse_defaults(ctx, &defaults_tbl, &base_dir, env);

    let sites = match top.get("site") {
        None => {
            ctx.error(&(0..0), "", NO_SITES);
            None
        }
        Some(v) => parse_sites(ctx, v, &defaults, &base_dir, env),
    };
    let sites = sites?;
    let defaults = defaults?;
    if !ctx.problems.is_empty() {
        return None;
    }
    Some(Config {
        path: path.to_path_buf(),
        defaults,
        sites,
    })
}

fn top_level_hint(key: &str) -> Option<String> {
    if key == "maintenance" {
        return Some(
            "maintenance strategies belong to a site: write [[site.maintenance]] after the \
             site's [[site]] table"
                .into(),
        );
    }
    if key == "sites" || key == "default" {
        return None; // "did you mean" handles these
    }
    if SITE_KEYS.contains(&key) && !DEFAULTS_KEYS.contains(&key) {
        return Some(format!(
            "{} is a site setting; put it under a [[site]] table",
            show_key(key)
        ));
    }
    if DEFAULTS_KEYS.contains(&key) {
        return Some(format!(
            "put {} under [defaults] (or under a [[site]] to set it for one site)",
            show_key(key)
        ));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// [defaults]

/// Parses `[defaults]`; `None` when a default cannot be decided (already reported).
fn parse_defaults(
    ctx: &mut Ctx<'_>,
    t: &Tbl<'_, '_>,
    base_dir: &Path,
    env: &Env,
) -> Option<Defaults> {
    ctx.check_keys(t, DEFAULTS_KEYS, &|key| {
        (SITE_KEYS.contains(&key) || key == "site").then(|| {
            format!(
                "{} is a per-site setting; put it in a [[site]] table",
                show_key(key)
            )
        })
    });
    let aws = parse_aws(ctx, t);
    let read_only = ctx.bool(t, "read_only").unwrap_or(false);
    let share_poller = ctx.bool(t, "share_poller").unwrap_or(true);
    let dns_server = ctx.str(t, "dns_server").and_then(|(s, span)| {
        checked(ctx, &span, &t.child("dns_server"), ids::parse_dns_server(s))
    });
    let audit_log = log_path(ctx, t, "audit_log", "audit.jsonl", base_dir, env);
    let event_log = log_path(ctx, t, "event_log", "events.jsonl", base_dir, env);
    let poll = duration(ctx, t, "poll_interval", DEFAULT_POLL_INTERVAL);
    let focus = duration(ctx, t, "focus_interval", DEFAULT_FOCUS_INTERVAL);
    let stale = duration(ctx, t, "stale_after", DEFAULT_STALE_AFTER);
    let call = duration(ctx, t, "call_timeout", DEFAULT_CALL_TIMEOUT);
    let (shortest, longest) = CALL_TIMEOUT_RANGE;
    if let Some((d, Some(span))) = &call
        && (*d < shortest || *d > longest)
    {
        ctx.error(
            span,
            &t.child("call_timeout"),
            format!(
                "{} is out of range; call_timeout must be between {} and {}",
                ids::format_duration(*d),
                ids::format_duration(shortest),
                ids::format_duration(longest)
            ),
        );
    }
    if let (Some(poll), Some(stale)) = (&poll, &stale)
        && stale.0 <= poll.0
    {
        let (span, key) = match (&stale.1, &poll.1) {
            (Some(s), _) => (s.clone(), "stale_after"),
            (None, Some(p)) => (p.clone(), "poll_interval"),
            (None, None) => (t.span.clone(), "stale_after"),
        };
        ctx.error(
            &span,
            &t.child(key),
            format!(
                "stale_after ({}) must be longer than poll_interval ({}), or every verdict \
                 would turn UNKNOWN between two polls",
                shown_duration(stale),
                shown_duration(poll)
            ),
        );
    }
    Some(Defaults {
        aws,
        read_only,
        dns_server,
        audit_log: audit_log?,
        event_log: event_log?,
        poll_interval: poll?.0,
        focus_interval: focus?.0,
        stale_after: stale?.0,
        call_timeout: call?.0,
        share_poller,
    })
}

/// `profile`, `region` and `role_arn` of a table (invalid ones reported and left out).
fn parse_aws(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> AwsTarget {
    let mut field = |key: &str, check: fn(&str) -> Result<(), String>| {
        let (s, span) = ctx.str(t, key)?;
        checked(ctx, &span, &t.child(key), check(s)).map(|()| s.to_string())
    };
    AwsTarget {
        profile: field("profile", ids::check_profile),
        region: field("region", ids::check_region),
        role_arn: field("role_arn", ids::check_role_arn),
    }
}

/// A duration for a message, saying when it is the default.
fn shown_duration(d: &(Duration, Option<Range<usize>>)) -> String {
    match d.1 {
        Some(_) => ids::format_duration(d.0),
        None => format!("{}, the default", ids::format_duration(d.0)),
    }
}

/// Reports the error of a check, if any, and passes on its value.
pub(crate) fn checked<T>(
    ctx: &mut Ctx<'_>,
    span: &Range<usize>,
    path: &str,
    result: Result<T, String>,
) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(msg) => {
            ctx.error(span, path, msg);
            None
        }
    }
}

/// A duration key with its default; also gives the span when the key was given.
fn duration(
    ctx: &mut Ctx<'_>,
    t: &Tbl<'_, '_>,
    key: &str,
    default: Duration,
) -> Option<(Duration, Option<Range<usize>>)> {
    let Some(v) = t.get(key) else {
        return Some((default, None));
    };
    let path = t.child(key);
    let span = v.span();
    let d = match v.get_ref() {
        DeValue::String(s) => checked(ctx, &span, &path, ids::parse_duration(s))?,
        DeValue::Integer(i) => {
            ctx.error(
                &span,
                &path,
                format!(
                    "expected a duration such as \"{}\", found an integer ({i}): add a unit \
                     (ms, s, m or h) and quotes, e.g. \"{i}s\"",
                    ids::format_duration(default)
                ),
            );
            return None;
        }
        _ => {
            ctx.wrong_type(v, &path, "a duration such as \"15s\"");
            return None;
        }
    };
    if d < MIN_INTERVAL {
        ctx.error(
            &span,
            &path,
            format!(
                "{} is too short; {key} must be at least 1s",
                ids::format_duration(d)
            ),
        );
        return None;
    }
    Some((d, Some(span)))
}

/// A log file path: the configured one (relative to the config file's folder, `~/` expanded), or
/// `<state dir>/switchyard/<file_name>`.
fn log_path(
    ctx: &mut Ctx<'_>,
    t: &Tbl<'_, '_>,
    key: &str,
    file_name: &str,
    base_dir: &Path,
    env: &Env,
) -> Option<PathBuf> {
    if t.get(key).is_some() {
        let (s, span) = ctx.str(t, key)?;
        return checked(ctx, &span, &t.child(key), resolve_path(s, base_dir, env));
    }
    match &env.state_dir {
        Some(dir) => Some(dir.join("switchyard").join(file_name)),
        None => {
            ctx.error(
                &t.span,
                &t.child(key),
                format!(
                    "cannot choose a default {key}: neither $XDG_STATE_HOME nor $HOME is set; \
                     set {key} in [defaults]"
                ),
            );
            None
        }
    }
}

/// Resolves a path from the config: `~/...` against `$HOME`, relative paths against the config
/// file's folder.
pub(crate) fn resolve_path(s: &str, base_dir: &Path, env: &Env) -> Result<PathBuf, String> {
    if s.is_empty() {
        return Err("the path is empty".into());
    }
    if s.contains('\0') {
        return Err(format!("{} contains a NUL character", quote(s)));
    }
    if let Some(rest) = s.strip_prefix("~/") {
        return match &env.home {
            Some(home) => Ok(home.join(rest)),
            None => Err(format!("cannot expand {}: $HOME is not set", quote(s))),
        };
    }
    let p = Path::new(s);
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(base_dir.join(p))
    }
}

// ---------------------------------------------------------------------------------------------
// [[site]]

fn parse_sites(
    ctx: &mut Ctx<'_>,
    v: &Val<'_>,
    defaults: &Option<Defaults>,
    base_dir: &Path,
    env: &Env,
) -> Option<Vec<Site>> {
    let arr = match v.get_ref() {
        DeValue::Array(a) => a,
        DeValue::Table(_) => {
            ctx.error(
                &v.span(),
                "site",
                "`site` must be an array of tables: write [[site]] (two brackets) for each site",
            );
            return None;
        }
        _ => {
            ctx.wrong_type(v, "site", "an array of [[site]] tables");
            return None;
        }
    };
    if arr.is_empty() {
        ctx.error(&v.span(), "site", NO_SITES);
        return None;
    }

    // First pass: names, so that paths can say `site "shop"` and duplicates point at the first.
    // Lower-case name -> offset of its first definition (a map: validation stays linear in the
    // number of sites).
    let mut first_by_name: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    let mut labels = Vec::new();
    for (i, item) in arr.iter().enumerate() {
        let mut label = format!("site[{i}]");
        if let DeValue::Table(map) = item.get_ref()
            && let Some((_, nv)) = map.iter().find(|(k, _)| k.get_ref() == "name")
            && let DeValue::String(name) = nv.get_ref()
            && ids::is_site_name(name)
        {
            let lower = name.to_ascii_lowercase();
            if let Some(first) = first_by_name.get(&lower) {
                let line = ctx.line(*first);
                ctx.error(
                    &nv.span(),
                    &format!("site[{i}].name"),
                    format!(
                        "a site named {} is already defined on line {line} (site names must be \
                         unique, ignoring case)",
                        quote(name)
                    ),
                );
            } else {
                first_by_name.insert(lower, nv.span().start);
                label = format!("site {}", quote(name));
            }
        }
        labels.push(label);
    }

    let mut sites: Vec<(Site, usize)> = Vec::new();
    // (zone, record) -> the indices of the sites at it.
    let mut at_record: std::collections::HashMap<(String, String), Vec<usize>> =
        std::collections::HashMap::new();
    let mut all_ok = true;
    for (item, label) in arr.iter().zip(labels) {
        let Some(t) = ctx.as_table(item, &label) else {
            all_ok = false;
            continue;
        };
        match parse_site(ctx, &t, defaults, base_dir, env) {
            Some(site) => {
                let key = (site.zone_id.clone(), site.record.clone());
                let same: Vec<&(Site, usize)> = at_record
                    .get(&key)
                    .map(|v| v.iter().map(|i| &sites[*i]).collect())
                    .unwrap_or_default();
                check_record_unique(ctx, &site, &t, &same);
                at_record.entry(key).or_default().push(sites.len());
                sites.push((site, t.span.start));
            }
            None => all_ok = false,
        }
    }
    all_ok.then(|| sites.into_iter().map(|(s, _)| s).collect())
}

/// Two sites must not manage the same record: their switches would fight.
fn check_record_unique(
    ctx: &mut Ctx<'_>,
    site: &Site,
    t: &Tbl<'_, '_>,
    earlier: &[&(Site, usize)],
) {
    if let Some((other, _)) = earlier.iter().copied().find(|(o, _)| {
        o.zone_id == site.zone_id
            && o.record == site.record
            && (o.every_type || site.every_type || o.record_type == site.record_type)
    }) {
        let span = t
            .get("record_type")
            .or_else(|| t.get("record"))
            .map(|v| v.span())
            .unwrap_or(t.span.clone());
        let key = if t.get("record_type").is_some() {
            "record_type"
        } else {
            "record"
        };
        let what = |s: &Site| {
            if s.every_type {
                "every record type".to_string()
            } else {
                format!("its {} records", s.record_type.as_str())
            }
        };
        ctx.error(
            &span,
            &t.child(key),
            format!(
                "{} in zone {} is already managed by site {} (line {}), which covers {}; this \
                 site would cover {} too, and two sites for one record would fight over it \
                 (give each site its own record_type, or make them one site)",
                site.record,
                site.zone_id,
                quote(&other.name),
                other.line,
                what(other),
                what(site).replace("its ", "the ")
            ),
        );
    }
}

fn site_hint(key: &str) -> Option<String> {
    match key {
        "poll_interval" | "focus_interval" | "stale_after" | "call_timeout" | "dns_server"
        | "audit_log" | "event_log" | "share_poller" => {
            Some(format!("{} can only be set in [defaults]", show_key(key)))
        }
        "hosted_zone" | "hosted_zone_id" | "zone_name" | "zoneid" => {
            Some("did you mean `zone` (the hosted zone ID)?".into())
        }
        "type" => Some("did you mean `record_type`?".into()),
        "strategy" => Some(
            "strategies go in [[site.maintenance]] tables: write [[site.maintenance]] \
             before `strategy = ...`"
                .into(),
        ),
        _ => None,
    }
}

fn parse_site(
    ctx: &mut Ctx<'_>,
    t: &Tbl<'_, '_>,
    defaults: &Option<Defaults>,
    base_dir: &Path,
    env: &Env,
) -> Option<Site> {
    ctx.check_keys(t, SITE_KEYS, &site_hint);
    let problems_before = ctx.problems.len();

    let name = ctx
        .req_str(t, "name", "the site's name, such as \"shop\"")
        .and_then(|(s, span)| {
            checked(ctx, &span, &t.child("name"), ids::check_site_name(s)).map(|()| s.to_string())
        });
    let zone_id = ctx
        .req_str(
            t,
            "zone",
            "the hosted zone ID, such as \"Z0123456789ABCDEFGHIJ\"",
        )
        .and_then(|(s, span)| {
            checked(ctx, &span, &t.child("zone"), ids::check_zone_id(s)).map(|()| s.to_string())
        });
    let record = ctx
        .req_str(t, "record", "the DNS name, such as \"www.example.com\"")
        .and_then(|(s, span)| {
            checked(ctx, &span, &t.child("record"), ids::parse_dns_name(s, true))
        });
    let every_type = t.get("record_type").is_none();
    let record_type = match ctx.str(t, "record_type") {
        None if t.get("record_type").is_some() => None,
        None => Some(RecordType::A),
        Some((s, span)) => {
            let parsed = parse_record_type(s);
            checked(ctx, &span, &t.child("record_type"), parsed)
        }
    };
    let protected = ctx.bool(t, "protected").unwrap_or(false);
    let site_read_only = ctx.bool(t, "read_only").unwrap_or(false);
    let max_window = if t.get("max_window").is_some() {
        duration(ctx, t, "max_window", Duration::from_secs(7200)).map(|(d, _)| Some(d))
    } else {
        Some(None)
    };
    let probe = match t.get("probe") {
        Some(v) => ctx
            .as_table(v, &t.child("probe"))
            .map(|pt| parse_probe(ctx, &pt).map(Some))
            .unwrap_or(None),
        None => Some(None),
    };
    let approval = ctx.bool(t, "approval").unwrap_or(false);
    let approval_ttl = if t.get("approval_ttl").is_some() {
        duration(ctx, t, "approval_ttl", super::schema::DEFAULT_APPROVAL_TTL).map(|(d, _)| d)
    } else {
        Some(super::schema::DEFAULT_APPROVAL_TTL)
    };
    let own = parse_aws(ctx, t);

    let health_checks = ctx
        .str_list(t, "health_checks", &|s| {
            ids::check_health_check_id(s).map(|()| s.to_string())
        })
        .unwrap_or_default();
    let alarms = alarm_list(ctx, t, "alarms").unwrap_or_default();
    let elb_list = |ctx: &mut Ctx<'_>, key: &str, kind: ElbKind| {
        ctx.str_list(t, key, &|s| {
            ids::check_elb_arn(s, kind, None).map(|_| s.to_string())
        })
        .unwrap_or_default()
    };
    let load_balancers = elb_list(ctx, "load_balancers", ElbKind::LoadBalancer);
    let listeners = elb_list(ctx, "listeners", ElbKind::Listener);
    let target_groups = elb_list(ctx, "target_groups", ElbKind::TargetGroup);
    let distribution = ctx.str(t, "distribution").and_then(|(s, span)| {
        checked(
            ctx,
            &span,
            &t.child("distribution"),
            ids::check_distribution_id(s),
        )
        .map(|()| s.to_string())
    });

    let info = SiteInfo {
        record_type,
        every_type,
        distribution: distribution.as_deref(),
        base_dir,
        env,
    };
    let maintenance = parse_maintenance(ctx, t, &info);

    if ctx.problems.len() != problems_before {
        return None;
    }
    let defaults = defaults.as_ref()?;
    Some(Site {
        name: name?,
        zone_id: zone_id?,
        record: record?,
        record_type: record_type?,
        every_type,
        protected,
        read_only: defaults.read_only || site_read_only,
        aws: AwsTarget {
            profile: own.profile.or_else(|| defaults.aws.profile.clone()),
            region: own.region.or_else(|| defaults.aws.region.clone()),
            role_arn: own.role_arn.or_else(|| defaults.aws.role_arn.clone()),
        },
        health_checks,
        alarms,
        load_balancers,
        listeners,
        target_groups,
        distribution,
        maintenance: maintenance?,
        max_window: max_window?,
        probe: probe?,
        approval,
        approval_ttl: approval_ttl?,
        line: ctx.line(t.span.start),
    })
}

/// A site's `probe` table: the URL a client fetches and what its pages contain.
fn parse_probe(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> Option<crate::model::probe::ProbeSpec> {
    use crate::model::probe::ProbeSpec;
    ctx.check_keys(t, PROBE_KEYS, &|_| None);
    let url = match ctx.req_str(
        t,
        "url",
        "the URL clients fetch, such as \"https://www.example.com/\"",
    ) {
        Some((u, span)) => {
            let parsed = url::Url::parse(u)
                .map_err(|e| format!("{} is not a URL: {e}", quote(u)))
                .and_then(|p| match (p.scheme(), p.host_str()) {
                    ("http" | "https", Some(_)) => Ok(u.to_string()),
                    ("http" | "https", None) => Err(format!("{} names no host", quote(u))),
                    (other, _) => Err(format!(
                        "{} is a {other}: URL; a probe fetches http:// or https:// URLs",
                        quote(u)
                    )),
                });
            checked(ctx, &span, &t.child("url"), parsed)
        }
        None => None,
    };
    let sorry = match ctx.req_str(
        t,
        "sorry_contains",
        "text the sorry page contains, such as \"maintenance\"",
    ) {
        Some((s, span)) if s.trim().is_empty() => {
            ctx.error(
                &span,
                &t.child("sorry_contains"),
                "is empty: give text only the sorry page contains, such as \"maintenance\"",
            );
            None
        }
        Some((s, _)) => Some(s.to_string()),
        None => None,
    };
    let app = match ctx.str(t, "app_contains") {
        Some((s, span)) if s.trim().is_empty() => {
            ctx.error(
                &span,
                &t.child("app_contains"),
                "is empty: give text only the application's page contains, or leave the key out",
            );
            return None;
        }
        Some((s, _)) => Some(s.to_string()),
        None if t.get("app_contains").is_some() => return None,
        None => None,
    };
    let timeout = duration(ctx, t, "timeout", ProbeSpec::DEFAULT_TIMEOUT).map(|(d, _)| d);
    let every = duration(ctx, t, "every", ProbeSpec::DEFAULT_EVERY).map(|(d, _)| d);
    Some(ProbeSpec {
        url: url?,
        sorry_contains: sorry?,
        app_contains: app,
        timeout: timeout?,
        every: every?,
    })
}

fn parse_record_type(s: &str) -> Result<RecordType, String> {
    match s.to_ascii_uppercase().as_str() {
        "A" => Ok(RecordType::A),
        "AAAA" => Ok(RecordType::Aaaa),
        "CNAME" => Ok(RecordType::Cname),
        "ALIAS" => Err(format!(
            "{} is not a record type: an alias record is of type \"A\" (or \"AAAA\")",
            quote(s)
        )),
        _ => Err(format!(
            "{} is not a supported record type (expected \"A\", \"AAAA\" or \"CNAME\")",
            quote(s)
        )),
    }
}

/// A list of alarm references: names (in the site's region) or `{ name, region }` tables.
pub(crate) fn alarm_list(ctx: &mut Ctx<'_>, t: &Tbl<'_, '_>, key: &str) -> Option<Vec<AlarmRef>> {
    let (arr, _) = ctx.array(t, key)?;
    let path = t.child(key);
    let mut out: Vec<(AlarmRef, usize)> = Vec::new();
    for (i, v) in arr.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(alarm) = alarm_ref(ctx, v, &p) else {
            continue;
        };
        if let Some((_, first)) = out.iter().find(|(a, _)| *a == alarm) {
            let line = ctx.line(*first);
            ctx.error(
                &v.span(),
                &p,
                format!(
                    "alarm {} is listed twice (first on line {line})",
                    quote(&alarm.name)
                ),
            );
        } else {
            out.push((alarm, v.span().start));
        }
    }
    Some(out.into_iter().map(|(a, _)| a).collect())
}

fn alarm_ref(ctx: &mut Ctx<'_>, v: &Val<'_>, path: &str) -> Option<AlarmRef> {
    match v.get_ref() {
        DeValue::String(s) => {
            checked(ctx, &v.span(), path, ids::check_alarm_name(s))?;
            Some(AlarmRef {
                name: s.to_string(),
                region: None,
            })
        }
        DeValue::Table(_) => {
            let t = ctx.as_table(v, path)?;
            ctx.check_keys(&t, ALARM_KEYS, &|_| None);
            let before = ctx.problems.len();
            let name = ctx
                .req_str(&t, "name", "the alarm name")
                .and_then(|(s, span)| {
                    checked(ctx, &span, &t.child("name"), ids::check_alarm_name(s))
                        .map(|()| s.to_string())
                });
            let region = ctx.str(&t, "region").and_then(|(s, span)| {
                checked(ctx, &span, &t.child("region"), ids::check_region(s))
                    .map(|()| s.to_string())
            });
            if ctx.problems.len() != before {
                return None;
            }
            Some(AlarmRef {
                name: name?,
                region,
            })
        }
        _ => {
            ctx.wrong_type(
                v,
                path,
                "an alarm name or a table such as { name = \"...\", region = \"us-east-1\" }",
            );
            None
        }
    }
}

/// `[[site.maintenance]]`: the strategies in order, or `None` if any is invalid.
fn parse_maintenance(
    ctx: &mut Ctx<'_>,
    t: &Tbl<'_, '_>,
    info: &SiteInfo<'_>,
) -> Option<Vec<Strategy>> {
    let Some(v) = t.get("maintenance") else {
        return Some(Vec::new());
    };
    let path = t.child("maintenance");
    let arr = match v.get_ref() {
        DeValue::Array(a) => a,
        DeValue::Table(_) => {
            ctx.error(
                &v.span(),
                &path,
                "`maintenance` must be an array of tables: write [[site.maintenance]] (two \
                 brackets) for each strategy",
            );
            return None;
        }
        _ => {
            ctx.wrong_type(v, &path, "an array of [[site.maintenance]] tables");
            return None;
        }
    };
    let mut out: Vec<(Strategy, usize, Range<usize>)> = Vec::new();
    let mut ok = true;
    for (i, item) in arr.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(st) = ctx.as_table(item, &p) else {
            ok = false;
            continue;
        };
        let Some(s) = strategy::parse(ctx, &st, info) else {
            ok = false;
            continue;
        };
        if let Some((other, j, span)) = out.iter().find(|(o, _, _)| strategy::conflicts(o, &s)) {
            let line = ctx.line(span.start);
            let msg = if other.name() == s.name() {
                format!(
                    "this {} repeats maintenance[{j}] (line {line}); each switch may appear \
                     only once per site",
                    s.name()
                )
            } else {
                format!(
                    "{} and {} (maintenance[{j}], line {line}) both rewrite the site's record; \
                     use one of them",
                    s.name(),
                    other.name()
                )
            };
            ctx.error(&st.span, &p, msg);
            ok = false;
            continue;
        }
        out.push((s, i, st.span.clone()));
    }
    ok.then(|| out.into_iter().map(|(s, _, _)| s).collect())
}
