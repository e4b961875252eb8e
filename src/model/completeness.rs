//! Whether a site's chain was read in full. A verdict is only as good as what was read: a piece of
//! the chain whose read failed (denied, throttled past the retries, network, a 5xx) and left
//! nothing recent in its place is a check that was not made, and a check not made is never a
//! pass. Every command and the console take the verdict from [`site_verdict`].

use std::time::Duration;

use time::OffsetDateTime;

use super::error::{AwsError, ErrorKind};
use super::obs::{Fetched, human_span};
use super::site::SiteObservations;
use super::verdict::{Served, Verdict, VerdictKind};

/// Which pieces another source can stand in for (see [`super::infer`]).
#[derive(Clone, Debug, PartialEq)]
enum Stand {
    /// Route 53's answer: the verdict infers it from the failover rules and health.
    DnsAnswer,
    /// A health check's status: its alarm, its children or its settings may decide it.
    Status(String),
    /// Nothing stands in for it.
    None,
}

/// One piece of a site's chain as status reads it: what it is, and its latest read.
struct Piece<'a> {
    what: String,
    stand: Stand,
    error: Option<&'a AwsError>,
    /// Whether there is a value younger than `stale_after` to use instead.
    stale: Box<dyn Fn(OffsetDateTime, Duration) -> bool + 'a>,
    /// How old the last good value is, if there is one.
    age: Box<dyn Fn(OffsetDateTime) -> Option<Duration> + 'a>,
    /// A piece the verdict can do without when it is absent (another read stands in for it):
    /// unread only when its read failed.
    stand_in: bool,
    /// How old it may be when that is more than `stale_after` (the listeners' own cadence).
    max_age: Option<Duration>,
}

impl Piece<'_> {
    fn new<'a, T>(what: String, f: &'a Fetched<T>) -> Piece<'a> {
        Piece {
            what,
            stand: Stand::None,
            error: f.error.as_ref().map(|e| &e.error),
            stale: Box::new(move |now, stale_after| f.is_stale(now, stale_after)),
            age: Box::new(move |now| f.value.as_ref().and(f.age(now))),
            stand_in: false,
            max_age: None,
        }
    }

    /// Why nothing recent of this piece can be used, or `None` when something can: the error
    /// of its latest read, how old its last value is, or that it was not read yet.
    fn why_unread(&self, now: OffsetDateTime, stale_after: Duration) -> Option<String> {
        if !(self.stale)(now, stale_after) || (self.stand_in && self.error.is_none()) {
            return None;
        }
        Some(match (self.error, (self.age)(now)) {
            (Some(e), _) => format!("{}: {}", self.what, e.summary()),
            (None, Some(age)) => format!(
                "{}: data is {} old (stale after {})",
                self.what,
                human_span(age),
                human_span(self.max_age.map_or(stale_after, |m| m.max(stale_after)))
            ),
            (None, None) => format!("{}: not read yet", self.what),
        })
    }

    /// `what: the classified error`, for the report's `errors`.
    fn line(&self) -> Option<String> {
        self.error
            .map(|e| format!("{}: {}", self.what, e.summary()))
    }

    fn standing(mut self, stand: Stand) -> Self {
        self.stand = stand;
        self
    }

    /// Whether the latest read failed and left nothing to use in its place.
    fn unread(&self, now: OffsetDateTime, stale_after: Duration) -> bool {
        self.error.is_some() && (self.stale)(now, stale_after)
    }

    /// Whether another source stood in for this unread piece in `v`: the answer was inferred,
    /// or the health check's status was decided without it.
    fn stood_in(
        &self,
        o: &SiteObservations,
        v: &Verdict,
        now: OffsetDateTime,
        stale_after: Duration,
    ) -> bool {
        match &self.stand {
            Stand::DnsAnswer => v.served_inferred && v.served != Served::Unknown,
            Stand::Status(id) => super::infer::status_stood_in(o, id, now, stale_after),
            Stand::None => false,
        }
    }
}

