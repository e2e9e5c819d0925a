//! The network model: operators, the entities that own them, and the pool they form.

mod generate;
pub mod presets;
pub mod series;
pub mod tor;

pub use generate::{adversary_operators, uniform_operators, zipf_operators};

/// How hops pick from a network (docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Pool {
    /// Operators have relative shares; a hop picks an operator by share. No server identity.
    Infinite,
    /// Operators run whole servers of weight 1; a hop picks a server.
    Finite,
}

impl Pool {
    pub fn name(self) -> &'static str {
        match self {
            Pool::Infinite => "infinite pool (shares)",
            Pool::Finite => "finite pool (servers)",
        }
    }
}

/// An operator as written in a scenario, before entities are resolved to indices.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorSpec {
    pub name: String,
    pub entity: Option<String>,
    pub size: Size,
}

/// An operator's share (infinite pool) or server count (finite pool).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    Share(f64),
    Servers(u64),
}

/// One validated operator.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Operator {
    pub name: String,
    /// Index into [`Network::entities`].
    pub entity: usize,
    /// Relative weight: the share, or the number of servers (each of weight 1).
    pub weight: f64,
    /// Number of servers (finite pool only; 0 in an infinite pool).
    pub servers: u64,
}

/// One server of a server-level network.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Server {
    /// Index into [`Network::operators`].
    pub operator: u32,
    /// Relative selection weight (bandwidth, say).
    pub weight: f64,
    /// Index into [`Network::subnets`], `None` for a server in no named subnet.
    pub subnet: Option<u32>,
    /// Bit r set: the server may take hops that need role r (index into [`Network::roles`]).
    pub roles: u32,
}

/// A server as written (CSV row or `[[network.servers]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSpec {
    pub operator: String,
    pub weight: f64,
    pub subnet: Option<String>,
    pub entity: Option<String>,
    pub roles: Vec<String>,
}

/// Largest number of hops a path may have (the samplers keep a path's hops in a fixed array).
pub const MAX_HOPS: usize = 32;

/// Most distinct roles a network may name.
pub const MAX_ROLES: usize = 32;

/// A validated network: operators, entity names, and the kind of pool.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Network {
    pub pool: Pool,
    pub operators: Vec<Operator>,
    /// Entity names in order of first appearance.
    pub entities: Vec<String>,
    /// Server-level detail, in operator order; empty for a plain pool (shares, or servers of
    /// weight 1 with no subnet or role).
    pub servers: Vec<Server>,
    pub subnets: Vec<String>,
    pub roles: Vec<String>,
}

/// The largest finite pool the samplers index (servers are addressed by `u32`).
pub const MAX_SERVERS: u64 = 1 << 24;
/// The largest number of operators a network may have.
pub const MAX_OPERATORS: usize = 10_000_000;

impl Network {
    /// Builds a network from operator specs, checking what the model requires. Errors are plain
    /// messages; the caller adds the file and key.
    pub fn from_specs(specs: Vec<OperatorSpec>) -> Result<Network, String> {
        if specs.is_empty() {
            return Err("the network has no operators; expected at least one".into());
        }
        if specs.len() > MAX_OPERATORS {
            return Err(format!(
                "{} operators is more than the limit of {MAX_OPERATORS}",
                specs.len()
            ));
        }
        let pool = match specs[0].size {
            Size::Share(_) => Pool::Infinite,
            Size::Servers(_) => Pool::Finite,
        };
        let mut names = std::collections::HashSet::with_capacity(specs.len());
        let mut entity_index = std::collections::HashMap::new();
        let mut entities = Vec::new();
        let mut operators = Vec::with_capacity(specs.len());
        let mut total_servers: u64 = 0;
        for spec in specs {
            if spec.name.trim().is_empty() {
                return Err("an operator has an empty name".into());
            }
            if !names.insert(spec.name.clone()) {
                return Err(format!(
                    "operator name `{}` appears twice; names must be unique",
                    spec.name
                ));
            }
            let (weight, servers) = match (pool, spec.size) {
                (Pool::Infinite, Size::Share(s)) => {
                    if !s.is_finite() || s <= 0.0 {
                        return Err(format!(
                            "operator `{}` has share {s}; expected a positive finite number",
                            spec.name
                        ));
                    }
                    (s, 0)
                }
                (Pool::Finite, Size::Servers(n)) => {
                    if n == 0 {
                        return Err(format!(
                            "operator `{}` has servers = 0; expected a positive integer",
                            spec.name
                        ));
                    }
                    total_servers = total_servers.saturating_add(n);
                    (n as f64, n)
                }
                _ => {
                    return Err(format!(
                        "operator `{}` mixes shares and servers; a network uses shares (infinite pool) or servers (finite pool), never both",
                        spec.name
                    ));
                }
            };
            let entity_name = spec.entity.unwrap_or_else(|| spec.name.clone());
            if entity_name.trim().is_empty() {
                return Err(format!("operator `{}` has an empty entity", spec.name));
            }
            let entity = *entity_index.entry(entity_name.clone()).or_insert_with(|| {
                entities.push(entity_name);
                entities.len() - 1
            });
            operators.push(Operator {
                name: spec.name,
                entity,
                weight,
                servers,
            });
        }
        if total_servers > MAX_SERVERS {
            return Err(format!(
                "{total_servers} servers in all is more than the limit of {MAX_SERVERS}"
            ));
        }
        let total: f64 = operators.iter().map(|o| o.weight).sum();
        if !total.is_finite() {
            return Err("the shares add up to infinity; expected finite shares".into());
        }
        Ok(Network {
            servers: Vec::new(),
            subnets: Vec::new(),
            roles: Vec::new(),
            pool,
            operators,
            entities,
        })
    }

