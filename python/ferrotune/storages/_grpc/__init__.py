"""Optuna-compatible gRPC storage proxy: :class:`GrpcStorageProxy` and its server.

Needs the ``grpc`` extra (``pip install ferrotune[grpc]``). The protocol is Optuna 5.0's
(``api.proto``); ``api_pb2*.py`` are generated from it by ``regenerate.py``.
"""

from __future__ import annotations

from ferrotune.storages._grpc.client import GrpcStorageProxy
from ferrotune.storages._grpc.server import make_server, run_grpc_proxy_server

__all__ = ["GrpcStorageProxy", "make_server", "run_grpc_proxy_server"]
