//! HTTP(S) proxies for the AWS clients.
//!
//! The SDK's default client (with `BehaviorVersion::latest()`) honours `HTTP_PROXY`,
//! `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`. But on a bastion whose credentials come from the
//! instance metadata service, a proxy without `NO_PROXY=169.254.169.254` sends the IMDS requests
//! to the proxy, which cannot reach them, and credentials silently fail. So switchyard reads the
//! same variables itself, adds the metadata addresses to `NO_PROXY` when a proxy is set and they
//! are missing (and says so), and builds the same client as the SDK's default (rustls with
//! aws-lc) with that explicit proxy configuration. Passwords in proxy URLs are never logged.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Addresses of the instance metadata service (IPv4 and IPv6) and of ECS task credentials.
pub const METADATA_ADDRESSES: [&str; 3] = ["169.254.169.254", "fd00:ec2::254", "169.254.170.2"];

/// A proxy URL, split so that its password can be kept out of every message.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// `scheme://host[:port]`, without credentials.
    pub url: String,
    pub username: Option<String>,
    password: Option<String>,
    /// `host:port`, with the scheme's port when the URL gives none.
    host_port: String,
}

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl ProxyUrl {
    /// Parses `http://[user[:pass]@]host[:port][/]` (`http://` when no scheme is given). The
    /// error never contains the password.
    pub fn parse(raw: &str) -> Result<ProxyUrl, String> {
        let raw = raw.trim();
        let with_scheme = if raw.contains("://") {
            raw.to_string()
        } else {
            format!("http://{raw}")
        };
        let parsed = url::Url::parse(&with_scheme).map_err(|e| {
            format!("the proxy URL is not valid ({e}); expected http://[user:password@]host:port")
        })?;
        let scheme = parsed.scheme();
        if matches!(scheme, "socks5" | "socks5h" | "socks4" | "socks4a") {
            return Err(format!(
                "SOCKS proxies are not supported by the AWS SDK ({scheme}://…); use an HTTP proxy"
            ));
        }
        if scheme != "http" && scheme != "https" {
            return Err(format!("proxy scheme {scheme:?} is not http or https"));
        }
        let host = parsed.host_str().unwrap_or_default();
        if host.is_empty()
            || parsed.path() != "/"
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(format!(
                "proxy address {scheme}://{host}{} has no host:port",
                parsed.path().trim_end_matches('/')
            ));
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let username = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(decode);
        let password = parsed.password().map(decode);
        let url = match parsed.port() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        let port = parsed.port_or_known_default().unwrap_or(80);
        Ok(ProxyUrl {
            url,
            username,
            password,
            host_port: format!("{host}:{port}"),
        })
    }

    /// The URL with the password replaced, for logs, `doctor` and error messages.
    pub fn redacted(&self) -> String {
        match (&self.username, &self.password) {
            (Some(u), Some(_)) => self.url.replacen("://", &format!("://{u}:***@"), 1),
            (Some(u), None) => self.url.replacen("://", &format!("://{u}@"), 1),
            _ => self.url.clone(),
        }
    }

    #[cfg(test)]
    /// Where the proxy listens, as `host:port` (the scheme's port when none is given).
    pub fn host_port(&self) -> String {
        self.host_port.clone()
    }

    /// This proxy for every request of one client (the probe decides bypasses itself).
    pub(crate) fn config_for_all(&self) -> Result<ProxyConfig, String> {
        self.config(all, "")
    }

    fn config(
        &self,
        make: fn(&str) -> Result<ProxyConfig, String>,
        no_proxy: &str,
    ) -> Result<ProxyConfig, String> {
        let mut config = make(&self.url)?;
        if let Some(user) = &self.username {
            config =
                config.with_basic_auth(user.clone(), self.password.clone().unwrap_or_default());
        }
        if !no_proxy.is_empty() {
            config = config.no_proxy(no_proxy);
        }
        Ok(config)
    }
}

/// The proxy settings read from the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// For `http://` endpoints (the emulator, IMDS, ECS credentials).
    pub http: Option<ProxyUrl>,
    /// For `https://` endpoints (every AWS API).
    pub https: Option<ProxyUrl>,
    /// The bypass rules in effect, including any that switchyard added.
    pub no_proxy: Vec<String>,
    /// The metadata addresses switchyard added to `NO_PROXY`.
    pub added_to_no_proxy: Vec<String>,
}

