//! Route 53 over REST-XML.

use hyper::Method;

use super::{ApiError, ApiResult, Call, ROUTE53_XMLNS, Reply};
use crate::proto::query::iso8601;
use crate::proto::xml::{XmlEl, XmlWriter};
use crate::world::route53::{
    AliasTarget, Change, DEFAULT_CHECKER_REGIONS, HcConfig, HealthCheck, Observation, RecordSet,
    Zone, escape_name, fqdn, record_order, validate_hc_config,
};
use crate::world::{Ms, World, secs};

/// The operation a method and path (after `/2013-04-01/`) name.
pub fn operation(method: &Method, seg: &[String]) -> Option<&'static str> {
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    Some(match (method.as_str(), s.as_slice()) {
        ("GET", ["hostedzone"]) => "ListHostedZones",
        ("GET", ["hostedzonesbyname"]) => "ListHostedZonesByName",
        ("GET", ["hostedzone", _]) => "GetHostedZone",
        ("GET", ["hostedzone", _, "rrset"]) => "ListResourceRecordSets",
        ("POST", ["hostedzone", _, "rrset"]) => "ChangeResourceRecordSets",
        ("GET", ["change", _]) => "GetChange",
        ("GET", ["testdnsanswer"]) => "TestDNSAnswer",
        ("GET", ["healthcheck"]) => "ListHealthChecks",
        ("GET", ["healthcheckcount"]) => "GetHealthCheckCount",
        ("GET", ["healthcheck", _]) => "GetHealthCheck",
        ("POST", ["healthcheck"]) => "CreateHealthCheck",
        ("POST", ["healthcheck", _]) => "UpdateHealthCheck",
        ("DELETE", ["healthcheck", _]) => "DeleteHealthCheck",
        ("GET", ["healthcheck", _, "status"]) => "GetHealthCheckStatus",
        ("GET", ["healthcheck", _, "lastfailurereason"]) => "GetHealthCheckLastFailureReason",
        ("POST", ["tags", _, _]) => "ChangeTagsForResource",
        ("POST", ["tags", _]) => "ListTagsForResources",
        ("GET", ["tags", _, _]) => "ListTagsForResource",
        _ => return None,
    })
}

pub fn handle(world: &mut World, call: &Call) -> ApiResult {
    let seg = |i: usize| {
        call.segments
            .get(i)
            .map(|s| strip_id(s))
            .unwrap_or_default()
    };
    match call.operation.as_str() {
        "ListHostedZones" => list_hosted_zones(world, call),
        "ListHostedZonesByName" => list_hosted_zones_by_name(world, call),
        "GetHostedZone" => get_hosted_zone(world, &seg(1)),
        "ListResourceRecordSets" => list_record_sets(world, call, &seg(1)),
        "ChangeResourceRecordSets" => change_record_sets(world, call, &seg(1)),
        "GetChange" => get_change(world, &seg(1)),
        "TestDNSAnswer" => test_dns_answer(world, call),
        "ListHealthChecks" => list_health_checks(world, call),
        "GetHealthCheckCount" => {
            let mut w = start("GetHealthCheckCountResponse");
            w.leaf(
                "HealthCheckCount",
                world.r53.health_checks.len().to_string(),
            );
            finish(w, "GetHealthCheckCountResponse")
        }
        "GetHealthCheck" => {
            let hc = health_check(world, &seg(1))?;
            let mut w = start("GetHealthCheckResponse");
            write_health_check(&mut w, world, hc);
            finish(w, "GetHealthCheckResponse")
        }
        "UpdateHealthCheck" => update_health_check(world, call, &seg(1)),
        "CreateHealthCheck" => create_health_check(world, call),
        "DeleteHealthCheck" => delete_health_check(world, &seg(1)),
        "GetHealthCheckStatus" => health_check_status(world, &seg(1), false),
        "GetHealthCheckLastFailureReason" => health_check_status(world, &seg(1), true),
        "ChangeTagsForResource" => change_tags(world, call, &seg(1), &seg(2)),
        "ListTagsForResource" => list_tags(world, &seg(1), &seg(2)),
        "ListTagsForResources" => list_tags_batch(world, call, &seg(1)),

        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation {other}"),
        )),
    }
}

/// IDs may come with their `/hostedzone/` or `/change/` prefix.
fn strip_id(s: &str) -> String {
    s.rsplit('/').next().unwrap_or(s).to_string()
}

fn start(root: &str) -> XmlWriter {
    let mut w = XmlWriter::new();
    w.root(root, ROUTE53_XMLNS);
    w
}

fn finish(mut w: XmlWriter, root: &str) -> ApiResult {
    w.close(root);
    Ok(Reply::xml(w.finish()))
}

fn max_items(call: &Call, default: usize) -> Result<usize, ApiError> {
    match call.param("maxitems") {
        Some(v) => v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ApiError::bad("InvalidInput", format!("Invalid value for maxitems: {v}"))
        }),
        None => Ok(default),
    }
}

fn zone<'a>(world: &'a World, id: &str) -> Result<&'a Zone, ApiError> {
    world.r53.zone(id).ok_or_else(|| {
        ApiError::new(
            404,
            "NoSuchHostedZone",
            format!("No hosted zone found with ID: {id}"),
        )
    })
}

