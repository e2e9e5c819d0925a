//! Tor's network under Tor's own path rules (docs/tor.md): which relays may take each position
//! (guard, middle, exit), what each weighs there (consensus weight × the consensus'
//! `bandwidth-weights` for its class and the position), and which relays may not share a path
//! (the same relay, one family, one IPv4 /16 or one IPv6 /32). Built once from the documents
//! and shared, read-only, by the samplers and the exact sums.

use crate::model::{Network, OperatorSpec, Size};
use crate::tor::{Flag, Relay, TorNetwork};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// The operators of a Tor network: one per relay, named by its fingerprint, in consensus
/// order (so operator i is relay i). A relay's entity is its family component (see
/// [`components`]; named by [`family_name`]), or the relay itself when it has no family; the
/// target `any` and `[network.entities]` read them.
pub fn network_of(documents: &TorNetwork) -> Result<Network, String> {
    let relays = &documents.relays;
    let mut entity: Vec<Option<String>> = vec![None; relays.len()];
    for component in components(&families(relays)) {
        if component.len() > 1 {
            let first = &relays[component[0]];
            let name = family_name(&first.nickname, &first.fingerprint);
            for r in component {
                entity[r] = Some(name.clone());
            }
        }
    }
    Network::from_specs(
        relays
            .iter()
            .zip(entity)
            .map(|(r, entity)| OperatorSpec {
                name: r.fingerprint.clone(),
                entity,
                size: Size::Servers(1),
            })
            .collect(),
    )
}

/// The family components: relays joined by mutual family declarations taken transitively (an
/// operator in practice; two relays of one component may still share a path when neither
/// lists the other), each sorted, in the order of their first relay.
pub fn components(families: &[Vec<u32>]) -> Vec<Vec<usize>> {
    let n = families.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, family) in families.iter().enumerate() {
        for &b in family {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b as usize));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for r in 0..n {
        let g = root(&mut parent, r);
        groups.entry(g).or_default().push(r);
    }
    groups.into_values().collect()
}

/// The entity name of the family component whose first relay (in consensus order) is this
/// one. The full fingerprint keeps names of distinct components distinct.
pub fn family_name(nickname: &str, fingerprint: &str) -> String {
    format!("family of {nickname} (${fingerprint})")
}

/// A client's primary guards by the consensus' parameters (`[guards] count = "consensus"`):
/// `guard-n-primary-guards`, 3 when absent (tor's `get_n_primary_guards`,
/// `DFLT_N_PRIMARY_GUARDS`), of which a circuit takes the first its exit allows — which is
/// tor's rule only while `guard-n-primary-guards-to-use` is 1 (its default): with more, tor
/// chooses at random among that many usable primary guards, which pathrisk does not draw.
/// (`NumEntryGuards` in the 2016–2019 consensuses is the parameter of tor before 0.3.0;
/// later versions read it only from the client's torrc.)
pub fn primary_guards(params: &std::collections::BTreeMap<String, i32>) -> Result<u64, String> {
    let to_use = params
        .get("guard-n-primary-guards-to-use")
        .copied()
        .unwrap_or(1);
    if to_use != 1 {
        return Err(format!(
            "\"consensus\": the consensus sets guard-n-primary-guards-to-use = {to_use}, so tor \
             picks at random among the first {to_use} usable primary guards, which pathrisk does \
             not draw (it takes the first); give a number of primary guards"
        ));
    }
    Ok(params
        .get("guard-n-primary-guards")
        .copied()
        .unwrap_or(3)
        .max(1) as u64)
}

/// The three positions of a Tor circuit, as path positions (hop 1 is the guard).
pub const GUARD: usize = 0;
pub const MIDDLE: usize = 1;
pub const EXIT: usize = 2;
/// A Tor circuit has exactly three hops.
pub const TOR_HOPS: usize = 3;

/// The port an exit's policy summary must accept unless the scenario says otherwise.
pub const DEFAULT_EXIT_PORT: u16 = 443;

