//! `operator-aware` selection: successive weighted sampling of operators without replacement.
//!
//! Derivation. Hop t picks operator i among those not yet used with probability
//! w_i / (1 − W_used), where weights are normalised and W_used is the weight already in the
//! path. Group operators into classes of equal weight and equal role for the target (member of
//! the target set or not). Picking "some unused operator of class g" then has probability
//! (n_g − c_g) w_g / (1 − Σ_g c_g w_g), where c_g counts the class's operators already used: it
//! depends on the path so far only through the counts c. So the counts form a Markov chain, and
//! P(event) is the total probability of the count sequences whose steps at the event's
//! positions pick member classes. We run that chain exactly, level by level (hop by hop), with a
//! map from counts to probability; this is the exact sum over the entity's ordered operator
//! tuples, with equal-weight operators folded together.
//!
//! - entity or coalition T: the chain above with "member" = operator of an entity in T. With
//!   full-path only member classes are ever stepped into, so the cost is tiny; 0 exactly when T
//!   declares fewer operators than the event has positions.
//! - `any`: the events "all positions in entity j" are disjoint, so P = Σ_j P_j, skipping (as
//!   exactly 0) entities that declare fewer operators than the event's positions.
//!
//! Tractability: the number of count vectors is at most C(G + h, h) for G classes and h hops.
//! Equal-share networks have two classes and cost nothing; the `ends` event with hundreds of
//! distinct weights and many hops can explode. Past [`Limits::DEFAULT`]'s states in a level, or
//! its transitions in all, the closed form is reported missing (verdict
//! `no-closed-form`) with the reason, rather than computed approximately.

use super::ClosedForm;
use crate::adversary::{Event, Target};
use crate::model::Network;
use std::collections::BTreeMap;

/// How far the exact chain may go before the closed form is reported missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most count vectors in one level of the chain.
    pub states: usize,
    /// Most transitions over the whole computation (all entities for `any`).
    pub steps: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        states: 2_000_000,
        steps: 100_000_000,
    };
}

#[derive(Debug, Clone, Copy)]
struct Class {
    weight: f64,
    count: u32,
    member: bool,
}

/// Operators grouped by (weight, membership); weights normalised.
fn classes(weights: &[f64], member: impl Fn(usize) -> bool) -> Vec<Class> {
    let total: f64 = weights.iter().sum();
    let mut by_key: BTreeMap<(u64, bool), u32> = BTreeMap::new();
    for (i, w) in weights.iter().enumerate() {
        *by_key
            .entry(((w / total).to_bits(), member(i)))
            .or_insert(0) += 1;
    }
    by_key
        .into_iter()
        .map(|((w, m), c)| Class {
            weight: f64::from_bits(w),
            count: c,
            member: m,
        })
        .collect()
}

/// P(every position in `positions` is taken by a member class) for the chain over `classes`.
fn chain(
    classes: &[Class],
    positions: u64,
    limits: Limits,
    steps: &mut u64,
) -> Result<f64, String> {
    let last = 63 - positions.leading_zeros() as usize;
    let total: f64 = classes.iter().map(|c| c.weight * c.count as f64).sum();
    let members: Vec<usize> = (0..classes.len()).filter(|&g| classes[g].member).collect();
    let all: Vec<usize> = (0..classes.len()).collect();
    // A state lists (class, used count) for the classes used so far, sorted by class.
    let mut level: BTreeMap<Vec<(u32, u32)>, f64> = BTreeMap::new();
    level.insert(Vec::new(), 1.0);
    for pos in 0..=last {
        let allowed = if positions >> pos & 1 == 1 {
            &members
        } else {
            &all
        };
        let mut next: BTreeMap<Vec<(u32, u32)>, f64> = BTreeMap::new();
        for (state, &p) in &level {
            let used: f64 = state
                .iter()
                .map(|&(g, c)| classes[g as usize].weight * c as f64)
                .sum();
            let remaining = total - used;
            for &g in allowed {
                let c = state
                    .iter()
                    .find(|&&(h, _)| h as usize == g)
                    .map_or(0, |&(_, c)| c);
                let free = classes[g].count - c;
                if free == 0 {
                    continue;
                }
                *steps += 1;
                if *steps > limits.steps {
                    return Err(format!(
                        "the exact operator-aware sum needs more than {} steps",
                        limits.steps
                    ));
                }
                let mut s = state.clone();
                match s.binary_search_by_key(&(g as u32), |&(h, _)| h) {
                    Ok(i) => s[i].1 += 1,
                    Err(i) => s.insert(i, (g as u32, 1)),
                }
                *next.entry(s).or_insert(0.0) += p * free as f64 * classes[g].weight / remaining;
            }
        }
        if next.len() > limits.states {
            return Err(format!(
                "the exact operator-aware sum needs more than {} states per hop",
                limits.states
            ));
        }
        level = next;
    }
    Ok(level.values().sum())
}

/// Probability that one operator-aware path satisfies the event for the target.
pub fn path(network: &Network, target: &Target, event: Event, hops: usize) -> ClosedForm {
    path_within(network, target, event, hops, Limits::DEFAULT)
}

