//! Pure validators and parsers for AWS identifiers, DNS names, CIDRs and durations.
//!
//! Nothing here does I/O. The `is_*` functions answer yes or no; the `check_*` and `parse_*`
//! functions explain what is wrong in words an operator can act on, quoting the value they were
//! given (with control characters escaped and long values shortened) and saying what is expected.
//! They are shared by the config loader and by anything else that takes IDs from a human.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The longest value quoted in a message before it is shortened.
const QUOTE_MAX: usize = 256;

/// Quotes a user-given value for a message: `"value"`, control characters escaped, long values
/// shortened with `...`.
pub fn quote(s: &str) -> String {
    if s.chars().count() > QUOTE_MAX {
        let short: String = s.chars().take(QUOTE_MAX).collect();
        format!("{short:?}...")
    } else {
        format!("{s:?}")
    }
}

// ---------------------------------------------------------------------------------------------
// Site names

/// The longest site name.
pub const SITE_NAME_MAX: usize = 64;

/// True for a valid site name: 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
pub fn is_site_name(s: &str) -> bool {
    check_site_name(s).is_ok()
}

/// Checks a site name: 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
pub fn check_site_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(
            "the site name is empty (expected 1 to 64 characters: letters, digits, `.`, `_`, `-`)"
                .into(),
        );
    }
    if s.chars().count() > SITE_NAME_MAX {
        return Err(format!(
            "{} is {} characters long; a site name has at most {SITE_NAME_MAX}",
            quote(s),
            s.chars().count()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "{} contains {c:?}; a site name may only contain letters, digits, `.`, `_` and `-`",
            quote(s)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Route 53 and CloudFront IDs

/// True for a Route 53 hosted zone ID: `Z` then 1 to 31 upper-case letters or digits.
pub fn is_zone_id(s: &str) -> bool {
    // AWS's IDs start with Z; emulators' (moto's) do not, and switchyard must read them too.
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Checks a hosted zone ID, with a hint for the usual mistakes (`/hostedzone/Z...`, a domain
/// name, lower case).
pub fn check_zone_id(s: &str) -> Result<(), String> {
    if is_zone_id(s) {
        return Ok(());
    }
    const EXPECTED: &str = "expected a hosted zone ID such as \"Z0123456789ABCDEFGHIJ\"";
    if let Some(rest) = s.strip_prefix("/hostedzone/")
        && is_zone_id(rest)
    {
        return Err(format!(
            "{} has the API's /hostedzone/ prefix; write just the ID: {}",
            quote(s),
            quote(rest)
        ));
    }
    if is_zone_id(&s.to_ascii_uppercase()) {
        return Err(format!(
            "{} is not a hosted zone ID: zone IDs are upper case ({})",
            quote(s),
            quote(&s.to_ascii_uppercase())
        ));
    }
    if s.contains('.') {
        let name = s.trim_end_matches('.');
        return Err(format!(
            "{} looks like a domain name; `zone` takes the hosted zone ID ({EXPECTED}; \
             `aws route53 list-hosted-zones-by-name --dns-name {name}` shows it)",
            quote(s)
        ));
    }
    Err(format!("{} is not a hosted zone ID ({EXPECTED})", quote(s)))
}

/// True for a Route 53 health check ID: a lower-case UUID (`8-4-4-4-12` hex digits).
pub fn is_health_check_id(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(is_lower_hex))
}

/// Checks a health check ID (a lower-case UUID).
pub fn check_health_check_id(s: &str) -> Result<(), String> {
    if is_health_check_id(s) {
        return Ok(());
    }
    if is_health_check_id(&s.to_ascii_lowercase()) {
        return Err(format!(
            "{} is not a health check ID: Route 53 health check IDs are lower case ({})",
            quote(s),
            quote(&s.to_ascii_lowercase())
        ));
    }
    Err(format!(
        "{} is not a Route 53 health check ID (expected a lower-case UUID such as \
         \"0f2c5b1e-7d4a-4c3b-9a8e-1b2c3d4e5f60\")",
        quote(s)
    ))
}

/// True for a CloudFront distribution ID: `E` then 7 to 20 upper-case letters or digits.
pub fn is_distribution_id(s: &str) -> bool {
    // AWS's IDs start with E; moto's do not.
    (8..=21).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Checks a CloudFront distribution ID, with hints for a domain name, an ARN and lower case.
pub fn check_distribution_id(s: &str) -> Result<(), String> {
    if is_distribution_id(s) {
        return Ok(());
    }
    const EXPECTED: &str = "expected a distribution ID such as \"E2QWRUHAPOMQZL\"";
    if let Some(id) = s.rsplit_once(":distribution/").map(|(_, id)| id)
        && is_distribution_id(id)
    {
        return Err(format!(
            "{} is a distribution ARN; write just the ID: {}",
            quote(s),
            quote(id)
        ));
    }
    if s.ends_with(".cloudfront.net") || s.ends_with(".cloudfront.net.") {
        return Err(format!(
            "{} is the distribution's domain name, not its ID ({EXPECTED})",
            quote(s)
        ));
    }
    if is_distribution_id(&s.to_ascii_uppercase()) {
        return Err(format!(
            "{} is not a distribution ID: IDs are upper case ({})",
            quote(s),
            quote(&s.to_ascii_uppercase())
        ));
    }
    Err(format!(
        "{} is not a CloudFront distribution ID ({EXPECTED})",
        quote(s)
    ))
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

// ---------------------------------------------------------------------------------------------
// Regions, accounts, roles, alarms, profiles

/// True for an AWS region name: `^[a-z]{2}(-[a-z]+)+-\d$` (`eu-west-1`, `us-gov-west-1`).
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let n = parts.len();
    n >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..n - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[n - 1].len() == 1
        && parts[n - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Checks a region name, with hints for an availability zone and upper case.
pub fn check_region(s: &str) -> Result<(), String> {
    if is_region(s) {
        return Ok(());
    }
    if let Some(region) = s.strip_suffix(|c: char| c.is_ascii_lowercase())
        && is_region(region)
    {
        return Err(format!(
            "{} is an availability zone; the region is {}",
            quote(s),
            quote(region)
        ));
    }
    if is_region(&s.to_ascii_lowercase()) {
        return Err(format!(
            "{} is not a region name: regions are lower case ({})",
            quote(s),
            quote(&s.to_ascii_lowercase())
        ));
    }
    Err(format!(
        "{} is not an AWS region (expected a name such as \"eu-west-1\" or \"us-east-1\")",
        quote(s)
    ))
}

/// True for a 12-digit AWS account ID.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// True for an AWS partition name (`aws`, `aws-cn`, `aws-us-gov`, ...).
pub fn is_partition(s: &str) -> bool {
    s == "aws"
        || s.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
}

/// Checks an IAM role ARN: `arn:aws:iam::<account>:role/<path/name>`.
pub fn check_role_arn(s: &str) -> Result<(), String> {
    const EXPECTED: &str = "expected arn:aws:iam::<account>:role/<name>";
    let bad = |detail: &str| {
        Err(format!(
            "{} is not an IAM role ARN: {detail} ({EXPECTED})",
            quote(s)
        ))
    };
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return bad("it is not an ARN");
    }
    if !is_partition(parts[1]) {
        return bad(&format!("unknown partition {}", quote(parts[1])));
    }
    if parts[2] != "iam" {
        return bad(&format!("it is an ARN of service {}", quote(parts[2])));
    }
    if !parts[3].is_empty() {
        return bad("IAM ARNs have no region");
    }
    if !is_account_id(parts[4]) {
        return bad(&format!("account {} is not 12 digits", quote(parts[4])));
    }
    let Some(name) = parts[5].strip_prefix("role/") else {
        let kind = parts[5].split('/').next().unwrap_or_default();
        return bad(&format!("it names a {}, not a role", quote(kind)));
    };
    let name_ok = !name.is_empty()
        && name.len() <= 576
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
        && name.split('/').all(|seg| !seg.is_empty());
    if !name_ok {
        return bad(&format!("role name {} is not valid", quote(name)));
    }
    Ok(())
}

/// Checks a CloudWatch alarm name: 1 to 255 characters, no control characters.
pub fn check_alarm_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the alarm name is empty".into());
    }
    if s.chars().count() > 255 {
        return Err(format!(
            "{} is longer than 255 characters, the limit for an alarm name",
            quote(s)
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(format!(
            "{} contains control characters; alarm names cannot",
            quote(s)
        ));
    }
    Ok(())
}

/// Checks an AWS profile name: not empty, no spaces, brackets or control characters.
pub fn check_profile(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the profile name is empty".into());
    }
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '[' | ']'))
    {
        return Err(format!(
            "{} is not a usable AWS profile name (no spaces, brackets or control characters)",
            quote(s)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// DNS names

/// The longest DNS name, without the trailing dot.
pub const DNS_NAME_MAX: usize = 253;

/// Parses a DNS name into its stored form: lower case, without a trailing dot.
///
/// Labels are 1 to 63 characters of letters, digits, `-` and `_`; when `allow_wildcard` is set
/// the first label may be `*` (or Route 53's `\052`). An internationalised name is converted
/// to punycode (`bücher.example` -> `xn--bcher-kva.example`), as Route 53 keeps it. The name has at least two labels and at most 253 characters.
pub fn parse_dns_name(s: &str, allow_wildcard: bool) -> Result<String, String> {
    if s.contains("://") || s.contains('/') {
        return Err(format!(
            "{} is not a DNS name; give the name only, without scheme or path \
             (such as \"www.example.com\")",
            quote(s)
        ));
    }
    // An internationalised name goes to Route 53 in punycode; `\052` is Route 53's `*`.
    let name = crate::model::names::to_ascii(s.strip_suffix('.').unwrap_or(s))?;
    if name.is_empty() {
        return Err("the DNS name is empty (expected a name such as \"www.example.com\")".into());
    }
    if name.len() > DNS_NAME_MAX {
        return Err(format!(
            "{} is {} characters long; a DNS name has at most {DNS_NAME_MAX}",
            quote(s),
            name.len()
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "{} is a single label; expected a fully qualified name such as \"www.example.com\"",
            quote(s)
        ));
    }
    for (i, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Err(format!(
                "{} has an empty label (two dots in a row)",
                quote(s)
            ));
        }
        if *label == "*" {
            if !allow_wildcard {
                return Err(format!(
                    "{} is a wildcard name; a name is expected here",
                    quote(s)
                ));
            }
            if i != 0 {
                return Err(format!(
                    "{} has `*` in the middle; a wildcard may only be the first label",
                    quote(s)
                ));
            }
            continue;
        }
        if label.len() > 63 {
            return Err(format!(
                "{} has a label of {} characters; labels have at most 63",
                quote(s),
                label.len()
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
        {
            return Err(format!(
                "{} contains {c:?}; DNS labels may only contain letters, digits, `-` and `_`",
                quote(s)
            ));
        }
    }
    Ok(name)
}

// ---------------------------------------------------------------------------------------------
// Elastic Load Balancing ARNs

/// What an Elastic Load Balancing v2 ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElbKind {
    /// `loadbalancer/app|net/<name>/<id>`
    LoadBalancer,
    /// `listener/app|net/<lb-name>/<lb-id>/<listener-id>`
    Listener,
    /// `listener-rule/app|net/<lb-name>/<lb-id>/<listener-id>/<rule-id>`
    ListenerRule,
    /// `targetgroup/<name>/<id>`
    TargetGroup,
}

impl ElbKind {
    /// The resource type as written in the ARN.
    pub fn as_str(self) -> &'static str {
        match self {
            ElbKind::LoadBalancer => "loadbalancer",
            ElbKind::Listener => "listener",
            ElbKind::ListenerRule => "listener-rule",
            ElbKind::TargetGroup => "targetgroup",
        }
    }

    /// The resource in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ElbKind::LoadBalancer => "load balancer",
            ElbKind::Listener => "load balancer listener",
            ElbKind::ListenerRule => "listener rule",
            ElbKind::TargetGroup => "target group",
        }
    }

    /// The shape of an ARN of this kind, for messages.
    pub fn pattern(self) -> &'static str {
        match self {
            ElbKind::LoadBalancer => {
                "arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app|net/<name>/<id>"
            }
            ElbKind::Listener => {
                "arn:aws:elasticloadbalancing:<region>:<account>:listener/app|net/<lb-name>/<lb-id>/<listener-id>"
            }
            ElbKind::ListenerRule => {
                "arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app|net/<lb-name>/<lb-id>/<listener-id>/<rule-id>"
            }
            ElbKind::TargetGroup => {
                "arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>"
            }
        }
    }
}

/// The type of a load balancer: the `app` or `net` in its ARNs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LbType {
    /// An Application Load Balancer (`app`).
    Application,
    /// A Network Load Balancer (`net`).
    Network,
}

impl LbType {
    /// `app` or `net`, as in the ARN.
    pub fn as_str(self) -> &'static str {
        match self {
            LbType::Application => "app",
            LbType::Network => "net",
        }
    }
}

/// A parsed Elastic Load Balancing v2 ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ElbArn {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
    /// The region, such as `eu-west-1`.
    pub region: String,
    /// The 12-digit account ID.
    pub account: String,
    /// What the ARN names.
    pub kind: ElbKind,
    /// `app` or `net` for load balancers, listeners and rules; `None` for target groups.
    pub lb_type: Option<LbType>,
    /// The load balancer's name (or, for a target group, the target group's name).
    pub name: String,
    /// The load balancer's ID (or, for a target group, the target group's ID): 16 hex digits.
    pub id: String,
    /// The listener ID, for listeners and listener rules.
    pub listener_id: Option<String>,
    /// The rule ID, for listener rules.
    pub rule_id: Option<String>,
}

impl ElbArn {
    /// The ARN of the load balancer this listener or rule belongs to (`None` for target groups).
    pub fn load_balancer_arn(&self) -> Option<String> {
        let lb_type = self.lb_type?;
        Some(format!(
            "arn:{}:elasticloadbalancing:{}:{}:loadbalancer/{}/{}/{}",
            self.partition,
            self.region,
            self.account,
            lb_type.as_str(),
            self.name,
            self.id
        ))
    }

    #[cfg(test)]
    /// The ARN of the listener this listener or rule ARN names (`None` for others).
    pub fn listener_arn(&self) -> Option<String> {
        let lb_type = self.lb_type?;
        let listener = self.listener_id.as_ref()?;
        Some(format!(
            "arn:{}:elasticloadbalancing:{}:{}:listener/{}/{}/{}/{listener}",
            self.partition,
            self.region,
            self.account,
            lb_type.as_str(),
            self.name,
            self.id
        ))
    }
}

impl fmt::Display for ElbArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:elasticloadbalancing:{}:{}:{}/",
            self.partition,
            self.region,
            self.account,
            self.kind.as_str()
        )?;
        if let Some(t) = self.lb_type {
            write!(f, "{}/", t.as_str())?;
        }
        write!(f, "{}/{}", self.name, self.id)?;
        if let Some(l) = &self.listener_id {
            write!(f, "/{l}")?;
        }
        if let Some(r) = &self.rule_id {
            write!(f, "/{r}")?;
        }
        Ok(())
    }
}

