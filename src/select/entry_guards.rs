//! Tor's entry-guard algorithm (proposal 271, tor's `entrynodes.c`) as pathrisk models it for
//! a client living through a series of consensuses (docs/tor.md, "Guards through time").
//!
//! A client keeps a *sampled set* of guards in the order it sampled them. When fewer than
//! `guard-min-filtered-sample-size` (20) of them are listed it samples more, one at a time by
//! guard weight among the consensus' possible guards it has not sampled, up to
//! `guard-max-sample-size` (60) or `guard-max-sample-threshold-percent` (20%) of the possible
//! guards (`entry_guards_expand_sample`). Each sampled guard gets a sampled-on date drawn
//! uniformly from the last `guard-lifetime-days`/10 days (`randomize_time`). A guard is
//! *listed* while the consensus lists it as a possible guard (`entry_guard_is_listed`); an
//! unlisted one gets an unlisted-since date drawn from the last
//! `guard-remove-unlisted-guards-after-days`/5 days, and is removed once unlisted for
//! `guard-remove-unlisted-guards-after-days` (20); any guard is removed once sampled more than
//! `guard-lifetime-days` (120) ago and, if confirmed, confirmed more than
//! `guard-confirmed-min-lifetime-days` (60) ago (`sampled_guards_prune_obsolete_entries`).
//!
//! The *primary guards* (`entry_guards_update_primary`): the listed confirmed guards in sampled
//! order, then the earlier primary guards still listed, then the first listed guards of the
//! sample neither confirmed nor primary, up to `count`; sorted by sampled order when they
//! changed. A circuit takes the first primary guard its exit allows
//! (`select_primary_guard_for_circuit` with `guard-n-primary-guards-to-use` = 1), else the first
//! listed confirmed guard that it allows (`select_confirmed_guard_for_circuit`), else the first
//! listed sampled guard that it allows (`select_filtered_guard_for_circuit`), else a guard by
//! weight among those it allows, which joins the sample. The guard a circuit used becomes
//! confirmed (a circuit through it succeeded) with a confirmed-on date drawn as the sampled-on
//! one.
//!
//! What is not modelled: guards never fail or time out (so no retry schedule, no pending
//! circuits, no path-bias), no bridges or `EntryNodes`; a consensus' presence changes are seen
//! at the client's first circuit under it, and removals at its first circuit at or after the
//! moment they are due (tor checks at each hourly consensus).

use crate::model::series::{ABSENT, DAY, SeriesStep};
use crate::model::tor::{GUARD, Groups};
use crate::select::tor::Draw;
use rand::{Rng, RngExt};
use std::collections::BTreeMap;

/// The guard parameters of a consensus, with tor's defaults (`entrynodes.c`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GuardParams {
    /// Primary guards (the scenario's `[guards] count`).
    pub primary: usize,
    /// Seconds.
    pub lifetime: u64,
    pub confirmed_min_lifetime: u64,
    pub remove_unlisted_after: u64,
    pub min_filtered_sample: usize,
    /// Most guards sampled: max(min(⌊possible guards × percent / 100⌋, size), min sample).
    pub max_sample: usize,
}

impl GuardParams {
    pub fn of(params: &BTreeMap<String, i32>, primary: usize, possible_guards: usize) -> Self {
        let get = |k: &str, default: i64, lo: i64, hi: i64| {
            params
                .get(k)
                .map_or(default, |&v| i64::from(v))
                .clamp(lo, hi)
        };
        let min_filtered_sample = get("guard-min-filtered-sample-size", 20, 1, 1000) as usize;
        let percent = get("guard-max-sample-threshold-percent", 20, 1, 100);
        let size = get("guard-max-sample-size", 60, 1, i64::from(i32::MAX)) as usize;
        let by_percent = possible_guards * percent as usize / 100;
        GuardParams {
            primary,
            lifetime: get("guard-lifetime-days", 120, 1, 3650) as u64 * DAY,
            confirmed_min_lifetime: get("guard-confirmed-min-lifetime-days", 60, 1, 3650) as u64
                * DAY,
            remove_unlisted_after: get("guard-remove-unlisted-guards-after-days", 20, 1, 365)
                as u64
                * DAY,
            min_filtered_sample,
            max_sample: by_percent.min(size).max(min_filtered_sample),
        }
    }
}

/// tor's `randomize_time(now, max_backdate)`: uniform in [now − max_backdate, now).
fn randomize_time<R: Rng + ?Sized>(now: u64, max_backdate: u64, rng: &mut R) -> u64 {
    if max_backdate == 0 {
        return now;
    }
    let earliest = now.saturating_sub(max_backdate).max(1);
    if now <= earliest {
        return earliest;
    }
    rng.random_range(earliest..now)
}

/// One guard of the sampled set.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// The relay, as a series id.
    pub id: u32,
    pub sampled_on: u64,
    /// 0: never confirmed.
    pub confirmed_on: u64,
    pub listed: bool,
    pub unlisted_since: u64,
}

