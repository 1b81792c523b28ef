-- The extension loads from the staged tree; every object is there.
CREATE EXTENSION cva;
SELECT extversion FROM pg_extension WHERE extname = 'cva';
SELECT p.proname, p.prokind, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cva'
WHERE p.proname NOT LIKE '%\_trans' AND p.proname NOT LIKE '%\_final' AND p.proname NOT LIKE 'cva\_state\_%'
ORDER BY 1, pronargs;