    /// A server-level network: operators are the servers' operators, in order of first
    /// appearance, each weighing the sum of its servers' weights.
    pub fn from_servers(specs: Vec<ServerSpec>) -> Result<Network, String> {
        if specs.is_empty() {
            return Err("the network has no servers; expected at least one".into());
        }
        if specs.len() as u64 > MAX_SERVERS {
            return Err(format!(
                "{} servers is more than the limit of {MAX_SERVERS}",
                specs.len()
            ));
        }
        let mut order: Vec<String> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut count: Vec<u64> = Vec::new();
        let mut weight: Vec<f64> = Vec::new();
        let mut entity: Vec<Option<String>> = Vec::new();
        let mut subnets: Vec<String> = Vec::new();
        let mut subnet_index = std::collections::HashMap::new();
        let mut roles: Vec<String> = Vec::new();
        let mut servers = Vec::with_capacity(specs.len());
        for (i, s) in specs.iter().enumerate() {
            let row = i + 1;
            if s.operator.trim().is_empty() {
                return Err(format!("server {row} has an empty operator"));
            }
            if !s.weight.is_finite() || s.weight <= 0.0 {
                return Err(format!(
                    "server {row} has weight {}; expected a positive finite number",
                    s.weight
                ));
            }
            let op = *index.entry(s.operator.clone()).or_insert_with(|| {
                order.push(s.operator.clone());
                count.push(0);
                weight.push(0.0);
                entity.push(s.entity.clone());
                order.len() - 1
            });
            if s.entity.is_some() && entity[op] != s.entity {
                return Err(format!(
                    "server {row} gives operator `{}` the entity `{}`, but an earlier server gave it `{}`",
                    s.operator,
                    s.entity.as_deref().unwrap_or(""),
                    entity[op].as_deref().unwrap_or(&s.operator)
                ));
            }
            count[op] += 1;
            weight[op] += s.weight;
            let subnet = s.subnet.as_ref().map(|name| {
                *subnet_index.entry(name.clone()).or_insert_with(|| {
                    subnets.push(name.clone());
                    (subnets.len() - 1) as u32
                })
            });
            let mut mask = 0u32;
            for r in &s.roles {
                let k = match roles.iter().position(|x| x == r) {
                    Some(k) => k,
                    None => {
                        if roles.len() == MAX_ROLES {
                            return Err(format!("more than {MAX_ROLES} distinct roles"));
                        }
                        roles.push(r.clone());
                        roles.len() - 1
                    }
                };
                mask |= 1 << k;
            }
            servers.push((
                op,
                Server {
                    operator: op as u32,
                    weight: s.weight,
                    subnet,
                    roles: mask,
                },
            ));
        }
        let specs: Vec<OperatorSpec> = order
            .iter()
            .enumerate()
            .map(|(i, name)| OperatorSpec {
                name: name.clone(),
                entity: entity[i].clone(),
                size: Size::Servers(count[i]),
            })
            .collect();
        let mut network = Network::from_specs(specs)?;
        for (op, w) in network.operators.iter_mut().zip(weight) {
            op.weight = w;
        }
        // Servers in operator order, so an operator's servers are contiguous.
        servers.sort_by_key(|(op, _)| *op);
        network.servers = servers.into_iter().map(|(_, s)| s).collect();
        network.subnets = subnets;
        network.roles = roles;
        Ok(network)
    }

    /// Whether servers carry their own weights, subnets or roles.
    pub fn is_server_level(&self) -> bool {
        !self.servers.is_empty()
    }

    /// Every server with its operator, weight, subnet and roles; a plain finite pool is
    /// expanded into servers of weight 1 with every role.
    pub fn server_list(&self) -> Vec<Server> {
        if self.is_server_level() {
            return self.servers.clone();
        }
        let mut out = Vec::new();
        for (i, op) in self.operators.iter().enumerate() {
            for _ in 0..op.servers {
                out.push(Server {
                    operator: i as u32,
                    weight: 1.0,
                    subnet: None,
                    roles: u32::MAX,
                });
            }
        }
        out
    }

