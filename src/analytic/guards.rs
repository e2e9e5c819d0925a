//! `random` selection with entry guards (docs/model.md, docs/scenarios.md).
//!
//! Derivation. A guard set holds K guards of the target set T (an entity or a coalition with
//! share a of the weight; in a finite pool, A of N servers, a = A/N). In an infinite pool the G
//! guards are independent draws by share, so K ~ Binomial(G, a); in a finite pool they are G
//! distinct servers drawn uniformly, so K ~ Hypergeometric(N, A, G). A path's first hop is a
//! uniform guard, adversarial with probability K/G given the set; the other hops are drawn as
//! without guards, each in T with probability a independently. So, given K, the paths of one
//! set are independent, each compromised with probability
//!   q_K = (K/G) · a^(k−1),
//! where k is the number of positions the event looks at (full-path h, ends 2, entry 1).
//! - path: E[q_K] = E[K/G] a^(k−1) = a^k — the same as without guards, since a uniform guard
//!   of a uniform (or independent) set is marginally a hop drawn by weight.
//! - client over M paths, sets of L paths: blocks b of length len_b, independent sets, so
//!   P(no compromise) = Π_b Σ_K P(K) (1 − q_K)^len_b (see [`ClientLaw`]).
//! - guard (an adversary server among the guards at some point): 1 − P(K = 0)^R for R sets;
//!   in an infinite pool 1 − (1 − a)^(G·R).
//! - target `any` with one guard: the guard's entity j has probability e_j and then
//!   q_j = e_j^(k−1); the mixture is over entities instead of K. With several guards the
//!   entities of the set interact; no closed form is implemented.

use super::ClosedForm;
use super::client::ClientLaw;
use crate::adversary::Target;
use crate::model::Pool;
use crate::scenario::Scenario;
use crate::select::Selection;

/// ln C(n, k).
fn ln_choose(n: u64, k: u64) -> f64 {
    (0..k)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum()
}

/// P(K = k) for k = 0..=g.
fn k_law(pool: Pool, share: f64, held: u64, total: u64, g: u64) -> Vec<f64> {
    (0..=g)
        .map(|k| match pool {
            Pool::Infinite => {
                (ln_choose(g, k) + k as f64 * share.ln() + (g - k) as f64 * (1.0 - share).ln())
                    .exp()
            }
            Pool::Finite => {
                if k > held || g - k > total - held {
                    0.0
                } else {
                    (ln_choose(held, k) + ln_choose(total - held, g - k) - ln_choose(total, g))
                        .exp()
                }
            }
        })
        .map(|x| if x.is_nan() { 0.0 } else { x })
        .collect()
}

/// The target's share and servers, `None` for `any`.
fn target_share(s: &Scenario) -> Option<(f64, u64)> {
    let members = s.adversary.target.members()?;
    let shares = s.network.entity_shares();
    let servers = s.network.entity_servers();
    Some((
        members.iter().map(|&j| shares[j]).sum::<f64>().min(1.0),
        members.iter().map(|&j| servers[j]).sum(),
    ))
}

/// The derivation above needs guards drawn uniformly (equal server weights, or an infinite
/// pool) and hops drawn by plain weight (no path rules).
fn supported(s: &Scenario) -> Result<(), String> {
    if s.network.is_server_level() && !super::servers::equal_weights(s) || !s.rules.is_plain() {
        Err("no closed form for guards on servers of unequal weights or with path rules".into())
    } else {
        Ok(())
    }
}

/// The law of a guarded client's paths, where a closed form exists.
pub fn client_law(s: &Scenario) -> Result<ClientLaw, String> {
    let guards = s.guards.expect("called for guarded scenarios");
    supported(s)?;
    if s.selection != Selection::Random {
        return Err(format!(
            "no closed form for {} selection with guards",
            s.selection.name()
        ));
    }
    let k = super::event_positions(s.adversary.event, s.hops) as i32;
    let g = guards.count;
    match target_share(s) {
        Some((a, held)) => {
            let k_law = k_law(s.network.pool, a, held, s.network.total_servers(), g);
            let q = (0..=g)
                .map(|kk| kk as f64 / g as f64 * a.powi(k - 1))
                .collect();
            Ok(ClientLaw::Guarded {
                k_law,
                q,
                lifetime: guards.lifetime,
            })
        }
        None if g == 1 => {
            let e = s.network.entity_shares();
            let q = e.iter().map(|x| x.powi(k - 1)).collect();
            Ok(ClientLaw::Guarded {
                k_law: e,
                q,
                lifetime: guards.lifetime,
            })
        }
        None => Err("no closed form for target `any` with more than one guard".into()),
    }
}

/// P(one path is compromised) with guards.
pub fn path(s: &Scenario) -> ClosedForm {
    if let Err(reason) = supported(s) {
        return ClosedForm::Missing(reason);
    }
    match s.selection {
        Selection::Random => super::path_probability_without_guards(s),
        other => ClosedForm::Missing(format!(
            "no closed form for {} selection with guards",
            other.name()
        )),
    }
}

/// P(a guard of the target is among the client's guards at some point in its paths).
pub fn guard_metric(s: &Scenario) -> Option<f64> {
    let guards = s.guards?;
    supported(s).ok()?;
    let sets = guards.sets(s.run.paths) as f64;
    match (&s.adversary.target, target_share(s)) {
        (Target::Any, _) | (_, None) => Some(1.0),
        (_, Some((a, held))) => {
            let p0 = k_law(
                s.network.pool,
                a,
                held,
                s.network.total_servers(),
                guards.count,
            )[0];
            Some(-f64::exp_m1(sets * p0.ln()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Binomial, Discrete, Hypergeometric};

    #[test]
    fn guard_counts_follow_the_hypergeometric_and_binomial_laws() {
        // Finite pool: g guards drawn without replacement from `total` servers, `held` of
        // them the target's; including guard sets larger than the servers outside the target.
        for (total, held, g) in [
            (10, 3, 2),
            (4, 2, 4),
            (5, 1, 5),
            (7, 0, 3),
            (6, 6, 2),
            (9, 4, 7),
        ] {
            let law = k_law(Pool::Finite, 0.0, held, total, g);
            let reference = Hypergeometric::new(total, held, g).unwrap();
            for (k, &x) in law.iter().enumerate() {
                let expected = reference.pmf(k as u64);
                assert!(
                    (x - expected).abs() < 1e-12,
                    "total {total}, held {held}, g {g}, k {k}: {x} vs {expected}"
                );
            }
        }
        for (share, g) in [(0.02, 3), (0.5, 4), (0.9, 1), (1e-6, 2)] {
            let law = k_law(Pool::Infinite, share, 0, 0, g);
            let reference = Binomial::new(share, g).unwrap();
            for (k, &x) in law.iter().enumerate() {
                let expected = reference.pmf(k as u64);
                assert!((x - expected).abs() < 1e-12, "share {share}, g {g}, k {k}");
            }
        }
    }
}
