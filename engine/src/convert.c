/*
 * convert.c
 *		Values between PostgreSQL and Python.
 *
 * Into Python (qual values), by the SQL type of the constant, exactly and
 * whatever the session's settings: int2/int4/int8 -> int, numeric ->
 * decimal.Decimal (NaN and infinities too), float4/float8 -> float,
 * text/varchar -> str, char(n) -> str without trailing blanks, bytea -> bytes,
 * date -> date, timestamp -> naive datetime, timestamptz -> datetime in UTC
 * (both with microseconds), arrays -> list, anything else (and dates or
 * timestamps Python cannot hold) -> the type's text output under fixed
 * "transmission modes" (DateStyle ISO, IntervalStyle postgres,
 * extra_float_digits 3), as postgres_fdw sends values to a remote server.
 * Under restcorn.multicorn2_behaviour the values are Multicorn2 3.2's
 * instead: int4 -> int, numeric -> float, timestamp -> datetime without
 * microseconds, anything else -> its text output under the session's
 * settings.
 *
 * Back to PostgreSQL (rows): None -> NULL; otherwise the value is written as
 * text (numbers by str(), strings as is, sequences as array literals, mappings
 * as hstore text, dates by isoformat()) and read by the column type's input
 * function, except text, varchar and bytea which take the text as is (a
 * varchar(n) checked for length as its input function does). The row
 * path has fast paths for the common exact cases (str into text, int into
 * integers, float into float8, bool into boolean) that give the same results
 * without building the text. An ERROR of an input function names the column
 * in its CONTEXT; a value too long for its varchar(n) or char(n), or holding
 * a NUL character, names it in the message.
 */
#include "restcorn.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* datetime.date and datetime.datetime (PostgreSQL's own datetime.h shadows Python's). */
static PyObject *date_class = NULL;
static PyObject *datetime_class = NULL;
static PyObject *utc = NULL;	/* datetime.timezone.utc */
#define RC_SHOWN_CHARACTERS 100	/* of a value an ERROR shows */
static PyObject *decimal_class = NULL;

static void
rc_datetime_init(void)
{
	if (date_class == NULL)
	{
		PyObject   *module = rc_check(PyImport_ImportModule("datetime"));
		PyObject   *timezone = rc_check(PyObject_GetAttrString(module, "timezone"));

		utc = rc_check(PyObject_GetAttrString(timezone, "utc"));
		date_class = rc_check(PyObject_GetAttrString(module, "date"));
		datetime_class = rc_check(PyObject_GetAttrString(module, "datetime"));
		Py_DECREF(timezone);
		Py_DECREF(module);
	}
}

/*
 * Output functions under fixed settings, as postgres_fdw's
 * set_transmission_modes: the text of a value must not depend on the
 * session's DateStyle, IntervalStyle or extra_float_digits. Returns the GUC
 * nest level to give rc_end_transmission_modes; an ERROR in between is
 * undone by the transaction's abort.
 */