/// A client's guard state.
#[derive(Debug, Clone, Default)]
pub struct EntryGuards {
    /// The sampled set, in sampled order.
    pub sampled: Vec<Sampled>,
    /// The primary guards, as series ids, in order.
    pub primary: Vec<u32>,
    /// The consensus the state was last updated for (`usize::MAX`: none yet).
    step: usize,
    /// The primary guards must be recomputed before the next circuit.
    dirty: bool,
    /// When the next removal is due.
    next_prune: u64,
    /// The circuit's guard candidates in the current consensus, as its relay indices: the
    /// primary guards, then the other listed confirmed ones, then the other listed ones.
    pub candidates: Vec<u32>,
    /// How many of `candidates` are primary.
    pub primaries: usize,
    /// Whether the first candidate is confirmed (a circuit through it changes nothing).
    pub first_confirmed: bool,
    /// The relays of the current consensus that conflict with the first candidate, as a bit
    /// set: a circuit whose exit is not among them takes the first candidate.
    first_conflicts: Vec<u64>,
}

impl EntryGuards {
    pub fn new() -> EntryGuards {
        EntryGuards {
            step: usize::MAX,
            next_prune: u64::MAX,
            ..EntryGuards::default()
        }
    }

    /// Clears the state for a new client.
    pub fn reset(&mut self) {
        self.sampled.clear();
        self.primary.clear();
        self.candidates.clear();
        self.primaries = 0;
        self.first_confirmed = false;
        self.first_conflicts.clear();
        self.step = usize::MAX;
        self.dirty = false;
        self.next_prune = u64::MAX;
    }

    /// Whether relay `r` of the current consensus conflicts with the first candidate.
    #[inline]
    pub fn conflicts_with_first(&self, r: u32) -> bool {
        self.first_conflicts[r as usize / 64] >> (r % 64) & 1 == 1
    }

    /// Whether [`EntryGuards::prepare`] has anything to do for a circuit at time `t` under
    /// consensus `c`.
    #[inline]
    pub fn needs_update(&self, c: usize, t: u64) -> bool {
        c != self.step || t >= self.next_prune || self.dirty
    }

    /// When the state next has something to do under an unchanged consensus (0: at the next
    /// circuit; `u64::MAX`: never).
    #[inline]
    pub fn next_update(&self) -> u64 {
        if self.dirty { 0 } else { self.next_prune }
    }

    /// Whether a circuit through guard `g` changes the state ([`EntryGuards::used`]): not when
    /// `g` is the first candidate, already confirmed.
    #[inline]
    pub fn changes_with(&self, g: u32) -> bool {
        !(self.first_confirmed && self.candidates.first() == Some(&g))
    }

