//! Interchangeable units: servers (or, in an infinite pool, operators) that no rule and no
//! target tells apart, grouped into classes so that exact computation and importance sampling
//! walk a few classes instead of every server.
//!
//! Two units are interchangeable when they carry the same label (membership of the target, or
//! for `any` the entity), the same weight, subnet and roles, and — when the policy excludes
//! whole operators of a finite pool — the same operator. Drawing "some unit of class c" then
//! has probability (allowed units of c) × weight / total, exactly the sum of the probabilities
//! of drawing each of them, and the future of the path depends only on how many units of each
//! class it used. A hop records its class and whether it took a unit not yet in the path
//! (`fresh`): when every allowed unit is used the policy falls back to every eligible unit
//! (as [`super::reference::candidates`] does), and may then take a used one again.

use super::reference::units;
use super::{PathRules, Selection};
use crate::adversary::PathTest;
use crate::model::{Network, Pool, Server};
use std::collections::HashMap;

/// What the policy keeps out of a path once used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// Nothing: `random`.
    Nothing,
    /// The unit itself: `distinct-servers`, and `operator-aware` in an infinite pool, where
    /// the units are the operators.
    Units,
    /// Every server of the unit's operator: `operator-aware` in a finite pool.
    Operators,
}

/// A group of interchangeable units.
#[derive(Debug, Clone)]
pub struct Class {
    /// The label the adversary's test reads ([`PathTest::labels`]).
    pub label: u32,
    /// One of the units, for its operator, weight, subnet and roles.
    pub unit: Server,
    pub count: u64,
}

/// One hop of a path walked by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hop {
    pub class: u32,
    /// Whether the hop took a unit not yet in the path (tracked only under
    /// [`Exclusion::Units`]).
    pub fresh: bool,
}

/// A candidate for the next hop with its total weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub hop: Hop,
    pub weight: f64,
}

/// The classes of a network under one policy, rules and adversary.
#[derive(Debug, Clone)]
pub struct Classes {
    pub classes: Vec<Class>,
    pub exclusion: Exclusion,
    pub rules: PathRules,
    /// The adversary's test on labels.
    pub test: PathTest,
    /// Weight of one unit of each class at each position: `weights[position][class]`.
    weights: Vec<Vec<f64>>,
}

impl Classes {
    pub fn new(
        network: &Network,
        selection: Selection,
        rules: &PathRules,
        test: &PathTest,
        hops: usize,
    ) -> Classes {
        let exclusion = match (selection, network.pool) {
            (Selection::Random, _) => Exclusion::Nothing,
            // `tor` circuits have their own sums (analytic::tor); as units, no relay twice.
            (Selection::DistinctServers | Selection::Tor, _)
            | (Selection::OperatorAware, Pool::Infinite) => Exclusion::Units,
            (Selection::OperatorAware, Pool::Finite) => Exclusion::Operators,
        };
        let labels = test.labels(network);
        let mut classes: Vec<Class> = Vec::new();
        let mut index: HashMap<(u32, u64, Option<u32>, u32, u32), usize> = HashMap::new();
        for unit in units(network) {
            let label = labels[unit.operator as usize];
            let operator = if exclusion == Exclusion::Operators {
                unit.operator
            } else {
                u32::MAX
            };
            let key = (
                label,
                unit.weight.to_bits(),
                unit.subnet,
                unit.roles,
                operator,
            );
            match index.get(&key) {
                Some(&c) => classes[c].count += 1,
                None => {
                    index.insert(key, classes.len());
                    classes.push(Class {
                        label,
                        unit,
                        count: 1,
                    });
                }
            }
        }
        let weights = (0..hops.max(1))
            .map(|i| classes.iter().map(|c| rules.weight(i, &c.unit)).collect())
            .collect();
        Classes {
            classes,
            exclusion,
            rules: rules.clone(),
            test: test.on_labels(),
            weights,
        }
    }

    pub fn label(&self, hop: Hop) -> u32 {
        self.classes[hop.class as usize].label
    }

    /// Weight of one unit of class `c` at hop `position`.
    pub fn weight(&self, position: usize, c: usize) -> f64 {
        self.weights[position][c]
    }

    /// Units of class `c` taken fresh by the hops of `prefix`.
    fn used(prefix: &[Hop], c: usize) -> u64 {
        prefix
            .iter()
            .filter(|h| h.class as usize == c && h.fresh)
            .count() as u64
    }

