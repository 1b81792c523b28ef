#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of the `cva` command-line program (standard library only).

Usage: test_cli.py PATH_TO_CVA GROUP
Groups: help, cdnow, bad_input, json, text_ids, occasion, stdin, misc, demo.
Exit status 0 pass, 1 fail, 77 skip (meson convention).
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time

CVA = None
FAILS = []


def run(args, stdin=None, cwd=None):
    p = subprocess.run([CVA] + args, input=stdin, cwd=cwd, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def write(path, data, mode="wb"):
    with open(path, mode) as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------------- groups

def t_help():
    rc, out, err = run(["--version"])
    check(rc == 0 and out.startswith("cva ") and out.strip().split()[-1][0].isdigit(), "--version")
    rc, out, _ = run(["--help"])
    check(rc == 0 and "summary" in out and "demo" in out and "Exit status" in out, "--help")
    for cmd in ("summary", "demo"):
        rc1, out1, _ = run(["help", cmd])
        rc2, out2, _ = run([cmd, "--help"])
        check(rc1 == 0 and rc2 == 0 and out1 == out2 and ("Usage: cva " + cmd) in out1, "help " + cmd)
    rc, out, _ = run(["help", "summary"])
    check("sorted" in out and "byte-wise" in out, "summary help documents text-id order")
    rc, _, err = run([])
    check(rc == 2 and "Usage" in err, "no arguments -> usage, exit 2")
    rc, _, err = run(["frobnicate"])
    check(rc == 2 and "unknown command" in err, "unknown command")
    rc, _, err = run(["summary", "--bogus", "x"])
    check(rc == 2 and "unknown option '--bogus'" in err, "unknown option: exit 2 (%d %r)" % (rc, err))
    rc, _, err = run(["summary", "--input"])
    check(rc == 2 and "needs a value" in err, "missing option value")
    rc, _, err = run(["summary"])
    check(rc == 2 and "no input" in err, "no --input")
    for bad in (["--occasion", "year"], ["--time-unit", "month"], ["--format", "xml"],
                ["--delimiter", "ab"], ["--end", "1997-02-30"], ["--calibration-end", "soon"]):
        rc, _, err = run(["summary", "--input", "x.csv"] + bad)
        check(rc == 2, "bad option value %s -> exit 2 (got %d %r)" % (bad, rc, err))


def t_cdnow():
    data = os.environ.get("CVA_DATA_DIR", "")
    sample = os.path.join(data, "CDNOW_sample.txt")
    ref1 = os.path.join(data, "cdnow_customers_summary.csv")
    ref2 = os.path.join(data, "cdnow_customers_summary_with_transactions.csv")
    if not all(os.path.exists(p) for p in (sample, ref1, ref2)):
        msg = "SKIP: reference data not found at %r (set CVA_DATA_DIR)" % data
        print(msg)
        sys.stderr.write(msg + "\n")
        if os.environ.get("CVA_REQUIRE_DATA") == "1":
            print("FAIL: CVA_REQUIRE_DATA=1 but the data is missing")
            sys.exit(1)
        sys.exit(77)
    rc, out, err = run(["summary", "--input", sample, "--no-header", "--delimiter", "whitespace",
                        "--customer-col", "2", "--date-col", "3", "--amount-col", "5",
                        "--calibration-end", "1997-09-30", "--time-unit", "week"])
    check(rc == 0, "cdnow summary exit 0 (%d: %s)" % (rc, err))
    ours = {r["customer_id"]: r for r in rows(out)}
    with open(ref1, newline="") as f:
        ref = {r["ID"]: r for r in csv.DictReader(f)}
    with open(ref2, newline="") as f:
        refz = {r["ID"]: r for r in csv.DictReader(f)}
    check(len(ours) == len(ref) == 2357, "2357 customers (got %d)" % len(ours))
    nfreq = 0
    dr = dT = dz = 0.0
    for k, r in ref.items():
        o = ours.get(k)
        if o is None:
            check(False, "customer %s missing" % k)
            continue
        if float(o["frequency"]) != float(r["frequency"]):
            nfreq += 1
        dr = max(dr, abs(float(o["recency"]) - float(r["recency"])))
        dT = max(dT, abs(float(o["T"]) - float(r["T"])))
        dz = max(dz, abs(float(o["monetary_value"]) - float(refz[k]["zbar"])))
        # the holdout runs 1997-10-01..1998-06-30: 39 weeks for everybody
        check(float(o["duration_holdout"]) == 39.0, "duration_holdout 39 weeks") if k == "1" else None
    check(nfreq == 0, "frequency equal for every customer (%d differ)" % nfreq)
    check(dr <= 0.005, "recency within 2-decimal rounding (max |diff| %.6f)" % dr)
    check(dT <= 0.005, "T within 2-decimal rounding (max |diff| %.6f)" % dT)
    # zbar is rounded to cents; half-cent ties (22.345 -> 22.35) give exactly 0.005
    check(dz <= 0.005 + 1e-9, "monetary_value vs zbar within 0.005 (max |diff| %.6f)" % dz)
    print("cdnow: max |diff| recency %.5f, T %.5f, monetary %.5f" % (dr, dT, dz))
    # published facts: customer 1 has x=2, t_x=30.43, T=38.86 (FHL 2005a)
    o = ours["1"]
    check(o["frequency"] == "2" and abs(float(o["recency"]) - 30.43) < 0.005, "customer 1 x=2 t_x=30.43")
    check(o["first_date"] == "1997-01-01" and o["last_date"] == "1997-08-02", "customer 1 dates")
    # holdout sums: the CDNOW holdout has 1,459 repeat transactions? Count distinct purchase days instead.
    hold = sum(float(r["frequency_holdout"]) for r in ours.values())
    days = set()
    with open(sample) as f:
        for line in f:
            p = line.split()
            if p and p[2] > "19970930":
                days.add((p[1], p[2]))
    check(hold == len(days), "holdout occasions = distinct (customer, day) after 1997-09-30 (%g vs %d)"
          % (hold, len(days)))


def bad_case(tmp, name, content, args, code, needles, pre_existing=False):
    d = os.path.join(tmp, name)
    os.mkdir(d)
    inp = os.path.join(d, "in.csv")
    if content is not None:
        write(inp, content)
    outp = os.path.join(d, "out.csv")
    if pre_existing:
        write(outp, "OLD\n")
    rc, out, err = run(["summary", "--input", inp, "-o", outp] + args)
    check(rc == code, "%s: exit %d (got %d, stderr %r)" % (name, code, rc, err))
    for n in needles:
        check(n in err, "%s: stderr mentions %r (got %r)" % (name, n, err))
    check(err.startswith("cva: "), "%s: message starts with 'cva: '" % name)
    left = sorted(os.listdir(d))
    if pre_existing:
        with open(outp) as f:
            check(f.read() == "OLD\n", "%s: existing output untouched" % name)
        check(left == ["in.csv", "out.csv"], "%s: no temporary files left (%s)" % (name, left))
    else:
        want = ["in.csv"] if content is not None else []
        check(left == want, "%s: no output or temporary file written (%s)" % (name, left))


def t_bad_input():
    H = "customer_id,date,amount\n"
    with tempfile.TemporaryDirectory() as tmp:
        bad_case(tmp, "ragged_short", H + "1,2024-01-01,5\n2,2024-01-02\n", [], 3,
                 ["in.csv:3:3:", "row has 2 fields, expected 3"])
        bad_case(tmp, "ragged_long", H + "1,2024-01-01,5,9\n", [], 3, ["in.csv:2:4:", "4 fields"])
        bad_case(tmp, "bad_date_month", H + "1,2024-01-01,5\n2,1997-13-01,5\n", [], 3,
                 ["in.csv:3:2:", "\"1997-13-01\"", "column 'date'"], pre_existing=True)
        bad_case(tmp, "bad_date_format", H + "1,01/02/2024,5\n", [], 3, ["in.csv:2:2:", "bad date"])
        bad_case(tmp, "feb30", H + "1,2023-02-29,5\n", [], 3, ["in.csv:2:2:", "impossible date"])
        bad_case(tmp, "unterminated_quote", H + "1,\"2024-01-01,5\n2,2024-01-01,5\n", [], 3,
                 ["in.csv:2:2:", "unterminated quoted field"])
        bad_case(tmp, "after_quote", H + "\"1\"x,2024-01-01,5\n", [], 3,
                 ["in.csv:2:1:", "after a closing quote"])
        # a quoted field spanning lines: the error on the next record names the right line
        bad_case(tmp, "line_after_multiline", H + "\"a\nb\",2024-01-01,5\nc,2024-01-01,abc\n", [], 3,
                 ["in.csv:4:3:", "bad amount", "\"abc\""])
        bad_case(tmp, "nan_amount", H + "1,2024-01-01,5\n1,2024-01-02,NaN\n", [], 3,
                 ["in.csv:3:3:", "non-finite amount", "\"NaN\""])
        bad_case(tmp, "inf_amount", H + "1,2024-01-01,inf\n", [], 3, ["in.csv:2:3:", "non-finite"])
        bad_case(tmp, "huge_amount", H + "1,2024-01-01,1e999\n", [], 3, ["in.csv:2:3:", "non-finite"])
        bad_case(tmp, "inf_cost", "customer_id,date,amount,cost\n1,2024-01-01,5,-Infinity\n", [], 3,
                 ["in.csv:2:4:", "non-finite cost"])
        bad_case(tmp, "empty_amount", H + "1,2024-01-01,\n", [], 3, ["in.csv:2:3:", "empty amount"])
        bad_case(tmp, "empty_id", H + ",2024-01-01,3\n", [], 3, ["in.csv:2:1:", "empty customer id"])
        bad_case(tmp, "comma_decimal", H + "1,2024-01-01,\"1,5\"\n", [], 3, ["in.csv:2:3:", "bad amount"])
        bad_case(tmp, "missing_column", "customer_id,date,value\n1,2024-01-01,5\n", [], 3,
                 ["in.csv:1:", "no amount column 'amount'", "--amount-col"])
        bad_case(tmp, "missing_given_cost", H + "1,2024-01-01,5\n", ["--cost-col", "cogs"], 3,
                 ["no cost column 'cogs'"])
        bad_case(tmp, "empty_file", "", [], 3, ["in.csv: empty input"])
        bad_case(tmp, "blank_lines_only", "\n\r\n\n", [], 3, ["empty input"])
        bad_case(tmp, "bom_only", b"\xef\xbb\xbf", [], 3, ["empty input"])
        bad_case(tmp, "no_header_empty", "", ["--no-header"], 3, ["empty input"])
        bad_case(tmp, "no_header_bad_col", "1,2024-01-01,5\n", ["--no-header", "--amount-col", "amount"], 2,
                 ["column number"])
        bad_case(tmp, "no_header_col_out_of_range", "1,2024-01-01,5\n", ["--no-header", "--amount-col", "7"],
                 3, ["in.csv:1:", "first row has 3 fields"])
        bad_case(tmp, "missing_input_file", None, [], 4, ["cannot open"])
        bad_case(tmp, "referrer_reserved", "customer_id,date,amount,referrer_id\n"
                 "1,2024-01-01,5,-9223372036854775808\n", [], 3, ["in.csv:2:4:", "reserved"])
        bad_case(tmp, "unknown_option", H + "1,2024-01-01,5\n", ["--colour"], 2, ["unknown option"])
        bad_case(tmp, "end_before_cal", H + "1,2024-01-01,5\n",
                 ["--end", "2024-01-01", "--calibration-end", "2024-02-01"], 2, ["after --end"])

        # output into a directory that does not exist / a path under a file
        inp = os.path.join(tmp, "ok.csv")
        write(inp, H + "1,2024-01-01,5\n")
        rc, _, err = run(["summary", "--input", inp, "-o", os.path.join(tmp, "nodir", "out.csv")])
        check(rc == 4 and "cannot create the output file" in err, "non-existent output dir: exit 4 (%d %r)"
              % (rc, err))
        rc, _, err = run(["summary", "--input", inp, "-o", os.path.join(inp, "out.csv")])
        check(rc == 4, "output under a regular file: exit 4 (%d %r)" % (rc, err))
        rc, _, err = run(["summary", "--input", inp, "-o", tmp])
        check(rc == 4 and "directory" in err, "output is a directory: exit 4")
        ro = os.path.join(tmp, "ro")
        os.mkdir(ro)
        os.chmod(ro, 0o555)
        if os.access(ro, os.W_OK):
            print("note: running as a user who can write read-only dirs (root); checked ENOENT/ENOTDIR instead")
        else:
            rc, _, err = run(["summary", "--input", inp, "-o", os.path.join(ro, "out.csv")])
            check(rc == 4 and os.listdir(ro) == [], "read-only output dir: exit 4, nothing written")
        os.chmod(ro, 0o755)
        # /dev/null is written directly, never replaced
        rc, _, err = run(["summary", "--input", inp, "-o", "/dev/null"])
        check(rc == 0 and os.path.exists("/dev/null") and not os.path.isfile("/dev/null"), "-o /dev/null")


def t_formats():
    """BOM, CRLF, quotes, header-only, delimiters, blank lines."""
    with tempfile.TemporaryDirectory() as tmp:
        base = "customer_id,date,amount\n1,2024-01-01,5\n1,2024-01-03,7.25\n2,2024-01-02,3\n"
        p = os.path.join(tmp, "a.csv")
        write(p, base)
        rc, ref_out, err = run(["summary", "--input", p])
        check(rc == 0, "plain file (%s)" % err)
        variants = {
            "bom": b"\xef\xbb\xbf" + base.encode(),
            "crlf": base.replace("\n", "\r\n").encode(),
            "bom_crlf_noeol": b"\xef\xbb\xbf" + base.replace("\n", "\r\n").rstrip("\r\n").encode(),
            "quoted": b'"customer_id","date","amount"\n"1","2024-01-01","5"\n1,"2024-01-03",7.25\n'
                      b'"2",2024-01-02,"3"\n',
            "blank_lines": ("\n" + base.replace("\n", "\n\n")).encode(),
            "spaces": b"customer_id, date , amount\n1, 2024-01-01 ,5\n1,2024-01-03, 7.25\n2 ,2024-01-02,3\n",
            "cr_only": base.replace("\n", "\r").encode(),
        }
        for name, data in variants.items():
            write(p, data)
            rc, out, err = run(["summary", "--input", p])
            check(rc == 0 and out == ref_out, "format variant %s gives the same output (%d %r)" % (name, rc, err))
        for delim, arg in ((";", ";"), ("\t", "tab"), ("|", "|")):
            write(p, base.replace(",", delim))
            rc, out, err = run(["summary", "--input", p, "--delimiter", arg])
            check(rc == 0 and out == ref_out, "delimiter %r" % arg)
        write(p, "  1   2024-01-01\t5  \n\n 1 2024-01-03 7.25\r\n2 2024-01-02 3")
        rc, out, err = run(["summary", "--input", p, "--delimiter", "whitespace", "--no-header"])
        check(rc == 0 and out == ref_out, "whitespace, no header, default positions 1,2,3 (%r)" % err)
        # header only: empty output with a header, exit 0, a note
        write(p, "customer_id,date,amount\n")
        outp = os.path.join(tmp, "h.csv")
        rc, out, err = run(["summary", "--input", p, "-o", outp])
        with open(outp) as f:
            got = f.read()
        check(rc == 0 and got.startswith("customer_id,frequency,recency,T,monetary_value,n_txn,")
              and got.count("\n") == 1 and "no transactions" in err, "header-only -> header only, note")
        # embedded delimiter and newline inside quoted text ids survive the round trip
        write(p, 'customer_id,date,amount\n"a,b",2024-01-01,1\n"x\ny",2024-01-02,2\n"q""r",2024-01-02,2\n')
        rc, out, err = run(["summary", "--input", p])
        ids = [r["customer_id"] for r in rows(out)]
        check(rc == 0 and ids == ["a,b", 'q"r', "x\ny"], "quoted text ids round trip (%r)" % ids)
        # column selection by number with a header, case-insensitive names
        write(p, "Date,Amount,Customer_ID\n2024-01-01,5,1\n2024-01-03,7.25,1\n2024-01-02,3,2\n")
        rc, out, err = run(["summary", "--input", p])
        check(rc == 0 and out == ref_out, "case-insensitive column names (%r)" % err)
        rc, out, err = run(["summary", "--input", p, "--customer-col", "3", "--date-col", "1",
                            "--amount-col", "2"])
        check(rc == 0 and out == ref_out, "column numbers with a header")
        # date forms
        write(p, "customer_id,date,amount\n1,20240101,5\n1,2024-01-03T08:00:00.5Z,7.25\n2,2024-01-02 00:00,3\n")
        rc, out, err = run(["summary", "--input", p])
        r = rows(out)
        check(rc == 0 and r[0]["last_date"] == "2024-01-03" and r[0]["first_date"] == "2024-01-01",
              "YYYYMMDD and date-times (%r)" % err)
        check(rc == 0 and abs(float(r[0]["recency"]) - (2 + (8 * 3600 + 0.5) / 86400)) < 1e-9,
              "date-time recency is fractional days")


def t_json():
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "a.csv")
        write(p, "customer_id,date,amount,cost,referrer_id\n"
                 "1,2024-01-01,10.5,1,\n1,2024-01-05,20,2,\n2,2024-01-02,5,0.5,1\n2,2024-03-01,7,0,\n"
                 "3,2024-02-01,-4,0,\n1,2024-02-10,1.25,0,9\n")
        rc, out_csv, err = run(["summary", "--input", p])
        check(rc == 0, "csv run (%s)" % err)
        rc, out, err = run(["summary", "--input", p, "--format", "json", "--calibration-end", "2024-01-31"])
        check(rc == 0, "json run exit 0 (%s)" % err)
        doc = json.loads(out)
        check(doc["command"] == "summary" and doc["calibration_end"] == "2024-01-31"
              and doc["end"] == "2024-03-01" and doc["id_type"] == "integer", "json metadata")
        cs = doc["customers"]
        check([c["customer_id"] for c in cs] == [1, 2], "json ids (3 has no calibration purchase, 9 only "
              "refers after the calibration end: both left out): %r" % [c["customer_id"] for c in cs])
        check(doc["n_customers"] == len(cs), "n_customers matches")
        c1 = cs[0]
        check(c1["frequency"] == 1 and c1["recency"] == 4 and c1["T"] == 30 and c1["monetary_value"] == 20
              and c1["frequency_holdout"] == 1 and c1["monetary_value_holdout"] == 1.25
              and c1["duration_holdout"] == 30 and c1["total_cost"] == 3 and c1["n_txn"] == 2,
              "json values customer 1: %r" % c1)
        check("1 customer without a purchase up to the calibration end 2024-01-31" in err, "calibration note (%r)" % err)
        # without a split: customer 3 (refund only) and referrer 9 have nulls
        rc, out, err = run(["summary", "--input", p, "--format", "json"])
        cs = {c["customer_id"]: c for c in json.loads(out)["customers"]}
        check(set(cs) == {1, 2, 3, 9}, "all customers incl. referrer-only 9: %r" % sorted(cs))
        check(cs[3]["frequency"] is None and cs[3]["first_date"] is None and cs[3]["total_amount"] == -4
              and cs[3]["n_txn"] == 0, "refund-only customer: nulls, total -4 (%r)" % cs[3])
        check(cs[9]["n_txn"] == 0 and cs[9]["recency"] is None, "referrer-only customer 9")
        # the same numbers as the CSV output
        for r in rows(out_csv):
            c = cs[int(r["customer_id"])]
            for k, v in r.items():
                if k == "customer_id":
                    continue
                j = c[k]
                if v == "":
                    check(j is None, "csv empty <-> json null (%s)" % k)
                elif k.endswith("_date"):
                    check(j == v, "dates equal")
                else:
                    check(float(v) == float(j), "csv and json agree on %s: %r vs %r" % (k, v, j))
        # json text ids are strings
        write(p, "customer_id,date,amount\n\"A\"\"q\",2024-01-01,1\nB\\x,2024-01-02,2\n")
        rc, out, err = run(["summary", "--input", p, "--format", "json"])
        doc = json.loads(out)
        check(doc["id_type"] == "text" and [c["customer_id"] for c in doc["customers"]] == ['A"q', "B\\x"],
              "json text ids escaped")
        # header-only json
        write(p, "customer_id,date,amount\n")
        rc, out, err = run(["summary", "--input", p, "--format", "json"])
        doc = json.loads(out)
        check(rc == 0 and doc["customers"] == [] and doc["n_customers"] == 0, "header-only json")


