//! Closed forms: the exact probability of every metric that has one, one file per policy, and
//! an exhaustive enumerator of tiny networks that the tests use as an independent oracle.
//!
//! A closed form is never filled in from a simulation: where none is implemented, or the exact
//! sum is too large to evaluate, the answer is [`ClosedForm::Missing`] with the reason.

pub mod client;
pub mod distinct;
pub mod enumerate;
pub mod operator_aware;
pub mod random;

use crate::model::Pool;
use crate::scenario::Scenario;
use crate::select::Selection;

/// The exact value of a probability, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum ClosedForm {
    Exact(f64),
    Missing(String),
}

impl ClosedForm {
    pub fn value(&self) -> Option<f64> {
        match self {
            ClosedForm::Exact(v) => Some(*v),
            ClosedForm::Missing(_) => None,
        }
    }
}

/// Probability that one path of `scenario` is compromised.
pub fn path_probability(scenario: &Scenario) -> ClosedForm {
    let net = &scenario.network;
    let adv = &scenario.adversary;
    match scenario.selection {
        Selection::Random => ClosedForm::Exact(random::path(
            &net.entity_shares(),
            &adv.target,
            adv.event,
            scenario.hops,
        )),
        Selection::DistinctServers => match net.pool {
            Pool::Finite => ClosedForm::Exact(distinct::path(
                &net.entity_servers(),
                net.total_servers(),
                &adv.target,
                adv.event,
                scenario.hops,
            )),
            Pool::Infinite => ClosedForm::Missing("distinct-servers needs a finite pool".into()),
        },
        Selection::OperatorAware => {
            operator_aware::path(net, &adv.target, adv.event, scenario.hops)
        }
    }
}

/// Number of hop positions an event looks at in a path of `hops` hops.
pub fn event_positions(event: crate::adversary::Event, hops: usize) -> u32 {
    event.positions(hops).count_ones()
}
