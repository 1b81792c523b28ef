/* A minimal POSIX-threads executor for libcva (docs/threads.md): the library
   splits its work into tasks, this runs them on `workers` threads, the
   calling thread being worker 0. Results are the same bits as without it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <cva/cva.h>

typedef struct pool_ctx {
    unsigned workers;
    pthread_mutex_t mu;   /* guards next */
    size_t next, n_tasks; /* tasks are taken in order from a shared counter */
    cva_task_fn fn;
    void *arg;
} pool_ctx;

typedef struct pool_thread {
    pool_ctx *p;
    unsigned worker; /* 0 .. workers - 1: which scratch the library uses */
} pool_thread;

static void *pool_work(void *v)
{
    pool_thread *t = v;
    pool_ctx *p = t->p;
    for (;;) {
        size_t task;
        pthread_mutex_lock(&p->mu);
        task = p->next < p->n_tasks ? p->next++ : p->n_tasks;
        pthread_mutex_unlock(&p->mu);
        if (task == p->n_tasks)
            return NULL;
        p->fn(p->arg, task, t->worker);
    }
}

/* cva_executor::run: every task once, then return 0. Nonzero (here: no thread
   could be started at all) makes the library run the tasks itself. */
static int pool_run(void *ctx, size_t n_tasks, cva_task_fn fn, void *arg)
{
    pool_ctx *p = ctx;
    pthread_t th[64];
    pool_thread pt[64];
    unsigned w, started = 0;
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        return 1;
    p->next = 0;
    p->n_tasks = n_tasks;
    p->fn = fn;
    p->arg = arg;
    for (w = 0; w < p->workers && w < 64; w++) {
        pt[w].p = p;
        pt[w].worker = w;
    }
    for (w = 1; w < p->workers && w < 64; w++, started++)
        if (pthread_create(&th[w], NULL, pool_work, &pt[w]) != 0)
            break; /* fewer threads: the others take more tasks */
    pool_work(&pt[0]); /* the calling thread is worker 0 */
    for (w = 1; w <= started; w++)
        pthread_join(th[w], NULL);
    pthread_mutex_destroy(&p->mu);
    return 0;
}

/* Fill an executor of `workers` threads (at most 64). */
static void pool_executor(cva_executor *ex, pool_ctx *p, unsigned workers)
{
    memset(p, 0, sizeof *p);
    p->workers = workers < 64 ? workers : 64;
    ex->run = pool_run;
    ex->ctx = p;
    ex->workers = p->workers;
}

#ifndef CVA_EXAMPLE_NO_MAIN
enum { N = 200000 };
static int64_t id[N], cust[N], cust4[N];
static double day[N], amount[N], x[N], x4[N], m[N], m4[N];

int main(void)
{
    cva_txn_input in = {.struct_size = sizeof in, .n = N, .customer_id = id, .t = day, .amount = amount};
    cva_txn_opts opts;
    cva_txn_summary s, s4;
    cva_executor ex;
    pool_ctx pool;
    uint64_t r = 42;
    size_t i;

    for (i = 0; i < N; i++) { /* a synthetic log: 5,000 customers, 2 years */
        r = r * 6364136223846793005u + 1442695040888963407u;
        id[i] = (int64_t)(r >> 33) % 5000;
        day[i] = (double)((r >> 13) % 730);
        amount[i] = (double)((r >> 3) % 1000) / 10.0;
    }
    cva_txn_opts_init_defaults(&opts, sizeof opts);
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = N;
    s.customer_id = cust; s.frequency = x; s.monetary_value = m;
    if (cva_txn_summarize(&in, &opts, &s, NULL, 0, NULL) < 0) /* one thread */
        return 1;

    pool_executor(&ex, &pool, 4);
    opts.executor = &ex; /* four threads */
    cva_txn_summary_init(&s4, sizeof s4);
    s4.capacity = N;
    s4.customer_id = cust4; s4.frequency = x4; s4.monetary_value = m4;
    if (cva_txn_summarize(&in, &opts, &s4, NULL, 0, NULL) < 0)
        return 1;

    printf("customers %zu, first: id %lld x %.0f m_x %.4f\n", s4.n_customers, (long long)cust4[0], x4[0], m4[0]);
    printf("1 and 4 threads give the same bits: %s\n",
           s.n_customers == s4.n_customers && !memcmp(cust, cust4, s.n_customers * sizeof cust[0]) &&
                   !memcmp(x, x4, s.n_customers * sizeof x[0]) && !memcmp(m, m4, s.n_customers * sizeof m[0])
               ? "yes" : "no");
    return 0;
}
#endif
