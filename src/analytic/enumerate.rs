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
    let units = units_of(network);
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

/// Exact client and guard metrics with guards, by enumerating every ordered guard set (by the
/// guard rule: distinct servers in a finite pool, independent operators in an infinite one)
/// and, for each guard, every path after it. Given its set, a block's paths are independent,
/// each compromised with q = mean over the set's guards of P(path | first hop = guard).
/// Returns (path, client, guard).
pub fn guarded_client(
    network: &Network,
    selection: Selection,
    adversary: &Adversary,
    hops: usize,
    guards: crate::scenario::Guards,
    paths: u64,
) -> Result<(f64, f64, f64), String> {
    let units = units_of(network);
    let g = guards.count as usize;
    if (units.len() as f64).powi((g + hops) as i32) > MAX_PATHS {
        return Err("too many guard sets and paths to enumerate".into());
    }
    let test = PathTest::new(network, adversary, hops);
    let total: f64 = units.iter().map(|u| u.weight).sum();
    // P(compromise | first hop is unit u), by definition of the policy after u.
    let after: Vec<f64> = (0..units.len())
        .map(|u| {
            let mut path = vec![u];
            visit(&units, selection, &test, hops, &mut path, 1.0)
        })
        .collect();
    let mut sets: Vec<(f64, f64, bool)> = Vec::new(); // (probability, q, holds a target guard)
    let mut set = Vec::with_capacity(g);
    enumerate_sets(
        &units,
        network.pool,
        total,
        g,
        &mut set,
        1.0,
        &mut |p, set| {
            let q = set.iter().map(|&u| after[u]).sum::<f64>() / g as f64;
            let targeted = set.iter().any(|&u| test.targets(units[u].entity));
            sets.push((p, q, targeted));
        },
    );
    let lifetime = guards.lifetime.unwrap_or(paths).min(paths);
    let block = |len: u64| {
        sets.iter()
            .map(|&(p, q, _)| p * (1.0 - q).powf(len as f64))
            .sum::<f64>()
    };
    let (full, rest) = (paths / lifetime, paths % lifetime);
    let mut none = block(lifetime).powf(full as f64);
    if rest > 0 {
        none *= block(rest);
    }
    let clean: f64 = sets.iter().filter(|s| !s.2).map(|s| s.0).sum();
    let path: f64 = sets.iter().map(|&(p, q, _)| p * q).sum();
    Ok((
        path,
        1.0 - none,
        1.0 - clean.powf(guards.sets(paths) as f64),
    ))
}

fn units_of(network: &Network) -> Vec<Unit> {
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
    units
}

fn enumerate_sets(
    units: &[Unit],
    pool: Pool,
    total: f64,
    g: usize,
    set: &mut Vec<usize>,
    p: f64,
    emit: &mut dyn FnMut(f64, &[usize]),
) {
    if set.len() == g {
        emit(p, set);
        return;
    }
    let used: f64 = if pool == Pool::Finite {
        set.iter().map(|&u| units[u].weight).sum()
    } else {
        0.0
    };
    for u in 0..units.len() {
        if pool == Pool::Finite && set.contains(&u) {
            continue;
        }
        set.push(u);
        enumerate_sets(
            units,
            pool,
            total,
            g,
            set,
            p * units[u].weight / (total - used),
            emit,
        );
        set.pop();
    }
}
