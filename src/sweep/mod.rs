//! Parameter sweeps: `--vary KEY=FROM:TO:STEPS` (or `log:FROM:TO:STEPS`) over any scenario key,
//! several making a grid, and `--compare KEY=A,B,...` series. Each point is the scenario file
//! with the keys replaced, validated again as a whole, so a sweep can never run a scenario that
//! `pathrisk run` would refuse.

use crate::error::InputError;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

use crate::options::CLI;

/// Keys whose values are integers: swept values are rounded to them.
const INTEGER_KEYS: [&str; 7] = [
    "hops",
    "paths",
    "trials",
    "seed",
    "operators",
    "others",
    "servers",
];

/// One `--vary`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Vary {
    pub key: String,
    pub values: Vec<f64>,
    pub log: bool,
    pub integer: bool,
    /// The values are times (seconds since the epoch), written as dates (`--over consensus`).
    #[serde(default)]
    pub dates: bool,
}

impl Vary {
    /// The consensuses of a series, by valid-after time: `--over consensus`.
    pub fn consensuses(valid_after: &[u64]) -> Vary {
        Vary {
            key: "valid_after".into(),
            values: valid_after.iter().map(|&t| t as f64).collect(),
            log: false,
            integer: true,
            dates: true,
        }
    }
}

/// One `--compare`.
#[derive(Debug, Clone, PartialEq)]
pub struct Compare {
    pub key: String,
    pub values: Vec<toml::Value>,
    /// How each value reads in a legend: the key's last part and the value as given,
    /// e.g. `selection=random`.
    pub labels: Vec<String>,
}

pub fn is_integer_key(key: &str) -> bool {
    INTEGER_KEYS.contains(&key.rsplit('.').next().unwrap_or(key))
}

fn split_key(spec: &str, flag: &str) -> Result<(String, String), InputError> {
    let (key, rest) = spec.split_once('=').ok_or_else(|| {
        InputError::new(CLI, flag, format!("`{spec}` has no `=`; expected KEY=VALUES, e.g. network.adversary.share=0.005:0.2:10"))
    })?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(InputError::new(
            CLI,
            flag,
            format!("`{key}` is not a key; expected dotted names such as run.paths"),
        ));
    }
    Ok((key.to_string(), rest.trim().to_string()))
}

impl Vary {
    /// Parses `KEY=FROM:TO:STEPS`, `KEY=log:FROM:TO:STEPS` or `KEY=A,B,…`.
    pub fn parse(spec: &str) -> Result<Vary, InputError> {
        parse_vary(spec)
    }
}

impl Compare {
    /// Parses `KEY=A,B,...`. A value is read as TOML (numbers, `{ entity = "x" }`), and as a
    /// plain string otherwise (`random`).
    pub fn parse(spec: &str) -> Result<Compare, InputError> {
        parse_compare(spec)
    }
}

