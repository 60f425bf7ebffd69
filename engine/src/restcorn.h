/*
 * restcorn.h
 *		Shared declarations of the restcorn engine: a PostgreSQL foreign data
 *		wrapper that hosts Python ForeignDataWrapper classes through the same
 *		contract as Multicorn2.
 *
 * The engine is split by job:
 *	restcorn.c	the FDW callbacks, in planner and executor order
 *	quals.c		turning WHERE clauses into (column, operator, value) quals
 *	joinkeys.c	semi-join reduction: the keys of a small local table joined
 *	pyhost.c	the embedded interpreter, wrapper instances, Python errors
 *	convert.c	values between PostgreSQL datums and Python objects
 */
#ifndef RESTCORN_H
#define RESTCORN_H

/* Python.h must come first: it defines feature macros for the C library. */
#include <Python.h>

#include "postgres.h"

#include "access/attnum.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
#include "nodes/primnodes.h"
#include "utils/rel.h"

#include "compat.h"

/* Python before 3.10 */
#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
Py_NewRef(PyObject *obj)
{
	Py_INCREF(obj);
	return obj;
}
#define PyErr_SetInterruptEx(signo) (PyErr_SetInterrupt(), 0)
#endif

/* restcorn.multicorn2_behaviour: behave as Multicorn2 3.2 does (pyhost.c). */
extern bool rc_multicorn2_behaviour;

/* A WHERE clause the wrapper may see: column operator value. */
typedef struct RcQual
{
	AttrNumber	attnum;
	Oid			collation;		/* the comparison's input collation, or InvalidOid */
	char	   *opname;			/* pg_operator.oprname, commuted if needed */
	bool		is_array;		/* col op ANY/ALL (array) */
	bool		use_or;			/* ANY (true) or ALL (false) */
	Expr	   *value;			/* a Const, or an expression evaluated at run time */
} RcQual;

/* One ORDER BY item the wrapper may be asked to honour. */
typedef struct RcSortKey
{
	char	   *attname;
	AttrNumber	attnum;
	bool		is_reversed;
	bool		nulls_first;
	char	   *collate;		/* NULL for the database default collation */
} RcSortKey;

/* How one column's Python values become datums; built once per scan. */
typedef enum RcConvKind
{
	RC_CONV_GENERIC,			/* str(value) through the type's input function */
	RC_CONV_TEXT,				/* text, varchar: no input function */
	RC_CONV_BYTEA,				/* bytea: no input function */
	RC_CONV_INT2,
	RC_CONV_INT4,
	RC_CONV_INT8,
	RC_CONV_FLOAT8,
	RC_CONV_BOOL
} RcConvKind;

#define RC_MAX_ACCEPTED 16

typedef struct RcColumn
{
	bool		needed;			/* in the scan's column set */
	char	   *attname;
	PyObject   *key;			/* attname as a Python str, for dict lookups */
	Oid			typoid;
	int32		typmod;
	int			ndims;			/* array dimensions, 0 for scalars */
	RcConvKind	kind;
	FmgrInfo	infunc;
	Oid			ioparam;
	/* The value check of a CheckedRows scan (rc_value_fits), when checked */
	bool		checked;
	bool		missing_ok;		/* a row without the key fits */
	int			bits;			/* an int must fit this many bits; 0: any int */
	int			naccepted;
	PyTypeObject *accepted[RC_MAX_ACCEPTED];	/* the exact types that fit */
	PyObject   *accepted_set;	/* what holds them */
} RcColumn;

/* pyhost.c */
extern void rc_python_init(void);
extern PyObject *rc_host_call(const char *function, PyObject *args);
pg_noreturn extern void rc_python_error(void) pg_attribute_noreturn();
extern PyObject *rc_check(PyObject *result);
extern PyObject *rc_get_instance(Oid foreigntableid, Oid userid);
extern PyObject *rc_get_class(const char *class_name);
extern void rc_check_wrapper_allowed(const char *class_name);
extern char *rc_server_wrapper(List *options);
extern PyObject *rc_options_dict(List *options);

/* convert.c */
extern PyObject *rc_text_to_python(const char *s, Py_ssize_t len);
extern char *rc_python_to_cstring(PyObject *str);
extern PyObject *rc_datum_to_python(Datum value, Oid typoid);
extern int	rc_begin_transmission_modes(void);
extern void rc_end_transmission_modes(int nestlevel);
extern void rc_init_columns(RcColumn *columns, TupleDesc desc, Bitmapset *needed);
extern bool rc_row_to_slot(PyObject *row, RcColumn *columns, TupleDesc desc,
						  Datum *values, bool *nulls, bool check);

/* joinkeys.c */
extern List *rc_join_equalities(PlannerInfo *root, RelOptInfo *baserel, AttrNumber attnum);
extern List *rc_join_keys_plan(PlannerInfo *root, RelOptInfo *baserel, TupleDesc desc);
extern char *rc_join_keys_sql(List *plan);
extern PyObject *rc_join_keys_qual(List *plan, struct EState *estate, TupleDesc desc,
								   int64 *nkeys);

/* quals.c */
extern Node *rc_strip_relabel(Node *node);
extern char *rc_collation_name(Oid collation);
extern bool rc_extract_qual(Index relid, Expr *clause, RcQual *qual);
extern List *rc_extract_quals(Index relid, List *clauses);
extern PyObject *rc_quals_to_python(List *quals, TupleDesc desc, bool only_consts);
extern PyObject *rc_qual_to_python(RcQual *qual, TupleDesc desc, PyObject *value);
extern PyObject *rc_sortkeys_to_python(List *sortkeys);
extern PyObject *rc_columns_to_python(Bitmapset *attrs, TupleDesc desc);

#endif							/* RESTCORN_H */
