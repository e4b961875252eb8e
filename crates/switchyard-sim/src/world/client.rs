//! What a client on the internet gets: the emulator as a data plane for the names it owns.
//!
//! A client resolves a name as a resolver would (an answer is kept until its TTL runs out, so a
//! client can still be sent to the old side after Route 53 changed its answer), connects to the
//! first address, and gets what is there: an instance's application, a load balancer's answer (its
//! listener and rules decide: targets, healthy or failed open, a fixed response, a redirect, or its
//! own 503), or a CloudFront distribution's, which fetches from its origin and keeps error
//! responses cached for `ErrorCachingMinTTL`.

use std::collections::HashMap;

use super::cloudfront::Distribution;
use super::ec2::{Page, Probe, SORRY_PAGE, Server};
use super::elb::Request;
use super::{Ms, World};

/// CloudFront's error caching minimum TTL when a distribution sets none: "By default, when your
/// origin returns an HTTP 4xx or 5xx status code, CloudFront caches these error responses for 10
/// seconds" (CloudFront developer guide, "Control how long CloudFront caches errors";
/// AWS-FACTS.md, CloudFront).
pub const DEFAULT_ERROR_CACHING_SECS: i64 = 10;

/// What the client side keeps between requests: its resolver's answers and CloudFront's cached
/// error responses.
#[derive(Clone, Debug, Default)]
pub struct ClientCaches {
    /// Name → (addresses, kept until).
    dns: HashMap<String, (Vec<String>, Ms)>,
    /// (distribution ID, path) → the cached error response.
    errors: HashMap<(String, String), CachedError>,
}

#[derive(Clone, Debug)]
struct CachedError {
    status: u16,
    body: String,
    stored: Ms,
    until: Ms,
}

/// One HTTP response as the client receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// How one request ended, as a client sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Response(Response),
    /// Nothing answered at that address (a stopped instance, an address nobody holds).
    Timeout,
    Refused,
}

fn header(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_string(), value.into())
}

/// A response made from a page of the world, with the headers its maker sends.
fn response_of(page: Page) -> Fetched {
    match page.probe {
        Probe::Http(status) => {
            let mut headers = vec![header("Content-Type", "text/html")];
            if page.from == Server::LoadBalancer {
                // An ALB's own responses (fixed responses, redirects, its 502/503/504) carry
                // `Server: awselb/2.0`.
                headers.push(header("Server", "awselb/2.0"));
            }
            Fetched::Response(Response {
                status,
                headers,
                body: page.body,
            })
        }
        Probe::Timeout | Probe::NoDns => Fetched::Timeout,
        Probe::Refused => Fetched::Refused,
    }
}

/// Whether an origin's domain name is an S3 bucket (REST or website endpoint).
fn is_s3(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d.ends_with(".amazonaws.com") && (d.contains(".s3.") || d.contains(".s3-"))
}