/// Every piece of the site's chain that status reads and reports on: the records, the DNS
/// answer, the maintenance journal, the load balancers, target groups, health checks, alarms,
/// listeners, targets and the distribution, in the order the report lists their errors.
fn pieces(o: &SiteObservations) -> Vec<Piece<'_>> {
    let lb_name = |arn: &str| {
        o.load_balancers
            .get()
            .and_then(|l| l.iter().find(|x| x.arn == arn))
            .map_or_else(|| arn.to_string(), |l| l.name.clone())
    };
    let mut out = vec![
        Piece::new("records".into(), &o.records),
        Piece::new("DNS answer".into(), &o.dns_answer).standing(Stand::DnsAnswer),
        Piece::new("maintenance journal".into(), &o.maintenance),
        Piece::new("load balancers".into(), &o.load_balancers),
        Piece::new("target groups".into(), &o.target_groups),
    ];
    for (rtype, a) in &o.other_answers {
        out.push(Piece::new(format!("DNS answer ({rtype})"), a));
    }
    for (id, h) in &o.health_checks {
        out.push(Piece::new(format!("health check {id}"), &h.config));
        let mut status = Piece::new(format!("status of health check {id}"), &h.status)
            .standing(Stand::Status(id.clone()));
        // A check that probes no endpoint (a CloudWatch metric's, a calculated one) is judged
        // by its alarm or children when Route 53's metric of it is absent.
        status.stand_in = h.config.get().is_some_and(|c| !c.kind.probes_endpoint());
        out.push(status);
    }
    for a in &o.alarms {
        out.push(Piece::new(format!("alarm {}", a.alarm_ref.name), &a.alarm));
    }
    // Listeners are read on the poller's own cadence outside the detail (ELBv2's budget): one
    // it chose not to read yet is as old as that cadence allows; a failed read is unread.
    for (lb, ls) in &o.listeners {
        let mut piece = Piece::new(format!("listeners of {}", lb_name(lb)), ls);
        piece.stale = Box::new(move |now, stale_after| {
            ls.is_stale(now, o.listener_read_max_age(ls, stale_after))
        });
        piece.max_age = Some(Duration::from_secs(o.listeners_max_age_secs));
        out.push(piece);
    }
    // A group whose CloudWatch counts were read fresh and show every target healthy is known
    // by them: its last DescribeTargetHealth may be older (the poller reads it fresh only
    // where the counts show something wrong or have no datapoint).
    for (tg, th) in &o.target_health {
        let name = crate::model::elb::target_group_name(tg);
        let mut piece = Piece::new(format!("targets of {name}"), th);
        piece.stale = Box::new(move |now, stale_after| {
            th.is_stale(now, stale_after) && !o.targets_known_by_counts(tg, now, stale_after)
        });
        out.push(piece);
    }
    // A target group's minimums (its attributes) whose read failed with nothing read before:
    // AWS's defaults stand in their place, which may not be the group's.
    for tg in o.target_groups.get().into_iter().flatten() {
        if let Some(e) = tg.minimums_unread() {
            out.push(Piece {
                what: format!("attributes of target group {}", tg.name),
                stand: Stand::None,
                error: Some(&e.error),
                stale: Box::new(|_, _| true),
                age: Box::new(|_| None),
                stand_in: false,
                max_age: None,
            });
        }
    }
    if let Some(d) = &o.distribution {
        out.push(Piece::new(d.label(), &d.distribution));
    }
    for (name, f) in &o.linked.records {
        out.push(Piece::new(format!("records of {name}"), f));
    }
    // What a client gets: a probe that could not run is a check not made.
    if let Some(p) = &o.probe {
        let mut piece = Piece::new(format!("probe of {}", p.url), &p.seen);
        piece.stale = Box::new(move |now, stale_after| {
            p.seen
                .is_stale(now, stale_after.max(p.every.saturating_mul(2)))
        });
        out.push(piece);
    }
    out
}