int
rc_begin_transmission_modes(void)
{
	int			nestlevel = NewGUCNestLevel();

	if (rc_multicorn2_behaviour)
		return nestlevel;		/* Multicorn2 formats by the session's settings */
	if (DateStyle != USE_ISO_DATES)
		(void) set_config_option("datestyle", "ISO", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	if (IntervalStyle != INTSTYLE_POSTGRES)
		(void) set_config_option("intervalstyle", "postgres", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	if (extra_float_digits < 3)
		(void) set_config_option("extra_float_digits", "3", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
rc_end_transmission_modes(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/* A datetime.datetime from broken-down time; NULL (no error) if Python cannot hold it. */
static PyObject *
rc_tm_to_datetime(struct pg_tm *tm, fsec_t fsec, bool in_utc)
{
	if (tm->tm_year < 1 || tm->tm_year > 9999)
		return NULL;
	rc_datetime_init();
	if (in_utc)
		return rc_check(PyObject_CallFunction(datetime_class, "iiiiiiiO",
											 tm->tm_year, tm->tm_mon, tm->tm_mday,
											 tm->tm_hour, tm->tm_min, tm->tm_sec, (int) fsec,
											 utc));
	return rc_check(PyObject_CallFunction(datetime_class, "iiiiiii",
										 tm->tm_year, tm->tm_mon, tm->tm_mday,
										 tm->tm_hour, tm->tm_min, tm->tm_sec,
										 rc_multicorn2_behaviour ? 0 : (int) fsec));
}

/* Text in the database encoding -> a Python str. len < 0: NUL-terminated. */
PyObject *
rc_text_to_python(const char *s, Py_ssize_t len)
{
	char	   *utf8;
	PyObject   *result;

	if (len < 0)
		len = strlen(s);
	if (GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
		return rc_check(PyUnicode_DecodeUTF8(s, len, "replace"));
	utf8 = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
											  GetDatabaseEncoding(), PG_UTF8);
	result = PyUnicode_DecodeUTF8(utf8, strlen(utf8), "strict");
	if (utf8 != s)
		pfree(utf8);
	return rc_check(result);
}

/* A Python str -> palloc'd text in the database encoding. */
static char *
rc_unicode_to_text(PyObject *str, Py_ssize_t *len)
{
	Py_ssize_t	size;
	const char *utf8 = PyUnicode_AsUTF8AndSize(str, &size);
	char	   *result;

	if (utf8 == NULL)
		rc_python_error();
	result = (char *) pg_any_to_server(utf8, size, PG_UTF8);
	if (result == utf8)
		result = pnstrdup(utf8, size);
	else
		size = strlen(result);
	if (len)
		*len = size;
	return result;
}

char *
rc_python_to_cstring(PyObject *str)
{
	return rc_unicode_to_text(str, NULL);
}

static PyObject *
rc_array_to_python(Datum value, Oid typoid)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i;
	PyObject   *list;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems, &nulls, &nelems);
	list = rc_check(PyList_New(nelems));
	for (i = 0; i < nelems; i++)
	{
		PyObject   *item;

		if (nulls[i])
		{
			Py_INCREF(Py_None);
			item = Py_None;
		}
		else
			item = rc_datum_to_python(elems[i], elemtype);
		PyList_SET_ITEM(list, i, item);
	}
	return list;
}

static PyObject *
rc_output_to_python(Datum value, Oid typoid)
{
	Oid			outfunc;
	bool		isvarlena;
	char	   *text;

	getTypeOutputInfo(typoid, &outfunc, &isvarlena);
	text = OidOutputFunctionCall(outfunc, value);
	return rc_text_to_python(text, -1);
}

/*
 * A qual's constant as Python sees it (see the top of this file). Call
 * between rc_begin_transmission_modes and rc_end_transmission_modes.
 */
PyObject *
rc_datum_to_python(Datum value, Oid typoid)
{
	bool		multicorn2 = rc_multicorn2_behaviour;

	switch (typoid)
	{
		case INT2OID:
			if (multicorn2)
				break;
			return rc_check(PyLong_FromLong(DatumGetInt16(value)));
		case INT4OID:
			return rc_check(PyLong_FromLong(DatumGetInt32(value)));
		case INT8OID:
			if (multicorn2)
				break;
			return rc_check(PyLong_FromLongLong(DatumGetInt64(value)));
		case FLOAT4OID:
			if (multicorn2)
				break;
			return rc_check(PyFloat_FromDouble((double) DatumGetFloat4(value)));
		case FLOAT8OID:
			if (multicorn2)
				break;
			return rc_check(PyFloat_FromDouble(DatumGetFloat8(value)));
		case TEXTOID:
		case VARCHAROID:
			{
				text	   *t = DatumGetTextPP(value);

				return rc_text_to_python(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
		case BPCHAROID:
			{
				text	   *t = DatumGetTextPP(value);
				int			len = VARSIZE_ANY_EXHDR(t);
				const char *s = VARDATA_ANY(t);

				while (len > 0 && s[len - 1] == ' ')
					len--;
				return rc_text_to_python(s, len);
			}
		case BYTEAOID:
			{
				bytea	   *b = DatumGetByteaPP(value);

				return rc_check(PyBytes_FromStringAndSize(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)));
			}
		case NUMERICOID:
			{
				char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, value));
				PyObject   *str = rc_text_to_python(text, -1);
				PyObject   *result;

				if (multicorn2)
					result = PyFloat_FromString(str);
				else
				{
					if (decimal_class == NULL)
					{
						PyObject   *module = rc_check(PyImport_ImportModule("decimal"));

						decimal_class = rc_check(PyObject_GetAttrString(module, "Decimal"));
						Py_DECREF(module);
					}
					result = PyObject_CallFunctionObjArgs(decimal_class, str, NULL);
				}
				Py_DECREF(str);
				return rc_check(result);
			}
		case DATEOID:
			{
				DateADT		date = DatumGetDateADT(value);
				int			year,
							month,
							day;

				if (DATE_NOT_FINITE(date))
					break;
				j2date(date + POSTGRES_EPOCH_JDATE, &year, &month, &day);
				if (year < 1 || year > 9999)
					break;
				rc_datetime_init();
				return rc_check(PyObject_CallFunction(date_class, "iii", year, month, day));
			}
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			{
				Timestamp	ts = DatumGetTimestamp(value);
				struct pg_tm tm;
				fsec_t		fsec;
				PyObject   *result;

				if ((typoid == TIMESTAMPTZOID && multicorn2) ||
					TIMESTAMP_NOT_FINITE(ts) || timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
					break;
				/* without a time zone argument, timestamp2tm gives UTC */
				result = rc_tm_to_datetime(&tm, fsec, typoid == TIMESTAMPTZOID);
				if (result == NULL)
					break;
				return result;
			}
		default:
			if (type_is_array(typoid))
				return rc_array_to_python(value, typoid);
			break;
	}
	return rc_output_to_python(value, typoid);
}

/* How each column of the scanned table is read; only needed ones are filled. */
void
rc_init_columns(RcColumn *columns, TupleDesc desc, Bitmapset *needed)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		RcColumn   *col = &columns[i];
		Oid			infunc;

		memset(col, 0, sizeof(RcColumn));
		col->needed = !att->attisdropped && bms_is_member(att->attnum, needed);
		if (!col->needed)
			continue;
		col->attname = pstrdup(NameStr(att->attname));
		col->key = rc_text_to_python(col->attname, -1);
		col->typoid = att->atttypid;
		col->typmod = att->atttypmod;
		col->ndims = type_is_array(att->atttypid) ? Max(att->attndims, 1) : 0;
		switch (att->atttypid)
		{
			case TEXTOID:
			case VARCHAROID:
				col->kind = RC_CONV_TEXT;
				break;
			case BYTEAOID:
				col->kind = RC_CONV_BYTEA;
				break;
			case INT2OID:
				col->kind = RC_CONV_INT2;
				break;
			case INT4OID:
				col->kind = RC_CONV_INT4;
				break;
			case INT8OID:
				col->kind = RC_CONV_INT8;
				break;
			case FLOAT8OID:
				col->kind = RC_CONV_FLOAT8;
				break;
			case BOOLOID:
				col->kind = RC_CONV_BOOL;
				break;
			default:
				col->kind = RC_CONV_GENERIC;
				break;
		}
		getTypeInputInfo(att->atttypid, &infunc, &col->ioparam);
		fmgr_info(infunc, &col->infunc);
	}
}

static void
rc_append_quoted(StringInfo buf, const char *s, int len)
{
	int			i;

	appendStringInfoChar(buf, '"');
	for (i = 0; i < len; i++)
	{
		if (s[i] == '"' || s[i] == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, s[i]);
	}
	appendStringInfoChar(buf, '"');
}

static void
rc_append_text(StringInfo buf, const char *s, int len, bool quote)
{
	if (quote)
		rc_append_quoted(buf, s, len);
	else
		appendBinaryStringInfo(buf, s, len);
}

static void
rc_append_str_of(StringInfo buf, PyObject *value, bool quote)
{
	PyObject   *str = rc_check(PyObject_Str(value));
	Py_ssize_t	len;
	char	   *text = rc_unicode_to_text(str, &len);

	Py_DECREF(str);
	rc_append_text(buf, text, len, quote);
}

/* Write a Python value as PostgreSQL text, the way Multicorn2 does. */
static void
rc_append_value(StringInfo buf, PyObject *value, int ndims, bool quote)
{
	if (value == Py_None)
	{
		appendStringInfoString(buf, "NULL");
		return;
	}
	if (PyNumber_Check(value) && !PyUnicode_Check(value))
	{
		rc_append_str_of(buf, value, false);
		return;
	}
	if (PyUnicode_Check(value))
	{
		Py_ssize_t	len;
		char	   *text = rc_unicode_to_text(value, &len);

		rc_append_text(buf, text, len, quote);
		return;
	}
	if (PyBytes_Check(value))
	{
		rc_append_text(buf, PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value), quote);
		return;
	}
	if (PySequence_Check(value))
	{
		Py_ssize_t	i,
					size;

		if (ndims == 0)
		{
			rc_append_str_of(buf, value, quote);
			return;
		}
		size = PySequence_Size(value);
		if (size < 0)
			rc_python_error();
		appendStringInfoChar(buf, '{');
		for (i = 0; i < size; i++)
		{
			PyObject   *item = rc_check(PySequence_GetItem(value, i));

			if (i > 0)
				appendStringInfoString(buf, ", ");
			rc_append_value(buf, item, ndims - 1, true);
			Py_DECREF(item);
		}
		appendStringInfoChar(buf, '}');
		return;
	}
	if (PyMapping_Check(value))
	{
		PyObject   *items = rc_check(PyMapping_Items(value));
		Py_ssize_t	i,
					size = PyList_Size(items);

		for (i = 0; i < size; i++)
		{
			PyObject   *pair = PyList_GET_ITEM(items, i);

			if (i > 0)
				appendStringInfoString(buf, ", ");
			rc_append_value(buf, PyTuple_GetItem(pair, 0), 0, true);
			appendStringInfoString(buf, "=>");
			rc_append_value(buf, PyTuple_GetItem(pair, 1), 0, true);
		}
		Py_DECREF(items);
		return;
	}
	rc_datetime_init();
	if (PyObject_IsInstance(value, date_class) == 1)
	{
		PyObject   *iso = rc_check(PyObject_CallMethod(value, "isoformat", NULL));

		rc_append_str_of(buf, iso, quote);
		Py_DECREF(iso);
		return;
	}
	rc_append_str_of(buf, value, quote);
}