/// Parses an Elastic Load Balancing v2 ARN (load balancer, listener, listener rule or target
/// group of an Application or Network Load Balancer). The error says what part is wrong.
pub fn parse_elb_arn(s: &str) -> Result<ElbArn, String> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return Err("it is not an ARN".into());
    }
    let [_, partition, service, region, account, resource] = parts[..] else {
        return Err("it is not an ARN".into());
    };
    if !is_partition(partition) {
        return Err(format!("unknown partition {}", quote(partition)));
    }
    if service != "elasticloadbalancing" {
        return Err(format!("it is an ARN of service {}", quote(service)));
    }
    if !is_region(region) {
        return Err(format!("region {} is not an AWS region", quote(region)));
    }
    if !is_account_id(account) {
        return Err(format!("account {} is not 12 digits", quote(account)));
    }
    let segs: Vec<&str> = resource.split('/').collect();
    let kind = match segs[0] {
        "loadbalancer" => ElbKind::LoadBalancer,
        "listener" => ElbKind::Listener,
        "listener-rule" => ElbKind::ListenerRule,
        "targetgroup" => ElbKind::TargetGroup,
        other => return Err(format!("unknown resource type {}", quote(other))),
    };
    let mut arn = ElbArn {
        partition: partition.into(),
        region: region.into(),
        account: account.into(),
        kind,
        lb_type: None,
        name: String::new(),
        id: String::new(),
        listener_id: None,
        rule_id: None,
    };
    if kind == ElbKind::TargetGroup {
        let [_, name, id] = segs[..] else {
            return Err(format!(
                "expected targetgroup/<name>/<id>, found {}",
                quote(resource)
            ));
        };
        check_elb_name(name, "target group")?;
        check_hex_id(id, "target group ID")?;
        arn.name = name.into();
        arn.id = id.into();
        return Ok(arn);
    }
    if kind == ElbKind::LoadBalancer && segs.len() == 2 {
        return Err("it names a Classic Load Balancer, which is not supported".into());
    }
    let lb_type = match segs.get(1).copied() {
        Some("app") => LbType::Application,
        Some("net") => LbType::Network,
        Some("gwy") => return Err("gateway load balancers are not supported".into()),
        Some(other) => {
            return Err(format!(
                "load balancer type {} is neither app nor net",
                quote(other)
            ));
        }
        None => return Err(format!("{} lacks the load balancer type", quote(resource))),
    };
    let expected_segs = match kind {
        ElbKind::LoadBalancer => 4,
        ElbKind::Listener => 5,
        _ => 6,
    };
    if segs.len() != expected_segs {
        return Err(format!(
            "{} has {} parts after `{}/`, expected {}",
            quote(resource),
            segs.len() - 1,
            kind.as_str(),
            expected_segs - 1
        ));
    }
    check_elb_name(segs[2], "load balancer")?;
    check_hex_id(segs[3], "load balancer ID")?;
    arn.lb_type = Some(lb_type);
    arn.name = segs[2].into();
    arn.id = segs[3].into();
    if let Some(listener) = segs.get(4) {
        check_hex_id(listener, "listener ID")?;
        arn.listener_id = Some((*listener).into());
    }
    if let Some(rule) = segs.get(5) {
        check_hex_id(rule, "rule ID")?;
        arn.rule_id = Some((*rule).into());
    }
    Ok(arn)
}

