//! What a listener action, a rule, a listener, a load balancer or a record serves: the one answer
//! that the verdict, the console, `status` and `discover` share.
//!
//! The sorry side of a site is what its config names: the sorry target groups
//! ([`SiteObservations::sorry_target_groups`]), the fixed responses its strategies answer with
//! during maintenance ([`SiteObservations::maintenance_responses`]) and the sorry page's
//! distribution. A load balancer answering a 5xx fixed response to every request is not serving
//! the app either, so any 5xx fixed response counts as a maintenance page; the app's usual 404 or
//! a redirect-like 301 does not.

use super::elb::{ActionKind, ListenerAction, deciding_action};
use super::route53::{RecordSet, normalize_dns_name};
use super::site::SiteObservations;

/// What something in the chain sends a request to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Serves {
    /// The app: a forward to target groups none of which is a sorry target group.
    App,
    /// The sorry page: a forward only to sorry target groups, or (a record) the sorry page's
    /// distribution.
    SorryPage,
    /// The load balancer answers by itself. `maintenance_page` when the response is the site's
    /// maintenance page: one its strategies configure, or any 5xx.
    FixedResponse {
        /// The HTTP status code, if it is a number.
        status: Option<u16>,
        /// Whether this response is the maintenance page (see the module's documentation).
        maintenance_page: bool,
    },
    /// A redirect (such as HTTP to HTTPS): what it serves is decided where it leads.
    Redirect,
    /// Both the app and the sorry page: a forward to sorry and app target groups at once (part of
    /// the traffic gets the sorry page), or listeners of which some serve the sorry page and some
    /// the app.
    Mixed {
        /// The sorry target groups among the forwarded-to (ARNs).
        sorry: Vec<String>,
        /// The app's target groups among the forwarded-to (ARNs).
        app: Vec<String>,
    },
    /// Nothing: no action that decides, a forward to no target group, a record without values.
    Nothing,
    /// switchyard cannot tell: a record's addresses or a name outside the observed chain, or a
    /// load balancer whose listeners are not known.
    Unknown,
}

impl Serves {
    /// Whether requests get the sorry page (all of them): the sorry target groups or the
    /// maintenance fixed response.
    pub fn is_sorry_page(&self) -> bool {
        matches!(
            self,
            Serves::SorryPage
                | Serves::FixedResponse {
                    maintenance_page: true,
                    ..
                }
        )
    }

    /// The word for reports and JSON: `app`, `sorry` (also for the maintenance fixed response),
    /// `fixed-response`, `redirect`, `mixed`, `nothing` or `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Serves::App => "app",
            Serves::SorryPage => "sorry",
            Serves::FixedResponse {
                maintenance_page: true,
                ..
            } => "sorry",
            Serves::FixedResponse { .. } => "fixed-response",
            Serves::Redirect => "redirect",
            Serves::Mixed { .. } => "mixed",
            Serves::Nothing => "nothing",
            Serves::Unknown => "unknown",
        }
    }

    /// The word in at most 8 columns (the overview's LISTENER column).
    pub fn short(&self) -> &'static str {
        match self.as_str() {
            "fixed-response" => "fixed",
            other => other,
        }
    }

    /// What several listeners (of a load balancer, or of a site) serve together: `Mixed` when
    /// some serve the sorry page and some the app (or one of them is mixed), else the sorry page
    /// if one serves it, else the app if one serves it (a port 80 redirect or fixed response
    /// beside it is usual), else the first that serves something; `Nothing` for none.
    pub fn combine(all: impl IntoIterator<Item = Serves>) -> Serves {
        let all: Vec<Serves> = all.into_iter().collect();
        let sorry = all.iter().find(|s| s.is_sorry_page());
        let app = all.contains(&Serves::App);
        let mixed = all.iter().any(|s| matches!(s, Serves::Mixed { .. }));
        if mixed || (sorry.is_some() && app) {
            let (mut sorry_tgs, mut app_tgs): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
            for s in &all {
                if let Serves::Mixed { sorry, app } = s {
                    for tg in sorry {
                        if !sorry_tgs.contains(tg) {
                            sorry_tgs.push(tg.clone());
                        }
                    }
                    for tg in app {
                        if !app_tgs.contains(tg) {
                            app_tgs.push(tg.clone());
                        }
                    }
                }
            }
            return Serves::Mixed {
                sorry: sorry_tgs,
                app: app_tgs,
            };
        }
        if let Some(s) = sorry {
            return s.clone();
        }
        if app {
            return Serves::App;
        }
        all.into_iter()
            .find(|s| *s != Serves::Nothing)
            .unwrap_or(Serves::Nothing)
    }
}

