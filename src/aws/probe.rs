//! The probe: fetches a site's URL as a client would, and says what came back.
//!
//! The request is a plain `GET` with no cache-busting header: a client gets what caches hold.
//! It goes through the proxy a client on this machine would use (`HTTPS_PROXY`/`HTTP_PROXY`,
//! with `NO_PROXY`), or the one `SWITCHYARD_PROBE_PROXY` names for probes only (the built-in
//! emulator offers itself as that proxy). Without a proxy the name is resolved here: by the
//! system's resolver, or by the named DNS server (`dns_server`, `SWITCHYARD_DNS_SERVER`), whose
//! answers are kept for their TTL, as a client's resolver keeps them. TLS is checked against the
//! system's roots, plus the certificate authority `SWITCHYARD_PROBE_CA` gives (PEM text or a
//! file), for a proxy that speaks TLS for the names (the emulator). A probe changes nothing; it
//! has its own timeout, and one that cannot run says why.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Connector, proxy::ProxyConfig};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;

use super::dns::Resolver;
use super::proxy::{ProxySettings, ProxyUrl, bypassed};
use crate::model::probe::{ProbeSpec, RawResponse};

/// How much of a body is kept to look for the pages' texts in (the rest is only counted).
pub const BODY_KEPT: usize = 256 * 1024;

/// Name → (addresses, kept until): the probe's resolver cache.
type DnsCache = Arc<Mutex<HashMap<String, (Vec<IpAddr>, Instant)>>>;

/// Fetches probe URLs.
#[derive(Clone, Debug)]
pub struct Prober {
    /// The proxy for probes only (`SWITCHYARD_PROBE_PROXY`), used for every URL.
    only: Option<ProxyUrl>,
    /// The proxies clients of this machine use.
    settings: ProxySettings,
    /// An extra certificate authority to trust (PEM).
    ca: Option<Vec<u8>>,
    resolver: Resolver,
    cache: DnsCache,
}

/// Reads a PEM from the value: the PEM itself, or the path of a file holding it.
fn pem_of(var: &str, value: &str) -> Result<Vec<u8>, String> {
    if value.trim_start().starts_with("-----BEGIN") {
        return Ok(value.as_bytes().to_vec());
    }
    std::fs::read(value.trim()).map_err(|e| {
        format!(
            "{var}: cannot read the certificate file {}: {e}",
            value.trim()
        )
    })
}

/// Probe settings this process gives itself (the emulator it started for `demo` or `rehearse`),
/// ahead of the environment's.
static OWN_VARS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

/// Makes this process's probes go through an emulator it started: its `SWITCHYARD_PROBE_PROXY`
/// and `SWITCHYARD_PROBE_CA` (from the emulator's environment) win over the environment's.
/// Only the first call counts.
pub fn use_emulator(env: &[(String, String)]) {
    let own: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| k.starts_with("SWITCHYARD_PROBE_"))
        .cloned()
        .collect();
    let _ = OWN_VARS.set(own);
}

