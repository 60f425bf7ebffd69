/*-------------------------------------------------------------------------
 *
 * restcorn.c
 *		  A foreign data wrapper that hosts Python ForeignDataWrapper classes
 *		  (Multicorn2's contract) inside PostgreSQL.
 *
 * The callbacks below come in the order the planner and executor call them.
 * Each one asks the wrapper instance of the foreign table (see pyhost.c) the
 * matching question: get_rel_size, get_path_keys, can_sort, can_limit,
 * execute, explain, end_scan, import_schema.
 *
 *-------------------------------------------------------------------------
 */
#include "restcorn.h"

#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "access/stratnum.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(restcorn_handler);
PG_FUNCTION_INFO_V1(restcorn_validator);

/* What planning learns about one foreign table (baserel->fdw_private). */
typedef struct RcPlanState
{
	Oid			relid;
	PyObject   *instance;		/* borrowed from the instance cache */
	TupleDesc	desc;
	Bitmapset  *attrs;			/* columns the query needs */
	List	   *quals;			/* RcQuals from the table's own WHERE clauses */
	int			width;
	Cost		startup_cost;
	List	   *sortkeys;		/* RcSortKeys the wrapper accepted */
	bool		sort_pushed_down;	/* ... covering all of ORDER BY */
	bool		count_only;		/* the grouped relation of a pushed count(*) */
	RelOptInfo *base_rel;
} RcPlanState;

/* One scan's state (node->fdw_state). */
typedef struct RcScanState
{
	PyObject   *instance;
	PyObject   *iterator;		/* NULL before the first row and after the last */
	PyObject   *row;			/* the row being converted */
	PyObject   *misfit;			/* a CheckedRows scan's callback, or NULL: no checks */
	PyObject   *columns_set;
	PyObject   *sortkeys;
	bool		started;
	List	   *qual_meta;		/* per qual: attnum, opname, is_array, use_or */
	List	   *qual_exprs;		/* the value expressions, from the plan */
	List	   *qual_states;	/* ... ready to evaluate */
	int64		limit;			/* -1: not pushed */
	int64		offset;
	bool		count_only;		/* the scan returns one row: count(*), from count_rows */
	List	   *join_keys_plan; /* NIL, or the semi-join reduction (joinkeys.c) */
	bool		join_keys_read;
	PyObject   *join_keys;		/* the qual column = ANY(keys), or NULL: none */
	int64		join_keys_count; /* distinct keys read; -1: no reduction */
	TupleDesc	desc;
	int			natts;			/* columns[] length, kept for release after an error */
	RcColumn   *columns;
	MemoryContextCallback release;
} RcScanState;

static void rcGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
static void rcGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
static void rcGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
								   RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra);
static ForeignScan *rcGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
									 ForeignPath *best_path, List *tlist, List *scan_clauses,
									 Plan *outer_plan);
static void rcBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *rcIterateForeignScan(ForeignScanState *node);
static void rcReScanForeignScan(ForeignScanState *node);
static void rcEndForeignScan(ForeignScanState *node);
static void rcExplainForeignScan(ForeignScanState *node, ExplainState *es);
static List *rcImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

Datum
restcorn_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = rcGetForeignRelSize;
	routine->GetForeignPaths = rcGetForeignPaths;
	routine->GetForeignUpperPaths = rcGetForeignUpperPaths;
	routine->GetForeignPlan = rcGetForeignPlan;
	routine->BeginForeignScan = rcBeginForeignScan;
	routine->IterateForeignScan = rcIterateForeignScan;
	routine->ReScanForeignScan = rcReScanForeignScan;
	routine->EndForeignScan = rcEndForeignScan;
	routine->ExplainForeignScan = rcExplainForeignScan;
	routine->ImportForeignSchema = rcImportForeignSchema;
	PG_RETURN_POINTER(routine);
}

/*
 * The wrapper class is a server option, checked at CREATE/ALTER SERVER (that
 * restcorn.wrappers allows it, then imported) so that a typo or a class the
 * superuser did not allow fails the DDL, not the first query.
 */
Datum
restcorn_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "wrapper") == 0 && catalog == ForeignTableRelationId)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("%s", "Cannot set the wrapper class on the table"),
					 errhint("%s", "Set it on the server")));
	}
	if (catalog == ForeignServerRelationId)
		Py_DECREF(rc_get_class(rc_server_wrapper(options)));
	PG_RETURN_VOID();
}

/* Call instance.method(*args, **kwargs); steals args and kwargs. */
static PyObject *
rc_call(PyObject *instance, const char *method, PyObject *args, PyObject *kwargs)
{
	PyObject   *callable = rc_check(PyObject_GetAttrString(instance, method));
	PyObject   *result;

	if (args == NULL)
		rc_python_error();
	result = PyObject_Call(callable, args, kwargs);
	Py_DECREF(callable);
	Py_DECREF(args);
	Py_XDECREF(kwargs);
	return rc_check(result);
}

static void
rc_kwarg(PyObject *kwargs, const char *name, PyObject *value)
{
	if (value == NULL || PyDict_SetItemString(kwargs, name, value) < 0)
		rc_python_error();
	Py_DECREF(value);
}

/*
 * GetForeignRelSize: the wrapper's estimate for the table's own WHERE clauses.
 */