/* A NUL in a value's text is an ERROR naming the column: no text type can hold one. */
static void
rc_check_no_nul(RcColumn *col, const char *s, int len)
{
	if (memchr(s, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("column \"%s\": value contains a NUL character, which %s cannot hold",
						col->attname, format_type_be(col->typoid))));
}

/*
 * The byte length of ``s`` a varchar(n) or char(n) column keeps, by the rule
 * of the type's input function with the column's typmod (varchar_input,
 * bpchar_input): a value of more than n characters is an ERROR, unless the
 * characters past n are all spaces, which are cut. Unlike the input
 * function's, the ERROR names the column and shows the value's start.
 */
static int
rc_length_checked(RcColumn *col, const char *s, int len)
{
	int			maxlen;
	int			kept;
	int			i;

	if ((col->typoid != VARCHAROID && col->typoid != BPCHAROID) || col->ndims > 0 ||
		col->typmod < (int32) VARHDRSZ)
		return len;
	maxlen = col->typmod - VARHDRSZ;
	if (len <= maxlen)
		return len;				/* no more characters than bytes */
	kept = pg_mbcharcliplen(s, len, maxlen);
	for (i = kept; i < len; i++)
	{
		if (s[i] != ' ')
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("column \"%s\": value too long for type %s",
							col->attname, format_type_with_typemod(col->typoid, col->typmod)),
					 errdetail("The value is \"%.*s\"%s (%d characters).",
							   pg_mbcliplen(s, len, RC_SHOWN_CHARACTERS), s,
							   pg_mbstrlen_with_len(s, len) > RC_SHOWN_CHARACTERS ? "..." : "",
							   pg_mbstrlen_with_len(s, len))));
	}
	return kept;
}

