//! Tor's directory documents, read with Arti's parser (`tor-netdoc`): a microdesc-flavour
//! consensus and its microdescriptors (plain or `.xz`) become the relays pathrisk models, each
//! with fingerprint, nickname, addresses, consensus weight, flags, exit-policy summary and
//! declared family.
//!
//! Where Arti's parser and C tor differ, this module follows C tor (docs/tor.md lists each
//! difference):
//! - a microdescriptor without an `id ed25519` line is refused by Arti and accepted by C tor
//!   (the line is optional there): such a microdescriptor is read by [`fallback`], which takes
//!   only the `family`, `family-ids`, `p` and `p6` lines, each checked as Arti checks them;
//! - Arti's family type keeps `$FINGERPRINT` entries and drops bare nicknames, which C tor's
//!   `nodefamily_contains_node` matches against the other relay's nickname: the nicknames are
//!   read from the `family` line itself.
//!
//! A relay whose microdescriptor is missing is dropped, as C tor does (a client cannot extend
//! a circuit to a relay without its microdescriptor); the share of consensus weight dropped is
//! reported, and the load stops when it exceeds what the scenario allows.

mod fallback;
pub mod weights;

use crate::error::InputError;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;
use tor_checkable::{ExternallySigned, Timebound};
use tor_netdoc::doc::microdesc::MicrodescAndHash;
use tor_netdoc::doc::netstatus::{MdConsensus, RelayWeight};
use tor_netdoc::types::policy::PortPolicy;
use tor_netdoc::types::relay_flags::RelayFlag;

/// The largest document read, decompressed (a consensus of 2025 is about 3 MB, the
/// microdescriptors of 9,000 relays about 5 MB).
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// A relay's flags in the consensus, as a bit set over [`Flag`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(u16);

/// The consensus flags the path rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Flag {
    Authority,
    BadExit,
    Exit,
    Fast,
    Guard,
    HSDir,
    MiddleOnly,
    Running,
    Stable,
    V2Dir,
    Valid,
}

impl Flag {
    pub const ALL: [Flag; 11] = [
        Flag::Authority,
        Flag::BadExit,
        Flag::Exit,
        Flag::Fast,
        Flag::Guard,
        Flag::HSDir,
        Flag::MiddleOnly,
        Flag::Running,
        Flag::Stable,
        Flag::V2Dir,
        Flag::Valid,
    ];

    /// The flag's name as the consensus writes it.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Authority => "Authority",
            Flag::BadExit => "BadExit",
            Flag::Exit => "Exit",
            Flag::Fast => "Fast",
            Flag::Guard => "Guard",
            Flag::HSDir => "HSDir",
            Flag::MiddleOnly => "MiddleOnly",
            Flag::Running => "Running",
            Flag::Stable => "Stable",
            Flag::V2Dir => "V2Dir",
            Flag::Valid => "Valid",
        }
    }

    fn of_arti(flag: RelayFlag) -> Option<Flag> {
        Some(match flag {
            RelayFlag::Authority => Flag::Authority,
            RelayFlag::BadExit => Flag::BadExit,
            RelayFlag::Exit => Flag::Exit,
            RelayFlag::Fast => Flag::Fast,
            RelayFlag::Guard => Flag::Guard,
            RelayFlag::HSDir => Flag::HSDir,
            RelayFlag::MiddleOnly => Flag::MiddleOnly,
            RelayFlag::Running => Flag::Running,
            RelayFlag::Stable => Flag::Stable,
            RelayFlag::V2Dir => Flag::V2Dir,
            RelayFlag::Valid => Flag::Valid,
            _ => return None,
        })
    }
}

impl Flags {
    pub fn has(self, flag: Flag) -> bool {
        self.0 >> flag as u8 & 1 == 1
    }

    pub fn with(self, flag: Flag) -> Flags {
        Flags(self.0 | 1 << flag as u8)
    }

    /// The flags set, by name, in the order of [`Flag::ALL`].
    pub fn names(self) -> Vec<&'static str> {
        Flag::ALL
            .into_iter()
            .filter(|f| self.has(*f))
            .map(Flag::name)
            .collect()
    }
}

