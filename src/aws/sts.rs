//! STS: who switchyard calls AWS as.

use aws_sdk_sts::Client;

use super::error::err;
use crate::model::error::AwsError;
use crate::model::sts::{CallerContext, Identity};

pub async fn identity(c: &Client) -> Result<Identity, AwsError> {
    let out = c
        .get_caller_identity()
        .send()
        .await
        .map_err(err("sts", "GetCallerIdentity"))?;
    Ok(Identity {
        account: out.account().unwrap_or_default().to_string(),
        arn: out.arn().unwrap_or_default().to_string(),
        user_id: out.user_id().unwrap_or_default().to_string(),
    })
}

/// Who the clients call AWS as, where, and until when: the caller identity, and the expiry of
/// the credentials when the SDK's credentials carry one (SSO, assumed roles, instance roles).
/// Failures are data: the identity says why it could not be read.
pub async fn context(c: &super::client::Clients) -> CallerContext {
    use aws_credential_types::provider::ProvideCredentials;
    let identity = identity(&c.sts).await.map_err(|e| e.summary());
    let expires_at = match &c.credentials {
        Some(p) => p
            .provide_credentials()
            .await
            .ok()
            .and_then(|creds| creds.expiry())
            .map(time::OffsetDateTime::from),
        None => None,
    };
    CallerContext {
        profile: c.target.profile.clone(),
        role_arn: c.target.role_arn.clone(),
        region: c.region.clone(),
        endpoint: c.target.endpoint_url.clone().or_else(|| {
            std::env::var("AWS_ENDPOINT_URL")
                .ok()
                .filter(|v| !v.is_empty())
        }),
        identity,
        expires_at,
    }
}
