\echo Use "CREATE EXTENSION restcorn" to load this file. \quit

CREATE FUNCTION restcorn_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION restcorn_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER restcorn
  HANDLER restcorn_handler
  VALIDATOR restcorn_validator;
