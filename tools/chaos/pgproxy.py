"""A TCP proxy (asyncio) in front of PostgreSQL that can cut its connections mid-stream.

While `cutting` is on, every chunk relayed in either direction has a chance `cut_probability` of being the last:
half of it is forwarded, then both sides of that connection are aborted (RST), so a statement may have reached the
server and its answer may be lost halfway. `cut_all()` aborts every open connection at once."""

import asyncio
import random


class CuttingProxy:
    def __init__(self, target_port, listen_port, seed=0):
        self.target_port, self.listen_port = target_port, listen_port
        self.rng = random.Random(seed)
        self.cutting = False
        self.cut_probability = 0.2
        self.pairs = set()
        self.server = None
        self.connections = 0
        self.cuts = 0

    async def start(self):
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.listen_port)
        return self

    async def _accept(self, creader, cwriter):
        self.connections += 1
        try:
            sreader, swriter = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            cwriter.transport.abort()
            return
        pair = (cwriter, swriter)
        self.pairs.add(pair)
        try:
            await asyncio.gather(self._pipe(creader, swriter, pair), self._pipe(sreader, cwriter, pair))
        except asyncio.CancelledError:
            pass
        finally:
            self.pairs.discard(pair)
            for w in pair:
                w.transport.abort()

    async def _pipe(self, reader, writer, pair):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    writer.write_eof() if writer.can_write_eof() else None
                    return
                if self.cutting and self.rng.random() < self.cut_probability:
                    writer.write(data[: len(data) // 2])
                    await writer.drain()
                    self._abort(pair)
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            self._abort(pair)

    def _abort(self, pair):
        if pair in self.pairs:
            self.cuts += 1
            self.pairs.discard(pair)
        for w in pair:
            w.transport.abort()

    def cut_all(self):
        for pair in list(self.pairs):
            self._abort(pair)

    async def close(self):
        self.cut_all()
        self.server.close()
        await self.server.wait_closed()
