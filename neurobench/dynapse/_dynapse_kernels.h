/* Per-step passes of the DYNAP-SE1 kernel over the whole board, and the membrane step they share
 * with the scalar path of _kernel.pyx.
 *
 * Plain C with restrict pointers and branch-free selects, so that the compiler vectorises the
 * passes (built with -ffp-contract=off: no FMA contraction, and -fno-trapping-math, which permits
 * the selects). Every function performs the same IEEE operations in the same order whether it
 * runs in a vector lane or alone, so a neuron's result does not depend on which path took it
 * (the vector pass or the scalar path for split steps, spikes and the end of a refractory
 * period), nor on the build (AVX2 or SSE2).
 *
 * Equations: neurobench/dynapse/circuits.py; order of a step: _kernel.pyx.
 */
#ifndef NEUROBENCH_DYNAPSE_KERNELS_H
#define NEUROBENCH_DYNAPSE_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* e^x, branch-free. x is clamped to [−700, 700]; x = k ln 2 + r with |r| ≤ ln2/2 (Cody–Waite
 * split of ln 2, k by the 1.5·2^52 rounding trick), e^r by its Taylor series to r^12 (truncation
 * < 8e-17 relative, summed by Estrin's scheme), then scaled by 2^k through the exponent bits. Measured against libm exp
 * over [−700, 700]: relative error ≤ 5e-16 (tests/test_dynapse_api.py). Used where the vector
 * pass needs an exponential (the feedback sigmoid), and by the scalar path for the same term. */
static inline double dyn_exp(double x)
{
    const double log2e = 1.4426950408889634074;
    const double ln2_hi = 6.93147180369123816490e-01;   /* the fdlibm split of ln 2 */
    const double ln2_lo = 1.90821492927058770002e-10;
    const double shifter = 6755399441055744.0;          /* 1.5·2^52 */
    x = x < -700.0 ? -700.0 : x;
    x = x > 700.0 ? 700.0 : x;
    double kd = x * log2e + shifter;
    int64_t kb;
    memcpy(&kb, &kd, sizeof kb);
    kd = kd - shifter;
    double r = (x - kd * ln2_hi) - kd * ln2_lo;
    /* Estrin's scheme (short dependency chains: the vector pass is latency-bound) */
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double p01 = 1.0 + r, p23 = 0.5 + r * (1.0 / 6.0), p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
    double p67 = 1.0 / 720.0 + r * (1.0 / 5040.0), p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    double p1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    double q0 = p01 + r2 * p23, q1 = p45 + r2 * p67, q2 = p89 + r2 * p1011;
    double p = (q0 + r4 * q1) + r8 * (q2 + r4 * (1.0 / 479001600.0));
    int64_t eb = ((kb - (int64_t) 0x4338000000000000LL) + 1023) << 52;
    double scale;
    memcpy(&scale, &eb, sizeof scale);
    return p * scale;
}

/* Circuit constants of the membrane step (SI), shared by every neuron. */
typedef struct {
    double i0, ispk, pfb_gain, pfb_th, inv_pfb_norm, pfb_skip, max_dlog, tol;
} dyn_membrane;

/* F = d ln I_mem/dt at I_mem = im and its derivatives in y = ln I_mem: J = dF/dy,
 * Fyy = d²F/dy², Fyyy = d³F/dy³. With dI/dt = f(I) = N/D, N = α (I_in − I_Σ) − (I_Σ − I_0) I/I_τ,
 * D = τ (I + I_g) (D'' = 0): f' = (N' − f τ)/D, f'' = (N'' − 2 f' τ)/D, f''' = (N''' − 3 f'' τ)/D
 * and F = f, J = I f', Fyy = I f' + I² f'', Fyyy = I f' + 3 I² f'' + I³ f'''.
 * I_in = iexc + inmda·I/(I + I_f) (NMDA gate), I_Σ = ileak − I_pfb; I_pfb is taken as 0 below
 * pfb_skip = I_pfb,th − 40 I_pfb,norm (there I_pfb < 5e-18 I_pfb,gain). has_nmda = 0 gives the
 * same numbers as inmda = 0 without the division. Every derivative is analytic. */
static inline double dyn_slope(double im, double iexc, double inmda, double ifn, double ileak,
                               double alpha, double inv_itau, double ig, double taum,
                               const dyn_membrane *P, int has_nmda, double *J, double *Fyy,
                               double *Fyyy)
{
    double iin = iexc, din = 0.0, d2in = 0.0, d3in = 0.0;
    if (has_nmda) {
        double q = 1.0 / (im + ifn);
        iin = iexc + inmda * im * q;
        din = inmda * ifn * q * q;
        d2in = -2.0 * din * q;
        d3in = -3.0 * d2in * q;
    }
    const double k = P->inv_pfb_norm;
    double sg = 1.0 / (1.0 + dyn_exp(-(im - P->pfb_th) * k));
    int on = im > P->pfb_skip;
    double pfb = on ? P->pfb_gain * sg : 0.0;
    double dsg = sg * (1.0 - sg) * k;
    double dpfb = pfb * (1.0 - sg) * k;
    double d2pfb = dpfb * (1.0 - 2.0 * sg) * k;
    double d3pfb = (d2pfb * (1.0 - 2.0 * sg) - 2.0 * dpfb * dsg) * k;
    double isig = ileak - pfb;
    double N = alpha * (iin - isig) - (isig - P->i0) * im * inv_itau;
    double dN = alpha * (din + dpfb) + (dpfb * im - (isig - P->i0)) * inv_itau;
    double d2N = alpha * (d2in + d2pfb) + (d2pfb * im + 2.0 * dpfb) * inv_itau;
    double d3N = alpha * (d3in + d3pfb) + (d3pfb * im + 3.0 * d2pfb) * inv_itau;
    double invD = 1.0 / (taum * (im + ig));
    double f = N * invD;
    double f1 = (dN - f * taum) * invD;
    double f2 = (d2N - 2.0 * f1 * taum) * invD;
    double f3 = (d3N - 3.0 * f2 * taum) * invD;
    double im2 = im * im;
    *J = im * f1;
    *Fyy = *J + im2 * f2;
    *Fyyy = *J + 3.0 * im2 * f2 + im2 * im * f3;
    return f;
}

/* The membrane step in y = ln I_mem over h (s): the exponential Rosenbrock–Euler step
 * h φ1(hJ) F, exact for F linear in y, plus the h³ term it misses, F_yy F² h³/6, which makes it
 * third order; phi = φ1(hJ). Its local error is (F_yyy F³ + 4 F_yy J F²) h⁴/24 + O(h⁵)
 * (dyn_step_error; the Taylor series of y(h) and of the step agree to h³). */
static inline double dyn_step(double h, double F, double Fyy, double phi)
{
    return h * F * phi + Fyy * F * F * (h * h * h) * (1.0 / 6.0);
}

static inline double dyn_step_error(double F, double J, double Fyy, double Fyyy)
{
    return fabs(Fyyy * F * F * F + 4.0 * Fyy * J * F * F) * (1.0 / 24.0);
}

/* (e^z − 1)/z to z³ and e^x to x⁵: the series the step uses for |z|, |x| < 0.05 (errors < 1e-7
 * relative for φ1, which only weights the step, and < 3e-11 for e^x). */
static inline double dyn_phi1_series(double z)
{
    return 1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0)));
}

