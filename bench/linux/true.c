/* true.c - the static `true` that bench's forkexec workload execs: a
 * whole C-library start-up and exit, as for any small static program. */
int main(void)
{
	return 0;
}
