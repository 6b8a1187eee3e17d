#!/usr/bin/env bash
# pebble-env: PEBBLE_CERT_VALIDITY_SECONDS=259200
# pebble-cost: 25
# labels: prometheus
# Metrics as Prometheus sees them: `renew --metrics-file` writes a node_exporter textfile
# (atomically, 0644, no timestamps) and `daemon --metrics-listen` serves /metrics on loopback;
# `promtool check metrics` accepts both and `promtool check rules` the README's alert rules; a
# real Prometheus (started here on loopback with its own config, data directory and port)
# scrapes the daemon, answers a query for a lineage's expiry with the certificate's notAfter,
# and holds the README's expiry alert pending for a certificate with 3 days left. Non-loopback
# addresses are refused, and a flood of connections leaves the endpoint answering.
source "$(dirname "$0")/../cli-common.sh"

command -v promtool >/dev/null || fail "promtool is not installed (scripts/install-deps.sh installs prometheus)"
command -v prometheus >/dev/null || fail "prometheus is not installed (scripts/install-deps.sh installs it)"
FAIL_LOGS+=("$TEST_DIR")
name=metrics.example.com
issue -d "$name" >"$TEST_DIR/issue.out" 2>&1 || fail "issue: $(cat "$TEST_DIR/issue.out")"
ck ca init >/dev/null || fail "ca init"
ck issue --ca certkeep-ca -d internal.test >/dev/null || fail "private CA issuance"

# 1. The textfile: atomic, readable by node_exporter, valid, no timestamps, the right values,
#    and the ACME requests of the run (a forced renewal against Pebble).
prom_dir="$TEST_DIR/textfile"
mkdir -p "$prom_dir"
ck renew --force --name "$name" --metrics-file "$prom_dir/certkeep.prom" >"$TEST_DIR/renew.out" 2>&1 ||
  fail "renew: $(cat "$TEST_DIR/renew.out")"
