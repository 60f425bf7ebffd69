/*
 * quals.c
 *		WHERE clauses as the wrapper sees them: (column, operator, value).
 *
 * A clause is passed when one side is a plain column of the scanned table
 * (binary-compatible casts such as varchar -> text are looked through) and the
 * other side does not involve the table and is not volatile. When the column
 * is on the right, the operator is replaced by its commutator. Everything else
 * (OR, functions on the column, column-to-column) is not passed; PostgreSQL
 * re-checks every clause anyway.
 */
#include "restcorn.h"

#include "optimizer/clauses.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/*
 * The node under the relabels that keep its comparisons as they are: a
 * collation change (COLLATE), a domain to its base type, varchar (or a
 * domain over it) to text (varchar has text's operators). Other binary-compatible relabels
 * (varchar to char(n), int to oid, text to citext) change what = and <
 * mean, so a column under one is not a plain column any more.
 */
Node *
rc_strip_relabel(Node *node)
{
	while (node && IsA(node, RelabelType))
	{
		RelabelType *relabel = (RelabelType *) node;
		Oid			from = exprType((Node *) relabel->arg);

		if (relabel->resulttype != from && relabel->resulttype != getBaseType(from) &&
			!(getBaseType(from) == VARCHAROID && relabel->resulttype == TEXTOID))
			break;
		node = (Node *) relabel->arg;
	}
	return node;
}

/*
 * An operator's name, when it is one of PostgreSQL's own (pg_catalog): a
 * wrapper maps operators by name, and an = of another schema may mean
 * anything. NULL for any other.
 */
static char *
rc_catalog_opname(Oid opno)
{
	HeapTuple	tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	char	   *name = NULL;

	if (HeapTupleIsValid(tuple))
	{
		Form_pg_operator form = (Form_pg_operator) GETSTRUCT(tuple);

		if (form->oprnamespace == PG_CATALOG_NAMESPACE)
			name = pstrdup(NameStr(form->oprname));
		ReleaseSysCache(tuple);
	}
	return name;
}

/*
 * A collation's name as a wrapper sees it: "default" for the database's,
 * the bare name for PostgreSQL's own (C, POSIX, ucs_basic, en-x-icu, ...),
 * schema-qualified for any other, so that a collation created as "C" in
 * another schema is never taken for the C collation.
 */
char *
rc_collation_name(Oid collation)
{
	HeapTuple	tuple = SearchSysCache1(COLLOID, ObjectIdGetDatum(collation));
	Form_pg_collation form;
	char	   *name;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for collation %u", collation);
	form = (Form_pg_collation) GETSTRUCT(tuple);
	if (form->collnamespace == PG_CATALOG_NAMESPACE)
		name = pstrdup(NameStr(form->collname));
	else
		name = quote_qualified_identifier(get_namespace_name(form->collnamespace),
										  NameStr(form->collname));
	ReleaseSysCache(tuple);
	return name;
}

/* A user column of the scanned relation? */
static bool
rc_is_column(Node *node, Index relid)
{
	Var		   *var = (Var *) node;

	return node && IsA(node, Var) && var->varno == relid &&
		var->varlevelsup == 0 && var->varattno > 0;
}

static bool
rc_references_rel(Node *node, Index *relid)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
		return ((Var *) node)->varno == *relid && ((Var *) node)->varlevelsup == 0;
	return expression_tree_walker(node, rc_references_rel, (void *) relid);
}

/* The value side: known at execution, without this table, not volatile. */
static bool
rc_usable_value(Node *node, Index relid)
{
	return !rc_references_rel(node, &relid) &&
		!contain_volatile_functions(node) &&
		!contain_subplans(node);
}

bool
rc_extract_qual(Index relid, Expr *clause, RcQual *qual)
{
	memset(qual, 0, sizeof(RcQual));

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = rc_strip_relabel(linitial(op->args));
		Node	   *right = rc_strip_relabel(lsecond(op->args));
		Oid			opno = op->opno;

		if (!rc_is_column(left, relid))
		{
			Node	   *swap = left;

			left = right;
			right = swap;
			opno = get_commutator(opno);
			if (!OidIsValid(opno))
				return false;
		}
		if (!rc_is_column(left, relid) || !rc_usable_value(right, relid))
			return false;
		qual->attnum = ((Var *) left)->varattno;
		qual->opname = rc_catalog_opname(opno);
		qual->collation = op->inputcollid;
		qual->value = (Expr *) right;
		return qual->opname != NULL;
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) clause;
		Node	   *left = rc_strip_relabel(linitial(op->args));
		Node	   *right = lsecond(op->args);

		if (!rc_is_column(left, relid) || !rc_usable_value(right, relid))
			return false;
		qual->attnum = ((Var *) left)->varattno;
		qual->opname = rc_catalog_opname(op->opno);
		qual->is_array = true;
		qual->use_or = op->useOr;
		qual->collation = op->inputcollid;
		qual->value = (Expr *) right;
		return qual->opname != NULL;
	}
	if (IsA(clause, NullTest))
	{
		NullTest   *test = (NullTest *) clause;
		Node	   *arg = rc_strip_relabel((Node *) test->arg);

		if (test->argisrow || !rc_is_column(arg, relid))
			return false;
		qual->attnum = ((Var *) arg)->varattno;
		qual->opname = test->nulltesttype == IS_NULL ? "=" : "<>";
		qual->value = (Expr *) makeNullConst(((Var *) arg)->vartype, -1, InvalidOid);
		return true;
	}
	if (IsA(clause, BooleanTest))
	{
		BooleanTest *test = (BooleanTest *) clause;
		Node	   *arg = rc_strip_relabel((Node *) test->arg);

		if (!rc_is_column(arg, relid) ||
			(test->booltesttype != IS_TRUE && test->booltesttype != IS_FALSE))
			return false;
		qual->attnum = ((Var *) arg)->varattno;
		qual->opname = "IS";
		qual->value = (Expr *) makeBoolConst(test->booltesttype == IS_TRUE, false);
		return true;
	}
	if (rc_is_column((Node *) clause, relid) && ((Var *) clause)->vartype == BOOLOID)
	{
		/* WHERE boolcol: the planner's form of boolcol = true */
		qual->attnum = ((Var *) clause)->varattno;
		qual->opname = "=";
		qual->value = (Expr *) makeBoolConst(true, false);
		return true;
	}
	return false;
}