/// Whether a site's chain was read in full, and what was not: every piece of it (see
/// [`pieces`]) has a value younger than `stale_after`, or the ones that do not are listed with
/// why (the error of the latest read, such as the IAM action the role lacks; how old the last
/// value is; not read yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completeness {
    /// Every piece of the chain was read, recently enough to rely on.
    pub complete: bool,
    /// `what: why` for each piece that was not, in the order of the chain.
    pub unread: Vec<String>,
}

/// What of a site's chain was read (see [`Completeness`]).
pub fn completeness(
    o: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Completeness {
    let unread: Vec<String> = pieces(o)
        .iter()
        .filter(|p| {
            !matches!(p.stand, Stand::Status(ref id)
                if super::infer::status_stood_in(o, id, now, stale_after))
        })
        .filter_map(|p| p.why_unread(now, stale_after))
        .collect();
    Completeness {
        complete: unread.is_empty(),
        unread,
    }
}

/// The verdict on a site as every command and the console give it: the model's verdict, then
/// [`trusted`]: a piece of the chain that could not be read keeps it from being LIVE.
pub fn site_verdict(o: &SiteObservations, now: OffsetDateTime, stale_after: Duration) -> Verdict {
    trusted(
        o,
        super::verdict::verdict(o, now, stale_after),
        now,
        stale_after,
    )
}

/// A LIVE verdict says every check passed. When a piece of the site's chain could not be read
/// (denied, throttled past the retries, network, a 5xx), or was not read recently enough, and
/// nothing recent stands in for it, a check was not made, and a check not made is not a pass:
/// the verdict is UNKNOWN, led by what could not be read and why (the service, and for access
/// denied the IAM action). So a site whose chain is incomplete is never LIVE, and never exits 0.
/// Other verdicts already say something is wrong and stay as they are.
///
/// Another source may stand in for a piece (see [`super::infer`]): a health check's status
/// decided by its alarm or its children is a check that was made. An answer inferred from the
/// failover rules is not: a site LIVE only by such an answer is DEGRADED (served as far as can be
/// told, but not confirmed), led by why the answer was inferred.
pub fn trusted(
    o: &SiteObservations,
    v: Verdict,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Verdict {
    if v.kind != VerdictKind::Live {
        return v;
    }
    let pieces = pieces(o);
    let unread: Vec<String> = pieces
        .iter()
        .filter(|p| !p.stood_in(o, &v, now, stale_after))
        .filter_map(|p| p.why_unread(now, stale_after))
        .collect();
    if unread.is_empty() {
        if !v.served_inferred {
            return v;
        }
        let mut reasons = vec![super::infer::live_by_inference(v.served)];
        reasons.extend(v.reasons);
        return Verdict {
            kind: VerdictKind::Degraded,
            reasons,
            eta: None,
            ..v
        };
    }
    let mut reasons = unread;
    reasons.push(
        "LIVE by what could be read, but a check that could not be made is not a pass".into(),
    );
    for r in v.reasons {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    }
    Verdict {
        kind: VerdictKind::Unknown,
        reasons,
        eta: None,
        ..v
    }
}

/// `what: the classified error` for every piece that credentials or access kept away (the
/// error names the IAM action the role lacks, or that the credentials are missing or expired),
/// in the order of [`pieces`].
pub fn access_lines(
    o: &SiteObservations,
    now: OffsetDateTime,
    stale_after: Duration,
) -> Vec<String> {
    pieces(o)
        .iter()
        .filter(|p| {
            p.unread(now, stale_after)
                && p.error.is_some_and(|e| {
                    matches!(e.kind, ErrorKind::Credentials | ErrorKind::AccessDenied)
                })
        })
        .filter_map(Piece::line)
        .collect()
}

/// `what: the classified error` for every piece whose latest read failed, in the order of
/// [`pieces`]: the report's `errors`.
pub fn unread_lines(o: &SiteObservations) -> Vec<String> {
    pieces(o).iter().filter_map(Piece::line).collect()
}
