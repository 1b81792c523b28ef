/* Simulate a transaction log: ask for the row count, allocate, fill. */
#include <stdio.h>
#include <stdlib.h>
#include <cva/cva.h>

int main(void)
{
    int64_t *id = NULL;
    double *t = NULL, *amount = NULL;
    double t_min, t_max;
    size_t i, n_cust = 1;
    int ok = 0;
    /* [simulate] */
    cva_sim_opts o;
    size_t n_rows;
    cva_sim_opts_init_defaults(&o, sizeof o); /* CDNOW parameters, days, 78 weeks */
    if (cva_sim_transactions(&o, 1000, NULL, NULL, NULL, 0, &n_rows, NULL) < 0) /* count only */
        return 1;
    id = malloc(n_rows * sizeof *id);
    t = malloc(n_rows * sizeof *t);
    amount = malloc(n_rows * sizeof *amount);
    if (id && t && amount && cva_sim_transactions(&o, 1000, id, t, amount, n_rows, &n_rows, NULL) >= 0)
        ok = 1; /* n_rows rows, customer by customer in time order */
    /* [simulate] */
    if (ok) {
        t_min = t_max = t[0];
        for (i = 1; i < n_rows; i++) {
            n_cust += id[i] != id[i - 1];
            t_min = t[i] < t_min ? t[i] : t_min;
            t_max = t[i] > t_max ? t[i] : t_max;
        }
        printf("rows %zu\ncustomers %zu, ids %lld..%lld\ndays %.0f..%.0f\n", n_rows, n_cust, (long long)id[0],
               (long long)id[n_rows - 1], t_min, t_max);
        for (i = 0; i < 3; i++)
            printf("%lld %.0f %.2f\n", (long long)id[i], t[i], amount[i]);
    }
    free(id);
    free(t);
    free(amount);
    return ok ? 0 : 1;
}