not_after=$(date -d "$(openssl x509 -in "$STATE/live/$name/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
# Pebble's URLs: /nonce-plz, /order-plz, /finalize-order/ID, … become endpoint labels.
for endpoint in directory nonce-plz order-plz finalize-order; do
  grep -q "^certkeep_acme_client_requests_total{host=\"127.0.0.1:[0-9]*\",endpoint=\"$endpoint\",method=\"[A-Z]*\",status=\"20[01]\"} [1-9]" \
    "$prom_dir/certkeep.prom" || fail "no request to $endpoint counted: $(grep requests_total "$prom_dir/certkeep.prom")"
done
grep -q '^certkeep_acme_client_request_duration_seconds_bucket{.*le="+Inf"} [1-9]' "$prom_dir/certkeep.prom" ||
  fail "no request duration histogram"
grep -q '^certkeep_renewals_total{result="renewed"} 1$' "$prom_dir/certkeep.prom" || fail "the renewal is not counted"
[ "$(file_mode "$prom_dir/certkeep.prom")" = 644 ] || fail "textfile mode $(file_mode "$prom_dir/certkeep.prom"), want 644"
[ "$(find "$prom_dir" -type f | wc -l)" = 1 ] || fail "temporary files left beside the textfile: $(ls -a "$prom_dir")"
promtool check metrics <"$prom_dir/certkeep.prom" >"$TEST_DIR/promtool.out" 2>&1 ||
  fail "promtool check metrics refuses the textfile: $(cat "$TEST_DIR/promtool.out")"
# No sample carries a timestamp: each sample line is NAME{…} VALUE and nothing after.
if grep -vE '^#' "$prom_dir/certkeep.prom" | grep -qvE '^[a-z_]+(\{[^}]*\})? [-+0-9.eInfa]+$'; then
  fail "a sample line has more than a value: $(grep -vE '^#' "$prom_dir/certkeep.prom" | grep -vE '^[a-z_]+(\{[^}]*\})? [-+0-9.eInfa]+$' | head -3)"
fi
issuer=${CERTKEEP_TEST_DIRECTORY_URL#https://}
issuer=${issuer%%/*}
grep -qxF "certkeep_certificate_expiration_timestamp_seconds{name=\"$name\",issuer=\"$issuer\"} $not_after" \
  "$prom_dir/certkeep.prom" ||
  fail "the textfile does not give $name's notAfter $not_after: $(grep expiration "$prom_dir/certkeep.prom")"
grep -q 'certkeep_certificate_ready_status{name="internal.test",issuer="private-ca/certkeep-ca",condition="True"} 1' \
  "$prom_dir/certkeep.prom" || fail "the private-CA lineage is not ready: $(grep ready_status "$prom_dir/certkeep.prom")"
pass "renew --metrics-file: an atomic 0644 textfile that promtool accepts, without timestamps, with the run's ACME requests"

# 2. The README's alert rules.
awk '/<!-- alert-rules/ { found = 1; next } found && /^```yaml/ { inside = 1; next } inside && /^```/ { exit }
     inside { print }' "$(dirname "$0")/../../README.md" >"$TEST_DIR/rules.yml"
grep -q CertkeepCertificateExpiresSoon "$TEST_DIR/rules.yml" || fail "no alert rules found in README.md"
promtool check rules "$TEST_DIR/rules.yml" >"$TEST_DIR/rules.out" 2>&1 ||
  fail "promtool check rules refuses README's rules: $(cat "$TEST_DIR/rules.out")"
grep -q "SUCCESS: 2 rules found" "$TEST_DIR/rules.out" || fail "promtool: $(cat "$TEST_DIR/rules.out")"
pass "promtool check rules accepts README.md's two alert rules"

# 3. The daemon's endpoint: loopback only, then served.
for bad in "0.0.0.0:9" ":9" "192.0.2.1:9"; do
  status=0
  ck daemon --metrics-listen "$bad" >"$TEST_DIR/bad.out" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "--metrics-listen $bad: exit $status, want 2: $(cat "$TEST_DIR/bad.out")"
  grep -q "not a loopback address" "$TEST_DIR/bad.out" || fail "--metrics-listen $bad: $(cat "$TEST_DIR/bad.out")"
done
metrics_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
ck daemon --metrics-listen "127.0.0.1:$metrics_port" >"$TEST_DIR/daemon.log" 2>&1 &
daemon_pid=$!
TEST_PIDS+=("$daemon_pid")
pt_wait_url "http://127.0.0.1:$metrics_port/metrics" --pid "$daemon_pid" || fail "no /metrics from the daemon"
curl -fsS --noproxy '*' -D "$TEST_DIR/headers" "http://127.0.0.1:$metrics_port/metrics" >"$TEST_DIR/scrape.prom" ||
  fail "scrape failed"
grep -qi '^content-type: text/plain; version=0.0.4' "$TEST_DIR/headers" || fail "content type: $(cat "$TEST_DIR/headers")"
promtool check metrics <"$TEST_DIR/scrape.prom" >"$TEST_DIR/promtool.out" 2>&1 ||
  fail "promtool check metrics refuses the scrape: $(cat "$TEST_DIR/promtool.out")"
grep -q "certkeep_certificate_expiration_timestamp_seconds{name=\"$name\",.*} $not_after\$" "$TEST_DIR/scrape.prom" ||
  fail "the scrape does not give $name's notAfter"
[ "$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "http://127.0.0.1:$metrics_port/other")" = 404 ] ||
  fail "a path other than /metrics is answered"
pass "daemon --metrics-listen: loopback only; /metrics accepted by promtool check metrics"

# 4. A real Prometheus scrapes it and answers for the lineage's expiry; the expiry alert is
#    pending for the certificate with 3 days left.
prom_port=$(pt_reserve_port "$TEST_DIR") || fail "no free port"
mkdir -p "$TEST_DIR/prometheus"
cat >"$TEST_DIR/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TEST_DIR/rules.yml
scrape_configs:
  - job_name: certkeep
    static_configs:
      - targets: ['127.0.0.1:$metrics_port']
YAML
prometheus --config.file="$TEST_DIR/prometheus/prometheus.yml" --storage.tsdb.path="$TEST_DIR/prometheus/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$TEST_DIR/prometheus.log" 2>&1 &
prom_pid=$!
TEST_PIDS+=("$prom_pid")
pt_wait_url "http://127.0.0.1:$prom_port/-/ready" --pid "$prom_pid" || fail "Prometheus did not get ready"
query() {
  curl -fsS --noproxy '*' "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    jq -r '.data.result[0].value[1] // ""'
}
answer=""
for _ in $(seq 150); do
  answer=$(query "certkeep_certificate_expiration_timestamp_seconds{name=\"$name\"}")
  [ -n "$answer" ] && break
  sleep 0.2
done
[ "$answer" = "$not_after" ] || fail "Prometheus answers '$answer' for $name's expiry, want $not_after (notAfter)"
pass "a real Prometheus scraped the daemon: $name expires at $answer, the certificate's notAfter"
alert=""
for _ in $(seq 100); do
  alert=$(curl -fsS --noproxy '*' "http://127.0.0.1:$prom_port/api/v1/alerts" |
    jq -r --arg n "$name" '.data.alerts[] | select(.labels.alertname == "CertkeepCertificateExpiresSoon" and .labels.name == $n) | .state')
  [ -n "$alert" ] && break
  sleep 0.2
done
[ "$alert" = pending ] || fail "the expiry alert for $name (3 days left) is '$alert', want pending"
pass "README's expiry rule, loaded into Prometheus, holds $name (3 days left) pending"

# 5. A flood of connections (more than the endpoint takes at once) leaves it answering.
for _ in $(seq 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$metrics_port" && sleep 1) 2>/dev/null &
done
for _ in $(seq 50); do curl -s -o /dev/null --max-time 2 --noproxy '*' "http://127.0.0.1:$metrics_port/metrics" & done
wait_pids=$(jobs -p | grep -vxF -e "$daemon_pid" -e "$prom_pid" || true)
# shellcheck disable=SC2086 # one PID per word
[ -z "$wait_pids" ] || wait $wait_pids 2>/dev/null || true
kill -0 "$daemon_pid" || fail "the daemon died under the flood: $(tail -5 "$TEST_DIR/daemon.log")"
ok=""
for _ in $(seq 100); do
  curl -fsS --max-time 2 --noproxy '*' -o /dev/null "http://127.0.0.1:$metrics_port/metrics" && { ok=1; break; }
  sleep 0.1
done
[ -n "$ok" ] || fail "/metrics does not answer after the flood"
pass "250 connections at once: the endpoint stays bounded and answers again at once"
pt_release_ports "$TEST_DIR"
