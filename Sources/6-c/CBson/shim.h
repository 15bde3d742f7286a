#ifndef LIFEBOAT_CBSON_SHIM_H
#define LIFEBOAT_CBSON_SHIM_H

#include <bson/bson.h>

// bson_t is declared 128-byte aligned, so Swift imports it as an opaque
// type and cannot allocate one. These give heap storage for the two uses
// that need a caller-provided bson_t.

// Storage for a reply libmongoc initializes; release with cbson_reply_free.
static inline bson_t *cbson_reply_new(void) { return (bson_t *)bson_aligned_alloc0(128, sizeof(bson_t)); }
static inline void cbson_reply_free(bson_t *reply) { bson_destroy(reply); bson_free(reply); }

// A read-only view of bytes the caller keeps alive; release with
// cbson_view_free (frees the view, not the bytes).
static inline bson_t *cbson_view_new(const uint8_t *data, size_t length) {
    bson_t *view = (bson_t *)bson_aligned_alloc0(128, sizeof(bson_t));
    if (!bson_init_static(view, data, length)) { bson_free(view); return NULL; }
    return view;
}
static inline void cbson_view_free(bson_t *view) { bson_free(view); }

// bson_t's len field is not reachable through the opaque import.
static inline uint32_t bson_get_len_shim(const bson_t *document) { return document->len; }

#endif