impl Prober {
    /// A prober with this process's proxy variables and `SWITCHYARD_PROBE_PROXY` /
    /// `SWITCHYARD_PROBE_CA` (see [`use_emulator`]).
    pub fn from_env(resolver: Resolver) -> Result<Prober, String> {
        Prober::from_vars(resolver, |name| {
            OWN_VARS
                .get()
                .and_then(|own| own.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
                .or_else(|| std::env::var(name).ok())
        })
    }

    pub fn from_vars(
        resolver: Resolver,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Prober, String> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let only = set("SWITCHYARD_PROBE_PROXY")
            .map(|v| ProxyUrl::parse(&v).map_err(|e| format!("SWITCHYARD_PROBE_PROXY: {e}")))
            .transpose()?;
        let ca = set("SWITCHYARD_PROBE_CA")
            .map(|v| pem_of("SWITCHYARD_PROBE_CA", &v))
            .transpose()?;
        Ok(Prober {
            only,
            settings: ProxySettings::from_vars(&var)?,
            ca,
            resolver,
            cache: Arc::default(),
        })
    }

    /// The proxy a request for `url` goes through, if any.
    fn proxy_for(&self, url: &url::Url) -> Option<&ProxyUrl> {
        if let Some(p) = &self.only {
            return Some(p);
        }
        let host = url.host_str().unwrap_or_default();
        if bypassed(host, &self.settings.no_proxy) {
            return None;
        }
        if url.scheme() == "https" {
            self.settings.https.as_ref()
        } else {
            self.settings.http.as_ref()
        }
    }

    /// Fetches the spec's URL once. Err says why no answer came (in words for the operator).
    pub async fn fetch(&self, spec: &ProbeSpec) -> Result<RawResponse, String> {
        let url = url::Url::parse(&spec.url).map_err(|e| format!("{}: {e}", spec.url))?;
        let proxy = self.proxy_for(&url);
        let mut trust = TrustStore::default();
        if let Some(pem) = &self.ca {
            trust = trust.with_pem_certificate(pem.clone());
        }
        let context = TlsContext::builder()
            .with_trust_store(trust)
            .build()
            .map_err(|e| format!("cannot set up TLS: {e}"))?;
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(spec.timeout)
            .read_timeout(spec.timeout)
            .build();
        let builder = Connector::builder()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .tls_context(context)
            .connector_settings(settings)
            .proxy_config(match proxy {
                Some(p) => p.config_for_all()?,
                None => ProxyConfig::disabled(),
            });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connector = match (&self.resolver, proxy) {
            (Resolver::Server(_), None) => builder.build_with_resolver(CachingDns {
                resolver: self.resolver.clone(),
                cache: self.cache.clone(),
                seen: seen.clone(),
            }),
            _ => builder.build(),
        };
        let mut request =
            HttpRequest::get(url.as_str()).map_err(|e| format!("{}: {e}", spec.url))?;
        request
            .headers_mut()
            .insert("user-agent", "switchyard-probe (what a client gets)");
        request.headers_mut().insert("accept", "text/html,*/*");
        let t0 = Instant::now();
        let fetch = async {
            let response = connector
                .call(request)
                .await
                .map_err(|e| describe_error(&e, proxy))?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect();
            let mut stream = ByteStream::new(response.into_body());
            let mut kept = Vec::new();
            let mut size = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| format!("the answer broke off: {e}"))?;
                size += chunk.len() as u64;
                let room = BODY_KEPT.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok::<_, String>((status, headers, kept, size))
        };
        let (status, headers, kept, size) = tokio::time::timeout(spec.timeout, fetch)
            .await
            .map_err(|_| {
                format!(
                    "no complete answer within {} s{}",
                    spec.timeout.as_secs_f64(),
                    proxy.map_or(String::new(), |p| format!(" (through {})", p.redacted()))
                )
            })??;
        let addresses = seen.lock().map(|s| s.clone()).unwrap_or_default();
        Ok(RawResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&kept).into_owned(),
            size,
            elapsed: t0.elapsed(),
            addresses,
            proxy: proxy.map(ProxyUrl::redacted),
        })
    }
}

/// A connector error in words: what failed, and through which proxy.
fn describe_error(
    e: &aws_smithy_runtime_api::client::result::ConnectorError,
    proxy: Option<&ProxyUrl>,
) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text = format!("{text}: {s_text}");
        }
        source = s.source();
    }
    match proxy {
        Some(p) => format!("{text} (through {})", p.redacted()),
        None => text,
    }
}

/// Resolves through the named DNS server, keeping each answer for its TTL as a client's resolver
/// does, and notes the addresses used.
#[derive(Clone, Debug)]
struct CachingDns {
    resolver: Resolver,
    cache: DnsCache,
    seen: Arc<Mutex<Vec<String>>>,
}

