//! The `tor` policy in lanes: a circuit's first hop in the scenario's order (C tor's exit, or
//! Arti's guard when no guards are kept) from one 16-bit field, 32 circuits a step; only the
//! circuits whose first hop may be the target's go on, one at a time, under tor's rules.

use super::field_lanes::{Cursor, Rule};
use super::{LaneKernel, Tally};
use crate::engine::lanes::{Isa, Lanes};
use crate::engine::rng::StreamRng;
use crate::select::tor::{Draw, Fast, TorClients};
use rand::Rng;

/// `tor` circuits whose first position decides a miss when it is not the target's
/// ([`TorClients::gate_position`]): the event looks at it, the target is on labels, and it is
/// drawn by its weight there (nothing is drawn before it, so no rule excludes a relay).
///
/// That first hop is drawn by the inverse of its distribution on 64-bit numbers: the relays
/// eligible there ordered with the target's first, relay `i` takes the numbers in
/// `[C_i, C_{i+1})`, so the hop is the target's exactly when its number is below
/// `T = C_K` (`K` the target's relays). A field is the number's top 16 bits; a field above
/// `T`'s top bits is a miss at once, the others take the low 48 bits from the side stream
/// and, when the number is below `T`, the relay it falls on; the rest of the circuit (guard,
/// middle, tor's rules against the first hop) is drawn from the side stream by
/// [`TorClients::circuit_from`], as the path-by-path kernel draws it. The client's guards
/// come from the side stream too, at the start of each guard period.
///
/// The bounds are exact integers: each weight's share of the total is rounded to a multiple
/// of 2^-62 (at least one), and `C_i` is their prefix sum scaled to 2^64 by an exact u128
/// division; so a relay's probability is its weight's share to within a relative 2^-52 (the
/// float division of weight by total) and an absolute n·2^-62 (the roundings, n relays).
#[derive(Debug, Clone)]
pub struct TorLanes {
    clients: TorClients<Fast>,
    /// The target's relays eligible at the first position, in the order of `bounds`.
    target: Vec<u32>,
    /// `C_0 … C_K`: where each of the target's relays' numbers start, and `T = C_K` last
    /// (2^64 when the target holds every eligible relay).
    bounds: Vec<u128>,
    rule: Rule<16>,
}

impl TorLanes {
    /// The lane kernel of `clients`, when its circuits' first position can gate them.
    pub fn new(clients: &TorClients<Fast>) -> Option<TorLanes> {
        let first = clients.gate_position()?;
        let weights = &clients.draw().relays().weights[first];
        let eligible = |r: &usize| weights[*r] > 0.0;
        let total: f64 = (0..weights.len())
            .filter(eligible)
            .map(|r| weights[r])
            .sum();
        if total <= 0.0 {
            return None;
        }
        let quantum = |r: usize| ((weights[r] / total * 2f64.powi(62)).round() as u64).max(1);
        let all: u128 = (0..weights.len())
            .filter(eligible)
            .map(|r| u128::from(quantum(r)))
            .sum();
        let target: Vec<u32> = (0..weights.len())
            .filter(|r| eligible(r) && clients.is_target(*r))
            .map(|r| r as u32)
            .collect();
        let mut bounds = Vec::with_capacity(target.len() + 1);
        let mut before = 0u128;
        bounds.push(0);
        for &r in &target {
            before += u128::from(quantum(r as usize));
            bounds.push((before << 64) / all);
        }
        let threshold = *bounds.last().expect("C_0");
        Some(TorLanes {
            rule: Rule::lemire(1 << 16, ((threshold >> 48) + 1).min(1 << 16) as u64),
            clients: clients.clone(),
            target,
            bounds,
        })
    }

    /// Whether the circuit whose first hop's number has top bits `top` is compromised; its
    /// other draws from `side`.
    #[inline]
    fn decide(&self, top: u64, guards: &[u32], side: &mut StreamRng) -> bool {
        let u = u128::from(top << 48 | side.next_u64() >> 16);
        let k = self.bounds.partition_point(|&c| c <= u);
        // `k` is 1 + the relay the number falls on, or past `T`: not the target's.
        if k == self.bounds.len() {
            return false;
        }
        let first = self.target[k - 1];
        self.clients.circuit_from(Some(first), guards, side).1
    }
}

impl LaneKernel for TorLanes {
    fn chunk(
        &self,
        isa: Isa,
        seed: u64,
        chunk: u64,
        clients: u64,
        paths: u64,
        add: &mut impl FnMut((u64, u64), bool),
    ) {
        let (lanes, mut side) = Lanes::with_side(seed, chunk);
        let mut cursor = Cursor::new(self.rule, isa, lanes);
        let guards = self.clients.guards();
        let lifetime = guards.and_then(|g| g.lifetime).unwrap_or(u64::MAX);
        let mut set: Vec<u32> = Vec::new();
        for _ in 0..clients {
            if crate::stop::requested() {
                return;
            }
            let (mut tally, mut guard_hit) = (Tally::default(), false);
            let mut k = 0u64;
            while k < paths {
                let period = match guards {
                    Some(g) => {
                        self.clients
                            .draw_guards(g.count as usize, &mut side, &mut set);
                        guard_hit |= set.iter().any(|&r| self.clients.is_target(r as usize));
                        lifetime.min(paths - k)
                    }
                    None => paths - k,
                };
                cursor.take(period, |v, i| {
                    if self.decide(v, &set, &mut side) {
                        tally.hit(k + i + 1);
                    }
                });
                k += period;
            }
            add(tally.result(), guard_hit);
        }
    }
}
