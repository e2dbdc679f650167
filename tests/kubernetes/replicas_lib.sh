# Shared by tests/kubernetes/replicas_test.sh and bench/scaleout/run: a
# private PostgreSQL on a Unix socket, two network namespaces with a veth
# each, and functions to start `vmi serve` replicas in them. Source it with
# the build directory as $1; it sets an EXIT trap that removes everything.
#   replica_start NAME NS   start a replica (pid in pid_NAME)
#   replica_ready IP        wait for /readyz
build=$(cd "$1" && pwd)
t=$(mktemp -d /tmp/vmi-replicas.XXXXXX)
chmod 755 "$t"
id=$$
nsa=vmik-a-$id nsb=vmik-b-$id
va=vka$id vb=vkb$id
# Distinct /30s per run so concurrent runs of other tests cannot clash.
o3=$(( (id % 250) + 1 ))
ipa_host=10.252.$o3.1 ipa=10.252.$o3.2 ipb_host=10.253.$o3.1 ipb=10.253.$o3.2
pids=()
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

cleanup() {
  set +e
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  [ -d "$t/pg/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$t/pg/data" -m immediate -w stop >/dev/null 2>&1
  ip netns del "$nsa" 2>/dev/null; ip netns del "$nsb" 2>/dev/null
  ip link del "$va" 2>/dev/null; ip link del "$vb" 2>/dev/null
  rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$t"/*.log; do echo "== $f"; tail -20 "$f"; done >&2; exit 1; }

# PostgreSQL, as store/testing/postgres_server.cc starts it.
mkdir -p "$t/pg" && chown postgres "$t/pg"
runuser -u postgres -- "$pgbin/initdb" -D "$t/pg/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$t/pg/data" -l "$t/pg/log" -w -t 60 \
  -o "-k $t/pg -c listen_addresses= -c fsync=off -c max_connections=100" start >/dev/null
runuser -u postgres -- "$pgbin/psql" -h "$t/pg" -U postgres -qc "CREATE DATABASE vmi" >/dev/null
db="postgresql:///vmi?host=$t/pg&user=postgres"

# Two network namespaces, each with a veth to the host.
net() {  # ns veth host_ip ns_ip
  ip netns add "$1"
  ip link add "$2" type veth peer name "$2p"
  ip link set "$2p" netns "$1"
  ip addr add "$3/30" dev "$2"; ip link set "$2" up
  ip netns exec "$1" ip addr add "$4/30" dev "$2p"
  ip netns exec "$1" ip link set "$2p" up
  ip netns exec "$1" ip link set lo up
}
net "$nsa" "$va" "$ipa_host" "$ipa"
net "$nsb" "$vb" "$ipb_host" "$ipb"

replica_start() {  # name ns
  ip netns exec "$2" env VMI_ADMIN_PASSWORD=replica-admin-pw \
    "$build/bin/vmi" serve --data-dir "$t/$1" --socket "$t/$1.sock" \
    --listen-host 0.0.0.0 --port 8080 --database "$db" > "$t/$1.log" 2>&1 &
  pids+=($!)
  eval "pid_$1=$!"
}
replica_ready() {  # ip
  for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$1:8080/readyz")" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}
