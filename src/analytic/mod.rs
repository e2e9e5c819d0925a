//! Closed forms: the exact probability of every metric that has one, one file per policy, and
//! an exhaustive enumerator of tiny networks that the tests use as an independent oracle.
//!
//! A closed form is never filled in from a simulation: where none is implemented, or the exact
//! sum is too large to evaluate, the answer is [`ClosedForm::Missing`] with the reason.

pub mod client;
pub(crate) mod distinct;
pub mod enumerate;
pub(crate) mod guards;
pub(crate) mod operator_aware;
pub(crate) mod random;
pub(crate) mod servers;
pub mod tor;

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
    if scenario.selection == Selection::Tor {
        return match tor::law(scenario) {
            Ok(law) => ClosedForm::Exact(law.path),
            Err(why) => ClosedForm::Missing(why),
        };
    }
    if scenario.guards.is_some() {
        return guards::path(scenario);
    }
    path_probability_without_guards(scenario)
}

/// The exact law of every metric of a scenario: the one entry point through which reports,
/// check, sweep (its CSV and its plot), solve and the CDF get a closed form. Built from the
/// path probability in use (which a test may make wrong on purpose, see [`Laws::given`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Laws {
    /// One path is compromised.
    pub path: Option<f64>,
    /// The law of a client's paths, from which the client and first metrics follow:
    /// independent paths with probability `path`, or with guards, the guard closed forms.
    pub client: Option<client::ClientLaw>,
    /// With guards: a client had a guard of the target at some point.
    pub guard: Option<f64>,
    /// Paths per client, at which the client metric is taken.
    paths: u64,
}

impl Laws {
    /// The laws of `scenario` under its closed forms.
    pub fn of(scenario: &Scenario) -> Laws {
        if scenario.selection == Selection::Tor {
            // One evaluation of the tor sums gives the path and the client law.
            let law = tor::law(scenario).ok();
            return Laws::of_tor(scenario, law.as_ref().map(|l| l.path), law);
        }
        Laws::given(scenario, path_probability(scenario).value())
    }

    /// The laws of a tor scenario whose path probability in use is `p`, from its sums.
    fn of_tor(scenario: &Scenario, p: Option<f64>, law: Option<tor::TorLaw>) -> Laws {
        let (client, guard) = match (scenario.guards, law) {
            (Some(_), Some(l)) => (Some(l.law), l.guard),
            (Some(_), None) => (None, None),
            // A series: independent paths, each with its consensus' probability.
            (None, Some(l)) if matches!(l.law, client::ClientLaw::Piecewise { .. }) => {
                (Some(l.law), None)
            }
            (None, _) => (p.map(|p| client::ClientLaw::Independent { p }), None),
        };
        Laws {
            path: p,
            client,
            guard,
            paths: scenario.run.paths,
        }
    }

    /// The laws when the path probability in use is `p`.
    pub fn given(scenario: &Scenario, p: Option<f64>) -> Laws {
        if scenario.selection == Selection::Tor {
            let law = if scenario.guards.is_some() || scenario.series.is_some() {
                tor::law(scenario).ok()
            } else {
                None
            };
            return Laws::of_tor(scenario, p, law);
        }
        Laws {
            path: p,
            client: match scenario.guards {
                None => p.map(|p| client::ClientLaw::Independent { p }),
                Some(_) => guards::client_law(scenario).ok(),
            },
            guard: scenario.guards.and_then(|_| guards::guard_metric(scenario)),
            paths: scenario.run.paths,
        }
    }

    /// The closed form of `metric` as every report prints it: `client` at the scenario's
    /// paths per client, `first` the median paths until the first compromised one;
    /// `path-importance` is `path`.
    pub fn metric(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Path | Metric::PathImportance => self.path,
            Metric::Client => self.client.as_ref().map(|l| l.cdf(self.paths)),
            Metric::First => self.client.as_ref()?.median().map(|k| k as f64),
            Metric::Guard => self.guard,
        }
    }
}

/// The closed form of `metric` for `scenario` (see [`Laws::metric`]).
pub fn closed_form(scenario: &Scenario, metric: Metric) -> Option<f64> {
    Laws::of(scenario).metric(metric)
}

/// As [`closed_form`] when the path probability in use is `p` (see [`Laws::given`]).
pub fn closed_form_given(scenario: &Scenario, p: Option<f64>, metric: Metric) -> Option<f64> {
    Laws::given(scenario, p).metric(metric)
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
        Selection::Tor => match tor::law(scenario) {
            Ok(law) => ClosedForm::Exact(law.path),
            Err(why) => ClosedForm::Missing(why),
        },
    }
}

/// Number of hop positions an event looks at in a path of `hops` hops.
pub fn event_positions(event: crate::adversary::Event, hops: usize) -> u32 {
    event.positions(hops).count_ones()
}