fn health_check<'a>(world: &'a World, id: &str) -> Result<&'a HealthCheck, ApiError> {
    world.r53.health_check(id).ok_or_else(|| {
        ApiError::new(
            404,
            "NoSuchHealthCheck",
            format!("A health check with id {id} does not exist."),
        )
    })
}

fn write_zone(w: &mut XmlWriter, z: &Zone) {
    w.open("HostedZone")
        .leaf("Id", format!("/hostedzone/{}", z.id))
        .leaf("Name", &z.name)
        .leaf("CallerReference", &z.caller_reference)
        .open("Config")
        .leaf_opt("Comment", z.comment.as_ref())
        .leaf("PrivateZone", z.private.to_string())
        .close("Config")
        .leaf("ResourceRecordSetCount", z.records.len().to_string())
        .close("HostedZone");
}

fn zone_order(z: &Zone) -> (Vec<String>, String) {
    (
        z.name
            .trim_end_matches('.')
            .split('.')
            .rev()
            .map(str::to_string)
            .collect(),
        z.id.clone(),
    )
}

fn list_hosted_zones(world: &World, call: &Call) -> ApiResult {
    let max = max_items(call, 100)?;
    let zones = &world.r53.zones;
    let start_at = match call.param("marker") {
        Some(m) => zones
            .iter()
            .position(|z| z.id == strip_id(m))
            .ok_or_else(|| ApiError::bad("InvalidInput", format!("Invalid marker {m}")))?,
        None => 0,
    };
    let end = (start_at + max).min(zones.len());
    let mut w = start("ListHostedZonesResponse");
    w.open("HostedZones");
    for z in &zones[start_at..end] {
        write_zone(&mut w, z);
    }
    w.close("HostedZones");
    w.leaf("Marker", call.param("marker").unwrap_or_default());
    w.leaf("IsTruncated", (end < zones.len()).to_string());
    if end < zones.len() {
        w.leaf("NextMarker", &zones[end].id);
    }
    w.leaf("MaxItems", max.to_string());
    finish(w, "ListHostedZonesResponse")
}

fn list_hosted_zones_by_name(world: &World, call: &Call) -> ApiResult {
    let max = max_items(call, 100)?;
    let mut zones: Vec<&Zone> = world.r53.zones.iter().collect();
    zones.sort_by_key(|z| zone_order(z));
    let dns = call.param("dnsname").map(fqdn);
    let from = dns.as_ref().map(|d| {
        (
            d.trim_end_matches('.')
                .split('.')
                .rev()
                .map(str::to_string)
                .collect::<Vec<_>>(),
            call.param("hostedzoneid").map(strip_id).unwrap_or_default(),
        )
    });
    let begin = from.map_or(0, |key| zones.partition_point(|z| zone_order(z) < key));
    let end = (begin + max).min(zones.len());
    let mut w = start("ListHostedZonesByNameResponse");
    w.open("HostedZones");
    for z in &zones[begin..end] {
        write_zone(&mut w, z);
    }
    w.close("HostedZones");
    w.leaf_opt("DNSName", dns.as_ref());
    w.leaf_opt("HostedZoneId", call.param("hostedzoneid"));
    w.leaf("IsTruncated", (end < zones.len()).to_string());
    if let Some(next) = zones.get(end) {
        w.leaf("NextDNSName", &next.name)
            .leaf("NextHostedZoneId", &next.id);
    }
    w.leaf("MaxItems", max.to_string());
    finish(w, "ListHostedZonesByNameResponse")
}

fn get_hosted_zone(world: &World, id: &str) -> ApiResult {
    let z = zone(world, id)?;
    let mut w = start("GetHostedZoneResponse");
    write_zone(&mut w, z);
    if z.private {
        w.open("VPCs");
        for (id, region) in &z.vpcs {
            w.open("VPC")
                .leaf("VPCRegion", region)
                .leaf("VPCId", id)
                .close("VPC");
        }
        w.close("VPCs");
    } else {
        w.open("DelegationSet")
            .list("NameServers", "NameServer", &z.name_servers)
            .close("DelegationSet");
    }
    finish(w, "GetHostedZoneResponse")
}

pub fn write_record(w: &mut XmlWriter, r: &RecordSet) {
    w.open("ResourceRecordSet")
        .leaf("Name", escape_name(&r.name))
        .leaf("Type", &r.rtype);
    w.leaf_opt("SetIdentifier", r.set_identifier.as_ref());
    w.leaf_opt("Weight", r.weight.map(|v| v.to_string()));
    w.leaf_opt("Region", r.region.as_ref());
    w.leaf_opt("Failover", r.failover.as_ref());
    w.leaf_opt("MultiValueAnswer", r.multi_value.map(|v| v.to_string()));
    w.leaf_opt("TTL", r.ttl.map(|v| v.to_string()));
    if !r.values.is_empty() {
        w.open("ResourceRecords");
        for v in &r.values {
            w.open("ResourceRecord")
                .leaf("Value", v)
                .close("ResourceRecord");
        }
        w.close("ResourceRecords");
    }
    if let Some(a) = &r.alias {
        w.open("AliasTarget")
            .leaf("HostedZoneId", &a.zone_id)
            .leaf("DNSName", &a.dns_name)
            .leaf("EvaluateTargetHealth", a.evaluate_target_health.to_string())
            .close("AliasTarget");
    }
    w.leaf_opt("HealthCheckId", r.health_check_id.as_ref());
    for e in &r.extra {
        w.element(e);
    }
    w.close("ResourceRecordSet");
}

