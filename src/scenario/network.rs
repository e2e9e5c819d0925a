//! The network a scenario names: exactly one of the kinds in [`NETWORK_KINDS`], its data
//! file found and read, then entities and an added adversary.

use super::data;
use super::raw;
use super::{load_operators, load_servers, read_data, subnet_of};
use crate::error::InputError;
use crate::model::{self, Network, OperatorSpec};
use crate::tor::TorNetwork;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Every kind of network a scenario can name under `[network]`, in the order messages list
/// them: the one list of them (`raw::RawNetwork::kinds_given` reads each).
pub const NETWORK_KINDS: [&str; 11] = [
    "uniform",
    "adversary",
    "zipf",
    "csv",
    "operators",
    "servers",
    "servers_csv",
    "tor_families",
    "simplex_presets",
    "tor",
    "tor_series",
];

/// The share of consensus weight whose relays may lack a microdescriptor unless the scenario
/// allows more (`max_missing_weight`): the complete snapshots miss none.
pub const DEFAULT_MAX_MISSING_WEIGHT: f64 = 0.05;

/// The keys naming a network's data file, by kind, as dotted TOML keys: what `--data`
/// replaces (in a scenario being loaded and in a sweep's base alike).
pub const DATA_KEYS: [&str; 4] = [
    "network.tor_families.csv",
    "network.simplex_presets.csv",
    "network.servers_csv",
    "network.csv",
];

/// "a, b or c".
fn or_list(names: &[&str]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The Tor documents a network was built from: one consensus, or a series (each consensus'
/// file, documents and network, in valid-after order).
pub(super) enum Documents {
    One(Arc<TorNetwork>),
    Series(Vec<(String, Arc<TorNetwork>, Network)>),
}

/// The files an entry of `tor_series.consensuses` names: the file itself, a folder's files
/// whose name holds `consensus` (sorted), or the files matching a `*` pattern in the file
/// name. An entry that names nothing is an error.
fn consensus_files(entry: &Path) -> Result<Vec<PathBuf>, String> {
    let list = |dir: &Path, keep: &dyn Fn(&str) -> bool| -> Result<Vec<PathBuf>, String> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(keep))
            .collect();
        out.sort();
        Ok(out)
    };
    let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let found = if name.contains('*') {
        let dir = entry.parent().unwrap_or(Path::new("."));
        list(dir, &|n| wildcard(name, n))?
    } else if entry.is_dir() {
        list(entry, &|n| n.contains("consensus"))?
    } else {
        return Ok(vec![entry.to_path_buf()]);
    };
    if found.is_empty() {
        return Err(format!(
            "{} names no consensus file; expected files, folders of them or patterns such as \
             \"cached-microdesc-consensus_*.xz\"",
            entry.display()
        ));
    }
    Ok(found)
}

/// Whether `name` matches `pattern`, in which `*` stands for any run of characters.
fn wildcard(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| wildcard(rest, &tail[i..]))
        }
    }
}

