//! CloudFront over REST-XML.

use hyper::Method;

use super::{ApiError, ApiResult, CLOUDFRONT_XMLNS, Call, Reply};
use crate::proto::query::iso8601;
use crate::proto::xml::{XmlEl, XmlWriter};
use crate::world::cloudfront::{Distribution, Invalidation};
use crate::world::{World, secs};

pub fn operation(method: &Method, seg: &[String]) -> Option<&'static str> {
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    Some(match (method.as_str(), s.as_slice()) {
        ("GET", ["distribution"]) => "ListDistributions",
        ("GET", ["distribution", _]) => "GetDistribution",
        ("GET", ["distribution", _, "config"]) => "GetDistributionConfig",
        ("PUT", ["distribution", _, "config"]) => "UpdateDistribution",
        ("POST", ["distribution", _, "invalidation"]) => "CreateInvalidation",
        ("GET", ["distribution", _, "invalidation"]) => "ListInvalidations",
        ("GET", ["distribution", _, "invalidation", _]) => "GetInvalidation",
        _ => return None,
    })
}

pub fn handle(world: &mut World, call: &Call) -> ApiResult {
    let seg = |i: usize| call.segments.get(i).cloned().unwrap_or_default();
    match call.operation.as_str() {
        "ListDistributions" => list_distributions(world, call),
        "GetDistribution" => {
            let d = distribution(world, &seg(1))?;
            let mut w = XmlWriter::new();
            write_distribution(&mut w, world, d, true);
            Ok(with_etag(w.finish(), &d.etag, 200))
        }
        "GetDistributionConfig" => {
            let d = distribution(world, &seg(1))?;
            Ok(with_etag(config_xml(&d.config), &d.etag, 200))
        }
        "UpdateDistribution" => update_distribution(world, call, &seg(1)),
        "CreateInvalidation" => create_invalidation(world, call, &seg(1)),
        "ListInvalidations" => list_invalidations(world, call, &seg(1)),
        "GetInvalidation" => {
            let d = distribution(world, &seg(1))?;
            let id = seg(3);
            let inv = d.invalidations.iter().find(|i| i.id == id).ok_or_else(|| {
                ApiError::new(
                    404,
                    "NoSuchInvalidation",
                    format!("The specified invalidation does not exist: {id}"),
                )
            })?;
            let mut w = XmlWriter::new();
            write_invalidation(&mut w, inv, world.now, true);
            Ok(Reply::xml(w.finish()))
        }
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation {other}"),
        )),
    }
}

fn with_etag(body: String, etag: &str, status: u16) -> Reply {
    Reply::Xml {
        status,
        body,
        headers: vec![("ETag".into(), etag.to_string())],
    }
}

fn distribution<'a>(world: &'a World, id: &str) -> Result<&'a Distribution, ApiError> {
    world.cf.get(id).ok_or_else(|| {
        ApiError::new(
            404,
            "NoSuchDistribution",
            format!("The specified distribution does not exist: {id}"),
        )
    })
}

fn config_xml(config: &XmlEl) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut inner = config.to_xml();
    // Put the namespace on the root element, as CloudFront does.
    if let Some(rest) = inner.strip_prefix("<DistributionConfig>") {
        inner = format!("<DistributionConfig xmlns=\"{CLOUDFRONT_XMLNS}\">{rest}");
    }
    out.push_str(&inner);
    out
}

fn write_distribution(w: &mut XmlWriter, world: &World, d: &Distribution, root: bool) {
    if root {
        w.root("Distribution", CLOUDFRONT_XMLNS);
    } else {
        w.open("Distribution");
    }
    w.leaf("Id", &d.id)
        .leaf("ARN", &d.arn)
        .leaf("Status", d.status_at(world.now))
        .leaf("LastModifiedTime", iso8601(secs(d.last_modified)))
        .leaf(
            "InProgressInvalidationBatches",
            d.in_progress_invalidations(world.now).to_string(),
        )
        .leaf("DomainName", &d.domain_name)
        .open("ActiveTrustedSigners")
        .leaf("Enabled", "false")
        .leaf("Quantity", "0")
        .close("ActiveTrustedSigners")
        .open("ActiveTrustedKeyGroups")
        .leaf("Enabled", "false")
        .leaf("Quantity", "0")
        .close("ActiveTrustedKeyGroups")
        .element(&d.config)
        .close("Distribution");
}

