//! The adversary: whose hops count (target) and which hops must be held (event), and the test
//! of a drawn path against them.

use crate::model::Network;
use crate::select::{HopSource, Unit};
use rand::Rng;

/// Which hops of a path the adversary must hold (docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Adversary {
    pub target: Target,
    pub event: Event,
}

/// Where a path's test stands after its first hops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Not compromised, whatever follows.
    Miss,
    /// Compromised: every hop the event looks at is decided.
    Hit,
    /// Compromised if every later hop the event looks at carries this entity (or label).
    Need(u32),
}

/// Which entity (or label) the looked-at hops must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    /// The first hop's, whichever it is (target `any`).
    Same,
    /// This one (an entity target, or the members' label).
    Label(u32),
    /// Any member of a coalition (`member[entity]`).
    Members(Vec<bool>),
}

/// Decides whether a path drawn hop by hop is compromised, stopping the draw as soon as the
/// answer is known (the early exit of docs/engine.md).
#[derive(Debug, Clone)]
pub struct PathTest {
    /// Positions the event looks at.
    positions: u64,
    /// The last position that must be drawn: after it the answer is known.
    last: usize,
    want: Want,
}

impl PathTest {
    pub fn new(network: &Network, adversary: &Adversary, hops: usize) -> PathTest {
        let positions = adversary.event.positions(hops);
        let last = 63 - positions.leading_zeros() as usize;
        let want = match &adversary.target {
            Target::Any => Want::Same,
            Target::Entity(e) => Want::Label(*e as u32),
            Target::Coalition(members) => {
                let mut v = vec![false; network.entities.len()];
                members.iter().for_each(|&e| v[e] = true);
                Want::Members(v)
            }
        };
        PathTest {
            positions,
            last,
            want,
        }
    }

    /// The last hop position the event looks at.
    pub fn last(&self) -> usize {
        self.last
    }

    /// Whether the event looks at hop position `i`.
    #[inline(always)]
    pub fn looks_at(&self, i: usize) -> bool {
        self.positions >> i & 1 == 1
    }

    /// Where the test stands after the first hops of a path, given as entities (or labels):
    /// decided either way, or waiting for the later looked-at hops to carry one entity.
    pub fn after(&self, prefix: &[u32]) -> Step {
        let need = match &self.want {
            Want::Same => prefix[0],
            Want::Label(l) => *l,
            // Any member will do, which one label cannot say: kernels call this on labels,
            // where every member carries the same one.
            Want::Members(_) => panic!("PathTest::after is for tests on labels"),
        };
        if (0..prefix.len()).any(|i| self.looks_at(i) && prefix[i] != need) {
            Step::Miss
        } else if prefix.len() > self.last {
            Step::Hit
        } else {
            Step::Need(need)
        }
    }

    /// What a kernel should report for a hop on each operator so that [`PathTest::on_labels`]
    /// decides the event: for an entity or coalition target, 1 for an operator of a member and
    /// 0 for the rest (the event looks at nothing else); for `any`, the entity itself.
    pub fn labels(&self, network: &Network) -> Vec<u32> {
        network
            .operators
            .iter()
            .map(|o| match &self.want {
                Want::Same => o.entity as u32,
                Want::Label(l) => u32::from(o.entity as u32 == *l),
                Want::Members(member) => u32::from(member[o.entity]),
            })
            .collect()
    }

    /// This test on hops that report [`PathTest::labels`] instead of entities.
    pub fn on_labels(&self) -> PathTest {
        PathTest {
            positions: self.positions,
            last: self.last,
            want: match self.want {
                Want::Same => Want::Same,
                _ => Want::Label(1),
            },
        }
    }

    /// Draws the hops of one path from `source` in order and tests the event. Hops after the
    /// last position the event looks at are not drawn: they cannot change the answer.
    #[inline(always)]
    pub fn draw<H: HopSource, R: Rng + ?Sized>(&self, source: &mut H, rng: &mut R) -> bool {
        source.begin_path();
        // Position 0 is in every event.
        let first = source.next_entity(rng);
        self.test_after_first(first, source, rng)
    }

    /// As [`PathTest::draw`], with the first hop taken by `guard`.
    #[inline(always)]
    pub fn draw_after<H: HopSource, R: Rng + ?Sized>(
        &self,
        guard: Unit,
        source: &mut H,
        rng: &mut R,
    ) -> bool {
        source.begin_path_after(guard);
        self.test_after_first(guard.entity, source, rng)
    }

    /// Tests the first hop, then draws and tests the others.
    #[inline(always)]
    fn test_after_first<H: HopSource, R: Rng + ?Sized>(
        &self,
        first: u32,
        source: &mut H,
        rng: &mut R,
    ) -> bool {
        let need = match &self.want {
            Want::Same => first,
            Want::Label(l) => *l,
            Want::Members(member) => {
                if !member[first as usize] {
                    return false;
                }
                // (An exclusive range: an inclusive one costs more per step.)
                for i in 1..self.last + 1 {
                    let e = source.next_entity(rng);
                    if self.looks_at(i) && !member[e as usize] {
                        return false;
                    }
                }
                return true;
            }
        };
        if first != need {
            return false;
        }
        for i in 1..self.last + 1 {
            let e = source.next_entity(rng);
            if self.looks_at(i) && e != need {
                return false;
            }
        }
        true
    }

    /// The label every looked-at hop must carry, when it does not depend on the path (an
    /// entity target, or any test on labels but `any`'s).
    pub fn fixed_need(&self) -> Option<u32> {
        match &self.want {
            Want::Label(l) => Some(*l),
            _ => None,
        }
    }

    /// Whether a guard belongs to the target (always, for `any`).
    pub fn targets(&self, entity: u32) -> bool {
        match &self.want {
            Want::Same => true,
            Want::Label(l) => entity == *l,
            Want::Members(member) => member[entity as usize],
        }
    }

    /// Tests an already drawn path given as entity indices.
    pub fn holds(&self, entities: &[u32]) -> bool {
        let first = entities[0];
        (0..entities.len())
            .filter(|&i| self.looks_at(i))
            .all(|i| match &self.want {
                Want::Same => entities[i] == first,
                _ => self.targets(entities[i]),
            })
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
