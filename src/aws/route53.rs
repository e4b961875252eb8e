//! Route 53: records, DNS answers, health checks, changes.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    AliasTarget as SdkAlias, Change, ChangeAction, ChangeBatch, GeoLocation as SdkGeoLocation,
    ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover, ResourceRecordSetRegion, RrType,
    TagResourceType,
};

use super::error::err;
use super::time::odt;
use crate::model::error::{AwsError, ErrorKind};
use crate::model::route53::{
    AlarmRef, AliasTarget, ChangeStatus, CheckerObservation, DnsAnswer, Failover, GeoLocation,
    HealthCheck, HealthCheckKind, HealthCheckTarget, InsufficientDataHealth, PendingChange,
    RecordSet, RoutingKeys,
};

/// The record sets at a name, and the TXT values of a record beside it (the maintenance
/// journal), read together when one page holds both.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordsAt {
    pub records: Vec<RecordSet>,
    /// The values of the TXT record at `beside`, if it exists.
    pub beside: Option<Vec<String>>,
    /// The TXT records read on the way (the switch history beside the journal, when the page
    /// held it; from a zone listed whole, those beneath the site's name): no call is made for
    /// them.
    pub txt: Vec<RecordSet>,
}

impl RecordsAt {
    /// The values of the TXT record at `name` among those read, if it was read.
    pub fn txt_at(&self, name: &str) -> Option<Vec<String>> {
        let name = fqdn(name);
        self.txt
            .iter()
            .find(|r| fqdn(&r.name) == name)
            .map(|r| r.values.clone())
    }
}

/// Route 53's listing order: labels reversed, compared byte by byte.
fn order_key(name: &str) -> Vec<String> {
    name.trim_end_matches('.')
        .to_ascii_lowercase()
        .split('.')
        .rev()
        .map(str::to_string)
        .collect()
}

fn fqdn(name: &str) -> String {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    format!("{n}.")
}

/// Route 53 lists names with some characters escaped as octal (`\052` for `*`); undo it.
fn unescape(name: &str) -> String {
    crate::model::route53::unquote_strings(&format!("\"{}\"", name.replace('"', "\\\"")))
}

pub fn record_from_sdk(r: &ResourceRecordSet) -> RecordSet {
    RecordSet {
        name: unescape(r.name()),
        rtype: r.r#type().as_str().to_string(),
        set_identifier: r.set_identifier().map(str::to_string),
        failover: r.failover().map(|f| match f {
            ResourceRecordSetFailover::Primary => Failover::Primary,
            _ => Failover::Secondary,
        }),
        weight: r.weight(),
        ttl: r
            .ttl()
            .and_then(|t| u64::try_from(t).ok())
            .map(Duration::from_secs),
        values: r
            .resource_records()
            .iter()
            .map(|v| v.value().to_string())
            .collect(),
        alias: r.alias_target().map(|a| AliasTarget {
            hosted_zone_id: a.hosted_zone_id().to_string(),
            dns_name: a.dns_name().to_string(),
            evaluate_target_health: a.evaluate_target_health(),
        }),
        health_check_id: r.health_check_id().map(str::to_string),
        routing: RoutingKeys {
            region: r.region().map(|x| x.as_str().to_string()),
            geo_location: r.geo_location().map(|g| GeoLocation {
                continent_code: g.continent_code().map(str::to_string),
                country_code: g.country_code().map(str::to_string),
                subdivision_code: g.subdivision_code().map(str::to_string),
            }),
            multi_value_answer: r.multi_value_answer(),
            other_policy: if r.geo_proximity_location().is_some() {
                Some("geoproximity".into())
            } else if r.cidr_routing_config().is_some() {
                Some("IP-based".into())
            } else {
                None
            },
        },
    }
}