/// Parses an ELB ARN and checks that it names `kind` (and, when given, a load balancer of type
/// `lb_type`). The error is a full message: the value, what it is not, why, and the shape expected.
pub fn check_elb_arn(s: &str, kind: ElbKind, lb_type: Option<LbType>) -> Result<ElbArn, String> {
    let what = match (kind, lb_type) {
        (ElbKind::Listener, Some(LbType::Application)) => "ALB listener",
        (ElbKind::Listener, Some(LbType::Network)) => "NLB listener",
        (k, _) => k.describe(),
    };
    let article = if what.starts_with(['A', 'N']) {
        "an"
    } else {
        "a"
    };
    let pattern = match (kind, lb_type) {
        (ElbKind::Listener, Some(LbType::Application)) => {
            "arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb-name>/<lb-id>/<listener-id>"
        }
        (ElbKind::Listener, Some(LbType::Network)) => {
            "arn:aws:elasticloadbalancing:<region>:<account>:listener/net/<lb-name>/<lb-id>/<listener-id>"
        }
        (k, _) => k.pattern(),
    };
    let arn = parse_elb_arn(s).map_err(|detail| {
        format!(
            "{} is not {article} {what} ARN: {detail} (expected {pattern})",
            quote(s)
        )
    })?;
    if arn.kind != kind {
        return Err(format!(
            "{} is not {article} {what} ARN: it is a {} ARN (expected {pattern})",
            quote(s),
            arn.kind.describe()
        ));
    }
    if let (Some(want), Some(have)) = (lb_type, arn.lb_type)
        && want != have
    {
        let have_name = match have {
            LbType::Application => "an Application Load Balancer (app)",
            LbType::Network => "a Network Load Balancer (net)",
        };
        return Err(format!(
            "{} is not {article} {what} ARN: it belongs to {have_name} (expected {pattern})",
            quote(s)
        ));
    }
    Ok(arn)
}

