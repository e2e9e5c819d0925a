//! Scenario loading: TOML (and the CSV files it names) → a validated [`Scenario`]. Every error
//! names the file and the key or row, and says what was expected.

pub mod count;
pub mod csv;
pub mod data;
pub mod names;
mod raw;

pub use self::csv::{
    MAX_CSV_BYTES, MAX_CSV_ROWS, load_operators, load_servers, parse_operators, parse_servers,
    read_data, subnet_of,
};

use crate::adversary::{Adversary, Event, Target};
use crate::error::InputError;
use crate::model::MAX_HOPS;
use crate::model::{self, Network, OperatorSpec, Pool};
use crate::select::{PathRules, Selection};
use raw::RawScenario;
use std::path::{Path, PathBuf};

pub const DEFAULT_HOPS: usize = 3;
pub const DEFAULT_PATHS: u64 = 1;
pub const DEFAULT_TRIALS: u64 = 100_000;
pub const DEFAULT_SEED: u64 = 1;

/// How much to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunSettings {
    /// Paths per client (M).
    pub paths: u64,
    /// Clients.
    pub trials: u64,
    pub seed: u64,
}

/// Most guards a client may keep.
pub const MAX_GUARDS: u64 = 64;

/// Entry guards (docs/model.md, docs/scenarios.md): a client draws `count` distinct guard servers by weight (in an
/// infinite pool, `count` independent operators by share) and takes each path's first hop
/// uniformly among them; after every `lifetime` paths it draws a new set (`None`: never).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Guards {
    pub count: u64,
    pub lifetime: Option<u64>,
}

impl Guards {
    /// Guard sets a client of `paths` paths draws.
    pub fn sets(&self, paths: u64) -> u64 {
        self.lifetime.map_or(1, |l| paths.div_ceil(l))
    }
}

/// A validated scenario: everything the engine and the closed forms need.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Where the scenario came from, for messages.
    pub source: String,
    pub network: Network,
    pub hops: usize,
    pub selection: Selection,
    pub adversary: Adversary,
    pub guards: Option<Guards>,
    /// Server-level rules of the path (subnets, roles, position weights).
    pub rules: PathRules,
    pub run: RunSettings,
    /// Paths a client builds per day, to turn paths into days (`[run] paths_per_day`).
    pub paths_per_day: Option<f64>,
}

/// Values given on the command line that replace the scenario's own.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub trials: Option<u64>,
    pub paths: Option<u64>,
    pub seed: Option<u64>,
    pub hops: Option<u64>,
    pub selection: Option<Selection>,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, InputError> {
        Scenario::load_with_data(path, None)
    }

    /// Parses scenario text. `label` names it in messages, `base` is the folder relative CSV
    /// paths are taken from, and `default_name` is used when the file has no `name`.
    pub fn parse(
        text: &str,
        label: &str,
        base: &Path,
        default_name: &str,
    ) -> Result<Scenario, InputError> {
        let raw = deserialize(text, label)?;
        build(raw, label, base, default_name, false).map_err(|e| with_line(e, text, label))
    }

    /// Reads a scenario whose network data file is given on the command line (`--data`):
    /// the path replaces the one the network's `csv` key names, taken from the current folder.
    pub fn load_with_data(path: &Path, data: Option<&Path>) -> Result<Scenario, InputError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::whole(&label, format!("cannot read the scenario file: {e}"))
        })?;
        let mut raw = deserialize(&text, &label)?;
        if let Some(data) = data {
            let absolute = std::env::current_dir()
                .map(|d| d.join(data))
                .unwrap_or_else(|_| data.to_path_buf());
            let file = absolute.display().to_string();
            let n = &mut raw.network;
            if let Some(t) = n.tor_families.as_mut() {
                t.csv = file;
            } else if let Some(x) = n.simplex_presets.as_mut() {
                x.csv = file;
            } else if n.servers_csv.is_some() {
                n.servers_csv = Some(file);
            } else if n.csv.is_some() {
                n.csv = Some(file);
            } else {
                return Err(InputError::new(
                    "command line",
                    "--data",
                    format!(
                        "{label} reads no data file (csv, servers_csv, tor_families or simplex_presets)"
                    ),
                ));
            }
        }
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        build(raw, &label, &base, &stem, data.is_some()).map_err(|e| with_line(e, &text, &label))
    }

    /// Applies command-line overrides and validates the result again.
    pub fn with_overrides(mut self, o: &Overrides) -> Result<Scenario, InputError> {
        // Name the scenario too: an override is only wrong for a given network.
        let cli = self.source.clone();
        let cli = cli.as_str();
        if let Some(t) = o.trials {
            self.run.trials = t;
        }
        if let Some(p) = o.paths {
            self.run.paths = p;
        }
        if let Some(s) = o.seed {
            self.run.seed = s;
        }
        if let Some(h) = o.hops {
            self.hops = check_hops(h).map_err(|m| InputError::new(cli, "--hops", m))?;
            if !self.rules.roles.is_empty() && self.rules.roles.len() != self.hops
                || !self.rules.multipliers.is_empty() && self.rules.multipliers.len() != self.hops
            {
                return Err(InputError::new(
                    cli,
                    "--hops",
                    "the scenario gives roles or weights per hop; change them with the hops",
                ));
            }
        }
        if let Some(s) = o.selection {
            self.selection = s;
        }
        check_run(&self.run).map_err(|(k, m)| InputError::new(cli, format!("--{k}"), m))?;
        check_policy(
            &self.network,
            self.hops,
            self.selection,
            self.adversary.event,
        )
        .map_err(|(k, m)| {
            InputError::new(cli, if k == "hops" { "--hops" } else { "--selection" }, m)
        })?;
        Ok(self)
    }

    /// "3 hops, random; target any, event full-path".
    pub fn path_summary(&self) -> String {
        format!(
            "{} hops, {}; target {}, event {}",
            self.hops,
            self.selection.name(),
            self.adversary.target.describe(&self.network),
            self.adversary.event.name()
        )
    }
}

