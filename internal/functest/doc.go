// Package functest holds tests only: the functions end to end against the
// emulator with its SQL engine, so the agent trail is the Delta table a
// deployed function writes (it links DuckDB through the emulator's engine,
// as the trail's own table tests do; the functions themselves never do).
package functest
