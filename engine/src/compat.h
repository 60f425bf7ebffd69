/*
 * compat.h
 *		The differences between the PostgreSQL versions the engine builds
 *		against (13 to 18), in one place: the code elsewhere uses the names
 *		below and does not test PG_VERSION_NUM itself. Tested on 15, 16, 18.
 */
#ifndef RESTCORN_COMPAT_H
#define RESTCORN_COMPAT_H

#include "access/stratnum.h"
#include "commands/explain.h"
#include "nodes/pathnodes.h"
#include "optimizer/pathnode.h"

/* 18 moved ExplainState and ExplainProperty*() out of commands/explain.h. */
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif

/*
 * A noreturn function: 18 has the pg_noreturn prefix only, earlier versions
 * the pg_attribute_noreturn() suffix only. Declare with both.
 */
#ifndef pg_noreturn
#define pg_noreturn
#endif
#ifndef pg_attribute_noreturn
#define pg_attribute_noreturn()
#endif

/* Whether an ORDER BY pathkey sorts descending: 18 keeps a CompareType. */
#if PG_VERSION_NUM >= 180000
#define rc_pathkey_descending(pathkey) ((pathkey)->pk_cmptype == COMPARE_GT)
#else
#define rc_pathkey_descending(pathkey) ((pathkey)->pk_strategy == BTGreaterStrategyNumber)
#endif

/*
 * create_foreignscan_path() and create_foreign_upper_path() with 17's
 * arguments: 17 added fdw_restrictinfo (dropped here before 17), 18 added
 * disabled_nodes after rows (0 here: the engine's paths are never disabled).
 */
#if PG_VERSION_NUM >= 180000
#define rc_create_foreignscan_path(root, rel, target, rows, startup_cost, total_cost, \
								   pathkeys, required_outer, fdw_outerpath, \
								   fdw_restrictinfo, fdw_private) \
	create_foreignscan_path(root, rel, target, rows, 0, startup_cost, total_cost, \
							pathkeys, required_outer, fdw_outerpath, \
							fdw_restrictinfo, fdw_private)
#define rc_create_foreign_upper_path(root, rel, target, rows, startup_cost, total_cost, \
									 pathkeys, fdw_outerpath, fdw_restrictinfo, \
									 fdw_private) \
	create_foreign_upper_path(root, rel, target, rows, 0, startup_cost, total_cost, \
							  pathkeys, fdw_outerpath, fdw_restrictinfo, fdw_private)
#elif PG_VERSION_NUM >= 170000
#define rc_create_foreignscan_path create_foreignscan_path
#define rc_create_foreign_upper_path create_foreign_upper_path
#else
#define rc_create_foreignscan_path(root, rel, target, rows, startup_cost, total_cost, \
								   pathkeys, required_outer, fdw_outerpath, \
								   fdw_restrictinfo, fdw_private) \
	create_foreignscan_path(root, rel, target, rows, startup_cost, total_cost, \
							pathkeys, required_outer, fdw_outerpath, fdw_private)
#define rc_create_foreign_upper_path(root, rel, target, rows, startup_cost, total_cost, \
									 pathkeys, fdw_outerpath, fdw_restrictinfo, \
									 fdw_private) \
	create_foreign_upper_path(root, rel, target, rows, startup_cost, total_cost, \
							  pathkeys, fdw_outerpath, fdw_private)
#endif

/* 15 renamed EmitWarningsOnPlaceholders() (utils/guc.h). */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * The user a foreign scan checks permissions as (InvalidOid: the current
 * user): 16 keeps it in the plan node, earlier versions in the range table.
 */
#if PG_VERSION_NUM >= 160000
#define rc_scan_check_as_user(plan, estate) ((plan)->checkAsUser)
#else
#define rc_scan_check_as_user(plan, estate) \
	(exec_rt_fetch((plan)->scan.scanrelid, (estate))->checkAsUser)
#endif

/* 16 folded pg_namespace_aclcheck() and the like into object_aclcheck(). */
#if PG_VERSION_NUM >= 160000
#define rc_namespace_aclcheck(nspid, roleid, mode) \
	object_aclcheck(NamespaceRelationId, nspid, roleid, mode)
#else
#define rc_namespace_aclcheck(nspid, roleid, mode) pg_namespace_aclcheck(nspid, roleid, mode)
#endif

#endif							/* RESTCORN_COMPAT_H */
