#include <sqlite3.h>

/* sqlite3_db_config is variadic, which Swift cannot call: these wrappers are not. */

/* Turn on SQLITE_DBCONFIG_DEFENSIVE: no writes to the schema or shadow tables, even by SQL. */
static inline int csqlite_enable_defensive(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
}
