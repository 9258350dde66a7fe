/* Per-step passes of the DYNAP-SE1 kernel over the whole board, and the membrane step they share
 * with the scalar path of _kernel.pyx.
 *
 * Plain C with restrict pointers and branch-free selects (built with -ffp-contract=off: no FMA
 * contraction, and -fno-trapping-math, which permits the selects). The synaptic decay pass is
 * left to the compiler's vectoriser; the pulse pass, the membrane's single-step pass and the
 * vector rounds of split steps are written with AVX2 intrinsics (GCC 12 does not vectorise them)
 * where the build has AVX2; without it the pulse and single-step passes run the scalar
 * functions, and the rounds do nothing (the scalar path takes every split step). Every function performs the same IEEE operations in the same order whether it runs
 * in a vector lane or alone, so a neuron's result does not depend on which path took it (the
 * single-step vector pass, the vector rounds of split steps, or the scalar path for spikes and
 * the end of a refractory period), nor on the build (AVX2 or SSE2). Sub-steps take the synaptic
 * currents' means over their own sub-interval (dyn_input_fit, dyn_sub_mean), a whole step the
 * step's mean.
 *
 * Equations: neurobench/dynapse/circuits.py; order of a step: _kernel.pyx.
 */
#ifndef NEUROBENCH_DYNAPSE_KERNELS_H
#define NEUROBENCH_DYNAPSE_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* e^x, branch-free. x is clamped to [−700, 700]; x = k ln 2 + r with |r| ≤ ln2/2 (Cody–Waite
 * split of ln 2, k by the 1.5·2^52 rounding trick), e^r by its Taylor series to r^12 (truncation
 * < 8e-17 relative, summed by Estrin's scheme), then scaled by 2^k through the exponent bits. Measured against libm exp
 * over [−700, 700]: relative error ≤ 5e-16 (tests/test_dynapse_api.py). Used for the feedback
 * sigmoid, for φ1 and e^Δy of the step outside their series domain (dyn_phi1, dyn_expx) and for
 * the sub-interval means (dyn_sub_mean); dyn_exp_v is its four-lane form. */
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

/* A cheap monotone tick counter for the kernel's per-phase CPU breakdown (the time-stamp counter
 * on x86, the monotonic clock in ns elsewhere); only ratios of ticks are used, scaled to the
 * thread's CPU time. */
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t dyn_ticks(void) { return __rdtsc(); }
#else
#include <time.h>
static inline uint64_t dyn_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}
#endif

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

/* φ1(z) and e^x of the step on their whole range: the series above inside |·| < 0.05, dyn_exp
 * outside (φ1 = (e^z − 1)/z there: relative error < 1e-14). The vector pass computes the same
 * selects, so that steps leaving the series domain (the fast rise after a reset) stay in it. */
static inline double dyn_phi1(double z)
{
    return fabs(z) < 0.05 ? dyn_phi1_series(z) : (dyn_exp(z) - 1.0) / z;
}

static inline double dyn_expx(double x)
{
    return fabs(x) < 0.05 ? dyn_exp_series(x) : dyn_exp(x);
}

/* The synaptic input within a step. Pulses start at step starts (external events on the step
 * grid, routed spikes from the next step). A DPI current whose pulse is on at the step's end
 * (on for the whole step) is I(t) = A + C e^{(dt − t)/τ} on [0, dt] (t from the step's start;
 * A = I_∞), fitted to the step's exact mean a (its integral / dt) and its end value I_end: with
 * a = A + C g, g = τ (e^{dt/τ} − 1)/dt = gavg/decay, C = (a − I_end)/(g − 1), A = I_end − C.
 * Any other current decays as I_end e^{(dt − t)/τ} after its pulse (if any) ends at t_on:
 * A = 0, C = I_end, and the charge the pulse's rise withholds from that decay before t_on,
 * D = dt (a − I_end g) (≤ 0 for a rising pulse; 0 without one), is spread over [0, t_on] as the
 * rise does it (linear in t for t_on ≪ τ: a triangular density, cumulative share
 * 1 − (1 − t/t_on)²); t_on = √(2|D|/|r|) from the initial rise rate r = (I_∞ − I_end e^{dt/τ})/τ,
 * dt where that is not finite or exceeds dt. Both are exact after the pulse and share out the
 * step's own charge. gc: g, 1/(g − 1) and 1/decay = e^{dt/τ} of the circuit (dyn_fit_consts);
 * out: A, C, D, 1/t_on (idt = 1/dt). */
static inline void dyn_fit_consts(double decay, double gavg, double *gc)
{
    double g = gavg / decay;
    gc[0] = g;
    gc[1] = 1.0 / (g - 1.0);
    gc[2] = 1.0 / decay;
}

static inline void dyn_input_fit(double a, double iend, const double *gc, double iinf, double k,
                                 double dt, double idt, int on_at_end, double *out)
{
    out[0] = 0.0;
    out[1] = iend;
    out[2] = 0.0;
    out[3] = idt;
    if (a == 0.0 && iend == 0.0)        /* idle */
        return;
    if (on_at_end) {
        double c = (a - iend) * gc[1];
        out[0] = iend - c;
        out[1] = c;
    } else {
        double d = dt * (a - iend * gc[0]);
        if (fabs(d) > 1e-9 * fabs(iend * gc[0]) * dt) {     /* below: rounding, no pulse */
            double it = sqrt(fabs((iinf - iend * gc[2]) * k / (2.0 * d)));
            out[2] = d;
            out[3] = (it >= idt && it < INFINITY) ? it : idt;
        }
    }
}

/* e^x to x⁷ and φ1(z) = (e^z − 1)/z to z⁶ (Horner), used by dyn_sub_mean for 0 ≤ x, z <
 * DYN_SUB_SERIES (relative errors < 2e-12 and < 1e-10 there; the usual case, dt ≪ τ), dyn_exp
 * outside. */
#define DYN_SUB_SERIES 0.125
static inline double dyn_sub_phi1_series(double z)
{
    return 1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z * (1.0 / 120.0 + z * (1.0 / 720.0
           + z * (1.0 / 5040.0))))));
}

static inline double dyn_sub_exp_series(double x)
{
    return 1.0 + x * dyn_sub_phi1_series(x);
}

/* The mean of that current over the sub-interval [dt − rem, dt − rem + h] of the step
 * (k = 1/τ; f = A, C, D, 1/t_on; ih = 1/h): A + C e^{(rem − h) k} φ1(h k) plus D's share of the
 * sub-interval times ih; the step's own mean a for the whole step (exact, and what the
 * single-step pass uses). The C term is skipped where C = 0 and the D term where D = 0. */
static inline double dyn_sub_mean(double a, const double *f, double k, double rem, double h,
                                  double ih, double dt)
{
    if (rem == dt && h == dt)
        return a;
    double m = f[0];
    if (f[1] != 0.0) {
        double x = (rem - h) * k, z = h * k;
        double e = x < DYN_SUB_SERIES ? dyn_sub_exp_series(x) : dyn_exp(x);
        double p = z < DYN_SUB_SERIES ? dyn_sub_phi1_series(z) : (dyn_exp(z) - 1.0) / z;
        m = f[0] + f[1] * (e * p);
    }
    if (f[2] != 0.0) {
        double u1 = (dt - rem) * f[3];
        double u2 = u1 + h * f[3];
        double v1 = 1.0 - (u1 < 1.0 ? u1 : 1.0), v2 = 1.0 - (u2 < 1.0 ? u2 : 1.0);
        m = m + f[2] * ((v1 * v1 - v2 * v2) * ih);
    }
    return m;
}

/* A hint that the cache line holding p is read soon (routing rows and pulse states of the next
 * spikes during the delivery, circuit records ahead in the pulse pass; no effect on results). */
static inline void dyn_prefetch(const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch(p, 0, 3);
#else
    (void) p;
#endif
}

/* DPI circuits without a pulse, one circuit row: I ← I e^{−dt/τ}, mean over the step
 * I·(1 − e^{−dt/τ})τ/dt; currents below 1 zA are flushed to 0 (idle circuit). Circuits with a pulse
 * are recomputed afterwards by the pulse pass (dyn_pulse_pass, from the value saved before this
 * pass).
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

/* The DPI circuits with a pulse (the pulse extender on): the exact update over the step with the
 * pulse on for min(P, dt), from the current before the step, I_old:
 *   P ≥ dt:  I ← I_∞ + (I_old − I_∞) e^{−dt/τ}, mean I_∞ + (I_old − I_∞)·gavg, P ← P − dt;
 *   P < dt:  e_on = e^{−P/τ}, I_on = I_∞ + (I_old − I_∞) e_on, I ← I_on e^{−(dt − P)/τ}, mean
 *            (I_∞ P + ((I_old − I_∞)(1 − e_on) + I_on (1 − e^{−(dt−P)/τ})) τ)/dt, P ← 0,
 * with 1 − e_on by its series to x⁸ when x = P/τ < 0.05 (relative error < 1e-17; the usual
 * case, t_pulse ≪ τ) and by expm1 otherwise. pk holds the constants of circuit j as one record
 * pk[4j … 4j + 3] = I_∞, e^{−dt/τ}, 1/τ, τ. */
static inline void dyn_pulse_one(double iold, double rem, const double *restrict pkj,
                                 double gavg, double dt, double inv_dt, double *inew,
                                 double *av, double *rem_out)
{
    double ii = pkj[0];
    if (rem >= dt) {
        *inew = ii + (iold - ii) * pkj[1];
        *av = ii + (iold - ii) * gavg;
        rem = rem - dt;
        if (rem < 1e-15)
            rem = 0.0;
    } else {
        double x = rem * pkj[2], e_on, one_m_on;
        if (x < 0.05) {
            one_m_on = x * (1.0 - x * (0.5 - x * (1.0 / 6.0 - x * (1.0 / 24.0 - x * (
                1.0 / 120.0 - x * (1.0 / 720.0 - x * (1.0 / 5040.0 - x * (1.0 / 40320.0))))))));
            e_on = 1.0 - one_m_on;
        } else {
            e_on = exp(-x);
            one_m_on = -expm1(-x);
        }
        double e_off = pkj[1] / e_on;                       /* e^{−(dt − P)/τ} */
        double i_on = ii + (iold - ii) * e_on;
        *inew = i_on * e_off;
        *av = (ii * rem + ((iold - ii) * one_m_on + i_on * (1.0 - e_off)) * pkj[3]) * inv_dt;
        rem = 0.0;
    }
    *rem_out = rem;
}

