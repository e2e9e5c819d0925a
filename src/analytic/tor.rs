//! The `tor` policy's exact sums (docs/tor.md): every metric of a circuit and of a client
//! with one primary guard, as finite sums over the relays with per-relay normalisers.
//!
//! Derivation. Write w_p(r) for relay r's weight at position p (0 where it is not eligible),
//! W_p = Σ_r w_p(r), C(r) for the relays that conflict with r (r itself, its family, its /16
//! and IPv6 /32) and, for a set A, Z_p(A) = W_p − Σ_{r∈A} w_p(r): the weight left at p once A
//! is excluded (when nothing is left, the hop takes any relay eligible there: Z_p = W_p and
//! nothing is excluded). The event looks at a set L of positions; t_p(r) is 1 when p ∉ L and
//! r's membership of the target when p ∈ L, and S_p(A) = Σ_{r∈A} w_p(r) t_p(r). A circuit draws
//! positions a, b (exit and guard, in the scenario's order), then the middle:
//!
//!   P = Σ_x w_a(x) t_a(x) / W_a · I(x),
//!   I(x) = Σ_{y∉C(x)} w_b(y) t_b(y) M(x, y) / Z_b(C(x)),
//!   M(x, y) = (S_M(all) − S_M(C(x) ∪ C(y))) / Z_M(C(x) ∪ C(y)).
//!
//! When the event does not look at the middle, M = 1 and I(x) = (S_b(all) − S_b(C(x))) /
//! Z_b(C(x)), a sum over C(x) only; else the sum runs over the target's relays at b. Cost:
//! Σ_x |C(x)| (plus the target's relays × |C| for full-path): milliseconds on 7,000 relays.
//!
//! With one primary guard g (kept for `lifetime` paths), exit first: the exit e is drawn by
//! exit weight; the circuit takes g unless g ∈ C(e), and then a guard by weight among those e
//! allows (tor's next guard, modelled as a fresh draw). So
//!   q(g) = t_G(g) Σ_{e∉C(g)} w_E(e) t_E(e) M(e, g) / W_E + Σ_{e∈C(g)} w_E(e) t_E(e) I(e) / W_E,
//! and guard first, q(g) = t_G(g) · I(g) with a = G. Given g, a client's circuits are
//! independent, each compromised with probability q(g): the mixture law
//! [`ClientLaw::Guarded`] with P(g) = w_G(g) / W_G. Several primary guards interact through
//! the exits they conflict with; no sum is implemented for them.
//!
//! Target `any` (each relay its own entity): with one looked-at position, every circuit; with
//! more, the same relay at two positions, which only the fallback above allows: the sums
//! answer 0 where no fallback can occur and decline otherwise.

use super::client::{ClientLaw, GuardMixture};
use crate::adversary::Target;
use crate::model::tor::{EXIT, GUARD, MIDDLE, Order, TorRelays};
use crate::scenario::Scenario;

/// Every metric of a `tor` scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct TorLaw {
    /// P(a circuit is compromised) (with a guard: a fresh client's circuit).
    pub path: f64,
    pub law: ClientLaw,
    /// With guards: P(a guard of the target among the client's guards at some point).
    pub guard: Option<f64>,
}

/// The sums over one network, target and event.
struct Sums<'a> {
    relays: &'a TorRelays,
    /// C(r) for every relay, computed once.
    conflicts: Vec<Vec<u32>>,
    /// Per position: t_p(r) (1 where the event does not look at p).
    t: [Vec<bool>; 3],
    /// W_p and S_p(all).
    total: [f64; 3],
    target: [f64; 3],
    /// Relays eligible at each position.
    eligible: [usize; 3],
    middle: bool,
}

