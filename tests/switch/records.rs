//! Every record type at a name is one site, and routing policies beside failover (issue 13,
//! items 3 and 4): discover -> status -> plan -> maintenance on -> status -> maintenance off ->
//! AWS exactly as before, on the dual-stack, weighted and routing-policies scenarios; two sites
//! of one name with journals of their own; refusals of strategies that do not fit a shape.

use switchyard::aws::route53::{self, RecordAction};
use switchyard::model::journal::{self, Journal};
use switchyard::model::route53::RecordSet;

use super::support::*;

/// `status --output json` of one site: (exit code, the site's report).
async fn status(env: &Env, site: &str) -> (i32, serde_json::Value) {
    let out = env
        .run(&["status", "--site", site, "--output", "json"])
        .await;
    let json: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("status of {site} is not JSON ({e}): {out}"));
    (out.code, json["sites"][0].clone())
}

/// What TestDNSAnswer gives for a name and type.
async fn answer(env: &Env, zone: &str, name: &str, rtype: &str) -> Vec<String> {
    let c = env.clients().await;
    let mut v = route53::test_dns_answer(&c.route53, zone, name, rtype)
        .await
        .unwrap()
        .values;
    v.sort();
    v
}

/// The addresses a DNS name resolves to in the emulator, for a type.
fn resolved(env: &Env, name: &str, rtype: &str) -> Vec<String> {
    let mut v = env
        .sim
        .with_world(|w| switchyard_sim::dns::resolve(w, name, rtype))
        .unwrap_or_default();
    v.sort();
    v
}

async fn records_at(env: &Env, zone: &str, name: &str, beside: &str) -> route53::RecordsAt {
    let c = env.clients().await;
    route53::records_at(&c.route53, zone, name, beside)
        .await
        .unwrap()
}

const ORG: &str = "Z0DUALSTACK0ORG";
const CF_ORG: &str = "d2dualstacksry.cloudfront.net";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dual_stack_site_switches_its_a_and_aaaa_records_and_restores_them() {
    let env = Env::start("dual-stack", "dual-stack", 60.0).await;
    let c = env.clients().await;
    // discover finds both types and writes no record_type: the site covers both.
    let found = env
        .run(&[
            "discover",
            "--zone",
            "example.org",
            "--record",
            "www.example.org",
        ])
        .await;
    assert_eq!(found.code, 0, "{found}");
    assert!(
        found
            .stdout
            .contains("#   record: PRIMARY AAAA alias www-alb-"),
        "{found}"
    );
    assert!(
        found
            .stdout
            .contains("#   record: SECONDARY AAAA alias d2dualstacksry"),
        "{found}"
    );
    assert!(!found.stdout.contains("record_type"), "{found}");
    assert!(
        found.stdout.contains(
            "strategy = \"route53-swap-primary\"   # the primary has no health check: swap its target (A and AAAA in one batch)"
        ),
        "{found}"
    );
    let only_v6 = env
        .run(&[
            "discover",
            "--zone",
            "example.org",
            "--record",
            "www.example.org",
            "--type",
            "AAAA",
        ])
        .await;
    assert!(
        only_v6.stdout.contains("record_type = \"AAAA\""),
        "{only_v6}"
    );
    assert!(
        !only_v6.stdout.contains("record: PRIMARY A alias"),
        "{only_v6}"
    );

    for site in ["www", "api", "db"] {
        let record = format!("{site}.example.org");
        let before = snapshot(&c).await;
        let (code, live) = status(&env, site).await;
        assert_eq!(
            (code, live["verdict"].as_str()),
            (0, Some("LIVE")),
            "{live}"
        );
        assert_eq!(live["record_types"], serde_json::json!(["A", "AAAA"]));
        assert_eq!(live["dns_answers"].as_object().unwrap().len(), 2, "{live}");
        let plan = env.run(&["plan", "on", "--site", site]).await;
        assert_eq!(plan.code, 0, "{site}: {plan}");
        if site != "api" {
            // One batch for both types.
            assert!(
                plan.stdout.contains(&format!("{record}. A"))
                    && plan.stdout.contains(&format!("{record}. AAAA")),
                "{plan}"
            );
            assert_eq!(
                plan.stdout
                    .matches("route53:ChangeResourceRecordSets")
                    .count(),
                1,
                "{plan}"
            );
        } else {
            // The PRIMARY records share one health check: one inversion.
            assert_eq!(
                plan.stdout.matches("route53:UpdateHealthCheck").count(),
                1,
                "{plan}"
            );
        }
        let on = env
            .switch("on", site, &["--wait", "--timeout", "60s"])
            .await;
        assert_eq!(on.code, 0, "{site} on: {on}");
        // What a client gets over IPv4 and IPv6 during maintenance: the sorry side.
        let (a, aaaa) = (
            answer(&env, ORG, &record, "A").await,
            answer(&env, ORG, &record, "AAAA").await,
        );
        if site == "db" {
            assert_eq!(
                (a, aaaa),
                (
                    vec!["198.51.100.20".to_string()],
                    vec!["2001:db8:10::20".to_string()]
                )
            );
        } else {
            assert_eq!(a, resolved(&env, CF_ORG, "A"), "{site}");
            assert_eq!(aaaa, resolved(&env, CF_ORG, "AAAA"), "{site}");
        }
        let (code, during) = status(&env, site).await;
        if site != "www" {
            // (The verdict of a swapped PRIMARY is another part of issue 13.)
            assert_eq!(
                (code, during["verdict"].as_str()),
                (12, Some("MAINTENANCE")),
                "{site}: {during}"
            );
        }
        let journal = records_at(&env, ORG, &record, &format!("_switchyard.{record}")).await;
        let j = Journal::from_txt_values(&journal.beside.unwrap()).unwrap();
        assert_eq!(j.scope, Some(journal::Scope::Every));
        let off = env
            .switch("off", site, &["--wait", "--timeout", "60s"])
            .await;
        assert_eq!(off.code, 0, "{site} off: {off}");
        assert_eq!(before, snapshot(&c).await, "{site}: not restored exactly");
        let (code, _) = status(&env, site).await;
        assert_eq!(code, 0, "{site}");
    }
}

