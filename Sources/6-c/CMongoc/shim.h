#ifndef LIFEBOAT_CMONGOC_SHIM_H
#define LIFEBOAT_CMONGOC_SHIM_H

#include <mongoc/mongoc.h>

#endif
