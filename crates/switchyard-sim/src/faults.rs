//! Fault injection, Route 53's throttling token buckets, and the per-operation call counter.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// The services the emulator speaks, by the names the control API uses (`dns`: the hosted
/// zones' name servers, by query type).
pub const SERVICES: [&str; 6] = ["route53", "cloudwatch", "elbv2", "cloudfront", "sts", "dns"];

/// What an injected fault does to a matching request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultKind {
    /// Answer with this AWS error code (AccessDenied, Throttling, InternalFailure, ExpiredToken,
    /// ServiceUnavailable, or any other code).
    Error {
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
    /// Answer after this many extra milliseconds.
    Latency { millis: u64 },
    /// Close the connection without an answer.
    Drop,
    /// Carry the request out, then close the connection without its answer: a call AWS applied
    /// whose answer was lost on the way (the SDK then retries it).
    LoseAnswer,
    /// Never answer (until the emulator shuts down).
    Timeout,
    /// Hold the request unanswered until this fault is cleared, then answer it as usual: a
    /// test stops a client at a known point (the call made, its effect not yet) and lets it go
    /// on. Holds every matching request while it is active (`times` is refused).
    Hold,
    /// Answer, with every `from` in the body replaced by `to`: adversarial answers such as an
    /// enum value no SDK knows, or a name with control characters. XML, query and JSON answers
    /// only (a CBOR string's length is part of its encoding).
    Rewrite { from: String, to: String },
}

/// A fault and which requests it hits. (Unknown fields are refused by [`FaultKind`], which sees
/// every field the outer struct does not take.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// A service name (route53, cloudwatch, elbv2, cloudfront, sts); none means every service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// An operation name such as GetHealthCheckStatus; none means every operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many requests it hits; none means until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Only requests whose body contains this text (a record name, say); none means every
    /// request of the service and operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
}

impl FaultSpec {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(s) = &self.service
            && !SERVICES.contains(&s.as_str())
        {
            return Err(format!(
                "unknown service {s:?}: expected one of {}",
                SERVICES.join(", ")
            ));
        }
        if self.times == Some(0) {
            return Err("times must be at least 1 (leave it out for until cleared)".into());
        }
        if self.kind == FaultKind::Hold && self.times.is_some() {
            return Err("a hold lasts until it is cleared: leave times out".into());
        }
        Ok(())
    }

    fn matches(&self, service: &str, operation: &str) -> bool {
        self.service.as_deref().is_none_or(|s| s == service)
            && self.operation.as_deref().is_none_or(|o| o == operation)
    }

    fn matches_body(&self, body: &[u8]) -> bool {
        self.body_contains.as_deref().is_none_or(|text| {
            !text.is_empty() && body.windows(text.len()).any(|w| w == text.as_bytes())
        })
    }
}

/// What the faults say about one request.
#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    pub latency_ms: u64,
    pub outcome: Option<FaultKind>,
    /// Replacements to make in the answer's body, in order.
    pub rewrites: Vec<(String, String)>,
    /// Held until the matching hold is cleared ([`Faults::holds`]).
    pub hold: bool,
}

#[derive(Default)]
pub struct Faults {
    active: Vec<FaultSpec>,
}

impl Faults {
    pub fn add(&mut self, spec: FaultSpec) -> Result<(), String> {
        spec.validate()?;
        self.active.push(spec);
        Ok(())
    }

    /// Clears faults of a service and operation (none: all of them). Returns how many it cleared.
    pub fn clear(&mut self, service: Option<&str>, operation: Option<&str>) -> usize {
        let before = self.active.len();
        self.active.retain(|f| {
            !(service.is_none_or(|s| f.service.as_deref() == Some(s))
                && operation.is_none_or(|o| f.operation.as_deref() == Some(o)))
        });
        before - self.active.len()
    }

    pub fn list(&self) -> &[FaultSpec] {
        &self.active
    }

    /// Whether a hold on this service and operation is active (a held request waits for it to
    /// be cleared).
    pub fn holds(&self, service: &str, operation: &str) -> bool {
        self.active
            .iter()
            .any(|f| f.kind == FaultKind::Hold && f.matches(service, operation))
    }

