//! Two-person approval of a switch of a protected site (`approval = true`), and the break-glass
//! override. The request, its decision and any break-glass live in the site's journal in AWS
//! ([`super::journal::Journal::approval`], [`super::journal::Journal::break_glass`]), so that
//! the requester, the approver and every reader on every machine see the same state.
//!
//! A request names the exact plan by its hash: SHA-256 of a canonical serialisation of the
//! plan's typed steps (each step's strategy, resource, way, and its change with its before and
//! after values; what AWS names afresh on every run, such as an invalidation's caller reference,
//! left out). An approval records the hash it approved; the run that asked re-plans on fresh
//! data right before its first change, and goes on only when the hash is the same, the approver
//! is another identity than the requester, and the approval has not expired (in AWS's clock).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::history::Direction;
use super::journal::{Change, Step};

/// How many hex characters of the hash prompts and status show.
pub const SHORT: usize = 12;

/// The hash of a plan: the steps it makes, each with the way it goes (`true`: towards
/// maintenance; `false`: back to the original value), for `site` in `direction`.
pub fn plan_hash(site: &str, direction: Direction, steps: &[(&Step, bool)]) -> String {
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|(s, towards)| {
            let mut change = serde_json::to_value(&s.change).unwrap_or_default();
            strip_volatile(&mut change);
            serde_json::json!({
                "strategy": s.strategy,
                "resource": s.resource,
                "towards": if *towards { "maintenance" } else { "original" },
                "change": change,
            })
        })
        .collect();
    // serde_json's maps are sorted by key: the same plan always gives the same text.
    let canonical = serde_json::json!({
        "format": 1,
        "site": site,
        "direction": direction.as_str(),
        "steps": steps,
    })
    .to_string();
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What AWS names afresh on every run (an invalidation's caller reference and ID, a rule's ARN
/// once created): not part of what is approved.
fn strip_volatile(v: &mut serde_json::Value) {
    if let Some(after) = v.get_mut("after").and_then(|a| a.as_object_mut()) {
        for k in ["CallerReference", "InvalidationId", "RuleArn"] {
            after.remove(k);
        }
    }
}

/// Whether a change is one whose value carries the run's own names (see [`strip_volatile`]).
pub fn is_volatile(c: &Change) -> bool {
    matches!(c, Change::Invalidate { .. } | Change::CreateRule { .. })
}

/// The hash as prompts show it.
pub fn short(hash: &str) -> &str {
    hash.get(..SHORT).unwrap_or(hash)
}

/// A request for a second person's approval of one switch, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The switch asked for: `on` (enter maintenance) or `off` (fail back).
    pub direction: Direction,
    /// The caller ARN of who asked.
    pub requested_by: String,
    /// The machine it was asked from.
    pub requested_host: String,
    /// When it was asked, in AWS's clock.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// When the request lapses undecided, in AWS's clock.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The plan's hash (see [`plan_hash`]).
    pub hash: String,
    /// The plan as the requester saw it, word for word: the approver is shown the same.
    pub plan: String,
    /// The requester overrides preflight checks that failed or could not be made (`--force`).
    #[serde(default)]
    pub forced: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// What the approver decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approved {
        /// The approver's caller ARN.
        by: String,
        /// In AWS's clock.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// The hash of the plan approved.
        hash: String,
        /// Until when the approval holds, in AWS's clock.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    Declined {
        by: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
}

/// Where a request stands at one moment (AWS's clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Waiting for a decision.
    Pending,
    /// Approved by another identity, for this plan, and still valid.
    Approved {
        by: String,
    },
    Declined {
        by: String,
        comment: Option<String>,
    },
    /// Nobody decided in time, or the approval ran out.
    Expired(String),
    /// An approval switchyard never writes: by the requester itself, or of another plan than
    /// the one asked for. It never lets a run go on.
    Forged(String),
}

impl Approval {
    /// Where the request stands at `now` (AWS's clock).
    pub fn standing(&self, now: OffsetDateTime) -> Standing {
        match &self.decision {
            None if !super::obs::before(now, self.expires_at) => Standing::Expired(format!(
                "nobody decided on it before {} (it was asked at {})",
                rfc3339(self.expires_at),
                rfc3339(self.requested_at)
            )),
            None => Standing::Pending,
            Some(Decision::Declined { by, comment, .. }) => Standing::Declined {
                by: by.clone(),
                comment: comment.clone(),
            },
            Some(Decision::Approved {
                by,
                hash,
                expires_at,
                at,
            }) => {
                if by == &self.requested_by {
                    Standing::Forged(format!(
                        "it is approved by {by}, who asked for it: the same identity can never approve its own plan"
                    ))
                } else if hash != &self.hash {
                    Standing::Forged(format!(
                        "the approval is of plan {}, and the plan asked for is {}",
                        short(hash),
                        short(&self.hash)
                    ))
                } else if !super::obs::before(now, *expires_at) {
                    Standing::Expired(format!(
                        "the approval by {by} at {} expired at {}",
                        rfc3339(*at),
                        rfc3339(*expires_at)
                    ))
                } else {
                    Standing::Approved { by: by.clone() }
                }
            }
        }
    }

