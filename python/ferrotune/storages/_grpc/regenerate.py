"""Regenerate ``api_pb2.py`` and ``api_pb2_grpc.py`` from ``api.proto`` (needs grpcio-tools).

Run from anywhere: ``python python/ferrotune/storages/_grpc/regenerate.py``. The generated
modules are committed, so installing ferrotune never needs grpcio-tools. The proto file keeps
the name ``api.proto`` and the package ``optuna``: its serialized descriptor is then byte for
byte Optuna's, so both libraries' modules can be loaded in one process.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run protoc on ``api.proto`` and make the gRPC module import its sibling relatively."""
    from grpc_tools import protoc

    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"--proto_path={HERE}",
            f"--python_out={HERE}",
            f"--grpc_python_out={HERE}",
            str(HERE / "api.proto"),
        ]
    )
    if status != 0:
        return int(status)
    grpc_module = HERE / "api_pb2_grpc.py"
    text = grpc_module.read_text()
    grpc_module.write_text(
        re.sub(r"^import api_pb2 as", "from . import api_pb2 as", text, flags=re.M)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
