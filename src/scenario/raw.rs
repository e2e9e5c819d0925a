//! The scenario file as written: serde structures that mirror the TOML one to one.

use super::count::{GuardCount, count, guard_count, opt_count};
use crate::adversary::Event;
use crate::select::Selection;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub network: RawNetwork,
    pub path: Option<RawPath>,
    pub adversary: Option<RawAdversary>,
    pub guards: Option<RawGuards>,
    pub run: Option<RawRun>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGuards {
    #[serde(deserialize_with = "guard_count")]
    pub count: GuardCount,
    #[serde(default, deserialize_with = "opt_count")]
    pub lifetime: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub uniform: Option<RawUniform>,
    pub adversary: Option<RawAdversaryNetwork>,
    pub zipf: Option<RawZipf>,
    pub csv: Option<String>,
    pub operators: Option<Vec<RawOperator>>,
    pub servers: Option<Vec<RawServer>>,
    pub servers_csv: Option<String>,
    pub tor_families: Option<RawTorFamilies>,
    pub simplex_presets: Option<RawSimplex>,
    pub tor: Option<RawTor>,
    pub tor_series: Option<RawTorSeries>,
    /// An adversary added to whatever network the other keys build.
    pub add_adversary: Option<RawAddAdversary>,
    /// Prefix length deriving subnets from IPv4 addresses (`ip` of servers).
    #[serde(default, deserialize_with = "opt_count")]
    pub subnet_prefix: Option<u8>,
    /// Entity name → operators it owns, overriding each operator's own `entity`.
    pub entities: Option<BTreeMap<String, Vec<String>>>,
}

impl RawNetwork {
    /// Whether the network kind `kind` (one of `NETWORK_KINDS`) is given.
    fn has_kind(&self, kind: &str) -> bool {
        match kind {
            "uniform" => self.uniform.is_some(),
            "adversary" => self.adversary.is_some(),
            "zipf" => self.zipf.is_some(),
            "csv" => self.csv.is_some(),
            "operators" => self.operators.is_some(),
            "servers" => self.servers.is_some(),
            "servers_csv" => self.servers_csv.is_some(),
            "tor_families" => self.tor_families.is_some(),
            "simplex_presets" => self.simplex_presets.is_some(),
            "tor" => self.tor.is_some(),
            "tor_series" => self.tor_series.is_some(),
            _ => false,
        }
    }

    /// The network kinds given, in the order of `NETWORK_KINDS`.
    pub fn kinds_given(&self) -> Vec<&'static str> {
        super::network::NETWORK_KINDS
            .into_iter()
            .filter(|k| self.has_kind(k))
            .collect()
    }

    /// The data file the network names, the first of `DATA_KEYS` it has.
    pub fn data_file_mut(&mut self) -> Option<&mut String> {
        if let Some(t) = self.tor_families.as_mut() {
            Some(&mut t.csv)
        } else if let Some(x) = self.simplex_presets.as_mut() {
            Some(&mut x.csv)
        } else {
            self.servers_csv.as_mut().or(self.csv.as_mut())
        }
    }
}

/// Tor's directory documents: a microdesc consensus and its microdescriptor files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTor {
    pub consensus: String,
    pub microdescriptors: Vec<String>,
    /// The largest share of consensus weight whose relays may lack a microdescriptor.
    pub max_missing_weight: Option<f64>,
}

/// A series of consensuses sharing microdescriptor files: each entry of `consensuses` a file,
/// a folder (its files whose name holds `consensus`) or a pattern with `*` in its file name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTorSeries {
    pub consensuses: Vec<String>,
    pub microdescriptors: Vec<String>,
    pub max_missing_weight: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUniform {
    #[serde(deserialize_with = "count")]
    pub operators: u64,
    #[serde(default, deserialize_with = "opt_count")]
    pub servers: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdversaryNetwork {
    pub share: f64,
    #[serde(deserialize_with = "count")]
    pub others: u64,
    #[serde(default, deserialize_with = "opt_count")]
    pub operators: Option<u64>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawZipf {
    #[serde(deserialize_with = "count")]
    pub operators: u64,
    pub exponent: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    pub name: String,
    pub share: Option<f64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub servers: Option<u64>,
    pub entity: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTorFamilies {
    pub csv: String,
    #[serde(default, deserialize_with = "opt_count")]
    pub others: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimplex {
    pub csv: String,
    pub operators: Vec<String>,
    pub protocol: Option<String>,
    #[serde(default, deserialize_with = "opt_count")]
    pub custom: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddAdversary {
    /// The adversary's share of the weight (networks of operators and servers).
    pub share: Option<f64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub operators: Option<u64>,
    pub name: Option<String>,
    /// On a tor network: the relays it adds, by group.
    pub relays: Option<Vec<RawAddedRelays>>,
    /// On a tor network, with `share`: the guard:exit split of its weight (one guard relay,
    /// one exit relay).
    pub guard_exit: Option<Vec<f64>>,
    /// On a series: the date its relays join.
    pub from: Option<String>,
}

/// A group of relays an adversary adds to a tor network.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddedRelays {
    #[serde(deserialize_with = "count")]
    pub count: u64,
    /// Consensus weight of each.
    #[serde(deserialize_with = "count")]
    pub weight: u32,
    /// Consensus flags besides Running, Valid and Fast, which every added relay has.
    #[serde(default)]
    pub flags: Vec<String>,
    /// The ports its exit-policy summary accepts ("443", "80,443", "1-65535"); by default
    /// every port for a relay with the Exit flag and none for the others.
    pub accept: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub operator: String,
    pub weight: Option<f64>,
    pub subnet: Option<String>,
    pub ip: Option<String>,
    pub entity: Option<String>,
    pub roles: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPath {
    #[serde(default, deserialize_with = "opt_count")]
    pub hops: Option<u64>,
    pub selection: Option<Selection>,
    /// `true`, `false` or `"after-first"` (every hop but the first, a guard).
    #[serde(rename = "distinct-subnets")]
    pub distinct_subnets: Option<toml::Value>,
    /// The role each position needs ("" for none).
    pub roles: Option<Vec<String>>,
    /// Per position: role set ("guard+exit", "none") → weight multiplier.
    pub weights: Option<Vec<BTreeMap<String, f64>>>,
    /// `tor`: the port an exit's policy must accept.
    #[serde(default, deserialize_with = "opt_count")]
    pub exit_port: Option<u16>,
    /// `tor`: the order positions are drawn in.
    pub order: Option<crate::model::tor::Order>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdversary {
    pub target: Option<toml::Value>,
    pub event: Option<Event>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    #[serde(default, deserialize_with = "opt_count")]
    pub paths: Option<u64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub trials: Option<u64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub seed: Option<u64>,
    pub paths_per_day: Option<f64>,
    /// On a series: when a client builds its first path.
    pub start: Option<String>,
    /// Days at which the report gives the share of clients compromised by then.
    pub horizons: Option<Vec<f64>>,
}
