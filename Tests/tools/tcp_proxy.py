"""A TCP proxy for fault injection: forwards 127.0.0.1:LISTEN to TARGET.
Killing it resets every connection through it, as a network outage or a
server crash would; the tests start it again on the same port. With a third
argument N it dies by itself (every connection reset) once N bytes went
upstream: a server lost in the middle of an upload, at a known point."""
import asyncio
import os
import sys

listen_port = int(sys.argv[1])
target_host, target_port = sys.argv[2].rsplit(":", 1)
die_after = int(sys.argv[3]) if len(sys.argv) > 3 else None
upstream_bytes = 0


async def pipe(reader, writer, upstream=False):
    global upstream_bytes
    try:
        while data := await reader.read(1 << 16):
            if upstream:
                upstream_bytes += len(data)
                if die_after is not None and upstream_bytes > die_after:
                    os._exit(9)
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection(target_host, int(target_port))
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, server_writer, upstream=True), pipe(server_reader, client_writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, reuse_address=True)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
