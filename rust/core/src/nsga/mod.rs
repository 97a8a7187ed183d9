//! NSGA-II (Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist multiobjective genetic
//! algorithm: NSGA-II", IEEE TEC 6(2), 2002) with Optuna 5.0's semantics.
//!
//! - [`sort`]: constrained non-dominated sorting (Section III-A and Section VI), O(n log n)
//!   for two objectives, Deb's fast non-dominated sort beyond;
//! - [`crowding`]: crowding distance (Section III-B) with Optuna's tie and infinity rules;
//! - [`elite`]: survivor selection of one generation (rank, then crowding);
//! - [`crossover`]: the crossovers Optuna ships, in the transformed parameter space;
//! - [`children`]: binary tournaments, crossover and mutation of a batch of children.
//!
//! These are independent of `crate::multiobjective` (used by MOTPE); that module's sort
//! could later be replaced by [`sort::nondomination_ranks`].

pub mod children;
pub mod crossover;
pub mod crowding;
pub mod elite;
pub mod sort;

#[cfg(test)]
mod tests;

pub use children::{generate_children, Children, Mutation, Operators, Population, Space};
pub use crossover::{Crossover, SbxParams};
pub use crowding::crowding_order;
pub use elite::select_elite;
pub use sort::nondomination_ranks;
