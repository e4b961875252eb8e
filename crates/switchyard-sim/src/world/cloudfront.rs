//! CloudFront: distributions (whose config is kept verbatim as XML) and invalidations.

use crate::proto::xml::XmlEl;

use super::Ms;

#[derive(Clone, Debug)]
pub struct Invalidation {
    pub id: String,
    pub caller_reference: String,
    pub paths: Vec<String>,
    pub created: Ms,
    pub done_at: Ms,
}

impl Invalidation {
    pub fn status_at(&self, t: Ms) -> &'static str {
        if t >= self.done_at {
            "Completed"
        } else {
            "InProgress"
        }
    }
}

#[derive(Clone, Debug)]
pub struct Distribution {
    pub id: String,
    pub arn: String,
    pub domain_name: String,
    /// The whole DistributionConfig, as the last UpdateDistribution sent it.
    pub config: XmlEl,
    pub etag: String,
    /// When the last change has reached every edge location.
    pub deployed_at: Ms,
    pub last_modified: Ms,
    pub invalidations: Vec<Invalidation>,
    /// Edge addresses its domain name resolves to.
    pub ips: Vec<String>,
}

impl Distribution {
    /// The edge addresses of its domain name for an A or AAAA query (CloudFront answers AAAA
    /// queries: IPv6 is on by default).
    pub fn addresses(&self, rtype: &str) -> Vec<String> {
        if rtype == "AAAA" {
            self.ips
                .iter()
                .map(|ip| super::IdGen::ipv6_of(ip))
                .collect()
        } else {
            self.ips.clone()
        }
    }

    pub fn status_at(&self, t: Ms) -> &'static str {
        if t >= self.deployed_at {
            "Deployed"
        } else {
            "InProgress"
        }
    }

    pub fn enabled(&self) -> bool {
        self.config.text_at(&["Enabled"]) == Some("true")
    }

    pub fn aliases(&self) -> Vec<String> {
        self.config.texts_at(&["Aliases", "Items"])
    }

    pub fn in_progress_invalidations(&self, t: Ms) -> usize {
        self.invalidations
            .iter()
            .filter(|i| i.status_at(t) == "InProgress")
            .count()
    }
}

/// The parts of a distribution a scenario names; the rest of the config takes CloudFront's defaults.
pub struct DistributionSpec<'a> {
    pub caller_reference: &'a str,
    pub aliases: &'a [String],
    pub comment: &'a str,
    pub enabled: bool,
    pub default_root_object: Option<&'a str>,
    /// (origin id, domain name)
    pub origins: &'a [(String, String)],
    /// (error code, response page path, response code, error caching min TTL)
    pub error_responses: &'a [(i64, String, String, i64)],
    pub certificate_arn: Option<&'a str>,
    pub price_class: &'a str,
}

fn quantity_list(name: &str, item: &str, values: &[String]) -> XmlEl {
    let mut el = XmlEl::new(name).child(XmlEl::leaf("Quantity", values.len().to_string()));
    if !values.is_empty() {
        let mut items = XmlEl::new("Items");
        for v in values {
            items.push(XmlEl::leaf(item, v.clone()));
        }
        el.push(items);
    }
    el
}

fn empty_quantity(name: &str) -> XmlEl {
    XmlEl::new(name).child(XmlEl::leaf("Quantity", "0"))
}

fn methods(name: &str) -> XmlEl {
    quantity_list(name, "Method", &["HEAD".to_string(), "GET".to_string()])
}

