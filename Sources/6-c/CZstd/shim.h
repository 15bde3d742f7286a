#ifndef LIFEBOAT_CZSTD_SHIM_H
#define LIFEBOAT_CZSTD_SHIM_H

// ZSTD_c_nbWorkers and ZSTD_c_jobSize are in the stable API since 1.4.0.
#include <zstd.h>

#endif
