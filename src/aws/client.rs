//! Building the AWS clients for one account and region.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// Route 53, CloudFront and the AWS/Route53 CloudWatch metrics live here whatever the region.
pub const GLOBAL_REGION: &str = "us-east-1";

/// The SDK sets no read or operation timeout of its own: a hung connection would freeze a
/// panel forever. These bound every call: the whole call (`call_timeout` in the config, 30 s by
/// default), each of its three attempts a third of it, and connecting at most 3 s of that.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timeouts {
    pub connect: Duration,
    pub attempt: Duration,
    pub call: Duration,
}

impl Timeouts {
    /// The limits for a whole call of `call`.
    pub fn for_call(call: Duration) -> Timeouts {
        let attempt = call / 3;
        Timeouts {
            connect: attempt.min(Duration::from_secs(3)),
            attempt,
            call,
        }
    }
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts::for_call(crate::config::schema::DEFAULT_CALL_TIMEOUT)
    }
}

/// Which account, role and region to talk to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub role_arn: Option<String>,
    /// An endpoint for every service (the emulator); the `AWS_ENDPOINT_URL*` variables work too.
    pub endpoint_url: Option<String>,
    /// Fixed credentials instead of the default chain: for the built-in emulator (`demo`,
    /// `rehearse`), which accepts any.
    pub static_credentials: Option<(String, String)>,
    /// How long a call may take.
    pub timeouts: Timeouts,
}

/// The clients switchyard uses, configured alike.
#[derive(Clone, Debug)]
pub struct Clients {
    /// The region of the load balancers, instances and their alarms.
    pub region: String,
    pub target: Target,
    pub route53: aws_sdk_route53::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
    /// CloudWatch in the site's region (alarms, AWS/EC2 metrics).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// CloudWatch in us-east-1 (AWS/Route53 health check metrics).
    pub cloudwatch_global: aws_sdk_cloudwatch::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub sts: aws_sdk_sts::Client,
    /// The credentials the clients sign with (their expiry is shown in the console's header).
    pub credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// AWS's clock (CloudWatch's and Route 53's), for metric windows and maintenance windows.
    pub clock: super::clock::ServerClock,
}

/// Why the clients could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "no AWS region: pass --region, set AWS_REGION, or give the profile or the site a region"
    )]
    NoRegion,
}

/// Loads the shared SDK configuration: the default credential chain (environment, profiles,
/// SSO, credential_process, web identity, ECS, IMDSv2), timeouts, standard retry, and the HTTP
/// client with the proxy rules. With a role, credentials come from assuming it.
pub async fn sdk_config(target: &Target, http: SharedHttpClient) -> Result<SdkConfig, SetupError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeout_config(target.timeouts))
        .retry_config(retries());
    if let Some(profile) = &target.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &target.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &target.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some((id, secret)) = &target.static_credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            id.clone(),
            secret.clone(),
            None,
            None,
            "switchyard-emulator",
        ));
    }

    let base = loader.load().await;
    if base.region().is_none() {
        return Err(SetupError::NoRegion);
    }
    let Some(role) = &target.role_arn else {
        return Ok(base);
    };
    let provider = aws_config::sts::AssumeRoleProvider::builder(role)
        .session_name("switchyard")
        .configure(&base)
        .build()
        .await;
    Ok(base
        .into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build())
}

/// Standard retry: 3 attempts with exponential backoff and jitter. Not the SDK's adaptive
/// mode: after one `Throttling` its client-side rate limiter holds the next attempt back past the
/// 30 s operation timeout (measured against the emulator: a one-site `status` took 30 s and
/// reported a timeout instead of the throttling). switchyard keeps itself under AWS's rates with
/// its own token buckets (`poll::limit`), and backs off again above the SDK.
fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

fn timeout_config(t: Timeouts) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(t.connect)
        .operation_attempt_timeout(t.attempt)
        .operation_timeout(t.call)
        .build()
}

/// Builds every client from one SDK configuration.
pub fn clients(target: &Target, sdk: &SdkConfig) -> Clients {
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let global = Region::new(GLOBAL_REGION);
    let clock = super::clock::ServerClock::default();
    // Route 53's clock too: a maintenance window's end is recorded and read in AWS's time.
    let route53 = aws_sdk_route53::config::Builder::from(sdk)
        .region(global.clone())
        .interceptor(clock.clone())
        .build();
    let cloudfront = aws_sdk_cloudfront::config::Builder::from(sdk)
        .region(global.clone())
        .build();
    let cloudwatch_global = aws_sdk_cloudwatch::config::Builder::from(sdk)
        .region(global)
        .interceptor(clock.clone())
        .build();
    let cloudwatch = aws_sdk_cloudwatch::config::Builder::from(sdk)
        .interceptor(clock.clone())
        .build();
    Clients {
        region,
        target: target.clone(),
        route53: aws_sdk_route53::Client::from_conf(route53),
        cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront),
        cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cloudwatch),
        cloudwatch_global: aws_sdk_cloudwatch::Client::from_conf(cloudwatch_global),
        elbv2: aws_sdk_elasticloadbalancingv2::Client::new(sdk),
        sts: aws_sdk_sts::Client::new(sdk),
        credentials: sdk.credentials_provider(),
        clock,
    }
}

impl Clients {
    /// CloudWatch in another region, configured like the others (a CLOUDWATCH_METRIC check's
    /// alarm may live in any region).
    pub fn cloudwatch_in(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        let conf = self
            .cloudwatch
            .config()
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_cloudwatch::Client::from_conf(conf)
    }
}

impl Clients {
    /// Elastic Load Balancing in `region`: the clients' own, or one configured like it (a load
    /// balancer lives where its DNS name and ARN say, whatever the default region).
    pub fn elbv2_in(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        if region == self.region || region.is_empty() {
            return self.elbv2.clone();
        }
        let conf = self
            .elbv2
            .config()
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
    }

    /// Elastic Load Balancing in the region of a load balancer, listener, rule or target group
    /// ARN (the clients' own region for anything else).
    pub fn elbv2_for(&self, arn: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        match crate::model::chain::region_of_arn(arn) {
            Some(r) => self.elbv2_in(r),
            None => self.elbv2.clone(),
        }
    }

    /// CloudWatch in `region`: the clients' own, or [`Clients::cloudwatch_in`].
    pub fn cloudwatch_at(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        if region == self.region || region.is_empty() {
            self.cloudwatch.clone()
        } else {
            self.cloudwatch_in(region)
        }
    }
}

/// Loads the configuration and builds the clients.
pub async fn connect(target: &Target, http: SharedHttpClient) -> Result<Clients, SetupError> {
    let sdk = sdk_config(target, http).await?;
    Ok(clients(target, &sdk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_limit_gives_each_of_three_attempts_a_third() {
        let t = Timeouts::default();
        assert_eq!(
            (t.connect, t.attempt, t.call),
            (
                Duration::from_secs(3),
                Duration::from_secs(10),
                Duration::from_secs(30)
            )
        );
        // A short limit connects within its attempt.
        let t = Timeouts::for_call(Duration::from_secs(6));
        assert_eq!(
            (t.connect, t.attempt),
            (Duration::from_secs(2), Duration::from_secs(2))
        );
    }
}
