//! Importance sampling of `tor` circuits (fresh circuits: no guards), with the proposal of
//! the module above carried over to Tor's rules. The hops are drawn in the scenario's order
//! (exit or guard first, then the middle when the event looks at it). At a hop the event looks
//! at, once the label it needs is known (the target's, or under `any` the entity of the first
//! looked-at hop drawn), the candidates are the relays eligible there that conflict with no
//! hop drawn before (or, when none is left, every relay eligible there: the policy's own
//! fallback); they split into needed ones of weight A and others of weight B, and the hop
//! takes a needed one with probability θ = max(TILT, A/(A+B)), each group by weight, the
//! likelihood ratio taking the factor (A/(A+B))/θ or (B/(A+B))/(1−θ). Every other hop is the
//! policy's own draw (ratio 1). A tilted hop lists its candidates (microseconds on a real
//! consensus): the method is for rare events, where plain circuits would need far more.

use super::{Paths, TILT};
use crate::adversary::{PathTest, Step};
use crate::model::tor::{MIDDLE, TorRelays};
use crate::select::tor::{Draw, Fast, TorClients};
use rand::{Rng, RngExt};
use std::sync::Arc;

/// Draws tor circuits plainly or tilted.
#[derive(Clone)]
pub struct TorPaths {
    relays: Arc<TorRelays>,
    fast: Fast,
    plain: Arc<TorClients<Fast>>,
    /// Per relay: the label its hops report to `test` (`PathTest::labels`).
    labels: Arc<Vec<u32>>,
    test: PathTest,
    /// Per position, its eligible relays.
    eligible: Arc<[Vec<u32>; 3]>,
}

impl TorPaths {
    pub fn new(relays: Arc<TorRelays>, labels: Vec<u32>, test: PathTest) -> TorPaths {
        let fast = Fast::new(Arc::clone(&relays));
        let plain = TorClients::new(fast.clone(), labels.clone(), test.clone(), None);
        let eligible = std::array::from_fn(|p| {
            (0..relays.len() as u32)
                .filter(|&r| relays.weights[p][r as usize] > 0.0)
                .collect()
        });
        TorPaths {
            relays,
            fast,
            plain: Arc::new(plain),
            labels: Arc::new(labels),
            test,
            eligible: Arc::new(eligible),
        }
    }

    /// A tilted hop at `position` towards relays labelled `need`, given the hops in `taken`:
    /// the relay and the factor of the likelihood ratio.
    fn tilted_hop<R: Rng + ?Sized>(
        &self,
        position: usize,
        need: u32,
        taken: &[u32; 3],
        rng: &mut R,
    ) -> (usize, f64) {
        let w = &self.relays.weights[position];
        let free = |r: usize| {
            taken
                .iter()
                .all(|&t| t == u32::MAX || !self.relays.conflict(r, t as usize))
        };
        let eligible = &self.eligible[position];
        let mut candidates: Vec<usize> = eligible
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| free(r))
            .collect();
        if candidates.is_empty() {
            candidates = eligible.iter().map(|&r| r as usize).collect();
        }
        let needed = |r: usize| self.labels[r] == need;
        let a: f64 = candidates
            .iter()
            .filter(|&&r| needed(r))
            .map(|&r| w[r])
            .sum();
        let total: f64 = candidates.iter().map(|&r| w[r]).sum();
        let b = total - a;
        let pick = |group: &mut dyn Iterator<Item = usize>, sum: f64, rng: &mut R| {
            let mut u = rng.random::<f64>() * sum;
            let mut last = usize::MAX;
            for r in group {
                last = r;
                if u < w[r] {
                    return r;
                }
                u -= w[r];
            }
            last
        };
        if a <= 0.0 || b <= 0.0 {
            return (pick(&mut candidates.iter().copied(), total, rng), 1.0);
        }
        let theta = TILT.max(a / total);
        if rng.random::<f64>() < theta {
            let r = pick(
                &mut candidates.iter().copied().filter(|&r| needed(r)),
                a,
                rng,
            );
            (r, (a / total) / theta)
        } else {
            let r = pick(
                &mut candidates.iter().copied().filter(|&r| !needed(r)),
                b,
                rng,
            );
            (r, (b / total) / (1.0 - theta))
        }
    }
}

impl Paths for TorPaths {
    fn plain_path<R: Rng + ?Sized>(&mut self, rng: &mut R) -> bool {
        self.plain.circuit(&[], rng).1
    }