fn summary(w: &mut XmlWriter, world: &World, d: &Distribution) {
    w.open("DistributionSummary")
        .leaf("Id", &d.id)
        .leaf("ARN", &d.arn)
        .leaf("ETag", &d.etag)
        .leaf("Status", d.status_at(world.now))
        .leaf("LastModifiedTime", iso8601(secs(d.last_modified)))
        .leaf("DomainName", &d.domain_name);
    for name in [
        "Aliases",
        "Origins",
        "OriginGroups",
        "DefaultCacheBehavior",
        "CacheBehaviors",
        "CustomErrorResponses",
        "Comment",
        "PriceClass",
        "Enabled",
        "ViewerCertificate",
        "Restrictions",
        "WebACLId",
        "HttpVersion",
        "IsIPV6Enabled",
        "Staging",
    ] {
        if let Some(el) = d.config.get(name) {
            w.element(el);
        }
    }
    w.close("DistributionSummary");
}

fn parse_max(call: &Call, default: usize) -> Result<usize, ApiError> {
    match call.param("MaxItems") {
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad("InvalidArgument", format!("Invalid MaxItems: {v}"))),
        None => Ok(default),
    }
}

fn list_distributions(world: &World, call: &Call) -> ApiResult {
    let max = parse_max(call, 100)?;
    let all = &world.cf.distributions;
    let marker = call.param("Marker").unwrap_or_default();
    let begin = if marker.is_empty() {
        0
    } else {
        all.iter()
            .position(|d| d.id == marker)
            .ok_or_else(|| ApiError::bad("InvalidArgument", format!("Invalid Marker: {marker}")))?
    };
    let end = (begin + max).min(all.len());
    let mut w = XmlWriter::new();
    w.root("DistributionList", CLOUDFRONT_XMLNS)
        .leaf("Marker", marker);
    if let Some(next) = all.get(end) {
        w.leaf("NextMarker", &next.id);
    }
    w.leaf("MaxItems", max.to_string())
        .leaf("IsTruncated", (end < all.len()).to_string())
        .leaf("Quantity", (end - begin).to_string());
    if end > begin {
        w.open("Items");
        for d in &all[begin..end] {
            summary(&mut w, world, d);
        }
        w.close("Items");
    }
    w.close("DistributionList");
    Ok(Reply::xml(w.finish()))
}

