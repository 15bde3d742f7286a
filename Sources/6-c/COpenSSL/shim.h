#ifndef LIFEBOAT_COPENSSL_SHIM_H
#define LIFEBOAT_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/kdf.h>
#include <openssl/hmac.h>

#endif
