//! Closed forms: the exact probability of every metric that has one, one file per policy, and
//! an exhaustive enumerator of tiny networks that the tests use as an independent oracle.
//!
//! A closed form is never filled in from a simulation: where none is implemented, or the exact
//! sum is too large to evaluate, the answer is [`ClosedForm::Missing`] with the reason.

pub mod client;
pub mod distinct;
pub mod enumerate;
pub mod guards;
pub mod operator_aware;
pub mod random;
pub mod servers;

use crate::metric::Metric;
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
    if scenario.guards.is_some() {
        return guards::path(scenario);
    }
    path_probability_without_guards(scenario)
}

/// The law of a client's paths, from which the client and first metrics follow.
pub fn client_law(scenario: &Scenario) -> Result<client::ClientLaw, String> {
    match scenario.guards {
        Some(_) => guards::client_law(scenario),
        None => match path_probability(scenario) {
            ClosedForm::Exact(p) => Ok(client::ClientLaw::Independent { p }),
            ClosedForm::Missing(r) => Err(r),
        },
    }
}

/// The client law when the path probability in use is `p` (which a test may have made
/// wrong on purpose): independent paths with that p, or with guards, the guard closed forms.
pub fn client_law_given(scenario: &Scenario, p: Option<f64>) -> Option<client::ClientLaw> {
    match scenario.guards {
        None => p.map(|p| client::ClientLaw::Independent { p }),
        Some(_) => guards::client_law(scenario).ok(),
    }
}

/// The closed form of `metric` (`client` at the scenario's paths per client, `first` the
/// median paths until the first compromised one; `path-importance` is `path`) as every report
/// prints it: reports, check, sweep (its CSV and its plot) and solve take it from here.
pub fn closed_form(scenario: &Scenario, metric: Metric) -> Option<f64> {
    closed_form_given(scenario, path_probability(scenario).value(), metric)
}

/// As [`closed_form`] when the path probability in use is `p` (see [`client_law_given`]).
pub fn closed_form_given(scenario: &Scenario, p: Option<f64>, metric: Metric) -> Option<f64> {
    match metric {
        Metric::Path | Metric::PathImportance => p,
        Metric::Client => client_law_given(scenario, p).map(|l| l.cdf(scenario.run.paths)),
        Metric::First => client_law_given(scenario, p)?.median().map(|k| k as f64),
        Metric::Guard => scenario.guards.and_then(|_| guards::guard_metric(scenario)),
    }
}

/// Probability that one path is compromised when every hop is drawn by the policy.
pub fn path_probability_without_guards(scenario: &Scenario) -> ClosedForm {
    if scenario.network.is_server_level() || !scenario.rules.is_plain() {
        return servers::path(scenario);
    }
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
