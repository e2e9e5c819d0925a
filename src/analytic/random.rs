//! `random` selection.
//!
//! Each hop picks an operator independently with probability share / Σ share, so its entity is
//! `j` with probability e_j (the entity's operators' shares, normalised), independently of
//! every other hop. An event looks at k positions (full-path: k = h; ends: k = 2 for h ≥ 2 and
//! k = 1 for h = 1, where the first hop is the last; entry: k = 1). Hence:
//! - target a set T of entities (one entity, or a coalition): each of the k hops must fall in
//!   T, independently: P = (Σ_{j∈T} e_j)^k;
//! - target `any`: all k hops in the same entity, which is one of the disjoint events
//!   "all k in j": P = Σ_j e_j^k (equal to 1 when k = 1).
//!
//! A finite pool with servers of weight 1 is the same with e_j = servers of j / all servers.

use crate::adversary::{Event, Target};

pub fn path(entity_shares: &[f64], target: &Target, event: Event, hops: usize) -> f64 {
    let k = super::event_positions(event, hops) as i32;
    match target.members() {
        Some(members) => {
            let share: f64 = members.iter().map(|&j| entity_shares[j]).sum();
            share.min(1.0).powi(k)
        }
        None => entity_shares
            .iter()
            .map(|e| e.powi(k))
            .sum::<f64>()
            .min(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        let e = [0.02, 0.98];
        assert!((path(&e, &Target::Entity(0), Event::FullPath, 3) - 8e-6).abs() < 1e-18);
        assert!((path(&e, &Target::Entity(0), Event::Ends, 3) - 4e-4).abs() < 1e-16);
        assert!((path(&e, &Target::Entity(0), Event::Entry, 3) - 0.02).abs() < 1e-16);
        let fifty = vec![0.02; 50];
        assert!((path(&fifty, &Target::Any, Event::FullPath, 3) - 4e-4).abs() < 1e-15);
        assert!(
            (path(&fifty, &Target::Coalition(vec![0, 1]), Event::FullPath, 2) - 0.0016).abs()
                < 1e-15
        );
    }
}