static void
rcGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	RcPlanState *state = palloc0(sizeof(RcPlanState));
	Relation	rel;
	Bitmapset  *varattnos = NULL;
	ListCell   *lc;
	PyObject   *result;
	PyObject   *startup;
	int			attnum;

	baserel->fdw_private = state;
	state->relid = foreigntableid;
	state->base_rel = baserel;
	/* the user the scan checks permissions as, as postgres_fdw picks its user mapping */
	state->instance = rc_get_instance(foreigntableid,
									  OidIsValid(baserel->userid) ? baserel->userid : GetUserId());
	rel = table_open(foreigntableid, NoLock);
	state->desc = CreateTupleDescCopy(RelationGetDescr(rel));
	table_close(rel, NoLock);

	/*
	 * Columns in the target list and in WHERE; a whole-row reference needs
	 * all. Multicorn2 3.2 passes no column for it (as for count(*)), and so
	 * does its stand-in.
	 */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &varattnos);
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) ((RestrictInfo *) lfirst(lc))->clause, baserel->relid, &varattnos);
	attnum = -1;
	while ((attnum = bms_next_member(varattnos, attnum)) >= 0)
	{
		AttrNumber	att = attnum + FirstLowInvalidHeapAttributeNumber;

		if (att == 0 && !rc_multicorn2_behaviour)
		{
			for (att = 1; att <= state->desc->natts; att++)
				state->attrs = bms_add_member(state->attrs, att);
			break;
		}
		if (att > 0)
			state->attrs = bms_add_member(state->attrs, att);
	}
	state->quals = rc_extract_quals(baserel->relid, baserel->baserestrictinfo);

	result = rc_call(state->instance, "get_rel_size",
					 Py_BuildValue("(NN)", rc_quals_to_python(state->quals, state->desc, true),
								   rc_columns_to_python(state->attrs, state->desc)), NULL);
	if (!PyTuple_Check(result) || PyTuple_Size(result) != 2)
	{
		Py_DECREF(result);
		elog(ERROR, "The get_rel_size python method should return a tuple of length 2");
	}
	baserel->rows = PyFloat_AsDouble(PyTuple_GET_ITEM(result, 0));
	state->width = (int) PyLong_AsLong(PyTuple_GET_ITEM(result, 1));
	Py_DECREF(result);
	if (PyErr_Occurred())
		rc_python_error();
	baserel->reltarget->width = state->width;

	startup = rc_check(PyObject_GetAttrString(state->instance, "_startup_cost"));
	state->startup_cost = PyFloat_AsDouble(startup);
	Py_DECREF(startup);
	if (PyErr_Occurred())
		rc_python_error();
}

/* Sort keys as plan-copyable nodes, and back. */
static List *
rc_sortkeys_to_nodes(List *sortkeys)
{
	List	   *nodes = NIL;
	ListCell   *lc;

	foreach(lc, sortkeys)
	{
		RcSortKey  *key = (RcSortKey *) lfirst(lc);

		List	   *item = list_make4(makeString(key->attname), makeInteger(key->attnum),
										  makeInteger(key->is_reversed), makeInteger(key->nulls_first));

		nodes = lappend(nodes, lappend(item, makeString(key->collate ? key->collate : "")));
	}
	return nodes;
}

static List *
rc_sortkeys_from_nodes(List *nodes)
{
	List	   *sortkeys = NIL;
	ListCell   *lc;

	foreach(lc, nodes)
	{
		List	   *item = (List *) lfirst(lc);
		RcSortKey  *key = palloc(sizeof(RcSortKey));

		key->attname = strVal(linitial(item));
		key->attnum = intVal(lsecond(item));
		key->is_reversed = intVal(lthird(item));
		key->nulls_first = intVal(lfourth(item));
		key->collate = strVal(list_nth(item, 4));
		if (key->collate[0] == '\0')
			key->collate = NULL;
		sortkeys = lappend(sortkeys, key);
	}
	return sortkeys;
}

/* An int8 count kept in a plan: a Const, NULL when not pushed (value < 0). */
static Node *
rc_count_node(int64 value)
{
	return (Node *) makeConst(INT8OID, -1, InvalidOid, sizeof(int64),
							  Int64GetDatum(value), value < 0, FLOAT8PASSBYVAL);
}

static int64
rc_count_value(Node *node)
{
	Const	   *c = castNode(Const, node);

	return c->constisnull ? -1 : DatumGetInt64(c->constvalue);
}

/* A count as Python sees it: an int of any size, or None (value < 0). */
static PyObject *
rc_int8_to_python(int64 value)
{
	return value >= 0 ? rc_check(PyLong_FromLongLong(value)) : Py_NewRef(Py_None);
}

/*
 * What a path promises: the sort keys it applies, a pushed LIMIT/OFFSET
 * (-1: none), and whether it returns only count(*) of the whole table.
 */
static List *
rc_path_private(List *sortkeys, int64 limit, int64 offset, bool count_only)
{
	return list_make4(rc_sortkeys_to_nodes(sortkeys), rc_count_node(limit), rc_count_node(offset),
					  makeInteger(count_only));
}

/*
 * ORDER BY as sort keys, when every item is a plain column of this table;
 * NIL otherwise (then the wrapper is not asked).
 */
static List *
rc_requested_sortkeys(PlannerInfo *root, RelOptInfo *baserel, RcPlanState *state)
{
	List	   *sortkeys = NIL;
	ListCell   *lc;

	foreach(lc, root->query_pathkeys)
	{
		PathKey    *pathkey = (PathKey *) lfirst(lc);
		EquivalenceClass *ec = pathkey->pk_eclass;
		RcSortKey  *key = NULL;
		ListCell   *lm;

		if (ec->ec_has_volatile)
			return NIL;
		foreach(lm, ec->ec_members)
		{
			EquivalenceMember *em = (EquivalenceMember *) lfirst(lm);
			Var		   *var = (Var *) rc_strip_relabel((Node *) em->em_expr);

			if (var && IsA(var, Var) && var->varno == baserel->relid &&
				var->varlevelsup == 0 && var->varattno > 0)
			{
				Oid			opclass = GetDefaultOpClass(getBaseType(var->vartype), BTREE_AM_OID);

				/* the type's own order, not USING ~<~ or another operator family */
				if (!OidIsValid(opclass) || get_opclass_family(opclass) != pathkey->pk_opfamily)
					return NIL;
				key = palloc(sizeof(RcSortKey));
				key->attnum = var->varattno;
				key->attname = pstrdup(NameStr(TupleDescAttr(state->desc, var->varattno - 1)->attname));
				key->is_reversed = rc_pathkey_descending(pathkey);
				key->nulls_first = pathkey->pk_nulls_first;
				key->collate = (OidIsValid(ec->ec_collation) && ec->ec_collation != DEFAULT_COLLATION_OID)
					? rc_collation_name(ec->ec_collation) : NULL;
				/*
				 * Multicorn2 3.2 names a collation only for a relabelled column
				 * (varchar, or an explicit COLLATE); a plain column gets none,
				 * whatever its own COLLATE.
				 */
				if (rc_multicorn2_behaviour && !IsA(em->em_expr, RelabelType))
					key->collate = NULL;
				break;
			}
		}
		if (key == NULL)
			return NIL;
		sortkeys = lappend(sortkeys, key);
	}
	return sortkeys;
}