/// [`path`], reported missing past `limits`.
pub fn path_within(
    network: &Network,
    target: &Target,
    event: Event,
    hops: usize,
    limits: Limits,
) -> ClosedForm {
    let weights: Vec<f64> = network.operators.iter().map(|o| o.weight).collect();
    let positions = event.positions(hops);
    let k = positions.count_ones() as usize;
    let entity_ops = network.entity_operator_counts();
    let mut steps = 0u64;
    let result = match target.members() {
        Some(members) => {
            let mut is_member = vec![false; network.entities.len()];
            members.iter().for_each(|&j| is_member[j] = true);
            let declared: usize = members.iter().map(|&j| entity_ops[j]).sum();
            if declared < k {
                Ok(0.0)
            } else {
                chain(
                    &classes(&weights, |i| is_member[network.operators[i].entity]),
                    positions,
                    limits,
                    &mut steps,
                )
            }
        }
        None => {
            let mut sum = 0.0;
            let mut outcome = Ok(());
            for (j, &declared) in entity_ops.iter().enumerate() {
                if declared < k {
                    continue;
                }
                match chain(
                    &classes(&weights, |i| network.operators[i].entity == j),
                    positions,
                    limits,
                    &mut steps,
                ) {
                    Ok(p) => sum += p,
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                }
            }
            outcome.map(|_| sum.min(1.0))
        }
    };
    match result {
        Ok(p) => ClosedForm::Exact(p.clamp(0.0, 1.0)),
        Err(reason) => ClosedForm::Missing(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OperatorSpec, Size, uniform_operators};

    fn sybil(n: u64, owned: usize) -> Network {
        let mut net = Network::from_specs(uniform_operators(n, None)).unwrap();
        let names: Vec<String> = (1..=owned).map(|i| format!("op{i}")).collect();
        net.assign_entity("mallory", &names).unwrap();
        net
    }

    #[test]
    fn sybil_of_three_among_fifty() {
        let net = sybil(50, 3);
        let m = Target::Entity(net.entity_index("mallory").unwrap());
        let p = path(&net, &m, Event::FullPath, 3).value().unwrap();
        assert!((p - 3.0 / 50.0 * 2.0 / 49.0 / 48.0).abs() < 1e-18, "{p}");
        // Only mallory has ≥ 3 operators, so `any` is the same.
        assert_eq!(
            path(&net, &Target::Any, Event::FullPath, 3)
                .value()
                .unwrap(),
            p
        );
        // Ends: first and third among mallory's 3, middle anything else unused.
        let ends = path(&net, &m, Event::Ends, 3).value().unwrap();
        let expected = 3.0 / 50.0 * (2.0 / 49.0 * 1.0 / 48.0 + 47.0 / 49.0 * 2.0 / 48.0);
        assert!((ends - expected).abs() < 1e-17, "{ends} vs {expected}");
    }

    #[test]
    fn zero_when_too_few_operators() {
        let net = Network::from_specs(uniform_operators(50, None)).unwrap();
        assert_eq!(
            path(&net, &Target::Any, Event::FullPath, 3),
            ClosedForm::Exact(0.0)
        );
        assert_eq!(
            path(&net, &Target::Entity(0), Event::Ends, 3),
            ClosedForm::Exact(0.0)
        );
    }

    fn a_b_in_x_and_c() -> Network {
        Network::from_specs(vec![
            OperatorSpec {
                name: "a".into(),
                entity: Some("x".into()),
                size: Size::Share(0.5),
            },
            OperatorSpec {
                name: "b".into(),
                entity: Some("x".into()),
                size: Size::Share(0.3),
            },
            OperatorSpec {
                name: "c".into(),
                entity: None,
                size: Size::Share(0.2),
            },
        ])
        .unwrap()
    }

    #[test]
    fn unequal_weights_by_hand() {
        // Operators a (0.5, entity x), b (0.3, entity x), c (0.2). P(both hops in x):
        // a then b: 0.5 · 0.3/0.5; b then a: 0.3 · 0.5/0.7.
        let net = a_b_in_x_and_c();
        let p = path(&net, &Target::Entity(0), Event::FullPath, 2)
            .value()
            .unwrap();
        assert!((p - (0.5 * 0.3 / 0.5 + 0.3 * 0.5 / 0.7)).abs() < 1e-15);
    }

    #[test]
    fn limits_count_every_transition_and_every_state() {
        // Both hops in x = {a, b}: hop 1 steps into a or b (2 transitions, 2 states), hop 2
        // into the other one (2 transitions, 1 state): 4 transitions, at most 2 states a hop.
        let net = a_b_in_x_and_c();
        let x = Target::Entity(0);
        let within =
            |states, steps| path_within(&net, &x, Event::FullPath, 2, Limits { states, steps });
        let exact = path(&net, &x, Event::FullPath, 2);
        assert!(exact.value().is_some());
        assert_eq!(within(2, 4), exact);
        match within(2, 3) {
            ClosedForm::Missing(reason) => assert!(reason.contains("3 steps"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match within(1, 4) {
            ClosedForm::Missing(reason) => assert!(reason.contains("1 states"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