/// A model record set as the SDK takes it, for UPSERT, CREATE and DELETE.
pub fn record_to_sdk(r: &RecordSet) -> Result<ResourceRecordSet, AwsError> {
    let invalid = |what: String| {
        AwsError::new(
            ErrorKind::Invalid,
            "route53",
            "ChangeResourceRecordSets",
            what,
        )
    };
    let mut b = ResourceRecordSet::builder()
        .name(&r.name)
        .r#type(RrType::from(r.rtype.as_str()));
    if let Some(id) = &r.set_identifier {
        b = b.set_identifier(id);
    }
    if let Some(f) = r.failover {
        b = b.failover(ResourceRecordSetFailover::from(f.as_str()));
    }
    if let Some(w) = r.weight {
        b = b.weight(w);
    }
    if let Some(ttl) = r.ttl {
        b = b.ttl(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    }
    for v in &r.values {
        b = b.resource_records(
            ResourceRecord::builder()
                .value(v)
                .build()
                .map_err(|e| invalid(e.to_string()))?,
        );
    }
    if let Some(a) = &r.alias {
        b = b.alias_target(
            SdkAlias::builder()
                .hosted_zone_id(&a.hosted_zone_id)
                .dns_name(&a.dns_name)
                .evaluate_target_health(a.evaluate_target_health)
                .build()
                .map_err(|e| invalid(e.to_string()))?,
        );
    }
    if let Some(hc) = &r.health_check_id {
        b = b.health_check_id(hc);
    }
    if let Some(policy) = &r.routing.other_policy {
        return Err(invalid(format!(
            "{} {} uses {policy} routing, which switchyard does not write",
            r.name, r.rtype
        )));
    }
    if let Some(region) = &r.routing.region {
        b = b.region(ResourceRecordSetRegion::from(region.as_str()));
    }
    if let Some(g) = &r.routing.geo_location {
        b = b.geo_location(
            SdkGeoLocation::builder()
                .set_continent_code(g.continent_code.clone())
                .set_country_code(g.country_code.clone())
                .set_subdivision_code(g.subdivision_code.clone())
                .build(),
        );
    }
    if let Some(m) = r.routing.multi_value_answer {
        b = b.multi_value_answer(m);
    }
    b.build().map_err(|e| invalid(e.to_string()))
}

/// The record sets at `name`, and the TXT record at `beside` if there is one. One call when the
/// page reaches past `beside` in Route 53's order, two otherwise.
pub async fn records_at(
    c: &Client,
    zone_id: &str,
    name: &str,
    beside: &str,
) -> Result<RecordsAt, AwsError> {
    let name = fqdn(name);
    let beside = fqdn(beside);
    let mut page = c
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .start_record_name(&name)
        .max_items(20)
        .send()
        .await
        .map_err(err("route53", "ListResourceRecordSets"))?;
    let mut all: Vec<RecordSet> = page
        .resource_record_sets()
        .iter()
        .map(record_from_sdk)
        .collect();
    // A name with many record sets (two types of weighted members, say) spans pages: read on
    // while the next page still starts at the name.
    while page.is_truncated()
        && page
            .next_record_name()
            .is_some_and(|n| fqdn(&unescape(n)) == name)
    {
        let mut req = c
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .start_record_name(page.next_record_name().unwrap_or_default())
            .max_items(100);
        if let Some(t) = page.next_record_type() {
            req = req.start_record_type(t.clone());
        }
        if let Some(id) = page.next_record_identifier() {
            req = req.start_record_identifier(id);
        }
        page = req
            .send()
            .await
            .map_err(err("route53", "ListResourceRecordSets"))?;
        all.extend(page.resource_record_sets().iter().map(record_from_sdk));
    }
    let records: Vec<RecordSet> = all
        .iter()
        .filter(|r| fqdn(&r.name) == name)
        .cloned()
        .collect();
    let txt = |rs: &[RecordSet]| {
        rs.iter()
            .find(|r| fqdn(&r.name) == beside && r.rtype == "TXT")
            .map(|r| r.values.clone())
    };
    let txts: Vec<RecordSet> = all.iter().filter(|r| r.rtype == "TXT").cloned().collect();
    if let Some(values) = txt(&all) {
        return Ok(RecordsAt {
            records,
            beside: Some(values),
            txt: txts,
        });
    }
    let passed = all
        .last()
        .is_some_and(|r| order_key(&r.name) > order_key(&beside));
    if passed || !page.is_truncated() {
        return Ok(RecordsAt {
            records,
            beside: None,
            txt: txts,
        });
    }
    let page = c
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .start_record_name(&beside)
        .start_record_type(RrType::Txt)
        .max_items(1)
        .send()
        .await
        .map_err(err("route53", "ListResourceRecordSets"))?;
    let found: Vec<RecordSet> = page
        .resource_record_sets()
        .iter()
        .map(record_from_sdk)
        .collect();
    Ok(RecordsAt {
        records,
        beside: txt(&found),
        txt: txts
            .into_iter()
            .chain(found)
            .filter(|r| r.rtype == "TXT")
            .collect(),
    })
}

/// The record sets at `name` and the TXT values at `beside`, from records listed before, and
/// the TXT records beneath `name` (the switch history's among them). Compared without
/// allocating: a round over a zone of 200 sites looks through the whole zone once per site.
pub fn records_in(all: &[RecordSet], name: &str, beside: &str) -> RecordsAt {
    RecordsAt {
        records: all
            .iter()
            .filter(|r| same_name(&r.name, name))
            .cloned()
            .collect(),
        beside: all
            .iter()
            .find(|r| same_name(&r.name, beside) && r.rtype == "TXT")
            .map(|r| r.values.clone()),
        txt: all
            .iter()
            .filter(|r| r.rtype == "TXT" && beneath(&r.name, name))
            .cloned()
            .collect(),
    }
}

/// Whether two names are one (case and a final dot aside), as [`fqdn`] compares them.
fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// Whether `name` is a name beneath `parent` (`_switchyard-log.www.example.com` beneath
/// `www.example.com`), case and final dots aside.
fn beneath(name: &str, parent: &str) -> bool {
    let (n, p) = (name.trim_end_matches('.'), parent.trim_end_matches('.'));
    n.len() > p.len() + 1
        && n.get(n.len() - p.len()..)
            .is_some_and(|end| end.eq_ignore_ascii_case(p))
        && n.as_bytes().get(n.len() - p.len() - 1) == Some(&b'.')
}

/// Every record set of a zone, 300 a page: for a round over many sites of one zone, a few calls
/// instead of one or two per site.
pub async fn zone_records(c: &Client, zone_id: &str) -> Result<Vec<RecordSet>, AwsError> {
    let mut out = Vec::new();
    let mut start: Option<(String, RrType, Option<String>)> = None;
    loop {
        let mut req = c
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .max_items(300);
        if let Some((name, rtype, id)) = start.take() {
            req = req
                .start_record_name(name)
                .start_record_type(rtype)
                .set_start_record_identifier(id);
        }
        let page = req
            .send()
            .await
            .map_err(err("route53", "ListResourceRecordSets"))?;
        out.extend(page.resource_record_sets().iter().map(record_from_sdk));
        match (
            page.is_truncated(),
            page.next_record_name(),
            page.next_record_type(),
        ) {
            (true, Some(n), Some(t)) => {
                start = Some((
                    n.to_string(),
                    t.clone(),
                    page.next_record_identifier().map(str::to_string),
                ));
            }
            _ => return Ok(out),
        }
    }
}

/// The record sets at one name (every type): one call.
pub async fn records_named(
    c: &Client,
    zone_id: &str,
    name: &str,
) -> Result<Vec<RecordSet>, AwsError> {
    let name = fqdn(name);
    let page = c
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .start_record_name(&name)
        .max_items(100)
        .send()
        .await
        .map_err(err("route53", "ListResourceRecordSets"))?;
    Ok(page
        .resource_record_sets()
        .iter()
        .map(record_from_sdk)
        .filter(|r| fqdn(&r.name) == name)
        .collect())
}

/// A hosted zone as GetHostedZone and ListHostedZonesByName describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    /// The ID, without the `/hostedzone/` prefix.
    pub id: String,
    /// The name, lower case, without the trailing dot (as Route 53 keeps it: punycode).
    pub name: String,
    /// A private hosted zone (answered inside its VPCs only).
    pub private: bool,
}

