//! Which hosted zone and which record `discover` reads: `--zone` as a name (also an
//! internationalised one), an ID, or `/hostedzone/ID` as awscli prints it; a split-horizon name
//! (a public and a private zone of one name) resolved to the public zone with a warning; the
//! record's name in punycode, within the zone.

use crate::aws::client::Clients;
use crate::aws::route53::{self, Zone};
use crate::config::ids;
use crate::model::error::ErrorKind;
use crate::model::names;

/// Why `--zone` or `--record` cannot be used: the exit code and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: i32,
    pub message: String,
}

fn usage(message: String) -> Refusal {
    Refusal { code: 2, message }
}

/// What `--zone` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneArg {
    /// A hosted zone ID (given bare or as `/hostedzone/ID`).
    Id(String),
    /// A zone name, in punycode.
    Name(String),
}

/// Reads `--zone`: `Z0123456789ABC`, `/hostedzone/Z0123456789ABC` or `example.com` (also
/// `bücher.example`).
pub fn parse_zone_arg(s: &str) -> Result<ZoneArg, Refusal> {
    let t = s.trim();
    let bare = t.strip_prefix("/hostedzone/").unwrap_or(t);
    if ids::is_zone_id(bare) {
        return Ok(ZoneArg::Id(bare.to_string()));
    }
    if t.starts_with("/hostedzone/") {
        return Err(usage(format!(
            "{s:?} is not a hosted zone ID (expected /hostedzone/ and an ID such as \
             Z0123456789ABC)"
        )));
    }
    match names::to_ascii(t) {
        Ok(n) if !n.is_empty() => Ok(ZoneArg::Name(n)),
        Ok(_) => Err(usage("--zone is empty: give the zone's name or ID".into())),
        Err(e) => Err(usage(e)),
    }
}

/// The zone `discover` works in, and a warning to print when the choice needs saying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub zone: Zone,
    pub warning: Option<String>,
}

fn kind(z: &Zone) -> &'static str {
    if z.private { "private" } else { "public" }
}

