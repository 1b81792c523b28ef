-- NULL handling and bad input: a NULL, an error with the library's message, or a
-- documented result; never a crash.
\set VERBOSITY terse
-- strict per-customer functions: any NULL argument gives NULL
SELECT cva_p_alive(NULL, '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 3) IS NULL AS null_model,
       cva_p_alive('bgnbd', NULL, 2, 1, 3) IS NULL AS null_params,
       cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', NULL, 1, 3) IS NULL AS null_x,
       cva_expected_purchases('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 3, NULL) IS NULL AS null_h,
       cva_gg_expected_spend('{"p": 6, "q": 4, "gamma": 15}', 2, NULL) IS NULL AS null_m,
       cva_clv(NULL, '{"p": 6, "q": 4, "gamma": 15}', 2, 1, 3, 20, 12, 0.01) IS NULL AS null_clv,
       cva_rfm_score(NULL, '{1,2}') IS NULL AS null_score;
-- NaN in only some of x, t_x, T is an error; all three NaN is a customer without a purchase: NaN
SELECT cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 'NaN', 1, 3);
SELECT cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 'NaN', 'NaN', 'NaN') AS all_nan;
SELECT cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 'Infinity');
SELECT cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', -1, 1, 3);
SELECT cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 4, 3);
SELECT cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 1e300, 1, 3) AS huge_x;
SELECT cva_expected_purchases('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 3, -1);
SELECT cva_p_alive('bgnbd', '{"r": -1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 3);
SELECT cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1}', 2, 1, 3);
SELECT cva_p_alive('bgnbd', '{"r": "1", "alpha": 1, "a": 1, "b": 2}', 2, 1, 3);
SELECT cva_p_alive('bgnbd', '[1, 1, 1, 2]', 2, 1, 3);
SELECT cva_p_alive('bgbb', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 3);
SELECT cva_p_alive('pnbd', '{"model": "bgnbd", "params": {"r": 1, "alpha": 1, "a": 1, "b": 2}}', 2, 1, 3);
SELECT cva_gg_expected_spend('{"p": 6, "q": 1, "gamma": 15}', 2, 20);
SELECT cva_gg_expected_spend('{"p": 6, "q": 4, "gamma": 15}', 2, -5);
SELECT cva_clv('{"r": 1, "alpha": 1, "a": 1, "b": 2}', '{"p": 6, "q": 4, "gamma": 15}', 2, 1, 3, 20, -1, 0.01);
SELECT cva_clv('{"r": 1, "alpha": 1, "a": 1, "b": 2}', '{"p": 6, "q": 4, "gamma": 15}', 2, 1, 3, 20, 12, -1);
SELECT cva_rfm_score('NaN', '{1,2}');
SELECT cva_rfm_score(1, '{2,1}');
SELECT cva_rfm_score(1, '{1,NULL}');
-- aggregates: no rows give NULL
SELECT cva_fit('bgnbd', x, x, x) IS NULL AS fit_empty, cva_gini(x) IS NULL AS gini_empty,
       cva_rfm_cuts(x, 5, 'value-cuts') IS NULL AS cuts_empty, cva_summary_agg(x, x) IS NULL AS summary_empty
FROM (SELECT 1.0::float8 AS x WHERE false) e;
-- cva_fit: all-NULL rows are customers without a purchase (left out, counted); a partial NULL is an error
SELECT j->'customers_left_out' AS left_out, j->'n_customers' AS n
FROM (SELECT cva_fit('nbd', x, tx, t) AS j
      FROM (VALUES (1.0::float8, 2.0::float8, 5.0::float8), (0, 0, 4), (NULL, NULL, NULL), (3, 4, 6)) v(x, tx, t)) f;
SELECT cva_fit('bgnbd', x, tx, t) FROM (VALUES (1.0::float8, 2.0::float8, NULL::float8)) v(x, tx, t);
SELECT cva_fit('bgnbd', x, tx, t) FROM (VALUES (1.0::float8, 'NaN'::float8, 5.0::float8)) v(x, tx, t);
SELECT cva_fit('bgnbd', x, tx, t) FROM (VALUES (1.5::float8, 2.0::float8, 5.0::float8)) v(x, tx, t);
SELECT cva_fit(m, x, x, x) FROM (VALUES ('bgnbd', 1.0::float8), ('pnbd', 1.0)) v(m, x);
SELECT cva_fit('bgnbd', x, x, x, 'month') FROM (VALUES (1.0::float8)) v(x);
SELECT cva_fit(NULL, x, x, x) FROM (VALUES (1.0::float8)) v(x);
SELECT cva_fit('bgnbd', x, tx, t) FROM (VALUES (NULL::float8, NULL::float8, NULL::float8)) v(x, tx, t);
-- a fit on the boundary: a WARNING, and "status" and "boundary" in the JSON
SELECT j->>'status' AS status, j->'boundary' AS boundary, j->'converged' AS converged
FROM (SELECT cva_fit('bgnbd', x, tx, t) AS j
      FROM (SELECT 1.0::float8 AS x, 5.0::float8 AS tx, 10.0::float8 AS t FROM generate_series(1, 50)) r) f;
-- cva_fit_gg: rows with x = 0 or m_x <= 0 are not used (counted)
SELECT cva_fit_gg(x, m) FROM (VALUES (0.0::float8, 0.0::float8)) v(x, m);
SELECT cva_fit_gg(x, m) FROM (VALUES (1.0::float8, NULL::float8)) v(x, m);
-- cva_summary_agg: NULL t or amount rows are not transactions (rows_excluded); the per-group
-- arguments must be constant; a NaN time is an error
SELECT (s).n_txn, (s).rows_excluded, (s).frequency, (s)."T"
FROM (SELECT cva_summary_agg(t, a, NULL, 10) AS s
      FROM (VALUES (1.0::float8, 5.0::float8), (3, NULL), (NULL, 2), (4, 1), (12, 1)) v(t, a)) x;
SELECT cva_summary_agg(t, a, NULL, t) FROM (VALUES (1.0::float8, 5.0::float8), (3, 1)) v(t, a);
SELECT cva_summary_agg(t, a) FROM (VALUES ('NaN'::float8, 5.0::float8)) v(t, a);
SELECT cva_summary_agg(t, a, NULL, NULL, 0) FROM (VALUES (1.0::float8, 5.0::float8)) v(t, a);
SELECT cva_summary_agg(t, a, NULL, 0) IS NULL AS all_after_end FROM (VALUES (1.0::float8, 5.0::float8)) v(t, a);
-- RFM cuts: NULL values are unscored; rank methods are the window query; bad k, NaN, Inf
SELECT cva_rfm_cuts(v, 2, 'value-cuts') AS cuts FROM unnest('{1, 2, NULL, 3}'::float8[]) v;
SELECT cva_rfm_cuts(v, 5, 'rank-first') FROM unnest('{1, 2}'::float8[]) v;
SELECT cva_rfm_cuts(v, 0, 'value-cuts') FROM unnest('{1, 2}'::float8[]) v;
SELECT cva_rfm_cuts(v, 5, 'median') FROM unnest('{1, 2}'::float8[]) v;
SELECT cva_rfm_cuts(v, 5, 'value-cuts') FROM unnest('{1, NaN}'::float8[]) v;
SELECT cva_rfm_cuts(v, 5, 'value-cuts') FROM unnest('{1, Infinity}'::float8[]) v;
SELECT cva_rfm_cuts(v, k, 'value-cuts') FROM (VALUES (1.0::float8, 2), (2, 3)) x(v, k);
-- Gini and top share: NULLs left out; negatives kept with a NOTICE; a zero total gives NULL;
-- NaN/Inf and p outside [0, 1] are errors
SELECT cva_gini(v) AS gini_nulls FROM unnest('{1, NULL, 2, 3, 4}'::float8[]) v;
SELECT cva_gini(v) AS gini_negative FROM unnest('{-2, 1, 3}'::float8[]) v;
SELECT cva_gini(v) IS NULL AS gini_zero_total FROM unnest('{0, 0}'::float8[]) v;
SELECT cva_gini(v) FROM unnest('{1, NaN}'::float8[]) v;
SELECT cva_gini(v) FROM unnest('{1, -Infinity}'::float8[]) v;
SELECT cva_gini(v) AS gini_huge FROM unnest('{1e300, 1e300, 0}'::float8[]) v;
SELECT cva_top_share(v, 1.5) FROM unnest('{1, 2}'::float8[]) v;
SELECT cva_top_share(v, NULL) FROM unnest('{1, 2}'::float8[]) v;
SELECT cva_top_share(v, p) FROM (VALUES (1.0::float8, 0.1::float8), (2, 0.2)) x(v, p);