/// One entry of a relay's declared family.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FamilyEntry {
    /// `$FINGERPRINT` (with or without `=name` / `~name`), upper-case hex.
    Fingerprint(String),
    /// A bare nickname, matched case-insensitively against the other relay's nickname.
    Nickname(String),
}

/// What a relay's microdescriptor says that the path rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct Microdesc {
    /// The declared family (`family` line).
    pub family: Vec<FamilyEntry>,
    /// Family identifiers (`family-ids`, prop 321), as written.
    pub family_ids: Vec<String>,
    /// The IPv4 exit-policy summary (`p`); rejects every port when absent.
    pub ipv4_policy: Arc<PortPolicy>,
    /// The IPv6 exit-policy summary (`p6`).
    pub ipv6_policy: Arc<PortPolicy>,
    /// Read by the documented fallback because Arti's parser refused it.
    pub by_fallback: bool,
}

/// A relay of the consensus with its microdescriptor.
#[derive(Debug, Clone, PartialEq)]
pub struct Relay {
    /// The RSA identity, 40 upper-case hex digits.
    pub fingerprint: String,
    pub nickname: String,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
    /// The consensus weight (`w Bandwidth=`), and whether the bandwidth authorities measured it.
    pub weight: u32,
    pub measured: bool,
    pub flags: Flags,
    pub microdesc: Microdesc,
}

/// A consensus and the microdescriptors of its relays, read and joined.
#[derive(Debug, Clone, PartialEq)]
pub struct TorNetwork {
    /// `valid-after`, as seconds since the Unix epoch.
    pub valid_after: u64,
    /// The relays that have a microdescriptor, in consensus order.
    pub relays: Vec<Relay>,
    /// The consensus' `bandwidth-weights` line (`Wgg`, `Wgd`, … in units of 1/10000).
    pub bandwidth_weights: BTreeMap<String, i32>,
    /// The consensus' `params` line.
    pub params: BTreeMap<String, i32>,
    /// Relays listed in the consensus, with or without a microdescriptor.
    pub listed: usize,
    /// The share of consensus weight whose relays had no microdescriptor (dropped).
    pub missing_weight_share: f64,
    /// Microdescriptors Arti's parser refused and the fallback read.
    pub by_fallback: usize,
    /// Relays dropped for want of an ntor onion key (C tor builds no circuit through them).
    pub without_ntor: usize,
    /// Consensus weight by class over every listed relay (with or without a microdescriptor):
    /// what the published `bandwidth-weights` were computed from.
    pub totals: weights::Totals,
    /// Relays an adversary added (the last ones of `relays`), after which `bandwidth_weights`
    /// were recomputed from `totals`.
    pub added: usize,
}

/// "2019-12-15 13:00 UTC" for seconds since the Unix epoch.
pub fn date_time(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let (h, m) = (seconds % 86_400 / 3600, seconds % 3600 / 60);
    // Civil date from days since 1970-01-01 (the proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02} UTC")
}

fn error(file: &Path, message: impl Into<String>) -> InputError {
    InputError::whole(file.display().to_string(), message)
}

