//! The metrics a report measures, named once: every command, export and computation says
//! which metric it means with [`Metric`], and its name is read and written only here.

use serde::{Deserialize, Serialize};

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// One path is compromised (the event holds on it).
    Path,
    /// The path metric again, estimated by importance sampling (a row of `check`).
    PathImportance,
    /// At least one of a client's M paths is compromised.
    Client,
    /// The number of paths a client builds until its first compromised one.
    First,
    /// With guards: a client had a guard of the target at some point.
    Guard,
}

impl Metric {
    /// Every metric, in the order reports list them.
    pub const ALL: [Metric; 5] = [
        Metric::Path,
        Metric::PathImportance,
        Metric::Client,
        Metric::First,
        Metric::Guard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Path => "path",
            Metric::PathImportance => "path-importance",
            Metric::Client => "client",
            Metric::First => "first",
            Metric::Guard => "guard",
        }
    }

    /// The metric named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The metrics `list` names, as "a, b or c", for messages.
    pub fn names(list: &[Metric]) -> String {
        let names: Vec<&str> = list.iter().map(|m| m.name()).collect();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Some(m));
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.name())
            );
        }
        assert_eq!(Metric::parse("paths"), None);
        assert_eq!(
            Metric::names(&[Metric::Path, Metric::Client, Metric::First]),
            "path, client or first"
        );
    }
}
