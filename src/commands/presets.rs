//! `pathrisk presets`: the shipped scenarios of real networks, one line each. Their text is
//! built into the binary, so the list is right wherever the binary runs; a test checks that
//! it is every file in `scenarios/presets/`.

use super::Status;
use crate::error::{Error, Result};
use crate::export::grid;
use std::io::Write;

/// (file in the repository, its text).
pub const PRESETS: [(&str, &str); 11] = [
    (
        "scenarios/presets/session.toml",
        include_str!("../../scenarios/presets/session.toml"),
    ),
    (
        "scenarios/presets/simplex-private-routing.toml",
        include_str!("../../scenarios/presets/simplex-private-routing.toml"),
    ),
    (
        "scenarios/presets/simplex-private-routing-custom.toml",
        include_str!("../../scenarios/presets/simplex-private-routing-custom.toml"),
    ),
    (
        "scenarios/presets/simplex-private-routing-simplex-only.toml",
        include_str!("../../scenarios/presets/simplex-private-routing-simplex-only.toml"),
    ),
    (
        "scenarios/presets/tor.toml",
        include_str!("../../scenarios/presets/tor.toml"),
    ),
    (
        "scenarios/presets/tor-hosting-providers-2018.toml",
        include_str!("../../scenarios/presets/tor-hosting-providers-2018.toml"),
    ),
    (
        "scenarios/presets/tor-hosting-providers-2019.toml",
        include_str!("../../scenarios/presets/tor-hosting-providers-2019.toml"),
    ),
    (
        "scenarios/presets/tor-series-2016-17.toml",
        include_str!("../../scenarios/presets/tor-series-2016-17.toml"),
    ),
    (
        "scenarios/presets/tor-series-2016-17-new-clients.toml",
        include_str!("../../scenarios/presets/tor-series-2016-17-new-clients.toml"),
    ),
    (
        "scenarios/presets/tor-series-2016-17-hosting.toml",
        include_str!("../../scenarios/presets/tor-series-2016-17-hosting.toml"),
    ),
    (
        "scenarios/presets/tor-family-table-2018.toml",
        include_str!("../../scenarios/presets/tor-family-table-2018.toml"),
    ),
];

/// The real-data file a preset reads (`$PATHRISK_DATA/…`), if any.
fn data_file(table: &toml::Table) -> Option<String> {
    let network = table.get("network")?.as_table()?;
    network.values().find_map(|v| {
        let file = v
            .as_table()
            .and_then(|t| {
                t.get("csv").or_else(|| t.get("consensus")).or_else(|| {
                    // A series: its first consensus entry (a file, folder or pattern).
                    t.get("consensuses")?.as_array()?.first()
                })
            })
            .or(Some(v))?
            .as_str()?;
        file.starts_with(crate::scenario::data::DATA_PREFIX)
            .then(|| file.to_string())
    })
}

pub fn presets(out: &mut dyn Write) -> Result<Status> {
    let mut rows = Vec::new();
    for (file, text) in PRESETS {
        let table: toml::Table = toml::from_str(text).expect("a shipped preset is TOML");
        let text_of = |key: &str| {
            table
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        rows.push([
            text_of("name"),
            file.to_string(),
            data_file(&table).unwrap_or_else(|| "-".into()),
            text_of("description"),
        ]);
    }
    let mut s = grid(&["preset", "file", "real data", "description"], &rows);
    s.push_str(
        "\nRun one with `pathrisk run FILE` from the repository. $PATHRISK_DATA is the folder of \
         real data (the environment variable, else a shared/data folder beside the repository); \
         docs/data.md says where it comes from.\n",
    );
    out.write_all(s.as_bytes())
        .map_err(|e| Error::Runtime(format!("cannot write to standard output: {e}")))?;
    Ok(Status::Agree)
}
