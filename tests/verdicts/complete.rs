//! A chain not read in full, said loudly: `complete: false` and `unread[]` in the JSON, never
//! exit 0, `[INCOMPLETE]` and what was not read in the table, and for access problems in any
//! service exit 3 with the missing permission named on stderr.

use super::support::Env;
use super::*;

/// The role lacks one permission: `status` says which, wherever it is in the chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_permission_anywhere_in_the_chain_exits_3_and_is_named() {
    let env = Env::start_paused("alb-cloudfront", "alb-cloudfront").await;
    let (out, json) = status(&env, &[]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(site(&json, "shop")["complete"], true);
    assert_eq!(site(&json, "shop")["unread"], serde_json::json!([]));
    // (service, operation, the IAM action named, extra arguments to status)
    let cases = [
        (
            "elbv2",
            "DescribeTargetHealth",
            "elasticloadbalancing:DescribeTargetHealth",
            &[][..],
        ),
        (
            "cloudfront",
            "ListDistributions",
            "cloudfront:ListDistributions",
            &[][..],
        ),
        // The target group's minimums, read in the site's detail (the overview reads them for
        // groups Route 53 evaluates: see behaviours.rs).
        (
            "elbv2",
            "DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            &["--site", "shop"][..],
        ),
        (
            "cloudwatch",
            "DescribeAlarms",
            "cloudwatch:DescribeAlarms",
            &[][..],
        ),
        (
            "cloudwatch",
            "GetMetricData",
            "cloudwatch:GetMetricData",
            &[][..],
        ),
        (
            "route53",
            "GetHealthCheckStatus",
            "route53:GetHealthCheckStatus",
            &["--site", "shop"][..],
        ),
    ];
    for (service, operation, action, more) in cases {
        env.clear_faults();
        deny(&env, service, operation, "AccessDenied");
        let (out, json) = status(&env, more).await;
        let shop = site(&json, "shop");
        let lacks = format!("access denied: the role lacks {action}");
        assert_eq!(out.code, 3, "{operation}: {out}");
        assert_ne!(shop["verdict"], "LIVE", "{operation}: {shop:#}");
        assert_eq!(shop["complete"], false, "{operation}: {shop:#}");
        assert!(
            shop["unread"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u.as_str().unwrap().contains(&lacks)),
            "{operation}: {shop:#}"
        );
        // On stderr, for a runbook that reads only the exit code and stderr.
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with("switchyard status: shop: ") && l.ends_with(&lacks)),
            "{operation}: {out}"
        );
        // In the table: the site marked incomplete, what was not read with the permission.
        let table = env.run(&[&["status"][..], more].concat()).await;
        assert_eq!(table.code, 3, "{operation}: {table}");
        assert!(
            table.stdout.contains("[INCOMPLETE]"),
            "{operation}: {table}"
        );
        // Whole, wrapped under its line: the permission is not cut off.
        let unwrapped = table.stdout.replace("\n      ", " ");
        assert!(
            unwrapped
                .lines()
                .any(|l| l.starts_with("  ! not read: ") && l.ends_with(&lacks)),
            "{operation}: {table}"
        );
    }
    // Once the role has it again: complete, LIVE, 0.
    env.clear_faults();
    let (out, json) = status(&env, &[]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(site(&json, "shop")["complete"], true);
}

/// A DEGRADED site whose chain is incomplete for lack of a permission exits 3, not 10: a
/// partial read is never taken for the truth. Without an access problem, an incomplete chain
/// still never exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incomplete_chain_never_exits_0() {
    let env = Env::start_paused("demo", "demo").await;
    let (out, json) = status(&env, &["--site", "blog"]).await;
    assert_eq!(out.code, 10, "{out}");
    assert_eq!(site(&json, "blog")["verdict"], "DEGRADED");
    assert_eq!(site(&json, "blog")["complete"], true);
    deny(&env, "cloudfront", "ListDistributions", "AccessDenied");
    let (out, json) = status(&env, &["--site", "blog"]).await;
    let blog = site(&json, "blog");
    assert_eq!(blog["verdict"], "DEGRADED", "{blog:#}");
    assert_eq!(blog["complete"], false, "{blog:#}");
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stderr
            .contains("access denied: the role lacks cloudfront:ListDistributions"),
        "{out}"
    );
    // Throttled past the retries: not read either, UNKNOWN's 14, not 0.
    env.clear_faults();
    deny(&env, "elbv2", "DescribeTargetHealth", "Throttling");
    let (out, json) = status(&env, &["--site", "shop"]).await;
    let shop = site(&json, "shop");
    assert_eq!(shop["verdict"], "UNKNOWN", "{shop:#}");
    assert_eq!(shop["complete"], false);
    assert_eq!(out.code, 14, "{out}");
    assert!(
        reasons(shop).contains("throttled by elbv2 (DescribeTargetHealth)"),
        "{shop:#}"
    );
}
