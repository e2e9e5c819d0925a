//! Exhaustive enumeration: every possible path of a tiny network, with its exact probability
//! under the policy's definition, summed over the paths where the event holds. Written
//! separately from the closed forms and the samplers, so the tests use it as an oracle for both.
//!
//! Server-level rules follow docs/scenarios.md as the samplers read it: a hop's candidates are the
//! servers with positive weight at its position (role and multiplier) that the policy and the
//! subnet rule allow; when none is allowed, every server eligible at the position is.

use crate::adversary::{Adversary, PathTest};
use crate::model::{Network, Pool};
use crate::select::{PathRules, Selection};

/// Most paths the enumerator will visit.
pub const MAX_PATHS: f64 = 2e7;

struct Unit {
    operator: usize,
    entity: u32,
    weight: f64,
    subnet: Option<u32>,
    roles: u32,
}

struct Tree<'a> {
    units: Vec<Unit>,
    selection: Selection,
    rules: &'a PathRules,
    test: PathTest,
    hops: usize,
}

impl Tree<'_> {
    fn weight(&self, position: usize, u: usize) -> f64 {
        let unit = &self.units[u];
        let server = crate::model::Server {
            operator: unit.operator as u32,
            weight: unit.weight,
            subnet: unit.subnet,
            roles: unit.roles,
        };
        self.rules.weight(position, &server)
    }

    /// The next hop's candidates and their weights, by the definition.
    fn next(&self, path: &[usize]) -> Vec<(usize, f64)> {
        let position = path.len();
        let free = |u: usize| {
            let unit = &self.units[u];
            let by_policy = match self.selection {
                Selection::Random => true,
                // `tor` is enumerated by its own sums; as a policy of units, no unit twice.
                Selection::DistinctServers | Selection::Tor => !path.contains(&u),
                Selection::OperatorAware => path
                    .iter()
                    .all(|&v| self.units[v].operator != unit.operator),
            };
            // The subnet rule looks at the hops from `subnets_from` on only.
            let from = self.rules.subnets_from;
            let by_subnet = !self.rules.distinct_subnets
                || path.len() < from
                || unit.subnet.is_none()
                || path
                    .iter()
                    .skip(from)
                    .all(|&v| self.units[v].subnet != unit.subnet);
            by_policy && by_subnet
        };
        let eligible: Vec<(usize, f64)> = (0..self.units.len())
            .map(|u| (u, self.weight(position, u)))
            .filter(|x| x.1 > 0.0)
            .collect();
        let free_ones: Vec<(usize, f64)> =
            eligible.iter().copied().filter(|&(u, _)| free(u)).collect();
        if free_ones.is_empty() {
            eligible
        } else {
            free_ones
        }
    }

    fn visit(&self, path: &mut Vec<usize>, p: f64) -> f64 {
        if path.len() == self.hops {
            let entities: Vec<u32> = path.iter().map(|&u| self.units[u].entity).collect();
            return if self.test.holds(&entities) { p } else { 0.0 };
        }
        let next = self.next(path);
        let total: f64 = next.iter().map(|x| x.1).sum();
        let mut sum = 0.0;
        for (u, w) in next {
            path.push(u);
            sum += self.visit(path, p * w / total);
            path.pop();
        }
        sum
    }
}

fn units_of(network: &Network) -> Vec<Unit> {
    let mut units = Vec::new();
    match network.pool {
        Pool::Infinite => {
            for (i, op) in network.operators.iter().enumerate() {
                units.push(Unit {
                    operator: i,
                    entity: op.entity as u32,
                    weight: op.weight,
                    subnet: None,
                    roles: u32::MAX,
                });
            }
        }
        Pool::Finite => {
            for s in network.server_list() {
                let op = s.operator as usize;
                units.push(Unit {
                    operator: op,
                    entity: network.operators[op].entity as u32,
                    weight: s.weight,
                    subnet: s.subnet,
                    roles: s.roles,
                });
            }
        }
    }
    units
}

fn tree<'a>(
    network: &Network,
    selection: Selection,
    rules: &'a PathRules,
    adversary: &Adversary,
    hops: usize,
    extra: usize,
) -> Result<Tree<'a>, String> {
    let units = units_of(network);
    if (units.len() as f64).powi((hops + extra) as i32) > MAX_PATHS {
        return Err(format!(
            "{} units and {hops} hops are too many paths to enumerate",
            units.len()
        ));
    }
    Ok(Tree {
        units,
        selection,
        rules,
        test: PathTest::new(network, adversary, hops),
        hops,
    })
}

/// Exact P(event) for one path, by visiting every path. Errors when the network is too large.
pub fn path_probability(
    network: &Network,
    selection: Selection,
    rules: &PathRules,
    adversary: &Adversary,
    hops: usize,
) -> Result<f64, String> {
    let t = tree(network, selection, rules, adversary, hops, 0)?;
    Ok(t.visit(&mut Vec::with_capacity(hops), 1.0))
}

/// Exact path, client and guard metrics with guards, by enumerating every ordered guard set
/// (distinct servers by their weight at the first position in a finite pool, independent
/// operators by share in an infinite one) and, for each guard, every path after it. Given its
/// set, a block's paths are independent, each compromised with q = the mean over the set's
/// guards of P(path | first hop = guard). Returns (path, client, guard).
pub fn guarded_client(
    network: &Network,
    selection: Selection,
    rules: &PathRules,
    adversary: &Adversary,
    hops: usize,
    guards: crate::scenario::Guards,
    paths: u64,
) -> Result<(f64, f64, f64), String> {
    let g = guards.count as usize;
    let t = tree(network, selection, rules, adversary, hops, g)?;
    let after: Vec<f64> = (0..t.units.len())
        .map(|u| t.visit(&mut vec![u], 1.0))
        .collect();
    let first: Vec<f64> = (0..t.units.len()).map(|u| t.weight(0, u)).collect();
    let mut sets: Vec<(f64, f64, bool)> = Vec::new(); // (probability, q, holds a target guard)
    let mut set = Vec::with_capacity(g);
    let finite = network.pool == Pool::Finite;
    sets_of(&first, finite, g, &mut set, 1.0, &mut |p, set| {
        let q = set.iter().map(|&u| after[u]).sum::<f64>() / g as f64;
        let targeted = set.iter().any(|&u| t.test.targets(t.units[u].entity));
        sets.push((p, q, targeted));
    });
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

fn sets_of(
    weights: &[f64],
    distinct: bool,
    g: usize,
    set: &mut Vec<usize>,
    p: f64,
    emit: &mut dyn FnMut(f64, &[usize]),
) {
    if set.len() == g {
        emit(p, set);
        return;
    }
    let total: f64 = (0..weights.len())
        .filter(|u| !(distinct && set.contains(u)))
        .map(|u| weights[u])
        .sum();
    for u in 0..weights.len() {
        if weights[u] <= 0.0 || distinct && set.contains(&u) {
            continue;
        }
        set.push(u);
        sets_of(weights, distinct, g, set, p * weights[u] / total, emit);
        set.pop();
    }
}
