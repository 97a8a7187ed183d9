"""A proxy server process for the gRPC tests (run as a script, not collected).

``python _grpc_server.py <ferrotune|optuna> <storage URL> <port>``: serves the storage with
ferrotune's or real Optuna's ``run_grpc_proxy_server`` until killed.
"""

from __future__ import annotations

import sys


def main() -> None:
    library, url, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if library == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        storage = optuna.storages.get_storage(url)
        optuna.storages.run_grpc_proxy_server(storage, host="localhost", port=port)
    else:
        import ferrotune as ft

        ft.storages.run_grpc_proxy_server(
            ft.storages.get_storage(url), host="localhost", port=port
        )


if __name__ == "__main__":
    main()