fn zone_from_sdk(z: &aws_sdk_route53::types::HostedZone) -> Zone {
    Zone {
        id: z.id().trim_start_matches("/hostedzone/").to_string(),
        name: unescape(z.name())
            .trim_end_matches('.')
            .to_ascii_lowercase(),
        private: z.config().is_some_and(|c| c.private_zone()),
    }
}

/// One hosted zone by ID (GetHostedZone).
pub async fn hosted_zone(c: &Client, zone_id: &str) -> Result<Zone, AwsError> {
    let out = c
        .get_hosted_zone()
        .id(zone_id)
        .send()
        .await
        .map_err(err("route53", "GetHostedZone"))?;
    out.hosted_zone().map(zone_from_sdk).ok_or_else(|| {
        AwsError::new(
            ErrorKind::NotFound,
            "route53",
            "GetHostedZone",
            format!("no hosted zone {zone_id}"),
        )
    })
}

/// What GetHostedZone says of a zone's name servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    /// A private hosted zone: its name servers answer only inside its VPCs.
    pub private: bool,
    /// The names of the zone's name servers (its DelegationSet); none for a private zone.
    pub name_servers: Vec<String>,
}

/// The name servers of a hosted zone (GetHostedZone's DelegationSet.NameServers). They do not
/// change for the zone's life: read once and kept.
pub async fn delegation(c: &Client, zone_id: &str) -> Result<Delegation, AwsError> {
    let out = c
        .get_hosted_zone()
        .id(zone_id)
        .send()
        .await
        .map_err(err("route53", "GetHostedZone"))?;
    let private = out
        .hosted_zone()
        .and_then(|z| z.config())
        .is_some_and(|c| c.private_zone());
    Ok(Delegation {
        private,
        name_servers: out
            .delegation_set()
            .map(|d| d.name_servers().to_vec())
            .unwrap_or_default(),
    })
}

