//! Unit tests of loading: parsing, merging defaults, strategies, locating.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::schema::{SAMPLE_MAINTENANCE_PAGE, STRATEGY_NAMES};
use super::*;

const LISTENER_APP: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";
const LISTENER_NET: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/shop-nlb/7e1d1a2b3c4d5e6f/0a1b2c3d4e5f6a7b";
const TG: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/sorry/73e2d6bc24d8a067";

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
    let map: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn parse_ok(text: &str) -> Config {
    let env = env_of(&[("HOME", "/home/op")]);
    match parse_with_env(text, Path::new("/etc/sy/config.toml"), &env) {
        Ok(c) => c,
        Err(e) => panic!("unexpected error:\n{e}"),
    }
}

fn parse_err(text: &str) -> String {
    let env = env_of(&[("HOME", "/home/op")]);
    match parse_with_env(text, Path::new("c.toml"), &env) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn call_timeout_is_read_and_kept_in_range() {
    let c = parse_ok(&format!("[defaults]\ncall_timeout = \"90s\"\n{MINIMAL}"));
    assert_eq!(c.defaults.call_timeout, Duration::from_secs(90));
    let e = parse_err(&format!("[defaults]\ncall_timeout = \"2s\"\n{MINIMAL}"));
    assert!(
        e.starts_with("c.toml:2:16: defaults.call_timeout: 2s is out of range; call_timeout must be between 3s and 5m"),
        "{e}"
    );
    let e = parse_err(&format!("[defaults]\ncall_timeout = \"1h\"\n{MINIMAL}"));
    assert!(
        e.starts_with("c.toml:2:16: defaults.call_timeout: 1h is out of range"),
        "{e}"
    );
    let e = parse_err(&format!("{MINIMAL}call_timeout = \"10s\"\n"));
    assert!(
        e.starts_with("c.toml:6:1: site \"shop\": unknown key `call_timeout`; `call_timeout` can only be set in [defaults]"),
        "{e}"
    );
}

const MINIMAL: &str = r#"
[[site]]
name = "shop"
zone = "Z0123456789ABCDEFGHIJ"
record = "WWW.Example.com."
"#;

#[test]
fn minimal_site_gets_every_default() {
    let c = parse_ok(MINIMAL);
    assert_eq!(c.path, PathBuf::from("/etc/sy/config.toml"));
    assert_eq!(c.defaults.poll_interval, Duration::from_secs(15));
    assert_eq!(c.defaults.focus_interval, Duration::from_secs(5));
    assert_eq!(c.defaults.stale_after, Duration::from_secs(60));
    assert_eq!(c.defaults.call_timeout, Duration::from_secs(30));
    assert_eq!(
        c.defaults.audit_log,
        PathBuf::from("/home/op/.local/state/switchyard/audit.jsonl")
    );
    assert_eq!(
        c.defaults.event_log,
        PathBuf::from("/home/op/.local/state/switchyard/events.jsonl")
    );
    assert_eq!(c.defaults.aws, AwsTarget::default());
    assert_eq!(c.defaults.dns_server, None);
    let s = c.site("shop").unwrap();
    assert_eq!(s.record, "www.example.com");
    assert_eq!(s.zone_id, "Z0123456789ABCDEFGHIJ");
    assert_eq!(s.record_type, RecordType::A);
    assert!(!s.protected && !s.read_only);
    assert!(s.maintenance.is_empty());
    assert_eq!(s.line, 2);
    assert!(c.site("Shop").is_none());
}

#[test]
fn defaults_merge_into_sites_and_sites_override() {
    let c = parse_ok(
        r#"
[defaults]
profile = "ops"
region = "eu-west-1"
role_arn = "arn:aws:iam::123456789012:role/switchyard"
read_only = true
dns_server = "10.0.0.2"
audit_log = "logs/audit.jsonl"
event_log = "~/ev.jsonl"
poll_interval = "30s"
focus_interval = "2s"
stale_after = "2m"

[[site]]
name = "a"
zone = "Z1"
record = "a.example.com"
read_only = false

[[site]]
name = "b"
zone = "Z1"
record = "b.example.com"
profile = "other"
region = "us-east-1"
role_arn = "arn:aws:iam::210987654321:role/x"
"#,
    );
    assert_eq!(
        c.defaults.audit_log,
        PathBuf::from("/etc/sy/logs/audit.jsonl")
    );
    assert_eq!(c.defaults.event_log, PathBuf::from("/home/op/ev.jsonl"));
    assert_eq!(c.defaults.dns_server.unwrap().to_string(), "10.0.0.2:53");
    assert_eq!(c.defaults.poll_interval, Duration::from_secs(30));
    assert_eq!(c.defaults.focus_interval, Duration::from_secs(2));
    assert_eq!(c.defaults.stale_after, Duration::from_secs(120));
    let a = c.site("a").unwrap();
    assert!(a.read_only, "defaults.read_only wins over a site's false");
    assert_eq!(a.aws.profile.as_deref(), Some("ops"));
    assert_eq!(a.aws.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        a.aws.role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/switchyard")
    );
    let b = c.site("b").unwrap();
    assert_eq!(b.aws.profile.as_deref(), Some("other"));
    assert_eq!(b.aws.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        b.aws.role_arn.as_deref(),
        Some("arn:aws:iam::210987654321:role/x")
    );
}

#[test]
fn site_read_only_alone_is_kept() {
    let c = parse_ok(&format!("{MINIMAL}read_only = true\nprotected = true\n"));
    let s = &c.sites[0];
    assert!(s.read_only && s.protected);
}

#[test]
fn xdg_state_home_is_preferred() {
    let env = env_of(&[("HOME", "/home/op"), ("XDG_STATE_HOME", "/var/state")]);
    let c = parse_with_env(MINIMAL, Path::new("c.toml"), &env).unwrap();
    assert_eq!(
        c.defaults.audit_log,
        PathBuf::from("/var/state/switchyard/audit.jsonl")
    );
    // Without any home, a default log path cannot be chosen: say so.
    let err = parse_with_env(MINIMAL, Path::new("c.toml"), &env_of(&[])).unwrap_err();
    assert!(
        err.to_string()
            .contains("neither $XDG_STATE_HOME nor $HOME is set")
    );
}

#[test]
fn explicit_resources_and_alarm_forms() {
    let c = parse_ok(&format!(
        r#"{MINIMAL}record_type = "aaaa"
health_checks = ["0f2c5b1e-7d4a-4c3b-9a8e-1b2c3d4e5f60"]
alarms = ["app-1-StatusCheckFailed", {{ name = "x", region = "us-east-1" }}]
load_balancers = ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/n/50dc6c495c0c9188"]
listeners = ["{LISTENER_APP}"]
target_groups = ["{TG}"]
distribution = "E2QWRUHAPOMQZL"
"#
    ));
    let s = &c.sites[0];
    assert_eq!(s.record_type, RecordType::Aaaa);
    assert_eq!(s.health_checks.len(), 1);
    assert_eq!(
        s.alarms,
        vec![
            AlarmRef {
                name: "app-1-StatusCheckFailed".into(),
                region: None
            },
            AlarmRef {
                name: "x".into(),
                region: Some("us-east-1".into())
            },
        ]
    );
    assert_eq!(s.load_balancers.len(), 1);
    assert_eq!(s.listeners, vec![LISTENER_APP.to_string()]);
    assert_eq!(s.target_groups, vec![TG.to_string()]);
    assert_eq!(s.distribution.as_deref(), Some("E2QWRUHAPOMQZL"));
}

fn strategies(body: &str) -> Vec<Strategy> {
    parse_ok(&format!(
        "{MINIMAL}distribution = \"E2QWRUHAPOMQZL\"\n{body}"
    ))
    .sites
    .remove(0)
    .maintenance
}

#[test]
fn every_strategy_parses_with_its_defaults() {
    let s = strategies(&format!(
        r#"
[[site.maintenance]]
strategy = "route53-invert-health-check"
[[site.maintenance]]
strategy = "route53-invert-health-check"
health_check = "0f2c5b1e-7d4a-4c3b-9a8e-1b2c3d4e5f60"
[[site.maintenance]]
strategy = "route53-set-record"
values = ["192.0.2.10", "192.0.2.11"]
[[site.maintenance]]
strategy = "elb-listener-sorry"
listener = "{LISTENER_NET}"
sorry_target_group = "{TG}"
[[site.maintenance]]
strategy = "alb-maintenance-rule"
listener = "{LISTENER_APP}"
[[site.maintenance]]
strategy = "silence-alarms"
alarms = ["a", {{ name = "b", region = "us-east-1" }}]
[[site.maintenance]]
strategy = "cloudfront-invalidate"
"#
    ));
    let names: Vec<&str> = s.iter().map(Strategy::name).collect();
    assert_eq!(
        names,
        [
            "route53-invert-health-check",
            "route53-invert-health-check",
            "route53-set-record",
            "elb-listener-sorry",
            "alb-maintenance-rule",
            "silence-alarms",
            "cloudfront-invalidate"
        ]
    );
    assert_eq!(s[0], Strategy::InvertHealthCheck { health_check: None });
    assert_eq!(
        s[2],
        Strategy::SetRecord {
            values: vec!["192.0.2.10".into(), "192.0.2.11".into()],
            ttl: None
        }
    );
    assert_eq!(
        s[3],
        Strategy::ListenerSorry {
            listener: LISTENER_NET.into(),
            action: SorryAction::TargetGroup(TG.into())
        }
    );
    assert_eq!(
        s[4],
        Strategy::MaintenanceRule {
            listener: LISTENER_APP.into(),
            priority: RulePriority::First,
            allow: OperatorAllow::Nobody,
            action: SorryAction::FixedResponse {
                status: 503,
                content_type: "text/html".into(),
                body: SAMPLE_MAINTENANCE_PAGE.into()
            }
        }
    );
    assert_eq!(
        s[6],
        Strategy::Invalidate {
            distribution: Some("E2QWRUHAPOMQZL".into()),
            paths: vec!["/maintenance.html".into()],
            on_fail_back: false
        }
    );
    let names_all: Vec<&str> = STRATEGY_NAMES.to_vec();
    assert_eq!(names_all.len(), 8);
}

#[test]
fn swap_primary_and_fixed_response_options() {
    let s = strategies(&format!(
        r#"
[[site.maintenance]]
strategy = "route53-swap-primary"
[[site.maintenance]]
strategy = "elb-listener-sorry"
listener = "{LISTENER_APP}"
fixed_response = {{ status = 200, content_type = "application/json", body = '{{"maintenance":true}}' }}
[[site.maintenance]]
strategy = "alb-maintenance-rule"
listener = "{LISTENER_APP}"
priority = 100
allow_forwarded_for = ["203.0.113.10", "2001:db8::1"]
sorry_target_group = "{TG}"
[[site.maintenance]]
strategy = "cloudfront-invalidate"
distribution = "E1M7XK2ZQ8VB4N"
paths = ["/*"]
on_fail_back = true
"#
    ));
    assert_eq!(s[0], Strategy::SwapPrimary);
    assert_eq!(
        s[1],
        Strategy::ListenerSorry {
            listener: LISTENER_APP.into(),
            action: SorryAction::FixedResponse {
                status: 200,
                content_type: "application/json".into(),
                body: "{\"maintenance\":true}".into()
            }
        }
    );
    let Strategy::MaintenanceRule {
        priority, allow, ..
    } = &s[2]
    else {
        panic!("{:?}", s[2]);
    };
    assert_eq!(*priority, RulePriority::At(100));
    assert_eq!(
        *allow,
        OperatorAllow::ForwardedFor(vec![
            "203.0.113.10".parse().unwrap(),
            "2001:db8::1".parse().unwrap()
        ])
    );
    assert_eq!(
        s[3],
        Strategy::Invalidate {
            distribution: Some("E1M7XK2ZQ8VB4N".into()),
            paths: vec!["/*".into()],
            on_fail_back: true
        }
    );
}

#[test]
fn body_file_is_read_relative_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sorry.html"), "<p>back soon</p>\n").unwrap();
    let text = format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER_APP}\"\n\
         allow_cidrs = [\"203.0.113.0/24\"]\nfixed_response = {{ body_file = \"sorry.html\", status = 502 }}\n"
    );
    let path = dir.path().join("config.toml");
    let c = parse_with_env(&text, &path, &env_of(&[("HOME", "/h")])).unwrap();
    let Strategy::MaintenanceRule { allow, action, .. } = &c.sites[0].maintenance[0] else {
        panic!();
    };
    assert_eq!(
        *allow,
        OperatorAllow::SourceIp(vec![ids::parse_cidr("203.0.113.0/24").unwrap()])
    );
    assert_eq!(
        *action,
        SorryAction::FixedResponse {
            status: 502,
            content_type: "text/html".into(),
            body: "<p>back soon</p>\n".into()
        }
    );
    // Exactly 1024 characters (multi-byte ones count once) is fine; 1025 is not.
    std::fs::write(dir.path().join("sorry.html"), "é".repeat(1024)).unwrap();
    assert!(parse_with_env(&text, &path, &env_of(&[("HOME", "/h")])).is_ok());
    std::fs::write(dir.path().join("sorry.html"), "é".repeat(1025)).unwrap();
    let e = parse_with_env(&text, &path, &env_of(&[("HOME", "/h")])).unwrap_err();
    assert!(e.to_string().contains("1025 characters long"), "{e}");
}

