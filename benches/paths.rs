//! Divan benchmarks of the engine on the workloads W1–W6 (W6 when the real data is there) and of the floor, per simulated path.
//! `cargo bench` runs them; `pathrisk bench` prints the same workloads beside the naive and
//! reference baselines as one table of medians and ratios.

use divan::counter::ItemsCount;
use pathrisk::commands::bench::{WORKLOADS, engine_ns, floor_ns};
use pathrisk::select::SamplerKind;

fn main() {
    divan::main();
}

/// Clients per measured run: 100 clients × 2000 paths = 200 000 paths.
const CLIENTS: u64 = 100;

#[divan::bench(args = ["W1", "W2", "W3", "W4", "W5", "W6"], sample_count = 20)]
fn fast_one_thread(bencher: divan::Bencher, id: &str) {
    let w = WORKLOADS.iter().find(|w| w.id == id).unwrap();
    // W6 reads the real Tor documents; without them it is skipped.
    let Ok(s) = w.scenario(CLIENTS) else {
        eprintln!("{id} skipped: the real data was not found (set PATHRISK_DATA)");
        return;
    };
    bencher
        .counter(ItemsCount::new(CLIENTS * s.run.paths))
        .bench(|| engine_ns(&s, SamplerKind::Fast, 1, Default::default()).unwrap());
}

#[divan::bench(sample_count = 20)]
fn floor(bencher: divan::Bencher) {
    bencher
        .counter(ItemsCount::new(200_000u64))
        .bench(|| floor_ns(200_000, 1).unwrap());
}