pub fn parse_record(el: &XmlEl) -> Result<RecordSet, ApiError> {
    let name = el
        .text_at(&["Name"])
        .ok_or_else(|| ApiError::bad("InvalidInput", "Invalid request: Missing field 'Name'"))?;
    let rtype = el
        .text_at(&["Type"])
        .ok_or_else(|| ApiError::bad("InvalidInput", "Invalid request: Missing field 'Type'"))?;
    let num = |field: &str| -> Result<Option<i64>, ApiError> {
        el.text_at(&[field])
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ApiError::bad("InvalidInput", format!("Invalid value for {field}: {v}"))
                })
            })
            .transpose()
    };
    let alias = el.get("AliasTarget").map(|a| AliasTarget {
        zone_id: a.text_at(&["HostedZoneId"]).unwrap_or_default().to_string(),
        dns_name: fqdn(a.text_at(&["DNSName"]).unwrap_or_default()),
        evaluate_target_health: a.text_at(&["EvaluateTargetHealth"]) == Some("true"),
    });
    const KNOWN: [&str; 12] = [
        "Name",
        "Type",
        "SetIdentifier",
        "Weight",
        "Region",
        "Failover",
        "MultiValueAnswer",
        "TTL",
        "ResourceRecords",
        "AliasTarget",
        "HealthCheckId",
        "TrafficPolicyInstanceId",
    ];
    Ok(RecordSet {
        name: fqdn(name),
        rtype: rtype.to_string(),
        set_identifier: el.text_at(&["SetIdentifier"]).map(str::to_string),
        weight: num("Weight")?,
        region: el.text_at(&["Region"]).map(str::to_string),
        failover: el.text_at(&["Failover"]).map(str::to_string),
        multi_value: el.text_at(&["MultiValueAnswer"]).map(|v| v == "true"),
        ttl: num("TTL")?,
        values: el
            .get("ResourceRecords")
            .map(|rr| {
                rr.all("ResourceRecord")
                    .map(|r| r.text_at(&["Value"]).unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        alias,
        health_check_id: el.text_at(&["HealthCheckId"]).map(str::to_string),
        extra: el
            .children
            .iter()
            .filter(|c| !KNOWN.contains(&c.name.as_str()))
            .cloned()
            .collect(),
    })
}

fn list_record_sets(world: &World, call: &Call, zone_id: &str) -> ApiResult {
    let z = zone(world, zone_id)?;
    let max = max_items(call, 300)?;
    let name = call.param("name").map(fqdn);
    let rtype = call.param("type").map(str::to_string);
    if rtype.is_some() && name.is_none() {
        return Err(ApiError::bad(
            "InvalidInput",
            "The input is not valid: type was specified but name was not",
        ));
    }
    let begin = match &name {
        Some(n) => {
            let key = (
                n.trim_end_matches('.')
                    .split('.')
                    .rev()
                    .map(str::to_string)
                    .collect::<Vec<_>>(),
                rtype.clone().unwrap_or_default(),
                call.param("identifier").unwrap_or_default().to_string(),
            );
            z.records.partition_point(|r| record_order(r) < key)
        }
        None => 0,
    };
    let end = (begin + max).min(z.records.len());
    let mut w = start("ListResourceRecordSetsResponse");
    w.open("ResourceRecordSets");
    for r in &z.records[begin..end] {
        write_record(&mut w, r);
    }
    w.close("ResourceRecordSets");
    w.leaf("IsTruncated", (end < z.records.len()).to_string());
    if let Some(next) = z.records.get(end) {
        w.leaf("NextRecordName", escape_name(&next.name))
            .leaf("NextRecordType", &next.rtype);
        w.leaf_opt("NextRecordIdentifier", next.set_identifier.as_ref());
    }
    w.leaf("MaxItems", max.to_string());
    finish(w, "ListResourceRecordSetsResponse")
}

fn change_info(w: &mut XmlWriter, c: &Change, t: i64) {
    w.open("ChangeInfo")
        .leaf("Id", format!("/change/{}", c.id))
        .leaf("Status", c.status_at(t))
        .leaf("SubmittedAt", iso8601(secs(c.submitted)))
        .leaf_opt("Comment", c.comment.as_ref())
        .close("ChangeInfo");
}

/// Route 53's limits on one ChangeResourceRecordSets request ("Quotas on ChangeResourceRecordSets
/// requests", Route 53 developer guide): at most 1,000 ResourceRecord elements and 32,000
/// characters in all Value elements, an UPSERT counting twice; each TXT character string at most
/// 255 characters.
fn request_limits(changes: &[(String, RecordSet)]) -> Result<(), ApiError> {
    let weight = |action: &str| if action == "UPSERT" { 2 } else { 1 };
    let records: usize = changes
        .iter()
        .map(|(a, r)| weight(a) * r.values.len())
        .sum();
    if records > 1_000 {
        return Err(ApiError::bad(
            "InvalidChangeBatch",
            format!("[Number of records limit of 1000 exceeded: the request has {records}.]"),
        ));
    }
    let chars: usize = changes
        .iter()
        .map(|(a, r)| weight(a) * r.values.iter().map(|v| v.chars().count()).sum::<usize>())
        .sum();
    if chars > 32_000 {
        return Err(ApiError::bad(
            "InvalidChangeBatch",
            format!(
                "[Number of characters in all Value elements limit of 32000 exceeded: the request has {chars}.]"
            ),
        ));
    }
    for (_, r) in changes.iter().filter(|(_, r)| r.rtype == "TXT") {
        if let Some(long) = r
            .values
            .iter()
            .flat_map(|v| txt_strings(v))
            .find(|s| s.chars().count() > 255)
        {
            return Err(ApiError::bad(
                "InvalidChangeBatch",
                format!(
                    "[Invalid Resource Record: FATAL problem: TXTRDATATooLong (Value contains a character string longer than 255 characters) encountered with '{}...']",
                    long.chars().take(20).collect::<String>()
                ),
            ));
        }
    }
    Ok(())
}

/// The character strings of a TXT value: each quoted string, or the whole value unquoted.
fn txt_strings(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped, mut any) = (false, false, false);
    for ch in value.chars() {
        match (quoted, escaped, ch) {
            (true, true, c) => {
                cur.push(c);
                escaped = false;
            }
            (true, false, '\\') => escaped = true,
            (true, false, '"') => {
                out.push(std::mem::take(&mut cur));
                quoted = false;
            }
            (true, false, c) => cur.push(c),
            (false, _, '"') => {
                quoted = true;
                any = true;
            }
            (false, _, _) => {}
        }
    }
    if !any {
        out.push(value.to_string());
    }
    out
}

fn change_record_sets(world: &mut World, call: &Call, zone_id: &str) -> ApiResult {
    zone(world, zone_id)?;
    let body = XmlEl::parse(&call.body).map_err(|e| ApiError::bad("InvalidInput", e))?;
    let batch = body.get("ChangeBatch").ok_or_else(|| {
        ApiError::bad(
            "InvalidInput",
            "Invalid request: Missing field 'ChangeBatch'",
        )
    })?;
    let mut changes = Vec::new();
    for c in batch
        .get("Changes")
        .map(|c| c.all("Change").collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let action = c.text_at(&["Action"]).unwrap_or_default().to_string();
        let rrs = c.get("ResourceRecordSet").ok_or_else(|| {
            ApiError::bad(
                "InvalidInput",
                "Invalid request: Missing field 'ResourceRecordSet'",
            )
        })?;
        changes.push((action, parse_record(rrs)?));
    }
    if changes.is_empty() {
        return Err(ApiError::bad(
            "InvalidInput",
            "Invalid request: ChangeBatch must contain at least one Change",
        ));
    }
    request_limits(&changes)?;
    let now = world.now;
    // PriorRequestNotComplete (Route 53 API reference, ChangeResourceRecordSets errors): "If
    // Amazon Route 53 can't process a request before the next request arrives, it will reject
    // subsequent requests for the same hosted zone and return an HTTP 400 error". How long a
    // request takes to process is Timing::change_processing_ms (0: always before the next).
    if world
        .r53
        .zone(zone_id)
        .is_some_and(|z| now < z.processing_until)
    {
        return Err(ApiError::bad(
            "PriorRequestNotComplete",
            "The request was rejected because Route 53 was still processing a prior request.",
        ));
    }
    let key = format!("{zone_id}#{}", world.r53.changes.len());
    // Propagation varies from change to change ("usually within 60 s", AWS-FACTS.md); versions
    // of a zone reach the name servers in order, so a change is INSYNC no sooner than the one
    // before it.
    let insync_at = (now + world.propagation_ms(world.timing.change_insync_secs, &key)).max(
        world
            .r53
            .zone(zone_id)
            .and_then(Zone::last_pending_at)
            .unwrap_or(Ms::MIN),
    );
    let processing_ms = world.timing.change_processing_ms.max(0);
    let hc_ids: Vec<String> = world
        .r53
        .health_checks
        .iter()
        .map(|h| h.id.clone())
        .collect();
    let z = world.r53.zone_mut(zone_id).ok_or_else(|| {
        ApiError::new(
            404,
            "NoSuchHostedZone",
            format!("No hosted zone found with ID: {zone_id}"),
        )
    })?;
    z.apply(&changes, |id| hc_ids.iter().any(|h| h == id), insync_at)
        .map_err(|errors| {
            ApiError::bad("InvalidChangeBatch", format!("[{}]", errors.join(", ")))
        })?;
    z.processing_until = now + processing_ms;
    let change = Change {
        id: format!("C{}", world.ids.upper(20)),
        submitted: now,
        insync_at,
        comment: batch.text_at(&["Comment"]).map(str::to_string),
    };
    let mut w = start("ChangeResourceRecordSetsResponse");
    change_info(&mut w, &change, now);
    world.r53.changes.insert(change.id.clone(), change);
    finish(w, "ChangeResourceRecordSetsResponse")
}

fn get_change(world: &World, id: &str) -> ApiResult {
    let c = world.r53.changes.get(id).ok_or_else(|| {
        ApiError::new(
            404,
            "NoSuchChange",
            format!("A change with the specified change ID does not exist: {id}"),
        )
    })?;
    let mut w = start("GetChangeResponse");
    change_info(&mut w, c, world.now);
    finish(w, "GetChangeResponse")
}

fn test_dns_answer(world: &World, call: &Call) -> ApiResult {
    let zone_id = call
        .param("hostedzoneid")
        .map(strip_id)
        .ok_or_else(|| ApiError::bad("InvalidInput", "hostedzoneid is required"))?;
    let name = call
        .param("recordname")
        .ok_or_else(|| ApiError::bad("InvalidInput", "recordname is required"))?;
    let rtype = call
        .param("recordtype")
        .ok_or_else(|| ApiError::bad("InvalidInput", "recordtype is required"))?;
    let z = zone(world, &zone_id)?;
    if z.private {
        // "This call only supports querying public hosted zones."
        return Err(ApiError::bad(
            "InvalidInput",
            format!(
                "The specified hosted zone {zone_id} is a private hosted zone; TestDNSAnswer supports public hosted zones only"
            ),
        ));
    }
    let answer = world.dns_answer(z, name, rtype, 0);
    let mut w = start("TestDNSAnswerResponse");
    w.leaf(
        "Nameserver",
        z.name_servers
            .first()
            .map(String::as_str)
            .unwrap_or("ns-1.awsdns-00.com"),
    )
    .leaf("RecordName", escape_name(&fqdn(name)))
    .leaf("RecordType", rtype)
    .list("RecordData", "RecordDataEntry", &answer.values)
    .leaf("ResponseCode", answer.code)
    .leaf("Protocol", "UDP");
    finish(w, "TestDNSAnswerResponse")
}

fn write_health_check(w: &mut XmlWriter, world: &World, hc: &HealthCheck) {
    let c = &hc.cfg;
    w.open("HealthCheck")
        .leaf("Id", &hc.id)
        .leaf("CallerReference", &hc.caller_reference);
    w.open("HealthCheckConfig");
    w.leaf_opt("IPAddress", c.ip.as_ref());
    w.leaf_opt("Port", c.port.map(|p| p.to_string()));
    w.leaf("Type", &c.kind);
    w.leaf_opt("ResourcePath", c.resource_path.as_ref());
    w.leaf_opt("FullyQualifiedDomainName", c.fqdn.as_ref());
    w.leaf_opt("SearchString", c.search_string.as_ref());
    if c.probes_an_endpoint() {
        w.leaf("RequestInterval", c.request_interval.to_string());
        w.leaf("FailureThreshold", c.failure_threshold.to_string());
        w.leaf("MeasureLatency", c.measure_latency.to_string());
    }
    w.leaf("Inverted", c.inverted.to_string());
    w.leaf("Disabled", c.disabled.to_string());
    w.leaf_opt("HealthThreshold", c.health_threshold.map(|v| v.to_string()));
    if c.kind == "CALCULATED" {
        w.list("ChildHealthChecks", "ChildHealthCheck", &c.children);
    }
    w.leaf_opt("EnableSNI", c.enable_sni.map(|v| v.to_string()));
    if c.probes_an_endpoint() {
        w.list("Regions", "Region", &c.regions);
    }
    if let Some((region, name)) = &c.alarm {
        w.open("AlarmIdentifier")
            .leaf("Region", region)
            .leaf("Name", name)
            .close("AlarmIdentifier");
    }
    w.leaf_opt("InsufficientDataHealthStatus", c.insufficient_data.as_ref());
    w.close("HealthCheckConfig");
    w.leaf("HealthCheckVersion", hc.version.to_string());
    if let Some(a) = c
        .alarm
        .as_ref()
        .and_then(|(region, name)| world.cw.alarm(region, name))
    {
        w.open("CloudWatchAlarmConfiguration")
            .leaf("EvaluationPeriods", a.evaluation_periods.to_string())
            .leaf("Threshold", crate::proto::query::format_float(a.threshold))
            .leaf("ComparisonOperator", &a.comparison)
            .leaf("Period", a.period.to_string())
            .leaf("MetricName", &a.metric)
            .leaf("Namespace", &a.namespace)
            .leaf("Statistic", a.statistic.as_deref().unwrap_or("Average"));
        w.open("Dimensions");
        for (k, v) in &a.dims {
            w.open("Dimension")
                .leaf("Name", k)
                .leaf("Value", v)
                .close("Dimension");
        }
        w.close("Dimensions").close("CloudWatchAlarmConfiguration");
    }
    w.close("HealthCheck");
}

fn list_health_checks(world: &World, call: &Call) -> ApiResult {
    let max = max_items(call, 100)?;
    let hcs = &world.r53.health_checks;
    let begin = match call.param("marker") {
        Some(m) => hcs
            .iter()
            .position(|h| h.id == m)
            .ok_or_else(|| ApiError::bad("InvalidInput", format!("Invalid marker {m}")))?,
        None => 0,
    };
    let end = (begin + max).min(hcs.len());
    let mut w = start("ListHealthChecksResponse");
    w.open("HealthChecks");
    for hc in &hcs[begin..end] {
        write_health_check(&mut w, world, hc);
    }
    w.close("HealthChecks");
    w.leaf("Marker", call.param("marker").unwrap_or_default());
    w.leaf("IsTruncated", (end < hcs.len()).to_string());
    if let Some(next) = hcs.get(end) {
        w.leaf("NextMarker", &next.id);
    }
    w.leaf("MaxItems", max.to_string());
    finish(w, "ListHealthChecksResponse")
}

fn write_observation(w: &mut XmlWriter, region: Option<&str>, ip: Option<&str>, obs: &Observation) {
    w.open("HealthCheckObservation");
    w.leaf_opt("Region", region);
    w.leaf_opt("IPAddress", ip);
    w.open("StatusReport")
        .leaf("Status", &obs.status)
        .leaf("CheckedTime", iso8601(secs(obs.at)))
        .close("StatusReport");
    w.close("HealthCheckObservation");
}

fn health_check_status(world: &World, id: &str, failures_only: bool) -> ApiResult {
    let hc = health_check(world, id)?;
    // As AWS: the status of a calculated check is only in the console and the metric.
    if hc.cfg.kind == "CALCULATED" {
        let operation = if failures_only {
            "GetHealthCheckLastFailureReason"
        } else {
            "GetHealthCheckStatus"
        };
        return Err(ApiError::bad(
            "InvalidInput",
            format!(
                "You can't use {operation} for a calculated health check ({id}): use the Route 53 \
                 console or CloudWatch."
            ),
        ));
    }
    let root = if failures_only {
        "GetHealthCheckLastFailureReasonResponse"
    } else {
        "GetHealthCheckStatusResponse"
    };
    let mut w = start(root);
    w.open("HealthCheckObservations");
    if hc.cfg.probes_an_endpoint() {
        for c in &hc.checkers {
            let obs = if failures_only {
                c.last_failure.as_ref()
            } else {
                c.last.as_ref()
            };
            if let Some(obs) = obs {
                write_observation(&mut w, Some(&c.region), Some(&c.ip), obs);
            }
        }
    } else if !failures_only || !world.hc_healthy(&hc.id).unwrap_or(true) {
        let (region, status) = derived_status(world, hc);
        write_observation(
            &mut w,
            region.as_deref(),
            None,
            &Observation {
                status,
                at: world.now,
            },
        );
    }
    w.close("HealthCheckObservations");
    finish(w, root)
}

/// The status text of a check that has no checkers of its own.
fn derived_status(world: &World, hc: &HealthCheck) -> (Option<String>, String) {
    match hc.cfg.kind.as_str() {
        "CALCULATED" => {
            let healthy = hc
                .cfg
                .children
                .iter()
                .filter(|c| world.hc_healthy(c).unwrap_or(false))
                .count();
            let ok = healthy as i64 >= hc.cfg.health_threshold.unwrap_or(0);
            (
                None,
                format!(
                    "{}: {healthy} of {} child health checks are healthy (threshold {})",
                    if ok { "Success" } else { "Failure" },
                    hc.cfg.children.len(),
                    hc.cfg.health_threshold.unwrap_or(0)
                ),
            )
        }
        "CLOUDWATCH_METRIC" => {
            let (region, name) = hc.cfg.alarm.clone().unwrap_or_default();
            let state = world
                .cw
                .alarm(&region, &name)
                .map_or("INSUFFICIENT_DATA", |a| a.state.as_str());
            let ok = world.alarm_health(hc);
            (
                Some(region),
                format!(
                    "{}: CloudWatch alarm {name} is in state {state}",
                    if ok { "Success" } else { "Failure" }
                ),
            )
        }
        _ => (None, "Success: Routing control is on".to_string()),
    }
}

/// Reads the settings of a HealthCheckConfig (CreateHealthCheck) or an UpdateHealthCheck request
/// from `body` into `cfg`.
fn read_config(body: &XmlEl, cfg: &mut HcConfig) -> Result<(), ApiError> {
    let text = |name: &str| body.text_at(&[name]).map(str::to_string);
    let int = |name: &str| -> Result<Option<i64>, ApiError> {
        body.text_at(&[name])
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ApiError::bad("InvalidInput", format!("Invalid value for {name}: {v}"))
                })
            })
            .transpose()
    };
    let flag = |name: &str| body.text_at(&[name]).map(|v| v.trim() == "true");
    if let Some(v) = text("IPAddress") {
        cfg.ip = Some(v);
    }
    if let Some(v) = int("Port")? {
        cfg.port = Some(v);
    }
    if let Some(v) = text("ResourcePath") {
        cfg.resource_path = Some(v);
    }
    if let Some(v) = text("FullyQualifiedDomainName") {
        cfg.fqdn = Some(v);
    }
    if let Some(v) = text("SearchString") {
        cfg.search_string = Some(v);
    }
    if let Some(v) = int("FailureThreshold")? {
        if !(1..=10).contains(&v) {
            return Err(ApiError::bad(
                "InvalidInput",
                format!("Invalid value for FailureThreshold: {v}. It must be between 1 and 10."),
            ));
        }
        cfg.failure_threshold = v;
    }
    if let Some(v) = flag("Inverted") {
        cfg.inverted = v;
    }
    if let Some(v) = flag("Disabled") {
        cfg.disabled = v;
    }
    if let Some(v) = int("HealthThreshold")? {
        cfg.health_threshold = Some(v);
    }
    if let Some(children) = body.get("ChildHealthChecks") {
        cfg.children = children.children.iter().map(|c| c.text.clone()).collect();
    }
    if let Some(v) = flag("EnableSNI") {
        cfg.enable_sni = Some(v);
    }
    if let Some(regions) = body.get("Regions") {
        let regions: Vec<String> = regions.children.iter().map(|c| c.text.clone()).collect();
        if regions.len() < 3 {
            return Err(ApiError::bad(
                "InvalidInput",
                "You must specify at least three regions for a health check.",
            ));
        }
        cfg.regions = regions;
    }
    if let Some(a) = body.get("AlarmIdentifier") {
        cfg.alarm = Some((
            a.text_at(&["Region"]).unwrap_or_default().to_string(),
            a.text_at(&["Name"]).unwrap_or_default().to_string(),
        ));
    }
    if let Some(v) = text("InsufficientDataHealthStatus") {
        if !["Healthy", "Unhealthy", "LastKnownStatus"].contains(&v.as_str()) {
            return Err(ApiError::bad(
                "InvalidInput",
                format!("Invalid value for InsufficientDataHealthStatus: {v}"),
            ));
        }
        cfg.insufficient_data = Some(v);
    }
    Ok(())
}

