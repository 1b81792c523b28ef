/* Diagnostics: what a failing call reports besides its status. */
#include <math.h>
#include <stdio.h>
#include <cva/cva.h>

static cva_status summarize_or_explain(const cva_txn_input *in, cva_txn_summary *out)
{
    /* [diag] */
    cva_diag d;
    cva_status st;
    cva_diag_init(&d, sizeof d);
    st = cva_txn_summarize(in, NULL, out, NULL, 0, &d);
    if (st < 0)
        printf("%s: %s (argument %d, element %lld)\n", cva_status_name(st), d.detail, (int)d.arg,
               (long long)d.index);
    /* [diag] */
    return st;
}

int main(void)
{
    const int64_t id[] = {1, 2, 3};
    const double day[] = {0.0, 7.0, (double)NAN}; /* row 2 has no valid time */
    const double amount[] = {10.0, 20.0, 30.0};
    cva_txn_input in = {.struct_size = sizeof in, .n = 3, .customer_id = id, .t = day, .amount = amount};
    int64_t cust[3];
    cva_txn_summary out;

    cva_txn_summary_init(&out, sizeof out);
    out.capacity = 3;
    out.customer_id = cust;
    /* the call must fail: nothing is written, the diag says why */
    return summarize_or_explain(&in, &out) == CVA_E_NONFINITE && out.n_customers == 0 ? 0 : 1;
}