fn check_elb_name(name: &str, what: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} name {} is not valid (1 to 32 letters, digits and hyphens, not starting or \
             ending with a hyphen)",
            quote(name)
        ))
    }
}

fn check_hex_id(id: &str, what: &str) -> Result<(), String> {
    if id.len() == 16 && id.bytes().all(is_lower_hex) {
        Ok(())
    } else {
        Err(format!(
            "{what} {} is not 16 lower-case hex digits",
            quote(id)
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Addresses

/// An IPv4 or IPv6 network in CIDR notation, such as `203.0.113.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network address (its host bits are zero).
    pub addr: IpAddr,
    /// The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6.
    pub prefix: u8,
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses a CIDR block such as `203.0.113.0/24` or `2001:db8::/32`.
///
/// A bare address means that one host (`/32` or `/128`). An address with host bits set is an
/// error that offers both readings (the network, or the single host), since either could be meant.
pub fn parse_cidr(s: &str) -> Result<Cidr, String> {
    const EXPECTED: &str = "expected a CIDR block such as \"203.0.113.0/24\" or \"2001:db8::/32\"";
    let (addr_text, prefix_text) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr_text
        .parse()
        .map_err(|_| format!("{} is not a CIDR block ({EXPECTED})", quote(s)))?;
    let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix_text {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max && !p.starts_with('+') => n,
            _ => {
                return Err(format!(
                    "{} has prefix length {}; it must be 0 to {max}",
                    quote(s),
                    quote(p)
                ));
            }
        },
    };
    let network = mask(addr, prefix);
    if network != addr {
        return Err(format!(
            "{} has host bits set: write {network}/{prefix} for the network or {addr}/{max} for \
             that one host",
            quote(s)
        ));
    }
    Ok(Cidr { addr, prefix })
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & m).into())
        }
    }
}

