/*
 * pyhost.c
 *		The embedded Python interpreter: start-up, where it finds packages,
 *		wrapper instances (one per backend and foreign table), transaction
 *		hooks, and Python exceptions turned into PostgreSQL errors.
 */
#include "restcorn.h"

#include "access/reloptions.h"
#include <pthread.h>
#include <signal.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "catalog/pg_language.h"
#include "commands/proclang.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/varlena.h"
#include "storage/ipc.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* restcorn.venv: a virtual environment whose packages the backend imports. */
static char *rc_venv = NULL;

/*
 * restcorn.wrappers: the wrapper classes a server may name, module.Class or
 * module.* (every class of that module), comma-separated. Naming a class
 * runs its module's code as the server's OS user, so the list is the
 * superuser's (postgresql.conf or ALTER SYSTEM).
 */
#define RC_DEFAULT_WRAPPERS "fdw.RestFDW, fdw.DictionaryFDW, fdw.StatsFDW"
static char *rc_wrappers = NULL;

/* restcorn.multicorn2_behaviour: stand in for Multicorn2 3.2 (for tests). */
bool		rc_multicorn2_behaviour = false;

/*
 * restcorn.preload: with restcorn in shared_preload_libraries, start Python
 * in the postmaster and import the allowed wrappers' modules there, so that
 * every backend inherits them (fork) instead of importing them at its
 * first query.
 */
static bool rc_preload = false;
static int	rc_preload_timeout = 30;	/* restcorn.preload_timeout, seconds */

static bool python_ready = false;	/* this backend's part is done */
static pid_t python_started_in = 0; /* the process that started the interpreter */
static char *venv_added = NULL;		/* the restcorn.venv already on sys.path */
static PyObject *native_module = NULL;	/* _restcorn */
static PyObject *host_module = NULL;	/* restcorn_engine.host */
static PyObject *exception_class = NULL;	/* restcorn_engine.MulticornException */

/* The hash key of an instance: the table, and the user whose mapping it uses. */
typedef struct RcInstanceKey
{
	Oid			relid;
	Oid			userid;
} RcInstanceKey;

/*
 * One wrapper instance per foreign table and user, rebuilt when its
 * definition changes.
 */
typedef struct RcInstance
{
	RcInstanceKey key;			/* hash key */
	PyObject   *instance;
	PyObject   *signature;		/* (class, options, columns) it was built from */
	int			xact_depth;		/* transaction nesting the wrapper was told of */
} RcInstance;

static HTAB *instances = NULL;

static struct sigaction pg_sigint;
static struct sigaction pg_sigterm;

static void rc_xact_callback(XactEvent event, void *arg);
static void rc_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								SubTransactionId parentSubid, void *arg);

void		_PG_init(void);
static void rc_python_preload(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("restcorn.venv",
							   "Virtual environment whose packages wrappers import.",
							   "Its site-packages are put first on the embedded Python's "
							   "path when a backend first uses the engine.",
							   &rc_venv, "", PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("restcorn.wrappers",
							   "Wrapper classes a foreign server may name.",
							   "Comma-separated module.Class names, or module.* for every "
							   "class of a module. Nothing else is imported.",
							   &rc_wrappers, RC_DEFAULT_WRAPPERS, PGC_SIGHUP, GUC_LIST_INPUT,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("restcorn.multicorn2_behaviour",
							 "Behave as Multicorn2 3.2 does, for testing wrappers under both hosts.",
							 "Qual values, collations, LIMIT offers, columns, errors and "
							 "cancellation as Multicorn2 3.2 gives them.",
							 &rc_multicorn2_behaviour, false, PGC_USERSET, 0, NULL, NULL, NULL);
	/* server settings: defined only where they can be set, at server start */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomBoolVariable("restcorn.preload",
								 "Start Python and import the allowed wrappers' modules at server "
								 "start.",
								 "Needs restcorn in shared_preload_libraries: every backend then "
								 "inherits the imported modules instead of importing them at its "
								 "first query.",
								 &rc_preload, false, PGC_POSTMASTER, 0, NULL, NULL, NULL);
		DefineCustomIntVariable("restcorn.preload_timeout",
								"Longest wait for Python and the wrappers' imports at server start.",
								"Past it the server starts without preloading.",
								&rc_preload_timeout, 30, 1, 3600, PGC_POSTMASTER, GUC_UNIT_S,
								NULL, NULL, NULL);
	}
	MarkGUCPrefixReserved("restcorn");
	if (process_shared_preload_libraries_in_progress && rc_preload)
		rc_python_preload();
}

/*
 * The Python module _restcorn: what wrapper code may ask of the backend.
 */
static PyObject *
rc_py_log(PyObject *self, PyObject *args)
{
	int			level;
	const char *message;
	const char *hint = NULL;
	const char *detail = NULL;
	int			elevel;
	bool		failed = false;
	MemoryContext oldcontext = CurrentMemoryContext;

	if (!PyArg_ParseTuple(args, "is|zz", &level, &message, &hint, &detail))
		return NULL;
	if (level <= 10)
		elevel = DEBUG1;
	else if (level <= 20)
		elevel = NOTICE;
	else
		elevel = WARNING;

	/* An ereport must never unwind through Python frames. */
	PG_TRY();
	{
		ereport(elevel,
				(errmsg("%s", message),
				 hint ? errhint("%s", hint) : 0,
				 detail ? errdetail("%s", detail) : 0));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcontext);
		FlushErrorState();
		failed = true;
	}
	PG_END_TRY();
	if (failed)
	{
		PyErr_SetString(PyExc_RuntimeError, "could not send a message to PostgreSQL");
		return NULL;
	}
	Py_RETURN_NONE;
}

