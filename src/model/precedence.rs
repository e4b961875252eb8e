//! What a client gets from a listener: its rules in priority order, then its default action.
//!
//! An Application Load Balancer tries a listener's rules by priority, lowest first; the first
//! rule whose conditions all match decides, and the default action takes what no rule matched.
//! So a listener serves the sorry page to everyone only when the sorry page is served by a rule
//! that matches every request (`path-pattern /*`, as switchyard's maintenance rule has) or by
//! the default action, and no rule ahead of it still reaches the app. A rule that lets only
//! given client addresses through (an operator allow-list: a `source-ip` condition, or the
//! `X-Forwarded-For` header behind CloudFront) is expected during maintenance: it is named, but
//! it does not count against it. Network Load Balancer listeners have no rules: their default
//! action is all there is.

use super::elb::{Listener, LoadBalancerKind, Rule, RuleCondition};
use super::serves::Serves;
use super::site::SiteObservations;

/// Where a listener serves the sorry page to every request that gets that far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SorryAt<'a> {
    /// Its default action.
    Default,
    /// A rule whose conditions match every request.
    Rule(&'a Rule),
}

/// What clients get from one listener, its rules in priority order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenerGets<'a> {
    /// Every client gets the sorry page, but those an allow-list rule ahead of it lets through.
    Sorry {
        /// What serves it.
        at: SorryAt<'a>,
        /// The operator allow-list rules ahead of it that reach the app, by priority.
        allowed: Vec<&'a Rule>,
    },
    /// The sorry page is served by the default action or a rule that matches every request, but
    /// rules ahead of it still reach the app (or match every request first).
    Bypassed {
        /// What serves the sorry page to the requests that get that far.
        at: SorryAt<'a>,
        /// The rules ahead of it that keep requests from it, by priority: those that reach the
        /// app (allow-lists aside), and any that matches every request.
        bypass: Vec<&'a Rule>,
        /// The operator allow-list rules ahead of it that reach the app, by priority.
        allowed: Vec<&'a Rule>,
    },
    /// Nothing serves the sorry page to everyone: what the first rule that matches every request
    /// serves, else the default action.
    Other(Serves),
    /// The listener has rules, and they were not read: only the default action is known (what it
    /// serves). Nothing is claimed about what clients get.
    Unread(Serves),
}

impl ListenerGets<'_> {
    /// What clients (outside the allow-lists) get, in one word: the sorry page, `Mixed` when
    /// rules still reach the app ahead of it, what decides otherwise. For unread rules, what the
    /// default action serves, but `Unknown` for a default action on the sorry page (rules ahead
    /// of it may still reach the app).
    pub fn serves(&self, o: &SiteObservations, listener: &Listener) -> Serves {
        match self {
            ListenerGets::Sorry { at, .. } => match at {
                SorryAt::Default => o.serves_listener(listener),
                SorryAt::Rule(r) => o.serves_rule(r),
            },
            ListenerGets::Bypassed { .. } => Serves::Mixed {
                sorry: Vec::new(),
                app: Vec::new(),
            },
            ListenerGets::Unread(s) if s.is_sorry_page() => Serves::Unknown,
            ListenerGets::Other(s) | ListenerGets::Unread(s) => s.clone(),
        }
    }

    /// Whether every client outside the allow-lists gets the sorry page.
    pub fn is_sorry_page(&self) -> bool {
        matches!(self, ListenerGets::Sorry { .. })
    }
}

impl SiteObservations {
    /// Whether a listener has rules: those of Application Load Balancers (by the load balancer's
    /// type, or while it is not known, an HTTP or HTTPS listener).
    pub fn listener_has_rules(&self, listener: &Listener) -> bool {
        match self.load_balancer(&listener.lb_arn) {
            Some(lb) => lb.kind == LoadBalancerKind::Application,
            None => matches!(listener.protocol.as_str(), "HTTP" | "HTTPS"),
        }
    }

