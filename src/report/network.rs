//! What a scenario's network is (`pathrisk network`): relays and weight per position, and the
//! largest families by their probability of taking each position, as OrNetStats lists them;
//! for networks of operators, the entities by share.

use crate::model::tor::{EXIT, GUARD, MIDDLE, TorRelays};
use crate::scenario::Scenario;
use serde::Serialize;

/// Families listed per position unless asked for more.
pub const DEFAULT_TOP: usize = 10;

/// One position of a circuit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionRow {
    /// "guard", "middle", "exit", or "any hop" for a network of operators.
    pub position: String,
    /// Relays (or operators) that may take it.
    pub eligible: usize,
    /// Their consensus weight (or shares), summed.
    pub consensus_weight: f64,
}

/// A family: relays joined by mutual family declarations (the connected groups of the
/// pairwise relation), or an entity of a network of operators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyRow {
    /// The position it is ranked by.
    pub by: String,
    pub rank: usize,
    /// Its heaviest relay's nickname (an entity's name).
    pub family: String,
    pub relays: usize,
    /// The probability that a relay of the family takes each position of a fresh circuit's
    /// first draw there (its weight there over the position's total).
    pub guard: f64,
    pub middle: f64,
    pub exit: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkReport {
    pub scenario: String,
    pub network: String,
    pub positions: Vec<PositionRow>,
    /// The share of the consensus weight whose relays had no microdescriptor, so no family
    /// data (they are dropped); 0 for networks of operators.
    pub without_family_data: f64,
    pub families: Vec<FamilyRow>,
}

/// The report of `scenario`'s network with the `top` largest families per position.
pub fn network(scenario: &Scenario, top: usize) -> NetworkReport {
    match &scenario.tor {
        Some(relays) => tor_network(scenario, relays, top),
        None => operators(scenario, top),
    }
}

fn tor_network(scenario: &Scenario, relays: &TorRelays, top: usize) -> NetworkReport {
    let names = [(GUARD, "guard"), (MIDDLE, "middle"), (EXIT, "exit")];
    let consensus: Vec<f64> = (0..relays.len())
        .map(|r| f64::from(relays.consensus_weight[r]))
        .collect();
    let positions = names
        .iter()
        .map(|&(p, name)| {
            let eligible: Vec<usize> = (0..relays.len())
                .filter(|&r| relays.weights[p][r] > 0.0)
                .collect();
            PositionRow {
                position: name.into(),
                eligible: eligible.len(),
                consensus_weight: eligible.iter().map(|&r| consensus[r]).sum(),
            }
        })
        .collect();
    let groups = relays.components();
    let totals: [f64; 3] = std::array::from_fn(|p| relays.weights[p].iter().sum());
    let rows: Vec<(String, usize, [f64; 3])> = groups
        .iter()
        .map(|members| {
            let heaviest = *members
                .iter()
                .max_by(|&&a, &&b| consensus[a].total_cmp(&consensus[b]).then(b.cmp(&a)))
                .expect("a group has a relay");
            let share = std::array::from_fn(|p| {
                members.iter().map(|&r| relays.weights[p][r]).sum::<f64>() / totals[p]
            });
            (relays.nicknames[heaviest].clone(), members.len(), share)
        })
        .collect();
    NetworkReport {
        scenario: scenario.name.clone(),
        network: scenario.network_summary(),
        positions,
        without_family_data: relays.missing_weight_share,
        families: ranked(&rows, top),
    }
}

fn operators(scenario: &Scenario, top: usize) -> NetworkReport {
    let net = &scenario.network;
    let shares = net.entity_shares();
    let counts = net.entity_operator_counts();
    let rows: Vec<(String, usize, [f64; 3])> = net
        .entities
        .iter()
        .enumerate()
        .map(|(e, name)| (name.clone(), counts[e], [shares[e]; 3]))
        .collect();
    NetworkReport {
        scenario: scenario.name.clone(),
        network: scenario.network_summary(),
        positions: vec![PositionRow {
            position: "any hop".into(),
            eligible: net.operators.len(),
            consensus_weight: net.total_weight(),
        }],
        without_family_data: 0.0,
        families: ranked(&rows, top)
            .into_iter()
            .filter(|r| r.by == "guard")
            .map(|r| FamilyRow {
                by: "share".into(),
                ..r
            })
            .collect(),
    }
}

/// The `top` rows by each position's probability, largest first (ties by name).
fn ranked(rows: &[(String, usize, [f64; 3])], top: usize) -> Vec<FamilyRow> {
    let mut out = Vec::new();
    for (p, by) in ["guard", "middle", "exit"].into_iter().enumerate() {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            rows[b].2[p]
                .total_cmp(&rows[a].2[p])
                .then_with(|| rows[a].0.cmp(&rows[b].0))
        });
        for (rank, &i) in order.iter().take(top).enumerate() {
            let (name, relays, share) = &rows[i];
            out.push(FamilyRow {
                by: by.into(),
                rank: rank + 1,
                family: name.clone(),
                relays: *relays,
                guard: share[0],
                middle: share[1],
                exit: share[2],
            });
        }
    }
    out
}