fn parse_vary(spec: &str) -> Result<Vary, InputError> {
    let flag = "--vary";
    let (key, range) = split_key(spec, flag)?;
    let integer = is_integer_key(&key);
    if range.contains(',') {
        // An explicit list of values.
        let mut values = Vec::new();
        for v in range.split(',') {
            let x = v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    InputError::new(
                        CLI,
                        format!("{flag} {key}"),
                        format!("`{v}` is not a finite number"),
                    )
                })?;
            values.push(if integer { x.round() } else { x });
        }
        return Ok(Vary {
            key,
            values,
            log: false,
            integer,
            dates: false,
        });
    }
    let (log, range) = match range.strip_prefix("log:") {
        Some(r) => (true, r),
        None => (false, range.as_str()),
    };
    let parts: Vec<&str> = range.split(':').collect();
    let bad = |why: String| InputError::new(CLI, format!("{flag} {key}"), why);
    if parts.len() != 3 {
        return Err(bad(format!(
            "`{range}` is not FROM:TO:STEPS (or log:FROM:TO:STEPS)"
        )));
    }
    let number = |s: &str| -> Result<f64, InputError> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad(format!("`{s}` is not a finite number")))
    };
    let (from, to) = (number(parts[0])?, number(parts[1])?);
    let steps: usize = parts[2]
        .trim()
        .parse()
        .ok()
        .filter(|&n| (1..=10_000).contains(&n))
        .ok_or_else(|| {
            bad(format!(
                "`{}` steps; expected an integer from 1 to 10000",
                parts[2]
            ))
        })?;
    if log && (from <= 0.0 || to <= 0.0) {
        return Err(bad("a log range needs FROM and TO above 0".into()));
    }
    let mut values: Vec<f64> = (0..steps)
        .map(|i| {
            let t = if steps == 1 {
                0.0
            } else {
                i as f64 / (steps - 1) as f64
            };
            let v = if log {
                from * (to / from).powf(t)
            } else {
                from + (to - from) * t
            };
            if integer { v.round() } else { v }
        })
        .collect();
    // Rounding can make neighbours equal; a point is simulated once.
    values.dedup();
    Ok(Vary {
        key,
        values,
        log,
        integer,
        dates: false,
    })
}

/// Splits on commas outside quotes, brackets and braces.
fn split_top_level(s: &str) -> Vec<String> {
    let (mut parts, mut depth, mut quoted, mut current) = (Vec::new(), 0i32, false, String::new());
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' | '[' if !quoted => depth += 1,
            '}' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_string());
    parts
}

fn parse_compare(spec: &str) -> Result<Compare, InputError> {
    let (key, list) = split_key(spec, "--compare")?;
    let labels = split_top_level(&list);
    if labels.iter().any(String::is_empty) {
        return Err(InputError::new(
            CLI,
            format!("--compare {key}"),
            format!("`{list}` has an empty value"),
        ));
    }
    let values = labels
        .iter()
        .map(
            |raw| match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
                Ok(mut t) => t.remove("v").expect("parsed key"),
                Err(_) => toml::Value::String(raw.clone()),
            },
        )
        .collect();
    let short = key.rsplit('.').next().unwrap_or(&key).to_string();
    let labels = labels.into_iter().map(|l| format!("{short}={l}")).collect();
    Ok(Compare {
        key,
        values,
        labels,
    })
}