impl ProxySettings {
    /// Reads the proxy variables through `var` (upper case first, then lower case).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ProxySettings, String> {
        let get = |name: &str| {
            var(name)
                .or_else(|| var(&name.to_ascii_lowercase()))
                .filter(|v| !v.trim().is_empty())
        };
        let parse = |name: &str| -> Result<Option<ProxyUrl>, String> {
            get(name)
                .map(|v| ProxyUrl::parse(&v).map_err(|e| format!("{name}: {e}")))
                .transpose()
        };
        let all = parse("ALL_PROXY")?;
        let http = parse("HTTP_PROXY")?.or_else(|| all.clone());
        let https = parse("HTTPS_PROXY")?.or_else(|| all.clone());
        let mut no_proxy: Vec<String> = get("NO_PROXY")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut added = Vec::new();
        if (http.is_some() || https.is_some()) && !no_proxy.iter().any(|r| r == "*") {
            for addr in METADATA_ADDRESSES {
                if !no_proxy.iter().any(|r| r == addr) {
                    no_proxy.push(addr.to_string());
                    added.push(addr.to_string());
                }
            }
        }
        Ok(ProxySettings {
            http,
            https,
            no_proxy,
            added_to_no_proxy: added,
        })
    }

    /// Reads the proxy variables of this process.
    pub fn from_env() -> Result<ProxySettings, String> {
        ProxySettings::from_vars(|name| std::env::var(name).ok())
    }

    pub fn is_set(&self) -> bool {
        self.http.is_some() || self.https.is_some()
    }

    /// One line for logs and `doctor`, without passwords.
    pub fn describe(&self) -> String {
        if !self.is_set() {
            return "no proxy (HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are not set)".to_string();
        }
        let show = |p: &Option<ProxyUrl>| {
            p.as_ref()
                .map_or_else(|| "direct".to_string(), ProxyUrl::redacted)
        };
        let mut s = format!(
            "https via {}, http via {}",
            show(&self.https),
            show(&self.http)
        );
        if !self.no_proxy.is_empty() {
            s.push_str(&format!("; NO_PROXY={}", self.no_proxy.join(",")));
        }
        if !self.added_to_no_proxy.is_empty() {
            s.push_str(&format!(
                " (switchyard added {} so that instance and container credentials do not go through the proxy)",
                self.added_to_no_proxy.join(", ")
            ));
        }
        s
    }

    fn no_proxy_rules(&self) -> String {
        self.no_proxy.join(",")
    }

    /// The HTTP client the AWS clients use: the SDK's default, with these proxy rules.
    pub fn http_client(&self) -> Result<SharedHttpClient, String> {
        let no_proxy = self.no_proxy_rules();
        let client = match (&self.http, &self.https) {
            (None, None) => default_client(ProxyConfig::disabled()),
            (Some(h), Some(s)) if h == s => default_client(h.config(all, &no_proxy)?),
            (Some(h), None) => default_client(h.config(http, &no_proxy)?),
            (None, Some(s)) => default_client(s.config(https, &no_proxy)?),
            (Some(h), Some(s)) => SharedHttpClient::new(ByScheme {
                http: default_client(h.config(http, &no_proxy)?),
                https: default_client(s.config(https, &no_proxy)?),
            }),
        };
        if !self.is_set() {
            return Ok(client);
        }
        Ok(SharedHttpClient::new(NamedProxy {
            inner: client,
            http: self.http.as_ref().map(ProxyUrl::redacted),
            https: self.https.as_ref().map(ProxyUrl::redacted),
            no_proxy: self.no_proxy.clone(),
        }))
    }
}

/// The SDK's default HTTPS client (rustls with aws-lc), with an explicit proxy configuration.
fn default_client(proxy: ProxyConfig) -> SharedHttpClient {
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut b = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(proxy.clone()));
        b.build()
    })
}

fn all(url: &str) -> Result<ProxyConfig, String> {
    ProxyConfig::all(url).map_err(|e| e.to_string())
}

fn http(url: &str) -> Result<ProxyConfig, String> {
    ProxyConfig::http(url).map_err(|e| e.to_string())
}

fn https(url: &str) -> Result<ProxyConfig, String> {
    ProxyConfig::https(url).map_err(|e| e.to_string())
}

/// Sends `https://` requests through one client and the rest through another, for when
/// HTTP_PROXY and HTTPS_PROXY name different proxies.
#[derive(Debug)]
struct ByScheme {
    http: SharedHttpClient,
    https: SharedHttpClient,
}

