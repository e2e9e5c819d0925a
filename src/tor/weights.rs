//! The consensus' `bandwidth-weights`, computed from the relays' weights and flags with the
//! equations of dir-spec §3.8.3 as tor's directory authorities evaluate them
//! (`networkstatus_compute_bw_weights_v10` in tor's `dirvote.c`): integer arithmetic in units
//! of `bwweightscale` (10000 by default), each division truncated as C's is, and the case
//! analysis in tor's order (2b1 falls back to 2b2/2b3 when its weights fail tor's check).
//! An adversary's relays added to a network need the weights of the new totals; keeping the
//! old ones (TorPS's long-standing bug) overweights the positions the new relays take.

use super::{Flag, Flags};
use std::collections::BTreeMap;

/// The consensus parameter that sets the weights' unit, and its default.
pub const SCALE_PARAM: &str = "bwweightscale";
pub const DEFAULT_SCALE: i64 = 10_000;

/// Consensus weight by class: Guard only (`g`), Exit only (`e`), both (`d`), neither (`m`),
/// and in all (`t`). "Exit" is the Exit flag without BadExit (tor's fix of bug 2203).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub g: i64,
    pub m: i64,
    pub e: i64,
    pub d: i64,
    pub t: i64,
}

impl Totals {
    /// The totals of relays given as (consensus weight, flags).
    pub fn of(relays: impl IntoIterator<Item = (u32, Flags)>) -> Totals {
        let mut t = Totals::default();
        for (w, flags) in relays {
            let w = i64::from(w);
            let exit = flags.has(Flag::Exit) && !flags.has(Flag::BadExit);
            let guard = flags.has(Flag::Guard);
            t.t += w;
            match (guard, exit) {
                (true, true) => t.d += w,
                (false, true) => t.e += w,
                (true, false) => t.g += w,
                (false, false) => t.m += w,
            }
        }
        t
    }
}

/// The seven free weights (the others follow: Wgm = Wgg, Wmm = 1, Wem = Wee, Weg = Wed, and
/// the directory-request weights), in units of `scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandwidthWeights {
    pub wgg: i64,
    pub wgd: i64,
    pub wmg: i64,
    pub wme: i64,
    pub wmd: i64,
    pub wee: i64,
    pub wed: i64,
    pub scale: i64,
    /// The case of dir-spec §3.8.3 that gave them, as tor names it.
    pub case: &'static str,
}

