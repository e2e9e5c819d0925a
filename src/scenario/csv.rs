//! Operator lists from CSV: columns `name`, `share` or `servers`, and optionally `entity`.

use crate::error::InputError;
use crate::model::{OperatorSpec, Size};
use std::path::Path;

/// Files larger than this are refused before reading.
pub const MAX_CSV_BYTES: u64 = 100 * 1024 * 1024;
/// Files with more data rows than this are refused.
pub const MAX_CSV_ROWS: usize = 1_000_000;

/// Reads a data file, refusing one over [`MAX_CSV_BYTES`] before reading it. Returns the text
/// and the file's label for messages; `what` names the file in them ("operator CSV").
pub fn read_data(path: &Path, what: &str) -> Result<(String, String), InputError> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| InputError::whole(&label, format!("cannot read the {what}: {e}")))?;
    if meta.len() > MAX_CSV_BYTES {
        return Err(InputError::whole(
            &label,
            format!(
                "the file has {} bytes; the limit is {MAX_CSV_BYTES}",
                meta.len()
            ),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::whole(&label, format!("cannot read the {what}: {e}")))?;
    Ok((text, label))
}

pub fn load_operators(path: &Path) -> Result<Vec<OperatorSpec>, InputError> {
    let (text, label) = read_data(path, "operator CSV")?;
    parse_operators(&text, &label)
}

pub fn parse_operators(text: &str, label: &str) -> Result<Vec<OperatorSpec>, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| InputError::new(label, "header", format!("cannot read the header line: {e}")))?
        .clone();
    let mut name_col = None;
    let mut share_col = None;
    let mut servers_col = None;
    let mut entity_col = None;
    for (i, h) in headers.iter().enumerate() {
        let slot = match h {
            "name" => &mut name_col,
            "share" => &mut share_col,
            "servers" => &mut servers_col,
            "entity" => &mut entity_col,
            other => {
                return Err(InputError::new(
                    label,
                    "header",
                    format!(
                        "unknown column `{other}`; expected name, share or servers, and optionally entity"
                    ),
                ));
            }
        };
        if slot.replace(i).is_some() {
            return Err(InputError::new(
                label,
                "header",
                format!("column `{h}` appears twice"),
            ));
        }
    }
    let name_col = name_col.ok_or_else(|| InputError::new(label, "header", "no `name` column"))?;
    let size_col = match (share_col, servers_col) {
        (Some(c), None) => Ok((c, true)),
        (None, Some(c)) => Ok((c, false)),
        (None, None) => Err("no `share` or `servers` column; expected one of them"),
        (Some(_), Some(_)) => {
            Err("both `share` and `servers` columns; a network uses one or the other")
        }
    }
    .map_err(|m| InputError::new(label, "header", m))?;

    let mut specs = Vec::new();
    // Operator name → the row it first appeared on, so a repeat names both rows.
    let mut seen = std::collections::HashMap::new();
    for (k, record) in reader.records().enumerate() {
        // Line numbers count the header as line 1.
        let line = k + 2;
        let row = format!("row {line}");
        let record =
            record.map_err(|e| InputError::new(label, &row, format!("malformed row: {e}")))?;
        if specs.len() >= MAX_CSV_ROWS {
            return Err(InputError::whole(
                label,
                format!("more than {MAX_CSV_ROWS} rows; that is the limit"),
            ));
        }
        let field = |col: usize, what: &str| {
            record.get(col).filter(|v| !v.is_empty()).ok_or_else(|| {
                InputError::new(
                    label,
                    format!("{row}, column {what}"),
                    "empty; expected a value",
                )
            })
        };
        let name = field(name_col, "name")?.to_string();
        if let Some(first) = seen.insert(name.clone(), line) {
            return Err(InputError::new(
                label,
                format!("{row}, column name"),
                format!("operator `{name}` already on row {first}; names must be unique"),
            ));
        }
        let (col, is_share) = size_col;
        let raw = field(col, if is_share { "share" } else { "servers" })?;
        let size = if is_share {
            let s: f64 = raw.parse().map_err(|_| {
                InputError::new(
                    label,
                    format!("{row}, column share"),
                    format!("`{raw}` is not a number"),
                )
            })?;
            if !s.is_finite() || s <= 0.0 {
                return Err(InputError::new(
                    label,
                    format!("{row}, column share"),
                    format!("share {raw}; expected a positive finite number"),
                ));
            }
            Size::Share(s)
        } else {
            let n: u64 = raw.parse().map_err(|_| {
                InputError::new(
                    label,
                    format!("{row}, column servers"),
                    format!("`{raw}` is not a positive integer"),
                )
            })?;
            if n == 0 {
                return Err(InputError::new(
                    label,
                    format!("{row}, column servers"),
                    "0; expected a positive integer",
                ));
            }
            Size::Servers(n)
        };
        let entity = entity_col
            .and_then(|c| record.get(c))
            .filter(|v| !v.is_empty())
            .map(String::from);
        specs.push(OperatorSpec { name, entity, size });
    }
    if specs.is_empty() {
        return Err(InputError::whole(
            label,
            "no operator rows; expected at least one",
        ));
    }
    Ok(specs)
}

