#ifndef LIFEBOAT_CHIREDIS_SHIM_H
#define LIFEBOAT_CHIREDIS_SHIM_H

#include <hiredis/hiredis.h>

// redisContext's errstr is a fixed char array (a tuple in Swift) and its
// fd a field of a struct Swift may import differently across versions;
// these accessors keep the Swift side stable.
static inline const char *chiredis_errstr(const redisContext *c) { return c->errstr; }
static inline int chiredis_err(const redisContext *c) { return c->err; }
static inline int chiredis_fd(const redisContext *c) { return c->fd; }

// Bytes hiredis has read from the socket but not yet parsed into replies.
// A replication stream read straight from the fd must start with these.
static inline size_t chiredis_pending(const redisContext *c) {
    return c->reader ? c->reader->len - c->reader->pos : 0;
}
static inline const char *chiredis_pending_bytes(const redisContext *c) {
    return c->reader ? c->reader->buf + c->reader->pos : "";
}

#endif