/// CreateHealthCheck, idempotent by CallerReference as the Route 53 API reference describes it:
/// the same reference and settings as an existing check return that check; the same reference
/// with other settings, or the reference of a deleted check, is `HealthCheckAlreadyExists`.
fn create_health_check(world: &mut World, call: &Call) -> ApiResult {
    let body = XmlEl::parse(&call.body).map_err(|e| ApiError::bad("InvalidInput", e))?;
    let reference = body
        .text_at(&["CallerReference"])
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::bad(
                "InvalidInput",
                "Invalid request: Missing field 'CallerReference'",
            )
        })?;
    let config = body.get("HealthCheckConfig").ok_or_else(|| {
        ApiError::bad(
            "InvalidInput",
            "Invalid request: Missing field 'HealthCheckConfig'",
        )
    })?;
    let kind = config
        .text_at(&["Type"])
        .map(str::to_string)
        .ok_or_else(|| ApiError::bad("InvalidInput", "Invalid request: Missing field 'Type'"))?;
    const KINDS: [&str; 8] = [
        "HTTP",
        "HTTPS",
        "HTTP_STR_MATCH",
        "HTTPS_STR_MATCH",
        "TCP",
        "CLOUDWATCH_METRIC",
        "CALCULATED",
        "RECOVERY_CONTROL",
    ];
    if !KINDS.contains(&kind.as_str()) {
        return Err(ApiError::bad(
            "InvalidInput",
            format!("Invalid value for Type: {kind}"),
        ));
    }
    let mut cfg = HcConfig {
        kind: kind.clone(),
        ip: None,
        port: None,
        resource_path: None,
        fqdn: None,
        search_string: None,
        request_interval: 30,
        failure_threshold: 3,
        measure_latency: false,
        inverted: false,
        disabled: false,
        health_threshold: None,
        children: Vec::new(),
        enable_sni: None,
        regions: DEFAULT_CHECKER_REGIONS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        alarm: None,
        insufficient_data: None,
    };
    if let Some(v) = config.text_at(&["RequestInterval"]) {
        cfg.request_interval = v.trim().parse().map_err(|_| {
            ApiError::bad(
                "InvalidInput",
                format!("Invalid value for RequestInterval: {v}"),
            )
        })?;
    }
    if let Some(v) = config.text_at(&["MeasureLatency"]) {
        cfg.measure_latency = v.trim() == "true";
    }
    read_config(config, &mut cfg)?;
    if cfg.probes_an_endpoint() {
        cfg.port = cfg.port.or(Some(cfg.default_port()));
        if kind.starts_with("HTTPS") {
            cfg.enable_sni = cfg.enable_sni.or(Some(true));
        }
    }
    validate_hc_config(&cfg).map_err(|m| ApiError::bad("InvalidInput", m))?;
    let already = ApiError::new(
        409,
        "HealthCheckAlreadyExists",
        format!(
            "A health check with the same CallerReference ({reference}) already exists or was deleted, with other settings."
        ),
    );
    if world.r53.deleted_caller_references.contains(&reference) {
        return Err(already);
    }
    let id = match world
        .r53
        .health_checks
        .iter()
        .find(|h| h.caller_reference == reference)
    {
        Some(existing) if existing.cfg == cfg => existing.id.clone(),
        Some(_) => return Err(already),
        None => {
            let id = world.ids.uuid();
            world.add_health_check(HealthCheck::new(id.clone(), reference, cfg));
            id
        }
    };
    let hc = health_check(world, &id)?;
    let mut w = start("CreateHealthCheckResponse");
    write_health_check(&mut w, world, hc);
    w.close("CreateHealthCheckResponse");
    Ok(Reply::Xml {
        status: 201,
        body: w.finish(),
        headers: vec![(
            "Location".to_string(),
            format!("https://route53.amazonaws.com/2013-04-01/healthcheck/{id}"),
        )],
    })
}

