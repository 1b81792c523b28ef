#!/usr/bin/env python3
"""The PostgreSQL extension's tests (meson suite `postgres`): pg_regress against a server
this script starts itself.

Usage: run_pg_tests.py --srcdir DIR --cva CVA (--module cva.so --bindir DIR --pgxs PGXS_MK | --why REASON)
                       [--keep] [--bench N]

1. A private installation tree in a temporary directory: the server's binaries
   (postgres, initdb, pg_ctl) are copied into TMP/stage + their system path, and the
   system's share and pkglib directories are mirrored there by symbolic links, plus the
   extension (cva.so, cva.control, cva--0.1.sql). PostgreSQL locates its share and lib
   directories relative to the real path of its executable, so this server finds the
   extension without anything installed on the machine (PostgreSQL 15 has no search
   path for control files).
2. initdb and the server run as an unprivileged user when this script runs as root
   (the server refuses root): `nobody`, through runuser/setpriv; unix socket in the
   temporary directory, no TCP.
3. The CDNOW sample is loaded into a table, and the outputs of the `cva` CLI on the same
   data (summary, fits, predictions, RFM scores, Gini and top shares) into tables cli_*;
   the regression SQL (tests/sql/*.sql, expected output tests/expected/*.out) compares
   the extension's results with them.

Without PostgreSQL (--why) or without the data it exits 77 (skip) with the reason;
CVA_REQUIRE_POSTGRES=1 (set by .ci/run) turns the missing server into a failure,
CVA_REQUIRE_DATA=1 the missing data.
"""
import argparse
import csv
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

TESTS = ["init", "functions", "nulls_errors", "cdnow", "rfm", "whatif", "cancel"]
WHATIF = {
    "basic": ["--customers", "1000", "--margin", "100", "--retention", "0.8", "--delta-retention", "0.05"],
    "options": ["--customers", "5000", "--margin", "80", "--retention", "0.7", "--delta-retention", "5",
                "--delta-mode", "rel", "--discount", "0.08", "--timing", "start", "--horizon", "10",
                "--retention-cost", "5", "--delta-retention-cost", "2", "--margin-growth", "0.02"],
    "no_customers": ["--customers", "0", "--margin", "100", "--retention", "0.8", "--delta-retention", "0.05",
                     "--retention-cost", "4", "--acquisition-cost", "50", "--new-customers", "10"],
}
CAL_END = "1997-09-30"


