#!/usr/bin/env bash
# Two `vmi serve` replicas on one PostgreSQL, each in its own network
# namespace (as two control-plane Pods would be), reached over TCP through a
# veth pair each:
#   - what one replica writes the other serves (tokens, users, quotas, audit);
#   - SIGKILL one while a burst of writes is in flight: every write it
#     acknowledged is served by the other, and the other serves everything.
# PostgreSQL listens on a Unix socket only; the namespaces share the file
# system, so both replicas reach it as Pods reach a database Service.
# Needs root (network namespaces); run under the integration lock.
#   replicas_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/replicas_lib.sh" "$1"

# The schema is migrated by the first replica; the second starts on it.
replica_start a "$nsa"; replica_ready "$ipa" || fail "replica a not ready"
replica_start b "$nsb"; replica_ready "$ipb" || fail "replica b not ready"
# Each replica is reachable only through its own namespace's address.
ip netns exec "$nsa" curl -s -m 2 -o /dev/null "http://$ipb:8080/healthz" && fail "namespaces not separate"

# Root on replica a's Unix socket is the admin: a token made there...
token=$(curl -sf --unix-socket "$t/a.sock" -X POST -H 'Content-Type: application/json' \
  -d '{"name":"replicas"}' http://localhost/api/v1/tokens | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "no token"
api() {  # ip method path [body] -> prints "status body"
  curl -s -m 20 -X "$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${4:+-d "$4"} -w '\n%{http_code}' "http://$1:8080$3"
}
status_of() { tail -1 <<<"$1"; }
# ...is valid on replica b.
r=$(api "$ipb" GET /api/v1/auth/me); [ "$(status_of "$r")" = 200 ] || fail "token from a on b: $r"

# Writes through one replica are served by the other.
r=$(api "$ipa" POST /api/v1/users '{"name":"alice","password":"alice-password"}')
[ "$(status_of "$r")" = 201 ] || fail "create alice on a: $r"
alice=$(head -1 <<<"$r" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
r=$(api "$ipb" GET /api/v1/users); grep -q '"alice"' <<<"$r" || fail "alice not on b: $r"
r=$(api "$ipb" PUT "/api/v1/users/$alice/quota" '{"instances":7}')
[ "$(status_of "$r")" = 200 ] || fail "quota on b: $r"
r=$(api "$ipa" GET "/api/v1/users/$alice/quota"); grep -q '"instances":7' <<<"$r" || fail "quota not on a: $r"
r=$(api "$ipb" GET /api/v1/audit); grep -q 'user.create' <<<"$r" || fail "audit of a's write not on b: $r"
# A login session made on b works on a.
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"name":"alice","password":"alice-password"}' "http://$ipb:8080/api/v1/auth/login" \
  | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
[ -n "$cookie" ] || fail "no session cookie from b"
me=$(curl -s -H "Cookie: $cookie" "http://$ipa:8080/api/v1/auth/me")
grep -q '"alice"' <<<"$me" || fail "b's session not valid on a: $me"
echo "ok   writes on either replica are served by the other (token, user, quota, audit, session)"

# A burst of user creations on a, SIGKILLed while they are in flight.
mkdir "$t/acks"
for i in $(seq 1 40); do
  ( r=$(api "$ipa" POST /api/v1/users "{\"name\":\"burst$i\",\"password\":\"burst-password\"}" || true)
    [ "$(status_of "$r")" = 201 ] && touch "$t/acks/burst$i" ) &
done
# Kill once some are acknowledged and others still in flight.
for _ in $(seq 300); do [ "$(ls "$t/acks" | wc -l)" -ge 5 ] && break; sleep 0.1; done
kill -9 "$pid_a"
wait "$pid_a" 2>/dev/null || true
wait_jobs=$(jobs -p); for j in $wait_jobs; do [ "$j" = "$pid_b" ] || wait "$j" 2>/dev/null || true; done
acked=$(ls "$t/acks" | wc -l)
echo "     replica a killed with $acked of 40 creations acknowledged"
[ "$acked" -ge 5 ] || fail "the burst was not under way when a was killed"
[ "$acked" -lt 40 ] || echo "     (every creation finished before the kill: no write was in flight)"
curl -s -m 2 -o /dev/null "http://$ipa:8080/healthz" && fail "replica a still answers"

# Replica b serves everything: every acknowledged write, and new ones.
r=$(api "$ipb" GET /api/v1/users)
for f in "$t"/acks/*; do
  [ -e "$f" ] || continue
  n=$(basename "$f")
  grep -q "\"$n\"" <<<"$r" || fail "$n was acknowledged by a but is not on b"
done
for i in $(seq 1 10); do
  r=$(api "$ipb" POST /api/v1/users "{\"name\":\"after$i\",\"password\":\"after-password\"}")
  [ "$(status_of "$r")" = 201 ] || fail "b after the kill: $r"
done
r=$(api "$ipb" GET /api/v1/auth/me); [ "$(status_of "$r")" = 200 ] || fail "b: $r"
me=$(curl -s -H "Cookie: $cookie" "http://$ipb:8080/api/v1/auth/me")
grep -q '"alice"' <<<"$me" || fail "session lost: $me"
echo "ok   after SIGKILL of a: b serves all $acked acknowledged writes, new writes and old sessions"
echo "1 passed, 0 failed"