#[test]
fn set_record_values_follow_the_record_type() {
    let cname = parse_ok(&format!(
        "{MINIMAL}record_type = \"CNAME\"\n[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = [\"Standby.Example.com.\"]\nttl = 0\n"
    ));
    assert_eq!(
        cname.sites[0].maintenance[0],
        Strategy::SetRecord {
            values: vec!["standby.example.com".into()],
            ttl: Some(0)
        }
    );
    let e = parse_err(&format!(
        "{MINIMAL}record_type = \"CNAME\"\n[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = [\"a.example.com\", \"b.example.com\"]\n"
    ));
    assert!(e.contains("a CNAME record holds exactly one name"), "{e}");
    let e = parse_err(&format!(
        "{MINIMAL}record_type = \"A\"\n[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = [\"2001:db8::1\"]\n"
    ));
    assert!(
        e.contains("is not an IPv4 address") && e.contains("AAAA"),
        "{e}"
    );
    // A site of every type: IPv4 and IPv6 values for its A and AAAA records, or one name.
    let both = parse_ok(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = [\"192.0.2.1\", \"2001:DB8::1\"]\n"
    ));
    assert!(both.sites[0].every_type);
    assert_eq!(
        both.sites[0].maintenance[0],
        Strategy::SetRecord {
            values: vec!["192.0.2.1".into(), "2001:db8::1".into()],
            ttl: None
        }
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = [\"192.0.2.1\", \"standby.example.com\"]\n"
    ));
    assert!(
        e.contains("values: give IPv4 and IPv6 addresses (for the A and AAAA records), or exactly one DNS name"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = []\nttl = -1\n"
    ));
    assert!(e.contains("values: the list is empty"), "{e}");
    assert!(e.contains("ttl: -1 is out of range"), "{e}");
}