/// Sets a dotted key in a TOML table, creating tables on the way.
pub fn set_key(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().expect("non-empty key");
    let mut current = table;
    for (i, part) in parts.iter().enumerate() {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry.as_table_mut().ok_or_else(|| {
            format!(
                "`{}` is not a table, so `{key}` cannot be set",
                parts[..=i].join(".")
            )
        })?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// A vary value as TOML: an integer for integer keys.
pub fn vary_value(vary: &Vary, x: f64) -> toml::Value {
    if vary.integer {
        toml::Value::Integer(x as i64)
    } else {
        toml::Value::Float(x)
    }
}

/// The base scenario of a sweep, kept as TOML so keys can be replaced.
#[derive(Debug, Clone)]
pub struct Base {
    pub table: toml::Table,
    pub label: String,
    pub dir: PathBuf,
    pub name: String,
}

/// Whether the dotted `key` names a value in `table`.
fn has_key(table: &toml::Table, key: &str) -> bool {
    let mut parts = key.split('.');
    let Some(first) = parts.next() else {
        return false;
    };
    let mut v = match table.get(first) {
        Some(v) => v,
        None => return false,
    };
    for part in parts {
        v = match v.as_table().and_then(|t| t.get(part)) {
            Some(v) => v,
            None => return false,
        };
    }
    true
}

impl Base {
    pub fn load(path: &Path) -> Result<Base, InputError> {
        Base::load_with_data(path, None)
    }

    /// As [`Base::load`], with the network's data file replaced by `data` (`--data`, taken
    /// from the current folder) as [`Scenario::load_with_data`] does.
    pub fn load_with_data(path: &Path, data: Option<&Path>) -> Result<Base, InputError> {
        let label = path.display().to_string();
        // Validate the file as it is first, so its own errors read as usual.
        Scenario::load_with_data(path, data)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::whole(&label, format!("cannot read: {e}")))?;
        let mut table: toml::Table = toml::from_str(&text)
            .map_err(|e| InputError::whole(&label, e.message().to_string()))?;
        if let Some(data) = data {
            let absolute = std::env::current_dir()
                .map(|d| d.join(data))
                .unwrap_or_else(|_| data.to_path_buf());
            let file = toml::Value::String(absolute.display().to_string());
            // The one data key the scenario has (loading it above made sure there is one).
            for key in crate::scenario::DATA_KEYS {
                if has_key(&table, key) {
                    set_key(&mut table, key, file)
                        .map_err(|m| InputError::new("command line", "--data", m))?;
                    break;
                }
            }
        }
        Ok(Base {
            table,
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            label,
        })
    }

    /// The scenario with `settings` (key, value) applied, validated as a whole.
    pub fn with(&self, settings: &[(&str, toml::Value)]) -> Result<Scenario, InputError> {
        let mut table = self.table.clone();
        let described = settings
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        for (key, value) in settings {
            set_key(&mut table, key, value.clone())
                .map_err(|m| InputError::new(&self.label, format!("key `{key}`"), m))?;
        }
        let text = toml::to_string(&table).expect("a TOML table serialises");
        let label = format!("{} (with {described})", self.label);
        Scenario::parse(&text, &label, &self.dir, &self.name).map_err(|mut e| {
            // Line numbers would point into the rewritten text, not the file: drop them, and
            // blame the setting itself when the error is about its key.
            if let Some(location) = e.location.as_mut()
                && let Some(rest) = location.strip_prefix("line ")
            {
                *location = rest
                    .split_once(", ")
                    .map_or(String::new(), |(_, key)| key.to_string());
            }
            let about_setting = settings.iter().find(|(k, _)| {
                e.location.as_deref().is_some_and(|l| {
                    l.strip_prefix("key `")
                        .and_then(|l| l.strip_suffix('`'))
                        .is_some_and(|at| k.starts_with(at) || at.starts_with(k))
                })
            });
            if let Some((key, _)) = about_setting {
                return InputError::new(
                    "command line",
                    format!("setting `{key}` (--set, --vary or --compare)"),
                    e.message,
                );
            }
            if e.location.as_deref() == Some("") {
                e.location = None;
            }
            e
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_log_and_integer_ranges() {
        let v = parse_vary("network.adversary.share=0.1:0.3:3").unwrap();
        assert_eq!(v.values.len(), 3);
        assert!((v.values[1] - 0.2).abs() < 1e-15);
        let v = parse_vary("x=log:0.001:0.1:3").unwrap();
        assert!(v.log && (v.values[1] - 0.01).abs() < 1e-15);
        let v = parse_vary("path.hops=1:3:5").unwrap();
        assert!(v.integer);
        assert_eq!(v.values, vec![1.0, 2.0, 3.0]);
        assert!(parse_vary("x=1:2").is_err());
        assert!(parse_vary("x=log:0:1:3").is_err());
        assert!(parse_vary("x=1:2:0").is_err());
    }

    #[test]
    fn compare_values_are_toml_or_strings() {
        let c =
            parse_compare("adversary.target=any,{ entity = \"a\" },{ coalition = [\"a\", \"b\"] }")
                .unwrap();
        assert_eq!(c.values.len(), 3);
        assert_eq!(c.values[0], toml::Value::String("any".into()));
        assert!(c.values[1].is_table() && c.values[2].is_table());
        let c = parse_compare("path.selection=random,operator-aware").unwrap();
        assert_eq!(c.values[1], toml::Value::String("operator-aware".into()));
        let c = parse_compare("path.hops=2,3").unwrap();
        assert_eq!(c.values[0], toml::Value::Integer(2));
    }
}