/// Picks among the zones of one name: the only one; else the only public one, with a warning
/// naming the others (split-horizon DNS: the public zone is the one the internet sees and the one
/// TestDNSAnswer can query); else a refusal naming every zone.
pub fn choose(name: &str, zones: Vec<Zone>) -> Result<Chosen, Refusal> {
    let shown = names::with_readable(name);
    let list = |zs: &[Zone]| {
        zs.iter()
            .map(|z| format!("{} ({})", z.id, kind(z)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match zones.as_slice() {
        [] => Err(usage(format!(
            "no hosted zone named {shown} in this account (`aws route53 list-hosted-zones` lists \
             them; --zone also takes an ID)"
        ))),
        [one] => Ok(Chosen {
            zone: one.clone(),
            warning: None,
        }),
        many => {
            let public: Vec<&Zone> = many.iter().filter(|z| !z.private).collect();
            if let [only] = public.as_slice() {
                let others: Vec<Zone> = many.iter().filter(|z| z.id != only.id).cloned().collect();
                return Ok(Chosen {
                    zone: (*only).clone(),
                    warning: Some(format!(
                        "hosted zone name {shown} is ambiguous: {} hold it; using the public one, \
                         {} (give --zone {} to discover in another)",
                        list(many),
                        only.id,
                        others.first().map_or("<ID>", |z| z.id.as_str())
                    )),
                });
            }
            Err(usage(format!(
                "hosted zone name {shown} is ambiguous: {} hold it; give the one to use with \
                 --zone <ID>",
                list(many)
            )))
        }
    }
}

/// Finds the zone `--zone` names; a zone that does not exist is a usage error (exit 2) whether
/// named or given by ID, a failure to ask is exit 3.
pub async fn resolve(clients: &Clients, arg: &str) -> Result<Chosen, Refusal> {
    let failed = |what: &str, e: crate::model::error::AwsError| {
        let code = match e.kind {
            ErrorKind::NotFound | ErrorKind::Invalid => 2,
            _ => 3,
        };
        let message = match e.kind {
            ErrorKind::NotFound => format!(
                "no hosted zone with ID {what} in this account (`aws route53 list-hosted-zones` \
                 lists them)"
            ),
            ErrorKind::Invalid => format!("{what} is not a usable hosted zone ID: {}", e.summary()),
            _ => e.summary(),
        };
        Refusal { code, message }
    };
    match parse_zone_arg(arg)? {
        ZoneArg::Id(id) => {
            let zone = route53::hosted_zone(&clients.route53, &id)
                .await
                .map_err(|e| failed(&id, e))?;
            Ok(Chosen {
                zone,
                warning: None,
            })
        }
        ZoneArg::Name(name) => {
            let zones = route53::zones_named(&clients.route53, &name)
                .await
                .map_err(|e| Refusal {
                    code: 3,
                    message: e.summary(),
                })?;
            choose(&name, zones)
        }
    }
}

/// The record's name in punycode and within the zone: a name without a dot is taken relative to
/// the zone (`www` in `example.com`); a name outside the zone is refused.
pub fn record_in_zone(record: &str, zone: &str) -> Result<String, Refusal> {
    let r = names::to_ascii(record).map_err(usage)?;
    if r.is_empty() {
        return Err(usage("--record is empty".into()));
    }
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    if r == zone || r.ends_with(&format!(".{zone}")) {
        return Ok(r);
    }
    if !r.contains('.') {
        return Ok(format!("{r}.{zone}"));
    }
    Err(usage(format!(
        "{} is not in hosted zone {}: give a name that ends with the zone's",
        names::with_readable(&r),
        names::with_readable(&zone)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(id: &str, private: bool) -> Zone {
        Zone {
            id: id.into(),
            name: "example.com".into(),
            private,
        }
    }

    #[test]
    fn zone_takes_a_name_an_id_or_the_api_s_hostedzone_path() {
        assert_eq!(
            parse_zone_arg("Z0123456789ABC"),
            Ok(ZoneArg::Id("Z0123456789ABC".into()))
        );
        assert_eq!(
            parse_zone_arg("/hostedzone/Z0123456789ABC"),
            Ok(ZoneArg::Id("Z0123456789ABC".into()))
        );
        assert_eq!(
            parse_zone_arg("Example.COM."),
            Ok(ZoneArg::Name("example.com".into()))
        );
        assert_eq!(
            parse_zone_arg("bücher.example"),
            Ok(ZoneArg::Name("xn--bcher-kva.example".into()))
        );
        assert_eq!(
            parse_zone_arg("/hostedzone/example.com").map_err(|r| r.code),
            Err(2)
        );
    }

    #[test]
    fn split_horizon_takes_the_public_zone_and_says_so() {
        let chosen = choose(
            "example.com",
            vec![zone("Z0PRIVATE", true), zone("Z0PUBLIC", false)],
        )
        .unwrap();
        assert_eq!(chosen.zone.id, "Z0PUBLIC");
        assert_eq!(
            chosen.warning.as_deref(),
            Some(
                "hosted zone name example.com is ambiguous: Z0PRIVATE (private), Z0PUBLIC \
                 (public) hold it; using the public one, Z0PUBLIC (give --zone Z0PRIVATE to \
                 discover in another)"
            )
        );
        // Two public zones of one name: nothing tells which; refused, naming each.
        let refused = choose(
            "example.com",
            vec![
                zone("Z0ONE", false),
                zone("Z0TWO", false),
                zone("Z0PRIVATE", true),
            ],
        )
        .unwrap_err();
        assert_eq!(refused.code, 2);
        assert!(
            refused
                .message
                .contains("Z0ONE (public), Z0TWO (public), Z0PRIVATE (private)"),
            "{}",
            refused.message
        );
        let none = choose("bücher.example", Vec::new()).unwrap_err();
        assert_eq!(none.code, 2);
        assert!(
            none.message
                .starts_with("no hosted zone named bücher.example"),
            "{none:?}"
        );
    }

    #[test]
    fn the_record_is_taken_within_the_zone() {
        assert_eq!(
            record_in_zone("WWW.example.com.", "example.com"),
            Ok("www.example.com".into())
        );
        assert_eq!(
            record_in_zone("www", "example.com"),
            Ok("www.example.com".into())
        );
        assert_eq!(
            record_in_zone("www.bücher.example", "xn--bcher-kva.example"),
            Ok("www.xn--bcher-kva.example".into())
        );
        assert_eq!(
            record_in_zone("\\052.example.com", "example.com"),
            Ok("*.example.com".into())
        );
        let outside = record_in_zone("www.example.org", "example.com").unwrap_err();
        assert_eq!(outside.code, 2);
    }
}
