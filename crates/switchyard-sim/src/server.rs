//! The HTTP server: one port on 127.0.0.1 for every service and for the control API.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::api::{self, ApiError, Rendered};
use super::control::{self, Control};
use super::faults::{CallCounts, CallLog, FaultKind, Faults, Throttle};
use super::world::World;

/// State shared by every connection.
pub struct Shared {
    pub world: Mutex<World>,
    pub faults: Mutex<Faults>,
    pub throttle: Mutex<Throttle>,
    pub calls: Mutex<CallCounts>,
    /// Every call's arrival and answer times (`GET /_sim/calls/log`).
    pub log: Mutex<CallLog>,
    pub shutdown: CancellationToken,
    /// Notified when faults are cleared: held requests look again.
    pub released: tokio::sync::Notify,
    /// Issues the certificates of the data plane's TLS tunnels (None if no key could be made).
    pub ca: Option<Arc<crate::dataplane::Ca>>,
    seq: AtomicU64,
}

impl Shared {
    pub fn new(world: World) -> Shared {
        Shared {
            world: Mutex::new(world),
            faults: Mutex::new(Faults::default()),
            throttle: Mutex::new(Throttle::default()),
            calls: Mutex::new(CallCounts::default()),
            log: Mutex::new(CallLog::default()),
            shutdown: CancellationToken::new(),
            released: tokio::sync::Notify::new(),
            ca: crate::dataplane::Ca::new().ok().map(Arc::new),
            seq: AtomicU64::new(1),
        }
    }

    fn request_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-5e1d-4a17-9c0d-{:012x}", n >> 16, n)
    }
}

/// Locks a mutex; a panic elsewhere while it was held does not make the state unusable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Accepts connections until the shutdown token is cancelled.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let accepted = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let shared = shared.clone();
        tokio::spawn(async move {
            let token = shared.shutdown.clone();
            let service = service_fn(move |req| handle(shared.clone(), req));
            let conn = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::select! {
                _ = conn => {}
                _ = token.cancelled() => {}
            }
        });
    }
}

/// The error that makes hyper close a connection without an answer (an injected drop).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    // A client that names the emulator as its proxy: the data plane.
    if crate::dataplane::is_proxy_request(&req) {
        return Ok(if req.method() == hyper::Method::CONNECT {
            crate::dataplane::connect(shared, req)
        } else {
            crate::dataplane::forward(shared, req).await
        });
    }
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let path = parts.uri.path().to_string();
    if path.starts_with("/_sim/") {
        return Ok(control_route(&shared, parts.method.as_str(), &path, &body));
    }
    let request_id = shared.request_id();
    let default_region = lock(&shared.world).region.clone();
    let call = match api::classify(
        &parts.method,
        &path,
        parts.uri.query(),
        &parts.headers,
        body,
        &default_region,
    ) {
        Ok(call) => call,
        Err((proto, e)) => {
            return Ok(respond(api::render_error(
                proto,
                &e,
                &request_id,
                Vec::new(),
            )));
        }
    };
    lock(&shared.calls).count(call.service, &call.operation);
    let logged = lock(&shared.log).arrive(call.service, &call.operation);
    let verdict = lock(&shared.faults).take_body(call.service, &call.operation, &call.body);
    if verdict.hold {
        loop {
            // Registered before looking, so that a clear in between is not missed.
            let released = shared.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if !lock(&shared.faults).holds(call.service, &call.operation) {
                break;
            }
            tokio::select! {
                () = &mut released => {}
                () = shared.shutdown.cancelled() => return Err(Dropped),
            }
        }
    }
    if verdict.latency_ms > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(verdict.latency_ms)) => {}
            _ = shared.shutdown.cancelled() => return Err(Dropped),
        }
    }
    let rendered = match verdict.outcome {
        Some(FaultKind::Drop) => return Err(Dropped),
        Some(FaultKind::Timeout) => {
            shared.shutdown.cancelled().await;
            return Err(Dropped);
        }
        Some(FaultKind::Error {
            code,
            message,
            status,
        }) => {
            let caller = lock(&shared.world).caller_arn.clone();
            let e = ApiError::injected(
                &code,
                message.as_deref(),
                status,
                &call.iam_action(),
                &caller,
            );
            api::render(call.proto, &call.operation, Err(e), &request_id)
        }
        Some(FaultKind::LoseAnswer) => {
            let mut w = lock(&shared.world);
            w.sync();
            let _ = api::dispatch(&mut w, &call);
            return Err(Dropped);
        }
        Some(FaultKind::Latency { .. } | FaultKind::Rewrite { .. } | FaultKind::Hold) | None => {
            if call.service == "route53" && !lock(&shared.throttle).admit(&call.operation) {
                api::render(
                    call.proto,
                    &call.operation,
                    Err(ApiError::bad("Throttling", "Rate exceeded")),
                    &request_id,
                )
            } else if call.service == "elbv2"
                && !lock(&shared.throttle).admit_elbv2(&call.operation)
            {
                api::render(
                    call.proto,
                    &call.operation,
                    Err(ApiError::bad("ThrottlingException", "Rate exceeded")),
                    &request_id,
                )
            } else {
                let result = {
                    let mut w = lock(&shared.world);
                    w.sync();
                    api::dispatch(&mut w, &call)
                };
                api::render(call.proto, &call.operation, result, &request_id)
            }
        }
    };
    if rendered.status >= 400 {
        let code = error_code(&rendered);
        lock(&shared.calls).error(call.service, &call.operation, &code);
    }
    let mut rendered = rendered;
    if !verdict.rewrites.is_empty()
        && call.proto != api::Proto::Cbor
        && let Ok(text) = std::str::from_utf8(&rendered.body)
    {
        let mut text = text.to_string();
        for (from, to) in &verdict.rewrites {
            text = text.replace(from.as_str(), to);
        }
        rendered.body = text.into_bytes();
    }
    // Like AWS, every response says what time it is: the emulator's clock, which runs ahead
    // of the wall clock at --speed above 1 or after advance_clock.
    let now = {
        let mut w = lock(&shared.world);
        w.sync();
        w.now
    };
    rendered.headers.push(("date".to_string(), http_date(now)));
    // Not AWS's: the speed of the emulator's clock, so that switchyard can tell wall-clock
    // ETAs from AWS-time durations.
    let speed = lock(&shared.world).clock.speed();
    rendered
        .headers
        .push(("x-switchyard-speed".to_string(), format!("{speed}")));
    lock(&shared.log).answer(logged);
    Ok(respond(rendered))
}

