/*
 * A JSON-RPC load generator light enough to measure a transport, not itself (issue 23):
 * `madoctl bench` (Swift/NIO) tops out well below what the C echo server and a Node
 * server answer at many calls in flight, so the transport figures are taken with this.
 *
 *   cc -O2 -Wall -o rpc-load rpc-load.c
 *   ./rpc-load SOCKET [--connections N] [--inflight K] [--duration S | --count N]
 *              [--warmup S] [--method M] [--params JSON] [--template LINE]
 *              [--params-file FILE [--params-start N]]
 *
 * N connections to a Unix stream socket, K calls in flight on each, one thread, epoll,
 * non-blocking sockets. A connection's free slots are refilled in one write per read
 * (its whole window at the start), answers read in large chunks. Every call has its own
 * numeric id, so answers are matched by id and may come in any order; an answer with no
 * id in flight (a batch, a null id, an unknown id) is an error, and so is one holding
 * `"error":`. Latency runs from the write to the read that brought the answer
 * (CLOCK_MONOTONIC), in a log-linear histogram (1/32 resolution). After --warmup
 * seconds (not counted) it measures for --duration seconds or --count answers (within
 * --duration if that is given too: a server that stops answering ends the run), then
 * prints one JSON line, with its own CPU time over the measurement (getrusage) so a
 * reader can see whether it, rather than the server, was the limit. Exit status 2: some
 * answers were errors; 3: fewer than --count answers came within --duration.
 *
 * With --params-file each call takes the next line of FILE as its params (one JSON
 * object a line, as `madoctl bench --params-file` reads them, after skipping
 * --params-start lines), each line used once: calls that must not repeat (a PIN check
 * of a fresh line, its failures counted) at a cost the generator hardly feels. When the
 * lines run out no more calls are sent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (256 * 1024)
#define SUB_BITS 5 /* 32 sub-buckets per power of two */
#define BUCKETS ((65 - SUB_BITS) << SUB_BITS)

struct connection {
    int fd;
    int index;
    char *in;          /* READ_SIZE bytes; `kept` of them an unfinished line */
    size_t kept;
    char *out;         /* requests not yet written */
    size_t out_length, out_capacity;
    int free_slots;    /* slots answered and not yet sent again */
    int *free_list;
    int watching_out;  /* EPOLLOUT asked for: output is waiting */
};

struct slot {
    uint64_t id;       /* the call in flight in this slot, 0 if none */
    uint64_t sent;     /* its write time, ns */
};

static struct {
    int connections, inflight;
    double duration, warmup;
    int duration_given;
    long long count;
    const char *prefix, *suffix; /* the request around its id (and, from a file, before its params) */
    size_t prefix_length, suffix_length;
    const char *next_params, *params_end; /* --params-file: the lines not yet sent */
} options = {1, 1, 10, 1, 0, 0, NULL, NULL, 0, 0, NULL, NULL};

static struct slot *slots;
static uint64_t next_round = 1;      /* ids are round * slots + slot index */
static int measuring;
static long long calls, errors, unmatched, issued, in_flight;
static uint64_t histogram[BUCKETS], latency_max;

static void fail(const char *what) { perror(what); exit(1); }

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int bucket(uint64_t value) {
    if (value < (2u << SUB_BITS)) return (int)value;
    int shift = 63 - __builtin_clzll(value) - SUB_BITS;
    return (shift << SUB_BITS) + (int)(value >> shift);
}

/* The middle of a bucket's range, in ns. */
static double bucket_value(int index) {
    if (index < (2 << SUB_BITS)) return index;
    int shift = (index >> SUB_BITS) - 1;
    uint64_t low = (uint64_t)(index - (shift << SUB_BITS)) << shift;
    return (double)low + ((double)(1ull << shift) - 1) / 2;
}

static double percentile(double p) {
    uint64_t total = 0, seen = 0;
    for (int i = 0; i < BUCKETS; i++) total += histogram[i];
    if (total == 0) return 0;
    uint64_t rank = (uint64_t)(p / 100 * (double)total + 0.5);
    if (rank < 1) rank = 1;
    for (int i = 0; i < BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= rank) { /* a bucket's middle can lie above the largest value seen */
            double value = bucket_value(i);
            return (value < (double)latency_max ? value : (double)latency_max) / 1000;
        }
    }
    return (double)latency_max / 1000;
}

