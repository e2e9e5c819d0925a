//! The adversary: whose hops count (target) and which hops must be held (event), and the test
//! of a drawn path against them.

use crate::model::Network;
use crate::select::{HopSource, Unit};
use rand::Rng;

/// Which hops of a path the adversary must hold (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    /// Every hop.
    FullPath,
    /// The first and the last hop (end-to-end correlation). With one hop, that hop.
    Ends,
    /// The first hop.
    Entry,
}

impl Event {
    pub const ALL: [Event; 3] = [Event::FullPath, Event::Ends, Event::Entry];

    pub fn name(self) -> &'static str {
        match self {
            Event::FullPath => "full-path",
            Event::Ends => "ends",
            Event::Entry => "entry",
        }
    }

    /// Hop positions the event looks at, as a bit mask over positions `0..hops`.
    pub fn positions(self, hops: usize) -> u64 {
        debug_assert!((1..=64).contains(&hops));
        match self {
            Event::FullPath => u64::MAX >> (64 - hops),
            Event::Ends => 1 | (1u64 << (hops - 1)),
            Event::Entry => 1,
        }
    }
}

/// Whose hops count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One single entity, whichever, holds every hop in question.
    Any,
    /// This entity (index into the network's entities).
    Entity(usize),
    /// These entities together (indices, sorted, no repeats).
    Coalition(Vec<usize>),
}

impl Target {
    /// The entities that count, or `None` for [`Target::Any`].
    pub fn members(&self) -> Option<&[usize]> {
        match self {
            Target::Any => None,
            Target::Entity(e) => Some(std::slice::from_ref(e)),
            Target::Coalition(c) => Some(c),
        }
    }

    /// "any", "entity:NAME" or "coalition:A+B".
    pub fn describe(&self, network: &Network) -> String {
        match self {
            Target::Any => "any".to_string(),
            Target::Entity(e) => format!("entity:{}", network.entities[*e]),
            Target::Coalition(c) => format!(
                "coalition:{}",
                c.iter()
                    .map(|&e| network.entities[e].as_str())
                    .collect::<Vec<_>>()
                    .join("+")
            ),
        }
    }
}

/// Target and event together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adversary {
    pub target: Target,
    pub event: Event,
}

/// Decides whether a path drawn hop by hop is compromised, stopping the draw as soon as the
/// answer is known (the early exit SPEC §2 allows).
#[derive(Debug, Clone)]
pub struct PathTest {
    /// Positions the event looks at.
    positions: u64,
    /// The last position that must be drawn: after it the answer is known.
    last: usize,
    /// `Some(member[entity])` for an entity or coalition target, `None` for `any`.
    member: Option<Vec<bool>>,
}

impl PathTest {
    pub fn new(network: &Network, adversary: &Adversary, hops: usize) -> PathTest {
        let positions = adversary.event.positions(hops);
        let last = 63 - positions.leading_zeros() as usize;
        let member = adversary.target.members().map(|m| {
            let mut v = vec![false; network.entities.len()];
            m.iter().for_each(|&e| v[e] = true);
            v
        });
        PathTest {
            positions,
            last,
            member,
        }
    }

    /// Draws the hops of one path from `source` in order and tests the event. Hops after the
    /// last position the event looks at are not drawn: they cannot change the answer.
    #[inline]
    pub fn draw<H: HopSource, R: Rng + ?Sized>(&self, source: &mut H, rng: &mut R) -> bool {
        source.begin_path();
        match &self.member {
            Some(member) => {
                for i in 0..=self.last {
                    let e = source.next_entity(rng);
                    if self.positions >> i & 1 == 1 && !member[e as usize] {
                        return false;
                    }
                }
                true
            }
            None => {
                // Position 0 is in every event.
                let first = source.next_entity(rng);
                for i in 1..=self.last {
                    let e = source.next_entity(rng);
                    if self.positions >> i & 1 == 1 && e != first {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// As [`PathTest::draw`], with the first hop taken by `guard`.
    #[inline]
    pub fn draw_after<H: HopSource, R: Rng + ?Sized>(
        &self,
        guard: Unit,
        source: &mut H,
        rng: &mut R,
    ) -> bool {
        source.begin_path_after(guard);
        let first = guard.entity;
        match &self.member {
            Some(member) => {
                if !member[first as usize] {
                    return false;
                }
                for i in 1..=self.last {
                    let e = source.next_entity(rng);
                    if self.positions >> i & 1 == 1 && !member[e as usize] {
                        return false;
                    }
                }
                true
            }
            None => {
                for i in 1..=self.last {
                    let e = source.next_entity(rng);
                    if self.positions >> i & 1 == 1 && e != first {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// Whether a guard belongs to the target (always, for `any`).
    pub fn targets(&self, entity: u32) -> bool {
        self.member.as_ref().is_none_or(|m| m[entity as usize])
    }

    /// Tests an already drawn path given as entity indices.
    pub fn holds(&self, entities: &[u32]) -> bool {
        let mut relevant = (0..entities.len())
            .filter(|&i| self.positions >> i & 1 == 1)
            .map(|i| entities[i]);
        match &self.member {
            Some(member) => relevant.all(|e| member[e as usize]),
            None => {
                let first = entities[0];
                relevant.all(|e| e == first)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_each_event() {
        assert_eq!(Event::FullPath.positions(3), 0b111);
        assert_eq!(Event::Ends.positions(3), 0b101);
        assert_eq!(Event::Ends.positions(1), 0b1);
        assert_eq!(Event::Entry.positions(5), 0b1);
        assert_eq!(Event::FullPath.positions(64), u64::MAX);
    }
}