#[test]
fn every_problem_is_reported_with_its_key_path() {
    let e = parse_err(
        r#"
[defaults]
region = "eu-west"
poll_interval = 15

[[site]]
name = "shop"
zone = "/hostedzone/Z0123456789ABC"
record = "https://www.example.com"
health_checks = "0f2c5b1e-7d4a-4c3b-9a8e-1b2c3d4e5f60"

[[site.maintenance]]
strategy = "elb-listener-sorry"
listener = "arn:aws:elb"
fixed_response = { status = 302 }

[[site]]
zone = "Z1"
record = "b.example.com"
"#,
    );
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 8, "{e}");
    assert!(
        lines[0].starts_with("c.toml:3:10: defaults.region: \"eu-west\" is not an AWS region"),
        "{e}"
    );
    assert!(
        lines[1].starts_with("c.toml:4:17: defaults.poll_interval: expected a duration"),
        "{e}"
    );
    assert!(lines[2].starts_with("c.toml:8:8: site \"shop\".zone: \"/hostedzone/Z0123456789ABC\" has the API's /hostedzone/ prefix"), "{e}");
    assert!(
        lines[3].starts_with("c.toml:9:10: site \"shop\".record:"),
        "{e}"
    );
    assert!(lines[4].starts_with("c.toml:10:17: site \"shop\".health_checks: expected an array, found a string: write [\""), "{e}");
    assert!(lines[5].starts_with("c.toml:14:12: site \"shop\".maintenance[0].listener: \"arn:aws:elb\" is not a load balancer listener ARN"), "{e}");
    assert!(
        lines[6].starts_with(
            "c.toml:15:29: site \"shop\".maintenance[0].fixed_response.status: 302 is not allowed"
        ),
        "{e}"
    );
    assert!(
        lines[7].starts_with("c.toml:17:1: site[1]: missing required key `name`"),
        "{e}"
    );
}

