//! Learning-rate adaptation of full CMA-ES (Nomura et al., "CMA-ES with Learning Rate
//! Adaptation", arXiv:2304.03473): the signal-to-noise ratio of the mean and covariance
//! updates sets their learning rates.

use super::cma::Cma;
use super::codec::{Reader, Writer};
use super::linalg::{b_mul, matmul, sym_eigvals};
use super::SIGMA_MAX;
use crate::error::{CoreError, CoreResult};

/// State of the learning-rate adaptation (LRA-CMA-ES).
#[derive(Clone, Debug)]
pub struct LrState {
    alpha: f64,
    beta_mean: f64,
    beta_sigma: f64,
    gamma: f64,
    e_mean: Vec<f64>,
    e_sigma: Vec<f64>,
    v_mean: f64,
    v_sigma: f64,
    eta_mean: f64,
    eta_sigma: f64,
}

impl LrState {
    /// Fresh state for dimension `n`, with the paper's hyper-parameters.
    pub(super) fn new(n: usize) -> Self {
        Self {
            alpha: 1.4,
            beta_mean: 0.1,
            beta_sigma: 0.03,
            gamma: 0.1,
            e_mean: vec![0.0; n],
            e_sigma: vec![0.0; n * n],
            v_mean: 0.0,
            v_sigma: 0.0,
            eta_mean: 1.0,
            eta_sigma: 1.0,
        }
    }

    /// Write the adapted part (the hyper-parameters are constants).
    pub(super) fn encode(&self, w: &mut Writer) {
        w.vec(&self.e_mean);
        w.vec(&self.e_sigma);
        w.f64(self.v_mean);
        w.f64(self.v_sigma);
        w.f64(self.eta_mean);
        w.f64(self.eta_sigma);
    }

    /// Read what [`Self::encode`] wrote into a fresh state of dimension `n`.
    pub(super) fn decode(&mut self, r: &mut Reader<'_>, n: usize) -> CoreResult<()> {
        self.e_mean = r.vec()?;
        self.e_sigma = r.vec()?;
        self.v_mean = r.f64()?;
        self.v_sigma = r.f64()?;
        self.eta_mean = r.f64()?;
        self.eta_sigma = r.f64()?;
        if self.e_mean.len() != n || self.e_sigma.len() != n * n {
            return Err(CoreError::InvalidArgument(
                "corrupt CMA-ES state: lr".into(),
            ));
        }
        Ok(())
    }
}

impl Cma {
    /// Learning-rate adaptation (arXiv:2304.03473, Algorithm 1): estimate the
    /// signal-to-noise ratio of the mean and covariance updates in the local
    /// coordinates of the old distribution and adapt eta_mean / eta_Sigma.
    pub(super) fn lr_adaptation(
        &mut self,
        old_mean: &[f64],
        old_sigma: f64,
        old_big_sigma: &[f64],
        old_invsqrt_c: &[f64],
    ) -> CoreResult<()> {
        let n = self.n;
        let lr = self.lr.as_mut().expect("lr state present");
        let d_mean: Vec<f64> = self.mean.iter().zip(old_mean).map(|(a, b)| a - b).collect();
        let s2 = self.sigma * self.sigma;
        let d_sig: Vec<f64> = self
            .c
            .iter()
            .zip(old_big_sigma)
            .map(|(c, o)| c * s2 - o)
            .collect();
        let inv_sqrt_sig: Vec<f64> = old_invsqrt_c.iter().map(|v| v / old_sigma).collect();
        let mut loc_mean = vec![0.0; n];
        b_mul(&inv_sqrt_sig, &d_mean, n, &mut loc_mean);
        let loc_sig: Vec<f64> = matmul(&inv_sqrt_sig, &matmul(&d_sig, &inv_sqrt_sig, n), n)
            .into_iter()
            .map(|v| v / std::f64::consts::SQRT_2)
            .collect();

        let (bm, bs) = (lr.beta_mean, lr.beta_sigma);
        for (e, l) in lr.e_mean.iter_mut().zip(&loc_mean) {
            *e = (1.0 - bm) * *e + bm * l;
        }
        for (e, l) in lr.e_sigma.iter_mut().zip(&loc_sig) {
            *e = (1.0 - bs) * *e + bs * l;
        }
        let sq = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>();
        lr.v_mean = (1.0 - bm) * lr.v_mean + bm * sq(&loc_mean);
        lr.v_sigma = (1.0 - bs) * lr.v_sigma + bs * sq(&loc_sig);

        let se_m = sq(&lr.e_mean);
        let snr_m = (se_m - (bm / (2.0 - bm)) * lr.v_mean) / (lr.v_mean - se_m);
        let se_s = sq(&lr.e_sigma);
        let snr_s = (se_s - (bs / (2.0 - bs)) * lr.v_sigma) / (lr.v_sigma - se_s);

        let before_eta_mean = lr.eta_mean;
        let rel_m = (snr_m / lr.alpha / lr.eta_mean - 1.0).clamp(-1.0, 1.0);
        lr.eta_mean *= ((lr.gamma * lr.eta_mean).min(bm) * rel_m).exp();
        let rel_s = (snr_s / lr.alpha / lr.eta_sigma - 1.0).clamp(-1.0, 1.0);
        lr.eta_sigma *= ((lr.gamma * lr.eta_sigma).min(bs) * rel_s).exp();
        lr.eta_mean = lr.eta_mean.min(1.0);
        lr.eta_sigma = lr.eta_sigma.min(1.0);

        for j in 0..n {
            self.mean[j] = old_mean[j] + lr.eta_mean * d_mean[j];
        }
        let big: Vec<f64> = old_big_sigma
            .iter()
            .zip(&d_sig)
            .map(|(o, d)| o + lr.eta_sigma * d)
            .collect();
        // Split Sigma = sigma^2 C with det(C) = 1.
        let eigs = sym_eigvals(&big, n)?;
        let logsum: f64 = eigs.iter().map(|e| e.ln()).sum();
        self.sigma = (logsum / 2.0 / n as f64).exp().min(SIGMA_MAX);
        let s2 = self.sigma * self.sigma;
        self.c = big.iter().map(|v| v / s2).collect();
        // Step-size correction for the changed mean learning rate.
        self.sigma *= before_eta_mean / lr.eta_mean;
        Ok(())
    }
}
