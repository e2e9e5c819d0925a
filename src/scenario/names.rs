//! "Did you mean …?": the known name nearest to a misspelt one.

/// Edits (insertions, deletions, substitutions) between `a` and `b`.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// The candidate nearest to `name`, if it is near enough to be a likely misspelling (at most
/// a third of its letters, and at least one, off).
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// `" (did you mean `x`?)"`, or nothing when no candidate is near.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(name, candidates).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

/// The names a serde message lists after "expected one of" (or "expected"), in backticks.
pub fn listed(message: &str) -> Vec<&str> {
    let Some(at) = message.find("expected") else {
        return Vec::new();
    };
    message[at..].split('`').skip(1).step_by(2).collect()
}

/// The 1-based line of the first line in `text` that names `name` in quotes.
pub fn line_naming(text: &str, name: &str) -> Option<usize> {
    let quoted = format!("\"{name}\"");
    text.lines()
        .position(|l| l.contains(&quoted))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_suggested_and_far_ones_not() {
        assert_eq!(nearest("opp2", ["op1", "op2", "op3"]), Some("op2"));
        assert_eq!(nearest("shar", ["share", "others"]), Some("share"));
        assert_eq!(
            nearest("adversry", ["uniform", "adversary"]),
            Some("adversary")
        );
        assert_eq!(nearest("zzzz", ["share", "others"]), None);
        assert_eq!(did_you_mean("x", Vec::<&str>::new()), "");
        assert_eq!(
            listed("unknown field `shar`, expected one of `share`, `others`"),
            ["share", "others"]
        );
        assert_eq!(line_naming("a = 1\nb = [\"x\", \"y\"]\n", "y"), Some(2));
    }
}