#[test]
fn stale_after_must_exceed_poll_interval() {
    let e = parse_err(&format!("[defaults]\npoll_interval = \"2m\"\n{MINIMAL}"));
    assert!(
        e.starts_with("c.toml:2:17: defaults.poll_interval: stale_after (1m, the default) must be longer than poll_interval (2m)"),
        "{e}"
    );
    let e = parse_err(&format!(
        "[defaults]\nfocus_interval = \"500ms\"\n{MINIMAL}"
    ));
    assert!(
        e.contains("500ms is too short; focus_interval must be at least 1s"),
        "{e}"
    );
}

#[test]
fn weighted_sorry_takes_a_member_and_a_weight() {
    let s = strategies(
        r#"
[[site.maintenance]]
strategy = "route53-weighted-sorry"
"#,
    );
    assert_eq!(
        s[0],
        Strategy::WeightedSorry {
            sorry_member: None,
            weight: None
        }
    );
    let s = strategies(
        r#"
[[site.maintenance]]
strategy = "route53-weighted-sorry"
sorry_member = "sorry"
weight = 100
"#,
    );
    assert_eq!(
        s[0],
        Strategy::WeightedSorry {
            sorry_member: Some("sorry".into()),
            weight: Some(100)
        }
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-weighted-sorry\"\nweight = 0\n"
    ));
    assert!(
        e.contains(
            "weight: 0 is out of range: the sorry member's weight during maintenance is 1 to 255"
        ),
        "{e}"
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-weighted-sorry\"\nweight = 256\nsorry_member = \"\"\n"
    ));
    assert!(e.contains("weight: 256 is out of range"), "{e}");
    assert!(
        e.contains("sorry_member: \"\" is not a set identifier"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-weighted-sorry\"\n[[site.maintenance]]\nstrategy = \"route53-swap-primary\"\n"
    ));
    assert!(e.contains("both rewrite the site's record"), "{e}");
}

