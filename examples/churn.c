/* BG/NBD: evaluate a customer with the published CDNOW fit, then fit simulated customers. */
#include <stdio.h>
#include <cva/cva.h>

#define N 2000

int main(void)
{
    /* Fader, Hardie & Lee (2005), CDNOW: r, alpha, a, b (weeks) */
    const double cdnow[4] = {0.243, 4.414, 0.793, 2.426};
    /* their example customer: 2 repeat purchases, the last in week 30.43, observed 38.86 weeks */
    const double x1 = 2, tx1 = 30.43, T1 = 38.86;
    static double x[N], tx[N], T[N];
    double pa, ey;
    int i;

    if (cva_model_p_alive(CVA_MODEL_BGNBD, cdnow, 0, &x1, &tx1, &T1, 1, &pa, NULL, NULL) < 0 ||
        cva_model_expected(CVA_MODEL_BGNBD, cdnow, 39.0, &x1, &tx1, &T1, 1, &ey, NULL, NULL) < 0)
        return 1;
    printf("published fit: P(alive) %.4f, expected purchases in 39 weeks %.3f\n", pa, ey);

    for (i = 0; i < N; i++)
        T[i] = 27.0 + 12.0 * (i % 100) / 99.0; /* first purchases spread over 12 weeks */
    if (cva_sim_btyd(CVA_MODEL_BGNBD, cdnow, T, N, 2005, x, tx, NULL) < 0)
        return 1;
    {
        /* [fit] */
        cva_model_fit fit;
        double p_alive[N], expected[N];
        cva_status st;
        cva_model_fit_init(&fit, sizeof fit);
        st = cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, N, NULL, &fit, NULL);
        if (st < 0)
            return 1; /* st > 0 is a warning: check fit.converged and fit.boundary */
        st = cva_model_p_alive(CVA_MODEL_BGNBD, fit.params, 0, x, tx, T, N, p_alive, NULL, NULL);
        if (st >= 0)
            st = cva_model_expected(CVA_MODEL_BGNBD, fit.params, 39.0, x, tx, T, N, expected, NULL, NULL);
        /* [fit] */
        if (st < 0)
            return 1;
        printf("fit on %d simulated customers (truth 0.243 4.414 0.793 2.426):\n", N);
        for (i = 0; i < 4; i++)
            printf("%s %.2f (s.e. %.2f)\n", cva_model_param_name(CVA_MODEL_BGNBD, i), fit.params[i], fit.std_err[i]);
        printf("customer 0: x %.0f, P(alive) %.3f, expected %.3f\n", x[0], p_alive[0], expected[0]);
    }
    return 0;
}
