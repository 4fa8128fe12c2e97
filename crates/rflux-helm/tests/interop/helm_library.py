"""The real Helm v4 library (helm-sdkpy) on a release rflux wrote, and the other way round.

    python helm_library.py KUBECONFIG read NAME              -> JSON {history, values, status}
    python helm_library.py KUBECONFIG upgrade NAME CHART JSON -> JSON of the upgraded release
    python helm_library.py KUBECONFIG install NAME CHART JSON -> JSON of the installed release
"""

import asyncio
import json
import sys

import helm_sdkpy as helm


async def main():
    kubeconfig, command, name = sys.argv[1], sys.argv[2], sys.argv[3]
    config = helm.Configuration(namespace="default", kubeconfig=kubeconfig)
    if command == "read":
        out = {
            "history": await helm.History(config).run(name),
            "values": await helm.GetValues(config).run(name),
            "status": await helm.Status(config).run(name),
        }
    elif command == "upgrade":
        chart, values = sys.argv[4], json.loads(sys.argv[5])
        # The library names its field manager after the running program (python), not
        # `helm`: taking over the fields rflux applied needs force_conflicts.
        out = await helm.Upgrade(config).run(
            name, chart, values=values, wait=True, timeout=60, force_conflicts=True
        )
    elif command == "install":
        chart, values = sys.argv[4], json.loads(sys.argv[5])
        out = await helm.Install(config).run(name, chart, values=values, wait=True, timeout=60)
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(out, default=str))


asyncio.run(main())
