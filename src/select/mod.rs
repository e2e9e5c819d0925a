//! Selection policies: how the hops of a path are drawn. Each policy has a plain reference
//! sampler (`reference`) that follows the model's words (docs/model.md) literally, and a fast kernel (`fast`)
//! that the engine uses; tests hold the two to the same distribution and to the closed forms.

pub(crate) mod alias;
pub(crate) mod bits;
pub(crate) mod classes;
pub(crate) mod entry_guards;
pub(crate) mod fast;
pub(crate) mod guards;
pub(crate) mod reference;
pub(crate) mod server;
pub(crate) mod tor;
pub(crate) mod tor_series;

use rand::Rng;

/// A selection policy (docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Each hop independently by weight; servers may repeat.
    Random,
    /// Weighted sampling of servers without replacement.
    DistinctServers,
    /// No declared operator twice in a path.
    OperatorAware,
    /// Tor's own path rules on a Tor network (docs/tor.md): guard, middle and exit.
    Tor,
}

impl Selection {
    /// The policies any network of operators or servers takes (`tor` takes Tor networks only).
    pub const OF_OPERATORS: [Selection; 3] = [
        Selection::Random,
        Selection::DistinctServers,
        Selection::OperatorAware,
    ];

    pub const ALL: [Selection; 4] = [
        Selection::Random,
        Selection::DistinctServers,
        Selection::OperatorAware,
        Selection::Tor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Selection::Random => "random",
            Selection::DistinctServers => "distinct-servers",
            Selection::OperatorAware => "operator-aware",
            Selection::Tor => "tor",
        }
    }

    pub fn parse(s: &str) -> Option<Selection> {
        Selection::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// Server-level path rules (docs/model.md, docs/scenarios.md): no two hops in one subnet, a role each position needs,
/// and per-position weight multipliers by the server's set of roles (enough to express Tor's
/// bandwidth weights: a guard-and-exit relay counts for less in the guard position, say).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PathRules {
    pub distinct_subnets: bool,
    /// The first position the subnet rule covers: 0 for every hop, 1 to leave the first hop
    /// (a guard) out — Session's "one node per /24 among the non-guard hops".
    pub subnets_from: usize,
    /// Per position: the role a server needs there (index into the network's roles); empty
    /// when no position needs one.
    pub roles: Vec<Option<u32>>,
    /// Per position: (exact role set as a bit mask, multiplier); unlisted sets count 1.
    pub multipliers: Vec<Vec<(u32, f64)>>,
}

impl PathRules {
    /// No rule at all: every position draws by plain weight.
    pub fn is_plain(&self) -> bool {
        !self.distinct_subnets
            && self.roles.iter().all(Option::is_none)
            && self.multipliers.iter().all(Vec::is_empty)
    }

    /// Whether positions differ in who may take them or how much they weigh.
    pub fn varies_by_position(&self) -> bool {
        self.roles.iter().any(Option::is_some) || self.multipliers.iter().any(|m| !m.is_empty())
    }

    /// The weight of `server` at hop `position`: 0 without the needed role, else its weight
    /// times the position's multiplier for its role set.
    pub fn weight(&self, position: usize, server: &crate::model::Server) -> f64 {
        if let Some(Some(role)) = self.roles.get(position)
            && server.roles >> role & 1 == 0
        {
            return 0.0;
        }
        let m = self
            .multipliers
            .get(position)
            .and_then(|list| list.iter().find(|(mask, _)| *mask == server.roles))
            .map_or(1.0, |(_, m)| *m);
        server.weight * m
    }
}

/// A server (finite pool) or an operator (infinite pool, `server` = `u32::MAX`) already placed
/// in a path: a guard taking the first hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Index among all servers, in operator order (finite pool only).
    pub server: u32,
    pub operator: u32,
    pub entity: u32,
}

/// Draws the hops of one path, one at a time, and says which entity holds each.
pub trait HopSource {
    /// Forgets the hops of the previous path.
    fn begin_path(&mut self);
    /// Forgets the previous path and starts one whose first hop is `first` (a guard), so the
    /// policy treats it as used.
    fn begin_path_after(&mut self, first: Unit);
    /// Draws the next hop of the current path and returns the index of its entity.
    fn next_entity<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32;
}

/// Draws every path of one client and counts the compromised ones: what a kernel that does
/// better than path by path offers the engine.
pub trait ClientSource {
    /// Draws `paths` paths; returns how many were compromised and the 1-based index of the
    /// first of them (0 when none was).
    fn client<R: Rng + Clone>(&mut self, rng: &mut R, paths: u64) -> (u64, u64);
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
