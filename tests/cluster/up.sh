#!/bin/sh
# tests/cluster/up.sh DIR PARLAB: builds the two-node cluster in the empty directory DIR and starts its
# daemons: network namespaces NS0 and NS1 joined by a veth pair (10.77.0.1 = node0, 10.77.0.2 = node1),
# one munged (its Unix socket reaches both namespaces), slurmctld and one slurmd on node0, one slurmd on
# node1, each daemon in its own UTS namespace named after its node. Returns once sinfo shows both nodes
# idle. Whatever it started, down.sh DIR stops, also when up.sh fails half way (run.sh's trap calls it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PARLAB_CLUSTER=$1 parlab=$2
. "$here/lib.sh"
D=$PARLAB_CLUSTER
NODE0=10.77.0.1 NODE1=10.77.0.2 SUBNET=10.77.0.0/24

# The environment every check and every job sees (sbatch passes it on): Slurm's config, parlab on PATH,
# and Open MPI told to run as root and to use TCP on the veth pair only (between nodes that is all there
# is; no shared memory even for ranks on one node, so every check exercises the network path). No core
# binding by default: each node's mpirun would bind its first rank to core 0, and the two nodes' core 0
# are one core here, so two spinning ranks would take turns by the scheduler's time slice (a 1-byte
# round trip of milliseconds). Jobs that bind on purpose (--bind-to core) still may.
mkdir -p "$D/state" "$D/run" "$D/log" "$D/spool/node0" "$D/spool/node1" "$D/tmp/node0" "$D/tmp/node1" "$D/jobs"
chmod 755 "$D" # munged requires every directory above its socket to be searchable by all
cat > "$D/env" <<ENV
OWNER=$PPID
NS0=parlab$$-node0
NS1=parlab$$-node1
NODE0=$NODE0
NODE1=$NODE1
SUBNET=$SUBNET
SLURM_CONF=$D/slurm.conf
PATH=$(dirname "$parlab"):$PATH
TMPDIR=$D/tmp
OMPI_ALLOW_RUN_AS_ROOT=1
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OMPI_MCA_btl=tcp,self
OMPI_MCA_btl_tcp_if_include=$SUBNET
OMPI_MCA_oob_tcp_if_include=$SUBNET
OMPI_MCA_hwloc_base_binding_policy=none
ENV
cluster_env
sed -e "s|@DIR@|$D|g" -e "s|@NODE0@|$NODE0|g" -e "s|@NODE1@|$NODE1|g" "$here/slurm.conf.in" > "$SLURM_CONF"
cp "$here/cgroup.conf" "$D/cgroup.conf"

log "network: $NS0 ($NODE0) <-veth-> $NS1 ($NODE1)"
ip netns add "$NS0"
ip netns add "$NS1"
ip link add veth0 netns "$NS0" type veth peer name veth1 netns "$NS1"
ip -n "$NS0" addr add "$NODE0/24" dev veth0
ip -n "$NS1" addr add "$NODE1/24" dev veth1
for ns in "$NS0" "$NS1"; do
  ip -n "$ns" link set lo up
done
ip -n "$NS0" link set veth0 up
ip -n "$NS1" link set veth1 up

log "munge: a fresh key, munged on $D/munge.sock"
dd if=/dev/urandom of="$D/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$D/munge.key"
setsid munged -F --key-file="$D/munge.key" --socket="$D/munge.sock" --pid-file="$D/run/munged.pid" \
  --seed-file="$D/munge.seed" > "$D/log/munged.log" 2>&1 < /dev/null &
echo $! > "$D/run/munged.harness-pid"
wait_for 10 munge -S "$D/munge.sock" -n || { cat "$D/log/munged.log"; exit 1; }

# start NODE NAMESPACE DAEMON ARGS...: DAEMON in the foreground of its own UTS namespace (host name NODE),
# inside NAMESPACE, its output in log/NODE-DAEMON.out. Daemons stay children of this harness, so that
# down.sh finds every one of them (and their jobs) through `ip netns pids`. setsid: a Ctrl-C meant for the
# harness must not reach the daemons, or the teardown would find a cluster already half dead.
start() {
  node=$1 ns=$2 daemon=$3; shift 3
  setsid ip netns exec "$ns" unshare --uts sh -c 'hostname "$1"; shift; exec "$@"' sh "$node" "$daemon" "$@" \
    > "$D/log/$node-$daemon.out" 2>&1 < /dev/null &
}
log "slurm: slurmctld on node0, slurmd on node0 and node1"
start node0 "$NS0" slurmctld -D -f "$SLURM_CONF"
start node0 "$NS0" slurmd -D -f "$SLURM_CONF" -N node0
start node1 "$NS1" slurmd -D -f "$SLURM_CONF" -N node1

both_idle() { [ "$(on_node0 sinfo -h -N -o '%N %t' | sort | tr '\n' ' ')" = "node0 idle node1 idle " ]; }
if ! wait_for 60 both_idle; then
  log "the nodes did not become idle within 60 s:"
  on_node0 sinfo -N 2>&1 || true
  tail -n 20 "$D"/log/*
  exit 1
fi
log "up: $(on_node0 sinfo -h -N -o '%N %t %c' | tr '\n' ' ')"
