-- cva_whatif: the JSON of `cva whatif` (tables cli_whatif, loaded by run_pg_tests.py).
-- The library's worked example (retention.h): N = 1000, m = 100, r = 0.80, +0.05, d = 0.10:
-- MM 2.667 -> 3.4, CLV +27.5 %, elasticity 3.667.
SELECT round((j->>'mm_base')::numeric, 3) AS mm_base, round((j->>'mm_new')::numeric, 3) AS mm_new,
       round((j->>'delta_clv_pct')::numeric, 3) AS delta_clv_pct,
       round((j->>'retention_elasticity')::numeric, 3) AS elasticity
FROM (SELECT cva_whatif(1000, 100, 0.8, 0.05) AS j) w;
SELECT c.scenario, w.j = c.j AS same_json
FROM cli_whatif c, LATERAL (
    SELECT CASE c.scenario
        WHEN 'basic' THEN cva_whatif(1000, 100, 0.8, 0.05)
        WHEN 'options' THEN cva_whatif(5000, 80, 0.7, 5,
            '{"delta_mode": "rel", "discount": 0.08, "timing": "start", "horizon": 10,
              "retention_cost": 5, "delta_retention_cost": 2, "margin_growth": 0.02}')
        WHEN 'no_customers' THEN cva_whatif(0, 100, 0.8, 0.05,
            '{"retention_cost": 4, "acquisition_cost": 50, "new_customers": 10}')
    END AS j) w
ORDER BY 1;
-- the 22 keys of `cva whatif`; null where undefined (no programme spend: no ROI)
SELECT count(*) AS n_keys FROM jsonb_object_keys(cva_whatif(1000, 100, 0.8)) k;
SELECT cva_whatif(1000, 100, 0.8)->'programme_roi' AS roi;
\set VERBOSITY terse
SELECT cva_whatif(1000, 100, 0.8, 0.05, NULL) IS NULL AS strict_null;
SELECT cva_whatif(1000, 100, 1.2, 0.05);
SELECT cva_whatif(1000, 100, 'NaN', 0.05);
SELECT cva_whatif(-5, 100, 0.8, 0.05);
SELECT cva_whatif(1000, 100, 0.8, 0.05, '{"timing": "middle"}');
SELECT cva_whatif(1000, 100, 0.8, 0.05, '{"horizon": 2.5}');
SELECT cva_whatif(1000, 100, 0.8, 0.05, '{"discont": 0.1}');
SELECT cva_whatif(1000, 100, 0.8, 0.05, '[1]');
