//! INTERRUPTED: a switch (maintenance on, or fail back) was stopped before its last step by a
//! signal, and nobody has finished or undone it since. The journal in AWS says so (its `stopped`
//! note), so every machine reads the same: who ran it, on which machine, when it stopped, which
//! direction, how far it got, and the two commands that end it.
//!
//! It is not SWITCHING: nothing converges on its own, and waiting does not help. Only DOWN
//! (users get errors) and UNKNOWN (the chain cannot be read) outrank it; they keep their word and
//! say the interruption among their reasons.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Verdict, VerdictKind};
use crate::model::maintenance::{Interruption, MaintenanceMarker, MaintenancePhase};
use crate::model::obs::{human_span, span};
use crate::model::site::SiteObservations;

/// The verdict with the interruption the site's journal records, if any, laid over it.
pub(super) fn overlay(
    site: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
    mut v: Verdict,
) -> Verdict {
    if site.maintenance.is_stale(now, stale_after) {
        return v;
    }
    let Some((m, i)) = site
        .marker()
        .and_then(|m| m.interrupted.as_ref().map(|i| (m, i)))
    else {
        return v;
    };
    let lines = reasons(&site.name, m, i, now);
    match v.kind {
        VerdictKind::Down | VerdictKind::Unknown => {
            v.reasons.extend(lines);
            v
        }
        _ => {
            // The marker's own "being entered / failing back" line says less than these do.
            let rest = v
                .reasons
                .into_iter()
                .filter(|r| {
                    !r.starts_with("maintenance being entered by ")
                        && !r.starts_with("failing back by ")
                })
                .filter(|r| !lines.contains(r));
            Verdict {
                kind: VerdictKind::Interrupted,
                reasons: lines.iter().cloned().chain(rest).collect(),
                eta: None,
                ..v
            }
        }
    }
}

