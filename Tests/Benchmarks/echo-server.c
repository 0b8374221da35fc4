/*
 * The reference for Madoguchi's transport figures: the least a server can do with the
 * same kind of socket and framing. It listens on a Unix stream socket and writes back
 * every complete line it reads, nothing else: no parsing, no allocation per message.
 * One thread, edge-triggered epoll, non-blocking sockets.
 *
 *   cc -O2 -o echo-server echo-server.c && ./echo-server /tmp/echo.sock
 *
 * `madoctl bench` can drive it as it drives a service: a JSON-RPC request echoed back
 * carries its own "id", which is all the tool looks at to match a reply.
 */
#define _GNU_SOURCE /* memrchr, accept4 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BUFFER_SIZE (64 * 1024)
#define MAX_EVENTS 256

/* One connection: the bytes after its last complete line, kept until the newline comes. */
struct connection {
    int fd;
    size_t pending;
    char buffer[BUFFER_SIZE];
};

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail("fcntl");
}

/* Writes all of `data`, waiting (rarely: the client reads as fast as it writes) when the
 * socket's buffer is full. */
static int write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                fd_set writable;
                FD_ZERO(&writable);
                FD_SET(fd, &writable);
                select(fd + 1, NULL, &writable, NULL, NULL);
                continue;
            }
            return -1;
        }
        data += written;
        length -= (size_t)written;
    }
    return 0;
}

/* Reads what is there and echoes each complete line; returns -1 when the connection ends. */
static int serve(struct connection *connection) {
    for (;;) {
        ssize_t count = read(connection->fd, connection->buffer + connection->pending,
                             BUFFER_SIZE - connection->pending);
        if (count == 0) return -1;
        if (count < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        size_t filled = connection->pending + (size_t)count;
        char *last_newline = memrchr(connection->buffer, '\n', filled);
        if (last_newline == NULL) {
            if (filled == BUFFER_SIZE) return -1; /* a line longer than the buffer: not a benchmark's */
            connection->pending = filled;
            continue;
        }
        size_t complete = (size_t)(last_newline - connection->buffer) + 1;
        if (write_all(connection->fd, connection->buffer, complete) < 0) return -1;
        connection->pending = filled - complete;
        memmove(connection->buffer, connection->buffer + complete, connection->pending);
    }
}

int main(int argc, char **argv) {
    if (argc != 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fprintf(stderr, "usage: echo-server SOCKET_PATH\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0) fail("socket");
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, argv[1]);
    unlink(argv[1]);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) fail("bind");
    if (listen(listener, 4096) < 0) fail("listen");
    set_nonblocking(listener);

    int poller = epoll_create1(0);
    if (poller < 0) fail("epoll_create1");
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event) < 0) fail("epoll_ctl");

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int ready = epoll_wait(poller, events, MAX_EVENTS, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            fail("epoll_wait");
        }
        for (int index = 0; index < ready; index++) {
            struct connection *connection = events[index].data.ptr;
            if (connection == NULL) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct connection *accepted = malloc(sizeof *accepted);
                    if (accepted == NULL) fail("malloc");
                    accepted->fd = client;
                    accepted->pending = 0;
                    struct epoll_event client_event = {.events = EPOLLIN | EPOLLET, .data.ptr = accepted};
                    if (epoll_ctl(poller, EPOLL_CTL_ADD, client, &client_event) < 0) fail("epoll_ctl");
                }
                continue;
            }
            if (serve(connection) < 0) {
                close(connection->fd);
                free(connection);
            }
        }
    }
}
