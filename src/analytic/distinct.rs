//! `distinct-servers` with servers of equal weight.
//!
//! Drawing h of N servers uniformly without replacement makes the path a uniformly random
//! ordered h-tuple of distinct servers. The k positions an event looks at (see `random`) are
//! then themselves a uniformly random ordered k-tuple of distinct servers (exchangeability), so
//! for a set T of entities holding K servers:
//!   P = K(K−1)…(K−k+1) / (N(N−1)…(N−k+1))    (0 when K < k),
//! and for `any`, summing the disjoint events "all k in j" over entities with k_j servers:
//!   P = Σ_j k_j(k_j−1)…(k_j−k+1) / (N(N−1)…(N−k+1)).
//! The ratio is evaluated factor by factor, Π_{i<k} (K−i)/(N−i), which stays in [0, 1].

use crate::adversary::{Event, Target};

/// Π_{i<k} (a−i)/(n−i), the ratio of falling factorials a^(k) / n^(k).
pub fn falling_ratio(a: u64, n: u64, k: u32) -> f64 {
    (0..k as u64)
        .map(|i| {
            if a > i {
                (a - i) as f64 / (n - i) as f64
            } else {
                0.0
            }
        })
        .product()
}

pub fn path(entity_servers: &[u64], total: u64, target: &Target, event: Event, hops: usize) -> f64 {
    let k = super::event_positions(event, hops);
    match target.members() {
        Some(members) => falling_ratio(members.iter().map(|&j| entity_servers[j]).sum(), total, k),
        None => entity_servers
            .iter()
            .map(|&s| falling_ratio(s, total, k))
            .sum::<f64>()
            .min(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_operators_of_twenty_servers() {
        let p = path(&[20; 50], 1000, &Target::Any, Event::FullPath, 3);
        let exact = 50.0 * 20.0 * 19.0 * 18.0 / (1000.0 * 999.0 * 998.0);
        assert!((p - exact).abs() < 1e-18);
        assert_eq!(
            path(&[2, 8], 10, &Target::Entity(0), Event::FullPath, 3),
            0.0
        );
        assert!((path(&[2, 8], 10, &Target::Entity(0), Event::Ends, 3) - 2.0 / 90.0).abs() < 1e-16);
    }

    #[test]
    fn fewer_servers_than_positions_is_zero_even_past_the_whole_pool() {
        // K < k gives 0 by the definition; with K = N the factor at i = N would be 0/0.
        assert_eq!(falling_ratio(2, 2, 3), 0.0);
        assert_eq!(falling_ratio(1, 1, 2), 0.0);
        assert_eq!(falling_ratio(2, 3, 3), 0.0);
    }
}
