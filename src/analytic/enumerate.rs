//! Exhaustive enumeration: every possible path of a tiny network, with its exact probability
//! under the policy's definition, summed over the paths where the event holds. Independent of
//! the closed forms and of the samplers, so the tests use it as an oracle for both.

use crate::adversary::{Adversary, PathTest};
use crate::model::{Network, Pool};
use crate::select::Selection;

/// Most paths the enumerator will visit.
pub const MAX_PATHS: f64 = 2e7;

struct Unit {
    operator: usize,
    entity: u32,
    weight: f64,
}

/// Exact P(event) for one path, by visiting every path. Errors when the network is too large.
pub fn path_probability(
    network: &Network,
    selection: Selection,
    adversary: &Adversary,
    hops: usize,
) -> Result<f64, String> {
    let mut units = Vec::new();
    for (i, op) in network.operators.iter().enumerate() {
        match network.pool {
            Pool::Infinite => units.push(Unit {
                operator: i,
                entity: op.entity as u32,
                weight: op.weight,
            }),
            Pool::Finite => {
                for _ in 0..op.servers {
                    units.push(Unit {
                        operator: i,
                        entity: op.entity as u32,
                        weight: 1.0,
                    });
                }
            }
        }
    }
    if (units.len() as f64).powi(hops as i32) > MAX_PATHS {
        return Err(format!(
            "{} units and {hops} hops are too many paths to enumerate",
            units.len()
        ));
    }
    let test = PathTest::new(network, adversary, hops);
    let mut path = Vec::with_capacity(hops);
    Ok(visit(&units, selection, &test, hops, &mut path, 1.0))
}

fn visit(
    units: &[Unit],
    selection: Selection,
    test: &PathTest,
    hops: usize,
    path: &mut Vec<usize>,
    p: f64,
) -> f64 {
    if path.len() == hops {
        let entities: Vec<u32> = path.iter().map(|&u| units[u].entity).collect();
        return if test.holds(&entities) { p } else { 0.0 };
    }
    let allowed = |u: usize| match selection {
        Selection::Random => true,
        Selection::DistinctServers => !path.contains(&u),
        Selection::OperatorAware => !path.iter().any(|&v| units[v].operator == units[u].operator),
    };
    let candidates: Vec<usize> = (0..units.len()).filter(|&u| allowed(u)).collect();
    let total: f64 = candidates.iter().map(|&u| units[u].weight).sum();
    let mut sum = 0.0;
    for u in candidates {
        path.push(u);
        sum += visit(
            units,
            selection,
            test,
            hops,
            path,
            p * units[u].weight / total,
        );
        path.pop();
    }
    sum
}