fn update_distribution(world: &mut World, call: &Call, id: &str) -> ApiResult {
    let d = distribution(world, id)?;
    let if_match = call.header("if-match").ok_or_else(|| {
        ApiError::bad(
            "InvalidIfMatchVersion",
            "The If-Match version is missing or not valid for the resource.",
        )
    })?;
    if if_match != d.etag {
        return Err(ApiError::new(
            412,
            "PreconditionFailed",
            "The precondition given in one or more of the request-header fields evaluated to false.",
        ));
    }
    let config = XmlEl::parse(&call.body).map_err(|e| ApiError::bad("MalformedInput", e))?;
    if config.name != "DistributionConfig" {
        return Err(ApiError::bad(
            "MalformedInput",
            format!("Expected a DistributionConfig, got {}", config.name),
        ));
    }
    if config.text_at(&["CallerReference"]) != d.config.text_at(&["CallerReference"]) {
        return Err(ApiError::bad(
            "IllegalUpdate",
            "The CallerReference of a distribution cannot be changed.",
        ));
    }
    for required in ["Origins", "DefaultCacheBehavior", "Comment", "Enabled"] {
        if config.get(required).is_none() {
            return Err(ApiError::bad(
                "InvalidArgument",
                format!("The parameter {required} is required."),
            ));
        }
    }
    if !matches!(config.text_at(&["Enabled"]), Some("true" | "false")) {
        return Err(ApiError::bad(
            "InvalidArgument",
            "The parameter Enabled must be true or false.",
        ));
    }
    let origin_ids: Vec<String> = config
        .at(&["Origins", "Items"])
        .map(|items| {
            items
                .all("Origin")
                .filter_map(|o| o.text_at(&["Id"]).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let target = config
        .text_at(&["DefaultCacheBehavior", "TargetOriginId"])
        .unwrap_or_default();
    if !origin_ids.iter().any(|o| o == target) {
        return Err(ApiError::bad(
            "NoSuchOrigin",
            format!("One or more of your origins or origin groups do not exist: {target}"),
        ));
    }
    if let Some(message) = viewer_certificate_problem(&config) {
        return Err(ApiError::bad("InvalidViewerCertificate", message));
    }
    let aliases = config.texts_at(&["Aliases", "Items"]);
    if let Some(taken) = aliases.iter().find(|a| {
        world
            .cf
            .distributions
            .iter()
            .any(|o| o.id != id && o.aliases().contains(a))
    }) {
        return Err(ApiError::new(
            409,
            "CNAMEAlreadyExists",
            format!(
                "One or more of the CNAMEs you provided are already associated with a different resource: {taken}"
            ),
        ));
    }
    let etag = format!("E{}", world.ids.upper(13));
    let now = world.now;
    // Deploying takes minutes, more or less from change to change.
    let deploy = world.propagation_ms(world.timing.distribution_deploy_secs, &etag);
    let d = world.cf.get_mut(id).ok_or_else(|| {
        ApiError::new(
            404,
            "NoSuchDistribution",
            "The specified distribution does not exist.",
        )
    })?;
    d.config = config;
    d.etag = etag.clone();
    d.last_modified = now;
    d.deployed_at = now + deploy;
    let d = distribution(world, id)?;
    let mut w = XmlWriter::new();
    write_distribution(&mut w, world, d, true);
    Ok(with_etag(w.finish(), &etag, 200))
}

/// Why CloudFront refuses the config's viewer certificate, if it does: an ACM certificate must
/// be in us-east-1 (AWS-FACTS.md, "Real accounts"; CloudFront developer guide, "Requirements for
/// using SSL/TLS certificates with CloudFront"), with the message CloudFront gives.
pub fn viewer_certificate_problem(config: &XmlEl) -> Option<String> {
    let arn = config.text_at(&["ViewerCertificate", "ACMCertificateArn"])?;
    let region = arn.split(':').nth(3).unwrap_or_default();
    (region != "us-east-1").then(|| {
        "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or \
         doesn't include a valid certificate chain."
            .to_string()
    })
}

fn write_invalidation(w: &mut XmlWriter, inv: &Invalidation, now: i64, root: bool) {
    if root {
        w.root("Invalidation", CLOUDFRONT_XMLNS);
    } else {
        w.open("Invalidation");
    }
    w.leaf("Id", &inv.id)
        .leaf("Status", inv.status_at(now))
        .leaf("CreateTime", iso8601(secs(inv.created)))
        .open("InvalidationBatch")
        .open("Paths")
        .leaf("Quantity", inv.paths.len().to_string())
        .list("Items", "Path", &inv.paths)
        .close("Paths")
        .leaf("CallerReference", &inv.caller_reference)
        .close("InvalidationBatch")
        .close("Invalidation");
}

fn create_invalidation(world: &mut World, call: &Call, id: &str) -> ApiResult {
    distribution(world, id)?;
    let batch = XmlEl::parse(&call.body).map_err(|e| ApiError::bad("MalformedInput", e))?;
    let reference = batch
        .text_at(&["CallerReference"])
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            ApiError::bad(
                "InvalidArgument",
                "The parameter CallerReference is required.",
            )
        })?
        .to_string();
    let paths = batch.texts_at(&["Paths", "Items"]);
    let quantity = batch
        .text_at(&["Paths", "Quantity"])
        .and_then(|q| q.parse::<usize>().ok());
    if paths.is_empty() || quantity != Some(paths.len()) {
        return Err(ApiError::bad(
            "InconsistentQuantities",
            "The value of Quantity and the size of Items don't match.",
        ));
    }
    if let Some(bad) = paths.iter().find(|p| !p.starts_with('/')) {
        return Err(ApiError::bad(
            "InvalidArgument",
            format!("Your request contains one or more invalid invalidation paths: {bad}"),
        ));
    }
    let now = world.now;
    let new_id = format!("I{}", world.ids.upper(25));
    let done = now + world.propagation_ms(world.timing.invalidation_secs, &new_id);
    let d = world.cf.get_mut(id).ok_or_else(|| {
        ApiError::new(
            404,
            "NoSuchDistribution",
            "The specified distribution does not exist.",
        )
    })?;
    // The same caller reference with the same paths gives back the same invalidation.
    if let Some(existing) = d
        .invalidations
        .iter()
        .find(|i| i.caller_reference == reference)
    {
        if existing.paths != paths {
            return Err(ApiError::new(
                409,
                "InvalidationBatchAlreadyExists",
                "An invalidation batch with this caller reference already exists with other paths.",
            ));
        }
        let mut w = XmlWriter::new();
        write_invalidation(&mut w, existing, now, true);
        return Ok(Reply::Xml {
            status: 201,
            body: w.finish(),
            headers: Vec::new(),
        });
    }
    let inv = Invalidation {
        id: new_id,
        caller_reference: reference,
        paths,
        created: now,
        done_at: done,
    };
    let mut w = XmlWriter::new();
    write_invalidation(&mut w, &inv, now, true);
    let location = format!(
        "https://cloudfront.amazonaws.com/2020-05-31/distribution/{id}/invalidation/{}",
        inv.id
    );
    d.invalidations.push(inv);
    Ok(Reply::Xml {
        status: 201,
        body: w.finish(),
        headers: vec![("Location".into(), location)],
    })
}

fn list_invalidations(world: &World, call: &Call, id: &str) -> ApiResult {
    let d = distribution(world, id)?;
    let max = parse_max(call, 100)?;
    // Newest first, as CloudFront lists them.
    let all: Vec<&Invalidation> = d.invalidations.iter().rev().collect();
    let marker = call.param("Marker").unwrap_or_default();
    let begin = if marker.is_empty() {
        0
    } else {
        all.iter()
            .position(|i| i.id == marker)
            .ok_or_else(|| ApiError::bad("InvalidArgument", format!("Invalid Marker: {marker}")))?
    };
    let end = (begin + max).min(all.len());
    let mut w = XmlWriter::new();
    w.root("InvalidationList", CLOUDFRONT_XMLNS)
        .leaf("Marker", marker);
    if let Some(next) = all.get(end) {
        w.leaf("NextMarker", &next.id);
    }
    w.leaf("MaxItems", max.to_string())
        .leaf("IsTruncated", (end < all.len()).to_string())
        .leaf("Quantity", (end - begin).to_string());
    if end > begin {
        w.open("Items");
        for inv in &all[begin..end] {
            w.open("InvalidationSummary")
                .leaf("Id", &inv.id)
                .leaf("CreateTime", iso8601(secs(inv.created)))
                .leaf("Status", inv.status_at(world.now))
                .close("InvalidationSummary");
        }
        w.close("Items");
    }
    w.close("InvalidationList");
    Ok(Reply::xml(w.finish()))
}
