//! The built-in AWS emulator.
//!
//! An HTTP server on 127.0.0.1 that speaks the real AWS wire protocols (Route 53 and CloudFront
//! REST-XML, ELBv2 and STS query, CloudWatch RPCv2-CBOR and JSON 1.0) to the real AWS SDK
//! clients, over a simulated world with a clock. switchyard reaches it only through the SDK's
//! endpoint override, so the demo, the tests and production run the same code.

pub mod api;
pub mod control;
pub mod dataplane;
pub mod dns;
pub mod faults;
pub mod proto;
pub mod scenario;
pub mod server;
pub mod world;

use std::net::SocketAddr;
use std::sync::Arc;

pub use control::Control;
pub use faults::{CallCounts, FaultKind, FaultSpec};
pub use scenario::Scenario;
use server::{Shared, lock};
use world::{Ms, World};

/// How to start the emulator.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub scenario: Scenario,
    /// 0 picks any free port.
    pub port: u16,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Start with the clock paused (tests move it with [`Control::AdvanceClock`]).
    pub paused: bool,
    /// The simulated time to start at; the real time when none.
    pub start: Option<Ms>,
    /// Where the DNS server sends the queries for names outside this account (another
    /// emulator's DNS server): several emulators, one per account, then resolve each other's
    /// load balancer and distribution names as the internet's resolvers do.
    pub dns_forward: Option<SocketAddr>,
    /// Where the name servers send the queries for names outside this account's public hosted
    /// zones (another emulator's name servers, 127.0.0.1 on its `SWITCHYARD_NAME_SERVER_PORT`):
    /// a client that asks this emulator's name servers then reads every chained account's
    /// zones by DNS, each answered by the emulator that holds it (see [`dns`]).
    pub name_server_forward: Option<SocketAddr>,
}

impl SimOptions {
    pub fn new(scenario: Scenario) -> SimOptions {
        SimOptions {
            scenario,
            port: 0,
            speed: 1.0,
            paused: false,
            start: None,
            dns_forward: None,
            name_server_forward: None,
        }
    }
}

/// A running emulator. Dropping it shuts it down too.
pub struct SimHandle {
    addr: SocketAddr,
    dns_addr: SocketAddr,
    name_server_addr: SocketAddr,
    region: String,
    shared: Arc<Shared>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The current real time in milliseconds since the epoch.
pub fn real_now_ms() -> Ms {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as Ms
}

/// Starts the emulator in this process, on the current tokio runtime.
pub async fn start(opts: SimOptions) -> Result<SimHandle, String> {
    if !(opts.speed.is_finite() && opts.speed >= 0.0) {
        return Err(format!(
            "speed must be a number of at least 0, not {}",
            opts.speed
        ));
    }
    let start = opts.start.unwrap_or_else(real_now_ms);
    let world = opts.scenario.build(start, opts.speed, opts.paused)?;
    let region = world.region.clone();
    let (listener, addr) = server::bind(opts.port)
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    // DNS on the same port number over UDP when it is free, else on any free port.
    let udp = match tokio::net::UdpSocket::bind(addr).await {
        Ok(s) => s,
        Err(_) => tokio::net::UdpSocket::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("cannot open a UDP port for DNS: {e}"))?,
    };
    let dns_addr = udp
        .local_addr()
        .map_err(|e| format!("cannot read the DNS port: {e}"))?;
    let (ns_udp, ns_tcp, name_server_addr) = name_server_sockets()
        .await
        .map_err(|e| format!("cannot open a port for the name servers: {e}"))?;
    let shared = Arc::new(Shared::new(world));
    tokio::spawn(dns::serve(udp, shared.clone(), opts.dns_forward));
    tokio::spawn(dns::serve_name_servers(
        ns_udp,
        ns_tcp,
        shared.clone(),
        opts.name_server_forward,
    ));
    let task = tokio::spawn(server::serve(listener, shared.clone()));
    Ok(SimHandle {
        addr,
        dns_addr,
        name_server_addr,
        region,
        shared,
        task: Some(task),
    })
}

/// A UDP socket and a TCP listener on the same free port of 127.0.0.1, as a name server has.
pub(crate) async fn name_server_sockets()
-> std::io::Result<(tokio::net::UdpSocket, tokio::net::TcpListener, SocketAddr)> {
    let mut last = None;
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind(("127.0.0.1", 0)).await?;
        let addr = udp.local_addr()?;
        match tokio::net::TcpListener::bind(addr).await {
            Ok(tcp) => return Ok((udp, tcp, addr)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free port")))
}

impl SimHandle {
    /// The URL to give the SDK as its endpoint, e.g. `http://127.0.0.1:4566`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Where the emulator answers DNS queries (UDP) for the names of its account.
    pub fn dns_server(&self) -> SocketAddr {
        self.dns_addr
    }

    /// Where the hosted zones' name servers answer (UDP and TCP): their names resolve to
    /// 127.0.0.1 through [`SimHandle::dns_server`], and this is their port
    /// (`SWITCHYARD_NAME_SERVER_PORT`).
    pub fn name_server(&self) -> SocketAddr {
        self.name_server_addr
    }

    /// The region of the scenario's load balancers, instances and alarms.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The environment a client needs to use the emulator.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint()),
            ("AWS_ACCESS_KEY_ID".into(), "switchyard-sim".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "switchyard-sim".into()),
            ("AWS_REGION".into(), self.region.clone()),
            ("AWS_DEFAULT_REGION".into(), self.region.clone()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("SWITCHYARD_DNS_SERVER".into(), self.dns_addr.to_string()),
            (
                "SWITCHYARD_NAME_SERVER_PORT".into(),
                self.name_server_addr.port().to_string(),
            ),
        ];
        if let Some(ca) = &self.shared.ca {
            // The data plane: probes go through the emulator as their proxy, and trust the
            // certificates it issues for the names of its world.
            vars.push(("SWITCHYARD_PROBE_PROXY".into(), self.endpoint()));
            vars.push(("SWITCHYARD_PROBE_CA".into(), ca.pem().to_string()));
        }
        vars
    }

    /// The PEM of the certificate authority that signs the data plane's TLS certificates.
    pub fn ca_pem(&self) -> Option<String> {
        self.shared.ca.as_ref().map(|ca| ca.pem().to_string())
    }

    /// Applies a control command, as `POST /_sim/control` does.
    pub fn control(&self, cmd: Control) -> Result<serde_json::Value, String> {
        control::apply(&self.shared, cmd)
    }

    /// The calls served so far, per operation.
    pub fn calls(&self) -> CallCounts {
        lock(&self.shared.calls).clone()
    }

    /// Every call served since the last reset, with when it arrived and when its answer left.
    pub fn call_log(&self) -> Vec<faults::CallSpan> {
        lock(&self.shared.log).spans().to_vec()
    }

    /// Looks at (or changes) the world, brought to the current time first.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut w = lock(&self.shared.world);
        w.sync();
        f(&mut w)
    }

    /// Stops serving and waits until the server has stopped.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}
