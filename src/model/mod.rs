//! The network model: operators, the entities that own them, and the pool they form.

mod generate;

pub use generate::{adversary_operators, uniform_operators, zipf_operators};

/// How hops pick from a network (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub name: String,
    /// Index into [`Network::entities`].
    pub entity: usize,
    /// Relative weight: the share, or the number of servers (each of weight 1).
    pub weight: f64,
    /// Number of servers (finite pool only; 0 in an infinite pool).
    pub servers: u64,
}

/// A validated network: operators, entity names, and the kind of pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub pool: Pool,
    pub operators: Vec<Operator>,
    /// Entity names in order of first appearance.
    pub entities: Vec<String>,
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
            pool,
            operators,
            entities,
        })
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
            let op = self
                .operators
                .iter_mut()
                .find(|o| &o.name == name)
                .ok_or_else(|| format!("no operator is named `{name}`"))?;
            op.entity = idx;
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
