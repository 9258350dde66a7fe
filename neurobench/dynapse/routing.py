"""CAM/SRAM routing of DYNAP-SE1 and its aliasing across chips.

Each neuron has 64 CAM entries (source core id, source neuron id, synapse type) and each source
neuron 4 SRAM entries (target chip, core mask), of which at most 3 are used for targets (one is
kept for monitoring, as rockpool and the Brian2 emulators do). An event of neuron (chip c, core k,
neuron n) goes to every (chip, core) of its SRAM; there every neuron whose CAM holds (k, n, type)
receives a pulse on its synapse ``type``. The CAM has no chip id: two sources with the same
(core, neuron) on different chips that both reach a core are indistinguishable there — the event
of either drives the CAM entry that was written for one of them (*aliasing*). A connection of
multiplicity m occupies m CAM entries; its efficacy is m × the core's base weight.

Virtual sources (spike generators, Poisson channels) carry a tag (core, neuron) like the FPGA's
events and reach the (chip, core) of the neurons they are connected to; they alias with on-chip
neurons of the same tag that route to the same core.

:func:`compile_routing` turns the CAM table and the reach of every source into the delivery
lists the kernel uses (CSR by source) and a list of aliased CAM entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_CHIPS = 4
N_CORES = 4
N_NEURONS = 256
NEURONS_PER_CHIP = N_CORES * N_NEURONS
N_BOARD = N_CHIPS * NEURONS_PER_CHIP
CAM_ENTRIES = 64
SRAM_ENTRIES = 4
MAX_TARGET_CHIPS = 3


@dataclass(frozen=True)
class AliasedEntry:
    """A CAM entry driven by a source other than the one it was written for."""

    target: int           # global id of the neuron whose CAM holds the entry
    synapse: str          # synapse type of the entry
    tag: tuple            # (source core, source neuron) stored in the CAM
    intended: int         # source id the entry was written for
    aliased: tuple        # other source ids that also drive it (board neurons < 4096)


@dataclass
class Deliveries:
    """Kernel input: for source s, entries src_ptr[s] … src_ptr[s+1] − 1 of (target, type, count)."""

    src_ptr: np.ndarray
    target: np.ndarray
    type: np.ndarray
    count: np.ndarray
    aliased: list


def compile_routing(n_sources, cam_target, cam_source, cam_type, cam_count, source_tag,
                    reach_source, reach_chipcore, synapse_names, n_neurons_total) -> Deliveries:
    """Match every CAM entry against every source that reaches its core with its tag.

    Parameters
    ----------
    n_sources : number of source ids (board neurons first, then virtual sources)
    cam_target, cam_source, cam_type, cam_count : one row per CAM connection (count entries)
    source_tag : (n_sources,) tag = core·256 + neuron of each source
    reach_source, reach_chipcore : pairs (source id, chip·4 + core) of where each source's
        events go (SRAM for neurons, injection targets for virtual sources)
    """
    cam_target = np.asarray(cam_target, np.int64)
    cam_source = np.asarray(cam_source, np.int64)
    cam_type = np.asarray(cam_type, np.int64)
    cam_count = np.asarray(cam_count, np.float64)
    reach_source = np.asarray(reach_source, np.int64)
    reach_chipcore = np.asarray(reach_chipcore, np.int64)
    n_tags = N_CORES * N_NEURONS
    # key of a CAM entry: the core of its neuron and the tag it holds
    tgt_chipcore = cam_target // N_NEURONS
    entry_key = tgt_chipcore * n_tags + np.asarray(source_tag)[cam_source]
    src_key = reach_chipcore * n_tags + np.asarray(source_tag)[reach_source]
    order = np.argsort(src_key, kind="stable")
    src_key_sorted = src_key[order]
    src_sorted = reach_source[order]
    lo = np.searchsorted(src_key_sorted, entry_key, side="left")
    hi = np.searchsorted(src_key_sorted, entry_key, side="right")
    n_match = hi - lo
    if cam_target.size and np.any(n_match == 0):
        bad = int(np.flatnonzero(n_match == 0)[0])
        raise RuntimeError(f"internal routing error: CAM entry of neuron {cam_target[bad]} has no "
                           "source reaching it")
    entry_idx = np.repeat(np.arange(cam_target.size), n_match)
    offs = np.arange(entry_idx.size) - np.repeat(np.cumsum(n_match) - n_match, n_match)
    matched_src = src_sorted[np.repeat(lo, n_match) + offs]
    # aliased entries: matched sources other than the intended one
    aliased = []
    multi = np.flatnonzero(n_match > 1)
    for e in multi:
        srcs = src_sorted[lo[e]:hi[e]]
        others = tuple(int(s) for s in srcs if s != cam_source[e])
        tag = int(source_tag[cam_source[e]])
        aliased.append(AliasedEntry(int(cam_target[e]), synapse_names[int(cam_type[e])],
                                    (tag // N_NEURONS, tag % N_NEURONS), int(cam_source[e]), others))
    perm = np.argsort(matched_src, kind="stable")
    src_ptr = np.zeros(n_sources + 1, np.int64)
    np.cumsum(np.bincount(matched_src, minlength=n_sources), out=src_ptr[1:])
    ent = entry_idx[perm]
    tgt = cam_target[ent]
    if tgt.size and (tgt.min() < 0 or tgt.max() >= n_neurons_total):
        raise RuntimeError("internal routing error: target outside the board")
    return Deliveries(src_ptr, tgt.astype(np.int32), cam_type[ent].astype(np.int8),
                      cam_count[ent].astype(np.float64), aliased)
