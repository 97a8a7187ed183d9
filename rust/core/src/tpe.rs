//! Placeholder: filled in by the tpe work.
