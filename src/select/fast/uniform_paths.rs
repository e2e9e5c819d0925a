//! Equal-weight units too many for the two-hop table, client by client.

use super::{Tally, later_hops, uniform_units};
use crate::adversary::PathTest;
use crate::model::Network;
use crate::select::bits::split;
use crate::select::{ClientSource, Selection};
use rand::Rng;
use std::sync::Arc;

/// Equal-weight units too many for [`TwoHop`]'s table: path by path, the first hop a uniform
/// unit, the second a uniform unit among the others without replacement — the `r`-th of the
/// `n − 1` others is `r`, or `r + 1` past the first, so no redraw and no branch — and the
/// rare later hops (only when the first two did not decide) one by one, redrawn while they
/// repeat a unit.
#[derive(Debug, Clone)]
pub struct UniformPaths {
    label: Arc<[u32]>,
    distinct: bool,
    test: PathTest,
    /// The label the hops need when it does not depend on the first hop.
    need: Option<u32>,
}

impl UniformPaths {
    pub fn new(
        network: &Network,
        selection: Selection,
        labels: &[u32],
        test: &PathTest,
    ) -> Option<UniformPaths> {
        let (label, _) = uniform_units(network, selection, labels)?;
        let distinct = selection != Selection::Random;
        (label.len() > usize::from(distinct)).then(|| UniformPaths {
            label: Arc::from(label),
            distinct,
            need: test.fixed_need(),
            test: test.clone(),
        })
    }

    /// Hops 3, 4, … after units `a` and `b`; the generator by value (see [`TwoHop::rest`]).
    #[cold]
    #[inline(never)]
    fn rest<R: Rng + Clone>(&self, a: u32, b: u32, need: u32, mut rng: R) -> (bool, R) {
        let hit = later_hops(
            &self.label,
            self.distinct,
            &self.test,
            [a, b],
            need,
            &mut rng,
        );
        (hit, rng)
    }

    #[inline(always)]
    fn path<R: Rng + Clone>(&self, rng: &mut R) -> bool {
        let n = self.label.len() as u64;
        let a = split(rng.next_u64(), n).0 as u32;
        let first = self.label[a as usize];
        let need = self.need.unwrap_or(first);
        if first != need {
            return false;
        }
        let last = self.test.last();
        if last == 0 {
            return true;
        }
        let b = if self.distinct {
            let r = split(rng.next_u64(), n - 1).0 as u32;
            r + u32::from(r >= a)
        } else {
            split(rng.next_u64(), n).0 as u32
        };
        if self.test.looks_at(1) && self.label[b as usize] != need {
            return false;
        }
        if last == 1 {
            return true;
        }
        let (hit, r) = self.rest(a, b, need, rng.clone());
        *rng = r;
        hit
    }
}

impl ClientSource for UniformPaths {
    #[inline]
    fn client<R: Rng + Clone>(&mut self, outer: &mut R, paths: u64) -> (u64, u64) {
        let mut rng = outer.clone();
        let mut tally = Tally::default();
        for k in 1..paths + 1 {
            if crate::stop::at(k) {
                break;
            }
            if self.path(&mut rng) {
                tally.hit(k);
            }
        }
        *outer = rng;
        tally.result()
    }
}