/* The write-back of one circuit of the pulse pass (below): its current, its step mean at
 * avg[c·stride + i] (j = c·n + i; c without a division), its pulse left; kept in the list at
 * *q when the pulse outlasts the step. Returns 1 << c. */
static inline int dyn_pulse_store(ptrdiff_t j, double inew, double av, double rem,
                                  double *restrict isyn, double *restrict avg,
                                  double *restrict prem, ptrdiff_t n, ptrdiff_t stride,
                                  int *restrict list, ptrdiff_t *q)
{
    int c = (j >= n) + (j >= 2 * n) + (j >= 3 * n) + (j >= 4 * n);
    isyn[j] = inew;
    avg[c * stride + (j - c * n)] = av;
    prem[j] = rem;
    list[*q] = (int) j;
    *q += rem > 0.0;
    return 1 << c;
}

#define DYN_PULSE_AHEAD 32  /* circuits between a prefetch and the use (a cache miss each) */

/* The pulse pass over the list of circuits with a pulse, j = list[k] = c·n + i (k < n_list),
 * run after the decay pass (whose values it overwrites): iold[k] is the current of j before the
 * step (saved before the decay pass). Writes isyn[j], the step mean avg[c·stride + i] and
 * prem[j]; the list keeps, in order, the circuits whose pulse outlasts the step (*n_kept). A
 * circuit is listed once (the delivery lists it when its pulse turns on; a circuit listed
 * twice, possible only with a zero extension, reads and writes the same values). Returns the
 * circuits c with a pulse as bits 1 << c. With AVX2, four circuits per vector in the usual case
 * (P < dt, P/τ < 0.05): the same IEEE operations in the same order as dyn_pulse_one (no FMA),
 * lanes outside it by dyn_pulse_one; the records of the four circuits are loaded whole and
 * transposed, and those DYN_PULSE_AHEAD circuits ahead prefetched. The pass is bound by the
 * latency of the series, the division and the cache misses, which four lanes share. */
static __attribute__((noinline)) int dyn_pulse_pass(ptrdiff_t n_list, int *restrict list,
        const double *restrict iold, double *restrict isyn, double *restrict avg,
        double *restrict prem, ptrdiff_t n, ptrdiff_t stride, const double *restrict pk,
        const double *restrict gavg, double dt, double inv_dt, ptrdiff_t *n_kept)
{
    ptrdiff_t k = 0, q = 0;
    int live = 0;
#if defined(__AVX2__)
    const __m256d one = _mm256_set1_pd(1.0), vdt = _mm256_set1_pd(dt);
    const __m256d vinv_dt = _mm256_set1_pd(inv_dt), lim = _mm256_set1_pd(0.05);
    /* j ≥ c·n as j > c·n − 1; the offset of row c of avg from c·n is c·(stride − n) */
    const __m256i vn1 = _mm256_set1_epi64x(n - 1), vn2 = _mm256_set1_epi64x(2 * n - 1);
    const __m256i vn3 = _mm256_set1_epi64x(3 * n - 1), vn4 = _mm256_set1_epi64x(4 * n - 1);
    const __m256i vgap = _mm256_set1_epi64x(stride - n);
    __m256i vlive = _mm256_setzero_si256();
    for (; k + 4 <= n_list; k += 4) {
        if (k + 4 + DYN_PULSE_AHEAD <= n_list) {
            for (int b = 0; b < 4; b++) {
                dyn_prefetch(pk + 4 * (ptrdiff_t) list[k + DYN_PULSE_AHEAD + b]);
                dyn_prefetch(prem + list[k + DYN_PULSE_AHEAD + b]);
            }
        }
        ptrdiff_t jb[4] = {list[k], list[k + 1], list[k + 2], list[k + 3]};
        __m256d r0 = _mm256_load_pd(pk + 4 * jb[0]), r1 = _mm256_load_pd(pk + 4 * jb[1]);
        __m256d r2 = _mm256_load_pd(pk + 4 * jb[2]), r3 = _mm256_load_pd(pk + 4 * jb[3]);
        __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
        __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
        __m256d ii = _mm256_permute2f128_pd(t0, t2, 0x20);
        __m256d itau = _mm256_permute2f128_pd(t0, t2, 0x31);
        __m256d dec = _mm256_permute2f128_pd(t1, t3, 0x20);
        __m256d tau = _mm256_permute2f128_pd(t1, t3, 0x31);
        __m256d rem = _mm256_set_pd(prem[jb[3]], prem[jb[2]], prem[jb[1]], prem[jb[0]]);
        __m256d io = _mm256_loadu_pd(iold + k);
        __m256d x = _mm256_mul_pd(rem, itau);
        __m256d s = _mm256_sub_pd(_mm256_set1_pd(1.0 / 5040.0),
                                  _mm256_mul_pd(x, _mm256_set1_pd(1.0 / 40320.0)));
        s = _mm256_sub_pd(_mm256_set1_pd(1.0 / 720.0), _mm256_mul_pd(x, s));
        s = _mm256_sub_pd(_mm256_set1_pd(1.0 / 120.0), _mm256_mul_pd(x, s));
        s = _mm256_sub_pd(_mm256_set1_pd(1.0 / 24.0), _mm256_mul_pd(x, s));
        s = _mm256_sub_pd(_mm256_set1_pd(1.0 / 6.0), _mm256_mul_pd(x, s));
        s = _mm256_sub_pd(_mm256_set1_pd(0.5), _mm256_mul_pd(x, s));
        s = _mm256_sub_pd(one, _mm256_mul_pd(x, s));
        __m256d one_m_on = _mm256_mul_pd(x, s);
        __m256d e_on = _mm256_sub_pd(one, one_m_on);
        __m256d e_off = _mm256_div_pd(dec, e_on);
        __m256d d = _mm256_sub_pd(io, ii);
        __m256d i_on = _mm256_add_pd(ii, _mm256_mul_pd(d, e_on));
        __m256d inew = _mm256_mul_pd(i_on, e_off);
        __m256d av = _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(ii, rem),
                         _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(d, one_m_on),
                                           _mm256_mul_pd(i_on, _mm256_sub_pd(one, e_off))), tau)),
                         vinv_dt);
        int ok = _mm256_movemask_pd(_mm256_and_pd(_mm256_cmp_pd(rem, vdt, _CMP_LT_OQ),
                                                  _mm256_cmp_pd(x, lim, _CMP_LT_OQ)));
        if (ok == 15) {
            /* the usual case: every pulse ends within the step (none kept in the list); the
             * circuits c and the offsets of the means, j + c (stride − n), four at once */
            __m256i j4 = _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *) (list + k)));
            __m256i m1 = _mm256_cmpgt_epi64(j4, vn1), m2 = _mm256_cmpgt_epi64(j4, vn2);
            __m256i m3 = _mm256_cmpgt_epi64(j4, vn3), m4 = _mm256_cmpgt_epi64(j4, vn4);
            __m256i c4 = _mm256_sub_epi64(_mm256_setzero_si256(), _mm256_add_epi64(
                             _mm256_add_epi64(m1, m2), _mm256_add_epi64(m3, m4)));
            vlive = _mm256_or_si256(vlive, _mm256_sllv_epi64(_mm256_set1_epi64x(1), c4));
            int64_t ao[4];
            _mm256_storeu_si256((__m256i *) ao, _mm256_add_epi64(j4, _mm256_add_epi64(
                _mm256_add_epi64(_mm256_and_si256(m1, vgap), _mm256_and_si256(m2, vgap)),
                _mm256_add_epi64(_mm256_and_si256(m3, vgap), _mm256_and_si256(m4, vgap)))));
            __m128d ilo = _mm256_castpd256_pd128(inew), ihi = _mm256_extractf128_pd(inew, 1);
            __m128d alo = _mm256_castpd256_pd128(av), ahi = _mm256_extractf128_pd(av, 1);
            _mm_storel_pd(isyn + jb[0], ilo);
            _mm_storeh_pd(isyn + jb[1], ilo);
            _mm_storel_pd(isyn + jb[2], ihi);
            _mm_storeh_pd(isyn + jb[3], ihi);
            _mm_storel_pd(avg + ao[0], alo);
            _mm_storeh_pd(avg + ao[1], alo);
            _mm_storel_pd(avg + ao[2], ahi);
            _mm_storeh_pd(avg + ao[3], ahi);
            prem[jb[0]] = 0.0;
            prem[jb[1]] = 0.0;
            prem[jb[2]] = 0.0;
            prem[jb[3]] = 0.0;
            continue;
        }
        double wi[4], wa[4], wr[4] = {0.0, 0.0, 0.0, 0.0};
        _mm256_storeu_pd(wi, inew);
        _mm256_storeu_pd(wa, av);
        for (int b = 0; b < 4; b++) {   /* lanes outside the series' case: one by one */
            if (!((ok >> b) & 1))
                dyn_pulse_one(iold[k + b], prem[jb[b]], pk + 4 * jb[b], gavg[jb[b]], dt, inv_dt,
                              wi + b, wa + b, wr + b);
        }
        for (int b = 0; b < 4; b++)
            live |= dyn_pulse_store(jb[b], wi[b], wa[b], wr[b], isyn, avg, prem, n, stride,
                                    list, &q);
    }
    {
        int64_t lb[4];
        _mm256_storeu_si256((__m256i *) lb, vlive);
        live |= (int) (lb[0] | lb[1] | lb[2] | lb[3]);
    }
#endif
    for (; k < n_list; k++) {
        ptrdiff_t j = list[k];
        double wi, wa, wr;
        dyn_pulse_one(iold[k], prem[j], pk + 4 * j, gavg[j], dt, inv_dt, &wi, &wa, &wr);
        live |= dyn_pulse_store(j, wi, wa, wr, isyn, avg, prem, n, stride, list, &q);
    }
    *n_kept = q;
    return live;
}

/* The membrane pass for one neuron (the scalar form of the pass below; its tail and the build
 * without AVX2). Returns 1 if held refractory, 2 if advanced by a single step, 0 if flagged. */