    /// Whether the subnet rule keeps class `c` out of the hop after `prefix`.
    fn subnet_taken(&self, prefix: &[Hop], c: usize) -> bool {
        let from = self.rules.subnets_from;
        let Some(subnet) = self.classes[c].unit.subnet else {
            return false;
        };
        self.rules.distinct_subnets
            && prefix.len() >= from
            && prefix[from..]
                .iter()
                .any(|h| self.classes[h.class as usize].unit.subnet == Some(subnet))
    }

    /// Units of class `c` the policy and the subnet rule allow after `prefix` (its weight at
    /// the position aside).
    pub fn allowed(&self, prefix: &[Hop], c: usize) -> u64 {
        let class = &self.classes[c];
        if self.subnet_taken(prefix, c) {
            return 0;
        }
        match self.exclusion {
            Exclusion::Nothing => class.count,
            Exclusion::Units => class.count - Self::used(prefix, c),
            Exclusion::Operators => {
                let taken = prefix
                    .iter()
                    .any(|h| self.classes[h.class as usize].unit.operator == class.unit.operator);
                if taken { 0 } else { class.count }
            }
        }
    }

    /// The candidates for the hop after `prefix` with their weights, by the policy's
    /// definition (docs/model.md, docs/scenarios.md): written to `out`, replacing what it held.
    pub fn candidates(&self, prefix: &[Hop], out: &mut Vec<Candidate>) {
        out.clear();
        let position = prefix.len();
        let fresh = self.exclusion == Exclusion::Units;
        let mut push = |c: usize, count: u64, fresh: bool| {
            if count > 0 {
                out.push(Candidate {
                    hop: Hop {
                        class: c as u32,
                        fresh,
                    },
                    weight: count as f64 * self.weights[position][c],
                });
            }
        };
        let eligible = |c: &usize| self.weights[position][*c] > 0.0;
        let mut any = false;
        for c in (0..self.classes.len()).filter(eligible) {
            let count = self.allowed(prefix, c);
            any |= count > 0;
            push(c, count, fresh);
        }
        if any {
            return;
        }
        // Nothing allowed: every unit eligible at the position, used ones included.
        for c in (0..self.classes.len()).filter(eligible) {
            let used = if fresh { Self::used(prefix, c) } else { 0 };
            push(c, self.classes[c].count - used, fresh);
            push(c, used, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adversary::{Adversary, Event, Target};
    use crate::model::{OperatorSpec, Size};

    fn network(servers: &[u64]) -> Network {
        Network::from_specs(
            servers
                .iter()
                .enumerate()
                .map(|(i, &n)| OperatorSpec {
                    name: format!("op{i}"),
                    entity: None,
                    size: Size::Servers(n),
                })
                .collect(),
        )
        .unwrap()
    }

    fn classes(net: &Network, selection: Selection, target: Target) -> Classes {
        let adversary = Adversary {
            target,
            event: Event::FullPath,
        };
        let test = PathTest::new(net, &adversary, 3);
        Classes::new(net, selection, &PathRules::default(), &test, 3)
    }

    #[test]
    fn servers_outside_the_target_merge_into_one_class() {
        let net = network(&[2, 3, 5]);
        let c = classes(&net, Selection::DistinctServers, Target::Entity(0));
        let counts: Vec<(u32, u64)> = c.classes.iter().map(|c| (c.label, c.count)).collect();
        assert_eq!(counts, vec![(1, 2), (0, 8)]);
    }

    #[test]
    fn operator_aware_keeps_operators_apart_in_a_finite_pool() {
        let net = network(&[2, 3, 5]);
        let c = classes(&net, Selection::OperatorAware, Target::Entity(0));
        assert_eq!(c.classes.len(), 3);
        let mut out = Vec::new();
        let first = Hop {
            class: 1,
            fresh: false,
        };
        c.candidates(&[first], &mut out);
        let weights: Vec<f64> = out.iter().map(|x| x.weight).collect();
        assert_eq!(weights, vec![2.0, 5.0]);
    }

    #[test]
    fn distinct_servers_count_down_used_units_and_fall_back_when_none_is_left() {
        let net = network(&[1, 1]);
        let c = classes(&net, Selection::DistinctServers, Target::Any);
        let mut out = Vec::new();
        let a = Hop {
            class: 0,
            fresh: true,
        };
        let b = Hop {
            class: 1,
            fresh: true,
        };
        c.candidates(&[a], &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].hop, b);
        c.candidates(&[a, b], &mut out);
        // Both servers used: each may be taken again, not fresh.
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|x| !x.hop.fresh && x.weight == 1.0));
    }
}
