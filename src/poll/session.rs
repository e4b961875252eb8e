//! What a command watches and with which clients: the config's sites, grouped by the AWS
//! account, role and region they are read with, each group with its clients and budgets.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::aws::client::{self, Target, Timeouts};
use crate::aws::dns::Resolver;
use crate::aws::proxy::ProxySettings;
use crate::config::{Config, Site};
use crate::model::site::SiteObservations;

use super::round::{Depth, Fetcher, JournalCheck, blank};

/// Command-line overrides of where AWS is.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Fixed credentials (the built-in emulator).
    pub static_credentials: Option<(String, String)>,
    /// Whether a journal read beside a site is the site's own (see [`JournalCheck`]).
    pub journal_check: Option<JournalCheck>,
}

/// The sites read with one set of clients.
pub struct Group {
    pub target: Target,
    pub fetcher: Fetcher,
    /// Indices into the session's sites.
    pub sites: Vec<usize>,
}

/// Everything a command needs to watch sites.
pub struct Session {
    pub config: Config,
    pub proxy: ProxySettings,
    pub resolver: Resolver,
    pub groups: Vec<Group>,
    /// One snapshot per config site, in config order.
    pub observations: Vec<SiteObservations>,
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Setup(String),
}

impl SessionError {
    /// 2 for usage and config problems, 3 for AWS access setup (region, proxy, credentials).
    pub fn exit_code(&self) -> i32 {
        match self {
            SessionError::Usage(_) => 2,
            SessionError::Setup(_) => 3,
        }
    }
}

/// The target a site is read with: its config, then the command line; every call bounded by the
/// config's `call_timeout`.
pub fn target_of(site: &Site, call_timeout: Duration, o: &Overrides) -> Target {
    Target {
        profile: o.profile.clone().or_else(|| site.aws.profile.clone()),
        region: o.region.clone().or_else(|| site.aws.region.clone()),
        role_arn: site.aws.role_arn.clone(),
        endpoint_url: o.endpoint_url.clone(),
        static_credentials: o.static_credentials.clone(),
        timeouts: Timeouts::for_call(call_timeout),
    }
}

impl Session {
    /// Builds clients for the sites named (all sites when `only` is empty).
    pub async fn start(
        config: Config,
        only: &[String],
        overrides: &Overrides,
    ) -> Result<Session, SessionError> {
        for name in only {
            if config.site(name).is_none() {
                let names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
                return Err(SessionError::Usage(format!(
                    "no site named {name:?} in {}; the sites are: {}",
                    config.path.display(),
                    names.join(", ")
                )));
            }
        }
        let proxy = ProxySettings::from_env()
            .map_err(|e| SessionError::Setup(format!("proxy settings: {e}")))?;
        if !proxy.added_to_no_proxy.is_empty() {
            tracing::info!("{}", proxy.describe());
        }
        let resolver = match config.defaults.dns_server {
            Some(addr) => Resolver::Server(addr),
            None => Resolver::from_env().map_err(SessionError::Usage)?,
        };
        let http = proxy
            .http_client()
            .map_err(|e| SessionError::Setup(format!("proxy settings: {e}")))?;
        let mut by_target: BTreeMap<String, (Target, Vec<usize>)> = BTreeMap::new();
        for (i, site) in config.sites.iter().enumerate() {
            if !only.is_empty() && !only.iter().any(|n| n == &site.name) {
                continue;
            }
            let target = target_of(site, config.defaults.call_timeout, overrides);
            let key = format!("{target:?}");
            by_target
                .entry(key)
                .or_insert_with(|| (target, Vec::new()))
                .1
                .push(i);
        }
        let mut groups = Vec::new();
        for (_, (target, sites)) in by_target {
            let clients = client::connect(&target, http.clone())
                .await
                .map_err(|e| SessionError::Setup(e.to_string()))?;
            let mut fetcher = Fetcher::new(clients, resolver.clone())
                .with_journal_check(overrides.journal_check.clone());
            // Listeners rarely change: read every two minutes (or at half of a longer
            // `stale_after`), spread over the rounds.
            fetcher.listeners_every =
                crate::poll::round::LISTENERS_EVERY.max(config.defaults.stale_after / 2);
            fetcher.round_every = config.defaults.poll_interval;
            // An alias target's addresses stand for their TTL, never long enough to be stale.
            fetcher.addresses_every = config.defaults.stale_after / 2;
            groups.push(Group {
                fetcher,
                target,
                sites,
            });
        }
        let observations = config.sites.iter().map(blank).collect();
        Ok(Session {
            config,
            proxy,
            resolver,
            groups,
            observations,
        })
    }

    /// The clients of each group (cheap clones), for what is read beside the sites: who the
    /// calls are made as ([`caller_contexts`]).
    pub fn clients(&self) -> Vec<client::Clients> {
        self.groups
            .iter()
            .map(|g| g.fetcher.clients.clone())
            .collect()
    }

    /// The indices of the sites this session watches.
    pub fn watched(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .groups
            .iter()
            .flat_map(|g| g.sites.iter().copied())
            .collect();
        v.sort_unstable();
        v
    }

    /// Refreshes one site (by name) once.
    pub async fn refresh_one(&mut self, name: &str, depth: &(dyn Fn(&str) -> Depth + Sync)) {
        let Some(index) = self.config.sites.iter().position(|s| s.name == name) else {
            return;
        };
        let Some(g) = self.groups.iter_mut().find(|g| g.sites.contains(&index)) else {
            return;
        };
        let site = &self.config.sites[index];
        let mut obs = vec![self.observations[index].clone()];
        g.fetcher.round(&[site], &mut obs, depth).await;
        if let Some(o) = obs.pop() {
            self.observations[index] = o;
        }
    }

    /// Refreshes every watched site once; `depth` says how much for each site.
    pub async fn refresh(&mut self, depth: &(dyn Fn(&str) -> Depth + Sync)) {
        self.refresh_some(None, depth).await;
    }

    /// Refreshes the watched sites of `only` (by index; every watched site when `None`) once.
    pub async fn refresh_some(
        &mut self,
        only: Option<&std::collections::BTreeSet<usize>>,
        depth: &(dyn Fn(&str) -> Depth + Sync),
    ) {
        let config = &self.config;
        let observations = &mut self.observations;
        let mut work = Vec::new();
        // Each group takes its own sites' snapshots out, refreshes them, and puts them back.
        for g in &mut self.groups {
            let indices: Vec<usize> = g
                .sites
                .iter()
                .copied()
                .filter(|i| only.is_none_or(|o| o.contains(i)))
                .collect();
            if indices.is_empty() {
                continue;
            }
            let sites: Vec<&Site> = indices.iter().map(|i| &config.sites[*i]).collect();
            let obs: Vec<SiteObservations> =
                indices.iter().map(|i| observations[*i].clone()).collect();
            work.push((g, indices, sites, obs));
        }
        let rounds = work
            .into_iter()
            .map(|(g, indices, sites, mut obs)| async move {
                g.fetcher.round(&sites, &mut obs, depth).await;
                (indices, obs)
            });
        for (indices, obs) in futures::future::join_all(rounds).await {
            for (i, o) in indices.into_iter().zip(obs) {
                observations[i] = o;
            }
        }
    }
}

/// Who each set of clients calls AWS as, where, and until when (one GetCallerIdentity and one
/// look at the credentials each; failures are data in the result).
pub async fn caller_contexts(clients: &[client::Clients]) -> Vec<crate::model::sts::CallerContext> {
    futures::future::join_all(clients.iter().map(crate::aws::sts::context)).await
}
