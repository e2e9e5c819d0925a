//! Tor clients through a series of consensuses (docs/tor.md, "Networks that change"): path k
//! of a client is built at its time (the series' start + k / paths-per-day days) under the
//! consensus that holds then, by the `tor` policy's circuit draw of that consensus; with
//! guards, the client's guards follow tor's entry-guard algorithm across the consensuses
//! ([`super::entry_guards`]).

use super::entry_guards::{EntryGuards, GuardParams};
use super::tor::{Draw, TorClients};
use crate::adversary::PathTest;
use crate::model::series::TorSeries;
use crate::model::tor::{EXIT, GUARD};
use rand::Rng;
use std::sync::Arc;

/// The circuits of clients of a series, drawn with `D` in each consensus.
#[derive(Debug, Clone)]
pub struct SeriesClients<D> {
    series: Arc<TorSeries>,
    /// One per consensus: its draw and labels (no guards: this type keeps them).
    steps: Vec<TorClients<D>>,
    /// Per consensus: its guard parameters, and its relays by /16 and /32.
    params: Vec<GuardParams>,
    groups: Vec<crate::model::tor::Groups>,
    /// The consensus of each run of a client's paths: (first path, consensus).
    schedule: Vec<(u64, usize)>,
    per_day: f64,
    /// Primary guards per client, or none.
    guards: Option<usize>,
    test: PathTest,
}

impl<D: Draw> SeriesClients<D> {
    /// The clients of `scenario`, a scenario on a series: `draws[c]` draws in its consensus
    /// c, `test` is on labels (each step's `labels`).
    pub fn of(scenario: &crate::scenario::Scenario, draws: Vec<D>, test: PathTest) -> Self {
        SeriesClients::new(
            Arc::clone(scenario.series.as_ref().expect("a series")),
            draws,
            test,
            scenario.guards.map(|g| g.count as usize),
            scenario.run.paths,
            scenario.paths_per_day.unwrap_or(1.0),
        )
    }

    /// `draws[c]` draws in consensus c; `test` is on labels (each step's `labels`).
    pub fn new(
        series: Arc<TorSeries>,
        draws: Vec<D>,
        test: PathTest,
        guards: Option<usize>,
        paths: u64,
        per_day: f64,
    ) -> Self {
        let steps: Vec<TorClients<D>> = draws
            .into_iter()
            .zip(&series.steps)
            .map(|(d, s)| TorClients::new(d, s.labels.clone(), test.clone(), None))
            .collect();
        let params = series
            .steps
            .iter()
            .map(|s| {
                let possible = s.relays.possible_guard.iter().filter(|&&p| p).count();
                GuardParams::of(&s.relays.params, guards.unwrap_or(1), possible)
            })
            .collect();
        let groups = match guards {
            Some(_) => series.steps.iter().map(|s| s.relays.groups()).collect(),
            None => Vec::new(),
        };
        SeriesClients {
            groups,
            schedule: series.schedule(paths, per_day),
            series,
            steps,
            params,
            per_day,
            guards,
            test,
        }
    }

    /// A client's `paths` circuits through the series: how many were compromised, the
    /// 1-based index of the first (0: none), and whether a relay of the target was among its
    /// primary guards at some point. `state` is reused from client to client.
    pub fn client<R: Rng + Clone>(
        &self,
        outer: &mut R,
        paths: u64,
        state: &mut EntryGuards,
    ) -> (u64, u64, bool) {
        let mut local = outer.clone();
        let rng = &mut local;
        let (mut hits, mut first, mut guard_hit) = (0u64, 0u64, false);
        state.reset();
        // The circuit loop tests one number per circuit: the next path at which the consensus
        // changes or the guard state has something to do (a removal due, primaries to
        // recompute); everything else happens there.
        let next_run = |run: usize| self.schedule.get(run + 1).map_or(u64::MAX, |&(k, _)| k);
        let (mut run, mut next, mut c) = (0usize, 0u64, self.schedule[0].1);
        let mut clients = &self.steps[c];
        for k in 0..paths {
            if crate::stop::at(k + 1) {
                break;
            }
            if k >= next {
                while k >= next_run(run) {
                    run += 1;
                }
                c = self.schedule[run].1;
                clients = &self.steps[c];
                next = next_run(run);
                if self.guards.is_some() {
                    let step = &self.series.steps[c];
                    let t = self.series.time_of(k, self.per_day);
                    if state.needs_update(c, t)
                        && apart(rng, |r| {
                            let (groups, params) = (&self.groups[c], &self.params[c]);
                            state.prepare(c, step, groups, clients.draw(), params, t, r)
                        })
                    {
                        guard_hit |= state.candidates[..state.primaries]
                            .iter()
                            .any(|&g| self.test.targets(step.labels[g as usize]));
                    }
                    let due = self.series.first_path_at(state.next_update(), self.per_day);
                    next = next.min(due.max(k + 1));
                }
            }
            let hit = match self.guards {
                None => clients.circuit(&[], rng).1,
                Some(_) => {
                    let (path, hit) = clients.circuit(&state.candidates, rng);
                    let g = match path[GUARD] {
                        // The exit decided the circuit before its guard was drawn: the guard
                        // is still the client's, and only a guard other than its first,
                        // confirmed one changes its state.
                        u32::MAX
                            if state.first_confirmed && !state.conflicts_with_first(path[EXIT]) =>
                        {
                            None
                        }
                        u32::MAX => Some(clients.guard_for(&path, &state.candidates, rng)),
                        g => Some(g),
                    };
                    if let Some(g) = g
                        && state.changes_with(g)
                    {
                        let (step, params) = (&self.series.steps[c], &self.params[c]);
                        let t = self.series.time_of(k, self.per_day);
                        apart(rng, |r| state.used(g, step, params, t, r));
                        next = k + 1;
                    }
                    hit
                }
            };
            if hit {
                hits += 1;
                if first == 0 {
                    first = k + 1;
                }
            }
        }
        *outer = local;
        (hits, first, guard_hit)
    }
}

/// Runs `f` on a copy of the generator and writes the copy back: the guard bookkeeping is out
/// of line, and handing it the circuit loop's own generator would take that generator's state
/// out of registers for every circuit (W7), not only for the rare ones that
/// change the guards (docs/tor.md, "Speed").
#[inline(always)]
fn apart<R: Clone, T>(rng: &mut R, f: impl FnOnce(&mut R) -> T) -> T {
    let mut copy = rng.clone();
    let out = f(&mut copy);
    *rng = copy;
    out
}
