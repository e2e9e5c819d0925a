//! Plain, obviously correct samplers: each hop builds the list of servers (or, in an infinite
//! pool, operators) the policy and the path rules still allow, with their weights at that
//! position, and draws one with `rand`'s `WeightedIndex`. Slow on purpose: nothing here is
//! clever. When nothing is allowed the hop takes any server eligible at its position (see
//! `server`).

use super::{HopSource, PathRules, Selection, Unit as Placed};
use crate::model::{Network, Pool, Server};
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;

#[derive(Debug, Clone)]
pub struct ReferenceSampler {
    /// Servers (finite pool) or operators as servers of their share (infinite pool).
    units: Vec<Server>,
    entity: Vec<u32>,
    selection: Selection,
    rules: PathRules,
    /// Units already in the current path.
    chosen: Vec<usize>,
}

/// The units a path is drawn from: servers, or in an infinite pool one unit per operator.
pub fn units(network: &Network) -> Vec<Server> {
    match network.pool {
        Pool::Infinite => network
            .operators
            .iter()
            .enumerate()
            .map(|(i, o)| Server {
                operator: i as u32,
                weight: o.weight,
                subnet: None,
                roles: u32::MAX,
            })
            .collect(),
        Pool::Finite => network.server_list(),
    }
}

impl ReferenceSampler {
    pub fn new(network: &Network, selection: Selection, rules: &PathRules) -> ReferenceSampler {
        let units = units(network);
        let entity = units
            .iter()
            .map(|u| network.operators[u.operator as usize].entity as u32)
            .collect();
        ReferenceSampler {
            units,
            entity,
            selection,
            rules: rules.clone(),
            chosen: Vec::new(),
        }
    }
}

/// Whether `u` may follow the units in `chosen` under the policy and the subnet rule.
pub fn allowed(
    units: &[Server],
    selection: Selection,
    rules: &PathRules,
    chosen: &[usize],
    u: usize,
) -> bool {
    let policy = match selection {
        Selection::Random => true,
        // `tor` circuits are drawn by `select::tor`; as units, no relay twice.
        Selection::DistinctServers | Selection::Tor => !chosen.contains(&u),
        Selection::OperatorAware => !chosen
            .iter()
            .any(|&c| units[c].operator == units[u].operator),
    };
    let covered = chosen.get(rules.subnets_from..).unwrap_or(&[]);
    let subnet_ok = !rules.distinct_subnets
        || chosen.len() < rules.subnets_from
        || units[u].subnet.is_none()
        || !covered.iter().any(|&c| units[c].subnet == units[u].subnet);
    policy && subnet_ok
}

/// The candidates for the next hop after `chosen`, with their weights at that position.
pub fn candidates(
    units: &[Server],
    selection: Selection,
    rules: &PathRules,
    chosen: &[usize],
) -> Vec<(usize, f64)> {
    let position = chosen.len();
    let eligible: Vec<(usize, f64)> = (0..units.len())
        .map(|u| (u, rules.weight(position, &units[u])))
        .filter(|&(_, w)| w > 0.0)
        .collect();
    let allowed: Vec<(usize, f64)> = eligible
        .iter()
        .copied()
        .filter(|&(u, _)| allowed(units, selection, rules, chosen, u))
        .collect();
    if allowed.is_empty() {
        eligible
    } else {
        allowed
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
        let list = candidates(&self.units, self.selection, &self.rules, &self.chosen);
        let index =
            WeightedIndex::new(list.iter().map(|&(_, w)| w)).expect("validation leaves a unit");
        let u = list[index.sample(rng)].0;
        self.chosen.push(u);
        self.entity[u]
    }
}
