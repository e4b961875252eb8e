//! CloudFront: the sorry page's distribution and its invalidations.

use std::time::Duration;

use aws_sdk_cloudfront::Client;
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};

use super::error::err;
use super::time::odt;
use crate::model::cloudfront::{
    Distribution, DistributionStatus, ErrorResponse, Invalidation, InvalidationStatus, Origin,
};
use crate::model::error::{AwsError, ErrorKind};

fn from_config(
    id: &str,
    arn: &str,
    domain: &str,
    status: &str,
    last_modified: Option<&aws_smithy_types::DateTime>,
    etag: Option<&str>,
    config: Option<&aws_sdk_cloudfront::types::DistributionConfig>,
) -> Distribution {
    Distribution {
        id: id.to_string(),
        arn: arn.to_string(),
        domain_name: domain.to_string(),
        status: DistributionStatus::from_aws(status),
        enabled: config.is_some_and(|c| c.enabled()),
        aliases: config
            .and_then(|c| c.aliases())
            .map(|a| a.items().to_vec())
            .unwrap_or_default(),
        origins: config
            .and_then(|c| c.origins())
            .map(|o| {
                o.items()
                    .iter()
                    .map(|o| Origin {
                        id: o.id().to_string(),
                        domain_name: o.domain_name().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        default_origin: config
            .and_then(|c| c.default_cache_behavior())
            .map(|b| b.target_origin_id().to_string()),
        error_responses: config
            .and_then(|c| c.custom_error_responses())
            .map(|e| {
                e.items()
                    .iter()
                    .map(|e| ErrorResponse {
                        error_code: u16::try_from(e.error_code()).unwrap_or(0),
                        page: e.response_page_path().map(str::to_string),
                        response_code: e.response_code().and_then(|c| c.parse().ok()),
                        min_ttl: e
                            .error_caching_min_ttl()
                            .and_then(|t| u64::try_from(t).ok())
                            .map(Duration::from_secs),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        etag: etag.map(str::to_string),
        last_modified: last_modified.and_then(odt),
        comment: config.map(|c| c.comment().to_string()).unwrap_or_default(),
    }
}

/// Every distribution of the account (100 a page).
pub async fn distributions(c: &Client) -> Result<Vec<Distribution>, AwsError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .list_distributions()
            .set_marker(marker.take())
            .max_items(100)
            .send()
            .await
            .map_err(err("cloudfront", "ListDistributions"))?;
        let Some(list) = page.distribution_list() else {
            return Ok(out);
        };
        for s in list.items() {
            let mut d = from_config(
                s.id(),
                s.arn(),
                s.domain_name(),
                s.status(),
                Some(s.last_modified_time()),
                s.e_tag(),
                None,
            );
            d.enabled = s.enabled();
            d.aliases = s.aliases().map(|a| a.items().to_vec()).unwrap_or_default();
            d.comment = s.comment().to_string();
            d.default_origin = s
                .default_cache_behavior()
                .map(|b| b.target_origin_id().to_string());
            d.origins = s
                .origins()
                .map(|o| {
                    o.items()
                        .iter()
                        .map(|o| Origin {
                            id: o.id().to_string(),
                            domain_name: o.domain_name().to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(d);
        }
        match (list.is_truncated(), list.next_marker()) {
            (true, Some(m)) => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

/// One distribution with its whole config and ETag.
pub async fn distribution(c: &Client, id: &str) -> Result<Distribution, AwsError> {
    let out = c
        .get_distribution()
        .id(id)
        .send()
        .await
        .map_err(err("cloudfront", "GetDistribution"))?;
    let d = out.distribution().ok_or_else(|| {
        AwsError::new(
            ErrorKind::Service,
            "cloudfront",
            "GetDistribution",
            "the answer holds no distribution",
        )
    })?;
    Ok(from_config(
        d.id(),
        d.arn(),
        d.domain_name(),
        d.status(),
        Some(d.last_modified_time()),
        out.e_tag(),
        d.distribution_config(),
    ))
}

/// The most recent invalidations of a distribution, newest first.
pub async fn invalidations(c: &Client, id: &str, max: i32) -> Result<Vec<Invalidation>, AwsError> {
    let out = c
        .list_invalidations()
        .distribution_id(id)
        .max_items(max)
        .send()
        .await
        .map_err(err("cloudfront", "ListInvalidations"))?;
    Ok(out
        .invalidation_list()
        .map(|l| {
            l.items()
                .iter()
                .map(|i| Invalidation {
                    id: i.id().to_string(),
                    status: InvalidationStatus::from_aws(i.status()),
                    created: odt(i.create_time()),
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Invalidates paths. The same caller reference gives back the same invalidation, so a retry
/// after a crash does not make a second one.
pub async fn invalidate(
    c: &Client,
    id: &str,
    paths: &[String],
    caller_reference: &str,
) -> Result<Invalidation, AwsError> {
    let invalid =
        |e: String| AwsError::new(ErrorKind::Invalid, "cloudfront", "CreateInvalidation", e);
    let quantity = i32::try_from(paths.len()).unwrap_or(i32::MAX);
    let batch = InvalidationBatch::builder()
        .caller_reference(caller_reference)
        .paths(
            Paths::builder()
                .quantity(quantity)
                .set_items(Some(paths.to_vec()))
                .build()
                .map_err(|e| invalid(e.to_string()))?,
        )
        .build()
        .map_err(|e| invalid(e.to_string()))?;
    let out = c
        .create_invalidation()
        .distribution_id(id)
        .invalidation_batch(batch)
        .send()
        .await
        .map_err(err("cloudfront", "CreateInvalidation"))?;
    let i = out
        .invalidation()
        .ok_or_else(|| invalid("the answer holds no invalidation".into()))?;
    Ok(Invalidation {
        id: i.id().to_string(),
        status: InvalidationStatus::from_aws(i.status()),
        created: odt(i.create_time()),
    })
}

/// The status of one invalidation.
pub async fn invalidation(
    c: &Client,
    distribution_id: &str,
    id: &str,
) -> Result<Invalidation, AwsError> {
    let out = c
        .get_invalidation()
        .distribution_id(distribution_id)
        .id(id)
        .send()
        .await
        .map_err(err("cloudfront", "GetInvalidation"))?;
    let i = out.invalidation().ok_or_else(|| {
        AwsError::new(
            ErrorKind::Service,
            "cloudfront",
            "GetInvalidation",
            "the answer holds no invalidation",
        )
    })?;
    Ok(Invalidation {
        id: i.id().to_string(),
        status: InvalidationStatus::from_aws(i.status()),
        created: odt(i.create_time()),
    })
}
