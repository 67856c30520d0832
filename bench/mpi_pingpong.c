// bench/mpi_pingpong.c: the plain-C baseline for bench/mpi.lua's ping-pong, in the manner of the OSU
// micro-benchmarks (osu_latency): what MPI itself costs on this machine, with no parlab in the way.
//
// What it measures: between ranks 0 and 1, for each message size, the time of a round trip (rank 0
// MPI_Send's `bytes` bytes, rank 1 MPI_Recv's them and MPI_Send's them back), averaged over N round trips.
// It reports the round trip, the latency as OSU reports it (half a round trip), and the bandwidth as
// bench/mpi.lua counts it: 2 x bytes / round trip (both directions of the echo move the message).
//
// How: one buffer per rank, touched before use (page faults stay out of the timing). Per size: a warm-up
// of N/10 round trips (at least 10; connection set-up, caches), MPI_Barrier, then N timed round trips
// between two MPI_Wtime() calls on rank 0. Ranks beyond 1 only take part in the barriers.
//
// Build and run:  mpicc -O2 bench/mpi_pingpong.c -o /tmp/mpi_pingpong && mpirun -n 2 /tmp/mpi_pingpong
// Arguments: BYTES:N pairs (default 1:20000 64:20000 1024:20000 16384:2000 262144:2000 1048576:300
// 16777216:30). Output, one JSON object a line, read by bench/mpi.lua:
//   {"peer":"C","library":"Open MPI v4.1.4, ..."}
//   {"peer":"C","bytes":1,"iters":20000,"round_trip_us":0.812,"latency_us":0.406,"bandwidth_GBps":0.00246}
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct size_plan {
  long bytes;
  long iters;
};

static const struct size_plan kDefaultPlan[] = {{1, 20000},     {64, 20000},    {1024, 20000}, {16384, 2000},
                                                {262144, 2000}, {1048576, 300}, {16777216, 30}};

// n round trips of `bytes` between ranks 0 and 1.
static void round_trips(int rank, char* buf, int bytes, long n) {
  for (long i = 0; i < n; i++) {
    if (rank == 0) {
      MPI_Send(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
  }
}

static void measure(int rank, struct size_plan p) {
  char* buf = malloc(p.bytes > 0 ? (size_t)p.bytes : 1);
  if (!buf) {
    fprintf(stderr, "mpi_pingpong: cannot allocate %ld bytes\n", p.bytes);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  memset(buf, 'x', p.bytes > 0 ? (size_t)p.bytes : 1);
  long warm = p.iters / 10 > 10 ? p.iters / 10 : 10;
  round_trips(rank, buf, (int)p.bytes, warm);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  round_trips(rank, buf, (int)p.bytes, p.iters);
  double rt = (MPI_Wtime() - t0) / (double)p.iters;
  if (rank == 0)
    printf(
        "{\"peer\":\"C\",\"bytes\":%ld,\"iters\":%ld,\"round_trip_us\":%.4g,\"latency_us\":%.4g,"
        "\"bandwidth_GBps\":%.4g}\n",
        p.bytes, p.iters, rt * 1e6, rt / 2 * 1e6, 2.0 * (double)p.bytes / rt / 1e9);
  fflush(stdout);
  free(buf);
  MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) {
    if (rank == 0) fprintf(stderr, "mpi_pingpong: run it with mpirun -n 2\n");
    MPI_Finalize();
    return 1;
  }
  int n = argc > 1 ? argc - 1 : (int)(sizeof kDefaultPlan / sizeof kDefaultPlan[0]);
  struct size_plan* plan = malloc(sizeof *plan * (size_t)n);
  for (int i = 0; i < n; i++) {
    if (argc == 1) {
      plan[i] = kDefaultPlan[i];
    } else if (sscanf(argv[i + 1], "%ld:%ld", &plan[i].bytes, &plan[i].iters) != 2 || plan[i].bytes < 0 ||
               plan[i].bytes > INT_MAX || plan[i].iters < 1) {
      if (rank == 0)
        fprintf(stderr, "mpi_pingpong: expected BYTES:N (0 <= BYTES <= %d, N >= 1), got %s\n", INT_MAX,
                argv[i + 1]);
      MPI_Finalize();
      return 2;
    }
  }
  if (rank == 0) {
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    for (int i = 0; i < len; i++)  // first line only, and nothing that would break the JSON string
      if (lib[i] == '\n' || lib[i] == '"' || lib[i] == '\\') {
        lib[i] = lib[i] == '\n' ? '\0' : '\'';
        if (!lib[i]) break;
      }
    printf("{\"peer\":\"C\",\"library\":\"%s\"}\n", lib);
  }
  for (int i = 0; i < n; i++) measure(rank, plan[i]);
  free(plan);
  MPI_Finalize();
  return 0;
}
