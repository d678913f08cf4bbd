/* Used by CMakeLists.txt to probe for a compiler that can target i386. */
void _start(void)
{
    for (;;)
        ;
}
