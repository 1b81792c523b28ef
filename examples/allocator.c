/* Run libcva on your own memory: a per-call allocator with a budget, and a
   caller workspace so that the call allocates nothing at all. */
#include <stdio.h>
#include <stdlib.h>
#include <cva/cva.h>

/* A budgeted allocator: refuses once `limit` bytes are out, counts blocks. */
typedef struct budget {
    size_t limit, used, blocks;
} budget;

static void *budget_alloc(void *user, size_t size)
{
    budget *b = user;
    size_t *p;
    if (size > b->limit - b->used)
        return NULL; /* the library turns this into CVA_E_NOMEM */
    p = malloc(size + 16);
    if (p == NULL)
        return NULL;
    p[0] = size;  /* remember the size in a 16-byte header (keeps the */
    b->used += size; /* 16-byte alignment the library asks for) */
    b->blocks++;
    return (char *)p + 16;
}

static void budget_free(void *user, void *ptr)
{
    budget *b = user;
    size_t *p;
    if (ptr == NULL)
        return;
    p = (size_t *)((char *)ptr - 16);
    b->used -= p[0];
    b->blocks--;
    free(p);
}

int main(void)
{
    const int64_t id[] = {2, 1, 2, 1, 2, 3};
    const double day[] = {0, 7, 14, 21, 35, 28};
    const double amount[] = {30.0, 12.5, 20.0, 8.0, 45.0, 99.0};
    cva_txn_input in = {.struct_size = sizeof in, .n = 6,
                        .customer_id = id, .t = day, .amount = amount};
    budget b = {16, 0, 0}; /* far too little */
    cva_allocator mine = {budget_alloc, budget_free, &b};
    int64_t cust[6];
    double x[6];
    cva_txn_opts opts;
    cva_txn_summary s;
    cva_status st;
    size_t need = 0;
    void *work;

    cva_txn_opts_init_defaults(&opts, sizeof opts);
    opts.alloc = &mine; /* every allocation of the call goes through it */
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = 6;
    s.customer_id = cust;
    s.frequency = x;

    st = cva_txn_summarize(&in, &opts, &s, NULL, 0, NULL);
    printf("16-byte budget: %s, blocks still out: %zu\n", cva_status_name(st), b.blocks);

    b.limit = (size_t)1 << 20; /* 1 MiB */
    st = cva_txn_summarize(&in, &opts, &s, NULL, 0, NULL);
    printf("1 MiB budget: %s, %zu customers, blocks still out: %zu\n", cva_status_name(st),
           s.n_customers, b.blocks);

    /* A workspace of the size the library asks for: no allocation at all. */
    if (cva_txn_workspace_size(&in, &opts, &need) != CVA_OK)
        return 1;
    work = malloc(need ? need : 1);
    if (work == NULL)
        return 1;
    b.limit = 0; /* any allocation would now fail */
    st = cva_txn_summarize(&in, &opts, &s, work, need, NULL);
    printf("workspace, no budget: %s, %zu customers, customer %lld bought again %.0f times\n",
           cva_status_name(st), s.n_customers, (long long)cust[1], x[1]);
    free(work);
    return st == CVA_OK ? 0 : 1;
}