static inline int dyn_membrane_one(ptrdiff_t i, double dt, double dt4, double *restrict imem,
        double *restrict ref_rem, int64_t *restrict flag, double *restrict slope,
        const double *restrict a0, const double *restrict a1, const double *restrict a2,
        const double *restrict a3, const double *restrict a4,
        const double *restrict itau, const double *restrict alpha,
        const double *restrict inv_itau, const double *restrict igain,
        const double *restrict tau_mem, const double *restrict idc,
        const double *restrict ifnmda, double ireset, const dyn_membrane *P, int has_nmda)
{
    double im = imem[i], rr = ref_rem[i];
    double iexc = idc[i] + a0[i] - a3[i];
    double ileak = itau[i] + a4[i] + a2[i];
    double J, Fyy, Fyyy;
    double F = dyn_slope(im, iexc, a1[i], ifnmda[i], ileak, alpha[i], inv_itau[i],
                         igain[i], tau_mem[i], P, has_nmda, &J, &Fyy, &Fyyy);
    double z = J * dt;
    z = z > 50.0 ? 50.0 : z;
    double dy = dyn_step(dt, F, Fyy, dyn_phi1(z));
    dy = dy > 50.0 ? 50.0 : dy;
    double inew = im * dyn_expx(dy);
    inew = inew < P->i0 ? P->i0 : inew;
    int hold = rr >= dt;
    int ok = (rr <= 0.0) & (dyn_step_error(F, J, Fyy, Fyyy) * dt4 <= P->tol)
             & (fabs(F) * dt <= P->max_dlog) & (inew < P->ispk);
    imem[i] = hold ? ireset : (ok ? inew : im);
    ref_rem[i] = hold ? rr - dt : rr;
    flag[i] = !(hold | ok);
    if (!(hold | ok)) {
        double *sv = slope + 8 * (i & ~(ptrdiff_t) 3) + (i & 3);
        sv[0] = F;
        sv[4] = J;
        sv[8] = Fyy;
        sv[12] = Fyyy;
    }
    return hold | (ok << 1);
}

#if defined(__AVX2__)

/* AVX2 forms of dyn_exp, dyn_slope and the step: the same IEEE operations in the same order as
 * the scalar functions above (no FMA: -ffp-contract=off), four neurons per vector, selects by
 * blend with the comparisons' C semantics (ordered, false on NaN). */
#define V_SET(x) _mm256_set1_pd(x)
#define V_LT(a, b) _mm256_cmp_pd((a), (b), _CMP_LT_OQ)
#define V_LE(a, b) _mm256_cmp_pd((a), (b), _CMP_LE_OQ)
#define V_GT(a, b) _mm256_cmp_pd((a), (b), _CMP_GT_OQ)
#define V_GE(a, b) _mm256_cmp_pd((a), (b), _CMP_GE_OQ)
#define V_SEL(m, a, b) _mm256_blendv_pd((b), (a), (m))          /* m ? a : b */
#define V_ABS(x) _mm256_andnot_pd(V_SET(-0.0), (x))
/* a > b ? a : b and a < b ? a : b, one instruction each (b on NaN, as the selects of the scalar
 * path): V_MAX(c, x) is x < c ? c : x, V_MIN(c, x) is x > c ? c : x */
#define V_MAX(a, b) _mm256_max_pd((a), (b))
#define V_MIN(a, b) _mm256_min_pd((a), (b))
#define V_MA(a, x, b) _mm256_add_pd((a), _mm256_mul_pd((x), (b)))    /* a + x·b, two roundings */

static inline __m256d dyn_exp_v(__m256d x)
{
    const __m256d shifter = V_SET(6755399441055744.0);
    x = V_MAX(V_SET(-700.0), x);
    x = V_MIN(V_SET(700.0), x);
    __m256d kd = _mm256_add_pd(_mm256_mul_pd(x, V_SET(1.4426950408889634074)), shifter);
    __m256i kb = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, shifter);
    __m256d r = _mm256_sub_pd(_mm256_sub_pd(x, _mm256_mul_pd(kd, V_SET(6.93147180369123816490e-01))),
                              _mm256_mul_pd(kd, V_SET(1.90821492927058770002e-10)));
    __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    __m256d p01 = _mm256_add_pd(V_SET(1.0), r);
    __m256d p23 = _mm256_add_pd(V_SET(0.5), _mm256_mul_pd(r, V_SET(1.0 / 6.0)));
    __m256d p45 = _mm256_add_pd(V_SET(1.0 / 24.0), _mm256_mul_pd(r, V_SET(1.0 / 120.0)));
    __m256d p67 = _mm256_add_pd(V_SET(1.0 / 720.0), _mm256_mul_pd(r, V_SET(1.0 / 5040.0)));
    __m256d p89 = _mm256_add_pd(V_SET(1.0 / 40320.0), _mm256_mul_pd(r, V_SET(1.0 / 362880.0)));
    __m256d p1011 = _mm256_add_pd(V_SET(1.0 / 3628800.0), _mm256_mul_pd(r, V_SET(1.0 / 39916800.0)));
    __m256d q0 = _mm256_add_pd(p01, _mm256_mul_pd(r2, p23));
    __m256d q1 = _mm256_add_pd(p45, _mm256_mul_pd(r2, p67));
    __m256d q2 = _mm256_add_pd(p89, _mm256_mul_pd(r2, p1011));
    __m256d p = _mm256_add_pd(_mm256_add_pd(q0, _mm256_mul_pd(r4, q1)),
                              _mm256_mul_pd(r8, _mm256_add_pd(q2, _mm256_mul_pd(r4, V_SET(1.0 / 479001600.0)))));
    __m256i eb = _mm256_slli_epi64(_mm256_add_epi64(_mm256_sub_epi64(kb,
                     _mm256_set1_epi64x((int64_t) 0x4338000000000000LL)), _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(eb));
}

/* Loop-invariant constants of the vector pass. */
typedef struct {
    __m256d i0, ispk, gain, th, k, skip, max_dlog, tol, dt, dt4, ireset, zero;
} dyn_vconst;

/* The pass for four neurons in three stages (the sigmoid's exponential and the divisions;
 * the derivatives; the step and its tests), so that a block of neurons can run stage by stage:
 * short loop bodies whose independent iterations overlap in the out-of-order window, where one
 * long body per neuron group is bound by its dependency chain. Scratch: one vector per group. */
typedef struct {
    __m256d sg, invD, q;
} dyn_vs1;

typedef struct {
    __m256d F, J, Fyy, Fyyy;
} dyn_vs2;

/* The sigmoid is evaluated in every lane. Below pfb_skip its value does not matter (I_pfb = +0,
 * and then so are its derivatives for any finite sg in [0, 1]), but on the benchmark board only
 * 19 % of the lanes and 0.6 % of the vectors are there (200 µs and 1 ms alike), and taking the
 * exponential on packed vectors of the other lanes cost more than it saved. */
static inline __attribute__((always_inline)) void dyn_v_stage1(ptrdiff_t i, const dyn_vconst *C,
        const double *restrict imem, const double *restrict igain,
        const double *restrict tau_mem, const double *restrict ifnmda, int has_nmda,
        dyn_vs1 *out)
{
    const __m256d one = V_SET(1.0);
    __m256d im = _mm256_loadu_pd(imem + i);
    out->q = has_nmda ? _mm256_div_pd(one, _mm256_add_pd(im, _mm256_loadu_pd(ifnmda + i)))
                      : _mm256_setzero_pd();
    __m256d e = dyn_exp_v(_mm256_mul_pd(_mm256_xor_pd(_mm256_sub_pd(im, C->th), V_SET(-0.0)), C->k));
    out->sg = _mm256_div_pd(one, _mm256_add_pd(one, e));
    out->invD = _mm256_div_pd(one, _mm256_mul_pd(_mm256_loadu_pd(tau_mem + i),
                                                 _mm256_add_pd(im, _mm256_loadu_pd(igain + i))));
}

static inline __attribute__((always_inline)) void dyn_v_stage2(ptrdiff_t i, const dyn_vconst *C,
        const double *restrict imem,
        const double *restrict a0, const double *restrict a1, const double *restrict a2,
        const double *restrict a3, const double *restrict a4,
        const double *restrict itau, const double *restrict alpha,
        const double *restrict inv_itau, const double *restrict tau_mem,
        const double *restrict idc, const double *restrict ifnmda, int has_nmda,
        const dyn_vs1 *in, dyn_vs2 *out)
{
    const __m256d one = V_SET(1.0), two = V_SET(2.0), three = V_SET(3.0);
    __m256d im = _mm256_loadu_pd(imem + i);
    __m256d iexc = _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(idc + i), _mm256_loadu_pd(a0 + i)),
                                 _mm256_loadu_pd(a3 + i));
    __m256d ileak = _mm256_add_pd(_mm256_add_pd(_mm256_loadu_pd(itau + i), _mm256_loadu_pd(a4 + i)),
                                  _mm256_loadu_pd(a2 + i));
    __m256d al = _mm256_loadu_pd(alpha + i), iit = _mm256_loadu_pd(inv_itau + i);
    __m256d taum = _mm256_loadu_pd(tau_mem + i);
    /* dyn_slope */
    __m256d iin = iexc, din = C->zero, d2in = C->zero, d3in = C->zero;
    if (has_nmda) {
        __m256d inmda = _mm256_loadu_pd(a1 + i), ifn = _mm256_loadu_pd(ifnmda + i);
        __m256d q = in->q;
        iin = _mm256_add_pd(iexc, _mm256_mul_pd(_mm256_mul_pd(inmda, im), q));
        din = _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(inmda, ifn), q), q);
        d2in = _mm256_mul_pd(_mm256_mul_pd(V_SET(-2.0), din), q);
        d3in = _mm256_mul_pd(_mm256_mul_pd(V_SET(-3.0), d2in), q);
    }
    const __m256d k = C->k;
    __m256d sg = in->sg;
    __m256d pfb = V_SEL(V_GT(im, C->skip), _mm256_mul_pd(C->gain, sg), C->zero);
    __m256d oms = _mm256_sub_pd(one, sg);
    __m256d om2s = _mm256_sub_pd(one, _mm256_mul_pd(two, sg));
    __m256d dsg = _mm256_mul_pd(_mm256_mul_pd(sg, oms), k);
    __m256d dpfb = _mm256_mul_pd(_mm256_mul_pd(pfb, oms), k);
    __m256d d2pfb = _mm256_mul_pd(_mm256_mul_pd(dpfb, om2s), k);
    __m256d d3pfb = _mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(d2pfb, om2s),
                                                _mm256_mul_pd(_mm256_mul_pd(two, dpfb), dsg)), k);
    __m256d isig = _mm256_sub_pd(ileak, pfb);
    __m256d isig0 = _mm256_sub_pd(isig, C->i0);
    __m256d N = _mm256_sub_pd(_mm256_mul_pd(al, _mm256_sub_pd(iin, isig)),
                              _mm256_mul_pd(_mm256_mul_pd(isig0, im), iit));
    __m256d dN = _mm256_add_pd(_mm256_mul_pd(al, _mm256_add_pd(din, dpfb)),
                               _mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(dpfb, im), isig0), iit));
    __m256d d2N = _mm256_add_pd(_mm256_mul_pd(al, _mm256_add_pd(d2in, d2pfb)),
                                _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(d2pfb, im),
                                                            _mm256_mul_pd(two, dpfb)), iit));
    __m256d d3N = _mm256_add_pd(_mm256_mul_pd(al, _mm256_add_pd(d3in, d3pfb)),
                                _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(d3pfb, im),
                                                            _mm256_mul_pd(three, d2pfb)), iit));
    __m256d invD = in->invD;
    __m256d f = _mm256_mul_pd(N, invD);
    __m256d f1 = _mm256_mul_pd(_mm256_sub_pd(dN, _mm256_mul_pd(f, taum)), invD);
    __m256d f2 = _mm256_mul_pd(_mm256_sub_pd(d2N, _mm256_mul_pd(_mm256_mul_pd(two, f1), taum)), invD);
    __m256d f3 = _mm256_mul_pd(_mm256_sub_pd(d3N, _mm256_mul_pd(_mm256_mul_pd(three, f2), taum)), invD);
    __m256d im2 = _mm256_mul_pd(im, im);
    __m256d J = _mm256_mul_pd(im, f1);
    out->F = f;
    out->J = J;
    out->Fyy = _mm256_add_pd(J, _mm256_mul_pd(im2, f2));
    out->Fyyy = _mm256_add_pd(_mm256_add_pd(J, _mm256_mul_pd(_mm256_mul_pd(three, im2), f2)),
                              _mm256_mul_pd(_mm256_mul_pd(im2, im), f3));
}

