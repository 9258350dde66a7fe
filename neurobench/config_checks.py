"""Cross-key checks of the configuration: what the JSON schemas cannot say.

The schemas (``workflow/schemas/<study>.schema.yaml``) type and range every key one at a time.
The rules here relate keys of one study's section to each other — lists whose lengths must match,
ranges that must increase, a threshold above its rest potential, indices within a size, a data
path that a data source needs — so that a value the study cannot use is refused before any job
runs, with the key path named, instead of crashing or publishing nonsense later.

:func:`check_config` is called by :func:`neurobench.config.validate` (hence by the Snakefile, the
CLI and Python alike) after the schema has passed, so the rules may assume the schema's types.
Each rule returns ``(key path, message)`` pairs; :data:`RULES` lists them per study.
"""

from __future__ import annotations

from typing import Callable

Problem = tuple[str, str]
Rule = Callable[[dict], list[Problem]]


def _get(section: dict, key: str):
    node = section
    for part in key.split("."):
        node = node[part]
    return node


def increasing(key: str, strict: bool = True) -> Rule:
    """The list ``key`` (a [low, high] range or a sweep) increases."""
    def rule(s):
        v = _get(s, key)
        bad = [i for i in range(1, len(v)) if (v[i] <= v[i - 1] if strict else v[i] < v[i - 1])]
        if bad:
            word = "increase" if strict else "not decrease"
            return [(key, f"{v} must {word} (item {bad[0]} is {v[bad[0]]} after {v[bad[0] - 1]})")]
        return []
    return rule


def above(key: str, other: str, what: str = "") -> Rule:
    """``key`` > ``other``."""
    def rule(s):
        a, b = _get(s, key), _get(s, other)
        if not a > b:
            return [(key, f"{a} must be above {other} = {b}{' (' + what + ')' if what else ''}")]
        return []
    return rule


def same_length(*keys: str) -> Rule:
    """The lists ``keys`` have one item per entry of the first (e.g. one time constant per
    target interval)."""
    def rule(s):
        lengths = {k: len(_get(s, k)) for k in keys}
        first = keys[0]
        return [(k, f"has {n} item(s) but {first} has {lengths[first]} (one per entry)")
                for k, n in lengths.items() if n != lengths[first]]
    return rule


def indices_below(key: str, size_key: str) -> Rule:
    """Every index in ``key`` (an int or a list of ints) is < the size ``size_key`` (an int, or a
    list whose length is the size)."""
    def rule(s):
        idx, size = _get(s, key), _get(s, size_key)
        n = len(size) if isinstance(size, list) else size
        bad = [i for i in (idx if isinstance(idx, list) else [idx]) if i >= n]
        if bad:
            return [(key, f"index {bad[0]} is out of range: {size_key} gives {n} "
                          f"(valid 0..{n - 1})")]
        return []
    return rule


def member_of(key: str, list_key: str, when: tuple[str, object] | None = None) -> Rule:
    """``key`` is one of the items of ``list_key`` (only when ``when`` = (key, value) holds)."""
    def rule(s):
        if when is not None and _get(s, when[0]) != when[1]:
            return []
        v, items = _get(s, key), _get(s, list_key)
        return [] if v in items else [(key, f"{v!r} is not one of {list_key} {items}")]
    return rule


def path_when(key: str, selector: str, values: tuple) -> Rule:
    """``key`` (a data path) is non-empty when ``selector`` takes one of ``values``."""
    def rule(s):
        if _get(s, selector) in values and not str(_get(s, key)).strip():
            return [(key, f"must name the data folder when {selector} is "
                          f"{_get(s, selector)!r}")]
        return []
    return rule


def divides(size_keys: tuple[str, ...], list_key: str, when: tuple[str, object] | None = None) -> Rule:
    """Each of ``size_keys`` is a multiple of 2^len(``list_key``) (a stride-2 stage per item)."""
    def rule(s):
        if when is not None and _get(s, when[0]) != when[1]:
            return []
        stride = 2 ** len(_get(s, list_key))
        return [(k, f"{_get(s, k)} must be a multiple of 2^len({list_key}) = {stride}")
                for k in size_keys if _get(s, k) % stride]
    return rule


RULES: dict[str, list[Rule]] = {
    "lif_fi": [increasing("rheobase_sweep_pA"),
               above("v_th_mV", "v_rest_mV", "a threshold at or below rest never stays subthreshold"),
               indices_below("trace_neurons", "n_neurons")],
    "lif_coincidence": [above("v_th_mV", "v_rest_mV"), above("v_th_mV", "v_reset_mV"),
                        above("w_mid_mV", "w_low_mV"), above("w_high_mV", "w_mid_mV")],
    "energy": [increasing("rate_sweep_hz"), increasing("events_sweep")],
    "event_sampling": [increasing("delta_range_rel")],
    "synapses": [indices_below("stp_trace_rate_index", "stp_rates_hz"),
                 increasing("stp_rates_hz")],
    "stdp": [above("high_frac", "low_frac")],
    "discrete_lif": [],
    "disynaptic": [above("latency_high_bar_ms", "latency_low_bar_ms")],
    "pair_selectivity": [same_length("target_intervals_ms", "tau_e_ms", "tau_i_ms")],
    "triplet_selectivity": [same_length("target_pairs_ms", "tau_e_ms", "tau_i_ms"),
                            increasing("rf_m_inh_range", strict=False)],
    "detection": [path_when("gen1_dir", "data_source", ("gen1",)),
                  increasing("dataset.n_objects", strict=False),
                  increasing("dataset.size_px", strict=False),
                  increasing("dataset.speed_px_s", strict=False),
                  divides(("dataset.height_px", "dataset.width_px"), "channels",
                          when=("data_source", "synthetic"))],
    "kws": [path_when("data_path", "dataset", ("speech_commands", "tidigits")),
            increasing("corpus.rate_wpm", strict=False), increasing("corpus.pitch", strict=False),
            above("frontend.f_max_hz", "frontend.f_min_hz"),
            member_of("keyword", "corpus.words", when=("dataset", "synthetic"))],
}


def check_config(config: dict, skip=()) -> list[Problem]:
    """Every cross-key problem of ``config`` as (full key path, message). Sections named in
    ``skip`` (those the schema already refused) are not checked: the rules rely on its types."""
    problems = []
    for study, rules in RULES.items():
        section = config.get(study)
        if not isinstance(section, dict) or study in skip:
            continue
        for rule in rules:
            try:
                found = rule(section)
            except KeyError:
                continue  # a key the schema made optional and this config leaves out
            problems += [(f"{study}.{k}", m) for k, m in found]
    return problems
