//! `switchyard report` (issue 19, item 3) through the binary on the emulator: the report of a
//! full window (enter, wait, fail back) from this machine and from another one (the AWS history
//! only), bad input, and the HTML in a real headless browser: it renders, its chart shows the
//! steps in order, and it makes no network request.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::support::*;

const REASON: &str = "CHG-42 <deploy> | `v2` & more";

/// A full window on shop (MULTI: invert the health check, silence an alarm, invalidate the
/// sorry page): enter with --wait, wait for MAINTENANCE, fail back with --wait.
async fn full_window(env: &Env) {
    let on = env
        .switch(
            "on",
            "shop",
            &["--wait", "--timeout", "90s", "--reason", REASON],
        )
        .await;
    assert_eq!(on.code, 0, "{on}");
    let w = env
        .run(&[
            "wait",
            "--site",
            "shop",
            "--for",
            "maintenance",
            "--timeout",
            "90s",
        ])
        .await;
    assert_eq!(w.code, 0, "{w}");
    let off = env
        .switch("off", "shop", &["--wait", "--timeout", "90s"])
        .await;
    assert_eq!(off.code, 0, "{off}");
}

/// The two files `report` wrote into `dir`: (Markdown, HTML, HTML path).
fn files(dir: &Path) -> (String, String, PathBuf) {
    let mut md = None;
    let mut html = None;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("shop-") && name.ends_with(".md") {
            md = Some(p.clone());
        }
        if name.starts_with("shop-") && name.ends_with(".html") {
            html = Some(p.clone());
        }
    }
    let md = md.unwrap_or_else(|| panic!("no shop-*.md in {}", dir.display()));
    let html = html.unwrap_or_else(|| panic!("no shop-*.html in {}", dir.display()));
    (
        std::fs::read_to_string(&md).unwrap(),
        std::fs::read_to_string(&html).unwrap(),
        html,
    )
}

/// The rows of the steps' tables: `| n | call | resource | before → after | result | at |`.
fn step_rows(md: &str) -> Vec<String> {
    md.lines()
        .filter(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            cells.len() == 6
                && cells[0]
                    .strip_prefix("| ")
                    .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                && cells[1].contains(':')
                && !cells[1].contains(' ')
        })
        .map(str::to_string)
        .collect()
}