def t_text_ids():
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "a.csv")
        write(p, "customer_id,date,amount,referrer_id\n"
                 "C-9,2024-01-01,1,\nb,2024-01-02,2,C-10\nC-10,2024-01-03,3,\nA,2024-01-04,4,zz\n"
                 "C-9,2024-01-05,5,\n\"\u00e9t\u00e9\",2024-01-06,6,\n")
        rc, out, err = run(["summary", "--input", p])
        ids = [r["customer_id"] for r in rows(out)]
        want = sorted(["C-9", "b", "C-10", "A", "zz", "\u00e9t\u00e9"], key=lambda s: s.encode())
        check(rc == 0 and ids == want, "text ids sorted byte-wise incl. referrer-only 'zz': %r" % ids)
        r = {x["customer_id"]: x for x in rows(out)}
        check(r["C-9"]["frequency"] == "1" and r["C-9"]["n_txn"] == "2", "text id aggregation")
        # numeric ids first, text later: earlier numeric ids keep their original spelling
        write(p, "customer_id,date,amount\n007,2024-01-01,1\n7,2024-01-02,1\n12,2024-01-02,1\nX1,2024-01-03,2\n")
        rc, out, err = run(["summary", "--input", p])
        ids = [r["customer_id"] for r in rows(out)]
        check(rc == 0 and ids == ["007", "12", "X1"], "switch to text keeps '007' (%r)" % ids)
        # numeric ids: leading zeros are the same number, output canonical and sorted by value
        write(p, "customer_id,date,amount\n010,2024-01-01,1\n9,2024-01-02,1\n+10,2024-01-03,1\n-3,2024-01-03,1\n")
        rc, out, err = run(["summary", "--input", p])
        r = rows(out)
        check([x["customer_id"] for x in r] == ["-3", "9", "10"] and r[2]["n_txn"] == "2",
              "numeric ids by value (%r)" % [x["customer_id"] for x in r])
        # int64 extremes stay numeric; one beyond makes the ids text
        write(p, "customer_id,date,amount\n9223372036854775807,2024-01-01,1\n"
                 "-9223372036854775808,2024-01-02,1\n0,2024-01-02,1\n9223372036854775807,2024-01-01,1\n")
        rc, out, err = run(["summary", "--input", p, "--format", "json"])
        doc = json.loads(out)
        check(rc == 0 and doc["id_type"] == "integer"
              and [c["customer_id"] for c in doc["customers"]] == [-2**63, 0, 2**63 - 1]
              and doc["customers"][2]["n_txn"] == 2, "int64 extremes (%r)" % err)
        write(p, "customer_id,date,amount\n9223372036854775808,2024-01-01,1\n5,2024-01-02,1\n")
        rc, out, err = run(["summary", "--input", p])
        check(rc == 0 and [x["customer_id"] for x in rows(out)] == ["5", "9223372036854775808"],
              "id beyond int64 -> text ids")
        # duplicate rows are separate transactions
        write(p, "customer_id,date,amount\n1,2024-01-01,5\n1,2024-01-01,5\n")
        rc, out, err = run(["summary", "--input", p])
        r = rows(out)[0]
        check(r["n_txn"] == "2" and r["frequency"] == "0" and r["total_amount"] == "10", "duplicate rows")


