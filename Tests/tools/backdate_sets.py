"""Test fixture for the report page's charts: copies the real sets of
BACKUP_DIR (a chain: a full set and its incrementals) once per earlier day,
DAYS days back, each copy's manifest moved in time (its id, times, parent
and base; MongoDB's oplog window shifted alike) and its counts and sizes
scaled down the further back it goes, so the charts have a history of
growth to draw. The artifacts are the real ones, byte for byte; only the
copies' manifests differ from what a backup on that day would have
written. Used by ReportChartsTests only.

    python3 backdate_sets.py BACKUP_DIR DAYS
"""
import datetime, json, os, random, shutil, sys

root, days = sys.argv[1], int(sys.argv[2])
random.seed(5)
originals = sorted(name for name in os.listdir(root) if os.path.exists(os.path.join(root, name, "manifest.json")))
manifests = {name: json.load(open(os.path.join(root, name, "manifest.json"))) for name in originals}

def parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

def fmt(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)

for day in range(1, days + 1):
    shift = datetime.timedelta(days=day)
    scale = 1 - day / (days * 2.5)
    renamed = {}
    for name in originals:
        m = json.loads(json.dumps(manifests[name]))
        started = parse(m["startedAt"]) - shift
        kind = name.split("-")[1]
        new = started.strftime("%Y%m%dT%H%M%SZ") + "-" + kind + "-" + "%04x" % random.randrange(65536)
        renamed[name] = new
        m["id"] = new
        m["startedAt"] = fmt(started)
        m["finishedAt"] = fmt(parse(m["finishedAt"]) - shift)
        for field in ("parent", "base"):
            if m.get(field):
                m[field] = renamed.get(m[field], m[field])
        for artifact in m["artifacts"]:
            if artifact.get("deltaOf"):
                artifact["deltaOf"] = renamed.get(artifact["deltaOf"], artifact["deltaOf"])
            if artifact.get("seconds"):
                artifact["seconds"] = round(artifact["seconds"] * (0.6 + 0.8 * random.random()), 3)
            mongo = artifact.get("mongo")
            if mongo:
                for ns in mongo["namespaces"]:
                    ns["documents"] = int(ns["documents"] * scale)
                if mongo.get("oplog"):
                    for end in ("start", "end"):
                        mongo["oplog"][end]["seconds"] -= int(shift.total_seconds())
            tree = artifact.get("tree")
            if tree and not artifact.get("delta"):
                tree["files"] = max(1, round(tree["files"] * scale)) if tree["files"] else 0
        folder = os.path.join(root, new)
        shutil.copytree(os.path.join(root, name), folder)
        for extra in ("verification.json",):
            if os.path.exists(os.path.join(folder, extra)):
                os.remove(os.path.join(folder, extra))
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            json.dump(m, f, indent=2, sort_keys=True)
print(len(originals) * days)
