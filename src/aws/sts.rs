//! STS: who switchyard calls AWS as.

use aws_sdk_sts::Client;

use super::error::err;
use crate::model::error::AwsError;
use crate::model::sts::Identity;

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