static Datum
rc_text_datum(RcColumn *col, const char *s, int len)
{
	if (col->kind == RC_CONV_TEXT)
	{
		rc_check_no_nul(col, s, len);
		len = rc_length_checked(col, s, len);
	}
	return PointerGetDatum(cstring_to_text_with_len(s, len));
}

/* Names the column in the CONTEXT of an ERROR its type's input function raises. */
static void
rc_input_context(void *arg)
{
	RcColumn   *col = (RcColumn *) arg;

	errcontext("column \"%s\" of the foreign table's row", col->attname);
}

/*
 * A value the fast paths do not take: written as text (rc_append_value) and
 * read by the column type's input function with its typmod (text, varchar
 * and bytea take the text as is). Any ERROR names the column in its CONTEXT.
 */
static Datum
rc_text_input_datum(PyObject *value, RcColumn *col)
{
	ErrorContextCallback context;
	StringInfoData buf;
	Datum		result;

	context.callback = rc_input_context;
	context.arg = col;
	context.previous = error_context_stack;
	error_context_stack = &context;
	if (PyUnicode_Check(value) &&
		PyUnicode_FindChar(value, 0, 0, PyUnicode_GET_LENGTH(value), 1) != -1)
		rc_check_no_nul(col, "", 1);	/* before the encoding check refuses it unnamed */
	initStringInfo(&buf);
	rc_append_value(&buf, value, col->ndims, false);
	if (col->kind == RC_CONV_TEXT || col->kind == RC_CONV_BYTEA)
		result = rc_text_datum(col, buf.data, buf.len);
	else
	{
		rc_check_no_nul(col, buf.data, buf.len);
		if (col->typoid == BPCHAROID)
			buf.data[rc_length_checked(col, buf.data, buf.len)] = '\0';
		result = InputFunctionCall(&col->infunc, buf.data, col->ioparam, col->typmod);
	}
	error_context_stack = context.previous;
	return result;
}