/// The order in which a circuit's positions are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// C tor: exit, then guard, then middle (`onion_pick_cpath_exit` before the guard).
    ExitFirst,
    /// Arti: guard, then exit, then middle.
    GuardFirst,
}

impl Order {
    pub const ALL: [Order; 2] = [Order::ExitFirst, Order::GuardFirst];

    pub fn name(self) -> &'static str {
        match self {
            Order::ExitFirst => "exit-first",
            Order::GuardFirst => "guard-first",
        }
    }

    pub fn parse(s: &str) -> Option<Order> {
        Order::ALL.into_iter().find(|o| o.name() == s)
    }

    /// The positions in the order they are drawn.
    pub fn positions(self) -> [usize; 3] {
        match self {
            Order::ExitFirst => [EXIT, GUARD, MIDDLE],
            Order::GuardFirst => [GUARD, EXIT, MIDDLE],
        }
    }
}

/// The path settings the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TorRules {
    pub exit_port: u16,
    pub order: Order,
}

impl Default for TorRules {
    fn default() -> TorRules {
        TorRules {
            exit_port: DEFAULT_EXIT_PORT,
            order: Order::ExitFirst,
        }
    }
}

/// A relay's class for the bandwidth-weights: whether it has the Guard flag and whether it
/// has the Exit flag without BadExit (dir-spec §3.8.3; tor's `compute_weighted_bandwidths`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Guard,
    Exit,
    GuardAndExit,
    Neither,
}

impl Class {
    pub fn of(relay: &Relay) -> Class {
        let guard = relay.flags.has(Flag::Guard);
        let exit = relay.flags.has(Flag::Exit) && !relay.flags.has(Flag::BadExit);
        match (guard, exit) {
            (true, true) => Class::GuardAndExit,
            (true, false) => Class::Guard,
            (false, true) => Class::Exit,
            (false, false) => Class::Neither,
        }
    }

    /// The `bandwidth-weights` key for this class at `position`, or `None` where the class
    /// cannot take the position (a guard needs the Guard flag).
    pub fn weight_key(self, position: usize) -> Option<&'static str> {
        Some(match (position, self) {
            (GUARD, Class::Guard) => "Wgg",
            (GUARD, Class::GuardAndExit) => "Wgd",
            (GUARD, _) => return None,
            (MIDDLE, Class::Guard) => "Wmg",
            (MIDDLE, Class::Exit) => "Wme",
            (MIDDLE, Class::GuardAndExit) => "Wmd",
            (MIDDLE, Class::Neither) => "Wmm",
            (_, Class::Exit) => "Wee",
            (_, Class::GuardAndExit) => "Wed",
            (_, Class::Guard) => "Weg",
            (_, Class::Neither) => "Wem",
        })
    }
}

/// Whether `relay` may take `position` under `rules` (path-spec §2.2, tor's
/// `node_is_possible_guard` and `choose_good_exit_server_general`): every position needs
/// Running, Valid and Fast; a guard also Guard, Stable and V2Dir and not MiddleOnly; an exit an
/// IPv4 policy summary that accepts the exit port, and neither BadExit nor MiddleOnly.
pub fn eligible(relay: &Relay, position: usize, rules: &TorRules) -> bool {
    let f = relay.flags;
    let every = f.has(Flag::Running) && f.has(Flag::Valid) && f.has(Flag::Fast);
    every
        && match position {
            GUARD => {
                f.has(Flag::Guard)
                    && f.has(Flag::Stable)
                    && f.has(Flag::V2Dir)
                    && !f.has(Flag::MiddleOnly)
            }
            MIDDLE => true,
            _ => {
                relay.microdesc.ipv4_policy.allows_port(rules.exit_port)
                    && !f.has(Flag::BadExit)
                    && !f.has(Flag::MiddleOnly)
            }
        }
}

/// No /16 or /32 group.
const NO_GROUP: u32 = u32::MAX;