static PyObject *
rc_py_interrupt_pending(PyObject *self, PyObject *args)
{
	return PyBool_FromLong(QueryCancelPending || ProcDiePending);
}

static PyObject *
rc_py_multicorn2_behaviour(PyObject *self, PyObject *args)
{
	return PyBool_FromLong(rc_multicorn2_behaviour);
}

/* True while restcorn.preload imports the wrappers' modules (rc_import_wrapper_modules). */
static bool rc_preloading = false;

static PyObject *
rc_py_preloading(PyObject *self, PyObject *args)
{
	return PyBool_FromLong(rc_preloading);
}

/* PostgreSQL's rule for reading server files (COPY FROM a file, file_fdw). */
static PyObject *
rc_py_can_read_server_files(PyObject *self, PyObject *args)
{
	if (!IsUnderPostmaster)
	{
		/* at server start (restcorn.preload): no user, no catalog */
		PyErr_SetString(PyExc_RuntimeError, "can_read_server_files() is for queries only");
		return NULL;
	}
	return PyBool_FromLong(superuser() ||
						   has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES));
}

static PyMethodDef rc_py_methods[] = {
	{"can_read_server_files", rc_py_can_read_server_files, METH_NOARGS,
	"True when the current user may read files on the database server."},
	{"multicorn2_behaviour", rc_py_multicorn2_behaviour, METH_NOARGS,
	"The setting restcorn.multicorn2_behaviour."},
	{"preloading", rc_py_preloading, METH_NOARGS,
	"True while restcorn.preload imports the wrappers' modules at server start."},
	{"log", rc_py_log, METH_VARARGS, "Report a message to PostgreSQL."},
	{"interrupt_pending", rc_py_interrupt_pending, METH_NOARGS,
	"True when PostgreSQL wants the current statement to stop."},
	{NULL, NULL, 0, NULL}
};

static struct PyModuleDef rc_py_module = {
	PyModuleDef_HEAD_INIT, "_restcorn", "The backend, as seen from Python.", -1,
	rc_py_methods
};

/*
 * SIGINT (cancel, statement_timeout) and SIGTERM: PostgreSQL's handler runs
 * as always, then Python is told, so a wrapper stuck in sleep() or a socket
 * wait is interrupted. PyErr_SetInterruptEx is async-signal-safe.
 */
static void
rc_signal_handler(int signo)
{
	int			save_errno = errno;
	struct sigaction *pg = (signo == SIGINT) ? &pg_sigint : &pg_sigterm;

	if (pg->sa_handler != SIG_DFL && pg->sa_handler != SIG_IGN)
		pg->sa_handler(signo);
	/* Multicorn2 3.2 does not interrupt Python: PostgreSQL acts when it returns */
	if (!rc_multicorn2_behaviour)
		PyErr_SetInterruptEx(SIGINT);
	errno = save_errno;
}