    fn tilted_path<R: Rng + ?Sized>(&mut self, rng: &mut R) -> (bool, f64) {
        let mut path = [u32::MAX; 3];
        let mut labels = [0u32; 3];
        let mut ratio = 1.0;
        let mut need = self.test.fixed_need();
        for position in self.relays.rules.order.positions() {
            let looks = self.test.looks_at(position);
            if position == MIDDLE && !looks {
                continue;
            }
            let r = match need.filter(|_| looks) {
                Some(label) => {
                    let (r, factor) = self.tilted_hop(position, label, &path, rng);
                    ratio *= factor;
                    r
                }
                None => {
                    let taken = path;
                    let relays = &self.relays;
                    self.fast.draw(
                        position,
                        |r| {
                            taken
                                .iter()
                                .all(|&t| t == u32::MAX || !relays.conflict(r, t as usize))
                        },
                        rng,
                    )
                }
            };
            path[position] = r as u32;
            labels[position] = self.labels[r];
            if looks {
                let label = *need.get_or_insert(labels[position]);
                if labels[position] != label {
                    return (false, ratio);
                }
            }
        }
        (self.test.after(&labels) == Step::Hit, ratio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adversary::{Adversary, Event, Target};
    use crate::model::tor::tests::relay;
    use crate::model::tor::{Order, TorRules};
    use crate::tor::{Flag, TorNetwork};

    /// Guards, exits, a guard that may exit, middles (nicknames of hex digits, of which the
    /// test relays' fingerprints are made); a1 and e1 share a /16; the families a1–c1–e2–a2–c2
    /// make one component, whose members a1, c2 and e2 may share a circuit (under `any`)..
    fn documents() -> TorNetwork {
        use Flag::*;
        let g = [Running, Valid, Fast, Guard, Stable, V2Dir];
        let e = [Running, Valid, Fast, Exit];
        let ge = [Running, Valid, Fast, Guard, Stable, V2Dir, Exit];
        let m = [Running, Valid, Fast];
        let relays = vec![
            relay("a1", 50, &g, [10, 1, 0, 1], "", &["c1"]),
            relay("a2", 30, &g, [10, 2, 0, 1], "", &["e2", "c2"]),
            relay("ad", 40, &ge, [10, 3, 0, 1], "443", &[]),
            relay("e1", 60, &e, [10, 1, 0, 2], "443", &[]),
            relay("e2", 20, &e, [10, 4, 0, 1], "443", &["c1", "a2"]),
            relay("c1", 70, &m, [10, 5, 0, 1], "", &["a1", "e2"]),
            relay("c2", 10, &m, [10, 6, 0, 1], "", &["a2"]),
        ];
        let weights = [
            ("Wgg", 6000),
            ("Wgd", 3000),
            ("Wmg", 4000),
            ("Wmm", 10000),
            ("Wme", 2000),
            ("Wmd", 3500),
            ("Wee", 10000),
            ("Wed", 3500),
            ("Weg", 1000),
            ("Wem", 10000),
        ];
        TorNetwork {
            valid_after: 0,
            listed: relays.len(),
            totals: crate::tor::weights::Totals::of(relays.iter().map(|r| (r.weight, r.flags))),
            relays,
            bandwidth_weights: weights.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            params: Default::default(),
            missing_weight_share: 0.0,
            by_fallback: 0,
            without_ntor: 0,
            added: 0,
        }
    }

    /// E_q[L] = 1 over circuits as drawn (see the module above's test of the same name): every
    /// factor of the ratio, including those of the hops that miss.
    #[test]
    fn the_likelihood_ratio_of_circuits_averages_one_under_the_proposal() {
        let doc = documents();
        let (mut cases, mut both) = (0, 0);
        for order in Order::ALL {
            let rules = TorRules {
                exit_port: 443,
                order,
            };
            let relays = Arc::new(TorRelays::new(&doc, &doc.bandwidth_weights, rules).unwrap());
            for target in [&["a1", "e2", "c2"][..], &["a2", "ad", "c1"], &[]] {
                let mut network = crate::model::tor::network_of(&doc).unwrap();
                let target = if target.is_empty() {
                    Target::Any
                } else {
                    let fingerprints: Vec<String> = doc
                        .relays
                        .iter()
                        .filter(|r| target.contains(&r.nickname.as_str()))
                        .map(|r| r.fingerprint.clone())
                        .collect();
                    network.assign_entity("target", &fingerprints).unwrap();
                    Target::Entity(network.entity_index("target").unwrap())
                };
                for event in Event::ALL {
                    let adversary = Adversary {
                        target: target.clone(),
                        event,
                    };
                    // As `simulate` builds them.
                    let full = PathTest::new(&network, &adversary, 3);
                    let mut paths =
                        TorPaths::new(Arc::clone(&relays), full.labels(&network), full.on_labels());
                    cases += 1;
                    let r = super::super::tests::ratios(&mut paths, 20_000, cases);
                    let what = format!("{order:?} {target:?} {event:?}");
                    assert!(
                        r.p_value(1.0) > 1e-4,
                        "{what}: mean ratio {} ± {}",
                        r.mean(),
                        r.standard_error()
                    );
                    both += usize::from(r.hits > 0 && r.hits < r.samples);
                }
            }
        }
        assert_eq!(cases, 18);
        // Circuits compromised and circuits missed, both branches of the tilt, in all but the
        // cases of a certain event (`any`, entry).
        assert!(both >= 16, "{both} of 18 cases with hits and misses");
    }
}
