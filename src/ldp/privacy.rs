//! Privacy guarantees as typed values and the composition rules of LDP accounting.
//!
//! A mechanism `M` is (ε, δ)-LDP when P[M(x) ∈ S] ≤ e^ε P[M(x') ∈ S] + δ for **all** inputs
//! x, x' and output sets S (Duchi, Jordan & Wainwright 2018, Def. 1). The rules implemented here
//! are the standard ones (Dwork & Roth 2014, Thm. 3.16 and Prop. 2.1):
//! * sequential composition within one user: the ε's and δ's add;
//! * parallel composition across disjoint users: each user pays only for the messages they send,
//!   so the guarantee is the maximum over users;
//! * post-processing of privatized messages is free.

use crate::error::{Error, Result};
use serde::Serialize;

/// An (ε, δ) local differential privacy guarantee; δ = 0 is pure ε-LDP.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Privacy {
    /// ε > 0, finite.
    pub epsilon: f64,
    /// δ in [0, 1).
    pub delta: f64,
}

/// ε must lie in [`EPSILON_RANGE`] (names the parameter `epsilon`).
pub fn check_epsilon(epsilon: f64) -> Result<f64> {
    // The range excludes NaN and the infinities.
    if (EPSILON_RANGE.0..=EPSILON_RANGE.1).contains(&epsilon) {
        Ok(epsilon)
    } else {
        Err(Error::param(
            "epsilon",
            epsilon,
            format!(
                "must lie in [{:e}, {}]: beyond it e^epsilon overflows (the mechanisms' \
                 probabilities become inf/inf), below it e^epsilon - 1 rounds away",
                EPSILON_RANGE.0, EPSILON_RANGE.1
            ),
        ))
    }
}

/// The ε every mechanism accepts. The bounds were found by fuzz/cli: at ε > 709.8, e^ε is inf and
/// GRR's, OUE's, Duchi's and the piecewise mechanism's coin probabilities are NaN; near 0 the
/// constants 1/(e^ε − 1) lose their precision. Neither end is a privacy level anyone uses.
pub const EPSILON_RANGE: (f64, f64) = (1e-6, 700.0);

/// δ must lie in the open interval (0, 1) (names the parameter `delta`).
pub fn check_delta(delta: f64) -> Result<f64> {
    if delta.is_finite() && delta > 0.0 && delta < 1.0 {
        Ok(delta)
    } else {
        Err(Error::param("delta", delta, "must lie in (0, 1)"))
    }
}

impl Privacy {
    /// Pure ε-LDP.
    pub fn pure(epsilon: f64) -> Result<Self> {
        Ok(Self {
            epsilon: check_epsilon(epsilon)?,
            delta: 0.0,
        })
    }

    /// Approximate (ε, δ)-LDP with δ in (0, 1).
    pub fn approximate(epsilon: f64, delta: f64) -> Result<Self> {
        Ok(Self {
            epsilon: check_epsilon(epsilon)?,
            delta: check_delta(delta)?,
        })
    }

    /// Sequential composition of messages sent by the same user: (Σ ε_i, Σ δ_i).
    pub fn sequential(parts: &[Privacy]) -> Result<Self> {
        if parts.is_empty() {
            return Err(Error::InvalidData(
                "sequential composition of no mechanisms".into(),
            ));
        }
        let epsilon = parts.iter().map(|p| p.epsilon).sum();
        let delta: f64 = parts.iter().map(|p| p.delta).sum();
        Ok(Self {
            epsilon,
            delta: delta.min(1.0),
        })
    }

    /// Parallel composition over disjoint users: the per-user guarantee is the worst user's.
    pub fn parallel(parts: &[Privacy]) -> Result<Self> {
        if parts.is_empty() {
            return Err(Error::InvalidData(
                "parallel composition of no mechanisms".into(),
            ));
        }
        Ok(Self {
            epsilon: parts.iter().map(|p| p.epsilon).fold(0.0, f64::max),
            delta: parts.iter().map(|p| p.delta).fold(0.0, f64::max),
        })
    }

    /// Split the budget evenly over `parts` sequential messages (ε/parts, δ/parts each), the
    /// inverse of [`Privacy::sequential`].
    pub fn split(&self, parts: usize) -> Result<Self> {
        if parts == 0 {
            return Err(Error::param("parts", 0, "must be >= 1"));
        }
        Ok(Self {
            epsilon: self.epsilon / parts as f64,
            delta: self.delta / parts as f64,
        })
    }

    /// The guarantee after post-processing: unchanged.
    pub fn post_process(self) -> Self {
        self
    }
}

/// Per-user budget ledger: records what each user was charged (sequential composition within
/// a user), so a protocol can prove that every user stayed within the announced budget
/// (spec §5.8).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Per user: (messages, Σ ε, Σ δ).
    spent: Vec<(u32, f64, f64)>,
}

impl Ledger {
    /// A ledger for `n` users with nothing spent.
    pub fn new(n: usize) -> Self {
        Self {
            spent: vec![(0, 0.0, 0.0); n],
        }
    }

    /// User `user` sends one message with guarantee `p`.
    pub fn charge(&mut self, user: usize, p: Privacy) -> Result<()> {
        let n = self.spent.len();
        let e = self
            .spent
            .get_mut(user)
            .ok_or_else(|| Error::param("user", user, format!("ledger has {n} users")))?;
        *e = (e.0 + 1, e.1 + p.epsilon, e.2 + p.delta);
        Ok(())
    }

    /// Number of messages user `user` sent.
    pub fn messages(&self, user: usize) -> usize {
        self.spent.get(user).map_or(0, |e| e.0 as usize)
    }

    /// The guarantee of the whole protocol: sequential within each user, parallel across users.
    /// Users that sent nothing pay nothing; an empty protocol is an error.
    pub fn total(&self) -> Result<Privacy> {
        let per_user: Vec<Privacy> = self
            .spent
            .iter()
            .filter(|e| e.0 > 0)
            .map(|e| Privacy {
                epsilon: e.1,
                delta: e.2.min(1.0),
            })
            .collect();
        Privacy::parallel(&per_user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_rules() {
        let a = Privacy::approximate(0.5, 1e-6).unwrap();
        let s = Privacy::sequential(&[a, a]).unwrap();
        assert_eq!(s.epsilon, 1.0);
        assert_eq!(s.delta, 2e-6);
        let p = Privacy::parallel(&[a, Privacy::pure(0.7).unwrap()]).unwrap();
        assert_eq!((p.epsilon, p.delta), (0.7, 1e-6));
        assert!(Privacy::pure(0.0).is_err());
        assert!(Privacy::pure(f64::NAN).is_err());
        assert!(Privacy::approximate(1.0, 1.0).is_err());
        let mut l = Ledger::new(3);
        l.charge(0, a).unwrap();
        l.charge(0, a).unwrap();
        l.charge(2, a).unwrap();
        assert_eq!(l.total().unwrap().epsilon, 1.0);
        assert!(l.charge(3, a).is_err());
    }
}