impl ResolveDns for CachingDns {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        DnsFuture::new(async move {
            let key = name.trim_end_matches('.').to_ascii_lowercase();
            let cached = self
                .cache
                .lock()
                .ok()
                .and_then(|c| c.get(&key).cloned())
                .filter(|(_, until)| Instant::now() < *until)
                .map(|(a, _)| a);
            let addrs = match cached {
                Some(a) => a,
                None => {
                    let (found, ttl) = self
                        .resolver
                        .resolve_with_ttl(&key)
                        .await
                        .map_err(ResolveDnsError::new)?;
                    let addrs: Vec<IpAddr> = found.iter().filter_map(|a| a.parse().ok()).collect();
                    if let Ok(mut c) = self.cache.lock() {
                        c.insert(
                            key.clone(),
                            (
                                addrs.clone(),
                                Instant::now() + Duration::from_secs(u64::from(ttl)),
                            ),
                        );
                    }
                    addrs
                }
            };
            if addrs.is_empty() {
                return Err(ResolveDnsError::new(format!("{key} does not resolve")));
            }
            if let Ok(mut s) = self.seen.lock() {
                *s = addrs.iter().map(ToString::to_string).collect();
            }
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prober(vars: &[(&str, &str)]) -> Prober {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Prober::from_vars(Resolver::System, |n| vars.get(n).cloned()).unwrap()
    }

    #[test]
    fn the_probe_goes_through_the_proxy_clients_of_this_machine_use() {
        let p = prober(&[
            ("HTTPS_PROXY", "http://squid:3128"),
            ("NO_PROXY", "internal.example.com"),
        ]);
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            p.proxy_for(&u("https://www.example.com/"))
                .map(ProxyUrl::redacted),
            Some("http://squid:3128".into())
        );
        assert!(
            p.proxy_for(&u("https://app.internal.example.com/"))
                .is_none()
        );
        assert!(p.proxy_for(&u("http://www.example.com/")).is_none());
        let only = prober(&[
            ("HTTPS_PROXY", "http://squid:3128"),
            ("SWITCHYARD_PROBE_PROXY", "http://127.0.0.1:4566"),
        ]);
        assert_eq!(
            only.proxy_for(&u("https://www.example.com/"))
                .map(ProxyUrl::redacted),
            Some("http://127.0.0.1:4566".into())
        );
    }

    #[test]
    fn a_certificate_file_that_cannot_be_read_is_named() {
        let vars =
            |n: &str| (n == "SWITCHYARD_PROBE_CA").then(|| "/nonexistent/ca.pem".to_string());
        let e = Prober::from_vars(Resolver::System, vars).unwrap_err();
        assert!(
            e.contains("SWITCHYARD_PROBE_CA") && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_url_nothing_answers_is_an_error_never_a_response() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let spec = ProbeSpec {
            url: format!("http://127.0.0.1:{port}/"),
            sorry_contains: "maintenance".into(),
            app_contains: None,
            timeout: Duration::from_secs(3),
            every: ProbeSpec::DEFAULT_EVERY,
        };
        let e = prober(&[]).fetch(&spec).await.unwrap_err();
        assert!(!e.is_empty());
    }

    /// A probe is a read with its own time limit: it sends a plain GET, and an answer that keeps
    /// trickling in (a byte now and then, each read within the limit) is cut at the probe's
    /// timeout, connect to last byte, and said as an error, never taken as an answer.
    #[tokio::test]
    async fn a_trickling_answer_is_cut_at_the_probes_timeout_and_the_request_is_a_get() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (seen_tx, seen_rx) = tokio::sync::oneshot::channel::<String>();
        tokio::spawn(async move {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let _ = seen_tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n";
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..200 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if sock.write_all(b"x").await.is_err() {
                    return;
                }
            }
        });
        let spec = ProbeSpec {
            url: format!("http://127.0.0.1:{port}/"),
            sorry_contains: "maintenance".into(),
            app_contains: None,
            timeout: Duration::from_secs(1),
            every: ProbeSpec::DEFAULT_EVERY,
        };
        let e = prober(&[]).fetch(&spec).await.unwrap_err();
        assert_eq!(e, "no complete answer within 1 s");
        let request = seen_rx.await.unwrap();
        assert!(request.starts_with("GET / HTTP/1.1\r\n"), "{request}");
    }

    /// A DNS server for the tests: answers `A` queries with 127.0.0.1 and `ttl`, `AAAA` with
    /// nothing; returns its address and how many `A` queries it answered.
    async fn counting_dns(ttl: u32) -> (std::net::SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
        use hickory_proto::op::{Message, MessageType, ResponseCode};
        use hickory_proto::rr::{RData, Record, RecordType, rdata::A};
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = count.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let Ok(q) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut r = Message::new();
                r.set_id(q.id())
                    .set_message_type(MessageType::Response)
                    .set_op_code(q.op_code())
                    .set_response_code(ResponseCode::NoError);
                for query in q.queries() {
                    r.add_query(query.clone());
                    if query.query_type() == RecordType::A {
                        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        r.add_answer(Record::from_rdata(
                            query.name().clone(),
                            ttl,
                            RData::A(A::new(127, 0, 0, 1)),
                        ));
                    }
                }
                let _ = socket.send_to(&r.to_vec().unwrap(), from).await;
            }
        });
        (addr, count)
    }

    /// An HTTP server for the tests that answers every request with the app's page.
    async fn app_server() -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nIt works",
                        )
                        .await;
                });
            }
        });
        port
    }

    /// Without a proxy, the probe resolves the name with the named DNS server as a client's
    /// resolver does: it keeps the answer for its TTL (one query for two probes within 300 s),
    /// and asks again when the TTL has run out (TTL 0: one query per probe).
    #[tokio::test]
    async fn the_probe_keeps_a_dns_answer_for_its_ttl() {
        let port = app_server().await;
        for (ttl, queries) in [(300, 1), (0, 2)] {
            let (dns, count) = counting_dns(ttl).await;
            let p = Prober::from_vars(Resolver::Server(dns), |_| None).unwrap();
            let spec = ProbeSpec {
                url: format!("http://app.probe.test:{port}/"),
                sorry_contains: "maintenance".into(),
                app_contains: Some("It works".into()),
                timeout: Duration::from_secs(10),
                every: ProbeSpec::DEFAULT_EVERY,
            };
            for _ in 0..2 {
                let r = p.fetch(&spec).await.unwrap();
                assert_eq!(r.status, 200);
                assert_eq!(r.addresses, ["127.0.0.1"]);
            }
            assert_eq!(
                count.load(std::sync::atomic::Ordering::SeqCst),
                queries,
                "TTL {ttl}"
            );
        }
    }
}