static void
rc_chain_signal(int signo, struct sigaction *saved_pg)
{
	struct sigaction act;

	act = *saved_pg;
	act.sa_handler = rc_signal_handler;
	act.sa_flags &= ~SA_SIGINFO;
	sigaction(signo, &act, NULL);
}

/*
 * PL/Python registers its plpy module before it starts Python, which only
 * works if it is the one to start it. Where the database has plpython3u, let
 * it start Python first (an empty DO block through its inline handler, as
 * ExecuteDoStmt calls it; no user code runs), so that both run in one backend
 * in either order, on the one interpreter.
 */
static void
rc_let_plpython_start_python(void)
{
	Oid			language = get_language_oid("plpython3u", true);
	Oid			handler = InvalidOid;
	HeapTuple	tp;
	InlineCodeBlock *block;

	if (!OidIsValid(language))
		return;
	tp = SearchSysCache1(LANGOID, ObjectIdGetDatum(language));
	if (HeapTupleIsValid(tp))
	{
		handler = ((Form_pg_language) GETSTRUCT(tp))->laninline;
		ReleaseSysCache(tp);
	}
	if (!OidIsValid(handler))
		return;
	block = makeNode(InlineCodeBlock);
	block->source_text = pstrdup("pass");
	block->langOid = language;
	block->langIsTrusted = false;
	block->atomic = true;
	OidFunctionCall1(handler, PointerGetDatum(block));
}

/*
 * PL/Python registers its plpy module before it starts Python; when the
 * postmaster starts Python first, register it for PL/Python, so that both
 * run on the one interpreter in any order (as rc_let_plpython_start_python
 * does in a backend).
 */
static void
rc_register_plpy(void)
{
	char		libdir[MAXPGPATH];
	char		path[MAXPGPATH];
	void	   *init;

	get_pkglib_path(my_exec_path, libdir);
	snprintf(path, sizeof(path), "%s/plpython3%s", libdir, DLSUFFIX);
	if (access(path, R_OK) != 0)
		return;
	init = (void *) load_external_function("$libdir/plpython3", "PyInit_plpy", false, NULL);
	if (init != NULL)
		PyImport_AppendInittab("plpy", (PyObject *(*) (void)) init);
}

/*
 * The interpreter with the engine's own package (installed beside the
 * extension) and the venv: once per process tree, in the postmaster under
 * restcorn.preload, else in the backend.
 */
static void
rc_python_start(void)
{
	char		sharepath[MAXPGPATH];
	char		enginepath[MAXPGPATH];
	PyObject   *sys_path;
	PyObject   *item;
	PyObject   *modules;
	PyObject   *engine;

	if (!Py_IsInitialized())
		Py_InitializeEx(0);
	python_started_in = getpid();

	get_share_path(my_exec_path, sharepath);
	snprintf(enginepath, sizeof(enginepath), "%s/restcorn", sharepath);
	sys_path = PySys_GetObject("path");	/* borrowed */
	item = PyUnicode_FromString(enginepath);
	if (sys_path == NULL || item == NULL || PyList_Insert(sys_path, 0, item) < 0)
		rc_python_error();
	Py_DECREF(item);

	native_module = PyModule_Create(&rc_py_module);
	modules = PyImport_GetModuleDict();
	if (native_module == NULL || PyDict_SetItemString(modules, "_restcorn", native_module) < 0)
		rc_python_error();

	engine = PyImport_ImportModule("restcorn_engine");
	if (engine == NULL)
		rc_python_error();
	exception_class = PyObject_GetAttrString(engine, "MulticornException");
	Py_DECREF(engine);
	host_module = PyImport_ImportModule("restcorn_engine.host");
	if (host_module == NULL || exception_class == NULL)
		rc_python_error();
}

/* Put restcorn.venv on sys.path, once per value. */
static void
rc_python_add_venv(void)
{
	if (rc_venv == NULL || rc_venv[0] == '\0' ||
		(venv_added != NULL && strcmp(venv_added, rc_venv) == 0))
		return;
	Py_DECREF(rc_check(PyObject_CallMethod(host_module, "add_venv", "s", rc_venv)));
	venv_added = MemoryContextStrdup(TopMemoryContext, rc_venv);
}

/*
 * In every process the postmaster forks, right after fork(): Python's own
 * state (locks, thread states, the random seed) made the child's, before
 * any Python code runs there (PL/Python's, too).
 */