#[test]
fn record_types_and_sites_of_one_name() {
    // No record_type: every type at the name; record_type: only that type.
    let c = parse_ok(MINIMAL);
    assert!(c.sites[0].every_type);
    assert_eq!(c.sites[0].journal_record(), "_switchyard.www.example.com");
    // One site per type is fine, and each has its own journal.
    let two = "\n[[site]]\nname = \"v4\"\nzone = \"Z0123456789ABCDEFGHIJ\"\nrecord = \"www.example.com\"\nrecord_type = \"A\"\n[[site]]\nname = \"v6\"\nzone = \"Z0123456789ABCDEFGHIJ\"\nrecord = \"www.example.com\"\nrecord_type = \"AAAA\"\n";
    let c = parse_ok(two);
    assert!(!c.sites[0].every_type && !c.sites[1].every_type);
    assert_eq!(c.sites[0].journal_record(), "_switchyard-a.www.example.com");
    assert_eq!(
        c.sites[1].journal_record(),
        "_switchyard-aaaa.www.example.com"
    );
    // A site of every type beside one of a type: refused, at the record_type.
    let e = parse_err(&format!(
        "{two}[[site]]\nname = \"all\"\nzone = \"Z0123456789ABCDEFGHIJ\"\nrecord = \"www.example.com\"\n"
    ));
    assert!(
        e.starts_with("c.toml:15:10: site \"all\".record: www.example.com in zone Z0123456789ABCDEFGHIJ is already managed by site \"v4\" (line 2), which covers its A records; this site would cover every record type too"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{two}[[site]]\nname = \"v4b\"\nzone = \"Z0123456789ABCDEFGHIJ\"\nrecord = \"www.example.com\"\nrecord_type = \"a\"\n"
    ));
    assert!(
        e.starts_with("c.toml:16:15: site \"v4b\".record_type: "),
        "{e}"
    );
}