/// The subnet label of an IPv4 address under a prefix length: "10.1.0.0/16".
pub fn subnet_of(ip: &str, prefix: u8) -> Result<String, String> {
    let addr: std::net::Ipv4Addr = ip
        .trim()
        .parse()
        .map_err(|_| format!("`{ip}` is not an IPv4 address"))?;
    if prefix > 32 {
        return Err(format!("prefix /{prefix}; expected 0 to 32"));
    }
    let bits = u32::from(addr);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    Ok(format!(
        "{}/{prefix}",
        std::net::Ipv4Addr::from(bits & mask)
    ))
}

/// Servers from CSV: `operator`, and optionally `weight` (default 1), `subnet` or `ip` (with a
/// prefix length), `entity`, `roles` (separated by `;`, `|` or spaces).
pub fn load_servers(
    path: &Path,
    prefix: Option<u8>,
) -> Result<Vec<crate::model::ServerSpec>, InputError> {
    let (text, label) = read_data(path, "server CSV")?;
    parse_servers(&text, &label, prefix)
}

pub fn parse_servers(
    text: &str,
    label: &str,
    prefix: Option<u8>,
) -> Result<Vec<crate::model::ServerSpec>, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| InputError::new(label, "header", format!("cannot read the header line: {e}")))?
        .clone();
    let known = ["operator", "weight", "subnet", "ip", "entity", "roles"];
    let mut cols = [None; 6];
    for (i, h) in headers.iter().enumerate() {
        let k = known.iter().position(|k| *k == h).ok_or_else(|| {
            InputError::new(label, "header", format!("unknown column `{h}`; expected operator, and optionally weight, subnet or ip, entity, roles"))
        })?;
        if cols[k].replace(i).is_some() {
            return Err(InputError::new(
                label,
                "header",
                format!("column `{h}` appears twice"),
            ));
        }
    }
    let operator =
        cols[0].ok_or_else(|| InputError::new(label, "header", "no `operator` column"))?;
    if cols[2].is_some() && cols[3].is_some() {
        return Err(InputError::new(
            label,
            "header",
            "both `subnet` and `ip`; give one",
        ));
    }
    if cols[3].is_some() && prefix.is_none() {
        return Err(InputError::new(
            label,
            "header",
            "an `ip` column needs `subnet_prefix` in [network]",
        ));
    }
    let mut specs = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let row = format!("row {}", k + 2);
        let record =
            record.map_err(|e| InputError::new(label, &row, format!("malformed row: {e}")))?;
        if specs.len() >= MAX_CSV_ROWS {
            return Err(InputError::whole(
                label,
                format!("more than {MAX_CSV_ROWS} rows; that is the limit"),
            ));
        }
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).filter(|v| !v.is_empty());
        let op = get(Some(operator)).ok_or_else(|| {
            InputError::new(
                label,
                format!("{row}, column operator"),
                "empty; expected a value",
            )
        })?;
        let weight = match get(cols[1]) {
            None => 1.0,
            Some(w) => w
                .parse::<f64>()
                .ok()
                .filter(|w| w.is_finite() && *w > 0.0)
                .ok_or_else(|| {
                    InputError::new(
                        label,
                        format!("{row}, column weight"),
                        format!("`{w}`; expected a positive finite number"),
                    )
                })?,
        };
        let subnet = match (get(cols[2]), get(cols[3])) {
            (Some(s), _) => Some(s.to_string()),
            (None, Some(ip)) => Some(
                subnet_of(ip, prefix.unwrap_or(32))
                    .map_err(|m| InputError::new(label, format!("{row}, column ip"), m))?,
            ),
            _ => None,
        };
        let roles = get(cols[5])
            .map(|r| {
                r.split([';', '|', ' '])
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        specs.push(crate::model::ServerSpec {
            operator: op.to_string(),
            weight,
            subnet,
            entity: get(cols[4]).map(String::from),
            roles,
        });
    }
    if specs.is_empty() {
        return Err(InputError::whole(
            label,
            "no server rows; expected at least one",
        ));
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_shares_and_entities() {
        let specs = parse_operators("name,share,entity\na,0.5,x\nb,1.5,\n", "t.csv").unwrap();
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].entity.as_deref(), Some("x"));
        assert_eq!(specs[1].entity, None);
        assert_eq!(specs[1].size, Size::Share(1.5));
    }

    #[test]
    fn names_the_row_of_a_bad_share() {
        let err = parse_operators("name,share\na,0.5\nb,-1\n", "t.csv").unwrap_err();
        assert_eq!(err.location.as_deref(), Some("row 3, column share"));
    }

    #[test]
    fn rejects_unknown_columns() {
        assert!(parse_operators("name,weight\na,1\n", "t.csv").is_err());
    }
}