/* Ask can_sort; the accepted prefix of the requested keys and its pathkeys. */
static List *
rc_accepted_sortkeys(PlannerInfo *root, RcPlanState *state, List *requested, List **pathkeys)
{
	PyObject   *accepted;
	Py_ssize_t	count;
	int			n = 0;

	accepted = rc_call(state->instance, "can_sort",
					   Py_BuildValue("(N)", rc_sortkeys_to_python(requested)), NULL);
	count = PySequence_Size(accepted);
	if (count < 0)
		rc_python_error();
	while (n < count && n < list_length(requested))
	{
		RcSortKey  *want = (RcSortKey *) list_nth(requested, n);
		PyObject   *key = rc_check(PySequence_GetItem(accepted, n));
		PyObject   *attnum = rc_check(PyObject_GetAttrString(key, "attnum"));
		PyObject   *reversed = rc_check(PyObject_GetAttrString(key, "is_reversed"));
		PyObject   *nulls_first = rc_check(PyObject_GetAttrString(key, "nulls_first"));
		bool		same = PyLong_AsLong(attnum) == want->attnum &&
			PyObject_IsTrue(reversed) == want->is_reversed &&
			PyObject_IsTrue(nulls_first) == want->nulls_first;

		Py_DECREF(key);
		Py_DECREF(attnum);
		Py_DECREF(reversed);
		Py_DECREF(nulls_first);
		if (!same)
			break;
		n++;
	}
	Py_DECREF(accepted);
	*pathkeys = list_truncate(list_copy(root->query_pathkeys), n);
	return list_truncate(list_copy(requested), n);
}

/* The outer relations an equality join clause on this column needs. */
static Relids
rc_join_outer_relids(PlannerInfo *root, RelOptInfo *baserel, AttrNumber attnum)
{
	List	   *equalities = rc_join_equalities(root, baserel, attnum);
	RestrictInfo *rinfo;

	if (equalities == NIL)
		return NULL;
	rinfo = (RestrictInfo *) linitial(equalities);
	return bms_difference(rinfo->clause_relids, baserel->relids);
}

/*
 * Parameterized paths from get_path_keys: a nested loop may look up this table
 * once per outer row, by equality on the key columns.
 */
static List *
rc_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, RcPlanState *state)
{
	PyObject   *keys = rc_call(state->instance, "get_path_keys", PyTuple_New(0), NULL);
	PyObject   *iterator = rc_check(PyObject_GetIter(keys));
	PyObject   *item;
	List	   *paths = NIL;

	while ((item = PyIter_Next(iterator)) != NULL)
	{
		PyObject   *columns = rc_check(PySequence_GetItem(item, 0));
		PyObject   *rows_obj = rc_check(PySequence_GetItem(item, 1));
		double		rows = PyFloat_AsDouble(rows_obj);
		Relids		required_outer = NULL;
		Py_ssize_t	i,
					n = PySequence_Size(columns);
		bool		usable = n > 0;

		for (i = 0; usable && i < n; i++)
		{
			PyObject   *name = rc_check(PySequence_GetItem(columns, i));
			char	   *colname = rc_python_to_cstring(name);
			AttrNumber	attnum = InvalidAttrNumber;
			int			a;
			Relids		outer;

			Py_DECREF(name);
			for (a = 0; a < state->desc->natts; a++)
				if (!TupleDescAttr(state->desc, a)->attisdropped &&
					strcmp(NameStr(TupleDescAttr(state->desc, a)->attname), colname) == 0)
					attnum = a + 1;
			outer = attnum != InvalidAttrNumber ? rc_join_outer_relids(root, baserel, attnum) : NULL;
			usable = outer != NULL;
			required_outer = bms_union(required_outer, outer);
		}
		if (usable)
		{
			ForeignPath *path;

			path = rc_create_foreignscan_path(root, baserel, NULL, rows,
										   state->startup_cost,
										   state->startup_cost + rows * state->width,
										   NIL, required_outer, NULL,
										   NIL,
										   NIL);
			paths = lappend(paths, path);
		}
		Py_DECREF(columns);
		Py_DECREF(rows_obj);
		Py_DECREF(item);
	}
	Py_DECREF(iterator);
	Py_DECREF(keys);
	if (PyErr_Occurred())
		rc_python_error();
	return paths;
}

/*
 * GetForeignPaths: a plain scan, parameterized scans for get_path_keys, and
 * for each a sorted variant when the wrapper accepts the ORDER BY.
 */
static void
rcGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	RcPlanState *state = (RcPlanState *) baserel->fdw_private;
	List	   *paths = rc_parameterized_paths(root, baserel, state);
	List	   *sort_pathkeys = NIL;
	ListCell   *lc;

	paths = lappend(paths,
					rc_create_foreignscan_path(root, baserel, NULL, baserel->rows,
											state->startup_cost,
											baserel->rows * baserel->reltarget->width,
											NIL, NULL, NULL,
											NIL,
											NIL));

	if (root->query_pathkeys)
	{
		List	   *requested = rc_requested_sortkeys(root, baserel, state);

		if (requested)
			state->sortkeys = rc_accepted_sortkeys(root, state, requested, &sort_pathkeys);
	}
	state->sort_pushed_down = sort_pathkeys != NIL &&
		pathkeys_contained_in(root->sort_pathkeys, sort_pathkeys);

	foreach(lc, paths)
	{
		ForeignPath *path = (ForeignPath *) lfirst(lc);

		add_path(baserel, (Path *) path);
		if (sort_pathkeys)
		{
			ForeignPath *sorted;

			sorted = rc_create_foreignscan_path(root, baserel, NULL, path->path.rows,
											 path->path.startup_cost, path->path.total_cost,
											 sort_pathkeys, NULL, NULL,
											 NIL,
											 rc_path_private(state->sortkeys, -1, -1, false));
			sorted->path.param_info = path->path.param_info;
			add_path(baserel, (Path *) sorted);
		}
	}
}