    /// The switch asked for, in words.
    pub fn what(&self) -> &'static str {
        match self.direction {
            Direction::On => "maintenance on",
            Direction::Off => "maintenance off (fail back)",
        }
    }
}

/// A switch made without approval, by `--break-glass`: who, when, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlass {
    pub direction: Direction,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: String,
}

/// What a reader (status, the console) shows of a site's request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalMarker {
    pub direction: Direction,
    /// `awaiting_approval`, `approved`, `declined`, `expired` or `forged`.
    pub state: String,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub reason: Option<String>,
    pub hash: String,
    /// The plan as the requester saw it.
    #[serde(skip)]
    pub plan: String,
    /// Who decided, and their comment (a decline).
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    /// `requested_at` in the reader's clock (AWS's may differ), to tell the request's age.
    #[serde(skip)]
    pub requested_local: Option<OffsetDateTime>,
    /// Why the request does not stand (expired or forged).
    pub why: Option<String>,
}

impl ApprovalMarker {
    /// The marker of `a` at `now` (AWS's clock).
    pub fn of(a: &Approval, now: OffsetDateTime) -> ApprovalMarker {
        let (state, decided_by, comment, why) = match a.standing(now) {
            Standing::Pending => ("awaiting_approval", None, None, None),
            Standing::Approved { by } => ("approved", Some(by), None, None),
            Standing::Declined { by, comment } => ("declined", Some(by), comment, None),
            Standing::Expired(w) => ("expired", None, None, Some(w)),
            Standing::Forged(w) => ("forged", None, None, Some(w)),
        };
        ApprovalMarker {
            direction: a.direction,
            state: state.into(),
            requested_by: a.requested_by.clone(),
            requested_at: a.requested_at,
            reason: a.reason.clone(),
            hash: a.hash.clone(),
            plan: a.plan.clone(),
            decided_by,
            comment,
            requested_local: None,
            why,
        }
    }

    /// The request still waits for a decision.
    pub fn pending(&self) -> bool {
        self.state == "awaiting_approval"
    }

    /// The line status and the console show, with the request's age at `now` (the reader's
    /// clock).
    pub fn line(&self, site: &str, now: OffsetDateTime) -> String {
        let what = match self.direction {
            Direction::On => "maintenance on",
            Direction::Off => "maintenance off (fail back)",
        };
        super::obs::holds_through(now);
        let age =
            (now - self.requested_local.unwrap_or(self.requested_at)).max(time::Duration::ZERO);
        let asked = format!(
            "{what} requested by {} {} ago{} (plan {})",
            self.requested_by,
            age_text(age),
            self.reason
                .as_ref()
                .map(|r| format!(", reason {r:?}"))
                .unwrap_or_default(),
            short(&self.hash)
        );
        match self.state.as_str() {
            "awaiting_approval" => format!(
                "awaiting approval by another person: {asked}; `switchyard approve --site {site}` (another identity) approves it, `switchyard decline --site {site}` declines it"
            ),
            "approved" => format!(
                "approved by {}: {asked}; the requester's run goes on (`switchyard maintenance {} --site {site}` picks it up)",
                self.decided_by.as_deref().unwrap_or("?"),
                match self.direction {
                    Direction::On => "on",
                    Direction::Off => "off",
                }
            ),
            "declined" => format!(
                "declined by {}{}: {asked}",
                self.decided_by.as_deref().unwrap_or("?"),
                self.comment
                    .as_ref()
                    .map(|c| format!(" ({c:?})"))
                    .unwrap_or_default()
            ),
            _ => format!(
                "the approval request no longer stands ({}): {asked}",
                self.why.as_deref().unwrap_or("expired")
            ),
        }
    }
}

