//! `operator-aware` over operators of unequal weights: rejection from the full table, a scan when most weight is used.

use super::alias;
use crate::model::{MAX_HOPS, Network};
use crate::select::alias::AliasTable;
use crate::select::{HopSource, Unit};
use rand::{Rng, RngExt};

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
    /// `labels[o]`: what a hop on operator `o` reports.
    pub fn new(network: &Network, labels: &[u32]) -> Self {
        let weights: Vec<f64> = network.operators.iter().map(|o| o.weight).collect();
        OperatorAwareKernel {
            table: alias(&weights),
            total: weights.iter().sum(),
            weights,
            entity_of: labels.to_vec(),
            used: [0; MAX_HOPS],
            len: 0,
            used_weight: 0.0,
        }
    }

    /// Draws proportionally to weight among unused operators by walking the cumulative
    /// weights, from a uniform `u` in [0, 1) (drawn by the caller, so that the generator does
    /// not leave the inlined hot path).
    #[inline(never)]
    fn scan(&self, u: f64) -> u32 {
        let used = &self.used[..self.len];
        let remaining: f64 = self
            .weights
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(&(*i as u32)))
            .map(|(_, w)| w)
            .sum();
        let mut u = u * remaining;
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
            self.scan(rng.random::<f64>())
        };
        self.used[self.len] = op;
        self.len += 1;
        self.used_weight += self.weights[op as usize];
        self.entity_of[op as usize]
    }
}
