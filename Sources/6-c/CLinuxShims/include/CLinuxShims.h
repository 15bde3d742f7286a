#ifndef LIFEBOAT_CLINUXSHIMS_H
#define LIFEBOAT_CLINUXSHIMS_H

#include <stdint.h>

// Starts asynchronous writeback of a file range (Linux sync_file_range with
// SYNC_FILE_RANGE_WRITE). Swift's Glibc module is built without _GNU_SOURCE,
// so the call is not visible there. Returns 0, or -1 with errno set; where
// the call does not exist it returns 0 and does nothing (fsync still
// guarantees durability; this only spreads the writeback out).
int clinuxshims_start_writeback(int fd, int64_t offset, int64_t length);

#endif