impl Sums<'_> {
    fn conflicts(&self, r: usize) -> &[u32] {
        &self.conflicts[r]
    }

    /// Z_p(A) and S_p(A) for a set A, or `None` when A excludes every eligible relay (the
    /// fallback: nothing excluded).
    fn left(&self, p: usize, avoid: &[u32]) -> Option<(f64, f64)> {
        let w = &self.relays.weights[p];
        let (mut excluded, mut weight, mut target) = (0usize, 0.0, 0.0);
        for &r in avoid {
            let r = r as usize;
            if w[r] > 0.0 {
                excluded += 1;
                weight += w[r];
                if self.t[p][r] {
                    target += w[r];
                }
            }
        }
        (excluded < self.eligible[p]).then(|| (self.total[p] - weight, self.target[p] - target))
    }

    /// The probability that a drawn middle carries t_M, given the relays in `avoid`.
    fn middle(&self, avoid: &[u32]) -> f64 {
        if !self.middle {
            return 1.0;
        }
        match self.left(MIDDLE, avoid) {
            Some((z, s)) => s / z,
            None => self.target[MIDDLE] / self.total[MIDDLE],
        }
    }

    /// I(x): P(the positions after x carry t) when x was drawn at the first position and
    /// `b` comes second.
    fn after(&self, x: usize, b: usize, cx: &[u32]) -> f64 {
        let left = self.left(b, cx);
        if !self.middle {
            return match left {
                Some((z, s)) => s / z,
                None => self.target[b] / self.total[b],
            };
        }
        let w = &self.relays.weights[b];
        let mut sum = 0.0;
        for (y, &wy) in w.iter().enumerate() {
            if wy <= 0.0 || !self.t[b][y] {
                continue;
            }
            if left.is_some() && self.relays.conflict(x, y) {
                continue;
            }
            sum += wy * self.middle(&union(cx, self.conflicts(y)));
        }
        sum / left.map_or(self.total[b], |(z, _)| z)
    }
}

/// The sorted union of two sorted lists.
fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                i += 1;
                j += 1;
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => unreachable!(),
        };
        out.push(next);
    }
    out
}

/// Every metric of `scenario`, a `tor` scenario, or why there is no sum.
pub fn law(scenario: &Scenario) -> Result<TorLaw, String> {
    let relays = scenario
        .tor
        .as_deref()
        .ok_or("the tor policy needs a tor network")?;
    let event = scenario.adversary.event;
    let looks = |p: usize| event.positions(3) >> p & 1 == 1;
    let n = relays.len();
    let member: Vec<bool> = match &scenario.adversary.target {
        Target::Any => return law_of_any(scenario, relays),
        target => {
            let members = target.members().unwrap_or(&[]);
            (0..n)
                .map(|r| members.contains(&scenario.network.operators[r].entity))
                .collect()
        }
    };
    let t: [Vec<bool>; 3] = std::array::from_fn(|p| {
        if looks(p) {
            member.clone()
        } else {
            vec![true; n]
        }
    });
    let total: [f64; 3] = std::array::from_fn(|p| relays.weights[p].iter().sum());
    let target: [f64; 3] = std::array::from_fn(|p| {
        relays.weights[p]
            .iter()
            .zip(&t[p])
            .filter(|(_, t)| **t)
            .map(|(w, _)| w)
            .sum()
    });
    let eligible: [usize; 3] =
        std::array::from_fn(|p| relays.weights[p].iter().filter(|&&w| w > 0.0).count());
    let sums = Sums {
        relays,
        conflicts: {
            let groups = relays.groups();
            (0..n).map(|r| relays.conflicts_of(r, &groups)).collect()
        },
        t,
        total,
        target,
        eligible,
        middle: looks(MIDDLE),
    };
    let (a, b) = match relays.rules.order {
        Order::ExitFirst => (EXIT, GUARD),
        Order::GuardFirst => (GUARD, EXIT),
    };
    // I(x) for every x that can come first and count.
    let first = |x: usize| -> f64 {
        let w = relays.weights[a][x];
        if w <= 0.0 || !sums.t[a][x] {
            return 0.0;
        }
        w / total[a] * sums.after(x, b, sums.conflicts(x))
    };
    let Some(guards) = scenario.guards else {
        let path = (0..n).map(first).sum();
        return Ok(TorLaw {
            path,
            law: ClientLaw::Independent { p: path },
            guard: None,
        });
    };
    if guards.count != 1 {
        return Err(format!(
            "the exact sums of the tor policy take one primary guard per client, not {}; use \
             --method monte-carlo",
            guards.count
        ));
    }
    // q(g) for every guard g.
    let q: Vec<f64> = match relays.rules.order {
        Order::GuardFirst => (0..n)
            .map(|g| {
                if relays.weights[GUARD][g] <= 0.0 || !sums.t[GUARD][g] {
                    0.0
                } else {
                    sums.after(g, EXIT, sums.conflicts(g))
                }
            })
            .collect(),
        Order::ExitFirst => {
            // F(e) = I(e) for the exits the fallback can meet, weighted.
            let we = &relays.weights[EXIT];
            let fresh: Vec<f64> = (0..n).map(first).collect();
            (0..n)
                .map(|g| {
                    if relays.weights[GUARD][g] <= 0.0 {
                        return 0.0;
                    }
                    let cg = sums.conflicts(g);
                    // Exits that conflict with g send the circuit to a fresh guard.
                    let conflicting: f64 = cg.iter().map(|&e| fresh[e as usize]).sum();
                    if !sums.t[GUARD][g] {
                        return conflicting;
                    }
                    let kept = if sums.middle {
                        (0..n)
                            .filter(|&e| we[e] > 0.0 && sums.t[EXIT][e] && !relays.conflict(e, g))
                            .map(|e| we[e] * sums.middle(&union(sums.conflicts(e), cg)))
                            .sum::<f64>()
                            / total[EXIT]
                    } else {
                        let s: f64 = cg
                            .iter()
                            .map(|&e| e as usize)
                            .filter(|&e| sums.t[EXIT][e])
                            .map(|e| we[e])
                            .sum();
                        (target[EXIT] - s) / total[EXIT]
                    };
                    kept + conflicting
                })
                .collect()
        }
    };
    Ok(mixture(relays, &q, &member, guards, scenario.run.paths))
}

