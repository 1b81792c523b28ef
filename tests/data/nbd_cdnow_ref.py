#!/usr/bin/python3
"""NBD maximum-likelihood estimate on the CDNOW sample, computed independently of
libcva: the BTYDplus nbd.LL objective lnG(r+x) - lnG(r) + r ln a - (r+x) ln(a+T) over the
2357 customers of ../../shared data (BTYD's cdnowSummary cbs: x and T.cal in weeks at
full precision), the score equations solved with mpmath.findroot at 30 digits.
Published (Fader & Hardie's NBD benchmark note on CDNOW): r = 0.385, alpha = 12.072,
LL = -9763.7. Prints the values that tests/test_nbd.c stores.
Run: /usr/bin/python3 tests/data/nbd_cdnow_ref.py /work/shared/data/external/btyd_cdnowSummary_cbs.csv
"""
import csv
import sys
from collections import Counter

import mpmath as mp

mp.mp.dps = 30


def main(path):
    rows = Counter()
    with open(path) as f:
        for r in csv.DictReader(f):
            rows[(int(r["x"]), mp.mpf(r["T.cal"]))] += 1

    def ll(r, a):
        return mp.fsum(w * (mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(a) - (r + x) * mp.log(a + T))
                       for (x, T), w in rows.items())

    def score(r, a):
        dr = mp.fsum(w * (mp.digamma(r + x) - mp.digamma(r) + mp.log(a) - mp.log(a + T)) for (x, T), w in rows.items())
        da = mp.fsum(w * (r / a - (r + x) / (a + T)) for (x, T), w in rows.items())
        return dr, da

    r, a = mp.findroot(score, (mp.mpf("0.38"), mp.mpf(12)))
    print("n = %d, r = %s, alpha = %s, LL = %s" % (sum(rows.values()), mp.nstr(r, 15), mp.nstr(a, 15),
                                                    mp.nstr(ll(r, a), 15)))


if __name__ == "__main__":
    main(sys.argv[1])