/// A complete DistributionConfig, as CloudFront would return it for a distribution set up from
/// `spec` in the console.
pub fn build_config(spec: &DistributionSpec<'_>) -> XmlEl {
    let mut origins = XmlEl::new("Items");
    for (id, domain) in spec.origins {
        origins.push(
            XmlEl::new("Origin")
                .child(XmlEl::leaf("Id", id.clone()))
                .child(XmlEl::leaf("DomainName", domain.clone()))
                .child(XmlEl::leaf("OriginPath", ""))
                .child(empty_quantity("CustomHeaders"))
                .child(XmlEl::new("S3OriginConfig").child(XmlEl::leaf("OriginAccessIdentity", "")))
                .child(XmlEl::leaf("ConnectionAttempts", "3"))
                .child(XmlEl::leaf("ConnectionTimeout", "10"))
                .child(XmlEl::new("OriginShield").child(XmlEl::leaf("Enabled", "false")))
                .child(XmlEl::leaf("OriginAccessControlId", "")),
        );
    }
    let first_origin = spec
        .origins
        .first()
        .map(|(id, _)| id.clone())
        .unwrap_or_default();
    let mut errors = XmlEl::new("CustomErrorResponses").child(XmlEl::leaf(
        "Quantity",
        spec.error_responses.len().to_string(),
    ));
    if !spec.error_responses.is_empty() {
        let mut items = XmlEl::new("Items");
        for (code, page, response, ttl) in spec.error_responses {
            items.push(
                XmlEl::new("CustomErrorResponse")
                    .child(XmlEl::leaf("ErrorCode", code.to_string()))
                    .child(XmlEl::leaf("ResponsePagePath", page.clone()))
                    .child(XmlEl::leaf("ResponseCode", response.clone()))
                    .child(XmlEl::leaf("ErrorCachingMinTTL", ttl.to_string())),
            );
        }
        errors.push(items);
    }
    let certificate = match spec.certificate_arn {
        Some(arn) => XmlEl::new("ViewerCertificate")
            .child(XmlEl::leaf("CloudFrontDefaultCertificate", "false"))
            .child(XmlEl::leaf("ACMCertificateArn", arn))
            .child(XmlEl::leaf("SSLSupportMethod", "sni-only"))
            .child(XmlEl::leaf("MinimumProtocolVersion", "TLSv1.2_2021"))
            .child(XmlEl::leaf("Certificate", arn))
            .child(XmlEl::leaf("CertificateSource", "acm")),
        None => XmlEl::new("ViewerCertificate")
            .child(XmlEl::leaf("CloudFrontDefaultCertificate", "true"))
            .child(XmlEl::leaf("SSLSupportMethod", "vip"))
            .child(XmlEl::leaf("MinimumProtocolVersion", "TLSv1"))
            .child(XmlEl::leaf("CertificateSource", "cloudfront")),
    };
    XmlEl::new("DistributionConfig")
        .child(XmlEl::leaf("CallerReference", spec.caller_reference))
        .child(quantity_list("Aliases", "CNAME", spec.aliases))
        .child(XmlEl::leaf(
            "DefaultRootObject",
            spec.default_root_object.unwrap_or(""),
        ))
        .child(
            XmlEl::new("Origins")
                .child(XmlEl::leaf("Quantity", spec.origins.len().to_string()))
                .child(origins),
        )
        .child(empty_quantity("OriginGroups"))
        .child(
            XmlEl::new("DefaultCacheBehavior")
                .child(XmlEl::leaf("TargetOriginId", first_origin))
                .child(
                    XmlEl::new("TrustedSigners")
                        .child(XmlEl::leaf("Enabled", "false"))
                        .child(XmlEl::leaf("Quantity", "0")),
                )
                .child(
                    XmlEl::new("TrustedKeyGroups")
                        .child(XmlEl::leaf("Enabled", "false"))
                        .child(XmlEl::leaf("Quantity", "0")),
                )
                .child(XmlEl::leaf("ViewerProtocolPolicy", "redirect-to-https"))
                .child(methods("AllowedMethods").child(methods("CachedMethods")))
                .child(XmlEl::leaf("SmoothStreaming", "false"))
                .child(XmlEl::leaf("Compress", "true"))
                .child(empty_quantity("LambdaFunctionAssociations"))
                .child(empty_quantity("FunctionAssociations"))
                .child(XmlEl::leaf("FieldLevelEncryptionId", ""))
                .child(XmlEl::leaf(
                    "CachePolicyId",
                    "658327ea-f89d-4fab-a63d-7e88639e58f6",
                )),
        )
        .child(empty_quantity("CacheBehaviors"))
        .child(errors)
        .child(XmlEl::leaf("Comment", spec.comment))
        .child(
            XmlEl::new("Logging")
                .child(XmlEl::leaf("Enabled", "false"))
                .child(XmlEl::leaf("IncludeCookies", "false"))
                .child(XmlEl::leaf("Bucket", ""))
                .child(XmlEl::leaf("Prefix", "")),
        )
        .child(XmlEl::leaf("PriceClass", spec.price_class))
        .child(XmlEl::leaf(
            "Enabled",
            if spec.enabled { "true" } else { "false" },
        ))
        .child(certificate)
        .child(
            XmlEl::new("Restrictions").child(
                XmlEl::new("GeoRestriction")
                    .child(XmlEl::leaf("RestrictionType", "none"))
                    .child(XmlEl::leaf("Quantity", "0")),
            ),
        )
        .child(XmlEl::leaf("WebACLId", ""))
        .child(XmlEl::leaf("HttpVersion", "http2"))
        .child(XmlEl::leaf("IsIPV6Enabled", "true"))
        .child(XmlEl::leaf("Staging", "false"))
}

#[derive(Default)]
pub struct CloudFront {
    pub distributions: Vec<Distribution>,
}

impl CloudFront {
    pub fn get(&self, id: &str) -> Option<&Distribution> {
        self.distributions.iter().find(|d| d.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Distribution> {
        self.distributions.iter_mut().find(|d| d.id == id)
    }

    pub fn by_domain(&self, domain: &str) -> Option<&Distribution> {
        let domain = domain.trim_end_matches('.');
        self.distributions
            .iter()
            .find(|d| d.domain_name.eq_ignore_ascii_case(domain))
    }
}