#[test]
fn duplicate_records_and_strategies_are_refused() {
    let e = parse_err(&format!(
        "{MINIMAL}\n[[site]]\nname = \"shop2\"\nzone = \"Z0123456789ABCDEFGHIJ\"\nrecord = \"www.example.com\"\n"
    ));
    assert!(
        e.contains("is already managed by site \"shop\" (line 2)"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-swap-primary\"\n[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = [\"192.0.2.1\"]\n"
    ));
    assert!(e.contains("both rewrite the site's record"), "{e}");
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-invert-health-check\"\n[[site.maintenance]]\nstrategy = \"route53-invert-health-check\"\n"
    ));
    assert!(e.contains("repeats maintenance[0] (line 6)"), "{e}");
}

#[test]
fn maintenance_rule_limits() {
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER_APP}\"\npriority = 50000\n\
         allow_cidrs = [\"10.0.0.1/32\",\"10.0.0.2/32\",\"10.0.0.3/32\",\"10.0.0.4/32\",\"10.0.0.5/32\",\"10.0.0.6/32\"]\n"
    ));
    assert!(e.contains("priority: 50000 is out of range"), "{e}");
    assert!(
        e.contains("6 values given; a listener rule holds at most 5"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER_NET}\"\n"
    ));
    assert!(e.contains("is not an ALB listener ARN"), "{e}");
    assert!(e.contains("use elb-listener-sorry"), "{e}");
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER_APP}\"\nallow_forwarded_for = [\"10.0.0.0/8\"]\n"
    ));
    assert!(e.contains("CIDR blocks do not work here"), "{e}");
}

#[test]
fn nlb_listener_cannot_answer_with_a_fixed_response() {
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"elb-listener-sorry\"\nlistener = \"{LISTENER_NET}\"\nfixed_response = {{}}\n"
    ));
    assert!(
        e.contains("an NLB listener has no fixed-response action"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"elb-listener-sorry\"\nlistener = \"{LISTENER_NET}\"\n"
    ));
    assert!(e.contains("give `sorry_target_group`"), "{e}");
}

#[test]
fn strategy_keys_are_checked_per_strategy() {
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-invert-health-check\"\nvalues = [\"1.2.3.4\"]\n"
    ));
    assert!(
        e.contains("unknown key `values`; `values` is a key of strategy route53-set-record, not of route53-invert-health-check"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-invert\"\n"
    ));
    assert!(
        e.contains("did you mean \"route53-invert-health-check\"?"),
        "{e}"
    );
}

#[test]
fn invalidate_defaults_to_the_discovered_distribution() {
    let cfg = parse_ok(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"cloudfront-invalidate\"\n"
    ));
    assert!(matches!(
        &cfg.sites[0].maintenance[0],
        Strategy::Invalidate {
            distribution: None,
            ..
        }
    ));
}

