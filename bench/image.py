"""The container image's size: the whole image, the layers above its base, and /opt/venv.

Reads an image podman already holds (`bash .ci/docker-check` builds localhost/quizbot:ci on a
local Debian 12 base, localhost/python-local): the image and base sizes and the layers above
the base from `podman image inspect` and `podman history`, the largest folders of the venv
and its byte-compiled files from one `du` in a throw-away container. No registry image can be
pulled here, so the image on the official python:3.12-slim base is estimated as that base's
published size plus our layers (or measured, when podman holds that base). About 3 s;
`--compressed` also gzips our layers (from `podman save`) for a pull-size estimate, ~25 s more.
Sizes are apparent sizes in MB of 10^6 bytes, as podman and the official images' tag pages count them.

Targets: our layers < 200 MB; on the official python:3.12-slim base < 330 MB.
Run: python -m bench.image [--json] [--compressed] [--image TAG] [--base TAG] [--fail-over-target]
Podman's settings come from CONTAINERS_CONF / CONTAINERS_STORAGE_CONF, else from the
docker-check work folder (QUIZBOT_DOCKER_WORK, default /var/tmp/quizbot-docker-check).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import zlib
from pathlib import Path

LAYERS_MB, OFFICIAL_MB = 200.0, 330.0
MB = 1_000_000

# python:3.12-slim, linux/amd64, as the official image's tag page (compressed) and `docker images`
# after a pull (uncompressed) published it in 2025: about 41-43 MB and 120-130 MB over the
# Debian bookworm and trixie rebuilds. Rounded up here, so the estimate errs high; it cannot be
# checked from CI machines (no registry). When podman holds the image, it is measured instead.
OFFICIAL_BASE = "python:3.12-slim"
OFFICIAL_COMPRESSED_MB = 45.0
OFFICIAL_UNCOMPRESSED_MB = 130.0
OFFICIAL_AS_OF = "2025 (the official image's tag page, linux/amd64), rounded up"

VENV_DU = (
    "cd /opt/venv/lib/python3*/site-packages && du -sk --apparent-size -- * | sort -rn | head -n {top}; "
    "echo TOTAL $(du -sk --apparent-size /opt/venv | cut -f1); "
    "echo PYC $(find /opt/venv -name '*.pyc' -exec du -ck --apparent-size -- {{}} + | awk '/total$/ {{s += $1}} END {{print s + 0}}')"
)


def podman_env() -> dict[str, str]:
    env = dict(os.environ)
    work = Path(os.environ.get("QUIZBOT_DOCKER_WORK", "/var/tmp/quizbot-docker-check"))
    for key, name in (
        ("CONTAINERS_CONF", "containers.conf"),
        ("CONTAINERS_STORAGE_CONF", "storage.conf"),
    ):
        if key not in env and (work / name).is_file():
            env[key] = str(work / name)
    return env


def podman(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        ["podman", *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def inspect(image: str, env: dict[str, str]) -> dict:
    return json.loads(podman("image", "inspect", image, env=env))[0]


def own_layers(image: str, base: str, env: dict[str, str]) -> list[dict]:
    """The history entries above the base that add bytes, newest first."""
    history = json.loads(podman("history", "--format", "json", image, env=env))
    base_entries = len(json.loads(podman("history", "--format", "json", base, env=env)))
    ours = history[: len(history) - base_entries]
    return [
        {"mb": round(e["size"] / MB, 2), "created_by": " ".join(e["CreatedBy"].split())[:90]}
        for e in ours
        if e["size"]
    ]


def venv_usage(image: str, top: int, env: dict[str, str]) -> dict:
    """The venv's largest site-packages entries, its total and its .pyc files, in MB."""
    out = podman(
        "run", "--rm", "--no-healthcheck", "--network", "none", image,
        "sh", "-c", VENV_DU.format(top=top), env=env,
    )  # fmt: skip
    entries, totals = [], {}
    for line in out.splitlines():
        first, _, rest = line.partition(" " if line.startswith(("TOTAL", "PYC")) else "\t")
        if first in ("TOTAL", "PYC"):
            totals[first] = round(int(rest) * 1024 / MB, 1)
        else:
            entries.append({"path": rest, "mb": round(int(first) * 1024 / MB, 1)})
    return {"total_mb": totals["TOTAL"], "pyc_mb": totals["PYC"], "top": entries}


