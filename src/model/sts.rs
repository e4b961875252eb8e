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

/// Where the console's calls go and as whom: what the header shows so that a demo console and a
/// production console never look alike. One per set of clients (account, role, region).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerContext {
    /// The profile the credentials come from (`--profile`, the site's), if one was named.
    pub profile: Option<String>,
    /// The role assumed on top of them (the site's `role_arn`).
    pub role_arn: Option<String>,
    /// The region of the load balancers and alarms.
    pub region: String,
    /// The endpoint every call goes to when it is not AWS's own (`--endpoint-url`, the emulator).
    pub endpoint: Option<String>,
    /// GetCallerIdentity's answer, or why it could not be read.
    pub identity: Result<Identity, String>,
    /// When the credentials expire, when the SDK's credentials say (SSO, assumed roles, IMDS);
    /// `None` for long-lived keys.
    pub expires_at: Option<time::OffsetDateTime>,
}

/// How long before the credentials expire the console warns.
pub const EXPIRY_WARNING: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Where credentials stand against their expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// No expiry known (long-lived keys), or more than [`EXPIRY_WARNING`] left.
    Fine,
    /// Less than [`EXPIRY_WARNING`] left: this much.
    Soon(std::time::Duration),
    /// Expired: calls fail until new credentials are given (`aws sso login`).
    Expired,
}

impl CallerContext {
    /// The caller in short: the part of the ARN after the account
    /// (`assumed-role/ops/alice`, `user/bob`), or the ARN itself.
    pub fn caller(&self) -> Option<String> {
        let id = self.identity.as_ref().ok()?;
        let short = id
            .arn
            .split_once(':')
            .and_then(|_| id.arn.splitn(6, ':').nth(5))
            .unwrap_or(&id.arn);
        Some(short.to_string())
    }

    /// The account ID, when GetCallerIdentity answered.
    pub fn account(&self) -> Option<&str> {
        self.identity.as_ref().ok().map(|i| i.account.as_str())
    }

    /// The credentials' expiry as of `now`.
    pub fn expiry(&self, now: time::OffsetDateTime) -> Expiry {
        let Some(at) = self.expires_at else {
            return Expiry::Fine;
        };
        if !super::obs::before(now, at) {
            return Expiry::Expired;
        }
        if super::obs::before(now, at - EXPIRY_WARNING) {
            return Expiry::Fine;
        }
        // Said with the time left: it changes with the clock.
        Expiry::Soon(super::obs::span(now, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn context(arn: &str, expires_at: Option<time::OffsetDateTime>) -> CallerContext {
        CallerContext {
            identity: Ok(Identity {
                account: "123456789012".into(),
                arn: arn.into(),
                user_id: "AROA:alice".into(),
            }),
            expires_at,
            profile: None,
            role_arn: None,
            region: "eu-west-1".into(),
            endpoint: None,
        }
    }

    #[test]
    fn the_caller_is_the_arn_after_the_account() {
        let c = context("arn:aws:sts::123456789012:assumed-role/ops/alice", None);
        assert_eq!(c.caller().as_deref(), Some("assumed-role/ops/alice"));
        assert_eq!(c.account(), Some("123456789012"));
        let odd = context("not-an-arn", None);
        assert_eq!(odd.caller().as_deref(), Some("not-an-arn"));
    }

    #[test]
    fn credentials_warn_ten_minutes_before_they_expire() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let c = |min: i64| context("a", Some(now + time::Duration::minutes(min)));
        assert_eq!(c(11).expiry(now), Expiry::Fine);
        assert_eq!(
            c(10).expiry(now),
            Expiry::Soon(std::time::Duration::from_secs(600))
        );
        assert_eq!(c(0).expiry(now), Expiry::Expired);
        assert_eq!(c(-5).expiry(now), Expiry::Expired);
        assert_eq!(context("a", None).expiry(now), Expiry::Fine);
    }
}
