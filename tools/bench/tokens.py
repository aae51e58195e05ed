"""What a calling model pays for pattern-mcp: tokens of typical results and the size of tools/list.

Runs the built binary over stdio with the Python `mcp` client (mcp-server-time from the virtualenv as the
downstream server) and prints a Markdown table: for a store, a recall that finds it, a recall that finds nothing
and a tool call, the `tokens_used` the server reports (the o200k_base tokens of the text block the client gets)
and that text's length in characters, lean (the default) and with `explain: true` (the whole routing decision,
the shape every result had before results were made lean). Then the bytes of the `tools/list` result.

Usage: .venv/bin/python tools/bench/tokens.py [PATH_TO_BINARY]   (default target/debug/pattern-mcp)
"""

import asyncio
import json
import pathlib
import sys
import tempfile

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = pathlib.Path(sys.executable).parent

CALLS = [
    ("store", "remember that the staging database listens on port 5433"),
    ("recall (found)", "what port does the staging database use?"),
    ("recall (nothing)", "what did we note about the quarterly offsite?"),
    ("tool call", "what is the time in Europe/Berlin"),
]


async def main(binary: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        servers = pathlib.Path(tmp) / "servers.json"
        servers.write_text(json.dumps({"mcpServers": {"time": {
            "command": str(VENV_BIN / "python"), "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"]}}}))
        params = StdioServerParameters(
            command=binary,
            args=["--memory", f"sqlite:{tmp}/memory.db", "--servers", str(servers),
                  "--patterns", str(ROOT / "examples" / "patterns-tools.toml")],
            env={"RUST_LOG": "warn"},
        )
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                listing = await session.list_tools()
                tools_bytes = len(json.dumps(listing.model_dump(mode="json", by_alias=True, exclude_none=True),
                                             separators=(",", ":"), ensure_ascii=False).encode())
                await asyncio.sleep(1.5)  # let the downstream server list its tools
                print("| call | tokens_used (lean) | characters (lean) | tokens_used (explain) | characters (explain) |")
                print("|---|---:|---:|---:|---:|")
                for name, query in CALLS:
                    row = []
                    for explain in (False, True):
                        # use_cache false: the store must not be replayed, and both shapes run alike.
                        result = await session.call_tool(
                            "execute_pattern", {"query": query, "explain": explain, "use_cache": False})
                        text = result.content[0].text
                        data = json.loads(text)
                        if not data["success"]:
                            raise SystemExit(f"{name} failed: {data['error']}")
                        row += [data["tokens_used"], len(text)]
                    print(f"| {name} | {row[0]} | {row[1]} | {row[2]} | {row[3]} |")
                print(f"\ntools/list result: {tools_bytes} bytes")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "debug" / "pattern-mcp")))
