-- CDNOW (the 2,357-customer sample) in a table: the extension's summaries, fits,
-- predictions and concentration equal the cva CLI's on the same data (tables cli_*,
-- loaded by run_pg_tests.py). Times are days since 1970-01-01; calibration end 1997-09-30.
\set cal '(date ''1997-09-30'' - date ''1970-01-01'')::float8'
CREATE TABLE cdnow_summary AS
SELECT customer, (cva_summary_agg((day - date '1970-01-01')::float8, amount, :cal,
                                  (SELECT max(day) - date '1970-01-01' FROM cdnow)::float8)).*
FROM cdnow GROUP BY customer;
SELECT count(*) AS customers FROM cdnow_summary;
-- every column equal to `cva summary` (days), customer by customer: mismatches per column
-- (money within 1e-9 relative: the CLI sums the decimal amounts exactly, the library in doubles)
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE s.frequency <> c.frequency::float8) AS x,
       count(*) FILTER (WHERE s.recency <> c.recency::float8) AS t_x,
       count(*) FILTER (WHERE s."T" <> c."T"::float8) AS "T",
       count(*) FILTER (WHERE abs(s.monetary_value - c.monetary_value::float8) > 1e-9 * abs(s.monetary_value)) AS m_x,
       count(*) FILTER (WHERE s.n_txn <> c.n_txn::int) AS n_txn,
       count(*) FILTER (WHERE abs(s.total_amount - c.total_amount::float8) > 1e-9 * abs(s.total_amount)) AS total,
       count(*) FILTER (WHERE s.days_since_last <> c.days_since_last::float8) AS dsl,
       count(*) FILTER (WHERE s.frequency_holdout <> c.frequency_holdout::float8) AS x_h,
       count(*) FILTER (WHERE abs(s.monetary_value_holdout - c.monetary_value_holdout::float8) > 1e-9 * abs(s.monetary_value_holdout)) AS m_h,
       count(*) FILTER (WHERE s.duration_holdout <> c.duration_holdout::float8) AS d_h,
       count(*) FILTER (WHERE date '1970-01-01' + s.first_t::int <> c.first_date::date
                        OR date '1970-01-01' + s.last_t::int <> c.last_date::date) AS dates,
       sum(s.rows_excluded) AS excluded
FROM cdnow_summary s JOIN cli_summary c ON c.customer_id::int = s.customer;
-- weeks: time_unit 7 divides recency and T
SELECT count(*) FILTER (WHERE abs(w.recency - s.recency / 7) > 1e-12 OR abs(w."T" - s."T" / 7) > 1e-12) AS week_mismatches
FROM cdnow_summary s JOIN (
    SELECT customer, (cva_summary_agg((day - date '1970-01-01')::float8, amount, :cal,
                                      (SELECT max(day) - date '1970-01-01' FROM cdnow)::float8, 7)).*
    FROM cdnow GROUP BY customer) w USING (customer);

-- fits in weeks, in a parallel plan (partial aggregates combined in the leader)
CREATE TABLE cdnow_weeks AS SELECT customer, frequency AS x, recency / 7 AS t_x, "T" / 7 AS t, monetary_value AS m_x
FROM cdnow_summary;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT cva_fit('bgnbd', x, t_x, t) FROM cdnow_weeks;
CREATE TABLE sql_fit AS
SELECT 'bgnbd' AS model, cva_fit('bgnbd', x, t_x, t) AS j FROM cdnow_weeks
UNION ALL SELECT 'mbgnbd', cva_fit('mbgnbd', x, t_x, t) FROM cdnow_weeks
UNION ALL SELECT 'pnbd', cva_fit('pnbd', x, t_x, t) FROM cdnow_weeks
UNION ALL SELECT 'nbd', cva_fit('nbd', x, t_x, t) FROM cdnow_weeks
UNION ALL SELECT 'gg', cva_fit_gg(x, m_x) FROM cdnow_weeks
UNION ALL SELECT 'bgnbd_day', cva_fit('bgnbd', frequency, recency, "T", 'day') FROM cdnow_summary;
RESET parallel_leader_participation;
-- the same JSON as `cva fit` (but "input": "sql", and no "calibration_end": the SQL has no dates)
SELECT f.model, (f.j - 'input') = (c.j - 'input' - 'calibration_end') AS same_json,
       f.j->>'status' AS status, f.j->'n_customers' AS n, round((f.j->>'log_likelihood')::numeric, 1) AS ll
