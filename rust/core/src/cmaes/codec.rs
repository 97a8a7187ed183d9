//! Minimal little-endian byte codec for optimizer states.

use crate::error::{CoreError, CoreResult};

/// Appends primitive values to a byte buffer.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }
    pub fn vec(&mut self, v: &[f64]) {
        self.usize(v.len());
        for &x in v {
            self.f64(x);
        }
    }
    pub fn opt_f64(&mut self, v: Option<f64>) {
        self.bool(v.is_some());
        if let Some(x) = v {
            self.f64(x);
        }
    }
    pub fn opt_vec(&mut self, v: Option<&[f64]>) {
        self.bool(v.is_some());
        if let Some(x) = v {
            self.vec(x);
        }
    }
    /// Symmetric `n x n` row-major matrix: only the upper triangle is written.
    pub fn sym(&mut self, m: &[f64], n: usize) {
        self.usize(n);
        for i in 0..n {
            for j in i..n {
                self.f64(m[i * n + j]);
            }
        }
    }
}

/// Reads values written by [`Writer`], failing cleanly on truncated input.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn corrupt(what: &str) -> CoreError {
    CoreError::InvalidArgument(format!("corrupt CMA-ES state: {what}"))
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }
    fn take(&mut self, n: usize) -> CoreResult<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| corrupt("truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn u64(&mut self) -> CoreResult<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(
            b.try_into().map_err(|_| corrupt("u64"))?,
        ))
    }
    pub fn usize(&mut self) -> CoreResult<usize> {
        let v = self.u64()?;
        usize::try_from(v).map_err(|_| corrupt("usize"))
    }
    /// A length that must fit in the remaining bytes (each item >= `item` bytes).
    fn len(&mut self, item: usize) -> CoreResult<usize> {
        let n = self.usize()?;
        if n.saturating_mul(item) > self.buf.len() - self.pos {
            return Err(corrupt("length"));
        }
        Ok(n)
    }
    pub fn f64(&mut self) -> CoreResult<f64> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes(
            b.try_into().map_err(|_| corrupt("f64"))?,
        ))
    }
    pub fn bool(&mut self) -> CoreResult<bool> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("bool")),
        }
    }
    pub fn vec(&mut self) -> CoreResult<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
    pub fn opt_f64(&mut self) -> CoreResult<Option<f64>> {
        Ok(if self.bool()? {
            Some(self.f64()?)
        } else {
            None
        })
    }
    pub fn opt_vec(&mut self) -> CoreResult<Option<Vec<f64>>> {
        Ok(if self.bool()? {
            Some(self.vec()?)
        } else {
            None
        })
    }
    pub fn sym(&mut self) -> CoreResult<(Vec<f64>, usize)> {
        let n = self.usize()?;
        let half = n
            .checked_add(1)
            .and_then(|m| n.checked_mul(m))
            .map(|x| x / 2)
            .ok_or_else(|| corrupt("matrix size"))?;
        if half.saturating_mul(8) > self.buf.len() - self.pos {
            return Err(corrupt("matrix size"));
        }
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let v = self.f64()?;
                m[i * n + j] = v;
                m[j * n + i] = v;
            }
        }
        Ok((m, n))
    }
    pub fn expect(&mut self, tag: &[u8]) -> CoreResult<()> {
        if self.take(tag.len())? == tag {
            Ok(())
        } else {
            Err(corrupt("bad header"))
        }
    }
    pub fn finish(&self) -> CoreResult<()> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(corrupt("trailing bytes"))
        }
    }
}