def t_occasion():
    data = ("customer_id,date,amount\n"
            "1,2024-01-01,10\n1,2024-01-03,20\n1,2024-01-08,30\n1,2024-01-31,40\n1,2024-02-01,50\n"
            "2,2024-01-07,5\n2,2024-01-08,7\n"       # Sunday then Monday: two ISO weeks, one month
            "3,2023-12-31,1\n3,2024-01-01,2\n")      # Sunday/Monday across a year and month boundary
    expect = {  # occasion: {customer: (frequency, monetary_value)}
        "day": {"1": (4, 35), "2": (1, 7), "3": (1, 2)},
        "week": {"1": (2, 60), "2": (1, 7), "3": (1, 2)},
        "month": {"1": (1, 50), "2": (0, 0), "3": (1, 2)},
    }
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "a.csv")
        write(p, data)
        for occ, exp in expect.items():
            rc, out, err = run(["summary", "--input", p, "--occasion", occ])
            r = {x["customer_id"]: x for x in rows(out)}
            for cid, (f, m) in exp.items():
                check(rc == 0 and float(r[cid]["frequency"]) == f and float(r[cid]["monetary_value"]) == m,
                      "occasion %s customer %s: frequency %g monetary %g (got %s %s)"
                      % (occ, cid, f, m, r[cid]["frequency"], r[cid]["monetary_value"]))
            # recency runs from the first purchase of the first occasion to the first purchase of
            # the last occasion (weeks: the last occasion starts with 2024-01-31), continuous days
            want_rec = {"day": "31", "week": "30", "month": "31"}[occ]
            check(r["1"]["recency"] == want_rec and r["1"]["T"] == "31" and r["1"]["days_since_last"] == "0",
                  "occasion %s: recency %s / T 31 in days (got %s %s)" % (occ, want_rec, r["1"]["recency"],
                                                                        r["1"]["T"]))
        rc, out, err = run(["summary", "--input", p, "--occasion", "week", "--time-unit", "week"])
        r = {x["customer_id"]: x for x in rows(out)}
        check(abs(float(r["1"]["recency"]) - 30 / 7) < 1e-15 and abs(float(r["1"]["T"]) - 31 / 7) < 1e-15
              and r["1"]["days_since_last"] == "0",
              "time unit week: recency 30/7, T 31/7, days_since_last stays in days")
        # --end leaves later rows out with a note
        rc, out, err = run(["summary", "--input", p, "--end", "2024-01-08"])
        r = {x["customer_id"]: x for x in rows(out)}
        check(rc == 0 and "2 rows after the end date 2024-01-08 left out" in err, "end note (%r)" % err)
        check(r["1"]["n_txn"] == "3" and r["1"]["T"] == "7" and r["3"]["days_since_last"] == "7",
              "--end values")
        rc, out, err = run(["summary", "--input", p, "--end", "2020-01-01"])
        check(rc == 0 and len(rows(out)) == 0 and "no transactions up to the end" in err, "all rows excluded")