/// The client law of one primary guard: one component per (q, whether the guard is the
/// target's), each with the guard weight of its guards.
fn mixture(
    relays: &TorRelays,
    q: &[f64],
    member: &[bool],
    guards: crate::scenario::Guards,
    paths: u64,
) -> TorLaw {
    let wg = &relays.weights[GUARD];
    let total: f64 = wg.iter().sum();
    let mut components: std::collections::BTreeMap<(u64, bool), f64> = Default::default();
    for g in (0..wg.len()).filter(|&g| wg[g] > 0.0) {
        *components.entry((q[g].to_bits(), member[g])).or_insert(0.0) += wg[g] / total;
    }
    let mixture = GuardMixture::of(&components, guards.lifetime);
    TorLaw {
        path: mixture.path,
        law: mixture.law,
        guard: Some(1.0 - mixture.clean.powf(guards.sets(paths) as f64)),
    }
}

/// Target `any`: see the module's notes.
fn law_of_any(scenario: &Scenario, relays: &TorRelays) -> Result<TorLaw, String> {
    let looked = scenario.adversary.event.positions(3).count_ones();
    let p = if looked == 1 {
        1.0
    } else {
        // The same relay twice needs the fallback, which needs a position whose eligible
        // relays all conflict with one relay or two.
        let groups = relays.groups();
        let eligible: [usize; 3] =
            std::array::from_fn(|p| relays.weights[p].iter().filter(|&&w| w > 0.0).count());
        let excluded = |p: usize, r: usize| {
            relays
                .conflicts_of(r, &groups)
                .iter()
                .filter(|&&x| relays.weights[p][x as usize] > 0.0)
                .count()
        };
        let most: [usize; 3] =
            std::array::from_fn(|p| (0..relays.len()).map(|r| excluded(p, r)).max().unwrap_or(0));
        if (0..3).any(|p| 2 * most[p] >= eligible[p]) {
            return Err(
                "target `any` on a network this small: a position may run out of allowed relays, \
                 and no sum is implemented for that; use --method monte-carlo"
                    .into(),
            );
        }
        0.0
    };
    let guard = scenario.guards.map(|_| 1.0);
    if let Some(g) = scenario.guards
        && g.count != 1
    {
        return Err(format!(
            "the exact sums of the tor policy take one primary guard per client, not {}; use \
             --method monte-carlo",
            g.count
        ));
    }
    Ok(TorLaw {
        path: p,
        law: match scenario.guards {
            None => ClientLaw::Independent { p },
            Some(g) => ClientLaw::Guarded {
                k_law: vec![1.0],
                q: vec![p],
                lifetime: g.lifetime,
            },
        },
        guard,
    })
}

#[cfg(test)]
mod tests {
    use super::union;

    #[test]
    fn union_merges_sorted_lists() {
        assert_eq!(union(&[1, 3, 5], &[2, 3, 6]), vec![1, 2, 3, 5, 6]);
        assert_eq!(union(&[], &[4]), vec![4]);
        assert_eq!(union(&[4], &[]), vec![4]);
    }
}