/* dyn_step_error, four lanes: the same operations in the same order. */
static inline __m256d dyn_step_error_v(__m256d F, __m256d J, __m256d Fyy, __m256d Fyyy)
{
    return _mm256_mul_pd(V_ABS(_mm256_add_pd(
               _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(Fyyy, F), F), F),
               _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(V_SET(4.0), Fyy), J), F), F))),
               V_SET(1.0 / 24.0));
}

/* φ1(z) and e^x by their series (dyn_phi1_series, dyn_exp_series), and Δy of the step over h
 * (dyn_step, h3 = (h·h)·h, capped at 50 as the scalar path caps it), four lanes. */
static inline __m256d dyn_phi1_series_v(__m256d z)
{
    return _mm256_add_pd(V_SET(1.0), _mm256_mul_pd(z, _mm256_add_pd(V_SET(0.5), _mm256_mul_pd(z,
               _mm256_add_pd(V_SET(1.0 / 6.0), _mm256_mul_pd(z, V_SET(1.0 / 24.0)))))));
}

static inline __m256d dyn_exp_series_v(__m256d x)
{
    const __m256d one = V_SET(1.0);
    return _mm256_add_pd(one, _mm256_mul_pd(x, _mm256_add_pd(one, _mm256_mul_pd(x,
               _mm256_add_pd(V_SET(0.5), _mm256_mul_pd(x, _mm256_add_pd(V_SET(1.0 / 6.0),
               _mm256_mul_pd(x, _mm256_add_pd(V_SET(1.0 / 24.0),
               _mm256_mul_pd(x, V_SET(1.0 / 120.0)))))))))));
}

static inline __m256d dyn_step_v(__m256d F, __m256d Fyy, __m256d phi, __m256d h, __m256d h3)
{
    __m256d FF = _mm256_mul_pd(_mm256_mul_pd(Fyy, F), F);
    __m256d dy = _mm256_add_pd(_mm256_mul_pd(_mm256_mul_pd(h, F), phi),
                               _mm256_mul_pd(_mm256_mul_pd(FF, h3), V_SET(1.0 / 6.0)));
    return V_MIN(V_SET(50.0), dy);
}

#define DYN_VBLOCK 32   /* groups of four lanes per block of the vector rounds (≤ DYN_PASS_BLOCK:
                           the rounds share dyn_growth_packed's buffers) */
#define DYN_PASS_BLOCK 32   /* groups of four neurons per block of the single-step pass */

/* Appends the lanes 4v + b set in mask (a movemask) to idx[0 … n − 1], in increasing order:
 * one store of four indices from a table of the 16 masks (idx has room for n + 4 entries);
 * returns the new n. */
static inline int dyn_pack_lanes(int v, int mask, int32_t *restrict idx, int n)
{
    static const int32_t lanes[16][4] __attribute__((aligned(16))) = {
    {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {2, 0, 0, 0}, {0, 2, 0, 0}, {1, 2, 0, 0}, {0, 1, 2, 0},
    {3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0}, {2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3}};
    __m128i l = _mm_add_epi32(_mm_load_si128((const __m128i *) lanes[mask]), _mm_set1_epi32(4 * v));
    _mm_storeu_si128((__m128i *) (idx + n), l);
    return n + __builtin_popcount(mask);
}

/* The same for the flagged list: appends the neurons k + b set in mask to list[0 … n − 1]
 * (writes list[n … n + 3]; n ≤ k in the pass, so within its n entries). */
static inline int64_t dyn_pack_list(ptrdiff_t k, int mask, int64_t *restrict list, int64_t n)
{
    int32_t l[4];
    dyn_pack_lanes(0, mask, l, 0);
    __m256i v = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *) l)),
                                 _mm256_set1_epi64x((int64_t) k));
    _mm256_storeu_si256((__m256i *) (list + n), v);
    return n + __builtin_popcount(mask);
}

/* out[idx[j]] = e^{x[idx[j]]} (phi = 0) or (e^x − 1)/x (phi = 1, dyn_phi1 outside its series
 * domain) for j < n, four packed lanes per vector by dyn_exp_v; idx has room for n + 4 entries
 * (the last vector is padded with copies of the last lane, which get the same value). */
static inline __attribute__((always_inline)) void dyn_exp_packed(const double *restrict x,
        double *restrict out, int32_t *restrict idx, int n, int phi)
{
    if (n == 0)
        return;
    for (int b = 0; b < 4; b++)
        idx[n + b] = idx[n - 1];
    for (int j = 0; j < n; j += 4) {
        __m256d xv = _mm256_set_pd(x[idx[j + 3]], x[idx[j + 2]], x[idx[j + 1]], x[idx[j]]);
        __m256d r = dyn_exp_v(xv);
        if (phi)
            r = _mm256_div_pd(_mm256_sub_pd(r, V_SET(1.0)), xv);
        double o[4];
        _mm256_storeu_pd(o, r);
        for (int b = 0; b < 4; b++)
            out[idx[j + b]] = o[b];
    }
}

_Static_assert(DYN_VBLOCK <= DYN_PASS_BLOCK, "the rounds' blocks fit dyn_growth_packed");

/* e^{Δy} of the step over h for nv ≤ DYN_PASS_BLOCK groups into gb (four lanes per group):
 * Δy = dyn_step(h, F, F_yy, dyn_phi1(z)) with z = J h, z and Δy capped at 50, e^{Δy} by
 * dyn_expx: the scalar path's operations in the same order (series inside |·| < 0.05,
 * dyn_exp_v outside). h is hv[v] (per_group) or hv[0]. The exponentials outside the series'
 * domain are taken on packed vectors of the lanes that need them (dyn_exp_packed), not on every
 * vector with one such lane: on the benchmark board at 200 µs 17 % and 24 % of the single-step
 * pass's lanes need them, but 51 % and 65 % of the vectors hold such a lane (and a branch on
 * them is unpredictable); at 1 ms 87 % and 49 % of the lanes. */
static inline __attribute__((always_inline)) void dyn_growth_packed(int nv, const dyn_vs2 *in,
        const __m256d *hv, int per_group, double *restrict gb)
{
    const __m256d dom = V_SET(0.05);
    double xb[4 * DYN_PASS_BLOCK];                   /* z, then Δy */
    int32_t idx[4 * DYN_PASS_BLOCK + 4];
    int np = 0;
    for (int v = 0; v < nv; v++) {                  /* z = J h and φ1(z) by its series */
        __m256d z = V_MIN(V_SET(50.0), _mm256_mul_pd(in[v].J, hv[per_group ? v : 0]));
        _mm256_storeu_pd(xb + 4 * v, z);
        _mm256_storeu_pd(gb + 4 * v, dyn_phi1_series_v(z));
        np = dyn_pack_lanes(v, _mm256_movemask_pd(V_GE(V_ABS(z), dom)), idx, np);
    }
    dyn_exp_packed(xb, gb, idx, np, 1);
    np = 0;
    for (int v = 0; v < nv; v++) {                  /* Δy and e^{Δy} by its series */
        __m256d h = hv[per_group ? v : 0], h3 = _mm256_mul_pd(_mm256_mul_pd(h, h), h);
        __m256d dy = dyn_step_v(in[v].F, in[v].Fyy, _mm256_loadu_pd(gb + 4 * v), h, h3);
        _mm256_storeu_pd(xb + 4 * v, dy);
        _mm256_storeu_pd(gb + 4 * v, dyn_exp_series_v(dy));
        np = dyn_pack_lanes(v, _mm256_movemask_pd(V_GE(V_ABS(dy), dom)), idx, np);
    }
    dyn_exp_packed(xb, gb, idx, np, 0);
}

/* Stage 3 for the nv ≤ DYN_PASS_BLOCK groups of a block from neuron i: the step over dt
 * (dyn_growth_packed), its tests and the stores (with stage 1's sg, 1/D, q of the flagged
 * lanes, s1). */