#[test]
fn locate_order_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let explicit = dir.path().join("explicit.toml");
    let from_env = dir.path().join("env.toml");
    let xdg_file = dir.path().join("xdg/switchyard/config.toml");
    std::fs::create_dir_all(xdg_file.parent().unwrap()).unwrap();
    for p in [&explicit, &from_env, &xdg_file] {
        std::fs::write(p, "").unwrap();
    }
    let xdg = dir.path().join("xdg");
    let env = env_of(&[
        ("SWITCHYARD_CONFIG", from_env.to_str().unwrap()),
        ("XDG_CONFIG_HOME", xdg.to_str().unwrap()),
    ]);
    assert_eq!(locate_with(Some(&explicit), &env).unwrap(), explicit);
    assert_eq!(locate_with(None, &env).unwrap(), from_env);
    let env = env_of(&[("XDG_CONFIG_HOME", xdg.to_str().unwrap())]);
    assert_eq!(locate_with(None, &env).unwrap(), xdg_file);
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/switchyard")).unwrap();
    let env = env_of(&[("HOME", home.to_str().unwrap()), ("SWITCHYARD_CONFIG", "")]);
    let e = locate_with(None, &env).unwrap_err();
    assert!(e.is_not_found());
    let text = e.to_string();
    assert!(text.contains("--config: not given"), "{text}");
    assert!(text.contains("$SWITCHYARD_CONFIG: not set"), "{text}");
    assert!(
        text.contains(".config/switchyard/config.toml (not found)"),
        "{text}"
    );
    std::fs::write(home.join(".config/switchyard/config.toml"), "").unwrap();
    assert!(locate_with(None, &env).is_ok());
    // A named file that is missing is an error, never a fall-back to another file.
    let missing = dir.path().join("missing.toml");
    let e = locate_with(Some(&missing), &env).unwrap_err().to_string();
    assert!(
        e.ends_with("config file not found (given with --config)"),
        "{e}"
    );
    let env = env_of(&[
        ("HOME", home.to_str().unwrap()),
        ("SWITCHYARD_CONFIG", missing.to_str().unwrap()),
    ]);
    let e = locate_with(None, &env).unwrap_err().to_string();
    assert!(e.ends_with("(named by $SWITCHYARD_CONFIG)"), "{e}");
    let e = locate_with(Some(dir.path()), &env).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");
}

#[test]
fn load_refuses_binary_and_huge_files() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin.toml");
    std::fs::write(&bin, b"a = 1\nb = \"\xff\xfe\"\n").unwrap();
    let e = load(&bin).unwrap_err().to_string();
    assert!(
        e.ends_with(":2:6: the file is not UTF-8 text (is it really a TOML config?)"),
        "{e}"
    );
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES + 10]).unwrap();
    let e = load(&big).unwrap_err().to_string();
    assert!(e.contains("larger than 32 MiB"), "{e}");
    let e = load(&dir.path().join("nope.toml")).unwrap_err();
    assert!(e.is_not_found());
    assert!(load(dir.path()).is_err());
}

/// Random and adversarial input never panics and always gives located problems.
#[test]
fn garbage_never_panics() {
    let mut seed: u64 = 0x5eed_1234_abcd_ef01;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = [
        "[[site]]",
        "[site]",
        "[defaults]",
        "[[site.maintenance]]",
        "name = ",
        "zone = ",
        "record = ",
        "strategy = ",
        "\"",
        "'",
        "{",
        "}",
        "[",
        "]",
        "=",
        "\n",
        ",",
        "x",
        "1",
        "\"shop\"",
        "\"Z1\"",
        "\"a.b\"",
        "true",
        "1979-05-27",
        "1.5",
        "é",
        "\u{0}",
        "#",
        ".",
        "\"elb-listener-sorry\"",
        "listener = ",
        "fixed_response = {",
        "body_file = \"/dev/zero\"",
    ];
    for _ in 0..3000 {
        let n = (next() % 40) as usize;
        let text: String = (0..n)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect();
        if let Err(e) = parse(&text, Path::new("g.toml")) {
            assert!(!e.problems().is_empty());
            let _ = e.to_string();
        }
    }
    let deep = format!("a = {}1{}", "[".repeat(5000), "]".repeat(5000));
    assert!(parse(&deep, Path::new("g.toml")).is_err());
    let deep_tables = format!("a = {}1{}", "{ b = ".repeat(3000), " }".repeat(3000));
    assert!(parse(&deep_tables, Path::new("g.toml")).is_err());
    let deep_keys = format!("[{}]\n", vec!["k"; 5000].join("."));
    assert!(parse(&deep_keys, Path::new("g.toml")).is_err());
}