/// tor's `networkstatus_check_weights` with margin 10 and balancing: whether the weights sum
/// to one per class, lie in [0, 1] and balance the positions; `Err` says which failed.
fn check(w: &BandwidthWeights, t: &Totals) -> Result<(), CheckError> {
    let (s, margin) = (w.scale, 10);
    let near = |a: i64, b: i64, m: i64| (a - b).abs() <= m;
    if !near(w.wed + w.wmd + w.wgd, s, margin) {
        return Err(CheckError::SumD);
    }
    if !near(w.wmg + w.wgg, s, margin) {
        return Err(CheckError::SumG);
    }
    if !near(w.wme + w.wee, s, margin) {
        return Err(CheckError::SumE);
    }
    let all = [w.wgg, w.wgd, w.wmg, w.wme, w.wmd, w.wed, w.wee];
    if all.iter().any(|&x| x < 0 || x > s) {
        return Err(CheckError::Range);
    }
    let guard = w.wgg * t.g + w.wgd * t.d;
    if !near(guard, w.wee * t.e + w.wed * t.d, margin * t.t / 3) {
        return Err(CheckError::BalanceExitGuard);
    }
    if !near(
        guard,
        t.m * s + w.wmd * t.d + w.wme * t.e + w.wmg * t.g,
        margin * t.t / 3,
    ) {
        return Err(CheckError::BalanceMiddle);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckError {
    SumD,
    SumG,
    SumE,
    Range,
    BalanceExitGuard,
    BalanceMiddle,
}

/// The weights of `totals` in units of `scale` (consensus method 10 and later), or `None`
/// where tor computes none (a class without weight, or weights that fail tor's check).
pub fn compute(totals: Totals, scale: i64) -> Option<BandwidthWeights> {
    let Totals { g, m, e, d, t } = totals;
    if g <= 0 || m <= 0 || e <= 0 || d <= 0 || scale <= 0 {
        return None;
    }
    let s = scale;
    let w = |case, wgg, wgd, wmg, wme, wmd, wee, wed| BandwidthWeights {
        wgg,
        wgd,
        wmg,
        wme,
        wmd,
        wee,
        wed,
        scale: s,
        case,
    };
    if 3 * e >= t && 3 * g >= t {
        // Case 1: neither guards nor exits are scarce.
        let wee = s * (e + g + m) / (3 * e);
        let wmg = s * (2 * g - e - m) / (3 * g);
        let r = w(
            "Case 1 (Wgd=Wmd=Wed)",
            s - wmg,
            s / 3,
            wmg,
            s - wee,
            s / 3,
            wee,
            s / 3,
        );
        return check(&r, &totals).ok().map(|_| r);
    }
    if 3 * e < t && 3 * g < t {
        // Case 2: both are scarce.
        let (r_, s_) = (e.min(g), e.max(g));
        if r_ + d < s_ {
            return Some(if e < g {
                w("Case 2a (E scarce)", s, 0, 0, 0, 0, s, s)
            } else {
                w("Case 2a (G scarce)", s, s, 0, 0, 0, s, 0)
            });
        }
        let wed = s * (d - 2 * e + 4 * g - 2 * m) / (3 * d);
        let first = w(
            "Case 2b1 (Wgg=1, Wmd=Wgd)",
            s,
            (s - wed) / 2,
            0,
            s * (g - m) / e,
            (s - wed) / 2,
            s * (e - g + m) / e,
            wed,
        );
        let mut r = first;
        let mut verdict = check(&first, &totals);
        if verdict.is_err() {
            let wed = s * (d - 2 * e + g + m) / (3 * d);
            let mut wmd = s * (d - 2 * m + g + e) / (3 * d);
            let mut case = "Case 2b2 (Wgg=1, Wee=1)";
            if wmd < 0 {
                case = "Case 2b3 (Wmd=0)";
                wmd = 0;
            }
            r = w(case, s, s - wed - wmd, 0, 0, wmd, s, wed);
            verdict = check(&r, &totals);
        }
        // tor accepts a middle position it could not balance.
        return match verdict {
            Ok(()) | Err(CheckError::BalanceMiddle) => Some(r),
            Err(_) => None,
        };
    }
    // Case 3: exactly one of the two is scarce.
    let scarce = e.min(g);
    if 3 * (scarce + d) < t {
        return Some(if g < e {
            let wme = if e < m { 0 } else { s * (e - m) / (2 * e) };
            w("Case 3a (G scarce)", s, s, 0, wme, 0, s - wme, 0)
        } else {
            let wmg = if g < m { 0 } else { s * (g - m) / (2 * g) };
            w("Case 3a (E scarce)", s - wmg, 0, wmg, 0, 0, s, s)
        });
    }
    let r = if g < e {
        let wgd = s * (d - 2 * g + e + m) / (3 * d);
        let wee = s * (e + m) / (2 * e);
        w(
            "Case 3bg (G scarce, Wgg=1, Wmd == Wed)",
            s,
            wgd,
            0,
            s - wee,
            (s - wgd) / 2,
            wee,
            (s - wgd) / 2,
        )
    } else {
        let wed = s * (d - 2 * e + g + m) / (3 * d);
        let wgg = s * (g + m) / (2 * g);
        w(
            "Case 3be (E scarce, Wee=1, Wmd == Wgd)",
            wgg,
            (s - wed) / 2,
            s - wgg,
            0,
            (s - wed) / 2,
            s,
            wed,
        )
    };
    check(&r, &totals).ok().map(|_| r)
}

impl BandwidthWeights {
    /// Every weight of a `bandwidth-weights` line, by name, as tor writes them.
    pub fn line(&self) -> BTreeMap<String, i64> {
        let s = self.scale;
        [
            ("Wbd", self.wmd),
            ("Wbe", self.wme),
            ("Wbg", self.wmg),
            ("Wbm", s),
            ("Wdb", s),
            ("Web", s),
            ("Wed", self.wed),
            ("Wee", self.wee),
            ("Weg", self.wed),
            ("Wem", self.wee),
            ("Wgb", s),
            ("Wgd", self.wgd),
            ("Wgg", self.wgg),
            ("Wgm", self.wgg),
            ("Wmb", s),
            ("Wmd", self.wmd),
            ("Wme", self.wme),
            ("Wmg", self.wmg),
            ("Wmm", s),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(g: i64, m: i64, e: i64, d: i64) -> Totals {
        Totals {
            g,
            m,
            e,
            d,
            t: g + m + e + d,
        }
    }

    /// Every case keeps tor's invariants: each class's weights sum to one, and the guard and
    /// exit positions carry the same weight where the case balances them.
    #[test]
    fn each_case_is_reached_and_keeps_the_sums() {
        let cases = [
            (totals(400, 300, 400, 100), "Case 1"),
            (totals(100, 800, 50, 20), "Case 2a"),
            (totals(300, 300, 250, 300), "Case 2b1"),
            (totals(100, 300, 500, 50), "Case 3a (G scarce)"),
            (totals(500, 300, 100, 50), "Case 3a (E scarce)"),
            (totals(5000, 2000, 1000, 3500), "Case 3be"),
            (totals(1000, 2000, 5000, 3500), "Case 3bg"),
        ];
        for (t, want) in cases {
            let w = compute(t, DEFAULT_SCALE).unwrap_or_else(|| panic!("{want}: none"));
            assert!(w.case.starts_with(want), "{t:?}: {} not {want}", w.case);
            let s = DEFAULT_SCALE;
            assert!((w.wgg + w.wmg - s).abs() <= 10, "{want}");
            assert!((w.wee + w.wme - s).abs() <= 10, "{want}");
            assert!((w.wgd + w.wmd + w.wed - s).abs() <= 10, "{want}");
        }
        assert_eq!(compute(totals(0, 1, 1, 1), DEFAULT_SCALE), None);
        // Both scarce with too much middle weight to balance the guard and exit positions:
        // tor's check refuses every subcase, and so no weights.
        assert_eq!(compute(totals(200, 500, 150, 300), DEFAULT_SCALE), None);
    }

    #[test]
    fn badexit_relays_count_as_not_exits() {
        let exit = Flags::default().with(Flag::Exit);
        let bad = exit.with(Flag::BadExit);
        let guard = Flags::default().with(Flag::Guard);
        let t = Totals::of([
            (10, exit),
            (20, bad),
            (30, guard),
            (40, guard.with(Flag::Exit)),
        ]);
        assert_eq!(
            t,
            Totals {
                g: 30,
                m: 20,
                e: 10,
                d: 40,
                t: 100
            }
        );
    }
}
