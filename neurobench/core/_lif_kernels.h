/* Membrane updates of the LIF core for one chunk [lo, hi) of a population.
 *
 * Per neuron at step g (active when g ≥ until, the step at which its refractory period ends;
 * v is clamped while it is not active):
 *   current-based:     v ← D + (v − D)·p_mem + I_e·p_e + I_i·p_i,   D = E_L + R·I
 *   conductance-based: g = 1 + g_e + g_i, v∞ = (D + g_e·E_e + g_i·E_i)/g, v ← v∞ + (v − v∞)·exp(−g·dt/τ_m)
 *   then I_x ← I_x·d_x, spike if active and v > θ: v ← v_reset, until ← g + t_ref (steps).
 * Synaptic arrivals of the step are added afterwards (by the engine), to the few neurons that
 * receive any. `until` is a double holding a whole number of steps (exact below 2^53), so that
 * one vector lane holds one neuron without conversions; the uniform current-based update
 * writes it only for the neurons that spike (a countdown would be written every step).
 *
 * Spikes: neurons are updated in blocks of NB_BLOCK = 64; bits[b] (b = first neuron of the
 * block) holds one bit per neuron of the block, set when it spikes in this step. Collecting
 * the spikes scans the set bits only.
 *
 * The current-based update with uniform parameters (the common case: a population of equal
 * neurons) is written with AVX2 intrinsics when the compiler targets AVX2, with a plain C
 * fallback. Every variant performs the same IEEE operations in the same order (no fused
 * multiply-add: compiled with -ffp-contract=off), so all paths give bit-identical results;
 * the other kernels are plain C with restrict pointers and branch-free selects that the
 * compiler vectorises (-fno-trapping-math permits the selects; it changes no result).
 * A NULL drive pointer means a drive equal for all neurons of the chunk (drive_s): one stream
 * of memory less per step.
 */
#ifndef NEUROBENCH_LIF_KERNELS_H
#define NEUROBENCH_LIF_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define NB_BLOCK 64

/* one neuron, current-based (the scalar reference of the vector code below) */
static inline int nb_cuba_one(double *restrict v, double *restrict ge, double *restrict gi,
                              double *restrict until, ptrdiff_t i, double gnow, double dr,
                              double pm, double pe, double pi, double de, double di,
                              double vth, double vreset, double ref)
{
    double ie = ge[i], ii = gi[i], vo = v[i];
    int act = gnow >= until[i];
    double vn = dr + (vo - dr) * pm + ie * pe + ii * pi;
    vn = act ? vn : vo;
    int spk = act & (vn > vth);
    v[i] = spk ? vreset : vn;
    if (spk)
        until[i] = gnow + ref;
    ge[i] = ie * de;
    gi[i] = ii * di;
    return spk;
}

static inline void nb_cuba_uniform(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                                   double *restrict ge, double *restrict gi,
                                   double *restrict until, uint64_t *restrict bits,
                                   double gnow, const double *restrict drive, double drive_s,
                                   double pm, double pe, double pi, double de, double di,
                                   double vth, double vreset, double ref)
{
#if defined(__AVX2__)
    const __m256d G = _mm256_set1_pd(gnow);
    const __m256d PM = _mm256_set1_pd(pm), PE = _mm256_set1_pd(pe), PI = _mm256_set1_pd(pi);
    const __m256d DE = _mm256_set1_pd(de), DI = _mm256_set1_pd(di), TH = _mm256_set1_pd(vth);
    const __m256d VR = _mm256_set1_pd(vreset);
    const __m256d DS = _mm256_set1_pd(drive_s);
#endif
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
        ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi;
        uint64_t m = 0;
        ptrdiff_t i = b;
#if defined(__AVX2__)
        for (; i + 4 <= e; i += 4) {
            __m256d act = _mm256_cmp_pd(G, _mm256_loadu_pd(until + i), _CMP_GE_OQ);
            __m256d vo = _mm256_loadu_pd(v + i);
            __m256d ie = _mm256_loadu_pd(ge + i), ii = _mm256_loadu_pd(gi + i);
            __m256d dr = drive ? _mm256_loadu_pd(drive + i) : DS;
            /* ((D + (v − D)·p_mem) + I_e·p_e) + I_i·p_i, as in nb_cuba_one */
            __m256d vn = _mm256_add_pd(dr, _mm256_mul_pd(_mm256_sub_pd(vo, dr), PM));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(ie, PE));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(ii, PI));
            vn = _mm256_blendv_pd(vo, vn, act);
            __m256d spk = _mm256_and_pd(act, _mm256_cmp_pd(vn, TH, _CMP_GT_OQ));
            _mm256_storeu_pd(v + i, _mm256_blendv_pd(vn, VR, spk));
            _mm256_storeu_pd(ge + i, _mm256_mul_pd(ie, DE));
            _mm256_storeu_pd(gi + i, _mm256_mul_pd(ii, DI));
            unsigned mk = (unsigned) _mm256_movemask_pd(spk);
            if (mk) {                       /* rare: the refractory ends of the spiking lanes */
                for (int j = 0; j < 4; j++)
                    if (mk >> j & 1u)
                        until[i + j] = gnow + ref;
                m |= (uint64_t) mk << (i - b);
            }
        }