/// Every hosted zone with this name (a public and private ones of split-horizon DNS, or
/// several of either), in Route 53's order.
pub async fn zones_named(c: &Client, zone_name: &str) -> Result<Vec<Zone>, AwsError> {
    let want = fqdn(zone_name);
    let mut out = Vec::new();
    let mut next: Option<(String, Option<String>)> = Some((want.clone(), None));
    while let Some((dns, id)) = next.take() {
        let page = c
            .list_hosted_zones_by_name()
            .dns_name(dns)
            .set_hosted_zone_id(id)
            .max_items(100)
            .send()
            .await
            .map_err(err("route53", "ListHostedZonesByName"))?;
        let mut past = false;
        for z in page.hosted_zones() {
            if fqdn(&unescape(z.name())) == want {
                out.push(zone_from_sdk(z));
            } else {
                past = true;
            }
        }
        if page.is_truncated()
            && !past
            && let Some(n) = page.next_dns_name()
        {
            next = Some((
                n.to_string(),
                page.next_hosted_zone_id().map(str::to_string),
            ));
        }
    }
    Ok(out)
}

/// The hosted zone ID of a zone name (for `discover --zone example.com`).
pub async fn zone_id_by_name(c: &Client, zone_name: &str) -> Result<Option<String>, AwsError> {
    let out = c
        .list_hosted_zones_by_name()
        .dns_name(fqdn(zone_name))
        .max_items(1)
        .send()
        .await
        .map_err(err("route53", "ListHostedZonesByName"))?;
    Ok(out
        .hosted_zones()
        .iter()
        .find(|z| fqdn(z.name()) == fqdn(zone_name))
        .map(|z| z.id().trim_start_matches("/hostedzone/").to_string()))
}

/// The name of a hosted zone.
pub async fn zone_name(c: &Client, zone_id: &str) -> Result<String, AwsError> {
    let out = c
        .get_hosted_zone()
        .id(zone_id)
        .send()
        .await
        .map_err(err("route53", "GetHostedZone"))?;
    Ok(out
        .hosted_zone()
        .map(|z| z.name().to_string())
        .unwrap_or_default())
}

/// What Route 53 answers for a name right now.
pub async fn test_dns_answer(
    c: &Client,
    zone_id: &str,
    name: &str,
    rtype: &str,
) -> Result<DnsAnswer, AwsError> {
    let out = c
        .test_dns_answer()
        .hosted_zone_id(zone_id)
        .record_name(name)
        .record_type(RrType::from(rtype))
        .send()
        .await
        .map_err(err("route53", "TestDNSAnswer"))?;
    Ok(DnsAnswer {
        record_name: out.record_name().to_string(),
        record_type: out.record_type().as_str().to_string(),
        values: out.record_data().to_vec(),
        response_code: out.response_code().to_string(),
        source: crate::model::route53::AnswerSource::default(),
    })
}

