"""A minimal kustomize, so the tests render deploy/k8s offline without a kustomize binary.

It renders the subset deploy/k8s uses and refuses any other kustomization field, so a manifest
cannot start relying on a feature the tests would silently skip:

- ``resources``: YAML files (several documents each) and directories with a kustomization.yaml;
- ``configMapGenerator``: ``files`` and ``literals``, only with ``disableNameSuffixHash``
  (kustomize's name hash is not reproduced);
- ``patches`` with ``path``: strategic merge patches matched by kind and name. Maps merge
  recursively, a ``null`` value removes the field, lists of containers, env vars, volumes and
  volume mounts merge by their key (other lists are replaced), and ``$patch: delete`` removes
  a whole resource or one list item;
- ``images``: ``newName`` / ``newTag`` for containers and init containers;
- ``namespace``: set on every namespaced resource.

Where ``kubectl`` is installed the tests also compare this output with ``kubectl kustomize``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

SUPPORTED_FIELDS = {
    "apiVersion",
    "kind",
    "resources",
    "configMapGenerator",
    "patches",
    "images",
    "namespace",
}
# Strategic-merge keys of the lists the patches touch (as in the Kubernetes API's
# x-kubernetes-patch-merge-key); every other list is replaced by the patch's.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
CLUSTER_SCOPED = {
    "Namespace",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


class UnsupportedKustomizationError(ValueError):
    """The kustomization uses a field this renderer does not implement."""


def key(resource: Resource) -> tuple[str, str]:
    return resource["kind"], resource["metadata"]["name"]


def render(directory: Path) -> list[Resource]:
    """The resources ``kustomize build directory`` would print (in file order)."""
    directory = Path(directory)
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED_FIELDS
    if unknown:
        raise UnsupportedKustomizationError(f"{directory}: unsupported fields {sorted(unknown)}")

    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            resources.extend(render(path))
        else:
            resources.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for generator in kustomization.get("configMapGenerator", []):
        resources.append(_config_map(directory, generator))
    _check_unique(resources, directory)

    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise UnsupportedKustomizationError(f"{directory}: only `patches: - path:` works")
        resources = _apply_patch(resources, yaml.safe_load((directory / patch["path"]).read_text()))
    for image in kustomization.get("images", []):
        for resource in resources:
            _set_image(resource, image)
    if namespace := kustomization.get("namespace"):
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = namespace
    return resources


def _config_map(directory: Path, generator: dict[str, Any]) -> Resource:
    if not generator.get("options", {}).get("disableNameSuffixHash"):
        raise UnsupportedKustomizationError(
            f"{directory}: configMapGenerator {generator['name']} needs disableNameSuffixHash"
        )
    unknown = set(generator) - {"name", "files", "literals", "options"}
    if unknown:
        raise UnsupportedKustomizationError(f"{directory}: configMapGenerator fields {unknown}")
    data: dict[str, str] = {}
    for entry in generator.get("files", []):
        name, _, source = entry.rpartition("=") if "=" in entry else ("", "", entry)
        data[name or Path(source).name] = (directory / source).read_text()
    for literal in generator.get("literals", []):
        name, _, value = literal.partition("=")
        data[name] = value
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": generator["name"]},
        "data": data,
    }


def _check_unique(resources: list[Resource], directory: Path) -> None:
    seen: set[tuple[str, str]] = set()
    for resource in resources:
        if key(resource) in seen:
            raise ValueError(f"{directory}: {key(resource)} defined twice")
        seen.add(key(resource))


def _apply_patch(resources: list[Resource], patch: Resource) -> list[Resource]:
    targets = [r for r in resources if key(r) == key(patch)]
    if not targets:
        raise ValueError(f"patch target {key(patch)} not found")
    if patch.get("$patch") == "delete":
        return [r for r in resources if key(r) != key(patch)]
    body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
    merged = merge(targets[0], body)
    return [merged if key(r) == key(patch) else r for r in resources]


def merge(base: Any, patch: Any, field: str = "") -> Any:
    """Strategic merge of ``patch`` into ``base`` (neither is changed)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        result = copy.deepcopy(base)
        for name, value in patch.items():
            if value is None:
                result.pop(name, None)
            elif name in result:
                result[name] = merge(result[name], value, name)
            else:
                result[name] = _strip_directives(value)
        return result
    if isinstance(base, list) and isinstance(patch, list) and field in MERGE_KEYS:
        merge_key = MERGE_KEYS[field]
        result = copy.deepcopy(base)
        for item in patch:
            index = next(
                (i for i, old in enumerate(result) if old.get(merge_key) == item[merge_key]),
                None,
            )
            if item.get("$patch") == "delete":
                if index is not None:
                    result.pop(index)
            elif index is None:
                result.append(_strip_directives(item))
            else:
                result[index] = merge(result[index], item)
        return result
    return _strip_directives(patch)


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _strip_directives(v) for k, v in value.items() if k != "$patch" and v is not None
        }
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return copy.deepcopy(value)


def pod_spec(resource: Resource) -> dict[str, Any] | None:
    if resource["kind"] not in POD_TEMPLATE_KINDS:
        return None
    spec: dict[str, Any] = resource["spec"]["template"]["spec"]
    return spec


def containers(resource: Resource) -> list[dict[str, Any]]:
    """Init containers and containers of a workload's pod template (none for other kinds)."""
    spec = pod_spec(resource)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _set_image(resource: Resource, image: dict[str, str]) -> None:
    for container in containers(resource):
        name, _, tag = container["image"].partition(":")
        if name != image["name"]:
            continue
        name = image.get("newName", name)
        tag = image.get("newTag", tag)
        container["image"] = f"{name}:{tag}" if tag else name