    /// What clients get from a listener, with its latest rules if read (see
    /// [`SiteObservations::listener_gets_with`]).
    pub fn listener_gets<'a>(&'a self, listener: &Listener) -> ListenerGets<'a> {
        let rules = self
            .rules
            .get(&listener.arn)
            .and_then(|f| f.get())
            .map(Vec::as_slice);
        self.listener_gets_with(listener, rules)
    }

    /// What clients get from a listener whose rules are `rules` (`None`: not read; ignored for
    /// a listener without rules). The rules are tried by priority; the default rule (the default
    /// action) comes last.
    pub fn listener_gets_with<'a>(
        &self,
        listener: &Listener,
        rules: Option<&'a [Rule]>,
    ) -> ListenerGets<'a> {
        let default = self.serves_listener(listener);
        if !self.listener_has_rules(listener) {
            return self.default_gets(default, Vec::new(), Vec::new());
        }
        let Some(rules) = rules else {
            return ListenerGets::Unread(default);
        };
        let mut ordered: Vec<&Rule> = rules.iter().filter(|r| !r.is_default).collect();
        ordered.sort_by_key(|r| r.priority.unwrap_or(u32::MAX));
        // Where everyone who gets that far is served the sorry page: the first rule that matches
        // every request and serves it, else the default action if it serves it.
        let sorry_rule = ordered
            .iter()
            .position(|r| matches_every_request(r) && self.serves_rule(r).is_sorry_page());
        let (at, ahead) = match sorry_rule {
            Some(i) => (SorryAt::Rule(ordered[i]), &ordered[..i]),
            None if default.is_sorry_page() => (SorryAt::Default, &ordered[..]),
            None => {
                // No sorry page for everyone: the first rule that matches every request
                // decides, else the default action.
                let decides = ordered
                    .iter()
                    .find(|r| matches_every_request(r))
                    .map_or(default, |r| self.serves_rule(r));
                return ListenerGets::Other(decides);
            }
        };
        let mut bypass = Vec::new();
        let mut allowed = Vec::new();
        for r in ahead {
            let every = matches_every_request(r);
            if reaches_app(&self.serves_rule(r)) {
                if is_allow_list(r) {
                    allowed.push(*r);
                } else {
                    bypass.push(*r);
                }
            } else if every {
                bypass.push(*r);
            }
            if every {
                // The rules after it are never reached.
                break;
            }
        }
        sorry_or_bypassed(at, bypass, allowed)
    }

    fn default_gets<'a>(
        &self,
        default: Serves,
        bypass: Vec<&'a Rule>,
        allowed: Vec<&'a Rule>,
    ) -> ListenerGets<'a> {
        if default.is_sorry_page() {
            sorry_or_bypassed(SorryAt::Default, bypass, allowed)
        } else {
            ListenerGets::Other(default)
        }
    }
}

fn sorry_or_bypassed<'a>(
    at: SorryAt<'a>,
    bypass: Vec<&'a Rule>,
    allowed: Vec<&'a Rule>,
) -> ListenerGets<'a> {
    if bypass.is_empty() {
        ListenerGets::Sorry { at, allowed }
    } else {
        ListenerGets::Bypassed {
            at,
            bypass,
            allowed,
        }
    }
}

/// Whether what a rule serves reaches the app (all of the requests it matches, or part).
fn reaches_app(s: &Serves) -> bool {
    matches!(s, Serves::App | Serves::Mixed { .. })
}

/// Whether a rule's conditions match every request: each is a path pattern or host header
/// that is all wildcards (`/*`, `*`). A rule has at least one condition.
pub fn matches_every_request(r: &Rule) -> bool {
    !r.conditions.is_empty() && r.conditions.iter().all(condition_matches_everything)
}

fn condition_matches_everything(c: &RuleCondition) -> bool {
    let all_stars = |v: &str| !v.is_empty() && v.chars().all(|ch| ch == '*');
    match c.field.as_str() {
        "path-pattern" => c
            .values
            .iter()
            .any(|v| all_stars(v.strip_prefix('/').unwrap_or(v))),
        "host-header" => c.values.iter().any(|v| all_stars(v)),
        _ => false,
    }
}

/// Whether a rule lets only given client addresses through: one of its conditions (which must
/// all match) names source addresses (`source-ip` without a `/0`) or `X-Forwarded-For` values
/// (not only wildcards).
pub fn is_allow_list(r: &Rule) -> bool {
    r.conditions.iter().any(|c| match c.field.as_str() {
        "source-ip" => !c.values.is_empty() && c.values.iter().all(|v| !v.trim().ends_with("/0")),
        "http-header" => {
            c.http_header_name
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case("X-Forwarded-For"))
                && !c.values.is_empty()
                && c.values.iter().all(|v| !v.chars().all(|ch| ch == '*'))
        }
        _ => false,
    })
}

