//! Real-data network loaders (the data stays in its own files, read from a path) and the
//! adversary overlay that the presets' tables use.

use super::{Network, Pool, ServerSpec};

/// The index of column `name` in a CSV header, or a message naming the file.
fn column(headers: &csv::StringRecord, name: &str, label: &str) -> Result<usize, String> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("{label}: header: no `{name}` column"))
}

/// Tor relay families from OrNetStats' table (`rank,kind,id_prefix,cw_fraction_pct,exit_pct,
/// guard_pct,relays,first_seen`): each family is an operator with a guard, a middle and an
/// exit server weighted by its guard probability, consensus-weight fraction and exit
/// probability (in percent), so that with roles [guard, middle, exit] a hop in each position
/// picks a family by the right probability. The weight the table leaves out (100% minus its
/// sums) goes to `others` single-relay operators in equal parts.
pub fn tor_families(text: &str, label: &str, others: u64) -> Result<Vec<ServerSpec>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{label}: cannot read the header: {e}"))?
        .clone();
    let col = |name: &str| column(&headers, name, label);
    let (id, cw, exit, guard) = (
        col("id_prefix")?,
        col("cw_fraction_pct")?,
        col("exit_pct")?,
        col("guard_pct")?,
    );
    let mut specs = Vec::new();
    let mut sums = [0.0f64; 3];
    for (k, record) in reader.records().enumerate() {
        let row = k + 2;
        let record = record.map_err(|e| format!("{label}: row {row}: malformed row: {e}"))?;
        let field = |c: usize, name: &str| -> Result<f64, String> {
            let v = record.get(c).unwrap_or("");
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && (0.0..=100.0).contains(x))
                .ok_or_else(|| {
                    format!("{label}: row {row}, column {name}: `{v}`; expected a percentage")
                })
        };
        let name = format!("family-{}", record.get(id).unwrap_or(""));
        for (i, (c, role, column)) in [
            (guard, "guard", "guard_pct"),
            (cw, "middle", "cw_fraction_pct"),
            (exit, "exit", "exit_pct"),
        ]
        .into_iter()
        .enumerate()
        {
            let w = field(c, column)?;
            sums[i] += w;
            if w > 0.0 {
                specs.push(ServerSpec {
                    operator: name.clone(),
                    weight: w,
                    subnet: None,
                    entity: None,
                    roles: vec![role.into()],
                });
            }
        }
    }
    if specs.is_empty() {
        return Err(format!("{label}: no family rows"));
    }
    if others > 0 {
        for i in 1..=others {
            for (k, role) in ["guard", "middle", "exit"].into_iter().enumerate() {
                let w = (100.0 - sums[k]).max(0.0) / others as f64;
                if w > 0.0 {
                    specs.push(ServerSpec {
                        operator: format!("relay{i}"),
                        weight: w,
                        subnet: None,
                        entity: None,
                        roles: vec![role.into()],
                    });
                }
            }
        }
    }
    Ok(specs)
}

/// SimpleX Chat's preset servers (`operator,protocol,host,...,preset_enabled,use_per_new_user,
/// role_storage,role_proxy,...`): for each named operator, the first `use_per_new_user`
/// enabled servers of `protocol`, with roles `storage` and `proxy` as the table gives; and
/// `custom` servers of one more operator, "custom", that may do both.
pub fn simplex_presets(
    text: &str,
    label: &str,
    operators: &[String],
    protocol: &str,
    custom: u64,
) -> Result<Vec<ServerSpec>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{label}: cannot read the header: {e}"))?
        .clone();
    let col = |name: &str| column(&headers, name, label);
    let (op, proto, host, enabled, per_user, storage, proxy) = (
        col("operator")?,
        col("protocol")?,
        col("host")?,
        col("preset_enabled")?,
        col("use_per_new_user")?,
        col("role_storage")?,
        col("role_proxy")?,
    );
    let mut specs = Vec::new();
    let mut taken = vec![0u64; operators.len()];
    for (k, record) in reader.records().enumerate() {
        let row = k + 2;
        let record = record.map_err(|e| format!("{label}: row {row}: malformed row: {e}"))?;
        let get = |c: usize| record.get(c).unwrap_or("");
        let Some(i) = operators.iter().position(|o| o == get(op)) else {
            continue;
        };
        if get(proto) != protocol || get(enabled) != "true" {
            continue;
        }
        let limit: u64 = get(per_user).parse().map_err(|_| {
            format!(
                "{label}: row {row}, column use_per_new_user: `{}` is not a count",
                get(per_user)
            )
        })?;
        if taken[i] >= limit {
            continue;
        }
        taken[i] += 1;
        let mut roles = Vec::new();
        if get(storage) == "true" {
            roles.push("storage".to_string());
        }
        if get(proxy) == "true" {
            roles.push("proxy".to_string());
        }
        let _ = get(host);
        specs.push(ServerSpec {
            operator: get(op).to_string(),
            weight: 1.0,
            subnet: None,
            entity: None,
            roles,
        });
    }
    for (i, name) in operators.iter().enumerate() {
        if taken[i] == 0 {
            return Err(format!(
                "{label}: no enabled {protocol} server of operator `{name}`"
            ));
        }
    }
    for _ in 0..custom {
        specs.push(ServerSpec {
            operator: "custom".into(),
            weight: 1.0,
            subnet: None,
            entity: None,
            roles: vec!["storage".into(), "proxy".into()],
        });
    }
    Ok(specs)
}