#endif
        for (; i < e; i++) {
            int spk = nb_cuba_one(v, ge, gi, until, i, gnow, drive ? drive[i] : drive_s, pm, pe,
                                  pi, de, di, vth, vreset, ref);
            m |= (uint64_t) spk << (i - b);
        }
        bits[b] = m;
    }
}

/* spike flags of one block (0/1 as long long: a width the vectorised loops need) → bits */
static inline uint64_t nb_pack(const long long *restrict f, ptrdiff_t n)
{
    uint64_t m = 0;
    for (ptrdiff_t k = 0; k < n; k++)
        m |= (uint64_t) f[k] << k;
    return m;
}

static inline void nb_cuba_general(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                                   double *restrict ge, double *restrict gi,
                                   double *restrict until, uint64_t *restrict bits,
                                   double gnow, const double *restrict drive,
                                   const double *restrict pm,
                                   const double *restrict pe, const double *restrict pi,
                                   const double *restrict de, const double *restrict di,
                                   const double *restrict vth, const double *restrict vreset,
                                   const double *restrict ref)
{
    long long f[NB_BLOCK];
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
        ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi;
        for (ptrdiff_t i = b; i < e; i++) {
            double ie = ge[i], ii = gi[i], vo = v[i], dr = drive[i];
            double u = until[i];
            long long act = gnow >= u;
            double vn = dr + (vo - dr) * pm[i] + ie * pe[i] + ii * pi[i];
            vn = act ? vn : vo;
            long long spk = act & (vn > vth[i]);
            v[i] = spk ? vreset[i] : vn;
            until[i] = spk ? gnow + ref[i] : u;
            f[i - b] = spk;
            ge[i] = ie * de[i];
            gi[i] = ii * di[i];
        }
        bits[b] = nb_pack(f, e - b);
    }
}

/* The exponential of the conductance-based membrane update, exp(x) for x[0 … n), equal bit for
 * bit to libm's exp (the scalar kernel's result):
 *
 *   x = k·ln2/256 + r (|r| ≤ ln2/512),  exp(x) = 2^(k div 256) · 2^((k mod 256)/256) · e^r,
 *
 * with 2^(j/256) tabulated as a sum of two doubles (hi + lo, from long double at start-up), ln2/256
 * as two doubles (their sum is within 2e-36 of ln2/256; computed in 300-bit arithmetic) and e^r − 1
 * by its Taylor series to r⁵ (truncation < 2^-66). The value th + (th·p + tl) before the one final
 * rounding is within about 2^-61 relative (≈ 0.002 ulp) of e^x, and the exact distance of that
 * value from the rounded result is known (Fast2Sum). Where it lies farther than 0.02 ulp from the
 * midpoint between two doubles, the correctly rounded double is also the one every exp with an
 * error below 0.52 ulp must return (glibc's exp: at most 0.51 ulp), so the result equals libm's;
 * the other lanes (about 4 %), |x| > 64 and NaN are computed by libm's exp itself. Hence
 * identical spikes with or without the vector path (tests/test_core.py checks it against libm). */
#if defined(__AVX2__) && defined(__FMA__)
#define NB_EXP_VECTOR 1
static double nb_exp2_hi[256], nb_exp2_lo[256];

static void nb_exp_init(void)
{
    for (int j = 0; j < 256; j++) {
        long double t = exp2l((long double) j / 256.0L);
        nb_exp2_hi[j] = (double) t;
        nb_exp2_lo[j] = (double) (t - (long double) nb_exp2_hi[j]);
    }
}

