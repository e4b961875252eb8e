//! The emulator as the internet a client sees: an HTTP forward proxy for the names of its world.
//!
//! A client (switchyard's probe, curl, a browser) names the emulator as its proxy:
//! - `GET http://www.example.com/ HTTP/1.1` (absolute form) is answered with what the name
//!   serves on port 80;
//! - `CONNECT www.example.com:443` is answered `200 Connection established` when the name
//!   resolves to something that answers, and the tunnel is then spoken to as that endpoint would:
//!   TLS with a certificate for the name, issued by the emulator's own certificate authority
//!   (its PEM is given to clients as `SWITCHYARD_PROBE_CA`), then HTTP.
//!
//! Names are resolved as a client's resolver would (answers kept for their TTL), and what
//! answers is decided by the world: see [`crate::world::client`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::server::{Shared, lock};
use crate::world::client::Fetched;
use crate::world::elb::Request as WorldRequest;

/// The emulator's certificate authority: issues a certificate for any name a client asks for.
pub struct Ca {
    key: rcgen::KeyPair,
    params: rcgen::CertificateParams,
    pem: String,
    issued: Mutex<HashMap<String, Arc<CertifiedKey>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ca")
    }
}

impl Ca {
    /// A new authority, with a key made now (it lives as long as the emulator).
    pub fn new() -> Result<Ca, String> {
        let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
        let mut params =
            rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "switchyard emulator data plane CA",
        );
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
        Ok(Ca {
            pem: cert.pem(),
            key,
            params,
            issued: Mutex::new(HashMap::new()),
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        })
    }

    /// The authority's certificate, PEM: what a client must trust.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A certificate and key for `name`, made on first use.
    fn certified(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if let Some(k) = lock(&self.issued).get(&name) {
            return Some(k.clone());
        }
        let key = rcgen::KeyPair::generate().ok()?;
        let mut params = rcgen::CertificateParams::new(vec![name.clone()]).ok()?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name.clone());
        let issuer = rcgen::Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).ok()?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = self.provider.key_provider.load_private_key(der).ok()?;
        let certified = Arc::new(CertifiedKey::new(
            vec![CertificateDer::from(cert.der().to_vec())],
            signing,
        ));
        lock(&self.issued).insert(name, certified.clone());
        Some(certified)
    }
}

/// Picks the certificate by the name the client asked for (SNI), else the CONNECT name.
#[derive(Debug)]
struct ByName {
    ca: Arc<Ca>,
    fallback: String,
}

impl ResolvesServerCert for ByName {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name().unwrap_or(&self.fallback).to_string();
        self.ca.certified(&name)
    }
}

type Answer = Response<Full<Bytes>>;

fn plain(status: u16, text: &str) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(text.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    r
}

/// Whether a request is for the data plane: a CONNECT, or a request in absolute form
/// (`GET http://name/path`), as clients send them to a proxy.
pub fn is_proxy_request<B>(req: &Request<B>) -> bool {
    req.method() == Method::CONNECT || req.uri().authority().is_some()
}

fn host_port(authority: &str, default_port: i64) -> (String, i64) {
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => match p.parse::<i64>() {
            Ok(port) => (h.trim_matches(|c| c == '[' || c == ']').to_string(), port),
            Err(_) => (authority.to_string(), default_port),
        },
        _ => (authority.to_string(), default_port),
    }
}

/// The world's request from an HTTP request and the name the client asked for.
fn world_request<B>(req: &Request<B>, name: &str) -> WorldRequest {
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| host_port(h, 0).0)
        .unwrap_or_else(|| name.to_string());
    let mut r = WorldRequest::get(Some(&host), req.uri().path());
    r.method = req.method().as_str().to_string();
    r.headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    r.query = req
        .uri()
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    r
}

/// Resolves `name` as a client would, to the address it connects to (the first of the answer).
fn resolve(shared: &Shared, name: &str) -> Option<String> {
    let mut w = lock(&shared.world);
    w.sync();
    w.client_resolve(name)?.into_iter().next()
}

