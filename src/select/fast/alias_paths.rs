//! `random` over operators of unequal weights, client by client, first hops in blocks.

use super::{RandomKernel, Tally};
use crate::adversary::PathTest;
use crate::model::Network;
use crate::select::ClientSource;
use rand::Rng;

/// `random` over operators of unequal weights, client by client. When the label the hops
/// need is fixed (an entity or coalition target), the first hops of a block of up to 64 paths
/// are drawn without a branch into a bit mask of the paths that go on, and only those draw
/// their later hops, in path order: a hop on the target is an unpredictable branch (one path
/// in eight for the largest of 1000 Zipf operators), and this keeps it out of the common path.
/// Hops of a path are independent under `random`, so drawing every first hop of a block
/// before the later hops draws the same paths.
#[derive(Debug, Clone)]
pub struct AliasPaths {
    kernel: RandomKernel,
    test: PathTest,
}

impl AliasPaths {
    pub fn new(network: &Network, labels: &[u32], test: &PathTest) -> AliasPaths {
        AliasPaths {
            kernel: RandomKernel::new(network, labels),
            test: test.clone(),
        }
    }

    /// Hops 2, 3, … of a path whose first hop carried `need`.
    #[inline(always)]
    fn rest<R: Rng>(&self, need: u32, rng: &mut R) -> bool {
        for i in 1..self.test.last() + 1 {
            let l = self.kernel.table.sample(rng) as u32;
            if self.test.looks_at(i) && l != need {
                return false;
            }
        }
        true
    }
}

impl ClientSource for AliasPaths {
    #[inline]
    fn client<R: Rng + Clone>(&mut self, outer: &mut R, paths: u64) -> (u64, u64) {
        let mut rng = outer.clone();
        let mut tally = Tally::default();
        let table = &self.kernel.table;
        match self.test.fixed_need() {
            Some(need) => {
                let mut start = 0u64;
                while start < paths {
                    if crate::stop::at(start) {
                        break;
                    }
                    let block = (paths - start).min(64);
                    let mut going_on = 0u64;
                    for i in 0..block {
                        let l = table.sample(&mut rng) as u32;
                        going_on |= u64::from(l == need) << i;
                    }
                    while going_on != 0 {
                        let i = u64::from(going_on.trailing_zeros());
                        going_on &= going_on - 1;
                        if self.rest(need, &mut rng) {
                            tally.hit(start + i + 1);
                        }
                    }
                    start += block;
                }
            }
            None => {
                for k in 1..paths + 1 {
                    if crate::stop::at(k) {
                        break;
                    }
                    let need = table.sample(&mut rng) as u32;
                    if self.rest(need, &mut rng) {
                        tally.hit(k);
                    }
                }
            }
        }
        *outer = rng;
        tally.result()
    }
}
