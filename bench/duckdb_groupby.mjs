// DuckDB side of bench/duckdb_groupby.py (issue 20): a plain GROUP BY on one thread.
//
//   node bench/duckdb_groupby.mjs ROWS MODULES_DIR
//
// Builds table tx(id, t, amount) of ROWS rows in DuckDB from the integer formulas of
// duckdb_groupby.py (the same values numpy makes there; not timed), prints "ready
// ROWS", then for every line "run" on stdin times
//   CREATE OR REPLACE TEMP TABLE res AS
//     SELECT id, count(*), min(t), max(t), sum(amount) FROM tx GROUP BY id
// (the result materialised inside DuckDB, as the library writes its output arrays)
// and prints "seconds S groups G rows N". MODULES_DIR is a node_modules directory
// holding @duckdb/node-api (e.g. npm install @duckdb/node-api under /tmp/duck or
// bench/, which git ignores); it is a benchmark peer only, never a dependency of libcva.
// SPDX-License-Identifier: MIT
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as readline from 'node:readline';

const rows = Number(process.argv[2]);
const dir = process.argv[3];
let api;
try {
    const req = createRequire(join(dir, 'x.js'));
    api = await import(pathToFileURL(req.resolve('@duckdb/node-api')).href);
} catch (e) {
    console.log('missing @duckdb/node-api under ' + dir);
    process.exit(3);
}
const inst = await api.DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
const P = 1000003n; // ids: (i * 2654435761) mod P, every id about ROWS / P times, in no order
await con.run(
    `CREATE TABLE tx AS SELECT ((i * 2654435761) % ${P}) + 100000 AS id,
            CAST((i * 40503) % 365000 AS DOUBLE) / CAST(1000 AS DOUBLE) AS t,
            CAST((i * 7919) % 100000 AS DOUBLE) / CAST(100 AS DOUBLE) AS amount
     FROM range(${Math.round(rows)}) r(i)`);
const th = await con.runAndReadAll("SELECT current_setting('threads')");
console.log('ready ' + rows + ' threads ' + th.getRows()[0][0]);
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
    if (line.trim() !== 'run')
        break;
    const t0 = process.hrtime.bigint();
    await con.run(`CREATE OR REPLACE TEMP TABLE res AS
                   SELECT id, count(*) AS n, min(t) AS first_t, max(t) AS last_t, sum(amount) AS total
                   FROM tx GROUP BY id`);
    const s = Number(process.hrtime.bigint() - t0) * 1e-9;
    const chk = await con.runAndReadAll('SELECT count(*), sum(n) FROM res');
    const [g, nn] = chk.getRows()[0];
    console.log(`seconds ${s.toFixed(4)} groups ${g} rows ${nn}`);
}
