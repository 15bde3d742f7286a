#ifndef LIFEBOAT_CARCHIVE_SHIM_H
#define LIFEBOAT_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <locale.h>

// AE_IFREG and friends are defined with a cast, which Swift does not import.
// These give the same values as plain constants.
static inline unsigned int carchive_ifreg(void) { return AE_IFREG; }
static inline unsigned int carchive_ifdir(void) { return AE_IFDIR; }
static inline unsigned int carchive_iflnk(void) { return AE_IFLNK; }
static inline unsigned int carchive_ifmt(void) { return AE_IFMT; }

#endif