static inline __attribute__((always_inline)) void dyn_v_stage3(ptrdiff_t i, int nv,
        const dyn_vconst *C, double *restrict imem, double *restrict ref_rem,
        int64_t *restrict flag, double *restrict sv, const dyn_vs1 *s1, const dyn_vs2 *in,
        int *n_hold, int *n_ok, int64_t *restrict list, int64_t *nl)
{
    const __m256d dt = C->dt;
    double gb[4 * DYN_PASS_BLOCK];                  /* e^{Δy} */
    dyn_growth_packed(nv, in, &dt, 0, gb);
    for (int v = 0; v < nv; v++) {                  /* I_mem e^{Δy}, the tests, the stores */
        ptrdiff_t k = i + 4 * v;
        __m256d im = _mm256_loadu_pd(imem + k), rr = _mm256_loadu_pd(ref_rem + k);
        __m256d F = in[v].F, J = in[v].J, Fyy = in[v].Fyy, Fyyy = in[v].Fyyy;
        __m256d inew = V_MAX(C->i0, _mm256_mul_pd(im, _mm256_loadu_pd(gb + 4 * v)));
        __m256d err = dyn_step_error_v(F, J, Fyy, Fyyy);
        __m256d hold = V_GE(rr, dt);
        __m256d ok = _mm256_and_pd(_mm256_and_pd(V_LE(rr, C->zero),
                         V_LE(_mm256_mul_pd(err, C->dt4), C->tol)),
                         _mm256_and_pd(V_LE(_mm256_mul_pd(V_ABS(F), dt), C->max_dlog),
                                       V_LT(inew, C->ispk)));
        _mm256_storeu_pd(imem + k, V_SEL(hold, C->ireset, V_SEL(ok, inew, im)));
        _mm256_storeu_pd(ref_rem + k, V_SEL(hold, _mm256_sub_pd(rr, dt), rr));
        __m256i fl = _mm256_andnot_si256(_mm256_castpd_si256(_mm256_or_pd(hold, ok)),
                                         _mm256_set1_epi64x(1));
        _mm256_storeu_si256((__m256i *) (flag + k), fl);
        int done = _mm256_movemask_pd(_mm256_or_pd(hold, ok));
        if (done != 15) {                                      /* some lane flagged */
            _mm256_storeu_pd(sv + 8 * k, F);
            _mm256_storeu_pd(sv + 8 * k + 4, J);
            _mm256_storeu_pd(sv + 8 * k + 8, Fyy);
            _mm256_storeu_pd(sv + 8 * k + 12, Fyyy);
            _mm256_storeu_pd(sv + 8 * k + 16, s1[v].sg);
            _mm256_storeu_pd(sv + 8 * k + 20, s1[v].invD);
            _mm256_storeu_pd(sv + 8 * k + 24, s1[v].q);
            *nl = dyn_pack_list(k, done ^ 15, list, *nl);
        }
        *n_hold += __builtin_popcount(_mm256_movemask_pd(hold));
        *n_ok += __builtin_popcount(_mm256_movemask_pd(_mm256_andnot_pd(hold, ok)));
    }
}

/* The three stages for the nv ≤ DYN_PASS_BLOCK groups of a block from neuron i. */
static inline __attribute__((always_inline)) void dyn_v_block(ptrdiff_t i, int nv,
        const dyn_vconst *C, double *restrict imem, double *restrict ref_rem,
        int64_t *restrict flag, double *restrict slope,
        const double *restrict a0, const double *restrict a1, const double *restrict a2,
        const double *restrict a3, const double *restrict a4,
        const double *restrict itau, const double *restrict alpha,
        const double *restrict inv_itau, const double *restrict igain,
        const double *restrict tau_mem, const double *restrict idc,
        const double *restrict ifnmda, int has_nmda, int *n_hold, int *n_ok,
        int64_t *restrict list, int64_t *nl)
{
    dyn_vs1 s1[DYN_PASS_BLOCK];
    dyn_vs2 s2[DYN_PASS_BLOCK];
    for (int v = 0; v < nv; v++)
        dyn_v_stage1(i + 4 * v, C, imem, igain, tau_mem, ifnmda, has_nmda, &s1[v]);
    for (int v = 0; v < nv; v++)
        dyn_v_stage2(i + 4 * v, C, imem, a0, a1, a2, a3, a4, itau, alpha, inv_itau, tau_mem,
                     idc, ifnmda, has_nmda, &s1[v], &s2[v]);
    dyn_v_stage3(i, nv, C, imem, ref_rem, flag, slope, s1, s2, n_hold, n_ok, list, nl);
}

/* The smallest m ≥ 1 (≤ 4096) with m⁴ ≥ x and m ≥ y, four lanes at once: the sub-step count of
 * _substep in _kernel.pyx (the same m: the test is monotone in m, and the count starts from
 * ⌊max(x^¼, y)⌋ and moves by ones to the first m that passes, with the same comparisons).
 * A NaN estimate starts from 1 (max_pd returns its second operand on NaN). */
static inline __m256d dyn_substeps_v(__m256d x, __m256d y)
{
    const __m256d one = V_SET(1.0), cap = V_SET(4096.0);
    __m256d t = _mm256_max_pd(_mm256_sqrt_pd(_mm256_sqrt_pd(x)), y);
    __m256d m = _mm256_floor_pd(_mm256_min_pd(_mm256_max_pd(t, one), cap));
    for (;;) {      /* down while m − 1 is long enough */
        __m256d d = _mm256_sub_pd(m, one), d2 = _mm256_mul_pd(d, d);
        __m256d ok = _mm256_andnot_pd(_mm256_or_pd(V_LT(_mm256_mul_pd(d2, d2), x), V_LT(d, y)),
                                      V_GT(m, one));
        if (!_mm256_movemask_pd(ok))
            break;
        m = V_SEL(ok, d, m);
    }
    for (;;) {      /* up while m is too long */
        __m256d m2 = _mm256_mul_pd(m, m);
        __m256d up = _mm256_and_pd(_mm256_or_pd(V_LT(_mm256_mul_pd(m2, m2), x), V_LT(m, y)),
                                   V_LT(m, cap));
        if (!_mm256_movemask_pd(up))
            break;
        m = V_SEL(up, _mm256_add_pd(m, one), m);
    }
    return m;
}

/* dyn_sub_phi1_series, four lanes (a + x·b by V_MA: the same operations). */
static inline __m256d dyn_sub_phi1_series_v(__m256d z)
{
    __m256d p = V_MA(V_SET(1.0 / 720.0), z, V_SET(1.0 / 5040.0));
    p = V_MA(V_SET(1.0 / 120.0), z, p);
    p = V_MA(V_SET(1.0 / 24.0), z, p);
    p = V_MA(V_SET(1.0 / 6.0), z, p);
    p = V_MA(V_SET(0.5), z, p);
    return V_MA(V_SET(1.0), z, p);
}

/* dyn_sub_mean, four lanes per vector, for sub-intervals shorter than the step (the rounds never
 * take a whole step: their first sub-step comes from the single-step pass): the five means of
 * the groups v = vs[0 … nvs − 1] of a block (lanes k0 + 4 v …, each over
 * [dt − rem, dt − rem + h] with its remv[v], hv[v]) into the lanes' a0 … a4 (la, the inputs
 * dyn_v_stage2 reads), from the lanes' fits (fit: rows A, C, D, 1/t_on, k = 1/τ of circuit c at
 * fit + 5 c fs, stride fs, in lane order: contiguous loads). The same operations in the same
 * order, group by group: 1/h, rem − h and dt − rem once per group (the same operations in every
 * circuit), e^x and φ1(z)
 * by their series, dyn_exp_v on the group in the rare group with a lane of C ≠ 0 outside the
 * series' domain (on the benchmark board, a few hundred of 10⁷ lanes at 1 ms), the C term
 * skipped in groups without C ≠ 0 and the D term in groups without D ≠ 0. Circuits idle on the
 * whole part (bit c of cmask clear): 0, their mean. */
static inline __attribute__((always_inline)) void dyn_sub_inputs_blk(ptrdiff_t k0,
        const int *vs, int nvs, const __m256d *remv, const __m256d *hv, double *const *la,
        const double *fit, ptrdiff_t fs, int cmask, __m256d dt)
{
    const __m256d zero = _mm256_setzero_pd(), one = V_SET(1.0), dom = V_SET(DYN_SUB_SERIES);
    __m256d ihb[DYN_VBLOCK], rmh[DYN_VBLOCK], dmr[DYN_VBLOCK];
    for (int w = 0; w < nvs; w++) {         /* 1/h, rem − h, dt − rem: the same in each circuit */
        ihb[w] = _mm256_div_pd(one, hv[vs[w]]);
        rmh[w] = _mm256_sub_pd(remv[vs[w]], hv[vs[w]]);
        dmr[w] = _mm256_sub_pd(dt, remv[vs[w]]);
    }
    for (int c = 0; c < 5; c++) {
        double *out = la[c];
        if (!((cmask >> c) & 1)) {
            for (int w = 0; w < nvs; w++)
                _mm256_storeu_pd(out + k0 + 4 * vs[w], zero);
            continue;
        }
        const double *f = fit + 5 * c * fs;
        for (int w = 0; w < nvs; w++) {         /* A + C e^x φ1(z), then + the D term */
            ptrdiff_t k = k0 + 4 * vs[w];
            __m256d h = hv[vs[w]];
            __m256d A = _mm256_loadu_pd(f + k), C = _mm256_loadu_pd(f + fs + k);
            __m256d D = _mm256_loadu_pd(f + 2 * fs + k);
            __m256d con = _mm256_cmp_pd(C, zero, _CMP_NEQ_UQ);
            int mc = _mm256_movemask_pd(con);
            __m256d m = A;
            if (mc) {
                __m256d kk = _mm256_loadu_pd(f + 4 * fs + k);
                __m256d x = _mm256_mul_pd(rmh[w], kk), z = _mm256_mul_pd(h, kk);
                __m256d e = V_MA(one, x, dyn_sub_phi1_series_v(x));
                __m256d p = dyn_sub_phi1_series_v(z);
                __m256d xo = V_GE(x, dom), zo = V_GE(z, dom);
                if (__builtin_expect(mc & _mm256_movemask_pd(_mm256_or_pd(xo, zo)), 0)) {
                    e = V_SEL(xo, dyn_exp_v(x), e);
                    p = V_SEL(zo, _mm256_div_pd(_mm256_sub_pd(dyn_exp_v(z), one), z), p);
                }
                m = V_SEL(con, _mm256_add_pd(A, _mm256_mul_pd(C, _mm256_mul_pd(e, p))), A);
            }
            __m256d don = _mm256_cmp_pd(D, zero, _CMP_NEQ_UQ);
            if (_mm256_movemask_pd(don)) {
                __m256d iton = _mm256_loadu_pd(f + 3 * fs + k);
                __m256d u1 = _mm256_mul_pd(dmr[w], iton);
                __m256d u2 = _mm256_add_pd(u1, _mm256_mul_pd(h, iton));
                __m256d v1 = _mm256_sub_pd(one, V_SEL(V_LT(u1, one), u1, one));
                __m256d v2 = _mm256_sub_pd(one, V_SEL(V_LT(u2, one), u2, one));
                m = V_SEL(don, _mm256_add_pd(m, _mm256_mul_pd(D, _mm256_mul_pd(
                        _mm256_sub_pd(_mm256_mul_pd(v1, v1), _mm256_mul_pd(v2, v2)), ihb[w]))), m);
            }
            _mm256_storeu_pd(out + k, m);
        }
    }
}

