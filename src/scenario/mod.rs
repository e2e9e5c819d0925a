//! Scenario loading: TOML (and the CSV files it names) → a validated [`Scenario`]. Every error
//! names the file and the key or row, and says what was expected. By concern: `raw` (the TOML
//! as written), `network` (the network kinds, written once in `NETWORK_KINDS`, and their data
//! files), `path` (hops, policies, run counts, server-level rules), `target`, `csv`, `data`
//! (`$PATHRISK_DATA`), `count` and `names`; this file assembles them.

pub mod count;
pub mod csv;
pub mod data;
pub(crate) mod names;
mod network;
mod path;
mod raw;
mod target;

use network::build_network;
pub use network::{DATA_KEYS, NETWORK_KINDS};
use path::{build_rules, check_hops, check_policy, check_run};
use target::parse_target;

pub use self::csv::{
    MAX_CSV_BYTES, MAX_CSV_ROWS, load_operators, load_servers, parse_operators, parse_servers,
    read_data, subnet_of,
};

use crate::adversary::{Adversary, Event, Target};
use crate::error::InputError;
use crate::model::series::TorSeries;
use crate::model::tor::{DEFAULT_EXIT_PORT, Order, TorRelays, TorRules};
use crate::model::{Network, Pool};
use crate::select::{PathRules, Selection};
use raw::RawScenario;
use std::path::Path;
use std::sync::Arc;

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
    /// Days at which the report gives the clients compromised by then (`[run] horizons`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub horizons: Vec<f64>,
    /// A Tor network's relays under the `tor` rules (operator i is relay i), shared. On a
    /// series: the first consensus in which the target holds relays.
    #[serde(skip)]
    pub tor: Option<Arc<TorRelays>>,
    /// A series of consensuses (`[network] tor_series`), shared.
    #[serde(skip)]
    pub series: Option<Arc<TorSeries>>,
    /// A digest of the Tor documents (one consensus or a series, [`TorRelays::digest`]),
    /// which `tor` and `series` do not serialise: a sharded run's fingerprint includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<String>,
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
            match raw.network.data_file_mut() {
                Some(f) => *f = file,
                None => {
                    return Err(InputError::new(
                        "command line",
                        "--data",
                        format!(
                            "{label} reads no data file ({})",
                            network::DATA_KEYS.join(", ")
                        ),
                    ));
                }
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
            self.tor.is_some(),
        )
        .map_err(|(k, m)| {
            InputError::new(cli, if k == "hops" { "--hops" } else { "--selection" }, m)
        })?;
        Ok(self)
    }

    /// What the network is, in one line: the network's own summary, or a Tor network's.
    pub fn network_summary(&self) -> String {
        if let Some(series) = &self.series {
            return series.summary();
        }
        match &self.tor {
            Some(relays) => relays.summary(),
            None => self.network.summary(),
        }
    }

    /// On a series: the static scenario of its consensus `c` (its relays, its network, the
    /// target as resolved there; an empty coalition where the target holds no relay).
    pub fn at_consensus(&self, c: usize) -> Scenario {
        let series = self.series.as_ref().expect("a series");
        let step = &series.steps[c];
        Scenario {
            network: step.network.clone(),
            adversary: step.adversary.clone().unwrap_or(Adversary {
                target: Target::Coalition(Vec::new()),
                event: self.adversary.event,
            }),
            tor: Some(Arc::clone(&step.relays)),
            series: None,
            documents: Some(step.relays.digest()),
            ..self.clone()
        }
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
    let (mut network, documents) = build_network(raw.network, label, base, data_from_cli)?;

    let path = raw.path.unwrap_or(raw::RawPath {
        hops: None,
        selection: None,
        distinct_subnets: None,
        roles: None,
        weights: None,
        exit_port: None,
        order: None,
    });
    let hops = match path.hops {
        Some(h) => check_hops(h).map_err(|m| err("path.hops", m))?,
        None => DEFAULT_HOPS,
    };
    let selection = path.selection.unwrap_or(Selection::Random);
    let rules = match &documents {
        Some(_) => TorRules {
            exit_port: match path.exit_port {
                Some(0) => {
                    return Err(err(
                        "path.exit_port",
                        "0; expected a port from 1 to 65535".into(),
                    ));
                }
                Some(p) => p,
                None => DEFAULT_EXIT_PORT,
            },
            order: path.order.unwrap_or(Order::ExitFirst),
        },
        None => {
            for (key, given) in [
                ("path.exit_port", path.exit_port.is_some()),
                ("path.order", path.order.is_some()),
            ] {
                if given {
                    return Err(err(
                        key,
                        "a rule of the tor policy; it needs a tor network ([network] tor = …)"
                            .into(),
                    ));
                }
            }
            TorRules::default()
        }
    };
    let adv = raw.adversary.unwrap_or(raw::RawAdversary {
        target: None,
        event: None,
    });
    let event = adv.event.unwrap_or(Event::FullPath);
    let mut series_steps = None;
    let (tor, target) = match documents {
        Some(network::Documents::One(doc)) => {
            let relays = Arc::new(
                TorRelays::new(&doc, &doc.bandwidth_weights, rules)
                    .map_err(|m| InputError::new(label, "key `network.tor`", m))?,
            );
            let target = match &adv.target {
                None => Target::Any,
                Some(v) => parse_target(v, &mut network, Some(&relays))
                    .map_err(|m| err("adversary.target", m))?,
            };
            (Some(relays), target)
        }
        Some(network::Documents::Series(docs)) => {
            // The target is resolved in each consensus; where it holds no relay (an adversary
            // not yet joined, a relay not listed), nothing there is the target's.
            let mut steps = Vec::with_capacity(docs.len());
            let mut first_error = None;
            let mut primary = None;
            for (i, (file, doc, mut net)) in docs.into_iter().enumerate() {
                let relays = Arc::new(
                    TorRelays::new(&doc, &doc.bandwidth_weights, rules).map_err(|m| {
                        InputError::new(label, "key `network.tor_series`", format!("{file}: {m}"))
                    })?,
                );
                let target = match &adv.target {
                    None => Ok(Target::Any),
                    Some(v) => parse_target(v, &mut net, Some(&relays)),
                };
                let adversary = match target {
                    Ok(target) => {
                        primary.get_or_insert(i);
                        Some(Adversary { target, event })
                    }
                    Err(m) => {
                        first_error.get_or_insert(m);
                        None
                    }
                };
                steps.push((file, relays, net, adversary));
            }
            let Some(primary) = primary else {
                return Err(err(
                    "adversary.target",
                    format!(
                        "{} (in every consensus of the series)",
                        first_error.unwrap_or_default()
                    ),
                ));
            };
            network = steps[primary].2.clone();
            let target = steps[primary]
                .3
                .as_ref()
                .map(|a| a.target.clone())
                .unwrap_or(Target::Any);
            let relays = Arc::clone(&steps[primary].1);
            series_steps = Some(steps);
            (Some(relays), target)
        }
        None => {
            let target = match &adv.target {
                None => Target::Any,
                Some(v) => {
                    parse_target(v, &mut network, None).map_err(|m| err("adversary.target", m))?
                }
            };
            (None, target)
        }
    };

    let run_raw = raw.run.unwrap_or(raw::RawRun {
        paths: None,
        trials: None,
        seed: None,
        paths_per_day: None,
        start: None,
        horizons: None,
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
    let horizons = run_raw.horizons.clone().unwrap_or_default();
    if !horizons.is_empty() {
        let Some(per_day) = run_raw.paths_per_day else {
            return Err(err(
                "run.horizons",
                "days, which need `paths_per_day` to become paths; give paths_per_day".into(),
            ));
        };
        for &d in &horizons {
            if !(d.is_finite() && d > 0.0) || (d * per_day).round() > run.paths as f64 {
                return Err(err(
                    "run.horizons",
                    format!(
                        "{d}; expected days after the start, at most the run's {:.1} ({} paths at \
                         {per_day} a day)",
                        run.paths as f64 / per_day,
                        run.paths
                    ),
                ));
            }
        }
    }
    check_policy(&network, hops, selection, event, tor.is_some())
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
            let count = match g.count {
                count::GuardCount::Fixed(n) => n,
                count::GuardCount::Consensus => {
                    let relays = tor.as_deref().ok_or_else(|| {
                        err(
                            "guards.count",
                            "\"consensus\" reads a Tor consensus' guard parameters, and this \
                             network is not a tor network; give a number"
                                .into(),
                        )
                    })?;
                    crate::model::tor::primary_guards(&relays.params)
                        .map_err(|m| err("guards.count", m))?
                }
            };
            if count == 0 || count > MAX_GUARDS {
                return Err(err(
                    "guards.count",
                    format!("{count}; expected an integer from 1 to {MAX_GUARDS}"),
                ));
            }
            if network.pool == Pool::Finite && count > network.total_servers() {
                return Err(err(
                    "guards.count",
                    format!(
                        "{} guards but only {} servers; guards are distinct servers",
                        count,
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
                count,
                lifetime: g.lifetime,
            })
        }
    };

    let series = match series_steps {
        None => {
            if run_raw.start.is_some() {
                return Err(err(
                    "run.start",
                    "when a client's first path is built in a series of consensuses; this \
                     network is not a series ([network] tor_series = …)"
                        .into(),
                ));
            }
            None
        }
        Some(steps) => Some(Arc::new(build_series(
            steps,
            &run_raw,
            selection,
            guards.as_ref(),
            label,
        )?)),
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
        horizons,
        documents: match &series {
            Some(s) => Some(s.digest()),
            None => tor.as_ref().map(|t| t.digest()),
        },
        tor,
        series,
    })
}

/// The series of a scenario on `tor_series`: each consensus with its labels, clients starting
/// at `[run] start` (default: the first consensus' valid-after time).
fn build_series(
    steps: Vec<(String, Arc<TorRelays>, Network, Option<Adversary>)>,
    run: &raw::RawRun,
    selection: Selection,
    guards: Option<&Guards>,
    label: &str,
) -> Result<TorSeries, InputError> {
    let err = |key: &str, msg: String| InputError::new(label, format!("key `{key}`"), msg);
    if selection != Selection::Tor {
        return Err(err(
            "path.selection",
            format!(
                "`{}` on a series of consensuses; a series is drawn under Tor's rules: \
                 selection = \"tor\"",
                selection.name()
            ),
        ));
    }
    if run.paths_per_day.is_none() {
        return Err(err(
            "run",
            "no `paths_per_day`; on a series of consensuses each path is built at its time, \
             so say how many paths a client builds a day, e.g. paths_per_day = 48"
                .into(),
        ));
    }
    if guards.is_some_and(|g| g.lifetime.is_some()) {
        return Err(err(
            "guards.lifetime",
            "a lifetime in paths; on a series guards follow tor's own rules and lifetimes in \
             days (guard-lifetime-days, 120 by default; docs/tor.md); leave it out"
                .into(),
        ));
    }
    let (first, last) = (steps[0].1.valid_after, steps[steps.len() - 1].1.valid_after);
    let start = match &run.start {
        None => first,
        Some(d) => {
            let t = crate::tor::parse_date(d).ok_or_else(|| {
                err(
                    "run.start",
                    format!(
                        "`{d}` is not a date; expected \"YYYY-MM-DD\" or \"YYYY-MM-DDTHH:MM\" (UTC)"
                    ),
                )
            })?;
            if t < first || t > last {
                return Err(err(
                    "run.start",
                    format!(
                        "{} is outside the series, whose consensuses are valid after {} … {}",
                        crate::tor::date_time(t),
                        crate::tor::date_time(first),
                        crate::tor::date_time(last)
                    ),
                ));
            }
            t
        }
    };
    let steps = steps
        .into_iter()
        .map(|(file, relays, network, adversary)| {
            let labels = match &adversary {
                Some(a) => crate::adversary::PathTest::new(&network, a, 3).labels(&network),
                None => vec![0; relays.len()],
            };
            (file, relays, network, adversary, labels)
        })
        .collect();
    Ok(TorSeries::new(steps, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, InputError> {
        Scenario::parse(text, "t.toml", Path::new("."), "t")
    }

    #[test]
    fn a_network_of_no_kind_is_told_every_kind() {
        let e = parse("[network]\n").unwrap_err();
        assert!(
            e.message.starts_with("no network is given"),
            "{}",
            e.message
        );
        for kind in NETWORK_KINDS {
            assert!(e.message.contains(kind), "{kind}: {}", e.message);
        }
        let e = parse(
            "[network]\nuniform = { operators = 5 }\nzipf = { operators = 5, exponent = 1.0 }\n",
        )
        .unwrap_err();
        assert!(e.message.contains("both uniform and zipf"), "{}", e.message);
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
