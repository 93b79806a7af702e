/*
 * commands: the subcommands of geotrackd other than the daemon itself. Each takes the
 * arguments after its name (argv[0] is the subcommand name), writes its results to
 * stdout and its errors to stderr, and returns the process exit status.
 */
#ifndef GEOTRACK_COMMANDS_H
#define GEOTRACK_COMMANDS_H

int cmd_code(int argc, char **argv);   /* geotrackd code: the coder on stdin */
int cmd_dict(int argc, char **argv);   /* geotrackd dict check FILES... */
int cmd_parse(int argc, char **argv);  /* geotrackd parse FILE...: feeds as JSON Lines */
int cmd_export(int argc, char **argv); /* geotrackd export: events as gdelt/jsonl/csv */

#endif
