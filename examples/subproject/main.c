/* A program built with libcva as a meson subproject. */
#include <stdio.h>
#include <cva/cva.h>

int main(void)
{
    const int64_t id[] = {7, 7, 7};
    const double t[] = {0.0, 10.0, 30.0};
    const double amount[] = {5.0, 15.0, 25.0};
    cva_txn_input in = {.struct_size = sizeof in, .n = 3, .customer_id = id, .t = t, .amount = amount};
    int64_t cust[3];
    double x[3], m_x[3];
    cva_txn_summary s;
    int st;

    if (cva_version_number() != CVA_VERSION_NUMBER) {
        fprintf(stderr, "header %s but library %s\n", CVA_VERSION_STRING, cva_version_string());
        return 1;
    }
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = 3;
    s.customer_id = cust; s.frequency = x; s.monetary_value = m_x;
    st = cva_txn_summarize(&in, NULL, &s, NULL, 0, NULL);
    if (st < 0) {
        fprintf(stderr, "cva_txn_summarize: %s\n", cva_strerror(st));
        return 1;
    }
    printf("libcva %s: customer %lld, frequency %.0f, monetary_value %.2f\n",
           cva_version_string(), (long long)cust[0], x[0], m_x[0]);
    return 0;
}