impl HttpClient for ByScheme {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(SchemeConnector {
            http: self.http.http_connector(settings, components),
            https: self.https.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct SchemeConnector {
    http: SharedHttpConnector,
    https: SharedHttpConnector,
}

impl HttpConnector for SchemeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if request.uri().starts_with("https://") {
            self.https.call(request)
        } else {
            self.http.call(request)
        }
    }
}

/// Whether `host` is kept off the proxy by these `NO_PROXY` rules (names, domain suffixes,
/// addresses, `*`).
pub fn bypassed(host: &str, rules: &[String]) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    rules.iter().any(|r| {
        let r = r.trim().to_ascii_lowercase();
        let r = r.trim_start_matches("*.").trim_start_matches('.');
        r == "*" || host == r || host.ends_with(&format!(".{r}"))
    })
}

/// Wraps the client so that a failure to reach the proxy, or its refusal, names the proxy:
/// "cannot reach the HTTPS proxy http://squid:3128" rather than a bare "connection refused".
#[derive(Debug)]
struct NamedProxy {
    inner: SharedHttpClient,
    http: Option<String>,
    https: Option<String>,
    no_proxy: Vec<String>,
}

impl HttpClient for NamedProxy {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(NamedProxyConnector {
            inner: self.inner.http_connector(settings, components),
            http: self.http.clone(),
            https: self.https.clone(),
            no_proxy: self.no_proxy.clone(),
        })
    }
}

#[derive(Debug)]
struct NamedProxyConnector {
    inner: SharedHttpConnector,
    http: Option<String>,
    https: Option<String>,
    no_proxy: Vec<String>,
}

/// A proxy that could not be reached, or that refused the request: the error classifier finds it
/// in the SDK error's source chain and reports its sentence as the whole story.
#[derive(Debug)]
pub(crate) struct ProxyFailure(pub(crate) String);

impl std::fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProxyFailure {}

/// The innermost message of an error chain ("Connection refused (os error 111)").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl HttpConnector for NamedProxyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let uri = request.uri().to_string();
        let https = uri.starts_with("https://");
        let host = url::Url::parse(&uri)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let proxy = if https { &self.https } else { &self.http };
        let proxy = match proxy {
            Some(p) if !bypassed(&host, &self.no_proxy) => p.clone(),
            _ => return self.inner.call(request),
        };
        let scheme = if https { "HTTPS" } else { "HTTP" };
        let call = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            match call.await {
                // 407, or a 401 that no AWS service sent (no request ID): some proxies (tinyproxy)
                // answer wrong credentials with 401 and drop the connection.
                Ok(response)
                    if response.status().as_u16() == 407
                        || (response.status().as_u16() == 401
                            && !["x-amzn-requestid", "x-amz-request-id", "x-amz-id-2"]
                                .iter()
                                .any(|h| response.headers().contains_key(*h))) =>
                {
                    Err(ConnectorError::other(
                        Box::new(ProxyFailure(proxy_auth_refused(
                            scheme,
                            &proxy,
                            response.status().as_u16(),
                        ))),
                        None,
                    ))
                }
                Ok(response) => Ok(response),
                Err(e) if e.is_io() || e.is_timeout() => {
                    let cause = root_cause(&e);
                    let what = if e.is_timeout() {
                        format!("the {scheme} proxy {proxy} did not answer in time ({cause})")
                    } else {
                        format!("cannot reach the {scheme} proxy {proxy}: {cause}")
                    };
                    let failure = Box::new(ProxyFailure(what));
                    Err(if e.is_timeout() {
                        ConnectorError::timeout(failure)
                    } else {
                        ConnectorError::io(failure)
                    })
                }
                Err(e) => Err(e),
            }
        })
    }
}

