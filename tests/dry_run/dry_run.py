#!/usr/bin/env python3
"""Send everything capiform renders to a real API server as a server-side dry run.

    dry_run.py --bin CAPIFORM --kubeconfig FILE [--cases DIR]... [--fuzz-seed S --fuzz-count N]
               [--jobs N] [--verbose]

Each case folder (`values.yaml`, optional `case.yaml` with `release`, `namespace`,
`existing`, `templateVersion`, `set`, `setString`, `setJson`, `setLiteral`, as the golden
and parity cases have) is rendered with `capiform render`, and then:

- every rendered object is created with `?dryRun=All&fieldValidation=Strict` in the case's
  namespace (created for real when missing): the API server's validation, defaulting, the
  CRDs' schemas and the Cluster API and CAPO webhooks all run, nothing is stored;
- every manifest template of a `Manifests` object (the objects the addon provider applies
  to the workload cluster: storage classes, Secrets, ConfigMaps, Services, RBAC ...), given
  inline or in a Secret of the same render (the custom addons' manifests), is evaluated as
  the addon provider evaluates it (Jinja, with a stand-in `cluster`,
  `infra_cluster` and `cloud_identity`), and each object in it is dry-run the same way,
  namespaced ones in the scratch namespace `capiform-dry-run-workload`;
- objects of kinds the API server does not serve (Calico's, the Prometheus operator's ...)
  are listed by kind: neither the server nor the project has their schemas.

Cases with `expected-error.txt` are skipped (capiform refuses them, as the golden and
parity tests check). With `--fuzz-seed`, `--fuzz-count` values drawn by the parity corpus's
generator (`../shared/parity/fuzz_values.py`, imported) are rendered the same way: a draw
that capiform refuses with a message is fine; one it renders must be accepted whole.

A refusal whose line contains a pattern of `--known` (default
`tests/dry_run/known-refusals.txt`: `PATTERN | why`, one a line) is counted by pattern and
does not fail the run: each such line is a class of refusal found and not fixed yet, to be
removed with its fix. Exit status 0 when nothing else was refused, 1 otherwise (every
refusal printed with its case, object and the API server's message), 2 on usage errors.
Standard library, PyYAML and Jinja2 only.
"""

import argparse
import base64
import collections
import concurrent.futures
import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.parse

import jinja2
import yaml

WORKLOAD_NAMESPACE = "capiform-dry-run-workload"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ------------------------------------------------------------------------------------------
# The API server
# ------------------------------------------------------------------------------------------

