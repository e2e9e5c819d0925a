//! The path rules of a scenario: hops, what each selection policy needs of the network, the
//! run's counts, and the server-level rules (subnets, roles and weights per position).

use super::RunSettings;
use super::target::list;
use crate::adversary::Event;
use crate::model::{MAX_HOPS, Network, Pool};
use crate::select::{PathRules, Selection};

pub(super) fn check_hops(h: u64) -> Result<usize, String> {
    if h == 0 || h > MAX_HOPS as u64 {
        Err(format!(
            "{h} hops; expected an integer from 1 to {MAX_HOPS}"
        ))
    } else {
        Ok(h as usize)
    }
}

pub(super) fn check_run(run: &RunSettings) -> Result<(), (&'static str, String)> {
    if run.trials == 0 {
        return Err(("trials", "0 clients; expected a positive integer".into()));
    }
    if run.paths == 0 {
        return Err((
            "paths",
            "0 paths per client; expected a positive integer".into(),
        ));
    }
    if run.trials.checked_mul(run.paths).is_none() {
        return Err((
            "trials",
            format!(
                "{} clients × {} paths overflows a 64-bit count; use fewer",
                run.trials, run.paths
            ),
        ));
    }
    Ok(())
}

/// What a policy needs from the network (docs/model.md). `tor`: the network is a Tor
/// network (read from its documents), which takes the `tor` policy and no other.
pub(super) fn check_policy(
    network: &Network,
    hops: usize,
    selection: Selection,
    _event: Event,
    tor: bool,
) -> Result<(), (&'static str, String)> {
    if tor != (selection == Selection::Tor) {
        return Err((
            "selection",
            if tor {
                format!(
                    "{} on a tor network; a network read from Tor's documents takes \
                     selection = \"tor\" (Tor's own path rules)",
                    selection.name()
                )
            } else {
                "tor needs a tor network ([network] tor = { consensus = \"…\", \
                 microdescriptors = [\"…\"] })"
                    .into()
            },
        ));
    }
    match selection {
        Selection::Tor => {
            if hops != crate::model::tor::TOR_HOPS {
                return Err((
                    "hops",
                    format!("{hops} hops; a tor circuit has exactly 3 (guard, middle, exit)"),
                ));
            }
            Ok(())
        }
        Selection::Random => Ok(()),
        Selection::DistinctServers => {
            if network.pool != Pool::Finite {
                return Err((
                    "selection",
                    "distinct-servers needs a finite pool (operators with `servers`), but the network gives shares".into(),
                ));
            }
            let n = network.total_servers();
            if (hops as u64) > n {
                return Err((
                    "hops",
                    format!(
                        "{hops} hops but only {n} servers; distinct-servers needs at least as many servers as hops"
                    ),
                ));
            }
            Ok(())
        }
        Selection::OperatorAware => {
            let n = network.operators.len();
            if hops > n {
                return Err((
                    "hops",
                    format!(
                        "{hops} hops but only {n} operators; operator-aware needs at least as many operators as hops"
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// Server-level path rules, checked against the network: known roles, one per hop, and some
/// server with positive weight at every position.
pub(super) fn build_rules(
    network: &Network,
    hops: usize,
    distinct_subnets: Option<toml::Value>,
    roles: Option<Vec<String>>,
    weights: Option<Vec<std::collections::BTreeMap<String, f64>>>,
) -> Result<PathRules, (&'static str, String)> {
    let mut rules = PathRules {
        distinct_subnets: match &distinct_subnets {
            None | Some(toml::Value::Boolean(false)) => false,
            Some(toml::Value::Boolean(true)) => true,
            Some(toml::Value::String(s)) if s == "after-first" => true,
            Some(other) => {
                return Err((
                    "distinct-subnets",
                    format!("{other}; expected true, false or \"after-first\""),
                ));
            }
        },
        subnets_from: usize::from(
            matches!(&distinct_subnets, Some(toml::Value::String(s)) if s == "after-first"),
        ),
        ..PathRules::default()
    };
    let server_level = network.is_server_level();
    if rules.distinct_subnets && !server_level {
        return Err((
            "distinct-subnets",
            "needs servers with subnets (network.servers or network.servers_csv)".into(),
        ));
    }
    let role_index = |name: &str| -> Result<u32, (&'static str, String)> {
        network
            .roles
            .iter()
            .position(|r| r == name)
            .map(|i| i as u32)
            .ok_or_else(|| {
                (
                    "roles",
                    format!(
                        "no server has the role `{name}`; roles are: {}",
                        list(&network.roles)
                    ),
                )
            })
    };
    if let Some(list) = roles {
        if !server_level {
            return Err((
                "roles",
                "needs servers with roles (network.servers or network.servers_csv)".into(),
            ));
        }
        if list.len() != hops {
            return Err((
                "roles",
                format!(
                    "{} roles for {hops} hops; expected one per hop (\"\" for none)",
                    list.len()
                ),
            ));
        }
        rules.roles = list
            .iter()
            .map(|r| {
                if r.is_empty() || r == "any" {
                    Ok(None)
                } else {
                    role_index(r).map(Some)
                }
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(list) = weights {
        if !server_level {
            return Err((
                "weights",
                "needs servers with roles (network.servers or network.servers_csv)".into(),
            ));
        }
        if list.len() != hops {
            return Err((
                "weights",
                format!(
                    "{} tables for {hops} hops; expected one per hop ({{}} for none)",
                    list.len()
                ),
            ));
        }
        for table in list {
            let mut position = Vec::new();
            for (set, m) in table {
                if !(m.is_finite() && m >= 0.0) {
                    return Err((
                        "weights",
                        format!("multiplier {m} for `{set}`; expected a finite number ≥ 0"),
                    ));
                }
                let mut mask = 0u32;
                if set != "none" {
                    for r in set.split('+') {
                        mask |= 1 << role_index(r)?;
                    }
                }
                position.push((mask, m));
            }
            rules.multipliers.push(position);
        }
    }
    if rules.varies_by_position() {
        let servers = network.server_list();
        for pos in 0..hops {
            if servers.iter().all(|s| rules.weight(pos, s) <= 0.0) {
                return Err((
                    "roles",
                    format!(
                        "no server may take hop {} (its role and weights leave none)",
                        pos + 1
                    ),
                ));
            }
        }
    }
    Ok(rules)
}
