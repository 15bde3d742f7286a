#!/usr/bin/env bash
# Validates docker-compose.prod.yml with Debian's docker-compose (1.29) in
# a scratch copy of a deployment folder (the .env.production, nginx.conf and
# secret files it names, as stubs), and prints the resolved backup service.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker-compose >/dev/null || apt-get install -y -qq docker-compose >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp docker-compose.prod.yml docker-compose.drill.yml Dockerfile.backup "$work/"
mkdir -p "$work/nginx" "$work/secrets"
echo "NODE_ENV=production" > "$work/.env.production"
echo "events {}" > "$work/nginx/nginx.conf"
for secret in mongo_root_password mongo_uri redis_password redis_url aws_secret_access_key alert_webhook_url; do echo stub > "$work/secrets/$secret"; done
AWS_S3_BUCKET=alawael-backups AWS_ACCESS_KEY_ID=AKIAEXAMPLE docker-compose -f "$work/docker-compose.prod.yml" config > "$work/resolved.yml"
python3 - "$work/resolved.yml" <<'PY'
import sys
text = open(sys.argv[1]).read()
for needle in ["backup:", "dockerfile: Dockerfile.backup", "BACKUP_SCHEDULE: 0 2 * * *", "AWS_S3_BUCKET: alawael-backups",
               "backup-data:", "/var/run/docker.sock", 'lifeboat.stop-during-restore: "true"', "uploads:/data/uploads", "MONGO_URI_FILE"]:
    assert needle in text, f"the resolved compose file lacks {needle!r}"
assert "version:" not in open(sys.argv[1].replace("resolved.yml", "docker-compose.prod.yml")).read().split("services:")[0], "obsolete version: key"
for needle in ["--replSet", "--keyFile", "rs.initiate", "condition: service_healthy", "REDIS_URL_FILE", "requirepass"]:
    assert needle in text, f"the resolved compose file lacks {needle!r}"
print("docker-compose.prod.yml: valid; backup service resolved with its schedule, bucket, volumes, socket and secrets;"
      " MongoDB a replica set with a keyFile and an initiating health check, Redis with a password secret, health-gated start order")
PY
# The drill's project: the same stack with its overrides, no nginx and no
# backup service of its own, and on no network of production's (Lifeboat
# attaches its data services under drill-* names while a drill runs).
AWS_S3_BUCKET=alawael-backups AWS_ACCESS_KEY_ID=AKIAEXAMPLE docker-compose -p drill -f "$work/docker-compose.prod.yml" -f "$work/docker-compose.drill.yml" config > "$work/drill.yml"
python3 - "$work/drill.yml" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
services = config["services"]
for name in ["nginx", "backup"]:
    assert services[name].get("profiles") == ["never"], f"the drill project would create {name}"
services = {name: service for name, service in services.items() if "profiles" not in service}
assert services["mongodb"]["environment"]["REPLICA_SET_HOST"] == "drill-mongodb:27017"
for name, service in services.items():
    assert set((service.get("networks") or {"default": None}).keys()) == {"default"}, f"the drill's {name} joins a network besides its own"
assert all(not network.get("external") for network in (config.get("networks") or {}).values()), "the drill project names an external network"
print("docker-compose.drill.yml: valid; the drill project has", ", ".join(sorted(services)), "on its own network only")
PY
