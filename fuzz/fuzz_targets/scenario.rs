//! Scenario text → parse and validate → closed forms → a tiny simulation with the fast kernels
//! and the reference samplers → the exact computation (small step limit) and importance
//! sampling. Nothing may panic; bad input must come back as an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pathrisk::engine::lanes::Isa;
use pathrisk::engine::{self, EngineConfig};
use pathrisk::metric::Metric;
use pathrisk::scenario::Scenario;
use pathrisk::select::SamplerKind;

/// Valid scenarios may ask for millions of operators or clients: correct, but slow, and not
/// where parsing bugs hide. Inputs with a run of more than four digits are skipped.
fn asks_for_a_lot(text: &str) -> bool {
    let mut run = 0;
    text.chars().any(|c| {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        run > 4
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if asks_for_a_lot(text) {
        return;
    }
    let Ok(mut s) = Scenario::parse(text, "fuzz.toml", &std::env::temp_dir(), "fuzz") else {
        return;
    };
    s.run.trials = s.run.trials.min(3);
    s.run.paths = s.run.paths.min(5);
    let _ = pathrisk::analytic::path_probability(&s);
    for sampler in [SamplerKind::Fast, SamplerKind::Reference] {
        let config = EngineConfig {
            threads: Some(1),
            sampler,
            ..EngineConfig::default()
        };
        let outcome = engine::simulate(&s, &config, &|_| {}).expect("a valid scenario runs");
        assert_eq!(outcome.counts.clients, s.run.trials);
        if sampler == SamplerKind::Fast && config.isa != Isa::Scalar {
            // Every instruction set draws the same paths.
            let scalar = EngineConfig {
                isa: Isa::Scalar,
                ..config
            };
            let plain = engine::simulate(&s, &scalar, &|_| {}).expect("a valid scenario runs");
            assert_eq!(
                outcome.counts, plain.counts,
                "{:?} and scalar differ",
                config.isa
            );
        }
        let report = pathrisk::report::analyse(&s, &outcome, 1e-3);
        // Probabilities lie in [0, 1] (the `first` row's closed form is a median in paths).
        for row in report.results.iter().filter(|r| r.metric != Metric::First) {
            if let Some(p) = row.closed_form {
                assert!((0.0..=1.0).contains(&p), "{} closed form {p}", row.metric);
            }
        }
    }
    let exact = pathrisk::exact::compute_within(&s, 100_000).ok();
    if let Some(e) = &exact {
        assert!(
            (-1e-12..=1.0 + 1e-12).contains(&e.path),
            "exact path {}",
            e.path
        );
        if let Some(p) = pathrisk::analytic::path_probability(&s).value() {
            assert!(
                (p - e.path).abs() <= 1e-9,
                "closed form {p} vs exact {}",
                e.path
            );
        }
    }
    if pathrisk::importance::supports(&s).is_ok() {
        let config = EngineConfig {
            threads: Some(1),
            sampler: SamplerKind::Fast,
            ..EngineConfig::default()
        };
        let o =
            pathrisk::importance::simulate(&s, &config, &|_| {}).expect("a valid scenario runs");
        assert_eq!(o.path.samples, s.run.trials);
        let (lo, hi) = o.path.interval();
        assert!(0.0 <= lo && lo <= hi && hi <= 1.0, "[{lo}, {hi}]");
    }
});
