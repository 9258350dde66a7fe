/* Membrane updates of the LIF core for one chunk [lo, hi) of a population.
 *
 * Plain C with restrict pointers and branch-free selects so that the compiler vectorises
 * the loops (compiled with -fno-trapping-math, which permits the selects; it does not change
 * any result). Every array is 64 bits wide (the refractory countdown is a double holding a
 * whole number of steps), so that one vector lane holds one neuron without conversions.
 * The three variants perform the same floating-point operations in the same order for equal
 * parameters, so a population gives bit-identical results on either path.
 * flag[i] is set to 1 when neuron i spikes in this step, else 0. Synaptic arrivals of the
 * step are added afterwards, to the few neurons that receive any (I_x ← I_x·d_x + arrivals).
 *
 * Per neuron (r: refractory steps left, decremented first; v clamped while r > 0):
 *   current-based:     v ← D + (v − D)·p_mem + I_e·p_e + I_i·p_i,   D = E_L + R·I
 *   conductance-based: g = 1 + g_e + g_i, v∞ = (D + g_e·E_e + g_i·E_i)/g, v ← v∞ + (v − v∞)·exp(−g·dt/τ_m)
 *   then I_x ← I_x·d_x, spike if r = 0 and v > θ: v ← v_reset, r ← t_ref.
 */
#ifndef NEUROBENCH_LIF_KERNELS_H
#define NEUROBENCH_LIF_KERNELS_H

#include <math.h>
#include <stddef.h>

/* Neurons are updated in blocks of NB_BLOCK; bany[b] (b = first neuron of a block) is non-zero
 * when the block holds a spike, so that collecting the spikes skips empty blocks. */
#define NB_BLOCK 64

static inline void nb_cuba_uniform(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                                   double *restrict ge, double *restrict gi,
                                   double *restrict refrac, long long *restrict flag, long long *restrict bany,
                                   const double *restrict drive, double pm, double pe, double pi,
                                   double de, double di, double vth, double vreset, double ref)
{
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
    ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi;
    long long any = 0;
    for (ptrdiff_t i = b; i < e; i++) {
        double ie = ge[i], ii = gi[i], vo = v[i], dr = drive[i];
        double r = refrac[i];
        r = (r > 0.0) ? r - 1.0 : r;
        double vn = dr + (vo - dr) * pm + ie * pe + ii * pi;
        vn = (r == 0.0) ? vn : vo;
        long long spk = (r == 0.0) & (vn > vth);
        v[i] = spk ? vreset : vn;
        refrac[i] = spk ? ref : r;
        flag[i] = spk;
        ge[i] = ie * de;
        gi[i] = ii * di;
    }
    for (ptrdiff_t i = b; i < e; i++)   /* separate loop: both vectorise */
        any |= flag[i];
    bany[b] = any;
    }
}

static inline void nb_cuba_general(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                                   double *restrict ge, double *restrict gi,
                                   double *restrict refrac, long long *restrict flag, long long *restrict bany,
                                   const double *restrict drive, const double *restrict pm,
                                   const double *restrict pe, const double *restrict pi,
                                   const double *restrict de, const double *restrict di,
                                   const double *restrict vth, const double *restrict vreset,
                                   const double *restrict ref)
{
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
    ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi;
    long long any = 0;
    for (ptrdiff_t i = b; i < e; i++) {
        double ie = ge[i], ii = gi[i], vo = v[i], dr = drive[i];
        double r = refrac[i];
        r = (r > 0.0) ? r - 1.0 : r;
        double vn = dr + (vo - dr) * pm[i] + ie * pe[i] + ii * pi[i];
        vn = (r == 0.0) ? vn : vo;
        long long spk = (r == 0.0) & (vn > vth[i]);
        v[i] = spk ? vreset[i] : vn;
        refrac[i] = spk ? ref[i] : r;
        flag[i] = spk;
        ge[i] = ie * de[i];
        gi[i] = ii * di[i];
    }
    for (ptrdiff_t i = b; i < e; i++)   /* separate loop: both vectorise */
        any |= flag[i];
    bany[b] = any;
    }
}

static inline void nb_coba(ptrdiff_t lo, ptrdiff_t hi, double *restrict v,
                           double *restrict ge, double *restrict gi, double *restrict refrac,
                           long long *restrict flag, long long *restrict bany, const double *restrict drive,
                           const double *restrict dt_over_tau, const double *restrict e_e,
                           const double *restrict e_i, const double *restrict de,
                           const double *restrict di, const double *restrict vth,
                           const double *restrict vreset, const double *restrict ref)
{
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
    ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi;
    long long any = 0;
    for (ptrdiff_t i = b; i < e; i++) {
        double ie = ge[i], ii = gi[i], vo = v[i], vn = vo;
        double r = refrac[i];
        r = (r > 0.0) ? r - 1.0 : r;
        if (r == 0.0) {
            double gtot = 1.0 + ie + ii;
            double vinf = (drive[i] + ie * e_e[i] + ii * e_i[i]) / gtot;
            vn = vinf + (vo - vinf) * exp(-dt_over_tau[i] * gtot);
        }
        long long spk = (r == 0.0) & (vn > vth[i]);
        v[i] = spk ? vreset[i] : vn;
        refrac[i] = spk ? ref[i] : r;
        flag[i] = spk;
        ge[i] = ie * de[i];
        gi[i] = ii * di[i];
    }
    for (ptrdiff_t i = b; i < e; i++)   /* separate loop: both vectorise */
        any |= flag[i];
    bany[b] = any;
    }
}

/* Neurons that spiked in [lo, hi), in increasing order, appended to out; returns the count.
 * Only blocks marked in bany are scanned (nearly all blocks hold no spike). */
static inline int nb_collect(ptrdiff_t lo, ptrdiff_t hi, const long long *restrict flag,
                             const long long *restrict bany, int *restrict out)
{
    int n = 0;
    for (ptrdiff_t b = lo; b < hi; b += NB_BLOCK) {
        if (bany[b]) {
            ptrdiff_t e = (b + NB_BLOCK < hi) ? b + NB_BLOCK : hi;
            for (ptrdiff_t i = b; i < e; i++)
                if (flag[i])
                    out[n++] = (int) i;
        }
    }
    return n;
}

#endif