/*
 * Whether PostgreSQL applies a filter of its own to the scan's rows: a
 * restriction clause of the base relation (from a WHERE, a view, a subquery
 * in FROM, a CTE, a JOIN ... ON, wherever it was written). Pseudoconstant
 * clauses do not count: they become a one-time gate above the whole scan.
 */
static bool
rc_scan_has_filter(RelOptInfo *baserel)
{
	ListCell   *lc;

	foreach(lc, baserel->baserestrictinfo)
	{
		if (!((RestrictInfo *) lfirst(lc))->pseudoconstant)
			return true;
	}
	return false;
}

/*
 * A LIMIT or OFFSET expression as a count: true when it can be pushed, with
 * *value set (-1 for none: absent, NULL or ALL). A value that is not a
 * constant, or is negative (PostgreSQL's Limit node raises the error), is
 * not pushed.
 */
static bool
rc_limit_count(Node *node, int64 *value)
{
	Const	   *c = (Const *) node;

	*value = -1;
	if (node == NULL)
		return true;
	if (!IsA(c, Const))
		return false;
	if (c->constisnull)
		return true;
	*value = DatumGetInt64(c->constvalue);
	return *value >= 0;
}

/*
 * Multicorn2 3.2's rule, for its stand-in: LIMIT/OFFSET are offered whenever
 * the top query level has no WHERE clause, however the scan is filtered
 * below it, as constants read as 32-bit ints (a negative one as none).
 */
static bool
rc_multicorn2_limit(Query *parse, int64 *limit_value, int64 *offset_value)
{
	Const	   *count = (Const *) parse->limitCount;
	Const	   *offset = (Const *) parse->limitOffset;

	*limit_value = *offset_value = -1;
	if (parse->jointree->quals != NULL ||
		(count && (!IsA(count, Const) || count->constisnull)) ||
		(offset && (!IsA(offset, Const) || offset->constisnull)))
		return false;
	if (count)
		*limit_value = Max(DatumGetInt32(count->constvalue), -1);
	if (offset)
		*offset_value = Max(DatumGetInt32(offset->constvalue), -1);
	return true;
}

/*
 * The one-column scan target of a count(*) scan: the count(*) aggregate(s)
 * of a grouping target, as a flat target list.
 */
static List *
rc_count_scan_tlist(PathTarget *target)
{
	return add_to_flat_tlist(NIL, pull_var_clause((Node *) target->exprs,
												  PVC_INCLUDE_AGGREGATES));
}

/*
 * Whether a grouping target holds only count(*), or expressions of it: no
 * column, and every aggregate a count(*) without DISTINCT, ORDER BY or
 * FILTER, of this query level, computed whole.
 */
static bool
rc_is_count_star(PathTarget *target)
{
	List	   *tlist;
	Aggref	   *agg;

	if (target == NULL)
		return false;
	tlist = rc_count_scan_tlist(target);
	if (list_length(tlist) != 1 || !IsA(((TargetEntry *) linitial(tlist))->expr, Aggref))
		return false;
	agg = (Aggref *) ((TargetEntry *) linitial(tlist))->expr;
	return agg->aggfnoid == F_COUNT_ && agg->aggstar && agg->aggdistinct == NIL &&
		agg->aggorder == NIL && agg->aggfilter == NULL && agg->agglevelsup == 0 &&
		agg->aggkind == AGGKIND_NORMAL && agg->aggsplit == AGGSPLIT_SIMPLE &&
		!contain_volatile_functions((Node *) target->exprs);
}

/*
 * count(*) pushdown: SELECT count(*) FROM t, with nothing PostgreSQL would
 * filter (no restriction clause on the scan at all: a pseudoconstant one
 * would gate the scan, leaving no row where count(*) is 0), no GROUP BY,
 * grouping sets or HAVING, no window functions, and a wrapper whose
 * can_count() says yes (not asked under Multicorn2's behaviour, which has
 * no such call). The path is a scan of the table whose one row is the
 * count, from the wrapper's count_rows(); it replaces PostgreSQL's Agg node.
 */
static void
rc_count_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel,
			  RcPlanState *state, GroupPathExtraData *extra)
{
	Query	   *parse = root->parse;
	PathTarget *target = root->upper_targets[UPPERREL_GROUP_AGG];
	PyObject   *accepted;
	bool		yes;
	RcPlanState *grouped;
	ForeignPath *path;
	Cost		cost;

	if (rc_multicorn2_behaviour || input_rel != state->base_rel ||
		input_rel->reloptkind != RELOPT_BASEREL || parse->commandType != CMD_SELECT ||
		parse->groupClause != NIL || parse->groupingSets != NIL || parse->havingQual != NULL ||
		parse->hasWindowFuncs || parse->hasTargetSRFs || parse->rowMarks != NIL ||
		(extra != NULL && extra->patype != PARTITIONWISE_AGGREGATE_NONE) ||
		input_rel->baserestrictinfo != NIL || !rc_is_count_star(target) ||
		!PyObject_HasAttrString(state->instance, "can_count"))
		return;
	accepted = rc_call(state->instance, "can_count", PyTuple_New(0), NULL);
	yes = PyObject_IsTrue(accepted) == 1;
	Py_DECREF(accepted);
	if (!yes)
		return;

	/* later upper stages (ORDER BY, LIMIT) of the grouped relation are not pushed */
	grouped = palloc(sizeof(RcPlanState));
	*grouped = *state;
	grouped->count_only = true;
	output_rel->fdw_private = grouped;
	/*
	 * One request, whose cost is at most the plain scan's (its startup cost,
	 * or rows x width, which may be less): below any Agg over that scan.
	 */
	cost = Min(state->startup_cost, input_rel->rows * input_rel->reltarget->width);
	path = rc_create_foreign_upper_path(root, state->base_rel, target, 1, cost, cost,
										NIL, NULL, NIL,
										rc_path_private(NIL, -1, -1, true));
	add_path(output_rel, (Path *) path);
}