/// Two sites of one name, one per type, as earlier versions needed: each has its own journal,
/// and failing one back leaves the other's maintenance alone.
const TWO_SITES: &str = r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "v4"
zone = "Z0DUALSTACK0ORG"
record = "www.example.org"
record_type = "A"

[[site.maintenance]]
strategy = "route53-swap-primary"

[[site]]
name = "v6"
zone = "Z0DUALSTACK0ORG"
record = "www.example.org"
record_type = "AAAA"

[[site.maintenance]]
strategy = "route53-swap-primary"
"#;

fn primary_of(at: &route53::RecordsAt, rtype: &str) -> RecordSet {
    at.records
        .iter()
        .find(|r| r.rtype == rtype && r.set_identifier.as_deref() == Some("www-primary"))
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sites_of_one_name_never_share_or_undo_each_others_journal() {
    let env = Env::start_with_config("dual-stack", TWO_SITES, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let www = "www.example.org";
    // A site of one type warns that the other type stays on the app.
    let (_, v4) = status(&env, "v4").await;
    assert!(
        v4["reasons"].as_array().unwrap().iter().any(|r| r
            .as_str()
            .unwrap()
            .starts_with("the AAAA records of www.example.org are not part of this site")),
        "{v4}"
    );
    let plan = env.run(&["plan", "on", "--site", "v4"]).await;
    assert_eq!(plan.code, 4, "{plan}");
    assert!(plan.stdout.contains("[FAILED] every address type at the name is switched: www.example.org also has AAAA records, which this site does not switch (record_type = \"A\"): IPv6 clients would keep reaching the app"), "{plan}");
    for site in ["v4", "v6"] {
        let on = env.switch("on", site, &["--force"]).await;
        assert_eq!(on.code, 0, "{site}: {on}");
    }
    let v4_journal = records_at(&env, ORG, www, "_switchyard-a.www.example.org").await;
    let v6_journal = records_at(&env, ORG, www, "_switchyard-aaaa.www.example.org").await;
    let j4 = Journal::from_txt_values(&v4_journal.beside.unwrap()).unwrap();
    let j6 = Journal::from_txt_values(&v6_journal.beside.clone().unwrap()).unwrap();
    assert_eq!((j4.site.as_str(), j6.site.as_str()), ("v4", "v6"));
    assert!(
        records_at(&env, ORG, www, "_switchyard.www.example.org")
            .await
            .beside
            .is_none()
    );
    // Failing back the A site leaves the AAAA site's switch and journal alone.
    let off = env.switch("off", "v4", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    let at = records_at(&env, ORG, www, "_switchyard-aaaa.www.example.org").await;
    assert_eq!(at.beside, v6_journal.beside, "v6's journal changed");
    assert!(
        primary_of(&at, "A")
            .alias
            .unwrap()
            .dns_name
            .contains("www-alb")
    );
    assert!(
        primary_of(&at, "AAAA")
            .alias
            .unwrap()
            .dns_name
            .contains("cloudfront")
    );
    let again = env.switch("off", "v4", &[]).await;
    assert!(again.stdout.contains("Nothing to do: live"), "{again}");
    let off = env.switch("off", "v6", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await, "not restored exactly");
}

/// A journal an earlier switchyard wrote at the shared name for a site of one type is still
/// that site's (and only its).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_of_one_type_fails_back_from_a_journal_an_earlier_version_wrote() {
    let env = Env::start_with_config("dual-stack", TWO_SITES, 60.0).await;
    let c = env.clients().await;
    let before = snapshot(&c).await;
    let www = "www.example.org";
    let on = env.switch("on", "v6", &["--force"]).await;
    assert_eq!(on.code, 0, "{on}");
    // Move the journal where an earlier version kept it, without a scope.
    let own = records_at(&env, ORG, www, "_switchyard-aaaa.www.example.org")
        .await
        .beside
        .unwrap();
    let mut old = Journal::from_txt_values(&own).unwrap();
    old.scope = None;
    let txt = |name: &str, values: Vec<String>| RecordSet {
        name: format!("{name}."),
        rtype: "TXT".into(),
        ttl: Some(std::time::Duration::from_secs(60)),
        values,
        ..RecordSet::default()
    };
    route53::change_records(
        &c.route53,
        ORG,
        &[
            (
                RecordAction::Delete,
                txt("_switchyard-aaaa.www.example.org", own),
            ),
            (
                RecordAction::Create,
                txt("_switchyard.www.example.org", old.to_txt_values().unwrap()),
            ),
        ],
        "an earlier switchyard's journal",
    )
    .await
    .unwrap();
    // The A site does not take it (it changed AAAA records, and another site wrote it).
    let (_, v4) = status(&env, "v4").await;
    assert!(v4["maintenance"].is_null(), "{v4}");
    let nothing = env.switch("off", "v4", &[]).await;
    assert!(nothing.stdout.contains("Nothing to do: live"), "{nothing}");
    let (_, v6) = status(&env, "v6").await;
    assert_eq!(v6["maintenance"]["phase"], "active", "{v6}");
    let off = env.switch("off", "v6", &[]).await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await, "not restored exactly");
}

const NET: &str = "Z0WEIGHTED0NET";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighted_site_moves_its_weight_to_the_sorry_member_and_back() {
    let env = Env::start("weighted", "weighted", 60.0).await;
    let c = env.clients().await;
    let found = env
        .run(&[
            "discover",
            "--zone",
            "example.net",
            "--record",
            "www.example.net",
        ])
        .await;
    assert_eq!(found.code, 0, "{found}");
    assert!(
        found.stdout.contains("#   record: blue: A alias blue-alb-"),
        "{found}"
    );
    assert!(
        found.stdout.contains(", weight 90, health check www-blue"),
        "{found}"
    );
    assert!(
        found
            .stdout
            .contains("strategy = \"route53-weighted-sorry\"   # weight to the sorry member sorry"),
        "{found}"
    );
    let none = env
        .run(&[
            "discover",
            "--zone",
            "example.net",
            "--record",
            "api.example.net",
        ])
        .await;
    assert!(
        none.stdout.contains(
            "# No DNS switch: no member of the weighted A record set serves the sorry page"
        ),
        "{none}"
    );
    assert!(
        !none.stdout.contains("[[site.maintenance]]\nstrategy"),
        "{none}"
    );

    let before = snapshot(&c).await;
    let (code, live) = status(&env, "shop").await;
    assert_eq!(
        (code, live["verdict"].as_str(), live["served"].as_str()),
        (0, Some("LIVE"), Some("members")),
        "{live}"
    );
    let blue = &live["records"][0];
    assert_eq!(blue["set_identifier"], "blue");
    assert_eq!(
        (blue["weight"].as_i64(), blue["traffic_percent"].as_u64()),
        (Some(90), Some(90)),
        "{live}"
    );
    assert_eq!(blue["health"], "healthy");
    let table = env.run(&["status", "--site", "shop"]).await;
    assert!(
        table.stdout.contains(
            "  members: blue (weight 90, 90 %, healthy), green (weight 10, 10 %, healthy)"
        ),
        "{table}"
    );
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 0, "{plan}");
    assert!(
        plan.stdout.contains("after:  blue: A alias blue-alb-"),
        "{plan}"
    );
    assert!(
        plan.stdout
            .contains("sorry: A alias d3weightedsry0.cloudfront.net, weight 90"),
        "{plan}"
    );
    assert!(
        plan.stdout
            .contains("[ok] the sorry member is healthy, so that Route 53 answers it"),
        "{plan}"
    );
    let on = env
        .switch("on", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    assert_eq!(
        answer(&env, NET, "www.example.net", "A").await,
        resolved(&env, "d3weightedsry0.cloudfront.net", "A")
    );
    let (code, during) = status(&env, "shop").await;
    assert_eq!(
        (code, during["verdict"].as_str()),
        (12, Some("MAINTENANCE")),
        "{during}"
    );
    let sorry = during["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["set_identifier"] == "sorry")
        .unwrap();
    assert_eq!(sorry["traffic_percent"], 100, "{during}");
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
        .switch("off", "shop", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await, "not restored exactly");
}

/// A strategy that cannot work on a shape is refused with what to use instead (exit 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strategies_that_do_not_fit_the_shape_are_refused() {
    let config = r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "shop"
zone = "Z0WEIGHTED0NET"
record = "www.example.net"

[[site.maintenance]]
strategy = "route53-swap-primary"

[[site]]
name = "api"
zone = "Z0WEIGHTED0NET"
record = "api.example.net"

[[site.maintenance]]
strategy = "route53-weighted-sorry"
"#;
    let env = Env::start_with_config_paused("weighted", config).await;
    let plan = env.run(&["plan", "on", "--site", "shop"]).await;
    assert_eq!(plan.code, 2, "{plan}");
    assert!(plan.stderr.contains("route53-swap-primary: www.example.net A is a weighted record set (members blue, green, sorry), not a failover pair with a PRIMARY and a SECONDARY record; use route53-weighted-sorry"), "{plan}");
    let on = env.switch("on", "api", &[]).await;
    assert_eq!(on.code, 2, "{on}");
    assert!(on.stderr.contains("no member of the weighted A record set of api.example.net serves the sorry page (members: api-a -> unknown, api-b -> unknown)"), "{on}");

    let config = r#"
[defaults]
region = "eu-west-1"

[[site]]
name = "geo"
zone = "Z0ROUTING0IO"
record = "geo.example.io"

[[site.maintenance]]
strategy = "route53-weighted-sorry"
"#;
    let env = Env::start_with_config_paused("routing-policies", config).await;
    let plan = env.run(&["plan", "on", "--site", "geo"]).await;
    assert_eq!(plan.code, 2, "{plan}");
    assert!(plan.stderr.contains("geo.example.io A is a geolocation record set (members de, default), not a weighted record set; switchyard changes no record of this routing policy"), "{plan}");
}

const IO: &str = "Z0ROUTING0IO";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_geolocation_and_multivalue_sets_are_shown_and_switched_behind() {
    let env = Env::start("routing-policies", "routing-policies", 60.0).await;
    let c = env.clients().await;
    for site in ["geo", "mv"] {
        let (code, s) = status(&env, site).await;
        assert_eq!((code, s["verdict"].as_str()), (0, Some("LIVE")), "{s}");
        assert!(
            s["records"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["gets_traffic"] == true),
            "{s}"
        );
    }
    let (_, geo) = status(&env, "geo").await;
    assert_eq!(geo["records"][0]["location"], "country DE");
    assert_eq!(geo["records"][1]["location"], "default location");
    // A multivalue member goes down: Route 53 leaves it out, and status says so.
    env.sim
        .control(switchyard_sim::Control::SetBehaviour {
            target: "mv-2".into(),
            behaviour: switchyard_sim::world::ec2::Behaviour::Timeout,
        })
        .unwrap();
    let mut degraded = serde_json::Value::Null;
    for _ in 0..60 {
        let (code, s) = status(&env, "mv").await;
        if code == 10 {
            degraded = s;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(degraded["verdict"], "DEGRADED", "mv never DEGRADED");
    assert!(
        degraded["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().starts_with("member mv-2 is unhealthy")),
        "{degraded}"
    );
    assert_eq!(
        answer(&env, IO, "mv.example.io", "A").await,
        ["198.51.100.51", "198.51.100.53"]
    );

    // The latency site switches the load balancers behind both members.
    let found = env
        .run(&[
            "discover",
            "--zone",
            "example.io",
            "--record",
            "app.example.io",
        ])
        .await;
    assert!(
        found
            .stdout
            .contains("# No DNS switch: the A records are a latency record set"),
        "{found}"
    );
    assert!(found.stdout.contains("latency eu-west-1"), "{found}");
    let before = snapshot(&c).await;
    let on = env
        .switch("on", "app", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(on.code, 0, "{on}");
    let (code, during) = status(&env, "app").await;
    assert_eq!(
        (code, during["verdict"].as_str()),
        (12, Some("MAINTENANCE")),
        "{during}"
    );
    let off = env
        .switch_past_unchecked("off", "app", &["--wait", "--timeout", "60s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
    assert_eq!(before, snapshot(&c).await, "not restored exactly");
}

/// A name whose record sets span pages of ListResourceRecordSets is read whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_many_record_sets_is_read_across_pages() {
    let env = Env::start_with_config_paused("weighted", "[defaults]\n[[site]]\nname = \"shop\"\nzone = \"Z0WEIGHTED0NET\"\nrecord = \"www.example.net\"\n").await;
    let c = env.clients().await;
    let members: Vec<(RecordAction, RecordSet)> = (1..=30)
        .map(|i| {
            (
                RecordAction::Create,
                RecordSet {
                    name: "www.example.net.".into(),
                    rtype: "AAAA".into(),
                    set_identifier: Some(format!("v6-{i:02}")),
                    weight: Some(1),
                    ttl: Some(std::time::Duration::from_secs(60)),
                    values: vec![format!("2001:db8::{i}")],
                    ..RecordSet::default()
                },
            )
        })
        .collect();
    route53::change_records(&c.route53, NET, &members, "many members")
        .await
        .unwrap();
    let at = records_at(&env, NET, "www.example.net", "_switchyard.www.example.net").await;
    assert_eq!(at.records.len(), 33, "{:#?}", at.records);
    let (_, s) = status(&env, "shop").await;
    assert_eq!(s["record_types"], serde_json::json!(["A", "AAAA"]), "{s}");
    assert_eq!(s["records"].as_array().unwrap().len(), 33, "{s}");
}
