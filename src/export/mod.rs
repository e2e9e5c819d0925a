//! Output formats, one module each behind [`Exporter`], and atomic writing of result files.

pub mod cdf;
mod conclusion;
mod csv;
mod json;
mod junit;
pub(crate) mod svg;
mod table;

use crate::error::{Error, InputError, Result};
use crate::report::check::CheckReport;
use crate::report::solve::SolveReport;
use crate::report::sweep::SweepResult;
use crate::report::{ReproduceReport, RunReport};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A way of rendering reports as text: one per format, each command's report in each.
pub trait Exporter {
    fn run(&self, report: &RunReport) -> String;
    fn reproduce(&self, report: &ReproduceReport) -> String;
    fn sweep(&self, result: &SweepResult) -> String;
    fn check(&self, report: &CheckReport) -> String;
    fn solve(&self, report: &SolveReport) -> String;
    fn network(&self, report: &crate::report::network::NetworkReport) -> String;
    fn calibrate(&self, report: &crate::calibrate::CalibrationReport) -> String;
}

/// Output formats (`--format`), the same on every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned columns and prose, for people.
    #[default]
    Table,
    /// Tidy CSV: one row per metric (per point, case or check).
    Csv,
    Json,
    /// JUnit XML: one test case per verdict, which CI systems display.
    Junit,
}

/// The extensions `--output` accepts, and the format each picks.
pub const OUTPUT_EXTENSIONS: [(&str, Format); 3] = [
    ("csv", Format::Csv),
    ("json", Format::Json),
    ("xml", Format::Junit),
];

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

impl Format {
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Table => &table::Table,
            Format::Csv => &csv::Csv,
            Format::Json => &json::Json,
            Format::Junit => &junit::Junit,
        }
    }

    /// The format a result file (`flag`, e.g. `--output`) is written in, from its extension:
    /// `.csv`, `.json` or `.xml` (JUnit); anything else is refused with that list.
    pub fn for_file(path: &Path, flag: &str) -> Result<Format, InputError> {
        let ext = extension(path);
        OUTPUT_EXTENSIONS
            .iter()
            .find(|(e, _)| Some(*e) == ext.as_deref())
            .map(|&(_, f)| f)
            .ok_or_else(|| {
                InputError::new(
                    "command line",
                    flag,
                    format!(
                        "`{}`: expected a file ending in .csv, .json or .xml (JUnit); the \
                         extension picks the file's format",
                        path.display()
                    ),
                )
            })
    }
}

/// A plot file (`flag`: `--plot`, `--cdf`): SVG, so its name must end in `.svg`.
pub fn plot_file(path: &Path, flag: &str) -> Result<PendingOutput> {
    if extension(path).as_deref() != Some("svg") {
        return Err(InputError::new(
            "command line",
            flag,
            format!(
                "`{}`: expected a file ending in .svg (plots are SVG)",
                path.display()
            ),
        )
        .into());
    }
    PendingOutput::create_as(path, Format::Table)
}

/// A result file being prepared: created (as a temporary file beside its destination) before
/// the simulation starts, so an unwritable path fails at once, and renamed into place only
/// when complete, so a reader never sees half a file.
pub struct PendingOutput {
    path: PathBuf,
    format: Format,
    temp: tempfile::NamedTempFile,
}

impl PendingOutput {
    /// A result file (`--output`) whose format follows its extension (.csv, .json, .xml).
    pub fn create(path: &Path) -> Result<PendingOutput> {
        let format = Format::for_file(path, "--output")?;
        Self::create_as(path, format)
    }

    /// A file of any kind (a plot, a reference); `format` is only what [`Self::format`] says.
    pub fn create_as(path: &Path, format: Format) -> Result<PendingOutput> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|error| Error::Write {
                path: path.display().to_string(),
                error,
            })?;
        Ok(PendingOutput {
            path: path.to_path_buf(),
            format,
            temp,
        })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes `contents`, flushes it to disk and renames the file into place.
    pub fn commit(mut self, contents: &str) -> Result<()> {
        let err = |error| Error::Write {
            path: self.path.display().to_string(),
            error,
        };
        self.temp.write_all(contents.as_bytes()).map_err(err)?;
        // A temporary file is private (0600); a result file is as readable as any other.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            self.temp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(err)?;
        }
        self.temp.as_file().sync_all().map_err(err)?;
        self.temp.persist(&self.path).map_err(|e| Error::Write {
            path: self.path.display().to_string(),
            error: e.error,
        })?;
        // The rename itself is durable once the folder is flushed too (best effort: not every
        // file system lets a folder be opened for that).
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                dir
            };
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

/// Left-aligned columns two spaces apart, a header line first: the tables printed for people.
pub fn grid<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.as_ref()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: Vec<&str> = cells.collect();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(c);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for r in rows {
        line(&mut r.as_ref().iter().map(String::as_str));
    }
    out
}

/// A number for a data file: shortest round-trip text, in exponent form when tiny or huge.
pub fn data_number(x: f64) -> String {
    if x == 0.0 || (1e-4..1e15).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A varied value of a sweep as its key takes it: whole for integer keys.
pub fn vary_text(vary: &crate::sweep::Vary, x: f64) -> String {
    if vary.dates {
        iso_time(x as u64)
    } else if vary.integer {
        format!("{}", x as i64)
    } else {
        data_number(x)
    }
}

/// "2016-12-10T21:00:00Z" for seconds since the epoch (ISO 8601, UTC).
pub fn iso_time(seconds: u64) -> String {
    let day = crate::tor::date_time(seconds);
    format!("{}T{}:{:02}Z", &day[..10], &day[11..16], seconds % 60)
}

/// A probability for people: six significant digits, exponent form below 0.001.
pub fn human_number(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else if x.abs() >= 1e6 || x == x.trunc() && x.abs() >= 1.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1e-3 {
        let decimals = (5 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.5e}")
    }
}

/// A solve series' method in words, as the table and the JSON say it.
impl std::fmt::Display for crate::report::solve::SolveMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::report::solve::SolveMethod;
        match *self {
            SolveMethod::ClosedForm => f.write_str("scan and bisection on the closed form"),
            SolveMethod::ClosedFormOrExact => f.write_str(
                "scan and bisection on the closed form, or where there is none on the exact \
                 computation",
            ),
            SolveMethod::Simulation {
                confidence,
                start_trials,
                max_trials,
            } => write!(
                f,
                "scan and bisection on Monte Carlo: {}% Clopper–Pearson intervals, clients ×4 \
                 from {start_trials} until the interval clears the bound, at most {max_trials}",
                100.0 * confidence
            ),
        }
    }
}

/// In JSON the method is its words (see the `Display` above).
impl serde::Serialize for crate::report::solve::SolveMethod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(human_number(0.5507431), "0.550743");
        assert_eq!(human_number(0.01587302), "0.0158730");
        assert_eq!(human_number(5.102040816e-5), "5.10204e-5");
        assert_eq!(human_number(1733.0), "1733");
        assert_eq!(data_number(0.0004), "0.0004");
        assert_eq!(data_number(8e-6), "8e-6");
    }
}
