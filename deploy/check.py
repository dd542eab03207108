"""The checks of deploy/check that need Python: compose files, the chart, the dashboard."""

import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "helm"))
import render  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHART = os.path.join(HERE, "helm", "switchboard")
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL: {msg}")


def check_compose():
    with open(os.path.join(HERE, "docker-compose.yml")) as f:
        stack = yaml.safe_load(f)
    services = stack["services"]
    for name in ("web", "worker", "postgres", "redis", "migrate"):
        if name not in services:
            fail(f"docker-compose.yml has no {name} service")
    for name in ("web", "worker"):
        svc = services[name]
        if svc.get("command") != [name]:
            fail(f"{name} does not run `switchboard {name}`")
        deps = svc.get("depends_on", {})
        if deps.get("postgres", {}).get("condition") != "service_healthy":
            fail(f"{name} does not wait for a healthy postgres")
        if deps.get("migrate", {}).get("condition") != "service_completed_successfully":
            fail(f"{name} does not wait for the migration")
        if "healthcheck" not in svc:
            fail(f"{name} has no healthcheck")
    for name in ("postgres", "redis"):
        if "healthcheck" not in services[name]:
            fail(f"{name} has no healthcheck")
    if "pgvector" not in services["postgres"]["image"]:
        fail("postgres is not the pgvector image")
    if "--appendonly yes" not in " ".join(services["redis"]["command"]):
        fail("redis does not persist (appendonly)")
    with open(os.path.join(HERE, "docker-compose.embedded.yml")) as f:
        embedded = yaml.safe_load(f)
    (only,) = embedded["services"].values()
    if only.get("command") != ["serve"]:
        fail("the embedded variant does not run `serve`")
    print("compose files: ok")


def docs_of(text):
    return [d for d in yaml.safe_load_all(text) if d]