/*
 * GetForeignUpperPaths: LIMIT/OFFSET pushdown, offered to can_limit only
 * when the Limit node would sit straight on this table's scan with nothing
 * left for PostgreSQL to filter: a SELECT without row locks or set-returning
 * functions in the target list, constant non-negative LIMIT/OFFSET (any int8),
 * no WITH TIES, the input relation this table's own scan (no join, grouping,
 * window or DISTINCT in between), no restriction clause on it, and any ORDER
 * BY fully pushed down. The path replaces PostgreSQL's Limit node, so the
 * wrapper must apply both exactly.
 */
static void
rcGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
					   RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra)
{
	RcPlanState *state = (RcPlanState *) input_rel->fdw_private;
	Query	   *parse = root->parse;
	FinalPathExtraData *final = (FinalPathExtraData *) extra;
	int64		limit_value;
	int64		offset_value;
	double		rows;
	PyObject   *accepted;
	bool		yes;
	ForeignPath *path;

	if (state == NULL || state->count_only)
		return;
	if (stage == UPPERREL_GROUP_AGG)
	{
		rc_count_path(root, input_rel, output_rel, state, (GroupPathExtraData *) extra);
		return;
	}
	if (stage == UPPERREL_ORDERED)
	{
		if (state->sort_pushed_down)
			output_rel->fdw_private = state;
		return;
	}
	if (stage != UPPERREL_FINAL || !final->limit_needed ||
		parse->commandType != CMD_SELECT || parse->limitOption == LIMIT_OPTION_WITH_TIES ||
		parse->hasTargetSRFs || parse->rowMarks != NIL)
		return;
	if (rc_multicorn2_behaviour)
	{
		if (!rc_multicorn2_limit(parse, &limit_value, &offset_value))
			return;
	}
	else if (rc_scan_has_filter(state->base_rel) ||
			 !rc_limit_count(parse->limitCount, &limit_value) ||
			 !rc_limit_count(parse->limitOffset, &offset_value))
		return;

	accepted = rc_call(state->instance, "can_limit",
					   Py_BuildValue("(NN)", rc_int8_to_python(limit_value),
									 rc_int8_to_python(offset_value)),
					   NULL);
	yes = PyObject_IsTrue(accepted) == 1;
	Py_DECREF(accepted);
	if (!yes)
		return;

	/*
	 * A scan of the base table that also applies the limit. It is costed
	 * below the plain scan (rows x width) plus a Limit node, also when the
	 * limit keeps every row: the wrapper was asked and said yes.
	 */
	rows = state->base_rel->rows;
	if (limit_value >= 0 && (double) limit_value < rows)
		rows = (double) limit_value;
	path = rc_create_foreign_upper_path(root, state->base_rel, root->upper_targets[UPPERREL_FINAL],
									 rows, state->startup_cost,
									 Max(state->startup_cost, 0.9 * rows * state->width),
									 NIL, NULL,
									 NIL,
									 rc_path_private(state->sort_pushed_down ? state->sortkeys : NIL,
													 limit_value, offset_value, false));
	add_path(output_rel, (Path *) path);
}

/*
 * Whether a scan may use semi-join reduction: not a count(*) (its one row
 * is not joined), not a parameterized scan (one key per rescan already).
 */
static bool
rc_join_keys_wanted(ForeignPath *path)
{
	List	   *path_private = path->fdw_private;

	return path->path.param_info == NULL &&
		(path_private == NIL || !intVal(lfourth(path_private)));
}

/*
 * GetForeignPlan: every WHERE clause stays in the plan's qual, so PostgreSQL
 * re-checks what the wrapper filtered. The value sides of the clauses the
 * wrapper sees go into fdw_exprs (the planner turns outer references of a
 * parameterized path into parameters there), the rest into fdw_private.
 */
static ForeignScan *
rcGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				 ForeignPath *best_path, List *tlist, List *scan_clauses, Plan *outer_plan)
{
	RcPlanState *state = (RcPlanState *) baserel->fdw_private;
	List	   *clauses = extract_actual_clauses(scan_clauses, false);
	List	   *quals = rc_extract_quals(baserel->relid, clauses);
	List	   *qual_meta = NIL;
	List	   *qual_exprs = NIL;
	List	   *attrs = NIL;
	List	   *path_private = best_path->fdw_private;
	List	   *scan_tlist = NIL;
	ListCell   *lc;
	int			attnum = -1;

	foreach(lc, quals)
	{
		RcQual	   *qual = (RcQual *) lfirst(lc);

		qual_meta = lappend(qual_meta,
							lappend(list_make4(makeInteger(qual->attnum), makeString(qual->opname),
											   makeInteger(qual->is_array), makeInteger(qual->use_or)),
									makeInteger((int) qual->collation)));
		qual_exprs = lappend(qual_exprs, qual->value);
	}
	while ((attnum = bms_next_member(state->attrs, attnum)) >= 0)
		attrs = lappend_int(attrs, attnum);
	if (path_private == NIL)
		path_private = rc_path_private(NIL, -1, -1, false);

	/*
	 * A count(*) scan's row is the aggregate itself: fdw_scan_tlist names it,
	 * so that PostgreSQL reads the plan's output (the count, or an expression
	 * of it projected here) from the scan's one column. The scan never
	 * returns the table's own columns, whatever tlist the planner offered.
	 */
	if (intVal(lfourth(path_private)))
	{
		scan_tlist = rc_count_scan_tlist(best_path->path.pathtarget);
		if (tlist != NIL)
			tlist = make_tlist_from_pathtarget(best_path->path.pathtarget);
	}
	return make_foreignscan(tlist, clauses, baserel->relid, qual_exprs,
							list_make4(qual_meta, attrs, path_private,
									   rc_join_keys_wanted(best_path) ?
									   rc_join_keys_plan(root, baserel, state->desc) : NIL),
							scan_tlist, NIL, outer_plan);
}