/* The next unsent line of --params-file (without its newline; empty lines skipped), or
 * NULL when none is left. */
static const char *next_params(size_t *length) {
    while (options.next_params && options.next_params < options.params_end) {
        const char *line = options.next_params;
        const char *newline = memchr(line, '\n', (size_t)(options.params_end - line));
        const char *end = newline ? newline : options.params_end;
        options.next_params = newline ? newline + 1 : options.params_end;
        if (end > line) {
            *length = (size_t)(end - line);
            return line;
        }
    }
    return NULL;
}

/* Appends the requests of a connection's free slots to its output. */
static void refill(struct connection *c, uint64_t now) {
    while (c->free_slots > 0) {
        if (options.count && measuring && issued >= options.count) break;
        size_t params_length = 0;
        const char *params = NULL;
        if (options.params_end && !(params = next_params(&params_length))) break;
        size_t line = options.prefix_length + 20 + options.suffix_length + params_length + 2;
        if (c->out_length + line > c->out_capacity) {
            c->out_capacity = 2 * (c->out_length + line);
            if (!(c->out = realloc(c->out, c->out_capacity))) fail("realloc");
        }
        int index = c->free_list[--c->free_slots];
        uint64_t id = next_round++ * (uint64_t)(options.connections * options.inflight) + (uint64_t)index;
        slots[index].id = id;
        slots[index].sent = now;
        in_flight++;
        if (measuring) issued++;
        char *at = c->out + c->out_length;
        memcpy(at, options.prefix, options.prefix_length);
        at += options.prefix_length;
        at += sprintf(at, "%llu", (unsigned long long)id);
        memcpy(at, options.suffix, options.suffix_length);
        at += options.suffix_length;
        if (params) {
            memcpy(at, params, params_length);
            at += params_length;
            memcpy(at, "}\n", 2);
            at += 2;
        }
        c->out_length = (size_t)(at - c->out);
    }
}

/* Writes what the socket takes; the rest waits for EPOLLOUT. */
static void flush(struct connection *c, int poller) {
    size_t done = 0;
    while (done < c->out_length) {
        ssize_t n = write(c->fd, c->out + done, c->out_length - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            fail("write");
        }
        done += (size_t)n;
    }
    if (done) memmove(c->out, c->out + done, c->out_length - done);
    c->out_length -= done;
    int waiting = c->out_length > 0;
    if (waiting == c->watching_out) return;
    c->watching_out = waiting;
    struct epoll_event event = {.events = EPOLLIN | (waiting ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(poller, EPOLL_CTL_MOD, c->fd, &event) < 0) fail("epoll_ctl");
}

/* One answer line: finds its call by id and frees the slot. */
static void answer(struct connection *c, const char *line, size_t length, uint64_t now) {
    const char *id = memmem(line, length, "\"id\":", 5);
    int error = memmem(line, length, "\"error\":", 8) != NULL;
    uint64_t value = 0;
    int digits = 0;
    if (id && line[0] == '{') {
        const char *p = id + 5, *end = line + length;
        while (p < end && *p == ' ') p++;
        for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) value = value * 10 + (uint64_t)(*p - '0');
    }
    uint64_t total = (uint64_t)(options.connections * options.inflight);
    uint64_t index = value % total;
    if (!digits || index / (uint64_t)options.inflight != (uint64_t)c->index || slots[index].id != value) {
        if (measuring) unmatched++, errors++;
        return;
    }
    slots[index].id = 0;
    in_flight--;
    c->free_list[c->free_slots++] = (int)index;
    if (!measuring) return;
    uint64_t latency = now - slots[index].sent;
    histogram[bucket(latency)]++;
    if (latency > latency_max) latency_max = latency;
    calls++;
    errors += error;
}

