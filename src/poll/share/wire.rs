//! What the processes sharing a poller say to each other: one JSON object a line, each kind
//! named, the protocol's version in the first line each way. Only reads go over it: a switch is
//! never asked for or made through the socket.

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::model::history::{Entry, History};
use crate::model::site::SiteObservations;

/// The protocol's version: both ends must speak the same.
pub const PROTOCOL: u32 = 1;

/// The longest line read (a site's observations with many rules and targets are a few hundred
/// KB at most).
pub const MAX_LINE: usize = 32 * 1024 * 1024;

/// From a process that joins to the one that polls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToLeader {
    /// The first line: who asks, for what (the socket's key), as whom.
    Hello {
        protocol: u32,
        key: String,
        pid: u32,
        /// The caller ARN of each group of sites, as this process reads it with its own
        /// credentials.
        identities: Vec<String>,
        /// `console`, `status`, `wait`.
        what: String,
    },
    /// What the process watches: the sites read at all (`None`: every site) and those read in
    /// detail.
    Want {
        only: Option<Vec<String>>,
        detail: Vec<String>,
        /// Sites read in detail at the poll interval (`status --watch --site`).
        #[serde(default)]
        round_detail: Vec<String>,
    },
    /// Read every site again now (`:refresh` in a console).
    Refresh,
}

/// From the process that polls to one that joined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToJoiner {
    /// The handshake's answer: the leader's key and identities, for the joiner to check.
    Welcome {
        protocol: u32,
        key: String,
        pid: u32,
        identities: Vec<String>,
    },
    /// Not shared with: why.
    Refused { reason: String },
    /// A site's observations (each with its own fetch time), and its switch history.
    Site {
        index: usize,
        name: String,
        observations: std::sync::Arc<SiteObservations>,
        history: Option<WireHistory>,
    },
    /// A round started or ended (`detail`: the focused sites only).
    Round { started: bool, detail: bool },
    /// Still here (every [`super::PING_EVERY`]).
    Ping,
}

/// A site's history on the wire (the model keeps it out of the JSON report).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireHistory {
    pub site: String,
    pub entries: Vec<Entry>,
    pub rotated_out: u64,
}

impl From<&History> for WireHistory {
    fn from(h: &History) -> WireHistory {
        WireHistory {
            site: h.site.clone(),
            entries: h.entries.clone(),
            rotated_out: h.rotated_out,
        }
    }
}

impl From<WireHistory> for History {
    fn from(h: WireHistory) -> History {
        History {
            site: h.site,
            entries: h.entries,
            rotated_out: h.rotated_out,
        }
    }
}

/// One message as a line.
pub fn line<T: Serialize>(m: &T) -> std::io::Result<String> {
    let mut s = serde_json::to_string(m).map_err(std::io::Error::other)?;
    s.push('\n');
    Ok(s)
}

/// Writes one message.
pub async fn send<W: AsyncWrite + Unpin, T: Serialize>(w: &mut W, m: &T) -> std::io::Result<()> {
    w.write_all(line(m)?.as_bytes()).await?;
    w.flush().await
}

/// Reads one message; `Ok(None)` at the end of the stream.
pub async fn recv<R: AsyncBufRead + Unpin, T: for<'de> Deserialize<'de>>(
    r: &mut R,
    buf: &mut String,
) -> std::io::Result<Option<T>> {
    buf.clear();
    let mut limited = (&mut *r).take(MAX_LINE as u64);
    let n = limited.read_line(buf).await?;
    if n == 0 {
        return Ok(None);
    }
    if !buf.ends_with('\n') {
        return Err(std::io::Error::other(
            "a line longer than the protocol allows",
        ));
    }
    serde_json::from_str(buf)
        .map(Some)
        .map_err(|e| std::io::Error::other(format!("not a message of protocol {PROTOCOL}: {e}")))
}

use tokio::io::AsyncReadExt as _;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::obs::Fetched;

    #[tokio::test]
    async fn observations_cross_the_socket_unchanged_with_their_times() {
        let mut o = SiteObservations::new("shop", "Z1", "www.example.com.", "A");
        let at = time::macros::datetime!(2026-12-01 13:00:00.123456789 UTC);
        o.maintenance = Fetched::ok(None, at);
        let m = ToJoiner::Site {
            index: 3,
            name: "shop".into(),
            observations: std::sync::Arc::new(o.clone()),
            history: None,
        };
        let text = line(&m).unwrap();
        assert!(text.ends_with('\n') && !text[..text.len() - 1].contains('\n'));
        let mut r = tokio::io::BufReader::new(text.as_bytes());
        let mut buf = String::new();
        let back: ToJoiner = recv(&mut r, &mut buf).await.unwrap().unwrap();
        assert_eq!(back, m);
        let ToJoiner::Site { observations, .. } = back else {
            panic!()
        };
        assert_eq!(observations.maintenance.fetched_at, Some(at));
        let end: Option<ToJoiner> = recv(&mut r, &mut buf).await.unwrap();
        assert_eq!(end, None);
    }

    #[tokio::test]
    async fn a_line_of_another_protocol_is_an_error_not_a_guess() {
        let mut r = tokio::io::BufReader::new(&b"{\"switch\":{\"site\":\"shop\"}}\n"[..]);
        let mut buf = String::new();
        let e = recv::<_, ToLeader>(&mut r, &mut buf).await.unwrap_err();
        assert!(e.to_string().contains("not a message"), "{e}");
    }
}
