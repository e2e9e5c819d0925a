//! The documented fallback for microdescriptors Arti's parser refuses but C tor accepts (in
//! the archived snapshots: those without an `id ed25519` line, which C tor treats as
//! optional). It reads only what the path rules use — `family`, `family-ids`, `p`, `p6` —
//! and takes the exit-policy summaries through Arti's own `PortPolicy` parser. Everything
//! else of the microdescriptor (keys) is not needed and not read. A microdescriptor without an
//! `ntor-onion-key` (relays older than tor 0.2.4, in the 2016–17 series) is read as unusable:
//! C tor builds no circuit through such a relay (`router_add_running_nodes_to_smartlist` and
//! `extend_info_from_node` require `node_has_curve25519_onion_key`).

use super::{FamilyEntry, Microdesc};
use std::sync::Arc;
use tor_netdoc::types::policy::PortPolicy;

/// A `family` entry: `$` and 40 hex digits, optionally `=name` or `~name`; else a nickname.
/// An entry of `$` that is not a fingerprint is skipped, as Arti's parser skips it.
fn family_entry(token: &str) -> Option<FamilyEntry> {
    match token.strip_prefix('$') {
        Some(rest) => {
            let hex = rest.split(['=', '~']).next().unwrap_or("");
            (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| FamilyEntry::Fingerprint(hex.to_ascii_uppercase()))
        }
        None => Some(FamilyEntry::Nickname(token.to_string())),
    }
}

fn policy(line: &str, keyword: &str) -> Result<PortPolicy, String> {
    line.parse::<PortPolicy>()
        .map_err(|e| format!("`{keyword} {line}` is not an exit-policy summary: {e}"))
}

/// Reads the lines the path rules use from one microdescriptor's text; `None` for a relay
/// without an ntor onion key, which no circuit may use.
pub(super) fn read(text: &str) -> Result<Option<Microdesc>, String> {
    if text
        .lines()
        .next()
        .is_none_or(|l| l.trim_end() != "onion-key")
    {
        return Err("it does not start with `onion-key`".into());
    }
    if !text.lines().any(|l| l.starts_with("ntor-onion-key ")) {
        return Ok(None);
    }
    let mut md = Microdesc {
        family: Vec::new(),
        family_ids: Vec::new(),
        ipv4_policy: Arc::new(PortPolicy::new_reject_all()),
        ipv6_policy: Arc::new(PortPolicy::new_reject_all()),
        by_fallback: true,
    };
    for line in text.lines() {
        let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
        match keyword {
            "family" => {
                md.family = rest
                    .split_ascii_whitespace()
                    .filter_map(family_entry)
                    .collect()
            }
            "family-ids" => {
                md.family_ids = rest.split_ascii_whitespace().map(String::from).collect()
            }
            "p" => md.ipv4_policy = Arc::new(policy(rest, "p")?),
            "p6" => md.ipv6_policy = Arc::new(policy(rest, "p6")?),
            _ => {}
        }
    }
    Ok(Some(md))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_microdescriptor_without_an_ed25519_id_is_read() {
        let text = "onion-key\n-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n\
                    ntor-onion-key AAAA\nfamily $0123456789abcdef0123456789ABCDEF01234567=x other $zz\n\
                    p accept 80,443\n";
        let md = read(text).unwrap().unwrap();
        assert_eq!(
            md.family,
            vec![
                FamilyEntry::Fingerprint("0123456789ABCDEF0123456789ABCDEF01234567".into()),
                FamilyEntry::Nickname("other".into()),
            ]
        );
        assert!(md.ipv4_policy.allows_port(443) && !md.ipv4_policy.allows_port(22));
        assert!(!md.ipv6_policy.allows_port(443));
        assert!(md.by_fallback);
    }

    #[test]
    fn what_is_not_a_microdescriptor_is_refused() {
        assert!(read("router x\n").is_err());
        // Without an ntor key: read, as a relay no circuit may use.
        assert_eq!(read("onion-key\nfamily a\n"), Ok(None));
        assert!(read("onion-key\nntor-onion-key A\np accept x\n").is_err());
    }
}