#[test]
fn integers_in_every_toml_notation() {
    for (text, want) in [("1_0", 10), ("0x10", 16), ("0o10", 8), ("+7", 7)] {
        let s = strategies(&format!(
            "[[site.maintenance]]\nstrategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER_APP}\"\npriority = {text}\n"
        ));
        let Strategy::MaintenanceRule { priority, .. } = &s[0] else {
            panic!()
        };
        assert_eq!(*priority, RulePriority::At(want), "{text}");
    }
    let e = parse_err(&format!(
        "{MINIMAL}[[site.maintenance]]\nstrategy = \"route53-set-record\"\nvalues = [\"192.0.2.1\"]\nttl = 99999999999999999999\n"
    ));
    assert!(
        e.contains("ttl: 99999999999999999999 is out of range"),
        "{e}"
    );
}

#[test]
fn a_maintenance_rule_goes_first_unless_given_a_number() {
    let rule = |priority: &str| {
        format!(
            "[[site.maintenance]]\nstrategy = \"alb-maintenance-rule\"\nlistener = \"{LISTENER_APP}\"\n{priority}"
        )
    };
    for (text, want) in [
        ("", RulePriority::First),
        ("priority = \"first\"\n", RulePriority::First),
        ("priority = \"First\"\n", RulePriority::First),
        ("priority = 4\n", RulePriority::At(4)),
    ] {
        let s = strategies(&rule(text));
        let Strategy::MaintenanceRule { priority, .. } = &s[0] else {
            panic!("{s:?}")
        };
        assert_eq!(*priority, want, "{text:?}");
    }
    let e = parse_err(&format!("{MINIMAL}{}", rule("priority = \"top\"\n")));
    assert!(
        e.contains(
            "priority: \"top\" is not a priority: give \"first\" (ahead of every rule of the listener) or a number from 1 to 49999"
        ),
        "{e}"
    );
    let e = parse_err(&format!("{MINIMAL}{}", rule("priority = true\n")));
    assert!(e.contains("priority: expected \"first\""), "{e}");
}

#[test]
fn max_window_is_a_duration_with_its_place_in_the_file() {
    let c = parse_ok(&format!("{MINIMAL}max_window = \"2h\"\n"));
    assert_eq!(c.sites[0].max_window, Some(Duration::from_secs(7200)));
    assert_eq!(parse_ok(MINIMAL).sites[0].max_window, None);
    let e = parse_err(&format!("{MINIMAL}max_window = 7200\n"));
    assert!(
        e.starts_with("c.toml:6:14: site \"shop\".max_window: expected a duration"),
        "{e}"
    );
    let e = parse_err(&format!("{MINIMAL}max_window = \"two hours\"\n"));
    assert!(
        e.starts_with("c.toml:6:14: site \"shop\".max_window:"),
        "{e}"
    );
}

#[test]
fn approval_and_its_ttl_have_their_place_in_the_file() {
    let c = parse_ok(&format!(
        "{MINIMAL}approval = true\napproval_ttl = \"10m\"\n"
    ));
    assert!(c.sites[0].approval);
    assert_eq!(c.sites[0].approval_ttl, Duration::from_secs(600));
    let plain = parse_ok(MINIMAL);
    assert!(!plain.sites[0].approval);
    assert_eq!(
        plain.sites[0].approval_ttl,
        crate::config::DEFAULT_APPROVAL_TTL
    );
    let e = parse_err(&format!("{MINIMAL}approval = \"yes\"\n"));
    assert!(e.starts_with("c.toml:6:12: site \"shop\".approval:"), "{e}");
    let e = parse_err(&format!("{MINIMAL}approval_ttl = 600\n"));
    assert!(
        e.starts_with("c.toml:6:16: site \"shop\".approval_ttl: expected a duration"),
        "{e}"
    );
}