/* Reads all there is, answers each complete line, refills the freed slots. */
static void receive(struct connection *c, int poller) {
    for (;;) {
        ssize_t n = read(c->fd, c->in + c->kept, READ_SIZE - c->kept);
        if (n == 0) { fprintf(stderr, "rpc-load: the server closed connection %d\n", c->index); exit(1); }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            fail("read");
        }
        uint64_t now = now_ns();
        char *start = c->in, *end = c->in + c->kept + n, *newline;
        while ((newline = memchr(start, '\n', (size_t)(end - start)))) {
            answer(c, start, (size_t)(newline - start), now);
            start = newline + 1;
        }
        c->kept = (size_t)(end - start);
        if (c->kept == READ_SIZE) { fprintf(stderr, "rpc-load: an answer longer than %d bytes\n", READ_SIZE); exit(1); }
        memmove(c->in, start, c->kept);
        if (n < READ_SIZE / 2) break; /* drained, most likely: spare a read that would say EAGAIN */
    }
    refill(c, now_ns());
    if (c->out_length) flush(c, poller);
}

static void usage(void) {
    fprintf(stderr, "usage: rpc-load SOCKET [--connections N] [--inflight K] [--duration S | --count N] [--warmup S]\n"
                    "                [--method M] [--params JSON] [--template 'LINE with %%ID%%']\n"
                    "                [--params-file FILE [--params-start N]]\n");
    exit(64);
}

static int connect_to(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) fail("socket");
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) usage();
    strcpy(address.sun_path, path);
    while (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        if (errno != EAGAIN && errno != EINTR) fail(path);
        usleep(1000); /* the listener's backlog is full: try again */
    }
    return fd;
}

