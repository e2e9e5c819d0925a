//! Closed forms on server-level networks (servers of their own weights, roles, position
//! weights, subnets).
//!
//! - `random` without distinct subnets: hops are independent and hop i draws server s with
//!   probability w_i(s) / Σ w_i (its weight at that position: 0 without the role, times the
//!   position's multiplier). So hop i's entity is j with probability e_j(i) = Σ_{s of j} w_i(s)
//!   / Σ_s w_i(s), and for the event's positions P: target set T: Π_{i∈P} Σ_{j∈T} e_j(i);
//!   `any`: Σ_j Π_{i∈P} e_j(i). With equal positions this is the plain `random` formula.
//! - `operator-aware` with no per-position roles or weights: a hop picks an operator with
//!   probability proportional to the total weight of its servers among the operators left,
//!   which is the operator-level chain of `operator_aware` with those totals.
//! - `distinct-servers` with servers of equal weight and no per-position rules: the falling
//!   factorials of `distinct`.
//! - Anything else (distinct subnets; unequal weights without replacement; roles with a
//!   policy without replacement) has no closed form here: `no-closed-form`.

use super::ClosedForm;
use crate::adversary::Target;
use crate::scenario::Scenario;
use crate::select::Selection;

pub fn path(s: &Scenario) -> ClosedForm {
    let net = &s.network;
    let adv = &s.adversary;
    if s.rules.distinct_subnets {
        return ClosedForm::Missing("no closed form with distinct-subnets".into());
    }
    let by_position = s.rules.varies_by_position();
    match s.selection {
        Selection::Random => {
            let servers = net.server_list();
            let positions = adv.event.positions(s.hops);
            let shares: Vec<Vec<f64>> = (0..s.hops)
                .filter(|i| positions >> i & 1 == 1)
                .map(|i| {
                    let mut e = vec![0.0; net.entities.len()];
                    for srv in &servers {
                        e[net.operators[srv.operator as usize].entity] += s.rules.weight(i, srv);
                    }
                    let total: f64 = e.iter().sum();
                    e.iter_mut().for_each(|x| *x /= total);
                    e
                })
                .collect();
            let p: f64 = match &adv.target {
                Target::Any => (0..net.entities.len())
                    .map(|j| shares.iter().map(|e| e[j]).product::<f64>())
                    .sum(),
                t => {
                    let members = t.members().expect("a set target");
                    shares
                        .iter()
                        .map(|e| members.iter().map(|&j| e[j]).sum::<f64>().min(1.0))
                        .product()
                }
            };
            ClosedForm::Exact(p.clamp(0.0, 1.0))
        }
        Selection::OperatorAware if !by_position => {
            super::operator_aware::path(net, &adv.target, adv.event, s.hops)
        }
        Selection::DistinctServers if !by_position && equal_weights(s) => {
            ClosedForm::Exact(super::distinct::path(
                &net.entity_servers(),
                net.total_servers(),
                &adv.target,
                adv.event,
                s.hops,
            ))
        }
        other => ClosedForm::Missing(format!(
            "no closed form for {} on servers of unequal weights or with roles",
            other.name()
        )),
    }
}

/// Whether every server weighs the same and no position changes that.
pub fn equal_weights(s: &Scenario) -> bool {
    let servers = s.network.server_list();
    !s.rules.varies_by_position() && servers.windows(2).all(|w| w[0].weight == w[1].weight)
}