/// An HTTP date (RFC 7231 IMF-fixdate) of emulator time.
fn http_date(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The error code of a rendered error, for the counter.
fn error_code(r: &Rendered) -> String {
    if let Some((_, v)) = r.headers.iter().find(|(k, _)| k == "x-amzn-query-error") {
        return v.split(';').next().unwrap_or_default().to_string();
    }
    let body = String::from_utf8_lossy(&r.body);
    body.split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or("Unknown")
        .to_string()
}

fn respond(r: Rendered) -> Response<Full<Bytes>> {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (k, v) in &r.headers {
        builder = builder.header(k, v);
    }
    builder
        .body(Full::new(Bytes::from(r.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn json_response(status: u16, value: &serde_json::Value) -> Response<Full<Bytes>> {
    respond(Rendered {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec_pretty(value).unwrap_or_default(),
    })
}

fn control_route(shared: &Shared, method: &str, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
    match (method, path) {
        ("GET", "/_sim/health") => json_response(200, &serde_json::json!({ "ok": true })),
        ("GET", "/_sim/calls") => json_response(
            200,
            &serde_json::to_value(&*lock(&shared.calls)).unwrap_or_default(),
        ),
        ("GET", "/_sim/calls/log") => json_response(
            200,
            &serde_json::to_value(lock(&shared.log).spans()).unwrap_or_default(),
        ),
        ("GET", "/_sim/state") => json_response(200, &control::state(shared)),
        ("POST", "/_sim/control") => match serde_json::from_slice::<Control>(body) {
            Ok(cmd) => match control::apply(shared, cmd) {
                Ok(v) => json_response(200, &v),
                Err(e) => json_response(400, &serde_json::json!({ "error": e })),
            },
            Err(e) => json_response(
                400,
                &serde_json::json!({ "error": format!("not a control command: {e}") }),
            ),
        },
        _ => json_response(
            404,
            &serde_json::json!({ "error": format!("no control route {method} {path}; try GET /_sim/state, GET /_sim/calls or POST /_sim/control") }),
        ),
    }
}

/// Binds 127.0.0.1:`port` (0: any free port).
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}
