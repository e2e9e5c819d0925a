//! pathrisk: how likely is it that one operator, a party hiding behind several operators, or a
//! coalition holds every hop of a multi-hop path? Monte Carlo simulation of the paths, checked
//! against closed forms with exact statistics.
//!
//! Data flows one way: [`scenario`] → [`model`] → [`select`] → [`engine`] → counts →
//! [`report`] (with [`analytic`] and [`stats`]) → [`export`]. The [`commands`] glue them,
//! taking the validated [`options`] the CLI builds; nothing else imports them.
//!
//! The public API is what the binary, the integration tests, the benchmarks and the fuzz
//! targets use: scenarios, networks and policies, the engine's `simulate`, the closed forms
//! (`analytic::Laws`, the enumerator), the exact computation, importance sampling, reports,
//! statistics, options and commands. The kernels, the alias tables and bit fields, the RNG
//! streams, the per-policy closed-form files and the SVG writer are `pub(crate)`: they are
//! reached through `engine`, `analytic` and `export`.

pub mod adversary;
pub mod analytic;
pub mod calibrate;
pub mod commands;
pub mod engine;
pub mod error;
pub mod exact;
pub mod exit;
pub mod export;
pub mod importance;
pub mod metric;
pub mod model;
pub mod options;
pub mod report;
pub mod scenario;
pub mod select;
pub mod shard;
pub mod solve;
pub mod stats;
pub mod stop;
pub mod sweep;
pub mod tor;

pub use error::{Error, InputError, Result};