/* the lanes that need libm are flagged in *fallback (bit k: lane k) */
static inline __m256d nb_exp4(__m256d x, unsigned *fallback)
{
    const __m256d inv_ln2n = _mm256_set1_pd(0x1.71547652b82fep+8);     /* 256/ln2 */
    const __m256d ln2n_hi = _mm256_set1_pd(0x1.62e42fefa39efp-9);      /* ln2/256 = hi + lo */
    const __m256d ln2n_lo = _mm256_set1_pd(0x1.abc9e3b39803fp-64);
    const __m256d shift = _mm256_set1_pd(0x1.8p52);
    __m256d kd = _mm256_add_pd(_mm256_mul_pd(x, inv_ln2n), shift);    /* k, rounded, in the low bits */
    __m256i ki = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, shift);
    __m256d r = _mm256_fnmadd_pd(kd, ln2n_hi, x);
    r = _mm256_fnmadd_pd(kd, ln2n_lo, r);
    __m256i j = _mm256_and_si256(ki, _mm256_set1_epi64x(255));
    __m256d th = _mm256_i64gather_pd(nb_exp2_hi, j, 8), tl = _mm256_i64gather_pd(nb_exp2_lo, j, 8);
    /* q = e^r − 1 − r to r⁵ (the r⁶ term is below 2^-66) */
    __m256d q = _mm256_fmadd_pd(r, _mm256_set1_pd(1.0 / 120.0), _mm256_set1_pd(1.0 / 24.0));
    q = _mm256_fmadd_pd(r, q, _mm256_set1_pd(1.0 / 6.0));
    q = _mm256_fmadd_pd(r, q, _mm256_set1_pd(0.5));
    q = _mm256_mul_pd(_mm256_mul_pd(r, r), q);
    /* T·(1 + p) ≈ th + (th·p + tl), p = r + q: before the final rounding within 2^-61 of e^x
     * relative (the sum p and the fused th·p + tl round once each; tl·p < 2^-62 dropped) */
    __m256d pq = _mm256_add_pd(r, q);
    __m256d lo = _mm256_fmadd_pd(th, pq, tl);
    __m256d y = _mm256_add_pd(th, lo);
    __m256d err = _mm256_sub_pd(lo, _mm256_sub_pd(y, th));             /* exact: value − y */
    /* the spacing of doubles just below y (half an ulp of y where y is a power of two) */
    const __m256d expo = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7ff0000000000000LL));
    __m256d ulp = _mm256_and_pd(_mm256_mul_pd(y, _mm256_set1_pd(1.0 - 0x1p-53)), expo);
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d bad = _mm256_cmp_pd(_mm256_andnot_pd(sign, err),
                                _mm256_mul_pd(ulp, _mm256_set1_pd(0.48 * 0x1p-52)), _CMP_NLT_UQ);
    bad = _mm256_or_pd(bad, _mm256_cmp_pd(_mm256_andnot_pd(sign, x), _mm256_set1_pd(64.0), _CMP_NLE_UQ));
    /* 2^(k div 256): the exponent field k·2^52 from the integer bits of k (two's complement) */
    __m256i e = _mm256_slli_epi64(_mm256_andnot_si256(_mm256_set1_epi64x(255), ki), 44);
    __m256d scale = _mm256_castsi256_pd(_mm256_add_epi64(e, _mm256_set1_epi64x(0x3ff0000000000000LL)));
    *fallback = (unsigned) _mm256_movemask_pd(bad);
    return _mm256_mul_pd(y, scale);
}
#else
#define NB_EXP_VECTOR 0
static void nb_exp_init(void) {}
#endif

/* exp of x[0 … n): the vector form, then libm for the flagged lanes (after the pass, so that
 * the rare fallbacks cost no branch per vector) */
static inline void nb_exp_n(const double *restrict x, double *restrict out, ptrdiff_t n)
{
    ptrdiff_t k = 0;
#if NB_EXP_VECTOR
    while (k + 4 <= n) {
        uint64_t fb = 0;
        ptrdiff_t k0 = k;
        for (; k + 4 <= n && k - k0 < 64; k += 4) {
            unsigned m;
            _mm256_storeu_pd(out + k, nb_exp4(_mm256_loadu_pd(x + k), &m));
            fb |= (uint64_t) m << (k - k0);
        }
        while (fb) {
            ptrdiff_t j = k0 + __builtin_ctzll(fb);
            out[j] = exp(x[j]);
            fb &= fb - 1;
        }
    }
#endif
    for (; k < n; k++)
        out[k] = exp(x[k]);
}

/* conductance-based update, per block of NB_BLOCK neurons: the exponents and asymptotes first
 * (a loop the compiler vectorises), their exponentials (nb_exp_n), then the step; the same IEEE
 * operations as v∞ + (v − v∞)·exp(−g·dt/τ_m) neuron by neuron. */
