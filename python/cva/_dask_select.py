"""Exact order statistics of a column spread over Dask partitions (cva.dask).

The order is the library's (x, id) order: x = sign * value (a zero read as +0), ties
by ascending customer id (the customer order of docs/methods/rfm.md). Every partition
keeps its kept keys sorted in that order (a persisted "store" on its worker); a
search for the element of global rank r narrows, per partition, an index range
[lo_p, hi_p) that holds it:

- each round, every partition sends ``SAMPLES`` evenly spaced keys of its range (the
  first and the last among them) with their positions, or the whole range when it is
  smaller;
- the client merges the samples and bounds, for any sample key K, the global count of
  keys <= K from below and above (a partition's count lies between the positions of its
  samples around K); the largest sample L whose upper bound is < r and the smallest H
  whose lower bound is >= r bracket the target;
- the next round sends L and H: every partition counts its keys <= L and <= H exactly
  (two binary searches), which is the new range; when the client's bound on the new
  width is at most ``FETCH`` keys, the partitions send those keys instead of samples
  and the client picks the target among them.

Nothing is estimated: the bounds are exact inequalities, so the answer is the exact
order statistic whatever the data; only the number of rounds depends on them (about
log(N) / log(SAMPLES / 2) + 1: 3 round trips for 1e7 keys). A round moves
``SAMPLES`` keys per partition and wanted rank (16 bytes each with integer ids); with
more than 16 ranks they share 16 * ``SAMPLES`` keys per partition (at least 8 each),
and ranges of at most ``FETCH`` / ranks keys (at least 64) are fetched; the first
round, the same for every rank, is made once.
"""

SAMPLES = 512
FETCH = 1 << 15
MAX_ROUNDS = 64


def _np():
    import numpy as np
    return np


def sorted_keys(x, ids):
    """x (kept values, already signed) and ids (ascending) -> (xs, ids_s) in (x, id) order."""
    np = _np()
    x = np.asarray(x, dtype="f8") + 0.0  # -0 -> +0
    o = np.argsort(x, kind="stable")    # ids ascending already: stable sort keeps them so
    return np.ascontiguousarray(x[o]), np.asarray(ids)[o]


def count_le(xs, ids, kx, kid):
    """Number of keys <= (kx, kid) in a sorted key array."""
    np = _np()
    a = int(np.searchsorted(xs, kx, side="left"))
    b = int(np.searchsorted(xs, kx, side="right"))
    if b == a:
        return a
    return a + int(np.searchsorted(ids[a:b], kid, side="right"))


def partition_round(keys, arg):
    """One round on one partition. keys: (xs, ids, ...); arg: (samples, reqs), reqs a
    list of (lo, hi, L, H, fetch) with L / H a key (x, id) or None. Returns a list of
    (lo, hi, pos, kx, kid): the new range and its sampled (or all) keys."""
    np = _np()
    xs, ids = keys[0], keys[1]
    samples, reqs = arg
    out = []
    for lo, hi, L, H, fetch in reqs:
        # L and H lie between the range's bounding keys, so their counts lie in
        # [lo, hi]: searched inside the range, which is also all a group's range of a
        # store sorted by (group, x, id) holds in (x, id) order (select's ``ranges``)
        lo0, hi0 = lo, hi
        if L is not None:
            lo = max(lo, lo0 + count_le(xs[lo0:hi0], ids[lo0:hi0], L[0], L[1]))
        if H is not None:
            hi = min(hi, lo0 + count_le(xs[lo0:hi0], ids[lo0:hi0], H[0], H[1]))
        hi = max(hi, lo)
        w = hi - lo
        if fetch or w <= samples:
            pos = np.arange(lo, hi, dtype=np.int64)
        else:
            pos = lo + (np.arange(samples, dtype=np.int64) * (w - 1)) // (samples - 1)  # lo .. hi-1
        out.append((lo, hi, pos, xs[pos], ids[pos]))
    return out


def partition_count_value_le(keys, values):
    """Number of keys with x <= v for each v (the tie test of the rank methods)."""
    np = _np()
    xs = keys[0]
    return [int(np.searchsorted(xs, v, side="right")) for v in values]


def _order(xs, ids):
    """Indices sorting the keys (xs, ids) in (x, id) order."""
    np = _np()
    try:
        return np.lexsort((ids, xs))
    except TypeError:  # ids numpy cannot lexsort (objects): a Python sort
        return np.asarray(sorted(range(len(xs)), key=lambda i: (xs[i], ids[i])), dtype=np.int64)