/* dyn_input_fit for four circuits at once: the same operations, the branches as selects (the
 * square root and the division are taken in every lane, their results kept where the scalar
 * function takes them). a: step means, iend: currents at the step's end, g, ig1, idec: the
 * circuits' dyn_fit_consts, on: the pulse on at the step's end; out: A, C, D, 1/t_on. */
static inline void dyn_input_fit_v(__m256d a, __m256d iend, __m256d g, __m256d ig1,
                                   __m256d idec, __m256d iinf, __m256d k, __m256d on,
                                   __m256d dt, __m256d idt, __m256d *out)
{
    const __m256d zero = _mm256_setzero_pd();
    __m256d idle = _mm256_and_pd(_mm256_cmp_pd(a, zero, _CMP_EQ_OQ),
                                 _mm256_cmp_pd(iend, zero, _CMP_EQ_OQ));
    __m256d c = _mm256_mul_pd(_mm256_sub_pd(a, iend), ig1);
    __m256d ig = _mm256_mul_pd(iend, g);
    __m256d d = _mm256_mul_pd(dt, _mm256_sub_pd(a, ig));
    __m256d pul = V_GT(V_ABS(d), _mm256_mul_pd(_mm256_mul_pd(V_SET(1e-9), V_ABS(ig)), dt));
    __m256d it = _mm256_sqrt_pd(V_ABS(_mm256_div_pd(
                     _mm256_mul_pd(_mm256_sub_pd(iinf, _mm256_mul_pd(iend, idec)), k),
                     _mm256_mul_pd(V_SET(2.0), d))));
    __m256d itok = _mm256_and_pd(V_GE(it, idt), V_LT(it, V_SET(INFINITY)));
    __m256d onf = _mm256_andnot_pd(idle, on);                   /* the pulsed form */
    __m256d dec = _mm256_andnot_pd(_mm256_or_pd(idle, on), pul); /* the decay with a rise */
    out[0] = V_SEL(onf, _mm256_sub_pd(iend, c), zero);
    out[1] = V_SEL(onf, c, iend);
    out[2] = V_SEL(dec, d, zero);
    out[3] = V_SEL(_mm256_and_pd(dec, itok), it, idt);
}
#endif

/* Lanes of the multi-sub-step pass: the neurons the single-step pass flagged that are not
 * leaving their refractory period, packed (index k), with their membrane constants, their state
 * within the step (I_mem, the time done, the last sub-step, the sub-steps taken), for the first
 * sub-step the single-step pass's F, J, F_yy, F_yyy and its stage 1 (sg, 1/D, q), and the fits
 * of their synaptic currents (fit: rows A, C, D, 1/t_on, 1/τ of circuit c at rows 5 c … 5 c + 4,
 * DYN_FIT_ROWS rows, stride: the arrays' size); a0 … a4 receive each round's sub-interval means.
 * Each array has room for the part's neurons plus 4. */
typedef struct {
    double *im, *td, *a0, *a1, *a2, *a3, *a4, *idc, *itau, *alpha, *inv_itau, *igain, *tau_mem,
           *ifnmda, *F, *J, *Fyy, *Fyyy, *sg, *invD, *q, *h, *fit;
    int64_t *m, *idx;
} dyn_lanes;

#define DYN_FIT_ROWS 25
#define DYN_LANE_ARRAYS (24 + DYN_FIT_ROWS)     /* arrays of dyn_lanes, for the caller's allocation */

#if defined(__AVX2__)
/* The lanes 0 … nf − 1 set up from their neurons (idx, padded to a multiple of 4 with copies of
 * a neuron; the padding lanes are set up too): the constants, I_mem, the state within the step,
 * the single-step pass's slope and stage 1, and the fits (dyn_input_fit_v) of the circuits in
 * cmask (idle circuits without a fit). The neurons' values are copied one by one (scalar loads
 * of scattered neurons cost less than gathers); a fit's inputs are loaded by neuron index
 * straight into vectors of four lanes (no copy through the lane arrays: at 200 µs on the
 * benchmark board the rounds ~7 % faster), and its rows A, C, D, 1/t_on and 1/τ stored. The
 * arguments as dyn_membrane_substeps's. */
static inline __attribute__((always_inline)) void dyn_lanes_setup(ptrdiff_t nf, dyn_lanes *L,
        ptrdiff_t fs, double dt, const double *restrict imem, const double *restrict slope,
        const double *const *av, const double *restrict itau, const double *restrict alpha,
        const double *restrict inv_itau, const double *restrict igain,
        const double *restrict tau_mem, const double *restrict idc,
        const double *restrict ifnmda, const double *restrict isyn,
        const double *restrict fitc, const double *restrict inv_tau,
        const double *restrict iinf, const double *restrict prem, ptrdiff_t n_tot, int cmask)
{
    const __m256d zero = _mm256_setzero_pd(), vdt = V_SET(dt), idt = V_SET(1.0 / dt);
    const ptrdiff_t np = (nf + 3) & ~(ptrdiff_t) 3;
    for (ptrdiff_t k = 0; k < np; k++) {
        ptrdiff_t i = L->idx[k];
        const double *sv = slope + 8 * (i & ~(ptrdiff_t) 3) + (i & 3);
        L->im[k] = imem[i];
        L->idc[k] = idc[i]; L->itau[k] = itau[i]; L->alpha[k] = alpha[i];
        L->inv_itau[k] = inv_itau[i]; L->igain[k] = igain[i]; L->tau_mem[k] = tau_mem[i];
        L->ifnmda[k] = ifnmda[i];
        L->F[k] = sv[0]; L->J[k] = sv[4]; L->Fyy[k] = sv[8]; L->Fyyy[k] = sv[12];
        L->sg[k] = sv[16]; L->invD[k] = sv[20]; L->q[k] = sv[24];
    }
    for (ptrdiff_t k = 0; k < np; k += 4) {
        _mm256_storeu_pd(L->td + k, zero);
        _mm256_storeu_pd(L->h + k, vdt);
        _mm256_storeu_si256((__m256i *) (L->m + k), _mm256_setzero_si256());
    }
    for (int c = 0; c < 5; c++) {
        if (!((cmask >> c) & 1))
            continue;
        double *fr = L->fit + 5 * c * fs;
        const double *ac = av[c], *is = isyn + c * n_tot, *ii = iinf + c * n_tot;
        const double *pr = prem + c * n_tot, *kt = inv_tau + c * n_tot;
        const double *gc = fitc + 3 * c * n_tot;
        for (ptrdiff_t k = 0; k < np; k += 4) {
            const ptrdiff_t i0 = L->idx[k], i1 = L->idx[k + 1], i2 = L->idx[k + 2];
            const ptrdiff_t i3 = L->idx[k + 3];
#define DYN_LANES4(x) _mm256_set_pd((x)[i3], (x)[i2], (x)[i1], (x)[i0])
#define DYN_LANES4G(q) _mm256_set_pd(gc[3 * i3 + q], gc[3 * i2 + q], gc[3 * i1 + q], gc[3 * i0 + q])
            __m256d f[4], kk = DYN_LANES4(kt);
            dyn_input_fit_v(DYN_LANES4(ac), DYN_LANES4(is), DYN_LANES4G(0), DYN_LANES4G(1),
                            DYN_LANES4G(2), DYN_LANES4(ii), kk, V_GT(DYN_LANES4(pr), zero), vdt,
                            idt, f);
#undef DYN_LANES4
#undef DYN_LANES4G
            for (int q = 0; q < 4; q++)
                _mm256_storeu_pd(fr + q * fs + k, f[q]);
            _mm256_storeu_pd(fr + 4 * fs + k, kk);
        }
    }
}

/* Moves the lanes of v set in mask (a movemask) to the front of the vector, in order (the
 * others follow, unspecified): the in-place packing of the lane arrays between rounds. */
static inline __m256i dyn_pack_perm(int mask)
{
    static const int32_t perm[16][8] __attribute__((aligned(32))) = {
    {0, 1, 0, 1, 0, 1, 0, 1}, {0, 1, 0, 1, 0, 1, 0, 1}, {2, 3, 0, 1, 0, 1, 0, 1},
    {0, 1, 2, 3, 0, 1, 0, 1}, {4, 5, 0, 1, 0, 1, 0, 1}, {0, 1, 4, 5, 0, 1, 0, 1},
    {2, 3, 4, 5, 0, 1, 0, 1}, {0, 1, 2, 3, 4, 5, 0, 1}, {6, 7, 0, 1, 0, 1, 0, 1},
    {0, 1, 6, 7, 0, 1, 0, 1}, {2, 3, 6, 7, 0, 1, 0, 1}, {0, 1, 2, 3, 6, 7, 0, 1},
    {4, 5, 6, 7, 0, 1, 0, 1}, {0, 1, 4, 5, 6, 7, 0, 1}, {2, 3, 4, 5, 6, 7, 0, 1},
    {0, 1, 2, 3, 4, 5, 6, 7}};
    return _mm256_load_si256((const __m256i *) perm[mask]);
}

static inline void dyn_pack_pd(double *x, ptrdiff_t k, ptrdiff_t q, __m256i perm)
{
    __m256 v = _mm256_castpd_ps(_mm256_loadu_pd(x + k));
    _mm256_storeu_pd(x + q, _mm256_castps_pd(_mm256_permutevar8x32_ps(v, perm)));
}
#endif

