//! Plain, obviously correct samplers: each hop builds the list of servers (or, in an infinite
//! pool, operators) the policy still allows and draws one in proportion to its weight with
//! `rand`'s `WeightedIndex`. Slow on purpose: nothing here is clever.

use super::{HopSource, Selection, Unit as Placed};
use crate::model::{Network, Pool};
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;

/// One server (finite pool) or one operator (infinite pool).
#[derive(Debug, Clone, Copy)]
struct Unit {
    operator: u32,
    entity: u32,
    weight: f64,
}

#[derive(Debug, Clone)]
pub struct ReferenceSampler {
    units: Vec<Unit>,
    selection: Selection,
    /// Units already in the current path.
    chosen: Vec<usize>,
}

impl ReferenceSampler {
    pub fn new(network: &Network, selection: Selection) -> ReferenceSampler {
        let mut units = Vec::new();
        for (i, op) in network.operators.iter().enumerate() {
            let unit = Unit {
                operator: i as u32,
                entity: op.entity as u32,
                weight: 1.0,
            };
            match network.pool {
                Pool::Infinite => units.push(Unit {
                    weight: op.weight,
                    ..unit
                }),
                Pool::Finite => (0..op.servers).for_each(|_| units.push(unit)),
            }
        }
        ReferenceSampler {
            units,
            selection,
            chosen: Vec::new(),
        }
    }

    fn allowed(&self, u: usize) -> bool {
        match self.selection {
            Selection::Random => true,
            Selection::DistinctServers => !self.chosen.contains(&u),
            Selection::OperatorAware => !self
                .chosen
                .iter()
                .any(|&c| self.units[c].operator == self.units[u].operator),
        }
    }
}

impl HopSource for ReferenceSampler {
    fn begin_path(&mut self) {
        self.chosen.clear();
    }

    fn begin_path_after(&mut self, first: Placed) {
        self.chosen.clear();
        // Units are servers in a finite pool and operators in an infinite one.
        let unit = if first.server == u32::MAX {
            first.operator as usize
        } else {
            first.server as usize
        };
        self.chosen.push(unit);
    }

    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        let candidates: Vec<usize> = (0..self.units.len()).filter(|&u| self.allowed(u)).collect();
        let weights = candidates.iter().map(|&u| self.units[u].weight);
        let index = WeightedIndex::new(weights).expect("validation guarantees an allowed unit");
        let u = candidates[index.sample(rng)];
        self.chosen.push(u);
        self.units[u].entity
    }
}