    /// Total weight of all operators (shares need not sum to 1).
    pub fn total_weight(&self) -> f64 {
        self.operators.iter().map(|o| o.weight).sum()
    }

    /// Each operator's weight divided by the total.
    pub fn operator_shares(&self) -> Vec<f64> {
        let total = self.total_weight();
        self.operators.iter().map(|o| o.weight / total).collect()
    }

    /// Each entity's share: the sum of its operators' weights, normalised.
    pub fn entity_shares(&self) -> Vec<f64> {
        let total = self.total_weight();
        let mut shares = vec![0.0; self.entities.len()];
        for op in &self.operators {
            shares[op.entity] += op.weight;
        }
        shares.iter_mut().for_each(|s| *s /= total);
        shares
    }

    /// Number of servers of each entity (finite pool).
    pub fn entity_servers(&self) -> Vec<u64> {
        let mut servers = vec![0u64; self.entities.len()];
        for op in &self.operators {
            servers[op.entity] += op.servers;
        }
        servers
    }

    /// Number of operators each entity declares.
    pub fn entity_operator_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.entities.len()];
        for op in &self.operators {
            counts[op.entity] += 1;
        }
        counts
    }

    pub fn total_servers(&self) -> u64 {
        self.operators.iter().map(|o| o.servers).sum()
    }

    pub fn entity_index(&self, name: &str) -> Option<usize> {
        self.entities.iter().position(|e| e == name)
    }

    /// Reassigns the named operators to `entity` (collusion or a Sybil declared after the fact).
    pub fn assign_entity(&mut self, entity: &str, operators: &[String]) -> Result<(), String> {
        let idx = match self.entity_index(entity) {
            Some(i) => i,
            None => {
                self.entities.push(entity.to_string());
                self.entities.len() - 1
            }
        };
        for name in operators {
            let Some(i) = self.operators.iter().position(|o| &o.name == name) else {
                let known = self.operators.iter().map(|o| o.name.as_str());
                return Err(format!(
                    "no operator is named `{name}`{}",
                    crate::scenario::names::did_you_mean(name, known)
                ));
            };
            self.operators[i].entity = idx;
        }
        self.drop_unused_entities();
        Ok(())
    }

    /// Removes entities that no operator belongs to any more, keeping first-appearance order.
    fn drop_unused_entities(&mut self) {
        let mut used = vec![false; self.entities.len()];
        for op in &self.operators {
            used[op.entity] = true;
        }
        let mut remap = vec![usize::MAX; self.entities.len()];
        let mut kept = Vec::new();
        for (i, name) in self.entities.iter().enumerate() {
            if used[i] {
                remap[i] = kept.len();
                kept.push(name.clone());
            }
        }
        for op in &mut self.operators {
            op.entity = remap[op.entity];
        }
        self.entities = kept;
    }

    /// A one-line description, e.g. "50 operators, 50 entities, infinite pool (shares)".
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} operators, {} entities, {}",
            self.operators.len(),
            self.entities.len(),
            self.pool.name()
        );
        if self.pool == Pool::Finite {
            s.push_str(&format!(", {} servers", self.total_servers()));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(name: &str, s: f64, entity: Option<&str>) -> OperatorSpec {
        OperatorSpec {
            name: name.into(),
            entity: entity.map(Into::into),
            size: Size::Share(s),
        }
    }

    #[test]
    fn entity_shares_add_operators_of_one_entity() {
        let net = Network::from_specs(vec![
            share("a", 1.0, Some("x")),
            share("b", 1.0, Some("x")),
            share("c", 2.0, None),
        ])
        .unwrap();
        assert_eq!(net.entities, vec!["x", "c"]);
        assert_eq!(net.entity_shares(), vec![0.5, 0.5]);
        assert_eq!(net.entity_operator_counts(), vec![2, 1]);
    }

    #[test]
    fn rejects_mix_of_shares_and_servers() {
        let err = Network::from_specs(vec![
            share("a", 1.0, None),
            OperatorSpec {
                name: "b".into(),
                entity: None,
                size: Size::Servers(3),
            },
        ])
        .unwrap_err();
        assert!(err.contains("mixes shares and servers"), "{err}");
    }

    #[test]
    fn rejects_bad_shares() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Network::from_specs(vec![share("a", bad, None)]).is_err());
        }
    }

    #[test]
    fn assigning_entities_drops_the_ones_left_empty() {
        let mut net = Network::from_specs(vec![
            share("a", 1.0, None),
            share("b", 1.0, None),
            share("c", 1.0, None),
        ])
        .unwrap();
        net.assign_entity("m", &["a".into(), "c".into()]).unwrap();
        assert_eq!(net.entities, vec!["b", "m"]);
        assert_eq!(net.entity_operator_counts(), vec![1, 2]);
        assert!(net.assign_entity("m", &["zz".into()]).is_err());
    }
}