fn position(md: &str, what: &str) -> usize {
    md.find(what)
        .unwrap_or_else(|| panic!("{what:?} is not in the report:\n{md}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_of_a_full_window_has_its_steps_times_and_an_identical_final_state() {
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    full_window(&env).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = env
        .run(&[
            "report",
            "--site",
            "shop",
            "--window",
            "last",
            "--out",
            out_dir.path().to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains(".md") && out.stdout.contains(".html"),
        "{out}"
    );
    let (md, html, _) = files(out_dir.path());

    // Who and why (escaped), and no approver recorded.
    assert!(
        md.contains("arn:aws:sts::123456789012:assumed\\-role")
            || md.contains("arn:aws:sts::123456789012:assumed-role/OpsAdmin/demo"),
        "{md}"
    );
    assert!(
        md.contains("CHG-42 &lt;deploy&gt; \\| \\`v2\\` &amp; more"),
        "{md}"
    );
    assert!(
        html.contains("CHG-42 &lt;deploy&gt; | `v2` &amp; more"),
        "{html}"
    );
    assert!(md.contains("| none recorded |"), "{md}");

    // Every step, in order, with its AWS call and its values before and after.
    let rows = step_rows(&md);
    let expected = [
        (
            "1",
            "route53:UpdateHealthCheck",
            SHOP_CHECK,
            "Inverted=false (HealthCheckVersion 1) → Inverted=true",
        ),
        (
            "2",
            "cloudwatch:DisableAlarmActions",
            "shop-app-1-StatusCheckFailed",
            "actions enabled → actions disabled",
        ),
        (
            "3",
            "cloudfront:CreateInvalidation",
            "E1SHOPSORRY0AB",
            "(none) → invalidate /maintenance.html",
        ),
        (
            "4",
            "cloudwatch:EnableAlarmActions",
            "shop-app-1-StatusCheckFailed",
            "actions disabled → actions enabled",
        ),
        (
            "5",
            "route53:UpdateHealthCheck",
            SHOP_CHECK,
            "Inverted=true → Inverted=false",
        ),
    ];
    assert_eq!(rows.len(), expected.len(), "{md}");
    for (row, (n, call, resource, values)) in rows.iter().zip(expected) {
        assert!(row.starts_with(&format!("| {n} | {call} | ")), "{row}");
        assert!(row.contains(&format!(" | {resource} | ")), "{row}");
        assert!(row.contains(&format!("| {values} | done | ")), "{row}");
        assert!(row.ends_with(" UTC |"), "a step's time: {row}");
    }
    assert!(
        position(&md, "### enter maintenance: done") < position(&md, "### fail back: done"),
        "{md}"
    );

    // The audit log names the fail back's own calls too.
    let audit = std::fs::read_to_string(env.audit_log()).unwrap();
    let off: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(off["direction"], "off", "{off}");
    let calls: Vec<&str> = off["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["call"].as_str().unwrap())
        .collect();
    assert_eq!(
        calls,
        vec!["cloudwatch:EnableAlarmActions", "route53:UpdateHealthCheck"],
        "{off}"
    );

    // The measured times.
    for label in [
        "| entering: decision (confirmation) to first change | ",
        "| entering: decision to every change verified | ",
        "| fail back: decision (confirmation) to first change | ",
        "| fail back: decision to every change verified | ",
        "| window: entering to fail back verified | ",
    ] {
        let line = md
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label}\n{md}"));
        assert!(line.ends_with(" s |"), "measured: {line}");
    }
    assert!(md.contains("| entering: decision to Route 53 change INSYNC | not applicable: the switch made no Route 53 record change to wait for |"), "{md}");
    assert!(
        md.contains(
            "| entering: decision to clients see the sorry page | not measured: no probe |"
        ),
        "{md}"
    );

    // The final state, field by field.
    assert!(
        md.contains("**identical: every field is as it was before the window**"),
        "{md}"
    );
    assert!(md.contains(&format!("| {SHOP_CHECK} (route53:UpdateHealthCheck) | Inverted=false (HealthCheckVersion 1) | Inverted=false | same | steps |")), "{md}");

    // The sources it had.
    assert!(md.contains("| the AWS history | \\_switchyard\\-log.www.example.com | read (2 entries in the window) |") || md.contains("| the AWS history | \\_switchyard-log.www.example.com | read (2 entries in the window) |"), "{md}");
    assert!(md.contains("| this machine's audit log | "), "{md}");
    assert!(md.contains(" | read (2 entries in the window) |"), "{md}");
    assert!(md.contains("| this machine's events | "), "{md}");
    assert!(
        md.contains("not available: no event log on this machine"),
        "{md}"
    );

    // The chart, inline, with the DNS answer as the verification saw it.
    assert!(html.contains("<svg id=\"timeline\""), "{html}");
    assert!(md.contains("<svg id=\"timeline\""), "{md}");
    assert!(md.contains("- DNS answer (verified): "), "{md}");
    assert!(!html.contains("://") && !html.contains("<script"), "{html}");

    // From another machine: no audit log, no events; the same steps, from the AWS history.
    let out2 = env.report("shop", false).await;
    let (md2, _, _) = files(out2.path());
    assert_eq!(
        step_rows(&md2),
        rows,
        "the same steps from the AWS history:\n{md2}"
    );
    assert!(
        md2.contains("### enter maintenance: done, confirmed"),
        "{md2}"
    );
    assert!(md2.contains(", from aws\n"), "{md2}");
    assert!(
        md2.contains(
            "not available: no audit log on this machine (the switches were made elsewhere)"
        ),
        "{md2}"
    );
    assert!(
        md2.contains("not available: no event log on this machine"),
        "{md2}"
    );
    assert!(
        md2.contains("CHG-42 &lt;deploy&gt; \\| \\`v2\\` &amp; more"),
        "{md2}"
    );
    assert!(
        md2.contains("**identical: every field is as it was before the window**"),
        "{md2}"
    );
    assert!(
        md2.contains("| entering: decision to every change verified | "),
        "{md2}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_clearly_and_no_window_is_said() {
    let env = Env::start_with_config_paused("demo", MULTI).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let unknown = env.run(&["report", "--site", "nope", "--out", d]).await;
    assert_eq!(unknown.code, 2, "{unknown}");
    assert!(
        unknown
            .stderr
            .contains("there is no site \"nope\" in the config; its sites: shop"),
        "{unknown}"
    );
    let since = env
        .run(&[
            "report",
            "--site",
            "shop",
            "--since",
            "yesterday",
            "--out",
            d,
        ])
        .await;
    assert_eq!(since.code, 2, "{since}");
    assert!(
        since
            .stderr
            .contains("--since \"yesterday\" is neither a time (RFC 3339"),
        "{since}"
    );
    let both = env
        .run(&[
            "report", "--site", "shop", "--since", "2h", "--window", "last",
        ])
        .await;
    assert_eq!(both.code, 2, "{both}");
    let out = env
        .run(&["report", "--site", "shop", "--out", "/nonexistent/dir"])
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("--out /nonexistent/dir is not a directory"),
        "{out}"
    );
    // Nothing switched yet: no window, nothing written.
    let none = env.run(&["report", "--site", "shop", "--out", d]).await;
    assert_eq!(none.code, 4, "{none}");
    assert!(
        none.stderr
            .contains("no maintenance window of site shop in the sources read"),
        "{none}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

// --- the HTML in a real browser --------------------------------------------------------------

fn browser() -> Option<PathBuf> {
    for name in [
        "chromium",
        "chromium-browser",
        "chromium-headless-shell",
        "google-chrome",
    ] {
        if let Ok(out) = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            && out.status.success()
        {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
    }
    None
}

/// A server on 127.0.0.1 that serves the test's page and the report, and records every request
/// it gets: the page's own two, and any other the report would make (the browser is told to
/// send every other host, and every proxied request, here).
struct Recorder {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

fn recorder(page: String, report: String) -> Recorder {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut host = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if line.to_ascii_lowercase().starts_with("host:") {
                    host = line[5..].trim().to_string();
                }
            }
            log.lock()
                .unwrap()
                .push(format!("{} (host {host})", first.trim()));
            let body = if first.starts_with("GET / ") {
                page.as_str()
            } else if first.starts_with("GET /report.html ") {
                report.as_str()
            } else {
                ""
            };
            let status = if body.is_empty() {
                "404 Not Found"
            } else {
                "200 OK"
            };
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Recorder { port, seen }
}

/// The test's page: the report in a frame, and a script (the test's, never the report's) that
/// writes what the browser laid out: the chart's size, its lanes, each step marker's order and
/// x position as drawn.
const PAGE: &str = r#"<!DOCTYPE html><html><body>
<iframe id="f" src="/report.html" width="1300" height="4000"></iframe><pre id="out">not loaded</pre>
<script>
document.getElementById('f').addEventListener('load', function () {
  var d = document.getElementById('f').contentDocument;
  var svg = d.getElementById('timeline');
  var r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  var markers = Array.prototype.map.call(d.querySelectorAll('g.marker.step'), function (g) {
    return [parseInt(g.getAttribute('data-order'), 10), g.querySelector('line').getBoundingClientRect().x];
  });
  var lanes = Array.prototype.map.call(d.querySelectorAll('g.lane'), function (g) { return g.getAttribute('data-lane'); });
  document.getElementById('out').textContent = 'RESULT' + JSON.stringify({
    title: d.title, width: r.width, height: r.height, markers: markers, lanes: lanes,
    bands: d.querySelectorAll('rect.seg').length,
    h2: Array.prototype.map.call(d.querySelectorAll('h2'), function (h) { return h.textContent; })
  }) + 'END';
});
</script></body></html>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_renders_in_a_browser_with_its_steps_in_order_and_no_network() {
    let Some(chromium) = browser() else {
        assert!(
            std::env::var_os("SWITCHYARD_REQUIRE_BROWSER").is_none(),
            "no chromium, and SWITCHYARD_REQUIRE_BROWSER is set (scripts/test installs it)"
        );
        eprintln!(
            "SKIPPED: no headless browser (chromium) on this machine; scripts/test installs it"
        );
        return;
    };
    let env = Env::start_with_config("demo", MULTI, 60.0).await;
    full_window(&env).await;
    let out_dir = tempfile::tempdir().unwrap();
    let out = env
        .run(&[
            "report",
            "--site",
            "shop",
            "--out",
            out_dir.path().to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.code, 0, "{out}");
    let (_, html, _) = files(out_dir.path());
    let server = recorder(PAGE.to_string(), html);
    let profile = tempfile::tempdir().unwrap();
    let port = server.port;
    let dom = tokio::task::spawn_blocking(move || {
        std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-domain-reliability",
                "--disable-client-side-phishing-detection",
                "--no-pings",
                "--no-default-browser-check",
                "--metrics-recording-only",
                "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
                "--virtual-time-budget=10000",
                // Every other host, and every request through a proxy, comes to the recorder.
                &format!("--host-resolver-rules=MAP * 127.0.0.1:{port}, EXCLUDE 127.0.0.1"),
                &format!("--proxy-server=http://127.0.0.1:{port}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "--dump-dom",
                &format!("http://127.0.0.1:{port}/"),
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&dom.stdout).to_string();
    let json = text
        .split_once("RESULT")
        .and_then(|(_, r)| r.split_once("END"))
        .map(|(j, _)| {
            j.replace("&quot;", "\"")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        })
        .unwrap_or_else(|| {
            panic!(
                "the page did not report: {}\n--- stderr\n{}",
                text,
                String::from_utf8_lossy(&dom.stderr)
            )
        });
    let r: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(r["title"], "Maintenance window of shop", "{r}");
    // It renders: the chart has a size, lanes and state bands.
    assert!(r["width"].as_f64().unwrap() > 500.0, "{r}");
    assert!(r["height"].as_f64().unwrap() > 100.0, "{r}");
    assert!(r["bands"].as_u64().unwrap() >= 8, "{r}");
    let lanes: Vec<&str> = r["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(lanes.contains(&"DNS answer (verified)"), "{lanes:?}");
    assert!(
        lanes.contains(&format!("route53 {SHOP_CHECK}").as_str()),
        "{lanes:?}"
    );
    // The steps, in order, left to right.
    let markers: Vec<(u64, f64)> = r["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m[0].as_u64().unwrap(), m[1].as_f64().unwrap()))
        .collect();
    assert_eq!(
        markers.iter().map(|m| m.0).collect::<Vec<_>>(),
        (1..=5).collect::<Vec<_>>(),
        "{r}"
    );
    assert!(
        markers.windows(2).all(|p| p[0].1 <= p[1].1),
        "steps out of order: {markers:?}"
    );
    assert!(
        markers[2].1 < markers[3].1,
        "the fail back after entering: {markers:?}"
    );
    let h2: Vec<&str> = r["h2"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        h2.contains(&"Final state against the state before the window"),
        "{h2:?}"
    );
    // No request but the page's own two (and the browser's favicon). Chromium's own services
    // (updates, its clock, sign-in: Google's hosts, which the report never names) are the
    // browser's, not the report's.
    let seen = server.seen.lock().unwrap().clone();
    let browsers_own = |s: &str| {
        let host = s
            .rsplit_once("(host ")
            .map_or("", |(_, h)| h.trim_end_matches(')'));
        let host = host.split(':').next().unwrap_or("");
        [
            ".google.com",
            ".googleapis.com",
            ".gvt1.com",
            ".gstatic.com",
        ]
        .iter()
        .any(|d| host.ends_with(d))
    };
    let others: Vec<&String> = seen
        .iter()
        .filter(|s| {
            !s.starts_with("GET / ")
                && !s.starts_with("GET /report.html ")
                && !s.starts_with("GET /favicon.ico ")
                && !browsers_own(s)
        })
        .collect();
    assert!(
        others.is_empty(),
        "the report made network requests: {others:?}"
    );
    assert!(
        seen.iter().any(|s| s.starts_with("GET /report.html ")),
        "{seen:?}"
    );
}

/// A protected site's window: alice asks, bob approves, alice's run enters; the fail back is
/// made by break-glass. The report names bob as the approver of the entry and the break-glass
/// reason (in red in the HTML) on the fail back, from this machine and from another one that
/// has only the AWS history; the requests and approvals are not counted as switches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_names_the_approver_and_break_glass_from_either_machine() {
    use super::approvals::{ALICE, BOB, as_bob, start};
    let env = start().await;
    let asked = env
        .switch("on", "shop", &["--no-wait", "--reason", "CHG-77 kernel"])
        .await;
    assert_eq!(asked.code, 18, "{asked}");
    let approved = as_bob(&env, &["approve", "--site", "shop", "--yes"]).await;
    assert_eq!(approved.code, 0, "{approved}");
    let on = env
        .switch(
            "on",
            "shop",
            &["--reason", "CHG-77 kernel", "--wait", "--timeout", "90s"],
        )
        .await;
    assert_eq!(on.code, 0, "{on}");
    let off = env
        .switch(
            "off",
            "shop",
            &[
                "--break-glass",
                "bob <offline> | `now`",
                "--wait",
                "--timeout",
                "90s",
            ],
        )
        .await;
    assert_eq!(off.code, 0, "{off}");

    // The switch's own audit line and AWS history entry name the approver.
    let audit = std::fs::read_to_string(env.audit_log()).unwrap();
    let done: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["result"] == "done")
        .collect();
    assert_eq!(done.len(), 2, "{audit}");
    assert_eq!(done[0]["approved_by"], BOB, "{audit}");
    assert!(done[1]["approved_by"].is_null(), "{audit}");
    let history = switchyard::switch::history::read(&env.clients().await, &env.site("shop"))
        .await
        .unwrap()
        .unwrap()
        .0;
    let entry = history
        .entries
        .iter()
        .find(|e| e.result.as_str() == "done" && e.direction.as_str() == "on")
        .unwrap();
    assert_eq!(entry.approved_by.as_deref(), Some(BOB));

    let (here, there) = (
        env.report("shop", true).await,
        env.report("shop", false).await,
    );
    for dir in [here.path(), there.path()] {
        let (md, html, _) = files(dir);
        let who: Vec<&str> = md
            .lines()
            .skip_while(|l| *l != "## Who, why, approver")
            .skip(4)
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert_eq!(
            who.len(),
            2,
            "one row per switch, no request or approval:\n{md}"
        );
        let md_arn = |a: &str| a.replace('-', "\\-").replace('_', "\\_");
        let names = |row: &str, arn: &str| row.contains(arn) || row.contains(&md_arn(arn));
        assert!(who[0].starts_with("| enter maintenance "), "{md}");
        assert!(names(who[0], ALICE), "{md}");
        assert!(
            who[0].contains(" | CHG\\-77 kernel | ") || who[0].contains(" | CHG-77 kernel | "),
            "{md}"
        );
        assert!(
            who[0].ends_with(&format!(" | {BOB} |"))
                || who[0].ends_with(&format!(" | {} |", md_arn(BOB))),
            "the approver of the entry: {md}"
        );
        assert!(who[1].starts_with("| fail back "), "{md}");
        assert!(
            who[1]
                .ends_with(" | none recorded **BREAK-GLASS: bob &lt;offline&gt; \\| \\`now\\`** |"),
            "{md}"
        );
        assert!(html.contains(&format!("<td>{BOB}</td>")), "{html}");
        assert!(
            html.contains(
                "<span class=\"badge glass\">BREAK-GLASS: bob &lt;offline&gt; | `now`</span>"
            ),
            "{html}"
        );
        assert!(
            html.contains(".glass{background:#cf222e;color:#fff}"),
            "red: {html}"
        );
        assert_eq!(step_rows(&md).len(), 5, "{md}");
        // The same measures from either machine: no Route 53 record change was waited for.
        assert!(
            md.contains("| entering: decision to Route 53 change INSYNC | not applicable: "),
            "{md}"
        );
    }

    // Everything of the last hour: the request and the approval are there, each said as what
    // it was (bob approved; he did not enter maintenance), with no AWS call.
    let since = tempfile::tempdir().unwrap();
    let made = env
        .run(&[
            "report",
            "--site",
            "shop",
            "--since",
            "1h",
            "--out",
            since.path().to_str().unwrap(),
        ])
        .await;
    assert_eq!(made.code, 0, "{made}");
    let (md, _, _) = files(since.path());
    let who: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != "## Who, why, approver")
        .skip(4)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let verbs: Vec<String> = who
        .iter()
        .map(|r| {
            let cell = r.trim_start_matches("| ").split(" | ").next().unwrap();
            cell.rsplitn(4, ' ').last().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        verbs,
        [
            "ask approval: enter maintenance",
            "approve: enter maintenance",
            "enter maintenance",
            "fail back"
        ],
        "{md}"
    );
    assert!(who[1].contains(BOB), "{md}");
    assert!(
        md.contains("### approve: enter maintenance: approved, "),
        "{md}"
    );
    assert_eq!(step_rows(&md).len(), 5, "{md}");
}

/// A window on a site whose switch changes a Route 53 record (db: route53-set-record): the
/// report measures the decision to the change INSYNC, entering and failing back, from this
/// machine and from another one (the AWS history keeps when it was INSYNC).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_of_a_record_change_measures_insync_from_either_machine() {
    use super::recognised::{SPEED, asset_config_without_probes, fast};
    let env =
        Env::start_with_config("demo", &fast(&asset_config_without_probes("demo")), SPEED).await;
    for direction in ["on", "off"] {
        // The standby's preflight cannot be checked (no health check probes it): forced, as
        // an operator who checked it by hand would.
        let out = env
            .switch_past_unchecked(
                direction,
                "db",
                &["--reason", "CHG-3", "--wait", "--timeout", "60s"],
            )
            .await;
        assert_eq!(out.code, 0, "{direction}: {out}");
    }
    let (here, there) = (env.report("db", true).await, env.report("db", false).await);
    for dir in [here.path(), there.path()] {
        let md = super::support::report_markdown(dir);
        assert!(
            md.contains("| 1 | route53:ChangeResourceRecordSets | "),
            "{md}"
        );
        for label in [
            "| entering: decision to Route 53 change INSYNC | ",
            "| fail back: decision to Route 53 change INSYNC | ",
        ] {
            let line = md
                .lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("{label}\n{md}"));
            assert!(line.ends_with(" s |"), "measured: {line}\n{md}");
        }
        assert!(
            md.contains("**identical: every field is as it was before the window**"),
            "{md}"
        );
    }
}