/// The relays of one consensus under the rules, indexed as the consensus lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct TorRelays {
    pub rules: TorRules,
    pub fingerprints: Vec<String>,
    pub nicknames: Vec<String>,
    /// Each relay's consensus weight (`w Bandwidth=`).
    pub consensus_weight: Vec<u32>,
    pub classes: Vec<Class>,
    /// Per position ([`GUARD`], [`MIDDLE`], [`EXIT`]): each relay's weight there, 0 where it
    /// is not eligible.
    pub weights: [Vec<f64>; 3],
    pub ipv4: Vec<Option<Ipv4Addr>>,
    /// `valid-after` of the consensus (seconds since the epoch), relays it lists, the share
    /// of its weight dropped for lack of a microdescriptor.
    pub valid_after: u64,
    pub listed: usize,
    pub missing_weight_share: f64,
    /// Relays an adversary added (bandwidth-weights recomputed).
    pub added: usize,
    /// Listed relays dropped for want of an ntor onion key.
    pub without_ntor: usize,
    /// Per relay: its IPv4 address's top 16 bits and its IPv6 address's top 32 bits (each
    /// `u32::MAX` without one), side by side so that a conflict test loads one cache line.
    subnets: Vec<[u32; 2]>,
    /// Each relay's family: the relays it lists that list it back, sorted, itself excluded.
    pub families: Vec<Vec<u32>>,
    /// The consensus' `params` line.
    pub params: std::collections::BTreeMap<String, i32>,
    /// Per relay: whether it may be a guard ([`eligible`] at [`GUARD`], tor's
    /// `node_is_possible_guard`), whatever its weight: what keeps a sampled guard listed.
    pub possible_guard: Vec<bool>,
}

impl TorRelays {
    /// The relays of `network` under `rules`, weighted by `bandwidth_weights` (the
    /// consensus' own, or recomputed ones). Errors are plain messages.
    pub fn new(
        network: &TorNetwork,
        bandwidth_weights: &std::collections::BTreeMap<String, i32>,
        rules: TorRules,
    ) -> Result<TorRelays, String> {
        let relays = &network.relays;
        if relays.is_empty() {
            return Err("the consensus lists no relay with a microdescriptor".into());
        }
        let classes: Vec<Class> = relays.iter().map(Class::of).collect();
        let mut weights: [Vec<f64>; 3] = Default::default();
        for (position, out) in weights.iter_mut().enumerate() {
            *out = Vec::with_capacity(relays.len());
            for (relay, class) in relays.iter().zip(&classes) {
                let w = match class.weight_key(position) {
                    Some(key) if eligible(relay, position, &rules) => {
                        let Some(&bw) = bandwidth_weights.get(key) else {
                            return Err(format!(
                                "the consensus has no bandwidth-weights `{key}`; expected the \
                                 `bandwidth-weights` line of a consensus (method 9 or later)"
                            ));
                        };
                        f64::from(relay.weight) * f64::from(bw.max(0))
                    }
                    _ => 0.0,
                };
                out.push(w);
            }
        }
        for (position, name) in [(GUARD, "guard"), (MIDDLE, "middle"), (EXIT, "exit")] {
            if !weights[position].iter().any(|&w| w > 0.0) {
                return Err(format!(
                    "no relay may take the {name} position (none is eligible with a positive \
                     weight{})",
                    if position == EXIT {
                        format!(" whose exit policy accepts port {}", rules.exit_port)
                    } else {
                        String::new()
                    }
                ));
            }
        }
        Ok(TorRelays {
            rules,
            fingerprints: relays.iter().map(|r| r.fingerprint.clone()).collect(),
            nicknames: relays.iter().map(|r| r.nickname.clone()).collect(),
            consensus_weight: relays.iter().map(|r| r.weight).collect(),
            classes,
            weights,
            ipv4: relays.iter().map(|r| r.ipv4).collect(),
            valid_after: network.valid_after,
            listed: network.listed,
            missing_weight_share: network.missing_weight_share,
            added: network.added,
            without_ntor: network.without_ntor,
            subnets: relays
                .iter()
                .map(|r| {
                    [
                        r.ipv4.map_or(NO_GROUP, |a| u32::from(a) >> 16),
                        r.ipv6.map_or(NO_GROUP, |a| (u128::from(a) >> 96) as u32),
                    ]
                })
                .collect(),
            families: families(relays),
            params: network.params.clone(),
            possible_guard: relays.iter().map(|r| eligible(r, GUARD, &rules)).collect(),
        })
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// A hex digest of what decides the circuits: valid-after time, relays, their weights per
    /// position and their conflicts (a sharded run's parts carry it, so parts of other
    /// documents do not merge).
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.valid_after.to_le_bytes());
        for r in 0..self.len() {
            h.update(self.fingerprints[r].as_bytes());
            for p in 0..3 {
                h.update(self.weights[p][r].to_bits().to_le_bytes());
            }
            h.update(self.subnets[r][0].to_le_bytes());
            h.update(self.subnets[r][1].to_le_bytes());
            for f in &self.families[r] {
                h.update(f.to_le_bytes());
            }
            h.update([u8::from(self.possible_guard[r])]);
        }
        h.finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// Whether relays `a` and `b` may not share a path: the same relay, in one IPv4 /16, in
    /// one IPv6 /32 when both have IPv6, or one family (tor's `nodes_in_same_family` with
    /// `EnforceDistinctSubnets`, the default).
    #[inline]
    pub fn conflict(&self, a: usize, b: usize) -> bool {
        a == b
            || {
                let (x, y) = (self.subnets[a], self.subnets[b]);
                (x[0] == y[0] && x[0] != NO_GROUP) || (x[1] == y[1] && x[1] != NO_GROUP)
            }
            || self.families[a].binary_search(&(b as u32)).is_ok()
    }

