/*
 * joinkeys.c
 *		Semi-join reduction: a foreign scan joined by equality to a small
 *		local table asks the service only for the keys that table holds.
 *
 * For  SELECT ... FROM words w JOIN dictionary d ON d.word = w.word  the
 * scan of d gets one more qual, word = ANY(<the words of w>), read from w
 * when the scan starts; the wrapper sends it as an IN filter, so one
 * request replaces a scan of the whole remote table (or one request per
 * row of w). PostgreSQL still performs the join itself.
 *
 * The qual may only make the scan's answer smaller where the rows it drops
 * could never join. That holds exactly when the join clause could be
 * enforced by a parameterized scan of the foreign table
 * (join_clause_is_movable_to: not an outer join that preserves the foreign
 * table's rows, not an anti join from it), so that is the test. The keys
 * are every value of the local column, read with the query's own snapshot
 * as the current user. So it is done only where the query reads every row
 * of the local relation too: none of its conditions is evaluated early
 * (one might fail on rows the query never reaches), and no row the query
 * filters out (by a WHERE, a view's or a policy's condition) is sent to the
 * service. Where the relation has such a condition, where that user could
 * not read the column directly (rights only through a view or without the
 * schema), where a partition or child is not a local table, where there
 * are more than RC_JOIN_KEYS_MAX rows, or under Multicorn2's behaviour, the
 * scan is left as it was.
 */
#include "restcorn.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* At most this many rows are read from the local relation; more: no reduction. */
#define RC_JOIN_KEYS_MAX 1000

/*
 * What the plan keeps (fdw_private): a list of
 *	foreign attnum, comparison collation, local relation OID, local attnum,
 *	inheritance (0: ONLY).
 */
enum
{
	JK_ATTNUM,
	JK_COLLATION,
	JK_RELID,
	JK_LOCAL_ATTNUM,
	JK_INH
};

static bool
rc_ec_member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					   EquivalenceMember *em, void *arg)
{
	Var		   *var = (Var *) rc_strip_relabel((Node *) em->em_expr);

	return var && IsA(var, Var) && var->varno == rel->relid &&
		var->varlevelsup == 0 && var->varattno == *(AttrNumber *) arg;
}

/*
 * The equality join clauses (RestrictInfos) on one column that a
 * parameterized scan of baserel could enforce, from equivalence classes and
 * from joininfo: column = <an expression of other relations>.
 */
List *
rc_join_equalities(PlannerInfo *root, RelOptInfo *baserel, AttrNumber attnum)
{
	List	   *clauses;
	List	   *found = NIL;
	ListCell   *lc;

	if (baserel->joininfo == NIL && !baserel->has_eclass_joins)
		return NIL;				/* a scan joined to nothing (every point lookup) */
	clauses = generate_implied_equalities_for_column(root, baserel, rc_ec_member_is_column,
													 &attnum, baserel->lateral_referencers);
	clauses = list_concat(clauses, baserel->joininfo);
	foreach(lc, clauses)
	{
		RestrictInfo *rinfo = (RestrictInfo *) lfirst(lc);
		RcQual		qual;

		if (join_clause_is_movable_to(rinfo, baserel) &&
			rc_extract_qual(baserel->relid, rinfo->clause, &qual) &&
			qual.attnum == attnum && !qual.is_array && strcmp(qual.opname, "=") == 0 &&
			!bms_is_empty(bms_difference(rinfo->clause_relids, baserel->relids)))
			found = lappend(found, rinfo);
	}
	return found;
}

/*
 * Whether a relation (with its partitions or children when inh) is all
 * local tables: plain, partitioned, materialized views. A foreign partition
 * would make the key read a request of its own.
 */
static bool
rc_all_local(Oid relid, bool inh)
{
	List	   *relids = inh ? find_all_inheritors(relid, AccessShareLock, NULL)
		: list_make1_oid(relid);
	ListCell   *lc;

	foreach(lc, relids)
	{
		char		relkind = get_rel_relkind(lfirst_oid(lc));

		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
			relkind != RELKIND_MATVIEW)
			return false;
	}
	return true;
}

/*
 * Plan time: the reduction for this scan, or NIL. Of the candidate local
 * relations (plain tables, partitioned tables, materialized views joined by
 * equality on a column, without conditions of their own) of at most
 * RC_JOIN_KEYS_MAX rows by the planner's estimate, the smallest.
 */