static void
rc_python_after_fork(void)
{
	/* only the postmaster's children: a backend's own fork() (a program it runs) is not ours */
	if (python_started_in != 0 && python_started_in != getpid() && getppid() == PostmasterPid)
	{
		PyOS_AfterFork_Child();
		python_started_in = getpid();
	}
}

/*
 * The module of each restcorn.wrappers entry (module.Class or module.*);
 * when quiet is false, a module that fails to import is a WARNING.
 */
static void
rc_import_wrapper_modules(bool quiet)
{
	char	   *list = pstrdup(rc_wrappers ? rc_wrappers : "");
	List	   *entries = NIL;
	List	   *seen = NIL;		/* modules already imported */
	ListCell   *lc;

	if (!SplitGUCList(list, ',', &entries))
		return;
	rc_preloading = true;
	foreach(lc, entries)
	{
		char	   *module = pstrdup((const char *) lfirst(lc));
		char	   *dot = strrchr(module, '.');
		PyObject   *imported;
		PyObject   *type,
				   *value,
				   *tb,
				   *text;

		if (dot == NULL || dot == module)
			continue;
		*dot = '\0';			/* module.Class or module.* -> module */
		if (list_member(seen, makeString(module)))
			continue;
		seen = lappend(seen, makeString(module));
		if (!quiet)
			ereport(LOG, (errmsg("restcorn.preload: importing \"%s\"", module)));
		imported = PyImport_ImportModule(module);
		if (imported != NULL)
		{
			Py_DECREF(imported);
			continue;
		}
		PyErr_Fetch(&type, &value, &tb);
		text = value ? PyObject_Str(value) : NULL;
		if (!quiet)
			ereport(WARNING,
					(errmsg("restcorn.preload: could not import module \"%s\": %s: %s", module,
							type ? ((PyTypeObject *) type)->tp_name : "?",
							text && PyUnicode_Check(text) ? PyUnicode_AsUTF8(text) : "?")));
		Py_XDECREF(text);
		Py_XDECREF(type);
		Py_XDECREF(value);
		Py_XDECREF(tb);
		PyErr_Clear();
	}
	rc_preloading = false;
}

/*
 * Whether starting Python and importing the wrappers' modules ends, and in
 * time: tried first in a child process, because Python ends the process
 * when it cannot start (a wrong PYTHONHOME), and an import may block; the
 * postmaster, whose signals are blocked while it loads libraries, could
 * then neither start nor be stopped.
 */