/// A rule's conditions in words: `path-pattern /*`, `source-ip 203.0.113.0/24`,
/// `X-Forwarded-For 203.0.113.7, 2001:db8::7`, joined by `and`.
pub fn describe_conditions(r: &Rule) -> String {
    let parts: Vec<String> = r
        .conditions
        .iter()
        .map(|c| {
            let field = match (c.field.as_str(), &c.http_header_name) {
                ("http-header", Some(h)) => h.clone(),
                (f, _) => f.to_string(),
            };
            format!("{field} {}", c.values.join(", "))
        })
        .collect();
    if parts.is_empty() {
        "no condition".to_string()
    } else {
        parts.join(" and ")
    }
}

/// `rule 2 (path-pattern /*)`: a rule by priority and conditions.
pub fn rule_label(r: &Rule) -> String {
    let priority = r
        .priority
        .map_or_else(|| "default".to_string(), |p| p.to_string());
    format!("rule {priority} ({})", describe_conditions(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::elb::{ListenerAction, LoadBalancer};
    use crate::model::fixtures::*;
    use crate::model::obs::Fetched;

    fn alb_site() -> (SiteObservations, Listener) {
        let mut o = Fx::nlb_listener().0;
        o.load_balancers = Fetched::default();
        o.load_balancers.set_ok(
            vec![LoadBalancer {
                arn: ALB_ARN.into(),
                name: "app-alb".into(),
                kind: LoadBalancerKind::Application,
                dns_name: ALB_DNS.into(),
                canonical_zone_id: "Z32O12XQLNTSW2".into(),
                scheme: "internet-facing".into(),
                state: "active".into(),
            }],
            NOW,
        );
        let l = Listener {
            arn: ALB_LISTENER.into(),
            lb_arn: ALB_ARN.into(),
            port: 443,
            protocol: "HTTPS".into(),
            default_actions: vec![ListenerAction::forward_to(APP_TG)],
        };
        (o, l)
    }

    fn cond(field: &str, values: &[&str]) -> RuleCondition {
        RuleCondition {
            field: field.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            http_header_name: None,
        }
    }

    fn xff(values: &[&str]) -> RuleCondition {
        RuleCondition {
            http_header_name: Some("X-Forwarded-For".into()),
            ..cond("http-header", values)
        }
    }

    fn rule(priority: u32, conditions: Vec<RuleCondition>, action: ListenerAction) -> Rule {
        Rule {
            arn: format!("rule-{priority}"),
            priority: Some(priority),
            conditions,
            actions: vec![action],
            is_default: false,
        }
    }

    fn sorry() -> ListenerAction {
        ListenerAction::fixed("503", Some("text/html".into()), Some("back soon".into()))
    }

    fn priorities(rules: &[&Rule]) -> Vec<u32> {
        rules.iter().filter_map(|r| r.priority).collect()
    }

    #[test]
    fn the_first_rule_that_matches_every_request_decides_before_the_default() {
        let (o, l) = alb_site();
        let app = || ListenerAction::forward_to(APP_TG);
        // A maintenance rule behind an operator allow-list: the sorry page for everyone else.
        let rules = vec![
            rule(2, vec![cond("path-pattern", &["/*"])], sorry()),
            rule(1, vec![cond("source-ip", &["203.0.113.0/24"])], app()),
        ];
        match o.listener_gets_with(&l, Some(&rules)) {
            ListenerGets::Sorry {
                at: SorryAt::Rule(r),
                allowed,
            } => {
                assert_eq!(r.priority, Some(2));
                assert_eq!(priorities(&allowed), [1]);
            }
            other => panic!("{other:?}"),
        }
        // Host and path rules ahead of it still reach the app: named, by priority.
        let rules = vec![
            rule(4, vec![cond("path-pattern", &["/*"])], sorry()),
            rule(1, vec![cond("host-header", &["api.example.com"])], app()),
            rule(3, vec![cond("path-pattern", &["/static/*"])], app()),
            rule(2, vec![xff(&["203.0.113.7"])], app()),
            rule(9, vec![cond("path-pattern", &["/late"])], app()),
        ];
        match o.listener_gets_with(&l, Some(&rules)) {
            ListenerGets::Bypassed {
                at: SorryAt::Rule(r),
                bypass,
                allowed,
            } => {
                assert_eq!(r.priority, Some(4));
                assert_eq!(priorities(&bypass), [1, 3]);
                assert_eq!(priorities(&allowed), [2]);
            }
            other => panic!("{other:?}"),
        }
        // A sorry rule for part of the requests only: the default action decides the rest.
        let rules = vec![rule(1, vec![cond("path-pattern", &["/shop/*"])], sorry())];
        assert_eq!(
            o.listener_gets_with(&l, Some(&rules)),
            ListenerGets::Other(Serves::App)
        );
        // A rule matching everything that reaches the app hides a maintenance rule behind it,
        // and the rules after it.
        let rules = vec![
            rule(1, vec![cond("path-pattern", &["*"])], app()),
            rule(2, vec![cond("path-pattern", &["/x"])], app()),
            rule(3, vec![cond("path-pattern", &["/*"])], sorry()),
        ];
        match o.listener_gets_with(&l, Some(&rules)) {
            ListenerGets::Bypassed { bypass, .. } => assert_eq!(priorities(&bypass), [1]),
            other => panic!("{other:?}"),
        }
        // Without a sorry page anywhere, the first rule matching everything decides.
        let rules = vec![rule(
            1,
            vec![cond("path-pattern", &["/*"])],
            ListenerAction::fixed("404", None, None),
        )];
        assert_eq!(
            o.listener_gets_with(&l, Some(&rules)),
            ListenerGets::Other(Serves::FixedResponse {
                status: Some(404),
                maintenance_page: false
            })
        );
    }

    #[test]
    fn a_default_action_on_the_sorry_page_is_bypassed_by_rules_that_reach_the_app() {
        let (o, mut l) = alb_site();
        l.default_actions = vec![sorry()];
        let app = || ListenerAction::forward_to(APP_TG);
        assert!(o.listener_gets_with(&l, Some(&[])).is_sorry_page());
        let rules = vec![
            rule(1, vec![cond("source-ip", &["0.0.0.0/0"])], app()),
            rule(2, vec![cond("path-pattern", &["/health"])], {
                ListenerAction::fixed("200", None, Some("ok".into()))
            }),
        ];
        match o.listener_gets_with(&l, Some(&rules)) {
            ListenerGets::Bypassed {
                at: SorryAt::Default,
                bypass,
                allowed,
            } => {
                // 0.0.0.0/0 lets everyone through: not an allow-list.
                assert_eq!(priorities(&bypass), [1]);
                assert!(allowed.is_empty());
            }
            other => panic!("{other:?}"),
        }
        // Unread rules: only the default action is known.
        assert_eq!(
            o.listener_gets_with(&l, None),
            ListenerGets::Unread(o.serves_listener(&l))
        );
        // A listener without rules (an NLB's) is its default action.
        let (mut nlb, _) = alb_site();
        nlb.load_balancers = Fx::nlb_listener().0.load_balancers;
        let mut tcp = nlb.all_listeners()[0].clone();
        tcp.default_actions = vec![ListenerAction::forward_to(SORRY_TG)];
        assert!(nlb.listener_gets_with(&tcp, None).is_sorry_page());
    }

    #[test]
    fn rules_in_words() {
        let r = rule(
            3,
            vec![
                cond("host-header", &["a.example.com"]),
                xff(&["203.0.113.7"]),
            ],
            sorry(),
        );
        assert_eq!(
            rule_label(&r),
            "rule 3 (host-header a.example.com and X-Forwarded-For 203.0.113.7)"
        );
        assert!(is_allow_list(&r));
        assert!(!matches_every_request(&r));
        assert!(!is_allow_list(&rule(1, vec![xff(&["*"])], sorry())));
        assert!(matches_every_request(&rule(
            1,
            vec![cond("path-pattern", &["/*"]), cond("host-header", &["*"])],
            sorry()
        )));
        assert!(!matches_every_request(&rule(
            1,
            vec![cond("path-pattern", &["/"])],
            sorry()
        )));
    }
}
