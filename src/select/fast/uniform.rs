//! Equal-weight units drawn uniformly, hop by hop (also with guards).

use super::unused_unit;
use crate::model::{MAX_HOPS, Network, Pool};
use crate::select::bits::split;
use crate::select::{HopSource, Selection, Unit};
use rand::Rng;

/// Equal-weight units drawn uniformly, hop by hop: `random` and `operator-aware` over
/// operators of equal weight, `distinct-servers` over the servers of a finite pool (which all
/// weigh 1 in an operator-level network). Without replacement a unit the path holds is drawn
/// again: the accepted draw is uniform among the units left.
#[derive(Debug, Clone)]
pub struct UniformKernel {
    /// Per unit: its label.
    label: Vec<u32>,
    /// Units are servers (and a guard's `server` index names one), else operators.
    servers: bool,
    /// Without replacement: a path never holds a unit twice.
    distinct: bool,
    /// Units in the current path (without replacement only).
    used: [u32; MAX_HOPS],
    len: usize,
}

/// The units a policy draws uniformly on `network`, as a label per unit, if they all weigh
/// the same; `servers` says whether they are servers (else operators).
pub fn uniform_units(
    network: &Network,
    selection: Selection,
    labels: &[u32],
) -> Option<(Vec<u32>, bool)> {
    let servers = selection == Selection::DistinctServers;
    let label: Vec<u32> = if servers {
        if network.pool != Pool::Finite {
            return None;
        }
        let mut v = Vec::with_capacity(network.total_servers() as usize);
        for (o, op) in network.operators.iter().enumerate() {
            v.extend(std::iter::repeat_n(labels[o], op.servers as usize));
        }
        v
    } else {
        let w = network.operators.first()?.weight;
        if network.operators.iter().any(|o| o.weight != w) {
            return None;
        }
        labels.to_vec()
    };
    (!label.is_empty() && label.len() <= u32::MAX as usize).then_some((label, servers))
}

impl UniformKernel {
    /// The kernel for `selection` on `network` when its units weigh the same, else `None`.
    pub fn new(network: &Network, selection: Selection, labels: &[u32]) -> Option<Self> {
        let (label, servers) = uniform_units(network, selection, labels)?;
        Some(UniformKernel {
            label,
            servers,
            distinct: selection != Selection::Random,
            used: [0; MAX_HOPS],
            len: 0,
        })
    }
}

impl HopSource for UniformKernel {
    #[inline(always)]
    fn begin_path(&mut self) {
        self.len = 0;
    }

    #[inline(always)]
    fn begin_path_after(&mut self, first: Unit) {
        self.used[0] = if self.servers {
            first.server
        } else {
            first.operator
        };
        self.len = usize::from(self.distinct);
    }

    #[inline(always)]
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        let n = self.label.len() as u64;
        if !self.distinct {
            return self.label[split(rng.next_u64(), n).0 as usize];
        }
        let unit = unused_unit(n, &self.used[..self.len], rng);
        self.used[self.len] = unit;
        self.len += 1;
        self.label[unit as usize]
    }
}
