//! The kernel for server-level networks: servers of their own weights, subnets and roles, and
//! the path rules (distinct subnets, a role per position, position weight multipliers), under
//! every policy. Each position has an alias table of its server weights; a draw rejects what
//! the policy and the subnet rule exclude (which leaves exactly the weight-proportional draw
//! among the allowed) and, after [`TRIES`] rejections, scans the allowed servers instead.
//!
//! When no server is allowed at a position (every eligible one excluded), the hop falls back
//! to any server eligible there, ignoring the exclusions — SimpleX's rule when no unused
//! operator is left. The reference sampler and the enumerator do the same.

use super::alias::AliasTable;
use super::{HopSource, PathRules, Selection, Unit};
use crate::model::MAX_HOPS;
use crate::model::Network;
use rand::{Rng, RngExt};

/// Rejections before a draw scans the allowed servers.
const TRIES: usize = 64;
const NO_SUBNET: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct ServerKernel {
    selection: Selection,
    distinct_subnets: bool,
    subnets_from: usize,
    /// Per position (one shared entry when positions do not differ).
    tables: Vec<AliasTable>,
    weights: Vec<Vec<f64>>,
    operator: Vec<u32>,
    entity: Vec<u32>,
    subnet: Vec<u32>,
    path: [u32; MAX_HOPS],
    len: usize,
}

impl ServerKernel {
    pub fn new(
        network: &Network,
        selection: Selection,
        rules: &PathRules,
        hops: usize,
        labels: &[u32],
    ) -> ServerKernel {
        let servers = network.server_list();
        let positions = if rules.varies_by_position() { hops } else { 1 };
        let weights: Vec<Vec<f64>> = (0..positions)
            .map(|p| servers.iter().map(|s| rules.weight(p, s)).collect())
            .collect();
        let tables = weights
            .iter()
            .map(|w| AliasTable::new(w).expect("validation leaves a server at every position"))
            .collect();
        ServerKernel {
            selection,
            distinct_subnets: rules.distinct_subnets,
            subnets_from: rules.subnets_from,
            tables,
            weights,
            operator: servers.iter().map(|s| s.operator).collect(),
            entity: servers
                .iter()
                .map(|s| labels[s.operator as usize])
                .collect(),
            subnet: servers
                .iter()
                .map(|s| s.subnet.unwrap_or(NO_SUBNET))
                .collect(),
            path: [0; MAX_HOPS],
            len: 0,
        }
    }

    fn allowed(&self, s: usize) -> bool {
        let chosen = &self.path[..self.len];
        let policy = match self.selection {
            Selection::Random => true,
            // `tor` circuits are drawn by `select::tor`; as servers, no relay twice.
            Selection::DistinctServers | Selection::Tor => !chosen.contains(&(s as u32)),
            Selection::OperatorAware => chosen
                .iter()
                .all(|&c| self.operator[c as usize] != self.operator[s]),
        };
        let covered = chosen.get(self.subnets_from..).unwrap_or(&[]);
        policy
            && (!self.distinct_subnets
                || self.subnet[s] == NO_SUBNET
                || covered
                    .iter()
                    .all(|&c| self.subnet[c as usize] != self.subnet[s]))
    }

    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let p = self.len.min(self.tables.len() - 1);
        let table = &self.tables[p];
        for _ in 0..TRIES {
            let s = table.sample(rng);
            if self.allowed(s) {
                return s;
            }
        }
        let w = &self.weights[p];
        let total: f64 = (0..w.len())
            .filter(|&s| w[s] > 0.0 && self.allowed(s))
            .map(|s| w[s])
            .sum();
        if total <= 0.0 {
            // Nothing allowed: any server eligible at this position.
            return table.sample(rng);
        }
        let mut u = rng.random::<f64>() * total;
        let mut last = 0;
        for s in (0..w.len()).filter(|&s| w[s] > 0.0 && self.allowed(s)) {
            last = s;
            if u < w[s] {
                return s;
            }
            u -= w[s];
        }
        last
    }
}

impl HopSource for ServerKernel {
    fn begin_path(&mut self) {
        self.len = 0;
    }

    fn begin_path_after(&mut self, first: Unit) {
        self.path[0] = first.server;
        self.len = 1;
    }

    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        let s = self.draw(rng);
        self.path[self.len] = s as u32;
        self.len += 1;
        self.entity[s]
    }
}