static bool
rc_preload_trial(void)
{
	int			done[2];
	pid_t		child;
	int			status = 0;
	long		waited_ms = 0;
	char		byte = 0;
	bool		finished;

	if (pipe(done) != 0)
		return false;
	child = fork();
	if (child < 0)
	{
		close(done[0]);
		close(done[1]);
		return false;
	}
	if (child == 0)
	{
		/*
		 * None of the postmaster's exit callbacks (its lock file's removal)
		 * runs here; the child and what it starts are one process group, and
		 * the child ends with the postmaster.
		 */
		on_exit_reset();
		close(done[0]);
		(void) setpgid(0, 0);
#ifdef PR_SET_PDEATHSIG
		(void) prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
		if (getppid() != PostmasterPid)
			_exit(1);
		PG_TRY();
		{
			rc_python_start();
			rc_python_add_venv();
			rc_import_wrapper_modules(true);
		}
		PG_CATCH();
		{
			/* an error the postmaster meets again, and reports */
		}
		PG_END_TRY();
		/* the one sign of success: an import that ends the process never gets here */
		if (write(done[1], "y", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(done[1]);
	while (waitpid(child, &status, WNOHANG) == 0)
	{
		if (waited_ms >= (long) rc_preload_timeout * 1000)
		{
			kill(-child, SIGKILL);
			kill(child, SIGKILL);
			(void) waitpid(child, &status, 0);
			close(done[0]);
			ereport(WARNING,
					(errmsg("restcorn.preload: starting Python and importing the wrappers took "
							"more than %d s; not preloading", rc_preload_timeout),
					 errhint("A module imported at server start must not block.")));
			return false;
		}
		pg_usleep(10000L);
		waited_ms += 10;
	}
	kill(-child, SIGKILL);		/* anything the imports left running */
	finished = read(done[0], &byte, 1) == 1 && byte == 'y';
	close(done[0]);
	if (finished && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		ereport(WARNING,
				(errmsg("restcorn.preload: starting Python or importing the wrappers ended the "
						"process (exit status %d); not preloading", WEXITSTATUS(status)),
				 errhint("A message of Python's or of the module may be above. Queries start "
						 "Python themselves meanwhile.")));
	else
		ereport(WARNING,
				(errmsg("restcorn.preload: starting Python or importing the wrappers ended the "
						"process (signal %d); not preloading", WTERMSIG(status)),
				 errhint("Queries start Python themselves meanwhile.")));
	return false;
}

/*
 * restcorn.preload, in the postmaster: the interpreter, the venv, and the
 * module of each restcorn.wrappers entry. A failure is a WARNING and the
 * server starts anyway: each backend then starts Python at its first query,
 * and an error says why. Objects made here are frozen (gc.freeze): the
 * collector then leaves them alone, so forked backends keep sharing them.
 */
static void
rc_python_preload(void)
{
	MemoryContext context = CurrentMemoryContext;
	bool		started = false;

	rc_register_plpy();
	if (!rc_preload_trial())
		return;
	if (pthread_atfork(NULL, NULL, rc_python_after_fork) != 0)
	{
		ereport(WARNING,
				(errmsg("restcorn.preload: could not register a fork handler; not preloading")));
		return;
	}
	PG_TRY();
	{
		rc_python_start();
		rc_python_add_venv();
		started = true;
	}
	PG_CATCH();
	{
		ErrorData  *error;

		MemoryContextSwitchTo(context);
		error = CopyErrorData();
		FlushErrorState();
		ereport(WARNING,
				(errmsg("restcorn.preload: could not start Python: %s", error->message),
				 error->detail ? errdetail("%s", error->detail) : 0,
				 errhint("Check restcorn.venv; queries start Python themselves meanwhile.")));
		FreeErrorData(error);
	}
	PG_END_TRY();
	if (!started)
		return;
	rc_import_wrapper_modules(false);
	if (PyRun_SimpleString("import gc; gc.freeze()") != 0)
		PyErr_Clear();
}

/*
 * Python for this backend: the interpreter (inherited from the postmaster
 * under restcorn.preload, else started here), then what is the backend's
 * own: signal handling, wrapper instances, transaction hooks.
 */
void
rc_python_init(void)
{
	HASHCTL		ctl;

	if (python_ready)
		return;

	if (host_module == NULL && !Py_IsInitialized())
		rc_let_plpython_start_python();

	sigaction(SIGINT, NULL, &pg_sigint);
	sigaction(SIGTERM, NULL, &pg_sigterm);
	if (host_module == NULL)
		rc_python_start();
	rc_python_add_venv();

	Py_DECREF(rc_check(PyObject_CallMethod(host_module, "install_cancel_handler", "N",
										   rc_check(PyObject_GetAttrString(native_module,
																		   "interrupt_pending")))));
	rc_chain_signal(SIGINT, &pg_sigint);
	rc_chain_signal(SIGTERM, &pg_sigterm);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(RcInstanceKey);
	ctl.entrysize = sizeof(RcInstance);
	instances = hash_create("restcorn instances", 32, &ctl, HASH_ELEM | HASH_BLOBS);
	RegisterXactCallback(rc_xact_callback, NULL);
	RegisterSubXactCallback(rc_subxact_callback, NULL);

	python_ready = true;
}

/* Return a new reference, or turn the pending Python exception into an ERROR. */
PyObject *
rc_check(PyObject *result)
{
	if (result == NULL)
		rc_python_error();
	return result;
}

/* Call restcorn_engine.host.<function>(*args); steals the reference to args. */
PyObject *
rc_host_call(const char *function, PyObject *args)
{
	PyObject   *callable;
	PyObject   *result;

	rc_python_init();
	if (args == NULL)
		rc_python_error();
	callable = rc_check(PyObject_GetAttrString(host_module, function));
	result = PyObject_CallObject(callable, args);
	Py_DECREF(callable);
	Py_DECREF(args);
	return rc_check(result);
}

/* str(obj) as a palloc'd C string, never failing. */
static char *
rc_safe_str(PyObject *obj)
{
	PyObject   *str;
	char	   *result;

	if (obj == NULL)
		return pstrdup("");
	str = PyObject_Str(obj);
	if (str == NULL)
	{
		PyErr_Clear();
		return pstrdup("(unprintable)");
	}
	result = rc_python_to_cstring(str);
	Py_DECREF(str);
	return result;
}

static char *
rc_attr_str(PyObject *obj, const char *name)
{
	PyObject   *value = PyObject_GetAttrString(obj, name);
	char	   *result = NULL;

	if (value == NULL)
		PyErr_Clear();
	else if (value != Py_None)
		result = rc_safe_str(value);
	Py_XDECREF(value);
	return result;
}

static char *
rc_format_traceback(PyObject *type, PyObject *value, PyObject *tb)
{
	PyObject   *module = PyImport_ImportModule("traceback");
	PyObject   *lines = NULL;
	PyObject   *empty = NULL;
	PyObject   *joined = NULL;
	char	   *result = NULL;

	if (module)
		lines = PyObject_CallMethod(module, "format_exception", "OOO",
									type, value ? value : Py_None, tb ? tb : Py_None);
	if (lines)
		empty = PyUnicode_FromString("");
	if (empty)
		joined = PyUnicode_Join(empty, lines);
	if (joined)
		result = rc_safe_str(joined);
	PyErr_Clear();
	Py_XDECREF(module);
	Py_XDECREF(lines);
	Py_XDECREF(empty);
	Py_XDECREF(joined);
	return result ? result : pstrdup("");
}

/*
 * Turn the pending Python exception into an ERROR. A cancel wins: if
 * PostgreSQL has one pending, its own message is what the user sees.
 */
void
rc_python_error(void)
{
	PyObject   *type,
			   *value,
			   *tb;
	char	   *type_name;
	char	   *message;
	char	   *traceback;

	PyErr_Fetch(&type, &value, &tb);
	if (type == NULL)
		elog(ERROR, "restcorn: a Python call failed without an exception");
	PyErr_NormalizeException(&type, &value, &tb);

	if (QueryCancelPending || ProcDiePending)
	{
		Py_XDECREF(type);
		Py_XDECREF(value);
		Py_XDECREF(tb);
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement during a Python call")));
	}

	if (exception_class && value && PyObject_IsInstance(value, exception_class) == 1)
	{
		char	   *hint = rc_attr_str(value, "hint");
		char	   *detail = rc_attr_str(value, "detail");
		PyObject   *level_obj = PyObject_GetAttrString(value, "level");
		long		level = level_obj ? PyLong_AsLong(level_obj) : 40;

		message = rc_attr_str(value, "message");
		PyErr_Clear();
		Py_XDECREF(level_obj);
		Py_XDECREF(type);
		Py_XDECREF(value);
		Py_XDECREF(tb);
		ereport(level >= 50 ? FATAL : ERROR,
				(errcode(rc_multicorn2_behaviour ? ERRCODE_INTERNAL_ERROR : ERRCODE_FDW_ERROR),
				 errmsg("%s", message ? message : ""),
				 hint ? errhint("%s", hint) : 0,
				 detail ? errdetail("%s", detail) : 0));
	}

	type_name = pstrdup(((PyTypeObject *) type)->tp_name);
	message = rc_safe_str(value);
	traceback = rc_format_traceback(type, value, tb);
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
	ereport(ERROR,
			(errcode(rc_multicorn2_behaviour ? ERRCODE_INTERNAL_ERROR : ERRCODE_FDW_ERROR),
			 errmsg("Error in python: %s", type_name),
			 errdetail("%s", message),
			 errdetail_log("%s", traceback)));
}

/*
 * An ERROR unless restcorn.wrappers allows the class: called before anything
 * of it is imported, at CREATE/ALTER SERVER and at every use.
 */
void
rc_check_wrapper_allowed(const char *class_name)
{
	const char *dot = strrchr(class_name, '.');
	char	   *list = pstrdup(rc_wrappers ? rc_wrappers : "");
	List	   *entries = NIL;
	ListCell   *lc;

	if (dot != NULL && dot != class_name && dot[1] != '\0' && SplitGUCList(list, ',', &entries))
	{
		foreach(lc, entries)
		{
			const char *entry = (const char *) lfirst(lc);
			size_t		len = strlen(entry);

			if (strcmp(entry, class_name) == 0 ||
				(len > 2 && strcmp(entry + len - 2, ".*") == 0 &&
				 len - 2 == (size_t) (dot - class_name) &&
				 strncmp(entry, class_name, len - 2) == 0))
				return;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("wrapper \"%s\" is not an allowed wrapper class", class_name),
			 errdetail("restcorn.wrappers = '%s'", rc_wrappers ? rc_wrappers : ""),
			 errhint("A superuser lists the classes foreign servers may use in the setting "
					 "restcorn.wrappers (postgresql.conf or ALTER SYSTEM), as module.Class "
					 "or module.*.")));
}

PyObject *
rc_get_class(const char *class_name)
{
	rc_check_wrapper_allowed(class_name);
	rc_python_init();
	return rc_host_call("get_class", Py_BuildValue("(s)", class_name));
}

/* The wrapper option of a server, or an ERROR saying it is missing. */
char *
rc_server_wrapper(List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "wrapper") == 0)
			return defGetString(def);
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
			 errmsg("%s", "The wrapper parameter is mandatory, specify a valid class name")));
	return NULL;				/* keep the compiler quiet */
}

