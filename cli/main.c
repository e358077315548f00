#include <stdio.h>
int main(void) { puts("sigjam: under construction"); return 0; }
