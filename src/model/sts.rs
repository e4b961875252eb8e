//! STS: who switchyard is calling AWS as.

use serde::{Deserialize, Serialize};

/// The caller identity (GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The AWS account ID.
    pub account: String,
    /// The caller's ARN, e.g. `arn:aws:sts::123456789012:assumed-role/ops/alice`.
    pub arn: String,
    /// The unique ID of the caller.
    pub user_id: String,
}