/* Options as a dict of str -> str; later entries win. */
PyObject *
rc_options_dict(List *options)
{
	PyObject   *dict;
	ListCell   *lc;

	rc_python_init();
	dict = rc_check(PyDict_New());

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		char	   *raw = defGetString(def);
		PyObject   *value = rc_text_to_python(raw, strlen(raw));

		if (PyDict_SetItemString(dict, def->defname, value) < 0)
			rc_python_error();
		Py_DECREF(value);
	}
	return dict;
}

/* The options of userid's user mapping for the server, else PUBLIC's, else NIL. */
static List *
rc_user_mapping_options(Oid userid, Oid serverid)
{
	HeapTuple	tp;
	Datum		datum;
	bool		isnull;
	List	   *options = NIL;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
						 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		return NIL;
	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tp,
							Anum_pg_user_mapping_umoptions, &isnull);
	if (!isnull)
		options = untransformRelOptions(datum);
	ReleaseSysCache(tp);
	return options;
}

/*
 * (class name, table options, server options, user mapping options, columns):
 * everything an instance is built from. The user mapping is userid's (else
 * PUBLIC's); restcorn_engine.host.make_instance merges the options.
 */
static PyObject *
rc_signature(Oid foreigntableid, Oid userid)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);
	char	   *class_name = rc_server_wrapper(server->options);
	PyObject   *table_options;
	PyObject   *server_options;
	PyObject   *mapping_options;
	PyObject   *columns;
	Relation	rel;
	TupleDesc	desc;
	int			i;

	rc_check_wrapper_allowed(class_name);
	table_options = rc_options_dict(table->options);
	server_options = rc_options_dict(server->options);
	mapping_options = rc_options_dict(rc_user_mapping_options(userid, table->serverid));
	if (PyDict_DelItemString(server_options, "wrapper") < 0)
		PyErr_Clear();

	columns = rc_check(PyList_New(0));
	rel = RelationIdGetRelation(foreigntableid);
	desc = RelationGetDescr(rel);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		PyObject   *column;
		PyObject   *colopts;

		if (att->attisdropped)
			continue;
		colopts = rc_options_dict(GetForeignColumnOptions(foreigntableid, att->attnum));
		column = Py_BuildValue("(NIiNNN)",
							   rc_text_to_python(NameStr(att->attname), -1),
							   (unsigned int) att->atttypid, att->atttypmod,
							   rc_text_to_python(format_type_with_typemod(att->atttypid, att->atttypmod), -1),
							   rc_text_to_python(format_type_be(att->atttypid), -1),
							   colopts);
		if (column == NULL || PyList_Append(columns, column) < 0)
		{
			RelationClose(rel);
			rc_python_error();
		}
		Py_DECREF(column);
	}
	RelationClose(rel);
	return rc_check(Py_BuildValue("(sNNNN)", class_name, table_options, server_options,
								  mapping_options, columns));
}

