/* Score ten customers into RFM quintiles and name their segments. */
#include <stdio.h>
#include <cva/cva.h>

int main(void)
{
    enum { n = 10 };
    /* days since the last purchase, purchases, money */
    const double recency[n] = {3, 40, 12, 90, 7, 200, 25, 60, 150, 1};
    const double frequency[n] = {12, 2, 7, 1, 9, 1, 4, 3, 2, 15};
    const double monetary[n] = {640, 35, 310, 20, 450, 15, 120, 80, 60, 900};
    size_t i;
    /* [score] */
    int32_t r[n], f[n], m[n], seg[n];
    cva_rfm_opts o;
    cva_rfm_opts_init_defaults(&o, sizeof o); /* k = 5, rank-first */
    if (cva_rfm_score(recency, frequency, monetary, n, &o, r, f, m, NULL, NULL, 0, NULL) < 0)
        return 1;
    if (cva_rfm_segment(r, f, m, n, 5, NULL, 0, seg, NULL) < 0) /* default map (RF10 grid) */
        return 1;
    /* cva_label(seg[i]) names customer i's segment */
    /* [score] */
    printf("customer R F M segment\n");
    for (i = 0; i < n; i++)
        printf("%zu %d %d %d %s\n", i, (int)r[i], (int)f[i], (int)m[i], cva_label(seg[i]));
    return 0;
}