/// What a proxy's 407 means: no credentials were given, or the ones given were refused.
fn proxy_auth_refused(scheme: &str, proxy: &str, status: u16) -> String {
    let answer = if status == 407 {
        "407 Proxy Authentication Required"
    } else {
        "HTTP 401 from the proxy"
    };
    if proxy.contains("***@") {
        format!(
            "the {scheme} proxy {proxy} refused the user and password in the proxy URL \
             ({answer}): check them (the password is never shown)"
        )
    } else {
        format!(
            "the {scheme} proxy {proxy} requires authentication ({answer}): put user:password@ in \
             the proxy URL"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn no_proxy_gets_the_metadata_addresses_when_a_proxy_is_set() {
        let s = ProxySettings::from_vars(vars(&[
            ("HTTPS_PROXY", "http://squid:3128"),
            ("NO_PROXY", "localhost"),
        ]))
        .unwrap();
        assert_eq!(
            s.no_proxy,
            [
                "localhost",
                "169.254.169.254",
                "fd00:ec2::254",
                "169.254.170.2"
            ]
        );
        assert_eq!(s.added_to_no_proxy.len(), 3);
        assert!(
            s.describe()
                .contains("switchyard added 169.254.169.254, fd00:ec2::254, 169.254.170.2")
        );
    }

    #[test]
    fn nothing_is_added_when_the_addresses_are_there_or_no_proxy_is_set() {
        let s = ProxySettings::from_vars(vars(&[
            ("https_proxy", "http://squid:3128"),
            ("no_proxy", "169.254.169.254,fd00:ec2::254,169.254.170.2"),
        ]))
        .unwrap();
        assert!(s.added_to_no_proxy.is_empty());
        let none = ProxySettings::from_vars(vars(&[("NO_PROXY", "x")])).unwrap();
        assert!(!none.is_set());
        assert_eq!(none.no_proxy, ["x"]);
        assert!(none.added_to_no_proxy.is_empty());
    }

    #[test]
    fn passwords_never_show() {
        let s = ProxySettings::from_vars(vars(&[(
            "ALL_PROXY",
            "http://ops:s%40cret@proxy.corp:8080/",
        )]))
        .unwrap();
        let p = s.https.clone().unwrap();
        assert_eq!(p.username.as_deref(), Some("ops"));
        assert_eq!(p.password.as_deref(), Some("s@cret"));
        assert_eq!(p.redacted(), "http://ops:***@proxy.corp:8080");
        assert!(!format!("{s:?}").contains("cret"));
        assert!(!s.describe().contains("cret"));
        assert_eq!(p.host_port(), "proxy.corp:8080");
    }

    #[test]
    fn bad_proxies_say_what_is_wrong() {
        let e = ProxySettings::from_vars(vars(&[("HTTPS_PROXY", "socks5://p:1080")])).unwrap_err();
        assert!(
            e.starts_with("HTTPS_PROXY: SOCKS proxies are not supported"),
            "{e}"
        );
        let e = ProxySettings::from_vars(vars(&[("HTTP_PROXY", "ftp://p")])).unwrap_err();
        assert!(e.contains("not http or https"), "{e}");
        let e = ProxySettings::from_vars(vars(&[("HTTP_PROXY", "http://user:pw@")])).unwrap_err();
        assert!(!e.contains("pw"), "{e}");
    }

    #[test]
    fn proxy_urls_in_the_shapes_people_write_them() {
        let p = ProxyUrl::parse(" squid.corp:3128 ").unwrap();
        assert_eq!(p.url, "http://squid.corp:3128", "http:// when no scheme");
        assert_eq!(p.host_port(), "squid.corp:3128");
        let p = ProxyUrl::parse("HTTP://ops@[fd00::1]:8080/").unwrap();
        assert_eq!(p.redacted(), "http://ops@[fd00::1]:8080");
        assert_eq!(p.host_port(), "[fd00::1]:8080");
        assert_eq!(
            ProxyUrl::parse("http://squid").unwrap().host_port(),
            "squid:80"
        );
        assert_eq!(
            ProxyUrl::parse("https://squid").unwrap().host_port(),
            "squid:443"
        );
        // An unencoded @ in the password: the last @ ends the credentials.
        let p = ProxyUrl::parse("http://ops:p@ss@squid:3128").unwrap();
        assert_eq!(p.password.as_deref(), Some("p@ss"));
        assert_eq!(p.redacted(), "http://ops:***@squid:3128");
        let e = ProxyUrl::parse("http://squid:3128/some/path").unwrap_err();
        assert!(e.contains("has no host:port"), "{e}");
        let e = ProxyUrl::parse("http://ops:pw@squid:99999").unwrap_err();
        assert!(e.contains("not valid") && !e.contains("pw"), "{e}");
    }

    #[test]
    fn clients_build_for_every_combination() {
        for pairs in [
            vec![],
            vec![("HTTP_PROXY", "http://a:1")],
            vec![("HTTPS_PROXY", "http://a:1")],
            vec![("HTTP_PROXY", "http://a:1"), ("HTTPS_PROXY", "http://a:1")],
            vec![("HTTP_PROXY", "http://a:1"), ("HTTPS_PROXY", "http://b:2")],
        ] {
            let s = ProxySettings::from_vars(vars(&pairs)).unwrap();
            assert!(s.http_client().is_ok(), "{pairs:?}");
        }
    }
}
