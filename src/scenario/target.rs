//! The adversary's target in a scenario: `"any"`, one entity or a coalition, by name; on a
//! Tor network also relays by fingerprint, a relay's family, or IPv4 blocks.

use super::names;
use crate::adversary::Target;
use crate::model::Network;
use crate::model::tor::TorRelays;

/// The tor targets' keys.
const TOR_TARGETS: [&str; 3] = ["relays", "family_of", "ipv4"];

pub(super) fn parse_target(
    v: &toml::Value,
    network: &mut Network,
    tor: Option<&TorRelays>,
) -> Result<Target, String> {
    if let toml::Value::Table(t) = v
        && t.len() == 1
        && let Some((key, value)) = t.iter().next()
        && TOR_TARGETS.contains(&key.as_str())
    {
        let relays = tor.ok_or_else(|| {
            format!("`{key}` picks relays of a tor network, and this network is not one")
        })?;
        let (name, chosen) = tor_target(key, value, relays)?;
        let fingerprints: Vec<String> = chosen
            .iter()
            .map(|&r| relays.fingerprints[r].clone())
            .collect();
        network.assign_entity(&name, &fingerprints)?;
        let e = network
            .entity_index(&name)
            .expect("the entity was just assigned");
        return Ok(Target::Entity(e));
    }
    let network = &*network;
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
            "{other} is not a target; expected \"any\", {{ entity = \"NAME\" }} or {{ coalition = [\"A\", \"B\"] }}{}",
            if tor.is_some() {
                ", or on a tor network { relays = [\"FINGERPRINT\", …] }, { family_of = \"FINGERPRINT\" } or { ipv4 = [\"CIDR\", …] }"
            } else {
                ""
            }
        )),
    }
}

/// The entity name and the relays of a tor target.
fn tor_target(
    key: &str,
    value: &toml::Value,
    relays: &TorRelays,
) -> Result<(String, Vec<usize>), String> {
    let strings = |what: &str| -> Result<Vec<String>, String> {
        let list = match value {
            toml::Value::String(s) => vec![s.clone()],
            toml::Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("{x} is not a string; expected {what}"))
                })
                .collect::<Result<_, _>>()?,
            other => return Err(format!("{other}; expected {what} or a list of them")),
        };
        if list.is_empty() {
            return Err(format!("an empty list; expected at least one {what}"));
        }
        Ok(list)
    };
    let relay = |fp: &str| -> Result<usize, String> {
        relays.by_fingerprint(fp).ok_or_else(|| {
            format!(
                "no relay of the consensus has the fingerprint `{fp}`{}",
                if fp.trim_start_matches('$').len() != 40
                    || !fp
                        .trim_start_matches('$')
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit())
                {
                    "; expected 40 hexadecimal digits"
                } else {
                    ""
                }
            )
        })
    };
    match key {
        "relays" => {
            let list = strings("a relay fingerprint")?;
            let mut chosen = list
                .iter()
                .map(|f| relay(f))
                .collect::<Result<Vec<_>, _>>()?;
            chosen.sort_unstable();
            chosen.dedup();
            Ok((format!("relays ({})", chosen.len()), chosen))
        }
        "family_of" => {
            let fp = value
                .as_str()
                .ok_or_else(|| format!("{value}; expected one relay fingerprint"))?;
            let r = relay(fp)?;
            let chosen = relays.component_of(r);
            let first = chosen[0];
            Ok((
                crate::model::tor::family_name(
                    &relays.nicknames[first],
                    &relays.fingerprints[first],
                ),
                chosen,
            ))
        }
        _ => {
            let blocks = strings("an IPv4 block such as \"5.9.0.0/16\"")?
                .iter()
                .map(|b| parse_cidr(b).map(|net| (b.clone(), net)))
                .collect::<Result<Vec<_>, _>>()?;
            let chosen: Vec<usize> = (0..relays.len())
                .filter(|&r| {
                    blocks
                        .iter()
                        .any(|(_, (net, prefix))| relays.in_ipv4_block(r, *net, *prefix))
                })
                .collect();
            let names: Vec<&str> = blocks.iter().map(|(b, _)| b.as_str()).collect();
            if chosen.is_empty() {
                return Err(format!(
                    "no relay of the consensus has an IPv4 address in {}; expected blocks \
                     that hold at least one relay",
                    names.join(", ")
                ));
            }
            let name = if names.len() <= 3 {
                format!("ipv4 {}", names.join("+"))
            } else {
                format!("ipv4 {} and {} more blocks", names[0], names.len() - 1)
            };
            Ok((name, chosen))
        }
    }
}

/// "a.b.c.d/n" → (address, prefix length).
pub(super) fn parse_cidr(text: &str) -> Result<(u32, u8), String> {
    let bad = || format!("`{text}` is not an IPv4 block; expected a.b.c.d/n with n from 0 to 32");
    let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
    let address: std::net::Ipv4Addr = address.trim().parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.trim().parse().map_err(|_| bad())?;
    if prefix > 32 {
        return Err(bad());
    }
    Ok((u32::from(address), prefix))
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

#[cfg(test)]
mod tests {
    use super::parse_cidr;

    #[test]
    fn blocks_are_parsed_and_malformed_ones_refused() {
        assert_eq!(parse_cidr("5.9.0.0/16"), Ok((0x0509_0000, 16)));
        assert_eq!(parse_cidr("0.0.0.0/0"), Ok((0, 0)));
        for bad in ["5.9.0.0", "5.9.0/16", "5.9.0.0/33", "x/8", "5.9.0.0/-1"] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }
}
