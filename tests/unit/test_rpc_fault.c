/* test_rpc_fault.c — rpc_fault_name() (rpc.c): supervisord's xmlrpc.Faults, every code
 * with its name, and "UNKNOWN" for every other. */
#include <stdio.h>
#include <string.h>

#include "rpc_method.h"

#include "check.h"

int main(void)
{
	static const struct {
		int code;
		const char *name;
	} faults[] = {
		{1, "UNKNOWN_METHOD"}, {2, "INCORRECT_PARAMETERS"}, {3, "BAD_ARGUMENTS"},
		{4, "SIGNATURE_UNSUPPORTED"}, {6, "SHUTDOWN_STATE"}, {10, "BAD_NAME"}, {11, "BAD_SIGNAL"},
		{20, "NO_FILE"}, {21, "NOT_EXECUTABLE"}, {30, "FAILED"}, {40, "ABNORMAL_TERMINATION"},
		{50, "SPAWN_ERROR"}, {60, "ALREADY_STARTED"}, {70, "NOT_RUNNING"}, {80, "SUCCESS"},
		{90, "ALREADY_ADDED"}, {91, "STILL_RUNNING"}, {92, "CANT_REREAD"},
	};
	size_t n = sizeof faults / sizeof *faults;
	for (int code = -300; code < 1000; code++) {
		size_t i = 0;
		while (i < n && faults[i].code != code)
			i++;
		CHECK(!strcmp(rpc_fault_name(code), i < n ? faults[i].name : "UNKNOWN"));
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