/* The split steps in vector rounds: every flagged neuron (list[0 … n_list − 1], from
 * dyn_membrane_pass) that is not leaving its refractory period takes its sub-steps here, four
 * lanes per vector, one sub-step per round, exactly as the scalar path of _kernel.pyx takes
 * them, with the same functions in the same order (the same numbers: the scalar path's loop,
 * run in lanes). Each sub-step: the synaptic inputs are the means over [t, t + h_g] of the
 * currents fitted by dyn_input_fit (dyn_input_fit_v, once per lane when it is set up), h_g the
 * last sub-step (at most what remains; the first sub-step, over the whole step, starts from the
 * single-step pass's F, J, F_yy, F_yyy); its length h comes from the error bound there
 * (_substep); where h ≠ h_g (beyond rounding), the inputs and the slope again over [t, t + h],
 * by stage 2 only (stage 1 depends on I_mem only: the round's, or for the first sub-step the
 * single-step pass's). A lane whose step ends is written back (flag cleared). A lane that
 * reaches I_spk is left to the scalar path, which locates the spike: after its first sub-step
 * with flag[i] = 2 and the state before the sub-step that spikes (I_mem, the time done, the last
 * sub-step, the sub-steps taken) in its slope rows q = 0 … 3 (read no more: the rounds set the
 * lane up from them), from which the scalar path goes on with the same numbers; in its first
 * sub-step, or after max_rounds sub-steps, it is left flagged (1), untouched, and the scalar path
 * redoes its step from the start. The lanes that go on are packed at the end of each block, in place, four at a time
 * (dyn_pack_perm), every lane array with them (the fits of the circuits in cmask included: the
 * rounds read them by contiguous loads). isyn (the currents at the step's end), inv_tau, iinf
 * and prem (the pulse time left) are (5, n_tot) rows from the part's first neuron, fitc its
 * (5, n_tot, 3) dyn_fit_consts; bit c of cmask is clear where circuit c is idle on the whole
 * part (no current, no mean: its means are 0). fs: the size of each lane array (the stride of
 * the fit rows). Adds the neurons finished here and their sub-steps and split steps to *n_int,
 * *n_sub, *n_split. Without AVX2 it does nothing (the scalar path takes every flagged neuron). */
static __attribute__((noinline)) void dyn_membrane_substeps(double dt,
        double *restrict imem, const double *restrict ref_rem, int64_t *restrict flag,
        double *restrict slope, const int64_t *restrict list, ptrdiff_t n_list,
        const double *restrict a0, const double *restrict a1, const double *restrict a2,
        const double *restrict a3, const double *restrict a4,
        const double *restrict itau, const double *restrict alpha,
        const double *restrict inv_itau, const double *restrict igain,
        const double *restrict tau_mem, const double *restrict idc,
        const double *restrict ifnmda, const double *restrict isyn,
        const double *restrict fitc, const double *restrict inv_tau,
        const double *restrict iinf, const double *restrict prem, ptrdiff_t n_tot, int cmask,
        const dyn_membrane *P, int has_nmda, dyn_lanes *L, ptrdiff_t fs,
        int max_rounds, long long *n_int, long long *n_sub, long long *n_split)
{
#if defined(__AVX2__)
    if (max_rounds <= 0)
        return;
    ptrdiff_t nf = 0;
    for (ptrdiff_t r = 0; r < n_list; r++) {    /* the lanes, without a branch per neuron */
        ptrdiff_t i = list[r];
        L->idx[nf] = i;
        nf += ref_rem[i] <= 0.0;
    }
    if (nf == 0)
        return;
    for (ptrdiff_t k = nf; k < ((nf + 3) & ~(ptrdiff_t) 3); k++)   /* pad: a neuron's copy */
        L->idx[k] = L->idx[nf - 1];
    const double *const av[5] = {a0, a1, a2, a3, a4};
    dyn_lanes_setup(nf, L, fs, dt, imem, slope, av, itau, alpha, inv_itau, igain, tau_mem, idc,
                    ifnmda, isyn, fitc, inv_tau, iinf, prem, n_tot, cmask);
    /* the arrays packed between rounds (I_mem, from the round's new values, apart) */
    double *packed[9 + DYN_FIT_ROWS];
    int n_packed = 0;
    packed[n_packed++] = L->td; packed[n_packed++] = L->h; packed[n_packed++] = L->idc;
    packed[n_packed++] = L->itau; packed[n_packed++] = L->alpha;
    packed[n_packed++] = L->inv_itau; packed[n_packed++] = L->igain;
    packed[n_packed++] = L->tau_mem;
    if (has_nmda)                               /* read by stages 1 and 2 only with NMDA */
        packed[n_packed++] = L->ifnmda;
    for (int c = 0; c < 5; c++)
        for (int q = 0; (cmask >> c) & 1 && q < 5; q++)
            packed[n_packed++] = L->fit + (5 * c + q) * fs;
    ptrdiff_t nc = nf;
    __m256i c_int = _mm256_setzero_si256(), c_sub = c_int, c_split = c_int;
    const __m256i one64 = _mm256_set1_epi64x(1), lane4 = _mm256_set_epi64x(3, 2, 1, 0);
    dyn_vconst C;
    C.i0 = V_SET(P->i0); C.ispk = V_SET(P->ispk); C.gain = V_SET(P->pfb_gain);
    C.th = V_SET(P->pfb_th); C.k = V_SET(P->inv_pfb_norm); C.skip = V_SET(P->pfb_skip);
    C.max_dlog = V_SET(P->max_dlog); C.tol = V_SET(P->tol); C.zero = _mm256_setzero_pd();
    const __m256d vdt = V_SET(dt);
    double *const la[5] = {L->a0, L->a1, L->a2, L->a3, L->a4};
    for (int round = 0; nc > 0 && round < max_rounds; round++) {
        if (round > 0) {
            for (ptrdiff_t k = nc; k < ((nc + 3) & ~(ptrdiff_t) 3); k++) {  /* pad: lane 0 */
                L->im[k] = L->im[0]; L->idx[k] = L->idx[0]; L->m[k] = L->m[0];
                for (int a = 0; a < n_packed; a++)
                    packed[a][k] = packed[a][0];
            }
        }
        ptrdiff_t q = 0;                        /* the lanes that go on, packed so far */
        const __m256i vnc = _mm256_set1_epi64x(nc);
        /* blocks of DYN_VBLOCK groups, stage by stage (as dyn_membrane_pass) */
        for (ptrdiff_t k0 = 0; k0 < nc; k0 += 4 * DYN_VBLOCK) {
          int nv = (int) ((nc - k0 + 3) / 4);
          nv = nv > DYN_VBLOCK ? DYN_VBLOCK : nv;
          dyn_vs1 s1[DYN_VBLOCK];
          dyn_vs2 s2[DYN_VBLOCK];
          __m256d hv[DYN_VBLOCK], remv[DYN_VBLOCK];
          int vs[DYN_VBLOCK], nvs = 0;
          for (int v = 0; v < nv; v++) {       /* rem and h_g */
            ptrdiff_t k = k0 + 4 * v;
            __m256d rem = _mm256_sub_pd(vdt, _mm256_loadu_pd(L->td + k));
            __m256d hg = _mm256_loadu_pd(L->h + k);
            remv[v] = rem;
            hv[v] = V_SEL(V_GE(hg, _mm256_mul_pd(rem, V_SET(1.0 - 1e-9))), rem, hg);
            vs[v] = v;
          }
          if (round == 0) {
            for (int v = 0; v < nv; v++) {
                ptrdiff_t k = k0 + 4 * v;
                s2[v].F = _mm256_loadu_pd(L->F + k); s2[v].J = _mm256_loadu_pd(L->J + k);
                s2[v].Fyy = _mm256_loadu_pd(L->Fyy + k); s2[v].Fyyy = _mm256_loadu_pd(L->Fyyy + k);
                s1[v].sg = _mm256_loadu_pd(L->sg + k); s1[v].invD = _mm256_loadu_pd(L->invD + k);
                s1[v].q = _mm256_loadu_pd(L->q + k);
            }
          } else {
            /* inputs over [t, t + h_g] */
            dyn_sub_inputs_blk(k0, vs, nv, remv, hv, la, L->fit, fs, cmask, vdt);
            for (int v = 0; v < nv; v++)
                dyn_v_stage1(k0 + 4 * v, &C, L->im, L->igain, L->tau_mem, L->ifnmda, has_nmda,
                             &s1[v]);
            for (int v = 0; v < nv; v++)
                dyn_v_stage2(k0 + 4 * v, &C, L->im, L->a0, L->a1, L->a2, L->a3, L->a4, L->itau,
                             L->alpha, L->inv_itau, L->tau_mem, L->idc, L->ifnmda, has_nmda,
                             &s1[v], &s2[v]);
          }
          /* the sub-step's h; where h ≠ h_g, the inputs and the slope again over [t, t + h] */
          __m256d hn[DYN_VBLOCK], redo[DYN_VBLOCK];
          nvs = 0;
          for (int v = 0; v < nv; v++) {
            __m256d F = s2[v].F, J = s2[v].J, Fyy = s2[v].Fyy, Fyyy = s2[v].Fyyy;
            __m256d rem = remv[v], hg = hv[v];
            /* _substep: x = E4 rem⁴/tol, y = |F| rem/max_dlog, h = rem/m */
            __m256d E4 = dyn_step_error_v(F, J, Fyy, Fyyy);
            __m256d r2 = _mm256_mul_pd(rem, rem);
            __m256d x = _mm256_div_pd(_mm256_mul_pd(_mm256_mul_pd(E4, r2), r2), C.tol);
            __m256d y = _mm256_div_pd(_mm256_mul_pd(V_ABS(F), rem), C.max_dlog);
            __m256d h = _mm256_div_pd(rem, dyn_substeps_v(x, y));
            h = V_SEL(V_LE(V_ABS(_mm256_sub_pd(h, hg)), _mm256_mul_pd(V_SET(1e-9), hg)), hg, h);
            redo[v] = _mm256_cmp_pd(h, hg, _CMP_NEQ_UQ);
            hn[v] = h;
            vs[nvs] = v;
            nvs += _mm256_movemask_pd(redo[v]) != 0;
          }
          if (nvs > 0)
            dyn_sub_inputs_blk(k0, vs, nvs, remv, hn, la, L->fit, fs, cmask, vdt);
          for (int w = 0; w < nvs; w++) {     /* stage 1 (I_mem only) is s1[v] */
            int v = vs[w];
            dyn_vs2 t2;
            dyn_v_stage2(k0 + 4 * v, &C, L->im, L->a0, L->a1, L->a2, L->a3, L->a4, L->itau,
                         L->alpha, L->inv_itau, L->tau_mem, L->idc, L->ifnmda, has_nmda,
                         &s1[v], &t2);
            s2[v].F = V_SEL(redo[v], t2.F, s2[v].F);
            s2[v].J = V_SEL(redo[v], t2.J, s2[v].J);
            s2[v].Fyy = V_SEL(redo[v], t2.Fyy, s2[v].Fyy);
          }
          /* the step over h (e^{Δy}: gb) */
          double gb[4 * DYN_PASS_BLOCK];
          dyn_growth_packed(nv, s2, hn, 1, gb);
          /* I_mem e^{Δy} and the lane status (a spike: left to the scalar path; the step done:
           * written back; else on), the counters, then the lanes that go on packed to q ≤ k,
           * I_mem, m and the neuron index here, the other arrays one by one after the block's
           * groups (the lanes of the groups after a group are not overwritten) */
          ptrdiff_t qv[DYN_VBLOCK];
          __m256i pv[DYN_VBLOCK];
          for (int v = 0; v < nv; v++) {
            ptrdiff_t k = k0 + 4 * v;
            __m256d inew = _mm256_mul_pd(_mm256_loadu_pd(L->im + k), _mm256_loadu_pd(gb + 4 * v));
            inew = V_SEL(V_LT(inew, C.i0), C.i0, inew);
            __m256i live = _mm256_cmpgt_epi64(vnc, _mm256_add_epi64(lane4, _mm256_set1_epi64x(k)));
            __m256d spk = V_GE(inew, C.ispk), done = V_GE(hn[v], remv[v]);
            __m256i fin = _mm256_andnot_si256(_mm256_castpd_si256(spk),
                                              _mm256_and_si256(_mm256_castpd_si256(done), live));
            __m256i on = _mm256_andnot_si256(_mm256_castpd_si256(_mm256_or_pd(spk, done)), live);
            __m256i m = _mm256_add_epi64(_mm256_loadu_si256((const __m256i *) (L->m + k)), one64);
            c_int = _mm256_sub_epi64(c_int, fin);
            c_sub = _mm256_add_epi64(c_sub, _mm256_and_si256(fin, m));
            c_split = _mm256_sub_epi64(c_split, _mm256_and_si256(fin, _mm256_cmpgt_epi64(m, one64)));
            int fm = _mm256_movemask_pd(_mm256_castsi256_pd(fin));
            if (fm) {                           /* stores only, to the finished lanes' neurons */
                double wi[4];
                _mm256_storeu_pd(wi, inew);
                for (; fm; fm &= fm - 1) {
                    int b = __builtin_ctz(fm);
                    ptrdiff_t i = L->idx[k + b];
                    imem[i] = wi[b];
                    flag[i] = 0;
                }
            }
            int sm = _mm256_movemask_pd(_mm256_and_pd(spk, _mm256_castsi256_pd(live)));
            if (sm) {                           /* a spike: the state before its sub-step */
                for (; sm; sm &= sm - 1) {
                    int b = __builtin_ctz(sm);
                    ptrdiff_t i = L->idx[k + b];
                    if (L->m[k + b] == 0)       /* the first sub-step: redone from the start */
                        continue;
                    double *sv = slope + 8 * (i & ~(ptrdiff_t) 3) + (i & 3);
                    sv[0] = L->im[k + b];
                    sv[4] = L->td[k + b];
                    sv[8] = L->h[k + b];
                    sv[12] = (double) L->m[k + b];
                    flag[i] = 2;
                }
            }
            int om = _mm256_movemask_pd(_mm256_castsi256_pd(on));
            __m256i perm = dyn_pack_perm(om);
            _mm256_storeu_pd(L->td + k, _mm256_add_pd(_mm256_loadu_pd(L->td + k), hn[v]));
            _mm256_storeu_pd(L->h + k, hn[v]);
            _mm256_storeu_pd(L->im + q, _mm256_castps_pd(_mm256_permutevar8x32_ps(
                                 _mm256_castpd_ps(inew), perm)));
            _mm256_storeu_si256((__m256i *) (L->m + q), _mm256_permutevar8x32_epi32(m, perm));
            dyn_pack_pd((double *) L->idx, k, q, perm);
            qv[v] = q;
            pv[v] = perm;
            q += __builtin_popcount(om);
          }
          for (int a = 0; a < n_packed; a++) {
            double *x = packed[a];
            for (int v = 0; v < nv; v++)
                dyn_pack_pd(x, k0 + 4 * v, qv[v], pv[v]);
          }
        }
        nc = q;
    }
    int64_t ci[4], cu[4], cp[4];
    _mm256_storeu_si256((__m256i *) ci, c_int);
    _mm256_storeu_si256((__m256i *) cu, c_sub);
    _mm256_storeu_si256((__m256i *) cp, c_split);
    *n_int += ci[0] + ci[1] + ci[2] + ci[3];
    *n_sub += cu[0] + cu[1] + cu[2] + cu[3];
    *n_split += cp[0] + cp[1] + cp[2] + cp[3];
#else
    (void) dt; (void) imem; (void) ref_rem; (void) flag; (void) slope; (void) list;
    (void) n_list; (void) a0;
    (void) a1; (void) a2; (void) a3; (void) a4; (void) itau; (void) alpha; (void) inv_itau;
    (void) igain; (void) tau_mem; (void) idc; (void) ifnmda; (void) isyn;
    (void) fitc; (void) inv_tau; (void) iinf; (void) prem; (void) n_tot; (void) cmask;
    (void) P; (void) has_nmda; (void) L; (void) fs;
    (void) max_rounds; (void) n_int; (void) n_sub; (void) n_split;
#endif
}

