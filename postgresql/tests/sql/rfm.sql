-- RFM on CDNOW up to 1997-09-30 (`cva rfm --end 1997-09-30`): R = days since the last
-- purchase, F = purchase rows, M = net amount, 5 scores each.
-- the raw values from cva_summary_agg equal the CLI's (money within 1e-9 relative)
CREATE TABLE rfm_raw AS
SELECT customer, (s).days_since_last AS recency, (s).n_txn::float8 AS frequency, (s).total_amount AS monetary
FROM (SELECT customer, cva_summary_agg((day - date '1970-01-01')::float8, amount, NULL,
                                       (date '1997-09-30' - date '1970-01-01')::float8) AS s
      FROM cdnow GROUP BY customer) x;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE x.recency <> c.recency_days::float8 OR x.frequency <> c.frequency::float8
                        OR abs(x.monetary - c.monetary::float8) > 1e-9 * abs(x.monetary)) AS raw_mismatches
FROM rfm_raw x JOIN cli_rfm_rank_first c ON c.customer_id::int = x.customer;
-- Rank-first (pandas qcut(rank(method="first"), k)), the query of docs/postgresql.md: the
-- r-th of m scored customers in (value, customer) order gets bin 1 + #{j in 1..k-1 :
-- r > 1 + (m-1) j / k} (qcut's type-7 edges on the ranks), in integers
-- 1 + least(k - 1, (k (r - 1) - 1) / (m - 1)) for r > 1; recency is reversed (k + 1 - bin).
-- The raw values are the CLI's (its money is summed in exact decimals; the library's double
-- sums can order two equal decimal totals differently), so this checks the query itself.
CREATE TABLE rfm_rank_first AS
WITH scored AS (SELECT customer_id::int AS customer, recency_days::float8 AS recency,
                       frequency::float8 AS frequency, monetary::float8 AS monetary
                FROM cli_rfm_rank_first WHERE recency_days <> ''),
     ranked AS (
    SELECT customer, count(*) OVER () AS m,
           row_number() OVER (ORDER BY recency, customer) AS rr,
           row_number() OVER (ORDER BY frequency, customer) AS rf,
           row_number() OVER (ORDER BY monetary, customer) AS rm
    FROM scored)
SELECT customer,
       5 + 1 - CASE WHEN rr = 1 THEN 1 ELSE 1 + least(5 - 1, (5 * (rr - 1) - 1) / (m - 1)) END::int AS r,
       CASE WHEN rf = 1 THEN 1 ELSE 1 + least(5 - 1, (5 * (rf - 1) - 1) / (m - 1)) END::int AS f,
       CASE WHEN rm = 1 THEN 1 ELSE 1 + least(5 - 1, (5 * (rm - 1) - 1) / (m - 1)) END::int AS m
FROM ranked;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE q.r <> c.r::int OR q.f <> c.f::int OR q.m <> c.m::int) AS mismatches
FROM rfm_rank_first q JOIN cli_rfm_rank_first c ON c.customer_id::int = q.customer;
-- score distribution: 2357 customers in bins of 471 or 472
SELECT r, count(*) FROM rfm_rank_first GROUP BY r ORDER BY r;

-- value cuts and R rfm through cva_rfm_cuts / cva_rfm_score
CREATE TABLE rfm_cuts AS
SELECT meth, cva_rfm_cuts(recency, 5, meth) AS rc, cva_rfm_cuts(frequency, 5, meth) AS fc,
       cva_rfm_cuts(monetary, 5, meth) AS mc
FROM rfm_raw, (VALUES ('value-cuts'), ('r-rfm')) v(meth) GROUP BY meth;
SELECT meth, rc AS recency_cuts, fc AS frequency_cuts FROM rfm_cuts ORDER BY meth;
SELECT 'value-cuts' AS method, count(*) AS customers,
       count(*) FILTER (WHERE 6 - cva_rfm_score(x.recency, k.rc) <> c.r::int
                        OR cva_rfm_score(x.frequency, k.fc) <> c.f::int
                        OR cva_rfm_score(x.monetary, k.mc) <> c.m::int) AS mismatches
FROM rfm_raw x JOIN cli_rfm_value_cuts c ON c.customer_id::int = x.customer, rfm_cuts k
WHERE k.meth = 'value-cuts'
UNION ALL
SELECT 'r-rfm', count(*),
       count(*) FILTER (WHERE 6 - cva_rfm_score(x.recency, k.rc) <> c.r::int
                        OR cva_rfm_score(x.frequency, k.fc) <> c.f::int
                        OR cva_rfm_score(x.monetary, k.mc) <> c.m::int)
FROM rfm_raw x JOIN cli_rfm_r_rfm c ON c.customer_id::int = x.customer, rfm_cuts k
WHERE k.meth = 'r-rfm';