/// DeleteHealthCheck. Route 53 does not refuse to delete a check that record sets use (API
/// reference: "the future status of the health check can't be predicted"); here such a record
/// then counts as having no health check.
fn delete_health_check(world: &mut World, id: &str) -> ApiResult {
    health_check(world, id)?;
    if let Some(i) = world.r53.health_checks.iter().position(|h| h.id == id) {
        let hc = world.r53.health_checks.remove(i);
        world
            .r53
            .deleted_caller_references
            .push(hc.caller_reference);
    }
    let w = start("DeleteHealthCheckResponse");
    finish(w, "DeleteHealthCheckResponse")
}

fn update_health_check(world: &mut World, call: &Call, id: &str) -> ApiResult {
    let body = XmlEl::parse(&call.body).map_err(|e| ApiError::bad("InvalidInput", e))?;
    let hc = health_check(world, id)?;
    if let Some(v) = body.text_at(&["HealthCheckVersion"])
        && v.trim().parse::<i64>().ok() != Some(hc.version)
    {
        return Err(ApiError::new(
            409,
            "HealthCheckVersionMismatch",
            "The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion in the health check.",
        ));
    }
    let mut cfg: HcConfig = hc.cfg.clone();
    read_config(&body, &mut cfg)?;
    for reset in body
        .get("ResetElements")
        .map(|r| r.children.clone())
        .unwrap_or_default()
    {
        match reset.text.as_str() {
            "FullyQualifiedDomainName" => cfg.fqdn = None,
            "ResourcePath" => cfg.resource_path = None,
            "ChildHealthChecks" => cfg.children.clear(),
            "Regions" => {
                cfg.regions = crate::world::route53::DEFAULT_CHECKER_REGIONS
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }
            other => {
                return Err(ApiError::bad(
                    "InvalidInput",
                    format!("Invalid ResetElements value {other}"),
                ));
            }
        }
    }
    validate_hc_config(&cfg).map_err(|m| ApiError::bad("InvalidInput", m))?;
    world.update_health_check_config(id, cfg);
    let hc = health_check(world, id)?;
    let mut w = start("UpdateHealthCheckResponse");
    write_health_check(&mut w, world, hc);
    finish(w, "UpdateHealthCheckResponse")
}