static void
rc_call_method(PyObject *instance, const char *method, PyObject *args, bool warn_only)
{
	PyObject   *callable = PyObject_GetAttrString(instance, method);
	PyObject   *result = NULL;

	if (callable)
		result = PyObject_CallObject(callable, args);
	Py_XDECREF(callable);
	Py_XDECREF(args);
	if (result)
	{
		Py_DECREF(result);
		return;
	}
	if (!warn_only)
		rc_python_error();
	/* During commit or abort an ERROR is not allowed: tell, and go on. */
	{
		PyObject   *type,
				   *value,
				   *tb;
		char	   *message;

		PyErr_Fetch(&type, &value, &tb);
		PyErr_NormalizeException(&type, &value, &tb);
		message = rc_format_traceback(type, value, tb);
		Py_XDECREF(type);
		Py_XDECREF(value);
		Py_XDECREF(tb);
		ereport(WARNING, (errmsg("restcorn: %s() of a wrapper failed", method),
						  errdetail("%s", message)));
	}
}

/* Tell the wrapper about the current transaction, as Multicorn2 does. */
static void
rc_begin_remote_xact(RcInstance *entry)
{
	int			level = GetCurrentTransactionNestLevel();

	if (entry->xact_depth <= 0)
	{
		rc_call_method(entry->instance, "begin",
					   Py_BuildValue("(i)", IsolationIsSerializable()), false);
		entry->xact_depth = 1;
	}
	while (entry->xact_depth < level)
	{
		entry->xact_depth++;
		rc_call_method(entry->instance, "sub_begin",
					   Py_BuildValue("(i)", entry->xact_depth), false);
	}
}

