"""The deployment files agree with the code: settings, probes, ports, metrics, image.

No cluster and no Docker engine here, so the checks are what can go wrong between the YAML
and the service: an env var that configures nothing, a probe path it does not serve, a port it
does not listen on, an alert on a metric it does not export, selectors that select nothing.
"""

from __future__ import annotations

import json
import re
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.metrics import PrometheusMetrics
from service.runtime.health import Health, serve
from service.settings import Settings, Topics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
LABELS = {"app.kubernetes.io/name": "credit-service"}


def manifests(folder: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            found[document["kind"]] = document
    return found


def statefulset() -> dict[str, Any]:
    return manifests(K8S)["StatefulSet"]


def container() -> dict[str, Any]:
    return statefulset()["spec"]["template"]["spec"]["containers"][0]


def environment() -> dict[str, str]:
    env = dict(manifests(K8S)["ConfigMap"]["data"])
    for variable in container()["env"]:
        env[variable["name"]] = variable.get("value", "pod-0")  # fieldRef: the pod's name
    return env


def test_kustomization_lists_every_manifest_of_the_base() -> None:
    listed = set(manifests(K8S)["Kustomization"]["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


def test_every_variable_configures_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """pydantic-settings ignores unknown variables, so a typo would silently do nothing."""
    fields = set(Settings.model_fields) | {"bootstrap_servers"}
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
        if name == "KAFKA_BOOTSTRAP_SERVERS":
            continue
        assert name.startswith("CREDIT_"), name
        field, _, nested = name.removeprefix("CREDIT_").lower().partition("__")
        assert field in fields, f"{name} configures nothing"
        if nested:
            assert nested in Topics.model_fields, f"{name} configures nothing"
    settings = Settings()  # and every value is valid
    assert settings.instance_id == "pod-0"
    assert settings.bootstrap_servers.startswith("kafka-0")


def test_the_pod_listens_where_probes_and_service_look(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    (port,) = container()["ports"]
    assert port["containerPort"] == settings.http_port
    service = manifests(K8S)["Service"]
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    mounts = {m["mountPath"] for m in container()["volumeMounts"]}
    assert str(settings.state_dir) in mounts  # the stores live on the pod's volume
    claims = {c["metadata"]["name"] for c in statefulset()["spec"]["volumeClaimTemplates"]}
    assert {m["name"] for m in container()["volumeMounts"]} <= claims | {"tmp"}


def test_probe_paths_are_served() -> None:
    health = Health()
    server = serve(health, PrometheusMetrics().registry, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        expected = {"/healthz": 200, "/readyz": 503}  # alive, not assigned yet
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            path = container()[probe]["httpGet"]["path"]
            try:
                status = urllib.request.urlopen(base + path, timeout=5).status
            except urllib.error.HTTPError as exc:
                status = exc.code
            assert status == expected[path], (probe, path)
    finally:
        server.shutdown()


def test_selectors_select_the_pods() -> None:
    found = manifests(K8S)
    template = found["StatefulSet"]["spec"]["template"]["metadata"]["labels"]
    assert found["StatefulSet"]["spec"]["selector"]["matchLabels"].items() <= template.items()
    assert found["Service"]["spec"]["selector"].items() <= template.items()
    assert found["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == LABELS
    assert found["StatefulSet"]["spec"]["serviceName"] == found["Service"]["metadata"]["name"]


def exported_metrics() -> set[str]:
    exported: set[str] = set()
    for family in PrometheusMetrics().registry.collect():
        exported.update(sample.name for sample in family.samples)
        suffixes = ("_total", "_bucket", "_count", "_sum") if family.type != "gauge" else ("",)
        exported.update(family.name + suffix for suffix in suffixes)  # labelled, no samples yet
    return exported


def assert_exported(where: str, expression: str) -> None:
    names = set(re.findall(r"\bcredit_[a-z_]+", expression))
    assert names, where
    for name in names:
        assert name in exported_metrics(), f"{where}: {name} is not exported"


def test_alerts_use_metrics_the_service_exports() -> None:
    rules = manifests(K8S / "monitoring")["PrometheusRule"]["spec"]["groups"][0]["rules"]
    assert rules
    for rule in rules:
        assert_exported(rule["alert"], rule["expr"])


def test_dashboard_panels_use_metrics_the_service_exports() -> None:
    """Every panel asks for exported metrics, and every metric has a panel."""
    dashboard = json.loads((K8S / "monitoring" / "grafana-dashboard.json").read_text())
    shown = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            assert_exported(panel["title"], target["expr"])
            shown.update(re.sub(r"_(total|bucket|count|sum)$", "", name)
                         for name in re.findall(r"\bcredit_[a-z_]+", target["expr"]))  # fmt: skip
    families = {family.name for family in PrometheusMetrics().registry.collect()}
    assert families <= shown, f"no panel shows {sorted(families - shown)}"


def test_image_runs_the_console_script_on_the_supported_python() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())["project"]
    script = next(iter(project["scripts"]))
    assert f'ENTRYPOINT ["{script}"]' in dockerfile
    assert 'CMD ["run"]' in dockerfile and container()["args"] == ["run"]
    minimum = project["requires-python"].removeprefix(">=")
    for version in re.findall(r"FROM python:(\d+\.\d+)", dockerfile):
        assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.split(".")))
    assert f"EXPOSE {Settings().http_port}" in dockerfile
    for variable in re.findall(r"\b(CREDIT_[A-Z_]+)=", dockerfile):
        assert variable.removeprefix("CREDIT_").lower() in Settings.model_fields, variable