fn resource_tags<'a>(
    world: &'a mut World,
    rtype: &str,
    id: &str,
) -> Result<&'a mut Vec<(String, String)>, ApiError> {
    match rtype {
        "healthcheck" => world
            .r53
            .health_check_mut(id)
            .map(|h| &mut h.tags)
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "NoSuchHealthCheck",
                    format!("A health check with id {id} does not exist."),
                )
            }),
        "hostedzone" => {
            if world.r53.zone(id).is_none() {
                return Err(ApiError::new(
                    404,
                    "NoSuchHostedZone",
                    format!("No hosted zone found with ID: {id}"),
                ));
            }
            Ok(world.r53.zone_tags.entry(id.to_string()).or_default())
        }
        other => Err(ApiError::bad(
            "InvalidInput",
            format!("Invalid resource type {other}: expected healthcheck or hostedzone"),
        )),
    }
}

fn change_tags(world: &mut World, call: &Call, rtype: &str, id: &str) -> ApiResult {
    let body = XmlEl::parse(&call.body).map_err(|e| ApiError::bad("InvalidInput", e))?;
    let add: Vec<(String, String)> = body
        .get("AddTags")
        .map(|t| {
            t.all("Tag")
                .map(|t| {
                    (
                        t.text_at(&["Key"]).unwrap_or_default().to_string(),
                        t.text_at(&["Value"]).unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let remove: Vec<String> = body
        .get("RemoveTagKeys")
        .map(|k| k.children.iter().map(|c| c.text.clone()).collect())
        .unwrap_or_default();
    if let Some((k, v)) = add.iter().find(|(k, v)| k.len() > 128 || v.len() > 256) {
        return Err(ApiError::bad(
            "InvalidInput",
            format!("Tag {k}={v} is too long: keys take 128 characters, values 256"),
        ));
    }
    let tags = resource_tags(world, rtype, id)?;
    let mut next = tags.clone();
    next.retain(|(k, _)| !remove.contains(k));
    for (k, v) in add {
        match next.iter_mut().find(|(existing, _)| *existing == k) {
            Some(t) => t.1 = v,
            None => next.push((k, v)),
        }
    }
    if next.len() > 50 {
        return Err(ApiError::bad(
            "InvalidInput",
            format!(
                "A resource can have at most 50 tags; this change would give it {}",
                next.len()
            ),
        ));
    }
    *tags = next;
    let mut w = start("ChangeTagsForResourceResponse");
    w.close("ChangeTagsForResourceResponse");
    Ok(Reply::xml(w.finish()))
}

fn list_tags(world: &mut World, rtype: &str, id: &str) -> ApiResult {
    let tags = resource_tags(world, rtype, id)?.clone();
    let mut w = start("ListTagsForResourceResponse");
    w.open("ResourceTagSet")
        .leaf("ResourceType", rtype)
        .leaf("ResourceId", id)
        .open("Tags");
    for (k, v) in &tags {
        w.open("Tag").leaf("Key", k).leaf("Value", v).close("Tag");
    }
    w.close("Tags").close("ResourceTagSet");
    finish(w, "ListTagsForResourceResponse")
}

/// ListTagsForResources: the tags of up to 10 resources of one type.
fn list_tags_batch(world: &mut World, call: &Call, rtype: &str) -> ApiResult {
    let body = XmlEl::parse(&call.body).map_err(|e| ApiError::bad("InvalidInput", e))?;
    let ids: Vec<String> = body
        .get("ResourceIds")
        .map(|r| r.children.iter().map(|c| c.text.clone()).collect())
        .unwrap_or_default();
    if ids.is_empty() || ids.len() > 10 {
        return Err(ApiError::bad(
            "InvalidInput",
            format!("ResourceIds must hold 1 to 10 IDs, not {}", ids.len()),
        ));
    }
    let mut w = start("ListTagsForResourcesResponse");
    w.open("ResourceTagSets");
    for id in ids {
        let tags = resource_tags(world, rtype, &id)?.clone();
        w.open("ResourceTagSet")
            .leaf("ResourceType", rtype)
            .leaf("ResourceId", &id)
            .open("Tags");
        for (k, v) in &tags {
            w.open("Tag").leaf("Key", k).leaf("Value", v).close("Tag");
        }
        w.close("Tags").close("ResourceTagSet");
    }
    w.close("ResourceTagSets");
    finish(w, "ListTagsForResourcesResponse")
}