/* The quals of a list of clauses (RestrictInfos or bare expressions). */
List *
rc_extract_quals(Index relid, List *clauses)
{
	List	   *quals = NIL;
	ListCell   *lc;

	foreach(lc, clauses)
	{
		Expr	   *clause = (Expr *) lfirst(lc);
		RcQual	   *qual = palloc(sizeof(RcQual));

		if (IsA(clause, RestrictInfo))
			clause = ((RestrictInfo *) clause)->clause;
		if (rc_extract_qual(relid, clause, qual))
			quals = lappend(quals, qual);
		else
			pfree(qual);
	}
	return quals;
}

static PyObject *
rc_attname(TupleDesc desc, AttrNumber attnum)
{
	return rc_text_to_python(NameStr(TupleDescAttr(desc, attnum - 1)->attname), -1);
}

/*
 * A Qual object for one qual whose value is already a Python object (stolen).
 * Under the engine it has a collation attribute: None for a comparison that
 * is not collatable, else the pg_collation name of its input collation
 * ("default" for the database's). Multicorn2's Qual has none.
 */
PyObject *
rc_qual_to_python(RcQual *qual, TupleDesc desc, PyObject *value)
{
	PyObject   *is_array = qual->is_array ? Py_True : Py_False;
	PyObject   *use_or = qual->use_or ? Py_True : Py_False;
	char	   *collation = NULL;

	if (rc_multicorn2_behaviour)
		return rc_host_call("make_qual",
							Py_BuildValue("(NsNOO)", rc_attname(desc, qual->attnum),
										  qual->opname, value, is_array, use_or));
	if (OidIsValid(qual->collation))
		collation = rc_collation_name(qual->collation);
	return rc_host_call("make_qual",
						Py_BuildValue("(NsNOOz)", rc_attname(desc, qual->attnum),
									  qual->opname, value, is_array, use_or, collation));
}

/* Qual objects for the quals whose value is a constant (planning time). */
PyObject *
rc_quals_to_python(List *quals, TupleDesc desc, bool only_consts)
{
	PyObject   *list = rc_check(PyList_New(0));
	ListCell   *lc;
	int			nestlevel = rc_begin_transmission_modes();

	foreach(lc, quals)
	{
		RcQual	   *qual = (RcQual *) lfirst(lc);
		Const	   *c = (Const *) qual->value;
		PyObject   *value;
		PyObject   *item;

		if (!IsA(c, Const))
		{
			if (only_consts)
				continue;
			value = PyUnicode_FromString("?");
		}
		else if (c->constisnull)
		{
			Py_INCREF(Py_None);
			value = Py_None;
		}
		else
			value = rc_datum_to_python(c->constvalue, c->consttype);
		item = rc_qual_to_python(qual, desc, value);
		if (PyList_Append(list, item) < 0)
			rc_python_error();
		Py_DECREF(item);
	}
	rc_end_transmission_modes(nestlevel);
	return list;
}

PyObject *
rc_sortkeys_to_python(List *sortkeys)
{
	PyObject   *list = rc_check(PyList_New(0));
	ListCell   *lc;

	foreach(lc, sortkeys)
	{
		RcSortKey  *key = (RcSortKey *) lfirst(lc);
		PyObject   *collate;
		PyObject   *item;

		if (key->collate)
			collate = rc_text_to_python(key->collate, -1);
		else
		{
			Py_INCREF(Py_None);
			collate = Py_None;
		}
		item = rc_host_call("make_sortkey",
							Py_BuildValue("(NiOON)", rc_text_to_python(key->attname, -1),
										  (int) key->attnum,
										  key->is_reversed ? Py_True : Py_False,
										  key->nulls_first ? Py_True : Py_False,
										  collate));
		if (PyList_Append(list, item) < 0)
			rc_python_error();
		Py_DECREF(item);
	}
	return list;
}

/* The set of column names the scan needs. */
PyObject *
rc_columns_to_python(Bitmapset *attrs, TupleDesc desc)
{
	PyObject   *set = rc_check(PySet_New(NULL));
	int			attnum = -1;

	while ((attnum = bms_next_member(attrs, attnum)) >= 0)
	{
		PyObject   *name;

		if (attnum < 1 || attnum > desc->natts || TupleDescAttr(desc, attnum - 1)->attisdropped)
			continue;
		name = rc_attname(desc, attnum);
		if (PySet_Add(set, name) < 0)
			rc_python_error();
		Py_DECREF(name);
	}
	return set;
}