impl Network {
    /// The network with an adversary entity `name` added, split over `operators` operators,
    /// holding `share` of the selection weight: of the total in an infinite pool or a network
    /// without roles, and of each role's weight when servers have roles (one server per role
    /// per adversary operator), so that it holds `share` at every position that needs a role.
    pub fn with_adversary(
        &self,
        name: &str,
        share: f64,
        operators: u64,
    ) -> Result<Network, String> {
        if !(share > 0.0 && share < 1.0) {
            return Err(format!(
                "share {share}; expected a fraction between 0 and 1 exclusive"
            ));
        }
        if operators == 0 || operators > 1000 {
            return Err(format!("{operators} operators; expected 1 to 1000"));
        }
        if self.entity_index(name).is_some() {
            return Err(format!("the network already has an entity `{name}`"));
        }
        let op_name = |k: u64| {
            if operators == 1 {
                name.to_string()
            } else {
                format!("{name}-{k}")
            }
        };
        let scale = share / (1.0 - share) / operators as f64;
        if self.pool == Pool::Infinite {
            let mut specs: Vec<super::OperatorSpec> = self
                .operators
                .iter()
                .map(|o| super::OperatorSpec {
                    name: o.name.clone(),
                    entity: Some(self.entities[o.entity].clone()),
                    size: super::Size::Share(o.weight),
                })
                .collect();
            let total = self.total_weight();
            for k in 1..=operators {
                specs.push(super::OperatorSpec {
                    name: op_name(k),
                    entity: Some(name.to_string()),
                    size: super::Size::Share(total * scale),
                });
            }
            return Network::from_specs(specs);
        }
        let servers = self.server_list();
        let mut specs: Vec<ServerSpec> = servers
            .iter()
            .map(|s| {
                let op = &self.operators[s.operator as usize];
                ServerSpec {
                    operator: op.name.clone(),
                    weight: s.weight,
                    subnet: s.subnet.map(|i| self.subnets[i as usize].clone()),
                    entity: Some(self.entities[op.entity].clone()),
                    roles: (0..self.roles.len())
                        .filter(|r| s.roles >> r & 1 == 1)
                        .map(|r| self.roles[r].clone())
                        .collect(),
                }
            })
            .collect();
        for k in 1..=operators {
            if self.roles.is_empty() {
                let total: f64 = servers.iter().map(|s| s.weight).sum();
                specs.push(ServerSpec {
                    operator: op_name(k),
                    weight: total * scale,
                    subnet: None,
                    entity: Some(name.to_string()),
                    roles: Vec::new(),
                });
            } else {
                for (r, role) in self.roles.iter().enumerate() {
                    let total: f64 = servers
                        .iter()
                        .filter(|s| s.roles >> r & 1 == 1)
                        .map(|s| s.weight)
                        .sum();
                    specs.push(ServerSpec {
                        operator: op_name(k),
                        weight: total * scale,
                        subnet: None,
                        entity: Some(name.to_string()),
                        roles: vec![role.clone()],
                    });
                }
            }
        }
        Network::from_servers(specs)
    }
}
