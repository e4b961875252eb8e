//! A second opinion: the `elb-listener-sorry` and `route53-swap-primary` round trips against
//! moto, which speaks the wire protocols independently of the built-in emulator. Skipped with a
//! printed reason when moto is not installed, unless SWITCHYARD_REQUIRE_PEERS is set.

use super::support::{clients_at, command, output};
use switchyard::aws::{elbv2, route53};
use switchyard::model::route53::{AliasTarget, CLOUDFRONT_HOSTED_ZONE_ID, Failover, RecordSet};

#[path = "../support/moto.rs"]
pub(super) mod moto;

/// A config with one site `shop` switched by `strategy` (a TOML table body).
fn config(seed: &moto::Moto, strategy: &str) -> String {
    format!(
        r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "shop"
zone = "{zone}"
record = "www.example.com"

[[site.maintenance]]
{strategy}
"#,
        zone = seed.seed_str("zone_id"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listener_sorry_and_swap_primary_round_trips_against_moto() {
    let Some(moto) = tokio::task::spawn_blocking(moto::Moto::start)
        .await
        .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let c = clients_at(&moto.endpoint, "eu-west-1").await;
    let zone = moto.seed_str("zone_id");
    let listener = moto.seed_str("listener_arn");
    let read = || async {
        let mut records = route53::records_at(
            &c.route53,
            &zone,
            "www.example.com",
            "_switchyard.www.example.com",
        )
        .await
        .unwrap();
        // moto lists in the order of writing; Route 53 in name and identifier order.
        records
            .records
            .sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
        // The switch history stays behind on purpose: it is not part of the state restored.
        records
            .txt
            .retain(|r| !r.name.starts_with("_switchyard-log"));
        let l = elbv2::listeners_by_arn(&c.elbv2, std::slice::from_ref(&listener))
            .await
            .unwrap();
        (records, l)
    };
    let before = read().await;
    assert!(before.0.beside.is_none());
    let strategies = [
        "strategy = \"route53-swap-primary\"".to_string(),
        format!(
            "strategy = \"elb-listener-sorry\"\nlistener = \"{}\"\nsorry_target_group = \"{}\"",
            moto.seed_str("listener_arn"),
            moto.seed_str("sorry_target_group_arn")
        ),
    ];
    for strategy in strategies {
        let site = "shop";
        let path = dir.path().join("config.toml");
        std::fs::write(&path, config(&moto, &strategy)).unwrap();
        // moto's sorry target group has no targets: the preflight refuses, --force overrides.
        let switch = |direction: &'static str| {
            output(command(
                &moto.env(),
                dir.path(),
                &path,
                &["maintenance", direction, "--site", site, "--yes", "--force"],
            ))
        };
        let on = switch("on").await;
        assert_eq!(on.code, 0, "{strategy} on: {on}");
        let during = read().await;
        assert_ne!(before, during, "{strategy}: nothing changed");
        assert!(during.0.beside.is_some(), "{strategy}: no journal in moto");
        let off = switch("off").await;
        assert_eq!(off.code, 0, "{strategy} off: {off}");
        assert_eq!(before, read().await, "{strategy}: not restored in moto");
    }
}

/// moto has no TestDNSAnswer (it answers 404): status infers the answer from the failover rules
/// and the health check and says so, instead of UNKNOWN; `wait` converges on it. moto cannot
/// speak the Rust CloudWatch client's protocol, so CloudWatch is the built-in emulator's, where
/// moto's health check has no HealthCheckStatus datapoint: its status comes from moto's
/// GetHealthCheckStatus, which the reasons say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_infers_the_answer_moto_cannot_give() {
    let Some(moto) = tokio::task::spawn_blocking(moto::Moto::start)
        .await
        .unwrap()
    else {
        return;
    };
    let cloudwatch = switchyard_sim::start(switchyard_sim::SimOptions::new(
        switchyard_sim::Scenario::parse("name = \"cloudwatch-only\"\nregion = \"eu-west-1\"\n")
            .unwrap(),
    ))
    .await
    .unwrap();
    let mut vars = moto.env();
    vars.push(("AWS_ENDPOINT_URL_CLOUDWATCH".into(), cloudwatch.endpoint()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let run = |args: &'static [&'static str]| output(command(&vars, dir.path(), &path, args));
    let site = |out: &super::support::Out| -> serde_json::Value {
        let j: serde_json::Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
        j["sites"][0].clone()
    };
    let strategy = format!(
        "strategy = \"elb-listener-sorry\"\nlistener = \"{}\"\nsorry_target_group = \"{}\"",
        moto.seed_str("listener_arn"),
        moto.seed_str("sorry_target_group_arn")
    );
    // First without a strategy (no sorry target group to find empty).
    let plain = config(&moto, "");
    let plain = plain.trim_end().trim_end_matches("[[site.maintenance]]");
    std::fs::write(&path, plain).unwrap();

    let out = run(&["status", "--output", "json"]).await;
    let s = site(&out);
    assert_eq!(s["verdict"], "DEGRADED", "{out}");
    assert_eq!(s["served"], "primary", "{out}");
    assert_eq!(s["served_inferred"], true, "{out}");
    let reasons: Vec<&str> = s["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons[0].starts_with("LIVE by inference only"), "{out}");
    assert!(
        reasons.iter().any(|r| r.contains(
            "inferred from the failover rules (the primary is healthy), because Route 53's \
             answer (TestDNSAnswer) could not be read"
        )),
        "{out}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("(source: GetHealthCheckStatus, ")),
        "{out}"
    );
    let errors: Vec<&str> = s["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        errors.iter().all(|e| e.contains("TestDNSAnswer")),
        "only TestDNSAnswer is missing: {errors:?}"
    );
    // moto refuses, rather than denies: DEGRADED's code, not access's.
    assert_eq!(out.code, 10, "{out}");

    // Maintenance: MAINTENANCE on the inferred answer, and `wait` converges.
    std::fs::write(&path, config(&moto, &strategy)).unwrap();
    let on = run(&["maintenance", "on", "--site", "shop", "--yes", "--force"]).await;
    assert_eq!(on.code, 0, "{on}");
    let out = run(&["status", "--site", "shop", "--output", "json"]).await;
    let s = site(&out);
    assert_eq!(s["verdict"], "MAINTENANCE", "{out}");
    assert_eq!(s["served_inferred"], true, "{out}");
    assert_eq!(out.code, 12, "{out}");
    let w = run(&[
        "wait",
        "--site",
        "shop",
        "--for",
        "maintenance",
        "--timeout",
        "20s",
    ])
    .await;
    assert_eq!(w.code, 0, "{w}");
    let off = run(&["maintenance", "off", "--site", "shop", "--yes", "--force"]).await;
    assert_eq!(off.code, 0, "{off}");
    let w = run(&[
        "wait",
        "--site",
        "shop",
        "--for",
        "live",
        "--timeout",
        "20s",
    ])
    .await;
    assert_eq!(w.code, 0, "{w}");
}

/// UPSERTs record sets into moto (see scripts/moto_seed.py for why not CREATE).
async fn upsert(c: &switchyard::aws::client::Clients, zone: &str, records: Vec<RecordSet>) {
    let changes: Vec<(route53::RecordAction, RecordSet)> = records
        .into_iter()
        .map(|r| (route53::RecordAction::Upsert, r))
        .collect();
    route53::change_records(&c.route53, zone, &changes, "peer test")
        .await
        .unwrap();
}

fn alias_to(zone: &str, dns: &str) -> Option<AliasTarget> {
    Some(AliasTarget {
        hosted_zone_id: zone.into(),
        dns_name: dns.into(),
        evaluate_target_health: false,
    })
}

/// Dual stack and weighted routing in moto: swap-primary changes the A and AAAA PRIMARY records
/// in one batch, weighted-sorry moves the weight of a weighted set to its sorry member, and
/// each fail back restores every record set exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dual_stack_and_weighted_round_trips_against_moto() {
    let Some(moto) = tokio::task::spawn_blocking(moto::Moto::start)
        .await
        .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let c = clients_at(&moto.endpoint, "eu-west-1").await;
    let zone = moto.seed_str("zone_id");
    let lb = elbv2::load_balancers(&c.elbv2)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let cf = moto.seed_str("distribution_domain");
    // The AAAA pair beside the seed's A pair, and a weighted set with a sorry member. (Set
    // identifiers of their own: moto 5.2.5 matches a DELETE by name and set identifier without
    // the type, so in one batch with the A pair's changes it would delete the new A record.)
    let record = |name: &str, rtype: &str, id: &str| RecordSet {
        name: format!("{name}."),
        rtype: rtype.into(),
        set_identifier: Some(id.into()),
        ..RecordSet::default()
    };
    upsert(
        &c,
        &zone,
        vec![
            RecordSet {
                failover: Some(Failover::Primary),
                alias: alias_to(&lb.canonical_zone_id, &lb.dns_name),
                ..record("www.example.com", "AAAA", "www-primary-v6")
            },
            RecordSet {
                failover: Some(Failover::Secondary),
                alias: alias_to(CLOUDFRONT_HOSTED_ZONE_ID, &cf),
                ..record("www.example.com", "AAAA", "www-secondary-v6")
            },
            RecordSet {
                weight: Some(90),
                alias: alias_to(&lb.canonical_zone_id, &lb.dns_name),
                ..record("blue.example.com", "A", "blue")
            },
            RecordSet {
                weight: Some(0),
                alias: alias_to(CLOUDFRONT_HOSTED_ZONE_ID, &cf),
                ..record("blue.example.com", "A", "sorry")
            },
        ],
    )
    .await;
    let read = |name: &'static str| {
        let c = c.clone();
        let zone = zone.clone();
        async move {
            let mut at =
                route53::records_at(&c.route53, &zone, name, &format!("_switchyard.{name}"))
                    .await
                    .unwrap();
            for r in &mut at.records {
                // moto reports an alias's TTL as 0.
                if r.alias.is_some() {
                    r.ttl = None;
                }
            }
            // The switch history stays behind on purpose: it is not part of the state restored.
            at.txt.retain(|r| !r.name.starts_with("_switchyard-log"));
            at.records
                .sort_by(|a, b| (&a.rtype, &a.set_identifier).cmp(&(&b.rtype, &b.set_identifier)));
            at
        }
    };
    for (record, strategy, changed) in [
        ("www.example.com", "route53-swap-primary", 2),
        ("blue.example.com", "route53-weighted-sorry", 2),
    ] {
        let before = read(record).await;
        let path = dir.path().join("config.toml");
        let text = format!(
            "[defaults]\nregion = \"eu-west-1\"\n\n[[site]]\nname = \"s\"\nzone = \"{zone}\"\nrecord = \"{record}\"\n\n[[site.maintenance]]\nstrategy = \"{strategy}\"\n"
        );
        std::fs::write(&path, text).unwrap();
        let switch = |direction: &'static str| {
            output(command(
                &moto.env(),
                dir.path(),
                &path,
                &["maintenance", direction, "--site", "s", "--yes", "--force"],
            ))
        };
        let on = switch("on").await;
        assert_eq!(on.code, 0, "{strategy} on: {on}");
        assert!(
            on.stdout.contains(&format!("({changed} records)")),
            "{strategy}: not one batch: {on}"
        );
        let during = read(record).await;
        assert!(during.beside.is_some(), "{strategy}: no journal in moto");
        let differing = before
            .records
            .iter()
            .zip(&during.records)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differing, changed, "{strategy}: {:#?}", during.records);
        let off = switch("off").await;
        assert_eq!(off.code, 0, "{strategy} off: {off}");
        let after = read(record).await;
        assert_eq!(
            before.records, after.records,
            "{strategy}: not restored in moto"
        );
        assert!(after.beside.is_none());
    }
}