/// An error about a key of the file gets the line of the name it is about (the first name in
/// backticks of its message), where the file names it in quotes.
fn with_line(mut e: InputError, text: &str, label: &str) -> InputError {
    let about_this_file = e.source == label;
    let has_line = e
        .location
        .as_deref()
        .is_some_and(|l| l.starts_with("line "));
    if let (true, false, Some(location)) = (about_this_file, has_line, e.location.clone())
        && let Some(name) = e.message.split('`').nth(1)
        && let Some(line) = names::line_naming(text, name)
    {
        e.location = Some(format!("line {line}, {location}"));
    }
    e
}

fn deserialize(text: &str, label: &str) -> Result<RawScenario, InputError> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(&e, text, label, None))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        toml_error(e.inner(), text, label, (key != ".").then_some(key))
    })
}

/// One line: file, line number, key, and toml's message without its source excerpt.
fn toml_error(e: &toml::de::Error, text: &str, label: &str, key: Option<String>) -> InputError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let mut location = Vec::new();
    if let Some(l) = line {
        location.push(format!("line {l}"));
    }
    if let Some(k) = key {
        location.push(format!("key `{k}`"));
    }
    let mut message = e.message().trim().replace('\n', " ");
    if let Some(unknown) = message
        .strip_prefix("unknown field `")
        .and_then(|m| m.split('`').next())
    {
        let hint = names::did_you_mean(unknown, names::listed(&message));
        message.push_str(&hint);
    }
    if location.is_empty() {
        InputError::whole(label, message)
    } else {
        InputError::new(label, location.join(", "), message)
    }
}