    /// Every relay that conflicts with `a`, `a` included, sorted.
    pub fn conflicts_of(&self, a: usize, groups: &Groups) -> Vec<u32> {
        let mut out: Vec<u32> = vec![a as u32];
        if self.subnets[a][0] != NO_GROUP {
            out.extend_from_slice(&groups.by16[&self.subnets[a][0]]);
        }
        if self.subnets[a][1] != NO_GROUP {
            out.extend_from_slice(&groups.by32[&self.subnets[a][1]]);
        }
        out.extend_from_slice(&self.families[a]);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The relays of each /16 and /32 group, for [`TorRelays::conflicts_of`].
    pub fn groups(&self) -> Groups {
        let mut groups = Groups::default();
        for r in 0..self.len() {
            if self.subnets[r][0] != NO_GROUP {
                groups
                    .by16
                    .entry(self.subnets[r][0])
                    .or_default()
                    .push(r as u32);
            }
            if self.subnets[r][1] != NO_GROUP {
                groups
                    .by32
                    .entry(self.subnets[r][1])
                    .or_default()
                    .push(r as u32);
            }
        }
        groups
    }

    /// The family components of these relays ([`components`]).
    pub fn components(&self) -> Vec<Vec<usize>> {
        components(&self.families)
    }

    /// The family component of relay `r`, sorted.
    pub fn component_of(&self, r: usize) -> Vec<usize> {
        let mut seen = vec![false; self.len()];
        let (mut out, mut next) = (vec![r], 0);
        seen[r] = true;
        while next < out.len() {
            for &b in &self.families[out[next]] {
                if !std::mem::replace(&mut seen[b as usize], true) {
                    out.push(b as usize);
                }
            }
            next += 1;
        }
        out.sort_unstable();
        out
    }

    /// The relay with this fingerprint (40 hex digits, `$` optional, any case).
    pub fn by_fingerprint(&self, fingerprint: &str) -> Option<usize> {
        let fp = fingerprint.strip_prefix('$').unwrap_or(fingerprint);
        self.fingerprints
            .iter()
            .position(|f| f.eq_ignore_ascii_case(fp))
    }

    /// Whether relay `r`'s IPv4 address lies in `net`/`prefix`.
    pub fn in_ipv4_block(&self, r: usize, net: u32, prefix: u8) -> bool {
        let mask = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(prefix))
        };
        self.ipv4[r].is_some_and(|a| u32::from(a) & mask == net & mask)
    }

    /// One line: when the consensus is valid, how many relays it lists and how many are kept.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "tor consensus valid after {}: {} relays with a microdescriptor of {} listed \
             ({:.2}% of the consensus weight without one, dropped)",
            crate::tor::date_time(self.valid_after),
            self.len() - self.added + self.without_ntor,
            self.listed - self.added,
            100.0 * self.missing_weight_share
        );
        if self.without_ntor > 0 {
            s.push_str(&format!(
                "; {} of them without an ntor onion key, which no circuit may use, dropped",
                self.without_ntor
            ));
        }
        if self.added > 0 {
            s.push_str(&format!(
                "; {} relays added by the adversary, bandwidth-weights recomputed",
                self.added
            ));
        }
        s
    }
}

