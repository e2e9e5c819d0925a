//! Drawing a client's guard set (docs/model.md, docs/scenarios.md): G distinct servers by their weight at the first
//! position in a finite pool, G independent operators by share in an infinite one (where two
//! draws are two distinct servers of infinitesimal weight, even of one operator).

use super::alias::AliasTable;
use super::{PathRules, SamplerKind, Unit};
use crate::model::{Network, Pool};
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;

/// Rejections of an already chosen guard before a draw scans the others.
const TRIES: usize = 64;

#[derive(Debug, Clone)]
pub struct GuardSampler {
    kind: SamplerKind,
    pool: Pool,
    /// Every unit (server in a finite pool, operator in an infinite one).
    units: Vec<Unit>,
    weights: Vec<f64>,
    table: AliasTable,
    /// Units of positive weight, counted once: a count per draw was most of a guarded
    /// path's time (W5: 20 draws per client over 1000 operators' servers).
    eligible: usize,
}

impl GuardSampler {
    /// `labels[o]`: what a guard on operator `o` reports as its entity (see `PathTest::labels`).
    pub fn new(
        network: &Network,
        kind: SamplerKind,
        rules: &PathRules,
        labels: &[u32],
    ) -> GuardSampler {
        let servers = super::reference::units(network);
        let units = servers
            .iter()
            .enumerate()
            .map(|(i, s)| Unit {
                server: if network.pool == Pool::Finite {
                    i as u32
                } else {
                    u32::MAX
                },
                operator: s.operator,
                entity: labels[s.operator as usize],
            })
            .collect();
        let weights: Vec<f64> = servers.iter().map(|s| rules.weight(0, s)).collect();
        let table = AliasTable::new(&weights).expect("validated weights");
        GuardSampler {
            kind,
            pool: network.pool,
            units,
            eligible: weights.iter().filter(|&&w| w > 0.0).count(),
            weights,
            table,
        }
    }

    /// Servers that can be guards (positive weight at the first position).
    pub fn eligible(&self) -> usize {
        self.eligible
    }

    /// Fills `out` with a new guard set of `count` guards (fewer if fewer are eligible).
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R, count: usize, out: &mut Vec<Unit>) {
        out.clear();
        match (self.kind, self.pool) {
            (SamplerKind::Fast, Pool::Infinite) => {
                out.extend((0..count).map(|_| self.units[self.table.sample(rng)]));
            }
            (SamplerKind::Fast, Pool::Finite) => {
                let count = count.min(self.eligible());
                // By weight, redrawn while already a guard: the weighted draw among the rest.
                'guards: while out.len() < count {
                    for _ in 0..TRIES {
                        let u = self.units[self.table.sample(rng)];
                        if !out.contains(&u) {
                            out.push(u);
                            continue 'guards;
                        }
                    }
                    let rest: Vec<usize> = (0..self.units.len())
                        .filter(|&i| self.weights[i] > 0.0 && !out.contains(&self.units[i]))
                        .collect();
                    let index = WeightedIndex::new(rest.iter().map(|&i| self.weights[i]))
                        .expect("an eligible unit");
                    out.push(self.units[rest[index.sample(rng)]]);
                }
            }
            (SamplerKind::Reference, pool) => {
                for _ in 0..count {
                    let allowed: Vec<usize> = (0..self.units.len())
                        .filter(|&i| {
                            self.weights[i] > 0.0
                                && (pool == Pool::Infinite || !out.contains(&self.units[i]))
                        })
                        .collect();
                    if allowed.is_empty() {
                        break;
                    }
                    let index = WeightedIndex::new(allowed.iter().map(|&i| self.weights[i]))
                        .expect("an allowed unit");
                    out.push(self.units[allowed[index.sample(rng)]]);
                }
            }
        }
    }
}