def t_stdin():
    data = b"customer_id,date,amount\n2,2024-01-02,3\n1,2024-01-01,5\n1,2024-01-03,7.25\n"
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "a.csv")
        write(p, data)
        rc1, out1, _ = run(["summary", "--input", p])
        rc2, out2, _ = run(["summary", "--input", "-"], stdin=data)
        check(rc1 == 0 and rc2 == 0 and out1 == out2 and len(rows(out2)) == 2, "stdin equals file")
        rc, out, err = run(["summary", "--input", "-"], stdin=b"customer_id,date,amount\n1,20241301,5\n")
        check(rc == 3 and "<stdin>:2:2:" in err, "stdin errors are named <stdin> (%r)" % err)
        # positional input and -o to a file
        outp = os.path.join(tmp, "o.csv")
        rc, out, err = run(["summary", p, "-o", outp])
        with open(outp) as f:
            check(rc == 0 and out == "" and f.read() == out1, "-o FILE and positional input")
        rc, out, err = run(["summary", p, "--output=" + outp, "--format=csv"])
        check(rc == 0, "--opt=value form")


def t_demo():
    t0 = time.time()
    rc, out, err = run(["demo"])
    dt = time.time() - t0
    check(rc == 0, "demo exit 0 (%r)" % err)
    for needle in ("20,000 customers", "Customer base", "repeat buyers", "Top 10 customers by revenue",
                   "Calibration / holdout split", "active in holdout"):
        check(needle in out, "demo report has %r" % needle)
    check(dt < 1.0, "demo runs in under a second (%.3f s)" % dt)
    rc2, out2, _ = run(["demo"])
    check(out2 == out, "demo is deterministic")
    rc, out3, err = run(["demo", "--customers", "500", "--seed", "7"])
    check(rc == 0 and "500 customers" in out3 and "seed 7" in out3 and out3 != out, "demo options")
    rc, _, err = run(["demo", "--customers", "0"])
    check(rc == 2, "demo --customers 0 is a usage error")
    print("demo: %.3f s" % dt)


GROUPS = {"help": t_help, "cdnow": t_cdnow, "bad_input": t_bad_input, "formats": t_formats, "json": t_json,
          "text_ids": t_text_ids, "occasion": t_occasion, "stdin": t_stdin, "demo": t_demo}


def main():
    global CVA
    if len(sys.argv) != 3 or sys.argv[2] not in GROUPS:
        print(__doc__)
        return 2
    CVA = os.path.abspath(sys.argv[1])
    GROUPS[sys.argv[2]]()
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
