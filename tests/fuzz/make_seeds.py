#!/usr/bin/env python3
"""Write the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/).

Usage: make_seeds.py [CORPUS_DIR]   (default: corpus/ beside this script)

Deterministic (seeded): rerunning it rewrites the same files. The inputs are
generated here, none is copied from a data set. Text targets (csv,
summary_file, params_json) get small well-formed and slightly broken files
behind their option byte(s); the structured targets get random bytes of
varied lengths (every byte string decodes to an input) plus a few hand-made
ones that reach the reference checks.
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def csv_rows(rng, n, sep=",", header=True, iso=True):
    out = ["customer_id%sdate%samount" % (sep, sep)] if header else []
    for _ in range(n):
        cid = rng.choice(["1", "2", "17", "C-7", "-3", "9223372036854775807", '"a,b"'])
        y, m, d = rng.randint(1997, 2024), rng.randint(1, 12), rng.randint(1, 28)
        date = "%04d-%02d-%02d" % (y, m, d) if iso else "%d/%d/%04d %d:%02d" % (m, d, y, rng.randint(0, 23), rng.randint(0, 59))
        amt = rng.choice(["10.50", "0", "-3.25", "1e2", "7", "2.55", ".5", "99999999999999999999"])
        out.append(sep.join([cid, date, amt]))
    return ("\r\n" if rng.random() < 0.3 else "\n").join(out).encode() + b"\n"


def seeds_csv(rng, d):
    for i in range(24):
        mode = rng.randrange(256) & ~0x04  # header row
        b1 = rng.randrange(256) & ~0x01 if i % 3 else rng.randrange(256)
        sep = {0: ",", 1: " ", 2: "\t", 3: ";"}[mode & 3]
        body = csv_rows(rng, rng.randint(0, 30), sep=sep, iso=not (b1 & 1))
        if i % 5 == 4:
            body = body[: rng.randint(0, len(body))]
        if i % 7 == 6:
            body = b"\xef\xbb\xbf" + body
        write(d, "seed-%02d" % i, bytes([mode, b1]) + body)
    write(d, "line-items", bytes([0x00, 0x04]) +
          b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
          b"536365,85123A,6,2010-12-01 08:26,2.55,17850\nC536379,D,-1,2010-12-01 09:41,27.50,14527\n")


def seeds_summary(rng, d):
    heads = ["customer_id,frequency,recency,T,monetary_value",
             "id,x,t_x,T,m_x,weights",
             "customer_id,frequency,recency,T,monetary_value,time_unit",
             "x,t_x,periods"]
    for i in range(24):
        h = heads[i % 4]
        cols = h.split(",")
        rows = [h]
        for r in range(rng.randint(0, 20)):
            x = rng.randint(0, 9)
            T = rng.randint(0, 40) + (0 if i % 4 == 3 else rng.choice([0, 0.5, 0.25]))
            tx = 0 if x == 0 else (rng.randint(x, int(T)) if i % 4 == 3 and int(T) >= x else round(rng.uniform(0, T), 2))
            vals = {"customer_id": str(r + 1), "id": "c%d" % r, "frequency": str(x), "x": str(x),
                    "recency": str(tx), "t_x": str(tx), "T": str(T), "periods": str(int(T)),
                    "monetary_value": "%.2f" % rng.uniform(0, 100), "m_x": "%.2f" % rng.uniform(0, 100),
                    "weights": str(rng.randint(1, 5)), "time_unit": rng.choice(["day", "week"]) if i % 8 == 2 else "day"}
            if rng.random() < 0.1:
                vals[rng.choice(cols)] = rng.choice(["", "-1", "NaN", "1.5", "abc", "1e999"])
            rows.append(",".join(vals[c] for c in cols))
        mode = (0x04 if i % 4 == 3 else 0) | (0x08 if i % 2 else 0)
        write(d, "seed-%02d" % i, bytes([mode]) + ("\n".join(rows) + "\n").encode())


def seeds_params(rng, d):
    models = {"bgnbd": ["r", "alpha", "a", "b"], "mbgnbd": ["r", "alpha", "a", "b"],
              "pnbd": ["r", "alpha", "s", "beta"], "bgbb": ["alpha", "beta", "gamma", "delta"],
              "gg": ["p", "q", "v"], "sbg": ["alpha", "beta"]}
    i = 0
    for m, names in models.items():
        for variant in range(4):
            ps = ", ".join('"%s": %s' % (n, rng.choice(["0.243", "4.41", "0.79", "2.43", "1e-3", "12"]))
                           for n in names)
            extra = ""
            if variant == 1:
                extra = ', "time_unit": "week", "converged": false, "boundary": ["%s"]' % names[0]
            elif variant == 2:
                extra = ', "log_likelihood": -9582.4, "n": [1, 2, {"k": null}], "note": "x\\u00e9"'
            text = '{"model": "%s", "params": {%s}%s}\n' % (m, ps, extra)
            if variant == 3:
                text = text[: rng.randint(1, len(text))]
            write(d, "seed-%02d" % i, bytes([rng.randrange(9)]) + text.encode())
            i += 1


def seeds_random(rng, d, n=24, lo=8, hi=1500):
    for i in range(n):
        write(d, "seed-%02d" % i, bytes(rng.randrange(256) for _ in range(rng.randint(lo, hi))))


def seeds_txn(rng, d):
    seeds_random(rng, d, 20, 8, 1200)
    # default options (mode 0), small ordinary values: reaches the brute-force reference
    for i in range(8):
        n = rng.randint(1, 40)
        b = bytearray([0x00, 0x00, n])
        for _ in range(n):
            b += bytes([rng.randint(12, 30)])           # id from the small pool
            b += bytes([rng.randint(16, 239), rng.randint(64, 120)])  # time
            b += bytes([rng.randint(16, 255), rng.randint(40, 120)])  # amount (some negative)
        write(d, "reference-%02d" % i, bytes(b))


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(HERE, "corpus")
    gens = {"csv": seeds_csv, "summary_file": seeds_summary, "params_json": seeds_params, "txn": seeds_txn,
            "rfm": seeds_random, "tiers": seeds_random, "models": seeds_random, "ladder_whatif": seeds_random}
    for name, gen in gens.items():
        gen(random.Random("cva-fuzz-" + name), os.path.join(root, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