impl World {
    /// The addresses of `name` as a client's resolver gives them now: a cached answer until its
    /// TTL runs out, else a fresh one (kept for its TTL). None when the name does not resolve.
    pub fn client_resolve(&mut self, name: &str) -> Option<Vec<String>> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name.parse::<std::net::IpAddr>().is_ok() {
            return Some(vec![name]);
        }
        if let Some((addrs, until)) = self.client.dns.get(&name) {
            if self.now < *until {
                return Some(addrs.clone());
            }
        }
        let (addrs, ttl) = crate::dns::resolve_with_ttl(self, &name, "A")?;
        if addrs.is_empty() {
            return None;
        }
        let until = self.now + i64::from(ttl) * 1000;
        self.client.dns.insert(name, (addrs.clone(), until));
        Some(addrs)
    }

    /// Whether anything takes a connection to `addr:port`: a distribution's edge always does; a
    /// stopped instance, a load balancer without a listener on the port, or an address nobody
    /// holds does not. Reads only (no cache is filled).
    pub fn client_connects(&self, addr: &str, port: i64, host: &str) -> bool {
        if self
            .cf
            .distributions
            .iter()
            .any(|d| d.ips.iter().any(|ip| ip == addr))
        {
            return true;
        }
        !matches!(
            self.fetch_host(addr, port, &Request::get(Some(host), "/"), 0)
                .probe,
            Probe::Timeout | Probe::Refused | Probe::NoDns
        )
    }

    /// What a client gets from `addr:port` for `req` (its Host header names the site).
    pub fn client_fetch(&mut self, addr: &str, port: i64, req: &Request) -> Fetched {
        if let Some(d) = self
            .cf
            .distributions
            .iter()
            .find(|d| d.ips.iter().any(|ip| ip == addr))
            .cloned()
        {
            return self.cloudfront_fetch(&d, req);
        }
        response_of(self.fetch_host(addr, port, req, 0))
    }

    /// A distribution's answer: from its origin, with its custom error responses, and error
    /// responses kept cached for their `ErrorCachingMinTTL`.
    fn cloudfront_fetch(&mut self, d: &Distribution, req: &Request) -> Fetched {
        let now = self.now;
        let path = match (req.path.as_str(), d.config.text_at(&["DefaultRootObject"])) {
            ("/", Some(root)) if !root.is_empty() => format!("/{root}"),
            (p, _) => p.to_string(),
        };
        let via = format!(
            "1.1 {}.cloudfront.net (CloudFront)",
            &d.id.to_ascii_lowercase()
        );
        let cf_headers = |x_cache: &str, age: Option<i64>| {
            let mut h = vec![
                header("Content-Type", "text/html"),
                header("Via", via.clone()),
                header("X-Cache", x_cache),
                header("X-Amz-Cf-Pop", "FRA56-P1"),
            ];
            if let Some(a) = age {
                h.push(header("Age", a.to_string()));
            }
            h
        };
        if !d.enabled() {
            return Fetched::Response(Response {
                status: 403,
                headers: cf_headers("Error from cloudfront", None),
                body: "The distribution is disabled.".into(),
            });
        }
        let key = (d.id.clone(), path.clone());
        if let Some(c) = self.client.errors.get(&key) {
            if now < c.until {
                return Fetched::Response(Response {
                    status: c.status,
                    headers: cf_headers("Error from cloudfront", Some((now - c.stored) / 1000)),
                    body: c.body.clone(),
                });
            }
        }
        let origin_page = self.origin_fetch(d, &path, req);
        let status = match origin_page.probe {
            Probe::Http(code) => code,
            // CloudFront answers 504 when the origin does not answer in time, 502 when it
            // cannot connect.
            Probe::Timeout => 504,
            Probe::Refused | Probe::NoDns => 502,
        };
        if status < 400 {
            return Fetched::Response(Response {
                status,
                headers: cf_headers("Miss from cloudfront", None),
                body: origin_page.body,
            });
        }
        // A custom error response for the code: its page (fetched from the origin) and code.
        let custom = d
            .config
            .at(&["CustomErrorResponses", "Items"])
            .into_iter()
            .flat_map(|items| items.all("CustomErrorResponse"))
            .find(|e| e.text_at(&["ErrorCode"]) == Some(status.to_string().as_str()));
        let (out_status, body, ttl) = match custom {
            Some(e) => {
                let ttl = e
                    .text_at(&["ErrorCachingMinTTL"])
                    .and_then(|t| t.parse::<i64>().ok())
                    .unwrap_or(DEFAULT_ERROR_CACHING_SECS);
                let page_path = e.text_at(&["ResponsePagePath"]).unwrap_or_default();
                let code = e
                    .text_at(&["ResponseCode"])
                    .and_then(|c| c.parse::<u16>().ok())
                    .unwrap_or(status);
                if page_path.is_empty() {
                    (status, origin_page.body, ttl)
                } else {
                    let page = self.origin_fetch(d, page_path, req);
                    if page.probe.http_ok() {
                        (code, page.body, ttl)
                    } else {
                        (status, origin_page.body, ttl)
                    }
                }
            }
            None => (status, origin_page.body, DEFAULT_ERROR_CACHING_SECS),
        };
        if ttl > 0 {
            self.client.errors.insert(
                key,
                CachedError {
                    status: out_status,
                    body: body.clone(),
                    stored: now,
                    until: now + ttl * 1000,
                },
            );
        }
        Fetched::Response(Response {
            status: out_status,
            headers: cf_headers("Error from cloudfront", None),
            body,
        })
    }

    /// What a distribution's origin answers for `path`. An S3 origin holds the maintenance page
    /// under the default root object and every custom error response's page path; any other key
    /// is refused with 403, as S3 refuses a missing key to a reader without ListBucket. A load
    /// balancer origin answers as its listener decides, for the origin's own name.
    fn origin_fetch(&self, d: &Distribution, path: &str, req: &Request) -> Page {
        let target = d
            .config
            .text_at(&["DefaultCacheBehavior", "TargetOriginId"])
            .unwrap_or_default();
        let origins: Vec<(&str, &str)> = d
            .config
            .at(&["Origins", "Items"])
            .into_iter()
            .flat_map(|items| items.all("Origin"))
            .filter_map(|o| Some((o.text_at(&["Id"])?, o.text_at(&["DomainName"])?)))
            .collect();
        let error_pages: Vec<String> = d
            .config
            .at(&["CustomErrorResponses", "Items"])
            .into_iter()
            .flat_map(|items| items.all("CustomErrorResponse"))
            .filter_map(|e| e.text_at(&["ResponsePagePath"]).map(str::to_string))
            .collect();
        let domain = origins
            .iter()
            .find(|(id, _)| *id == target)
            .or(origins.first())
            .map(|(_, domain)| *domain)
            .unwrap_or_default();
        let is_error_page = error_pages.iter().any(|p| p == path);
        // The default origin is a bucket, or the path is an error page and a bucket of the
        // distribution holds it (a cache behaviour for the page's path points there).
        if is_s3(domain) || (is_error_page && origins.iter().any(|(_, d)| is_s3(d))) {
            let root = d
                .config
                .text_at(&["DefaultRootObject"])
                .filter(|r| !r.is_empty())
                .map(|r| format!("/{r}"));
            return if is_error_page || root.as_deref() == Some(path) {
                Page::new(Probe::Http(200), SORRY_PAGE)
            } else {
                Page::new(
                    Probe::Http(403),
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
                )
            };
        }
        let origin_req = Request {
            host: Some(domain.trim_end_matches('.').to_string()),
            path: path.to_string(),
            ..req.clone()
        };
        if let Some(lb) = self.elb.lb_by_dns(domain) {
            let port = if self
                .elb
                .listeners
                .iter()
                .any(|l| l.lb_arn == lb.arn && l.port == 443)
            {
                443
            } else {
                80
            };
            return self.fetch_lb(lb, port, &origin_req, 1);
        }
        self.fetch_host(domain, 443, &origin_req, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_origins_are_told_from_other_names() {
        assert!(is_s3("shop-sorry-page.s3.eu-west-1.amazonaws.com"));
        assert!(is_s3("sorry.s3.amazonaws.com"));
        assert!(is_s3("sorry.s3-website-eu-west-1.amazonaws.com"));
        assert!(!is_s3("shop-alb-1234.eu-west-1.elb.amazonaws.com"));
        assert!(!is_s3("origin.example.com"));
    }
}
