//! Selection policies: how the hops of a path are drawn. Each policy has a plain reference
//! sampler (`reference`) that follows the SPEC's words literally, and a fast kernel (`fast`)
//! that the engine uses; tests hold the two to the same distribution and to the closed forms.

pub mod fast;
pub mod reference;

use rand::Rng;

/// A selection policy (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Each hop independently by weight; servers may repeat.
    Random,
    /// Weighted sampling of servers without replacement.
    DistinctServers,
    /// No declared operator twice in a path.
    OperatorAware,
}

impl Selection {
    pub const ALL: [Selection; 3] = [
        Selection::Random,
        Selection::DistinctServers,
        Selection::OperatorAware,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Selection::Random => "random",
            Selection::DistinctServers => "distinct-servers",
            Selection::OperatorAware => "operator-aware",
        }
    }

    pub fn parse(s: &str) -> Option<Selection> {
        Selection::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// Draws the hops of one path, one at a time, and says which entity holds each.
pub trait HopSource {
    /// Forgets the hops of the previous path.
    fn begin_path(&mut self);
    /// Draws the next hop of the current path and returns the index of its entity.
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32;
}

/// Which sampler the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SamplerKind {
    /// The fast kernels.
    #[default]
    Fast,
    /// The plain reference samplers (slow; for tests and baselines).
    Reference,
}