/* One Python value -> one datum of the column's type. */
static Datum
rc_value_to_datum(PyObject *value, RcColumn *col)
{
	switch (col->kind)
	{
		case RC_CONV_TEXT:
			if (PyUnicode_CheckExact(value))
			{
				Py_ssize_t	len;
				char	   *text;

				if (GetDatabaseEncoding() == PG_UTF8)
				{
					const char *utf8 = PyUnicode_AsUTF8AndSize(value, &len);

					if (utf8 == NULL)
						rc_python_error();
					return rc_text_datum(col, utf8, len);
				}
				text = rc_unicode_to_text(value, &len);
				return rc_text_datum(col, text, len);
			}
			if (PyBytes_Check(value))
			{
				/* bytes go in unchanged, so they must be valid in the encoding */
				pg_verify_mbstr(GetDatabaseEncoding(), PyBytes_AS_STRING(value),
								PyBytes_GET_SIZE(value), false);
				return rc_text_datum(col, PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value));
			}
			break;
		case RC_CONV_INT2:
		case RC_CONV_INT4:
		case RC_CONV_INT8:
			if (PyLong_CheckExact(value))
			{
				int			overflow;
				long long	v = PyLong_AsLongLongAndOverflow(value, &overflow);

				if (overflow == 0 && !(v == -1 && PyErr_Occurred()))
				{
					if (col->kind == RC_CONV_INT8)
						return Int64GetDatum((int64) v);
					if (col->kind == RC_CONV_INT4 && v >= PG_INT32_MIN && v <= PG_INT32_MAX)
						return Int32GetDatum((int32) v);
					if (col->kind == RC_CONV_INT2 && v >= PG_INT16_MIN && v <= PG_INT16_MAX)
						return Int16GetDatum((int16) v);
				}
				PyErr_Clear();
				/* out of range: the input function words the error */
			}
			break;
		case RC_CONV_FLOAT8:
			if (PyFloat_CheckExact(value))
				return Float8GetDatum(PyFloat_AS_DOUBLE(value));
			break;
		case RC_CONV_BOOL:
			if (value == Py_True || value == Py_False)
				return BoolGetDatum(value == Py_True);
			break;
		default:
			break;
	}

	return rc_text_input_datum(value, col);
}

