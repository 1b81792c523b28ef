/* Summarise a tiny transaction log: frequency, recency and T per customer. */
#include <stdio.h>
#include <cva/cva.h>

int main(void)
{
    const int64_t id[] = {2, 1, 2, 1, 2, 3};
    const double day[] = {0, 7, 14, 21, 35, 28}; /* days since an epoch */
    const double amount[] = {30.0, 12.5, 20.0, 8.0, 45.0, 99.0};
    cva_txn_input in = {.struct_size = sizeof in, .n = 6,
                        .customer_id = id, .t = day, .amount = amount};
    int64_t cust[6];
    double x[6], t_x[6], T[6];
    cva_txn_opts opts;
    cva_txn_summary s;
    size_t i;

    cva_txn_opts_init_defaults(&opts, sizeof opts);
    opts.time_scale = 7.0; /* days in, weeks out */
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = 6; /* without referrers, n rows always suffice */
    s.customer_id = cust; s.frequency = x; s.recency = t_x; s.T = T;
    if (cva_txn_summarize(&in, &opts, &s, NULL, 0, NULL) < 0)
        return 1;
    printf("customer frequency recency T\n");
    for (i = 0; i < s.n_customers; i++)
        printf("%lld %.0f %.2f %.2f\n", (long long)cust[i], x[i], t_x[i], T[i]);
    return 0;
}
