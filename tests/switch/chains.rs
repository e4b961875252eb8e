//! Issue 13's chains, zones and regions end to end: on each shape, `discover` writes the config,
//! then status is LIVE, the plan is made, `maintenance on` gives MAINTENANCE, and `maintenance
//! off` leaves AWS exactly as before, in every region the site spans.

use super::support::*;
use switchyard::aws::client::Clients;
use switchyard::aws::{cloudwatch, elbv2};
use switchyard::model::cloudwatch::{Alarm, AlarmState};
use switchyard::model::elb::{Listener, LoadBalancerKind, Rule};

/// Everything a switch may change, in the clients' region and in `regions` too.
#[derive(Debug, PartialEq)]
struct Everywhere {
    home: Snapshot,
    regional: Vec<Regional>,
}

/// The listeners, rules and alarms of one more region.
#[derive(Debug, PartialEq)]
struct Regional {
    region: String,
    listeners: Vec<Listener>,
    rules: Vec<(String, Vec<Rule>)>,
    alarms: Vec<Alarm>,
}

async fn everywhere(c: &Clients, regions: &[&str]) -> Everywhere {
    let mut regional = Vec::new();
    for r in regions {
        let elb = c.elbv2_in(r);
        let mut listeners = Vec::new();
        let mut rules = Vec::new();
        for lb in elbv2::load_balancers(&elb).await.unwrap() {
            let ls = elbv2::listeners(&elb, &lb.arn).await.unwrap();
            if lb.kind == LoadBalancerKind::Application {
                for l in &ls {
                    rules.push((l.arn.clone(), elbv2::rules(&elb, &l.arn).await.unwrap()));
                }
            }
            listeners.extend(ls);
        }
        let mut alarms = cloudwatch::alarms(&c.cloudwatch_in(r)).await.unwrap();
        for a in &mut alarms {
            a.state = AlarmState::Ok;
            a.reason = String::new();
            a.state_updated = None;
        }
        regional.push(Regional {
            region: r.to_string(),
            listeners,
            rules,
            alarms,
        });
    }
    Everywhere {
        home: snapshot(c).await,
        regional,
    }
}

/// One shape: `discover` with these arguments writes the site; `region` is what it must write.
struct Shape<'a> {
    discover: &'a [&'a str],
    region: &'a str,
    /// Lines the discovered config must hold.
    shows: &'a [&'a str],
}

/// discover -> status LIVE -> plan -> on -> MAINTENANCE -> off -> LIVE and AWS as before.
async fn round_trip(env: &Env, c: &Clients, regions: &[&str], shape: &Shape<'_>) {
    let mut args = vec!["discover"];
    args.extend_from_slice(shape.discover);
    let found = env.run(&args).await;
    assert_eq!(found.code, 0, "{found}");
    let want_region = format!("region = \"{}\"", shape.region);
    assert!(
        found.stdout.contains(&want_region),
        "{want_region}: {found}"
    );
    for line in shape.shows {
        assert!(found.stdout.contains(line), "{line}: {found}");
    }
    let site = found
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .to_string();
    std::fs::write(&env.config, &found.stdout).unwrap();
    let what = format!("{shape_args:?} ({site})", shape_args = shape.discover);

    let live = env.run(&["status", "--site", &site]).await;
    assert_eq!(live.code, 0, "{what}: not LIVE before: {live}");
    let plan = env.run(&["plan", "on", "--site", &site]).await;
    // Refused (4) only for checks that could not be made (an unused sorry target group).
    assert!(
        plan.code == 0 || (plan.code == 4 && plan.stdout.contains("[??]")),
        "{what}: {plan}"
    );
    assert!(plan.stdout.contains("1. ["), "{what}: {plan}");
    assert!(!plan.stdout.contains("[FAILED]"), "{what}: {plan}");

    let before = everywhere(c, regions).await;
    let on = env
        .switch_past_unchecked("on", &site, &["--wait", "--timeout", "90s"])
        .await;
    assert_eq!(on.code, 0, "{what} on: {on}");
    assert!(on.stdout.contains("Verified"), "{what}: {on}");
    let during = env.run(&["status", "--site", &site]).await;
    assert_eq!(during.code, 12, "{what}: not MAINTENANCE during: {during}");
    assert_ne!(
        before,
        everywhere(c, regions).await,
        "{what}: nothing changed"
    );
    let off = env
        .switch_past_unchecked("off", &site, &["--wait", "--timeout", "90s"])
        .await;
    assert_eq!(off.code, 0, "{what} off: {off}");
    assert_eq!(
        before,
        everywhere(c, regions).await,
        "{what}: fail back did not restore AWS exactly"
    );
    let after = env.run(&["status", "--site", &site]).await;
    assert_eq!(after.code, 0, "{what}: not LIVE after: {after}");
}