static PyObject *
rc_mapping_get(PyObject *row, PyObject *key)
{
	PyObject   *value;

	if (PyDict_CheckExact(row))
	{
		value = PyDict_GetItemWithError(row, key);
		if (value == NULL && PyErr_Occurred())
			rc_python_error();
		Py_XINCREF(value);
		return value;
	}
	value = PyObject_GetItem(row, key);
	if (value == NULL)
	{
		if (!PyErr_ExceptionMatches(PyExc_KeyError))
			rc_python_error();
		PyErr_Clear();
	}
	return value;
}

/*
 * Whether a value (NULL: the row has no such key) passes the column's check
 * of a CheckedRows scan: one of the accepted types exactly, and an int within
 * the signed range of the column's bits when it has them. The wrapper's own
 * check (fdw.types.page_checker) applies the same rules in Python.
 */
static bool
rc_value_fits(PyObject *value, RcColumn *col)
{
	int			i;

	if (value == NULL)
		return col->missing_ok;
	for (i = 0; i < col->naccepted; i++)
		if (Py_TYPE(value) == col->accepted[i])
			break;
	if (i == col->naccepted)
		return false;
	if (col->bits > 0 && PyLong_CheckExact(value))
	{
		int			overflow;
		long long	v = PyLong_AsLongLongAndOverflow(value, &overflow);

		if (v == -1 && PyErr_Occurred())
		{
			PyErr_Clear();
			return false;
		}
		if (overflow != 0)
			return false;
		if (col->bits < 64 &&
			(v < -(1LL << (col->bits - 1)) || v >= (1LL << (col->bits - 1))))
			return false;
	}
	return true;
}

/*
 * One row from the wrapper into values/nulls: a mapping is read by column
 * name (a missing key is NULL), a sequence by position over all columns.
 * With ``check`` (a CheckedRows scan) the row must be a dict whose checked
 * columns' values fit (rc_value_fits); false, with values and nulls
 * unfinished, when one does not.
 */
bool
rc_row_to_slot(PyObject *row, RcColumn *columns, TupleDesc desc,
			   Datum *values, bool *nulls, bool check)
{
	bool		is_mapping = !PySequence_Check(row) || PyDict_Check(row);
	Py_ssize_t	position = 0;
	Py_ssize_t	length = 0;
	int			i;

	if (check && !PyDict_CheckExact(row))
		return false;
	if (is_mapping && !PyMapping_Check(row))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("a wrapper returned a row of type %s; rows must be mappings or sequences",
						Py_TYPE(row)->tp_name)));
	if (!is_mapping)
		length = PySequence_Size(row);

	for (i = 0; i < desc->natts; i++)
	{
		RcColumn   *col = &columns[i];
		PyObject   *value = NULL;

		nulls[i] = true;
		values[i] = (Datum) 0;
		if (TupleDescAttr(desc, i)->attisdropped)
			continue;
		if (col->needed || (check && col->checked))
		{
			if (is_mapping)
				value = rc_mapping_get(row, col->key);
			else if (position < length)
				value = rc_check(PySequence_GetItem(row, position));
			if (check && col->checked && !rc_value_fits(value, col))
			{
				Py_XDECREF(value);
				return false;
			}
			if (col->needed && value != NULL && value != Py_None)
			{
				values[i] = rc_value_to_datum(value, col);
				nulls[i] = false;
			}
			Py_XDECREF(value);
		}
		position++;
	}
	return true;
}
