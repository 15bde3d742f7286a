#ifndef LIFEBOAT_CZLIB_SHIM_H
#define LIFEBOAT_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 is a macro passing the library version and struct size;
// Swift cannot call macros, so this wrapper does it.
static inline int czlib_deflate_init_gzip(z_streamp stream, int level) {
    // windowBits 15 + 16 asks zlib for a gzip header and trailer.
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

// inflateInit2 is a macro too; windowBits 15 + 32 accepts gzip and zlib
// headers alike.
static inline int czlib_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}

#endif