def gzipped_own_layers(image: str, base_layers: int, env: dict[str, str]) -> float:
    """Our layers as a registry stores them (gzip, level 6), from `podman save`, in MB."""
    with tempfile.TemporaryDirectory(prefix="quizbot-image-") as folder:
        target = Path(folder) / "image"
        podman("save", "--format", "docker-dir", "-o", str(target), image, env=env)
        manifest = json.loads((target / "manifest.json").read_text())
        total = 0
        for layer in manifest["layers"][base_layers:]:
            packer = zlib.compressobj(6, zlib.DEFLATED, 31)
            with open(target / layer["digest"].split(":")[1], "rb") as blob:
                while chunk := blob.read(1 << 20):
                    total += len(packer.compress(chunk))
            total += len(packer.flush())
        return total / MB


def run(args: argparse.Namespace) -> dict:
    env = podman_env()
    image, base = inspect(args.image, env), inspect(args.base, env)
    base_layer_ids = base["RootFS"]["Layers"]
    if image["RootFS"]["Layers"][: len(base_layer_ids)] != base_layer_ids:
        raise SystemExit(f"{args.image} is not built on {args.base}")
    own_mb = (image["Size"] - base["Size"]) / MB
    measured = (
        subprocess.run(
            ["podman", "image", "exists", OFFICIAL_BASE], env=env, capture_output=True
        ).returncode
        == 0
    )
    official_mb = inspect(OFFICIAL_BASE, env)["Size"] / MB if measured else OFFICIAL_UNCOMPRESSED_MB
    info = {
        "image": args.image,
        "image_mb": round(image["Size"] / MB, 1),
        "base": args.base,
        "base_mb": round(base["Size"] / MB, 1),
        "layers": own_layers(args.image, args.base, env),
        "venv": venv_usage(args.image, args.top, env),
        "official_base": {
            "image": OFFICIAL_BASE,
            "uncompressed_mb": round(official_mb, 1),
            "compressed_mb": None if measured else OFFICIAL_COMPRESSED_MB,
            "source": "measured here" if measured else f"published {OFFICIAL_AS_OF}",
        },
    }
    figures = [
        {"name": "own_layers_mb", "value": round(own_mb, 1), "target": LAYERS_MB, "unit": "MB"},
        {
            "name": "on_python_3.12_slim_mb",
            "value": round(official_mb + own_mb, 1),
            "target": OFFICIAL_MB,
            "unit": "MB",
        },
    ]
    if args.compressed:
        gz = gzipped_own_layers(args.image, len(base_layer_ids), env)
        info["own_layers_gzip_mb"] = round(gz, 1)
        if not measured:
            info["on_python_3.12_slim_pull_mb"] = round(OFFICIAL_COMPRESSED_MB + gz, 1)
    return {"figures": figures, "info": info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--image", default=os.environ.get("QUIZBOT_IMAGE", "localhost/quizbot:ci"))
    parser.add_argument("--base", default="localhost/python-local", help="the image's base")
    parser.add_argument("--top", type=int, default=12, help="venv folders listed")
    parser.add_argument("--compressed", action="store_true", help="also gzip our layers (~25 s)")
    parser.add_argument(
        "--fail-over-target", action="store_true", help="exit 1 when a figure misses its target"
    )
    args = parser.parse_args()
    result = run(args)
    missed = [f["name"] for f in result["figures"] if f["value"] > f["target"]]
    report(result, args.json)
    if missed and args.fail_over_target:
        raise SystemExit(f"over target: {', '.join(missed)}")


def report(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
        return
    info = result["info"]
    print(f"{info['image']}: {info['image_mb']} MB on {info['base']} ({info['base_mb']} MB)")
    print("layers above the base:")
    for layer in info["layers"]:
        print(f"  {layer['mb']:>8.2f} MB  {layer['created_by']}")
    venv = info["venv"]
    print(f"/opt/venv: {venv['total_mb']} MB, of which .pyc {venv['pyc_mb']} MB; largest:")
    for entry in venv["top"]:
        print(f"  {entry['mb']:>8.1f} MB  {entry['path']}")
    official = info["official_base"]
    print(f"{official['image']}: {official['uncompressed_mb']} MB ({official['source']})")
    if "own_layers_gzip_mb" in info:
        print(f"our layers gzipped: {info['own_layers_gzip_mb']} MB", end="")
        pull = info.get("on_python_3.12_slim_pull_mb")
        print(f"; pull on python:3.12-slim ~{pull} MB" if pull else "")
    print(f"{'figure':<24}{'value':>8}  {'target':>8}  met")
    for f in result["figures"]:
        met = "yes" if f["value"] <= f["target"] else "NO"
        print(f"{f['name']:<24}{f['value']:>8.1f}  <{f['target']:>7} {f['unit']:<3} {met}")


if __name__ == "__main__":
    main()