fn build(
    raw: RawScenario,
    label: &str,
    base: &Path,
    default_name: &str,
    data_from_cli: bool,
) -> Result<Scenario, InputError> {
    let err = |key: &str, msg: String| InputError::new(label, format!("key `{key}`"), msg);
    let network = build_network(raw.network, label, base, data_from_cli)?;

    let path = raw.path.unwrap_or(raw::RawPath {
        hops: None,
        selection: None,
        distinct_subnets: None,
        roles: None,
        weights: None,
    });
    let hops = match path.hops {
        Some(h) => check_hops(h).map_err(|m| err("path.hops", m))?,
        None => DEFAULT_HOPS,
    };
    let selection = path.selection.unwrap_or(Selection::Random);

    let adv = raw.adversary.unwrap_or(raw::RawAdversary {
        target: None,
        event: None,
    });
    let event = adv.event.unwrap_or(Event::FullPath);
    let target = match adv.target {
        None => Target::Any,
        Some(v) => parse_target(&v, &network).map_err(|m| err("adversary.target", m))?,
    };

    let run_raw = raw.run.unwrap_or(raw::RawRun {
        paths: None,
        trials: None,
        seed: None,
        paths_per_day: None,
    });
    let run = RunSettings {
        paths: run_raw.paths.unwrap_or(DEFAULT_PATHS),
        trials: run_raw.trials.unwrap_or(DEFAULT_TRIALS),
        seed: run_raw.seed.unwrap_or(DEFAULT_SEED),
    };
    check_run(&run).map_err(|(k, m)| err(&format!("run.{k}"), m))?;
    if let Some(d) = run_raw.paths_per_day
        && !(d.is_finite() && d > 0.0)
    {
        return Err(err(
            "run.paths_per_day",
            format!("{d}; expected a positive number of paths per day"),
        ));
    }
    check_policy(&network, hops, selection, event)
        .map_err(|(k, m)| err(&format!("path.{k}"), m))?;
    let rules = build_rules(
        &network,
        hops,
        path.distinct_subnets,
        path.roles,
        path.weights,
    )
    .map_err(|(k, m)| err(&format!("path.{k}"), m))?;
    let guards = match raw.guards {
        None => None,
        Some(g) => {
            if g.count == 0 || g.count > MAX_GUARDS {
                return Err(err(
                    "guards.count",
                    format!("{}; expected an integer from 1 to {MAX_GUARDS}", g.count),
                ));
            }
            if network.pool == Pool::Finite && g.count > network.total_servers() {
                return Err(err(
                    "guards.count",
                    format!(
                        "{} guards but only {} servers; guards are distinct servers",
                        g.count,
                        network.total_servers()
                    ),
                ));
            }
            if g.lifetime == Some(0) {
                return Err(err(
                    "guards.lifetime",
                    "0 paths; expected a positive integer (or no lifetime: never rotate)".into(),
                ));
            }
            Some(Guards {
                count: g.count,
                lifetime: g.lifetime,
            })
        }
    };

    let name = raw.name.unwrap_or_else(|| default_name.to_string());
    if name.trim().is_empty() {
        return Err(err("name", "empty; expected a scenario name".into()));
    }
    Ok(Scenario {
        name,
        description: raw.description.unwrap_or_default(),
        source: label.to_string(),
        network,
        hops,
        selection,
        adversary: Adversary { target, event },
        guards,
        rules,
        run,
        paths_per_day: run_raw.paths_per_day,
    })
}