/// What an operator needs of an interrupted switch, most important first: what stopped where,
/// the command that finishes it, the command that undoes it, and who ran it where.
pub fn reasons(
    site: &str,
    m: &MaintenanceMarker,
    i: &Interruption,
    now: OffsetDateTime,
) -> Vec<String> {
    let verb = match m.phase {
        MaintenancePhase::Leaving => "undone",
        MaintenancePhase::Entering | MaintenancePhase::Active => "done",
    };
    let at =
        i.at.replace_nanosecond(0)
            .unwrap_or(i.at)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
    vec![
        format!(
            "{} stopped after {} of {} steps {verb}, {} ago",
            m.phase.switch_name(),
            i.done,
            i.total,
            human_span(span(i.at, now)),
        ),
        format!("to finish it: {}", m.phase.finish_command(site)),
        format!("to undo it: {}", m.phase.undo_command(site)),
        if i.how == crate::model::maintenance::StopKind::Abandoned {
            format!(
                "last recorded at {at} on {} (run by {}), then nothing: its process ended \
                 (killed, or its session or machine lost); nobody is at work on it",
                i.host, i.by
            )
        } else {
            format!(
                "stopped by a signal at {at} on {} (run by {}): nobody is at work on it",
                i.host, i.by
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_312_800 + secs)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    fn marker(phase: MaintenancePhase, done: usize, total: usize) -> MaintenanceMarker {
        MaintenanceMarker {
            by: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/day".into(),
            at: t(0),
            reason: None,
            strategies: vec!["dns-failover".into()],
            phase,
            done_steps: done,
            total_steps: total,
            interrupted: Some(Interruption {
                by: "arn:aws:sts::123456789012:assumed-role/OpsAdmin/night".into(),
                host: "bastion-2".into(),
                at: t(60),
                done,
                total,
                why: "by a signal".into(),
                how: crate::model::maintenance::StopKind::Signal,
            }),
            expires_at: None,
            expires_local: None,
            break_glass: None,
            approved_by: None,
            changes: Vec::new(),
        }
    }

    use crate::model::fixtures::Fx;
    use crate::model::verdict::Served;
    use MaintenancePhase::{Active, Entering, Leaving};

    #[test]
    fn an_entry_stopped_halfway_is_interrupted_not_switching() {
        // ALB + CloudFront sorry page: the check inverted (step 1 of 3), DNS still on the app.
        let fx = Fx::alb_cloudfront()
            .marker(Entering)
            .primary_check_inverted();
        assert_eq!(
            fx.verdict().kind,
            VerdictKind::Switching,
            "not stopped: under way"
        );
        let v = fx.interrupted(1, 3).verdict();
        assert_eq!(v.kind, VerdictKind::Interrupted, "{v:#?}");
        assert_eq!(v.kind.label(), "INTERRUPTED");
        assert_eq!(v.kind.exit_code(), 16);
        assert_eq!(v.served, Served::Primary);
        assert_eq!(v.eta, None, "nothing converges on its own");
        assert_eq!(
            v.reasons[..3],
            [
                "maintenance on stopped after 1 of 3 steps done, 2 min ago",
                "to finish it: switchyard maintenance on --site www",
                "to undo it: switchyard maintenance off --site www",
            ]
        );
        assert!(
            v.reasons[3].starts_with("stopped by a signal at "),
            "{v:#?}"
        );
        assert!(
            v.reasons[3].ends_with(
                " on bastion-2 (run by arn:aws:sts::111122223333:assumed-role/ops/alice): \
                 nobody is at work on it"
            ),
            "{v:#?}"
        );
        assert!(
            !v.reasons
                .iter()
                .any(|r| r.starts_with("maintenance being entered by")),
            "{v:#?}"
        );
        assert!(
            v.reasons
                .iter()
                .any(|r| r.starts_with("Route 53 answers the primary")),
            "{v:#?}"
        );
    }

    #[test]
    fn a_fail_back_stopped_halfway_names_off_to_finish_and_on_to_undo() {
        // NLB listener switch: the listener is still on the sorry page, one step undone of two.
        let v = Fx::nlb_listener()
            .listener_forwards_to_sorry()
            .marker(Leaving)
            .interrupted(1, 2)
            .verdict();
        assert_eq!(v.kind, VerdictKind::Interrupted, "{v:#?}");
        assert_eq!(
            v.reasons[..3],
            [
                "maintenance off (fail back) stopped after 1 of 2 steps undone, 2 min ago",
                "to finish it: switchyard maintenance off --site www",
                "to undo it: switchyard maintenance on --site www",
            ]
        );
    }

    #[test]
    fn users_getting_errors_and_unreadable_chains_keep_their_word() {
        // DOWN outranks it: the interruption is said among the reasons.
        let v = Fx::nlb_listener()
            .all_app_targets(crate::model::elb::TargetState::Unhealthy, None)
            .marker(Entering)
            .interrupted(0, 2)
            .verdict();
        assert_eq!(v.kind, VerdictKind::Down, "{v:#?}");
        assert!(
            v.reasons
                .iter()
                .any(|r| r == "to finish it: switchyard maintenance on --site www"),
            "{v:#?}"
        );
        // UNKNOWN too: the records could not be read.
        let v = Fx::alb_cloudfront()
            .records_never_fetched()
            .marker(Entering)
            .interrupted(1, 3)
            .verdict();
        assert_eq!(v.kind, VerdictKind::Unknown, "{v:#?}");
        assert!(
            v.reasons
                .iter()
                .any(|r| r == "to undo it: switchyard maintenance off --site www"),
            "{v:#?}"
        );
    }

    #[test]
    fn a_stale_journal_says_nothing_of_an_interruption() {
        let v = Fx::alb_cloudfront()
            .marker(Entering)
            .interrupted(1, 3)
            .all_fetched(3_600)
            .verdict();
        assert_ne!(v.kind, VerdictKind::Interrupted, "{v:#?}");
    }

    #[test]
    fn an_active_marker_is_never_interrupted_by_itself() {
        // The journal only records an interruption while entering or leaving (see
        // `Journal::interruption`); an Active marker stays MAINTENANCE.
        let v = Fx::alb_cloudfront()
            .marker(Active)
            .primary_check_inverted()
            .dns_answers(Served::Secondary)
            .verdict();
        assert_eq!(v.kind, VerdictKind::Maintenance, "{v:#?}");
    }

    #[test]
    fn interrupted_ranks_between_degraded_and_failed_over() {
        use VerdictKind::*;
        assert_eq!(
            VerdictKind::worst([Live, Switching, Interrupted, Degraded]),
            Some(Interrupted)
        );
        assert_eq!(
            VerdictKind::worst([Interrupted, FailedOver]),
            Some(FailedOver)
        );
        assert_eq!(VerdictKind::worst([Interrupted, Unknown]), Some(Unknown));
        assert_eq!(VerdictKind::worst([Interrupted, Down]), Some(Down));
    }

    #[test]
    fn an_entry_stopped_names_on_to_finish_and_off_to_undo() {
        let m = marker(MaintenancePhase::Entering, 2, 4);
        let Some(i) = m.interrupted.as_ref() else {
            panic!("no interruption");
        };
        assert_eq!(
            reasons("shop", &m, i, t(240)),
            [
                "maintenance on stopped after 2 of 4 steps done, 3 min ago",
                "to finish it: switchyard maintenance on --site shop",
                "to undo it: switchyard maintenance off --site shop",
                "stopped by a signal at 2026-11-22T02:01:00Z on bastion-2 (run by \
                 arn:aws:sts::123456789012:assumed-role/OpsAdmin/night): nobody is at work on it",
            ]
        );
    }

    #[test]
    fn a_fail_back_stopped_names_off_to_finish_and_on_to_undo() {
        let m = marker(MaintenancePhase::Leaving, 1, 3);
        let Some(i) = m.interrupted.as_ref() else {
            panic!("no interruption");
        };
        let r = reasons("api", &m, i, t(90));
        assert_eq!(
            r[0],
            "maintenance off (fail back) stopped after 1 of 3 steps undone, 30 s ago"
        );
        assert_eq!(r[1], "to finish it: switchyard maintenance off --site api");
        assert_eq!(r[2], "to undo it: switchyard maintenance on --site api");
    }
}