/* Drop the scan's Python objects; also runs if the query fails. */
static void
rc_release_scan(void *arg)
{
	RcScanState *scan = (RcScanState *) arg;
	int			i;

	Py_CLEAR(scan->row);
	Py_CLEAR(scan->iterator);
	Py_CLEAR(scan->misfit);
	Py_CLEAR(scan->columns_set);
	Py_CLEAR(scan->sortkeys);
	Py_CLEAR(scan->join_keys);
	Py_CLEAR(scan->instance);
	if (scan->columns)
	{
		for (i = 0; i < scan->natts; i++)
		{
			Py_CLEAR(scan->columns[i].key);
			Py_CLEAR(scan->columns[i].accepted_set);
		}
		scan->columns = NULL;
	}
}

/*
 * The user whose permissions the scan checks: a view's owner for a scan
 * inside a view, else the current user. Its user mapping is the one used.
 */
static Oid
rc_scan_userid(ForeignScanState *node)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	Oid			userid;

	userid = rc_scan_check_as_user(plan, node->ss.ps.state);
	return OidIsValid(userid) ? userid : GetUserId();
}

static void
rcBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	RcScanState *scan = palloc0(sizeof(RcScanState));
	List	   *path_private = lthird(plan->fdw_private);
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	scan->desc = RelationGetDescr(rel);
	scan->qual_meta = linitial(plan->fdw_private);
	scan->qual_exprs = plan->fdw_exprs;
	scan->qual_states = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	foreach(lc, (List *) lsecond(plan->fdw_private))
		attrs = bms_add_member(attrs, lfirst_int(lc));
	scan->limit = rc_count_value(lsecond(path_private));
	scan->offset = rc_count_value(lthird(path_private));
	scan->count_only = intVal(lfourth(path_private));
	scan->join_keys_plan = lfourth(plan->fdw_private);
	scan->join_keys_count = -1;

	scan->release.func = rc_release_scan;
	scan->release.arg = scan;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &scan->release);
	node->fdw_state = scan;

	scan->instance = Py_NewRef(rc_get_instance(RelationGetRelid(rel), rc_scan_userid(node)));
	scan->columns = palloc0(sizeof(RcColumn) * scan->desc->natts);
	scan->natts = scan->desc->natts;
	scan->columns_set = rc_columns_to_python(attrs, scan->desc);
	if (rc_multicorn2_behaviour)
	{
		/* Multicorn2 3.2 converts every column a row has a key for, asked or not */
		int			att;

		for (att = 1; att <= scan->desc->natts; att++)
			attrs = bms_add_member(attrs, att);
	}
	rc_init_columns(scan->columns, scan->desc, attrs);
	scan->sortkeys = rc_sortkeys_to_python(rc_sortkeys_from_nodes(linitial(path_private)));
}

/* The quals with their values: evaluated now, or "?" when only explaining. */
static PyObject *
rc_scan_quals(ForeignScanState *node, bool evaluate)
{
	RcScanState *scan = (RcScanState *) node->fdw_state;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	PyObject   *list = rc_check(PyList_New(0));
	ListCell   *lm,
			   *le,
			   *ls;
	int			nestlevel = rc_begin_transmission_modes();

	forthree(lm, scan->qual_meta, le, scan->qual_exprs, ls, scan->qual_states)
	{
		List	   *meta = (List *) lfirst(lm);
		Expr	   *expr = (Expr *) lfirst(le);
		RcQual		qual;
		PyObject   *value;
		PyObject   *item;

		qual.attnum = intVal(linitial(meta));
		qual.opname = strVal(lsecond(meta));
		qual.is_array = intVal(lthird(meta));
		qual.use_or = intVal(lfourth(meta));
		qual.collation = (Oid) intVal(list_nth(meta, 4));
		if (evaluate || IsA(expr, Const))
		{
			bool		isnull;
			Datum		datum = ExecEvalExpr((ExprState *) lfirst(ls), econtext, &isnull);

			value = isnull ? Py_NewRef(Py_None) : rc_datum_to_python(datum, exprType((Node *) expr));
		}
		else if (rc_multicorn2_behaviour)
			value = rc_check(PyLong_FromLong(0));	/* what Multicorn2 3.2 shows */
		else
			value = rc_check(PyUnicode_FromString("?"));
		item = rc_qual_to_python(&qual, scan->desc, value);
		if (PyList_Append(list, item) < 0)
			rc_python_error();
		Py_DECREF(item);
	}
	rc_end_transmission_modes(nestlevel);
	return list;
}

/* Keywords execute and explain get only for what was pushed down. */
static PyObject *
rc_scan_kwargs(RcScanState *scan)
{
	PyObject   *kwargs = rc_check(PyDict_New());

	if (PyList_Size(scan->sortkeys) > 0)
		rc_kwarg(kwargs, "sortkeys", Py_NewRef(scan->sortkeys));
	if (scan->limit >= 0)
		rc_kwarg(kwargs, "limit", rc_int8_to_python(scan->limit));
	if (scan->offset >= 0)
		rc_kwarg(kwargs, "offset", rc_int8_to_python(scan->offset));
	return kwargs;
}

/* ERROR for a CheckedRows the engine cannot apply: a wrapper's mistake, never skipped. */
static void
rc_bad_checks(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("the wrapper's CheckedRows has %s", what),
			 errhint("checks must map column names of the foreign table to (types, bits or None, "
					 "missing allowed); see restcorn_engine.CheckedRows.")));
}