fn health_check_from_sdk(h: &aws_sdk_route53::types::HealthCheck) -> HealthCheck {
    let cfg = h.health_check_config();
    let kind = cfg.map_or(HealthCheckKind::Other(String::new()), |c| {
        HealthCheckKind::from_aws(c.r#type().as_str())
    });
    HealthCheck {
        id: h.id().to_string(),
        name: None,
        kind,
        target: HealthCheckTarget {
            ip_address: cfg.and_then(|c| c.ip_address()).map(str::to_string),
            fqdn: cfg
                .and_then(|c| c.fully_qualified_domain_name())
                .map(str::to_string),
            port: cfg
                .and_then(|c| c.port())
                .and_then(|p| u16::try_from(p).ok()),
            resource_path: cfg.and_then(|c| c.resource_path()).map(str::to_string),
            search_string: cfg.and_then(|c| c.search_string()).map(str::to_string),
        },
        request_interval: Duration::from_secs(
            cfg.and_then(|c| c.request_interval())
                .and_then(|i| u64::try_from(i).ok())
                .unwrap_or(30),
        ),
        failure_threshold: cfg
            .and_then(|c| c.failure_threshold())
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(3),
        inverted: cfg.and_then(|c| c.inverted()).unwrap_or(false),
        disabled: cfg.and_then(|c| c.disabled()).unwrap_or(false),
        regions: cfg
            .map(|c| c.regions().iter().map(|r| r.as_str().to_string()).collect())
            .unwrap_or_default(),
        alarm: cfg.and_then(|c| c.alarm_identifier()).map(|a| AlarmRef {
            region: a.region().as_str().to_string(),
            name: a.name().to_string(),
        }),
        insufficient_data: cfg
            .and_then(|c| c.insufficient_data_health_status())
            .and_then(|s| InsufficientDataHealth::from_aws(s.as_str())),
        children: cfg
            .map(|c| c.child_health_checks().to_vec())
            .unwrap_or_default(),
        health_threshold: cfg
            .and_then(|c| c.health_threshold())
            .and_then(|t| u32::try_from(t).ok()),
        version: h.health_check_version(),
        tags: BTreeMap::new(),
    }
}

/// Every health check of the account (ListHealthChecks, 100 a page).
pub async fn health_checks(c: &Client) -> Result<Vec<HealthCheck>, AwsError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .list_health_checks()
            .set_marker(marker.take())
            .max_items(100)
            .send()
            .await
            .map_err(err("route53", "ListHealthChecks"))?;
        out.extend(page.health_checks().iter().map(health_check_from_sdk));
        match (page.is_truncated(), page.next_marker()) {
            (true, Some(m)) => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

/// One health check.
pub async fn health_check(c: &Client, id: &str) -> Result<HealthCheck, AwsError> {
    let out = c
        .get_health_check()
        .health_check_id(id)
        .send()
        .await
        .map_err(err("route53", "GetHealthCheck"))?;
    out.health_check()
        .map(health_check_from_sdk)
        .ok_or_else(|| {
            AwsError::new(
                ErrorKind::Service,
                "route53",
                "GetHealthCheck",
                "the answer holds no health check",
            )
        })
}

/// The tags of up to 10 health checks per call, with their Name tags applied.
pub async fn add_tags(c: &Client, checks: &mut [HealthCheck]) -> Result<(), AwsError> {
    for chunk in checks.chunks_mut(10) {
        let ids: Vec<String> = chunk.iter().map(|h| h.id.clone()).collect();
        let out = c
            .list_tags_for_resources()
            .resource_type(TagResourceType::Healthcheck)
            .set_resource_ids(Some(ids))
            .send()
            .await
            .map_err(err("route53", "ListTagsForResources"))?;
        for set in out.resource_tag_sets() {
            let Some(hc) = chunk
                .iter_mut()
                .find(|h| Some(h.id.as_str()) == set.resource_id())
            else {
                continue;
            };
            hc.tags = set
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_string(),
                        t.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect();
            hc.name = hc.tags.get("Name").cloned();
        }
    }
    Ok(())
}

fn observations(
    list: &[aws_sdk_route53::types::HealthCheckObservation],
) -> Vec<CheckerObservation> {
    list.iter()
        .map(|o| CheckerObservation {
            region: o
                .region()
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
            ip: o.ip_address().unwrap_or_default().to_string(),
            status: o
                .status_report()
                .and_then(|s| s.status())
                .unwrap_or_default()
                .to_string(),
            checked_at: o
                .status_report()
                .and_then(|s| s.checked_time())
                .and_then(odt),
        })
        .collect()
}

/// What each region's checker last saw (rate limited by AWS to 1 a second).
pub async fn health_check_status(
    c: &Client,
    id: &str,
) -> Result<Vec<CheckerObservation>, AwsError> {
    let out = c
        .get_health_check_status()
        .health_check_id(id)
        .send()
        .await
        .map_err(err("route53", "GetHealthCheckStatus"))?;
    Ok(observations(out.health_check_observations()))
}

/// The last failure each region's checker saw.
pub async fn last_failure_reasons(
    c: &Client,
    id: &str,
) -> Result<Vec<CheckerObservation>, AwsError> {
    let out = c
        .get_health_check_last_failure_reason()
        .health_check_id(id)
        .send()
        .await
        .map_err(err("route53", "GetHealthCheckLastFailureReason"))?;
    Ok(observations(out.health_check_observations()))
}

fn change_from_sdk(
    info: Option<&aws_sdk_route53::types::ChangeInfo>,
    operation: &'static str,
) -> Result<PendingChange, AwsError> {
    let info = info.ok_or_else(|| {
        AwsError::new(
            ErrorKind::Service,
            "route53",
            operation,
            "the answer holds no change",
        )
    })?;
    Ok(PendingChange {
        id: info.id().trim_start_matches("/change/").to_string(),
        status: if info.status().as_str() == "INSYNC" {
            ChangeStatus::Insync
        } else {
            ChangeStatus::Pending
        },
        submitted_at: odt(info.submitted_at()).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    })
}

/// Whether a change has reached every Route 53 name server.
pub async fn get_change(c: &Client, id: &str) -> Result<PendingChange, AwsError> {
    let out = c
        .get_change()
        .id(id)
        .send()
        .await
        .map_err(err("route53", "GetChange"))?;
    change_from_sdk(out.change_info(), "GetChange")
}

/// What a change does to one record set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordAction {
    Create,
    Delete,
    Upsert,
}

/// Applies a batch of record changes atomically.
pub async fn change_records(
    c: &Client,
    zone_id: &str,
    changes: &[(RecordAction, RecordSet)],
    comment: &str,
) -> Result<PendingChange, AwsError> {
    let mut batch = ChangeBatch::builder().comment(comment);
    for (action, record) in changes {
        let action = match action {
            RecordAction::Create => ChangeAction::Create,
            RecordAction::Delete => ChangeAction::Delete,
            RecordAction::Upsert => ChangeAction::Upsert,
        };
        let change = Change::builder()
            .action(action)
            .resource_record_set(record_to_sdk(record)?)
            .build()
            .map_err(|e| {
                AwsError::new(
                    ErrorKind::Invalid,
                    "route53",
                    "ChangeResourceRecordSets",
                    e.to_string(),
                )
            })?;
        batch = batch.changes(change);
    }
    let batch = batch.build().map_err(|e| {
        AwsError::new(
            ErrorKind::Invalid,
            "route53",
            "ChangeResourceRecordSets",
            e.to_string(),
        )
    })?;
    let out = c
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(batch)
        .send()
        .await
        .map_err(err("route53", "ChangeResourceRecordSets"))?;
    change_from_sdk(out.change_info(), "ChangeResourceRecordSets")
}

/// Sets a health check's Inverted flag, if its version is still `version`.
pub async fn set_inverted(
    c: &Client,
    id: &str,
    version: i64,
    inverted: bool,
) -> Result<HealthCheck, AwsError> {
    let out = c
        .update_health_check()
        .health_check_id(id)
        .health_check_version(version)
        .inverted(inverted)
        .send()
        .await
        .map_err(err("route53", "UpdateHealthCheck"))?;
    out.health_check()
        .map(health_check_from_sdk)
        .ok_or_else(|| {
            AwsError::new(
                ErrorKind::Service,
                "route53",
                "UpdateHealthCheck",
                "the answer holds no health check",
            )
        })
}

/// Adds (or with `value` None, removes) a tag on a health check.
pub async fn tag_health_check(
    c: &Client,
    id: &str,
    key: &str,
    value: Option<&str>,
) -> Result<(), AwsError> {
    let mut req = c
        .change_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(id);
    req = match value {
        Some(v) => req.add_tags(
            aws_sdk_route53::types::Tag::builder()
                .key(key)
                .value(v)
                .build(),
        ),
        None => req.remove_tag_keys(key),
    };
    req.send()
        .await
        .map_err(err("route53", "ChangeTagsForResource"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_listed_whole_gives_each_site_its_records_journal_and_history_only() {
        let rs = |name: &str, rtype: &str, value: &str| RecordSet {
            name: name.into(),
            rtype: rtype.into(),
            values: vec![value.into()],
            ..RecordSet::default()
        };
        let all = vec![
            rs("WWW.example.com.", "A", "192.0.2.1"),
            rs("www.example.com", "AAAA", "2001:db8::1"),
            rs("_switchyard.www.example.com.", "TXT", "journal"),
            rs("_switchyard-log.www.example.com.", "TXT", "history"),
            rs("shop.example.com.", "A", "192.0.2.2"),
            rs("_switchyard-log.shop.example.com.", "TXT", "other history"),
            rs("xwww.example.com.", "TXT", "not beneath"),
        ];
        let at = records_in(&all, "www.example.com", "_switchyard.www.example.com.");
        let types: Vec<&str> = at.records.iter().map(|r| r.rtype.as_str()).collect();
        assert_eq!(types, ["A", "AAAA"]);
        assert_eq!(at.beside, Some(vec!["journal".to_string()]));
        assert_eq!(
            at.txt_at("_switchyard-log.www.example.com"),
            Some(vec!["history".to_string()])
        );
        assert_eq!(at.txt_at("_switchyard-log.shop.example.com"), None);
        assert!(at.txt.iter().all(|r| r.name.ends_with("www.example.com.")));
        assert_eq!(at.txt.len(), 2, "{:?}", at.txt);
    }

    #[test]
    fn route53_order_reverses_labels() {
        assert!(order_key("_switchyard.www.example.com") > order_key("www.example.com"));
        assert!(order_key("a.www.example.com") > order_key("_switchyard.www.example.com"));
        assert!(order_key("xyz.example.com") > order_key("_switchyard.www.example.com"));
        assert!(order_key("abc.example.com") < order_key("_switchyard.www.example.com"));
    }

    #[test]
    fn escaped_names_read_plainly() {
        assert_eq!(unescape("\\052.example.com."), "*.example.com.");
    }

    #[test]
    fn records_convert_both_ways() {
        let r = RecordSet {
            name: "www.example.com.".into(),
            rtype: "A".into(),
            set_identifier: Some("p".into()),
            failover: Some(Failover::Primary),
            weight: None,
            ttl: None,
            values: vec![],
            alias: Some(AliasTarget {
                hosted_zone_id: "Z32O12XQLNTSW2".into(),
                dns_name: "x.elb.amazonaws.com.".into(),
                evaluate_target_health: true,
            }),
            health_check_id: Some("abc".into()),
            routing: RoutingKeys::default(),
        };
        assert_eq!(record_from_sdk(&record_to_sdk(&r).unwrap()), r);
    }

    #[test]
    fn latency_geolocation_and_multivalue_keys_convert_both_ways() {
        let base = RecordSet {
            name: "api.example.com.".into(),
            rtype: "AAAA".into(),
            set_identifier: Some("m".into()),
            ttl: Some(Duration::from_secs(60)),
            values: vec!["2001:db8::1".into()],
            health_check_id: Some("abc".into()),
            ..RecordSet::default()
        };
        let keys = [
            RoutingKeys {
                region: Some("eu-west-1".into()),
                ..RoutingKeys::default()
            },
            RoutingKeys {
                geo_location: Some(GeoLocation {
                    country_code: Some("US".into()),
                    subdivision_code: Some("CA".into()),
                    ..GeoLocation::default()
                }),
                ..RoutingKeys::default()
            },
            RoutingKeys {
                multi_value_answer: Some(true),
                ..RoutingKeys::default()
            },
        ];
        for routing in keys {
            let r = RecordSet {
                routing,
                ..base.clone()
            };
            assert_eq!(record_from_sdk(&record_to_sdk(&r).unwrap()), r);
        }
        let other = RecordSet {
            routing: RoutingKeys {
                other_policy: Some("geoproximity".into()),
                ..RoutingKeys::default()
            },
            ..base
        };
        let err = record_to_sdk(&other).unwrap_err();
        assert!(err.message.contains("geoproximity"), "{err:?}");
    }
}
