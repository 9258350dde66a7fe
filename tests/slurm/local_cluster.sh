#!/usr/bin/env bash
# A one-machine SLURM cluster for the SLURM test, started by hand (no systemd needed):
# munged, a private MariaDB, slurmdbd (so that sacct works), slurmctld and slurmd on localhost,
# with every key, socket, database, state file and log under one folder.
#   tests/slurm/local_cluster.sh install     installs requirements/apt-slurm.txt (root + apt-get)
#   tests/slurm/local_cluster.sh start DIR   -> prints the SLURM_CONF to export
#   tests/slurm/local_cluster.sh stop DIR
# Needs root (slurmd runs jobs as their user) and the Debian packages of requirements/apt-slurm.txt.
# Ports (override by environment): slurmctld 6817, slurmd 6818, slurmdbd 6819, MariaDB 3317.
set -euo pipefail

cmd=${1:-}; dir=${2:-}
die() { echo "local_cluster: $*" >&2; exit 1; }

if [ "$cmd" = install ]; then
  pkgs=$(grep -v '^#' "$(dirname "$0")/../../requirements/apt-slurm.txt" | xargs)
  missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done | xargs)
  [ -z "$missing" ] && exit 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    die "missing Debian packages: $missing. Install them as root (apt-get install $missing); the SLURM test needs them"
  fi
  echo "local_cluster: installing $missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101: Debian's maintainer scripts must not start the daemons (we start our own)
  policy=/usr/sbin/policy-rc.d; own_policy=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; own_policy=1; fi
  (apt-get install -y -qq $missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $missing >/dev/null)) \
    || { [ -n "$own_policy" ] && rm -f "$policy"; die "apt-get install failed for: $missing"; }
  [ -n "$own_policy" ] && rm -f "$policy"
  exit 0
fi
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 install | start DIR | stop DIR"
case "$cmd" in start|stop) ;; *) die "unknown command '$cmd' (install, start or stop)";; esac
[ "$cmd" = stop ] || [ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their owner)"
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)

stop() {
  for d in slurmd slurmctld slurmdbd mariadbd munged; do
    if [ -f "$dir/$d.pid" ]; then
      pid=$(cat "$dir/$d.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/$d.pid"
    fi
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi

for exe in munged munge unmunge mungekey mariadb-install-db mariadbd mariadb slurmdbd slurmctld slurmd sbatch sacct sacctmgr srun; do
  command -v "$exe" >/dev/null || die "'$exe' not found: install the Debian packages in requirements/apt-slurm.txt (make test-slurm does, as root)"
done

host=$(hostname -s 2>/dev/null || uname -n | cut -d. -f1)
cpus=$(nproc)
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
chmod 755 "$dir"

# munge: SLURM's clients look for munged on its default socket, so use a running system munged
# there if there is one, else start one there with a key of this cluster's own.
munge_sock=/run/munge/munge.socket.2
if [ -S "$munge_sock" ] && munge -n -S "$munge_sock" 2>/dev/null | unmunge -S "$munge_sock" >/dev/null 2>&1; then
  echo "local_cluster: using the running munged on $munge_sock" >&2
else
  mkdir -p /run/munge "$dir/munge"
  [ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
    || dd if=/dev/urandom of="$dir/munge/munge.key" bs=128 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  rm -f "$munge_sock"
  munged --force --key-file="$dir/munge/munge.key" --socket="$munge_sock" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" \
    || die "munged failed to start; see $dir/log/munged.log"
fi

# A private MariaDB on 127.0.0.1 for slurmdbd (job accounting, which sacct reads)
dbport=${NEUROBENCH_MARIADB_PORT:-3317}
dbdport=${NEUROBENCH_SLURMDBD_PORT:-6819}
if [ ! -d "$dir/mysql/mysql" ]; then
  mariadb-install-db --user=root --datadir="$dir/mysql" --auth-root-authentication-method=socket \
    >"$dir/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed; see $dir/log/mariadb-install.log"
fi
mariadbd --user=root --datadir="$dir/mysql" --socket="$dir/mysql.sock" --port="$dbport" \
  --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" --log-error="$dir/log/mariadb.log" \
  --innodb-buffer-pool-size=64M >/dev/null 2>&1 &
for _ in $(seq 100); do [ -S "$dir/mysql.sock" ] && break; sleep 0.2; done
[ -S "$dir/mysql.sock" ] || die "MariaDB did not start; see $dir/log/mariadb.log"
mariadb -S "$dir/mysql.sock" -u root -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'neurobench';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" || die "could not create the slurm database user"

cat > "$dir/slurmdbd.conf" <<CONF
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$dbdport
SlurmUser=root
AuthType=auth/munge
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$dbport
StorageUser=slurm
StoragePass=neurobench
StorageLoc=slurm_acct_db
PidFile=$dir/slurmdbd.pid
LogFile=$dir/log/slurmdbd.log
CONF
chmod 600 "$dir/slurmdbd.conf"

cat > "$dir/slurm.conf" <<CONF
ClusterName=neurobench
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${NEUROBENCH_SLURMCTLD_PORT:-6817}
SlurmdPort=${NEUROBENCH_SLURMD_PORT:-6818}
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$dbdport
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
MinJobAge=3600
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

slurmdbd || die "slurmdbd failed to start; see $dir/log/slurmdbd.log"
for _ in $(seq 30); do sacctmgr -n list cluster >/dev/null 2>&1 && break; sleep 0.5; done
sacctmgr -n list cluster >/dev/null 2>&1 || die "slurmdbd does not answer; see $dir/log/slurmdbd.log"
sacctmgr -i add cluster neurobench >/dev/null 2>&1 || true
sacctmgr -i add account neurobench Cluster=neurobench Description=tests >/dev/null 2>&1 || true
sacctmgr -i add user "$(id -un)" Account=neurobench DefaultAccount=neurobench >/dev/null 2>&1 || true

slurmctld -f "$SLURM_CONF" || die "slurmctld failed to start; see $dir/log/slurmctld.log"
slurmd -f "$SLURM_CONF" || die "slurmd failed to start; see $dir/log/slurmd.log"

for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -q -E '^idle'; then echo "$SLURM_CONF"; exit 0; fi
  sleep 0.5
done
echo "--- slurmctld.log" >&2; tail -20 "$dir/log/slurmctld.log" >&2 || true
echo "--- slurmd.log" >&2; tail -20 "$dir/log/slurmd.log" >&2 || true
stop
die "the node did not become idle within 30 s (logs above)"
