#pragma once
// Lets fork() hand a process's mapped code pages on to its children, for a process that forks many
// (the fork server).
//
// fork() copies the page-table entries of a private file mapping only when the mapping has private
// (anonymous) pages of its own; a code segment never has, so each child maps its code again, one page
// fault per 16 pages it runs (fault-around), ~20 faults for a Process start. On a VM each fault costs
// 10-30 us. Giving each code segment one private page (an identical copy of its first page, made by
// rewriting one byte through /proc/self/mem) makes fork() copy the entries instead, all at once.

namespace parlab::code_mappings {

// For every executable file mapping of this process: make fork() copy its entries. Call while no other
// thread of the process runs (the fork server before it serves). Where the system refuses the write (a
// kernel that forbids /proc/PID/mem writes past protections), mappings stay as they were: children
// fault their code in, as they would without this. Returns the number of mappings changed.
int share_with_children() noexcept;

}  // namespace parlab::code_mappings
