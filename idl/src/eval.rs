//! Constant expression evaluation.
