// Collectives on typed buffers (parlab arrays, no copies): Bcast, Reduce, Allreduce, Gather, Scatter.
// The caller keeps the memory alive (the bindings hold the arrays for the call's duration).
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"

namespace parlab::mpi {

using namespace detail;

namespace detail {

MPI_Datatype mpi_type(DType t) {
  switch (t) {
    case DType::F64: return MPI_DOUBLE;
    case DType::F32: return MPI_FLOAT;
    case DType::I64: return MPI_INT64_T;
    case DType::I32: return MPI_INT32_T;
    case DType::U8: return MPI_UINT8_T;
  }
  throw Error("mpi: unknown element type");
}

size_t type_size(DType t) {
  switch (t) {
    case DType::F64:
    case DType::I64: return 8;
    case DType::F32:
    case DType::I32: return 4;
    case DType::U8: return 1;
  }
  throw Error("mpi: unknown element type");
}

MPI_Op mpi_op(Op op) {
  switch (op) {
    case Op::sum: return MPI_SUM;
    case Op::prod: return MPI_PROD;
    case Op::max: return MPI_MAX;
    case Op::min: return MPI_MIN;
  }
  throw Error("mpi: unknown reduction");
}

}  // namespace detail

bool op_from_name(const std::string& name, Op& out) noexcept {
  if (name == "sum")
    out = Op::sum;
  else if (name == "prod")
    out = Op::prod;
  else if (name == "max")
    out = Op::max;
  else if (name == "min")
    out = Op::min;
  else
    return false;
  return true;
}

void bcast_buffer(void* data, size_t bytes, int root) {
  check_rank(root, "mpi.Bcast", "root", false);
  if (local()) return;
  reap_orphans();
  MPI_Request r;
  check(MPI_Ibcast(data, to_count(bytes, "mpi.Bcast"), MPI_BYTE, root, MPI_COMM_WORLD, &r), "mpi.Bcast");
  wait(r, nullptr, nullptr);
}

void reduce_buffer(const void* send, void* recv, size_t count, DType type, Op op, int root) {
  check_rank(root, "mpi.Reduce", "root", false);
  bool is_root = world().rank == root;
  if (local()) {
    if (send != recv) std::memmove(recv, send, count * type_size(type));
    return;
  }
  reap_orphans();
  const void* sbuf = (is_root && send == recv) ? MPI_IN_PLACE : send;
  MPI_Request r;
  check(MPI_Ireduce(sbuf, recv, to_count(count, "mpi.Reduce"), mpi_type(type), mpi_op(op), root,
                    MPI_COMM_WORLD, &r),
        "mpi.Reduce");
  wait(r, nullptr, nullptr);
}

void allreduce_buffer(const void* send, void* recv, size_t count, DType type, Op op) {
  if (local()) {
    if (send != recv) std::memmove(recv, send, count * type_size(type));
    return;
  }
  reap_orphans();
  const void* sbuf = send == recv ? MPI_IN_PLACE : send;
  MPI_Request r;
  check(MPI_Iallreduce(sbuf, recv, to_count(count, "mpi.Allreduce"), mpi_type(type), mpi_op(op),
                       MPI_COMM_WORLD, &r),
        "mpi.Allreduce");
  wait(r, nullptr, nullptr);
}

void gather_buffer(const void* send, void* recv, size_t bytes, int root) {
  check_rank(root, "mpi.Gather", "root", false);
  if (local()) {
    if (send != recv) std::memmove(recv, send, bytes);
    return;
  }
  reap_orphans();
  int n = to_count(bytes, "mpi.Gather");
  to_count(bytes * size_t(world().size), "mpi.Gather");
  MPI_Request r;
  check(MPI_Igather(send, n, MPI_BYTE, recv, n, MPI_BYTE, root, MPI_COMM_WORLD, &r), "mpi.Gather");
  wait(r, nullptr, nullptr);
}

void scatter_buffer(const void* send, void* recv, size_t bytes, int root) {
  check_rank(root, "mpi.Scatter", "root", false);
  if (local()) {
    if (send != recv) std::memmove(recv, send, bytes);
    return;
  }
  reap_orphans();
  int n = to_count(bytes, "mpi.Scatter");
  to_count(bytes * size_t(world().size), "mpi.Scatter");
  MPI_Request r;
  check(MPI_Iscatter(send, n, MPI_BYTE, recv, n, MPI_BYTE, root, MPI_COMM_WORLD, &r), "mpi.Scatter");
  wait(r, nullptr, nullptr);
}

}  // namespace parlab::mpi
