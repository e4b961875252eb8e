//! A listener's rules as an operator needs to see them: each rule's conditions in words, the
//! rules grouped into runs that serve the same thing (40 rules must not flood a screen), and
//! where new rules go to come before all of them (which rules move to make room, and how far).

use super::elb::{Rule, RuleCondition};
use super::serves::Serves;
use super::site::SiteObservations;

/// AWS's highest rule priority.
pub const PRIORITY_MAX: u32 = 50_000;

/// One condition in words: `host api.example.com`, `path /v2/*, /v3/*`, `source-ip
/// 10.0.0.0/8`, `header X-Canary 1`, `method OPTIONS`, `query k=v`.
pub fn condition_text(c: &RuleCondition) -> String {
    let values = c.values.join(", ");
    match c.field.as_str() {
        "host-header" => format!("host {values}"),
        "path-pattern" => format!("path {values}"),
        "http-header" => format!(
            "header {} {values}",
            c.http_header_name.as_deref().unwrap_or("?")
        ),
        "http-request-method" => format!("method {values}"),
        "query-string" => format!("query {values}"),
        other => format!("{other} {values}"),
    }
}

/// A rule's conditions in words, joined by `and` (all of them must match).
pub fn conditions_text(r: &Rule) -> String {
    if r.conditions.is_empty() {
        return "every request".into();
    }
    r.conditions
        .iter()
        .map(condition_text)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// What a rule does, in words: its deciding action (`forward to shop-web`,
/// `fixed-response 503 (text/html)`), or its actions joined.
pub fn action_text(r: &Rule) -> String {
    match super::elb::deciding_action(&r.actions) {
        Some(a) => a.describe(),
        None => r
            .actions
            .iter()
            .map(|a| a.describe())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Whether a rule takes every request: its only conditions are path patterns `/*` (or `*`).
/// Rules after it are never reached.
pub fn takes_every_request(r: &Rule) -> bool {
    !r.conditions.is_empty()
        && r.conditions
            .iter()
            .all(|c| c.field == "path-pattern" && c.values.iter().any(|v| v == "/*" || v == "*"))
}

/// What a rule serves in one short word for a screen: `app`, `sorry`, `mixed`, or `other`
/// (a redirect, a fixed response that is not the maintenance page, nothing).
pub fn serves_word(s: &Serves) -> &'static str {
    match s {
        Serves::App => "app",
        Serves::Mixed { .. } => "mixed",
        s if s.is_sorry_page() => "sorry",
        _ => "other",
    }
}

/// The rules of a listener that are not its default rule, by priority.
pub fn ordered(rules: &[Rule]) -> Vec<&Rule> {
    let mut out: Vec<&Rule> = rules
        .iter()
        .filter(|r| !r.is_default && r.priority.is_some())
        .collect();
    out.sort_by_key(|r| r.priority);
    out
}

/// Consecutive rules (by priority) that do the same: one line on a screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleGroup {
    /// The first and last priority of the run.
    pub first: u32,
    pub last: u32,
    /// Each rule's conditions in words, in priority order.
    pub conditions: Vec<String>,
    /// What each of them does (the same for all).
    pub action: String,
    /// What each of them serves (the same for all).
    pub serves: Serves,
    /// The priority of an earlier rule that takes every request: these are never reached.
    pub behind: Option<u32>,
}

impl RuleGroup {
    /// How many rules the group holds.
    pub fn len(&self) -> usize {
        self.conditions.len()
    }

    /// `rule 3`, or `rules 5–31 (27)`.
    pub fn label(&self) -> String {
        if self.len() == 1 {
            format!("rule {}", self.first)
        } else {
            format!("rules {}–{} ({})", self.first, self.last, self.len())
        }
    }

    /// The priorities alone: `3`, or `5–31`.
    pub fn priorities(&self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}–{}", self.first, self.last)
        }
    }

    /// The conditions in at most `max` characters, with how many more there are:
    /// `path /static/*; path /assets/*; … 25 more` (the first one cut with `…` when even it
    /// does not fit).
    pub fn conditions_within(&self, max: usize) -> String {
        let n = self.conditions.len();
        let more = |k: usize| {
            if k > 0 {
                format!("; … {k} more")
            } else {
                String::new()
            }
        };
        let mut shown: Vec<&str> = Vec::new();
        for (i, c) in self.conditions.iter().enumerate() {
            let mut candidate = shown.clone();
            candidate.push(c);
            let text = candidate.join("; ") + &more(n - i - 1);
            if text.chars().count() > max {
                break;
            }
            shown = candidate;
        }
        if shown.is_empty() {
            let tail = more(n.saturating_sub(1));
            let room = max.saturating_sub(tail.chars().count()).max(8);
            let first = self.conditions.first().map_or("", String::as_str);
            return super::strings::fit(first, room) + &tail;
        }
        shown.join("; ") + &more(n - shown.len())
    }
}