    /// Applies the faults to one request: latencies add up; the first error, drop or timeout wins.
    pub fn take(&mut self, service: &str, operation: &str) -> Verdict {
        self.take_body(service, operation, &[])
    }

    /// [`Faults::take`] for a request with this body (faults with `body_contains` hit only
    /// bodies that contain it).
    pub fn take_body(&mut self, service: &str, operation: &str, body: &[u8]) -> Verdict {
        let mut verdict = Verdict::default();
        for f in self
            .active
            .iter_mut()
            .filter(|f| f.matches(service, operation) && f.matches_body(body))
        {
            let hit = match &f.kind {
                FaultKind::Latency { millis } => {
                    verdict.latency_ms += millis;
                    true
                }
                FaultKind::Rewrite { from, to } => {
                    verdict.rewrites.push((from.clone(), to.clone()));
                    true
                }
                FaultKind::Hold => {
                    verdict.hold = true;
                    true
                }
                other if verdict.outcome.is_none() => {
                    verdict.outcome = Some(other.clone());
                    true
                }
                _ => false,
            };
            if hit && let Some(n) = &mut f.times {
                *n -= 1;
            }
        }
        self.active.retain(|f| f.times != Some(0));
        verdict
    }
}

/// A token bucket in real time.
#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(capacity: f64, per_second: f64) -> Bucket {
        Bucket {
            capacity,
            per_second,
            tokens: capacity,
            last: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_second)
            .min(self.capacity);
        self.last = now;
    }
}

/// Route 53's documented API rate limits.
#[derive(Debug)]
pub struct Throttle {
    pub enabled: bool,
    account: Bucket,
    per_operation: BTreeMap<&'static str, Bucket>,
    /// Elastic Load Balancing v2's bucket for the non-mutating actions (`Describe*`), per
    /// account and region: 40 tokens, 10 a second (AWS-FACTS.md, "Other API rate limits").
    elbv2_describe: Bucket,
}

impl Default for Throttle {
    fn default() -> Throttle {
        let mut per_operation = BTreeMap::new();
        per_operation.insert("GetHealthCheckStatus", Bucket::new(4.0, 1.0));
        per_operation.insert("GetHealthCheckLastFailureReason", Bucket::new(4.0, 1.0));
        Throttle {
            enabled: false,
            account: Bucket::new(50.0, 10.0),
            per_operation,
            elbv2_describe: Bucket::new(40.0, 10.0),
        }
    }
}

impl Throttle {
    /// Takes a token for a Route 53 request; false means it is throttled.
    pub fn admit(&mut self, operation: &str) -> bool {
        if !self.enabled {
            return true;
        }
        self.account.refill();
        let op = self.per_operation.get_mut(operation);
        let op_ok = match op {
            Some(b) => {
                b.refill();
                b.tokens >= 1.0
            }
            None => true,
        };
        if !op_ok || self.account.tokens < 1.0 {
            return false;
        }
        self.account.tokens -= 1.0;
        if let Some(b) = self.per_operation.get_mut(operation) {
            b.tokens -= 1.0;
        }
        true
    }

    /// Takes a token for an Elastic Load Balancing v2 request; false means it is throttled.
    /// Only the `Describe*` actions share the bucket modelled here; the mutating ones have
    /// buckets of their own, not modelled (a switch makes a handful of them).
    pub fn admit_elbv2(&mut self, operation: &str) -> bool {
        if !self.enabled || !operation.starts_with("Describe") {
            return true;
        }
        self.elbv2_describe.refill();
        if self.elbv2_describe.tokens < 1.0 {
            return false;
        }
        self.elbv2_describe.tokens -= 1.0;
        true
    }

    pub fn set_enabled(&mut self, enabled: bool) {
        *self = Throttle {
            enabled,
            ..Throttle::default()
        };
    }
}

/// How many calls the emulator served, per `service:Operation`, and how many of them failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallCounts {
    pub calls: BTreeMap<String, u64>,
    pub errors: BTreeMap<String, u64>,
    /// Queries to the hosted zones' name servers, by query type (DNS, not API calls: they are
    /// in no API budget).
    #[serde(default)]
    pub dns: BTreeMap<String, u64>,
}

