-- A long fit stops at a cancel: the fit's progress callback sees the pending interrupt,
-- the library returns CVA_E_CANCELED and the glue raises the interrupt's own error
-- (here the statement timeout). 200,000 distinct Pareto/NBD rows take seconds to fit, the
-- scan that collects them milliseconds, so the timeout falls inside the fit.
CREATE TABLE long_fit AS
SELECT (i % 20)::float8 AS x,
       CASE WHEN i % 20 = 0 THEN 0 ELSE (30 + (i % 997) / 100.0) * ((1 + i % 13) / 14.0) END AS t_x,
       30 + (i % 997) / 100.0 AS t
FROM generate_series(1, 200000) i;
SET statement_timeout = '500ms';
SELECT cva_fit('pnbd', x, t_x, t) FROM long_fit;
RESET statement_timeout;
-- the session goes on
SELECT cva_fit('nbd', x, t_x, t)->>'status' AS status FROM (SELECT * FROM long_fit LIMIT 1000) s;
DROP TABLE long_fit;