class Api:
    """A client of one API server from a kubeconfig with client certificate data (one
    keep-alive connection per thread)."""

    def __init__(self, kubeconfig):
        with open(kubeconfig) as f:
            config = yaml.safe_load(f)
        current = config.get("current-context") or config["contexts"][0]["name"]
        context = next(c["context"] for c in config["contexts"] if c["name"] == current)
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        url = urllib.parse.urlsplit(cluster["server"])
        self.host, self.port = url.hostname, url.port or 443
        self.tmp = tempfile.mkdtemp(prefix="capiform-dry-run-")

        def material(key):
            if key + "-data" in user or key + "-data" in cluster:
                data = user.get(key + "-data") or cluster.get(key + "-data")
                path = os.path.join(self.tmp, key)
                with open(path, "wb") as f:
                    f.write(base64.b64decode(data))
                return path
            return user.get(key) or cluster.get(key)

        self.ssl = ssl.create_default_context(cafile=material("certificate-authority"))
        cert, key = material("client-certificate"), material("client-key")
        if cert:
            self.ssl.load_cert_chain(cert, key)
        self.token = user.get("token")
        self.local = threading.local()

    def request(self, method, path, body=None):
        """(status, decoded JSON body or text)."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = http.client.HTTPSConnection(self.host, self.port, context=self.ssl, timeout=60)
                self.local.conn = conn
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text

    def discover(self):
        """{(apiVersion, kind): (plural, namespaced)} of every served kind."""
        kinds = {}
        versions = ["v1"]
        status, api = self.request("GET", "/apis")
        for group in api.get("groups", []):
            versions += [v["groupVersion"] for v in group["versions"]]
        for gv in versions:
            status, res = self.request("GET", ("/api/" if gv == "v1" else "/apis/") + gv)
            for r in res.get("resources", []) if status == 200 else []:
                if "/" not in r["name"]:
                    kinds[(gv, r["kind"])] = (r["name"], r["namespaced"])
        return kinds

    def ensure_namespace(self, name):
        status, body = self.request("POST", "/api/v1/namespaces",
                                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        if status not in (200, 201, 409):
            raise RuntimeError(f"creating namespace {name}: {status} {body}")


def refusal_message(body):
    if isinstance(body, dict):
        msg = body.get("message", "")
        causes = (body.get("details") or {}).get("causes") or []
        extra = [f"{c.get('field', '')}: {c.get('message', '')}" for c in causes
                 if c.get("message") and c.get("message") not in msg]
        return "; ".join([msg] + extra)
    return str(body)[:500]


# ------------------------------------------------------------------------------------------
# The addon provider's evaluation of manifest templates
# ------------------------------------------------------------------------------------------

def jinja_environment():
    env = jinja2.Environment()
    env.filters["toyaml"] = lambda v: yaml.safe_dump(v, default_flow_style=False)
    env.filters["fromyaml"] = lambda s: yaml.safe_load(s)
    env.filters["b64encode"] = lambda s: base64.b64encode(s.encode() if isinstance(s, str) else s).decode()
    env.filters["b64decode"] = lambda s: base64.b64decode(s).decode()
    return env


def stand_in_context(cluster_name, namespace):
    """What the addon provider gives a manifest template for an OpenStack cluster, with
    made-up values of the right shapes."""
    clouds = {"clouds": {"openstack": {
        "auth": {"auth_url": "https://keystone.example.com/v3",
                 "application_credential_id": "appcred-id",
                 "application_credential_secret": "appcred-secret"},
        "auth_type": "v3applicationcredential",
        "region_name": "RegionOne",
        "interface": "public",
        "identity_api_version": 3,
        "verify": True,
    }}}
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    meta = {"name": cluster_name, "namespace": namespace}
    return {
        "cluster": {"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster", "metadata": meta,
                    "spec": {}, "status": {}},
        "infra_cluster": {
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackCluster",
            "metadata": meta, "spec": {},
            "status": {"network": {"id": "0b6ba1b4-0000-4000-8000-000000000001", "name": "k8s-clusterapi-cluster"},
                       "externalNetwork": {"id": "0b6ba1b4-0000-4000-8000-000000000002", "name": "public"}},
        },
        "cloud_identity": {"apiVersion": "v1", "kind": "Secret",
                           "metadata": {"name": cluster_name + "-cloud-credentials", "namespace": namespace},
                           "data": {"clouds.yaml": b64(yaml.safe_dump(clouds)),
                                    "cacert": b64("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")}},
    }


def secret_texts(secret, source):
    """[(key, text)] of the keys of a rendered Secret that a `secret` manifest source
    selects (`keys`, `excludeKeys`; none given: every key), in key order."""
    data = dict(secret.get("stringData") or {})
    for key, b64 in (secret.get("data") or {}).items():
        data.setdefault(key, base64.b64decode(b64).decode())
    keys = source.get("keys") or sorted(data)
    excluded = set(source.get("excludeKeys") or [])
    return [(k, data[k]) for k in keys if k in data and k not in excluded]


def workload_objects(manifests, env, secrets=None):
    """The objects inside a `Manifests` object's templates, given inline (`template`) or
    in a Secret of the same render (`secret`, as the custom addons give them):
    [(source, object)], or raises ValueError naming the template that does not evaluate
    or the Secret that is not rendered."""
    spec = manifests.get("spec") or {}
    context = stand_in_context(spec.get("clusterName", "cluster"), manifests["metadata"].get("namespace", ""))
    out = []
    for i, source in enumerate(spec.get("manifestSources") or []):
        if source.get("template") is not None:
            texts = [(f"manifestSources[{i}]", source["template"])]
        elif source.get("secret") is not None:
            name = source["secret"].get("name")
            secret = (secrets or {}).get(name)
            if secret is None:
                raise ValueError(f"manifestSources[{i}]: the Secret {name!r} is not rendered")
            texts = [(f"manifestSources[{i}] (Secret {name!r}, key {k!r})", t)
                     for k, t in secret_texts(secret, source["secret"])]
        else:
            continue
        for where, text in texts:
            try:
                evaluated = env.from_string(text).render(**context)
                docs = [d for d in yaml.safe_load_all(evaluated) if d is not None]
            except (jinja2.TemplateError, yaml.YAMLError) as e:
                raise ValueError(f"{where} does not evaluate as the addon provider would: {e}")
            out += [(where, d) for d in docs]
    return out


# ------------------------------------------------------------------------------------------
# One case
# ------------------------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.unserved = collections.Counter()
        self.refusals = []
        self.notes = []

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                self.counts[k] += v


def case_args(case_dir):
    meta = {}
    if os.path.exists(os.path.join(case_dir, "case.yaml")):
        with open(os.path.join(case_dir, "case.yaml")) as f:
            meta = yaml.safe_load(f) or {}
    release = str(meta.get("release", "demo"))
    namespace = str(meta.get("namespace", "default"))
    args = [release, "--namespace", namespace, "-f", os.path.join(case_dir, "values.yaml")]
    if meta.get("existing"):  # the objects themselves, as YAML text
        fd, path = tempfile.mkstemp(prefix="capiform-dry-run-existing-", suffix=".yaml")
        with os.fdopen(fd, "w") as f:
            f.write(meta["existing"])
        args += ["--existing", path]
    if meta.get("templateVersion"):
        args += ["--template-version", str(meta["templateVersion"])]
    for key, flag in (("set", "--set"), ("setString", "--set-string"), ("setJson", "--set-json"),
                      ("setLiteral", "--set-literal")):
        for item in meta.get(key) or []:
            args += [flag, item]
    return args, namespace


def target(kinds, obj, namespace):
    """Where `obj` is created: (URL path, namespace or None), or None when the API server
    does not serve its kind. `namespace`: the namespace of namespaced objects (None: the
    object's own, else `default`)."""
    served = kinds.get((obj.get("apiVersion"), obj.get("kind")))
    if served is None:
        return None
    plural, namespaced = served
    api_version = obj["apiVersion"]
    group_path = ("/api/" if api_version == "v1" else "/apis/") + api_version
    if namespaced:
        namespace = namespace or (obj.get("metadata") or {}).get("namespace") or "default"
        return f"{group_path}/namespaces/{namespace}/{plural}", namespace
    return f"{group_path}/{plural}", None


def dry_run_object(api, path, namespace, obj):
    """The API server's verdict on a dry-run create of `obj` at `path`: None when it
    accepts it, else `STATUS message`."""
    obj = json.loads(json.dumps(obj))
    meta = obj.setdefault("metadata", {})
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    status, body = api.request("POST", path + "?dryRun=All&fieldValidation=Strict", obj)
    return None if status < 300 else f"{status} {refusal_message(body)}"


def render_case(env, binary, name, render_args, namespace, report, must_render):
    """Render one case: [(where, object, namespace to create it in or None)] of every
    rendered object and every object inside its `Manifests` templates. `must_render`: a
    refusal by capiform is a note (corpus cases, whose verdict the golden and parity tests
    own) rather than the accepted outcome of a random draw."""
    r = subprocess.run([binary, "render"] + render_args, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        msg = r.stderr.strip()
        if not msg:
            report.refusals.append(f"{name}: capiform exited {r.returncode} without a message")
        elif "panicked" in msg:
            report.refusals.append(f"{name}: capiform crashed: {msg[:300]}")
        elif must_render:
            report.notes.append(f"{name}: capiform refuses it: {msg.splitlines()[0]}")
        report.add(**{"refused by capiform": 1})
        return []
    if "Traceback" in r.stderr or "panicked" in r.stderr:
        report.refusals.append(f"{name}: capiform printed a crash: {r.stderr[:300]}")
    report.add(rendered=1)
    docs = [d for d in yaml.safe_load_all(r.stdout) if isinstance(d, dict)]
    secrets = {d["metadata"].get("name"): d for d in docs
               if d.get("apiVersion") == "v1" and d.get("kind") == "Secret"}
    out = []
    for doc in docs:
        out.append((name, doc, None if (doc.get("metadata") or {}).get("namespace") else namespace))
        if doc.get("kind") == "Manifests" and doc.get("apiVersion", "").startswith("addons.stackhpc.com/"):
            mname = doc["metadata"].get("name")
            try:
                inner = workload_objects(doc, env, secrets)
            except ValueError as e:
                report.refusals.append(f"{name}: Manifests {mname!r}: {e}")
                continue
            for where, obj in inner:
                if isinstance(obj, dict):
                    report.add(**{"workload objects": 1})
                    out.append((f"{name}: Manifests {mname!r} {where}", obj, WORKLOAD_NAMESPACE))
    return out


def dry_run_all(api, kinds, items, report, jobs):
    """Dry-run every (where, object, namespace) of `items`; an object the same in several
    cases (same content, same namespace) is sent once and its verdict counted for each."""
    by_key = collections.OrderedDict()
    for where, obj, namespace in items:
        found = target(kinds, obj, namespace)
        if found is None:
            report.unserved[f"{obj.get('kind')} ({obj.get('apiVersion')})"] += 1
            continue
        path, ns = found
        key = (path, json.dumps(obj, sort_keys=True))
        by_key.setdefault(key, (path, ns, obj, []))[3].append(where)
    for ns in sorted({ns for path, ns, obj, wheres in by_key.values() if ns}):
        api.ensure_namespace(ns)
    report.add(**{"dry-run": sum(len(v[3]) for v in by_key.values()), "distinct": len(by_key)})
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futures = {ex.submit(dry_run_object, api, path, ns, obj): (obj, wheres)
                   for path, ns, obj, wheres in by_key.values()}
        for fut in concurrent.futures.as_completed(futures):
            obj, wheres = futures[fut]
            what = f"{obj.get('kind')} {(obj.get('metadata') or {}).get('name')!r}"
            try:
                verdict = fut.result()
            except Exception as e:  # a broken harness is a failure, never a pass
                verdict = f"the dry run itself failed: {type(e).__name__}: {e}"
            if verdict:
                more = f" (and {len(wheres) - 1} other cases)" if len(wheres) > 1 else ""
                report.refusals.append(f"{wheres[0]}{more}: {what}: {verdict}")


def read_known(path):
    """[(pattern, why)] of the known-refusals file (absent: none)."""
    out = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    pattern, _, why = line.partition(" | ")
                    out.append((pattern.strip(), why.strip()))
    return out


def corpus_cases(dirs):
    for d in dirs:
        for name in sorted(os.listdir(d)):
            case = os.path.join(d, name)
            if not os.path.isfile(os.path.join(case, "values.yaml")):
                continue
            if os.path.exists(os.path.join(case, "expected-error.txt")):
                continue
            yield f"{os.path.relpath(case, REPO)}", case


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the capiform binary")
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--cases", action="append", default=[], help="a folder of case folders (repeatable)")
    ap.add_argument("--fuzz-seed", type=int)
    ap.add_argument("--fuzz-count", type=int, default=0)
    ap.add_argument("--fuzz-generator", default=os.path.join(REPO, "..", "shared", "parity"),
                    help="folder of fuzz_values.py")
    ap.add_argument("--known", default=os.path.join(REPO, "tests", "dry_run", "known-refusals.txt"),
                    help="classes of refusal not failing the run (PATTERN | why, one a line)")
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    api = Api(args.kubeconfig)
    kinds = api.discover()
    api.ensure_namespace(WORKLOAD_NAMESPACE)
    env = jinja_environment()
    report = Report()
    tmp = tempfile.mkdtemp(prefix="capiform-dry-run-values-")

    jobs = []
    for name, case in corpus_cases(args.cases):
        render_args, namespace = case_args(case)
        jobs.append((name, render_args, namespace, True))
    if args.fuzz_count:
        sys.path.insert(0, os.path.abspath(args.fuzz_generator))
        import fuzz_values  # the parity corpus's generator, run as it is
        for i in range(args.fuzz_count):
            text, release, namespace, _ = fuzz_values.generate(args.fuzz_seed, i, 0.15, [])
            path = os.path.join(tmp, f"f{args.fuzz_seed}-{i:04d}.yaml")
            with open(path, "w") as f:
                f.write(text)
            jobs.append((f"fuzz seed {args.fuzz_seed} index {i} (fuzz_values.py --seed {args.fuzz_seed} --only {i} --print)",
                         [release, "--namespace", namespace, "-f", path], namespace, False))

    items = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futures = [ex.submit(render_case, env, args.bin, *job[:3], report, job[3]) for job in jobs]
        for fut, job in zip(futures, jobs):
            try:
                items += fut.result()
            except Exception as e:  # a broken harness is a failure, never a pass
                report.refusals.append(f"{job[0]}: the dry run itself failed: {type(e).__name__}: {e}")
    dry_run_all(api, kinds, items, report, args.jobs)

    known = read_known(args.known)
    by_pattern = collections.Counter()
    unknown = []
    for r in report.refusals:
        pattern = next((p for p, _ in known if p in r), None)
        if pattern is None:
            unknown.append(r)
        else:
            by_pattern[pattern] += 1
    c = report.counts
    print(f"dry run: {len(jobs)} cases, {c['rendered']} rendered, {c['refused by capiform']} refused by capiform; "
          f"{c['dry-run']} objects dry-run ({c['workload objects']} from Manifests templates; "
          f"{c['distinct']} distinct, each sent once); "
          f"{sum(report.unserved.values())} objects of kinds the API server does not serve")
    if report.unserved:
        print("not served (no schema here), by kind: " +
              ", ".join(f"{k} x{n}" for k, n in sorted(report.unserved.items())))
    for note in report.notes if args.verbose else report.notes[:5]:
        print("note: " + note)
    if by_pattern:
        print(f"{sum(by_pattern.values())} refusals of known classes (--known), not failing:")
        for p, why in known:
            if by_pattern[p]:
                print(f"  {by_pattern[p]:5d}  {p}  ({why})")
    if args.verbose:
        for r in sorted(report.refusals):
            if r not in unknown:
                print("  known: " + r)
    if unknown:
        print(f"\n{len(unknown)} refused:")
        for r in sorted(unknown):
            print("  " + r)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
