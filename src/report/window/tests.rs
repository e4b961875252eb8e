use super::*;

const T0: i64 = 1_795_312_800;

fn at(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0 + s).unwrap()
}

fn step(call: &str, resource: &str, before: &str, after: &str, s: i64) -> Step {
    Step {
        call: call.into(),
        resource: resource.into(),
        before: Some(before.into()),
        after: Some(after.into()),
        result: "done".into(),
        at: Some(at(s)),
    }
}

fn switch(direction: &str, decided: i64, steps: Vec<Step>) -> Switch {
    Switch {
        id: Some(format!("id-{decided}")),
        direction: direction.into(),
        result: "done".into(),
        by: Some("arn:aws:sts::1:assumed-role/Ops/<ana>".into()),
        host: Some("bastion|1".into()),
        reason: Some("deploy <v2> | `rm -rf` & more".into()),
        approver: None,
        break_glass: None,
        decided: at(decided),
        ended: at(decided + 5),
        steps,
        steps_omitted: 0,
        insync_at: None,
        waited_for_change: Some(false),
        converged_at: Some(at(decided + 4)),
        error: None,
        window_ends: None,
        sources: vec!["local", "aws"],
    }
}

fn window(switches: Vec<Switch>, observed: Vec<Observed>) -> Window {
    let b = bounds(&switches, Selection::Last, at(10_000)).unwrap();
    Window {
        site: "shop<script>".into(),
        record: "www.example.com".into(),
        bounds: b,
        switches,
        observed,
        sources: vec![SourceNote {
            name: "the AWS history".into(),
            from: "_switchyard-log.www.example.com".into(),
            state: Availability::Read { in_window: 2 },
        }],
        made_at: at(10_000),
        made_on: "laptop".into(),
        rehearsal: false,
    }
}

fn full() -> Window {
    window(
        vec![
            switch(
                "on",
                0,
                vec![
                    step(
                        "route53:UpdateHealthCheck",
                        "hc-1",
                        "Inverted=false (HealthCheckVersion 1)",
                        "Inverted=true",
                        1,
                    ),
                    step(
                        "cloudwatch:DisableAlarmActions",
                        "alarm|1",
                        "actions enabled",
                        "actions disabled",
                        2,
                    ),
                ],
            ),
            switch(
                "off",
                600,
                vec![
                    step(
                        "cloudwatch:EnableAlarmActions",
                        "alarm|1",
                        "actions disabled",
                        "actions enabled",
                        601,
                    ),
                    step(
                        "route53:UpdateHealthCheck",
                        "hc-1",
                        "Inverted=true",
                        "Inverted=false",
                        602,
                    ),
                ],
            ),
        ],
        Vec::new(),
    )
}

fn probe(s: i64, sorry: bool) -> Observed {
    Observed {
        at: at(s),
        lane: "client probe".into(),
        group: "client probe".into(),
        from: None,
        to: if sorry { "sorry page" } else { "app" }.into(),
        tone: if sorry { Tone::Sorry } else { Tone::Normal },
        message: "probe".into(),
        probe: true,
        source: "events",
    }
}

#[test]
fn the_last_window_runs_from_entering_to_the_fail_back_verified_or_to_now() {
    let w = full();
    assert_eq!(w.bounds.start, at(0));
    assert_eq!(w.bounds.end, at(605));
    assert!(!w.bounds.open);
    let open = window(
        vec![switch("on", 0, full().switches[0].steps.clone())],
        Vec::new(),
    );
    assert!(open.bounds.open);
    assert_eq!(open.bounds.end, at(10_000));
    assert!(matches!(open.comparison(), Comparison::NotComparable(_)));
    // A refused switch (nothing done) is no window.
    let mut refused = switch("on", 0, Vec::new());
    refused.result = "refused".into();
    assert_eq!(bounds(&[refused], Selection::Last, at(1)), None);
}

#[test]
fn the_final_state_is_compared_field_by_field() {
    let c = full().comparison();
    assert!(matches!(c, Comparison::Identical(_)), "{c:?}");
    assert_eq!(c.fields().len(), 2);
    assert!(c.headline().starts_with("identical"));
    let mut w = full();
    w.switches[1].steps[1].after = Some("Inverted=true".into());
    let c = w.comparison();
    assert!(matches!(c, Comparison::Differs(_)), "{c:?}");
    assert_eq!(
        c.headline(),
        "DIFFERENT: 1 field(s) differ from the state before the window"
    );
}