/// Answers one request to `addr:port` as the world decides.
async fn answer(shared: Arc<Shared>, addr: String, port: i64, req: WorldRequest) -> Answer {
    let fetched = {
        let mut w = lock(&shared.world);
        w.sync();
        w.client_fetch(&addr, port, &req)
    };
    match fetched {
        Fetched::Response(r) => {
            let mut out = Response::new(Full::new(Bytes::from(r.body)));
            *out.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (k, v) in r.headers {
                if let (Ok(k), Ok(v)) = (
                    hyper::header::HeaderName::from_bytes(k.as_bytes()),
                    hyper::header::HeaderValue::from_str(&v),
                ) {
                    out.headers_mut().append(k, v);
                }
            }
            out
        }
        // Nothing answers: the client waits until its own timeout gives up.
        Fetched::Timeout => {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(120)) => {}
                () = shared.shutdown.cancelled() => {}
            }
            plain(504, "nothing answered")
        }
        Fetched::Refused => plain(502, "connection refused"),
    }
}

/// Answers a request in absolute form (`GET http://name/...`), as a proxy would: resolved,
/// then fetched from the address.
pub async fn forward(shared: Arc<Shared>, req: Request<Incoming>) -> Answer {
    let Some(authority) = req.uri().authority().map(|a| a.as_str().to_string()) else {
        return plain(400, "not a proxy request");
    };
    let default_port = if req.uri().scheme_str() == Some("https") {
        443
    } else {
        80
    };
    let (name, port) = host_port(&authority, default_port);
    let Some(addr) = resolve(&shared, &name) else {
        return plain(502, &format!("DNS lookup of {name} failed (NXDOMAIN)"));
    };
    let wreq = world_request(&req, &name);
    answer(shared, addr, port, wreq).await
}

/// Answers a CONNECT: a tunnel to what the name resolves to, spoken to as that endpoint would
/// (TLS with a certificate for the name, then HTTP; plain HTTP on port 80).
pub fn connect(shared: Arc<Shared>, req: Request<Incoming>) -> Answer {
    let authority = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let (name, port) = host_port(&authority, 443);
    let Some(addr) = resolve(&shared, &name) else {
        return plain(502, &format!("DNS lookup of {name} failed (NXDOMAIN)"));
    };
    // Whether anything takes the connection: a stopped instance or an unheld address does not.
    let reachable = {
        let mut w = lock(&shared.world);
        w.sync();
        w.client_connects(&addr, port, &name)
    };
    if !reachable {
        return plain(504, &format!("cannot connect to {name} ({addr}:{port})"));
    }
    let Some(ca) = shared.ca.clone() else {
        return plain(
            502,
            "the emulator has no certificate authority for TLS tunnels",
        );
    };
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let token = shared.shutdown.clone();
        let s = shared.clone();
        let (n, a) = (name.clone(), addr.clone());
        let service = service_fn(move |r: Request<Incoming>| {
            let wreq = world_request(&r, &n);
            let fut = answer(s.clone(), a.clone(), port, wreq);
            async move { Ok::<_, std::convert::Infallible>(fut.await) }
        });
        if port == 80 {
            let conn = http1::Builder::new().serve_connection(upgraded, service);
            tokio::select! { _ = conn => {} _ = token.cancelled() => {} }
            return;
        }
        let config = match rustls::ServerConfig::builder_with_provider(ca.provider.clone())
            .with_safe_default_protocol_versions()
        {
            Ok(b) => b.with_no_client_auth().with_cert_resolver(Arc::new(ByName {
                ca: ca.clone(),
                fallback: name.clone(),
            })),
            Err(_) => return,
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let Ok(tls) = acceptor.accept(TokioIo::new(upgraded)).await else {
            return;
        };
        let conn = http1::Builder::new().serve_connection(TokioIo::new(tls), service);
        tokio::select! { _ = conn => {} _ = token.cancelled() => {} }
    });
    Response::new(Full::new(Bytes::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(
            host_port("www.example.com:443", 80),
            ("www.example.com".into(), 443)
        );
        assert_eq!(
            host_port("www.example.com", 80),
            ("www.example.com".into(), 80)
        );
        assert_eq!(host_port("[::1]:8443", 80), ("::1".into(), 8443));
    }

    #[test]
    fn the_authority_issues_a_certificate_per_name_once() {
        let ca = Ca::new().unwrap();
        assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let a = ca.certified("www.example.com").unwrap();
        let b = ca.certified("WWW.example.com.").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