def check_manifests(label, docs):
    kinds = {}
    for d in docs:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in d:
                fail(f"{label}: a document has no {key}")
                return {}
        name = d["metadata"].get("name", "")
        if not DNS1123.match(name) or len(name) > 63:
            fail(f"{label}: {d['kind']} name '{name}' is not a DNS-1123 label")
        kinds.setdefault(d["kind"], []).append(d)
        if d["kind"] in ("Deployment", "StatefulSet"):
            sel = d["spec"]["selector"]["matchLabels"]
            labels = d["spec"]["template"]["metadata"]["labels"]
            if any(labels.get(k) != v for k, v in sel.items()):
                fail(f"{label}: {name}'s selector does not match its pods")
        if d["kind"] in ("Deployment", "StatefulSet", "Job"):
            pod = d["spec"]["template"]["spec"]
            for c in pod["containers"]:
                if not c.get("image"):
                    fail(f"{label}: {name}/{c['name']} has no image")
                ports = {p["name"] for p in c.get("ports", [])}
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    port = c.get(probe, {}).get("httpGet", {}).get("port")
                    if isinstance(port, str) and port not in ports:
                        fail(f"{label}: {name} {probe} names port {port} it does not have")
                for e in c.get("env", []):
                    ref = e.get("valueFrom", {}).get("secretKeyRef")
                    if ref is not None and not (ref.get("name") and ref.get("key")):
                        fail(f"{label}: {name} env {e['name']} has an incomplete secretKeyRef")
                mounts = {m["name"] for m in c.get("volumeMounts", [])}
                vols = {v["name"] for v in pod.get("volumes", [])}
                if d["kind"] != "StatefulSet" and not mounts <= vols:
                    fail(f"{label}: {name} mounts volumes it does not declare: {mounts - vols}")
    for svc in kinds.get("Service", []):
        sel = svc["spec"]["selector"]
        if not any(
            all(w["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in sel.items())
            for w in kinds.get("Deployment", []) + kinds.get("StatefulSet", [])
        ):
            fail(f"{label}: Service {svc['metadata']['name']} selects no pods")
    return kinds


def render_case(label, sets, expect_error=None):
    try:
        text = render.render_chart(CHART, sets=sets)
    except render.TemplateError as e:
        if expect_error and expect_error in str(e):
            print(f"chart [{label}]: refused as expected ({e})")
            return None, None
        fail(f"{label}: {e}")
        return None, None
    if expect_error:
        fail(f"{label}: rendered although it should fail with '{expect_error}'")
        return None, None
    docs = docs_of(text)
    kinds = check_manifests(label, docs)
    print(f"chart [{label}]: {len(docs)} manifests: " + ", ".join(
        f"{k}×{len(v)}" for k, v in sorted(kinds.items())))
    return text, kinds


def env_of(deployment):
    return {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}


def check_chart():
    with open(os.path.join(CHART, "values.schema.json")) as f:
        schema = json.load(f)
    with open(os.path.join(CHART, "values.yaml")) as f:
        jsonschema.validate(yaml.safe_load(f), schema)

    # Defaults with an existing database secret.
    _, kinds = render_case("defaults", ["database.existingSecret.name=switchboard-db"])
    if kinds:
        deps = {d["metadata"]["name"]: d for d in kinds["Deployment"]}
        web, worker = deps.get("switchboard-web"), deps.get("switchboard-worker")
        if not web or not worker:
            fail("defaults: web and worker Deployments missing")
        else:
            c = web["spec"]["template"]["spec"]["containers"][0]
            if c["args"] != ["web"] or worker["spec"]["template"]["spec"]["containers"][0]["args"] != ["worker"]:
                fail("defaults: web/worker commands")
            if c["readinessProbe"]["httpGet"]["path"] != "/health/ready":
                fail("defaults: readiness is not /health/ready")
            if c["livenessProbe"]["httpGet"]["path"] != "/health":
                fail("defaults: liveness is not /health")
        if len(kinds.get("Job", [])) != 1:
            fail("defaults: no migration job")
        elif "pre-upgrade" not in kinds["Job"][0]["metadata"]["annotations"]["helm.sh/hook"]:
            fail("defaults: the migration job is not an upgrade hook")
        if kinds.get("PodDisruptionBudget") is None:
            fail("defaults: no PodDisruptionBudget for web")

    # Everything on: CloudNativePG with backups, Redis, ingress with public paths, HPAs.
    _, kinds = render_case("full", [
        "cnpg.enabled=true", "cnpg.backup.enabled=true",
        "cnpg.backup.destinationPath=s3://backups/switchboard",
        "cnpg.backup.endpointURL=https://s3.example.com",
        "redis.enabled=true", "ingress.enabled=true", "ingress.className=nginx",
        "ingress.public.enabled=true", "ingress.public.host=widget.example.com",
        "web.autoscaling.enabled=true", "worker.autoscaling.enabled=true",
        "persistence.enabled=true", "podMonitor.enabled=true",
    ])
    if kinds:
        (cluster,) = kinds["Cluster"]
        web = next(d for d in kinds["Deployment"] if d["metadata"]["name"].endswith("-web"))
        db = env_of(web)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        if db != {"name": f"{cluster['metadata']['name']}-app", "key": "uri"}:
            fail(f"full: DATABASE_URL does not come from CloudNativePG's app secret: {db}")
        if "barmanObjectStore" not in cluster["spec"].get("backup", {}):
            fail("full: the cluster has no object-store backups")
        if not kinds.get("ScheduledBackup"):
            fail("full: no ScheduledBackup")
        if env_of(web)["REDIS_URL"]["value"] != "redis://switchboard-redis:6379":
            fail("full: REDIS_URL does not point at the chart's Redis")
        if "replicas" in web["spec"]:
            fail("full: replicas set although the HPA owns them")
        ingresses = {i["metadata"]["name"]: i for i in kinds["Ingress"]}
        public = ingresses.get("switchboard-public")
        if not public:
            fail("full: no public Ingress")
        else:
            paths = [p["path"] for p in public["spec"]["rules"][0]["http"]["paths"]]
            if "/cable" not in paths or "/widget" not in paths:
                fail(f"full: public paths {paths}")
            if public["spec"]["tls"][0]["hosts"] != ["widget.example.com"]:
                fail("full: public Ingress TLS host")
        if len(kinds.get("HorizontalPodAutoscaler", [])) != 2:
            fail("full: HPAs")
        if not kinds.get("PersistentVolumeClaim"):
            fail("full: no uploads volume claim")

    # No database at all is refused with a clear message.
    render_case("no database", [], expect_error="database.existingSecret.name")
    render_case("backups without a destination", [
        "cnpg.enabled=true", "cnpg.backup.enabled=true"], expect_error="cnpg.backup.destinationPath")

    if shutil.which("helm"):
        out = subprocess.run(
            ["helm", "template", "switchboard", CHART, "--set", "database.existingSecret.name=pg"],
            capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"helm template: {out.stderr}")
        else:
            check_manifests("helm template", docs_of(out.stdout))
            if shutil.which("kubeconform"):
                k = subprocess.run(["kubeconform", "-strict", "-ignore-missing-schemas", "-summary"],
                                   input=out.stdout, capture_output=True, text=True)
                print(k.stdout)
                if k.returncode != 0:
                    fail(f"kubeconform: {k.stdout}{k.stderr}")


def check_dashboard():
    with open(os.path.join(HERE, "grafana-dashboard.json")) as f:
        dash = json.load(f)
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    if not exprs:
        fail("the dashboard has no queries")
    for e in exprs:
        if "switchboard_" not in e:
            fail(f"dashboard query reads none of our metrics: {e}")
    print(f"grafana dashboard: {len(dash['panels'])} panels")


check_compose()
check_chart()
check_dashboard()
if failures:
    print(f"{len(failures)} deployment check(s) failed")
    sys.exit(1)
print("deployment checks: ok")