#[test]
fn times_are_measured_from_the_decision_and_a_missing_probe_is_said() {
    let w = full();
    let m = w.measures();
    assert_eq!(m[0].text(), "1.0 s", "{m:?}");
    assert_eq!(
        m[1].text(),
        "not applicable: the switch made no Route 53 record change to wait for"
    );
    assert_eq!(m[2].text(), "4.0 s");
    assert_eq!(m[3].text(), "not measured: no probe");
    let mut w = full();
    w.observed = vec![probe(-30, false), probe(7, true), probe(640, false)];
    let m = w.measures();
    assert_eq!(m[3].text(), "7.0 s", "{m:?}");
    assert_eq!(m[7].text(), "40.0 s", "{m:?}");
    assert_eq!(m.last().unwrap().text(), "10 min 5 s");
}

#[test]
fn every_text_from_aws_or_an_operator_is_escaped() {
    let w = full();
    let h = html::render(&w);
    assert!(!h.contains("<v2>") && h.contains("deploy &lt;v2&gt; | `rm -rf` &amp; more"));
    assert!(!h.contains("<script") && !h.contains("<ana>"));
    // Self-contained: nothing fetched, no address of anything outside the file.
    for word in ["://", "<script", "<link", "<img", "@import", "url(", "src="] {
        assert!(!h.contains(word), "{word} in the HTML");
    }
    let m = markdown::render(&w);
    assert!(
        m.contains("deploy &lt;v2&gt; \\| \\`rm \\-rf\\` &amp; more")
            || m.contains("deploy &lt;v2&gt; \\| \\`rm -rf\\` &amp; more"),
        "{m}"
    );
    assert!(m.contains("bastion\\|1"), "{m}");
    assert!(m.contains("# Maintenance window of shop&lt;script&gt;"));
    assert!(!m.contains("://"));
}

#[test]
fn the_approver_is_said_or_none_recorded_and_break_glass_stands_out() {
    let w = full();
    assert!(html::render(&w).contains("none recorded"));
    assert!(markdown::render(&w).contains("| none recorded |"));
    let mut w = full();
    w.switches[0].approver = Some("arn:aws:sts::1:assumed-role/Ops/bob".into());
    w.switches[1].break_glass = Some("outage <now>".into());
    let h = html::render(&w);
    assert!(h.contains("arn:aws:sts::1:assumed-role/Ops/bob"));
    assert!(h.contains("<span class=\"badge glass\">BREAK-GLASS: outage &lt;now&gt;</span>"));
    assert!(markdown::render(&w).contains("**BREAK-GLASS: outage &lt;now&gt;**"));
}

#[test]
fn the_chart_has_a_lane_per_component_and_the_steps_in_order() {
    let mut w = full();
    w.observed = vec![probe(7, true), probe(640, false)];
    let c = chart::chart(&w);
    let labels: Vec<&str> = c.lanes.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        vec!["client probe", "route53 hc-1", "cloudwatch alarm|1"]
    );
    let steps: Vec<(usize, OffsetDateTime)> = c
        .markers
        .iter()
        .filter(|m| m.kind == chart::MarkerKind::Step)
        .map(|m| (m.order, m.at))
        .collect();
    assert_eq!(
        steps.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert!(steps.windows(2).all(|p| p[0].1 <= p[1].1));
    // The health check's lane: as before, then the maintenance value, then as before.
    let hc = &c.lanes[1].segments;
    let states: Vec<&str> = hc.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(
        states,
        vec![
            "Inverted=false (HealthCheckVersion 1)",
            "Inverted=true",
            "Inverted=false"
        ]
    );
    assert_eq!(hc[1].tone, Tone::Sorry);
    let svg = html::svg(&c);
    assert_eq!(svg.matches("class=\"marker step\"").count(), 4);
    assert!(svg.contains(">UTC</text>"));
}

#[test]
fn file_names_hold_the_site_and_the_start() {
    assert_eq!(file_stem("shop", at(0)), "shop-20261122T020000Z");
    assert_eq!(file_stem("../a b", at(0)), "_a_b-20261122T020000Z");
}