impl SiteObservations {
    /// What one action serves. Authenticate actions (and unknown kinds) decide nothing by
    /// themselves: `Nothing` (use [`SiteObservations::serves_actions`] for a list of actions).
    pub fn serves_action(&self, action: &ListenerAction) -> Serves {
        match action.kind {
            ActionKind::Forward => {
                let (sorry, app): (Vec<&str>, Vec<&str>) = action
                    .target_group_arns()
                    .into_iter()
                    .partition(|a| self.sorry_target_groups.iter().any(|s| s == a));
                match (sorry.is_empty(), app.is_empty()) {
                    (true, true) => Serves::Nothing,
                    (false, true) => Serves::SorryPage,
                    (true, false) => Serves::App,
                    (false, false) => Serves::Mixed {
                        sorry: sorry.into_iter().map(String::from).collect(),
                        app: app.into_iter().map(String::from).collect(),
                    },
                }
            }
            ActionKind::FixedResponse => {
                let status = action.fixed_status();
                let configured = action.fixed_response.as_ref().is_some_and(|f| {
                    self.maintenance_responses.iter().any(|m| {
                        status.is_some()
                            && m.status_code.trim().parse::<u16>().ok() == status
                            && m.message_body == f.message_body
                    })
                });
                Serves::FixedResponse {
                    status,
                    maintenance_page: configured || status.is_some_and(|c| (500..600).contains(&c)),
                }
            }
            ActionKind::Redirect => Serves::Redirect,
            _ => Serves::Nothing,
        }
    }

    /// What a list of actions (a listener's default actions, a rule's actions) serves: that of
    /// the action that decides (see [`deciding_action`]).
    pub fn serves_actions(&self, actions: &[ListenerAction]) -> Serves {
        deciding_action(actions).map_or(Serves::Nothing, |a| self.serves_action(a))
    }

    /// What a listener serves by default (its rules aside).
    pub fn serves_listener(&self, listener: &super::elb::Listener) -> Serves {
        self.serves_actions(&listener.default_actions)
    }

    /// What a listener rule serves when it matches.
    pub fn serves_rule(&self, rule: &super::elb::Rule) -> Serves {
        self.serves_actions(&rule.actions)
    }

    /// What a load balancer serves: what clients get from its listeners, their rules in
    /// priority order (see [`SiteObservations::listener_gets`]), together (see
    /// [`Serves::combine`]); `Unknown` while the listeners are not known, or while a listener's
    /// default action serves the sorry page and its rules, which may still reach the app, are
    /// not.
    pub fn serves_load_balancer(&self, lb_arn: &str) -> Serves {
        match self.listeners.get(lb_arn).and_then(|f| f.get()) {
            Some(ls) => {
                let each: Vec<Serves> = ls
                    .iter()
                    .map(|l| self.listener_gets(l).serves(self, l))
                    .collect();
                if each.contains(&Serves::Unknown) {
                    return Serves::Unknown;
                }
                Serves::combine(each)
            }
            None => Serves::Unknown,
        }
    }

