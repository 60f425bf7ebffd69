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
 * are read with the query's own snapshot, from the local relation filtered
 * by its own scan conditions (those that are immutable, so that no session
 * setting can make them choose differently), as the current user. Where
 * that user could see other rows than the query does (row-level security,
 * a view owner's privileges), or there are more keys than RC_JOIN_KEYS_MAX,
 * or under Multicorn2's behaviour, the scan is left as it was.
 */
#include "restcorn.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "rewrite/rewriteManip.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

/* At most this many rows are read from the local relation; more: no reduction. */
#define RC_JOIN_KEYS_MAX 1000

/*
 * What the plan keeps (fdw_private): a list of
 *	foreign attnum, comparison collation, local relation OID, local attnum,
 *	inheritance (0: ONLY), the local scan conditions (Vars renumbered to 1).
 */
enum
{
	JK_ATTNUM,
	JK_COLLATION,
	JK_RELID,
	JK_LOCAL_ATTNUM,
	JK_INH,
	JK_CONDITIONS
};

static bool
rc_ec_member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					   EquivalenceMember *em, void *arg)
{
	Var		   *var = (Var *) em->em_expr;

	while (var && IsA(var, RelabelType))
		var = (Var *) ((RelabelType *) var)->arg;
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

/* A scan condition of the local relation that reads the same in any session. */
static bool
rc_unsafe_condition(Node *node, void *relid)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
		return ((Var *) node)->varno != *(Index *) relid || ((Var *) node)->varlevelsup != 0 ||
			((Var *) node)->varattno <= 0;
	if (IsA(node, Param) || IsA(node, SubLink) || IsA(node, SubPlan) ||
		IsA(node, PlaceHolderVar) || IsA(node, Aggref) || IsA(node, WindowFunc) ||
		IsA(node, CurrentOfExpr) || IsA(node, NextValueExpr))
		return true;
	return expression_tree_walker(node, rc_unsafe_condition, relid);
}

static List *
rc_local_conditions(RelOptInfo *local)
{
	List	   *conditions = NIL;
	ListCell   *lc;

	foreach(lc, local->baserestrictinfo)
	{
		RestrictInfo *rinfo = (RestrictInfo *) lfirst(lc);
		Node	   *clause = (Node *) rinfo->clause;

		if (rinfo->pseudoconstant || contain_mutable_functions(clause) ||
			rc_unsafe_condition(clause, &local->relid))
			continue;			/* leaving a condition out only adds keys */
		clause = copyObject(clause);
		ChangeVarNodes(clause, local->relid, 1, 0);
		conditions = lappend(conditions, clause);
	}
	return conditions;
}

/*
 * Plan time: the reduction for this scan, or NIL. Of the candidate local
 * relations (plain tables, partitioned tables, materialized views joined by
 * equality on a column), the one the planner expects fewest rows from.
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
			var = (Var *) qual.value;
			while (var && IsA(var, RelabelType))
				var = (Var *) ((RelabelType *) var)->arg;
			if (!var || !IsA(var, Var) || var->varlevelsup != 0 || var->varattno <= 0 ||
				var->varno >= root->simple_rel_array_size)
				continue;
			local = root->simple_rel_array[var->varno];
			rte = root->simple_rte_array[var->varno];
			if (local == NULL || local->reloptkind != RELOPT_BASEREL ||
				rte->rtekind != RTE_RELATION ||
				(rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_PARTITIONED_TABLE &&
				 rte->relkind != RELKIND_MATVIEW) ||
				local->rows >= best_rows)
				continue;
			best_rows = local->rows;
			best = list_make5(makeInteger(attnum), makeInteger((int) qual.collation),
							  makeInteger((int) rte->relid), makeInteger(var->varattno),
							  makeInteger(rte->inh));
			best = lappend(best, rc_local_conditions(local));
		}
	}
	return best;
}

/* The query that reads the keys: also what EXPLAIN shows. */
char *
rc_join_keys_sql(List *plan)
{
	Oid			relid = (Oid) intVal(list_nth(plan, JK_RELID));
	AttrNumber	local_attnum = intVal(list_nth(plan, JK_LOCAL_ATTNUM));
	char	   *relname = get_rel_name(relid);
	List	   *context;
	StringInfoData sql;
	ListCell   *lc;
	const char *joiner = " WHERE ";
	int			nestlevel;

	if (relname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	context = deparse_context_for(relname, relid);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s FROM %s%s",
					 quote_identifier(get_attname(relid, local_attnum, false)),
					 intVal(list_nth(plan, JK_INH)) ? "" : "ONLY ",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												relname));
	/* constants written so that they read back the same under any DateStyle */
	nestlevel = rc_begin_transmission_modes();
	foreach(lc, (List *) list_nth(plan, JK_CONDITIONS))
	{
		appendStringInfo(&sql, "%s(%s)", joiner,
						 deparse_expression(lfirst(lc), context, false, false));
		joiner = " AND ";
	}
	rc_end_transmission_modes(nestlevel);
	return sql.data;
}

/* Whether the current user reads the local relation as the query does. */
static bool
rc_keys_readable(List *plan)
{
	Oid			relid = (Oid) intVal(list_nth(plan, JK_RELID));
	Oid			userid = GetUserId();
	Bitmapset  *attrs = NULL;
	HeapTuple	tuple;
	bool		row_security;
	int			attnum = -1;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	row_security = ((Form_pg_class) GETSTRUCT(tuple))->relrowsecurity;
	ReleaseSysCache(tuple);
	if (row_security)
		return false;
	if (pg_class_aclcheck(relid, userid, ACL_SELECT) == ACLCHECK_OK)
		return true;
	pull_varattnos((Node *) list_nth(plan, JK_CONDITIONS), 1, &attrs);
	attrs = bms_add_member(attrs, intVal(list_nth(plan, JK_LOCAL_ATTNUM)) -
						   FirstLowInvalidHeapAttributeNumber);
	while ((attnum = bms_next_member(attrs, attnum)) >= 0)
		if (pg_attribute_aclcheck(relid, attnum + FirstLowInvalidHeapAttributeNumber, userid,
								  ACL_SELECT) != ACLCHECK_OK)
			return false;
	return true;
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
