-- Per-customer functions against closed forms worked by hand.
-- BG/NBD P(alive) = 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)):
-- r = alpha = a = 1, b = 2, x = 2, t_x = 1, T = 3 gives 1/(1 + 8/3) = 3/11.
SELECT abs(cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 3) - 3.0/11) < 1e-15 AS bgnbd_p_alive;
-- the whole fit object works too (its "params" are used, its "model" checked)
SELECT cva_p_alive('bgnbd', '{"model": "bgnbd", "params": {"r": 1, "alpha": 1, "a": 1, "b": 2}}', 2, 1, 3)
     = cva_p_alive('bgnbd', '{"r": 1, "alpha": 1, "a": 1, "b": 2}', 2, 1, 3) AS whole_fit_object;
-- BG/NBD: no repeat purchase means alive (P = 1)
SELECT cva_p_alive('bgnbd', '{"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}', 0, 0, 30) AS x0_alive;
-- NBD: never dies; E[Y(h)] = (r + x) h / (alpha + T) = 3.5 * 39 / 40 = 3.4125
SELECT cva_p_alive('nbd', '{"r": 0.5, "alpha": 10}', 3, 20, 30) AS nbd_alive,
       abs(cva_expected_purchases('nbd', '{"r": 0.5, "alpha": 10}', 3, 20, 30, 39) - 3.4125) < 1e-14 AS nbd_expected;
-- horizon 0: nothing expected
SELECT cva_expected_purchases('pnbd', '{"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}', 2, 30, 38, 0) AS pnbd_h0;
-- Gamma-Gamma E[M | x, m_x] = p (gamma + x m_x) / (p x + q - 1) = 6 (15 + 40) / 15 = 22
SELECT cva_gg_expected_spend('{"p": 6, "q": 4, "gamma": 15}', 2, 20) AS gg_spend,
       -- x = 0: the population mean p gamma / (q - 1) = 30
       cva_gg_expected_spend('{"p": 6, "q": 4, "gamma": 15}', 0, 0) AS gg_mean;
-- CLV over one month = margin 1 x E[M] x E[Y(L)] / (1 + d), L = 30/7 weeks (30 days with
-- "time_unit": "day"), from the other two functions
SELECT abs(cva_clv('{"model": "bgnbd", "params": {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}}',
                   '{"p": 6, "q": 4, "gamma": 15}', 2, 20, 30, 20, 1, 0.01)
           - cva_gg_expected_spend('{"p": 6, "q": 4, "gamma": 15}', 2, 20)
             * cva_expected_purchases('bgnbd', '{"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}', 2, 20, 30, 30.0/7)
             / 1.01) < 1e-12 AS clv_one_month_weeks,
       abs(cva_clv('{"model": "bgnbd", "params": {"r": 0.25, "alpha": 30.8, "a": 0.8, "b": 2.4}, "time_unit": "day"}',
                   '{"p": 6, "q": 4, "gamma": 15}', 2, 140, 210, 20, 1, 0.01)
           - 22 * cva_expected_purchases('bgnbd', '{"r": 0.25, "alpha": 30.8, "a": 0.8, "b": 2.4}', 2, 140, 210, 30)
             / 1.01) < 1e-12 AS clv_one_month_days;
-- without discounting, 12 months of CLV = E[M] x E[Y(12 L)] (the increments telescope)
SELECT abs(cva_clv('{"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}', '{"p": 6, "q": 4, "gamma": 15}',
                   2, 20, 30, 20, 12, 0)
           - 22 * cva_expected_purchases('bgnbd', '{"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}', 2, 20, 30,
                                         12 * 30.0 / 7)) < 1e-10 AS clv_telescopes;
-- RFM score: 1 + #{cuts below the value}
SELECT cva_rfm_score(v, '{1, 2, 2, 5}') AS score, v
FROM unnest('{-1e300, 1, 1.5, 2, 3, 5, 6, Infinity}'::float8[]) v;
-- Gini: 0 for equal values, (n-1)/n for one holder of everything; top share
SELECT cva_gini(v) AS gini_equal FROM unnest('{3, 3, 3}'::float8[]) v;
SELECT cva_gini(v) AS gini_one_holder FROM unnest('{0, 0, 0, 8}'::float8[]) v;
-- x = 1,2,3,4: G = sum (2i - n - 1) x_(i) / (n S) = (-3 - 2 + 3 + 12) / 40 = 0.25
SELECT cva_gini(v) AS gini_1234, cva_top_share(v, 0.25) AS top25, cva_top_share(v, 0.5) AS top50,
       cva_top_share(v, 0.375) AS top375
FROM unnest('{1, 2, 3, 4}'::float8[]) v;