/// Parses a DNS resolver address: `ip:port`, `[ipv6]:port` or a bare IP (port 53).
pub fn parse_dns_server(s: &str) -> Result<SocketAddr, String> {
    let addr = if let Ok(sa) = s.parse::<SocketAddr>() {
        sa
    } else if let Ok(ip) = s.parse::<IpAddr>() {
        SocketAddr::new(ip, 53)
    } else {
        return Err(format!(
            "{} is not a resolver address (expected an IP address with an optional port, such \
             as \"10.0.0.2\", \"10.0.0.2:53\" or \"[fd00::2]:53\")",
            quote(s)
        ));
    };
    if addr.port() == 0 {
        return Err(format!("{} has port 0", quote(s)));
    }
    Ok(addr)
}

// ---------------------------------------------------------------------------------------------
// Durations

/// Parses a duration: a whole number followed by `ms`, `s`, `m` or `h` (`"500ms"`, `"10s"`,
/// `"2m"`, `"1h"`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "{} is not a duration (expected a whole number followed by ms, s, m or h, such as \
             \"500ms\", \"10s\", \"2m\" or \"1h\")",
            quote(s)
        )
    };
    let digits_end = s.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = s.split_at(digits_end);
    if num.is_empty() {
        return Err(bad());
    }
    let n: u64 = num.parse().map_err(|_| bad())?;
    let ms_per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad()),
    };
    n.checked_mul(ms_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{} is too long a duration", quote(s)))
}

