-- libcva PostgreSQL extension, version 0.1 (issue 14). Documentation: docs/postgresql.md.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION cva" to load this file. \quit

-- ------------------------------------------------------------------ per-customer functions
-- Immutable, parallel safe and strict: a NULL argument gives NULL.

CREATE FUNCTION cva_p_alive(model text, params jsonb, x float8, t_x float8, t float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'pg_cva_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cva_expected_purchases(model text, params jsonb, x float8, t_x float8, t float8,
                                       horizon float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'pg_cva_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cva_gg_expected_spend(params jsonb, x float8, m_x float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'pg_cva_gg_expected_spend'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cva_clv(params jsonb, spend_params jsonb, x float8, t_x float8, t float8, m_x float8,
                        months int, discount float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'pg_cva_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cva_rfm_score(value float8, cuts float8[])
RETURNS int AS 'MODULE_PATHNAME', 'pg_cva_rfm_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- ------------------------------------------------------------------ aggregate support
-- One internal state for every aggregate: the collected columns (see cva_pg.c).

CREATE FUNCTION cva_state_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'pg_cva_state_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cva_state_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_state_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cva_state_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_state_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- ------------------------------------------------------------------ fits

CREATE FUNCTION cva_fit_trans(internal, text, float8, float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_fit_trans(internal, text, float8, float8, float8, text) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_fit_gg_trans(internal, float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_fit_gg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_fit_final(internal) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pg_cva_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE cva_fit(model text, x float8, t_x float8, t float8) (
    SFUNC = cva_fit_trans, STYPE = internal, FINALFUNC = cva_fit_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);

CREATE AGGREGATE cva_fit(model text, x float8, t_x float8, t float8, time_unit text) (
    SFUNC = cva_fit_trans, STYPE = internal, FINALFUNC = cva_fit_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);

CREATE AGGREGATE cva_fit_gg(x float8, m_x float8) (
    SFUNC = cva_fit_gg_trans, STYPE = internal, FINALFUNC = cva_fit_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);

-- ------------------------------------------------------------------ summaries

CREATE TYPE cva_summary AS (
    frequency float8,               -- x: repeat purchase occasions (NULL: no purchase in the window)
    recency float8,                 -- t_x, in model units (time / time_unit)
    "T" float8,                     -- age: first purchase to the calibration end (or end)
    monetary_value float8,          -- m_x: mean spend of the repeat occasions (0 when x = 0)
    n_txn int,                      -- purchase rows
    total_amount float8,            -- net money
    n_occ int,                      -- purchase occasions (distinct periods of length 1 time unit of t)
    n_refund int,                   -- rows with amount < 0
    refund_amount float8,           -- sum of the negative amounts
    first_t float8,                 -- time of the first purchase (t's unit)
    last_t float8,                  -- time of the last purchase
    days_since_last float8,         -- the RFM recency: calibration_end - last_t (t's unit)
    frequency_holdout float8,       -- with calibration_end: occasions in (calibration_end, end]
    monetary_value_holdout float8,  -- mean occasion spend in the holdout
    duration_holdout float8,        -- (end - calibration_end) / time_unit
    calibration_end float8,         -- the end T and days_since_last are measured to
    rows_excluded bigint            -- rows outside the window or with a NULL t or amount
);

CREATE FUNCTION cva_summary_trans(internal, float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_summary_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_summary_trans(internal, float8, float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_summary_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_summary_trans(internal, float8, float8, float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_summary_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_summary_trans(internal, float8, float8, float8, float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_summary_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_summary_final(internal) RETURNS cva_summary
AS 'MODULE_PATHNAME', 'pg_cva_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE cva_summary_agg(t float8, amount float8) (
    SFUNC = cva_summary_trans, STYPE = internal, FINALFUNC = cva_summary_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE cva_summary_agg(t float8, amount float8, calibration_end float8) (
    SFUNC = cva_summary_trans, STYPE = internal, FINALFUNC = cva_summary_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE cva_summary_agg(t float8, amount float8, calibration_end float8, "end" float8) (
    SFUNC = cva_summary_trans, STYPE = internal, FINALFUNC = cva_summary_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE cva_summary_agg(t float8, amount float8, calibration_end float8, "end" float8,
                                 time_unit float8) (
    SFUNC = cva_summary_trans, STYPE = internal, FINALFUNC = cva_summary_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);

-- ------------------------------------------------------------------ RFM cut sets

CREATE FUNCTION cva_rfm_cuts_trans(internal, float8, int, text) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_rfm_cuts_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_rfm_cuts_final(internal) RETURNS float8[]
AS 'MODULE_PATHNAME', 'pg_cva_rfm_cuts_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE cva_rfm_cuts(value float8, k int, method text) (
    SFUNC = cva_rfm_cuts_trans, STYPE = internal, FINALFUNC = cva_rfm_cuts_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);

-- ------------------------------------------------------------------ concentration (docs/methods/tiers.md#methods_lorenz)

CREATE FUNCTION cva_values_trans(internal, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_values_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_values_trans(internal, float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'pg_cva_values_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_gini_final(internal) RETURNS float8
AS 'MODULE_PATHNAME', 'pg_cva_gini_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cva_top_share_final(internal) RETURNS float8
AS 'MODULE_PATHNAME', 'pg_cva_top_share_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE cva_gini(value float8) (
    SFUNC = cva_values_trans, STYPE = internal, FINALFUNC = cva_gini_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);

CREATE AGGREGATE cva_top_share(value float8, p float8) (
    SFUNC = cva_values_trans, STYPE = internal, FINALFUNC = cva_top_share_final,
    COMBINEFUNC = cva_state_combine, SERIALFUNC = cva_state_serialize,
    DESERIALFUNC = cva_state_deserialize, PARALLEL = SAFE);

-- ------------------------------------------------------------------ retention what-if (docs/methods/retention.md#methods_whatif)
-- The JSON of `cva whatif` (numbers variant); options: the other inputs of `cva whatif`,
-- named as its options without the dashes (see docs/postgresql.md).

CREATE FUNCTION cva_whatif(customers float8, margin float8, retention float8,
                           delta_retention float8 DEFAULT 0, options jsonb DEFAULT '{}')
RETURNS jsonb AS 'MODULE_PATHNAME', 'pg_cva_whatif'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
