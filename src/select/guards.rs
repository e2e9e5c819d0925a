//! Drawing a client's guard set (SPEC §7): G distinct servers by weight in a finite pool, G
//! independent operators by share in an infinite one (where two draws are two distinct
//! servers of infinitesimal weight, even of one operator).

use super::{SamplerKind, Unit};
use crate::model::{Network, Pool};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::{Rng, RngExt};
use rand_distr::weighted::WeightedAliasIndex;

#[derive(Debug, Clone)]
pub struct GuardSampler {
    kind: SamplerKind,
    pool: Pool,
    /// Every unit (server in a finite pool, operator in an infinite one).
    units: Vec<Unit>,
    weights: Vec<f64>,
    table: WeightedAliasIndex<f64>,
}

impl GuardSampler {
    pub fn new(network: &Network, kind: SamplerKind) -> GuardSampler {
        let mut units = Vec::new();
        let mut weights = Vec::new();
        for (i, op) in network.operators.iter().enumerate() {
            match network.pool {
                Pool::Infinite => {
                    units.push(Unit {
                        server: u32::MAX,
                        operator: i as u32,
                        entity: op.entity as u32,
                    });
                    weights.push(op.weight);
                }
                Pool::Finite => {
                    for _ in 0..op.servers {
                        units.push(Unit {
                            server: units.len() as u32,
                            operator: i as u32,
                            entity: op.entity as u32,
                        });
                        weights.push(1.0);
                    }
                }
            }
        }
        let table = WeightedAliasIndex::new(weights.clone()).expect("validated weights");
        GuardSampler {
            kind,
            pool: network.pool,
            units,
            weights,
            table,
        }
    }

    /// Fills `out` with a new guard set of `count` guards.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R, count: usize, out: &mut Vec<Unit>) {
        out.clear();
        match (self.kind, self.pool) {
            (SamplerKind::Fast, Pool::Infinite) => {
                out.extend((0..count).map(|_| self.units[self.table.sample(rng)]));
            }
            (SamplerKind::Fast, Pool::Finite) => {
                // Servers weigh 1: uniform, redrawn while already a guard.
                let n = self.units.len() as u32;
                while out.len() < count {
                    let u = self.units[rng.random_range(0..n) as usize];
                    if !out.contains(&u) {
                        out.push(u);
                    }
                }
            }
            (SamplerKind::Reference, pool) => {
                for _ in 0..count {
                    let allowed: Vec<usize> = (0..self.units.len())
                        .filter(|&i| pool == Pool::Infinite || !out.contains(&self.units[i]))
                        .collect();
                    let index = WeightedIndex::new(allowed.iter().map(|&i| self.weights[i]))
                        .expect("an allowed unit");
                    out.push(self.units[allowed[index.sample(rng)]]);
                }
            }
        }
    }
}