/* One membrane pass over the board: every neuron that needs no more than one exponential
 * step (dyn_step; error bound dyn_step_error·dt⁴ ≤ tol, |Δ ln I_mem| ≤ max_dlog, series domain,
 * no spike, not leaving its refractory period in this step) is advanced here; neurons held
 * refractory for the whole step are held at I_reset. flag[i] = 1 marks the others for the
 * scalar path (which leaves imem[i] untouched until then), and F, J, F_yy, F_yyy of dyn_slope at
 * I_mem[i] go to slope[8·(i − i mod 4) + 4·q + i mod 4], q = 0 … 3 (8n doubles; written for
 * flagged neurons, whose first sub-step the scalar path and the vector rounds start from them
 * when they would evaluate dyn_slope with the same arguments), and with AVX2 stage 1's sg, 1/D
 * and the NMDA q (0 without NMDA) at q = 4 … 6, from which the rounds' first sub-step evaluates
 * its slope again over its own length with stage 2 only; list[0 … *n_list − 1] gets the flagged neurons in
 * increasing order (n + 3 entries); the rounds (dyn_membrane_substeps) may set flag[i] = 2 and
 * rows q = 0 … 3 to the state before a sub-step that spikes. Returns the number of steps held
 * refractory; *n_single gets the number of single-step updates. With AVX2: explicit vectors,
 * blocks of DYN_PASS_BLOCK groups of four neurons run stage by stage (dyn_v_block). */
static __attribute__((noinline)) int64_t dyn_membrane_pass(ptrdiff_t n, double dt, double *restrict imem,
        double *restrict ref_rem, int64_t *restrict flag, double *restrict slope,
        const double *restrict a0, const double *restrict a1, const double *restrict a2,
        const double *restrict a3, const double *restrict a4,
        const double *restrict itau, const double *restrict alpha,
        const double *restrict inv_itau, const double *restrict igain,
        const double *restrict tau_mem, const double *restrict idc,
        const double *restrict ifnmda, double ireset, const dyn_membrane *P, int has_nmda,
        int64_t *n_single, int64_t *restrict list, int64_t *n_list)
{
    int64_t held = 0, single = 0, nl = 0;
    const double dt4 = (dt * dt) * (dt * dt);
    ptrdiff_t i = 0;
#if defined(__AVX2__)
    dyn_vconst C;
    C.i0 = V_SET(P->i0); C.ispk = V_SET(P->ispk); C.gain = V_SET(P->pfb_gain);
    C.th = V_SET(P->pfb_th); C.k = V_SET(P->inv_pfb_norm); C.skip = V_SET(P->pfb_skip);
    C.max_dlog = V_SET(P->max_dlog); C.tol = V_SET(P->tol); C.dt = V_SET(dt);
    C.dt4 = V_SET(dt4); C.ireset = V_SET(ireset); C.zero = _mm256_setzero_pd();
    int nh = 0, nk = 0;
    for (; i + 4 * DYN_PASS_BLOCK <= n; i += 4 * DYN_PASS_BLOCK)
        dyn_v_block(i, DYN_PASS_BLOCK, &C, imem, ref_rem, flag, slope, a0, a1, a2, a3, a4, itau, alpha,
                    inv_itau, igain, tau_mem, idc, ifnmda, has_nmda, &nh, &nk, list, &nl);
    if (i + 4 <= n) {                                /* the last groups: one shorter block */
        int nv = (int) ((n - i) / 4);
        dyn_v_block(i, nv, &C, imem, ref_rem, flag, slope, a0, a1, a2, a3, a4, itau, alpha,
                    inv_itau, igain, tau_mem, idc, ifnmda, has_nmda, &nh, &nk, list, &nl);
        i += 4 * nv;
    }
    held = nh;
    single = nk;
#endif
    /* the scalar tail (a part whose size is not a multiple of 4: never with AVX2 on a board of
     * whole 1024-neuron chips) stores F, J, F_yy, F_yyy of a flagged neuron but not stage 1's
     * sg, 1/D, q, which the vector rounds read: without AVX2 the rounds do not run */
    for (; i < n; i++) {
        int r = dyn_membrane_one(i, dt, dt4, imem, ref_rem, flag, slope, a0, a1, a2, a3, a4, itau, alpha,
                                 inv_itau, igain, tau_mem, idc, ifnmda, ireset, P, has_nmda);
        held += r & 1;
        single += r >> 1;
        list[nl] = i;
        nl += flag[i];
    }
    *n_single = single;
    *n_list = nl;
    return held;
}

#endif
