/* iptext.h — an IPv4 or IPv6 address as text, as glibc's inet_ntop() writes it (see
 * iptext.c). Pure code. */
#pragma once
#include <netinet/in.h>

/* ADDR (a struct in_addr for AF_INET, else a struct in6_addr) into OUT; returns OUT. */
char *ip_text(int family, const void *addr, char out[INET6_ADDRSTRLEN]);
