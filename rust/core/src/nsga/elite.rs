//! Survivor selection of one NSGA-II generation (Deb et al. 2002, Section III-C).

use ndarray::ArrayView2;

use super::{crowding_order, nondomination_ranks};
use crate::error::{CoreError, CoreResult};

/// Positions of the survivors among the rows of `values`: whole fronts by increasing
/// rank while they fit, then the most crowding-distant members of the first front that
/// does not fit (Optuna's `NSGAIIElitePopulationSelectionStrategy`).
///
/// Ranks use the losses `values * signs` (`signs` is +1 for minimised objectives, -1 for
/// maximised ones) and `penalty` (see [`nondomination_ranks`]); the crowding distance uses
/// the raw values, as Optuna does.
pub fn select_elite(
    values: ArrayView2<'_, f64>,
    signs: &[f64],
    penalty: Option<&[f64]>,
    population_size: usize,
) -> CoreResult<Vec<usize>> {
    if signs.len() != values.ncols() {
        return Err(CoreError::ShapeMismatch(format!(
            "{} signs for {} objectives",
            signs.len(),
            values.ncols()
        )));
    }
    let mut loss = values.to_owned();
    for mut row in loss.rows_mut() {
        row.iter_mut().zip(signs).for_each(|(v, s)| *v *= s);
    }
    let ranks = nondomination_ranks(loss.view(), penalty)?;
    let Some(&worst) = ranks.iter().max() else {
        return Ok(Vec::new());
    };
    let mut fronts: Vec<Vec<usize>> = vec![Vec::new(); worst + 1];
    for (i, &r) in ranks.iter().enumerate() {
        fronts[r].push(i);
    }
    let mut elite: Vec<usize> = Vec::with_capacity(population_size);
    for members in fronts {
        if elite.len() + members.len() < population_size {
            elite.extend(members);
            continue;
        }
        let sub = values.select(ndarray::Axis(0), &members);
        let need = population_size - elite.len();
        elite.extend(
            crowding_order(sub.view())
                .into_iter()
                .take(need)
                .map(|k| members[k]),
        );
        break;
    }
    Ok(elite)
}
