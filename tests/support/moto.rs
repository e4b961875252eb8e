//! moto, started by the test on 127.0.0.1 and seeded with one failover site by
//! `scripts/moto_seed.py`. The test script installs moto into `.venv` and sets
//! SWITCHYARD_REQUIRE_PEERS=1, so in CI a missing moto fails instead of skipping.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub endpoint: String,
    /// The IDs and ARNs the seed script made.
    pub seed: serde_json::Value,
}

fn venv_bin(var: &str, name: &str) -> Option<String> {
    let path = std::env::var(var)
        .unwrap_or_else(|_| format!("{}/.venv/bin/{name}", env!("CARGO_MANIFEST_DIR")));
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    assert!(
        std::env::var("SWITCHYARD_REQUIRE_PEERS").is_err(),
        "{name} not found at {path}; run scripts/test, which installs it"
    );
    eprintln!("skipping: {name} not found at {path} (scripts/test installs it)");
    None
}

impl Moto {
    /// Starts and seeds moto; None (a skip, outside the test script) when it is not installed.
    pub fn start() -> Option<Moto> {
        Moto::start_seeded("moto_seed.py")
    }

    /// Starts moto and seeds it with `scripts/<seed>`.
    pub fn start_seeded(seed: &str) -> Option<Moto> {
        let server = venv_bin("SWITCHYARD_MOTO", "moto_server")?;
        let python = venv_bin("SWITCHYARD_PYTHON", "python")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            seed: serde_json::Value::Null,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not start listening on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let out = Command::new(python)
            .arg(format!("{}/scripts/{seed}", env!("CARGO_MANIFEST_DIR")))
            .envs(moto.env())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "seeding moto failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        moto.seed = serde_json::from_slice(&out.stdout).unwrap();
        Some(moto)
    }

    /// The environment that points a client at this moto.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
            ("AWS_REGION".into(), "eu-west-1".into()),
            ("AWS_DEFAULT_REGION".into(), "eu-west-1".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWS_CONFIG_FILE".into(), "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()),
        ]
    }

    pub fn seed_str(&self, key: &str) -> String {
        self.seed[key].as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
