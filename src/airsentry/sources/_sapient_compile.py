"""Compile the vendored SAPIENT .proto files into one binary descriptor set with protoc.

Used by the build (``setup.py``'s ``build_py``) and, when a checkout is run from its
sources without having been built, once by :mod:`airsentry.sources._sapient_proto`.
protoc comes from grpcio-tools (``grpc_tools.protoc``), which also ships the
well-known types (``google/protobuf/timestamp.proto``, ``descriptor.proto``) the
SAPIENT files import. Standard library only at module level: setup.py imports this
file before the package's dependencies are installed.
"""

from __future__ import annotations

from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent / "sapient_proto"
DESCRIPTOR_SET = PROTO_ROOT / "sapient.binpb"


def compile_descriptor_set(out: Path = DESCRIPTOR_SET) -> Path:
    """Run protoc over ``sapient_msg/*.proto``; write the descriptor set (with imports)."""
    import importlib.resources

    from grpc_tools import protoc

    protos = sorted(
        p.relative_to(PROTO_ROOT).as_posix() for p in PROTO_ROOT.glob("sapient_msg/*.proto")
    )
    if not protos:
        raise RuntimeError(f"no SAPIENT .proto files under {PROTO_ROOT}")
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    tmp = out.with_suffix(".tmp")
    args = [
        "protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known}",
        f"--descriptor_set_out={tmp}",
        "--include_imports",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on the SAPIENT protos in {PROTO_ROOT}")
    tmp.replace(out)
    return out


if __name__ == "__main__":
    print(compile_descriptor_set())
