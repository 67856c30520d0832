#pragma once
// Threads that a library starts for itself and keeps safe across fork (OpenBLAS's pool, which its own
// pthread_atfork handler stops before a fork). process::safe_to_fork counts the threads a process runs
// beyond those it started with; it does not count these, opened later on first use.
namespace parlab::library_threads {

void add(int n) noexcept;
int count() noexcept;

}  // namespace parlab::library_threads
