//! Fast kernels, one per policy. They draw exactly the distribution of the reference samplers
//! but avoid rebuilding a table per hop: `random` samples an alias table; the policies without
//! replacement draw from the full table and reject what the path already holds, which yields a
//! draw proportional to weight among what is left (the definition), and fall back to a linear
//! scan when most of the weight is already used, so rejection never loops for long.

use super::alias::AliasTable;
use super::{HopSource, Unit};
use crate::model::{Network, Pool};
use rand::{Rng, RngExt};

/// Largest number of hops a path may have.
pub const MAX_HOPS: usize = 32;

fn alias(weights: Vec<f64>) -> AliasTable {
    AliasTable::new(&weights).expect("validated weights are positive and finite")
}

/// `random`: every hop an operator by weight (a server of weight 1 in a finite pool is the same
/// as its operator drawn by server count, as only the operator's entity matters to the event).
#[derive(Debug, Clone)]
pub struct RandomKernel {
    table: AliasTable,
    entity_of: Vec<u32>,
}

impl RandomKernel {
    pub fn new(network: &Network) -> Self {
        RandomKernel {
            table: alias(network.operators.iter().map(|o| o.weight).collect()),
            entity_of: network.operators.iter().map(|o| o.entity as u32).collect(),
        }
    }
}

impl HopSource for RandomKernel {
    #[inline]
    fn begin_path(&mut self) {}

    #[inline]
    fn begin_path_after(&mut self, _first: Unit) {}

    #[inline]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        self.entity_of[self.table.sample(rng)]
    }
}

/// `distinct-servers` over servers of weight 1: a uniform server, redrawn while the path
/// already holds it.
#[derive(Debug, Clone)]
pub struct DistinctServersKernel {
    entity_of_server: Vec<u32>,
    used: [u32; MAX_HOPS],
    len: usize,
}

impl DistinctServersKernel {
    pub fn new(network: &Network) -> Self {
        assert_eq!(
            network.pool,
            Pool::Finite,
            "validation requires a finite pool"
        );
        let mut entity_of_server = Vec::with_capacity(network.total_servers() as usize);
        for op in &network.operators {
            entity_of_server.extend(std::iter::repeat_n(op.entity as u32, op.servers as usize));
        }
        DistinctServersKernel {
            entity_of_server,
            used: [0; MAX_HOPS],
            len: 0,
        }
    }
}

impl HopSource for DistinctServersKernel {
    #[inline]
    fn begin_path(&mut self) {
        self.len = 0;
    }

    #[inline]
    fn begin_path_after(&mut self, first: Unit) {
        self.used[0] = first.server;
        self.len = 1;
    }

    #[inline]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        let n = self.entity_of_server.len() as u32;
        let server = loop {
            let s = rng.random_range(0..n);
            if !self.used[..self.len].contains(&s) {
                break s;
            }
        };
        self.used[self.len] = server;
        self.len += 1;
        self.entity_of_server[server as usize]
    }
}

/// `operator-aware`: an operator by weight among those not yet in the path.
#[derive(Debug, Clone)]
pub struct OperatorAwareKernel {
    table: AliasTable,
    weights: Vec<f64>,
    total: f64,
    entity_of: Vec<u32>,
    used: [u32; MAX_HOPS],
    len: usize,
    used_weight: f64,
}

impl OperatorAwareKernel {
    pub fn new(network: &Network) -> Self {
        let weights: Vec<f64> = network.operators.iter().map(|o| o.weight).collect();
        OperatorAwareKernel {
            table: alias(weights.clone()),
            total: weights.iter().sum(),
            weights,
            entity_of: network.operators.iter().map(|o| o.entity as u32).collect(),
            used: [0; MAX_HOPS],
            len: 0,
            used_weight: 0.0,
        }
    }

    /// Draws proportionally to weight among unused operators by walking the cumulative weights.
    fn scan<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        let used = &self.used[..self.len];
        let remaining: f64 = self
            .weights
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(&(*i as u32)))
            .map(|(_, w)| w)
            .sum();
        let mut u = rng.random::<f64>() * remaining;
        let mut last = u32::MAX;
        for (i, &w) in self.weights.iter().enumerate() {
            if used.contains(&(i as u32)) {
                continue;
            }
            last = i as u32;
            if u < w {
                return last;
            }
            u -= w;
        }
        // Rounding left `u` a hair above the remaining weight: the last allowed operator.
        last
    }
}

impl HopSource for OperatorAwareKernel {
    #[inline]
    fn begin_path(&mut self) {
        self.len = 0;
        self.used_weight = 0.0;
    }

    #[inline]
    fn begin_path_after(&mut self, first: Unit) {
        self.used[0] = first.operator;
        self.len = 1;
        self.used_weight = self.weights[first.operator as usize];
    }

    #[inline]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        let op = if self.used_weight <= 0.5 * self.total {
            loop {
                let o = self.table.sample(rng) as u32;
                if !self.used[..self.len].contains(&o) {
                    break o;
                }
            }
        } else {
            self.scan(rng)
        };
        self.used[self.len] = op;
        self.len += 1;
        self.used_weight += self.weights[op as usize];
        self.entity_of[op as usize]
    }
}
