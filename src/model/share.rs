//! Where a process's observations come from: its own poller, or the poller it shares with the
//! other processes of the same user on the same machine (see `poll::share`).

use serde::Serialize;

/// Where this process's observations come from. Every observation keeps its own time either way
/// (`fetched_at`): data that came through another process is as old as it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum PollerSource {
    /// This process reads AWS itself and shares with nobody: why (`--no-share`,
    /// `share_poller = false`, a socket folder that fails its checks, a leader that refused).
    Alone { why: String },
    /// This process reads AWS and offers what it reads to the other processes of this user that
    /// watch the same sites with the same identity: how many take it now.
    Leader { socket: String, joiners: usize },
    /// This process reads nothing itself: its observations come through the shared poller of
    /// process `leader_pid`.
    Joined { socket: String, leader_pid: u32 },
}

impl PollerSource {
    /// In words, for a status line: `via the shared poller of process 4242`.
    pub fn words(&self) -> String {
        match self {
            PollerSource::Alone { why } => format!("own poller ({why})"),
            PollerSource::Leader { joiners: 0, .. } => {
                "own poller, offered to other processes".into()
            }
            PollerSource::Leader { joiners, .. } => format!(
                "own poller, shared with {joiners} other process{}",
                if *joiners == 1 { "" } else { "es" }
            ),
            PollerSource::Joined { leader_pid, .. } => {
                format!("via the shared poller of process {leader_pid}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_says_whose_poller_the_data_came_through() {
        let j = PollerSource::Joined {
            socket: "/run/user/1000/switchyard/ab.sock".into(),
            leader_pid: 4242,
        };
        assert_eq!(j.words(), "via the shared poller of process 4242");
        let json = serde_json::to_value(&j).unwrap();
        assert_eq!(json["role"], "joined");
        assert_eq!(json["leader_pid"], 4242);
        let l = PollerSource::Leader {
            socket: "s".into(),
            joiners: 2,
        };
        assert_eq!(l.words(), "own poller, shared with 2 other processes");
    }
}