/// A config `discover` replaces (it reads none).
const PLACEHOLDER: &str = "# replaced by the discovered site\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancers_in_other_regions_than_the_default_are_read_and_switched_in_theirs() {
    let env = Env::start_with_config("chains-region", PLACEHOLDER, 60.0).await;
    let c = env.clients().await;
    assert_eq!(c.region, "eu-west-1");
    let regions = ["us-west-2", "us-east-2"];
    round_trip(
        &env,
        &c,
        &regions,
        &Shape {
            discover: &["--zone", "example.com", "--record", "www.example.com"],
            region: "us-west-2",
            shows: &[
                "(us-west-2) (alias)",
                "alarms = [\"shop-west-1-StatusCheckFailed\", \"shop-west-2-StatusCheckFailed\"]",
            ],
        },
    )
    .await;
    round_trip(
        &env,
        &c,
        &regions,
        &Shape {
            discover: &["--zone", "/hostedzone/Z0CHAINSREGION", "--record", "pay"],
            region: "us-east-2",
            shows: &[
                "strategy = \"elb-listener-sorry\"",
                "listener = \"arn:aws:elasticloadbalancing:us-east-2:",
                "sorry_target_group = \"arn:aws:elasticloadbalancing:us-east-2:",
            ],
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_cname_and_a_cname_failover_pair_are_followed_to_the_alb_and_the_distribution() {
    let env = Env::start_with_config("chains-cname", PLACEHOLDER, 60.0).await;
    let c = env.clients().await;
    // Asked for every type at the name, discover finds the CNAME there.
    round_trip(
        &env,
        &c,
        &[],
        &Shape {
            discover: &["--zone", "example.com", "--record", "app.example.com"],
            region: "eu-west-1",
            shows: &[
                "ALB app-alb HTTPS 443: forward to app-web",
                "target group app-web: 2 of 2 targets healthy",
                "strategy = \"elb-listener-sorry\"",
            ],
        },
    )
    .await;
    round_trip(
        &env,
        &c,
        &[],
        &Shape {
            discover: &[
                "--zone",
                "Z0CHAINSCNAME",
                "--record",
                "www.example.com",
                "--type",
                "CNAME",
            ],
            region: "eu-west-1",
            shows: &[
                "distribution E1CHAINSCNAME (d1chainscname.cloudfront.net): Deployed, enabled",
                "strategy = \"route53-invert-health-check\"",
                "strategy = \"cloudfront-invalidate\"   # E1CHAINSCNAME",
            ],
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_aliases_through_the_zone_reaches_the_alb_and_the_distribution() {
    let env = Env::start_with_config("chains-alias", PLACEHOLDER, 60.0).await;
    let c = env.clients().await;
    round_trip(
        &env,
        &c,
        &[],
        &Shape {
            discover: &["--zone", "example.com", "--record", "www.example.com"],
            region: "eu-west-1",
            shows: &[
                "chain: www.example.com PRIMARY -> origin.example.com (alias)",
                "chain: sorry.example.com -> CloudFront distribution d1chainsalias.cloudfront.net",
                "target group shop-web: 2 of 2 targets healthy",
                "strategy = \"cloudfront-invalidate\"   # E1CHAINSALIAS",
            ],
        },
    )
    .await;
    // An S3 website endpoint is recognised as one.
    let s3 = env
        .run(&["discover", "--zone", "example.com", "--record", "static"])
        .await;
    assert_eq!(s3.code, 0, "{s3}");
    assert!(
        s3.stdout.contains(
            "chain: static.example.com -> S3 website endpoint of bucket static.example.com \
             (eu-west-1) (alias)"
        ),
        "{s3}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_horizon_wildcard_and_internationalised_names() {
    let env = Env::start_with_config("chains-names", PLACEHOLDER, 60.0).await;
    let c = env.clients().await;
    // The public zone of the split-horizon pair, said on stderr.
    let www = env
        .run(&["discover", "--zone", "example.com", "--record", "www"])
        .await;
    assert_eq!(www.code, 0, "{www}");
    assert!(
        www.stderr.contains(
            "warning: hosted zone name example.com is ambiguous: Z0CHAINSPRIVATE (private), \
             Z0CHAINSPUBLIC (public) hold it; using the public one, Z0CHAINSPUBLIC"
        ),
        "{www}"
    );
    assert!(www.stdout.contains("zone = \"Z0CHAINSPUBLIC\""), "{www}");
    round_trip(
        &env,
        &c,
        &[],
        &Shape {
            discover: &["--zone", "example.com", "--record", "*.example.com"],
            region: "eu-west-1",
            shows: &["name = \"example-wildcard\"", "record = \"*.example.com\""],
        },
    )
    .await;
    round_trip(
        &env,
        &c,
        &[],
        &Shape {
            discover: &["--zone", "bücher.example", "--record", "www.bücher.example"],
            region: "eu-west-1",
            shows: &[
                "from www.xn--bcher-kva.example (www.bücher.example)",
                "record = \"www.xn--bcher-kva.example\"",
            ],
        },
    )
    .await;
    // The internationalised site in its own letters in the status table.
    let table = env.run(&["status"]).await;
    assert!(table.stdout.contains("www.bücher.example"), "{table}");
    // A zone that does not exist: exit 2 whether named or given by ID.
    for zone in ["nosuch.example", "Z0NOSUCHZONE", "/hostedzone/Z0NOSUCHZONE"] {
        let missing = env
            .run(&["discover", "--zone", zone, "--record", "www.example.com"])
            .await;
        assert_eq!(missing.code, 2, "{zone}: {missing}");
        assert!(
            missing.stderr.contains("no hosted zone"),
            "{zone}: {missing}"
        );
    }
    // A private zone given by ID is read, with what it means for status said.
    let private = env
        .run(&["discover", "--zone", "Z0CHAINSPRIVATE", "--record", "www"])
        .await;
    assert_eq!(private.code, 0, "{private}");
    assert!(
        private
            .stderr
            .contains("hosted zone Z0CHAINSPRIVATE is private"),
        "{private}"
    );
}

use super::peers::moto;

/// A second opinion from moto, which holds these shapes too: an ALB in another region than the
/// caller's default, a split-horizon zone name, a plain CNAME and an alias to a record of the
/// zone. The listener is switched in its own region and restored exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_holds_the_cname_the_alias_chain_and_the_other_region_too() {
    let Some(moto) =
        tokio::task::spawn_blocking(|| moto::Moto::start_seeded("moto_seed_chains.py"))
            .await
            .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, PLACEHOLDER).unwrap();
    let run = |args: &[&str]| output(command(&moto.env(), dir.path(), &path, args));
    let public = moto.seed_str("public_zone_id");
    let private = moto.seed_str("private_zone_id");
    let listener = moto.seed_str("listener_arn");

    let app = run(&["discover", "--zone", "example.com", "--record", "app"]).await;
    assert_eq!(app.code, 0, "{app}");
    assert!(
        app.stderr.contains(&format!(
            "using the public one, {public} (give --zone {private}"
        )),
        "{app}"
    );
    for line in [
        "region = \"us-west-2\"".to_string(),
        format!("listener = \"{listener}\""),
        "(us-west-2) (CNAME)".to_string(),
    ] {
        assert!(app.stdout.contains(&line), "{line}: {app}");
    }
    let www = run(&["discover", "--zone", &public, "--record", "www.example.com"]).await;
    assert_eq!(www.code, 0, "{www}");
    assert!(
        www.stdout
            .contains("chain: www.example.com -> origin.example.com (alias)"),
        "{www}"
    );
    assert!(
        www.stdout
            .contains("ALB west-alb HTTP 80: forward to west-app"),
        "{www}"
    );
    let missing = run(&["discover", "--zone", "Z0NOSUCHZONE", "--record", "www"]).await;
    assert_eq!(missing.code, 2, "{missing}");

    // The listener switch of the CNAME's ALB, in us-west-2 (moto has no TestDNSAnswer: --force).
    std::fs::write(&path, &app.stdout).unwrap();
    let c = clients_at(&moto.endpoint, "eu-west-1").await;
    let read = || async {
        elbv2::listeners_by_arn(&c.elbv2_in("us-west-2"), std::slice::from_ref(&listener))
            .await
            .unwrap()
    };
    let before = read().await;
    let on = run(&["maintenance", "on", "--site", "app", "--yes", "--force"]).await;
    assert_eq!(on.code, 0, "{on}");
    assert_ne!(before, read().await, "the listener did not change");
    let off = run(&["maintenance", "off", "--site", "app", "--yes", "--force"]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, read().await, "the listener was not restored");
}

/// route53-swap-primary on a failover pair of aliases to records of the zone: the PRIMARY is
/// pointed where the SECONDARY points (the sorry page, two hops away), which status reads as
/// MAINTENANCE and `wait` converges on; the fail back is LIVE with AWS exactly as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swap_primary_through_an_alias_chain_reads_maintenance_and_fails_back_exactly() {
    let config = "[defaults]\nregion = \"eu-west-1\"\n\n[[site]]\nname = \"shop\"\n\
                  zone = \"Z0CHAINSALIAS\"\nrecord = \"www.example.com\"\n\n\
                  [[site.maintenance]]\nstrategy = \"route53-swap-primary\"\n";
    let env = Env::start_with_config("chains-alias", config, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let status = env.run(&["status", "--site", "shop"]).await;
    assert_eq!(status.code, 0, "{status}");
    let on = env
        .switch_past_unchecked("on", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    let status = env.run(&["status", "--site", "shop"]).await;
    assert_eq!(status.code, 12, "{status}");
    assert!(status.stdout.contains("MAINTENANCE"), "{status}");
    let wait = env
        .run(&[
            "wait",
            "--site",
            "shop",
            "--for",
            "maintenance",
            "--timeout",
            "30s",
        ])
        .await;
    assert_eq!(wait.code, 0, "{wait}");
    let off = env
        .switch_past_unchecked("off", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    let status = env.run(&["status", "--site", "shop"]).await;
    assert_eq!(status.code, 0, "{status}");
    assert_eq!(before, snapshot(&c).await);
}