/// The rules of a listener in runs that do the same (by priority), each with what it serves.
/// Rules after one that takes every request are one run, marked as not reached.
pub fn groups(o: &SiteObservations, rules: &[Rule]) -> Vec<RuleGroup> {
    let mut out: Vec<RuleGroup> = Vec::new();
    let mut behind: Option<u32> = None;
    for r in ordered(rules) {
        let Some(p) = r.priority else { continue };
        let action = action_text(r);
        let serves = o.serves_rule(r);
        let conditions = conditions_text(r);
        match out.last_mut() {
            Some(g) if behind.is_some() && g.behind == behind => {
                g.last = p;
                g.conditions.push(conditions);
                if g.action != action {
                    g.action = "various actions".into();
                }
                if g.serves != serves {
                    g.serves = Serves::combine([g.serves.clone(), serves]);
                }
            }
            Some(g) if behind.is_none() && g.action == action && g.serves == serves => {
                g.last = p;
                g.conditions.push(conditions);
            }
            _ => out.push(RuleGroup {
                first: p,
                last: p,
                conditions: vec![conditions],
                action,
                serves,
                behind,
            }),
        }
        if behind.is_none() && takes_every_request(r) {
            behind = Some(p);
        }
    }
    out
}

/// At most `max` groups for a screen: the first `max - 1` as they are and, when more are left,
/// the line that says how many rules are not shown (`None` when all fit).
pub fn fit(groups: &[RuleGroup], max: usize) -> (&[RuleGroup], Option<String>) {
    let max = max.max(1);
    if groups.len() <= max {
        return (groups, None);
    }
    let shown = &groups[..max - 1];
    let rest = &groups[max - 1..];
    let rules: usize = rest.iter().map(RuleGroup::len).sum();
    let first = rest.first().map_or(0, |g| g.first);
    let last = rest.last().map_or(0, |g| g.last);
    (
        shown,
        Some(format!(
            "… {rules} more rules (priorities {first}–{last}) in {} groups",
            rest.len()
        )),
    )
}

/// The rules of a listener that send requests to the app (or partly to it), by priority; a
/// rule after one that takes every request is never reached and is left out.
pub fn reaching_the_app<'a>(o: &SiteObservations, rules: &'a [Rule]) -> Vec<&'a Rule> {
    let mut out = Vec::new();
    for r in ordered(rules) {
        if matches!(o.serves_rule(r), Serves::App | Serves::Mixed { .. }) {
            out.push(r);
        }
        if takes_every_request(r) {
            break;
        }
    }
    out
}

/// Where `n` new rules at priorities 1 to `n` leave the listener's rules: each rule that has to
/// move, as (rule ARN, priority now, priority after), by priority. The rules keep their order; a
/// rule moves only as far as the one before it pushes it, so a gap in the numbering stops the
/// move. An error when a rule would pass AWS's highest priority.
pub fn make_room_first(rules: &[Rule], n: u32) -> Result<Vec<(String, u32, u32)>, String> {
    let mut moves = Vec::new();
    let mut next_free = n + 1;
    for r in ordered(rules) {
        let Some(p) = r.priority else { continue };
        if p >= next_free {
            break;
        }
        if next_free > PRIORITY_MAX {
            return Err(format!(
                "making room for {n} rules at priority 1 would move rule {p} past {PRIORITY_MAX}, AWS's highest priority"
            ));
        }
        moves.push((r.arn.clone(), p, next_free));
        next_free += 1;
    }
    Ok(moves)
}

