//! The client's-eye view: what a client that fetches the site's URL actually gets.
//!
//! Route 53 answering the secondary is not the same as users seeing the sorry page: between the
//! two sit DNS caches, CloudFront's error caching, fail-open load balancers and listener rules. A
//! site may name a probe (a URL, and what its sorry page and its app contain); switchyard fetches
//! it as a client would and says which side the client got. A probe is a read, and a probe that
//! could not run is "could not be checked", never a pass.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How a site is probed (the config's `probe` table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeSpec {
    /// The URL a client fetches, `http://` or `https://`.
    pub url: String,
    /// Text the sorry page contains (case-insensitive), e.g. `maintenance`.
    pub sorry_contains: String,
    /// Text the application's page contains; when not given, any 2xx or 3xx answer without the
    /// sorry text is the application.
    pub app_contains: Option<String>,
    /// How long one probe may take, connect to last byte.
    #[serde(with = "crate::model::serde_util::secs")]
    pub timeout: Duration,
    /// How often the probe runs (at most; around a switch, every look).
    #[serde(with = "crate::model::serde_util::secs")]
    pub every: Duration,
}

impl ProbeSpec {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_EVERY: Duration = Duration::from_secs(30);
}

/// Who answered, as the response's headers tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A CloudFront edge (`Via: ... (CloudFront)` or `X-Cache: ... from cloudfront`).
    Cloudfront,
    /// The load balancer itself (`Server: awselb/...`): a fixed response, a redirect, or its own
    /// error.
    LoadBalancer,
    /// Neither said so: the application, or something in front of it.
    Origin,
}

impl Via {
    pub fn label(self) -> &'static str {
        match self {
            Via::Cloudfront => "via CloudFront",
            Via::LoadBalancer => "from the load balancer",
            Via::Origin => "from the origin",
        }
    }
}

/// One HTTP response as the probe received it (the adapter's result).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawResponse {
    pub status: u16,
    /// Response headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The start of the body (enough to find the texts in).
    pub body: String,
    /// The body's size in bytes, as received (it may be longer than `body`).
    pub size: u64,
    /// How long the fetch took.
    pub elapsed: Duration,
    /// The addresses the name resolved to on this machine (empty when a proxy resolved it).
    pub addresses: Vec<String>,
    /// The proxy the request went through, without credentials.
    pub proxy: Option<String>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Which side of the site a client got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The sorry page.
    Sorry,
    /// The application.
    App,
    /// Neither: an error page, a redirect elsewhere, an empty answer.
    Neither,
}

impl Side {
    /// "the sorry page", "the app", "neither page".
    pub fn words(self) -> &'static str {
        match self {
            Side::Sorry => "the sorry page",
            Side::App => "the app",
            Side::Neither => "neither page",
        }
    }
}

/// What the probe saw, classified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    pub side: Side,
    pub status: u16,
    /// The body's size in bytes.
    pub size: u64,
    pub via: Via,
    /// The text found that decided the side (the sorry or the app text), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// How long the answer had been in CloudFront's cache (`Age`), when it came from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_secs: Option<u64>,
    /// How long the fetch took, in milliseconds.
    pub elapsed_ms: u64,
    /// The addresses the name resolved to here (empty when the proxy resolved it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The proxy the probe went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
}

fn contains(body: &str, text: &str) -> bool {
    !text.is_empty() && body.to_lowercase().contains(&text.to_lowercase())
}

/// Classifies a response by the spec's texts and the response's headers.
pub fn classify(spec: &ProbeSpec, r: &RawResponse) -> ClientView {
    let cloudfront = r
        .header("via")
        .is_some_and(|v| v.to_ascii_lowercase().contains("cloudfront"))
        || r.header("x-cache")
            .is_some_and(|v| v.to_ascii_lowercase().contains("cloudfront"));
    let via = if cloudfront {
        Via::Cloudfront
    } else if r
        .header("server")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("awselb"))
    {
        Via::LoadBalancer
    } else {
        Via::Origin
    };
    let (side, matched) = if contains(&r.body, &spec.sorry_contains) {
        (Side::Sorry, Some(spec.sorry_contains.clone()))
    } else {
        // The app serves only with a success or a redirect: a 5xx (or 4xx) carrying the app's
        // text is its error page (a load balancer failing open to failing targets), and a fail
        // back that ends there is not verified.
        let served = (200..400).contains(&r.status);
        match &spec.app_contains {
            Some(app) if served && contains(&r.body, app) => (Side::App, Some(app.clone())),
            Some(_) => (Side::Neither, None),
            None if served => (Side::App, None),
            None => (Side::Neither, None),
        }
    };
    let cached_secs = if cloudfront {
        r.header("age").and_then(|a| a.trim().parse::<u64>().ok())
    } else {
        None
    };
    ClientView {
        side,
        status: r.status,
        size: r.size,
        via,
        matched,
        cached_secs,
        elapsed_ms: u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
        addresses: r.addresses.clone(),
        proxy: r.proxy.clone(),
    }
}