/// `45 s`, `3 min`, `2 h 5 min`.
pub fn age_text(d: time::Duration) -> String {
    let s = d.whole_seconds().max(0);
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::journal::{Absent, Invalidation, Inversion};

    fn t(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_312_800 + s).unwrap()
    }

    fn invert(version: i64) -> Step {
        Step::planned(
            "route53-invert-health-check",
            "hc-1",
            Change::InvertHealthCheck {
                before: Inversion {
                    inverted: false,
                    health_check_version: Some(version),
                },
                after: Inversion {
                    inverted: true,
                    health_check_version: None,
                },
            },
        )
    }

    fn invalidate(reference: &str) -> Step {
        Step::planned(
            "cloudfront-invalidate",
            "E1",
            Change::Invalidate {
                before: Absent,
                after: Invalidation {
                    paths: vec!["/*".into()],
                    caller_reference: reference.into(),
                    on_fail_back: false,
                    invalidation_id: None,
                },
            },
        )
    }

    #[test]
    fn the_hash_is_of_the_typed_steps_and_their_values_not_of_the_run() {
        let a = plan_hash(
            "shop",
            Direction::On,
            &[(&invert(3), true), (&invalidate("r-1"), true)],
        );
        // Another run's caller reference: the same plan.
        let b = plan_hash(
            "shop",
            Direction::On,
            &[(&invert(3), true), (&invalidate("r-2"), true)],
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        // A before value changed (the health check was edited): another plan.
        let c = plan_hash(
            "shop",
            Direction::On,
            &[(&invert(4), true), (&invalidate("r-1"), true)],
        );
        assert_ne!(a, c);
        // Another direction, site or way: another plan.
        assert_ne!(
            a,
            plan_hash(
                "shop",
                Direction::Off,
                &[(&invert(3), true), (&invalidate("r-1"), true)]
            )
        );
        assert_ne!(
            a,
            plan_hash(
                "pay",
                Direction::On,
                &[(&invert(3), true), (&invalidate("r-1"), true)]
            )
        );
        assert_ne!(
            a,
            plan_hash(
                "shop",
                Direction::On,
                &[(&invert(3), false), (&invalidate("r-1"), true)]
            )
        );
        assert_eq!(short(&a).len(), SHORT);
    }

    fn request() -> Approval {
        Approval {
            direction: Direction::On,
            requested_by: "arn:aws:iam::123456789012:user/alice".into(),
            requested_host: "bastion-1".into(),
            requested_at: t(0),
            expires_at: t(1800),
            reason: Some("CHG-1".into()),
            hash: "ab".repeat(32),
            plan: "Plan: ...".into(),
            forced: false,
            decision: None,
        }
    }

    #[test]
    fn a_request_stands_until_decided_or_lapsed_and_only_another_identity_approves() {
        let mut r = request();
        assert_eq!(r.standing(t(10)), Standing::Pending);
        assert!(matches!(r.standing(t(1800)), Standing::Expired(_)));
        let approved = |by: &str, hash: &str| Decision::Approved {
            by: by.into(),
            at: t(60),
            hash: hash.into(),
            expires_at: t(60 + 1800),
        };
        r.decision = Some(approved(
            "arn:aws:iam::123456789012:user/bob",
            &"ab".repeat(32),
        ));
        assert_eq!(
            r.standing(t(100)),
            Standing::Approved {
                by: "arn:aws:iam::123456789012:user/bob".into()
            }
        );
        // Valid past the request's own lapse, until its own expiry.
        assert!(matches!(r.standing(t(1830)), Standing::Approved { .. }));
        let Standing::Expired(why) = r.standing(t(1860)) else {
            panic!("expired");
        };
        assert!(why.contains("expired at"), "{why}");
        // By the requester: forged, whatever else.
        r.decision = Some(approved(&r.requested_by.clone(), &"ab".repeat(32)));
        let Standing::Forged(why) = r.standing(t(100)) else {
            panic!("forged");
        };
        assert!(why.contains("never approve its own plan"), "{why}");
        // Of another plan: forged.
        r.decision = Some(approved(
            "arn:aws:iam::123456789012:user/bob",
            &"cd".repeat(32),
        ));
        assert!(matches!(r.standing(t(100)), Standing::Forged(_)));
        r.decision = Some(Decision::Declined {
            by: "arn:bob".into(),
            at: t(50),
            comment: Some("not tonight".into()),
        });
        assert!(matches!(r.standing(t(100)), Standing::Declined { .. }));
        let m = ApprovalMarker::of(&r, t(100));
        assert!(
            m.line("shop", t(100))
                .starts_with("declined by arn:bob (\"not tonight\")")
        );
    }

    #[test]
    fn status_says_who_asked_how_long_ago_and_which_plan() {
        let r = request();
        let m = ApprovalMarker::of(&r, t(200));
        assert!(m.pending());
        assert_eq!(
            m.line("shop", t(200)),
            "awaiting approval by another person: maintenance on requested by arn:aws:iam::123456789012:user/alice 3 min ago, reason \"CHG-1\" (plan abababababab); `switchyard approve --site shop` (another identity) approves it, `switchyard decline --site shop` declines it"
        );
    }
}