/* One column's check of a CheckedRows: (accepted types, bits or None, missing allowed). */
static void
rc_read_check(RcColumn *col, const char *name, PyObject *spec)
{
	PyObject   *types;
	PyObject   *bits;
	PyObject   *iterator;
	PyObject   *type;
	int			missing_ok;

	if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 3)
		rc_bad_checks(psprintf("a check of column \"%s\" that is not a 3-tuple", name));
	types = PyTuple_GET_ITEM(spec, 0);
	bits = PyTuple_GET_ITEM(spec, 1);
	missing_ok = PyObject_IsTrue(PyTuple_GET_ITEM(spec, 2));
	if (missing_ok < 0)
		rc_python_error();
	col->naccepted = 0;
	Py_CLEAR(col->accepted_set);
	col->accepted_set = rc_check(PyFrozenSet_New(types));
	iterator = rc_check(PyObject_GetIter(col->accepted_set));
	while ((type = PyIter_Next(iterator)) != NULL)
	{
		if (!PyType_Check(type) || col->naccepted == RC_MAX_ACCEPTED)
		{
			Py_DECREF(type);
			Py_DECREF(iterator);
			rc_bad_checks(psprintf("more than %d types, or a type that is no type, for "
								   "column \"%s\"", RC_MAX_ACCEPTED, name));
		}
		col->accepted[col->naccepted++] = (PyTypeObject *) type;	/* held by accepted_set */
		Py_DECREF(type);
	}
	Py_DECREF(iterator);
	if (PyErr_Occurred())
		rc_python_error();
	col->bits = 0;
	if (bits != Py_None)
	{
		long		value = PyLong_Check(bits) ? PyLong_AsLong(bits) : -1;

		if (value < 2 || value > 64)
		{
			PyErr_Clear();
			rc_bad_checks(psprintf("bits for column \"%s\" that are not from 2 to 64", name));
		}
		col->bits = (int) value;
	}
	col->missing_ok = missing_ok;
	col->checked = true;
}

/*
 * The checks of a CheckedRows that execute returned (restcorn_engine): each
 * checked column's rules, and the callback for the first row that fails
 * them. Other iterables, and every one under Multicorn2's behaviour (which
 * has no such thing), leave the scan unchecked.
 */
static void
rc_read_checks(RcScanState *scan, PyObject *iterable)
{
	static PyObject *checked_rows_class = NULL;
	PyObject   *checks;
	PyObject   *name;
	PyObject   *spec;
	Py_ssize_t	position = 0;
	int			i;

	for (i = 0; i < scan->natts; i++)
		scan->columns[i].checked = false;
	Py_CLEAR(scan->misfit);
	if (rc_multicorn2_behaviour)
		return;
	if (checked_rows_class == NULL)
	{
		PyObject   *module = rc_check(PyImport_ImportModule("restcorn_engine"));

		checked_rows_class = rc_check(PyObject_GetAttrString(module, "CheckedRows"));
		Py_DECREF(module);
	}
	if (PyObject_IsInstance(iterable, checked_rows_class) != 1)
	{
		PyErr_Clear();
		return;
	}
	checks = rc_check(PyObject_GetAttrString(iterable, "checks"));
	if (!PyDict_Check(checks))
	{
		Py_DECREF(checks);
		rc_bad_checks("checks that are not a dict");
	}
	/* every column's name as Python has it, to match the checks' keys (any encoding) */
	for (i = 0; i < scan->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(scan->desc, i);

		if (!att->attisdropped && scan->columns[i].key == NULL)
			scan->columns[i].key = rc_text_to_python(NameStr(att->attname), -1);
	}
	while (PyDict_Next(checks, &position, &name, &spec))
	{
		RcColumn   *col = NULL;

		if (!PyUnicode_Check(name))
			rc_bad_checks("a check whose key is not a column name");
		for (i = 0; i < scan->natts; i++)
			if (scan->columns[i].key != NULL &&
				PyUnicode_Compare(scan->columns[i].key, name) == 0)
				col = &scan->columns[i];
		if (col == NULL)
			rc_bad_checks(psprintf("a check of \"%s\", which is no column of the table",
								   rc_python_to_cstring(name)));
		rc_read_check(col, rc_python_to_cstring(name), spec);
	}
	Py_DECREF(checks);
	scan->misfit = rc_check(PyObject_GetAttrString(iterable, "misfit"));
}

static void
rc_start_scan(ForeignScanState *node)
{
	RcScanState *scan = (RcScanState *) node->fdw_state;
	PyObject   *iterable;
	PyObject   *quals;

	scan->started = true;
	if (scan->join_keys_plan != NIL && !scan->join_keys_read)
	{
		/* once per execution: a rescan reads the same local rows */
		scan->join_keys = rc_join_keys_qual(scan->join_keys_plan, node->ss.ps.state,
											scan->desc, &scan->join_keys_count);
		scan->join_keys_read = true;
	}
	if (scan->join_keys_count == 0)
		return;					/* no key to join with: no row can join */
	quals = rc_scan_quals(node, true);
	if (scan->join_keys && PyList_Append(quals, scan->join_keys) < 0)
		rc_python_error();
	iterable = rc_call(scan->instance, "execute",
					   Py_BuildValue("(NO)", quals, scan->columns_set),
					   rc_scan_kwargs(scan));
	if (iterable != Py_None)
	{
		rc_read_checks(scan, iterable);
		scan->iterator = rc_check(PyObject_GetIter(iterable));
	}
	Py_DECREF(iterable);
}

/*
 * The one row of a pushed count(*): the wrapper's count_rows(), a
 * non-negative int that fits a bigint (else an ERROR naming the wrapper).
 */