    /// Brings the state to time `t` under consensus `c` (`steps[c]`, drawn with `draw`), so
    /// that `candidates` are the circuit's guards in order. True when the primary guards were
    /// recomputed.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub fn prepare<D: Draw, R: Rng + ?Sized>(
        &mut self,
        c: usize,
        step: &SeriesStep,
        groups: &Groups,
        draw: &D,
        params: &GuardParams,
        t: u64,
        rng: &mut R,
    ) -> bool {
        if c != self.step {
            self.update_presence(step, params, t, rng);
            self.step = c;
            self.dirty = true;
            self.prune(params, t);
        } else if t >= self.next_prune {
            self.prune(params, t);
        }
        if self.dirty {
            self.update_primary(step, groups, draw, params, t, rng);
            self.dirty = false;
            return true;
        }
        false
    }

    /// A circuit at time `t` used guard `g` (a relay of `step`): it becomes confirmed, and
    /// joins the sample if it was drawn outside it.
    #[inline(never)]
    pub fn used<R: Rng + ?Sized>(
        &mut self,
        g: u32,
        step: &SeriesStep,
        params: &GuardParams,
        t: u64,
        rng: &mut R,
    ) {
        if !self.changes_with(g) {
            return;
        }
        let id = step.id[g as usize];
        let at = match self.sampled.iter().position(|s| s.id == id) {
            Some(at) => at,
            None => {
                self.add(id, params, t, rng);
                self.sampled.len() - 1
            }
        };
        if self.sampled[at].confirmed_on == 0 {
            self.sampled[at].confirmed_on = randomize_time(t, params.lifetime / 10, rng);
            self.dirty = true;
            self.schedule();
        }
    }

    fn add<R: Rng + ?Sized>(&mut self, id: u32, params: &GuardParams, t: u64, rng: &mut R) {
        let sampled_on = randomize_time(t, params.lifetime / 10, rng);
        self.sampled.push(Sampled {
            id,
            sampled_on,
            confirmed_on: 0,
            listed: true,
            unlisted_since: 0,
        });
        self.schedule();
    }

    /// `sampled_guards_update_consensus_presence`.
    fn update_presence<R: Rng + ?Sized>(
        &mut self,
        step: &SeriesStep,
        params: &GuardParams,
        t: u64,
        rng: &mut R,
    ) {
        for s in &mut self.sampled {
            let local = step.local[s.id as usize];
            let listed = local != ABSENT && step.relays.possible_guard[local as usize];
            if listed && !s.listed {
                s.listed = true;
                s.unlisted_since = 0;
            } else if !listed && s.listed {
                s.listed = false;
                s.unlisted_since = randomize_time(t, params.remove_unlisted_after / 5, rng);
            }
        }
        self.schedule();
    }

    /// `sampled_guards_prune_obsolete_entries` at time `t`.
    fn prune(&mut self, params: &GuardParams, t: u64) {
        let before = self.sampled.len();
        self.sampled.retain(|s| {
            let unlisted_long =
                !s.listed && s.unlisted_since < t.saturating_sub(params.remove_unlisted_after);
            let expired = s.sampled_on < t.saturating_sub(params.lifetime)
                && (s.confirmed_on == 0
                    || s.confirmed_on < t.saturating_sub(params.confirmed_min_lifetime));
            !(unlisted_long || expired)
        });
        if self.sampled.len() != before {
            let ids: Vec<u32> = self.sampled.iter().map(|s| s.id).collect();
            self.primary.retain(|p| ids.contains(p));
            self.dirty = true;
        }
        self.next_prune = self.due(params);
    }

    /// The first moment a removal falls due.
    fn due(&self, params: &GuardParams) -> u64 {
        self.sampled
            .iter()
            .map(|s| {
                let expiry = if s.confirmed_on == 0 {
                    s.sampled_on + params.lifetime
                } else {
                    (s.sampled_on + params.lifetime)
                        .max(s.confirmed_on + params.confirmed_min_lifetime)
                };
                let unlisted = if s.listed {
                    u64::MAX
                } else {
                    s.unlisted_since + params.remove_unlisted_after
                };
                expiry.min(unlisted).saturating_add(1)
            })
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Marks the next removal as to be recomputed at the next circuit.
    fn schedule(&mut self) {
        self.next_prune = 0;
    }

    /// `entry_guards_update_primary`, and the circuit's candidates in consensus `step`.
    fn update_primary<D: Draw, R: Rng + ?Sized>(
        &mut self,
        step: &SeriesStep,
        groups: &Groups,
        draw: &D,
        params: &GuardParams,
        t: u64,
        rng: &mut R,
    ) {
        let n = params.primary;
        let mut new: Vec<u32> = Vec::with_capacity(n);
        for s in &self.sampled {
            if new.len() >= n {
                break;
            }
            if s.confirmed_on != 0 && s.listed {
                new.push(s.id);
            }
        }
        let listed = |sampled: &[Sampled], id: u32| sampled.iter().any(|s| s.id == id && s.listed);
        for &old in &self.primary {
            if !new.contains(&old) && new.len() < n && listed(&self.sampled, old) {
                new.push(old);
            }
        }
        while new.len() < n {
            // `first_reachable_filtered_entry_guard`, which expands the sample first.
            self.expand(step, draw, params, t, rng);
            let next = self
                .sampled
                .iter()
                .find(|s| s.listed && s.confirmed_on == 0 && !new.contains(&s.id));
            match next {
                Some(s) => new.push(s.id),
                None => break,
            }
        }
        if new != self.primary {
            let order = |id: &u32| self.sampled.iter().position(|s| s.id == *id);
            new.sort_by_key(order);
        }
        self.primary = new;
        self.candidates.clear();
        for &p in &self.primary {
            self.candidates.push(step.local[p as usize]);
        }
        self.primaries = self.candidates.len();
        self.first_conflicts.clear();
        self.first_conflicts
            .resize(step.relays.len().div_ceil(64), 0);
        if let Some(&g) = self.candidates.first() {
            for r in step.relays.conflicts_of(g as usize, groups) {
                self.first_conflicts[r as usize / 64] |= 1 << (r % 64);
            }
        }
        self.first_confirmed = self.primary.first().is_some_and(|&p| {
            self.sampled
                .iter()
                .any(|s| s.id == p && s.confirmed_on != 0)
        });
        for confirmed in [true, false] {
            for s in &self.sampled {
                if s.listed && (s.confirmed_on != 0) == confirmed && !self.primary.contains(&s.id) {
                    self.candidates.push(step.local[s.id as usize]);
                }
            }
        }
    }

    /// `entry_guards_expand_sample`: samples guards by weight until enough are listed.
    fn expand<D: Draw, R: Rng + ?Sized>(
        &mut self,
        step: &SeriesStep,
        draw: &D,
        params: &GuardParams,
        t: u64,
        rng: &mut R,
    ) {
        let mut listed = self.sampled.iter().filter(|s| s.listed).count();
        while listed < params.min_filtered_sample && self.sampled.len() < params.max_sample {
            let sampled = &self.sampled;
            let g = draw.draw(GUARD, |r| !sampled.iter().any(|s| s.id == step.id[r]), rng);
            let id = step.id[g];
            if self.sampled.iter().any(|s| s.id == id) {
                // Every possible guard is sampled already.
                break;
            }
            self.add(id, params, t, rng);
            listed += 1;
        }
    }
}