    /// What a record points at: an observed load balancer (what it serves), the sorry page's
    /// distribution, nothing (no values), or something switchyard does not observe (addresses,
    /// other names: `Unknown`).
    pub fn serves_record(&self, record: &RecordSet) -> Serves {
        let names: Vec<&str> = match &record.alias {
            Some(alias) => vec![alias.dns_name.as_str()],
            None => record.values.iter().map(String::as_str).collect(),
        };
        if names.is_empty() {
            return Serves::Nothing;
        }
        let lbs = self.load_balancers.get().map(Vec::as_slice).unwrap_or(&[]);
        let sorry_cdn = self
            .sorry_distribution()
            .map(|d| normalize_dns_name(&d.domain_name));
        let each: Vec<Serves> = names
            .iter()
            .map(|name| {
                let front = self.cdn_origins.get(&normalize_dns_name(name));
                if let Some(lb) = lbs.iter().find(|lb| lb.has_dns_name(name)) {
                    self.serves_load_balancer(&lb.arn)
                } else if let Some(origin) = front {
                    // CloudFront in front of the app: it serves what its origin serves.
                    lbs.iter()
                        .find(|lb| lb.has_dns_name(origin))
                        .map_or(Serves::Unknown, |lb| self.serves_load_balancer(&lb.arn))
                } else if sorry_cdn.as_deref() == Some(normalize_dns_name(name).as_str()) {
                    Serves::SorryPage
                } else {
                    // Another record of the zone: what it serves (see `chain`).
                    self.serves_linked(record, name).unwrap_or(Serves::Unknown)
                }
            })
            .collect();
        if each.contains(&Serves::Unknown) {
            return Serves::Unknown;
        }
        Serves::combine(each)
    }

    /// What the PRIMARY record of the failover pair serves: what it points at and, when it points
    /// where the SECONDARY does (`route53-swap-primary` points it at the secondary's alias
    /// target), the sorry page: whichever of the two Route 53 answers, clients get the
    /// secondary's target.
    pub fn serves_primary(&self, primary: &RecordSet) -> Serves {
        match self.secondary() {
            Some(secondary) if same_target(primary, secondary) => Serves::SorryPage,
            _ => self.serves_record(primary),
        }
    }
}