FROM sql_fit f JOIN cli_fit c USING (model) ORDER BY 1;
-- (on a difference, the keys that differ)
SELECT f.model, k, f.j->k AS sql, c.j->k AS cli
FROM sql_fit f JOIN cli_fit c USING (model), jsonb_object_keys(f.j) k
WHERE k NOT IN ('input') AND f.j->k IS DISTINCT FROM c.j->k;
-- BG/NBD on CDNOW: FHL (2005) r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
SELECT round((j->'params'->>'r')::numeric, 3) AS r, round((j->'params'->>'alpha')::numeric, 3) AS alpha,
       round((j->'params'->>'a')::numeric, 3) AS a, round((j->'params'->>'b')::numeric, 3) AS b
FROM sql_fit WHERE model = 'bgnbd';

-- per customer: P(alive), expected purchases in 39 weeks, expected spend and CLV (12 months,
-- 1 % a month) equal `cva predict --spend gg`
SELECT 'bgnbd' AS model, count(*) AS n,
       count(*) FILTER (WHERE cva_p_alive('bgnbd', f.j, w.x, w.t_x, w.t) <> c.p_alive::float8) AS p_alive_diff,
       count(*) FILTER (WHERE cva_expected_purchases('bgnbd', f.j->'params', w.x, w.t_x, w.t, 39)
                              <> c.expected_purchases::float8) AS expected_diff,
       count(*) FILTER (WHERE cva_gg_expected_spend(g.j, w.x, w.m_x) <> c.expected_avg_spend::float8) AS spend_diff,
       count(*) FILTER (WHERE cva_clv(f.j, g.j, w.x, w.t_x, w.t, w.m_x, 12, 0.01) <> c.clv::float8) AS clv_diff
FROM cdnow_weeks w JOIN cli_predict_bgnbd c ON c.customer_id::int = w.customer,
     sql_fit f, sql_fit g WHERE f.model = 'bgnbd' AND g.model = 'gg'
UNION ALL
SELECT 'pnbd', count(*),
       count(*) FILTER (WHERE cva_p_alive('pnbd', f.j, w.x, w.t_x, w.t) <> c.p_alive::float8),
       count(*) FILTER (WHERE cva_expected_purchases('pnbd', f.j, w.x, w.t_x, w.t, 39) <> c.expected_purchases::float8),
       count(*) FILTER (WHERE cva_gg_expected_spend(g.j->'params', w.x, w.m_x) <> c.expected_avg_spend::float8),
       count(*) FILTER (WHERE cva_clv(f.j, g.j, w.x, w.t_x, w.t, w.m_x, 12, 0.01) <> c.clv::float8)
FROM cdnow_weeks w JOIN cli_predict_pnbd c ON c.customer_id::int = w.customer,
     sql_fit f, sql_fit g WHERE f.model = 'pnbd' AND g.model = 'gg';

-- concentration of revenue over the whole period (`cva tiers --stats`), in a parallel plan
CREATE TABLE cdnow_revenue AS
SELECT customer, (cva_summary_agg((day - date '1970-01-01')::float8, amount)).total_amount AS revenue
FROM cdnow GROUP BY customer;
SELECT cva_gini(revenue) = (SELECT v FROM cli_tiers WHERE what = 'gini') AS gini_equal,
       round(cva_gini(revenue)::numeric, 4) AS gini,
       cva_top_share(revenue, 0.2) = (SELECT v FROM cli_tiers WHERE what = 'top_0.2') AS top20_equal,
       cva_top_share(revenue, 0.01) = (SELECT v FROM cli_tiers WHERE what = 'top_0.01') AS top1_equal
FROM cdnow_revenue;
-- value grades (docs/methods/tiers.md#methods_grading), the query of docs/postgresql.md: KEY the top ceil(0.2 n), ORDINARY
-- up to ceil(0.5 n), SMALL the rest, by value descending, ties to the lower customer id;
-- equal to `cva tiers` (ranked on its value column, which cva_summary_agg's revenue equals)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE abs(r.revenue - c.value::float8) > 1e-9 * abs(r.revenue)) AS value_mismatches
FROM cdnow_revenue r JOIN cli_tiers_rows c ON c.customer_id::int = r.customer;
SELECT count(*) AS customers, count(*) FILTER (WHERE g.grade <> c.grade) AS grade_mismatches,
       count(*) FILTER (WHERE g.grade = 'KEY') AS key
FROM (SELECT customer,
             CASE WHEN rn <= ceil(0.2 * n) THEN 'KEY' WHEN rn <= ceil(0.5 * n) THEN 'ORDINARY' ELSE 'SMALL' END AS grade
      FROM (SELECT customer_id::int AS customer, count(*) OVER () AS n,
                   row_number() OVER (ORDER BY value::float8 DESC, customer_id::int) AS rn
            FROM cli_tiers_rows) x) g
JOIN cli_tiers_rows c ON c.customer_id::int = g.customer;
RESET ALL;