def skip_or_fail(msg, require_env):
    if os.environ.get(require_env) == "1":
        print("FAIL (%s=1): %s" % (require_env, msg))
        sys.exit(1)
    print("SKIP: " + msg)
    sys.exit(77)


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, **kw)
    if r.returncode != 0:
        sys.stderr.write("command failed (%d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
        raise SystemExit(1)
    return r.stdout


def as_user_prefix():
    """The command prefix running the server as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return [], None
    pw = pwd.getpwnam("nobody")
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid, "--clear-groups", "--"], pw
    return ["runuser", "-u", "nobody", "--"], pw


def stage_tree(tmp, bindir, module, srcdir):
    """Mirror the server's installation under tmp/stage; returns the staged bindir."""
    def cfg(opt):
        return run([os.path.join(bindir, "pg_config") if os.path.exists(os.path.join(bindir, "pg_config"))
                    else "pg_config", opt]).strip()
    sharedir, pkglibdir = cfg("--sharedir"), cfg("--pkglibdir")
    stage = os.path.join(tmp, "stage")
    sbin = stage + bindir
    os.makedirs(sbin)
    for exe in ("postgres", "initdb", "pg_ctl"):
        shutil.copy2(os.path.join(bindir, exe), os.path.join(sbin, exe))
    sshare, slib = stage + sharedir, stage + pkglibdir
    os.makedirs(os.path.join(sshare, "extension"))
    os.makedirs(slib, exist_ok=True)
    for name in os.listdir(sharedir):
        if name != "extension":
            os.symlink(os.path.join(sharedir, name), os.path.join(sshare, name))
    for name in os.listdir(os.path.join(sharedir, "extension")):
        os.symlink(os.path.join(sharedir, "extension", name), os.path.join(sshare, "extension", name))
    for name in os.listdir(pkglibdir):
        if name != "cva.so":
            os.symlink(os.path.join(pkglibdir, name), os.path.join(slib, name))
    shutil.copy2(module, os.path.join(slib, "cva.so"))
    for f in ("cva.control", os.path.join("sql", "cva--0.1.sql")):
        shutil.copy2(os.path.join(srcdir, f), os.path.join(sshare, "extension", os.path.basename(f)))
    return sbin


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


class Server:
    def __init__(self, tmp, sbin, sysbin):
        self.tmp, self.sbin, self.sysbin = tmp, sbin, sysbin
        self.data = os.path.join(tmp, "data")
        self.sock = os.path.join(tmp, "sock")
        self.port = "5432"
        self.prefix, self.pw = as_user_prefix()
        os.makedirs(self.sock)
        if self.pw:
            for d in (self.sock,):
                os.chown(d, self.pw.pw_uid, self.pw.pw_gid)
            os.chmod(tmp, 0o755)
            os.makedirs(self.data)
            os.chown(self.data, self.pw.pw_uid, self.pw.pw_gid)
            os.chmod(self.data, 0o700)
        self.log = os.path.join(self.sock, "server.log")
        self.started = False

    def initdb_start(self, extra):
        env = dict(os.environ, LC_ALL="C", HOME=self.tmp)
        run(self.prefix + [os.path.join(self.sbin, "initdb"), "-D", self.data, "-U", "cva", "-A", "trust",
                           "--no-sync", "-E", "UTF8", "--locale=C"], env=env, cwd=self.tmp)
        opts = "-k %s -c listen_addresses='' -p %s -c fsync=off -c synchronous_commit=off %s" % (
            self.sock, self.port, extra)
        run(self.prefix + [os.path.join(self.sbin, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60",
                           "-o", opts, "start"], env=env, cwd=self.tmp)
        self.started = True

    def stop(self):
        if self.started:
            subprocess.run(self.prefix + [os.path.join(self.sbin, "pg_ctl"), "-D", self.data, "-m", "fast", "-w",
                                          "stop"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.tmp)
            self.started = False

    def psql(self, db, sql=None, file=None):
        cmd = [os.path.join(self.sysbin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p",
               self.port, "-U", "cva", "-d", db, "-At"]
        cmd += ["-c", sql] if sql is not None else ["-f", file]
        return run(cmd)


def load_cli_outputs(srv, tmp, cva, data):
    """The CDNOW sample as a table, and the CLI's results on it as tables cli_*."""
    sample = os.path.join(data, "CDNOW_sample.txt")
    base = ["--input", sample, "--no-header", "--delimiter", "whitespace", "--customer-col", "2",
            "--date-col", "3", "--amount-col", "5"]
    cal = base + ["--calibration-end", CAL_END]
    sql = []

    def table_from_csv(name, text):
        lines = list(csv.reader(text.splitlines()))
        path = os.path.join(tmp, name + ".csv")
        write_csv(path, lines[0], lines[1:])
        cols = ", ".join('"%s" text' % c for c in lines[0])
        sql.append("CREATE TABLE %s (%s);" % (name, cols))
        sql.append("\\copy %s FROM '%s' WITH (FORMAT csv, HEADER true)" % (name, path))

    # the transactions: customer, date, amount (the sample's id column 2, date 3, amount 5)
    rows = []
    with open(sample) as f:
        for line in f:
            p = line.split()
            if len(p) >= 5:
                rows.append((int(p[1]), "%s-%s-%s" % (p[2][:4], p[2][4:6], p[2][6:8]), p[4]))
    path = os.path.join(tmp, "cdnow.csv")
    write_csv(path, ["customer", "day", "amount"], rows)
    sql.append("CREATE TABLE cdnow (customer int, day date, amount float8);")
    sql.append("\\copy cdnow FROM '%s' WITH (FORMAT csv, HEADER true)" % path)

    table_from_csv("cli_summary", run([cva, "summary"] + cal))
    table_from_csv("cli_summary_nocal", run([cva, "summary"] + base))
    fits = []
    for m in ("bgnbd", "mbgnbd", "pnbd", "nbd", "gg"):
        out = run([cva, "fit", "--model", m] + cal)
        fits.append((m, json.dumps(json.loads(out))))
        with open(os.path.join(tmp, m + ".json"), "w") as f:
            f.write(out)
    fits.append(("bgnbd_day", json.dumps(json.loads(run([cva, "fit", "--model", "bgnbd", "--time-unit", "day"]
                                                          + cal)))))
    path = os.path.join(tmp, "fits.csv")
    write_csv(path, ["model", "j"], fits)
    sql.append("CREATE TABLE cli_fit (model text, j jsonb);")
    sql.append("\\copy cli_fit FROM '%s' WITH (FORMAT csv, HEADER true)" % path)
    for m in ("bgnbd", "pnbd"):
        table_from_csv("cli_predict_" + m, run([cva, "predict", "--params", os.path.join(tmp, m + ".json"),
                                                "--horizon", "39", "--spend", "gg", "--spend-params",
                                                os.path.join(tmp, "gg.json"), "--clv-months", "12",
                                                "--discount", "0.01"] + cal))
    for meth in ("rank-first", "value-cuts", "r-rfm"):
        table_from_csv("cli_rfm_" + meth.replace("-", "_"),
                       run([cva, "rfm", "--method", meth, "--end", CAL_END] + base))
    table_from_csv("cli_tiers_rows", run([cva, "tiers", "-q"] + base))
    stats = json.loads(run([cva, "tiers", "--stats"] + base))
    path = os.path.join(tmp, "tiers.csv")
    write_csv(path, ["what", "v"], [("gini", repr(stats["gini"]))] +
              [("top_" + k, repr(v)) for k, v in stats["top_share"].items()])
    sql.append("CREATE TABLE cli_tiers (what text, v float8);")
    sql.append("\\copy cli_tiers FROM '%s' WITH (FORMAT csv, HEADER true)" % path)
    path = os.path.join(tmp, "whatif.csv")
    write_csv(path, ["scenario", "j"], [(k, json.dumps(json.loads(run([cva, "whatif", "-q"] + v))))
                                        for k, v in WHATIF.items()])
    sql.append("CREATE TABLE cli_whatif (scenario text, j jsonb);")
    sql.append("\\copy cli_whatif FROM '%s' WITH (FORMAT csv, HEADER true)" % path)
    script = os.path.join(tmp, "load.sql")
    with open(script, "w") as f:
        f.write("\n".join(sql) + "\n")
    srv.psql("contrib_regression", file=script)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--cva", required=True)
    ap.add_argument("--module")
    ap.add_argument("--bindir")
    ap.add_argument("--pgxs")
    ap.add_argument("--why")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.why:
        skip_or_fail("PostgreSQL extension not built: " + a.why, "CVA_REQUIRE_POSTGRES")
    regress = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(a.pgxs))), "src", "test", "regress",
                           "pg_regress")
    for exe in (os.path.join(a.bindir, "postgres"), os.path.join(a.bindir, "initdb"), os.path.join(a.bindir, "psql"),
                regress):
        if not os.path.exists(exe):
            skip_or_fail("%s not found (install postgresql-15)" % exe, "CVA_REQUIRE_POSTGRES")
    data = os.environ.get("CVA_DATA_DIR", "")
    if not os.path.exists(os.path.join(data, "CDNOW_sample.txt")):
        skip_or_fail("CDNOW_sample.txt not found in %r (set CVA_DATA_DIR)" % data, "CVA_REQUIRE_DATA")

    t0 = time.time()
    os.umask(0o022)  # the staged tree must be readable by the server's user
    tmp = tempfile.mkdtemp(prefix="cva-pg-")
    srv = None
    rc = 1
    try:
        sbin = stage_tree(tmp, a.bindir, a.module, a.srcdir)
        srv = Server(tmp, sbin, a.bindir)
        # parallel plans on small tables (the tests force them with debug_parallel_query-like costs)
        srv.initdb_start("-c max_worker_processes=4 -c max_parallel_workers=2")
        srv.psql("postgres", "CREATE DATABASE contrib_regression")
        load_cli_outputs(srv, tmp, a.cva, data)
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        r = subprocess.run([regress, "--use-existing", "--host", srv.sock, "--port", srv.port, "--user", "cva",
                            "--dbname", "contrib_regression", "--inputdir", os.path.join(a.srcdir, "tests"),
                            "--outputdir", out, "--bindir", a.bindir] + TESTS,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        print(r.stdout)
        diffs = os.path.join(out, "regression.diffs")
        if r.returncode != 0 and os.path.exists(diffs):
            with open(diffs) as f:
                print(f.read()[:20000])
        rc = r.returncode
    finally:
        if srv:
            srv.stop()
            if rc != 0 and os.path.exists(srv.log):
                with open(srv.log) as f:
                    print("--- server log (tail)\n" + f.read()[-4000:])
        if a.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("postgres suite: %.1f s" % (time.time() - t0))
    return 1 if rc else 0


if __name__ == "__main__":
    sys.exit(main())