/*
 * The wrapper instance of a foreign table for the user whose permissions the
 * scan checks (a view's owner inside a view, else the current user; as
 * postgres_fdw picks its user mapping): built at first use, rebuilt when the
 * table, server, user mapping or columns change. Borrowed reference.
 */
PyObject *
rc_get_instance(Oid foreigntableid, Oid userid)
{
	RcInstance *entry;
	RcInstanceKey key;
	bool		found;
	PyObject   *signature;

	rc_python_init();
	signature = rc_signature(foreigntableid, userid);
	memset(&key, 0, sizeof(key));
	key.relid = foreigntableid;
	key.userid = userid;
	entry = hash_search(instances, &key, HASH_ENTER, &found);
	if (!found)
	{
		entry->instance = NULL;
		entry->signature = NULL;
		entry->xact_depth = 0;
	}
	if (entry->instance == NULL ||
		PyObject_RichCompareBool(entry->signature, signature, Py_EQ) != 1)
	{
		PyObject   *instance;

		PyErr_Clear();
		Py_CLEAR(entry->instance);
		Py_CLEAR(entry->signature);
		entry->xact_depth = 0;
		Py_INCREF(signature);
		instance = rc_host_call("make_instance", signature);
		entry->instance = instance;
		entry->signature = signature;
	}
	else
		Py_DECREF(signature);
	rc_begin_remote_xact(entry);
	return entry->instance;
}

static void
rc_xact_callback(XactEvent event, void *arg)
{
	HASH_SEQ_STATUS status;
	RcInstance *entry;

	hash_seq_init(&status, instances);
	while ((entry = (RcInstance *) hash_seq_search(&status)) != NULL)
	{
		if (entry->instance == NULL || entry->xact_depth <= 0)
			continue;
		switch (event)
		{
			case XACT_EVENT_PRE_COMMIT:
			case XACT_EVENT_PARALLEL_PRE_COMMIT:
				rc_call_method(entry->instance, "pre_commit", PyTuple_New(0), false);
				break;
			case XACT_EVENT_COMMIT:
			case XACT_EVENT_PARALLEL_COMMIT:
				rc_call_method(entry->instance, "commit", PyTuple_New(0), true);
				entry->xact_depth = 0;
				break;
			case XACT_EVENT_ABORT:
			case XACT_EVENT_PARALLEL_ABORT:
				rc_call_method(entry->instance, "rollback", PyTuple_New(0), true);
				entry->xact_depth = 0;
				break;
			default:
				break;
		}
	}
}

static void
rc_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	HASH_SEQ_STATUS status;
	RcInstance *entry;
	int			level;

	if (event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB)
		return;
	level = GetCurrentTransactionNestLevel();
	hash_seq_init(&status, instances);
	while ((entry = (RcInstance *) hash_seq_search(&status)) != NULL)
	{
		if (entry->instance == NULL || entry->xact_depth < level)
			continue;
		rc_call_method(entry->instance,
					   event == SUBXACT_EVENT_COMMIT_SUB ? "sub_commit" : "sub_rollback",
					   Py_BuildValue("(i)", level), event == SUBXACT_EVENT_ABORT_SUB);
		entry->xact_depth = level - 1;
	}
}