/// Server-level path rules, checked against the network: known roles, one per hop, and some
/// server with positive weight at every position.
fn build_rules(
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

fn check_hops(h: u64) -> Result<usize, String> {
    if h == 0 || h > MAX_HOPS as u64 {
        Err(format!(
            "{h} hops; expected an integer from 1 to {MAX_HOPS}"
        ))
    } else {
        Ok(h as usize)
    }
}

fn check_run(run: &RunSettings) -> Result<(), (&'static str, String)> {
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

/// What a policy needs from the network (docs/model.md).
fn check_policy(
    network: &Network,
    hops: usize,
    selection: Selection,
    _event: Event,
) -> Result<(), (&'static str, String)> {
    match selection {
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

fn parse_target(v: &toml::Value, network: &Network) -> Result<Target, String> {
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

fn list(names: &[String]) -> String {
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

/// `data_from_cli`: the data file was given with `--data`, so a message about it names that
/// flag rather than the scenario's key.
fn build_network(
    raw: raw::RawNetwork,
    label: &str,
    base: &Path,
    data_from_cli: bool,
) -> Result<Network, InputError> {
    let err = |key: &str, msg: String| InputError::new(label, format!("key `{key}`"), msg);
    let given: Vec<&str> = [
        raw.uniform.as_ref().map(|_| "uniform"),
        raw.adversary.as_ref().map(|_| "adversary"),
        raw.zipf.as_ref().map(|_| "zipf"),
        raw.csv.as_ref().map(|_| "csv"),
        raw.operators.as_ref().map(|_| "operators"),
        raw.servers.as_ref().map(|_| "servers"),
        raw.servers_csv.as_ref().map(|_| "servers_csv"),
        raw.tor_families.as_ref().map(|_| "tor_families"),
        raw.simplex_presets.as_ref().map(|_| "simplex_presets"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() != 1 {
        return Err(err(
            "network",
            format!(
                "{}; expected exactly one of uniform, adversary, zipf, csv, operators, servers, servers_csv, tor_families or simplex_presets",
                if given.is_empty() {
                    "no network is given".to_string()
                } else {
                    format!("both {}", given.join(" and "))
                }
            ),
        ));
    }
    let key = format!("network.{}", given[0]);
    let named_by = if data_from_cli {
        "named by --data on the command line".to_string()
    } else {
        format!("named by `{key}` in {label}")
    };
    // Where a data file is: `$PATHRISK_DATA/…` or relative to the scenario (see `data`).
    let locate = |file: &str| -> Result<PathBuf, InputError> {
        data::resolve(file, base).map_err(|e| {
            if data_from_cli {
                InputError::new("command line", "--data", e.to_string())
            } else {
                InputError::new(label, format!("key `{key}`"), e.to_string())
            }
        })
    };
    let read = |file: &str, what: &str| -> Result<(String, String), InputError> {
        read_data(&locate(file)?, what).map_err(|mut e| {
            e.message = format!("{} ({named_by})", e.message);
            e
        })
    };
    let server_level = raw.servers.is_some() || raw.servers_csv.is_some();
    let mut network = if let Some(t) = raw.tor_families {
        let (text, label) = read(&t.csv, "Tor family table")?;
        let specs = crate::model::presets::tor_families(&text, &label, t.others.unwrap_or(5500))
            .map_err(|m| InputError::whole(&label, m))?;
        Network::from_servers(specs).map_err(|m| err(&key, m))?
    } else if let Some(x) = raw.simplex_presets {
        let (text, label) = read(&x.csv, "SimpleX preset server table")?;
        let protocol = x.protocol.unwrap_or_else(|| "SMP".to_string());
        let specs = crate::model::presets::simplex_presets(
            &text,
            &label,
            &x.operators,
            &protocol,
            x.custom.unwrap_or(0),
        )
        .map_err(|m| InputError::whole(&label, m))?;
        Network::from_servers(specs).map_err(|m| err(&key, m))?
    } else if server_level {
        let prefix = raw.subnet_prefix;
        if prefix.is_some_and(|p| p > 32) {
            return Err(err(
                "network.subnet_prefix",
                format!("/{}; expected 0 to 32", prefix.unwrap_or(0)),
            ));
        }
        let specs = if let Some(list) = raw.servers {
            let mut specs = Vec::with_capacity(list.len());
            for (i, s) in list.into_iter().enumerate() {
                let k = format!("network.servers[{i}]");
                let subnet = match (s.subnet, s.ip) {
                    (Some(_), Some(_)) => {
                        return Err(err(&k, "both `subnet` and `ip`; give one".into()));
                    }
                    (Some(label), None) => Some(label),
                    (None, Some(ip)) => {
                        let p = prefix.ok_or_else(|| {
                            err(&k, "an `ip` needs `subnet_prefix` in [network]".into())
                        })?;
                        Some(subnet_of(&ip, p).map_err(|m| err(&k, m))?)
                    }
                    (None, None) => None,
                };
                specs.push(crate::model::ServerSpec {
                    operator: s.operator,
                    weight: s.weight.unwrap_or(1.0),
                    subnet,
                    entity: s.entity,
                    roles: s.roles.unwrap_or_default(),
                });
            }
            specs
        } else {
            let file = raw.servers_csv.unwrap_or_default();
            load_servers(&locate(&file)?, prefix)?
        };
        Network::from_servers(specs).map_err(|m| err(&key, m))?
    } else {
        let specs: Vec<OperatorSpec> = if let Some(u) = raw.uniform {
            if u.operators == 0 {
                return Err(err(
                    "network.uniform.operators",
                    "0 operators; expected a positive integer".into(),
                ));
            }
            if u.operators > model::MAX_OPERATORS as u64 {
                return Err(err(
                    "network.uniform.operators",
                    operator_count(u.operators),
                ));
            }
            if u.servers == Some(0) {
                return Err(err(
                    "network.uniform.servers",
                    "0 servers; expected a positive integer".into(),
                ));
            }
            // Checked before the operators are made, which could take gigabytes first.
            if let Some(servers) = u.servers
                && u.operators.saturating_mul(servers) > model::MAX_SERVERS
            {
                return Err(err(
                    "network.uniform",
                    format!(
                        "{} operators × {servers} servers is more than the limit of {} servers",
                        u.operators,
                        model::MAX_SERVERS
                    ),
                ));
            }
            model::uniform_operators(u.operators, u.servers)
        } else if let Some(a) = raw.adversary {
            if !(a.share > 0.0 && a.share < 1.0) {
                return Err(err(
                    "network.adversary.share",
                    format!(
                        "{}; expected the adversary's fraction of the network, between 0 and 1 exclusive",
                        a.share
                    ),
                ));
            }
            if a.others == 0 || a.others > model::MAX_OPERATORS as u64 {
                return Err(err("network.adversary.others", operator_count(a.others)));
            }
            let ops = a.operators.unwrap_or(1);
            if ops == 0 || ops > model::MAX_OPERATORS as u64 {
                return Err(err("network.adversary.operators", operator_count(ops)));
            }
            let name = a.name.unwrap_or_else(|| "adversary".to_string());
            if name.trim().is_empty() {
                return Err(err(
                    "network.adversary.name",
                    "empty; expected a name".into(),
                ));
            }
            model::adversary_operators(&name, a.share, ops, a.others)
        } else if let Some(z) = raw.zipf {
            if z.operators == 0 || z.operators > model::MAX_OPERATORS as u64 {
                return Err(err("network.zipf.operators", operator_count(z.operators)));
            }
            if !z.exponent.is_finite() || z.exponent < 0.0 {
                return Err(err(
                    "network.zipf.exponent",
                    format!("{}; expected a finite number ≥ 0", z.exponent),
                ));
            }
            model::zipf_operators(z.operators, z.exponent)
        } else if let Some(file) = raw.csv {
            let path: PathBuf = locate(&file)?;
            load_operators(&path).map_err(|mut e| {
                if e.location.is_none() && !path.exists() {
                    e.message = format!("{} ({named_by})", e.message);
                }
                e
            })?
        } else {
            let ops = raw.operators.unwrap_or_default();
            let mut specs = Vec::with_capacity(ops.len());
            for (i, o) in ops.into_iter().enumerate() {
                let k = format!("network.operators[{i}]");
                let size = match (o.share, o.servers) {
                    (Some(s), None) => model::Size::Share(s),
                    (None, Some(n)) => model::Size::Servers(n),
                    (None, None) => {
                        return Err(err(
                            &k,
                            format!("operator `{}` has neither `share` nor `servers`", o.name),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(err(
                            &k,
                            format!(
                                "operator `{}` has both `share` and `servers`; expected one",
                                o.name
                            ),
                        ));
                    }
                };
                specs.push(OperatorSpec {
                    name: o.name,
                    entity: o.entity,
                    size,
                });
            }
            specs
        };
        Network::from_specs(specs).map_err(|m| err(&key, m))?
    };
    if let Some(entities) = raw.entities {
        let mut seen = std::collections::HashSet::new();
        for (entity, operators) in &entities {
            for op in operators {
                if !seen.insert(op.clone()) {
                    return Err(err(
                        &format!("network.entities.{entity}"),
                        format!("operator `{op}` is given to more than one entity"),
                    ));
                }
            }
            if operators.is_empty() {
                return Err(err(
                    &format!("network.entities.{entity}"),
                    "empty; expected operator names".into(),
                ));
            }
            network
                .assign_entity(entity, operators)
                .map_err(|m| err(&format!("network.entities.{entity}"), m))?;
        }
    }
    if let Some(a) = raw.add_adversary {
        let name = a.name.unwrap_or_else(|| "adversary".to_string());
        network = network
            .with_adversary(&name, a.share, a.operators.unwrap_or(1))
            .map_err(|m| err("network.add_adversary", m))?;
    }
    Ok(network)
}

/// The message for an operator count outside 1 ..= [`model::MAX_OPERATORS`].
fn operator_count(n: u64) -> String {
    format!(
        "{n} operators; expected an integer from 1 to {}",
        model::MAX_OPERATORS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, InputError> {
        Scenario::parse(text, "t.toml", Path::new("."), "t")
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let s = parse("[network]\nuniform = { operators = 5 }\n").unwrap();
        assert_eq!(s.hops, DEFAULT_HOPS);
        assert_eq!(s.selection, Selection::Random);
        assert_eq!(s.adversary.target, Target::Any);
        assert_eq!(s.adversary.event, Event::FullPath);
        assert_eq!(
            s.run,
            RunSettings {
                paths: 1,
                trials: DEFAULT_TRIALS,
                seed: 1
            }
        );
        assert_eq!(s.name, "t");
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = parse("[network]\nuniform = { operators = 5 }\n[run]\ntrails = 3\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("t.toml") && msg.contains("run.trails") && msg.contains("line 4"),
            "{msg}"
        );
    }

    #[test]
    fn sybil_by_entities_table() {
        let s = parse(
            "[network]\nuniform = { operators = 5 }\n[network.entities]\nm = [\"op1\", \"op2\"]\n[adversary]\ntarget = { entity = \"m\" }\n",
        )
        .unwrap();
        assert_eq!(s.network.entities.len(), 4);
        assert_eq!(
            s.adversary.target,
            Target::Entity(s.network.entity_index("m").unwrap())
        );
    }
}