static TupleTableSlot *
rc_count_row(ForeignScanState *node)
{
	RcScanState *scan = (RcScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	PyObject   *result;
	long long	count = -1;

	ExecClearTuple(slot);
	if (scan->started)
		return slot;
	scan->started = true;
	result = rc_call(scan->instance, "count_rows", PyTuple_New(0), NULL);
	if (PyLong_Check(result) && !PyBool_Check(result))
		count = PyLong_AsLongLong(result);
	Py_DECREF(result);
	if (count == -1 && PyErr_Occurred())
		PyErr_Clear();
	if (count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("count_rows() of the wrapper of \"%s\" returned no row count",
						RelationGetRelationName(node->ss.ss_currentRelation)),
				 errhint("It must return a non-negative int of at most 2^63 - 1.")));
	slot->tts_values[0] = Int64GetDatum((int64) count);
	slot->tts_isnull[0] = false;
	return ExecStoreVirtualTuple(slot);
}

/* One row per call, pulled from the wrapper's iterator as PostgreSQL asks. */
static TupleTableSlot *
rcIterateForeignScan(ForeignScanState *node)
{
	RcScanState *scan = (RcScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (scan->count_only)
		return rc_count_row(node);
	if (!scan->started)
		rc_start_scan(node);
	ExecClearTuple(slot);
	if (scan->iterator == NULL)
		return slot;
	scan->row = PyIter_Next(scan->iterator);
	if (scan->row == NULL)
	{
		if (PyErr_Occurred())
			rc_python_error();
		Py_CLEAR(scan->iterator);
		return slot;
	}
	if (scan->row == Py_None && scan->misfit == NULL)
	{
		Py_CLEAR(scan->row);
		Py_CLEAR(scan->iterator);
		return slot;
	}
	/* a checked scan's rows are all dicts: a None is a misfit, not the end */
	if (!rc_row_to_slot(scan->row, scan->columns, scan->desc, slot->tts_values, slot->tts_isnull,
						scan->misfit != NULL))
	{
		/* the wrapper words the ERROR; if it does not, this one ends the scan */
		Py_DECREF(rc_check(PyObject_CallOneArg(scan->misfit, scan->row)));
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("a row of \"%s\" does not fit the checks its wrapper asked for",
						RelationGetRelationName(node->ss.ss_currentRelation))));
	}
	Py_CLEAR(scan->row);
	return ExecStoreVirtualTuple(slot);
}

/* A rescan (new parameter values) calls execute again. */
static void
rcReScanForeignScan(ForeignScanState *node)
{
	RcScanState *scan = (RcScanState *) node->fdw_state;

	Py_CLEAR(scan->iterator);
	scan->started = false;
}

static void
rcEndForeignScan(ForeignScanState *node)
{
	RcScanState *scan = (RcScanState *) node->fdw_state;

	Py_DECREF(rc_call(scan->instance, "end_scan", PyTuple_New(0), NULL));
	rc_release_scan(scan);
}

/* EXPLAIN: the wrapper's own lines, each as "Multicorn: <line>". */
static void
rcExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	RcScanState *scan = (RcScanState *) node->fdw_state;
	PyObject   *kwargs = rc_scan_kwargs(scan);
	PyObject   *lines;
	PyObject   *iterator;
	PyObject   *line;

	rc_kwarg(kwargs, "verbose", PyBool_FromLong(es->verbose));
	lines = rc_call(scan->instance, "explain",
					Py_BuildValue("(NO)", rc_scan_quals(node, false), scan->columns_set), kwargs);
	iterator = rc_check(PyObject_GetIter(lines));
	Py_DECREF(lines);
	while ((line = PyIter_Next(iterator)) != NULL)
	{
		PyObject   *str = rc_check(PyObject_Str(line));

		Py_DECREF(line);
		ExplainPropertyText("Multicorn", rc_python_to_cstring(str), es);
		Py_DECREF(str);
	}
	Py_DECREF(iterator);
	if (PyErr_Occurred())
		rc_python_error();
	if (scan->join_keys_plan != NIL)
	{
		ExplainPropertyText("Join Keys From", rc_join_keys_sql(scan->join_keys_plan), es);
		if (es->analyze && scan->join_keys_read)
			ExplainPropertyText("Join Keys Read",
								scan->join_keys_count >= 0
								? psprintf(INT64_FORMAT, scan->join_keys_count)
								: "none (too many rows, or not readable by the current user)",
								es);
	}
}

/* IMPORT FOREIGN SCHEMA: the wrapper's import_schema gives the tables. */
static List *
rcImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	char	   *class_name = rc_server_wrapper(server->options);
	PyObject   *srv_options;
	PyObject   *restricts;
	PyObject   *statements;
	PyObject   *iterator;
	PyObject   *item;
	const char *restriction = NULL;
	List	   *commands = NIL;
	ListCell   *lc;

	rc_check_wrapper_allowed(class_name);
	srv_options = rc_options_dict(server->options);	/* starts Python */
	restricts = rc_check(PyList_New(0));
	if (PyDict_DelItemString(srv_options, "wrapper") < 0)
		PyErr_Clear();
	if (stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO)
		restriction = "limit";
	else if (stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT)
		restriction = "except";
	foreach(lc, stmt->table_list)
	{
		PyObject   *name = rc_text_to_python(((RangeVar *) lfirst(lc))->relname, -1);

		if (PyList_Append(restricts, name) < 0)
			rc_python_error();
		Py_DECREF(name);
	}
	statements = rc_host_call("import_schema",
							  Py_BuildValue("(sNNNzNNN)", class_name,
											rc_text_to_python(stmt->remote_schema, -1),
											srv_options, rc_options_dict(stmt->options),
											restriction, restricts,
											rc_text_to_python(stmt->local_schema, -1),
											rc_text_to_python(server->servername, -1)));
	iterator = rc_check(PyObject_GetIter(statements));
	Py_DECREF(statements);
	while ((item = PyIter_Next(iterator)) != NULL)
	{
		commands = lappend(commands, rc_python_to_cstring(item));
		Py_DECREF(item);
	}
	Py_DECREF(iterator);
	if (PyErr_Occurred())
		rc_python_error();
	return commands;
}