impl CallCounts {
    pub fn dns_query(&mut self, qtype: &str) {
        *self.dns.entry(qtype.to_string()).or_default() += 1;
    }

    /// Queries to the name servers, of every type.
    pub fn dns_total(&self) -> u64 {
        self.dns.values().sum()
    }

    pub fn count(&mut self, service: &str, operation: &str) {
        *self
            .calls
            .entry(format!("{service}:{operation}"))
            .or_default() += 1;
    }

    pub fn error(&mut self, service: &str, operation: &str, code: &str) {
        *self
            .errors
            .entry(format!("{service}:{operation}:{code}"))
            .or_default() += 1;
    }

    pub fn get(&self, service: &str, operation: &str) -> u64 {
        self.calls
            .get(&format!("{service}:{operation}"))
            .copied()
            .unwrap_or(0)
    }

    /// The calls of one service.
    pub fn service_total(&self, service: &str) -> u64 {
        self.calls
            .iter()
            .filter(|(k, _)| k.split(':').next() == Some(service))
            .map(|(_, v)| v)
            .sum()
    }

    pub fn total(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Calls of operations whose names say they change something.
    pub fn mutating(&self) -> u64 {
        self.calls
            .iter()
            .filter(|(k, _)| {
                let op = k.split(':').nth(1).unwrap_or_default();
                !["Get", "List", "Describe", "Test"]
                    .iter()
                    .any(|p| op.starts_with(p))
            })
            .map(|(_, v)| v)
            .sum()
    }
}

/// One API call as the emulator saw it: when it arrived and when its answer left, in
/// milliseconds since the log began (`None`: no answer left, dropped or not yet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallSpan {
    /// `service:Operation`.
    pub call: String,
    pub arrived_ms: f64,
    pub answered_ms: Option<f64>,
}

/// The calls served, in the order they arrived, with their times (the last [`CallLog::MAX`]
/// since the log was reset): what tells calls made one after the other from calls made side
/// by side.
#[derive(Debug)]
pub struct CallLog {
    began: Instant,
    generation: u64,
    spans: Vec<CallSpan>,
}

impl Default for CallLog {
    fn default() -> CallLog {
        CallLog {
            began: Instant::now(),
            generation: 0,
            spans: Vec::new(),
        }
    }
}

/// Where a call's span is in the log, to note its answer.
#[derive(Clone, Copy, Debug)]
pub struct Logged {
    generation: u64,
    index: usize,
}

impl CallLog {
    /// How many calls the log keeps (a long-running emulator does not grow without bound).
    pub const MAX: usize = 20_000;

    fn ms(&self) -> f64 {
        self.began.elapsed().as_secs_f64() * 1000.0
    }

    /// Notes a call's arrival.
    pub fn arrive(&mut self, service: &str, operation: &str) -> Option<Logged> {
        if self.spans.len() >= Self::MAX {
            return None;
        }
        let arrived_ms = self.ms();
        self.spans.push(CallSpan {
            call: format!("{service}:{operation}"),
            arrived_ms,
            answered_ms: None,
        });
        Some(Logged {
            generation: self.generation,
            index: self.spans.len() - 1,
        })
    }

    /// Notes that a call's answer left.
    pub fn answer(&mut self, logged: Option<Logged>) {
        let Some(l) = logged else { return };
        if l.generation != self.generation {
            return;
        }
        let now = self.ms();
        if let Some(span) = self.spans.get_mut(l.index) {
            span.answered_ms = Some(now);
        }
    }

    pub fn clear(&mut self) {
        self.generation += 1;
        self.spans.clear();
        self.began = Instant::now();
    }

    pub fn spans(&self) -> &[CallSpan] {
        &self.spans
    }
}