static inline double dyn_exp_series(double x)
{
    return 1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0)))));
}

/* DPI circuits without a pulse, one circuit row: I ← I e^{−dt/τ}, mean over the step
 * I·(1 − e^{−dt/τ})τ/dt; currents below 1 zA are flushed to 0 (idle circuit). Rows with a pulse
 * are recomputed afterwards by the scalar pulse pass (from the value saved before this pass).
 * Returns whether any current of the row is still non-zero. */
static __attribute__((noinline)) int dyn_dpi_decay(ptrdiff_t n, double *restrict isyn, double *restrict avg,
                                const double *restrict decay, const double *restrict gavg)
{
    int64_t live = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        double io = isyn[i];
        double in = io * decay[i];
        avg[i] = io * gavg[i];
        in = in < 1e-21 ? 0.0 : in;
        isyn[i] = in;
        live |= (in != 0.0);
    }
    return live != 0;
}

/* One membrane pass over the board: every neuron that needs no more than one exponential
 * step (dyn_step; error bound dyn_step_error·dt⁴ ≤ tol, |Δ ln I_mem| ≤ max_dlog, series domain,
 * no spike, not leaving its refractory period in this step) is advanced here; neurons held
 * refractory for the whole step are held at I_reset. flag[i] = 1 marks the others for the
 * scalar path (which leaves imem[i] untouched until then). Returns the number of steps held
 * refractory; *n_single gets the number of single-step updates. */
static __attribute__((noinline)) int64_t dyn_membrane_pass(ptrdiff_t n, double dt, double *restrict imem,
        double *restrict ref_rem, int64_t *restrict flag,
        const double *restrict a0, const double *restrict a1, const double *restrict a2,
        const double *restrict a3, const double *restrict a4,
        const double *restrict itau, const double *restrict alpha,
        const double *restrict inv_itau, const double *restrict igain,
        const double *restrict tau_mem, const double *restrict idc,
        const double *restrict ifnmda, double ireset, const dyn_membrane *P, int has_nmda,
        int64_t *n_single)
{
    int64_t held = 0, single = 0;
    const double dt4 = (dt * dt) * (dt * dt);
    for (ptrdiff_t i = 0; i < n; i++) {
        double im = imem[i], rr = ref_rem[i];
        double iexc = idc[i] + a0[i] - a3[i];
        double ileak = itau[i] + a4[i] + a2[i];
        double J, Fyy, Fyyy;
        double F = dyn_slope(im, iexc, a1[i], ifnmda[i], ileak, alpha[i], inv_itau[i],
                             igain[i], tau_mem[i], P, has_nmda, &J, &Fyy, &Fyyy);
        double z = J * dt;
        double dy = dyn_step(dt, F, Fyy, dyn_phi1_series(z));
        double inew = im * dyn_exp_series(dy);
        inew = inew < P->i0 ? P->i0 : inew;
        int64_t hold = rr >= dt;
        int64_t ok = (rr <= 0.0) & (dyn_step_error(F, J, Fyy, Fyyy) * dt4 <= P->tol)
                     & (fabs(F) * dt <= P->max_dlog) & (fabs(z) < 0.05) & (fabs(dy) < 0.05)
                     & (inew < P->ispk);
        imem[i] = hold ? ireset : (ok ? inew : im);
        ref_rem[i] = hold ? rr - dt : rr;
        flag[i] = !(hold | ok);
        held += hold;
        single += ok;
    }
    *n_single = single;
    return held;
}

#endif