static inline void nb_coba(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                           double *restrict ge, double *restrict gi, double *restrict until,
                           uint64_t *restrict bits, double gnow, const double *restrict drive,
                           const double *restrict dt_over_tau, const double *restrict e_e,
                           const double *restrict e_i, const double *restrict de,
                           const double *restrict di, const double *restrict vth,
                           const double *restrict vreset, const double *restrict ref)
{
    long long f[NB_BLOCK];
    double xa[NB_BLOCK], ex[NB_BLOCK], vinf[NB_BLOCK];
    if (hi - lo < 4) {               /* too few for a vector: neuron by neuron, the same operations */
        uint64_t m = 0;
        for (ptrdiff_t i = lo; i < hi; i++) {
            double ie = ge[i], ii = gi[i], vo = v[i], vn = vo, u = until[i];
            int act = gnow >= u;
            if (act) {
                double gtot = 1.0 + ie + ii;
                double vi = (drive[i] + ie * e_e[i] + ii * e_i[i]) / gtot;
                vn = vi + (vo - vi) * exp(-dt_over_tau[i] * gtot);
            }
            int spk = act & (vn > vth[i]);
            v[i] = spk ? vreset[i] : vn;
            until[i] = spk ? gnow + ref[i] : u;
            m |= (uint64_t) spk << (i - lo);
            ge[i] = ie * de[i];
            gi[i] = ii * di[i];
        }
        bits[lo] = m;
        return;
    }
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
        ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi, n = e - b;
        for (ptrdiff_t k = 0; k < n; k++) {
            double ie = ge[b + k], ii = gi[b + k];
            double gtot = 1.0 + ie + ii;
            vinf[k] = (drive[b + k] + ie * e_e[b + k] + ii * e_i[b + k]) / gtot;
            xa[k] = -dt_over_tau[b + k] * gtot;
        }
        nb_exp_n(xa, ex, n);
        for (ptrdiff_t k = 0; k < n; k++) {
            ptrdiff_t i = b + k;
            double ie = ge[i], ii = gi[i], vo = v[i];
            double u = until[i];
            long long act = gnow >= u;
            double vn = act ? vinf[k] + (vo - vinf[k]) * ex[k] : vo;
            long long spk = act & (vn > vth[i]);
            v[i] = spk ? vreset[i] : vn;
            until[i] = spk ? gnow + ref[i] : u;
            f[k] = spk;
            ge[i] = ie * de[i];
            gi[i] = ii * di[i];
        }
        bits[b] = nb_pack(f, n);
    }
}

/* conductance-based update of a population with equal parameters (the common case): the same
 * operations as nb_coba with the parameters as scalars (fewer streams); drive NULL: drive_s */
static inline void nb_coba_uniform(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                                   double *restrict ge, double *restrict gi,
                                   double *restrict until, uint64_t *restrict bits, double gnow,
                                   const double *restrict drive, double drive_s,
                                   double dt_over_tau, double e_e, double e_i, double de,
                                   double di, double vth, double vreset, double ref)
{
    long long f[NB_BLOCK];
    double xa[NB_BLOCK], ex[NB_BLOCK], vinf[NB_BLOCK];
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
        ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi, n = e - b;
        for (ptrdiff_t k = 0; k < n; k++) {
            double ie = ge[b + k], ii = gi[b + k];
            double gtot = 1.0 + ie + ii;
            double dr = drive ? drive[b + k] : drive_s;
            vinf[k] = (dr + ie * e_e + ii * e_i) / gtot;
            xa[k] = -dt_over_tau * gtot;
        }
        nb_exp_n(xa, ex, n);
        for (ptrdiff_t k = 0; k < n; k++) {
            ptrdiff_t i = b + k;
            double ie = ge[i], ii = gi[i], vo = v[i];
            double u = until[i];
            long long act = gnow >= u;
            double vn = act ? vinf[k] + (vo - vinf[k]) * ex[k] : vo;
            long long spk = act & (vn > vth);
            v[i] = spk ? vreset : vn;
            until[i] = spk ? gnow + ref : u;
            f[k] = spk;
            ge[i] = ie * de;
            gi[i] = ii * di;
        }
        bits[b] = nb_pack(f, n);
    }
}

/* Neurons that spiked in [lo, hi), in increasing order, appended to out; returns the count. */
static inline int nb_collect(ptrdiff_t lo, ptrdiff_t hi, const uint64_t *restrict bits,
                             int *restrict out)
{
    int n = 0;
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
        uint64_t m = bits[b];
        while (m) {
            out[n++] = (int) (b + __builtin_ctzll(m));
            m &= m - 1;
        }
    }
    return n;
}

#endif
