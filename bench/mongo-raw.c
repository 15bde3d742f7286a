/* Baselines for bench/mongo.sh, straight on libmongoc, no Lifeboat code:
 *   mongo-raw insert URI DB COLLECTIONS DOCS [text]
 *                                              bulk-inserts DOCS documents of ~1 KB
 *                                              spread over COLLECTIONS collections;
 *                                              `text`: pseudo-random words that
 *                                              compress as prose does (~2.5x with
 *                                              gzip), else a repeating pattern
 *   mongo-raw scan URI DB                      reads every document of every
 *                                              collection of DB, one thread per
 *                                              collection (at most 4 at once)
 *   mongo-raw index URI DB COLLECTIONS         creates an index on `n` in each of
 *                                              the COLLECTIONS collections c0, c1, …
 *   mongo-raw drop URI DB                      drops the database DB
 *   mongo-raw oplog URI DB                     reads the oplog entries newer than
 *                                              hello's lastWrite (the query a
 *                                              consistent dump makes afterwards)
 * Prints the document count and bytes; time it from outside. */
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *uri_text, *db_name;

typedef struct { char name[128]; long docs; long bytes; } scan_job;

static void *scan_one(void *arg) {
    scan_job *job = arg;
    mongoc_client_t *client = mongoc_client_new(uri_text);
    mongoc_collection_t *coll = mongoc_client_get_collection(client, db_name, job->name);
    bson_t filter = BSON_INITIALIZER;
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, &filter, NULL, NULL);
    const bson_t *doc;
    while (mongoc_cursor_next(cursor, &doc)) { job->docs++; job->bytes += doc->len; }
    bson_error_t error;
    if (mongoc_cursor_error(cursor, &error)) { fprintf(stderr, "scan: %s\n", error.message); exit(1); }
    mongoc_cursor_destroy(cursor);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(client);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s insert|scan URI DB [COLLECTIONS DOCS]\n", argv[0]); return 64; }
    mongoc_init();
    uri_text = argv[2];
    db_name = argv[3];
    bson_error_t error;
    if (strcmp(argv[1], "insert") == 0) {
        int collections = atoi(argv[4]);
        long docs = atol(argv[5]);
        mongoc_client_t *client = mongoc_client_new(uri_text);
        char padding[1001];
        long bytes = 0;
        int text = argc > 6 && strcmp(argv[6], "text") == 0;
        unsigned long long state = 88172645463325252ULL;
        for (int c = 0; c < collections; c++) {
            char name[32];
            snprintf(name, sizeof name, "c%d", c);
            mongoc_collection_t *coll = mongoc_client_get_collection(client, db_name, name);
            long per = docs / collections;
            for (long start = 0; start < per; start += 1000) {
                mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, NULL);
                for (long i = start; i < start + 1000 && i < per; i++) {
                    if (text) {
                        /* xorshift64: letters weighted toward a small set, spaces between words */
                        for (int k = 0; k < 1000; k++) {
                            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                            unsigned r = (unsigned)(state % 100);
                            padding[k] = r < 16 ? ' ' : (char)("etaoinshrdlucmfwypvbgkjqxz"[(r * r) % 26]);
                        }
                    } else {
                        for (int k = 0; k < 1000; k++) padding[k] = 'a' + (char)((i * 31 + k * 7) % 26);
                    }
                    padding[1000] = 0;
                    bson_t *doc = bson_new();
                    BSON_APPEND_INT64(doc, "_id", i);
                    BSON_APPEND_INT64(doc, "n", i * 7);
                    BSON_APPEND_UTF8(doc, "text", padding);
                    bytes += doc->len;
                    mongoc_bulk_operation_insert(bulk, doc);
                    bson_destroy(doc);
                }
                bson_t reply;
                if (!mongoc_bulk_operation_execute(bulk, &reply, &error)) { fprintf(stderr, "insert: %s\n", error.message); return 1; }
                bson_destroy(&reply);
                mongoc_bulk_operation_destroy(bulk);
            }
            mongoc_collection_destroy(coll);
        }
        printf("%ld documents, %ld bytes\n", docs, bytes);
        mongoc_client_destroy(client);
    } else if (strcmp(argv[1], "drop") == 0) {
        mongoc_client_t *client = mongoc_client_new(uri_text);
        bson_t *command = BCON_NEW("dropDatabase", BCON_INT32(1));
        bson_t reply;
        if (!mongoc_client_command_simple(client, db_name, command, NULL, &reply, &error)) { fprintf(stderr, "drop: %s\n", error.message); return 1; }
        bson_destroy(&reply);
        bson_destroy(command);
        mongoc_client_destroy(client);
    } else if (strcmp(argv[1], "index") == 0) {
        int collections = atoi(argv[4]);
        mongoc_client_t *client = mongoc_client_new(uri_text);
        for (int c = 0; c < collections; c++) {
            char name[32];
            snprintf(name, sizeof name, "c%d", c);
            bson_t *command = BCON_NEW("createIndexes", BCON_UTF8(name), "indexes", "[", "{", "key", "{", "n", BCON_INT32(1), "}",
                                       "name", BCON_UTF8("n_1"), "}", "]");
            bson_t reply;
            if (!mongoc_client_command_simple(client, db_name, command, NULL, &reply, &error)) { fprintf(stderr, "index: %s\n", error.message); return 1; }
            bson_destroy(&reply);
            bson_destroy(command);
        }
        printf("%d indexes\n", collections);
        mongoc_client_destroy(client);
    } else if (strcmp(argv[1], "oplog") == 0) {
        mongoc_client_t *client = mongoc_client_new(uri_text);
        bson_t *hello = BCON_NEW("hello", BCON_INT32(1));
        bson_t reply;
        if (!mongoc_client_command_simple(client, "admin", hello, NULL, &reply, &error)) { fprintf(stderr, "hello: %s\n", error.message); return 1; }
        bson_iter_t it;
        uint32_t t = 0, i = 0;
        if (bson_iter_init(&it, &reply) && bson_iter_find_descendant(&it, "lastWrite.opTime.ts", &it)) bson_iter_timestamp(&it, &t, &i);
        bson_t *filter = BCON_NEW("ts", "{", "$gt", BCON_TIMESTAMP(t, i), "}");
        mongoc_collection_t *coll = mongoc_client_get_collection(client, "local", "oplog.rs");
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
        const bson_t *doc;
        long entries = 0;
        while (mongoc_cursor_next(cursor, &doc)) entries++;
        if (mongoc_cursor_error(cursor, &error)) { fprintf(stderr, "oplog: %s\n", error.message); return 1; }
        printf("%ld documents, 0 bytes\n", entries);
        mongoc_cursor_destroy(cursor);
        mongoc_collection_destroy(coll);
        bson_destroy(filter); bson_destroy(hello); bson_destroy(&reply);
        mongoc_client_destroy(client);
    } else {
        mongoc_client_t *client = mongoc_client_new(uri_text);
        mongoc_database_t *db = mongoc_client_get_database(client, db_name);
        char **names = mongoc_database_get_collection_names_with_opts(db, NULL, &error);
        if (!names) { fprintf(stderr, "list: %s\n", error.message); return 1; }
        int count = 0;
        while (names[count]) count++;
        scan_job *jobs = calloc(count, sizeof *jobs);
        pthread_t *threads = calloc(count, sizeof *threads);
        long docs = 0, bytes = 0;
        for (int start = 0; start < count; start += 4) {
            int end = start + 4 < count ? start + 4 : count;
            for (int i = start; i < end; i++) { snprintf(jobs[i].name, sizeof jobs[i].name, "%s", names[i]); pthread_create(&threads[i], NULL, scan_one, &jobs[i]); }
            for (int i = start; i < end; i++) { pthread_join(threads[i], NULL); docs += jobs[i].docs; bytes += jobs[i].bytes; }
        }
        printf("%ld documents, %ld bytes\n", docs, bytes);
        bson_strfreev(names);
        mongoc_database_destroy(db);
        mongoc_client_destroy(client);
    }
    mongoc_cleanup();
    return 0;
}
