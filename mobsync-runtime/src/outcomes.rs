//! [`SuccessCodes`] for the outcome enums generated into [`crate::interfaces`].
//!
//! Interim, until `cargo xtask regen` emits the `impl abi::SuccessCodes` of each outcome enum next
//! to its `impl abi::IntoSuccess`; then the `success_codes!` list below is deleted and nothing
//! else changes. Nothing here is an IDL value: the codes are the generated enums' own
//! (`hresult()`, `const`), each name is its variant's name (the generator names variants after
//! their codes), and the list is checked against the enums at compile time: a variant missing
//! here makes the `match` below non-exhaustive, one the enum lacks does not resolve, and an
//! enum missing here has no `SuccessCodes` for a caller to use.

use windows_core::HRESULT;

use crate::abi::SuccessCodes;
use crate::interfaces::{
    EnableModelessOutcome, GetHandlerRegistrationInfoOutcome, InitializeOutcome,
    PrepareForSyncOutcome, ProgressOutcome, SkipOutcome,
};

/// `impl SuccessCodes` for outcome enums, from their variants in declaration order.
macro_rules! success_codes {
    ($($outcome:ident { $($code:ident),+ $(,)? })*) => {$(
        impl SuccessCodes for $outcome {
            const CODES: &'static [(&'static str, HRESULT)] =
                &[$((stringify!($code), $outcome::$code.hresult())),+];
        }

        const _: fn($outcome) = |outcome| match outcome {
            $($outcome::$code)|+ => {}
        };
    )*};
}

success_codes! {
    InitializeOutcome { S_OK, S_FALSE }
    PrepareForSyncOutcome { S_OK, S_FALSE }
    EnableModelessOutcome { S_OK, S_FALSE }
    ProgressOutcome { S_OK, S_SYNCMGR_CANCELITEM, S_SYNCMGR_CANCELALL }
    SkipOutcome { S_OK, S_FALSE }
    GetHandlerRegistrationInfoOutcome { S_OK, S_FALSE }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::FetchedCount;
    use crate::hresults::{S_FALSE, S_OK};

    /// Every code of `O` names the variant `from_hresult` maps it to, `S_OK` first.
    fn consistent<O: SuccessCodes + std::fmt::Debug>(from_hresult: fn(HRESULT) -> Option<O>) {
        assert_eq!(O::CODES.first(), Some(&("S_OK", S_OK)));
        for &(name, code) in O::CODES {
            let outcome = from_hresult(code).unwrap_or_else(|| panic!("{name}: no outcome"));
            assert_eq!(format!("{outcome:?}"), name);
        }
    }

    #[test]
    fn codes_are_the_generated_outcomes() {
        consistent(InitializeOutcome::from_hresult);
        consistent(PrepareForSyncOutcome::from_hresult);
        consistent(EnableModelessOutcome::from_hresult);
        consistent(ProgressOutcome::from_hresult);
        consistent(SkipOutcome::from_hresult);
        consistent(GetHandlerRegistrationInfoOutcome::from_hresult);
        assert_eq!(<()>::CODES, &[("S_OK", S_OK)]);
        assert_eq!(FetchedCount::CODES, &[("S_OK", S_OK), ("S_FALSE", S_FALSE)]);
    }
}