/// `data_from_cli`: the data file was given with `--data`, so a message about it names that
/// flag rather than the scenario's key.
pub(super) fn build_network(
    raw: raw::RawNetwork,
    label: &str,
    base: &Path,
    data_from_cli: bool,
) -> Result<(Network, Option<Documents>), InputError> {
    let err = |key: &str, msg: String| InputError::new(label, format!("key `{key}`"), msg);
    let given = raw.kinds_given();
    if given.len() != 1 {
        return Err(err(
            "network",
            format!(
                "{}; expected exactly one of {}",
                if given.is_empty() {
                    "no network is given".to_string()
                } else {
                    format!("both {}", given.join(" and "))
                },
                or_list(&NETWORK_KINDS)
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
    let mut documents = None;
    let mut network = if let Some(t) = raw.tor {
        let max = t.max_missing_weight.unwrap_or(DEFAULT_MAX_MISSING_WEIGHT);
        if !(0.0..=1.0).contains(&max) {
            return Err(err(
                "network.tor.max_missing_weight",
                format!("{max}; expected a share of the consensus weight, from 0 to 1"),
            ));
        }
        if t.microdescriptors.is_empty() {
            return Err(err(
                "network.tor.microdescriptors",
                "empty; expected the microdescriptor files of the consensus (cached-microdescs, \
                 cached-microdescs.new)"
                    .into(),
            ));
        }
        let consensus = locate(&t.consensus)?;
        let microdescs = t
            .microdescriptors
            .iter()
            .map(|m| locate(m))
            .collect::<Result<Vec<_>, _>>()?;
        let doc = crate::tor::read_cached(&consensus, &microdescs, max).map_err(|mut e| {
            e.message = format!("{} ({named_by})", e.message);
            e
        })?;
        let network = crate::model::tor::network_of(&doc).map_err(|m| err(&key, m))?;
        documents = Some(Documents::One(doc));
        network
    } else if let Some(t) = raw.tor_series {
        let max = t.max_missing_weight.unwrap_or(DEFAULT_MAX_MISSING_WEIGHT);
        if !(0.0..=1.0).contains(&max) {
            return Err(err(
                "network.tor_series.max_missing_weight",
                format!("{max}; expected a share of the consensus weight, from 0 to 1"),
            ));
        }
        for (list, what) in [
            (
                &t.consensuses,
                "the consensus files (files, folders or patterns)",
            ),
            (
                &t.microdescriptors,
                "the microdescriptor files of the consensuses",
            ),
        ] {
            if list.is_empty() {
                let k = if std::ptr::eq(list, &t.consensuses) {
                    "network.tor_series.consensuses"
                } else {
                    "network.tor_series.microdescriptors"
                };
                return Err(err(k, format!("empty; expected {what}")));
            }
        }
        let mut consensuses = Vec::new();
        for c in &t.consensuses {
            let files = consensus_files(&locate(c)?)
                .map_err(|m| err("network.tor_series.consensuses", m))?;
            for f in files {
                if !consensuses.contains(&f) {
                    consensuses.push(f);
                }
            }
        }
        let microdescs = t
            .microdescriptors
            .iter()
            .map(|m| locate(m))
            .collect::<Result<Vec<_>, _>>()?;
        let docs = crate::tor::read_series(&consensuses, &microdescs, max).map_err(|mut e| {
            e.message = format!("{} ({named_by})", e.message);
            e
        })?;
        let mut steps = Vec::with_capacity(docs.len());
        for (file, doc) in docs {
            let network = crate::model::tor::network_of(&doc).map_err(|m| err(&key, m))?;
            steps.push((file.display().to_string(), doc, network));
        }
        let network = steps[0].2.clone();
        documents = Some(Documents::Series(steps));
        network
    } else if let Some(t) = raw.tor_families {
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
    let entities = raw.entities;
    if entities.is_some() && matches!(documents, Some(Documents::Series(_))) {
        return Err(err(
            "network.entities",
            "not taken on a series (relays come and go between consensuses); target relays \
             with { relays = [FINGERPRINT, …] } or { family_of = FINGERPRINT }"
                .into(),
        ));
    }
    if let Some(entities) = &entities {
        let mut seen = std::collections::HashSet::new();
        for (entity, operators) in entities {
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
        let name = a.name.clone().unwrap_or_else(|| "adversary".to_string());
        let from = match &a.from {
            None => None,
            Some(_) if !matches!(documents, Some(Documents::Series(_))) => {
                return Err(err(
                    "network.add_adversary.from",
                    "a date on which the adversary joins a series of consensuses; this network \
                     is not a series ([network] tor_series = …)"
                        .into(),
                ));
            }
            Some(d) => Some(crate::tor::parse_date(d).ok_or_else(|| {
                err(
                    "network.add_adversary.from",
                    format!(
                        "`{d}` is not a date; expected \"YYYY-MM-DD\" or \"YYYY-MM-DDTHH:MM\" (UTC)"
                    ),
                )
            })?),
        };
        let taken = documents.take();
        if let Some(Documents::Series(steps)) = taken {
            let mut out = Vec::with_capacity(steps.len());
            let mut joined = false;
            for (file, doc, network) in steps {
                if from.is_some_and(|f| doc.valid_after < f) {
                    out.push((file, doc, network));
                    continue;
                }
                let (more, added) = add_tor_relays(&doc, &a)
                    .map_err(|(k, m)| err(&format!("network.add_adversary{k}"), m))?;
                let mut network = crate::model::tor::network_of(&more).map_err(|m| err(&key, m))?;
                network
                    .assign_entity(&name, &added)
                    .map_err(|m| err("network.add_adversary.name", m))?;
                joined = true;
                out.push((file, Arc::new(more), network));
            }
            if !joined {
                return Err(err(
                    "network.add_adversary.from",
                    format!(
                        "{} is after the last consensus of the series (valid after {}); the \
                         adversary would join none",
                        a.from.as_deref().unwrap_or(""),
                        crate::tor::date_time(out[out.len() - 1].1.valid_after)
                    ),
                ));
            }
            let network = out[0].2.clone();
            return Ok((network, Some(Documents::Series(out))));
        }
        if let Some(Documents::One(doc)) = taken {
            let (more, added) = add_tor_relays(&doc, &a)
                .map_err(|(k, m)| err(&format!("network.add_adversary{k}"), m))?;
            network = crate::model::tor::network_of(&more).map_err(|m| err(&key, m))?;
            if let Some(entities) = &entities {
                for (entity, operators) in entities {
                    network
                        .assign_entity(entity, operators)
                        .map_err(|m| err(&format!("network.entities.{entity}"), m))?;
                }
            }
            network
                .assign_entity(&name, &added)
                .map_err(|m| err("network.add_adversary.name", m))?;
            return Ok((network, Some(Documents::One(Arc::new(more)))));
        }
        if a.relays.is_some() {
            return Err(err(
                "network.add_adversary.relays",
                "adds relays to a tor network, and this network is not one; give `share`".into(),
            ));
        }
        let Some(share) = a.share else {
            return Err(err(
                "network.add_adversary",
                "no `share`; expected the adversary's share of the weight, e.g. { share = 0.02 }"
                    .into(),
            ));
        };
        network = network
            .with_adversary(&name, share, a.operators.unwrap_or(1))
            .map_err(|m| err("network.add_adversary", m))?;
    }
    Ok((network, documents))
}

/// Most relays an adversary may add to a tor network (each in a /16 of its own).
pub const MAX_ADDED_RELAYS: u64 = 4096;

/// The documents with the adversary's relays added and the bandwidth-weights recomputed from
/// the new totals (dir-spec §3.8.3, as the authorities would), and the added fingerprints.
/// Errors: (key suffix, message).
fn add_tor_relays(
    doc: &TorNetwork,
    a: &raw::RawAddAdversary,
) -> Result<(TorNetwork, Vec<String>), (String, String)> {
    use crate::tor::{Flag, Flags, Microdesc, Relay, weights};
    if a.operators.is_some() || (a.share.is_some() && a.guard_exit.is_none()) {
        return Err((
            String::new(),
            "`share` alone and `operators` are for networks of operators; on a tor network the \
             adversary adds relays: relays = [{ count = 5, weight = 10000, flags = [\"Guard\", \
             \"Stable\", \"V2Dir\"] }, …], or a share of the consensus weight split between \
             a guard and an exit relay: { share = 0.01, guard_exit = [5, 1] }"
                .into(),
        ));
    }
    let split = match (a.share, &a.guard_exit) {
        (Some(_), Some(_)) if a.relays.is_some() => {
            return Err((
                String::new(),
                "both `relays` and `share` with `guard_exit`; give one".into(),
            ));
        }
        (Some(share), Some(split)) => Some(share_relays(doc, share, split)?),
        (None, Some(_)) => {
            return Err((
                ".guard_exit".into(),
                "splits the adversary's `share` of the consensus weight; give `share` too".into(),
            ));
        }
        _ => None,
    };
    let Some(groups) = split.as_ref().or(a.relays.as_ref()) else {
        return Err((
            String::new(),
            "no `relays`; on a tor network the adversary adds relays: relays = [{ count = 5, \
             weight = 10000, flags = [\"Exit\"] }, …]"
                .into(),
        ));
    };
    let total: u64 = groups.iter().map(|g| g.count).sum();
    if groups.is_empty() || total == 0 || total > MAX_ADDED_RELAYS {
        return Err((
            ".relays".into(),
            format!("{total} relays; expected from 1 to {MAX_ADDED_RELAYS}"),
        ));
    }
    let name = a.name.as_deref().unwrap_or("adversary");
    let mut more = doc.clone();
    let mut added = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let key = format!(".relays[{i}]");
        if g.weight == 0 {
            return Err((
                format!("{key}.weight"),
                "0; expected a positive consensus weight".into(),
            ));
        }
        let mut flags = [Flag::Running, Flag::Valid, Flag::Fast]
            .into_iter()
            .fold(Flags::default(), Flags::with);
        for f in &g.flags {
            let flag = Flag::ALL
                .into_iter()
                .find(|x| x.name() == f)
                .ok_or_else(|| {
                    (
                        format!("{key}.flags"),
                        format!(
                            "`{f}` is not a flag pathrisk reads; expected some of {}",
                            Flag::ALL.map(Flag::name).join(", ")
                        ),
                    )
                })?;
            flags = flags.with(flag);
        }
        let accept = match (&g.accept, flags.has(Flag::Exit)) {
            (Some(ports), _) => Some(ports.clone()),
            (None, true) => Some("1-65535".to_string()),
            (None, false) => None,
        };
        let policy = match &accept {
            Some(ports) => format!("accept {ports}").parse().map_err(|e| {
                (
                    format!("{key}.accept"),
                    format!(
                        "`{ports}`: {e}; expected ports such as \"443\" or \"80,443,8000-9000\""
                    ),
                )
            })?,
            None => tor_netdoc::types::policy::PortPolicy::new_reject_all(),
        };
        let policy = Arc::new(policy);
        for _ in 0..g.count {
            let n = added.len() as u32;
            // A /16 of its own for each, in 240.0.0.0/4, where no relay is.
            let ip = std::net::Ipv4Addr::from(0xF000_0001 | n << 16);
            let fingerprint = format!("AD{:038X}", n + 1);
            added.push(fingerprint.clone());
            more.relays.push(Relay {
                fingerprint,
                nickname: format!("{name}{}", n + 1),
                ipv4: Some(ip),
                ipv6: None,
                weight: g.weight,
                measured: true,
                flags,
                microdesc: Microdesc {
                    family: Vec::new(),
                    family_ids: Vec::new(),
                    ipv4_policy: Arc::clone(&policy),
                    ipv6_policy: Arc::new(tor_netdoc::types::policy::PortPolicy::new_reject_all()),
                    by_fallback: false,
                },
            });
        }
    }
    more.listed += added.len();
    let new = more.relays[doc.relays.len()..]
        .iter()
        .map(|r| (r.weight, r.flags));
    let old = doc.totals;
    let plus = weights::Totals::of(new);
    more.totals = weights::Totals {
        g: old.g + plus.g,
        m: old.m + plus.m,
        e: old.e + plus.e,
        d: old.d + plus.d,
        t: old.t + plus.t,
    };
    let scale = doc
        .params
        .get(weights::SCALE_PARAM)
        .map_or(weights::DEFAULT_SCALE, |&s| i64::from(s));
    let recomputed = weights::compute(more.totals, scale).ok_or_else(|| {
        (
            ".relays".into(),
            "the bandwidth-weights cannot be computed for the new totals (dir-spec §3.8.3 \
             leaves a class without weight); add relays of other classes"
                .into(),
        )
    })?;
    more.bandwidth_weights = recomputed
        .line()
        .into_iter()
        .map(|(k, v)| (k, v as i32))
        .collect();
    more.added = added.len();
    Ok((more, added))
}

/// The relays of an adversary holding `share` of the consensus weight once added (its
/// weight A with A / (W + A) = share, W the consensus weight of the relays read), split
/// guard:exit as `split` says between one relay with the Guard (and Stable, V2Dir) flag and
/// one with the Exit flag accepting every port.
fn share_relays(
    doc: &TorNetwork,
    share: f64,
    split: &[f64],
) -> Result<Vec<raw::RawAddedRelays>, (String, String)> {
    if !(share > 0.0 && share < 1.0) {
        return Err((
            ".share".into(),
            format!("{share}; expected a share of the consensus weight between 0 and 1"),
        ));
    }
    let &[g, e] = split else {
        return Err((
            ".guard_exit".into(),
            format!(
                "{} numbers; expected two, guard and exit: [5, 1]",
                split.len()
            ),
        ));
    };
    if !(g >= 0.0 && e >= 0.0 && g.is_finite() && e.is_finite() && g + e > 0.0) {
        return Err((
            ".guard_exit".into(),
            format!("[{g}, {e}]; expected two non-negative numbers, not both 0"),
        ));
    }
    let total: u64 = doc.relays.iter().map(|r| u64::from(r.weight)).sum();
    let adversary = share / (1.0 - share) * total as f64;
    let mut out = Vec::new();
    for (part, flags) in [(g, vec!["Guard", "Stable", "V2Dir"]), (e, vec!["Exit"])] {
        let weight = (adversary * part / (g + e)).round();
        if weight < 1.0 {
            continue;
        }
        if weight > f64::from(u32::MAX) {
            return Err((
                ".share".into(),
                format!(
                    "{share}: a relay weight above {}; expected a smaller share",
                    u32::MAX
                ),
            ));
        }
        out.push(raw::RawAddedRelays {
            count: 1,
            weight: weight as u32,
            flags: flags.into_iter().map(String::from).collect(),
            accept: None,
        });
    }
    Ok(out)
}

/// The message for an operator count outside 1 ..= [`model::MAX_OPERATORS`].
pub(super) fn operator_count(n: u64) -> String {
    format!(
        "{n} operators; expected an integer from 1 to {}",
        model::MAX_OPERATORS
    )
}
