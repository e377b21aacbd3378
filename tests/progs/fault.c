/* Dies of SIGSEGV from a write to address 0: a signal the kernel forces on a fault, which
   even a pid namespace's init (the sandbox's pid 1) cannot ignore. */
int main(void)
{
	*(volatile int *)0 = 1;
	return 0;
}