/// Whether two records send clients to the same place: aliases to the same DNS name, or the same
/// values (compared as Route 53 normalises names).
pub fn same_target(a: &RecordSet, b: &RecordSet) -> bool {
    match (&a.alias, &b.alias) {
        (Some(x), Some(y)) => normalize_dns_name(&x.dns_name) == normalize_dns_name(&y.dns_name),
        (None, None) => {
            let set = |r: &RecordSet| {
                r.values
                    .iter()
                    .map(|v| normalize_dns_name(v))
                    .collect::<std::collections::BTreeSet<_>>()
            };
            !a.values.is_empty() && set(a) == set(b)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::elb::{ForwardConfig, Listener, Rule, WeightedTargetGroup};
    use crate::model::fixtures::*;
    use crate::model::route53::Failover;

    fn forward(groups: &[(&str, Option<i32>)]) -> ListenerAction {
        let mut a = ListenerAction::forward_to(groups[0].0);
        a.target_group_arn = None;
        a.forward = Some(ForwardConfig {
            target_groups: groups
                .iter()
                .map(|(arn, weight)| WeightedTargetGroup {
                    target_group_arn: (*arn).to_string(),
                    weight: *weight,
                })
                .collect(),
            stickiness: None,
        });
        a
    }

    fn fixed(code: &str, body: &str) -> ListenerAction {
        ListenerAction::fixed(code, Some("text/html".into()), Some(body.into()))
    }

    fn site() -> SiteObservations {
        Fx::nlb_listener().0
    }

    #[test]
    fn a_forward_serves_the_app_the_sorry_page_both_or_nothing() {
        let o = site();
        assert_eq!(
            o.serves_action(&ListenerAction::forward_to(APP_TG)),
            Serves::App
        );
        assert_eq!(
            o.serves_action(&ListenerAction::forward_to(SORRY_TG)),
            Serves::SorryPage
        );
        let both = o.serves_action(&forward(&[(APP_TG, Some(90)), (SORRY_TG, Some(10))]));
        assert_eq!(
            both,
            Serves::Mixed {
                sorry: vec![SORRY_TG.to_string()],
                app: vec![APP_TG.to_string()],
            }
        );
        assert!(!both.is_sorry_page());
        assert_eq!(both.as_str(), "mixed");
        // Weight 0 sends nothing: the sorry group at weight 0 leaves the app alone.
        assert_eq!(
            o.serves_action(&forward(&[(APP_TG, Some(1)), (SORRY_TG, Some(0))])),
            Serves::App
        );
        assert_eq!(
            o.serves_action(&forward(&[(APP_TG, Some(0))])),
            Serves::Nothing
        );
    }

    #[test]
    fn a_fixed_response_is_the_maintenance_page_when_5xx_or_configured() {
        let mut o = site();
        let page = o.serves_action(&fixed("503", "<h1>Back soon</h1>"));
        assert_eq!(
            page,
            Serves::FixedResponse {
                status: Some(503),
                maintenance_page: true
            }
        );
        assert!(page.is_sorry_page());
        assert_eq!(page.as_str(), "sorry");
        let not_found = o.serves_action(&fixed("404", "not found"));
        assert_eq!(
            not_found,
            Serves::FixedResponse {
                status: Some(404),
                maintenance_page: false
            }
        );
        assert!(!not_found.is_sorry_page());
        assert_eq!(not_found.as_str(), "fixed-response");
        assert_eq!(not_found.short(), "fixed");
        // A 200 maintenance page the config names is the sorry page; the app's own 200 is not.
        let configured = fixed("200", "<h1>Maintenance</h1>");
        assert!(!o.serves_action(&configured).is_sorry_page());
        if let Some(f) = configured.fixed_response.clone() {
            o.maintenance_responses.push(f);
        }
        assert!(o.serves_action(&configured).is_sorry_page());
        assert!(!o.serves_action(&fixed("200", "ok")).is_sorry_page());
    }

    #[test]
    fn redirects_authentication_and_no_actions() {
        let o = site();
        let mut redirect = ListenerAction::forward_to(APP_TG);
        redirect.kind = ActionKind::Redirect;
        redirect.target_group_arn = None;
        assert_eq!(o.serves_action(&redirect), Serves::Redirect);
        let mut auth = ListenerAction::forward_to(APP_TG);
        auth.kind = ActionKind::AuthenticateOidc;
        auth.target_group_arn = None;
        auth.order = Some(1);
        assert_eq!(o.serves_action(&auth), Serves::Nothing);
        // The forward after the authentication decides.
        let mut to_sorry = ListenerAction::forward_to(SORRY_TG);
        to_sorry.order = Some(2);
        assert_eq!(
            o.serves_actions(&[auth.clone(), to_sorry]),
            Serves::SorryPage
        );
        assert_eq!(o.serves_actions(&[auth]), Serves::Nothing);
        assert_eq!(o.serves_actions(&[]), Serves::Nothing);
    }

    #[test]
    fn a_listener_and_a_rule_serve_what_their_deciding_action_serves() {
        let o = site();
        let listener = Listener {
            arn: NLB_LISTENER.into(),
            lb_arn: NLB_ARN.into(),
            port: 443,
            protocol: "TCP".into(),
            default_actions: vec![ListenerAction::forward_to(SORRY_TG)],
        };
        assert_eq!(o.serves_listener(&listener), Serves::SorryPage);
        let rule = Rule {
            arn: "rule".into(),
            priority: Some(1),
            conditions: Vec::new(),
            actions: vec![fixed("503", "maintenance")],
            is_default: false,
        };
        assert!(o.serves_rule(&rule).is_sorry_page());
    }

    #[test]
    fn listeners_together() {
        let sorry_503 = Serves::FixedResponse {
            status: Some(503),
            maintenance_page: true,
        };
        let moved = Serves::FixedResponse {
            status: Some(301),
            maintenance_page: false,
        };
        assert_eq!(Serves::combine([]), Serves::Nothing);
        assert_eq!(Serves::combine([Serves::App, moved.clone()]), Serves::App);
        assert_eq!(
            Serves::combine([moved.clone(), sorry_503.clone()]),
            sorry_503
        );
        assert_eq!(
            Serves::combine([Serves::App, Serves::SorryPage]),
            Serves::Mixed {
                sorry: vec![],
                app: vec![]
            }
        );
        assert_eq!(
            Serves::combine([Serves::Nothing, moved.clone(), Serves::Redirect]),
            moved
        );
    }

    #[test]
    fn a_record_serves_what_it_points_at() {
        let o = Fx::alb_cloudfront().0;
        let primary = o.primary().cloned();
        let secondary = o.secondary().cloned();
        assert_eq!(primary.map(|r| o.serves_record(&r)), Some(Serves::App));
        assert_eq!(
            secondary.map(|r| o.serves_record(&r)),
            Some(Serves::SorryPage)
        );
        // An NLB serves what its listener serves.
        let o = Fx::nlb_listener().0;
        let plain = o.plain().cloned();
        assert_eq!(plain.map(|r| o.serves_record(&r)), Some(Serves::App));
        let o = Fx::nlb_listener().listener_forwards_to_sorry().0;
        let plain = o.plain().cloned();
        assert_eq!(plain.map(|r| o.serves_record(&r)), Some(Serves::SorryPage));
        // Plain addresses: switchyard does not see what they serve.
        let o = Fx::dns_name_control().0;
        let plain = o.plain().cloned();
        assert_eq!(plain.map(|r| o.serves_record(&r)), Some(Serves::Unknown));
        let mut empty = RecordSet {
            name: NAME.into(),
            rtype: "A".into(),
            set_identifier: None,
            failover: Some(Failover::Primary),
            weight: None,
            ttl: None,
            values: Vec::new(),
            alias: None,
            health_check_id: None,
            routing: Default::default(),
        };
        assert_eq!(o.serves_record(&empty), Serves::Nothing);
        empty.values = vec![CF_DNS.to_string()];
        assert_eq!(o.serves_record(&empty), Serves::Unknown);
    }

    #[test]
    fn a_primary_pointing_where_the_secondary_does_serves_the_sorry_page() {
        let mut o = Fx::alb_cloudfront().0;
        let secondary = o.secondary().cloned();
        let Some(mut primary) = o.primary().cloned() else {
            panic!("no primary");
        };
        assert_eq!(o.serves_primary(&primary), Serves::App);
        // route53-swap-primary: the PRIMARY takes the SECONDARY's alias target, written as
        // Route 53 may give it back (another case, no trailing dot).
        primary.alias = secondary.and_then(|s| s.alias).map(|mut a| {
            a.dns_name = a.dns_name.trim_end_matches('.').to_ascii_uppercase();
            a
        });
        assert_eq!(o.serves_primary(&primary), Serves::SorryPage);
        // The same, when the sorry page's distribution is not observed: the secondary's target
        // is the sorry page by the failover pair's definition.
        o.distribution = None;
        assert_eq!(o.serves_record(&primary), Serves::Unknown);
        assert_eq!(o.serves_primary(&primary), Serves::SorryPage);
        // Value records: the same values in another order.
        let mut o = Fx::cloudwatch_metric().0;
        let mut primary = o.primary().cloned().unwrap_or_else(|| panic!("no primary"));
        primary.values = vec![NODE_A.into(), NODE_B.into()];
        if let Some(records) = o.records.value.as_mut() {
            for r in records.iter_mut() {
                if r.failover == Some(Failover::Secondary) {
                    r.alias = None;
                    r.values = vec![NODE_B.into(), NODE_A.into()];
                }
            }
        }
        assert_eq!(o.serves_primary(&primary), Serves::SorryPage);
        primary.values = vec![NODE_A.into()];
        assert_eq!(o.serves_primary(&primary), Serves::Unknown);
    }
}