class _Target:
    def __init__(self, rank, lo, hi, fetch_max):
        np = _np()
        self.rank = rank
        self.lo = np.asarray(lo, dtype=np.int64).copy()
        self.hi = np.asarray(hi, dtype=np.int64).copy()
        self.L = self.H = None
        self.fetch = False
        self.fetch_max = fetch_max
        self.result = None

    def req(self):
        return [(int(self.lo[p]), int(self.hi[p]), self.L, self.H, self.fetch) for p in range(len(self.lo))]

    def update(self, answers):
        """answers[p] = (lo, hi, pos, kx, kid) of partition p."""
        np = _np()
        P = len(answers)
        for p, a in enumerate(answers):
            self.lo[p], self.hi[p] = a[0], a[1]
        xs = np.concatenate([a[3] for a in answers]) if P else np.zeros(0)
        ids_list = [a[4] for a in answers]
        ids = np.concatenate(ids_list) if P else np.zeros(0)
        part = np.concatenate([np.full(len(a[2]), p, dtype=np.int64) for p, a in enumerate(answers)])
        pos = np.concatenate([a[2] for a in answers])
        r_in = self.rank - int(self.lo.sum())  # 1-based rank inside the ranges
        if self.fetch or all(len(a[2]) == a[1] - a[0] for a in answers):
            # every key of every range is here: pick it
            o = _order(xs, ids)
            k = o[r_in - 1]
            self.result = (float(xs[k]), ids[k])
            return
        o = _order(xs, ids)
        G = len(o)
        gpos = np.empty(G, dtype=np.int64)
        gpos[o] = np.arange(G)
        per = []  # per partition: global sample order (ascending) and positions
        for p in range(P):
            sel = part == p
            g = gpos[sel]
            s = np.argsort(g, kind="stable")
            per.append((g[s], pos[sel][s]))

        def bounds(g):
            lb = ub = 0
            for p in range(P):
                gp, pp = per[p]
                a = int(np.searchsorted(gp, g, side="right"))
                lb += int(pp[a - 1]) + 1 if a > 0 else int(self.lo[p])
                if a > 0 and gp[a - 1] == g:  # K is this partition's sample: its count is exact
                    ub += int(pp[a - 1]) + 1
                else:
                    ub += int(pp[a]) if a < len(gp) else int(self.hi[p])
            return lb, ub

        # L: the largest g with ub(g) < rank; H: the smallest g with lb(g) >= rank
        lo_g, hi_g = -1, G  # ub(lo_g) < rank (lo_g = -1: none), search upwards
        while hi_g - lo_g > 1:
            mid = (lo_g + hi_g) // 2
            if bounds(mid)[1] < self.rank:
                lo_g = mid
            else:
                hi_g = mid
        gL = lo_g
        lo_g, hi_g = -1, G  # lb(hi_g) >= rank (hi_g = G: none)
        while hi_g - lo_g > 1:
            mid = (lo_g + hi_g) // 2
            if bounds(mid)[0] >= self.rank:
                hi_g = mid
            else:
                lo_g = mid
        gH = hi_g
        base = int(self.lo.sum())
        top = int(self.hi.sum())
        self.L = (float(xs[o[gL]]), ids[o[gL]]) if gL >= 0 else None
        self.H = (float(xs[o[gH]]), ids[o[gH]]) if gH < G else None
        width = (bounds(gH)[1] if gH < G else top) - (bounds(gL)[0] if gL >= 0 else base)
        self.fetch = width <= self.fetch_max


def _size(keys, _arg):
    return len(keys[0])


def select(stores, ranks, compute, samples=SAMPLES, fetch=FETCH, ranges=None):
    """Keys (x, id) at the 1-based global ranks ``ranks`` (each 1..N) of the keys held by
    ``stores`` (one per partition: (xs, ids, ...) sorted by sorted_keys, behind a
    delayed / future). ``compute(fn, args_per_partition)`` runs ``fn(store_p, args_p)``
    on every partition and returns the list of results. ``samples`` (>= 3) keys per
    partition and rank each round; ranges of at most ``fetch`` keys are fetched whole.
    ``ranges`` (optional, one per rank): (lo, hi), per partition the positions
    [lo_p, hi_p) of the keys the rank counts in, each range in (x, id) order (a group
    of a store sorted by (group, x, id)); the rank is then 1-based within the union of
    the ranges. Returns (keys, rounds, bytes_received)."""
    rounds = 0
    if ranges is None:
        sizes = compute(_size, [None] * len(stores))
        ranges = [([0] * len(stores), sizes)] * len(ranks)
    if len(ranges) != len(ranks):
        raise ValueError("%d ranges for %d ranks" % (len(ranges), len(ranks)))
    targets = []
    fetch = max(0, int(fetch))
    for r, (lo, hi) in zip(ranks, ranges):
        base, total = sum(int(a) for a in lo), sum(int(b) - int(a) for a, b in zip(lo, hi))
        if not 1 <= r <= total:
            raise ValueError("rank %r outside 1..%d" % (r, total))
        targets.append(_Target(base + r, lo, hi, fetch))
    samples = max(3, int(samples))
    nbytes = 0
    while any(t.result is None for t in targets):
        rounds += 1
        if rounds > MAX_ROUNDS:  # pragma: no cover - the bounds shrink every round
            raise RuntimeError("cva.dask: the order-statistic search did not converge")
        live = [t for t in targets if t.result is None]
        # many ranks share the round's budget of samples (at least 8 each); identical
        # requests (every rank's first round) are made and sent once
        per = max(8, min(samples, (16 * samples) // len(live)))
        for t in live:  # and the fetch budget (at least 64 keys each)
            t.fetch_max = max(min(fetch, 64), fetch // len(live))
        per_t = [t.req() for t in live]
        reqs, slot = [], []
        for p in range(len(stores)):
            uniq = {}
            for rt in per_t:
                uniq.setdefault(rt[p], len(uniq))
            reqs.append(list(uniq))
            slot.append([uniq[rt[p]] for rt in per_t])
        ans = compute(partition_round, [(per, q) for q in reqs])
        for p in range(len(stores)):
            for a in ans[p]:
                nbytes += 16 * len(a[2]) + 16
        for i, t in enumerate(live):
            t.update([ans[p][slot[p][i]] for p in range(len(stores))])
    return [t.result for t in targets], rounds, nbytes


def count_value_le(stores, values, compute):
    """Global number of keys with x <= v for each v."""
    res = compute(partition_count_value_le, [list(values)] * len(stores))
    return [sum(r[i] for r in res) for i in range(len(values))]

