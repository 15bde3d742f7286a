#ifndef LIFEBOAT_CCURL_SHIM_H
#define LIFEBOAT_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call; one typed wrapper per argument type.
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }

typedef size_t (*ccurl_data_callback)(char *, size_t, size_t, void *);
static inline CURLcode ccurl_setopt_write(CURL *h, ccurl_data_callback f) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode ccurl_setopt_read(CURL *h, ccurl_data_callback f) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, f); }
static inline CURLcode ccurl_setopt_header(CURL *h, ccurl_data_callback f) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f); }

static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }

// SSH host keys: accept only a key the known_hosts file holds for this
// host (libcurl would otherwise ask a callback, or accept a new host);
// what the check found is kept in *match for the error message.
static int ccurl_known_host_only(CURL *h, const struct curl_khkey *known, const struct curl_khkey *found,
                                 enum curl_khmatch match, void *context) {
    (void)h; (void)known; (void)found;
    *(int *)context = (int)match;
    return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}
static inline CURLcode ccurl_require_known_host(CURL *h, int *match) {
    CURLcode code = curl_easy_setopt(h, CURLOPT_SSH_KEYFUNCTION, ccurl_known_host_only);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(h, CURLOPT_SSH_KEYDATA, (void *)match);
}

#endif