List *
rc_join_keys_plan(PlannerInfo *root, RelOptInfo *baserel, TupleDesc desc)
{
	List	   *best = NIL;
	double		best_rows = RC_JOIN_KEYS_MAX + 1;
	AttrNumber	attnum;

	if (rc_multicorn2_behaviour || baserel->reloptkind != RELOPT_BASEREL)
		return NIL;
	for (attnum = 1; attnum <= desc->natts; attnum++)
	{
		ListCell   *lc;

		if (TupleDescAttr(desc, attnum - 1)->attisdropped)
			continue;
		foreach(lc, rc_join_equalities(root, baserel, attnum))
		{
			RestrictInfo *rinfo = (RestrictInfo *) lfirst(lc);
			RcQual		qual;
			Var		   *var;
			RangeTblEntry *rte;
			RelOptInfo *local;

			(void) rc_extract_qual(baserel->relid, rinfo->clause, &qual);
			var = (Var *) rc_strip_relabel((Node *) qual.value);
			if (!var || !IsA(var, Var) || var->varlevelsup != 0 || var->varattno <= 0 ||
				var->varno >= root->simple_rel_array_size)
				continue;
			local = root->simple_rel_array[var->varno];
			rte = root->simple_rte_array[var->varno];
			if (local == NULL || local->reloptkind != RELOPT_BASEREL ||
				rte->rtekind != RTE_RELATION || local->baserestrictinfo != NIL ||
				local->tuples >= best_rows || !rc_all_local(rte->relid, rte->inh))
				continue;
			best_rows = local->tuples;
			best = list_make5(makeInteger(attnum), makeInteger((int) qual.collation),
							  makeInteger((int) rte->relid), makeInteger(var->varattno),
							  makeInteger(rte->inh));
		}
	}
	return best;
}

/* The query that reads the keys: also what EXPLAIN shows. */
char *
rc_join_keys_sql(List *plan)
{
	Oid			relid = (Oid) intVal(list_nth(plan, JK_RELID));
	char	   *relname = get_rel_name(relid);

	if (relname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	return psprintf("SELECT %s FROM %s%s",
					quote_identifier(get_attname(relid, intVal(list_nth(plan, JK_LOCAL_ATTNUM)),
												 false)),
					intVal(list_nth(plan, JK_INH)) ? "" : "ONLY ",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   relname));
}

/*
 * Whether the current user may read the local column directly, and sees
 * every row the query does: the schema's USAGE, SELECT on the table or the
 * column, no row-level security.
 */
static bool
rc_keys_readable(List *plan)
{
	Oid			relid = (Oid) intVal(list_nth(plan, JK_RELID));
	Oid			userid = GetUserId();
	HeapTuple	tuple;
	bool		row_security;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	row_security = ((Form_pg_class) GETSTRUCT(tuple))->relrowsecurity;
	ReleaseSysCache(tuple);
	return !row_security &&
		rc_namespace_aclcheck(get_rel_namespace(relid), userid, ACL_USAGE) == ACLCHECK_OK &&
		(pg_class_aclcheck(relid, userid, ACL_SELECT) == ACLCHECK_OK ||
		 pg_attribute_aclcheck(relid, intVal(list_nth(plan, JK_LOCAL_ATTNUM)), userid,
							   ACL_SELECT) == ACLCHECK_OK);
}

/*
 * Execution: the qual word = ANY([keys]) for the scan (a new reference), or
 * NULL for no reduction. *nkeys is the number of distinct non-null keys
 * (0: no row can join, the scan returns nothing), or -1 with NULL.
 */
PyObject *
rc_join_keys_qual(List *plan, EState *estate, TupleDesc desc, int64 *nkeys)
{
	RcQual		qual;
	PyObject   *keys;
	PyObject   *list;
	SPIPlanPtr	spi_plan;
	Oid			keytype;
	uint64		i;
	int			nestlevel;

	*nkeys = -1;
	if (rc_multicorn2_behaviour || !rc_keys_readable(plan))
		return NULL;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	spi_plan = SPI_prepare(rc_join_keys_sql(plan), 0, NULL);
	if (spi_plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_execute_snapshot(spi_plan, NULL, NULL, estate->es_snapshot, InvalidSnapshot,
							 true, false, RC_JOIN_KEYS_MAX + 1) != SPI_OK_SELECT)
		elog(ERROR, "reading join keys failed");
	if (SPI_processed > RC_JOIN_KEYS_MAX)
	{
		SPI_finish();
		return NULL;
	}
	keytype = getBaseType(SPI_gettypeid(SPI_tuptable->tupdesc, 1));
	keys = rc_check(PyDict_New());	/* distinct, in the order read */
	nestlevel = rc_begin_transmission_modes();
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		datum = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		PyObject   *value;
		int			failed;

		if (isnull)
			continue;			/* = never holds for NULL */
		value = rc_datum_to_python(datum, keytype);
		failed = PyDict_SetItem(keys, value, Py_None);
		Py_DECREF(value);
		if (failed < 0)
		{
			/* a key Python cannot hash (a dict, a list): no reduction */
			PyErr_Clear();
			Py_DECREF(keys);
			rc_end_transmission_modes(nestlevel);
			SPI_finish();
			return NULL;
		}
	}
	rc_end_transmission_modes(nestlevel);
	SPI_finish();
	*nkeys = PyDict_Size(keys);
	list = rc_check(PySequence_List(keys));
	Py_DECREF(keys);
	memset(&qual, 0, sizeof(RcQual));
	qual.attnum = intVal(list_nth(plan, JK_ATTNUM));
	qual.collation = (Oid) intVal(list_nth(plan, JK_COLLATION));
	qual.opname = "=";
	qual.is_array = true;
	qual.use_or = true;
	return rc_qual_to_python(&qual, desc, list);
}
