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
//! The target is a focus: the relays t marks. Under `any` (entities are family components,
//! or whatever `[network.entities]` made them) the events "entity k holds every looked-at
//! hop" are disjoint, so each sum above is the sum over the entities of the same sum with the
//! focus on that entity: I(x) under x's own entity, and q(g) = (g's entity's part) + the
//! fresh-guard part Σ_{e∈C(g)} w_E(e) I(e) / W_E with each I(e) under e's entity. The cost is
//! that of one target. With one looked-at position every circuit counts.

use super::client::{ClientLaw, GuardMixture};
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

/// The sums over one network and event, for one focus: the relays whose label is `current`
/// are the target (t_p above); moving the focus over every entity sums `any`.
struct Sums<'a> {
    relays: &'a TorRelays,
    /// C(r) for every relay, computed once.
    conflicts: Vec<Vec<u32>>,
    /// The positions the event looks at.
    looks: [bool; 3],
    /// Each relay's label; the focus' relays carry `current`.
    label: Vec<u32>,
    current: u32,
    /// The focus' relays, sorted.
    members: Vec<usize>,
    /// W_p and S_p(all) of the focus.
    total: [f64; 3],
    target: [f64; 3],
    /// Relays eligible at each position.
    eligible: [usize; 3],
}

impl Sums<'_> {
    fn conflicts(&self, r: usize) -> &[u32] {
        &self.conflicts[r]
    }

    /// t_p(r).
    #[inline]
    fn t(&self, p: usize, r: usize) -> bool {
        !self.looks[p] || self.label[r] == self.current
    }

    /// Moves the focus to the relays labelled `current`.
    fn focus(&mut self, current: u32, members: Vec<usize>) {
        self.current = current;
        self.target = std::array::from_fn(|p| {
            if self.looks[p] {
                members.iter().map(|&r| self.relays.weights[p][r]).sum()
            } else {
                self.total[p]
            }
        });
        self.members = members;
    }

    /// The relays that can carry t_p: the focus where p is looked at, else every relay.
    fn candidates(&self, p: usize) -> Box<dyn Iterator<Item = usize> + '_> {
        if self.looks[p] {
            Box::new(self.members.iter().copied())
        } else {
            Box::new(0..self.relays.len())
        }
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
                if self.t(p, r) {
                    target += w[r];
                }
            }
        }
        (excluded < self.eligible[p]).then(|| (self.total[p] - weight, self.target[p] - target))
    }

    /// The probability that a drawn middle carries t_M, given the relays in `avoid`.
    fn middle(&self, avoid: &[u32]) -> f64 {
        if !self.looks[MIDDLE] {
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
        if !self.looks[MIDDLE] {
            return match left {
                Some((z, s)) => s / z,
                None => self.target[b] / self.total[b],
            };
        }
        let w = &self.relays.weights[b];
        let mut sum = 0.0;
        for y in self.candidates(b) {
            let wy = w[y];
            if wy <= 0.0 || !self.t(b, y) {
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

/// Every metric of a scenario on a series of consensuses: without guards a client's paths
/// are independent, path k compromised with the probability p_c of the consensus c that
/// holds at its time (the sums below, per consensus), so the client law is piecewise
/// geometric and the path metric the mean of p over the client's paths. With guards a
/// client's circuits depend on its whole sampled set (20 guards drawn by weight, replaced as
/// relays leave the consensuses, confirmed as they are used): its law is a mixture over every
/// ordered sample, which is not summed here.
fn series_law(scenario: &Scenario) -> Result<TorLaw, String> {
    let series = scenario.series.as_ref().expect("a series");
    if scenario.guards.is_some() {
        return Err(
            "with guards through a series of consensuses the client's law is a \
                    mixture over every ordered sample of 20 guards as relays come and go, \
                    which is not summed; per consensus, `sweep --over consensus` has the exact \
                    circuit probabilities"
                .into(),
        );
    }
    let paths = scenario.run.paths;
    let schedule = series.schedule(paths, scenario.paths_per_day.unwrap_or(1.0));
    let mut segments = Vec::with_capacity(schedule.len());
    for &(first, c) in &schedule {
        segments.push((first, law(&scenario.at_consensus(c))?.path));
    }
    if let [(_, p)] = segments[..] {
        return Ok(TorLaw {
            path: p,
            law: ClientLaw::Independent { p },
            guard: None,
        });
    }
    let path = segments
        .iter()
        .enumerate()
        .map(|(i, &(first, p))| {
            let end = segments.get(i + 1).map_or(paths, |s| s.0);
            (end - first) as f64 * p
        })
        .sum::<f64>()
        / paths as f64;
    Ok(TorLaw {
        path,
        law: ClientLaw::Piecewise { segments },
        guard: None,
    })
}

/// Every metric of `scenario`, a `tor` scenario, or why there is no sum.
pub fn law(scenario: &Scenario) -> Result<TorLaw, String> {
    if scenario.series.is_some() {
        return series_law(scenario);
    }
    let relays = scenario
        .tor
        .as_deref()
        .ok_or("the tor policy needs a tor network")?;
    if let Some(g) = scenario.guards
        && g.count != 1
    {
        return Err(format!(
            "the exact sums of the tor policy take one primary guard per client, not {}; use \
             --method monte-carlo",
            g.count
        ));
    }
    let positions = scenario.adversary.event.positions(3);
    let looks: [bool; 3] = std::array::from_fn(|p| positions >> p & 1 == 1);
    let n = relays.len();
    let entity = |r: usize| scenario.network.operators[r].entity;
    // The foci: the target's relays (label 1), or under `any` every entity's (label = entity).
    let (label, foci): (Vec<u32>, Vec<Vec<usize>>) = match scenario.adversary.target.members() {
        Some(members) => {
            let label: Vec<u32> = (0..n)
                .map(|r| u32::from(members.contains(&entity(r))))
                .collect();
            let focus = (0..n).filter(|&r| label[r] == 1).collect();
            (label, vec![focus])
        }
        None => {
            let mut foci = vec![Vec::new(); scenario.network.entities.len()];
            for r in 0..n {
                foci[entity(r)].push(r);
            }
            ((0..n).map(|r| entity(r) as u32).collect(), foci)
        }
    };
    let any = scenario.adversary.target.members().is_none();
    let total: [f64; 3] = std::array::from_fn(|p| relays.weights[p].iter().sum());
    let mut sums = Sums {
        relays,
        conflicts: {
            let groups = relays.groups();
            (0..n).map(|r| relays.conflicts_of(r, &groups)).collect()
        },
        looks,
        label,
        current: 1,
        members: Vec::new(),
        total,
        target: total,
        eligible: std::array::from_fn(|p| relays.weights[p].iter().filter(|&&w| w > 0.0).count()),
    };
    let (a, b) = match relays.rules.order {
        Order::ExitFirst => (EXIT, GUARD),
        Order::GuardFirst => (GUARD, EXIT),
    };
    // I(x) for x drawn first, under the focus.
    let first = |sums: &Sums, x: usize| -> f64 {
        let w = relays.weights[a][x];
        if w <= 0.0 || !sums.t(a, x) {
            return 0.0;
        }
        w / total[a] * sums.after(x, b, sums.conflicts(x))
    };
    // Per relay: I(x) summed over the foci (the foci's events are disjoint); and with a guard,
    // the part of q(g) its own focus gives (guard first: all of it; exit first: the circuits
    // that keep g).
    let mut fresh = vec![0.0; n];
    let mut own = vec![0.0; n];
    let one_look = looks.iter().filter(|&&l| l).count() == 1;
    for (current, focus) in foci.into_iter().enumerate() {
        if focus.is_empty() || (any && one_look) {
            continue;
        }
        sums.focus(if any { current as u32 } else { 1 }, focus);
        let xs: Vec<usize> = sums.candidates(a).collect();
        for x in xs {
            fresh[x] += first(&sums, x);
        }
        if scenario.guards.is_none() {
            continue;
        }
        let wg = &relays.weights[GUARD];
        let we = &relays.weights[EXIT];
        let gs: Vec<usize> = sums.members.clone();
        for g in gs.into_iter().filter(|&g| wg[g] > 0.0 && sums.t(GUARD, g)) {
            own[g] = match relays.rules.order {
                Order::GuardFirst => sums.after(g, EXIT, sums.conflicts(g)),
                Order::ExitFirst => {
                    let cg = sums.conflicts(g);
                    if sums.looks[MIDDLE] {
                        sums.candidates(EXIT)
                            .filter(|&e| we[e] > 0.0 && sums.t(EXIT, e) && !relays.conflict(e, g))
                            .map(|e| we[e] * sums.middle(&union(sums.conflicts(e), cg)))
                            .sum::<f64>()
                            / total[EXIT]
                    } else {
                        let s: f64 = cg
                            .iter()
                            .map(|&e| e as usize)
                            .filter(|&e| sums.t(EXIT, e))
                            .map(|e| we[e])
                            .sum();
                        (sums.target[EXIT] - s) / total[EXIT]
                    }
                }
            };
        }
        // A guard that is not the target's keeps no circuit it compromises; outside `any`
        // that is every relay outside the focus, and (guard first) the entry event's q(g)
        // for such g is 0 as well.
    }
    if any && one_look {
        // Every circuit's one looked-at hop belongs to some entity.
        fresh = (0..n).map(|x| relays.weights[a][x] / total[a]).collect();
        own = vec![1.0; n];
    }
    let Some(guards) = scenario.guards else {
        let path = fresh.iter().sum();
        return Ok(TorLaw {
            path,
            law: ClientLaw::Independent { p: path },
            guard: None,
        });
    };
    let q: Vec<f64> = match relays.rules.order {
        Order::GuardFirst => own,
        Order::ExitFirst => (0..n)
            .map(|g| {
                if relays.weights[GUARD][g] <= 0.0 {
                    return 0.0;
                }
                // Exits that conflict with g send the circuit to a fresh guard.
                let conflicting: f64 = if any && one_look {
                    0.0
                } else {
                    sums.conflicts(g).iter().map(|&e| fresh[e as usize]).sum()
                };
                own[g] + conflicting
            })
            .collect(),
    };
    let member: Vec<bool> = (0..n).map(|g| any || sums.label[g] == 1).collect();
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