/// How many calls in a row the log holds at most: a call is after every call whose answer had
/// left before it arrived (it may have waited for that answer), and its wave is one more than
/// the latest wave it is after. Calls that could not have waited for each other share a wave.
/// The count never misses a real dependency (a call that needed an answer arrived after it
/// left); it may count two independent calls as one after the other when the second came
/// late, so it is an upper bound on the depth of the calls' dependencies.
pub fn waves(spans: &[CallSpan]) -> usize {
    let mut order: Vec<&CallSpan> = spans.iter().collect();
    order.sort_by(|a, b| a.arrived_ms.total_cmp(&b.arrived_ms));
    let mut wave: Vec<usize> = Vec::with_capacity(order.len());
    for (i, span) in order.iter().enumerate() {
        let after = order[..i]
            .iter()
            .zip(&wave)
            .filter(|(earlier, _)| {
                earlier
                    .answered_ms
                    .is_some_and(|answered| answered <= span.arrived_ms)
            })
            .map(|(_, w)| *w)
            .max()
            .unwrap_or(0);
        wave.push(after + 1);
    }
    wave.into_iter().max().unwrap_or(0)
}

/// The calls of each wave (see [`waves`]), first wave first: what a reader of a failed depth
/// check needs to see.
pub fn by_wave(spans: &[CallSpan]) -> Vec<Vec<String>> {
    let mut order: Vec<&CallSpan> = spans.iter().collect();
    order.sort_by(|a, b| a.arrived_ms.total_cmp(&b.arrived_ms));
    let mut wave: Vec<usize> = Vec::with_capacity(order.len());
    let mut out: Vec<Vec<String>> = Vec::new();
    for (i, span) in order.iter().enumerate() {
        let after = order[..i]
            .iter()
            .zip(&wave)
            .filter(|(earlier, _)| {
                earlier
                    .answered_ms
                    .is_some_and(|answered| answered <= span.arrived_ms)
            })
            .map(|(_, w)| *w)
            .max()
            .unwrap_or(0);
        wave.push(after + 1);
        if out.len() <= after {
            out.resize_with(after + 1, Vec::new);
        }
        out[after].push(span.call.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(service: Option<&str>, op: Option<&str>, times: Option<u32>) -> FaultSpec {
        FaultSpec {
            service: service.map(str::to_string),
            operation: op.map(str::to_string),
            kind: FaultKind::Error {
                code: "AccessDenied".into(),
                message: None,
                status: None,
            },
            times,
            body_contains: None,
        }
    }

    #[test]
    fn elbv2_describes_are_throttled_at_aws_rates_and_changes_are_not() {
        let mut t = Throttle::default();
        assert!(
            (0..100).all(|_| t.admit_elbv2("DescribeTargetHealth")),
            "off by default"
        );
        t.set_enabled(true);
        // The bucket holds 40: a burst of 40 passes (a few more may refill while it runs).
        let passed = (0..60)
            .filter(|_| t.admit_elbv2("DescribeTargetHealth"))
            .count();
        assert!((40..45).contains(&passed), "{passed}");
        assert!(
            !t.admit_elbv2("DescribeListeners"),
            "one bucket for every Describe"
        );
        assert!(
            t.admit_elbv2("ModifyListener"),
            "changes have buckets of their own"
        );
        // Route 53's budget is its own.
        assert!(t.admit("ListHealthChecks"));
    }

    #[test]
    fn a_fault_on_a_body_hits_only_requests_that_hold_it() {
        let mut f = Faults::default();
        let mut spec = error(Some("route53"), Some("ChangeResourceRecordSets"), Some(1));
        spec.body_contains = Some("_switchyard-log.".into());
        f.add(spec).unwrap();
        let journal = b"<Name>_switchyard.www.example.com.</Name>";
        let history = b"<Name>_switchyard-log.www.example.com.</Name>";
        let op = "ChangeResourceRecordSets";
        assert!(f.take_body("route53", op, journal).outcome.is_none());
        assert!(f.take_body("route53", op, history).outcome.is_some());
        assert!(
            f.take_body("route53", op, history).outcome.is_none(),
            "once"
        );
    }

    #[test]
    fn a_counted_fault_wears_off() {
        let mut f = Faults::default();
        f.add(error(Some("route53"), Some("GetHealthCheck"), Some(2)))
            .unwrap();
        assert!(f.take("route53", "GetHealthCheck").outcome.is_some());
        assert!(f.take("route53", "ListHealthChecks").outcome.is_none());
        assert!(f.take("route53", "GetHealthCheck").outcome.is_some());
        assert!(f.take("route53", "GetHealthCheck").outcome.is_none());
    }

    #[test]
    fn latency_adds_up_and_clear_removes() {
        let mut f = Faults::default();
        f.add(FaultSpec {
            service: None,
            operation: None,
            kind: FaultKind::Latency { millis: 5 },
            times: None,
            body_contains: None,
        })
        .unwrap();
        f.add(FaultSpec {
            service: Some("sts".into()),
            operation: None,
            kind: FaultKind::Latency { millis: 7 },
            times: None,
            body_contains: None,
        })
        .unwrap();
        assert_eq!(f.take("sts", "GetCallerIdentity").latency_ms, 12);
        assert_eq!(f.clear(Some("sts"), None), 1);
        assert_eq!(f.take("sts", "GetCallerIdentity").latency_ms, 5);
    }

    #[test]
    fn unknown_services_are_refused() {
        let mut f = Faults::default();
        assert!(
            f.add(error(Some("s3"), None, None))
                .unwrap_err()
                .contains("unknown service")
        );
        assert!(f.add(error(None, None, Some(0))).is_err());
    }

    #[test]
    fn health_check_status_bucket_holds_four() {
        let mut t = Throttle::default();
        t.set_enabled(true);
        let admitted = (0..10).filter(|_| t.admit("GetHealthCheckStatus")).count();
        assert_eq!(admitted, 4);
        assert!(t.admit("ListHealthChecks"));
    }

    #[test]
    fn account_bucket_holds_fifty() {
        let mut t = Throttle::default();
        t.set_enabled(true);
        let admitted = (0..80).filter(|_| t.admit("ListHostedZones")).count();
        assert_eq!(admitted, 50);
    }

    #[test]
    fn misspelt_fault_fields_are_refused() {
        let err = serde_json::from_str::<FaultSpec>(
            r#"{"service":"elbv2","fault":"error","code":"X","tmes":3}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("tmes"), "{err}");
    }

    #[test]
    fn fault_specs_read_from_json() {
        let spec: FaultSpec = serde_json::from_str(
            r#"{"service":"elbv2","fault":"error","code":"Throttling","times":3}"#,
        )
        .unwrap();
        assert_eq!(spec.times, Some(3));
        assert!(matches!(spec.kind, FaultKind::Error { ref code, .. } if code == "Throttling"));
    }

    fn span(call: &str, arrived_ms: f64, answered_ms: f64) -> CallSpan {
        CallSpan {
            call: call.into(),
            arrived_ms,
            answered_ms: Some(answered_ms),
        }
    }

    #[test]
    fn calls_side_by_side_are_one_wave_and_calls_after_an_answer_the_next() {
        // Two lists at once; the records' read after the first list's answer; the listeners
        // after both; a call that never got its answer holds nothing up.
        let spans = vec![
            span("route53:ListHealthChecks", 0.0, 80.0),
            span("elbv2:DescribeLoadBalancers", 1.0, 81.0),
            CallSpan {
                call: "cloudfront:ListDistributions".into(),
                arrived_ms: 2.0,
                answered_ms: None,
            },
            span("route53:ListResourceRecordSets", 80.5, 160.0),
            span("elbv2:DescribeListeners", 82.0, 162.0),
        ];
        assert_eq!(waves(&spans), 2);
        assert_eq!(
            by_wave(&spans),
            vec![
                vec![
                    "route53:ListHealthChecks".to_string(),
                    "elbv2:DescribeLoadBalancers".into(),
                    "cloudfront:ListDistributions".into()
                ],
                vec![
                    "route53:ListResourceRecordSets".to_string(),
                    "elbv2:DescribeListeners".into()
                ],
            ]
        );
        let mut chain = spans.clone();
        chain.push(span("elbv2:DescribeRules", 163.0, 240.0));
        assert_eq!(waves(&chain), 3);
        assert_eq!(waves(&[]), 0);
    }

    #[test]
    fn the_log_keeps_arrivals_and_answers_and_a_reset_forgets_calls_in_flight() {
        let mut log = CallLog::default();
        let a = log.arrive("route53", "ListHealthChecks");
        let b = log.arrive("elbv2", "DescribeListeners");
        log.answer(a);
        assert!(log.spans()[0].answered_ms.is_some());
        assert!(log.spans()[1].answered_ms.is_none());
        log.clear();
        log.answer(b);
        assert!(log.spans().is_empty());
    }
}
