//! Freshness is part of the truth: sources of different age are not compared as if they were
//! of the same moment. Route 53's CloudWatch `HealthCheckStatus` metric lags Route 53's own
//! view by a minute or more, while the DNS answer (TestDNSAnswer) is current: when the two
//! disagree, the older one is named, and the disagreement alone raises no SWITCHING.

use super::{Chain, Mapping, Served};
use crate::model::health::{Health, METRIC_LAG};
use crate::model::obs::{human_span, span};

impl Chain<'_> {
    /// Why the DNS answer is believed over the primary's health: `Some` when Route 53 answers a
    /// record other than the one health says it would, the primary's health comes from the
    /// lagging CloudWatch metric alone, and the DNS answer is the fresher of the two.
    pub(super) fn metric_lags(&self) -> Option<String> {
        let Mapping::Mapped(answered) = &self.mapping else {
            return None;
        };
        if self.plain.is_some() || self.inferred == Served::Unknown || *answered == self.inferred {
            return None;
        }
        let p = self.p.as_ref()?;
        let check = p.check.as_ref()?;
        let metric_at = check.metric_at?;
        let answer_at = self.site.dns_answer.fetched_at?;
        if metric_at >= answer_at {
            return None;
        }
        // The check's metric must be what makes health and answer disagree: a fresh target
        // health (Evaluate Target Health) that agrees with health is not overruled.
        let target_ok = p
            .target
            .as_ref()
            .is_none_or(|t| t.health == Health::Healthy);
        let lagging = match answered {
            Served::Primary => check.health == Health::Unhealthy && target_ok,
            Served::Secondary => check.health == Health::Healthy,
            _ => false,
        };
        if !lagging {
            return None;
        }
        let metric_age = span(metric_at, self.now);
        let answer_age = span(answer_at, self.now);
        Some(format!(
            "the CloudWatch metric HealthCheckStatus of primary health check {} says {}, but its \
             datapoint is {} old and the metric lags Route 53 by {} or more; Route 53's DNS \
             answer ({} old) is fresher and answers the {}: no switch is under way",
            check.label,
            check.health.as_str(),
            human_span(metric_age),
            human_span(METRIC_LAG / 2),
            human_span(answer_age),
            answered.as_str()
        ))
    }
}

#[cfg(test)]
#[path = "freshness_tests.rs"]
mod tests;
