//! Where a scenario's data files are: paths relative to the scenario's folder, and paths under
//! `$PATHRISK_DATA/`, the folder of real network data (docs/data.md says where it comes from).
//!
//! `$PATHRISK_DATA/` is the environment variable when it is set, else the nearest `shared/data`
//! folder beside the scenario's folder or beside one of its parents (the layout of the
//! project's own checkout, where the real data sits next to the repository). The real data is
//! never copied into the project, so a fresh clone has none: a scenario that needs it then
//! stops with a message that says how to point the tool at a copy.

use std::path::{Path, PathBuf};

/// The environment variable naming the folder of real data.
pub const DATA_ENV: &str = "PATHRISK_DATA";
/// How a scenario names a file in that folder.
pub const DATA_PREFIX: &str = "$PATHRISK_DATA/";

/// The folder of real data for a scenario in `base`, if there is one.
pub fn data_dir(base: &Path) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let start = if base.is_absolute() {
        base.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(base)
    };
    start
        .ancestors()
        .map(|a| a.join("shared").join("data"))
        .find(|d| d.is_dir())
}

/// Why a data file cannot be located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataMissing {
    pub file: String,
}

impl std::fmt::Display for DataMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is in the folder of real data, which was not found: set {DATA_ENV} to that \
             folder (a copy of the project's shared/data, see docs/data.md), or give the file \
             with --data PATH",
            self.file
        )
    }
}

/// The path of a data file a scenario in `base` names.
pub fn resolve(file: &str, base: &Path) -> Result<PathBuf, DataMissing> {
    match file.strip_prefix(DATA_PREFIX) {
        Some(rest) => data_dir(base)
            .map(|d| d.join(rest))
            .ok_or_else(|| DataMissing {
                file: file.to_string(),
            }),
        None => Ok(base.join(file)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_taken_from_the_scenario_folder() {
        assert_eq!(
            resolve("data/x.csv", Path::new("/a/b")).unwrap(),
            Path::new("/a/b/data/x.csv")
        );
    }

    #[test]
    fn the_data_folder_is_found_beside_a_parent() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("shared").join("data");
        let scenarios = dir.path().join("project").join("scenarios");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&scenarios).unwrap();
        // The environment wins when it is set (as in CI); the search only runs without it.
        if std::env::var_os(DATA_ENV).is_none() {
            assert_eq!(
                resolve("$PATHRISK_DATA/t.csv", &scenarios).unwrap(),
                data.join("t.csv")
            );
            let alone = tempfile::tempdir().unwrap();
            let e = resolve("$PATHRISK_DATA/t.csv", alone.path()).unwrap_err();
            assert!(e.to_string().contains("set PATHRISK_DATA"), "{e}");
        }
    }
}
