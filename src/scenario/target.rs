//! The adversary's target in a scenario: `"any"`, one entity or a coalition, by name.

use super::names;
use crate::adversary::Target;
use crate::model::Network;

pub(super) fn parse_target(v: &toml::Value, network: &Network) -> Result<Target, String> {
    let entity = |name: &toml::Value| -> Result<usize, String> {
        let name = name
            .as_str()
            .ok_or_else(|| format!("{name} is not a string; expected an entity name"))?;
        network.entity_index(name).ok_or_else(|| {
            format!(
                "no operator belongs to entity `{name}`{}; entities are: {}",
                names::did_you_mean(name, network.entities.iter().map(String::as_str)),
                list(&network.entities)
            )
        })
    };
    match v {
        toml::Value::String(s) if s == "any" => Ok(Target::Any),
        toml::Value::Table(t) if t.len() == 1 && t.contains_key("entity") => {
            Ok(Target::Entity(entity(&t["entity"])?))
        }
        toml::Value::Table(t) if t.len() == 1 && t.contains_key("coalition") => {
            let members = t["coalition"]
                .as_array()
                .ok_or("coalition must be a list of entity names")?;
            if members.is_empty() {
                return Err("the coalition is empty; expected at least one entity".into());
            }
            let mut idx = members.iter().map(entity).collect::<Result<Vec<_>, _>>()?;
            let n = idx.len();
            idx.sort_unstable();
            idx.dedup();
            if idx.len() != n {
                return Err("an entity is listed twice in the coalition".into());
            }
            Ok(Target::Coalition(idx))
        }
        other => Err(format!(
            "{other} is not a target; expected \"any\", {{ entity = \"NAME\" }} or {{ coalition = [\"A\", \"B\"] }}"
        )),
    }
}

pub(super) fn list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}
