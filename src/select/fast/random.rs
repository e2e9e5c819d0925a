//! `random` over operators of unequal weights, path by path: an alias table per hop.

use super::alias;
use crate::model::Network;
use crate::select::alias::AliasTable;
use crate::select::{HopSource, Unit};
use rand::Rng;

/// `random` over operators of unequal weights: every hop an operator by weight (a server of
/// weight 1 in a finite pool is the same as its operator drawn by server count, as only the
/// operator's label matters to the event).
#[derive(Debug, Clone)]
pub struct RandomKernel {
    pub(super) table: AliasTable,
}

impl RandomKernel {
    /// `labels[o]`: what a hop on operator `o` reports.
    pub fn new(network: &Network, labels: &[u32]) -> Self {
        let weights: Vec<f64> = network.operators.iter().map(|o| o.weight).collect();
        RandomKernel {
            table: alias(&weights).with_labels(labels),
        }
    }
}

impl HopSource for RandomKernel {
    #[inline]
    fn begin_path(&mut self) {}

    #[inline]
    fn begin_path_after(&mut self, _first: Unit) {}

    #[inline(always)]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        self.table.sample(rng) as u32
    }
}