/// A size in bytes, as people read it: `812 B`, `1.2 KB`, `3.4 MB`.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} KB", b as f64 / 1000.0),
        b => format!("{:.1} MB", b as f64 / 1_000_000.0),
    }
}

impl ClientView {
    /// "the sorry page (503, 'maintenance', 1.2 KB, via CloudFront, cached 40 s)".
    pub fn describe(&self) -> String {
        let what = self.side.words();
        let mut parts = vec![self.status.to_string()];
        if let Some(m) = &self.matched {
            parts.push(format!("'{m}'"));
        }
        parts.push(human_size(self.size));
        parts.push(self.via.label().to_string());
        if let Some(age) = self.cached_secs {
            parts.push(format!("cached {age} s"));
        }
        format!("{what} ({})", parts.join(", "))
    }
}

/// The site's probe and what it saw last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeObservation {
    /// The URL fetched.
    pub url: String,
    /// How often it is fetched.
    #[serde(with = "crate::model::serde_util::secs")]
    pub every: Duration,
    /// What came back, when, and the latest failure.
    pub seen: super::obs::Fetched<ClientView>,
}

impl ProbeObservation {
    pub fn new(spec: &ProbeSpec) -> ProbeObservation {
        ProbeObservation {
            url: spec.url.clone(),
            every: spec.every,
            seen: super::obs::Fetched::default(),
        }
    }

    /// "clients get: the sorry page (503, 'maintenance', 1.2 KB, via CloudFront) 4 s ago", or
    /// why it is not known.
    pub fn line(&self, now: time::OffsetDateTime) -> String {
        let age = |t: Option<time::OffsetDateTime>| {
            t.map(|t| {
                let age = super::obs::span(t, now);
                format!(
                    " {}",
                    super::obs::human_span(Duration::from_secs(age.as_secs()))
                )
            })
            .unwrap_or_default()
        };
        match (&self.seen.value, &self.seen.error) {
            (_, Some(e)) => format!(
                "clients get: could not be checked: {}{} ago",
                e.error.message,
                age(Some(e.at))
            ),
            (Some(v), None) => format!(
                "clients get: {}{} ago",
                v.describe(),
                age(self.seen.fetched_at)
            ),
            (None, None) => "clients get: not probed yet".to_string(),
        }
    }
}

/// Whether the side a client got is the one a site in `maintenance` (or not) should show.
pub fn expected_side(maintenance: bool) -> Side {
    if maintenance { Side::Sorry } else { Side::App }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(app: Option<&str>) -> ProbeSpec {
        ProbeSpec {
            url: "https://www.example.com/".into(),
            sorry_contains: "maintenance".into(),
            app_contains: app.map(str::to_string),
            timeout: ProbeSpec::DEFAULT_TIMEOUT,
            every: ProbeSpec::DEFAULT_EVERY,
        }
    }

    fn resp(status: u16, body: &str, headers: &[(&str, &str)]) -> RawResponse {
        RawResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
            size: body.len() as u64,
            ..RawResponse::default()
        }
    }

    #[test]
    fn the_sorry_page_through_cloudfront_reads_as_such() {
        let body = "x".repeat(1150) + "Down for Maintenance";
        let v = classify(
            &spec(None),
            &resp(
                503,
                &body,
                &[
                    ("via", "1.1 abc.cloudfront.net (CloudFront)"),
                    ("x-cache", "Error from cloudfront"),
                    ("age", "4"),
                ],
            ),
        );
        assert_eq!(v.side, Side::Sorry);
        assert_eq!(
            v.describe(),
            "the sorry page (503, 'maintenance', 1.2 KB, via CloudFront, cached 4 s)"
        );
    }

    #[test]
    fn the_app_is_told_by_its_text_or_by_a_success_without_the_sorry_text() {
        let ok = resp(200, "<h1>It works</h1>", &[]);
        assert_eq!(classify(&spec(None), &ok).side, Side::App);
        assert_eq!(classify(&spec(Some("it works")), &ok).side, Side::App);
        assert_eq!(classify(&spec(Some("Shop")), &ok).side, Side::Neither);
        // The app's text in an error: its error page, not the app serving.
        let failing = resp(500, "<h1>It works</h1>", &[]);
        assert_eq!(
            classify(&spec(Some("it works")), &failing).side,
            Side::Neither
        );
        assert_eq!(classify(&spec(None), &failing).side, Side::Neither);
        let lb = resp(503, "", &[("server", "awselb/2.0")]);
        let v = classify(&spec(None), &lb);
        assert_eq!(v.side, Side::Neither);
        assert_eq!(
            v.describe(),
            "neither page (503, 0 B, from the load balancer)"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(1234), "1.2 KB");
        assert_eq!(human_size(3_400_000), "3.4 MB");
    }
}