/// The text of a document, decompressed when its name ends in `.xz`.
pub fn read_document(path: &Path) -> Result<String, InputError> {
    let file = std::fs::File::open(path).map_err(|e| error(path, format!("cannot read: {e}")))?;
    let xz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xz"));
    let mut reader: Box<dyn Read> = if xz {
        Box::new(liblzma::read::XzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            error(
                path,
                if xz {
                    format!("cannot decompress (xz): {e}")
                } else {
                    format!("cannot read: {e}")
                },
            )
        })?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(error(
            path,
            format!("more than {MAX_DOCUMENT_BYTES} bytes; that is the limit"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| error(path, format!("not UTF-8 text: {e}")))
}

/// One microdescriptor of a file: its text from `onion-key` to the next one (or the next
/// annotation), which is what its digest is taken over.
fn microdesc_texts(text: &str) -> Vec<&str> {
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("onion-key") {
            if starts.len() > ends.len() {
                ends.push(offset);
            }
            starts.push(offset);
        } else if line.starts_with('@') && starts.len() > ends.len() {
            ends.push(offset);
        }
        offset += line.len();
    }
    if starts.len() > ends.len() {
        ends.push(text.len());
    }
    starts
        .into_iter()
        .zip(ends)
        .map(|(a, b)| &text[a..b])
        .collect()
}

/// The microdescriptor digest as a consensus' `m` line writes it: SHA-256, base64 unpadded.
fn digest_of(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The bare nicknames of a `family` line (Arti's family type keeps only fingerprints).
fn family_nicknames(md: &str) -> Vec<FamilyEntry> {
    md.lines()
        .find_map(|l| l.strip_prefix("family "))
        .map(|rest| {
            rest.split_ascii_whitespace()
                .filter(|e| !e.starts_with('$'))
                .map(|e| FamilyEntry::Nickname(e.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a microdescriptor with Arti's parser, or with the fallback when Arti refuses it.
/// One microdescriptor, or `None` for a relay without an ntor onion key (see `fallback`).
fn read_microdesc(text: &str, file: &Path) -> Result<Option<Microdesc>, InputError> {
    match MicrodescAndHash::parse(text) {
        Ok(md) => {
            let mut family: Vec<FamilyEntry> = md
                .family()
                .members()
                .map(|id| FamilyEntry::Fingerprint(id.as_hex_upper()))
                .collect();
            family.extend(family_nicknames(text));
            Ok(Some(Microdesc {
                family,
                family_ids: md.family_ids().iter().map(|f| f.to_string()).collect(),
                ipv4_policy: Arc::new((***md.ipv4_policy()).clone()),
                ipv6_policy: Arc::new((***md.ipv6_policy()).clone()),
                by_fallback: false,
            }))
        }
        Err(arti) => fallback::read(text).map_err(|why| {
            error(
                file,
                format!("a microdescriptor Arti's parser refuses ({arti}) and the fallback cannot read: {why}"),
            )
        }),
    }
}

/// As [`read`], once per process for the same files and limit: the points of a sweep, the
/// evaluations of a solve and the scenarios of a check share one parse of the documents.
pub fn read_cached(
    consensus: &Path,
    microdescs: &[std::path::PathBuf],
    max_missing: f64,
) -> Result<Arc<TorNetwork>, InputError> {
    use std::sync::{Mutex, OnceLock};
    type Key = (std::path::PathBuf, Vec<std::path::PathBuf>, u64);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<TorNetwork>>>> = OnceLock::new();
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let key: Key = (
        canonical(consensus),
        microdescs.iter().map(|p| canonical(p)).collect(),
        max_missing.to_bits(),
    );
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&key)
    {
        return Ok(Arc::clone(found));
    }
    let paths: Vec<&Path> = microdescs.iter().map(|p| p.as_path()).collect();
    let network = Arc::new(read(consensus, &paths, max_missing)?);
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(key, Arc::clone(&network));
    Ok(network)
}

/// A series of consensuses sharing microdescriptor files, each read as [`read`] reads it,
/// in parallel, ordered by valid-after time. Two consensuses valid after the same time are
/// refused, naming both files. Cached per process as [`read_cached`] is.
pub fn read_series(
    consensuses: &[std::path::PathBuf],
    microdescs: &[std::path::PathBuf],
    max_missing: f64,
) -> Result<Vec<(std::path::PathBuf, Arc<TorNetwork>)>, InputError> {
    use rayon::prelude::*;
    use std::sync::{Mutex, OnceLock};
    type Key = (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>, u64);
    type Series = Vec<(std::path::PathBuf, Arc<TorNetwork>)>;
    static CACHE: OnceLock<Mutex<HashMap<Key, Series>>> = OnceLock::new();
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let key: Key = (
        consensuses.iter().map(|p| canonical(p)).collect(),
        microdescs.iter().map(|p| canonical(p)).collect(),
        max_missing.to_bits(),
    );
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&key)
    {
        return Ok(found.clone());
    }
    for c in consensuses {
        exists(c)?;
    }
    let paths: Vec<&Path> = microdescs.iter().map(|p| p.as_path()).collect();
    let texts = read_microdescs(&paths)?;
    let index = index_microdescs(&texts)?;
    let series: Series = consensuses
        .par_iter()
        .map(|c| read_with(c, &index, max_missing).map(|n| (c.clone(), Arc::new(n))))
        .collect::<Result<_, _>>()?;
    let series = order_series(series)?;
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(key, series.clone());
    Ok(series)
}

/// A series' consensuses ordered by valid-after time; two of the same time are refused,
/// naming both files (also the fuzz target `tor_series`'s last step).
pub fn order_series(
    mut series: Vec<(std::path::PathBuf, Arc<TorNetwork>)>,
) -> Result<Vec<(std::path::PathBuf, Arc<TorNetwork>)>, InputError> {
    series.sort_by_key(|(_, n)| n.valid_after);
    for pair in series.windows(2) {
        if pair[0].1.valid_after == pair[1].1.valid_after {
            return Err(error(
                &pair[1].0,
                format!(
                    "valid after {}, as {} is; expected consensuses of distinct times",
                    date_time(pair[1].1.valid_after),
                    pair[0].0.display()
                ),
            ));
        }
    }
    Ok(series)
}

/// Seconds since the Unix epoch of "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" or the same with a
/// space for the T (UTC; a trailing " UTC" or "Z" is allowed), or `None`.
pub fn parse_date(s: &str) -> Option<u64> {
    let s = s.trim();
    let s = s
        .strip_suffix(" UTC")
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(s);
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut d = date.split('-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=days_in[month as usize - 1]).contains(&day) {
        return None;
    }
    let mut seconds = 0i64;
    if let Some(t) = time {
        let mut t = t.split(':');
        let h: i64 = t.next()?.parse().ok()?;
        let m: i64 = t.next()?.parse().ok()?;
        let sec: i64 = match t.next() {
            Some(x) => x.parse().ok()?,
            None => 0,
        };
        if t.next().is_some() || h > 23 || m > 59 || sec > 59 || h < 0 || m < 0 || sec < 0 {
            return None;
        }
        seconds = h * 3600 + m * 60 + sec;
    }
    // Days from civil (the inverse of `date_time`'s conversion).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + seconds) as u64)
}

/// The consensus with an empty `pr` line in every router entry that has none, or `None`
/// when every entry has one. Consensus methods before 25 (the 2016-12 consensuses of the
/// archived series) list no protocol versions; Arti's parser requires the line, C tor does not
/// (it infers protocols from the `v` line, `protover_compute_for_old_tor`). pathrisk's rules
/// read no protocol (C tor's guard, middle and exit rules have no protocol condition), so an
/// empty list stands for "not listed" and changes nothing pathrisk computes.
fn with_empty_protocols(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + text.len() / 50);
    // The router entry being read: its text, and where its `s` line ends.
    let mut entry = String::new();
    let (mut in_entry, mut has_pr, mut after_s, mut added) = (false, false, None, 0usize);
    let mut close = |out: &mut String, entry: &mut String, has_pr: bool, after_s: Option<usize>| {
        match after_s {
            Some(at) if !has_pr => {
                out.push_str(&entry[..at]);
                out.push_str("pr\n");
                out.push_str(&entry[at..]);
                added += 1;
            }
            _ => out.push_str(entry),
        }
        entry.clear();
    };
    for line in text.split_inclusive('\n') {
        let keyword = line.split_ascii_whitespace().next().unwrap_or("");
        if keyword == "r" || keyword == "directory-footer" {
            close(&mut out, &mut entry, has_pr, after_s);
            in_entry = keyword == "r";
            (has_pr, after_s) = (false, None);
        }
        if !in_entry {
            out.push_str(line);
            continue;
        }
        entry.push_str(line);
        match keyword {
            "pr" => has_pr = true,
            "s" => after_s = Some(entry.len()),
            _ => {}
        }
    }
    close(&mut out, &mut entry, has_pr, after_s);
    (added > 0).then_some(out)
}

/// Reads a consensus and its microdescriptors (any number of files: tor keeps a main file and
/// a journal) and joins them by digest. `max_missing` is the largest share of consensus weight
/// whose relays may lack a microdescriptor.
pub fn read(
    consensus: &Path,
    microdescs: &[&Path],
    max_missing: f64,
) -> Result<TorNetwork, InputError> {
    exists(consensus)?;
    let texts = read_microdescs(microdescs)?;
    read_with(consensus, &index_microdescs(&texts)?, max_missing)
}

/// A missing consensus is named before its microdescriptors are read.
fn exists(consensus: &Path) -> Result<(), InputError> {
    std::fs::metadata(consensus)
        .map(|_| ())
        .map_err(|e| error(consensus, format!("cannot read: {e}")))
}

/// The microdescriptor files' texts, each with its file.
pub fn read_microdescs(
    microdescs: &[&Path],
) -> Result<Vec<(String, std::path::PathBuf)>, InputError> {
    microdescs
        .iter()
        .map(|p| read_document(p).map(|t| (t, p.to_path_buf())))
        .collect()
}

/// Microdescriptors by digest: their text and their file.
pub type MicrodescIndex<'a> = HashMap<[u8; 32], (&'a str, &'a Path)>;

/// The microdescriptors of `texts` by digest (a file without one is refused).
pub fn index_microdescs(
    texts: &[(String, std::path::PathBuf)],
) -> Result<MicrodescIndex<'_>, InputError> {
    let mut by_digest: MicrodescIndex = HashMap::new();
    for (t, p) in texts {
        let found = microdesc_texts(t);
        if found.is_empty() && !t.trim().is_empty() {
            return Err(error(
                p,
                "no microdescriptor (no `onion-key` line) in the file",
            ));
        }
        for md in found {
            by_digest.insert(digest_of(md), (md, p.as_path()));
        }
    }
    Ok(by_digest)
}

/// As [`read`], with the microdescriptors already indexed (a series reads them once).
pub fn read_with(
    consensus: &Path,
    by_digest: &MicrodescIndex<'_>,
    max_missing: f64,
) -> Result<TorNetwork, InputError> {
    parse_with(
        &read_document(consensus)?,
        consensus,
        by_digest,
        max_missing,
    )
}

/// As [`read_with`], the consensus given as text (`consensus` names it in errors): the reader
/// the fuzz target `tor_documents` drives.
pub fn parse_with(
    text: &str,
    consensus: &Path,
    by_digest: &MicrodescIndex<'_>,
    max_missing: f64,
) -> Result<TorNetwork, InputError> {
    let parsed = match MdConsensus::parse(text) {
        Err(e) => match with_empty_protocols(text) {
            // Consensus methods before 25 have no `pr` lines, which Arti requires.
            Some(patched) => MdConsensus::parse(&patched)
                .map(|(_, _, u)| u)
                .map_err(|_| e),
            None => Err(e),
        },
        Ok((_, _, u)) => Ok(u),
    };
    let unchecked = parsed.map_err(|e| {
        error(
            consensus,
            format!("not a microdesc-flavour consensus Arti can read: {e}"),
        )
    })?;
    // Signatures and validity times are not checked: these are archived documents.
    let doc = unchecked
        .dangerously_assume_timely()
        .dangerously_assume_wellsigned();

    let flags_of = |rs: &tor_netdoc::doc::netstatus::MdRouterStatus| {
        rs.flags()
            .iter()
            .filter_map(Flag::of_arti)
            .fold(Flags::default(), Flags::with)
    };
    let totals = weights::Totals::of(doc.relays().iter().map(|rs| {
        let w = match *rs.weight() {
            RelayWeight::Measured(w) | RelayWeight::Unmeasured(w) => w,
            _ => 0,
        };
        (w, flags_of(rs))
    }));
    let mut relays = Vec::with_capacity(doc.relays().len());
    let (mut total, mut missing, mut by_fallback, mut without_ntor) = (0u64, 0u64, 0usize, 0usize);
    for rs in doc.relays() {
        let (weight, measured) = match *rs.weight() {
            RelayWeight::Measured(w) => (w, true),
            RelayWeight::Unmeasured(w) => (w, false),
            _ => (0, false),
        };
        total += u64::from(weight);
        let Some((md_text, file)) = by_digest.get(rs.md_digest()) else {
            missing += u64::from(weight);
            continue;
        };
        let Some(microdesc) = read_microdesc(md_text, file)? else {
            without_ntor += 1;
            continue;
        };
        by_fallback += usize::from(microdesc.by_fallback);
        let flags = flags_of(rs);
        let mut ipv4 = None;
        let mut ipv6 = None;
        for a in rs.addrs() {
            match a.ip() {
                std::net::IpAddr::V4(v) if ipv4.is_none() => ipv4 = Some(v),
                std::net::IpAddr::V6(v) if ipv6.is_none() => ipv6 = Some(v),
                _ => {}
            }
        }
        relays.push(Relay {
            fingerprint: rs.rsa_identity().as_hex_upper(),
            nickname: rs.nickname().to_string(),
            ipv4,
            ipv6,
            weight,
            measured,
            flags,
            microdesc,
        });
    }
    let missing_weight_share = if total == 0 {
        0.0
    } else {
        missing as f64 / total as f64
    };
    if missing_weight_share > max_missing {
        return Err(error(
            consensus,
            format!(
                "the microdescriptors given cover {:.1}% of the consensus weight ({} of {} relays); \
                 at most {:.1}% may be missing (name the other microdescriptor files, or allow more \
                 with `max_missing_weight`)",
                100.0 * (1.0 - missing_weight_share),
                relays.len(),
                doc.relays().len(),
                100.0 * max_missing
            ),
        ));
    }
    let valid_after = doc
        .lifetime()
        .valid_after()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(TorNetwork {
        valid_after,
        listed: doc.relays().len(),
        relays,
        bandwidth_weights: doc
            .bandwidth_weights()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        params: doc.params().iter().map(|(k, v)| (k.clone(), *v)).collect(),
        missing_weight_share,
        by_fallback,
        without_ntor,
        totals,
        added: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_without_protocols_get_an_empty_pr_line_after_their_flags() {
        let text = "network-status-version 3 microdesc\nr a x\ns Fast\nv Tor 0.2.4\nm d\n\
                    r b y\ns Guard\npr Link=1\nm e\nr c z\ns Exit\ndirectory-footer\nx\n";
        let patched = with_empty_protocols(text).unwrap();
        assert_eq!(
            patched,
            "network-status-version 3 microdesc\nr a x\ns Fast\npr\nv Tor 0.2.4\nm d\n\
             r b y\ns Guard\npr Link=1\nm e\nr c z\ns Exit\npr\ndirectory-footer\nx\n"
        );
        assert_eq!(with_empty_protocols(&patched), None);
    }

    #[test]
    fn microdescriptors_are_cut_at_onion_key_and_annotations() {
        let text = "@last-listed 2019-12-15\nonion-key\nA\nntor-onion-key x\n\
                    onion-key\nB\n@last-listed 2019\nonion-key\nC\n";
        let found = microdesc_texts(text);
        assert_eq!(
            found,
            vec![
                "onion-key\nA\nntor-onion-key x\n",
                "onion-key\nB\n",
                "onion-key\nC\n"
            ]
        );
        assert!(microdesc_texts("garbage\n").is_empty());
    }

    #[test]
    fn bare_nicknames_of_a_family_line_are_kept() {
        let md = "onion-key\nfamily $0123456789ABCDEF0123456789ABCDEF01234567 Alice bob\n";
        assert_eq!(
            family_nicknames(md),
            vec![
                FamilyEntry::Nickname("Alice".into()),
                FamilyEntry::Nickname("bob".into())
            ]
        );
    }

    #[test]
    fn dates_parse_back_to_the_seconds_they_print() {
        for t in [
            0u64,
            1_481_403_600,
            1_576_414_800,
            951_782_400,
            4_102_444_799,
        ] {
            let printed = date_time(t);
            let minutes = t - t % 60;
            assert_eq!(parse_date(&printed), Some(minutes), "{printed}");
        }
        assert_eq!(parse_date("2017-01-01"), Some(1_483_228_800));
        assert_eq!(
            parse_date("2017-01-01T06:30"),
            Some(1_483_228_800 + 6 * 3600 + 1800)
        );
        assert_eq!(parse_date("2016-02-29"), Some(1_456_704_000));
        for bad in [
            "2017-02-29",
            "2017-13-01",
            "2017-01",
            "yesterday",
            "2017-01-01T25:00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(date_time(1_576_414_800), "2019-12-15 13:00 UTC");
        assert_eq!(date_time(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn flags_are_a_bit_set() {
        let f = Flags::default().with(Flag::Guard).with(Flag::Exit);
        assert!(f.has(Flag::Guard) && f.has(Flag::Exit) && !f.has(Flag::BadExit));
        assert_eq!(f.names(), vec!["Exit", "Guard"]);
    }
}
