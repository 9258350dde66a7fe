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

static inline void nb_coba(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                           double *restrict ge, double *restrict gi, double *restrict until,
                           uint64_t *restrict bits, double gnow, const double *restrict drive,
                           const double *restrict dt_over_tau, const double *restrict e_e,
                           const double *restrict e_i, const double *restrict de,
                           const double *restrict di, const double *restrict vth,
                           const double *restrict vreset, const double *restrict ref)
{
    long long f[NB_BLOCK];
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
        ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi;
        for (ptrdiff_t i = b; i < e; i++) {
            double ie = ge[i], ii = gi[i], vo = v[i], vn = vo;
            double u = until[i];
            long long act = gnow >= u;
            if (act) {
                double gtot = 1.0 + ie + ii;
                double vinf = (drive[i] + ie * e_e[i] + ii * e_i[i]) / gtot;
                vn = vinf + (vo - vinf) * exp(-dt_over_tau[i] * gtot);
            }
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