int main(int argc, char **argv) {
    const char *method = "service.ping", *params = NULL, *template = NULL, *params_file = NULL;
    long long params_start = 0;
    static struct option long_options[] = {
        {"connections", 1, 0, 'c'}, {"inflight", 1, 0, 'k'}, {"duration", 1, 0, 'd'}, {"count", 1, 0, 'n'},
        {"warmup", 1, 0, 'w'},      {"method", 1, 0, 'm'},   {"params", 1, 0, 'p'},   {"template", 1, 0, 't'},
        {"params-file", 1, 0, 'f'}, {"params-start", 1, 0, 's'}, {0, 0, 0, 0}};
    for (int option; (option = getopt_long(argc, argv, "", long_options, NULL)) != -1;) {
        switch (option) {
        case 'c': options.connections = atoi(optarg); break;
        case 'k': options.inflight = atoi(optarg); break;
        case 'd': options.duration = atof(optarg), options.duration_given = 1; break;
        case 'n': options.count = atoll(optarg); break;
        case 'w': options.warmup = atof(optarg); break;
        case 'm': method = optarg; break;
        case 'p': params = optarg; break;
        case 't': template = optarg; break;
        case 'f': params_file = optarg; break;
        case 's': params_start = atoll(optarg); break;
        default: usage();
        }
    }
    if (optind != argc - 1 || options.connections < 1 || options.inflight < 1 || options.warmup < 0 ||
        options.duration <= 0 || options.count < 0 || params_start < 0 || (params_file && (params || template)))
        usage();
    char built[4096];
    if (params_file) {
        FILE *file = fopen(params_file, "r");
        if (!file) fail(params_file);
        if (fseek(file, 0, SEEK_END) < 0) fail(params_file);
        long size = ftell(file);
        if (size < 0) fail(params_file);
        char *text = malloc((size_t)size + 1);
        if (!text) fail("malloc");
        rewind(file);
        if (fread(text, 1, (size_t)size, file) != (size_t)size) fail(params_file);
        fclose(file);
        options.next_params = text;
        options.params_end = text + size;
        for (long long skipped = 0; skipped < params_start; skipped++) {
            size_t length;
            if (!next_params(&length)) { fprintf(stderr, "rpc-load: %s has fewer than %lld lines\n", params_file, params_start); exit(64); }
        }
        /* The id first, then the method, then the line's params and the closing brace. */
        snprintf(built, sizeof built, "{\"jsonrpc\":\"2.0\",\"id\":%%ID%%,\"method\":\"%s\",\"params\":", method);
        template = built;
    }
    if (!template) {
        snprintf(built, sizeof built, "{\"jsonrpc\":\"2.0\",\"id\":%%ID%%,\"method\":\"%s\"%s%s}", method,
                 params ? ",\"params\":" : "", params ? params : "");
        template = built;
    }
    char *marker = strstr(template, "%ID%");
    if (!marker || strchr(template, '\n')) usage();
    options.prefix = strndup(template, (size_t)(marker - template));
    options.prefix_length = (size_t)(marker - template);
    char *suffix;
    if (asprintf(&suffix, params_file ? "%s" : "%s\n", marker + 4) < 0) fail("asprintf");
    options.suffix = suffix;
    options.suffix_length = strlen(suffix);
    signal(SIGPIPE, SIG_IGN);

    int total = options.connections * options.inflight;
    if (!(slots = calloc((size_t)total, sizeof *slots))) fail("calloc");
    int poller = epoll_create1(0);
    if (poller < 0) fail("epoll_create1");
    struct connection *all = calloc((size_t)options.connections, sizeof *all);
    if (!all) fail("calloc");
    for (int i = 0; i < options.connections; i++) {
        struct connection *c = &all[i];
        c->fd = connect_to(argv[optind]);
        c->index = i;
        c->in = malloc(READ_SIZE);
        c->free_list = malloc(sizeof(int) * (size_t)options.inflight);
        if (!c->in || !c->free_list) fail("malloc");
        for (int k = options.inflight - 1; k >= 0; k--) c->free_list[c->free_slots++] = i * options.inflight + k;
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(poller, EPOLL_CTL_ADD, c->fd, &event) < 0) fail("epoll_ctl");
    }

    uint64_t started = now_ns(), measure_from = started + (uint64_t)(options.warmup * 1e9), ends = 0, ended = 0;
    struct rusage cpu_from = {0}, cpu_to;
    if (options.warmup == 0) measuring = 1, getrusage(RUSAGE_SELF, &cpu_from);
    int timed = !options.count || options.duration_given;
    if (measuring && timed) ends = measure_from + (uint64_t)(options.duration * 1e9);
    for (int i = 0; i < options.connections; i++) {
        refill(&all[i], now_ns());
        flush(&all[i], poller);
    }

    struct epoll_event events[256];
    for (;;) {
        uint64_t now = now_ns();
        if (!measuring && now >= measure_from) {
            measuring = 1;
            measure_from = now;
            getrusage(RUSAGE_SELF, &cpu_from);
            if (timed) ends = now + (uint64_t)(options.duration * 1e9);
        }
        int lines_out = options.params_end && options.next_params >= options.params_end && in_flight == 0;
        if (lines_out && !measuring) { fprintf(stderr, "rpc-load: the params file ran out during the warm-up\n"); exit(3); }
        if (measuring && ((ends && now >= ends) || (options.count && calls + unmatched >= options.count) || lines_out)) {
            ended = now;
            break;
        }
        uint64_t until = measuring ? ends : measure_from;
        int timeout = until ? (int)((until - now) / 1000000 + 1) : 1000;
        int ready = epoll_wait(poller, events, 256, timeout);
        if (ready < 0) {
            if (errno == EINTR) continue;
            fail("epoll_wait");
        }
        for (int i = 0; i < ready; i++) {
            struct connection *c = events[i].data.ptr;
            if (events[i].events & EPOLLOUT) flush(c, poller);
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) receive(c, poller);
        }
    }
    getrusage(RUSAGE_SELF, &cpu_to);
    double seconds = (double)(ended - measure_from) / 1e9;
    double user = (double)(cpu_to.ru_utime.tv_sec - cpu_from.ru_utime.tv_sec) +
                  (double)(cpu_to.ru_utime.tv_usec - cpu_from.ru_utime.tv_usec) / 1e6;
    double system = (double)(cpu_to.ru_stime.tv_sec - cpu_from.ru_stime.tv_sec) +
                    (double)(cpu_to.ru_stime.tv_usec - cpu_from.ru_stime.tv_usec) / 1e6;
    printf("{\"connections\":%d,\"inflight\":%d,\"calls\":%lld,\"errors\":%lld,\"unmatched\":%lld,\"seconds\":%.3f,"
           "\"callsPerSecond\":%.0f,\"latencyMicroseconds\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99.9\":%.1f,"
           "\"max\":%.1f},\"cpuSeconds\":{\"user\":%.3f,\"system\":%.3f},\"cpuShare\":%.3f}\n",
           options.connections, options.inflight, calls, errors, unmatched, seconds, seconds > 0 ? calls / seconds : 0,
           percentile(50),
           percentile(90), percentile(99), percentile(99.9), (double)latency_max / 1000, user, system,
           seconds > 0 ? (user + system) / seconds : 0);
    if (options.count && calls + unmatched < options.count) return 3; /* out of time, or of params lines */
    return errors ? 2 : 0;
}
