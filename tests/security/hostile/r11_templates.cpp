// R11: a template instantiation explosion: 2^40 distinct instantiations,
// well inside the default depth limit; the compiler runs out of time or
// memory, never the host.
template <int N, unsigned long M> struct E {
	static const unsigned long v = E<N - 1, 2 * M>::v + E<N - 1, 2 * M + 1>::v;
};
template <unsigned long M> struct E<0, M> {
	static const unsigned long v = M;
};
int main() { return (int)E<40, 1>::v; }