/// Priorities in few words: `1–36, 40, 45`.
pub fn ranges(priorities: &[u32]) -> String {
    let mut sorted = priorities.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::elb::ListenerAction;
    use crate::model::fixtures::*;

    fn rule(p: u32, field: &str, value: &str, action: ListenerAction) -> Rule {
        Rule {
            arn: format!("rule-{p}"),
            priority: Some(p),
            conditions: vec![RuleCondition {
                field: field.into(),
                values: vec![value.into()],
                http_header_name: None,
            }],
            actions: vec![action],
            is_default: false,
        }
    }

    fn app(p: u32, path: &str) -> Rule {
        rule(p, "path-pattern", path, ListenerAction::forward_to(APP_TG))
    }

    #[test]
    fn room_at_the_top_moves_only_the_rules_in_the_way() {
        let rules: Vec<Rule> = [1, 2, 3, 7, 8, 20].iter().map(|p| app(*p, "/x")).collect();
        // Two new rules at 1 and 2: 1, 2 and 3 move to 3, 4 and 5; 7 is out of the way.
        assert_eq!(
            make_room_first(&rules, 2).unwrap(),
            vec![
                ("rule-1".to_string(), 1, 3),
                ("rule-2".to_string(), 2, 4),
                ("rule-3".to_string(), 3, 5)
            ]
        );
        // One new rule: rule 1 moves to 2, which pushes 2 to 3 and 3 to 4.
        assert_eq!(make_room_first(&rules, 1).unwrap().len(), 3);
        // Free priorities at the top: nothing moves.
        let spaced: Vec<Rule> = [10, 20].iter().map(|p| app(*p, "/x")).collect();
        assert!(make_room_first(&spaced, 2).unwrap().is_empty());
        // A rule at 50000 cannot move further.
        let full: Vec<Rule> = [1, 49_999, 50_000].iter().map(|p| app(*p, "/x")).collect();
        assert!(make_room_first(&full, 1).is_ok());
        let contiguous: Vec<Rule> = (49_990..=50_000).map(|p| app(p, "/x")).collect();
        assert!(make_room_first(&contiguous, 49_990).is_err());
    }

    #[test]
    fn rules_are_grouped_by_what_they_do_and_cut_for_a_screen() {
        let o = Fx::nlb_listener().0;
        let mut rules: Vec<Rule> = (1..=30).map(|p| app(p, &format!("/p{p}/*"))).collect();
        rules.push(rule(
            31,
            "host-header",
            "old.example.com",
            ListenerAction::fixed("404", None, None),
        ));
        rules.push(app(40, "/last"));
        let g = groups(&o, &rules);
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].label(), "rules 1–30 (30)");
        assert_eq!(g[0].serves, Serves::App);
        assert_eq!(
            g[0].conditions_within(40),
            "path /p1/*; path /p2/*; … 28 more"
        );
        assert_eq!(g[1].label(), "rule 31");
        assert_eq!(g[1].conditions_within(80), "host old.example.com");
        assert_eq!(g[1].conditions_within(10), "host old.…");
        assert_eq!(g[0].conditions_within(21), "path /p1/*; … 29 more");
        assert_eq!(g[1].serves.as_str(), "fixed-response");
        let (shown, more) = fit(&g, 2);
        assert_eq!(shown.len(), 1);
        assert_eq!(
            more.as_deref(),
            Some("… 2 more rules (priorities 31–40) in 2 groups")
        );
        assert_eq!(fit(&g, 3).1, None);
        assert_eq!(ranges(&[1, 2, 3, 7, 9, 10]), "1–3, 7, 9–10");
    }

    #[test]
    fn rules_after_one_that_takes_every_request_are_not_reached() {
        let o = Fx::nlb_listener().0;
        let rules = vec![
            app(1, "/ops/*"),
            rule(
                2,
                "path-pattern",
                "/*",
                ListenerAction::fixed("503", Some("text/html".into()), Some("down".into())),
            ),
            app(3, "/a"),
            rule(
                4,
                "host-header",
                "b.example.com",
                ListenerAction::forward_to(APP_TG),
            ),
        ];
        let g = groups(&o, &rules);
        assert_eq!(g.len(), 3);
        assert!(g[1].serves.is_sorry_page());
        assert_eq!(g[2].label(), "rules 3–4 (2)");
        assert_eq!(g[2].behind, Some(2));
        // Only rule 1 is reached and forwards to the app.
        assert_eq!(reaching_the_app(&o, &rules).len(), 1);
    }
}
