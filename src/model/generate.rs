//! Share generators: uniform, one adversary among equal others, and Zipf.

use super::{OperatorSpec, Size};

/// `operators` equal operators named `op1`, `op2`, ...; `servers` each for a finite pool.
pub fn uniform_operators(operators: u64, servers: Option<u64>) -> Vec<OperatorSpec> {
    (1..=operators)
        .map(|i| OperatorSpec {
            name: format!("op{i}"),
            entity: None,
            size: match servers {
                Some(s) => Size::Servers(s),
                None => Size::Share(1.0),
            },
        })
        .collect()
}

/// An adversary entity `name` holding `share` of the network, split equally over `operators`
/// operators (named `name` when there is one, `name-1`, `name-2`, ... otherwise), and `others`
/// operators `op1`, `op2`, ... sharing the rest equally.
pub fn adversary_operators(
    name: &str,
    share: f64,
    operators: u64,
    others: u64,
) -> Vec<OperatorSpec> {
    let mut specs = Vec::with_capacity((operators + others) as usize);
    for k in 1..=operators {
        specs.push(OperatorSpec {
            name: if operators == 1 {
                name.to_string()
            } else {
                format!("{name}-{k}")
            },
            entity: Some(name.to_string()),
            size: Size::Share(share / operators as f64),
        });
    }
    for i in 1..=others {
        specs.push(OperatorSpec {
            name: format!("op{i}"),
            entity: None,
            size: Size::Share((1.0 - share) / others as f64),
        });
    }
    specs
}

/// `operators` operators `op1`, `op2`, ... with shares proportional to 1 / rank^exponent.
pub fn zipf_operators(operators: u64, exponent: f64) -> Vec<OperatorSpec> {
    (1..=operators)
        .map(|i| OperatorSpec {
            name: format!("op{i}"),
            entity: None,
            size: Size::Share((i as f64).powf(-exponent)),
        })
        .collect()
}