/// Relays by /16 (IPv4) and /32 (IPv6) group.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    by16: HashMap<u32, Vec<u32>>,
    by32: HashMap<u32, Vec<u32>>,
}

/// Each relay's mutual family: B is in A's family when A's `family` line names B (by
/// `$FINGERPRINT`, or by a bare nickname equal to B's, case-insensitively: tor's
/// `nodefamily_contains_node`) and B's names A. Pairwise, not transitive.
fn families(relays: &[Relay]) -> Vec<Vec<u32>> {
    use crate::tor::FamilyEntry;
    let mut by_fingerprint: HashMap<&str, u32> = HashMap::with_capacity(relays.len());
    let mut by_nickname: HashMap<String, Vec<u32>> = HashMap::with_capacity(relays.len());
    for (i, r) in relays.iter().enumerate() {
        by_fingerprint.insert(r.fingerprint.as_str(), i as u32);
        by_nickname
            .entry(r.nickname.to_ascii_lowercase())
            .or_default()
            .push(i as u32);
    }
    let listed: Vec<Vec<u32>> = relays
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut out = Vec::new();
            for entry in &r.microdesc.family {
                match entry {
                    FamilyEntry::Fingerprint(fp) => {
                        out.extend(by_fingerprint.get(fp.as_str()).copied());
                    }
                    FamilyEntry::Nickname(n) => {
                        if let Some(list) = by_nickname.get(&n.to_ascii_lowercase()) {
                            out.extend_from_slice(list);
                        }
                    }
                }
            }
            out.retain(|&b| b as usize != i);
            out.sort_unstable();
            out.dedup();
            out
        })
        .collect();
    listed
        .iter()
        .enumerate()
        .map(|(a, list)| {
            list.iter()
                .copied()
                .filter(|&b| listed[b as usize].binary_search(&(a as u32)).is_ok())
                .collect()
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tor::{FamilyEntry, Flags, Microdesc};
    use std::sync::Arc;

    #[test]
    fn primary_guards_follow_the_consensus_parameters_and_tor_s_defaults() {
        let params = |kv: &[(&str, i32)]| {
            kv.iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        assert_eq!(primary_guards(&params(&[])), Ok(3));
        assert_eq!(primary_guards(&params(&[("NumEntryGuards", 1)])), Ok(3));
        assert_eq!(
            primary_guards(&params(&[("guard-n-primary-guards", 5)])),
            Ok(5)
        );
        assert_eq!(
            primary_guards(&params(&[("guard-n-primary-guards-to-use", 1)])),
            Ok(3)
        );
        let e = primary_guards(&params(&[("guard-n-primary-guards-to-use", 2)])).unwrap_err();
        assert!(e.contains("guard-n-primary-guards-to-use = 2"), "{e}");
    }
    use tor_netdoc::types::policy::PortPolicy;

    /// A relay for tests: flags by name, `ip` its IPv4 address, `accept` its exit ports.
    pub(crate) fn relay(
        nickname: &str,
        weight: u32,
        flags: &[Flag],
        ip: [u8; 4],
        accept: &str,
        family: &[&str],
    ) -> Relay {
        let fingerprint = format!("{:0>40}", nickname.to_ascii_uppercase().replace('_', "0"))
            .chars()
            .map(|c| if c.is_ascii_hexdigit() { c } else { 'F' })
            .collect::<String>();
        let policy: PortPolicy = if accept.is_empty() {
            PortPolicy::new_reject_all()
        } else {
            format!("accept {accept}").parse().unwrap()
        };
        Relay {
            fingerprint,
            nickname: nickname.into(),
            ipv4: Some(ip.into()),
            ipv6: None,
            weight,
            measured: true,
            flags: flags.iter().fold(Flags::default(), |f, &x| f.with(x)),
            microdesc: Microdesc {
                family: family
                    .iter()
                    .map(|f| match f.strip_prefix('$') {
                        Some(fp) => FamilyEntry::Fingerprint(fp.into()),
                        None => FamilyEntry::Nickname((*f).into()),
                    })
                    .collect(),
                family_ids: Vec::new(),
                ipv4_policy: Arc::new(policy),
                ipv6_policy: Arc::new(PortPolicy::new_reject_all()),
                by_fallback: false,
            },
        }
    }

    const USABLE: [Flag; 3] = [Flag::Running, Flag::Valid, Flag::Fast];

    fn flags(extra: &[Flag]) -> Vec<Flag> {
        USABLE.iter().chain(extra).copied().collect()
    }

    #[test]
    fn eligibility_follows_the_flags_and_the_exit_policy() {
        let rules = TorRules::default();
        let guard = relay(
            "g",
            1,
            &flags(&[Flag::Guard, Flag::Stable, Flag::V2Dir]),
            [1, 1, 1, 1],
            "",
            &[],
        );
        assert!(eligible(&guard, GUARD, &rules) && eligible(&guard, MIDDLE, &rules));
        assert!(!eligible(&guard, EXIT, &rules));
        let unstable = relay("u", 1, &flags(&[Flag::Guard, Flag::V2Dir]), [1; 4], "", &[]);
        assert!(!eligible(&unstable, GUARD, &rules));
        let exit = relay("e", 1, &flags(&[Flag::Exit]), [1; 4], "80,443", &[]);
        assert!(eligible(&exit, EXIT, &rules));
        let web = TorRules {
            exit_port: 22,
            ..rules
        };
        assert!(!eligible(&exit, EXIT, &web));
        let bad = relay(
            "b",
            1,
            &flags(&[Flag::Exit, Flag::BadExit]),
            [1; 4],
            "443",
            &[],
        );
        assert!(!eligible(&bad, EXIT, &rules) && eligible(&bad, MIDDLE, &rules));
        assert_eq!(Class::of(&bad), Class::Neither);
        let slow = relay("s", 1, &[Flag::Running, Flag::Valid], [1; 4], "443", &[]);
        assert!(!eligible(&slow, MIDDLE, &rules));
    }

    #[test]
    fn a_family_is_mutual_and_matches_nicknames_case_insensitively() {
        let a = relay("aaaa", 1, &USABLE, [1, 1, 0, 1], "", &["Bob", "carol"]);
        let b = relay(
            "bob",
            1,
            &USABLE,
            [2, 2, 0, 1],
            "",
            &["$000000000000000000000000000000000000AAAA"],
        );
        let c = relay("carol", 1, &USABLE, [3, 3, 0, 1], "", &[]);
        let f = families(&[a, b, c]);
        assert_eq!(f, vec![vec![1], vec![0], vec![]]);
    }
}
