//! A second opinion: the `elb-listener-sorry` and `route53-swap-primary` round trips against
//! moto, which speaks the wire protocols independently of the built-in emulator. Skipped with a
//! printed reason when moto is not installed, unless SWITCHYARD_REQUIRE_PEERS is set.

use super::support::{clients_at, command, output};
use switchyard::aws::{elbv2, route53};

#[path = "../support/moto.rs"]
mod moto;

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
