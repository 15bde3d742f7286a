#!/usr/bin/env python3
# Writes docs/schemas/*.schema.json, the JSON Schema of each command's --json
# output (docs/json.md). Edit here, run it, commit both.
import json, os
S = "https://json-schema.org/draft/2020-12/schema"
def obj(req, props, extra=True):
    return {"type": "object", "required": req, "properties": props, **({} if extra else {"additionalProperties": False})}
def arr(items): return {"type": "array", "items": items}
string = {"type": "string"}; nstring = {"type": ["string", "null"]}
date = {"type": "string", "format": "date-time"}; ndate = {"type": ["string", "null"], "format": "date-time"}
integer = {"type": "integer"}; number = {"type": "number"}; boolean = {"type": "boolean"}
setid = {"type": "string", "pattern": "^[0-9]{8}T[0-9]{6}Z-(full|incr)-[0-9a-f]{4}$"}
component = {"enum": ["mongo", "redis", "files", "config", "code"]}
def schema(name, title, req, props):
    s = {"$schema": S, "$id": f"https://lifeboat.invalid/schemas/{name}.schema.json", "title": title,
         **obj(["schema"] + req, {"schema": {"const": f"lifeboat.{name}/1"}, **props})}
    return s
anomaly = obj(["component"], {"component": string})
schemas = {
 "backup": schema("backup", "lifeboat backup --json: the new set", ["id", "kind", "startedAt", "finishedAt", "storedBytes", "artifacts", "tiers", "anomalies"], {
    "id": setid, "kind": {"enum": ["full", "incr"]}, "parent": {"oneOf": [setid, {"type": "null"}]}, "base": {"oneOf": [setid, {"type": "null"}]},
    "label": nstring, "startedAt": date, "finishedAt": date, "storedBytes": integer,
    "artifacts": arr(obj(["component", "file", "rawBytes", "storedBytes", "encrypted"], {"component": component, "file": string, "rawBytes": integer, "storedBytes": integer, "encrypted": boolean})),
    "tiers": arr(string), "anomalies": arr(anomaly), "copyFailed": nstring}),
 "list": schema("list", "lifeboat list --json: the complete sets of every tier", ["sets", "incomplete"], {
    "sets": arr(obj(["id", "tier", "tiers", "kind", "created", "finished", "storedBytes", "components", "verification", "verificationByTier", "damagedComponents", "anomalies"], {
        "id": setid, "tier": string, "tiers": arr(string), "kind": {"enum": ["full", "incr"]}, "parent": setid, "base": setid, "label": string,
        "created": date, "finished": date, "storedBytes": integer, "components": arr(component),
        "verification": {"enum": ["unverified", "passed", "failed", "not-checked"]}, "verificationByTier": {"type": "object", "additionalProperties": string},
        "verifiedAt": date, "verificationDepth": {"enum": ["quick", "deep"]}, "damagedComponents": arr(component), "anomalies": arr(anomaly),
        "versions": {"type": "object", "additionalProperties": string}})),
    "incomplete": arr(obj(["tier", "id"], {"tier": string, "id": string}))}),
 "verify": schema("verify", "lifeboat verify --json: each artifact's verdict", ["id", "tier", "state", "depth", "artifacts", "problems", "unchecked"], {
    "id": setid, "tier": string, "state": {"enum": ["passed", "failed", "not-checked"]}, "depth": {"enum": ["quick", "deep"]},
    "artifacts": arr(obj(["component", "file", "expectedBytes", "expectedSHA256", "problems", "state"], {"component": component, "file": string, "expectedBytes": integer, "foundBytes": integer,
        "expectedSHA256": string, "foundSHA256": string, "problems": arr(string), "notChecked": string, "state": {"enum": ["passed", "failed", "not-checked"]}})),
    "deepMongo": arr({"type": "object"}), "unchecked": arr(string), "problems": arr(string)}),
 "restore": schema("restore", "lifeboat restore --json: what came back where", ["set", "restored", "notRestored", "keptPrevious", "notes"], {
    "set": setid, "restored": arr(obj(["component", "to"], {"component": component, "to": string})),
    "notRestored": arr(obj(["component", "error"], {"component": component, "error": string})),
    "keptPrevious": arr(string), "notes": arr(string), "pointInTime": nstring}),
 "prune": schema("prune", "lifeboat prune --json: each set's fate per tier", ["decisions", "incomplete"], {
    "decisions": arr(obj(["id", "tier", "action", "reason", "storedBytes"], {"id": setid, "tier": string, "action": {"enum": ["keep", "delete"]}, "reason": string, "storedBytes": integer})),
    "incomplete": arr({"type": "object"})}),
 "costs": schema("costs", "lifeboat report --costs --json: storage costs per tier", ["currency", "pricesFrom", "tiers", "totalPerMonth", "problems"], {
    "currency": string, "pricesFrom": string, "totalPerMonth": number, "problems": arr(string),
    "tiers": arr(obj(["tier", "storageClass", "sets", "storedBytes", "objects", "writtenLast30DaysBytes", "writtenLast30DaysObjects", "retentionDays",
                      "storagePerMonth", "requestsPerMonth", "steadyStateBytes", "steadyStatePerMonth", "keptOnlyByKeepRulesBytes", "keptOnlyByKeepRulesPerMonth",
                      "halvedRetentionFreesBytes", "halvedRetentionSavesPerMonth", "minimumStorageDays", "retrievalOfNewestSet", "notes"], {
        "tier": string, "storageClass": string, "sets": integer, "storedBytes": integer, "objects": integer,
        "writtenLast30DaysBytes": integer, "writtenLast30DaysObjects": integer, "retentionDays": integer,
        "storagePerMonth": number, "requestsPerMonth": number, "steadyStateBytes": integer, "steadyStatePerMonth": number,
        "keptOnlyByKeepRulesBytes": integer, "keptOnlyByKeepRulesPerMonth": number, "halvedRetentionFreesBytes": integer, "halvedRetentionSavesPerMonth": number,
        "minimumStorageDays": integer, "retrievalOfNewestSet": {"type": "object", "additionalProperties": number}, "notes": arr(string)}))}),
 "audit": schema("audit", "lifeboat audit --json: the audit records of every tier, merged", ["since", "records", "sources", "problems"], {
    "since": date, "sources": {"type": "object", "additionalProperties": integer}, "problems": arr(string),
    "records": arr(obj(["id", "time", "operation", "sets", "tiers", "components", "who", "command", "result", "exitStatus"], {
        "id": string, "time": date, "operation": {"enum": ["restore", "verify", "copy", "prune", "thaw", "rebuild", "drill"]},
        "sets": arr(string), "tiers": arr(string), "components": arr(string),
        "who": obj(["uid", "host"], {"uid": integer, "user": string, "host": string, "container": string}),
        "command": arr(string), "result": {"enum": ["ok", "failed"]}, "exitStatus": integer, "message": string}))}),
 "alert-test": schema("alert-test", "lifeboat alert test --json: each channel's result", ["host", "channels"], {
    "host": string, "project": nstring,
    "channels": arr(obj(["channel", "target", "delivered"], {"channel": {"enum": ["webhook", "email", "heartbeat"]}, "target": string, "delivered": boolean, "problem": nstring}))}),
 "copy": schema("copy", "lifeboat copy --json: the tiers holding the set now", ["set", "tiers"], {"set": setid, "tiers": arr(string)}),
 "thaw": schema("thaw", "lifeboat thaw --json: each artifact's archive state", ["set", "artifacts", "readable"], {
    "set": setid, "readable": boolean, "artifacts": arr(obj(["file", "state"], {"file": string, "state": {"enum": ["readable", "archived", "restoring", "restored"]}}))}),
 "rebuild": schema("rebuild", "lifeboat rebuild --json: the steps of a disaster recovery", ["purpose", "startedAt", "dryRun", "succeeded", "steps", "checks", "problems", "nextSteps"], {
    "purpose": string, "setID": string, "tier": string, "startedAt": date, "finishedAt": date, "dryRun": boolean, "succeeded": boolean, "resumed": boolean, "rtoSeconds": number, "dataPointInTime": date, "applicationCode": string,
    "steps": arr(obj(["name", "outcome", "seconds", "detail"], {"name": string, "outcome": string, "seconds": number, "detail": string})),
    "checks": arr(string), "problems": arr(string), "nextSteps": arr(string)}),
 "config": schema("config", "lifeboat config --json: every variable as resolved (secrets redacted)", ["variables", "schedules", "components", "warnings", "problems", "valid"], {
    "variables": arr(obj(["name", "origin", "secret"], {"name": string, "value": nstring, "origin": {"enum": ["command line", "environment", "file", "default", "unset"]}, "file": nstring, "secret": boolean})),
    "schedules": arr(obj(["variable", "cron", "kind", "nextRuns"], {"variable": string, "cron": string, "kind": string, "nextRuns": arr(date)})),
    "components": arr(component), "warnings": arr(string), "problems": arr(string), "valid": boolean}),
 "report": schema("report", "lifeboat report --json: health, tiers and next runs", ["healthy", "reason", "tiers", "nextRuns"], {
    "healthy": boolean, "reason": string, "lastSuccess": {"type": ["object", "null"]}, "lastFailure": {"type": ["object", "null"]},
    "tiers": arr(obj(["name", "location", "sets", "storedBytes"], {"name": string, "location": string, "sets": arr(setid), "storedBytes": integer, "problem": nstring})),
    "nextRuns": arr(obj(["variable", "cron", "runs"], {"variable": string, "cron": string, "runs": arr(date)}))}),
 "doctor": schema("doctor", "lifeboat doctor --json: every check's finding", ["generatedAt", "findings", "counts", "exitCode"], {
    "generatedAt": date, "exitCode": {"enum": [0, 1, 3]},
    "counts": obj(["OK", "WARN", "FAIL", "NOT CHECKED"], {k: integer for k in ["OK", "WARN", "FAIL", "NOT CHECKED"]}),
    "findings": arr(obj(["area", "check", "status", "found"], {"area": string, "check": string, "status": {"enum": ["OK", "WARN", "FAIL", "NOT CHECKED"]}, "found": string, "fix": string}))}),
 "status": schema("status", "lifeboat status --json: the whole stack", ["generatedAt", "attention", "components", "tiers", "running", "service"], {
    "generatedAt": date, "attention": arr(string),
    "components": arr(obj(["component", "source"], {"component": component,
        "source": obj(["component", "variable", "enabled", "detail"], {"component": component, "variable": string, "enabled": boolean, "reachable": boolean, "detail": string}),
        "lastBackup": obj(["set", "kind", "finishedAt", "ageSeconds", "storedBytes", "tiers", "verification"], {"set": setid, "kind": string, "label": string, "finishedAt": date, "ageSeconds": number,
            "storedBytes": integer, "tiers": arr(string), "verification": string, "verificationDepth": {"enum": ["quick", "deep"]}, "verifiedAt": date}),
        "nextRun": date, "nextRunSchedule": string})),
    "pointInTime": obj(["tier", "chains", "gaps"], {"tier": string, "chains": arr(obj(["base", "from", "to"], {"base": setid, "from": date, "to": date})), "gaps": arr(string),
        "newestSlice": setid, "newestSliceEnd": date, "sliceLagSeconds": number}),
    "tiers": arr(obj(["name", "location", "reachable", "sets", "storedBytes"], {"name": string, "location": string, "reachable": boolean, "problem": string, "sets": integer, "storedBytes": integer,
        "oldest": setid, "newest": setid, "nextPruneRemoves": arr(setid), "nextPruneFreesBytes": integer})),
    "running": obj(["interrupted"], {"lockHolder": string, "interrupted": arr(string)}),
    "service": obj(["health", "healthy"], {"health": string, "healthy": boolean})}),
}
schemas["drill"] = json.loads(json.dumps(schemas["rebuild"]).replace("lifeboat.rebuild/1", "lifeboat.drill/1").replace("rebuild.schema", "drill.schema").replace("lifeboat rebuild --json: the steps of a disaster recovery", "lifeboat drill --json: the rebuild into a throw-away project, and its checks"))
for name, s in schemas.items():
    with open(f"docs/schemas/{name}.schema.json", "w") as f:
        json.dump(s, f, indent=2, sort_keys=False); f.write("\n")
print(len(schemas))