/// Formats a duration the way the config writes it (`"500ms"`, `"15s"`, `"2m"`, `"1h"`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "0s".into()
    } else if ms % 3_600_000 == 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1_000 == 0 {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

// ---------------------------------------------------------------------------------------------
// CloudFront invalidation paths

/// Checks a CloudFront invalidation path: starts with `/`, at most 4000 characters, no spaces or
/// control characters (use `%20`).
pub fn check_invalidation_path(s: &str) -> Result<(), String> {
    if !s.starts_with('/') {
        return Err(format!(
            "{} does not start with \"/\" (expected a path such as \"/maintenance.html\" or \"/*\")",
            quote(s)
        ));
    }
    if s.chars().count() > 4000 {
        return Err(format!("{} is longer than 4000 characters", quote(s)));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{} contains a space or control character; URL-encode it (a space is %20)",
            quote(s)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names() {
        assert!(is_site_name("shop"));
        assert!(is_site_name("shop-eu_1.prod"));
        assert!(is_site_name(&"a".repeat(64)));
        assert!(!is_site_name(&"a".repeat(65)));
        assert!(!is_site_name(""));
        assert!(!is_site_name("my shop"));
        assert!(!is_site_name("shöp"));
    }

    #[test]
    fn zone_ids() {
        assert!(is_zone_id("Z0123456789ABCDEFGHIJ"));
        assert!(is_zone_id("Z2FDTNDATAQYW2"));
        assert!(is_zone_id("Z1"));
        // moto's zone IDs do not start with Z.
        assert!(is_zone_id("KXHJQ6EVRCFGL1H1I2GTJ0"));
        assert!(!is_zone_id(""));
        assert!(!is_zone_id(&format!("Z{}", "A".repeat(32))));
        assert!(!is_zone_id("z0123"));
        assert!(!is_zone_id("Z01-23"));
        let e = check_zone_id("/hostedzone/Z0123456789ABC").unwrap_err();
        assert!(e.contains("write just the ID: \"Z0123456789ABC\""), "{e}");
        let e = check_zone_id("example.com").unwrap_err();
        assert!(e.contains("looks like a domain name"), "{e}");
        assert!(e.contains("--dns-name example.com"), "{e}");
        let e = check_zone_id("z0123abc").unwrap_err();
        assert!(e.contains("upper case"), "{e}");
    }

    #[test]
    fn health_check_ids() {
        assert!(is_health_check_id("0f2c5b1e-7d4a-4c3b-9a8e-1b2c3d4e5f60"));
        assert!(!is_health_check_id("0F2C5B1E-7D4A-4C3B-9A8E-1B2C3D4E5F60"));
        assert!(!is_health_check_id("0f2c5b1e-7d4a-4c3b-9a8e"));
        assert!(!is_health_check_id("0f2c5b1e7d4a4c3b9a8e1b2c3d4e5f60"));
        assert!(!is_health_check_id("0f2c5b1e-7d4a-4c3b-9a8e-1b2c3d4e5f6g"));
        assert!(
            check_health_check_id("0F2C5B1E-7D4A-4C3B-9A8E-1B2C3D4E5F60")
                .unwrap_err()
                .contains("lower case")
        );
    }

    #[test]
    fn distribution_ids() {
        assert!(is_distribution_id("E2QWRUHAPOMQZL"));
        assert!(is_distribution_id("E1234567"));
        assert!(!is_distribution_id("E123456"));
        assert!(!is_distribution_id("e2qwruhapomqzl"));
        // moto's distribution IDs do not start with E.
        assert!(is_distribution_id("H2IN4066GR0QE"));
        assert!(!is_distribution_id("E2QWRU-HAPOMQZL"));

        assert!(
            check_distribution_id("d111111abcdef8.cloudfront.net")
                .unwrap_err()
                .contains("domain name")
        );
        assert!(
            check_distribution_id("arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL")
                .unwrap_err()
                .contains("write just the ID")
        );
    }

    #[test]
    fn regions() {
        for r in [
            "eu-west-1",
            "us-east-1",
            "us-gov-west-1",
            "ap-southeast-2",
            "il-central-1",
        ] {
            assert!(is_region(r), "{r}");
        }
        for r in [
            "eu-west",
            "eu-west-10",
            "EU-WEST-1",
            "euwest1",
            "e-west-1",
            "eu--1",
            "",
        ] {
            assert!(!is_region(r), "{r}");
        }
        assert!(
            check_region("eu-west-1a")
                .unwrap_err()
                .contains("availability zone")
        );
        assert!(
            check_region("EU-WEST-1")
                .unwrap_err()
                .contains("lower case")
        );
    }

    #[test]
    fn role_arns() {
        assert!(check_role_arn("arn:aws:iam::123456789012:role/switchyard").is_ok());
        assert!(check_role_arn("arn:aws:iam::123456789012:role/ops/switchyard-ro").is_ok());
        assert!(check_role_arn("arn:aws-cn:iam::123456789012:role/x").is_ok());
        assert!(
            check_role_arn("arn:aws:iam::123456789012:user/bob")
                .unwrap_err()
                .contains("not a role")
        );
        assert!(check_role_arn("arn:aws:iam::1234:role/x").is_err());
        assert!(check_role_arn("arn:aws:sts::123456789012:role/x").is_err());
        assert!(check_role_arn("switchyard").is_err());
        assert!(check_role_arn("arn:aws:iam::123456789012:role/").is_err());
    }

    #[test]
    fn dns_names() {
        assert_eq!(
            parse_dns_name("WWW.Example.COM.", false).unwrap(),
            "www.example.com"
        );
        assert_eq!(
            parse_dns_name("*.example.com", true).unwrap(),
            "*.example.com"
        );
        assert_eq!(
            parse_dns_name("_dmarc.example.com", false).unwrap(),
            "_dmarc.example.com"
        );
        assert!(parse_dns_name("*.example.com", false).is_err());
        assert!(parse_dns_name("www.*.example.com", true).is_err());
        assert!(
            parse_dns_name("https://www.example.com/", false)
                .unwrap_err()
                .contains("without scheme")
        );
        assert!(
            parse_dns_name("localhost", false)
                .unwrap_err()
                .contains("single label")
        );
        assert!(parse_dns_name("www..example.com", false).is_err());
        assert!(parse_dns_name("www.exa mple.com", false).is_err());
        assert!(parse_dns_name(&format!("{}.com", "a".repeat(64)), false).is_err());
        assert!(parse_dns_name(&format!("{}.com", "a".repeat(63)), false).is_ok());
        let long = vec!["abcdefghi"; 26].join(".");
        assert!(long.len() > 253);
        assert!(parse_dns_name(&long, false).is_err());
        assert!(parse_dns_name("", false).is_err());
        assert!(parse_dns_name(".", false).is_err());
    }

    #[test]
    fn internationalised_and_escaped_wildcard_names_are_taken_as_route_53_keeps_them() {
        assert_eq!(
            parse_dns_name("www.Bücher.example", false).as_deref(),
            Ok("www.xn--bcher-kva.example")
        );
        assert_eq!(
            parse_dns_name("www.xn--bcher-kva.example", false).as_deref(),
            Ok("www.xn--bcher-kva.example")
        );
        assert_eq!(
            parse_dns_name("\\052.example.com.", true).as_deref(),
            Ok("*.example.com")
        );
        assert!(parse_dns_name("\\052.example.com", false).is_err());
    }

    const LB: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-alb/50dc6c495c0c9188";
    const LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";
    const NLB_LISTENER: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/shop-nlb/7e1d1a2b3c4d5e6f/0a1b2c3d4e5f6a7b";
    const RULE: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6f88a3";
    const TG: &str =
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-app/73e2d6bc24d8a067";

    #[test]
    fn elb_arns_parse_and_round_trip() {
        let lb = parse_elb_arn(LB).unwrap();
        assert_eq!(lb.kind, ElbKind::LoadBalancer);
        assert_eq!(lb.lb_type, Some(LbType::Application));
        assert_eq!(lb.region, "eu-west-1");
        assert_eq!(lb.account, "123456789012");
        assert_eq!(lb.name, "shop-alb");
        assert_eq!(lb.id, "50dc6c495c0c9188");
        let l = parse_elb_arn(LISTENER).unwrap();
        assert_eq!(l.kind, ElbKind::Listener);
        assert_eq!(l.listener_id.as_deref(), Some("f2f7dc8efc522ab2"));
        assert_eq!(l.load_balancer_arn().as_deref(), Some(LB));
        let r = parse_elb_arn(RULE).unwrap();
        assert_eq!(r.kind, ElbKind::ListenerRule);
        assert_eq!(r.rule_id.as_deref(), Some("9683b2d02a6f88a3"));
        assert_eq!(r.listener_arn().as_deref(), Some(LISTENER));
        let tg = parse_elb_arn(TG).unwrap();
        assert_eq!(tg.kind, ElbKind::TargetGroup);
        assert_eq!(tg.lb_type, None);
        assert_eq!(tg.name, "shop-app");
        for s in [LB, LISTENER, NLB_LISTENER, RULE, TG] {
            assert_eq!(parse_elb_arn(s).unwrap().to_string(), s);
        }
        assert!(parse_elb_arn(&LB.replace("arn:aws:", "arn:aws-us-gov:")).is_ok());
    }

    #[test]
    fn elb_arns_reject_with_reasons() {
        let cases = [
            ("nope", "not an ARN"),
            (
                "arn:aws:ec2:eu-west-1:123456789012:instance/i-1",
                "service \"ec2\"",
            ),
            (&LB.replace("eu-west-1", "eu-west"), "not an AWS region"),
            (&LB.replace("123456789012", "1234"), "not 12 digits"),
            (&LB.replace("/app/", "/gwy/"), "gateway"),
            (&LB.replace("/app/", "/xyz/"), "neither app nor net"),
            (
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/classic",
                "Classic",
            ),
            (
                &LB.replace("50dc6c495c0c9188", "50DC6C495C0C9188"),
                "16 lower-case hex",
            ),
            (&LB.replace("shop-alb", "-shop"), "not valid"),
            (
                &LISTENER.replace("/f2f7dc8efc522ab2", ""),
                "parts after `listener/`",
            ),
            (
                &TG.replace("/73e2d6bc24d8a067", ""),
                "targetgroup/<name>/<id>",
            ),
            (
                &LB.replace("loadbalancer/", "balancer/"),
                "unknown resource type",
            ),
        ];
        for (s, want) in cases {
            let e = parse_elb_arn(s).unwrap_err();
            assert!(e.contains(want), "{s}: {e}");
        }
    }

    #[test]
    fn elb_arns_checked_by_kind() {
        assert!(check_elb_arn(LISTENER, ElbKind::Listener, None).is_ok());
        assert!(check_elb_arn(LISTENER, ElbKind::Listener, Some(LbType::Application)).is_ok());
        let e = check_elb_arn(TG, ElbKind::Listener, None).unwrap_err();
        assert!(
            e.contains("is not a load balancer listener ARN: it is a target group ARN"),
            "{e}"
        );
        assert!(e.contains("(expected arn:aws:elasticloadbalancing:<region>:<account>:listener/app|net/<lb-name>/<lb-id>/<listener-id>)"), "{e}");
        let e =
            check_elb_arn(NLB_LISTENER, ElbKind::Listener, Some(LbType::Application)).unwrap_err();
        assert!(
            e.contains("is not an ALB listener ARN: it belongs to a Network Load Balancer"),
            "{e}"
        );
        let e = check_elb_arn("arn:aws:elb", ElbKind::Listener, None).unwrap_err();
        assert!(
            e.starts_with("\"arn:aws:elb\" is not a load balancer listener ARN: it is not an ARN"),
            "{e}"
        );
    }

    #[test]
    fn cidrs() {
        let c = parse_cidr("203.0.113.0/24").unwrap();
        assert_eq!(c.to_string(), "203.0.113.0/24");
        assert_eq!(
            parse_cidr("198.51.100.7").unwrap().to_string(),
            "198.51.100.7/32"
        );
        assert_eq!(parse_cidr("2001:db8::/32").unwrap().prefix, 32);
        assert_eq!(parse_cidr("2001:db8::1").unwrap().prefix, 128);
        assert_eq!(parse_cidr("0.0.0.0/0").unwrap().prefix, 0);
        let e = parse_cidr("10.0.0.5/24").unwrap_err();
        assert!(
            e.contains("10.0.0.0/24") && e.contains("10.0.0.5/32"),
            "{e}"
        );
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("10.0.0.0/+8").is_err());
        assert!(parse_cidr("2001:db8::/129").is_err());
        assert!(parse_cidr("10.0.0/8").is_err());
        assert!(parse_cidr("office").is_err());
    }

    #[test]
    fn dns_servers() {
        assert_eq!(
            parse_dns_server("10.0.0.2").unwrap().to_string(),
            "10.0.0.2:53"
        );
        assert_eq!(parse_dns_server("10.0.0.2:5353").unwrap().port(), 5353);
        assert_eq!(
            parse_dns_server("[fd00::2]:53").unwrap().to_string(),
            "[fd00::2]:53"
        );
        assert_eq!(parse_dns_server("fd00::2").unwrap().port(), 53);
        assert!(parse_dns_server("dns.example.com").is_err());
        assert!(parse_dns_server("10.0.0.2:0").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        for bad in ["", "10", "s", "1.5s", "10 s", "-1s", "10sec", "1d", "1m30s"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(
                e.contains("\"500ms\", \"10s\", \"2m\" or \"1h\""),
                "{bad}: {e}"
            );
        }
        assert!(parse_duration("99999999999999999999h").is_err());
        assert!(parse_duration(&format!("{}h", u64::MAX / 1000)).is_err());
        for d in ["500ms", "15s", "2m", "1h", "90s"] {
            assert_eq!(format_duration(parse_duration(d).unwrap()), d);
        }
    }

    #[test]
    fn invalidation_paths() {
        assert!(check_invalidation_path("/maintenance.html").is_ok());
        assert!(check_invalidation_path("/*").is_ok());
        assert!(check_invalidation_path("maintenance.html").is_err());
        assert!(check_invalidation_path("/a b").is_err());
    }

    #[test]
    fn alarm_names_and_profiles() {
        assert!(check_alarm_name("app-1-StatusCheckFailed").is_ok());
        assert!(check_alarm_name("").is_err());
        assert!(check_alarm_name("a\u{7}b").is_err());
        assert!(check_alarm_name(&"a".repeat(256)).is_err());
        assert!(check_profile("ops").is_ok());
        assert!(check_profile("my ops").is_err());
        assert!(check_profile("").is_err());
    }

    #[test]
    fn quoting_escapes_and_shortens() {
        assert_eq!(quote("a\"b\n"), "\"a\\\"b\\n\"");
        let q = quote(&"x".repeat(500));
        assert!(q.ends_with("\"...") && q.len() < 270);
    }
}
